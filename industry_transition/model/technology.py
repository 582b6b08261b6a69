"""The technology table and its learning state (global cumulative capacity, Wright's law)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from industry_transition.model.economics import FloatArray, wright_capex

SECTOR_INDEX = {"steel": 0, "cement": 1}


class Technologies:
    """Technology attributes as arrays indexed by technology number, plus learning state.

    Deployment anywhere adds to the global cumulative capacity ``X_k`` and lowers capex
    everywhere: the spillover that makes coalitions worth forming (docs/model.md §3.1).
    """

    def __init__(self, table: pd.DataFrame, *, learning: bool = True) -> None:
        self.ids: list[str] = list(table["technology"])
        self.index: dict[str, int] = {t: i for i, t in enumerate(self.ids)}
        self.names: list[str] = list(table["name"])
        self.sector = np.array([SECTOR_INDEX[s] for s in table["sector"]], dtype=np.int8)
        self.low_carbon = table["low_carbon"].to_numpy(dtype=bool)
        self.proprietary = table["proprietary"].to_numpy(dtype=bool)
        self.direct_tco2_per_t = table["direct_tco2_per_t"].to_numpy(dtype=float)
        self.electricity_mwh_per_t = table["electricity_mwh_per_t"].to_numpy(dtype=float)
        self.capex_initial = table["capex_usd_per_tpa"].to_numpy(dtype=float)
        self.opex_usd_per_t = table["opex_usd_per_t"].to_numpy(dtype=float)
        self.year_available = table["year_available"].to_numpy(dtype=np.int64)
        self.learning_rate = table["learning_rate"].to_numpy(dtype=float)
        self.cumulative_initial = table["initial_cumulative_mt"].to_numpy(dtype=float)
        self.max_share = table["max_share"].to_numpy(dtype=float)
        #: Routes limited by a resource (scrap, clay): their country share is capped.
        self.capped = self.max_share < 1.0
        self.learning = learning
        self.cumulative_mt = self.cumulative_initial.copy()
        self.capex_usd_per_tpa = self.capex_initial.copy()
        # The incumbent of each sector: the first conventional (not low-carbon) route listed.
        # It is the reference for green premiums and the placeholder route of new plants
        # until their first investment decision. -1 where a sector has none.
        self.incumbent = np.array(
            [next(iter(np.flatnonzero((self.sector == s) & ~self.low_carbon)), -1) for s in (0, 1)],
            dtype=np.int64,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def add_deployment(self, technology: int, capacity_mt: float) -> None:
        """Record newly built capacity of a technology (adds to global cumulative capacity)."""
        self.cumulative_mt[technology] += capacity_mt

    def update_costs(self) -> FloatArray:
        """Recompute capex from Wright's law on the current cumulative capacity."""
        if self.learning:
            self.capex_usd_per_tpa = wright_capex(
                self.capex_initial, self.cumulative_initial, self.cumulative_mt, self.learning_rate
            )
        return self.capex_usd_per_tpa

    def sector_mask(self, sector: int) -> np.ndarray:
        """Boolean mask of the technologies of one sector."""
        return self.sector == sector
