"""Benchmark: icsvc against Taskwarrior on the same data shape (the README's speed table).

    python benchmarks/bench_taskwarrior.py [--requests 100000] [--runs 5] [--work DIR]
                                           [--cold] [--small]

Makes (or reuses, in --work) an icsvc store of N requests with `bench_store.generate`
(5% open, 5 providers, 18 months), committed to git, and a Taskwarrior database of N tasks of
the same shape (5% pending, 5 projects, the rest completed or deleted). Then runs each pair of
commands (`icsvc queue` / `task next`, ...) in interleaved rounds (icsvc first in odd rounds,
Taskwarrior first in even ones, so both see the same load on a shared machine) and prints the
median wall-clock time, the peak memory (the child's own maximum resident set, from `wait4`)
and the ratio, as a markdown table, after a description of the machine.

`--cold` also times a cold start: `git clone` of the store, then the first `icsvc queue`
(the index is built from scratch), `icsvc check` in a fresh clone, and `icsvc check --base`
on a branch that changes 5 requests. `--small` times every command's start on the small
example store of this repository. Nothing here is asserted: speed is measured, not tested.
Taskwarrior (`task`) must be on PATH for the comparison; without it only icsvc is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_store  # noqa: E402

NOW = "2026-11-24T15:00:00-05:00"
ENV = {"ICSVC_NOW": NOW, "ICSVC_USER": "bench@example.com", "PATH": "/usr/bin:/bin",
       "HOME": "/nonexistent", "LANG": "C.UTF-8", "GIT_AUTHOR_NAME": "bench",
       "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench",
       "GIT_COMMITTER_EMAIL": "bench@example.com"}
PROJECTS = ["engineering", "payroll", "it", "facilities", "legal"]


def icsvc_exe() -> str:
    return shutil.which("icsvc", path=str(Path(sys.executable).parent)) or "icsvc"


@dataclass
class Run:
    seconds: float
    max_rss_kb: int
    code: int
    cpu: float = 0.0
    """User plus system seconds (from `wait4`): steadier than wall time on a loaded machine."""


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """One command, output discarded (a pipe: plain output, as in a script), timed from
    fork to exit; its own peak memory from `wait4`."""
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            err.seek(0)
            print(f"warning: {' '.join(argv)} exited {proc.returncode}: "
                  f"{err.read().decode(errors='replace')[:500]}", file=sys.stderr)
    return Run(elapsed, usage.ru_maxrss, proc.returncode, usage.ru_utime + usage.ru_stime)


# -- the data --------------------------------------------------------------------------------

def make_store(folder: Path, count: int, open_share: float) -> Path:
    """An icsvc store of `count` requests, committed to git (reused when present)."""
    store = folder / (f"store-{count}" if open_share == 0.05 else f"store-{count}-{open_share}")
    if (store / ".git").is_dir():
        return store
    shutil.rmtree(store, ignore_errors=True)
    store.mkdir(parents=True)
    bench_store.generate(store, count, open_share)
    for argv in (["git", "init", "-q"], ["git", "add", "-A"],
                 ["git", "commit", "-q", "-m", "store"]):
        subprocess.run(argv, cwd=store, env=ENV, check=True)
    return store


def make_tasks(folder: Path, count: int, open_share: float) -> Path:
    """A Taskwarrior data folder of `count` tasks: `open_share` pending, the rest completed
    or deleted, 5 projects, created over 18 months (written in its own file format, as
    `task import` would leave it, in a second instead of an hour)."""
    data = folder / f"tasks-{count}"
    if (data / "pending.data").is_file():
        return data
    data.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    start = 1748786400  # 2025-06-01 09:00 -05:00
    pending, completed = [], []
    for n in range(count):
        entry = start + rng.randrange(0, 60 * 24 * 540) * 60
        is_open = rng.random() < open_share
        status = "pending" if is_open else rng.choice(["completed"] * 5 + ["deleted"])
        fields = {"description": f"Request {n}", "entry": str(entry),
                  "modified": str(entry + 7200), "project": rng.choice(PROJECTS),
                  "status": status, "uuid": str(uuid.UUID(int=rng.getrandbits(128)))}
        if not is_open:
            fields["end"] = str(entry + 7200)
        line = "[" + " ".join(f'{k}:{json.dumps(v)}' for k, v in sorted(fields.items())) + "]"
        (pending if is_open else completed).append(line)
    (data / "pending.data").write_text("\n".join(pending) + "\n")
    (data / "completed.data").write_text("\n".join(completed) + "\n")
    (data / "undo.data").write_text("")
    (data / "backlog.data").write_text("")
    return data


def task_env(folder: Path, data: Path) -> dict[str, str]:
    rc = folder / f"taskrc-{data.name}"
    rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\n"
                  "news.version=2.6.2\ncolor=off\n")
    return {**ENV, "TASKRC": str(rc)}


# -- the pairs -------------------------------------------------------------------------------

@dataclass
class Pair:
    label: str
    icsvc: list[str]
    task: list[str] | None
    goal: str = ""
    results: dict[str, list[Run]] = field(default_factory=lambda: {"icsvc": [], "task": []})


def pairs(store: Path) -> list[Pair]:
    open_id = next(r["id"] for r in _open_requests(store, 1))
    return [
        Pair("`queue` (warm) vs `task next`", ["queue", "-f", "csv"], ["next"]),
        Pair("`queue -p legal` (one provider)", ["queue", "-p", "legal", "-f", "csv"], None),
        Pair("`list` (open) vs `task list`", ["list", "-f", "csv"], ["list"]),
        Pair("`list --all` vs `task all`", ["list", "--all", "-f", "csv"], ["all"]),
        Pair("`show ID` vs `task N info`", ["show", open_id[:6]], ["1", "info"]),
        Pair("`update ID --note` vs `task N annotate`",
             ["update", open_id[:6], "--note", "still on it", "--as", _provider_member(store)],
             ["1", "annotate", "still on it"]),
        Pair("`report` (warm) vs `task summary`", ["report", "-f", "json"], ["summary"]),
    ]


def _open_requests(store: Path, count: int) -> list[dict[str, str]]:
    out = []
    for path in sorted((store / "requests" / "legal").glob("*.yaml")):
        text = path.read_text()
        if "status: new" in text or "status: in-progress" in text:
            out.append({"id": path.stem, "path": str(path)})
            if len(out) == count:
                break
    return out


def _provider_member(store: Path) -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from icsvc.store import yamlio

    return str(yamlio.load((store / "providers.yaml").read_text())["providers"]["legal"]
               ["members"][0])


def measure(store: Path, tasks: Path | None, folder: Path, runs: int) -> list[Pair]:
    exe = icsvc_exe()
    env = dict(ENV)
    tenv = task_env(folder, tasks) if tasks is not None else {}
    todo = pairs(store)
    for _ in range(2):  # warm: the index is built, then git's look confirms its rows
        run([exe, "list", "--all", "-f", "csv"], store, env)
    if tasks is not None:
        run(["task", "next"], folder, tenv)
    for round_ in range(runs):
        for pair in todo:
            sides: list[tuple[str, Callable[[], Run]]] = [
                ("icsvc", lambda p=pair: run([exe, *p.icsvc], store, env))]
            if tasks is not None and pair.task is not None:
                sides.append(("task", lambda p=pair: run(["task", *(p.task or [])], folder,
                                                         tenv)))
            if round_ % 2:
                sides.reverse()
            for name, go in sides:
                pair.results[name].append(go())
    return todo


# -- cold start ------------------------------------------------------------------------------

def cold(store: Path, folder: Path, runs: int) -> list[tuple[str, list[Run]]]:
    exe = icsvc_exe()
    out: list[tuple[str, list[Run]]] = [("`git clone` then the first `queue`", []),
                                        ("`check` in a fresh clone", []),
                                        ("`check --base main` (a branch changing 5 requests)",
                                         [])]
    for n in range(runs):
        clone = folder / f"clone-{n}"
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(store), str(clone)], check=True, env=ENV)
        out[0][1].append(run([exe, "queue", "-f", "csv"], clone, ENV))
        shutil.rmtree(clone)
        subprocess.run(["git", "clone", "-q", str(store), str(clone)], check=True, env=ENV)
        out[1][1].append(run([exe, "check"], clone, ENV))
        branch_base = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=clone,
                                     check=True, env=ENV, capture_output=True, text=True
                                     ).stdout.strip()
        subprocess.run(["git", "checkout", "-q", "-b", "five"], cwd=clone, check=True, env=ENV)
        member = _provider_member(clone)
        for request in _open_requests(clone, 5):
            run([exe, "update", request["id"], "--note", "on it", "--as", member], clone, ENV)
        subprocess.run(["git", "commit", "-q", "-am", "five"], cwd=clone, check=True, env=ENV)
        out[2][1].append(run([exe, "check", "--base", branch_base], clone, ENV))
        shutil.rmtree(clone)
    return out


def scaling(small_store: Path, large_store: Path, runs: int
            ) -> list[tuple[str, list[Run], list[Run]]]:
    """The same commands on two stores with the same backlog (open requests) and ten times
    the closed ones: what a command costs should follow what it shows."""
    exe = icsvc_exe()
    out = []
    for label, args in (("`show ID`", ["show"]), ("`update ID --note`", ["update"]),
                        ("`queue -p legal`", ["queue", "-p", "legal", "-f", "csv"])):
        sides: list[tuple[Path, list[Run]]] = [(small_store, []), (large_store, [])]
        for store, _ in sides:
            for _ in range(2):
                run([exe, "list", "--all", "-f", "csv"], store, ENV)
        for round_ in range(runs):
            for store, results in (sides if round_ % 2 == 0 else sides[::-1]):
                rid = next(r["id"] for r in _open_requests(store, 1))
                argv = list(args)
                if argv[0] == "show":
                    argv.append(rid[:6])
                elif argv[0] == "update":
                    argv += [rid[:6], "--note", "on it", "--as", _provider_member(store)]
                results.append(run([exe, *argv], store, ENV))
        out.append((label, sides[0][1], sides[1][1]))
    return out


TYPER_APP = """
import sys, typer
app = typer.Typer()
def version(value: bool) -> None:
    if value:
        print("0")
        raise typer.Exit()
