"""Every git subprocess icsvc runs, in one place; each failure is a one-line IcsvcError."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from icsvc.errors import IcsvcError, UsageError

DRIVER_NAME = "icsvc request merge"
DRIVER_COMMAND = "icsvc merge-driver %O %A %B %P"
ATTRIBUTES_LINE = "requests/**/*.yaml merge=icsvc"


@dataclass(frozen=True)
class GitResult:
    """What a git command returned: its exit code and its output."""

    code: int
    out: str
    err: str


def run(cwd: Path, *args: str, check: bool = True, what: str = "",
        env: dict[str, str] | None = None, input: str | None = None,
        meanwhile: Callable[[], None] | None = None) -> GitResult:
    """Run `git args` in `cwd`. With `check`, a failure raises naming `what` was being done.
    Its output is read as Python reads file names: a byte that is not UTF-8 (in a path git
    prints) becomes a surrogate, so the path is the one `os.listdir` gives for that file
    and goes back to git as the same bytes (`escaped` shows it). `meanwhile` is called
    while git runs (a `git status` over 100,000 files takes 0.13 s); if it raises, git is
    stopped."""
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update(env)
    try:
        proc = subprocess.Popen(
            ["git", *args], cwd=cwd, stdin=subprocess.PIPE if input is not None else None,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
            errors="surrogateescape", env=full_env)
    except FileNotFoundError:
        raise IcsvcError("git is not installed or not on PATH (install git, then retry)") from None
    except ValueError:  # a NUL character, which no git name or revision holds
        raise UsageError(f"{what or 'git ' + ' '.join(args[:2])}: a name or revision "
                         "contains a NUL character") from None
    with proc:
        try:
            if meanwhile is not None:
                meanwhile()
            out, err = proc.communicate(input, timeout=600)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise IcsvcError(f"git {' '.join(args[:2])} timed out after 10 minutes") from None
        except BaseException:
            proc.kill()
            raise
    result = GitResult(proc.returncode, out, err)
    if check and proc.returncode != 0:
        detail = first_line(err) or first_line(out) or f"exit {proc.returncode}"
        raise IcsvcError(f"{what or 'git ' + ' '.join(args[:2])} failed: {detail}")
    return result


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("hint:"):
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return ""


def toplevel(cwd: Path) -> Path | None:
    """The work tree root of the repository holding `cwd`, or None outside git."""
    try:
        result = run(cwd, "rev-parse", "--show-toplevel", check=False)
    except IcsvcError:
        return None
    return Path(result.out.strip()).resolve() if result.code == 0 else None


def is_tracked(cwd: Path, path: str) -> bool:
    """Whether git tracks `path` (a file, or any file in a folder); False outside git."""
    try:
        result = run(cwd, "ls-files", "-z", "--", path, check=False)
    except IcsvcError:
        return False
    return result.code == 0 and bool(result.out)


def require_repo(cwd: Path) -> Path:
    top = toplevel(cwd)
    if top is None:
        raise IcsvcError(f"{cwd} is not in a git repository (run 'git init' there first)")
    return top


def config_get(cwd: Path, key: str) -> str | None:
    result = run(cwd, "config", "--get", key, check=False)
    return result.out.strip() or None if result.code == 0 else None


def config_set(cwd: Path, key: str, value: str) -> None:
    run(cwd, "config", "--local", key, value, what=f"git config {key}")


def resolve(cwd: Path, rev: str) -> str | None:
    """The commit hash `rev` names, or None when it names no commit."""
    result = run(cwd, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    return result.out.strip() or None if result.code == 0 else None


def merge_base(cwd: Path, a: str, b: str) -> str | None:
    result = run(cwd, "merge-base", a, b, check=False)
    return result.out.strip() or None if result.code == 0 else None


def show(cwd: Path, rev: str, path: str) -> str | None:
    """The text of `path` (relative to the repository root) at `rev`, None if absent."""
    result = run(cwd, "show", f"{rev}:{path}", check=False)
    return result.out if result.code == 0 else None


@dataclass(frozen=True)
class CommitInfo:
    """A commit as the branch checks read it."""

    sha: str
    parents: tuple[str, ...]
    author: str
    """The author's email, lower-case."""
    committed: datetime
    """The committer date."""


