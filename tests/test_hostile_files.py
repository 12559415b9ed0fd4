"""One file must not break every command: bounded loading, non-regular files, symlinks,
files whose id or folder disagree with their path, duplicates, and temp files.

Each damaged file is refused by `check` with its path, and skipped with a one-line warning
by every listing, which serves the rest.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import PROVIDERS, Store

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]
MEMBER = "ana@example.com"
LISTINGS = (["list", "--all", "-f", "json"], ["queue", "engineering", "-f", "json"],
            ["report", "-f", "json"])


def two_requests(store: Store) -> tuple[str, str]:
    return store.new(*PART), store.new(*PART)


def assert_served_without(store: Store, good: str, bad_path: str) -> None:
    """Every listing serves `good` and warns, in one line, about `bad_path`."""
    for args in LISTINGS:
        r = store.ok(*args)
        assert "Traceback" not in r.err
        warnings = [ln for ln in r.err.splitlines() if bad_path in ln]
        assert warnings and all(ln.startswith("warning: ") for ln in warnings), (args, r.err)
        if args[0] != "report":
            assert good in {d["id"] for d in r.json()}, args
    r = store.fails("check")
    assert bad_path in r.out


BILLION_LAUGHS = """\
  note: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


@pytest.mark.parametrize(("damage", "message"), [
    (lambda t: t + "- at: 2026-11-24T10:00:00-05:00\n  by: a@example.com\n  type: note\n"
     + BILLION_LAUGHS.replace("  note:", "  x:", 1), "anchors and aliases"),
    (lambda t: t.replace("title: T\n", "title: &t T\ndetails: *t\n"), "anchors and aliases"),
    (lambda t: t.replace("title: T\n", "title: !!binary aGVsbG8=\n"), "tag"),
    (lambda t: t.replace("title: T\n", "title: T\ntitle: U\n"), "duplicate key 'title'"),
    (lambda t: t.replace("  resolve: 2d", "  resolve: 99999999w"), "too long"),
    (lambda t: t.replace("created_at: 2026-11-24T10:00:00-05:00",
                         "created_at: 9999-11-24T10:00:00-05:00"), "out of range"),
    (lambda t: t.replace("created_at: 2026-11-24T10:00:00-05:00",
                         "created_at: '0001-11-24T10:00:00-05:00'"), "out of range"),
    (lambda t: t + "# " + "x" * 300_000 + "\n", "too big"),
    (lambda t: t.replace("title: T\n", "impact:\n  cost: .nan\ntitle: T\n"), "out of range"),
    (lambda t: t.replace("title: T\n", "impact:\n  cost: -5\ntitle: T\n"), "out of range"),
    (lambda t: t.replace("  email: maria@example.com", '  email: "maria@example.com\\n"'),
     "not an email address"),
    # a number Python refuses to print (over 4,300 digits) stopped every command
    (lambda t: t.replace("title: T\n", "title: T\nprogress: " + "9" * 5000 + "\n"),
     "is too long a number (accepted: up to 100 digits)"),
    (lambda t: t.replace("title: T\n", "title: T\nsource:\n  github_issue: 0x" + "f" * 5000
                         + "\n"), "is too long a number"),
])
def test_a_bounded_file_is_refused_by_check_and_skipped_by_listings(
        store: Store, damage: object, message: str) -> None:
    good, bad = two_requests(store)
    path = store.request_file(bad)
    path.write_text(damage(path.read_text()))  # type: ignore[operator]
    assert_served_without(store, good, f"requests/engineering/{bad}.yaml")
    assert message in store.fails("check").out
    r = store.fails("show", bad)
    assert r.err.startswith("icsvc: error: requests/engineering/") and message in r.err
    before = store.snapshot()
    store.fails("update", bad, "--note", "x", actor=MEMBER)
    assert store.snapshot() == before


