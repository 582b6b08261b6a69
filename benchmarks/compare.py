"""Compare this checkout with another git revision, measured alternately on the same machine.

Usage:
    uv run python benchmarks/compare.py --rev 6d77844 --companies 10000 --years 5
    uv run python benchmarks/compare.py --rev HEAD~3 --scenario leadit --rounds 3

The machine's speed drifts by 20-40% from one minute to the next, so a figure measured today
cannot be set against one from yesterday. This checks the other revision out into a temporary
git worktree and runs the same measurement on both, alternating, each in a fresh process with
this environment's packages: for a synthetic world (``--companies``), the CPU time of each of
``--years`` years after construction; for a scenario, the CPU time of whole runs (construction
and all years). It prints each round and the median of each side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import industry_transition
from industry_transition import TransitionModel
assert industry_transition.__file__.startswith(sys.argv[1]), industry_transition.__file__
scenario, companies, years, runs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
times = []
if companies:
    model = TransitionModel("synthetic", seed=1, companies=companies, snapshots=False)
    for _ in range(years):
        started = time.process_time()
        model.step()
        times.append(time.process_time() - started)
else:
    for _ in range(runs):
        started = time.process_time()
        model = TransitionModel(scenario, seed=1)
        while model.running:
            model.step()
        times.append(time.process_time() - started)
print(json.dumps(times))
"""


def measure(source: Path, args: argparse.Namespace) -> list[float]:
    """One measurement of the package at ``source`` in a fresh interpreter."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE,
            str(source),
            args.scenario,
            str(args.companies or 0),
            str(args.years),
            str(args.runs),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(t) for t in json.loads(done.stdout.strip().splitlines()[-1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", required=True, help="the git revision to compare against")
    parser.add_argument("--scenario", default="leadit", help="whole runs of this scenario")
    parser.add_argument("--companies", type=int, default=None, help="a synthetic world instead")
    parser.add_argument("--years", type=int, default=5, help="years per synthetic measurement")
    parser.add_argument("--runs", type=int, default=5, help="whole runs per scenario measurement")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two sides")
    args = parser.parse_args()
    what = (
        f"synthetic, {args.companies:,} companies, CPU s per year"
        if args.companies
        else f"{args.scenario}, CPU s per whole run"
    )
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), args.rev],
            check=True,
        )
        try:
            sides = {"this checkout": ROOT, args.rev: other}
            times: dict[str, list[float]] = {label: [] for label in sides}
            print(what)
            for round_number in range(args.rounds):
                for label, source in sides.items():
                    measured = measure(source, args)
                    times[label] += measured
                    middle = statistics.median(measured)
                    each = ", ".join(f"{t:.2f}" for t in measured)
                    print(f"  [{round_number + 1}] {label:<16} median {middle:.3f}  ({each})")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False
            )
    for label, values in times.items():
        print(f"{label:<18} median {statistics.median(values):.3f}, min {min(values):.3f}")
    ratio = statistics.median(times["this checkout"]) / statistics.median(times[args.rev])
    print(f"this checkout / {args.rev}: {ratio:.2f}")


if __name__ == "__main__":
    main()