def commits_between(cwd: Path, base: str, head: str) -> list[CommitInfo]:
    """Every commit in base..head, parents before children."""
    result = run(cwd, "log", "--topo-order", "--reverse", "--format=%H%x00%P%x00%ae%x00%cI",
                 f"{base}..{head}", what="git log")
    out = []
    for line in result.out.splitlines():
        if not line.strip():
            continue
        sha, parents, email, date = line.split("\0")
        out.append(CommitInfo(sha, tuple(parents.split()), email.strip().lower(),
                              datetime.fromisoformat(date.strip())))
    return out


def commit_date(cwd: Path, rev: str) -> datetime:
    result = run(cwd, "log", "-1", "--format=%cI", rev, what=f"git log {rev[:12]}")
    return datetime.fromisoformat(result.out.strip())


def signatures(cwd: Path, revs: list[str], allowed_signers: str) -> dict[str, tuple[str, str]]:
    """Commit hash -> (git's signature status letter, the signer) of every commit `revs`
    name (e.g. `['HEAD', '^main']`), verified against an allowed-signers file's text (SSH
    signatures): `G` is a good signature by a listed key, the signer its principal (email)."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".allowed_signers", delete=False) as f:
        f.write(allowed_signers)
        name = f.name
    try:
        result = run(cwd, "-c", f"gpg.ssh.allowedSignersFile={name}", "log",
                     "--format=%H%x00%G?%x00%GS%x00", *revs, "--", check=False)
    finally:
        Path(name).unlink(missing_ok=True)
    out: dict[str, tuple[str, str]] = {}
    fields = result.out.split("\0")
    for i in range(0, len(fields) - 3, 3):
        sha, status, signer = (f.strip() for f in fields[i:i + 3])
        out[sha] = (status or "N", signer)
    return out


def commit_dates(cwd: Path, revs: Collection[str]) -> dict[str, datetime]:
    """Commit hash -> committer date, of these commits, in one call."""
    if not revs:
        return {}
    result = run(cwd, "log", "--no-walk=unsorted", "--format=%H %cI", *sorted(revs), "--",
                 what="git log")
    out = {}
    for line in result.out.splitlines():
        sha, _, date = line.partition(" ")
        if date:
            out[sha] = datetime.fromisoformat(date.strip())
    return out


REGULAR_MODES = ("100644", "100755")
"""git's modes of a regular file (`120000` is a symlink, `160000` a submodule)."""


class Change(NamedTuple):
    """One path a commit changed against one of its parents (`git diff-tree --raw`)."""

    old_mode: str
    new_mode: str
    """`000000` when the commit deleted the path."""
    new_blob: str
    path: str
    """From the repository's root."""


def commit_changes(cwd: Path, pairs: list[tuple[str, str | None]],
                   pathspecs: list[str]) -> list[list[Change]]:
    """What each (commit, parent) changed under the pathspecs, in one `git diff-tree`; a
    parent of None compares a parentless commit with the empty tree."""
    if not pairs:
        return []
    lines = "".join(f"{c} {p}\n" if p else f"{c}\n" for c, p in pairs)
    result = run(cwd, "--literal-pathspecs", "diff-tree", "--stdin", "--always", "-r", "-z",
                 "--raw", "--no-renames", "--root", "--", *pathspecs, input=lines,
                 what="git diff-tree")
    out: list[list[Change]] = []
    fields = iter(result.out.split("\0"))
    for field in fields:
        if field.startswith(":"):
            old_mode, new_mode, _old_blob, new_blob, _status = field[1:].split(" ")
            if out:
                out[-1].append(Change(old_mode, new_mode, new_blob, next(fields, "")))
        elif field.strip():
            out.append([])  # a commit's header: its changes follow
    if len(out) != len(pairs):
        raise IcsvcError(f"git diff-tree answered {len(out)} of {len(pairs)} comparisons")
    return out


