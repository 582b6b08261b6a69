"""The hindcast: a scenario started in 2019 over many seeds against LeadIT's observed record.

    uv run python tools/hindcast.py leadit-2019 --seeds 20 --end-year 2024 --out results/hindcast
    uv run python tools/hindcast.py path/to/calibrated.toml --seeds 20 --out results/hindcast

For every seed the scenario runs from its start year to ``--end-year``; each run's patterns
(``industry_transition.experiments.patterns.model_patterns``: country and company members,
government partnerships formed, world steel and cement production, emissions over 2019) are
set against the observed rows of ``model/data/observed_patterns.csv``. Writes to ``--out``:

- ``hindcast.csv``: per pattern and year, the observed value, its tolerance and confidence, the
  model's median over seeds, its 5-95% range over seeds, the share of seeds within the
  tolerance, and whether the median is within it;
- ``hindcast_seeds.csv``: every seed's patterns;
- ``ties.csv``: every government partnership a run formed (seed, year, the two countries);
- ``hindcast.png`` (needs matplotlib, in the ``calibrate`` extra): one panel per pattern, the
  model's median and 5-95% band against the observed points and their tolerance.

With ``--posterior DIR`` (an ``industry-transition calibrate`` output folder) seed ``i`` runs
with a parameter set drawn from the last generation's accepted particles by their weights
(``accepted.parquet``; the draws come from ``numpy.random.default_rng(--draw-seed)``): the
posterior predictive, which keeps each particle's parameters together (posterior medians taken
one by one may fall where the posterior has little weight).

Prints the table and the time taken. Seeds run in parallel on ``--workers`` processes; each run
is determined by its seed alone, so the output does not depend on the worker count.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from industry_transition import run
from industry_transition.experiments.patterns import PATTERNS, model_patterns, observed_patterns
from industry_transition.model.scenario import load_scenario


def one_seed(
    scenario: str, seed: int, end_year: int, overrides: dict[str, float] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One run's patterns and the government partnerships it formed."""
    result = run(scenario, seed=seed, end_year=end_year, snapshots=False, **(overrides or {}))
    patterns = model_patterns(result).assign(seed=seed)
    events = result.events
    ties = events[(events["event"] == "agreement") & (events["kind"] == "government")]
    formed = pd.DataFrame(
        {
            "seed": seed,
            "year": ties["year"].to_numpy(),
            "country_a": ties["party_a"].to_numpy(),
            "country_b": ties["party_b"].to_numpy(),
        }
    )
    return patterns, formed


def posterior_draws(folder: Path, count: int, draw_seed: int) -> list[dict[str, float]]:
    """``count`` parameter sets drawn by weight from the last generation of a calibration."""
    accepted = pd.read_parquet(folder / "accepted.parquet")
    last = accepted[accepted["generation"] == accepted["generation"].max()]
    skip = {"generation", "particle", "weight", "distance"}
    names = [c for c in last.columns if c not in skip and not c.startswith("distance_")]
    weights = last["weight"].to_numpy(dtype=float)
    rng = np.random.default_rng(draw_seed)
    rows = rng.choice(len(last), size=count, replace=True, p=weights / weights.sum())
    return [{n: float(last.iloc[r][n]) for n in names} for r in rows]