def test_a_billion_laughs_in_providers_yaml_is_refused_quickly(store: Store) -> None:
    text = PROVIDERS + "settings:\n  at_risk: 25\n" + "x-bomb:\n" + BILLION_LAUGHS
    (store.root / "providers.yaml").write_text(text)
    r = store.fails("check")
    assert "aliases expand this document" in r.out
    store.fails("list")


def test_providers_yaml_may_share_a_block_through_an_alias(store: Store) -> None:
    text = PROVIDERS.replace("    sla:\n      urgent: {acknowledge: 1h, resolve: 1d}",
                             "    sla: &uk_sla\n      urgent: {acknowledge: 1h, resolve: 1d}")
    text = text.replace("    members: [pat@example.com]\n    escalation: cfo@example.com\n",
                        "    members: [pat@example.com]\n    escalation: cfo@example.com\n", 1)
    text += ("  hr:\n    name: HR\n    calendar: uk\n    members: [pat@example.com]\n"
             "    escalation: cfo@example.com\n    sla: *uk_sla\n    services:\n"
             "      letter:\n        description: A letter\n")
    (store.root / "providers.yaml").write_text(text)
    store.ok("check")
    assert "HR" in store.ok("sla", "hr").out


@pytest.mark.parametrize(("old", "new", "message"), [
    ("        lead_time: 3d", "        lead_time: 300w", "too long"),
    ("    holidays: [2026-11-26, 2026-12-25]", "    holidays: [2026-11-26, 9999-12-25]",
     "out of range"),
    ("    timezone: America/New_York", "    timezone: America/New_York\n    timezone: UTC",
     "duplicate key 'timezone'"),
])
def test_providers_yaml_bounds(store: Store, old: str, new: str, message: str) -> None:
    (store.root / "providers.yaml").write_text(PROVIDERS.replace(old, new))
    assert message in store.fails("check").out
    assert message in store.fails("sla").err


def test_a_huge_providers_yaml_is_refused(store: Store) -> None:
    (store.root / "providers.yaml").write_text(PROVIDERS + "#" + "x" * (2 * 1024 * 1024))
    assert "too big" in store.fails("check").out


def test_fifos_devices_and_symlinks_out_of_the_store_are_skipped_unopened(
        store: Store, tmp_path: Path) -> None:
    good = store.new(*PART)
    folder = store.root / "requests" / "engineering"
    os.mkfifo(folder / "F1F0F1F0.yaml")  # a reader that opened it would block forever
    (folder / "2ER02ER0.yaml").symlink_to("/dev/zero")
    outside = tmp_path / "outside.yaml"
    outside.write_text(store.request_file(good).read_text())
    (folder / "0VTS1DE0.yaml").symlink_to(outside)
    for args in LISTINGS:
        r = store.icsvc(*args)
        assert r.code == 0, r.err
        assert "F1F0F1F0" in r.err and "2ER02ER0" in r.err and "0VTS1DE0" in r.err
    out = store.fails("check").out
    assert "F1F0F1F0.yaml:1: not a regular file (a FIFO)" in out
    assert "2ER02ER0.yaml:1: a symlink leading out of the store (to /dev/zero)" in out
    assert "0VTS1DE0.yaml:1: a symlink leading out of the store" in out
    assert "a FIFO" in store.fails("show", "F1F0F1F0").err
    assert "out of the store" in store.fails("show", "0VTS1DE0").err
    # a symlink to another file inside the store is read like a plain file
    (folder / "0VTS1DE0.yaml").unlink()
    r = store.ok("list", "-f", "json")
    assert [d["id"] for d in r.json()] == [good]


def test_a_symlinked_providers_yaml_leading_out_of_the_store_is_refused(
        store: Store, tmp_path: Path) -> None:
    outside = tmp_path / "catalogue.yaml"
    shutil.copy(store.root / "providers.yaml", outside)
    (store.root / "providers.yaml").unlink()
    (store.root / "providers.yaml").symlink_to(outside)
    assert "out of the store" in store.fails("check").out