def escaped(path: str) -> str:
    """A path as it can be shown on one line: bytes that are not UTF-8 as `\\xNN`, control
    characters as `\\n`, `\\x1b`..."""
    text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def is_utf8(path: str) -> bool:
    """Whether a name git gave (`run`) was UTF-8: no byte was kept as a surrogate."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class BlobReader:
    """Reads many `rev:path` texts through one `git cat-file --batch` process."""

    LOOKUP_CHUNK = 2000
    """Paths looked up (`look_for`) per `git ls-tree` (a command line holds them all)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None
        self._cache: dict[tuple[str, str], str | None] = {}
        self._wanted: set[str] = set()
        self._found: dict[str, dict[str, tuple[str, str]]] = {}
        """rev -> path -> (mode, object id), of the wanted paths that `rev` has."""

    def look_for(self, paths: Collection[str]) -> None:
        """Paths the reads will ask for: at each revision, `git ls-tree` finds which of them
        exist, and as what (`mode`). Asking `rev:path` of each reads its folder's tree again
        every time, which costs milliseconds in a folder of 20,000 files."""
        more = set(paths) - self._wanted
        if more:
            self._wanted |= more
            self._found = {}

    def mode(self, rev: str, path: str) -> str | None:
        """git's mode of a wanted `path` at `rev` (`REGULAR_MODES`, `120000` a symlink,
        `160000` a submodule...), None when `rev` does not have it."""
        found = self._blobs(rev).get(path)
        return None if found is None else found[0]

    def text(self, rev: str, path: str) -> str | None:
        """The text of `path` at `rev`: of a symlink, the path it holds (never followed);
        None when absent, not text, or a folder or submodule."""
        key = (rev, path)
        if key not in self._cache:
            if path in self._wanted:
                found = self._blobs(rev).get(path)
                self._cache[key] = None if found is None else self._read(found[1])
            else:
                self._cache[key] = self._read(f"{rev}:{path}")
        return self._cache[key]

    def _blobs(self, rev: str) -> dict[str, tuple[str, str]]:
        if rev not in self._found:
            found: dict[str, tuple[str, str]] = {}
            wanted = sorted(self._wanted)
            for i in range(0, len(wanted), self.LOOKUP_CHUNK):
                result = run(self.cwd, "--literal-pathspecs", "ls-tree", "-z", "--full-tree",
                             rev, "--", *wanted[i:i + self.LOOKUP_CHUNK], check=False)
                if result.code != 0:
                    break
                for record in result.out.split("\0"):
                    meta, _, path = record.partition("\t")
                    parts = meta.split(" ")
                    if len(parts) == 3 and parts[1] in ("blob", "commit"):
                        found[path] = (parts[0], parts[2])
            self._found[rev] = found
        return self._found[rev]

    def _read(self, spec: str) -> str | None:
        if self._proc is None:
            try:
                self._proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.cwd,
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            except FileNotFoundError:
                raise IcsvcError("git is not installed or not on PATH") from None
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        if "\n" in spec:
            return None  # cat-file reads one name a line (such a name is refused anyway)
        proc.stdin.write(spec.encode("utf-8", "surrogateescape") + b"\n")
        proc.stdin.flush()
        header = proc.stdout.readline().decode().split()
        if len(header) != 3:
            return None  # missing or ambiguous: nothing follows
        data = proc.stdout.read(int(header[2]) + 1)[:-1]  # a folder's too, to read past it
        if header[1] != "blob":
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            self._proc.wait(timeout=10)
            self._proc = None


def author_email(cwd: Path) -> str | None:
    """The email a commit made now would carry (GIT_AUTHOR_EMAIL, then user.email)."""
    result = run(cwd, "var", "GIT_AUTHOR_IDENT", check=False)
    line = result.out.strip()
    if result.code != 0 or "<" not in line:
        return None
    return line.split("<", 1)[1].split(">", 1)[0].strip().lower() or None


