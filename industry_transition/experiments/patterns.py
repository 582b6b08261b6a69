"""Observed patterns and how far a run is from them (pattern-oriented modelling, Grimm et al. 2005).

The observed table (``model/data/observed_patterns.csv``, derived from public data by
``tools/derive_observed_patterns.py``) has one row per pattern and year with a value, a
``tolerance``, a ``confidence`` and the publisher. :func:`model_patterns` computes the same
patterns from a run's tables; :func:`pattern_distances` compares the two.

**Distance.** For each row, the gap is ``(model - observed) / tolerance``; a pattern's distance
is the root mean square of its rows' gaps over the years compared. The tolerance is the
half-width of issue 15's target band for that pattern (3 members, 2.5 partnerships, 5% of
production, 0.05 of an emissions ratio), so a distance of 1 means "on average at the edge of
the acceptable band" whatever the pattern's unit, and patterns can be added. The calibration's
distance is the weighted mean of the pattern distances, with the spec's weights.

Patterns (``year`` is the end of a simulated year, as the model's yearly rows):

- ``country_members``: countries that are members of an initiative (distinct).
- ``company_members``: companies that are members of an initiative (distinct).
- ``government_partnerships``: government partnerships formed by the model from its start
  year through the year (agreements of kind ``government`` in the event log; ties loaded from
  the scenario's data are not counted).
- ``steel_production_mt``, ``cement_production_mt``: world production (the model's countries
  and its rest of the world together).
- ``steel_emissions_ratio``, ``cement_emissions_ratio``: the sector's emissions in the year
  over those of :data:`BASE_YEAR`; ``emissions_ratio``: both sectors together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from industry_transition.experiments.run import RunResult
from industry_transition.model.scenario import DATA_DIR

OBSERVED_PATTERNS = DATA_DIR / "observed_patterns.csv"
#: The year the emissions ratios are taken over.
BASE_YEAR = 2019
CONFIDENCE = ("low", "medium", "high")
#: Patterns a run can be compared with, and what each is.
PATTERNS = {
    "country_members": "member countries of initiatives",
    "company_members": "member companies of initiatives",
    "government_partnerships": "government partnerships formed since the start year",
    "steel_production_mt": "world steel production (Mt)",
    "cement_production_mt": "world cement production (Mt)",
    "steel_emissions_ratio": f"steel emissions over {BASE_YEAR}",
    "cement_emissions_ratio": f"cement emissions over {BASE_YEAR}",
    "emissions_ratio": f"steel and cement emissions over {BASE_YEAR}",
}


def observed_patterns(
    *,
    start_year: int,
    end_year: int,
    patterns: Iterable[str] | None = None,
    min_confidence: str = "low",
    path: str | Path | None = None,
) -> pd.DataFrame:
    """Observed rows of ``patterns`` (default: all comparable ones) in ``start_year..end_year``.

    Rows below ``min_confidence`` are left out; so are ratio rows when the run starts after
    :data:`BASE_YEAR` (the run has no base year to divide by).
    """
    if min_confidence not in CONFIDENCE:
        raise ValueError(f"min_confidence '{min_confidence}': allowed {', '.join(CONFIDENCE)}")
    table = pd.read_csv(OBSERVED_PATTERNS if path is None else path)
    names = list(PATTERNS) if patterns is None else list(patterns)
    rank = {level: i for i, level in enumerate(CONFIDENCE)}
    keep = (
        table["pattern"].isin(names)
        & table["year"].between(start_year, end_year)
        & (table["confidence"].map(rank) >= rank[min_confidence])
    )
    if start_year > BASE_YEAR:
        keep &= ~table["pattern"].str.endswith("_ratio")
    return table[keep].reset_index(drop=True)


def _active_members(partnerships: pd.DataFrame, years: list[int]) -> dict[str, dict[int, float]]:
    """Distinct country and company members of any initiative, by year."""
    counts: dict[str, dict[int, float]] = {"country_members": {}, "company_members": {}}
    if partnerships.empty:
        for name in counts:
            counts[name] = dict.fromkeys(years, 0.0)
        return counts
    members = partnerships[partnerships["kind"] == "membership"]
    is_country = members["party_a"] == members["country_a"]
    start = members["start_year"].to_numpy(dtype=np.int64)
    ended = members["ended_year"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
    for year in years:
        active = (start <= year) & (ended > year)
        counts["country_members"][year] = float(
            members.loc[active & is_country.to_numpy(), "party_a"].nunique()
        )
        counts["company_members"][year] = float(
            members.loc[active & ~is_country.to_numpy(), "party_a"].nunique()
        )
    return counts


def model_patterns(result: RunResult) -> pd.DataFrame:
    """The patterns of one run: columns ``pattern, year, value``, one row per simulated year.

    Needs the run's ``series``, ``partnerships`` and ``events`` tables (``run(...,
    partnerships=True, events=True)``; ``snapshots`` may be off).
    """
    series = result.series.set_index("year")
    years = [int(y) for y in series.index]
    values: dict[str, dict[int, float]] = _active_members(result.partnerships, years)
    events = result.events
    if events.empty:
        formed = pd.Series(dtype=float)
    else:
        ties = events[(events["event"] == "agreement") & (events["kind"] == "government")]
        formed = ties.groupby("year").size()
    running = formed.reindex(years, fill_value=0).cumsum()
    values["government_partnerships"] = {y: float(running[y]) for y in years}
    for sector in ("steel", "cement"):
        values[f"{sector}_production_mt"] = {
            y: float(series.at[y, f"production_{sector}_mt"]) for y in years
        }
        if BASE_YEAR in series.index:
            base = float(series.at[BASE_YEAR, f"emissions_{sector}_mt"])
            values[f"{sector}_emissions_ratio"] = {
                y: float(series.at[y, f"emissions_{sector}_mt"]) / base for y in years
            }
    if BASE_YEAR in series.index:
        base = float(series.at[BASE_YEAR, "emissions_mt"])
        values["emissions_ratio"] = {y: float(series.at[y, "emissions_mt"]) / base for y in years}
    rows = [
        (name, year, value) for name, by_year in values.items() for year, value in by_year.items()
    ]
    return pd.DataFrame(rows, columns=["pattern", "year", "value"])


def mean_patterns(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The mean over runs (seeds) of each pattern and year."""
    joined = pd.concat(list(frames), ignore_index=True)
    return joined.groupby(["pattern", "year"], as_index=False, sort=False)["value"].mean()


