"""What GitHub does with an issue form, played by the tests: a person fills in the form, GitHub
renders the answers into the issue body and hands a workflow the event payload."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from conftest import EXAMPLE, STORE_MADE, Store, make_store

REPO = Path(__file__).resolve().parent.parent
REPO_URL = "https://github.com/acme/requests"
CHECK_JSONSCHEMA = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))


def example_store(root: Path) -> Store:
    """A temp git repository holding the repository's example store (providers.yaml with its
    people, and its requests)."""
    store = make_store(root, (EXAMPLE / "providers.yaml").read_text())
    shutil.rmtree(store.root / "requests")
    shutil.copytree(EXAMPLE / "requests", store.root / "requests")
    store.git("add", "-A")
    store.git("commit", "-qm", "example organisation", date=STORE_MADE)
    return store


def example_with_forms(root: Path, date: str | None = None) -> Store:
    """The example store with its issue forms generated and committed (at `date`, if
    given)."""
    store = example_store(root)
    store.ok("forms", "--repo-url", REPO_URL)
    store.git("add", "-A")
    store.git("commit", "-qm", "issue forms", date=date)
    return store


def form_path(store: Store, provider: str, service: str) -> Path:
    return store.root / ".github" / "ISSUE_TEMPLATE" / f"icsvc-{provider}.{service}.yml"


def render_body(form: Path, answers: dict[str, str]) -> str:
    """The issue body GitHub writes from a submitted form: one `### Label` section per input
    in form order; a dropdown left alone keeps its default; an empty answer is
    `_No response_`. `answers` are keyed by the inputs' ids."""
    data = yaml.safe_load(form.read_text())
    parts = []
    for item in data["body"]:
        if item["type"] == "markdown":
            continue
        attrs = item["attributes"]
        value = answers.get(item["id"], "")
        if not value and item["type"] == "dropdown" and "default" in attrs:
            value = attrs["options"][attrs["default"]]
        parts.append(f"### {attrs['label']}\n\n{value or '_No response_'}")
    return "\n\n".join(parts)


def payload(number: int, title: str, body: str, login: str = "maria-acme",
            created_at: str = "2026-11-24T15:00:00Z", action: str = "opened",
            labels: tuple[str, ...] = ("icsvc",), comment: str | None = None,
            state: str = "open", pull_request: bool = False) -> dict[str, Any]:
    """An `issues` (or, with `comment`, `issue_comment`) event as GitHub sends it."""
    user = {"login": login, "id": 90210, "node_id": "U_kgDOAAFgog", "type": "User",
            "html_url": f"https://github.com/{login}", "site_admin": False}
    issue: dict[str, Any] = {
        "url": f"https://api.github.com/repos/acme/requests/issues/{number}",
        "repository_url": "https://api.github.com/repos/acme/requests",
        "html_url": f"{REPO_URL}/issues/{number}",
        "id": 2700000000 + number, "node_id": "I_kwDOKx0000", "number": number,
        "title": title, "user": user,
        "labels": [{"id": 7000 + i, "name": name, "color": "ededed", "default": False}
                   for i, name in enumerate(labels)],
        "state": state, "locked": False, "assignee": None, "assignees": [],
        "milestone": None, "comments": 0, "created_at": created_at,
        "updated_at": created_at, "closed_at": None, "author_association": "MEMBER",
        "active_lock_reason": None, "body": body.replace("\n", "\r\n"),
        "reactions": {"total_count": 0}, "state_reason": None,
    }
    if pull_request:
        issue["pull_request"] = {"url": f"https://api.github.com/repos/acme/requests/pulls/"
                                        f"{number}"}
    event: dict[str, Any] = {
        "action": action, "issue": issue,
        "repository": {"id": 1296269, "name": "requests", "full_name": "acme/requests",
                       "private": True, "default_branch": "main",
                       "html_url": REPO_URL},
        "sender": user,
    }
    if action == "edited":
        event["changes"] = {"body": {"from": "(the body before)"}}
    if comment is not None:
        event["action"] = "created"
        event["comment"] = {"id": 1, "body": comment, "user": user,
                            "created_at": "2026-11-25T10:00:00Z"}
    return event


def write_event(folder: Path, event: dict[str, Any], name: str = "event.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(event, indent=2))
    return path


def schema_check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema against one of its vendored schemas (no network)."""
    assert CHECK_JSONSCHEMA, "check-jsonschema is not installed (pip install -e '.[test]')"
    return subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True, timeout=120)
