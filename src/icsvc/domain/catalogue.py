"""`providers.yaml`: calendars, providers, their SLAs and services, loaded into typed records."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from icsvc.domain.calendar import WEEKDAYS, BusinessCalendar, parse_days, parse_hours, zone
from icsvc.domain.checker import NAME, NAME_ACCEPTED, FileChecker, Key, did_you_mean
from icsvc.domain.durations import Duration, parse_duration
from icsvc.domain.recurring import KINDS, MAX_AHEAD, MAX_EVERY, MONTHLY, PAY_DAY, Schedule
from icsvc.errors import ValidationError

PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_AT_RISK = 0.25
GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$")
"""A GitHub login: letters, digits and single hyphens inside, at most 39 characters."""
GITHUB_LOGIN_ACCEPTED = "a GitHub login: letters, digits and single hyphens, at most 39"
SIGNING_KEY_TYPES = ("ssh-", "sk-ssh-", "ecdsa-", "sk-ecdsa-")
"""How an SSH public key line starts (`ssh-ed25519 AAAA... comment`); git signs with these."""
NOREPLY_DOMAIN = "users.noreply.github.com"


def rank(priority: str) -> int:
    """A priority's rank: low 0 ... urgent 3 (unknown: -1)."""
    return PRIORITIES.index(priority) if priority in PRIORITIES else -1


@dataclass(frozen=True)
class Settings:
    """`settings:` in providers.yaml, with their defaults."""

    at_risk: float = DEFAULT_AT_RISK
    """A clock with less than this share of its target left is at risk."""
    clock_tolerance: timedelta = timedelta(minutes=15)
    """How far a computer's clock may be off: an entry is stamped no earlier than the newest
    one when the clock is behind by less, and `check --base` accepts entries dated up to this
    much after their commit."""
    pause_on_late_info: bool = True
    """Whether asking for information after acknowledging pauses the resolve clock."""
    reopen_within: Duration = field(default_factory=lambda: parse_duration("60d"))
    """How long after a resolution the requester (or a manager of the requesting
    department) may reopen it, in the provider's business time: about three months of
    working days by default, so a wrong answer found later is still recorded."""
    require_signed: bool = False
    """`check --base` requires each commit adding history entries to be signed by its
    author's key (`people:`)."""


@dataclass(frozen=True)
class Agreement:
    """A standing agreement: requests from `department` get `priority` at least."""

    department: str
    priority: str
    note: str = ""


@dataclass(frozen=True)
class Targets:
    """SLA targets for one priority, in the provider's business time."""

    acknowledge: Duration
    resolve: Duration
    update: Duration | None = None

    def to_dict(self) -> dict[str, str]:
        out = {"acknowledge": self.acknowledge.text, "resolve": self.resolve.text}
        if self.update is not None:
            out["update"] = self.update.text
        return out


@dataclass(frozen=True)
class Service:
    """A service a provider offers: what it needs to know and how long it takes."""

    id: str
    description: str
    requires: tuple[str, ...] = ()
    lead_time: Duration | None = None
    min_priority: str | None = None
    """Requests for this service get this priority at least."""
    extra_info: bool = False
    """Whether a new request may carry information the service does not ask for (`info`
    keys beside `requires`); by default such a key is refused, as it is most often a typo
    of a required one, and what the provider never asked for goes in `details`."""

    def unknown_info(self, keys: Iterable[str]) -> list[str]:
        """The keys of a new request's information this service does not take: the rule
        of every way of asking (`icsvc new`, issue forms) and of `check --base`."""
        if self.extra_info:
            return []
        return [k for k in keys if k not in self.requires]

    def info_refusal(self, key: str) -> str:
        """Why `key` is refused, with the close key and what is accepted."""
        accepted = ", ".join(self.requires) or "none"
        return (f"{self.id} does not ask for {key!r}{did_you_mean(key, self.requires)} "
                f"(accepted: {accepted}; anything else goes in the details)")


@dataclass(frozen=True)
class Provider:
    """A providing team: its members, calendar, SLA and services."""

    id: str
    name: str
    calendar: BusinessCalendar
    members: tuple[str, ...]
    escalation: str
    sla: dict[str, Targets]
    services: dict[str, Service]
    team: str | None = None
    description: str = ""
    agreements: dict[str, Agreement] = field(default_factory=dict)
    """Requesting department -> its standing agreement with this provider."""
    serves: tuple[str, ...] = ()
    """Departments it serves besides those that make requests to it (every member of a
    department it serves may answer its quarterly survey)."""

    def served(self) -> list[str]:
        """The departments listed as served: `serves:` and those with an agreement."""
        return list(dict.fromkeys([*self.serves, *self.agreements]))

    def is_member(self, email: str) -> bool:
        return email.lower() in self.members

    def floor(self, service: str, department: str) -> tuple[str, str] | None:
        """The lowest priority this provider may agree for a request from `department` for
        `service`, and why; None when nothing sets one."""
        found: list[tuple[str, str]] = []
        agreement = self.agreements.get(department)
        if agreement is not None:
            found.append((agreement.priority,
                          f"the agreement of {self.id} with {department}"
                          + (f" ({agreement.note})" if agreement.note else "")))
        svc = self.services.get(service)
        if svc is not None and svc.min_priority is not None:
            found.append((svc.min_priority, f"the minimum priority of {self.id}/{service}"))
        return max(found, key=lambda f: rank(f[0])) if found else None


