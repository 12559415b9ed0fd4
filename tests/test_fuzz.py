"""Fuzz: every command, with generated options, against damaged stores.

A seeded generator (reproducible: the failing case prints its seed and arguments) picks a
command from the live CLI (so new options are fuzzed too), fills its options from pools of
hostile values (control characters, surrogates, huge and negative numbers, dates in year 1
and 9999, unknown names, empty values) and valid ones, and runs it in process against a
store with one damaged file at a time (truncated, garbage, an alias bomb, wrong types, a
FIFO, symlinks, a BOM, duplicate keys...). It asserts what every command promises:
- no traceback and no internal error: the exit code is 0, 1 or 2;
- no hang (each command gets a few seconds);
- a refused command leaves the tree byte-identical;
- every file a successful command wrote passes `icsvc check`.

A second, shorter run picks only the newer commands (the survey's, intake, notify, digest,
forms, codeowners, commit, sync, explain) and feeds `intake` generated event files (deep
nesting, huge numbers, dates out of range, lone surrogates, bytes that are not UTF-8) and
`notify`/`digest` a damaged `.icsvc/notify.json`; it also checks that `.git/config` never
changes and that no output option writes among the store's own files.

ICSVC_FUZZ_CASES sets the number of cases (default 2000, about a minute) and ICSVC_FUZZ_SEED
the seed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import PROVIDERS, Store, make_store, run_in_process
from test_docs import commands

PART = ["-p", "engineering", "-s", "part-clarification", "-t", "T",
        "--info", "order_number=1", "--info", "part_number=2"]
SKIPPED_COMMANDS = {"init", "merge-driver", "git-setup"}
"""Commands about the repository rather than requests (tested in test_git_workflow)."""
NEWER_COMMANDS = {"survey send", "survey answer", "intake", "notify", "digest", "forms",
                  "codeowners", "commit", "sync", "explain"}
"""The second run's commands."""
CASES = int(os.environ.get("ICSVC_FUZZ_CASES", "2000"))
NEWER_CASES = max(CASES // 5, 50)
NEWER_BUDGET = 25.0
SEED = int(os.environ.get("ICSVC_FUZZ_SEED", "20261124"))  # read before the tests clear ICSVC_*
TIME_BUDGET = 60.0
COMMAND_TIMEOUT = 20.0
TRACE = open(os.environ["ICSVC_FUZZ_TRACE"], "w") if os.environ.get(  # noqa: SIM115
    "ICSVC_FUZZ_TRACE") else None
"""ICSVC_FUZZ_TRACE=FILE writes each case before it runs (to find one that kills the run)."""

HOSTILE_TEXT = [
    "", " ", "x", "\x00", "\x1b[31mred", "a\nb", "a\rb", "tab\there", "é漢字🙂", "\u2028",
    "\x85", "\ufeff", "\udcff", "9" * 60, "-1", "nope", "../../etc/passwd", "%s%n", "'", '"',
    "#", ": ", "- x", "*a", "&a", "!!python/object:os.system", "{", "[", "x" * 3000,
    "null", "~", "yes", "no", "0x1f", "1e400", "NaN", "-inf",
]
NUMBERS = ["0", "1", "5", "-1", "100", "101", "1e309", "nan", "inf", "-inf", "1.5",
           "99999999999999999999", "abc", "", "9" * 5000]
DATES = ["today", "tomorrow", "fri", "friday", "+3d", "+2w", "+4h", "+99999d", "+9999w",
         "2026-12-01", "2026-02-30", "9999-12-31", "0001-01-01", "1969-12-31", "2201-01-01",
         "2200-12-31", "Dec 7", "3pm EST", "2026-11-24T10:00", "2026-11-24T10:00:00+14:00",
         "yesterday", "2026Q4", "9999Q4", "2026Q5", "0000Q1", "1969Q4", "2201Q1", "2200Q4",
         "1970Q1", "1h", "15m", "99999999d", "9" * 30 + "h", "0m", "1899-12-31T23:00:00Z",
         "2200-12-31T23:59:00-12:00", "1970-01-01T00:00:00+14:00", "9" * 5000]
REVS = ["HEAD", "HEAD~1", "HEAD~99999999999999999999", "-x", "--output=/tmp/x", "0" * 40,
        "main", "@{-1}", ":/x", "a..b", "\x00", ""]
"""Values of the git revision options (`notify --since/--until`, `sync --branch`)."""
PEOPLE = ["maria@example.com", "ana@example.com", "raj@example.com", "pat@example.com",
          "lee@example.com", "vp-eng@example.com", "nobody@example.com", "bad",
          "ana@example.com\n", "a@b", "ANA@EXAMPLE.COM", " ana@example.com "]
NAMES = ["engineering", "payroll", "nope", "ENGINEERING", "part-clarification",
         "drawing-review", "pay-correction", "new", "acknowledged", "in-progress",
         "waiting-on-customer", "resolved", "closed", "declined", "cancelled", "low", "normal",
         "high", "urgent", "sales", "customer-service", "json", "csv", "table", "markdown",
         "html", "github", "text"]
INFO = ["order_number=1", "part_number=2", "employee_id=7", "pay_period=2026-11", "=", "k=",
        "K=v", "x", "order_number=", "a b=c", "extra=" + "y" * 500]


def _value(rng: random.Random, param: Any, ids: list[str], tmp: Path,
           command: str = "") -> str:
    """A value for one option or argument (a Click parameter of the live CLI): hostile most
    of the time, valid some of it."""
    kind = type(param.type).__name__.removeprefix("Typer")
    name = (param.name or "").lower()
    if kind == "Choice" and rng.random() < 0.9:
        return str(rng.choice(list(param.type.choices)))
    if name == "event":
        return _event_file(rng, tmp)
    if kind == "Path" or name in ("output", "path"):
        store_root = tmp.parent / "store"
        return rng.choice([str(tmp / "out.txt"), str(tmp), str(tmp / "no" / "such" / "x"),
                           "", str(tmp / "out.html"), str(tmp / "out.txt"),
                           str(store_root / "providers.yaml"), str(store_root / ".git"),
                           str(store_root / ".git" / "config"), "requests/engineering/o.md",
                           "./x/../Requests/o.md", str(store_root / ".icsvc" / "o.json"),
                           "surveys", "PROVIDERS.YAML"])  # (no NUL: argv cannot hold one)
    if (command in ("notify", "sync") and name in ("since", "until", "branch", "remote")
            and rng.random() < 0.8):
        return rng.choice(REVS if name != "remote" else [".", "origin", "nope", "../x", "-x"])
    if kind in ("IntParamType", "FloatParamType", "IntRange", "FloatRange"):
        return rng.choice(NUMBERS if rng.random() < 0.4 else ["1", "3", "5", "40", "100"])
    if name in ("request_id", "id"):
        rid = rng.choice(ids)
        return rng.choice([rid, rid[:4].lower(), rid[:3], "ZZZZ", rid + "X", *HOSTILE_TEXT[:6]])
    if rng.random() < 0.3:
        return rng.choice(HOSTILE_TEXT)
    if any(k in name for k in ("date", "since", "until", "promise", "needed", "quarter")):
        return rng.choice(DATES)
    if any(k in name for k in ("assign", "actor", "as")):
        return rng.choice(PEOPLE)
    if name == "info":
        return rng.choice(INFO)
    if any(k in name for k in ("progress", "cost", "rating")):
        return rng.choice(NUMBERS)
    if any(k in name for k in ("title", "note", "reason", "comment", "details", "need_info",
                               "decline", "justification")):
        return rng.choice(["Fine", "Two\nlines", "Ünïcödé 🙂", "  padded  ", "x" * 300])
    return rng.choice(NAMES)


def _arguments(rng: random.Random, name: str, command: Any, ids: list[str],
               tmp: Path) -> list[str]:
    args = name.split()
    for param in command.params:
        if param.name in ("help", "store"):
            continue
        if param.param_type_name == "argument":
            if param.required or rng.random() < 0.5:
                count = 1 if param.nargs == 1 else rng.randint(0, 2)
                args.extend(_value(rng, param, ids, tmp, name) for _ in range(count))
            continue
        option = rng.choice(list(param.opts))
        if param.required or rng.random() < 0.35:
            if getattr(param, "is_flag", False):
                args.append(rng.choice(list(param.opts) + list(param.secondary_opts or [])))
                continue
            for _ in range(rng.randint(1, 2) if getattr(param, "multiple", False) else 1):
                args.extend([option, _value(rng, param, ids, tmp, name)])
    return args


# -- damage ----------------------------------------------------------------------------------

BOMB = ("x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(f"x-{c}: &{c} [" + ", ".join([f"*{p}"] * 9) + "]\n"
                  for p, c in zip("abcdefg", "bcdefgh", strict=True)))


