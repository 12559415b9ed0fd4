"""Shell completion for bash, zsh and fish: commands, options, request IDs, providers,
services, statuses, priorities, departments and members, from the store.

`icsvc completion SHELL` prints the script to install. The script runs icsvc with
`_ICSVC_COMPLETE=SHELL` and the command line up to the cursor in `_ICSVC_COMPLETE_ARGS`;
icsvc prints one candidate a line (bash: the value; zsh: `value:help`; fish:
`value<TAB>help`). Candidates come from file names and a plain read of providers.yaml (no
validation), so completion stays fast on a store of 100,000 requests, and anything that goes
wrong (no store, a broken file) gives no candidates, never a traceback.

This module is imported by `cli.py` for the option declarations: keep its imports light.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

COMPLETE_VAR = "_ICSVC_COMPLETE"
ARGS_VAR = "_ICSVC_COMPLETE_ARGS"
SHELLS = ("bash", "zsh", "fish")
LIMIT = 500
"""At most this many request IDs are offered (an empty prefix on a big store)."""

_SCRIPTS = {
    "bash": """\
# icsvc completion for bash: add to ~/.bashrc
#   eval "$(icsvc completion bash)"
_icsvc_complete() {
    local IFS=$'\\n'
    COMPREPLY=($(env _ICSVC_COMPLETE=bash _ICSVC_COMPLETE_ARGS="${COMP_LINE:0:$COMP_POINT}" \\
        icsvc 2>/dev/null))
    return 0
}
complete -o default -F _icsvc_complete icsvc
""",
    "zsh": """\
#compdef icsvc
# icsvc completion for zsh: add to ~/.zshrc (after compinit)
#   eval "$(icsvc completion zsh)"
_icsvc() {
    local -a candidates
    candidates=("${(@f)$(env _ICSVC_COMPLETE=zsh _ICSVC_COMPLETE_ARGS="${words[1,CURRENT]}" \\
        icsvc 2>/dev/null)}")
    if [[ -n "${candidates[1]}" ]]; then
        _describe 'icsvc' candidates
    else
        _files
    fi
}
compdef _icsvc icsvc
""",
    "fish": """\
# icsvc completion for fish: save as ~/.config/fish/completions/icsvc.fish
#   icsvc completion fish > ~/.config/fish/completions/icsvc.fish
function __icsvc_complete
    env _ICSVC_COMPLETE=fish _ICSVC_COMPLETE_ARGS=(commandline -cp) icsvc 2>/dev/null
end
complete --command icsvc --no-files --arguments '(__icsvc_complete)'
""",
}


def script(shell: str) -> str:
    """The script that hooks icsvc's completion into `shell`."""
    return _SCRIPTS[shell]


# -- answering the shell ---------------------------------------------------------------------


def run(command: Any) -> int:
    """Print the candidates for the command line in the environment; always exit 0."""
    import sys

    shell = os.environ.get(COMPLETE_VAR, "")
    if shell not in SHELLS:
        print(f"icsvc: error: {COMPLETE_VAR}: {shell!r} is not a shell (accepted: "
              f"{', '.join(SHELLS)})", file=sys.stderr)
        return 2
    try:
        items = _candidates(command, os.environ.get(ARGS_VAR, ""))
    except Exception:  # noqa: BLE001 - completion must never print a traceback
        items = []
    out = []
    for value, help_ in items:
        if shell == "zsh":
            value = value.replace(":", r"\:")
            out.append(f"{value}:{help_}" if help_ else value)
        elif shell == "fish":
            out.append(f"{value}\t{help_}" if help_ else value)
        else:
            out.append(value)
    if out:
        print("\n".join(out))
    return 0


_WORDS: list[str] = []
"""The words of the line being completed: Click's resilient parse leaves the parameters
unset when the last option still waits for its value (`triage ID --assign <TAB>`)."""


def _candidates(command: Any, line: str) -> list[tuple[str, str]]:
    import shlex

    try:
        words = shlex.split(line)
    except ValueError:  # an open quote: complete the word as typed
        words = shlex.split(line + '"') if line.count('"') % 2 else line.split()
    _WORDS[:] = words
    args = words[1:]
    incomplete = "" if not line or line[-1].isspace() else (args.pop() if args else "")
    shell_complete = _shell_complete_class()
    completer = shell_complete(command, {}, "icsvc", COMPLETE_VAR)
    items = completer.get_completions(args, incomplete)
    return [(str(item.value), " ".join(str(item.help or "").split())) for item in items
            if getattr(item, "type", "plain") == "plain"]


def _shell_complete_class() -> Any:
    import importlib

    try:
        module = importlib.import_module("typer._click.shell_completion")
    except ImportError:  # pragma: no cover - Typer < 0.25 uses Click itself
        module = importlib.import_module("click.shell_completion")

    class Complete(module.ShellComplete):  # type: ignore[misc,name-defined]
        name = "icsvc"
        source_template = ""

        def source_vars(self) -> dict[str, Any]:  # pragma: no cover - scripts are ours
            return {}

        def get_completion_args(self) -> tuple[list[str], str]:  # pragma: no cover
            return [], ""

        def format_completion(self, item: Any) -> str:  # pragma: no cover
            return str(item.value)

    return Complete


# -- what the store offers (each function is an option's `autocompletion`) -------------------


def _matching(values: list[tuple[str, str]], incomplete: str) -> list[tuple[str, str]]:
    """Candidates that start with what was typed, in any case, written in the typed case so
    the shell keeps them (`eng` offers `engineering`, `Eng` offers `Engineering`)."""
    low = incomplete.lower()
    out = []
    for value, help_ in values:
        if value.lower().startswith(low):
            out.append((incomplete + value[len(incomplete):], help_))
    return out


