"""Phase 5, investment: plants choose their technology.

At its investment window a plant picks the cheapest available route by LCOP; between windows it
switches only when the saving pays back the stranded capital.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from industry_transition.model.costs import availability, plant_costs, switch_threshold

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def invest(model: TransitionModel, new_plants: np.ndarray | None = None) -> np.ndarray:
    """Choose technologies for plants at their window or with a paying early switch.

    Args:
        model: the model.
        new_plants: indices of plants built this year (their capacity counts as deployment of
            whatever route they choose).

    Returns:
        Indices of plants that changed technology.
    """
    fleet = model.fleet
    jitter = draw_jitter(model)
    plants = np.flatnonzero(fleet.active())
    if plants.size == 0:
        return plants
    lcop, variable = plant_costs(model, plants)
    available = availability(model, plants)
    threshold = switch_threshold(model, plants, lcop, variable, available)
    masked = np.where(available, lcop, np.inf)
    choice = np.argmin(masked, axis=1)
    at_window = fleet.next_investment_year[plants] <= model.year
    current = fleet.technology[plants]
    early = ~at_window & (masked[np.arange(plants.size), choice] < threshold) & (choice != current)
    acting = at_window | early
    new = np.zeros(len(fleet), dtype=bool)
    if new_plants is not None:
        new[new_plants] = True
    switched = []
    for row in np.flatnonzero(acting):
        plant = int(plants[row])
        technology = int(choice[row])
        changed = technology != fleet.technology[plant] or new[plant]
        rebuild(
            model,
            plant,
            technology,
            int(jitter[plant]),
            changed=changed,
            new_plant=bool(new[plant]),
        )
        if changed:
            switched.append(plant)
    return np.array(switched, dtype=np.int64)


def draw_jitter(model: TransitionModel) -> np.ndarray:
    """Next-window offsets for every plant, drawn every year (common random numbers)."""
    spread = model.params.investment_cycle_jitter_years
    return model.streams.investment.integers(-spread, spread + 1, size=len(model.fleet))


def rebuild(
    model: TransitionModel,
    plant: int,
    technology: int,
    jitter: int,
    *,
    changed: bool,
    new_plant: bool = False,
) -> None:
    """Invest in ``plant`` with ``technology``: capex, learning, grant use, next window."""
    fleet, tech, companies = model.fleet, model.technologies, model.companies
    country = int(fleet.country[plant])
    old = int(fleet.technology[plant])
    multiplier = (
        model.countries.capability_multiplier[country] if tech.low_carbon[technology] else 1.0
    )
    fleet.technology[plant] = technology
    fleet.capex_paid_usd_per_tpa[plant] = tech.capex_usd_per_tpa[technology] * multiplier
    cycle = model.cycle_years[fleet.sector[plant]]
    fleet.next_investment_year[plant] = model.year + max(1, int(cycle) + jitter)
    if not changed:
        return
    tech.add_deployment(technology, float(fleet.capacity_mt[plant]))
    company_id = companies.ids[fleet.owner[plant]]
    if tech.low_carbon[technology]:
        grant = float(fleet.grant_musd[plant])
        if grant > 0:
            model.ledger.transfer(
                model.year,
                "musd",
                f"grant:{fleet.ids[plant]}",
                f"capex:{company_id}",
                grant,
                "grant spent",
            )
            fleet.grant_musd[plant] = 0.0
        fleet.financed[plant] = False
        model.raise_capability(country)
    model.events.record(
        model.year,
        "adoption",
        f"{model.year}: {model.display_name(company_id)} "
        + (
            f"builds {fleet.ids[plant]} with {tech.names[technology]}"
            if new_plant
            else f"switches {fleet.ids[plant]} from {tech.names[old]} to {tech.names[technology]}"
        ),
        party_a=company_id,
        technology=tech.ids[technology],
        amount_musd=float(fleet.capex_paid_usd_per_tpa[plant] * fleet.capacity_mt[plant]),
    )
