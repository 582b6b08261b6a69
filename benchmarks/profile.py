"""Profiles for docs/performance.md: one full run, or some years of a synthetic world.

Usage:
    uv run python benchmarks/profile.py --scenario leadit              # construction + all years
    uv run python benchmarks/profile.py --scenario synthetic --companies 10000 --years 1
    uv run python benchmarks/profile.py --scenario synthetic --companies 100000 --skip 12 --years 2

Prints pyinstrument's call tree (the functions that take the time) and writes an HTML copy to
``--html`` if given. Profiles show where time goes; the timings to quote come from
``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse

from pyinstrument import Profiler

from industry_transition import TransitionModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="leadit")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--companies", type=int, default=None, help="synthetic size")
    parser.add_argument("--years", type=int, default=None, help="default: the whole run")
    parser.add_argument(
        "--skip", type=int, default=0, help="years stepped before profiling starts (not profiled)"
    )
    parser.add_argument("--html", default=None, help="also write an HTML profile here")
    args = parser.parse_args()
    overrides = {} if args.companies is None else {"companies": args.companies}
    profiler = Profiler(interval=0.001)
    if args.skip:
        model = TransitionModel(args.scenario, seed=args.seed, snapshots=False, **overrides)
        for _ in range(args.skip):
            model.step()
    profiler.start()
    if not args.skip:
        model = TransitionModel(args.scenario, seed=args.seed, snapshots=False, **overrides)
    years = 0
    while model.running and (args.years is None or years < args.years):
        model.step()
        years += 1
    profiler.stop()
    first = model.year - years
    what = f"years {first}-{model.year - 1}" if args.skip else f"construction and {years} years"
    print(f"{args.scenario} {overrides} seed {args.seed}: {what}")
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        with open(args.html, "w") as handle:
            handle.write(profiler.output_html())


if __name__ == "__main__":
    main()
