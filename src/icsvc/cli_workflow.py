"""Provider workflow commands (triage, update, escalate, explain, queue)."""

from __future__ import annotations

from typing import Annotated

import typer

from icsvc.cli import ActorOpt, ShowFormat, StoreOpt, TableFormat, _context, app

IdArg = Annotated[str, typer.Argument(metavar="ID", help="A request ID or prefix.")]
ShowFmtOpt = Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")]


@app.command()
def triage(
    request_id: IdArg,
    ack: Annotated[bool, typer.Option(
        "--ack", help="Acknowledge, with a timeframe: --promise DATE, else the resolve due "
                      "date.")] = False,
    priority: Annotated[str | None, typer.Option(
        help="The agreed priority (differing from the requested one needs --note).")] = None,
    promise: Annotated[str | None, typer.Option(
        help="Promise a date: a date, today, tomorrow, fri, +3d...")] = None,
    assign: Annotated[str | None, typer.Option(
        metavar="EMAIL", help="Assign to a member of the provider.")] = None,
    need_info: Annotated[str | None, typer.Option(
        "--need-info", metavar="TEXT",
        help="Ask the requester for information (waiting-on-customer: the clock pauses).")]
    = None,
    redirect: Annotated[str | None, typer.Option(
        metavar="PROVIDER", help="Send to another provider (needs --note: who can help).")]
    = None,
    service: Annotated[str | None, typer.Option(
        help="With --redirect: the new provider's service, when it has none of the same "
             "name.")] = None,
    decline: Annotated[str | None, typer.Option(
        metavar="REASON", help="Decline, saying why (needs --alternate).")] = None,
    alternate: Annotated[str | None, typer.Option(
        metavar="WHO", help="With --decline: who can help instead (a provider, an email or "
                            "a name), shown to the requester.")] = None,
    note: Annotated[str | None, typer.Option(
        help="Why (a priority change, a redirect), shown to the requester.")] = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Triage a request (provider members): acknowledge, prioritise, promise, assign,
    ask for information, redirect or decline."""
    from icsvc.commands import triage as cmd
    from icsvc.workflow import TriageOptions

    cmd.run(_context(store, actor), request_id, TriageOptions(
        ack=ack, priority=priority, promise=promise, assign=assign, need_info=need_info,
        redirect=redirect, service=service, decline=decline, alternate=alternate, note=note,
    ), fmt.value)


@app.command()
def update(
    request_id: IdArg,
    status: Annotated[str | None, typer.Option(
        help="New status (provider members; the requester may cancel).")] = None,
    note: Annotated[str | None, typer.Option(
        help="A progress note or comment (anyone involved).")] = None,
    progress: Annotated[int | None, typer.Option(
        metavar="PCT", help="Percent done, 0-100.")] = None,
    promise: Annotated[str | None, typer.Option(
        help="A new promised date (moving a passed promise records it as broken).")] = None,
    info: Annotated[list[str] | None, typer.Option(
        "--info", metavar="KEY=VALUE",
        help="Information the provider asked for (repeatable); a request waiting on you "
             "goes back to the provider.")] = None,
    reply: Annotated[str | None, typer.Option(
        metavar="TEXT", help="Answer the provider's question (a request waiting on you goes "
                             "back to the provider).")] = None,
    reopen: Annotated[bool, typer.Option(
        "--reopen", help="Requester: reopen a resolved request that is not done (with --note "
                         "saying what is wrong; within settings.reopen_within).")] = False,
    alternate: Annotated[str | None, typer.Option(
        metavar="WHO", help="With --status declined: who can help instead.")] = None,
    cost: Annotated[float | None, typer.Option(
        metavar="N", help="Requester: record what a lapse really cost (with --note).")] = None,
    needed_by: Annotated[str | None, typer.Option(
        "--needed-by", metavar="DATE",
        help="Requester: you need it by another date now (with --note).")] = None,
    priority: Annotated[str | None, typer.Option(
        metavar="PRIORITY", help="Requester: ask for another priority (with --note); provider: "
                                 "agree a priority, like triage --priority.")] = None,
    accept_priority: Annotated[bool, typer.Option(
        "--accept-priority", help="Requester: accept the lower priority the provider "
                                  "proposed (or contest it with icsvc escalate).")] = False,
    blocks: Annotated[list[str] | None, typer.Option(
        "--blocks", metavar="ID", help="This request must be done before request ID "
                                       "(repeatable).")] = None,
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Update a request: status, progress notes, progress, promise, information; for the
    requester also a reply, a reopen, the cost of a lapse, a new need-by date or priority."""
    from icsvc.commands import update as cmd
    from icsvc.workflow import UpdateOptions

    cmd.run(_context(store, actor), request_id, UpdateOptions(
        status=status, note=note, progress=progress, promise=promise, info=info or [],
        reply=reply, reopen=reopen, alternate=alternate, cost=cost, needed_by=needed_by,
        priority=priority, accept_priority=accept_priority, blocks=blocks or [],
    ), fmt.value)


@app.command()
def escalate(
    request_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why this needs the escalation contact.")],
    fmt: ShowFmtOpt = ShowFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Raise a request to the provider's escalation contact (requester or provider members)."""
    from icsvc.commands import escalate as cmd

    cmd.run(_context(store, actor), request_id, reason, fmt.value)


@app.command()
def explain(
    request_id: IdArg,
    fmt: ShowFmtOpt = ShowFormat.table,
    store: StoreOpt = None,
) -> None:
    """How each due date was computed: targets, business hours counted, what was skipped."""
    from icsvc.commands import explain as cmd

    cmd.run(_context(store, None), request_id, fmt.value)


@app.command()
def queue(
    providers: Annotated[list[str] | None, typer.Argument(
        metavar="[PROVIDER]...", help="Providers (default: yours; if none, all).")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only requests assigned to me.")] = False,
    escalated: Annotated[bool, typer.Option(
        "--escalated", help="The escalated requests waiting on me as the escalation contact "
                            "(of every provider I am the contact of).")] = False,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")] =
    TableFormat.table,
    actor: ActorOpt = None,
    store: StoreOpt = None,
) -> None:
    """Open requests, most urgent first: breached, at risk, then least business time left."""
    from icsvc.commands import queue as cmd

    cmd.run(_context(store, actor), providers or [], mine, fmt.value, escalated)
