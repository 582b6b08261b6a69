"""The plant fleet as a structure of arrays, its indices and the caches derived from it.

``PlantFleet`` holds the plants (arrays where populations are large), the index of each
company's active plants and of each country's plants, and the capacity and route shares by
country, cached until the fleet changes (``changed``). ``build_fleet`` makes the start year's
fleet from the plants table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from industry_transition.model.economics import FloatArray
from industry_transition.model.kinds import Sector

if TYPE_CHECKING:
    from industry_transition.model.technology import Technologies
    from industry_transition.model.world import CompanyArrays

SECTOR_COUNT = len(Sector)

_ARRAY_FIELDS = (
    "owner",
    "country",
    "sector",
    "technology",
    "capacity_mt",
    "utilisation",
    "next_investment_year",
    "capex_paid_usd_per_tpa",
    "grant_musd",
    "financed",
    "pending_technology",
    "pending_year",
)


@dataclass
class PlantFleet:
    """Plants (or representative plant groups) by owner, country, sector and technology.

    Retired plants keep their row with zero capacity so that indices stay stable.
    ``company_count``, ``country_count`` and ``technology_sector`` (the sector of each
    technology) size the indices and caches.
    """

    ids: list[str] = field(default_factory=list)
    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    country: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    technology: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    capacity_mt: FloatArray = field(default_factory=lambda: np.zeros(0))
    utilisation: FloatArray = field(default_factory=lambda: np.zeros(0))
    next_investment_year: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    capex_paid_usd_per_tpa: FloatArray = field(default_factory=lambda: np.zeros(0))
    grant_musd: FloatArray = field(default_factory=lambda: np.zeros(0))
    financed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # A route switch under construction: the new technology (-1: none) and its first year.
    pending_technology: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pending_year: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    company_count: int = 0
    country_count: int = 0
    technology_sector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    def __len__(self) -> int:
        return len(self.ids)

    def append(self, plant_id: str, **values: float | int | bool) -> int:
        """Add one plant and return its index.

        Each array is a view of a larger buffer that grows by half when full, so appending
        costs amortised constant time (finance deals split plants one at a time).
        """
        defaults = {"pending_technology": -1}
        n = len(self.ids)
        for name in _ARRAY_FIELDS:
            current = getattr(self, name)
            buffer = self._buffers.get(name)
            if buffer is None or buffer.shape[0] <= n or current.base is not buffer:
                buffer = np.empty(max(16, (n + 1) * 3 // 2), dtype=current.dtype)
                buffer[:n] = current
                self._buffers[name] = buffer
            buffer[n] = values.get(name, defaults.get(name, 0))
            setattr(self, name, buffer[: n + 1])
        self.ids.append(plant_id)
        self._count_line(plant_id)
        return n

    @property
    def production_mt(self) -> FloatArray:
        """Production per plant in Mt/yr: capacity times utilisation."""
        return self.capacity_mt * self.utilisation

    def __post_init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}
        #: Number of lines split off each plant id (``<id>_line<n>``), for naming the next.
        self.lines: dict[str, int] = {}
        for plant_id in self.ids:
            self._count_line(plant_id)
        self._share_cache: np.ndarray | None = None
        self._capacity_cache: np.ndarray | None = None
        # countries whose plants changed since the caches above were filled (their rows are
        # recomputed when next read), and every plant's index grouped by country
        self._dirty_countries: set[int] = set()
        self._plants_by_country: list[np.ndarray] = []
        self._country_index_size = 0
        self.reindex()

    def _count_line(self, plant_id: str) -> None:
        stem, _, number = plant_id.rpartition("_line")
        if stem and number.isdigit():
            self.lines[stem] = self.lines.get(stem, 0) + 1
        if len(self.pending_technology) != len(self.ids):
            self.pending_technology = np.full(len(self.ids), -1, dtype=np.int64)
            self.pending_year = np.zeros(len(self.ids), dtype=np.int64)

    def active(self) -> np.ndarray:
        """Mask of plants with capacity."""
        return self.capacity_mt > 0

    def route(self, plants: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Each plant's route for shares and caps: the one it is converting to, if any."""
        pending = self.pending_technology[plants]
        return np.where(pending >= 0, pending, self.technology[plants])

    def emissions_mt(self, intensity_by_country_tech: FloatArray) -> FloatArray:
        """Emissions per plant: production times the intensity of its route in its country."""
        return self.production_mt * intensity_by_country_tech[self.country, self.technology]

    # --- indices ------------------------------------------------------------------------------
    def reindex(self) -> None:
        """Rebuild the company -> active plants index after the fleet changes.

        The index is every active plant sorted by owner (stably, so each company's plants are
        in increasing order) and each company's bounds in it; ``plants_of`` slices it. Plants
        added since (``plant_added``) are kept per company until the next rebuild.
        """
        self.changed()
        active = np.flatnonzero(self.active())
        owners = self.owner[active]
        order = np.argsort(owners, kind="stable")
        self._indexed_plants = active[order]
        self._plant_bounds: list[int] = np.searchsorted(
            owners[order], np.arange(self.company_count + 1)
        ).tolist()
        self._added_plants: dict[int, np.ndarray] = {}

    def plant_added(self, plant: int) -> None:
        """Index one new active plant (the highest index) under its owner."""
        self.changed(int(self.country[plant]))
        owner = int(self.owner[plant])
        self._added_plants[owner] = np.append(self.plants_of(owner), plant)

    def plants_of(self, company: int) -> np.ndarray:
        """Active plant indices of a company, in increasing order (do not modify the array)."""
        added = self._added_plants.get(company)
        if added is not None:
            return added
        bounds = self._plant_bounds
        return self._indexed_plants[bounds[company] : bounds[company + 1]]

    def country_plants(self, country: int) -> np.ndarray:
        """Indices of every plant of a country (retired ones too), in increasing order.

        The array is shared: do not modify it.
        """
        start = self._country_index_size
        if not self._plants_by_country:
            start = 0
            self._plants_by_country = [
                np.zeros(0, dtype=np.int64) for _ in range(self.country_count)
            ]
        if start < len(self):
            new = np.arange(start, len(self))
            countries = self.country[start:]
            by_country = self._plants_by_country
            for c in np.unique(countries).tolist():
                by_country[c] = np.concatenate([by_country[c], new[countries == c]])
            self._country_index_size = len(self)
        return self._plants_by_country[country]

    # --- caches -------------------------------------------------------------------------------
    def changed(self, country: int | None = None) -> None:
        """Forget values derived from the fleet (call after capacity or routes change).

        ``country``: only plants of that country changed (a route chosen, a line split off):
        its rows of the cached capacity and shares are recomputed when next read, the others
        are kept. The rows come out bit for bit as a full recomputation would give them
        (``tests/test_invariants.py`` checks it at every read over whole runs).
        """
        if country is None:
            self._share_cache = None
            self._capacity_cache = None
            self._dirty_countries.clear()
        elif self._share_cache is not None or self._capacity_cache is not None:
            self._dirty_countries.add(country)

    def technology_shares(self) -> np.ndarray:
        """Share of each country's sector capacity held by each technology, (country, tech).

        Conversions under way count toward the route they are becoming. Cached until the fleet
        changes (``changed``). The array is shared: do not modify it (a change to the fleet
        gives a new array, so one read earlier stays as it was).
        """
        self._refresh_dirty_countries()
        if self._share_cache is None:
            self._share_cache = self.full_technology_shares()
        return self._share_cache

    def sector_capacity(self) -> np.ndarray:
        """Installed capacity (Mt/yr) by country and sector (cached until the fleet changes).

        The array is shared: do not modify it.
        """
        self._refresh_dirty_countries()
        if self._capacity_cache is None:
            self._capacity_cache = self.full_sector_capacity()
        return self._capacity_cache

    def full_sector_capacity(self) -> FloatArray:
        """Installed capacity (Mt/yr) by country and sector, computed afresh."""
        # bincount adds in plant order, as np.add.at would, at a fraction of the cost
        return (
            np.bincount(
                self.country * SECTOR_COUNT + self.sector,
                weights=self.capacity_mt,
                minlength=SECTOR_COUNT * self.country_count,
            )
            .reshape(self.country_count, SECTOR_COUNT)
            .astype(float, copy=False)
        )  # float even for an empty fleet

    def full_technology_shares(self) -> np.ndarray:
        """``technology_shares`` computed afresh from the whole fleet."""
        countries, technologies = self.country_count, len(self.technology_sector)
        by_tech = (
            np.bincount(
                self.country * technologies + self.route(),
                weights=self.capacity_mt,
                minlength=countries * technologies,
            )
            .reshape(countries, technologies)
            .astype(float, copy=False)
        )
        by_sector = self.sector_capacity()[:, self.technology_sector]
        return np.divide(by_tech, by_sector, out=np.zeros_like(by_tech), where=by_sector > 0)

    def _refresh_dirty_countries(self) -> None:
        """Recompute the cached rows of the countries whose plants changed.

        ``np.bincount`` adds the weights of a bin in plant order; a country's plants in
        increasing order add the same numbers in the same order, so each row is identical to
        the row of a full recomputation.
        """
        if not self._dirty_countries:
            return
        if 4 * len(self._dirty_countries) > self.country_count:
            self.changed()  # most rows changed: recompute all at once when read
            return
        technologies = len(self.technology_sector)
        capacity = None if self._capacity_cache is None else self._capacity_cache.copy()
        share = None if self._share_cache is None else self._share_cache.copy()
        for country in sorted(self._dirty_countries):
            plants = self.country_plants(country)
            weights = self.capacity_mt[plants]
            by_sector = np.bincount(
                self.sector[plants], weights=weights, minlength=SECTOR_COUNT
            ).astype(float, copy=False)
            if capacity is not None:
                capacity[country] = by_sector
            if share is not None:
                by_tech = np.bincount(
                    self.route(plants), weights=weights, minlength=technologies
                ).astype(float, copy=False)
                total = by_sector[self.technology_sector]
                share[country] = np.divide(
                    by_tech, total, out=np.zeros_like(by_tech), where=total > 0
                )
        self._capacity_cache, self._share_cache = capacity, share
        self._dirty_countries.clear()


