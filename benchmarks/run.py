"""Benchmarks: print timing figures for model construction, each phase, and whole runs.

Usage:
    uv run python benchmarks/run.py [--repeats N] [--scenario teaching]
    uv run python benchmarks/run.py --sizes 100 1000 10000 [--years 3] [--budget 120]
    uv run python benchmarks/run.py --sizes 100000 --years 27 --per-year   # a whole 2024-2050 run

``--sizes`` builds the synthetic world at each number of companies in a fresh process and
prints construction time, CPU time per simulated year, peak memory (the process's max RSS) and
the ratio of time per year to the previous size against the ratio of sizes (linear cost growth
means the two ratios match). A size whose first year exceeds ``--budget`` seconds stops the
ladder. Figures go in issue notes and docs/performance.md; tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
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


def one_size(companies: int, years: int, budget: float) -> dict[str, float]:
    """Build and step one synthetic world (run inside a fresh process)."""
    started = time.process_time()
    model = TransitionModel("synthetic", seed=1, companies=companies, snapshots=False)
    construction = time.process_time() - started
    per_year = []
    while model.running and len(per_year) < years:
        started = time.process_time()
        model.step()
        per_year.append(time.process_time() - started)
        if per_year[-1] > budget:
            break
    return {
        "companies": companies,
        "countries": len(model.countries.ids),
        "plants": len(model.fleet),
        "construction_s": construction,
        "year_s": statistics.median(per_year),
        "year_mean_s": statistics.fmean(per_year),
        "per_year_s": per_year,
        "year_min_s": min(per_year),
        "year_max_s": max(per_year),
        "years": len(per_year),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def sizes(ladder: list[int], years: int, budget: float, per_year: bool = False) -> None:
    """Print the scaling table, each size in its own process (clean peak memory)."""
    print(
        "companies  countries   plants  build s  CPU s/year median (min-max)   mean  peak MiB"
        "  time ratio  size ratio"
    )
    previous: dict[str, float] | None = None
    for companies in ladder:
        code = (
            "import json, sys; sys.path.insert(0, 'benchmarks'); import run as b; "
            f"print(json.dumps(b.one_size({companies}, {years}, {budget})))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        ratio = f"{row['year_s'] / previous['year_s']:10.1f}" if previous else " " * 10
        size_ratio = f"{companies / previous['companies']:10.0f}" if previous else " " * 10
        print(
            f"{companies:9,d}  {row['countries']:9,d}  {row['plants']:7,d}  "
            f"{row['construction_s']:7.2f}  {row['year_s']:10.3f} "
            f"({row['year_min_s']:.2f}-{row['year_max_s']:.2f})  {row['year_mean_s']:6.3f}"
            f"  {row['peak_rss_mib']:8.0f}  {ratio}  {size_ratio}"
        )
        if per_year:
            print("  each year, CPU s: " + ", ".join(f"{t:.2f}" for t in row["per_year_s"]))
        previous = row
        if row["year_s"] > budget:
            print(f"stopped: one year took more than {budget:.0f} s")
            break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="teaching")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="*", help="synthetic companies per world")
    parser.add_argument("--years", type=int, default=3, help="years per size (median taken)")
    parser.add_argument("--budget", type=float, default=120.0, help="stop above s per year")
    parser.add_argument("--per-year", action="store_true", help="also print every year's time")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    if args.sizes:
        sizes(args.sizes, args.years, args.budget, args.per_year)
        return
    model_times = []
    for _ in range(args.repeats):
        started = time.process_time()
        model = TransitionModel(args.scenario, seed=1)
        while model.running:
            model.step()
        model_times.append(time.process_time() - started)
    print(
        f"{args.scenario}: model time (construction and all {model.year - model.params.start_year}"
        f" years, CPU) min {min(model_times):.3f} s, median {statistics.median(model_times):.3f}"
        f" s of {args.repeats}"
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