@app.command()
def main(v: bool = typer.Option(False, "--version", callback=version, is_eager=True)) -> None:
    pass
app()
"""
"""Typer's own floor: the smallest app that answers --version."""


def small(runs: int) -> list[tuple[str, list[Run]]]:
    """Each command's start on the example store of this repository (30 requests)."""
    exe = icsvc_exe()
    work = Path(tempfile.mkdtemp(prefix="icsvc-small-"))
    try:
        shutil.copytree(ROOT / "requests", work / "requests")
        shutil.copy(ROOT / "providers.yaml", work / "providers.yaml")
        some = sorted((work / "requests" / "engineering").glob("*.yaml"))[0].stem
        commands = [["--help"], ["--version"], ["list"], ["queue", "engineering"],
                    ["show", some], ["sla"], ["report"], ["check"], ["list", "--help"],
                    ["queue", "-f", "csv"], ["list", "-f", "csv"], ["show", some, "-f", "json"]]
        floors = [("(floor) python -c pass", [sys.executable, "-c", "pass"]),
                  ("(floor) python -c 'import typer'", [sys.executable, "-c", "import typer"]),
                  ("(floor) a one-command Typer app's --version",
                   [sys.executable, "-c", TYPER_APP, "--version"])]
        out: list[tuple[str, list[Run]]] = [(" ".join(c), []) for c in commands]
        out += [(label, []) for label, _ in floors]
        argvs = [[exe, *c] for c in commands] + [argv for _, argv in floors]
        run([exe, "list"], work, ENV)
        for _ in range(runs):
            for (_, results), argv in zip(out, argvs, strict=True):
                results.append(run(argv, work, ENV))
        return out
    finally:
        shutil.rmtree(work)


