"""The JSON Schemas of providers.yaml and request files: shipped, printed, written by init,
and in agreement with `icsvc check` (valid files pass both, broken files fail both)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLE, PROVIDERS, Store
from icsvc.domain.catalogue import PRIORITIES
from icsvc.domain.history import ENTRY_TYPES, KEY_ORDER
from icsvc.domain.history.request import REQUEST_KEYS
from icsvc.domain.lifecycle import STATUSES
from icsvc.store import schemafiles
from schemacheck import file_problems, problems

ROOT = Path(__file__).resolve().parent.parent
PART = ["-p", "engineering", "-s", "part-clarification", "-t", "Bore diameter",
        "--info", "order_number=SO-1", "--info", "part_number=P-2"]


def test_the_example_store_is_valid_for_the_schemas() -> None:
    assert file_problems("providers", EXAMPLE / "providers.yaml") == []
    files = sorted((EXAMPLE / "requests").glob("**/*.yaml"))
    assert len(files) >= 30
    for path in files:
        assert file_problems("request", path) == [], path


def test_the_example_catalogue_points_editors_at_the_schema() -> None:
    first = (EXAMPLE / "providers.yaml").read_text().splitlines()[0]
    assert first == schemafiles.modeline("providers", "../../src/icsvc/schemas")
    assert (ROOT / "src/icsvc/schemas/providers.schema.json").is_file()


def test_schema_prints_the_shipped_files(store: Store) -> None:
    for kind in ("providers", "request"):
        out = store.ok("schema", kind).out
        assert out == schemafiles.text(kind)
        assert json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_init_writes_the_schemas_and_the_modeline(store: Store, tmp_path: Path) -> None:
    store.ok("init", str(tmp_path / "acme"))
    text = (tmp_path / "acme" / "providers.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=schemas/providers.schema.json"
    for kind, name in schemafiles.FILES.items():
        assert (tmp_path / "acme" / "schemas" / name).read_text() == schemafiles.text(kind)
    assert problems("providers", text) == []
    store.ok("check", "--store", str(tmp_path / "acme"))


def test_the_schema_names_what_the_code_accepts() -> None:
    """A new status, priority or request field goes into request.schema.json too; history
    entries are generated from history.KINDS (`python -m icsvc.store.schemafiles` rewrites the
    shipped file)."""
    shipped = json.loads(schemafiles.text("request"))
    assert shipped == schemafiles.generated("request"), (
        "history.KINDS changed: run 'python -m icsvc.store.schemafiles' to update the schema")
    assert shipped["$defs"]["status"]["enum"] == list(STATUSES)
    assert shipped["$defs"]["priority"]["enum"] == list(PRIORITIES)
    assert list(shipped["properties"]) == list(REQUEST_KEYS)
    entry = shipped["$defs"]["entry"]
    assert set(entry["properties"]["type"]["enum"]) == set(ENTRY_TYPES)
    keys = {k for rule in entry["allOf"] for k in rule["then"]["properties"]}
    assert keys == set(KEY_ORDER)
    catalogue = json.loads(schemafiles.text("providers"))
    assert catalogue["$defs"]["provider"]["properties"]["sla"]["required"] == list(PRIORITIES)


# -- broken files: the schema and icsvc check both refuse them ------------------------------

REQUEST_BREAKS = [
    ("status: new", "status: open"),
    ("priority: normal\n", "priority: asap\n"),
    ("id: ", "ident: "),
    ("title: Bore diameter", "title: ''"),
    ("  email: maria@example.com", "  email: maria"),
    ("  department: customer-service", "  department: Customer Service"),
    ("created_at: 2026-11-24T10:00:00-05:00", "created_at: 2026-11-24T10:00:00"),
    ("created_at: 2026-11-24T10:00:00-05:00", "created_at: tomorrow"),
    ("  acknowledge: 4h", "  acknowledge: 4 hours"),
    ("  acknowledge: 4h", "  acknowledge: 4"),
    ("  resolve: 2d\n", ""),
    ("  type: created", "  type: born"),
    ("  by: maria@example.com\n  type: created", "  type: created"),
    ("history:\n", "history: []\nold_history:\n"),
    ("status: new", "status: new\nrush: maybe"),
    ("status: new", "status: new\nprogress: 150"),
    ("status: new", "status: new\nimpact:\n  note: no cost"),
    ("status: new", "status: new\nowner: nobody"),
    ("info:\n", "info:\n  empty: ''\n"),
    ("status: new", "status: new\nextra: 1"),
]


@pytest.mark.parametrize(("old", "new"), REQUEST_BREAKS)
def test_broken_request_files_fail_both(store: Store, old: str, new: str) -> None:
    rid = store.new(*PART)
    path = store.request_file(rid)
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    assert problems("request", path.read_text()), new
    store.fails("check")
    path.write_text(text)  # the fixture then checks the valid file against the schema


PROVIDER_BREAKS = [
    ("    timezone: America/New_York\n", ""),
    ("    days: [mon, tue, wed, thu, fri]\n    hours: \"09:00-17:00\"",
     "    days: [mon, tue, wed, thu, fry]\n    hours: \"09:00-17:00\""),
    ("    days: [mon, tue, wed, thu, fri]\n    hours: \"09:00-17:00\"",
     "    days: []\n    hours: \"09:00-17:00\""),
    ('    hours: "09:00-17:00"', '    hours: "9am-5pm"'),
    ("    holidays: [2026-11-26, 2026-12-25]", "    holidays: [26/11/2026]"),
    ("      high: {acknowledge: 2h, resolve: 1d}", "      high: {acknowledge: 2 hours, "
                                                  "resolve: 1d}"),
    ("      high: {acknowledge: 2h, resolve: 1d}", "      high: {acknowledge: 2h}"),
    ("      high: {acknowledge: 2h, resolve: 1d}", "      high: {acknowledge: 2h, resolve: 1d, "
                                                  "respond: 1h}"),
    ("    members: [ana@example.com, raj@example.com]", "    members: ana@example.com"),
    ("    members: [pat@example.com]", "    members: [pat]"),
    ("    members: [pat@example.com]", "    members: []"),
    ("    escalation: cfo@example.com", "    escalation: the CFO"),
    ("        lead_time: 3d", "        lead_time: soon"),
    ("      urgent: {acknowledge: 1h, resolve: 1d}\n", ""),
    ("  engineering:\n    name: Engineering", "  engineering:\n    nam: Engineering"),
    ("  engineering:\n    name: Engineering", "  Engineering:\n    name: Engineering"),
    ("        requires: [employee_id, pay_period]", "        requires: [Employee ID]"),
    ("departments:", "settings:\n  at_risk: 150\ndepartments:"),
    ("departments:", "colours: {}\ndepartments:"),
    ("      part-clarification:\n        description: Same name",
     "      part-clarification:\n        about: Same name"),
]


@pytest.mark.parametrize(("old", "new"), PROVIDER_BREAKS)
def test_broken_catalogues_fail_both(store: Store, old: str, new: str) -> None:
    assert old in PROVIDERS, old
    text = PROVIDERS.replace(old, new, 1)
    (store.root / "providers.yaml").write_text(text)
    assert problems("providers", text), new
    store.fails("check")


def test_valid_variants_pass_both(store: Store) -> None:
    """Forms icsvc accepts that a too-strict schema would refuse."""
    text = (PROVIDERS
            .replace("days: [mon, tue, wed, thu, fri]\n    hours: \"09:00-17:00\"",
                     "days: [Monday, TUE, wed, thu, fri]\n    hours: \"09:00-17:00\"", 1)
            .replace('hours: ["09:00-12:30", "13:30-17:30"]', 'hours: "09:00-12:30, 13:30-17:30"')
            .replace("    escalation: cfo@example.com",
                     "    escalation: cfo@example.com\n    description: ''\n    team: null"))
    (store.root / "providers.yaml").write_text(text)
    assert problems("providers", text) == []
    rid = store.new(*PART, "--cost", "12.5", "--impact-note", "a day", "--details", "a\nb")
    store.ok("triage", rid, "--ack", "--promise", "fri", actor="ana@example.com")
    store.ok("check")