def compare(model: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """Observed rows with the model's value and the scaled gap ``(model - observed) / tolerance``.

    Raises ValueError if the model lacks a value an observed row needs (a year it did not run).
    """
    merged = observed.merge(
        model.rename(columns={"value": "model"}), on=["pattern", "year"], how="left"
    )
    missing = merged[merged["model"].isna()]
    if not missing.empty:
        first = missing.iloc[0]
        raise ValueError(
            f"the run has no {first['pattern']} for {int(first['year'])} (it ends earlier?)"
        )
    merged = merged.rename(columns={"value": "observed"})
    merged["gap"] = (merged["model"] - merged["observed"]) / merged["tolerance"]
    return merged


def pattern_distances(compared: pd.DataFrame) -> dict[str, float]:
    """Each pattern's distance: the root mean square of its rows' scaled gaps."""
    return {
        str(name): float(np.sqrt(np.mean(np.square(group["gap"].to_numpy(dtype=float)))))
        for name, group in compared.groupby("pattern", sort=False)
    }


def total_distance(distances: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The weighted mean of the pattern distances (patterns without a weight are left out)."""
    total = sum(weights[name] for name in distances if name in weights)
    if total <= 0:
        raise ValueError("no weighted pattern to compare")
    return sum(weights[name] * d for name, d in distances.items() if name in weights) / total
