"""Measure the route mix and emissions of ``leadit`` over seeds (issue 14, literature economics).

Usage:
    uv run python benchmarks/economics.py [--scenario leadit] [--seeds 1 2 3 4 5] [--set name=value]

Prints, as JSON, for each setting (default parameters, and ``carbon_price_scale=0``) the mean
over seeds of: each route's share of 2050 production in its sector, the low-carbon share of
2050 production by sector, and cumulative 2024-2050 emissions (Mt CO2). Figures go in
docs/validation.md; tests never run this.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from industry_transition import TransitionModel


def measure(scenario: str, seed: int, overrides: dict[str, object]) -> dict[str, float]:
    """Run one model to the end and return its 2050 route shares and emissions."""
    model = TransitionModel(scenario, seed=seed, **overrides)
    while model.running:
        model.step()
    fleet, tech = model.fleet, model.technologies
    production = np.bincount(fleet.technology, weights=fleet.production_mt, minlength=len(tech))
    out: dict[str, float] = {}
    for sector, name in enumerate(("steel", "cement")):
        in_sector = tech.sector == sector
        total = production[in_sector].sum()
        for k in np.flatnonzero(in_sector):
            out[f"share_{tech.ids[k]}"] = float(production[k] / total)
        out[f"low_carbon_{name}"] = float(production[in_sector & tech.low_carbon].sum() / total)
    series = model.series()
    out["cumulative_emissions_mt"] = float(series["emissions_mt"].sum())
    out["emissions_2050_mt"] = float(series["emissions_mt"].iloc[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="leadit", help="a shipped name or a .toml path")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--set", nargs="*", default=[], help="name=value parameter overrides")
    args = parser.parse_args()
    base: dict[str, object] = {}
    for item in args.set:
        name, value = item.split("=", 1)
        base[name] = json.loads(value)
    report = {}
    for label, extra in (("default", {}), ("carbon_price_scale=0", {"carbon_price_scale": 0.0})):
        runs = [measure(args.scenario, seed, {**base, **extra}) for seed in args.seeds]
        report[label] = {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