def _store_root(ctx: Any) -> Path | None:
    """The store as the command would find it: --store, ICSVC_STORE, else upwards."""
    root = ctx.find_root() if ctx is not None else None
    given = None
    for c in (ctx, root):
        if c is not None and getattr(c, "params", None):
            given = given or c.params.get("store")
    given = given or os.environ.get("ICSVC_STORE")
    if given:
        path = Path(given).expanduser()
        return path if (path / "providers.yaml").is_file() else None
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "providers.yaml").is_file():
            return folder
    return None


def _catalogue(ctx: Any) -> dict[str, Any]:
    """providers.yaml as plain data, unvalidated; {} when there is none or it is broken."""
    root = _store_root(ctx)
    if root is None:
        return {}
    try:
        from icsvc.store import yamlio

        data = yamlio.load((root / "providers.yaml").read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - a broken catalogue offers nothing
        return {}
    return data if isinstance(data, dict) else {}


def _providers(ctx: Any) -> dict[str, dict[str, Any]]:
    found = _catalogue(ctx).get("providers")
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, dict)}


def _text(value: Any) -> str:
    return str(value) if isinstance(value, str | int | float) else ""


def request_ids(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Request IDs from the file names under requests/ (the provider as the help)."""
    root = _store_root(ctx)
    if root is None:
        return []
    found: list[tuple[str, str]] = []
    low = incomplete.upper()
    try:
        with os.scandir(root / "requests") as folders:
            for folder in sorted((f for f in folders if f.is_dir()), key=lambda f: f.name):
                with os.scandir(folder.path) as files:
                    for f in files:
                        stem, dot, ext = f.name.rpartition(".")
                        if dot and ext in ("yaml", "yml") and stem.upper().startswith(low):
                            found.append((stem, folder.name))
    except OSError:
        return []
    found.sort()
    if incomplete.islower():
        found = [(value.lower(), help_) for value, help_ in found]
    return _matching(found, incomplete)[:LIMIT]


def providers(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    return _matching([(pid, _text(p.get("name"))) for pid, p in _providers(ctx).items()],
                     incomplete)


def _chosen_providers(ctx: Any) -> list[str]:
    """Providers already named on the command line (-p, --provider, --redirect), else the
    folder of the request whose ID is on the line."""
    chosen: list[str] = []
    words = _WORDS[1:]
    for i, word in enumerate(words):
        name, eq, value = word.partition("=")
        if name in ("-p", "--provider", "--redirect"):
            if eq:
                chosen.append(value.lower())
            elif i + 1 < len(words):
                chosen.append(words[i + 1].lower())
    root = _store_root(ctx)
    if chosen or root is None:
        return chosen
    for word in words[1:]:
        if len(word) >= 4 and not word.startswith("-") and word.isalnum():
            found = {p.parent.name for p in
                     (root / "requests").glob(f"*/{word.upper()}*.y*ml")}
            if len(found) == 1:
                return list(found)
    return chosen


def services(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """The services of the provider named on the line, else every provider's."""
    known = _providers(ctx)
    chosen = [p for p in _chosen_providers(ctx) if p in known] or list(known)
    out: dict[str, str] = {}
    for pid in chosen:
        for sid, spec in (known[pid].get("services") or {}).items():
            desc = _text(spec.get("description")) if isinstance(spec, dict) else ""
            out.setdefault(str(sid), desc if len(chosen) == 1 else f"{pid}: {desc}")
    return _matching(list(out.items()), incomplete)


def statuses(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    from icsvc.domain.lifecycle import STATUSES

    return _matching([(s, "") for s in STATUSES], incomplete)


def priorities(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    return _matching([(p, "") for p in ("low", "normal", "high", "urgent")], incomplete)


def members(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Members of the provider on the line (or of the request's), else of every provider."""
    known = _providers(ctx)
    chosen = [p for p in _chosen_providers(ctx) if p in known] or list(known)
    out: dict[str, str] = {}
    for pid in chosen:
        for email in known[pid].get("members") or []:
            out.setdefault(_text(email).lower(), pid)
    return _matching(list(out.items()), incomplete)


def people(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Everyone providers.yaml names: members, escalation contacts, department members."""
    out: dict[str, str] = {}
    for pid, p in _providers(ctx).items():
        for email in p.get("members") or []:
            out.setdefault(_text(email).lower(), pid)
        if p.get("escalation"):
            out.setdefault(_text(p["escalation"]).lower(), f"{pid} escalation")
    depts = _catalogue(ctx).get("departments")
    for dept, spec in (depts.items() if isinstance(depts, dict) else []):
        emails = spec.get("members") if isinstance(spec, dict) else None
        for email in emails if isinstance(emails, list) else []:
            out.setdefault(_text(email).lower(), str(dept))
    return _matching(sorted(out.items()), incomplete)


def departments(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    depts = _catalogue(ctx).get("departments")
    names = [str(d) for d in depts] if isinstance(depts, dict) else []
    return _matching([(d, "") for d in names], incomplete)


def folders(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Folders, for --store (the shells' own file completion does not run for options)."""
    head, sep, _ = incomplete.rpartition("/")
    prefix = head + sep
    try:
        entries = sorted(p.name for p in Path(prefix or ".").expanduser().iterdir()
                         if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    return [(prefix + name + "/", "") for name in entries
            if (prefix + name).startswith(incomplete)]