def _damages(rng: random.Random) -> list[Callable[[str], str | bytes]]:
    def truncate(t: str) -> str:
        return t[: rng.randrange(len(t))]

    def garbage(t: str) -> bytes:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))

    def swap(old: str, new: str) -> Callable[[str], str]:
        return lambda t: t.replace(old, new, 1)

    return [
        truncate, garbage, lambda t: "", lambda t: "\ufeff# hand edited\n" + t,
        lambda t: t.replace("\n", "\r\n"), lambda t: t + BOMB,
        swap("status: ", "status: [1, 2]\nx: "), swap("history:", "history: {}\nold:"),
        swap("created_at: ", "created_at: yesterday\nx: "), swap("title: ", "title: 5\nx: "),
        swap("  resolve: ", "  resolve: 99999999w\n  x: "),
        swap("created_at: 2026", "created_at: 9999"), swap("title:", "title: a\ntitle:"),
        swap("history:\n", "history:\n# a comment in the history\n"),
        lambda t: t + "- at: 2026-11-24T10:00:00-05:00\n  by: a@example.com\n  type: note\n"
        "  note: " + "[" * 400 + "]" * 400 + "\n",
        swap("id: ", "id: ZZZZZZZZ\nx: "), swap("provider: engineering", "provider: payroll"),
        lambda t: t.encode("utf-8") + b"\xff\xfe",
    ]


