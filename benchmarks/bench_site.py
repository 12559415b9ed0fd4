"""Benchmark: `icsvc site` on a large store (default 100,000 requests).

    python benchmarks/bench_site.py [--requests N] [--open-share 0.05] [--keep DIR]

Generates the store as `bench_store.py` does (spread over providers and 18 months, 5% open
by default), then times the installed `icsvc` script building its site: the first build
(every page written), a build with nothing changed (request pages of settled requests kept
without being read), and a build after one request's file changed. Prints wall-clock
seconds, the processor time the build used (user + system: what a busy machine does not
inflate) and what each build wrote. Nothing here is asserted: speed is measured, not tested.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench_store import prepared


def build(label: str, root: Path, out: Path,
          results: list[tuple[str, float, float, str]]) -> None:
    exe = shutil.which("icsvc") or str(Path(sys.executable).parent / "icsvc")
    env = {"ICSVC_NOW": "2026-11-24T15:00:00-05:00", "PATH": "/usr/bin:/bin",
           "ICSVC_USER": "bench@example.com"}
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    proc = subprocess.run([exe, "site", str(out), "--format", "json"], cwd=root, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
    if proc.returncode != 0:
        sys.exit(f"{label}: exit {proc.returncode}\n{proc.stderr}")
    done = json.loads(proc.stdout)
    results.append((label, elapsed, cpu, f"{done['files']} files, {done['written']} written, "
                                    f"{done['unchanged']} unchanged, {done['settled']} kept"))


def main() -> None:
    args, root = prepared("icsvc-bench-site-")
    out = root.parent / f"{root.name}-site"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(root / ".icsvc", ignore_errors=True)
    results: list[tuple[str, float, float, str]] = []
    build("first build (cold cache, every page)", root, out, results)
    build("again, nothing changed", root, out, results)
    changed = next((root / "requests").glob("*/*.yaml"))
    text = changed.read_text()
    changed.write_text(text.replace(f"title: Request {changed.stem}",
                                    f"title: Request {changed.stem} (edited)", 1))
    build("again, one request changed", root, out, results)
    width = max(len(label) for label, _, _, _ in results)
    print(f"{'':<{width}}  {'wall':>8}  {'processor':>9}")
    for label, seconds, cpu, what in results:
        print(f"{label:<{width}}  {seconds:7.1f}s  {cpu:8.1f}s  {what}", flush=True)
    if args.keep is None:
        shutil.rmtree(root)
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