def test_a_file_whose_id_differs_from_its_name_is_never_written_through(store: Store) -> None:
    victim, other = two_requests(store)
    folder = store.root / "requests" / "engineering"
    copy = "ZZZZ" + victim[4:] if not victim.startswith("ZZZZ") else "YYYY" + victim[4:]
    shutil.copy(folder / f"{victim}.yaml", folder / f"{copy}.yaml")  # a hand copy
    before = store.snapshot()
    r = store.fails("update", copy, "--note", "x", actor=MEMBER)
    assert f"its id {victim} differs from its file name {copy}.yaml" in r.err
    assert store.snapshot() == before
    out = store.fails("check").out
    assert f"does not match the file name {copy}.yaml" in out
    assert "duplicate ID" in out
    store.ok("update", other, "--note", "other requests still work", actor=MEMBER)


def test_a_file_in_another_providers_folder_is_never_written_through(store: Store) -> None:
    rid = store.new(*PART)
    path = store.request_file(rid)
    wrong = store.root / "requests" / "payroll" / path.name
    wrong.parent.mkdir()
    path.rename(wrong)
    before = store.snapshot()
    r = store.fails("update", rid, "--note", "x", actor=MEMBER)
    assert "it is in requests/payroll/ but its provider is 'engineering'" in r.err
    assert store.snapshot() == before
    assert "move it to requests/engineering/" in store.fails("check").out


def interrupted_redirect(store: Store, journal: bool = True) -> tuple[str, Path, Path]:
    """A redirect stopped after writing the new file, before removing the old one (and its
    journal, which the redirect writes first)."""
    rid = store.new(*PART)
    old = store.request_file(rid)
    kept = old.read_text()
    store.ok("triage", rid, "--redirect", "payroll", "--note", "Pay is Payroll's",
             actor=MEMBER)
    new = store.request_file(rid)
    old.write_text(kept)
    if journal:
        (store.root / ".icsvc" / "redirect.journal").write_text(
            f'{{"to": "requests/payroll/{rid}.yaml", "from": "requests/engineering/{rid}.yaml"}}')
    return rid, old, new


def test_an_interrupted_redirect_is_finished_by_the_next_writer(store: Store) -> None:
    rid, old, new = interrupted_redirect(store)
    other = store.new(*PART)
    assert not old.exists() and new.exists()
    rid2, old2, new2 = interrupted_redirect(store)
    # readers use the new copy and say the next writer finishes it
    r = store.ok("show", rid2, "-f", "json")
    assert r.json()["provider"] == "payroll"
    listed = store.ok("list", "-f", "json")
    assert [d["id"] for d in listed.json()].count(rid2) == 1
    assert "interrupted redirect" in listed.err
    assert "interrupted redirect" in store.fails("check").out
    r = store.ok("update", other, "--note", "hello", actor=MEMBER)
    assert "finished the interrupted redirect" in r.err and rid2 in r.err
    assert not old2.exists() and new2.exists()
    store.ok("check")
    # without its journal (copied in by hand, say), the next writer of that request does it
    rid3, old3, new3 = interrupted_redirect(store, journal=False)
    store.ok("update", other, "--note", "again", actor=MEMBER)
    assert old3.exists()
    r = store.ok("update", rid3, "--note", "hello", actor="pat@example.com")
    assert "finished the interrupted redirect" in r.err and not old3.exists()
    store.ok("check")


def test_the_same_id_in_two_places_otherwise_is_a_duplicate(store: Store) -> None:
    rid = store.new(*PART)
    path = store.request_file(rid)
    twin = store.root / "requests" / "payroll" / path.name
    twin.parent.mkdir()
    twin.write_text(path.read_text().replace("provider: engineering", "provider: payroll")
                    .replace("service: part-clarification", "service: pay-correction"))
    assert "duplicate ID" in store.fails("check").out
    assert "is in 2 places" in store.fails("show", rid).err
    before = store.snapshot()
    store.fails("update", rid, "--note", "x", actor=MEMBER)
    assert store.snapshot() == before


