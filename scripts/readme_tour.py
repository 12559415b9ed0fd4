"""Keep the README's and the manual's examples true: run every `$ ...` command of their
console blocks in a copy of the example store and put what it prints under it.

    python scripts/readme_tour.py            # report blocks whose output is out of date
    python scripts/readme_tour.py --write    # rewrite them in README.md and docs/**/*.md

Each section (`<!-- section:NAME -->`, NAME unique across README.md and docs/) runs in a
fresh copy of the example store (`examples/acme/`, made a git repository with one commit),
in a folder shown as `~/acme` (the section's home is shown as `~`); its blocks run in order,
so a later block sees what an earlier one did, and a `cd` carries over to the next command.
An HTML comment before a block sets the environment of the section from there on, e.g.
`<!-- tour: ICSVC_NOW=2026-11-24T15:00:00-05:00 ICSVC_USER=ana@example.com COLUMNS=100 -->`;
`<!-- tour: run: COMMAND -->` runs a command there without showing it (a scene's set-up);
`<!-- tour: skip -->` leaves the next block alone (output that cannot be reproduced here);
`<!-- tour: continue -->` right after a section's marker goes on in the previous section's
store.
Time (`ICSVC_NOW`), new IDs (`ICSVC_ID_SEED`) and commit dates are pinned, so the output is
the same on every machine. Exit 1 when a block is out of date (without --write).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
EXAMPLE = ROOT / "examples" / "acme"
SHOWN_AS = "~/acme"
SECTION = re.compile(r"^<!-- section:([\w-]+) -->$")
DIRECTIVE = re.compile(r"^<!-- tour: (.*) -->$")
DEFAULTS = {
    "ICSVC_NOW": "2026-11-24T15:00:00-05:00",
    "ICSVC_ID_SEED": "readme",
    "COLUMNS": "100",
    "GIT_AUTHOR_DATE": "2026-11-24T15:00:00-05:00",
    "GIT_COMMITTER_DATE": "2026-11-24T15:00:00-05:00",
}


def _icsvc_bin() -> str:
    found = shutil.which("icsvc", path=str(Path(sys.executable).parent)) or shutil.which("icsvc")
    if not found:
        raise SystemExit("icsvc is not installed (pip install -e .)")
    return str(Path(found).parent)


class Tour:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.store: Path | None = None
        self.cwd: Path | None = None
        self.env: dict[str, str] = {}

    def section(self, name: str) -> None:
        self.store = self.work / name / "acme"
        if self.store.parent.exists():
            shutil.rmtree(self.store.parent)
        self.store.mkdir(parents=True)
        shutil.copy(EXAMPLE / "providers.yaml", self.store / "providers.yaml")
        shutil.copytree(EXAMPLE / "requests", self.store / "requests")
        (self.store / ".gitignore").write_text(".icsvc/\n")
        home = self.store.parent / "home"
        home.mkdir()
        self.cwd = self.store
        self.env = {
            "PATH": f"{_icsvc_bin()}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(home), "LANG": "C.UTF-8", "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Acme", "GIT_COMMITTER_NAME": "Acme",
            "GIT_AUTHOR_EMAIL": "admin@example.com", "GIT_COMMITTER_EMAIL": "admin@example.com",
            **DEFAULTS,
        }
        for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                     ["commit", "-qm", "The example organisation"]):
            subprocess.run(["git", *args], cwd=self.store, env=self.env, check=True)
        self.run("icsvc git-setup --quiet")

    def set(self, text: str) -> None:
        for pair in shlex.split(text):
            key, _, value = pair.partition("=")
            self.env[key] = value

    def run(self, command: str) -> str:
        assert self.store is not None and self.cwd is not None
        where = self.store.parent / ".cwd"
        script = f"{{ {command}\n}} 2>&1; pwd > {shlex.quote(str(where))}"
        text = _in_a_terminal(["bash", "-c", script], self.cwd, self.env)
        if where.exists():
            self.cwd = Path(where.read_text().strip())
        home = str(self.store.parent / "home")
        out = text.replace(str(self.store), SHOWN_AS).replace(home, "~")
        return "\n".join(line.rstrip() for line in out.splitlines())


def _in_a_terminal(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run `argv` with its output on a terminal `COLUMNS` wide (a pseudo-terminal), as a
    reader typing the command sees it: tables fitted to the width; colours off
    (`NO_COLOR`), no pager, standard input not a terminal (nothing asked)."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    columns = int(env.get("COLUMNS", "100"))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**env, "NO_COLOR": "1", "ICSVC_PAGER": "cat", "TERM": "dumb"}
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed: every writer is gone
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    else:
        proc.kill()
    proc.wait()
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def refresh(text: str, tour: Tour) -> str:
    lines = text.split("\n")
    out: list[str] = []
    skip = False
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if (m := SECTION.match(line)) is not None:
            if lines[i:i + 1] != ["<!-- tour: continue -->"]:
                tour.section(m.group(1))
        elif (m := DIRECTIVE.match(line)) is not None:
            directive = m.group(1).strip()
            if directive == "skip":
                skip = True
            elif directive == "continue":
                pass  # the section goes on in the previous section's store
            elif directive.startswith("run:"):
                tour.run(directive[4:].strip())
            else:
                tour.set(directive)
        elif line == "```console":
            block: list[str] = []
            while i < len(lines) and lines[i] != "```":
                block.append(lines[i])
                i += 1
            out.extend(block if skip or tour.store is None else _rerun(block, tour))
            skip = False
    return "\n".join(out)


def _rerun(block: list[str], tour: Tour) -> list[str]:
    """The block with each command's output replaced by what it prints now."""
    out: list[str] = []
    i = 0
    while i < len(block):
        if not block[i].startswith("$ "):
            i += 1  # old output
            continue
        shown = [block[i]]
        while shown[-1].endswith("\\") and i + 1 < len(block):
            i += 1
            shown.append(block[i])
        i += 1
        command = "\n".join(shown)[2:]
        out.extend(shown)
        printed = tour.run(command.replace("\\\n", " "))
        if printed:
            out.extend(printed.split("\n"))
        while i < len(block) and not block[i].startswith("$ ") and block[i] == "":
            i += 1
        if i < len(block) and block[i - 1] == "" and out[-1] != "":
            out.append("")
    while out and out[-1] == "":
        out.pop()
    return out