@contextmanager
def _damaged(rng: random.Random, store: Store, ids: list[str], tmp: Path) -> Iterator[str]:
    """Damage one thing in the store for the duration of the block; says what."""
    kind = rng.random()
    folder = store.root / "requests" / "engineering"
    if kind < 0.15:
        yield "nothing"
        return
    if kind < 0.3:
        extra = folder / f"{rng.choice(['F1F0F1F0', '2ER02ER0', '0VTS1DE0', 'D1RD1RD1'])}.yaml"
        what = rng.choice(["fifo", "zero", "outside", "folder"])
        if os.path.lexists(extra):  # left by a command that put it in a commit (icsvc commit)
            shutil.rmtree(extra) if extra.is_dir() and not extra.is_symlink() else extra.unlink()
        if what == "fifo":
            os.mkfifo(extra)
        elif what == "zero":
            extra.symlink_to("/dev/zero")
        elif what == "outside":
            (tmp / "outside.yaml").write_text(store.request_file(ids[0]).read_text())
            extra.symlink_to(tmp / "outside.yaml")
        else:
            extra.mkdir()
        try:
            yield what
        finally:
            shutil.rmtree(extra) if extra.is_dir() and not extra.is_symlink() else extra.unlink()
        return
    target = (store.root / "providers.yaml" if kind < 0.4
              else store.request_file(rng.choice(ids)))
    saved = target.read_bytes()
    damage = rng.choice(_damages(rng))
    changed = damage(saved.decode("utf-8"))
    target.write_bytes(changed if isinstance(changed, bytes) else changed.encode("utf-8",
                                                                                 "replace"))
    try:
        yield f"{target.name}: {getattr(damage, '__name__', 'edit')}"
    finally:
        if target.exists():
            target.write_bytes(saved)


