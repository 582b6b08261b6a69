"""Demand, capacity and production.

Exogenous demand paths drive utilisation, new build and retirement (the MPP steel model's rule:
build above ~0.95 utilisation, close below ~0.6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from industry_transition.model.costs import plant_costs
from industry_transition.model.economics import FloatArray
from industry_transition.model.kinds import SECTORS, Sector

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def capacity_by_country_sector(model: TransitionModel) -> FloatArray:
    """Installed capacity (Mt/yr) by country and sector, computed afresh."""
    return model.fleet.full_sector_capacity()


def update_demand(model: TransitionModel) -> None:
    """Demand grows at each country-sector's exogenous rate, or takes the observed production."""
    model.countries.demand_mt *= 1.0 + model.countries.demand_growth
    model.observed.apply_production(model.year, model.countries.demand_mt)


def initial_demand(model: TransitionModel) -> None:
    """Demand of the start year: the fleet's production, or the observed production where known.

    The fleet's production is capacity x utilisation (the plants table's); a ``country_years``
    row of the start year with production replaces it for that country and sector.
    """
    fleet = model.fleet
    demand = np.zeros((len(model.countries.ids), len(Sector)))
    np.add.at(demand, (fleet.country, fleet.sector), fleet.production_mt)
    model.observed.apply_production(model.params.start_year, demand)
    model.countries.demand_mt = demand


def build_and_retire(model: TransitionModel) -> np.ndarray:
    """Build where utilisation exceeds the build threshold, retire where it falls below.

    Retirement closes the highest running cost first. Returns the indices of new plants.
    """
    p = model.params
    demand = model.countries.demand_mt
    capacity = capacity_by_country_sector(model)
    new_plants = []
    for country, sector in zip(*np.nonzero(capacity), strict=True):
        utilisation = demand[country, sector] / capacity[country, sector]
        if utilisation > p.build_utilisation_threshold:
            added = demand[country, sector] / p.target_utilisation - capacity[country, sector]
            if added > 0:
                new_plants.append(build(model, int(country), int(sector), float(added)))
        elif utilisation < p.retire_utilisation_threshold:
            target = demand[country, sector] / p.target_utilisation
            retire(model, int(country), int(sector), float(capacity[country, sector] - target))
    model.fleet.reindex()
    return np.array(new_plants, dtype=np.int64)


def build(model: TransitionModel, country: int, sector: int, capacity_mt: float) -> int:
    """A new plant for the country-sector's largest company; its route is chosen this year."""
    fleet = model.fleet
    mask = (fleet.country == country) & (fleet.sector == sector)
    owners = fleet.owner[mask]
    by_owner = np.bincount(
        owners, weights=fleet.capacity_mt[mask], minlength=len(model.companies.ids)
    )
    owner = int(np.argmax(by_owner))
    count = int(np.sum(fleet.owner == owner))
    plant_id = f"{model.companies.ids[owner]}_new{model.year}_{count + 1}"
    return fleet.append(
        plant_id,
        owner=owner,
        country=country,
        sector=sector,
        technology=int(model.technologies.incumbent[sector]),
        capacity_mt=capacity_mt,
        utilisation=model.params.target_utilisation,
        next_investment_year=model.year,
    )


def retire(model: TransitionModel, country: int, sector: int, excess_mt: float) -> None:
    """Close ``excess_mt`` of capacity, the plants with the highest running cost first."""
    fleet = model.fleet
    plants = np.flatnonzero((fleet.country == country) & (fleet.sector == sector) & fleet.active())
    _, variable = plant_costs(model, plants)
    running = variable[np.arange(plants.size), fleet.technology[plants]]
    for plant in plants[np.argsort(-running, kind="stable")]:
        if excess_mt <= 1e-12:
            break
        cut = min(excess_mt, float(fleet.capacity_mt[plant]))
        fleet.capacity_mt[plant] -= cut
        excess_mt -= cut
        if fleet.capacity_mt[plant] <= 1e-12:
            fleet.capacity_mt[plant] = 0.0
            fleet.pending_technology[plant] = -1
            write_off_grant(model, int(plant), "grant written off")
            company = model.companies.ids[fleet.owner[plant]]
            model.events.record(
                model.year,
                "retirement",
                f"{model.year}: {model.display_name(company)} closes {fleet.ids[plant]}",
                party_a=company,
            )


def produce_and_emit(model: TransitionModel) -> None:
    """Phase 6: production follows demand up to capacity; emissions = production x intensity."""
    fleet = model.fleet
    capacity = capacity_by_country_sector(model)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(
            capacity > 0, np.minimum(model.countries.demand_mt / capacity, 1.0), 0.0
        )
    fleet.utilisation = utilisation[fleet.country, fleet.sector]
    model.plant_emissions_mt = fleet.emissions_mt(model.intensity)
    by_group = np.zeros((len(model.countries.ids), len(Sector)))
    np.add.at(by_group, (fleet.country, fleet.sector), model.plant_emissions_mt)
    model.emissions_by_country_sector_mt = by_group
    for c, country_id in enumerate(model.countries.ids):
        for s, sector in enumerate(SECTORS):
            model.ledger.transfer(
                model.year,
                "mtco2",
                f"source:{country_id}:{sector}",
                "atmosphere",
                float(by_group[c, s]),
                "emissions",
            )


def write_off_grant(model: TransitionModel, plant: int, memo: str) -> None:
    """Write off the grant a plant holds (``grant:<plant> -> external:written_off``)."""
    fleet = model.fleet
    held = float(fleet.grant_musd[plant])
    if held > 0:
        model.ledger.transfer(
            model.year, "musd", f"grant:{fleet.ids[plant]}", "external:written_off", held, memo
        )
        fleet.grant_musd[plant] = 0.0
