"""Who someone is to a request: the requester, a manager of the requesting department, a
member of the provider, its escalation contact, or the merge driver."""

from __future__ import annotations

from dataclasses import dataclass

from icsvc.domain.catalogue import Catalogue
from icsvc.domain.history.state import RequestState

MERGE_IDENTITY = "merge@icsvc"
"""The `by` of the `conflict` entries the merge driver writes (not a person: the tool)."""

REQUESTER, MANAGER, MEMBER, ESCALATION, MERGE = (
    "requester", "manager", "member", "escalation", "merge")
CUSTOMER = frozenset({REQUESTER, MANAGER})
"""The customer's side: the requester and their department's managers."""
PROVIDER = frozenset({MEMBER, ESCALATION})
"""The provider's side: its members and its escalation contact."""
ROLE_WORDS = {
    REQUESTER: "the requester", MANAGER: "a manager of the requesting department",
    MEMBER: "a member of the provider", ESCALATION: "the provider's escalation contact",
    MERGE: "the merge driver (merge@icsvc)",
}


def roles_of(actor: str, state: RequestState, cat: Catalogue | None) -> frozenset[str]:
    """What `actor` is to the request as it stands (its provider at that moment)."""
    actor = actor.lower()
    out: set[str] = set()
    if actor == MERGE_IDENTITY:
        return frozenset({MERGE})
    if actor == state.customer_email:
        out.add(REQUESTER)
    if cat is not None:
        if cat.is_manager(actor, state.customer_department):
            out.add(MANAGER)
        provider = cat.providers.get(state.provider)
        if provider is not None:
            if provider.is_member(actor):
                out.add(MEMBER)
            if actor == provider.escalation:
                out.add(ESCALATION)
    return frozenset(out)


# -- the state ---------------------------------------------------------------------------------


def who_words(allowed: frozenset[str], state: RequestState, cat: Catalogue) -> str:
    """Name who may, in words: 'a member of engineering (a@x, b@x) or the requester (m@x)'."""
    provider = cat.providers.get(state.provider)
    parts = []
    for role in (MEMBER, ESCALATION, REQUESTER, MANAGER, MERGE):
        if role not in allowed:
            continue
        if role == MEMBER and provider is not None:
            parts.append(f"a member of {provider.id} ({', '.join(provider.members)})")
        elif role == ESCALATION and provider is not None:
            parts.append(f"its escalation contact ({provider.escalation})")
        elif role == REQUESTER:
            parts.append(f"the requester ({state.customer_email})")
        elif role == MANAGER:
            managers = cat.managers.get(state.customer_department, ())
            if managers:
                parts.append(f"a manager of {state.customer_department} "
                             f"({', '.join(managers)})")
        else:
            parts.append(ROLE_WORDS[role])
    return " or ".join(parts) or "nobody"


def side(email: str, state: RequestState) -> str | None:
    """`customer` or `provider` for the author of an entry (by the catalogue when known;
    without it, only the requester is known to be the customer)."""
    if email == state.customer_email:
        return "customer"
    roles = roles_of(email, state, state.cat)
    if roles & CUSTOMER:
        return "customer"
    if roles & PROVIDER or state.cat is None:
        return "provider"
    return None


@dataclass(frozen=True)
class Judging:
    """What checking an entry needs beyond the state: the catalogue (rights, SLAs) and the
    actor's roles at the start of the command that writes the entry (a redirect and the
    entries written with it belong to the provider it left)."""

    cat: Catalogue
    roles: frozenset[str]
