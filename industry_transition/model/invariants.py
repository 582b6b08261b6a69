"""Accounting and consistency invariants, checked at the end of every year (phase 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def check_invariants(model: TransitionModel) -> None:
    """Raise AssertionError when an accounting or consistency invariant breaks."""
    model.ledger.check()
    model.registry.check()
    year_co2 = sum(e[4] for e in _ledger_entries_this_year(model, "mtco2"))
    if not np.isclose(year_co2, model.plant_emissions_mt.sum(), rtol=1e-9, atol=1e-9):
        raise AssertionError(
            f"ledger CO2 {year_co2} != plant emissions {model.plant_emissions_mt.sum()}"
        )
    for country_id in model.countries.ids:
        if abs(model.ledger.balance("musd", f"treasury:{country_id}")) > 1e-6:
            raise AssertionError(f"treasury of {country_id} not closed at year end")
    fleet = model.fleet
    grants = model.ledger.total("musd", "grant:")
    if not np.isclose(grants, fleet.grant_musd.sum(), atol=1e-6):
        raise AssertionError(f"ledger grants {grants} != plant grants {fleet.grant_musd.sum()}")
    if (fleet.grant_musd < -1e-9).any() or (fleet.capacity_mt < 0).any():
        raise AssertionError("negative plant stock")
    for partnership in model.registry.records.values():
        if partnership.delivered_musd > partnership.amount_musd + 1e-6 and (
            partnership.kind == "finance"
        ):
            raise AssertionError(f"{partnership.partnership_id} delivered more than committed")


def _ledger_entries_this_year(model: TransitionModel, unit: str) -> list[tuple[Any, ...]]:
    out = []
    for entry in reversed(model.ledger.entries):
        if entry[0] != model.year:
            break
        if entry[1] == unit:
            out.append(entry)
    return out
