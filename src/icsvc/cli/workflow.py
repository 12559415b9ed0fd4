"""Provider workflow commands (triage, update, escalate, explain, queue)."""

from typing import Annotated

from icsvc.cli import completion
from icsvc.cli.common import (
    ActorOpt,
    IdArg,
    NoPagerOpt,
    ProvidersOpt,
    ShowFmtOpt,
    ShowFormat,
    StoreOpt,
    TableFormat,
    context,
    date_help,
    examples,
    interactive,
    paged,
)
from icsvc.cli.declare import Argument, Group, Option

group = Group()
"""This module's commands, added to the app by `app.py`."""


@group.command(epilog=examples(
    "icsvc triage 09KRRP64 --ack --assign wei --promise 'tomorrow noon'",
    "icsvc triage 173P --priority normal --note 'The bid closes next week, not today'",
    "icsvc triage P0N6PVGN --redirect legal --service nda --note \"An NDA is Legal's\"",
))
def triage(
    request_id: IdArg,
    ack: Annotated[bool, Option(
        "--ack", help="Acknowledge, with a timeframe: --promise DATE, else the resolve due "
                      "date.")] = False,
    priority: Annotated[str | None, Option(
        metavar="PRIORITY", help="The agreed priority (differing from the requested one "
                                 "needs --note).", autocompletion=completion.priorities)]
    = None,
    promise: Annotated[str | None, Option(
        metavar="DATE", help=date_help("Promise a date."))] = None,
    assign: Annotated[str | None, Option(
        metavar="EMAIL", help="Assign to a member of the provider (the part before @ will "
                              "do when it is unique).", autocompletion=completion.members)]
    = None,
    need_info: Annotated[str | None, Option(
        "--need-info", metavar="TEXT",
        help="Ask the requester for information (waiting-on-customer: the clock pauses).")]
    = None,
    redirect: Annotated[str | None, Option(
        metavar="PROVIDER", help="Send to another provider (needs --note: who can help).",
        autocompletion=completion.providers)] = None,
    service: Annotated[str | None, Option(
        metavar="SERVICE", help="With --redirect: the new provider's service, when it has "
                                "none of the same name.", autocompletion=completion.services)]
    = None,
    decline: Annotated[str | None, Option(
        metavar="REASON", help="Decline, saying why (needs --alternate).")] = None,
    alternate: Annotated[str | None, Option(
        metavar="WHO", help="With --decline: who can help instead (a provider, an email or "
                            "a name), shown to the requester.")] = None,
    note: Annotated[str | None, Option(
        metavar="TEXT", help="Why (a priority change, a redirect), shown to the requester.")]
    = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Triage a request (provider members): acknowledge, prioritise, promise, assign,
    ask for information, redirect or decline."""
    from icsvc.commands import triage as cmd
    from icsvc.output import triage as out
    from icsvc.workflow.operations import TriageOptions

    out.render(cmd.run(context(store, actor), request_id, TriageOptions(
        ack=ack, priority=priority, promise=promise, assign=assign, need_info=need_info,
        redirect=redirect, service=service, decline=decline, alternate=alternate, note=note,
    )), fmt.value)


@group.command(epilog=examples(
    "icsvc update 173PQBK7 --status resolved --note 'Slot and bore are fine'",
    "icsvc update 5AWRC4QD --promise 'Nov 30' --note 'Routing done for 600 of 800'",
    "icsvc update 36N7S0QH --reply 'Yes: ship them, the customer agreed' "
    "--as maria@example.com",
))
def update(
    request_id: IdArg,
    status: Annotated[str | None, Option(
        metavar="STATUS", help="New status (provider members; the requester may cancel).",
        autocompletion=completion.statuses)] = None,
    note: Annotated[str | None, Option(
        metavar="TEXT", help="A progress note or comment (anyone involved).")] = None,
    reply: Annotated[str | None, Option(
        metavar="TEXT", help="The requester's answer to a request waiting on them: recorded "
                             "as a note, and the request goes back to the provider.")] = None,
    progress: Annotated[int | None, Option(
        metavar="PCT", help="Percent done, 0-100.")] = None,
    promise: Annotated[str | None, Option(
        metavar="DATE", help=date_help("A new promised date (moving a passed promise records "
                                       "it as broken)."))] = None,
    info: Annotated[list[str] | None, Option(
        "--info", metavar="KEY=VALUE",
        help="Information the provider asked for (repeatable); a request waiting on you "
             "goes back to the provider.")] = None,
    reopen: Annotated[bool, Option(
        "--reopen", help="Requester: reopen a resolved request that is not done (with --note "
                         "saying what is wrong; within settings.reopen_within).")] = False,
    alternate: Annotated[str | None, Option(
        metavar="WHO", help="With --status declined: who can help instead.")] = None,
    cost: Annotated[float | None, Option(
        metavar="N", help="Requester: record what a lapse costs (with --note): a revised "
                          "estimate, or with --actual the real figure.")] = None,
    actual: Annotated[bool, Option(
        "--actual", help="With --cost: the real figure, recorded after the fact (also when it "
                         "equals the estimate).")] = False,
    needed_by: Annotated[str | None, Option(
        "--needed-by", metavar="DATE",
        help=date_help("Requester: you need it by another date now (with --note)."))] = None,
    priority: Annotated[str | None, Option(
        metavar="PRIORITY", help="Requester: ask for another priority (with --note); provider: "
                                 "agree a priority, like triage --priority.",
        autocompletion=completion.priorities)] = None,
    accept_priority: Annotated[bool, Option(
        "--accept-priority", help="Requester: accept the lower priority the provider "
                                  "proposed (or contest it with icsvc escalate).")] = False,
    blocks: Annotated[list[str] | None, Option(
        "--blocks", metavar="ID", help="This request must be done before request ID "
                                       "(repeatable).", autocompletion=completion.request_ids)]
    = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Update a request: status, progress notes, progress, promise, information; for the
    requester also a reply, a reopen, the cost of a lapse, a new need-by date or priority."""
    from icsvc.commands import update as cmd
    from icsvc.output import update as out
    from icsvc.workflow.operations import UpdateOptions

    ctx = context(store, actor)
    opts = UpdateOptions(
        status=status, note=note, progress=progress, promise=promise, info=info or [],
        reply=reply, reopen=reopen, alternate=alternate, cost=cost, actual=actual,
        needed_by=needed_by, priority=priority, accept_priority=accept_priority,
        blocks=blocks or [],
    )
    talk = interactive()
    # the question comes before the write lock: no writer waits on a person
    if talk and opts.note and cmd.may_answer(ctx, request_id, opts) \
            and out.answers_the_question():
        opts.reply, opts.note = opts.note, None
    out.render(cmd.run(ctx, request_id, opts), fmt.value, hint=not talk)


@group.command(epilog=examples(
    "icsvc escalate 5AWRC4QD --reason \"Kestrel's bid closes Friday\"",
    "icsvc escalate 5AWR --reason 'A week late' --as lee@example.com --format json",
    "icsvc escalate 5AWR --answer 'A new lot ships Friday' --as vp-eng@example.com",
))
def escalate(
    request_id: IdArg,
    reason: Annotated[str | None, Option(
        metavar="TEXT", help="Why this needs the escalation contact.")] = None,
    answer: Annotated[str | None, Option(
        metavar="TEXT", help="The escalation contact: your answer to the pending escalation "
                             "(the requester is told).")] = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Raise a request to the provider's escalation contact (requester or provider members),
    in any status; the contact answers it with --answer."""
    from icsvc.commands import escalate as cmd
    from icsvc.output import triage as out

    out.render(cmd.run(context(store, actor), request_id, reason, answer), fmt.value)


@group.command(epilog=examples(
    "icsvc explain 36N7S0QH",
    "icsvc explain 36n7 --format json",
))
def explain(
    request_id: IdArg,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """How each due date was computed: targets, business hours counted, what was skipped."""
    from icsvc.commands import explain as cmd
    from icsvc.output import explain as out

    with paged(no_pager):
        out.render(cmd.run(context(store, actor), request_id), fmt.value)


@group.command(epilog=examples(
    "icsvc queue",
    "icsvc queue -p engineering -p it --mine",
    "icsvc queue payroll --format json",
))
def queue(
    provider_args: Annotated[list[str] | None, Argument(
        metavar="[PROVIDER]...", help="Providers (same as -p; default: yours; if none, all).",
        autocompletion=completion.providers)] = None,
    provider: ProvidersOpt = None,
    mine: Annotated[bool, Option("--mine", help="Only requests assigned to me.")] = False,
    escalated: Annotated[bool, Option(
        "--escalated", help="The escalated requests waiting on me as the escalation contact "
                            "(of every provider I am the contact of).")] = False,
    fmt: Annotated[TableFormat, Option("--format", "-f", help="Output format.")] =
    TableFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
    no_pager: NoPagerOpt = False,
) -> None:
    """Open requests, most urgent first: breached, at risk, then least business time left."""
    from icsvc.commands import queue as cmd
    from icsvc.output import queue as out

    with paged(no_pager):
        out.render(cmd.run(context(store, actor), [*(provider_args or []), *(provider or [])],
                           mine, escalated, fmt == TableFormat.json), fmt.value)


@group.command(epilog=examples(
    "icsvc recur --dry-run",
    "icsvc recur --commit --format json          # in a scheduled workflow",
    "icsvc recur payroll-timesheets",
))
def recur(
    recurrence: Annotated[list[str] | None, Argument(
        metavar="[RECURRENCE]...", help="Only these recurrences (recurring: in "
                                        "providers.yaml); default: all.")] = None,
    dry_run: Annotated[bool, Option(
        "--dry-run", "-n", help="Say what is due, writing nothing.")] = False,
    commit: Annotated[bool, Option(
        "--commit", help="Commit each request made, as its requester.")] = False,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Make the recurring requests that are due (recurring: in providers.yaml), each once:
    every occurrence since the last one made, so a missed run catches up; a second run
    makes nothing. Run it on a schedule (the workflow in examples/)."""
    from icsvc.commands import recur as cmd
    from icsvc.output import recur as out

    # each request is its requester's (recurring: in providers.yaml), whoever runs it
    out.render(cmd.run(context(store, actor), recurrence or [], dry_run, commit), fmt.value)