@dataclass(frozen=True)
class Person:
    """Someone the store knows beyond an email: a GitHub login (issue forms say who asked by
    login, not email) and the SSH keys their commits are signed with."""

    email: str
    github: str | None = None
    signing_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeopleRules:
    """`people.rules`: who may ask without being listed one by one (by mail, or from an
    issue form with a login `people:` does not map). What each trusts is the manual's
    "Who may ask" section."""

    domains: tuple[str, ...] = ()
    """Every address of these mail domains (trusts the mail server's sender checks)."""
    departments: bool = False
    """Everyone `departments:` lists (trusts the directory it was imported from)."""
    unverified_github: bool = False
    """A GitHub login not under `people:` may ask with the email it types on the form; the
    request is marked unverified until an admin adds the login (trusts nothing)."""


@dataclass(frozen=True)
class MailConfig:
    """`mail:`: the address mail reaches icsvc at (`icsvc mail`), and its limits."""

    address: str | None = None
    max_bytes: int = 10 << 20
    """A larger message is refused (with a reply saying so)."""
    attachment_bytes: int = 5 << 20
    """Each attachment saved beside the request is at most this; a larger one is refused."""


@dataclass(frozen=True)
class NotifyConfig:
    """`notify:` in providers.yaml: where notifications and digests go. Each channel is an
    apprise URL as written (`${VAR}` references are expanded when sending; `{email}` is the
    recipient's address, making the channel personal)."""

    default: tuple[str, ...] = ()
    providers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Provider -> the channels of its members and escalation contact."""
    departments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Requesting department -> the channels of its members and managers."""
    link: str | None = None
    """A URL template for a request (`{path}`, `{id}`), shown in every message."""


