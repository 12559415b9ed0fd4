"""`icsvc survey answer`: giving one's answer about a provider and a quarter.

Answering again replaces the rating and comment; the earlier answer stays in the answer's
history (`domain/answers.py`), stamped like a request's entries (`session.stamp`).
"""

from __future__ import annotations

from datetime import datetime

from icsvc.domain.answers import (
    RATINGS,
    Answer,
    AnswerEntry,
    Asked,
    Quarter,
    Response,
    may_answer,
    not_started,
)
from icsvc.domain.catalogue import Catalogue
from icsvc.errors import IcsvcError, UsageError
from icsvc.workflow.session import stamp


def give_answer(existing: Answer | None, cat: Catalogue, quarter: Quarter, provider: str,
                actor: str, now: datetime, rating: int, comment: str | None,
                asked: Asked | None) -> tuple[Answer, list[str]]:
    """`icsvc survey answer`: the actor's answer, replacing their earlier one (which stays
    in the history). Returns the answer and notices for the user."""
    if rating not in RATINGS:
        raise UsageError(f"--rating: {rating} is not a rating (accepted: 1 to 5)")
    if comment is not None:
        if not comment.strip():
            raise UsageError("--comment needs a text")
        comment = comment.strip()
    why = not_started(quarter, cat, provider, now)
    if why is not None:
        raise IcsvcError(f"refused: {why}")
    why = may_answer(asked, actor, provider, quarter)
    if why is not None:
        raise IcsvcError(f"refused: {why}")
    assert asked is not None
    notices: list[str] = []
    tz = cat.providers[provider].calendar.tz
    earlier = existing.history if existing is not None else []
    at = (stamp(now, earlier[-1].at, cat, tz, notices) if earlier
          else now.astimezone(tz).replace(microsecond=0))
    if existing is not None:
        notices.append(f"replaces your earlier {existing.rating}/5 of "
                       f"{existing.answered_at.strftime('%Y-%m-%d')}")
    answer = Answer(quarter, provider, actor, asked.department,
                    [*earlier, AnswerEntry(at, actor, rating, comment)],
                    responses=list(existing.responses) if existing is not None else [])
    return answer, notices


def give_response(existing: Answer, cat: Catalogue, actor: str, now: datetime,
                  text: str) -> Answer:
    """`icsvc survey respond`: a member of the provider records what it does about an
    answer (appended to the answer's `responses`; the person's answer is unchanged)."""
    provider = cat.providers[existing.provider]
    if not text.strip():
        raise UsageError("--response needs a text")
    if not provider.is_member(actor):
        raise IcsvcError(f"refused: only members of {provider.id} respond to its survey "
                         f"answers ({', '.join(provider.members)}); {actor} is not one")
    tz = provider.calendar.tz
    times = [*(e.at for e in existing.history), *(r.at for r in existing.responses)]
    notices: list[str] = []
    at = stamp(now, max(times), cat, tz, notices)
    return Answer(existing.quarter, existing.provider, existing.person, existing.department,
                  list(existing.history), existing.path,
                  [*existing.responses, Response(at, actor, text.strip())])
