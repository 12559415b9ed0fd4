"""Benchmark: how icsvc behaves on a large store (default 100,000 requests).

    python benchmarks/bench_store.py [--requests N] [--open-share 0.05] [--keep DIR]

Generates a store of N request files (spread over providers and 18 months; 5% of them open
by default), then times the installed `icsvc` script: --help, show by ID prefix, list (cold,
then with the derived cache), filtered listings, queue, report and check. Prints a table of
wall-clock seconds. Nothing here is asserted: speed is measured, not tested.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from icsvc.domain import ids  # noqa: E402
from icsvc.store import yamlio  # noqa: E402

OPEN = ["new", "acknowledged", "in-progress", "waiting-on-customer"]
DONE = ["resolved", "closed", "closed", "closed", "declined", "cancelled"]
PATHS = {
    "new": [], "acknowledged": ["acknowledged"], "in-progress": ["acknowledged", "in-progress"],
    "waiting-on-customer": ["acknowledged", "waiting-on-customer"],
    "resolved": ["acknowledged", "in-progress", "resolved"],
    "closed": ["acknowledged", "in-progress", "resolved", "closed"],
    "declined": ["declined"], "cancelled": ["cancelled"],
}
"""The status changes that lead to each status (each a valid move, by whom may make it)."""


def generate(root: Path, count: int, open_share: float) -> None:
    shutil.copy(ROOT / "examples" / "acme" / "providers.yaml", root / "providers.yaml")
    providers = yamlio.load((root / "providers.yaml").read_text())["providers"]
    rng = random.Random(7)
    start = datetime(2025, 6, 1, 9, tzinfo=timezone(timedelta(hours=-5)))
    names = list(providers)
    taken: set[str] = set()
    for _ in range(count):
        pid = rng.choice(names)
        prov = providers[pid]
        sid = rng.choice(list(prov["services"]))
        member = prov["members"][0]
        rid = ids.new_id(taken)
        taken.add(rid)
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 540))
        status = rng.choice(OPEN if rng.random() < open_share else DONE)
        history = [{"at": created, "by": "someone@example.com", "type": "created"}]
        at, previous = created, "new"
        for step in PATHS[status]:
            at += timedelta(minutes=rng.randrange(20, 60 * 30))
            by = "someone@example.com" if step in ("closed", "cancelled") else member
            entry = {"at": at, "by": by, "type": "status", "from": previous, "to": step}
            if step in ("resolved", "declined", "cancelled"):
                entry["note"] = f"{step} after review"
            history.append(entry)
            previous = step
        data = {
            "id": rid, "title": f"Request {rid}", "provider": pid, "service": sid,
            "status": status, "priority": "normal", "requested_priority": "normal",
            "customer": {"email": "someone@example.com", "department": "sales"},
            "created_at": created,
            "info": dict.fromkeys(prov["services"][sid].get("requires", []), "x") or None,
            "targets": {k: str(v) for k, v in prov["sla"]["normal"].items()},
            "history": history,
        }
        data = {k: v for k, v in data.items() if v is not None}
        folder = root / "requests" / pid
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{rid}.yaml").write_text(yamlio.dump(data))


def timed(label: str, args: list[str], root: Path, results: list[tuple[str, float]]) -> None:
    exe = shutil.which("icsvc") or str(Path(sys.executable).parent / "icsvc")
    env = {"ICSVC_NOW": "2026-11-24T15:00:00-05:00", "PATH": "/usr/bin:/bin",
           "ICSVC_USER": "bench@example.com"}
    began = time.perf_counter()
    proc = subprocess.run([exe, *args], cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if proc.returncode not in (0, 1):
        print(proc.stderr, file=sys.stderr)
    results.append((label, elapsed))


def prepared(prefix: str) -> tuple[argparse.Namespace, Path]:
    """The command line of a benchmark on a generated store (`--requests`, `--keep`,
    `--open-share`), and the store: generated unless `--keep` already holds one."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    parser.add_argument("--open-share", type=float, default=0.05,
                        help="share of open requests (default 0.05: a backlog of 5%%)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix=prefix))
    root.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    if not (root / "providers.yaml").exists():
        generate(root, args.requests, args.open_share)
    print(f"store: {root} ({args.requests} requests, {args.open_share:.0%} open, generated in "
          f"{time.perf_counter() - began:.1f}s)", flush=True)
    return args, root


def main() -> None:
    args, root = prepared("icsvc-bench-")
    results: list[tuple[str, float]] = []
    some_id = next((root / "requests").glob("*/*.yaml")).stem
    timed("icsvc --help", ["--help"], root, results)
    timed("show ID-prefix", ["show", some_id[:5]], root, results)
    shutil.rmtree(root / ".icsvc", ignore_errors=True)
    timed("list --all (cold: parse every file)", ["list", "--all", "-f", "csv"], root, results)
    timed("list --all (warm cache)", ["list", "--all", "-f", "csv"], root, results)
    timed("list (open only, warm)", ["list", "-f", "json"], root, results)
    timed("list --status cancelled (warm)", ["list", "--status", "cancelled", "-f", "csv"], root,
          results)
    timed("check (parses and validates all)", ["check"], root, results)
    for extra in (["queue", "-f", "csv"], ["report", "-f", "json"]):
        timed(f"{extra[0]} (warm)", extra, root, results)
    width = max(len(label) for label, _ in results)
    for label, seconds in results:
        print(f"{label:<{width}}  {seconds:7.2f}s")
    if args.keep is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
