"""Each lever's sign and size on ``leadit`` (docs/validation.md §10, "Each lever's sign and size").

Usage:
    uv run python benchmarks/levers.py [--seeds 5] [--workers 2] [--only enforcement]

Per setting and seed (``benchmarks/enforcement.py``'s ``measure``): cumulative emissions, finance
delivered (all, and to low and lower-middle income countries), uncapped low-carbon capacity in
those countries (Mt-years), finance deals, defaults. Means with 95% t-intervals across seeds; the
change against the default is the mean of the per-seed differences (common random numbers).
Also prints per-seed differences between enforcement regimes, the grant/capex distribution of the
default runs, and counts of government partnerships, licences and co-developments signed.
"""

from __future__ import annotations

import argparse
import statistics
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

from benchmarks.enforcement import measure

SETTINGS: dict[str, dict[str, object]] = {
    "default": {},
    "negotiation off": {"negotiation": False},
    "carbon price x2": {"carbon_price_scale": 2.0},
    "carbon price x0.5": {"carbon_price_scale": 0.5},
    "donor finance x2": {"donor_finance_scale": 2.0},
    "donor finance x0": {"donor_finance_scale": 0.0},
    "transaction cost 0.5 (default 2)": {"transaction_cost_musd": 0.5},
    "transaction cost 8": {"transaction_cost_musd": 8.0},
    "enforcement binding": {"enforcement": "binding"},
    "enforcement none": {"enforcement": "none"},
    "broker off": {"broker": False},
    "finance projects 5 Mt (default 2.4 steel, 1.3 cement)": {
        "finance_project_steel_mt": 5.0,
        "finance_project_cement_mt": 5.0,
    },
    "finance projects 1 Mt": {"finance_project_steel_mt": 1.0, "finance_project_cement_mt": 1.0},
    "affinity trust penalty 0 (default 0.2)": {"affinity_trust_penalty": 0.0},
}


def half_width(values: list[float]) -> float:
    """Half-width of the 95% t-interval of the mean."""
    if len(values) < 2:
        return float("nan")
    return float(
        stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / np.sqrt(len(values))
    )


def fmt(values: list[float], digits: int) -> str:
    return f"{statistics.fmean(values):,.{digits}f} ± {half_width(values):,.{digits}f}"


def job(args: tuple[str, int]) -> tuple[str, int, dict[str, float]]:
    name, seed = args
    return name, seed, measure("leadit", seed, **SETTINGS[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="settings whose name contains this")
    args = parser.parse_args()
    names = [n for n in SETTINGS if not args.only or args.only in n or n == "default"]
    seeds = range(1, args.seeds + 1)
    results: dict[str, dict[int, dict[str, float]]] = {n: {} for n in names}
    with ProcessPoolExecutor(args.workers) as pool:
        for name, seed, row in pool.map(job, [(n, s) for n in names for s in seeds]):
            results[name][seed] = row
    print(
        "| setting | cumulative emissions 2024-50 (Gt) | change vs default (Mt) | finance "
        "delivered (USD bn) | to lower-income countries (USD bn) | uncapped low-carbon capacity "
        "in lower-income countries (Mt-years) | finance deals | defaults |"
    )
    print("|---|---|---|---|---|---|---|---|")
    default = results["default"]
    for name in names:
        rows = [results[name][s] for s in seeds]
        change = [
            1000 * (results[name][s]["emissions_gt"] - default[s]["emissions_gt"]) for s in seeds
        ]
        print(
            f"| {name} | {fmt([r['emissions_gt'] for r in rows], 2)} | "
            + ("" if name == "default" else f"{fmt(change, 0)}")
            + f" | {fmt([r['finance_bn'] for r in rows], 2)}"
            f" | {fmt([r['finance_low_bn'] for r in rows], 2)}"
            f" | {fmt([r['capacity_low_mt_years'] for r in rows], 0)}"
            f" | {statistics.fmean(r['deals'] for r in rows):.1f}"
            f" | {statistics.fmean(r['defaulted'] for r in rows):.1f} |"
        )
    regimes = {
        "binding": "enforcement binding",
        "reputational": "default",
        "none": "enforcement none",
    }
    if all(v in results for v in regimes.values()):
        print("\nPer-seed differences between regimes (mean ± 95% t half-width):")
        for first, second in (
            ("binding", "reputational"),
            ("reputational", "none"),
            ("binding", "none"),
        ):
            for key in ("finance_bn", "finance_low_bn", "capacity_low_mt_years", "emissions_gt"):
                diff = [
                    results[regimes[first]][s][key] - results[regimes[second]][s][key]
                    for s in seeds
                ]
                per_seed = np.round(diff, 3).tolist()
                print(f"  {first} - {second} {key}: {fmt(diff, 3)}  per seed {per_seed}")
        for regime, name in regimes.items():
            rows = [results[name][s] for s in seeds]
            done = sum(r["completed"] for r in rows)
            failed = sum(r["defaulted"] for r in rows)
            short = sum(r["shortfall_defaults"] for r in rows)
            print(
                f"  {regime}: delivery pooled {done / max(done + failed, 1):.3f} "
                f"({done}/{done + failed}); without budget shortfalls "
                f"{done / max(done + failed - short, 1):.3f}; per seed "
                f"{fmt([r['delivery'] for r in rows], 3)}"
            )
    print("\nseconds per run:", fmt([results[n][s]["seconds"] for n in names for s in seeds], 2))


if __name__ == "__main__":
    main()
