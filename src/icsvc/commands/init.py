"""`icsvc init`: a new store with a commented providers.yaml template and its schemas."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from icsvc.errors import IcsvcError
from icsvc.store import schemafiles
from icsvc.store.store import DERIVED_DIR, PROVIDERS_FILE, REQUESTS_DIR
from icsvc.store.yamlio import TEMP_SUFFIX, write_atomic

GITIGNORE_LINE = f"{DERIVED_DIR}/"
IGNORE_RULES = (
    ("# derived by icsvc (index, write lock); safe to delete", GITIGNORE_LINE),
    ("# temp files of an interrupted write ('icsvc check' reports them)",
     f"{REQUESTS_DIR}/**/.*{TEMP_SUFFIX}"),
)
"""The store's .gitignore rules: (comment, rule)."""


def create_store(root: Path) -> list[Path]:
    """Write the store files; refuses when a store is already there. Returns what it wrote."""
    if (root / PROVIDERS_FILE).exists():
        raise IcsvcError(f"{root / PROVIDERS_FILE} already exists; refusing to overwrite a store")
    if root.exists() and not root.is_dir():
        raise IcsvcError(f"{root} exists and is not a folder")
    template = files("icsvc").joinpath("templates/providers.yaml").read_text(encoding="utf-8")
    written = []
    write_atomic(root / PROVIDERS_FILE, template)
    written.append(root / PROVIDERS_FILE)
    for path, schema in schemafiles.store_copies(root).items():
        if not path.exists():
            write_atomic(path, schema)
            written.append(path)
    keep = root / REQUESTS_DIR / ".gitkeep"
    if not keep.exists():
        write_atomic(keep, "")
        written.append(keep)
    ignore = root / ".gitignore"
    existing = ignore.read_text(encoding="utf-8") if ignore.exists() else ""
    missing = [f"{comment}\n{rule}\n" for comment, rule in IGNORE_RULES
               if rule not in existing.splitlines()]
    if missing:
        prefix = existing if not existing or existing.endswith("\n") else existing + "\n"
        write_atomic(ignore, prefix + "".join(missing))
        written.append(ignore)
    return written


def register_driver(root: Path) -> list[str]:
    """Register the request merge driver: .gitattributes always, git config when `root` is in
    a git repository (else 'icsvc git-setup' does it after 'git init')."""
    from icsvc.store import gitutil

    if gitutil.toplevel(root) is None:
        attributes = root / ".gitattributes"
        existing = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
        if gitutil.ATTRIBUTES_LINE in existing.splitlines():
            return []
        prefix = existing if not existing or existing.endswith("\n") else existing + "\n"
        write_atomic(attributes, prefix + "# request files merge field by field "
                     "(icsvc git-setup)\n" + gitutil.ATTRIBUTES_LINE + "\n")
        return [".gitattributes"]
    return gitutil.register_merge_driver(root)


@dataclass
class Initialised:
    """A new store: its folder, the files written, the merge driver's set-up (what was
    registered), and whether the folder is in a git repository."""

    root: Path
    written: list[Path]
    registered: list[str]
    in_git: bool


def run(path: Path) -> Initialised:
    root = path.expanduser().resolve()
    written = create_store(root)
    from icsvc.store import gitutil

    registered = register_driver(root)
    return Initialised(root, written, registered, gitutil.toplevel(root) is not None)