def test_stray_temp_files_are_reported_and_removed_by_the_next_writer(store: Store) -> None:
    rid = store.new(*PART)
    temp = store.request_file(rid).parent / f".{rid}.yaml.1a2b3c4d.tmp"
    temp.write_text("half a fi")
    out = store.fails("check").out
    assert f".{rid}.yaml.1a2b3c4d.tmp:1: a temp file left by an interrupted write" in out
    assert temp.name not in store.git("status", "--porcelain")  # ignored by .gitignore rules
    store.ok("list")
    assert temp.exists()  # readers leave it
    r = store.ok("update", rid, "--note", "x", actor=MEMBER)
    assert "removed" in r.err and not temp.exists()
    store.ok("check")


def test_a_symlinked_derived_folder_is_not_used(store: Store, tmp_path: Path) -> None:
    rid = store.new(*PART)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(store.root / ".icsvc")
    (store.root / ".icsvc").symlink_to(elsewhere)
    r = store.ok("list", "-f", "json")
    assert [d["id"] for d in r.json()] == [rid] and "not using the index" in r.err
    r = store.fails("update", rid, "--note", "x", actor=MEMBER)
    assert ".icsvc is a symlink" in r.err
    assert list(elsewhere.iterdir()) == []
    assert ".icsvc is a symlink" in store.fails("check").out


