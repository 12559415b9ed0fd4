"""The quarterly survey's issue form: anyone with a GitHub login under `people:` answers a
provider's survey without git, from `.github/ISSUE_TEMPLATE/icsvc-survey.yml` (`icsvc
forms` writes it with the request forms). The issue is read back by `icsvc survey intake
--event FILE` (`commands/survey.py`), by the rules of `icsvc survey answer`.

The form carries its own label, not the request forms' `icsvc`, so the request intake
leaves its issues alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icsvc.domain.answers import RATINGS
from icsvc.domain.catalogue import Catalogue
from icsvc.errors import IcsvcError

FILE = "icsvc-survey.yml"
LABEL = "icsvc-survey"
TITLE = "[survey] "
PROVIDER = "Provider"
QUARTER = "Quarter"
RATING = "Rating"
COMMENT = "Comment"
LABELS = (PROVIDER, QUARTER, RATING, COMMENT)
RATING_WORDS = {1: "poor", 2: "fair", 3: "good", 4: "very good", 5: "excellent"}


def rating_option(stars: int) -> str:
    return f"{stars} - {RATING_WORDS[stars]}"


def provider_option(cat: Catalogue, pid: str) -> str:
    return f"{pid}: {cat.providers[pid].name}"


def form(cat: Catalogue) -> dict[str, Any]:
    """The survey's issue form, as GitHub's issue-forms YAML."""
    return {
        "name": "Quarterly survey: how well a provider served you",
        "description": ("Rate a provider for a quarter, 1 to 5 stars, with a comment. Anyone "
                        "in a department it serves may answer; answering again replaces "
                        "your answer."),
        "title": TITLE,
        "labels": [LABEL],
        "body": [
            {"type": "markdown", "attributes": {"value": (
                "Your answer is recorded under your email (your GitHub login under "
                "`people:` in providers.yaml) in `surveys/QUARTER/PROVIDER/`. The provider "
                "sees each low rating and comment, and records what it does about it.")}},
            {"type": "dropdown", "id": "provider",
             "attributes": {"label": PROVIDER, "description": "The provider you rate.",
                            "options": [provider_option(cat, p) for p in cat.providers]},
             "validations": {"required": True}},
            {"type": "input", "id": "quarter",
             "attributes": {"label": QUARTER, "description": "The quarter, e.g. 2026Q4.",
                            "placeholder": "e.g. 2026Q4"},
             "validations": {"required": True}},
            {"type": "dropdown", "id": "rating",
             "attributes": {"label": RATING, "description": "How well it served you.",
                            "options": [rating_option(r) for r in reversed(RATINGS)]},
             "validations": {"required": True}},
            {"type": "textarea", "id": "comment",
             "attributes": {"label": COMMENT,
                            "description": "What went well or not (optional)."}},
        ],
    }


@dataclass(frozen=True)
class FormAnswer:
    """A survey answer read from a GitHub issue form."""

    provider: str
    quarter: str
    rating: int
    comment: str | None


def read(body: str, cat: Catalogue, found: dict[str, str | None]) -> FormAnswer:
    """The answer an issue's sections give (`found`: `issueform.sections` of LABELS); an
    IcsvcError naming the form's field that is missing or not understood."""
    missing = [label for label in (PROVIDER, QUARTER, RATING) if not found.get(label)]
    if missing:
        raise IcsvcError(f"missing: {', '.join(repr(m) for m in missing)} (open the issue "
                         "with the survey form)")
    provider_text = (found[PROVIDER] or "").strip()
    pid = provider_text.split(":", 1)[0].strip()
    if pid not in cat.providers:
        raise IcsvcError(f"'{PROVIDER}': {provider_text!r} is not a provider (accepted: "
                         f"{', '.join(cat.providers)})")
    rating_text = (found[RATING] or "").strip()
    head = rating_text.split(" ", 1)[0]
    if not head.isdigit() or int(head) not in RATINGS:
        raise IcsvcError(f"'{RATING}': {rating_text!r} is not a rating (accepted: 1 to 5)")
    return FormAnswer(pid, (found[QUARTER] or "").strip(), int(head),
                      (found.get(COMMENT) or "").strip() or None)
