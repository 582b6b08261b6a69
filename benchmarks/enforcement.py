"""Enforcement and trust on ``leadit``: realised delivery, delivered finance and low-carbon
capacity in lower-income countries per enforcement regime (docs/validation.md §10).

Usage:
    uv run python benchmarks/enforcement.py [--seeds 5] [--scenario leadit] [key=value ...]

Per regime and seed: finance deals signed, their ends (completed, defaulted, cancelled),
the realised delivery probability (completed / (completed + defaulted): the share of
commitments whose every tranche was paid, among those that ran their course or defaulted),
finance delivered (USD bn; to low and lower-middle income countries), uncapped low-carbon
capacity in those countries summed over the years (Mt-years), cumulative emissions (Gt). Means
with 95% t-intervals across seeds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy import stats

from industry_transition import TransitionModel

REGIMES = ("binding", "reputational", "none")


def measure(scenario: str, seed: int, **overrides: object) -> dict[str, float]:
    """Run one model to its end and return the enforcement figures."""
    start = time.process_time()
    model = TransitionModel(scenario, seed=seed, **overrides)
    low = model.countries.lower_income
    tech = model.technologies
    capacity = 0.0
    emissions = 0.0
    while model.running:
        model.step()
        fleet = model.fleet
        on = (
            tech.low_carbon[fleet.technology]
            & ~tech.capped[fleet.technology]
            & low[fleet.country]
            & (fleet.capacity_mt > 0)
        )
        capacity += float(fleet.capacity_mt[on].sum())
        emissions += float(model.plant_emissions_mt.sum())
    seconds = time.process_time() - start
    finance = [p for p in model.registry.records.values() if p.kind == "finance"]
    status = [p.status for p in finance]
    completed, defaulted = status.count("completed"), status.count("defaulted")
    recipient_low = [p for p in finance if low[model.company_agents[p.party_b].country_index]]
    events = model.events.to_frame()
    text = events.loc[(events["event"] == "default") & (events["kind"] == "finance"), "text"]
    shortfall = int(text.str.contains("budget fell short").sum())
    return {
        "deals": len(finance),
        "completed": completed,
        "defaulted": defaulted,
        "cancelled": status.count("cancelled"),
        "shortfall_defaults": shortfall,
        "tranches_paid": sum(p.deliveries for p in finance),
        "delivery": completed / max(completed + defaulted, 1),
        # without the budget shortfalls the prior leaves out: turnover and reneging only
        "delivery_hazards": completed / max(completed + defaulted - shortfall, 1),
        "finance_bn": sum(p.delivered_musd for p in finance) / 1000,
        "finance_low_bn": sum(p.delivered_musd for p in recipient_low) / 1000,
        "capacity_low_mt_years": capacity,
        "emissions_gt": emissions / 1000,
        "seconds": seconds,
    }


def interval(values: list[float]) -> str:
    """Mean ± half-width of the 95% t-interval."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return f"{mean:.3g}"
    half = stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / np.sqrt(len(values))
    return f"{mean:.3f} ± {half:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="leadit")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("overrides", nargs="*", help="parameter=value (floats)")
    args = parser.parse_args()
    overrides = {k: float(v) for k, v in (item.split("=") for item in args.overrides)}
    for regime in REGIMES:
        rows = [
            measure(args.scenario, s, enforcement=regime, **overrides)
            for s in range(1, args.seeds + 1)
        ]
        print(f"== {regime}")
        done = sum(r["completed"] for r in rows)
        failed = sum(r["defaulted"] for r in rows)
        short = sum(r["shortfall_defaults"] for r in rows)
        print(
            f"  pooled delivery {done / max(done + failed, 1):.3f} "
            f"({done} completed, {failed} defaulted, {short} of them budget shortfalls); "
            f"without shortfalls {done / max(done + failed - short, 1):.3f}"
        )
        paid = sum(r["tranches_paid"] for r in rows)
        print(f"  pooled tranche delivery {paid / max(paid + failed, 1):.3f} ({paid} paid)")
        for key in rows[0]:
            values = [float(r[key]) for r in rows]
            print(f"  {key:22s} {interval(values):>20s}   per seed {[round(v, 3) for v in values]}")


if __name__ == "__main__":
    main()
