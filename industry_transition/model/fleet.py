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

    def __len__(self) -> int:
        return len(self.ids)

    def append(self, plant_id: str, **values: float | int | bool) -> int:
        """Add one plant and return its index (building new capacity is rare: concatenation)."""
        for name in _ARRAY_FIELDS:
            current = getattr(self, name)
            setattr(self, name, np.append(current, np.asarray(values.get(name, 0), current.dtype)))
        self.ids.append(plant_id)
        return len(self.ids) - 1

    @property
    def production_mt(self) -> FloatArray:
        """Production per plant in Mt/yr: capacity times utilisation."""
        return self.capacity_mt * self.utilisation

    def active(self) -> np.ndarray:
        """Mask of plants with capacity."""
        return self.capacity_mt > 0

    def emissions_mt(self, intensity_by_country_tech: FloatArray) -> FloatArray:
        """Emissions per plant: production times the intensity of its route in its country."""
        return self.production_mt * intensity_by_country_tech[self.country, self.technology]
