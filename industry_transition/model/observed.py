"""Observed series: carbon prices, grids and production that follow dated rows along a run.

A scenario's optional ``country_years`` table gives, per country and year, the carbon price an
industrial emitter pays, the grid's intensity and (optionally) the country's steel and cement
production. A run takes its start year's rows as the initial state (``scenario.countries_at``)
and, in every later year that has a row, the row's figure instead of the yearly trend
(docs/model.md "Input data", "Observed and endogenous inputs"):

- carbon price: the row (times ``carbon_price_scale``) plus what stocktake ratchets have added
  in the run so far, so a ratchet is never undone by a row that follows it;
- grid intensity: the row;
- production: the row sets the country-sector's demand (production follows demand up to
  capacity).

Years without a row continue from the last value at the yearly trend. Expectations do not
foresee rows: a company expects the current price to grow at its country's trend
(``costs.decision_carbon_price``), so a run from 2019 does not know 2020-2024 in advance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from industry_transition.model.economics import FloatArray
from industry_transition.model.kinds import SECTORS

PRODUCTION_COLUMNS = tuple(f"{sector}_production_mt" for sector in SECTORS)


@dataclass
class ObservedSeries:
    """Rows of ``country_years`` by year, as arrays over countries (NaN: no figure)."""

    carbon_price_usd_per_t: dict[int, FloatArray] = field(default_factory=dict)
    grid_tco2_per_mwh: dict[int, FloatArray] = field(default_factory=dict)
    #: year -> (country, sector) production in Mt; NaN where the table has no figure
    production_mt: dict[int, FloatArray] = field(default_factory=dict)

    @classmethod
    def from_table(
        cls, country_years: pd.DataFrame | None, country_ids: list[str]
    ) -> ObservedSeries:
        """Index ``country_years`` (any row order) by year over ``country_ids``."""
        series = cls()
        if country_years is None or country_years.empty:
            return series
        position = {c: i for i, c in enumerate(country_ids)}
        rows = country_years[country_years["country_id"].isin(position)]
        index = rows["country_id"].map(position).to_numpy(dtype=np.int64)
        years = rows["year"].to_numpy(dtype=np.int64)
        n = len(country_ids)

        def spread(values: np.ndarray, shape: tuple[int, ...]) -> dict[int, FloatArray]:
            out: dict[int, FloatArray] = {}
            for year in np.unique(years).tolist():
                at = years == year
                array = np.full(shape, np.nan)
                array[index[at]] = values[at]
                if np.isfinite(array).any():
                    out[int(year)] = array
            return out

        def column(name: str) -> np.ndarray:
            if name not in rows:
                return np.full(len(rows), np.nan)
            return pd.to_numeric(rows[name], errors="coerce").to_numpy(dtype=float)

        series.carbon_price_usd_per_t = spread(column("carbon_price_usd_per_t"), (n,))
        series.grid_tco2_per_mwh = spread(column("grid_tco2_per_mwh"), (n,))
        production = np.column_stack([column(c) for c in PRODUCTION_COLUMNS])
        series.production_mt = spread(production, (n, len(SECTORS)))
        return series

    def apply_carbon_price(
        self, year: int, price: FloatArray, scale: float, ratchet_premium: FloatArray
    ) -> None:
        """Set ``price`` (in place) to the year's rows, scaled, plus the ratchets so far."""
        rows = self.carbon_price_usd_per_t.get(year)
        if rows is not None:
            known = np.isfinite(rows)
            price[known] = rows[known] * scale + ratchet_premium[known]

    def apply_grid(self, year: int, grid: FloatArray) -> None:
        """Set ``grid`` (in place) to the year's rows where it has them."""
        rows = self.grid_tco2_per_mwh.get(year)
        if rows is not None:
            known = np.isfinite(rows)
            grid[known] = rows[known]

    def apply_production(self, year: int, demand: FloatArray) -> None:
        """Set ``demand`` (in place, country x sector) to the year's observed production."""
        rows = self.production_mt.get(year)
        if rows is not None:
            known = np.isfinite(rows)
            demand[known] = rows[known]

    def last_year(self) -> int | None:
        """The last year with any observed figure (None: no rows)."""
        years = [*self.carbon_price_usd_per_t, *self.grid_tco2_per_mwh, *self.production_mt]
        return max(years) if years else None