def summarise(seeds: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """Per observed row: the model's median and 5-95% range over seeds and the fit."""
    merged = observed.merge(seeds, on=["pattern", "year"], how="inner")
    merged["within"] = (merged["value_y"] - merged["value_x"]).abs() <= merged["tolerance"]
    grouped = merged.groupby(["pattern", "year"], sort=False)
    table = grouped.agg(
        observed=("value_x", "first"),
        tolerance=("tolerance", "first"),
        confidence=("confidence", "first"),
        model_median=("value_y", "median"),
        model_p05=("value_y", lambda v: float(np.quantile(v, 0.05))),
        model_p95=("value_y", lambda v: float(np.quantile(v, 0.95))),
        seeds_within=("within", "mean"),
    ).reset_index()
    table["median_within"] = (table["model_median"] - table["observed"]).abs() <= table["tolerance"]
    return table


def plot(seeds: pd.DataFrame, observed: pd.DataFrame, path: Path, title: str) -> bool:
    """The figure; False (and nothing written) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = [name for name in PATTERNS if name in set(seeds["pattern"])]
    columns = 4
    rows = int(np.ceil(len(names) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        part = seeds[seeds["pattern"] == name].groupby("year")["value"]
        years = np.array(sorted(part.groups))
        ax.fill_between(
            years,
            part.quantile(0.05).to_numpy(),
            part.quantile(0.95).to_numpy(),
            alpha=0.25,
            color="#0072B2",
            label="model, 5-95% of seeds",
        )
        ax.plot(years, part.median().to_numpy(), color="#0072B2", lw=2, label="model, median")
        seen = observed[observed["pattern"] == name]
        ax.errorbar(
            seen["year"],
            seen["value"],
            yerr=seen["tolerance"],
            fmt="o",
            color="#D55E00",
            capsize=3,
            label="observed ± tolerance",
        )
        ax.set_title(PATTERNS[name], fontsize=9)
        ax.set_xticks(years)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        if not name.endswith("_ratio"):  # counts and production from zero
            ax.set_ylim(bottom=0.0)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    # under the title, clear of every panel
    fig.suptitle(title)
    fig.legend(handles, labels, loc="upper center", ncol=3, fontsize=9, bbox_to_anchor=(0.5, 0.95))
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 0.91))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> None:
    """Run the hindcast and write its tables and figure (arguments as on the command line)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", help="shipped scenario name or scenario TOML path")
    parser.add_argument("--seeds", type=int, default=20, help="seeds 1..N (default 20)")
    parser.add_argument("--end-year", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--min-confidence", default="low", choices=["low", "medium", "high"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--posterior", type=Path, help="calibrate output folder: run the posterior predictive"
    )
    parser.add_argument("--draw-seed", type=int, default=1, help="seed of the posterior draws")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    start_year = load_scenario(args.scenario).parameters.start_year
    if not start_year <= args.end_year:
        parser.error(f"--end-year {args.end_year} is before the start year {start_year}")
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    seeds = list(range(1, args.seeds + 1))
    draws: list[dict[str, float] | None] = [None] * len(seeds)
    if args.posterior is not None:
        if not (args.posterior / "accepted.parquet").is_file():
            parser.error(f"--posterior {args.posterior}: no accepted.parquet (a calibrate output?)")
        draws = list(posterior_draws(args.posterior, len(seeds), args.draw_seed))
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        outputs = list(
            pool.map(
                one_seed,
                [args.scenario] * len(seeds),
                seeds,
                [args.end_year] * len(seeds),
                draws,
            )
        )
    elapsed = time.perf_counter() - started
    patterns = pd.concat([p for p, _ in outputs], ignore_index=True)
    ties = pd.concat([t for _, t in outputs], ignore_index=True)
    observed = observed_patterns(
        start_year=start_year, end_year=args.end_year, min_confidence=args.min_confidence
    )
    table = summarise(patterns, observed)
    patterns.to_csv(args.out / "hindcast_seeds.csv", index=False)
    ties.to_csv(args.out / "ties.csv", index=False)
    if args.posterior is not None:
        pd.DataFrame([{"seed": s, **d} for s, d in zip(seeds, draws, strict=True) if d]).to_csv(
            args.out / "draws.csv", index=False
        )
    table.to_csv(args.out / "hindcast.csv", index=False)
    drew = plot(
        patterns,
        observed,
        args.out / "hindcast.png",
        f"{args.scenario}: {len(seeds)} seeds against the observed record",
    )
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(table.round(3).to_string(index=False))
    print(f"\ngovernment partnerships formed: {len(ties)} over {len(seeds)} seeds")
    if len(ties):
        pairs = ties.groupby(["country_a", "country_b"]).size().sort_values(ascending=False)
        print(pairs.head(10).to_string())
    print(
        f"\n{len(seeds)} runs of {start_year}-{args.end_year} in {elapsed:.1f} s on "
        f"{args.workers} workers; written to {args.out}" + ("" if drew else " (no figure)")
    )


if __name__ == "__main__":
    main()
