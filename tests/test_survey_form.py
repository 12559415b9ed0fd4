"""The survey's issue form end to end: `icsvc forms` writes it (valid for GitHub's schema),
a person fills it in, GitHub renders the issue, and `icsvc survey intake --event` (the
installed script) records the answer as the person `people:` maps the login to; a second
delivery changes nothing, a refusal is a comment and writes nothing, the committed answer
passes `check --base`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Store
from issue_helpers import (
    CHECK_JSONSCHEMA,
    REPO_URL,
    example_store,
    payload,
    render_body,
    schema_check,
    write_event,
)

NOW = "2026-11-24T15:00:00-05:00"


@pytest.fixture
def example(tmp_path: Path) -> Store:
    store = example_store(tmp_path / "store")
    store.ok("forms", "--repo-url", REPO_URL, now=NOW)
    return store


def form(store: Store) -> Path:
    return store.root / ".github" / "ISSUE_TEMPLATE" / "icsvc-survey.yml"


def intake(store: Store, tmp_path: Path, answers: dict[str, str], login: str = "maria-acme",
           action: str = "opened", code: int = 0, name: str = "e.json",
           title: str = "[survey] Engineering") -> dict[str, object]:
    body = render_body(form(store), answers)
    event = write_event(tmp_path, payload(7, title, body, login=login, action=action,
                                          labels=("icsvc-survey",)), name)
    result = store.icsvc("survey", "intake", "--event", str(event), now=NOW, script=True)
    assert result.code == code, result.err + result.out
    data: dict[str, object] = json.loads(result.out)
    return data


def test_the_form_is_generated_and_valid(example: Store) -> None:
    text = form(example).read_text()
    assert "engineering: Engineering" in text and "5 - excellent" in text
    assert "labels:\n- icsvc-survey\n" in text
    if CHECK_JSONSCHEMA:
        result = schema_check("vendor.github-issue-forms", form(example))
        assert result.returncode == 0, result.stdout + result.stderr
    example.ok("forms", "--check", now=NOW)


def test_an_issue_answers_once_and_is_committed_as_the_person(example: Store,
                                                              tmp_path: Path) -> None:
    example.git("add", "-A")
    example.git("commit", "-qm", "forms", date=NOW)
    example.git("branch", "base")
    answers = {"provider": "engineering: Engineering", "quarter": "2026Q4",
               "rating": "2 - fair", "comment": "Quotes come late"}
    data = intake(example, tmp_path, answers)
    assert data["status"] == "answered" and data["person"] == "maria@example.com"
    path = example.root / str(data["path"])
    assert path == example.root / "surveys/2026Q4/engineering/maria@example.com.yaml"
    text = path.read_text()
    assert "rating: 2\ncomment: Quotes come late\n" in text
    assert "your 2/5 for Engineering about 2026Q4 is recorded" in str(data["comment"])
    before = example.snapshot()
    again = intake(example, tmp_path, answers, name="again.json")  # the same event again
    assert again["status"] == "unchanged" and example.snapshot() == before
    # the workflow commits it as the person (their GitHub noreply address)
    example.git("add", str(data["path"]))
    example.git("commit", "-qm", str(data["commit_message"]), f"--author={data['author']}",
                date=NOW)
    assert example.ok("check", "--base", "base", now=NOW).err.startswith("ok")
    edited = intake(example, tmp_path, {**answers, "rating": "4 - very good"},
                    action="edited", name="edited.json")
    assert edited["status"] == "answered"
    assert "rating: 4\n" in path.read_text() and "rating: 2\n" in path.read_text()


@pytest.mark.parametrize(("answers", "login", "said"), [
    ({"provider": "engineering: Engineering", "quarter": "2026Q4", "rating": "5 - excellent"},
     "stranger-99", "the GitHub login stranger-99 is not under 'people:'"),
    ({"provider": "engineering: Engineering", "quarter": "2026-Q9", "rating": "5 - excellent"},
     "maria-acme", "'Quarter': '2026-Q9' is not a quarter"),
    ({"provider": "nobody: Nobody", "quarter": "2026Q4", "rating": "5 - excellent"},
     "maria-acme", "'Provider': 'nobody: Nobody' is not a provider"),
    ({"provider": "engineering: Engineering", "quarter": "2027Q1", "rating": "5 - excellent"},
     "maria-acme", "2027Q1 has not started yet"),
    ({"provider": "engineering: Engineering", "quarter": "2026Q4", "rating": "lots"},
     "maria-acme", "'Rating': 'lots' is not a rating"),
])
def test_refusals_are_a_comment_and_write_nothing(example: Store, tmp_path: Path,
                                                  answers: dict[str, str], login: str,
                                                  said: str) -> None:
    before = example.snapshot()
    data = intake(example, tmp_path, answers, login=login, code=1)
    assert data["status"] == "refused" and said in str(data["message"])
    assert str(data["comment"]).startswith(f"@{login}, icsvc could not record")
    assert example.snapshot() == before


def test_other_issues_are_left_alone(example: Store, tmp_path: Path) -> None:
    body = "### Service\n\nengineering/part-clarification"
    event = write_event(tmp_path, payload(8, "[engineering/part-clarification] x", body))
    data = example.ok("survey", "intake", "--event", str(event), now=NOW).json()
    assert data["status"] == "ignored"
