"""Write the manual's reference pages made from the code, so they cannot drift from it.

    python scripts/gen_reference.py            # exit 1 if a generated page is out of date
    python scripts/gen_reference.py --write    # rewrite them

- `docs/reference/commands.md`: every command's `--help`, from the Typer app, at 80 columns;
- `docs/reference/file-formats.md`: between `<!-- generated:schema NAME -->` and
  `<!-- /generated -->`, a table per object of the JSON Schema `src/icsvc/schemas/NAME.schema.json`;
- `docs/reference/limits.md`: between `<!-- generated:limits -->` and `<!-- /generated -->`,
  every bound of `src/icsvc/domain/limits.py` with its value and its docstring.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ROOT / "docs" / "reference" / "commands.md"
FORMATS = ROOT / "docs" / "reference" / "file-formats.md"
LIMITS = ROOT / "docs" / "reference" / "limits.md"
LIMITS_SOURCE = ROOT / "src" / "icsvc" / "domain" / "limits.py"
SCHEMAS = ROOT / "src" / "icsvc" / "schemas"
WIDTH = 80
GENERATED = re.compile(r"(<!-- generated:schema (\w+) -->\n)(.*?)(<!-- /generated -->)", re.S)
LIMITS_BLOCK = re.compile(r"(<!-- generated:limits -->\n)(.*?)(<!-- /generated -->)", re.S)


def _help_texts() -> list[tuple[str, str]]:
    """(`icsvc name ...`, its --help) for every command and subcommand, in the app's order."""
    import typer
    from typer.testing import CliRunner

    from icsvc.cli.app import application

    app = application()
    runner = CliRunner()
    found: list[tuple[str, str]] = []

    def walk(command: Any, path: list[str]) -> None:
        if path:
            result = runner.invoke(app, [*path, "--help"], prog_name="icsvc",
                                   env={"COLUMNS": str(WIDTH), "NO_COLOR": "1"})
            found.append((" ".join(["icsvc", *path]), result.output))
        for sub_name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, sub_name])

    walk(typer.main.get_command(app), [])
    return found


def commands_page() -> str:
    lines = [
        "# Commands",
        "",
        "Every command's `--help`, as `icsvc COMMAND --help` prints it (generated from the",
        "code by `scripts/gen_reference.py`; a test fails when this page is out of date).",
        "Every command also takes the conventions of [the manual's home page](../index.md).",
        "",
    ]
    for name, text in _help_texts():
        lines += [f"## `{name}`", "", "```text", *(t.rstrip() for t in text.splitlines()),
                  "```", ""]
    return "\n".join(lines)


def _kind(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"])
    if "anyOf" in spec or "oneOf" in spec:
        kinds = [_kind(s) for s in spec.get("anyOf", spec.get("oneOf", []))]
        return " or ".join(k for k in kinds if k != "null") or "null"
    kind = spec.get("type", "any")
    if kind == "array":
        return f"list of {_kind(spec.get('items', {}))}"
    if kind == "object" and "additionalProperties" in spec \
            and isinstance(spec["additionalProperties"], dict):
        return f"map of {_kind(spec['additionalProperties'])}"
    return " or ".join(kind) if isinstance(kind, list) else str(kind)


def _described(spec: dict[str, Any], defs: dict[str, Any]) -> str:
    text = spec.get("description")
    if text is None and "$ref" in spec:
        text = defs.get(str(spec["$ref"]).rsplit("/", 1)[-1], {}).get("description")
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def _object(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema with properties inside `spec` (directly or in an anyOf)."""
    if "properties" in spec:
        return spec
    for option in spec.get("anyOf", []):
        if isinstance(option, dict) and "properties" in option:
            return option
    return None


def schema_tables(name: str) -> str:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    defs: dict[str, Any] = schema.get("$defs", {})
    objects: list[tuple[str, dict[str, Any]]] = [(f"`{name}` file", schema)]
    for key, spec in schema["properties"].items():
        if key not in defs and (inner := _object(spec)) is not None:
            objects.append((f"`{key}`", inner))
    for key, spec in defs.items():
        if (inner := _object(spec)) is not None:
            objects.append((f"`{key}`", inner))
    out: list[str] = []
    for title, spec in objects:
        required = set(spec.get("required", []))
        out += [f"**{title}**" + (f": {_described(spec, defs)}" if spec.get("description")
                                  else ""), "",
                "| key | type | required | what it is |", "|---|---|---|---|"]
        for key, prop in spec["properties"].items():
            out.append(f"| `{key}` | {_kind(prop)} | {'yes' if key in required else ''} | "
                       f"{_described(prop, defs)} |")
        out.append("")
    return "\n".join(out)


def formats_page(text: str) -> str:
    return GENERATED.sub(lambda m: m.group(1) + schema_tables(m.group(2)) + m.group(4), text)


def _shown(value: Any) -> str:
    """A limit's value as people read it: sizes in KiB or MiB, big numbers grouped."""
    from datetime import date, timedelta

    if isinstance(value, bool) or not isinstance(value, int | float | str | date | timedelta):
        return str(value)
    if isinstance(value, timedelta):
        return f"{value.days:,} days"
    if isinstance(value, date | str):
        return str(value)
    if isinstance(value, float):
        return f"{value:.0e}".replace("e+", " x 10^")
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if value >= size and value % size == 0:
            return f"{value // size:,} {unit}"
    return f"{value:,}"


def limits_table() -> str:
    """Each bound of domain/limits.py: a constant followed by its docstring."""
    import ast

    from icsvc.domain import limits

    tree = ast.parse(LIMITS_SOURCE.read_text(encoding="utf-8"))
    rows = ["| limit | value | what it bounds |", "|---|---|---|"]
    body = tree.body
    for node, after in zip(body, body[1:], strict=False):
        if not (isinstance(node, ast.Assign) and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str)):
            continue
        name = node.targets[0].id if isinstance(node.targets[0], ast.Name) else ""
        if not name.isupper():
            continue
        text = " ".join(after.value.value.split()).replace("|", "\\|")
        rows.append(f"| `{name}` | {_shown(getattr(limits, name))} | {text} |")
    return "\n".join(rows) + "\n"


def limits_page(text: str) -> str:
    return LIMITS_BLOCK.sub(lambda m: m.group(1) + limits_table() + m.group(3), text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the generated pages")
    args = parser.parse_args()
    stale = 0
    pages = ((COMMANDS, lambda _old: commands_page()), (FORMATS, formats_page),
             (LIMITS, limits_page))
    for path, make in pages:
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        new = make(old)
        if new == old:
            continue
        stale += 1
        name = str(path.relative_to(ROOT))
        if args.write:
            path.write_text(new, encoding="utf-8")
            print(f"{name}: rewritten")
        else:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True),
                                                       new.splitlines(True), name, name))
    return 1 if stale and not args.write else 0


if __name__ == "__main__":
    raise SystemExit(main())