@pytest.mark.parametrize("size", [0, 1, 99_999, 100_000, 100_001, 250_000])
def test_a_file_is_read_whole_up_to_its_limit_and_refused_beyond(tmp_path: Path,
                                                                 size: int) -> None:
    """`read_store_file` reads the size the file has, then on to its end: every byte up to
    the limit, and a file one byte over it is refused."""
    from icsvc.errors import ValidationError
    from icsvc.store.files import FileKind, read_store_file

    kind = FileKind("a test file", 100_000, aliases=False)
    path = tmp_path / "f.yaml"
    text = ("é" * size)[:size // 2] + "x" * (size - 2 * (size // 2))  # two bytes per é
    path.write_text(text)
    assert path.stat().st_size == size
    if size <= kind.max_bytes:
        assert read_store_file(path, kind) == text
    else:
        with pytest.raises(ValidationError, match="too big"):
            read_store_file(path, kind)


PROC_FILE = Path("/proc/self/status")


@pytest.mark.skipif(not PROC_FILE.is_file() or PROC_FILE.stat().st_size != 0,
                    reason="needs a regular file whose size says less than it holds")
def test_a_file_holding_more_than_its_size_says_is_read_to_its_end_or_refused() -> None:
    """A file that grew after its size was taken is read on to its end, and refused once
    past the limit: Linux's /proc files say 0 bytes and hold more, every time."""
    from icsvc.errors import ValidationError
    from icsvc.store.files import FileKind, read_store_file

    whole = read_store_file(PROC_FILE, FileKind("a test file", 100_000, aliases=False))
    assert len(whole) > 100 and whole.startswith("Name:") and whole.endswith("\n")
    with pytest.raises(ValidationError, match="too big"):
        read_store_file(PROC_FILE, FileKind("a test file", 100, aliases=False))


def test_a_huge_number_in_providers_yaml_is_refused(store: Store) -> None:
    (store.root / "providers.yaml").write_text(PROVIDERS + "settings:\n  at_risk: "
                                               + "9" * 5000 + "\n")
    assert "is too long a number (accepted: up to 100 digits)" in store.fails("check").out
    assert "is too long a number" in store.fails("list").err


@pytest.mark.parametrize("record", [
    "[" * 100_000 + "]" * 100_000, '{"sent":' * 5000 + "{}" + "}" * 5000,
    '{"rev": ' + "9" * 5000 + "}", '{"time": "9999-12-31T00:00:00+00:00"}',
    '{"time": "0001-01-01T00:00:00+00:00"}', '{"time": "2026-01-01T00:00:00"}',
    '{"sent": [1, 2]}', '{"rev": ["HEAD"]}', '{"rev": "--output=/tmp/x"}', "[]", "{",
])
def test_a_damaged_notification_record_is_one_clear_error(store: Store, record: str) -> None:
    """`.icsvc/notify.json` nested too deep, holding a 5,000-digit number or a time out of
    range was an internal error; each is now a one-line refusal saying to fix or delete it."""
    store.new(*PART)
    store.git("add", "-A")
    store.git("commit", "-qm", "a request")
    path = store.root / ".icsvc" / "notify.json"
    path.write_text(record)
    for args in (["notify", "--dry-run"], ["digest", "daily", "--dry-run"],
                 ["digest", "weekly", "--dry-run"]):
        r = store.fails(*args)
        assert r.err.startswith(f"icsvc: error: {path}: cannot read the record of "
                                "notifications sent ("), r.err
        assert r.err.endswith("); fix or delete it (deleting it may send recent events "
                              "again)\n") and len(r.err.splitlines()) == 1
    path.unlink()
    store.ok("digest", "daily", "--dry-run")


def test_a_damaged_redirect_journal_stops_no_writer(store: Store) -> None:
    """The journal of a redirect in progress, nested past the parser's stack, made every
    command that writes an internal error."""
    rid = store.new(*PART)
    (store.root / ".icsvc" / "redirect.journal").write_text("[" * 5000)
    store.ok("update", rid, "--note", "still works", actor=MEMBER)
    store.ok("check")


# -- names that are not UTF-8, and folders that cannot be listed ------------------------------

ODD_NAME = b"AB\xff\xfeCD.yaml"
ODD_SHOWN = "AB\\xff\\xfeCD.yaml"
"""How every message shows it: the bytes that are not UTF-8 escaped, on one line."""


def _commit_all(store: Store) -> None:
    from git_helpers import base_commit

    base_commit(store, "files")


def test_a_committed_name_that_is_not_utf8_is_skipped_by_every_listing(store: Store) -> None:
    """A request file (and a provider folder, and a survey answer) whose name is not UTF-8,
    committed: every listing, the index refresh (first by looking at every file, then
    through git) and the survey folders skip it with a one-line warning showing the path
    escaped, and serve every other request; `check` reports each."""
    good = store.new(*PART)
    good_path = store.request_file(good)
    text = good_path.read_bytes()
    engineering = os.fsencode(store.root / "requests" / "engineering")
    with open(engineering + b"/" + ODD_NAME, "wb") as f:
        f.write(text)
    odd_folder = os.fsencode(store.root / "requests") + b"/pay\xe9"
    os.mkdir(odd_folder)
    with open(odd_folder + b"/" + os.fsencode(f"{good}.yaml"), "wb") as f:
        f.write(text)
    answers = os.fsencode(store.root / "surveys" / "2026Q4" / "engineering")
    os.makedirs(answers)
    with open(answers + b"/\xffmaria@example.com.yaml", "w") as f:
        f.write("not read\n")
    _commit_all(store)
    wanted = [f"requests/engineering/{ODD_SHOWN}", "requests/pay\\xe9"]
    for args in (["list", "-f", "json"], ["list", "-f", "json"], ["queue", "engineering"],
                 ["report", "--quarter", "2026Q4"], ["survey", "send", "-q", "2026Q4"],
                 ["show", good], ["update", good, "--note", "still served"]):
        r = store.icsvc(*args, actor=MEMBER, script=True, timeout=60)
        assert r.code == 0 and "Traceback" not in r.err, (args, r.err)
        if args[0] in ("list", "queue", "report", "survey"):
            for shown in wanted:
                lines = [ln for ln in r.err.splitlines() if shown in ln]
                assert lines and all(ln.startswith("warning: skipped ") for ln in lines), (
                    args, r.err)
                assert "not UTF-8" in lines[0]
        if args[:2] == ["list", "-f"]:
            assert [d["id"] for d in r.json()] == [good]
    assert "still served" in good_path.read_text()
    report = store.icsvc("report", "--quarter", "2026Q4", script=True, timeout=60)
    assert "surveys/2026Q4/engineering/\\xffmaria@example.com.yaml" in report.err
    r = store.icsvc("check", script=True, timeout=60)
    assert r.code == 1 and "Traceback" not in r.err
    assert f"requests/engineering/{ODD_SHOWN}:1: the name is not UTF-8 text" in r.out
    assert "requests/pay\\xe9:1: the name is not UTF-8 text" in r.out
    assert "surveys/2026Q4/engineering/\\xffmaria@example.com.yaml:1: the name is not UTF-8" \
        in r.out
    # and once renamed, nothing is left to say
    os.rename(engineering + b"/" + ODD_NAME, engineering + b"/renamed.txt")
    os.rename(odd_folder, os.fsencode(store.root / "elsewhere"))
    os.rename(answers + b"/\xffmaria@example.com.yaml", answers + b"/x.txt")
    r = store.icsvc("list", script=True, timeout=60)
    assert r.code == 0 and "UTF-8" not in r.err, r.err
    assert store.icsvc("check", script=True, timeout=60).code == 0


@pytest.mark.parametrize(("folder", "kind"), [
    (folder, kind) for folder in ("requests", "requests/engineering", "surveys")
    for kind in ("file", "fifo", "dangling symlink")
    if (folder, kind) != ("requests/engineering", "file")  # a README.md is no folder to list
])
def test_a_folder_that_cannot_be_listed_is_an_error_not_ok(store: Store, folder: str,
                                                           kind: str) -> None:
    """`requests/` (or a provider folder, or `surveys/`) that is not a folder icsvc can list:
    `check` fails with one line naming it (it said "ok ... 0 request file(s)"), listings
    warn. (A folder without read permission is the same case; see the next test.)"""
    good = store.new(*PART)
    path = store.root / folder
    if folder != "surveys":
        moved = store.root.parent / "moved"
        shutil.move(path, moved)
    if kind == "file":
        path.write_text("not a folder\n")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(store.root / "nowhere")
    r = store.icsvc("check", script=True, timeout=60)
    assert r.code == 1, (r.out, r.err)
    lines = r.out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{folder}:1: "), r.out
    assert "ok" not in r.err
    r = store.icsvc("report", script=True, timeout=60)
    assert r.code == 0 and f"warning: skipped {folder}: " in r.err, r.err
    if folder != "surveys":
        r = store.icsvc("list", "-f", "json", script=True, timeout=60)
        assert r.code == 0 and f"warning: skipped {folder}: " in r.err, r.err
        assert good not in r.out


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its permissions "
                    "(the other kinds of unlistable folder are tested above)")