@dataclass(frozen=True)
class Recurrence:
    """`recurring:` NAME: a request made on a schedule (`domain/recurring.py`), for the
    `requester` of `department`, to `provider`'s `service`, by the rules of `icsvc new`."""

    name: str
    provider: str
    service: str
    requester: str
    department: str
    title: str
    schedule: Schedule
    ahead: int
    """Working days before the day needed that the request is made."""
    fields: dict[str, str] = field(default_factory=dict)
    details: str | None = None
    priority: str = "normal"
    start: date | None = None
    until: date | None = None

    def text(self, template: str, day: date) -> str:
        """A title, field or details with `{date}` replaced by the day needed."""
        return template.replace("{date}", day.isoformat())


ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""An environment variable reference in a channel URL: `${SMTP_PASSWORD}`."""
RECIPIENT = "{email}"
"""The placeholder for the recipient's email address in a personal channel's URL."""
SECRET_PARAMS = ("pass", "password", "pwd", "secret", "token", "apikey", "api_key", "key")
"""Query parameters whose value is a secret (it must be an environment variable reference)."""


def literal_secret(url: str) -> str | None:
    """What in a channel URL is a secret written out instead of referenced from the
    environment (`the password`, `the 'token' parameter`), or None."""
    rest = url.split("://", 1)[1] if "://" in url else url
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo = netloc.rpartition("@")[0]
    if ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        if password and not ENV_REF.fullmatch(password):
            return "the password"
    query = rest.partition("?")[2].partition("#")[0]
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name.lower() in SECRET_PARAMS and value and not ENV_REF.fullmatch(value):
            return f"the {name!r} parameter"
    return None


def noreply_email(login: str) -> str:
    """The address GitHub gives a login for commits made on their behalf."""
    return f"{login}@{NOREPLY_DOMAIN}"


@dataclass
class Catalogue:
    """`providers.yaml`, parsed and checked."""

    path: Path
    calendars: dict[str, BusinessCalendar]
    providers: dict[str, Provider]
    departments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Department -> its members."""
    settings: Settings = field(default_factory=Settings)
    managers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Department -> its managers (they may act for the department's requests)."""
    admins: tuple[str, ...] = ()
    """Who may change the calendars, settings, departments and admins of providers.yaml."""

    @property
    def at_risk(self) -> float:
        return self.settings.at_risk
    people: dict[str, Person] = field(default_factory=dict)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    rules: PeopleRules = field(default_factory=PeopleRules)
    mail: MailConfig = field(default_factory=MailConfig)
    recurring: dict[str, Recurrence] = field(default_factory=dict)

    def provider(self, name: str) -> Provider:
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(self.providers) or "none defined"
            raise ValidationError(
                self.path, f"unknown provider {name!r} (accepted: {known})"
            ) from None

    def department_of(self, email: str) -> str | None:
        found = self.departments_of(email)
        return found[0] if found else None

    def departments_of(self, email: str) -> list[str]:
        """The departments that list `email` as a member or manager."""
        email = email.lower()
        return [d for d in dict.fromkeys([*self.departments, *self.managers])
                if email in self.departments.get(d, ()) or email in self.managers.get(d, ())]

    def is_manager(self, email: str, department: str) -> bool:
        return email.lower() in self.managers.get(department, ())

    def known(self, email: str) -> bool:
        """Someone providers.yaml names: under `people:`, a provider's member or escalation
        contact, an admin, or (with `people.rules.departments`) in a department."""
        email = email.lower()
        if email in self.people or email in self.admins:
            return True
        if any(p.is_member(email) or p.escalation == email for p in self.providers.values()):
            return True
        return self.rules.departments and bool(self.departments_of(email))

    def may_ask(self, email: str) -> str | None:
        """Why `email` may not ask by mail (None: they may): someone providers.yaml names,
        or an address of a domain `people.rules.domains` lists."""
        if self.known(email):
            return None
        domain = email.rpartition("@")[2].lower()
        if domain in self.rules.domains:
            return None
        how = ("list them under 'people:'" + (", or their domain under 'people.rules.domains'"
                                               if not self.rules.domains else ""))
        return (f"{email} is not someone providers.yaml knows (people:, departments: with "
                f"people.rules.departments, or a domain of people.rules.domains); {how}")

    def unverified_claim(self, login: str, email: str | None) -> str | None:
        """Why the GitHub login `login`, which `people:` does not map, may not ask as
        `email` (None: it may, the request marked unverified). Never as someone who acts
        for a provider or a department, nor as someone mapped to another login."""
        if not self.rules.unverified_github:
            return f"the GitHub login {login} is not under 'people:' in providers.yaml"
        if not email:
            return (f"the GitHub login {login} is not under 'people:' yet: give the email "
                    "your requests are recorded under in 'Your email'")
        from icsvc.domain.checker import is_email

        email = email.strip().lower()
        if not is_email(email):
            return f"'Your email': {email!r} is not an email address (accepted: you@example.com)"
        person = self.people.get(email)
        if person is not None and person.github and person.github.lower() != login.lower():
            return (f"{email} is under 'people:' with another GitHub login; ask an admin to "
                    "add yours")
        if email in self.admins or any(p.is_member(email) or p.escalation == email
                                       for p in self.providers.values()) \
                or any(email in m for m in self.managers.values()):
            return (f"{email} acts for a provider or a department (a member, manager, "
                    "escalation contact or admin): an admin must add your GitHub login under "
                    "'people:' first")
        domain = email.rpartition("@")[2]
        if self.rules.domains and domain not in self.rules.domains:
            return (f"{email} is not an address of {', '.join(self.rules.domains)} (accepted: "
                    "people.rules.domains)")
        return None

    def unverified(self, source: dict[str, Any] | None, email: str) -> bool:
        """Whether a request was asked by a GitHub login under an email it gave, and no
        admin has confirmed it yet (mapped that login to that email under `people:`)."""
        if not source or not source.get("unverified") or not source.get("github_login"):
            return False
        person = self.person_by_github(str(source["github_login"]))
        return person is None or person.email != email.lower()

    def person_by_github(self, login: str) -> Person | None:
        """The person whose `github:` is this login (GitHub logins ignore case)."""
        wanted = login.lower()
        for person in self.people.values():
            if person.github is not None and person.github.lower() == wanted:
                return person
        return None


def parse_catalogue(path: Path, data: Any) -> Catalogue:
    fc = FileChecker(path)
    if data is None:
        fc.fail([], "the file is empty (expected 'calendars' and 'providers')")
    root = fc.mapping(
        data, [], required=["calendars", "providers"],
        allowed=["calendars", "providers", "departments", "settings", "admins",
                 "people", "notify", "mail", "recurring"],
    )
    calendars = {
        name: _calendar(fc, str(name), spec)
        for name, spec in fc.mapping(root["calendars"], ["calendars"]).items()
    }
    providers = {}
    for pid, spec in fc.mapping(root["providers"], ["providers"]).items():
        providers[str(pid)] = _provider(fc, str(pid), spec, calendars)
    departments: dict[str, tuple[str, ...]] = {}
    managers: dict[str, tuple[str, ...]] = {}
    if root.get("departments") is not None:
        for dept, spec in fc.mapping(root["departments"], ["departments"]).items():
            keys = ["departments", str(dept)]
            fc.string(dept, keys, pattern=NAME, accepted=NAME_ACCEPTED)
            body = fc.mapping(spec, keys, allowed=["name", "members", "manager"])
            members = fc.string_list(body.get("members") or [], [*keys, "members"], fc.email)
            departments[str(dept)] = tuple(members)
            manager = body.get("manager")
            if manager is not None:
                listed = manager if isinstance(manager, list) else [manager]
                managers[str(dept)] = tuple(
                    fc.email(m, [*keys, "manager", i] if isinstance(manager, list)
                             else [*keys, "manager"]) for i, m in enumerate(listed))
    for pid, provider in providers.items():
        for dept in provider.agreements:
            if departments and dept not in departments:
                fc.fail(["providers", pid, "agreements", dept],
                        f"unknown department {dept!r}{did_you_mean(str(dept), departments)} "
                        f"(accepted: {', '.join(departments)})")
        for i, dept in enumerate(provider.serves):
            fc.known(dept, ["providers", pid, "serves", i],
                     list(dict.fromkeys([*departments, *managers])), "department")
    admins: tuple[str, ...] = ()
    if root.get("admins") is not None:
        admins = tuple(fc.string_list(root["admins"], ["admins"], fc.email))
    settings = _settings(fc, root.get("settings"))
    people_raw = root.get("people") if root.get("people") is not None else {}
    rules = PeopleRules()
    if isinstance(people_raw, dict) and "rules" in people_raw:
        rules = _rules(fc, people_raw["rules"])
        people_raw = {k: v for k, v in people_raw.items() if k != "rules"}
    people = _people(fc, people_raw) if people_raw else {}
    notify = (_notify(fc, root["notify"], providers, [*departments, *managers])
              if root.get("notify") is not None else NotifyConfig())
    mail = _mail(fc, root["mail"]) if root.get("mail") is not None else MailConfig()
    recurring = (_recurring(fc, root["recurring"], providers, departments, managers)
                 if root.get("recurring") is not None else {})
    return Catalogue(path, calendars, providers, departments, settings, managers, admins,
                     people, notify, rules, mail, recurring)


def _rules(fc: FileChecker, raw: Any) -> PeopleRules:
    keys: list[Key] = ["people", "rules"]
    body = fc.mapping(raw, keys, allowed=["domains", "departments", "unverified_github"])
    domains = fc.string_list(body.get("domains") or [], [*keys, "domains"])
    for i, domain in enumerate(domains):
        if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*"
                            r"[a-z0-9])?)+", domain.strip().lower()):
            fc.fail([*keys, "domains", i], f"{domain!r} is not a mail domain (accepted: "
                                           "example.com)")
    flag = {name: fc.boolean(body[name], [*keys, name]) if body.get(name) is not None
            else False for name in ("departments", "unverified_github")}
    return PeopleRules(tuple(d.strip().lower() for d in domains), flag["departments"],
                       flag["unverified_github"])