class Hang(BaseException):
    """A command ran past its time."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang


# -- event files and the notification record ------------------------------------------------

PEOPLE_YAML = "people:\n  maria@example.com:\n    github: maria-acme\n"
"""So an issue event's author is known and intake reaches the request's rules."""
TIMES = ["2026-11-24T15:00:00Z", "2026-11-20T09:00:00-05:00", "1900-01-01T00:00:00Z",
         "1969-12-31T23:00:00Z", "1970-01-01T01:00:00+02:00", "9999-12-31T23:59:59Z",
         "0001-01-01T00:00:00+00:00", "2200-12-31T23:00:00-12:00", "2026-11-24T15:00:00",
         "yesterday", 1700000000, None, ["2026"]]
LABELS = {"service": "Service", "title": "Title", "order": "Order number",
          "part": "Part number", "needed": "Needed by", "priority": "Priority",
          "justification": "Justification", "cost": "Cost of a lapse"}


DEEP = "@deep@"
"""Stands in an event for a value nested too deep to build as Python (`_deep`)."""


def _deep(rng: random.Random) -> str:
    """JSON text nesting lists and objects past the bound, up to far past Python's stack."""
    depth = rng.choice([65, 70, 200, 1500, 100000])
    opening = "".join(rng.choice(['[', '{"a":']) for _ in range(depth))
    closing = "".join("]" if c == "[" else "}" for c in reversed(opening.replace('{"a":', "{")))
    return opening + rng.choice(["1", '"x"', "null", "[]", "{}"]) + closing


def _event(rng: random.Random) -> dict[str, Any]:
    """An `issues` or `issue_comment` event for engineering/part-clarification, with some of
    its values hostile."""
    answers = {
        "service": rng.choice(["engineering/part-clarification", "engineering/nope", "x",
                               "engineering/drawing-review", ""]),
        "order": rng.choice(["SO-1", "", "_No response_", *HOSTILE_TEXT[:8]]),
        "part": rng.choice(["P-2", "\x00", "x" * 70000]),
        "needed": rng.choice(DATES + ["_No response_"]),
        "priority": rng.choice(["normal", "urgent", "nope", ""]),
        "justification": rng.choice(["", "because", "\u2028"]),
        "cost": rng.choice(NUMBERS + ["$1,200", "€ 9" * 3]),
    }
    body = "\n\n".join(f"### {LABELS[k]}\n\n{v}" for k, v in answers.items()
                       if rng.random() < 0.9)
    issue: dict[str, Any] = {
        "number": rng.choice([7, 1, 0, -1, 2**31 - 1, 2**31, 10**30, "7", 7.0, True, None]),
        "title": rng.choice(["[engineering/part-clarification] Bore", *HOSTILE_TEXT[:10]]),
        "body": rng.choice([body, body, None, 5, ["x"]]),
        "user": rng.choice([{"login": "maria-acme"}, {"login": "maria-acme"},
                            {"login": "octocat"}, {"login": None}, "maria-acme", None]),
        "created_at": rng.choice(TIMES),
        "updated_at": rng.choice(TIMES),
        "html_url": rng.choice(["https://github.com/acme/requests/issues/7", 5, None]),
        "labels": rng.choice([[{"name": "icsvc"}], [], None, [[1]], "icsvc"]),
        "state": rng.choice(["open", "open", "closed", None, 3]),
    }
    event: dict[str, Any] = {"action": rng.choice(["opened", "edited", "created", 5]),
                             "issue": issue}
    if rng.random() < 0.3:
        event["comment"] = {"body": rng.choice(["/icsvc retry", "hello", None]),
                            "created_at": rng.choice(TIMES)}
    if rng.random() < 0.15:
        event[rng.choice(["repository", "issue", "comment"])] = DEEP
    return event


