"""Validating store files against the shipped JSON Schemas, as an editor would see them.

An editor's YAML language server reads `2026-11-24T10:00:00-05:00` and `2026-11-26` as
strings; PyYAML reads them as datetimes and dates. The loader here keeps them as strings, so
the schemas are checked against what editors check.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from icsvc.store import schemafiles


class _EditorLoader(yaml.SafeLoader):
    """YAML as editors read it: timestamps and dates stay strings."""


_EditorLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load(text: str) -> Any:
    return yaml.load(text, Loader=_EditorLoader)  # noqa: S506 - a SafeLoader subclass


@cache
def validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schemafiles.text(kind))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problems(kind: str, text: str) -> list[str]:
    """What the schema says about this file ([] when it is valid)."""
    try:
        data = load(text)
    except yaml.YAMLError as exc:
        return [f"not YAML: {exc}"]
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in validator(kind).iter_errors(data)]


def file_problems(kind: str, path: Path) -> list[str]:
    return problems(kind, path.read_text(encoding="utf-8"))