def _mail(fc: FileChecker, raw: Any) -> MailConfig:
    keys: list[Key] = ["mail"]
    body = fc.mapping(raw, keys, allowed=["address", "max_bytes", "attachment_bytes"])
    address = fc.email(body["address"], [*keys, "address"]) if body.get("address") else None
    sizes = {name: fc.integer(body[name], [*keys, name], 1, 1 << 30)
             for name in ("max_bytes", "attachment_bytes") if body.get(name) is not None}
    return MailConfig(address, **sizes)


RECURRENCE_KEYS = ("provider", "service", "requester", "department", "title", "schedule")
RECURRENCE_OPTIONAL = ("fields", "details", "priority", "ahead", "from", "until")


def _recurring(fc: FileChecker, raw: Any, providers: dict[str, Provider],
               departments: dict[str, tuple[str, ...]],
               managers: dict[str, tuple[str, ...]]) -> dict[str, Recurrence]:
    """`recurring:` NAME -> what to ask for, for whom, from whom, and when."""
    out: dict[str, Recurrence] = {}
    known_departments = list(dict.fromkeys([*departments, *managers]))
    for name, spec in fc.mapping(raw, ["recurring"]).items():
        keys: list[Key] = ["recurring", str(name)]
        fc.string(name, keys, pattern=NAME, accepted=NAME_ACCEPTED)
        body = fc.mapping(spec, keys, required=RECURRENCE_KEYS, allowed=RECURRENCE_OPTIONAL)
        pid = fc.known(body["provider"], [*keys, "provider"], providers, "provider")
        provider = providers[pid]
        sid = fc.known(body["service"], [*keys, "service"], provider.services,
                       f"service of {pid}")
        service = provider.services[sid]
        requester = fc.email(body["requester"], [*keys, "requester"])
        department = fc.string(body["department"], [*keys, "department"], pattern=NAME,
                               accepted=NAME_ACCEPTED)
        if known_departments:
            fc.known(department, [*keys, "department"], known_departments, "department")
            theirs = [d for d in known_departments
                      if requester in departments.get(d, ()) or requester in managers.get(d, ())]
            if theirs and department not in theirs:
                fc.fail([*keys, "department"],
                        f"{requester} belongs to {', '.join(theirs)}, not {department} "
                        "(requests name their requester's own department)")
        title = fc.string(body["title"], [*keys, "title"])
        fields: dict[str, str] = {}
        for key, value in fc.mapping(body.get("fields") or {}, [*keys, "fields"]).items():
            fc.string(key, [*keys, "fields", str(key)], pattern=NAME, accepted=NAME_ACCEPTED)
            fields[str(key)] = fc.string(value, [*keys, "fields", str(key)]).strip()
        missing = [k for k in service.requires if k not in fields]
        if missing:
            fc.fail([*keys, "fields"], f"{pid}/{sid} needs {', '.join(missing)} (accepted: "
                                       f"a mapping with {', '.join(service.requires)})")
        priority = (fc.choice(body["priority"], [*keys, "priority"], PRIORITIES)
                    if body.get("priority") is not None else "normal")
        if priority == "urgent":
            fc.fail([*keys, "priority"], "a request made on a schedule is not urgent "
                                         "(accepted: low, normal, high)")
        schedule = _schedule(fc, body["schedule"], [*keys, "schedule"])
        ahead = _ahead(fc, body.get("ahead"), [*keys, "ahead"], provider, service)
        start = fc.date(body["from"], [*keys, "from"]) if body.get("from") is not None else None
        until = (fc.date(body["until"], [*keys, "until"]) if body.get("until") is not None
                 else None)
        if start is not None and until is not None and until < start:
            fc.fail([*keys, "until"], f"{until} is before from ({start})")
        out[str(name)] = Recurrence(
            str(name), pid, sid, requester, department, title, schedule, ahead, fields,
            fc.string(body["details"], [*keys, "details"]) if body.get("details") else None,
            priority, start, until)
    return out


