"""The plant fleet as a structure of arrays (DESIGN.md: arrays where populations are large)."""

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
        """Add one plant and return its index (building new capacity is rare: concatenation)."""
        defaults = {"pending_technology": -1}
        for name in _ARRAY_FIELDS:
            current = getattr(self, name)
            value = values.get(name, defaults.get(name, 0))
            setattr(self, name, np.append(current, np.asarray(value, current.dtype)))
        self.ids.append(plant_id)
        return len(self.ids) - 1

    @property
    def production_mt(self) -> FloatArray:
        """Production per plant in Mt/yr: capacity times utilisation."""
        return self.capacity_mt * self.utilisation

    def __post_init__(self) -> None:
        if len(self.pending_technology) != len(self.ids):
            self.pending_technology = np.full(len(self.ids), -1, dtype=np.int64)
            self.pending_year = np.zeros(len(self.ids), dtype=np.int64)

    def active(self) -> np.ndarray:
        """Mask of plants with capacity."""
        return self.capacity_mt > 0

    def emissions_mt(self, intensity_by_country_tech: FloatArray) -> FloatArray:
        """Emissions per plant: production times the intensity of its route in its country."""
        return self.production_mt * intensity_by_country_tech[self.country, self.technology]
