"""`icsvc site OUT/`: the pages it writes and what they say, escaping, the queue's order,
incremental builds, the folder it may write, and `--serve`. What a reader sees in a
browser is `test_site_browser.py`."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

from conftest import ICSVC, NOW, Store
from htmltext import visible_text as text

PART = ["-p", "engineering", "-s", "part-clarification", "--info", "order_number=SO-1",
        "--info", "part_number=P-2"]
DRAWING = ["-p", "engineering", "-s", "drawing-review"]
ANA, MARIA, PAT = "ana@example.com", "maria@example.com", "pat@example.com"
LATER = "2026-11-24T16:30:00-05:00"


def build(store: Store, out: Path, *args: str, now: str = NOW) -> dict[str, object]:
    result = store.ok("site", str(out), "--format", "json", *args, now=now)
    data: dict[str, object] = json.loads(result.out)
    return data


def page(out: Path, rid: str) -> Path:
    found = list(out.glob(f"requests/*/{rid}.html"))
    assert len(found) == 1, found
    return found[0]


def mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*.html")}


def test_every_kind_of_page_is_built(store: Store, tmp_path: Path) -> None:
    rid = store.new(*PART, "-t", "Bore diameter")
    out = tmp_path / "public"
    data = build(store, out)
    assert data["requests"] == 1 and data["reports"] == ["2026Q4", "2026Q3"]
    for rel in ("index.html", "catalogue.html", "search.html", "map.html", "reports/index.html",
                "reports/2026Q4/index.html", "reports/2026Q3/index.html",
                "reports/2026Q4/dept-customer-service.html", "queues/engineering.html",
                "queues/payroll.html", f"requests/2026-11/{rid}.html", "static/site.css",
                "static/site.js", "static/search-index.js", "static/icon.svg"):
        assert (out / rel).is_file(), rel
    # self-contained: nothing names another host (the SVG namespace is a name, not a fetch)
    for path in out.rglob("*.html"):
        html = path.read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), path
        assert '<meta name="viewport"' in html, path
    home = text((out / "index.html").read_text())
    assert "Clocks as of Tue 2026-11-24 10:00 -0500" in home
    summary = store.ok("site", str(out), now=NOW).out
    assert summary.startswith(f"Built {out} (1 requests, ")


def test_markup_in_what_people_type_shows_as_text(store: Store, tmp_path: Path) -> None:
    title = "<script>alert(1)</script>"
    rid = store.new(*PART, "-t", title, "--details", '<img src=x onerror="alert(2)"> & more')
    store.ok("update", rid, "--note", "<b>not bold</b>", actor=ANA)
    out = tmp_path / "public"
    build(store, out)
    for html in (page(out, rid).read_text(), (out / "queues/engineering.html").read_text()):
        assert "<script>alert" not in html and "<b>not bold" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    shown = text(page(out, rid).read_text())
    assert title in shown and '<img src=x onerror="alert(2)"> & more' in shown
    assert "<b>not bold</b>" in shown
    index = (out / "static/search-index.js").read_text()
    entries = json.loads(index.removeprefix("window.ICSVC_SEARCH = ").rstrip(";\n"))
    assert [rid, title, "new", "engineering", f"requests/2026-11/{rid}.html"] in entries


def test_queue_pages_follow_icsvc_queue(store: Store, tmp_path: Path) -> None:
    made = [
        store.new(*DRAWING, "-t", "Drawing A", now="2026-11-23T09:00:00-05:00"),
        store.new(*PART, "-t", "Urgent part", "--priority", "urgent", "--justification",
                  "The line is down"),
        store.new(*DRAWING, "-t", "Drawing B", "--needed-by", "2026-12-04"),
        store.new(*PART, "-t", "Acknowledged", now="2026-11-20T09:00:00-05:00"),
    ]
    store.ok("triage", made[3], "--ack", actor=ANA, now="2026-11-20T10:00:00-05:00")
    out = tmp_path / "public"
    build(store, out, now=LATER)
    expected = [r["id"] for r in store.ok("queue", "engineering", "-f", "json",
                                          now=LATER).json()]
    assert sorted(expected) == sorted(made)
    html = (out / "queues/engineering.html").read_text()
    shown = re.findall(r'<a href="\.\./requests/2026-11/(\w+)\.html">', html)
    assert shown == expected
    assert "clocks as of Tue 2026-11-24 16:30 -0500" in text(html)
    assert "Nothing open." in text((out / "queues/payroll.html").read_text())


def test_a_request_page_tells_what_show_tells(store: Store, tmp_path: Path) -> None:
    first = store.new(*DRAWING, "-t", "Quote for Kestrel", "--needed-by", "2026-12-04")
    second = store.new(*PART, "-t", "Part for the quote", "--for", first)
    store.ok("triage", second, "--ack", "--promise", "2026-11-26", actor=ANA)
    out = tmp_path / "public"
    build(store, out)
    shown = store.ok("show", second, "-f", "json").json()
    html = page(out, second).read_text()
    seen = text(html)
    assert f'href="{first}.html"' in html  # the request it is for, beside it
    assert f'href="{second}.html"' in page(out, first).read_text()
    assert "Made for (it waits for this one):" in seen
    assert "Waits for (made for this one):" in text(page(out, first).read_text())
    for entry in shown["history"]:
        assert entry["by"] in seen
    out_show = store.ok("show", second).out
    for line in ("acknowledged", "promised Thu 2026-11-26"):
        assert line in out_show
        assert line in seen, line
    for clock in shown["sla"].values():
        due = clock["due"]
        assert re.sub(r"(\d\d):(\d\d):00([+-]\d\d):(\d\d)$", r"\1:\2 \3\4", due)[11:] in seen
    assert "As of Tue 2026-11-24 10:00 -0500" in seen  # an open request's clocks
    assert "Promised by Thu 2026-11-26" in seen


def test_a_request_page_says_progress_only_while_the_work_goes_on(store: Store,
                                                                  tmp_path: Path) -> None:
    """The page reads the status as `show` does: never "resolved, 50% done"."""
    rid = store.new(*PART, "-t", "Bore")
    store.ok("triage", rid, "--ack", actor=ANA)
    store.ok("update", rid, "--progress", "50", actor=ANA)
    build(store, tmp_path / "open")
    assert "acknowledged, 50% done" in text(page(tmp_path / "open", rid).read_text())
    store.ok("update", rid, "--status", "resolved", "--note", "Done", actor=ANA)
    build(store, tmp_path / "done")
    seen = text(page(tmp_path / "done", rid).read_text())
    assert "resolved" in seen and "% done" not in seen


def test_pages_are_written_again_only_when_they_change(store: Store, tmp_path: Path) -> None:
    open_one = store.new(*PART, "-t", "Still open")
    declined = store.new(*PART, "-t", "Declined")
    store.ok("triage", declined, "--decline", "Not ours", "--alternate", "it", actor=ANA)
    made_for = store.new(*DRAWING, "-t", "Made for the open one", "--for", open_one)
    out = tmp_path / "public"
    first = build(store, out)
    assert first["written"] == first["files"] and first["settled"] == 0
    before = mtimes(out)

    again = build(store, out)  # the same store, the same time: nothing to write
    assert again["written"] == 0 and again["removed"] == 0
    assert again["settled"] == 1  # the declined request's page is not even made again
    assert mtimes(out) == before

    later = build(store, out, now=LATER)  # open requests' clocks move; a settled page stays
    after = mtimes(out)
    assert after[f"requests/2026-11/{declined}.html"] == \
        before[f"requests/2026-11/{declined}.html"]
    assert after[f"requests/2026-11/{open_one}.html"] != \
        before[f"requests/2026-11/{open_one}.html"]
    assert later["settled"] == 1

    # a change to one request: its page, and the page of the one linking to it
    store.ok("triage", open_one, "--decline", "Not ours either", "--alternate", "it",
             actor=ANA, now=LATER)
    settled_before = mtimes(out)
    changed = build(store, out, now=LATER)
    assert mtimes(out)[f"requests/2026-11/{made_for}.html"] != \
        settled_before[f"requests/2026-11/{made_for}.html"]
    assert "As of" not in text(page(out, open_one).read_text())
    assert "(declined)" in text(page(out, made_for).read_text())
    assert changed["settled"] == 1
    assert mtimes(out)[f"requests/2026-11/{declined}.html"] == \
        before[f"requests/2026-11/{declined}.html"]

    # a request gone: its page goes too
    store.request_file(declined).unlink()
    gone = build(store, out, now=LATER)
    assert gone["removed"] == 1 and not list(out.glob(f"requests/*/{declined}.html"))
    entries = (out / "static/search-index.js").read_text()
    assert declined not in entries and open_one in entries


def test_a_page_deleted_by_hand_is_made_again(store: Store, tmp_path: Path) -> None:
    rid = store.new(*PART, "-t", "Declined")
    store.ok("triage", rid, "--decline", "Not ours", "--alternate", "it", actor=ANA)
    out = tmp_path / "public"
    build(store, out)
    page(out, rid).unlink()
    again = build(store, out)
    assert again["written"] == 1 and page(out, rid).is_file()


def test_a_manifest_edited_by_hand_removes_nothing_else(store: Store, tmp_path: Path) -> None:
    store.new(*PART, "-t", "One")
    out = tmp_path / "public"
    build(store, out)
    outside = tmp_path / "precious.html"
    outside.write_text("keep me")
    inside = out / "notes.html"
    inside.write_text("keep me too")
    manifest = out / ".icsvc-site.json"
    data = json.loads(manifest.read_text())
    data["files"] += ["../precious.html", str(outside), "notes.html",
                      "requests/2026-11/../../../precious.html"]
    manifest.write_text(json.dumps(data))
    build(store, out)
    assert outside.read_text() == "keep me" and inside.read_text() == "keep me too"
    manifest.write_text("{not json")  # unreadable: every page is made again
    assert build(store, out)["settled"] == 0


def test_the_folder_it_builds_in(store: Store, tmp_path: Path) -> None:
    store.new(*PART, "-t", "One")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "index.html").write_text("someone else's page")
    err = store.fails("site", str(busy)).err
    assert err.strip() == (f"icsvc: error: refused: {busy} holds files and no site icsvc "
                           "built (no .icsvc-site.json); name a new or empty folder, or pass "
                           "--force to build into it")
    assert (busy / "index.html").read_text() == "someone else's page"
    store.ok("site", str(busy), "--force")
    assert "Internal services" in (busy / "index.html").read_text()
    store.ok("site", str(busy))  # a site now: no --force needed
    err = store.fails("site", str(store.root / "requests" / "web"), code=2).err
    assert "inside the store's requests/" in err
    afile = tmp_path / "file"
    afile.write_text("x")
    assert "is not a folder" in store.fails("site", str(afile), code=2).err
    err = store.fails("site", str(tmp_path / "x"), "--mail", "nobody", code=2).err
    assert "--mail: 'nobody' is not an email address" in err
    assert not (tmp_path / "x").exists()


def test_the_catalogue_says_how_to_ask(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(store, out, "--mail", "requests@example.com")
    html = (out / "catalogue.html").read_text()
    seen = text(html)
    assert 'href="mailto:requests@example.com"' in html
    assert "icsvc new -p engineering -s part-clarification -t \"What you need\" --info " \
           "order_number=... --info part_number=..." in seen
    assert "/issues/new" not in html  # no forms in the repository: no form links
    store.ok("forms", "--repo-url", "https://github.com/acme/services")
    build(store, out)
    html = (out / "catalogue.html").read_text()
    assert ('href="https://github.com/acme/services/issues/new?template='
            'icsvc-engineering.drawing-review.yml"') in html
    assert 'href="https://github.com/acme/services/issues/new/choose"' in html
    for words in ("Clarify a custom part's spec so an order ships right",
                  "order_number, part_number", "Acknowledge within", "30m", "4h",
                  "mon, tue, wed, thu, fri 09:00-17:00 America/New_York", "vp-eng@example.com"):
        assert words in text(html), words


def test_report_pages_are_the_reports(store: Store, tmp_path: Path) -> None:
    """A quarter's page shows what `icsvc report --quarter` writes as HTML, and a
    department's page what `--department` writes."""
    rid = store.new(*PART, "-t", "One", now="2026-11-23T10:00:00-05:00")
    store.ok("triage", rid, "--ack", actor=ANA, now="2026-11-23T11:00:00-05:00")
    store.new("-p", "payroll", "-s", "pay-correction", "-t", "Pay", "--info", "employee_id=E1",
              "--info", "pay_period=2026-11", actor="lee@example.com")
    out = tmp_path / "public"
    build(store, out)

    def body(html: str) -> str:
        return text(html.split("<h1>", 1)[1].split("</main>", 1)[0])

    for rel, args in (("reports/2026Q4/index.html", ()),
                      ("reports/2026Q4/dept-sales.html", ("--department", "sales")),
                      ("reports/2026Q3/index.html", ("--quarter", "2026Q3"))):
        target = tmp_path / f"{rel.replace('/', '-')}"
        quarter = () if "--quarter" in args else ("--quarter", "2026Q4")
        store.ok("report", *quarter, *args, "-o", str(target))
        assert body((out / rel).read_text()) == body(target.read_text()), rel
    html = (out / "reports/2026Q4/index.html").read_text()
    assert '<a href="dept-sales.html">sales</a>' in html
    assert 'href="dept-customer-service.html"' in (out / "reports/index.html").read_text() \
        .replace("2026Q4/", "")
    map_text = text((out / "map.html").read_text())
    assert "customer-service (1)" in map_text and "payroll (1)" in map_text


