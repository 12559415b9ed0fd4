"""`icsvc site` shown: where the site was built, what changed in it, and (with --serve)
where to look at it."""

from __future__ import annotations

from icsvc.commands.site import SiteBuilt
from icsvc.domain.dates import when
from icsvc.output.ui import console, print_json


def render(done: SiteBuilt, fmt: str) -> None:
    built = done.built
    if fmt == "json":
        print_json({"out": str(built.out), "built_at": built.now.isoformat(),
                    "requests": built.requests, "files": built.files,
                    "written": len(built.written), "unchanged": built.unchanged,
                    "settled": built.settled, "removed": len(built.removed),
                    "reports": done.quarters})
        return
    con = console()
    con.print(f"Built {done.out} ({built.requests} requests, {built.files} files; clocks as "
              f"of {when(built.now)}): {len(built.written)} written, "
              f"{built.unchanged + built.settled} unchanged, {len(built.removed)} removed. "
              f"Reports: {', '.join(done.quarters)}.", markup=False, soft_wrap=True)
    con.print(f"Open {built.out / 'index.html'}, or preview it: icsvc site {done.out} --serve",
              markup=False, soft_wrap=True)


def serving(url: str) -> None:
    """Said once the server answers (flushed at once: a script may wait for it)."""
    con = console()
    con.print(f"Serving {url} (this machine only); Ctrl-C stops it.", markup=False,
              soft_wrap=True)
    con.file.flush()
