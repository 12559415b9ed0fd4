"""Names people type (providers, services, statuses, priorities, members, departments), read
the same way by every command and every prompt.

Case does not matter; a provider may also be named by its display name (`Engineering`), a
member by the part of the email before `@` when only one member has it, a status with a
space for its dash (`in progress`). An unknown name is bad usage (exit 2) with "did you
mean ..." and the accepted names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from icsvc.domain.catalogue import PRIORITIES, Catalogue, Provider
from icsvc.domain.checker import NAME, NAME_ACCEPTED, suggestions
from icsvc.domain.lifecycle import STATUSES
from icsvc.errors import UsageError


def unknown(option: str, subject: str, value: str, choices: Sequence[str],
            hints: Iterable[str] | None = None) -> UsageError:
    """The error for a name nobody defined (`unknown provider 'x'`, `engineering has no
    service 'x'`): the close names, then every accepted one."""
    close = suggestions(value, choices if hints is None else hints)
    mean = f"; did you mean {' or '.join(close)}?" if close else ""
    prefix = f"{option}: " if option else ""
    return UsageError(f"{prefix}{subject} {value!r}{mean} "
                      f"(accepted: {', '.join(choices) or 'none defined'})")


def pick(value: str, choices: Sequence[str], *, option: str, subject: str,
         aliases: Mapping[str, str] | None = None) -> str:
    """`value` as one of `choices`, ignoring case (and through `aliases`, lowercase keys)."""
    text = value.strip()
    if text in choices:
        return text
    folded = {c.lower(): c for c in choices}
    key = text.lower()
    if key in folded:
        return folded[key]
    if aliases and key in aliases:
        return aliases[key]
    raise unknown(option, subject, text, choices, [*choices, *(aliases or {})])


def provider(cat: Catalogue, value: str, option: str = "--provider") -> str:
    """A provider id, from its id or its display name (`Engineering`, `IT Helpdesk`)."""
    aliases = {p.name.lower(): p.id for p in cat.providers.values()}
    return pick(value, list(cat.providers), option=option, subject="unknown provider",
                aliases=aliases)


def providers(cat: Catalogue, values: Iterable[str], option: str = "--provider") -> list[str]:
    return list(dict.fromkeys(provider(cat, v, option) for v in values))


def service(p: Provider, value: str, option: str = "--service") -> str:
    return pick(value, list(p.services), option=option, subject=f"{p.id} has no service")


def status(value: str, option: str = "--status") -> str:
    """A status; `in progress` and `in_progress` read as `in-progress`."""
    return pick(_dashed(value), STATUSES, option=option, subject="unknown status")


def statuses(values: Iterable[str], option: str = "--status") -> list[str]:
    return list(dict.fromkeys(status(v, option) for v in values))


def priority(value: str, option: str = "--priority") -> str:
    return pick(value, PRIORITIES, option=option, subject="unknown priority")


def priorities(values: Iterable[str], option: str = "--priority") -> list[str]:
    return list(dict.fromkeys(priority(v, option) for v in values))


def member(p: Provider, value: str, option: str) -> str:
    """A member's email: the email in any case, or the part before `@` when one member has
    it (`raj` for raj@example.com)."""
    text = value.strip().lower()
    if text in p.members:
        return text
    if "@" not in text:
        owners = [m for m in p.members if m.split("@", 1)[0] == text]
        if len(owners) == 1:
            return owners[0]
        if len(owners) > 1:
            raise UsageError(f"{option}: {value!r} could be {' or '.join(owners)} (give the "
                             "whole email)")
    by_local = {m.split("@", 1)[0]: m for m in p.members}
    local = text.split("@", 1)[0]  # compare the names: every email shares the domain
    close = [by_local[c] for c in suggestions(local, list(by_local))]
    mean = f"; did you mean {' or '.join(dict.fromkeys(close))}?" if close else ""
    raise UsageError(f"{option}: {value.strip()} is not a member of {p.id}{mean} "
                     f"(accepted: {', '.join(p.members)})")


def department(cat: Catalogue, value: str, option: str = "--department") -> str:
    """A department name: lowercase letters, digits, `-` and `_`; typed in any case. A name
    with spaces is refused with its dashed form suggested (`Customer Service`)."""
    text = value.strip().lower()
    if NAME.match(text):
        return text
    dashed = _dashed(text)
    known = list(cat.departments)
    close = [dashed] if NAME.match(dashed) else []
    close += [d for d in suggestions(dashed, known) if d not in close]
    mean = f"; did you mean {' or '.join(close)}?" if close else ""
    raise UsageError(f"{option}: {value!r} is not a department name (accepted: "
                     f"{NAME_ACCEPTED}, e.g. {known[0] if known else 'customer-service'}){mean}")


def _dashed(value: str) -> str:
    return re.sub(r"[\s_]+", "-", value.strip().lower())