def test_serve_previews_the_site_on_this_machine(store: Store, tmp_path: Path) -> None:
    rid = store.new(*PART, "-t", "Served")
    out = tmp_path / "public"
    env = {**store.env, "ICSVC_NOW": NOW}
    assert ICSVC
    proc = subprocess.Popen([ICSVC, "site", str(out), "--serve", "--port", "0"],
                            cwd=store.root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_interruptible)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        served = next(line for line in lines if line.startswith("Serving "))
        url = re.search(r"http://127\.0\.0\.1:\d+/", served)
        assert url, lines
        with urllib.request.urlopen(url.group(0) + "index.html", timeout=10) as r:
            assert r.status == 200 and b"Internal services" in r.read()
        with urllib.request.urlopen(f"{url.group(0)}requests/2026-11/{rid}.html",
                                    timeout=10) as r:
            assert b"Served" in r.read()
        # bound to the loopback address: this machine's other address is not answered
        other = _own_address()
        if other is not None:
            port = int(url.group(0).rsplit(":", 1)[1].strip("/"))
            try:
                with socket.create_connection((other, port), timeout=5):
                    raise AssertionError(f"answered on {other}")
            except OSError:
                pass
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


def _interruptible() -> None:
    """Ctrl-C stops the server, as in a terminal, even when the tests themselves were
    started where SIGINT is ignored (a shell's background job: its children inherit it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _own_address() -> str | None:
    """This machine's address on its network (none when it only has the loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # (UDP: nothing is sent)
            address: str = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_serve_says_when_the_port_is_taken(store: Store, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        err = store.fails("site", str(tmp_path / "public"), "--serve", "--port",
                          str(port)).err
    assert f"--serve: cannot serve on port {port}: Address already in use" in err


def test_the_site_of_a_store_without_requests(store: Store, tmp_path: Path) -> None:
    data = build(store, tmp_path / "public")
    assert data["requests"] == 0
    report = text((tmp_path / "public/reports/2026Q4/index.html").read_text())
    assert "0 Requests made" in report
    assert "Nothing open." in text((tmp_path / "public/queues/engineering.html").read_text())
    assert "no requests made in the quarter" in text((tmp_path / "public/map.html").read_text())


def test_the_workflow_publishes_on_every_push_and_every_hour(store: Store,
                                                             tmp_path: Path) -> None:
    """The example workflow (`examples/`): a valid GitHub workflow that builds the site on
    every push to the default branch and on a schedule, keeps the built folder between runs
    (incremental builds) and publishes it to GitHub Pages; its build line runs as written."""
    import shlex

    import yaml

    from issue_helpers import REPO, schema_check

    workflow = REPO / "examples" / "github-pages-workflow.yml"
    result = schema_check("vendor.github-workflows", workflow)
    assert result.returncode == 0, result.stdout + result.stderr
    data = yaml.safe_load(workflow.read_text())
    triggers = data[True]  # YAML 1.1 reads `on` as true
    assert triggers["push"]["branches"] == ["main"] and "paths" not in triggers["push"]
    assert triggers["schedule"][0]["cron"]
    assert data["permissions"]["pages"] == "write"
    steps = data["jobs"]["site"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = [s["run"] for s in steps if "run" in s]
    built = next(r for r in runs if r.startswith("icsvc site "))
    out = shlex.split(built)[2]
    cached = [s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/cache")]
    assert cached == [out, out]
    assert uses.index("actions/cache/restore@v4") < uses.index("actions/cache/save@v4")
    pages = next(s for s in steps if s.get("uses") == "actions/upload-pages-artifact@v3")
    assert pages["with"]["path"] == out
    assert "actions/deploy-pages@v4" in uses
    # the line as the workflow runs it, twice (the second run as the cached folder's)
    store.new(*PART, "-t", "Published")
    args = shlex.split(built)[1:]
    assert args[0] == "site"
    store.ok(*args)
    assert (store.root / out / "index.html").is_file()
    again = json.loads(store.ok(*args, "--format", "json").out)
    assert again["written"] == 0
