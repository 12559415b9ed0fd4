"""The JSON Schemas of providers.yaml and of request files, shipped in the package.

Editors that speak the YAML language server complete and check the catalogue from the
`# yaml-language-server: $schema=...` line `icsvc init` writes at the top of providers.yaml;
`icsvc init` also copies the schemas into the store's `schemas/` folder, so the line works in
every clone without the package on the web. `icsvc check` stays the authority: the schemas
describe the same files, and a test keeps the two in agreement.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

FILES = {"providers": "providers.schema.json", "request": "request.schema.json"}
STORE_DIR = "schemas"
"""Where `icsvc init` puts copies of the schemas, at the store's root."""


def text(name: str) -> str:
    """The schema `name` (providers or request) as shipped, JSON text."""
    return files("icsvc").joinpath(f"schemas/{FILES[name]}").read_text(encoding="utf-8")


def modeline(name: str, folder: str = STORE_DIR) -> str:
    """The comment that points an editor at the schema, relative to the YAML file."""
    return f"# yaml-language-server: $schema={folder}/{FILES[name]}"


def store_copies(root: Path) -> dict[Path, str]:
    """The schema files `icsvc init` writes into a store, with their text."""
    return {root / STORE_DIR / file: text(name) for name, file in FILES.items()}
