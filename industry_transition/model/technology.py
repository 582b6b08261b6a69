"""The technology table and its learning state (global cumulative capacity, Wright's law)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from industry_transition.model.economics import FloatArray, component_capex
from industry_transition.model.kinds import SECTOR_INDEX, Sector

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


class Technologies:
    """Technology attributes as arrays indexed by technology number, plus learning state.

    Deployment anywhere adds to the global cumulative capacity ``X_k`` and lowers capex
    everywhere: the spillover that makes coalitions worth forming (docs/model.md §3.1). Only
    the novel component of a route's capex learns (``capex_novel_usd_per_tpa``; all of it when
    the table leaves it empty); the conventional rest stays.

    ``default_lead_time`` is the lead time of routes whose ``lead_time_years`` is empty (the
    ``switch_lead_time_years`` parameter).
    """

    def __init__(
        self, table: pd.DataFrame, *, learning: bool = True, default_lead_time: int = 0
    ) -> None:
        self.ids: list[str] = list(table["technology"])
        self.index: dict[str, int] = {t: i for i, t in enumerate(self.ids)}
        self.names: list[str] = list(table["name"])
        self.sector = np.array([SECTOR_INDEX[s] for s in table["sector"]], dtype=np.int8)
        self.low_carbon = table["low_carbon"].to_numpy(dtype=bool)
        self.proprietary = table["proprietary"].to_numpy(dtype=bool)
        self.direct_tco2_per_t = table["direct_tco2_per_t"].to_numpy(dtype=float)
        self.electricity_mwh_per_t = table["electricity_mwh_per_t"].to_numpy(dtype=float)
        self.capex_initial = table["capex_usd_per_tpa"].to_numpy(dtype=float)
        novel = _optional(table, "capex_novel_usd_per_tpa")
        #: The part of capex that learns (USD/tpa at the starting deployment) and the rest.
        self.capex_novel_initial = np.where(np.isnan(novel), self.capex_initial, novel)
        self.capex_conventional = self.capex_initial - self.capex_novel_initial
        #: What keeping the route for another cycle costs at a plant's window (USD/tpa): a
        #: reline or refurbishment; NaN where the table leaves it empty (a full rebuild).
        self.renewal_capex_usd_per_tpa = _optional(table, "renewal_capex_usd_per_tpa")
        #: Opex without gas and scrap (USD/t), the gas burnt (GJ/t) and the scrap melted (t/t),
        #: both paid at the country's price.
        self.opex_usd_per_t = table["opex_usd_per_t"].to_numpy(dtype=float)
        self.gas_gj_per_t = np.nan_to_num(_optional(table, "gas_gj_per_t"), nan=0.0)
        self.scrap_t_per_t = np.nan_to_num(_optional(table, "scrap_t_per_t"), nan=0.0)
        lead = _optional(table, "lead_time_years")
        #: Years from deciding a conversion to this route to its operating.
        self.lead_time_years = np.where(np.isnan(lead), default_lead_time, lead).astype(np.int64)
        self.year_available = table["year_available"].to_numpy(dtype=np.int64)
        self.learning_rate = table["learning_rate"].to_numpy(dtype=float)
        self.cumulative_initial = table["initial_cumulative_mt"].to_numpy(dtype=float)
        self.max_share = table["max_share"].to_numpy(dtype=float)
        #: The route each one is built onto (a capture unit's furnace or kiln); -1: none.
        hosts = table["retrofit_of"] if "retrofit_of" in table else pd.Series([""] * len(table))
        self.retrofit_of = np.array(
            [self.index[h.strip()] if isinstance(h, str) and h.strip() else -1 for h in hosts],
            dtype=np.int64,
        )
        #: How fast a capped route's supply grows (share per year); NaN: the parameter's.
        self.supply_ramp_per_year = _optional(table, "supply_ramp_per_year")
        #: Routes limited by a resource (scrap, clay): their country share is capped.
        self.capped = self.max_share < 1.0
        self.learning = learning
        self.cumulative_mt = self.cumulative_initial.copy()
        self.capex_usd_per_tpa = self.capex_initial.copy()
        #: Global cumulative capacity at each ``update_costs`` (once a year, oldest first): the
        #: deployment record agents extrapolate when they expect learning.
        self.history: list[FloatArray] = []
        # The incumbent of each sector: the first conventional (not low-carbon) route listed.
        # It is the reference for green premiums and the placeholder route of new plants
        # until their first investment decision. -1 where a sector has none.
        self.incumbent = np.array(
            [next(iter(np.flatnonzero((self.sector == s) & ~self.low_carbon)), -1) for s in Sector],
            dtype=np.int64,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def host_saving(self) -> FloatArray:
        """What a plant on each route saves on a retrofit built onto it (USD/tpa).

        The retrofit's capex includes its host (a capture unit's 1,000 on a 400 blast
        furnace); a plant already on the host only renews it, so it saves the host's capex
        less its renewal. 0 for routes without a renewal.
        """
        every = np.arange(len(self))
        return self.capex_usd_per_tpa - self.renewal_capex(every)

    def renewal_capex(self, technology: np.ndarray) -> FloatArray:
        """What keeping each route for another cycle costs today (USD/tpa).

        The route's renewal (a reline, a refurbishment) where the table gives one, never more
        than building the route anew at today's capex; a full rebuild where it gives none.
        """
        renewal = self.renewal_capex_usd_per_tpa[technology]
        capex = self.capex_usd_per_tpa[technology]
        return np.where(np.isnan(renewal), capex, np.minimum(renewal, capex))

    def add_deployment(self, technology: int, capacity_mt: float) -> None:
        """Record newly built capacity of a technology (adds to global cumulative capacity)."""
        self.cumulative_mt[technology] += capacity_mt

    def update_costs(self) -> FloatArray:
        """Recompute capex from Wright's law on the current cumulative capacity (once a year)."""
        self.history.append(self.cumulative_mt.copy())
        if self.learning:
            self.capex_usd_per_tpa = component_capex(
                self.capex_conventional,
                self.capex_novel_initial,
                self.cumulative_initial,
                self.cumulative_mt,
                self.learning_rate,
            )
        return self.capex_usd_per_tpa

    def expected_capex(
        self,
        horizon: int,
        pipeline_mt: FloatArray,
        lookback: int,
        lead_time: int | np.ndarray | None = None,
    ) -> FloatArray:
        """Capex (USD/tpa) agents expect for every technology 0..``horizon`` years from now.

        Expected learning with adaptive expectations (docs/model.md §3.1): the global cumulative
        capacity ``h`` years ahead is today's, plus the conversions already under way that
        complete by then (``pipeline_mt``, shape (horizon + 1, technologies), cumulative by
        year), plus, after a lead time, the average yearly additions of the last ``lookback``
        years (decisions taken from now on complete ``lead_time`` years later at the recent
        pace; by default each route's own lead time). Wright's law lowers the novel part of
        capex only. Without learning, or for a route that does not learn, today's capex
        throughout.

        Returns:
            Array shaped (horizon + 1, technologies); row 0 is today's capex.
        """
        steps = np.arange(horizon + 1, dtype=float)
        lead = self.lead_time_years if lead_time is None else lead_time
        lags = np.broadcast_to(np.asarray(lead, dtype=float), (len(self),))
        trend = np.zeros(len(self))
        if lookback > 0 and len(self.history) > 1:
            span = min(lookback, len(self.history) - 1)
            trend = (self.history[-1] - self.history[-1 - span]) / span
        cumulative = (
            self.cumulative_mt[None, :]
            + pipeline_mt
            + np.maximum(steps[:, None] - lags[None, :], 0.0) * trend[None, :]
        )
        if not self.learning:
            return np.broadcast_to(self.capex_usd_per_tpa, cumulative.shape).copy()
        return component_capex(
            self.capex_conventional[None, :],
            self.capex_novel_initial[None, :],
            self.cumulative_initial[None, :],
            cumulative,
            self.learning_rate[None, :],
        )

    def lead_time(self, technology: int) -> int:
        """Years from deciding a conversion to ``technology`` to its operating."""
        return int(self.lead_time_years[technology])

    def sector_mask(self, sector: int) -> np.ndarray:
        """Boolean mask of the technologies of one sector."""
        return self.sector == sector


def _optional(table: pd.DataFrame, column: str) -> FloatArray:
    """An optional numeric column as floats, NaN where empty or absent."""
    if column not in table:
        return np.full(len(table), np.nan)
    return pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)


def route_caps(model: TransitionModel) -> np.ndarray:
    """This year's cap on each route's share of a country's sector capacity, (country, tech).

    A capped route's supply (scrap, calcined clay) ramps up: the cap is the route's share at
    the start plus its ramp per year since, never above ``max_share``. The ramp is the
    technology row's ``supply_ramp_per_year``, or the parameter of that name where the row
    leaves it empty. Uncapped routes (max_share 1) have cap 1.
    """
    tech = model.technologies
    per_year = np.where(
        np.isnan(tech.supply_ramp_per_year),
        model.params.supply_ramp_per_year,
        tech.supply_ramp_per_year,
    )
    ramp = model.initial_route_share + per_year[None, :] * (model.year - model.params.start_year)
    capped = tech.max_share < 1.0
    return np.where(capped[None, :], np.minimum(ramp, tech.max_share[None, :]), 1.0)