# -- report ----------------------------------------------------------------------------------

def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        mem_gb = f"{int(mem) / 1024 / 1024:.0f} GB RAM"
    except OSError:
        mem_gb = "RAM unknown"
    task = (subprocess.run(["task", "--version"], capture_output=True, text=True).stdout.strip()
            if shutil.which("task") else "not installed")
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores "
            f"(shared), {mem_gb}; Python {platform.python_version()}, {git}, "
            f"Taskwarrior {task}; {load()}")


def load() -> str:
    """The machine's load now: a shared machine's figures are read against it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cores"


def med(results: list[Run]) -> float:
    return statistics.median(r.seconds for r in results)


def cpu(results: list[Run]) -> float:
    return statistics.median(r.cpu for r in results)


def peak(results: list[Run]) -> float:
    return max(r.max_rss_kb for r in results) / 1024


def table(todo: list[Pair]) -> str:
    lines = ["| command | icsvc | Taskwarrior | ratio | icsvc cpu | Taskwarrior cpu | "
             "icsvc peak memory |", "|---|---|---|---|---|---|---|"]
    for pair in todo:
        ours, theirs = pair.results["icsvc"], pair.results["task"]
        t = f"{med(theirs):.3f} s" if theirs else "-"
        ratio = f"{med(ours) / med(theirs):.2f}x" if theirs else "-"
        tcpu = f"{cpu(theirs):.3f} s" if theirs else "-"
        lines.append(f"| {pair.label} | {med(ours):.3f} s | {t} | {ratio} | "
                     f"{cpu(ours):.3f} s | {tcpu} | {peak(ours):.0f} MB |")
    return "\n".join(lines)


def goals(count: int, small_rows: list[tuple[str, list[Run]]] | None,
          warm: list[Pair] | None, cold_rows: list[tuple[str, list[Run]]] | None) -> str:
    """The issue's table of goals: each row's figure from this run (medians), its goal and
    whether it is met; a row this run did not measure says how to measure it."""
    lines = ["| measure | measured | goal | |", "|---|---|---|---|"]

    def row(what: str, measured: str, goal: str, met: bool | None) -> None:
        verdict = "-" if met is None else ("met" if met else "missed")
        lines.append(f"| {what} | {measured} | {goal} | {verdict} |")

    def pair(prefix: str) -> Pair | None:
        return next((p for p in warm or [] if p.label.startswith(prefix)), None)

    def ratio(p: Pair) -> float | None:
        theirs = p.results["task"]
        return med(p.results["icsvc"]) / med(theirs) if theirs else None

    if small_rows:
        mine = [(label, med(r)) for label, r in small_rows if not label.startswith("(floor)")]
        worst = max(mine, key=lambda lr: lr[1])
        floor = next((med(r) for label, r in small_rows if "Typer app" in label), 0.0)
        row("any read command on a small store; `--version`; a command's `--help`",
            f"{min(s for _, s in mine):.3f}-{worst[1]:.3f} s (slowest: `{worst[0]}`; "
            f"Typer's own floor {floor:.3f} s)", "<= 0.12 s", worst[1] <= 0.12)
    else:
        row("any command on a small store", "not measured (--small)", "<= 0.12 s", None)
    if warm and count <= 10_000:
        four = [pair(f"`{c}") for c in ("queue` (warm)", "list` (open)", "show", "update")]
        secs = [med(p.results["icsvc"]) for p in four if p is not None]
        row(f"warm {count:,}: `queue`, `list`, `show`, `update --note`",
            ", ".join(f"{s:.3f}" for s in secs) + " s", "<= 0.15 s", max(secs) <= 0.15)
    if warm and count >= 100_000:
        for prefix in ("`queue` (warm)", "`list` (open)"):
            p = pair(prefix)
            if p is None:
                continue
            r, s = ratio(p), med(p.results["icsvc"])
            shown = f"{s:.3f} s" + (f" ({r:.2f}x)" if r is not None else "")
            row(f"warm {count:,}: {prefix}", shown, "<= 0.7x and <= 0.30 s",
                s <= 0.30 and (r is None or r <= 0.7))
        for prefix, goal in (("`show", 0.15), ("`update", 0.20)):
            p = pair(prefix)
            if p is not None:
                s = med(p.results["icsvc"])
                row(f"{count:,}: {prefix}`", f"{s:.3f} s", f"<= {goal:.2f} s", s <= goal)
        p = pair("`report`")
        if p is not None:
            r, s = ratio(p), med(p.results["icsvc"])
            row(f"{count:,}: `report` (a quarter)",
                f"{s:.3f} s" + (f" ({r:.2f}x `task summary`)" if r is not None else ""),
                "<= 0.6 s and <= 1x `task summary`", s <= 0.6 and (r is None or r <= 1))
    if cold_rows:
        for (label, results), goal in zip(cold_rows[:2], (8.0, 15.0), strict=True):
            s = med(results)
            row(f"{count:,}: {label}", f"{s:.1f} s", f"<= {goal:.0f} s", s <= goal)
    else:
        row("first command after `git clone`; `check` in a fresh clone",
            "not measured (--cold)", "<= 8 s; <= 15 s", None)
    runs = [r for p in warm or [] for r in p.results["icsvc"]]
    runs += [r for _, rs in cold_rows or [] for r in rs]
    if runs:
        top = max(r.max_rss_kb for r in runs) / 1024
        row(f"peak memory, any command at {count:,}", f"{top:.0f} MB", "<= 150 MB",
            top <= 150)
    return "\n".join(lines)


def simple(rows: list[tuple[str, list[Run]]]) -> str:
    lines = ["| command | median | min | max | cpu (median) | peak memory |",
             "|---|---|---|---|---|---|"]
    for label, results in rows:
        secs = [r.seconds for r in results]
        lines.append(f"| {label} | {statistics.median(secs):.3f} s | {min(secs):.3f} s | "
                     f"{max(secs):.3f} s | {cpu(results):.3f} s | {peak(results):.0f} MB |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--open-share", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=5, help="paired rounds (default 5)")
    parser.add_argument("--work", type=Path, help="keep the generated data here (reused)")
    parser.add_argument("--cold", action="store_true", help="also time a cold start")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold starts (default 3)")
    parser.add_argument("--small", action="store_true",
                        help="also time each command on the small example store")
    parser.add_argument("--no-warm", action="store_true", help="skip the paired table")
    parser.add_argument("--scaling", action="store_true",
                        help="also compare 10,000 requests with --requests requests holding "
                             "the same backlog (the same number open)")
    args = parser.parse_args()
    folder = args.work or Path(tempfile.mkdtemp(prefix="icsvc-vs-task-"))
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    small_rows = warm = cold_rows = None
    if args.small:
        print("\nsmall store (30 requests), medians of", args.runs, "runs:\n")
        small_rows = small(args.runs)
        print(simple(small_rows))
    if args.requests and not args.no_warm:
        store = make_store(folder, args.requests, args.open_share)
        tasks = (make_tasks(folder, args.requests, args.open_share)
                 if shutil.which("task") else None)
        print(f"\n{args.requests} requests ({args.open_share:.0%} open), medians of "
              f"{args.runs} interleaved paired runs:\n")
        warm = measure(store, tasks, folder, args.runs)
        print(table(warm))
    if args.cold:
        store = make_store(folder, args.requests, args.open_share)
        print(f"\ncold start, {args.requests} requests, medians of {args.cold_runs} runs:\n")
        cold_rows = cold(store, folder, args.cold_runs)
        print(simple(cold_rows))
    print(f"\nagainst the goals ({load()} at the end):\n")
    print(goals(args.requests, small_rows, warm, cold_rows))
    if args.scaling:
        few = make_store(folder, 10_000, args.open_share)
        many = make_store(folder, args.requests, args.open_share * 10_000 / args.requests)
        print(f"\nthe same backlog ({args.open_share * 10_000:.0f} open), 10,000 and "
              f"{args.requests} requests, medians of {args.runs} interleaved runs:\n")
        lines = ["| command | 10,000 | " + f"{args.requests:,}" + " | ratio |",
                 "|---|---|---|---|"]
        for label, a, b in scaling(few, many, args.runs):
            lines.append(f"| {label} | {med(a):.3f} s | {med(b):.3f} s | "
                         f"{med(b) / med(a):.2f}x |")
        print("\n".join(lines))
    if args.work is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