SCHEDULE_ACCEPTED = ("weekly: {every: N, day: WEEKDAY, anchor: YYYY-MM-DD}, "
                     "monthly: first-working-day or last-working-day, "
                     "or pay_period: {anchor: YYYY-MM-DD (a Friday)}")


def _schedule(fc: FileChecker, raw: Any, keys: list[Key]) -> Schedule:
    body = fc.mapping(raw, keys, allowed=KINDS)
    given = [k for k in KINDS if body.get(k) is not None]
    if len(given) != 1:
        fc.fail(keys, ("needs one of" if not given else "takes only one of")
                + f" weekly, monthly, pay_period (accepted: {SCHEDULE_ACCEPTED})")
    kind = given[0]
    at: list[Key] = [*keys, kind]
    if kind == "monthly":
        return Schedule("monthly", which=fc.choice(body[kind], at, MONTHLY))
    if kind == "pay_period":
        spec = body[kind]
        anchor_raw = (fc.mapping(spec, at, required=["anchor"], allowed=["anchor"])["anchor"]
                      if isinstance(spec, dict) else spec)
        anchor_at = [*at, "anchor"] if isinstance(spec, dict) else at
        pay_day = fc.date(anchor_raw, anchor_at)
        if pay_day.weekday() != PAY_DAY:
            fc.fail(anchor_at, f"{pay_day} is a {WEEKDAYS[pay_day.weekday()]}, not a fri "
                               "(accepted: the date of a pay day, a Friday)")
        return Schedule("pay_period", every=2, weekday=PAY_DAY, anchor=pay_day)
    # `day`, not `on`: YAML 1.1 reads a key `on` as true
    spec = fc.mapping(body[kind], at, allowed=["every", "day", "anchor"])
    every = (fc.integer(spec["every"], [*at, "every"], 1, MAX_EVERY)
             if spec.get("every") is not None else 1)
    anchor = fc.date(spec["anchor"], [*at, "anchor"]) if spec.get("anchor") is not None else None
    weekday = None
    if spec.get("day") is not None:
        weekday = fc.convert([spec["day"]], [*at, "day"], parse_days)
        weekday_n = next(iter(weekday))
        if anchor is not None and anchor.weekday() != weekday_n:
            fc.fail([*at, "anchor"], f"{anchor} is a {WEEKDAYS[anchor.weekday()]}, not a "
                                     f"{WEEKDAYS[weekday_n]} (accepted: a date on 'day')")
    if anchor is None and (every > 1 or weekday is None):
        fc.fail(at, "needs 'anchor' (accepted: the date of one occurrence, YYYY-MM-DD)"
                if every > 1 else "needs 'day' or 'anchor' (accepted: day: mon..sun)")
    day = anchor.weekday() if anchor is not None else next(iter(weekday or {0}))
    return Schedule("weekly", every=every, weekday=day, anchor=anchor)


