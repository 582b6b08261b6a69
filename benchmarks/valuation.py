"""Batch valuation timing for docs/performance.md (``model/valuation.py: value_pairs``).

Usage:
    uv run python benchmarks/valuation.py                      # 10,000 companies, start year
    uv run python benchmarks/valuation.py --companies 10000 --years 1 --repeat 20

Builds the ``synthetic`` world (after ``--years`` steps), then times ``value_pairs`` on batches of
pairs of agent indices: 60,000 random pairs of proposers; 30,000 donor-company pairs plus 30,000
company pairs in one sector (the pairs with most to value); and 10 random pairs. CPU time of the
process (``time.process_time``), the minimum and the median of ``--repeat`` calls, after one
warm-up call. The model's cost cache is not active (``value_pairs`` does not use it).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from industry_transition import TransitionModel
from industry_transition.model.valuation import KIND_CODES, value_pairs


def batches(model: TransitionModel, rng: np.random.Generator) -> dict[str, tuple]:
    n_countries, n = len(model.countries.ids), len(model.proposers)
    comp = model.companies
    a, b = rng.integers(n, size=60_000), rng.integers(n, size=60_000)
    clash = a == b
    b[clash] = (b[clash] + 1) % n
    donors = np.flatnonzero(model.countries.donor_budget_musd > 0)
    donor = rng.choice(donors, 30_000)
    company = rng.integers(n_countries, n, size=30_000)
    x, y = rng.integers(n_countries, n, size=(2, 200_000))
    same = (comp.sector[x - n_countries] == comp.sector[y - n_countries]) & (x != y)
    x, y = x[same][:30_000], y[same][:30_000]
    return {
        "60,000 random pairs": (a, b),
        "30,000 donor-company + 30,000 same-sector company pairs": (
            np.concatenate([donor, x]),
            np.concatenate([company, y]),
        ),
        "10 random pairs": (a[:10], b[:10]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=0, help="steps before timing")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.process_time()
    model = TransitionModel("synthetic", seed=args.seed, companies=args.companies, snapshots=False)
    built = time.process_time() - start
    for _ in range(args.years):
        model.step()
    print(
        f"synthetic, {args.companies:,} companies, {len(model.fleet):,} plants, year {model.year}"
        f" (built in {built:.2f} s CPU)"
    )
    for name, (a, b) in batches(model, np.random.default_rng(args.seed)).items():
        deals = value_pairs(model, a, b)  # warm-up
        times = []
        for _ in range(args.repeat):
            start = time.process_time()
            value_pairs(model, a, b)
            times.append(time.process_time() - start)
        counts = np.bincount(deals.kind.astype(np.int64) + 1, minlength=len(KIND_CODES) + 1)
        kinds = ", ".join(
            f"{kind} {count}"
            for kind, count in zip(("none", *KIND_CODES), counts, strict=True)
            if count
        )
        print(
            f"{name}: min {min(times) * 1e3:.1f} ms, median {np.median(times) * 1e3:.1f} ms"
            f" ({kinds})"
        )


if __name__ == "__main__":
    main()
