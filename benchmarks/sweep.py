"""Sweep throughput: the same runs through ``sweep`` and through ``mesa.batch_run``.

Usage: ``uv run python benchmarks/sweep.py [--runs 100] [--steps 10] [--workers 2]``.

Each engine runs in a fresh subprocess; the parent samples the resident memory of that process
and all its descendants (Linux /proc) every 0.1 s and reports the peak of the sum.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SETTINGS = [0.5, 1.0, 1.5, 2.0]

SWEEP = """
import sys
from industry_transition.experiments.sweep import sweep
runs, steps, workers, out, engine = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                     sys.argv[4], sys.argv[5])
spec = {"scenario": "teaching", "steps": steps, "replications": runs // 4, "seed": 1,
        "grid": {"carbon_price_scale": [0.5, 1.0, 1.5, 2.0]}}
table = sweep(spec, out=out, workers=workers, engine=engine, progress=False)
assert len(table) == runs and (table["status"] == "ok").all()
"""

BATCH_RUN = """
import sys
import mesa
from industry_transition import TransitionModel
runs, steps, workers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
results = mesa.batch_run(TransitionModel, parameters={"scenario": "teaching",
                         "carbon_price_scale": [0.5, 1.0, 1.5, 2.0]},
                         rng=list(range(runs // 4)), max_steps=steps, number_processes=workers,
                         data_collection_period=1, display_progress=False)
assert len(results) == runs * steps
"""


def tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def measure(code: str, args: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak memory (MiB) of running ``code`` in a fresh interpreter."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args])
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    code_ = process.wait()
    done.set()
    sampler.join()
    if code_ != 0:
        raise SystemExit(f"benchmark subprocess failed with {code_}")
    return time.perf_counter() - start, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    runs = args.runs - args.runs % 4
    print(f"{runs} teaching runs of {args.steps} years, {args.workers} workers, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        common = [str(runs), str(args.steps)]
        for label, code, extra in [
            ("sweep, 1 worker", SWEEP, ["1", f"{tmp}/one", "process"]),
            (f"sweep, {args.workers} workers", SWEEP, [str(args.workers), f"{tmp}/pool",
                                                       "process"]),
            (f"mesa.batch_run, {args.workers} processes", BATCH_RUN, [str(args.workers)]),
        ]:
            seconds, mib = measure(code, common + extra)
            rows.append((label, seconds, runs / seconds, mib))
            print(f"  {label:<32} {seconds:7.1f} s  {runs / seconds:6.2f} runs/s  "
                  f"peak {mib:7.0f} MiB")
    one, pool, batch = rows
    print(f"two workers / one worker: {pool[2] / one[2]:.2f}x runs per second")
    print(f"sweep / batch_run: {pool[2] / batch[2]:.2f}x runs per second, "
          f"{pool[3] / batch[3]:.2f}x peak memory")


if __name__ == "__main__":
    main()
