"""The JSON Schemas of providers.yaml and of request files, shipped in the package.

Editors that speak the YAML language server complete and check the catalogue from the
`# yaml-language-server: $schema=...` line `icsvc init` writes at the top of providers.yaml;
`icsvc init` also copies the schemas into the store's `schemas/` folder, so the line works in
every clone without the package on the web. `icsvc check` stays the authority: the schemas
describe the same files, and a test keeps the two in agreement.

Where to change them: a providers.yaml key is one entry in the JSON file (`properties`, or
the `$defs` it belongs to); a request field is declared once, in the field table
(`domain/history/fields.py`), and a history entry type once, as an entry kind
(`domain/history/kinds.py`): `python -m icsvc.store.schemafiles` rewrites the request
schema's `properties`, `required` and `$defs.entry` from them (tests/test_schema.py fails
until it is rerun).
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

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


# -- the history entries, described from history.KINDS ------------------------------------


def entry_schema() -> dict[str, Any]:
    """`$defs.entry` of the request schema, from the entry kinds (each type, its keys and
    their types): adding a kind and running `python -m icsvc.store.schemafiles` updates the
    shipped schema."""
    from icsvc.domain.history.kinds import KINDS

    rules = []
    for name, kind in KINDS.items():
        keys = sorted(kind.KEYS, key=lambda spec: not spec.required)
        then: dict[str, Any] = {
            "properties": {"at": {}, "by": {}, "type": {}, "via": {},
                           **{spec.name: spec.type.described(spec.required)
                              for spec in keys}},
            "additionalProperties": False,
        }
        required = [spec.name for spec in kind.KEYS if spec.required]
        if required:
            then["required"] = required
        rules.append({"if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                      "then": then})
    return {
        "description": "One change, by whom and when. Each type has its own keys "
                       "(the entry kinds, icsvc.domain.history.kinds).",
        "type": "object",
        "required": ["at", "by", "type"],
        "properties": {
            "at": {"$ref": "#/$defs/timestamp"},
            "by": {"description": "Who made the change (an email; merge@icsvc for the merge "
                                  "driver).", "$ref": "#/$defs/text"},
            "type": {"enum": list(KINDS)},
            "via": {"description": "Where it came from when not the command line: "
                                   "'github-comment ID', 'mail <message-id>'.",
                    "$ref": "#/$defs/text"},
        },
        "allOf": rules,
    }


def generated(name: str) -> dict[str, Any]:
    """The schema as it should be shipped: for requests, the fields from the field table and
    the entries from KINDS."""
    schema: dict[str, Any] = json.loads(text(name))
    if name == "request":
        from icsvc.domain.history.fields import REQUIRED_KEYS, schema_properties

        schema["required"] = list(REQUIRED_KEYS)
        schema["properties"] = schema_properties()
        schema["$defs"]["entry"] = entry_schema()
    return schema


def main() -> None:
    """`python -m icsvc.store.schemafiles`: rewrite the shipped schemas from the code."""
    for name, file in FILES.items():
        path = Path(__file__).parent.parent / "schemas" / file
        path.write_text(json.dumps(generated(name), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
