"""`icsvc recur` shown: the requests made for each occurrence due."""

from __future__ import annotations

from icsvc.commands.recur import Recurred
from icsvc.output.ui import console, print_json


def render(done: Recurred, fmt: str) -> None:
    if fmt == "json":
        print_json({"dry_run": done.dry_run, "made": [
            {"recurrence": m.recurrence.name, "occurrence": m.occurrence.key,
             "id": m.request.id, "title": m.request.title, "provider": m.request.provider,
             "service": m.request.service, "requester": m.request.customer_email,
             "department": m.request.customer_department,
             "needed_by": (m.request.needed_by.isoformat() if m.request.needed_by
                           else None),
             "path": m.rel or None, "late": m.late,
             "commit": done.commits[i] if i < len(done.commits) else None}
            for i, m in enumerate(done.made)]})
        return
    con = console()
    if not done.made:
        con.print("Nothing due: every recurring request due by now is made.", markup=False)
        return
    verb = "Would make" if done.dry_run else "Made"
    for m in done.made:
        con.print(f"{verb} {m.request.id} ({m.recurrence.name} {m.occurrence.key}): "
                  f"{m.request.title}", markup=False, soft_wrap=True)
        need = (f"needed by {m.request.needed_by.strftime('%a %Y-%m-%d %H:%M %z')}"
                if m.request.needed_by else "no need-by")
        con.print(f"  {need}" + (f"; {m.rel}" if m.rel else ""), markup=False, soft_wrap=True)
        if m.late:
            con.print(f"  late: {m.late}", markup=False, soft_wrap=True)
    if done.commits:
        con.print(f"Committed {len(done.commits)} request(s), each as its requester.",
                  markup=False)