def _event_file(rng: random.Random, tmp: Path) -> str:
    """A file for `intake --event`: an event with hostile values, or hostile JSON."""
    path = tmp / f"event-{rng.randrange(10**9)}.json"
    kind = rng.random()
    if kind < 0.55:
        text = json.dumps(_event(rng), ensure_ascii=rng.random() < 0.5)
        text = text.replace(f'"{DEEP}"', _deep(rng))
        if rng.random() < 0.15:  # a long number or a lone surrogate where a value was
            text = text.replace('"number": 7', '"number": ' + "9" * rng.choice([30, 5000]), 1)
            text = text.replace("Bore", "Bore\\ud800", 1)
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        return str(path)
    depth = rng.choice([65, 1000, 100000])
    choices: list[str | bytes] = [
        "[" * depth + "]" * depth, '{"issue":' * depth + "1" + "}" * depth,
        '{"issue": {"number": ' + "9" * 5000 + "}}", '{"issue": {"number": NaN}}',
        '{"issue": {"number": 1e999}}', '"\\ud800"', "", "{", "null", "[]", "7",
        b'{"issue": {"title": "\xff\xfe"}}', b"\xef\xbb\xbf{}",
        '{"issue": ' + json.dumps({"x": "y" * (5 * 1024 * 1024)}) + "}",
    ]
    content = rng.choice(choices)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return str(rng.choice([path, path, path, tmp, tmp / "missing.json"]))


RECORDS = [
    "[" * 100000 + "]" * 100000, '{"sent":' * 5000 + "{}" + "}" * 5000,
    '{"rev": ' + "9" * 5000 + "}", '{"time": "9999-12-31T00:00:00+00:00"}',
    '{"time": "0001-01-01T00:00:00+00:00"}', '{"time": "2026-01-01T00:00:00"}',
    '{"time": 5}', '{"sent": [1, 2]}', '{"sent": {"a": 5}}', '{"rev": "--output=/tmp/x"}',
    '{"rev": ["HEAD"]}', "null", "[]", "{", "", '{"time": NaN}',
]
"""`.icsvc/notify.json` as a crash, a hand edit or an attacker may leave it."""


@contextmanager
def _damaged_record(rng: random.Random, store: Store) -> Iterator[str]:
    path = store.root / ".icsvc" / "notify.json"
    path.parent.mkdir(exist_ok=True)
    content = rng.choice(RECORDS + [b"\xff\xfe\x00"])
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    try:
        yield f"notify.json: {content[:30]!r}"
    finally:
        path.unlink(missing_ok=True)


# -- the runs --------------------------------------------------------------------------------


def _leaf_commands() -> dict[str, Any]:
    """Every command of the live CLI, a group's commands by their full name (`survey send`)."""
    out: dict[str, Any] = {}
    for name, command in commands().items():
        subcommands = getattr(command, "commands", None)
        if subcommands:
            out.update({f"{name} {sub}": cmd for sub, cmd in subcommands.items()})
        else:
            out[name] = command
    return out


def _fuzz_store(root: Path) -> tuple[Store, list[str], str]:
    """The store the runs use: three requests in several states, git set up, committed."""
    store = make_store(root, PROVIDERS + PEOPLE_YAML)
    ids = [store.new(*PART)]
    ids.append(store.new("-p", "payroll", "-s", "pay-correction", "-t", "Pay",
                         "--info", "employee_id=7", "--info", "pay_period=2026-11"))
    ids.append(store.new("-p", "engineering", "-s", "drawing-review", "-t", "Draw",
                         "--needed-by", "2026-12-10", "--cost", "1200"))
    store.ok("triage", ids[2], "--ack", "--promise", "2026-12-01", actor="ana@example.com")
    store.ok("update", ids[2], "--status", "resolved", "--note", "done", actor="ana@example.com")
    store.ok("git-setup")
    store.git("add", "-A")
    store.git("commit", "-qm", "fuzz start")
    return store, ids, store.git("rev-parse", "HEAD").strip()