def build_fleet(
    plants: pd.DataFrame,
    technologies: Technologies,
    companies: CompanyArrays,
    *,
    countries: int,
    cycle_years: np.ndarray,
    year: int,
    endowments: np.random.Generator,
) -> PlantFleet:
    """The fleet of 1 January of ``year`` from the plants table (docs/model.md "Input data").

    ``cycle_years``: the investment cycle of each sector; ``endowments``: the generator that
    draws the windows the data does not state.
    """
    tech = technologies
    company_index = {c: i for i, c in enumerate(companies.ids)}
    owner = np.array([company_index[c] for c in plants["company_id"]], dtype=np.int64)
    technology = np.array([tech.index[t] for t in plants["technology"]], dtype=np.int64)
    sector = tech.sector[technology].astype(np.int8)
    cycle = cycle_years[sector].astype(np.int64)
    # Plants without a stated window get one uniformly within their first cycle (the
    # fleet's age structure is not in the data; this spreads reinvestment evenly).
    drawn = year + (endowments.random(len(plants)) * cycle).astype(np.int64)
    stated = plants["next_investment_year"]
    window = np.array(
        [drawn[i] if v is None or pd.isna(v) else int(v) for i, v in enumerate(stated)],
        dtype=np.int64,
    )
    # A plant with a start year keeps its reinvestment phase (start + whole cycles): a run
    # starting before the stated window takes the phase's first window at or after its
    # start year, but never sooner than one cycle after the plant started.
    vintage = pd.to_numeric(plants["start_year"], errors="coerce").to_numpy(dtype=float)
    phased = ~np.isnan(vintage) & stated.notna().to_numpy(dtype=bool)
    if phased.any():
        earliest = np.maximum(year, np.nan_to_num(vintage).astype(np.int64) + cycle)
        back = np.maximum((window - earliest) // cycle, 0)
        window = np.where(phased, window - back * cycle, window).astype(np.int64)
    # The capital in place: a plant that has passed a window since it started has renewed
    # its route there (a blast furnace was relined), one without a start year or younger
    # than a cycle is still on its first build.
    renewed = ~np.isnan(vintage) & (np.nan_to_num(vintage) + cycle <= year)
    paid = np.where(renewed, tech.renewal_capex(technology), tech.capex_initial[technology])
    return PlantFleet(
        ids=list(plants["plant_id"]),
        owner=owner,
        country=companies.country[owner].copy(),
        sector=sector,
        technology=technology,
        capacity_mt=plants["capacity_mt"].to_numpy(dtype=float).copy(),
        utilisation=plants["utilisation"].to_numpy(dtype=float).copy(),
        next_investment_year=window,
        capex_paid_usd_per_tpa=paid,
        grant_musd=np.zeros(len(plants)),
        financed=np.zeros(len(plants), dtype=bool),
        company_count=len(companies.ids),
        country_count=countries,
        technology_sector=tech.sector.copy(),
    )
