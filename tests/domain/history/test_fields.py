"""The request file's fields are declared once (`domain/history/fields.py`): parsing, writing,
the messages of a bad value, the key tables, the index's checks, the quick look and the JSON
Schema are all made from that table, in process."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
import yaml

from conftest import EXAMPLE
from icsvc.domain.history import fields
from icsvc.domain.history.request import (
    FIELD_ENTRIES,
    IMMUTABLE_KEYS,
    REQUEST_KEYS,
    Request,
    parse_request,
)
from icsvc.domain.history.state import FIELDS, RequestState
from icsvc.errors import ValidationError
from icsvc.store import index, schemafiles
from icsvc.store.files import load_request
from icsvc.store.refresh import quick_summary

FULL = EXAMPLE / "requests" / "engineering" / "B1QD49VF.yaml"
"""An example request with nearly every field set."""


def full() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(FULL.read_text())
    data["blocks"] = ["7R2K9QXM"]
    data["progress"] = 40
    data["source"] = {"github_issue": 7, "url": "https://example.com/7"}
    return data


def test_the_record_types_hold_the_fields_of_the_table() -> None:
    attrs = [f.attr for f in fields.FIELDS]
    assert len(set(attrs)) == len(attrs)
    assert {f.name for f in dataclasses.fields(Request)} == {*attrs, "path"}
    names = [f.name for f in dataclasses.fields(RequestState)]
    assert set(names[:names.index("history")]) == set(fields.REPLAYED) == set(FIELDS)
    assert "source" not in FIELDS and "history" not in FIELDS  # no entry tells them


def test_the_key_tables_are_the_ones_the_file_has_always_had() -> None:
    assert REQUEST_KEYS == (
        "id", "title", "provider", "service", "status", "priority", "requested_priority",
        "customer", "owner", "created_at", "needed_by", "rush", "justification",
        "promised_by", "progress", "info", "details", "impact", "blocks", "source", "targets",
        "history")
    assert IMMUTABLE_KEYS == ("id", "title", "customer", "created_at", "rush",
                              "justification", "details", "source")
    assert FIELD_ENTRIES == {
        "provider": ("redirect",), "service": ("redirect",), "status": ("status", "redirect"),
        "priority": ("priority",), "requested_priority": ("requested-priority",),
        "owner": ("assigned", "redirect"), "needed_by": ("needed-by",),
        "promised_by": ("promise", "redirect"), "progress": ("progress",), "info": ("info",),
        "impact": ("cost",), "blocks": ("link",), "targets": ("targets",)}
    assert fields.REQUIRED_KEYS == ("id", "title", "provider", "service", "status", "priority",
                                    "requested_priority", "customer", "created_at", "targets",
                                    "history")


def test_a_request_is_written_in_the_file_order_and_reads_back_the_same() -> None:
    request = parse_request(FULL, full())
    written = request.to_dict()
    assert list(written) == [k for k in REQUEST_KEYS if k in written]
    assert set(written) == set(REQUEST_KEYS)  # every field set: every key written
    assert written["customer"] == {"email": "maria@example.com",
                                   "department": "customer-service"}
    assert parse_request(FULL, written) == request


def test_defaults_are_left_out_and_fresh_for_each_request() -> None:
    data = full()
    for key in ("owner", "needed_by", "rush", "justification", "promised_by", "progress",
                "info", "details", "impact", "blocks", "source"):
        del data[key]
    first, second = parse_request(FULL, data), parse_request(FULL, dict(data))
    assert (first.rush, first.info, first.blocks, first.owner) == (False, {}, [], None)
    first.info["x"] = "y"
    first.blocks.append("7R2K9QXM")
    assert second.info == {} and second.blocks == []
    assert set(parse_request(FULL, data).to_dict()) == {
        "id", "title", "provider", "service", "status", "priority", "requested_priority",
        "customer", "created_at", "targets", "history"}


@pytest.mark.parametrize(("value", "taken"), [
    (None, {}), ({}, {}), ([], {}), ({"a": 1}, {"a": "1"})])
def test_empty_information_is_none(value: Any, taken: Any) -> None:
    data = full()
    data["info"] = value
    assert parse_request(FULL, data).info == taken


def test_a_null_flag_is_refused_where_other_optional_fields_are_left_unset() -> None:
    data = full()
    data.update(owner=None, needed_by=None, progress=None, blocks=None, impact=None)
    request = parse_request(FULL, data)
    assert (request.owner, request.needed_by, request.progress, request.blocks,
            request.impact) == (None, None, None, [], None)
    data["rush"] = None
    with pytest.raises(ValidationError) as err:
        parse_request(FULL, data)
    assert (err.value.field, err.value.problem) == ("rush", "expected true or false, got None")


BAD = [
    (["id"], "ABC", "'ABC' is not a request ID (accepted: 8 characters from"),
    (["title"], " ", "must not be empty"),
    (["provider"], "Engineering", "'Engineering' is not valid (accepted: lowercase letters"),
    (["status"], "open", "'open' is not valid (accepted: new, acknowledged"),
    (["priority"], "asap", "'asap' is not valid (accepted: low, normal, high, urgent)"),
    (["customer", "email"], "maria", "'maria' is not an email address"),
    (["customer", "department"], "Customer Service", "is not valid (accepted: lowercase"),
    (["owner"], 12, "'12' is not an email address"),
    (["created_at"], "yesterday", "'yesterday' is not a date-time"),
    (["rush"], "yes", "expected true or false, got 'yes'"),
    (["progress"], 101, "101 is out of range (accepted: 0 to 100)"),
    (["info", "order_number"], [], "expected text, got a list"),
    (["impact", "cost"], -1, "-1 is out of range (accepted: a number from 0"),
    (["blocks", 0], "nope", "'nope' is not a request ID"),
    (["source", "github_issue"], 0, "expected an issue number (1 or more)"),
    (["targets", "resolve"], "soon", "soon"),
    (["history", 0, "type"], "status", "the first history entry must be 'created'"),
]


@pytest.mark.parametrize(("keys", "value", "said"), BAD, ids=lambda v: str(v))
def test_each_bad_value_is_named_by_its_field(keys: list[Any], value: Any, said: str) -> None:
    data = full()
    if keys[0] == "history":  # a first entry of another type: a status change
        data["history"][0] = {**data["history"][1], "at": data["created_at"]}
    else:
        holder = data
        for key in keys[:-1]:
            holder = holder[key]
        holder[keys[-1]] = value
    with pytest.raises(ValidationError) as err:
        parse_request(FULL, data)
    assert err.value.keys == tuple(keys)
    assert said in err.value.problem


def test_every_field_is_checked() -> None:
    """Each field of the table refuses a value of the wrong shape, at its own path."""
    for f in fields.FIELDS:
        data = full()
        holder = data[f.key] if f.sub else data
        holder[f.sub or f.key] = 3.5 if isinstance(f.type, fields.Flag | fields.Number) \
            else (["x"] if f.type.scalar else "x")
        with pytest.raises(ValidationError) as err:
            parse_request(FULL, data)
        assert err.value.keys[:len(f.path)] == tuple(f.path), f


def test_unknown_and_missing_keys_come_from_the_table() -> None:
    data = full()
    data["colour"] = "red"
    with pytest.raises(ValidationError) as err:
        parse_request(FULL, data)
    assert err.value.problem == f"unknown key (accepted: {', '.join(sorted(REQUEST_KEYS))})"
    for key in fields.REQUIRED_KEYS:
        data = full()
        del data[key]
        with pytest.raises(ValidationError) as err:
            parse_request(FULL, data)
        assert err.value.problem == f"missing required key '{key}'"
    data = full()
    data["customer"] = {"email": "maria@example.com", "team": "x"}
    with pytest.raises(ValidationError) as err:
        parse_request(FULL, data)
    assert (err.value.field, err.value.problem) == (
        "customer.team", "unknown key (accepted: department, email)")


def test_the_index_checks_every_field_by_the_shape_the_table_gives() -> None:
    request = load_request(FULL)
    request.blocks = ["7R2K9QXM"]
    request.source = {"github_issue": 7}
    body = index.encode(request)
    assert index.decode(body, FULL) == request
    assert {shape for _, shape in index._FIELDS} <= set(index._CHECKS)
    values = json.loads(body)
    position = {f.attr: i for i, f in enumerate(fields.FIELDS)}
    for attr in ("owner", "needed_by", "progress", "impact", "source", "details"):
        changed = list(values)
        changed[position[attr]] = None  # a field that may be left out may be null
        assert getattr(index.decode(json.dumps(changed), FULL), attr) is None
    for f in fields.FIELDS:
        if f.required or f.default is not None:  # never null: a crafted row is refused
            changed = list(values)
            changed[position[f.attr]] = None
            with pytest.raises((TypeError, ValueError)):
                index.decode(json.dumps(changed), FULL)


def test_the_summary_columns_come_from_the_table() -> None:
    request = load_request(FULL)
    summary = index.summarize(request)
    assert {f.column for f in fields.FIELDS if f.column} == set(index.Summary._fields)
    assert (summary.email, summary.department) == (request.customer_email,
                                                  request.customer_department)
    assert summary.created == request.created_at.timestamp()
    assert summary.updated == max(e.at for e in request.history).timestamp()
    assert quick_summary(FULL.read_text()) == summary


def test_the_schema_is_made_from_the_table() -> None:
    shipped = json.loads(schemafiles.text("request"))
    assert shipped["required"] == list(fields.REQUIRED_KEYS)
    assert list(shipped["properties"]) == list(REQUEST_KEYS)
    assert shipped["properties"] == fields.schema_properties()
    assert shipped["properties"]["rush"]["type"] == "boolean"  # null is refused: not optional
    assert shipped["properties"]["owner"]["anyOf"][1] == {"type": "null"}
    customer = shipped["properties"]["customer"]
    assert customer["required"] == ["email", "department"]
    refs = json.dumps(shipped)
    assert all(f'"#/$defs/{name}"' in refs for name in shipped["$defs"] if name != "entry")
