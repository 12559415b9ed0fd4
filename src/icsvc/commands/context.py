"""Who is acting and what time it is, and where warnings and progress go: taken once per
command and passed in explicitly."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
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


Warn = Callable[[str], None]
"""Says one warning (a file skipped, a value ignored) while a command goes on."""

Step = Callable[..., Callable[[], None] | None]
"""`step(label, total=files)` starts a progress bar and returns its advance callback (or
None: no bar)."""

Progress = Callable[[Callable[[], int]], AbstractContextManager[Step]]
"""`with progress(count) as step:` a progress bar for work over `count()` files (called only
when a bar could be shown)."""


def _no_step(*args: object) -> None:
    return None


@contextmanager
def no_progress(count: Callable[[], int]) -> Iterator[Step]:
    """No progress bar: steps that do nothing."""
    yield _no_step


def no_warning(message: str) -> None:
    """Warnings dropped (the command line passes its own; a test may collect them)."""


@dataclass(frozen=True)
class Context:
    """The inputs every command takes: store location, clock, actor (resolved lazily), and
    where its warnings and progress go (the command line shows them on stderr)."""

    cwd: Path
    store_override: str | None
    now: datetime
    actor_option: str | None
    warn: Warn = field(default=no_warning, repr=False)
    progress: Progress = field(default=no_progress, repr=False)

    def actor(self) -> str:
        return resolve_actor(self.actor_option, self.cwd)