@pytest.mark.parametrize("folder", ["requests", "requests/engineering", "surveys"])
def test_a_folder_without_read_permission_is_an_error(store: Store, folder: str) -> None:
    store.new(*PART)
    (store.root / "surveys").mkdir()
    path = store.root / folder
    path.chmod(0)
    try:
        r = store.icsvc("check", script=True, timeout=60)
        assert r.code == 1 and f"{folder}:1: cannot read the folder" in r.out, r.out
        r = store.icsvc("list", script=True, timeout=60)
        if folder != "surveys":
            assert "warning: skipped" in r.err and "Permission denied" in r.err, r.err
    finally:
        path.chmod(0o755)


# -- what is in .icsvc/ -------------------------------------------------------------------------

DERIVED_FILES = ("clock", "write.lock", "write.lock.holder", "redirect.journal",
                 "notify.json", "notify.journal", "notify.lock", "allowed_signers",
                 ".gitignore", "index.sqlite")
SIGNING_PEOPLE = """\
people:
  ana@example.com:
    signing_keys:
    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests ana@laptop
"""


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
@pytest.mark.parametrize("name", DERIVED_FILES)
def test_a_fifo_or_symlink_in_the_derived_folder_never_hangs_or_writes_outside(
        tmp_path: Path, name: str, kind: str) -> None:
    """A FIFO in place of a derived file used to block the command forever (the clock, the
    lock's holder, the notification record); a symlink made icsvc write where it leads.
    Now what icsvc can make again is replaced, the record it must not lose is refused with
    a message, and nothing outside the store is read or written."""
    from conftest import make_store
    from git_helpers import base_commit

    store = make_store(tmp_path / "store", PROVIDERS + SIGNING_PEOPLE
                       + 'notify:\n  default: "json://127.0.0.1:9/never-called"\n')
    rid = store.new(*PART)
    base_commit(store, "a request")
    store.ok("notify", "--since", "HEAD")  # the first run: nothing to send, a record made
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    derived = store.root / ".icsvc"
    path = derived / name
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(outside)
    for args in (["list"], ["update", rid, "--note", "n"], ["git-setup"],
                 ["notify", "--since", "HEAD"], ["check"]):
        r = store.icsvc(*args, actor=MEMBER, script=True, timeout=30)
        assert "Traceback" not in r.err
        if name == "notify.json" and args[0] == "notify":
            assert r.code == 1
            assert r.err == (f"icsvc: error: {path}: a {kind.replace('fifo', 'FIFO')}, not the "
                             "record of notifications sent (icsvc neither reads nor follows "
                             "it); delete it (deleting it may send recent events again)\n")
        else:
            assert r.code == 0, (args, r.err)
    assert outside.read_text() == "precious\n"
    assert not outside.is_symlink() and outside.is_file()
    if name in ("clock", "write.lock.holder", ".gitignore", "allowed_signers"):
        assert path.is_file() and not path.is_symlink()  # made again
    if name == ".gitignore":
        assert path.read_text().splitlines()[-1] == "*"
    assert "still" not in outside.read_text()


