"""The plant fleet as a structure of arrays (arrays where populations are large)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from industry_transition.model.economics import FloatArray

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
