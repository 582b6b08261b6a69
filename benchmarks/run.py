"""Benchmarks: print timing figures for model construction, each phase, and whole runs.

Usage: ``uv run python benchmarks/run.py [--repeats N] [--scenario teaching]``.
Figures go in issue notes and docs/performance.md; tests never time anything.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import tracemalloc
from collections import defaultdict

from industry_transition import TransitionModel, run

PHASES = (
    "update_policy",
    "update_costs",
    "negotiate",
    "deliver",
    "invest",
    "produce_and_emit",
    "account",
)


def time_phases(scenario: str, seed: int) -> tuple[float, dict[str, float], int]:
    """Construct and run one model, timing construction and every phase (seconds, summed)."""
    start = time.perf_counter()
    model = TransitionModel(scenario, seed=seed)
    construction = time.perf_counter() - start
    totals: dict[str, float] = defaultdict(float)
    for name in PHASES:
        original = getattr(model, name)

        def timed(original=original, name=name) -> None:
            t0 = time.perf_counter()
            original()
            totals[name] += time.perf_counter() - t0

        setattr(model, name, timed)
    years = 0
    while model.running:
        model.step()
        years += 1
    return construction, dict(totals), years


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="teaching")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    walls = []
    for seed in range(args.repeats):
        t0 = time.perf_counter()
        run(args.scenario, seed=seed)
        walls.append(time.perf_counter() - t0)
    print(
        f"{args.scenario}: full run() {statistics.median(walls):.3f} s median of "
        f"{args.repeats} (min {min(walls):.3f}, max {max(walls):.3f})"
    )
    construction, phases, years = time_phases(args.scenario, seed=0)
    print(
        f"construction {construction * 1000:.1f} ms; {years} years; per year "
        f"{sum(phases.values()) / years * 1000:.1f} ms"
    )
    for name in PHASES:
        print(f"  {name:<17} {phases[name] / years * 1000:8.2f} ms/year")
    tracemalloc.start()
    run(args.scenario, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak traced memory of one run: {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