def _ahead(fc: FileChecker, raw: Any, keys: list[Key], provider: Provider,
           service: Service) -> int:
    """Working days ahead: at least the service's lead time in whole working days (the
    request is then never last-minute; the need-by is the end of the day needed, a day's
    slack); that is also the default."""
    day = provider.calendar.day_length
    lead = service.lead_time.in_calendar(provider.calendar) if service.lead_time else None
    least = -(-lead // day) if lead is not None and day else 0
    if raw is None:
        return least
    ahead = fc.integer(raw, keys, 0, MAX_AHEAD)
    if ahead < least:
        fc.fail(keys, f"{ahead} working days is less than the {service.lead_time} lead time "
                      f"of {provider.id}/{service.id} (accepted: {least} to {MAX_AHEAD})")
    return ahead


def _notify(fc: FileChecker, raw: Any, providers: dict[str, Provider],
            departments: list[str]) -> NotifyConfig:
    """`notify:` {default, providers, departments: channel URL or list of them; link}."""
    keys = ["notify"]
    body = fc.mapping(raw, keys, allowed=["default", "providers", "departments", "link"])

    def urls(value: Any, where: list[Key]) -> tuple[str, ...]:
        listed = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(listed):
            at = [*where, i] if isinstance(value, list) else where
            url = fc.string(item, at).strip()
            if not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", url, re.IGNORECASE):
                fc.fail(at, f"{url!r} is not a channel URL (accepted: an apprise URL such as "
                            "mailtos://user:${SMTP_PASSWORD}@smtp.example.com?to={email}, "
                            "slack://..., msteams://..., json://host/path)")
            leftover = ENV_REF.sub("", url).replace(RECIPIENT, "")
            if "{" in leftover or "}" in leftover:
                fc.fail(at, f"{url!r}: unknown placeholder (accepted: {RECIPIENT} for the "
                            "recipient's address, ${VARIABLE} for an environment variable)")
            secret = literal_secret(url)
            if secret is not None:
                fc.fail(at, f"{secret} is written in the URL: secrets never go in the "
                            "repository; reference an environment variable instead, e.g. "
                            "${SMTP_PASSWORD}, set where icsvc notify runs")
            out.append(url)
        return tuple(out)

    def grouped(name: str, known: list[str]) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for group, value in fc.mapping(body.get(name) or {}, [*keys, name]).items():
            if str(group) not in known:
                fc.fail([*keys, name, str(group)],
                        f"unknown {name[:-1]} {group!r} (accepted: {', '.join(known) or 'none'})")
            out[str(group)] = urls(value, [*keys, name, str(group)])
        return out

    link = None
    if body.get("link") is not None:
        link = fc.string(body["link"], [*keys, "link"]).strip()
        if not re.match(r"^https?://", link):
            fc.fail([*keys, "link"], f"{link!r} is not a web address (accepted: https://..., "
                                     "with {path} or {id} for the request)")
    return NotifyConfig(
        default=urls(body["default"], [*keys, "default"]) if body.get("default") else (),
        providers=grouped("providers", list(providers)),
        departments=grouped("departments", list(dict.fromkeys(departments))),
        link=link,
    )


def _settings(fc: FileChecker, raw: Any) -> Settings:
    if raw is None:
        return Settings()
    keys = ["settings"]
    body = fc.mapping(raw, keys, allowed=["at_risk", "clock_tolerance", "pause_on_late_info",
                                          "reopen_within", "require_signed"])
    defaults = Settings()
    at_risk = (fc.integer(body["at_risk"], [*keys, "at_risk"], 1, 99) / 100
               if body.get("at_risk") is not None else defaults.at_risk)
    tolerance = defaults.clock_tolerance
    if body.get("clock_tolerance") is not None:
        duration = fc.convert(body["clock_tolerance"], [*keys, "clock_tolerance"],
                              parse_duration)
        if duration.days or duration.weeks:
            fc.fail([*keys, "clock_tolerance"], f"{duration.text!r} is too long (accepted: "
                                               "minutes or hours of wall-clock time, e.g. 15m)")
        tolerance = timedelta(hours=duration.hours, minutes=duration.minutes)
    reopen = (fc.convert(body["reopen_within"], [*keys, "reopen_within"], parse_duration)
              if body.get("reopen_within") is not None else defaults.reopen_within)
    return Settings(
        at_risk=at_risk,
        clock_tolerance=tolerance,
        pause_on_late_info=(fc.boolean(body["pause_on_late_info"],
                                       [*keys, "pause_on_late_info"])
                            if body.get("pause_on_late_info") is not None
                            else defaults.pause_on_late_info),
        reopen_within=reopen,
        require_signed=(fc.boolean(body["require_signed"], [*keys, "require_signed"])
                        if body.get("require_signed") is not None else False),
    )


def _people(fc: FileChecker, spec: Any) -> dict[str, Person]:
    """`people:` email -> {github: LOGIN, signing_keys: [SSH public key lines]}."""
    people: dict[str, Person] = {}
    logins: dict[str, str] = {}
    for raw_email, body_raw in fc.mapping(spec, ["people"]).items():
        keys: list[Key] = ["people", str(raw_email)]
        email = fc.email(raw_email, keys)
        if email in people:
            fc.fail(keys, f"{email} is listed twice (emails ignore case)")
        body = fc.mapping(body_raw if body_raw is not None else {}, keys,
                          allowed=["github", "signing_keys"])
        login = None
        if body.get("github") is not None:
            login = fc.string(body["github"], [*keys, "github"], pattern=GITHUB_LOGIN,
                              accepted=GITHUB_LOGIN_ACCEPTED)
            if login.lower() in logins:
                fc.fail([*keys, "github"], f"{login} is already the login of "
                                           f"{logins[login.lower()]} (logins ignore case)")
            logins[login.lower()] = email
        signing_keys = fc.string_list(body.get("signing_keys") or [], [*keys, "signing_keys"])
        for i, line in enumerate(signing_keys):
            if not line.strip().startswith(SIGNING_KEY_TYPES):
                fc.fail([*keys, "signing_keys", i],
                        f"{line[:30]!r} is not an SSH public key (accepted: a line starting "
                        f"{', '.join(SIGNING_KEY_TYPES)}, as in ~/.ssh/id_ed25519.pub)")
        people[email] = Person(email, login, tuple(k.strip() for k in signing_keys))
    return people


def _calendar(fc: FileChecker, name: str, spec: Any) -> BusinessCalendar:
    keys = ["calendars", name]
    fc.string(name, keys, pattern=NAME, accepted=NAME_ACCEPTED)
    body = fc.mapping(spec, keys, required=["timezone", "days", "hours"],
                      allowed=["timezone", "days", "hours", "holidays", "country",
                               "subdivision"])
    tz = fc.string(body["timezone"], [*keys, "timezone"])
    try:
        zone(tz)
    except (ZoneInfoNotFoundError, ValueError):
        fc.fail([*keys, "timezone"],
                f"unknown timezone {tz!r} (accepted: an IANA name such as America/New_York)")
    days_raw = body["days"]
    if not isinstance(days_raw, list):
        fc.fail([*keys, "days"], f"expected a list of weekdays (accepted: {', '.join(WEEKDAYS)})")
    days = fc.convert(days_raw, [*keys, "days"], parse_days)
    if not days:
        fc.fail([*keys, "days"], "needs at least one working day")
    hours = fc.convert(body["hours"], [*keys, "hours"], parse_hours)
    holidays = frozenset(
        fc.date(v, [*keys, "holidays", i]) for i, v in enumerate(body.get("holidays") or [])
    )
    country, subdivision = _public_holidays_region(fc, keys, body)
    return BusinessCalendar(name=name, timezone=tz, days=days, hours=hours, holidays=holidays,
                            country=country, subdivision=subdivision)


def _region_code(fc: FileChecker, value: Any, keys: Sequence[Key], example: str) -> str:
    if isinstance(value, bool):  # YAML reads NO (Norway) or ON (Ontario) as a boolean
        fc.fail(keys, f"got {str(value).lower()}, not a code: quote it (e.g. {example})")
    return fc.string(value, keys)


def _public_holidays_region(
    fc: FileChecker, keys: Sequence[Key], body: dict[str, Any]
) -> tuple[str | None, str | None]:
    """The calendar's ``country`` and ``subdivision``, checked against the ``holidays``
    library (imported only when a calendar names a country)."""
    if body.get("country") is None:
        if body.get("subdivision") is not None:
            fc.fail([*keys, "subdivision"], "needs a 'country' (e.g. country: US)")
        return None, None
    country = _region_code(fc, body["country"], [*keys, "country"], "country: 'NO'")
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        hint = f"; did you mean {country.upper()}?" if country.upper() in supported else ""
        fc.fail([*keys, "country"],
                f"{country!r} is not a country the holidays library knows "
                f"(accepted: ISO 3166 codes such as US, GB, DE){hint}")
    if body.get("subdivision") is None:
        return country, None
    subdivision = _region_code(fc, body["subdivision"], [*keys, "subdivision"],
                               "subdivision: 'ON'")
    accepted = supported[country]
    if subdivision not in accepted:
        fc.fail([*keys, "subdivision"],
                f"{subdivision!r} is not a subdivision of {country} the holidays library knows "
                f"(accepted: {', '.join(accepted) or f'none, {country} has no subdivisions'})")
    return country, subdivision


def _provider(
    fc: FileChecker, pid: str, spec: Any, calendars: dict[str, BusinessCalendar]
) -> Provider:
    keys = ["providers", pid]
    fc.string(pid, keys, pattern=NAME, accepted=NAME_ACCEPTED)
    body = fc.mapping(
        spec, keys,
        required=["name", "calendar", "members", "escalation", "sla", "services"],
        allowed=["description", "team", "agreements", "serves"],
    )
    cal_name = fc.string(body["calendar"], [*keys, "calendar"])
    if cal_name not in calendars:
        fc.fail([*keys, "calendar"],
                f"unknown calendar {cal_name!r}{did_you_mean(cal_name, calendars)} "
                f"(accepted: {', '.join(calendars) or 'none'})")
    members = fc.string_list(body["members"], [*keys, "members"], fc.email)
    if not members:
        fc.fail([*keys, "members"], "needs at least one member email")
    sla_body = fc.mapping(body["sla"], [*keys, "sla"], required=PRIORITIES, allowed=PRIORITIES)
    sla = {}
    for prio in PRIORITIES:
        pk = [*keys, "sla", prio]
        t = fc.mapping(sla_body[prio], pk, required=["acknowledge", "resolve"],
                       allowed=["acknowledge", "resolve", "update"])
        sla[prio] = Targets(
            acknowledge=fc.convert(t["acknowledge"], [*pk, "acknowledge"], parse_duration),
            resolve=fc.convert(t["resolve"], [*pk, "resolve"], parse_duration),
            update=(fc.convert(t["update"], [*pk, "update"], parse_duration)
                    if t.get("update") is not None else None),
        )
    services = {}
    for sid, sspec in fc.mapping(body["services"], [*keys, "services"]).items():
        sk = [*keys, "services", str(sid)]
        fc.string(sid, sk, pattern=NAME, accepted=NAME_ACCEPTED)
        sbody = fc.mapping(sspec, sk, required=["description"],
                           allowed=["requires", "lead_time", "min_priority", "extra_info"])
        requires = fc.string_list(sbody.get("requires") or [], [*sk, "requires"])
        for i, item in enumerate(requires):
            fc.string(item, [*sk, "requires", i], pattern=NAME, accepted=NAME_ACCEPTED)
        services[str(sid)] = Service(
            id=str(sid),
            description=fc.string(sbody["description"], [*sk, "description"]),
            requires=tuple(requires),
            lead_time=(fc.convert(sbody["lead_time"], [*sk, "lead_time"], parse_duration)
                       if sbody.get("lead_time") is not None else None),
            min_priority=(fc.choice(sbody["min_priority"], [*sk, "min_priority"], PRIORITIES)
                          if sbody.get("min_priority") is not None else None),
            extra_info=(fc.boolean(sbody["extra_info"], [*sk, "extra_info"])
                        if sbody.get("extra_info") is not None else False),
        )
    if not services:
        fc.fail([*keys, "services"], "needs at least one service")
    team = body.get("team")
    agreements: dict[str, Agreement] = {}
    for dept, aspec in fc.mapping(body.get("agreements") or {}, [*keys, "agreements"]).items():
        ak = [*keys, "agreements", str(dept)]
        fc.string(dept, ak, pattern=NAME, accepted=NAME_ACCEPTED)
        abody = fc.mapping(aspec, ak, required=["priority"], allowed=["priority", "note"])
        agreements[str(dept)] = Agreement(
            str(dept), fc.choice(abody["priority"], [*ak, "priority"], PRIORITIES),
            fc.string(abody["note"], [*ak, "note"]) if abody.get("note") is not None else "")
    serves = fc.string_list(body.get("serves") or [], [*keys, "serves"])
    for i, dept in enumerate(serves):
        fc.string(dept, [*keys, "serves", i], pattern=NAME, accepted=NAME_ACCEPTED)
    return Provider(
        serves=tuple(dict.fromkeys(serves)),
        id=pid,
        name=fc.string(body["name"], [*keys, "name"]),
        calendar=calendars[cal_name],
        members=tuple(members),
        escalation=fc.email(body["escalation"], [*keys, "escalation"]),
        sla=sla,
        services=services,
        team=fc.string(team, [*keys, "team"]) if team is not None else None,
        description=(fc.string(body["description"], [*keys, "description"])
                     if body.get("description") else ""),
        agreements=agreements,
    )
