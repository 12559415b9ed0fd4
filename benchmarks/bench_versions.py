"""Benchmark: two versions of icsvc on the same commands, paired (the speed page's tables).

    python benchmarks/bench_versions.py BASE [--new REV] --store DIR [--runs 15]
                                        [--work DIR] [--cold] COMMAND...

BASE and REV are git revisions of this repository (the new version: the work tree as it
is, by default; an option, so that a command is never taken for a revision). Each version
runs from its own source (a detached `git worktree` of the revision, its bytecode compiled
first, put first on `PYTHONPATH`), with this Python and its installed dependencies, on its
own clone of the store DIR (a git repository): the two keep indexes of different shapes,
and a clone's git index is up to date, where a copy's is not (git then reads every file at
each look). Each COMMAND (quoted: `"queue -f csv"`) runs once per version to warm its
index, then in interleaved rounds, BASE first in odd rounds and the new version first in
even ones, so both see the same load on a shared machine; a command that writes
(`update`) changes both clones alike. `--cold` instead times each command in a fresh clone
of the store every run (the first `queue` after a clone, `check` in a fresh clone).

Prints the machine, then per command the median wall-clock and processor times (user plus
system, from `wait4`, children included) of each version and their ratios, as a markdown
table, and the machine's floors at the end (Python's own start, importing Typer): how fast
the shared machine was. Nothing is asserted: speed is measured, not tested. The worktrees
stay in `--work` for the next run (delete the folder, then `git worktree prune`).
"""

from __future__ import annotations

import argparse
import compileall
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_taskwarrior import ENV, Run, load, machine, run  # noqa: E402


def source(revision: str | None, work: Path) -> Path:
    """The `src` folder of `revision` (a worktree under `work`, made when it is not there
    yet), or of this work tree (None), compiled."""
    if revision is None:
        src = ROOT / "src"
    else:
        commit = subprocess.run(["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
                                cwd=ROOT, capture_output=True, text=True, check=True)
        sha = commit.stdout.strip()
        tree = work / f"icsvc-{sha[:12]}"
        if not tree.is_dir():
            subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree), sha],
                           cwd=ROOT, check=True)
        src = tree / "src"
    compileall.compile_dir(str(src), quiet=1)
    return src


def clone(store: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(store), str(target)], check=True)
    return target


def timed(src: Path, where: Path, command: list[str]) -> Run:
    env = {**ENV, "PYTHONPATH": str(src)}
    return run([sys.executable, "-m", "icsvc", *command], where, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the revision to compare against")
    parser.add_argument("--new", help="the revision to measure (default: the work tree as "
                                      "it is)")
    parser.add_argument("--store", type=Path, required=True, help="a store in a git "
                                                                  "repository")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--work", type=Path, default=Path("/tmp/icsvc-bench-versions"))
    parser.add_argument("--cold", action="store_true",
                        help="each run in a fresh clone of the store")
    parser.add_argument("commands", nargs="+", metavar="COMMAND")
    args = parser.parse_intermixed_args()  # (options anywhere, as the usage shows)
    args.work.mkdir(parents=True, exist_ok=True)
    if "PYTHONDONTWRITEBYTECODE" in os.environ:
        print("note: PYTHONDONTWRITEBYTECODE is set: the versions' bytecode is compiled "
              "here, but measure without it", file=sys.stderr)
    versions = {"base": source(args.base, args.work), "new": source(args.new, args.work)}
    commands = [shlex.split(c) for c in args.commands]
    stores = {name: args.work / f"store-{name}" for name in versions}
    if not args.cold:
        for name, src in versions.items():
            clone(args.store, stores[name])
            for command in commands:
                timed(src, stores[name], command)  # its index built and warm
    results: dict[tuple[str, str], list[Run]] = {}
    for i in range(args.runs):
        order = list(versions) if i % 2 == 0 else list(reversed(versions))
        for command in commands:
            for name in order:
                if args.cold:
                    clone(args.store, stores[name])
                results.setdefault((" ".join(command), name), []).append(
                    timed(versions[name], stores[name], command))
    print(machine())
    print(f"\n{args.base} (base) against {args.new or 'the work tree'} (new), medians of "
          f"{args.runs} interleaved paired runs{' in fresh clones' if args.cold else ''}:\n")
    print("| command | base wall | new wall | new / base | base cpu | new cpu | new / base |")
    print("|---|---|---|---|---|---|---|")
    for command in commands:
        text = " ".join(command)
        base, new = results[(text, "base")], results[(text, "new")]
        bw, nw = (statistics.median(r.seconds for r in x) for x in (base, new))
        bc, nc = (statistics.median(r.cpu for r in x) for x in (base, new))
        print(f"| `{text}` | {bw:.3f} s | {nw:.3f} s | {nw / bw:.2f}x | {bc:.3f} s | "
              f"{nc:.3f} s | {nc / bc:.2f}x |")
    floors = {what: statistics.median(
        run([sys.executable, "-c", code], ROOT, ENV).seconds for _ in range(5))
        for what, code in (("Python's own start", "pass"), ("importing Typer", "import typer"))}
    print("\nThe machine's floors now: " + ", ".join(
        f"{what} {seconds:.3f} s" for what, seconds in floors.items())
        + f"; {load()}; {time.strftime('%Y-%m-%d %H:%M')}.")


if __name__ == "__main__":
    main()
