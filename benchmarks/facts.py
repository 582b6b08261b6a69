"""Facts of the default ``leadit`` runs quoted in docs/validation.md §10.

Usage:
    uv run python benchmarks/facts.py [--seeds 5]

Finance deals (first year, routes, grant/need and grant/capex), refusals for a committed donor
budget, government partnerships, licences and co-developments signed in the model, and LeadIT
membership (India's and Sweden's last years, member countries at the stocktakes).
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from industry_transition import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    routes: Counter[str] = Counter()
    ratio_need, ratio_capex, first, refused = [], [], [], 0
    kinds: Counter[str] = Counter()
    committed = []
    for seed in range(1, args.seeds + 1):
        result = run("leadit", seed=seed)
        ties = result.partnerships
        finance = ties[ties["kind"] == "finance"]
        routes.update(finance["technology"])
        ratio_need += (finance["amount_musd"] / finance["need_musd"]).tolist()
        ratio_capex += (finance["amount_musd"] / finance["capex_musd"]).tolist()
        first.append(int(finance["start_year"].min()) if len(finance) else None)
        committed.append(finance["amount_musd"].sum() / 1000)
        events = result.events
        refused += int(events["text"].str.contains("donor budget committed").sum())
        signed = ties[(ties["start_year"] >= 2024) & (ties["kind"] != "membership")]
        for kind, group in signed.groupby("kind"):
            kinds[kind] += len(group)
            if kind in ("government", "technology", "codevelopment"):
                rows = zip(
                    group["start_year"],
                    group["party_a"],
                    group["party_b"],
                    group["technology"],
                    strict=True,
                )
                print(f"seed {seed} {kind}: {sorted(rows)}")
        members = ties[ties["kind"] == "membership"]
        countries = set(result.agents.loc[result.agents["agent_type"] == "country", "agent_id"])
        counts = []
        for year in (2024, 2028, 2033, 2038, 2043, 2048):
            live = members[
                (members["start_year"] <= year)
                & (members["ended_year"].isna() | (members["ended_year"] > year))
                & members["party_a"].isin(countries)
            ]
            counts.append(live["party_a"].nunique())
        last = {}
        for country in ("ind", "swe"):
            rows = members[members["party_a"] == country]
            last[country] = sorted(
                (int(s), None if np.isnan(e) else int(e))
                for s, e in zip(rows["start_year"], rows["ended_year"].astype(float), strict=True)
            )
        print(
            f"seed {seed}: member countries at stocktakes {counts}; "
            f"India {last['ind']}; Sweden {last['swe']}"
        )
    ratio_need_a, ratio_capex_a = np.array(ratio_need), np.array(ratio_capex)
    print("finance deals", len(ratio_need_a), "routes", dict(routes))
    print("first finance year per seed", first, "committed USD bn per seed", np.round(committed, 2))
    print("grant/need min/max", ratio_need_a.min(), ratio_need_a.max())
    q = np.quantile(ratio_capex_a, [0, 0.1, 0.5, 0.9, 1.0])
    print(
        "grant/capex min, p10, median, p90, max",
        np.round(q, 2),
        "above 1:",
        int((ratio_capex_a > 1).sum()),
    )
    print("refusals 'donor budget committed'", refused)
    print("signed in the model by kind", dict(kinds))


if __name__ == "__main__":
    main()
