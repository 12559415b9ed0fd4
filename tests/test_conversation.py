"""The request's issue is its conversation: comments act on the request as the commands
would (by the commenter, through the same rules), every refusal is answered on the issue
and writes nothing, a second delivery of the same comment changes nothing, the requester
is told what they would be notified of, and the issue closes with the request. GitHub's
API is a real HTTP server (pytest-httpserver)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from conftest import Result, Store
from issue_helpers import (
    REPO_URL,
    example_with_forms,
    form_path,
    payload,
    render_body,
    write_event,
)

PART = "[engineering/part-clarification] "
OPENED = "2026-11-24T15:00:00Z"  # Tue 10:00 in New York
_ids = iter(range(5000, 10**6))


@pytest.fixture
def example(tmp_path: Path) -> Store:
    return example_with_forms(tmp_path / "example")


def intake(store: Store, event: dict[str, Any], *args: str, **kw: Any) -> Result:
    path = write_event(store.root.parent, event, f"event-{next(_ids)}.json")
    return store.icsvc("intake", "--event", str(path), *args, **kw)


def comment(number: int, body: str, login: str, at: str, cid: int | None = None,
            action: str = "created", bot: bool = False) -> dict[str, Any]:
    """An `issue_comment` event on request issue `number` (opened by maria-acme)."""
    event = payload(number, PART + "Bore", "", comment=body)
    user = {"login": login, "id": 4242, "type": "Bot" if bot else "User"}
    event["action"] = action
    event["sender"] = user
    event["comment"] = {"id": cid if cid is not None else next(_ids), "body": body,
                        "user": user, "created_at": at, "updated_at": at,
                        "html_url": f"{REPO_URL}/issues/{number}#issuecomment-1"}
    return event


def opened(store: Store, number: int = 70) -> str:
    body = render_body(form_path(store, "engineering", "part-clarification"),
                       {"info-order_number": "SO-88412", "info-part_number": "7730-C"})
    data = intake(store, payload(number, PART + "Bore", body, created_at=OPENED),
                  "--format", "json").json()
    assert data["status"] == "created"
    return str(data["id"])


def history(store: Store, rid: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load(store.request_file(rid).read_text())["history"])


def test_a_whole_conversation_on_the_issue(example: Store) -> None:
    rid = opened(example)
    # the provider asks for information: the requester is told on the issue
    asked = intake(example, comment(70, "/need-info Which revision of the drawing?",
                                    "ana-acme", "2026-11-24T16:00:00Z"), "--format", "json")
    assert asked.code == 0, asked.err
    data = asked.json()
    assert data["status"] == "changed" and data["email"] == "ana@example.com"
    assert data["author"] == "ana-acme <ana-acme@users.noreply.github.com>"
    assert data["posts"][0]["issue"] == 70
    # told to the requester (who opened the issue), not to the provider who commented
    assert data["comment"].startswith(f"@maria-acme, **{rid} needs information from you")
    assert "Which revision of the drawing?" in data["comment"]
    assert "Answer with: a reply with 'key: value' lines" in data["comment"]
    last = history(example, rid)[-1]
    assert last["type"] == "status" and last["to"] == "waiting-on-customer"
    assert last["by"] == "ana@example.com" and last["via"].startswith("github-comment ")
    # the requester answers in plain words, with a key: value line for a field
    answered = intake(example, comment(70, "part_number: 7730-D\nIt is revision D, sorry.",
                                       "maria-acme", "2026-11-24T17:00:00Z"),
                      "--format", "json").json()
    assert answered["status"] == "changed"
    entries = history(example, rid)[-3:]
    assert [e["type"] for e in entries] == ["info", "note", "status"]
    assert entries[0]["info"] == {"part_number": "7730-D"}
    assert entries[1] == {**entries[1], "note": "It is revision D, sorry.", "reply": True}
    assert entries[2]["to"] == "new"
    # the provider acknowledges with a promise: the requester sees the date
    ack = intake(example, comment(70, "Thanks!\n/ack promise 2026-11-30 12:00",
                                  "ana-acme", "2026-11-25T14:00:00Z"), "--format", "json")
    assert ack.code == 0, ack.err
    said = ack.json()["comment"]
    assert f"**{rid} acknowledged" in said and "Mon 2026-11-30 12:00" in said
    # resolves: the requester is told how to rate, and rates
    done = intake(example, comment(70, "/resolve Revision D uses the M6 thread.",
                                   "ana-acme", "2026-11-25T15:00:00Z"),
                  "--format", "json").json()
    assert f"**{rid} resolved" in done["comment"]
    assert "Rate it: /rate N (1 to 5 stars, then a comment if you like)" in done["comment"]
    assert "Not done? /reopen REASON" in done["comment"]
    rate = comment(70, "/rate 5 Quick and clear", "maria-acme", "2026-11-25T16:00:00Z")
    rated = intake(example, rate, "--format", "json").json()
    assert rated["status"] == "changed"
    assert rated["comment"].startswith(f"@maria-acme, recorded on request {rid}:")
    assert history(example, rid)[-1] == {**history(example, rid)[-1], "type": "feedback",
                                         "rating": 5, "comment": "Quick and clear"}
    # the same comment delivered again changes nothing
    before = example.snapshot()
    again = intake(example, rate, "--format", "json")
    assert again.code == 0 and again.json()["status"] == "exists"
    assert again.json()["posts"] == []
    assert example.snapshot() == before
    example.ok("check")


def test_a_refusal_is_answered_on_the_issue_and_writes_nothing(example: Store) -> None:
    rid = opened(example)
    before = example.snapshot()
    result = intake(example, comment(70, "/resolve Done it myself", "maria-acme",
                                     "2026-11-24T16:00:00Z"), "--format", "json")
    assert result.code == 1
    data = result.json()
    assert data["status"] == "refused"
    assert data["comment"].startswith(f"@maria-acme, icsvc could not do that on request {rid}")
    assert "only a member of engineering" in data["comment"]
    assert "Nothing was recorded" in data["comment"]
    assert data["posts"] == [{"issue": 70, "body": data["comment"], "close": None,
                              "reopen": False}]
    assert example.snapshot() == before
    # a command's missing text is named as the comment says it
    result = intake(example, comment(70, "/escalate", "maria-acme", "2026-11-24T16:00:00Z"))
    assert result.code == 1 and "/escalate needs a text after it" in result.out
    # a rating out of range, in the comment's words
    result = intake(example, comment(70, "/rate 9", "maria-acme", "2026-11-24T16:00:00Z"))
    assert result.code == 1 and "/rate N: 9 is not a rating" in result.out, result.out
    assert example.snapshot() == before


def test_who_comments_decides(example: Store) -> None:
    rid = opened(example)
    before = example.snapshot()
    # someone people: does not list, with a command: told how to be added
    stranger = intake(example, comment(70, "/cancel", "octocat", "2026-11-24T16:00:00Z"))
    assert stranger.code == 1 and "icsvc does not know who you are yet" in stranger.out
    # ... and chatting: nothing to do
    chat = intake(example, comment(70, "+1 same here", "octocat", "2026-11-24T16:00:00Z"))
    assert chat.code == 0 and "whom 'people:' does not list" in chat.out
    # a bot (icsvc's own comments among them) is never acted on
    bot = intake(example, comment(70, "/cancel", "github-actions[bot]",
                                  "2026-11-24T16:00:00Z", bot=True))
    assert bot.code == 0 and "a bot" in bot.out
    # someone of the store who is neither side: nothing to do with their words
    lee = intake(example, comment(70, "Looks right to me", "lee-acme",
                                  "2026-11-24T16:00:00Z"))
    assert lee.code == 0 and "neither the customer nor the provider" in lee.out
    assert example.snapshot() == before
    assert history(example, rid)[-1]["type"] == "created"


def test_an_edited_comment_acts_once(example: Store) -> None:
    rid = opened(example)
    first = comment(70, "/escalate", "maria-acme", "2026-11-24T16:00:00Z", cid=77)
    assert intake(example, first).code == 1  # refused: no reason
    edited = comment(70, "/escalate The line is down", "maria-acme", "2026-11-24T16:05:00Z",
                     cid=77, action="edited")
    assert intake(example, edited).code == 0
    assert history(example, rid)[-1]["type"] == "escalation"
    before = example.snapshot()
    again = comment(70, "/escalate The line is down, really", "maria-acme",
                    "2026-11-24T16:09:00Z", cid=77, action="edited")
    assert "already in the history" in intake(example, again).out
    assert example.snapshot() == before


def closed(number: int, login: str, at: str) -> dict[str, Any]:
    event = payload(number, PART + "Bore", "", action="closed", state="closed")
    event["issue"]["closed_at"] = event["issue"]["updated_at"] = at
    event["sender"] = {"login": login, "id": 1, "type": "User"}
    return event


def test_closing_the_issue(example: Store) -> None:
    rid = opened(example)
    before = example.snapshot()
    # the provider closing it does not end the request: the issue is reopened
    by_ana = intake(example, closed(70, "ana-acme", "2026-11-24T16:00:00Z"),
                    "--format", "json").json()
    assert by_ana["status"] == "reopened" and by_ana["posts"][0]["reopen"] is True
    assert example.snapshot() == before
    # the requester closing it cancels it; the issue stays closed (not planned)
    by_maria = intake(example, closed(70, "maria-acme", "2026-11-24T16:30:00Z"),
                      "--format", "json").json()
    assert by_maria["status"] == "changed" and by_maria["close"] == "not_planned"
    last = history(example, rid)[-1]
    assert last["to"] == "cancelled" and last["note"] == "closed issue #70"
    after = example.snapshot()
    again = intake(example, closed(70, "maria-acme", "2026-11-24T16:30:00Z"))
    assert again.code == 0 and f"nothing to do: {rid} is cancelled" in again.out
    assert example.snapshot() == after


def test_a_provider_decline_closes_the_issue_and_names_the_alternate(example: Store) -> None:
    opened(example)
    data = intake(example, comment(70, "/decline Not a custom part alternate: "
                                       "sales-director@example.com", "ana-acme",
                                   "2026-11-24T16:00:00Z"), "--format", "json").json()
    assert data["close"] == "not_planned"
    assert "sales-director@example.com" in data["comment"]


def test_post_and_mirror_through_the_github_api(example: Store, httpserver: HTTPServer
                                                ) -> None:
    rid = opened(example)
    example.git("add", "-A")
    example.git("commit", "-qm", "intake")
    base = example.git("rev-parse", "HEAD").strip()
    # a provider acknowledges on the command line; the mirror tells the issue
    example.ok("triage", rid, "--ack", actor="ana@example.com", now="2026-11-24T11:00:00-05:00")
    mirrored = example.ok("intake", "--mirror", base, "--format", "json").json()
    assert [p["issue"] for p in mirrored["posts"]] == [70]
    assert f"**{rid} acknowledged" in mirrored["posts"][0]["body"]
    result = example.root.parent / "mirror.json"
    result.write_text(json.dumps(mirrored))
    httpserver.expect_ordered_request(
        "/repos/acme/requests/issues/70/comments", method="POST",
        json={"body": mirrored["posts"][0]["body"] + "\n\n<!-- icsvc -->"}
    ).respond_with_json({"id": 1}, status=201)
    env = {"GITHUB_API_URL": httpserver.url_for("/").rstrip("/"),
           "GITHUB_REPOSITORY": "acme/requests", "GITHUB_TOKEN": "t0ken-secret"}
    posted = example.ok("intake", "--post", str(result), env=env)
    assert "posted 1 update(s) on GitHub" in posted.out
    httpserver.check_assertions()
    # the requester cancels from the issue: the comment, then the issue closed
    data = intake(example, comment(70, "/cancel We found the spec", "maria-acme",
                                   "2026-11-24T17:00:00Z"), "--format", "json").json()
    result.write_text(json.dumps(data))
    httpserver.expect_ordered_request(
        "/repos/acme/requests/issues/70/comments", method="POST").respond_with_json({})
    httpserver.expect_ordered_request(
        "/repos/acme/requests/issues/70", method="PATCH",
        json={"state": "closed", "state_reason": "not_planned"}).respond_with_json({})
    example.ok("intake", "--post", str(result), env=env)
    httpserver.check_assertions()
    # GitHub refusing is one line, without the token
    httpserver.expect_request("/repos/acme/requests/issues/70/comments").respond_with_data(
        "Bad credentials t0ken-secret", status=401)
    failed = example.fails("intake", "--post", str(result), env=env)
    assert "GitHub: POST issues/70/comments failed: 401" in failed.err
    assert "t0ken-secret" not in failed.err


def test_intake_options_are_one_of_three(example: Store) -> None:
    assert "pass one of --event FILE, --mirror REV or --post FILE" in example.fails(
        "intake", code=2).err
    assert "is not a commit" in example.fails("intake", "--mirror", "nope", code=2).err
