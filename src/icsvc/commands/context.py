"""Who is acting and what time it is: taken once per command and passed in explicitly."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from icsvc.errors import IcsvcError, UsageError


def now_from_env() -> datetime:
    """`ICSVC_NOW` (ISO 8601) when set, so demos and tests are reproducible; else the clock."""
    raw = os.environ.get("ICSVC_NOW")
    if not raw:
        return datetime.now(UTC).astimezone()
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise UsageError(
            f"ICSVC_NOW: {raw!r} is not a date-time (accepted: ISO 8601 such as "
            "2026-11-24T10:00:00-05:00)"
        ) from None
    from icsvc.domain.limits import DATE_RANGE, date_in_range

    if not date_in_range(value):
        raise UsageError(f"ICSVC_NOW: {raw!r} is out of range (accepted: {DATE_RANGE})")
    if value.tzinfo is None:
        value = value.astimezone()  # a bare local time: the machine's zone
    return value


def git_config(cwd: Path, key: str) -> str | None:
    """A git config value, or None when unset, outside a repository or without git."""
    from icsvc.store import gitutil

    try:
        return gitutil.config_get(cwd, key)
    except IcsvcError:
        return None


def resolve_actor(option: str | None, cwd: Path) -> str:
    """`--as EMAIL`, else ICSVC_USER, else `git config user.email`."""
    email = option or os.environ.get("ICSVC_USER") or git_config(cwd, "user.email")
    if not email:
        raise IcsvcError(
            "who is acting? pass --as EMAIL, set ICSVC_USER, or run "
            "'git config user.email you@example.com'"
        )
    from icsvc.domain.checker import EMAIL_ACCEPTED, is_email

    if not is_email(email.strip(" ")):
        where = "--as" if option else ("ICSVC_USER" if os.environ.get("ICSVC_USER")
                                       else "git config user.email")
        raise UsageError(f"{where}: {email!r} is not an email address "
                         f"(accepted: {EMAIL_ACCEPTED})")
    return email.strip(" ").lower()


@dataclass(frozen=True)
class Context:
    """The inputs every command takes: store location, clock, actor (resolved lazily)."""

    cwd: Path
    store_override: str | None
    now: datetime
    actor_option: str | None

    def actor(self) -> str:
        return resolve_actor(self.actor_option, self.cwd)