def test_commit_leaves_out_a_name_that_is_not_utf8(store: Store) -> None:
    from git_helpers import git

    good = store.new(*PART)
    engineering = os.fsencode(store.root / "requests" / "engineering")
    with open(engineering + b"/" + ODD_NAME, "wb") as f:
        f.write(store.request_file(good).read_bytes())
    r = store.icsvc("commit", actor="maria@example.com", script=True, timeout=60)
    assert r.code == 0, r.err
    assert r.out.splitlines()[1:3] == [
        f"  requests/engineering/{good}.yaml",
        f"Left out requests/engineering/{ODD_SHOWN}: the name is not UTF-8 text; icsvc does "
        "not read it (rename it)"]
    committed = git(store, "show", "--name-only", "--format=", "HEAD").stdout.split()
    assert committed == [f"requests/engineering/{good}.yaml"]
    data = store.icsvc("commit", "-f", "json", actor="maria@example.com", script=True)
    assert data.code == 1 and "nothing to commit" in data.err  # the odd file is never taken


def test_a_history_that_gives_a_request_to_an_unknown_provider_is_one_clear_line(
        store: Store) -> None:
    """A history edited by hand to redirect a request to a provider the catalogue does
    not name: every listing serves the other requests and skips it with one warning, the
    commands about that request refuse it in one line naming the provider, `check`
    refuses the file (it was an internal error in listings, `show` and `explain`)."""
    good, bad = two_requests(store)
    path = store.request_file(bad)
    path.write_text(path.read_text() + (
        "- at: 2026-11-24T10:00:00-05:00\n  by: ana@example.com\n  type: redirect\n"
        "  from: engineering\n  to: ghost\n"))
    rel = str(path.relative_to(store.root))
    assert_served_without(store, good, rel)
    assert "ghost" in store.ok("list", "--all", "-f", "csv").err
    for args in (["show", bad], ["explain", bad]):
        r = store.fails(*args)
        assert r.code == 1 and "Traceback" not in r.err, (args, r.err)
        assert len(r.err.strip().splitlines()) == 1 and "'ghost'" in r.err, (args, r.err)
