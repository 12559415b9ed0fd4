"""The JSON Schemas of providers.yaml and of request files, shipped in the package.

Editors that speak the YAML language server complete and check the catalogue from the
`# yaml-language-server: $schema=...` line `icsvc init` writes at the top of providers.yaml;
`icsvc init` also copies the schemas into the store's `schemas/` folder, so the line works in
every clone without the package on the web. `icsvc check` stays the authority: the schemas
describe the same files, and a test keeps the two in agreement.

Where to change them: a request field or a providers.yaml key is one entry in the JSON file
(`properties`, or the `$defs` it belongs to); a history entry type is defined once in
`history.KINDS`, and `python -m icsvc.store.schemafiles` rewrites `$defs.entry` of the shipped
request schema from it (tests/test_schema.py fails until it is rerun).
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
    """`$defs.entry` of the request schema, from `history.KINDS` (each entry type, its keys
    and required keys) and history's tables of key types: adding an entry type there and
    running `python -m icsvc.store.schemafiles` updates the shipped schema."""
    from icsvc.domain import history

    def value(kind: str, key: str) -> dict[str, Any]:
        if key in history.TIMESTAMP_KEYS.get(kind, ()):
            return {"$ref": "#/$defs/optional_timestamp"}
        if key in history.STATUS_KEYS.get(kind, ()):
            return {"anyOf": [{"$ref": "#/$defs/status"}, {"type": "null"}]}
        if key in history.PRIORITY_KEYS.get(kind, ()):
            return {"anyOf": [{"$ref": "#/$defs/priority"}, {"type": "null"}]}
        if key in history.FLAG_KEYS:
            return {"type": ["boolean", "null"]}
        if key in ("note", "comment", "alternate"):
            return {"$ref": "#/$defs/optional_text"}
        return _SPECIAL.get((kind, key), {})

    rules = []
    for name, kind in history.KINDS.items():
        keys = [*kind.required, *(k for k in kind.keys if k not in kind.required)]
        then: dict[str, Any] = {
            "properties": {"at": {}, "by": {}, "type": {},
                           **{k: value(name, k) for k in keys}},
            "additionalProperties": False,
        }
        if kind.required:
            then["required"] = list(kind.required)
        rules.append({"if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                      "then": then})
    return {
        "description": "One change, by whom and when. Each type has its own keys "
                       "(history.KINDS in the icsvc source).",
        "type": "object",
        "required": ["at", "by", "type"],
        "properties": {
            "at": {"$ref": "#/$defs/timestamp"},
            "by": {"description": "Who made the change (an email; merge@icsvc for the merge "
                                  "driver).", "$ref": "#/$defs/text"},
            "type": {"enum": list(history.KINDS)},
        },
        "allOf": rules,
    }


_NON_EMPTY_NUMBER = {"type": "number", "minimum": 0}
_SPECIAL: dict[tuple[str, str], dict[str, Any]] = {
    ("feedback", "rating"): {"type": "integer", "minimum": 1, "maximum": 5},
    ("progress", "from"): {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 100},
                                     {"type": "null"}]},
    ("progress", "to"): {"type": "integer", "minimum": 0, "maximum": 100},
    ("cost", "from"): {"anyOf": [_NON_EMPTY_NUMBER, {"type": "null"}]},
    ("cost", "to"): _NON_EMPTY_NUMBER,
    ("info", "info"): {"type": "object", "minProperties": 1,
                       "additionalProperties": {"$ref": "#/$defs/text"}},
    ("targets", "from"): {"anyOf": [{"$ref": "#/$defs/entry_targets"}, {"type": "null"}]},
    ("targets", "to"): {"$ref": "#/$defs/entry_targets"},
}
"""Value types history.parse_entry checks one by one (the rest are free)."""


def generated(name: str) -> dict[str, Any]:
    """The schema as it should be shipped: for requests, with the entries from KINDS."""
    schema: dict[str, Any] = json.loads(text(name))
    if name == "request":
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