def _fuzz(store: Store, ids: list[str], start: str, out_dir: Path, names: list[str],
          cases_wanted: int, budget: float, seed: int, records: bool) -> dict[int, int]:
    """Run generated cases until `cases_wanted` or `budget` seconds; the exit codes seen."""
    from icsvc.store.validate import check_store

    rng = random.Random(seed)
    cli = _leaf_commands()
    tmp = out_dir.parent
    protected = {p: p.read_bytes() for p in (store.root / ".git" / "config",
                                             store.root / ".gitattributes")}
    began = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, _on_alarm)
    cases = 0
    counts = {0: 0, 1: 0, 2: 0}
    try:
        while cases < cases_wanted and time.monotonic() - began < budget:
            if cases % 40 == 39:  # start again from the first commit now and then
                subprocess.run(["git", "reset", "-q", "--hard", start], cwd=store.root,
                               check=True)
                subprocess.run(["git", "clean", "-fdq", "requests", "surveys"],
                               cwd=store.root, check=True)
            damage = (_damaged_record(rng, store) if records and rng.random() < 0.3
                      else _damaged(rng, store, ids, tmp))
            with damage as what:
                for _ in range(rng.randint(1, 2)):
                    cases += 1
                    name = rng.choice(names)
                    args = _arguments(rng, name, cli[name], ids, out_dir)
                    env = dict(store.env)
                    env["ICSVC_USER"] = rng.choice(PEOPLE[:7])
                    if rng.random() < 0.1:
                        env["ICSVC_NOW"] = rng.choice(DATES[9:20] + ["garbage", ""])
                    if rng.random() < 0.1:
                        env["COLUMNS"] = rng.choice(["abc", "0", "-3", "5", "100000"])
                    before = store.snapshot()
                    theirs = (out_dir / "out.txt").read_bytes()
                    if TRACE:
                        print(f"case {cases}: {what}: {args!r}", file=TRACE, flush=True)
                    signal.setitimer(signal.ITIMER_REAL, COMMAND_TIMEOUT)
                    try:
                        result = run_in_process(args, env, store.root, "")
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    where = f"case {cases} (damage: {what}): icsvc {args!r}"
                    assert "Hang" not in result.err, f"{where} ran over {COMMAND_TIMEOUT}s"
                    assert result.code in (0, 1, 2), f"{where}: exit {result.code}\n{result.err}"
                    assert "Traceback" not in result.err, f"{where}\n{result.err}"
                    for path, data in protected.items():
                        assert path.read_bytes() == data, f"{where} changed {path.name}"
                    if "--force" not in args:  # an existing output file is never replaced
                        assert (out_dir / "out.txt").read_bytes() == theirs, where
                    counts[result.code] += 1
                    after = store.snapshot()
                    if result.code != 0:
                        assert after == before, f"{where}: refused but changed the tree"
                        continue
                    written = {p for p in after if after[p] != before.get(p)}
                    stray = sorted(p for p in written if p == "providers.yaml" or not
                                   p.startswith(("requests/", "surveys/", ".github/")))
                    assert not stray, f"{where} wrote {stray}"
                    if written:
                        problems = [p.format() for p in check_store(_store(store.root))
                                    if p.path in written]
                        assert not problems, f"{where} wrote files check refuses: {problems}"
    finally:
        signal.signal(signal.SIGALRM, old_handler)
    print(f"{cases} cases in {time.monotonic() - began:.0f}s; exit codes {counts}")
    assert cases >= min(cases_wanted, 50)
    return counts


def test_fuzz_commands_against_damaged_stores(tmp_path: Path) -> None:
    store, ids, start = _fuzz_store(tmp_path / "store")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "out.txt").write_text("someone else's file\n")
    names = sorted(n for n in _leaf_commands() if n.split()[0] not in SKIPPED_COMMANDS)
    counts = _fuzz(store, ids, start, out_dir, names, CASES, TIME_BUDGET, SEED, records=False)
    assert counts[0] and counts[1] and counts[2]


def test_fuzz_newer_commands_event_files_and_the_record(tmp_path: Path) -> None:
    """The newer commands alone, with hostile event files, quarters, revisions, output
    paths and notification records: never an internal error."""
    store, ids, start = _fuzz_store(tmp_path / "store")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "out.txt").write_text("someone else's file\n")
    names = sorted(n for n in _leaf_commands() if n in NEWER_COMMANDS)
    assert len(names) == len(NEWER_COMMANDS), names
    counts = _fuzz(store, ids, start, out_dir, names, NEWER_CASES, NEWER_BUDGET, SEED + 1,
                   records=True)
    assert counts[1] and counts[2]


def _store(root: Path) -> Any:
    from icsvc.store.store import Store as CoreStore

    return CoreStore(root)