def current_branch(cwd: Path) -> str | None:
    result = run(cwd, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return result.out.strip() or None if result.code == 0 else None


def upstream(cwd: Path) -> tuple[str, str] | None:
    """The current branch's upstream as (remote, branch), or None."""
    branch = current_branch(cwd)
    if branch is None:
        return None
    remote = config_get(cwd, f"branch.{branch}.remote")
    merge = config_get(cwd, f"branch.{branch}.merge")
    if not remote or not merge:
        return None
    return remote, merge.removeprefix("refs/heads/")


def remote_default_branch(cwd: Path, remote: str) -> str | None:
    result = run(cwd, "symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD",
                 check=False)
    name = result.out.strip()
    return name.split("/", 1)[1] if result.code == 0 and "/" in name else None


def fetch(cwd: Path, remote: str, branch: str) -> None:
    run(cwd, "fetch", "--quiet", remote, branch, what=f"git fetch {remote} {branch}")


def in_progress(cwd: Path) -> str | None:
    """'merge' or 'rebase' when one is stopped half-way, else None."""
    git_dir = Path(run(cwd, "rev-parse", "--absolute-git-dir", what="git rev-parse").out.strip())
    if (git_dir / "MERGE_HEAD").exists():
        return "merge"
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        return "rebase"
    return None


def unmerged_paths(cwd: Path) -> list[str]:
    result = run(cwd, "diff", "--name-only", "--diff-filter=U", "-z", what="listing conflicts")
    return sorted({p for p in result.out.split("\0") if p})


def unmerged_stages(cwd: Path) -> dict[str, dict[int, str]]:
    """For each conflicted path, its index stages (1 base, 2 ours, 3 theirs) as blob ids."""
    result = run(cwd, "ls-files", "--unmerged", "-z", what="listing conflicts")
    stages: dict[str, dict[int, str]] = {}
    for record in result.out.split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        _mode, blob, stage = meta.split()
        stages.setdefault(path, {})[int(stage)] = blob
    return stages


def blob_text(cwd: Path, blob: str) -> str:
    return run(cwd, "cat-file", "blob", blob, what=f"reading blob {blob[:12]}").out


def parents(cwd: Path, rev: str) -> list[str]:
    result = run(cwd, "rev-parse", f"{rev}^@", check=False)
    return result.out.split() if result.code == 0 else []


def head(cwd: Path) -> str | None:
    return resolve(cwd, "HEAD")


def merge_file(ours: Path, base: Path, theirs: Path, label: str) -> None:
    """Write git's usual conflict markers into `ours` (what a failed driver leaves behind)."""
    run(ours.parent, "merge-file", "-L", f"ours:{label}", "-L", "base", "-L",
        f"theirs:{label}", str(ours), str(base), str(theirs), check=False)


def add(cwd: Path, *paths: str) -> None:
    run(cwd, "add", "--", *paths, what="git add")


def rm(cwd: Path, *paths: str) -> None:
    run(cwd, "rm", "--quiet", "--cached", "--", *paths, what="git rm")


def driver_command() -> str:
    """`icsvc merge-driver %O %A %B %P`, with the full path when icsvc is not on PATH."""
    import shlex
    import shutil
    import sys

    if shutil.which("icsvc"):
        return DRIVER_COMMAND
    script = Path(sys.argv[0]).resolve()
    if script.name.startswith("icsvc") and script.is_file():
        return f"{shlex.quote(str(script))} merge-driver %O %A %B %P"
    return DRIVER_COMMAND


def register_merge_driver(store_root: Path) -> list[str]:
    """Make git merge request files with icsvc: `.gitattributes` in the store and the
    repository's config (which git does not clone). Returns what changed, empty if nothing."""
    changed: list[str] = []
    attributes = store_root / ".gitattributes"
    existing = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    if ATTRIBUTES_LINE not in (line.strip() for line in existing.splitlines()):
        from icsvc.store.yamlio import write_atomic

        prefix = existing if not existing or existing.endswith("\n") else existing + "\n"
        write_atomic(attributes, prefix + "# request files merge field by field "
                     "(icsvc git-setup)\n" + ATTRIBUTES_LINE + "\n")
        changed.append(f"{attributes.name}: {ATTRIBUTES_LINE}")
    top = require_repo(store_root)
    command = driver_command()
    for key, value in (("merge.icsvc.name", DRIVER_NAME), ("merge.icsvc.driver", command)):
        if config_get(top, key) != value:
            config_set(top, key, value)
            changed.append(f"git config {key} {value!r}")
    return changed


def diff_paths(cwd: Path, a: str, b: str, folder: str) -> list[str]:
    """Files under `folder` that differ between commits `a` and `b` (a move is its two
    paths: the file removed and the file added)."""
    result = run(cwd, "diff", "--name-only", "--no-renames", "-z", a, b, "--", folder,
                 what=f"git diff {a[:12]} {b[:12]}")
    return sorted(p for p in result.out.split("\0") if p)


def ls_tree(cwd: Path, rev: str, folder: str) -> list[str]:
    """Every file path under `folder` at `rev` (relative to the repository root)."""
    result = run(cwd, "ls-tree", "-r", "--name-only", "-z", rev, "--", folder,
                 what=f"listing {folder} at {rev[:12]}")
    return [p for p in result.out.split("\0") if p]


NULL_COMMIT = "0" * 40
"""What GitHub gives as the commit before the first push of a branch."""


# -- committing as the acting person (icsvc commit) -----------------------------------------


def status_paths(cwd: Path, pathspec: str) -> list[tuple[str, str]]:
    """(two-letter status, path relative to the repository root) of every file under
    `pathspec` that differs from HEAD in the index or the work tree, untracked files
    included (`??`). A staged rename is reported as its two sides, `D ` and `A `."""
    result = run(cwd, "status", "--porcelain=v1", "-z", "--untracked-files=all",
                 "--no-renames", "--", pathspec, what="git status")
    records = result.out.split("\0")
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(records):
        record = records[i]
        i += 1
        if len(record) < 4:
            continue
        code, path = record[:2], record[3:]
        if code[0] in "RC":  # not expected with --no-renames; skip the source path
            i += 1
        out.append((code, path))
    return out


def commit_paths(cwd: Path, paths: list[str], message: str, author_name: str,
                 author_email: str, date: str | None = None) -> str:
    """Stage exactly `paths` (additions, changes, deletions) and commit only them, with this
    author (and `date`, ISO 8601, when given), leaving anything else staged as it was.
    Returns the new commit's hash."""
    run(cwd, "add", "--all", "--", *paths, what="git add")
    env = {"GIT_AUTHOR_NAME": author_name, "GIT_AUTHOR_EMAIL": author_email}
    if date is not None:
        env.update({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    if config_get(cwd, "user.email") is None and not os.environ.get("GIT_COMMITTER_EMAIL"):
        env.update({"GIT_COMMITTER_NAME": author_name, "GIT_COMMITTER_EMAIL": author_email})
    run(cwd, "commit", "--quiet", "--no-edit", "-m", message,
        f"--author={author_name} <{author_email}>", "--only", "--", *paths,
        what="git commit", env=env)
    return run(cwd, "rev-parse", "HEAD", what="git rev-parse").out.strip()


def commit_versions(cwd: Path, versions: dict[str, str | None], removed: list[str],
                    message: str, author_name: str, author_email: str,
                    date: str | None = None) -> str:
    """Commit these versions of these paths on top of HEAD (a text; None: the work tree's
    file) and the removal of `removed`, whatever git's index holds: the commit is built
    in an index of its own, so other staged changes stay staged; afterwards git's index
    holds HEAD's version of these paths. Returns the new commit's hash."""
    index = Path(run(cwd, "rev-parse", "--git-path", "index.icsvc-commit",
                     what="git rev-parse").out.strip())
    if not index.is_absolute():
        index = cwd / index
    env = {"GIT_INDEX_FILE": str(index), "GIT_AUTHOR_NAME": author_name,
           "GIT_AUTHOR_EMAIL": author_email}
    if date is not None:
        env.update({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    if config_get(cwd, "user.email") is None and not os.environ.get("GIT_COMMITTER_EMAIL"):
        env.update({"GIT_COMMITTER_NAME": author_name, "GIT_COMMITTER_EMAIL": author_email})
    try:
        if head(cwd) is None:
            run(cwd, "read-tree", "--empty", what="git read-tree", env=env)
        else:
            run(cwd, "read-tree", "HEAD", what="git read-tree", env=env)
        if removed:
            run(cwd, "update-index", "--force-remove", "--", *removed,
                what="git update-index", env=env)
        for path, text in versions.items():
            if text is None:
                blob = run(cwd, "hash-object", "-w", "--", path, what="git hash-object").out
            else:
                blob = run(cwd, "hash-object", "-w", "--stdin", "--path", path,
                           input=text, what="git hash-object").out
            run(cwd, "update-index", "--add", "--cacheinfo", f"100644,{blob.strip()},{path}",
                what="git update-index", env=env)
        run(cwd, "commit", "--quiet", "--no-edit", "-m", message,
            f"--author={author_name} <{author_email}>", what="git commit", env=env)
    finally:
        index.unlink(missing_ok=True)
    run(cwd, "reset", "--quiet", "HEAD", "--", *versions, *removed, what="git reset",
        check=False)
    return run(cwd, "rev-parse", "HEAD", what="git rev-parse").out.strip()


def remotes(cwd: Path) -> list[str]:
    return run(cwd, "remote", check=False).out.split()


def remote_url(cwd: Path, remote: str) -> str | None:
    """The remote's URL as configured (before any `insteadOf` rewriting)."""
    return config_get(cwd, f"remote.{remote}.url")


def push(cwd: Path, remote: str, branch: str) -> None:
    """Push `branch` to `remote` under the same name and make it the branch's upstream."""
    run(cwd, "push", "--quiet", "--set-upstream", remote, f"{branch}:{branch}",
        what=f"git push {remote} {branch}")


def branch_exists(cwd: Path, name: str) -> bool:
    return run(cwd, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}",
               check=False).code == 0


def switch_new_branch(cwd: Path, name: str) -> None:
    """Start branch `name` here, carrying the work tree's changes along."""
    run(cwd, "switch", "--quiet", "-c", name, what=f"git switch -c {name}")


# -- what changed in the work tree (the store's index) --------------------------------------

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class WorkTree(NamedTuple):
    head: str
    """The HEAD commit (the empty tree before the first commit)."""
    paths: set[str]
    """Every path under the folder, relative to the repository root, that differs from HEAD
    in git's index or the work tree: changed, deleted, untracked or ignored."""
    loose: set[str]
    """Those that are untracked or ignored."""
    ignored: frozenset[str] = frozenset()
    """Those that are ignored."""


def work_tree_state(cwd: Path, folder: str, untracked: bool = True,
                    meanwhile: Callable[[], None] | None = None) -> WorkTree | None:
    """What differs from HEAD under `folder`, from one `git status`; None outside git (or
    when git cannot tell). `untracked=False` leaves out untracked and ignored files (git
    then does not read every folder: the caller knows them otherwise). Takes no lock (a
    `git commit` meanwhile is not disturbed). `meanwhile`: see `run`."""
    wanted = (["--untracked-files=all", "--ignored=matching"] if untracked
              else ["--untracked-files=no"])
    try:
        result = run(cwd, "--no-optional-locks", "status", "--porcelain=v2", "-z", "--branch",
                     *wanted, "--no-renames", "--ignore-submodules=all", "--", folder,
                     check=False, meanwhile=meanwhile)
    except IcsvcError:
        return None
    if result.code != 0:
        return None
    head = ""
    paths: set[str] = set()
    loose: set[str] = set()
    ignored: set[str] = set()
    records = iter(result.out.split("\0"))
    for record in records:
        kind = record[:2]
        if record.startswith("# branch.oid "):
            oid = record[len("# branch.oid "):]
            head = EMPTY_TREE if oid == "(initial)" else oid
        elif kind in ("? ", "! "):
            loose.add(record[2:])
            if kind == "! ":
                ignored.add(record[2:])
        elif kind == "1 ":
            paths.add(record.split(" ", 8)[8])
        elif kind == "u ":
            paths.add(record.split(" ", 10)[10])
        elif kind == "2 ":  # a rename (not expected with --no-renames): both paths
            paths.add(record.split(" ", 9)[9])
            paths.add(next(records, ""))
    return WorkTree(head, paths | loose, loose, frozenset(ignored)) if head else None


def tree_changes(cwd: Path, a: str, b: str, folder: str) -> set[str] | None:
    """Paths under `folder` (relative to the repository root) that differ between commits
    (or trees) `a` and `b`; None when git cannot tell (a commit it no longer has)."""
    try:
        result = run(cwd, "diff-tree", "-r", "-z", "--name-only", "--no-renames", a, b, "--",
                     folder, check=False)
    except IcsvcError:
        return None
    return {p for p in result.out.split("\0") if p} if result.code == 0 else None


def work_mode(path: Path) -> str:
    """git's mode for what the work tree holds at `path`, from `lstat` (a symlink is never
    followed): `000000` nothing, `100644`/`100755` a regular file, `120000` a symlink,
    `040000` a folder, `other` anything else (a FIFO, a socket, a device)."""
    import stat

    try:
        st = os.lstat(path)
    except OSError:
        return "000000"
    if stat.S_ISREG(st.st_mode):
        return "100755" if st.st_mode & 0o111 else "100644"
    if stat.S_ISLNK(st.st_mode):
        return "120000"
    if stat.S_ISDIR(st.st_mode):
        return "040000"
    return "other"


def work_file(path: Path) -> tuple[bool, str | None]:
    """(whether anything is at `path`, the text of the regular UTF-8 file there, else None):
    what a commit would hold, read without following a symlink or waiting on a FIFO."""
    import stat

    try:
        st = os.lstat(path)
    except OSError:
        return False, None
    if not stat.S_ISREG(st.st_mode):
        return True, None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return True, None
    try:
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return True, None
            return True, f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return True, None
