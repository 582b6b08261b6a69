"""Outcomes of a run: the few numbers researchers compare across settings.

``run_outcomes`` is a model function in the form EMA Workbench and SALib wrappers expect:
keyword parameters in, a dict of named outcomes out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from industry_transition.experiments.run import run
from industry_transition.experiments.spec import OUTCOMES


def outcomes_from_series(series: pd.DataFrame) -> dict[str, float]:
    """The outcomes of one run's yearly series.

    Cumulative emissions, emissions in 2030 and 2050 (NaN if not simulated), finance delivered,
    partnerships formed and the share of finance to lower-income countries.
    """
    by_year = series.set_index("year")
    last = series.iloc[-1]

    def emissions_in(year: int) -> float:
        return float(by_year.at[year, "emissions_mt"]) if year in by_year.index else float("nan")

    return {
        "cumulative_emissions_mt": float(series["emissions_mt"].sum()),
        "emissions_2030_mt": emissions_in(2030),
        "emissions_2050_mt": emissions_in(2050),
        "finance_delivered_musd": float(last["finance_delivered_musd"]),
        "partnerships_formed": float(last["partnerships_formed"]),
        "finance_to_lower_income_share": float(last["finance_to_lower_income_share"]),
    }


def run_outcomes(
    scenario: str | Path = "teaching", seed: int = 0, steps: int | None = None, **parameters: Any
) -> dict[str, float]:
    """Run one simulation and return its outcomes (see ``OUTCOMES``)."""
    result = run(
        scenario, seed=seed, steps=steps, snapshots=False, partnerships=False, **parameters
    )
    outcomes = outcomes_from_series(result.series)
    assert set(outcomes) == set(OUTCOMES)
    return outcomes