def pages() -> list[Path]:
    """README.md, then the manual's pages in a fixed order."""
    return [README, *sorted(DOCS.rglob("*.md"))]


def duplicate_sections(files: list[Path]) -> list[str]:
    seen: dict[str, Path] = {}
    problems = []
    for path in files:
        for line in path.read_text(encoding="utf-8").split("\n"):
            if (m := SECTION.match(line)) is not None:
                name = m.group(1)
                if name in seen:
                    problems.append(f"section {name} is in {seen[name].name} and {path.name}")
                seen[name] = path
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true",
                        help="rewrite README.md and docs/**/*.md in place")
    parser.add_argument("files", nargs="*", type=Path,
                        help="only these files (default: README.md and docs/**/*.md)")
    args = parser.parse_args()
    files = [f.resolve() for f in args.files] or pages()
    if problems := duplicate_sections(pages()):
        print("\n".join(problems))
        return 1
    stale = 0
    with tempfile.TemporaryDirectory(prefix="icsvc-tour-") as work:
        tour = Tour(Path(work))
        for path in files:
            name = str(path.relative_to(ROOT))
            text = path.read_text(encoding="utf-8")
            tour.store = None  # a page's blocks before its first section are not run
            fresh = refresh(text, tour)
            if fresh == text:
                continue
            stale += 1
            if args.write:
                path.write_text(fresh, encoding="utf-8")
                print(f"{name}: examples rewritten")
            else:
                sys.stdout.writelines(difflib.unified_diff(
                    text.splitlines(True), fresh.splitlines(True), name, f"{name} (now)"))
    if not stale:
        print("every example is up to date")
    return 1 if stale and not args.write else 0


if __name__ == "__main__":
    raise SystemExit(main())
