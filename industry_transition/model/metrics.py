"""Model measures as plain functions of the model, shared by data collection, tests and the app.

Cumulative columns (``finance_committed_musd``, ``finance_delivered_musd``) are totals since the
start of the run; ``finance_to_lower_income_share`` is the cumulative share of delivered finance
that reached low and lower-middle income countries (0 before any delivery).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from industry_transition.model.demand import capacity_by_country_sector
from industry_transition.model.kinds import PARTNERSHIP_KINDS, SECTORS, Sector
from industry_transition.model.relations import home_country, initiative_member_countries

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def year(model: TransitionModel) -> int:
    """The simulated year just completed."""
    return model.year


def total_emissions(model: TransitionModel) -> float:
    """Emissions of all plants this year, MtCO2."""
    return float(model.plant_emissions_mt.sum())


def sector_emissions(model: TransitionModel, sector: Sector) -> float:
    """Emissions of one sector, MtCO2."""
    return float(model.plant_emissions_mt[model.fleet.sector == sector].sum())


def sector_production(model: TransitionModel, sector: Sector) -> float:
    """Production of one sector, Mt."""
    fleet = model.fleet
    return float(fleet.production_mt[fleet.sector == sector].sum())


def partnerships_active(model: TransitionModel, kind: str | None = None) -> int:
    """Active partnerships (excluding initiative memberships unless asked for by kind)."""
    if kind is None:
        return sum(1 for p in model.registry.active() if p.kind != "membership")
    return len(model.registry.active(kind))


def partnerships_formed(model: TransitionModel) -> int:
    """Partnerships negotiated since the start (all kinds but membership; cumulative)."""
    return int(model.partnerships_formed)


def finance_committed(model: TransitionModel) -> float:
    """Finance committed since the start, USD million (cumulative)."""
    return float(model.finance_committed_musd)


def finance_delivered(model: TransitionModel) -> float:
    """Finance delivered since the start, USD million (cumulative)."""
    return float(model.finance_delivered_musd.sum())


def finance_to_lower_income_share(model: TransitionModel) -> float:
    """Share of delivered finance received by low and lower-middle income countries."""
    total = model.finance_delivered_musd.sum()
    if total <= 0:
        return 0.0
    return float(model.finance_delivered_musd[model.countries.lower_income].sum() / total)


def low_carbon_capacity_share(model: TransitionModel) -> float:
    """Share of installed capacity on low-carbon routes."""
    fleet = model.fleet
    total = fleet.capacity_mt.sum()
    if total <= 0:
        return 0.0
    low = model.technologies.low_carbon[fleet.technology]
    return float(fleet.capacity_mt[low].sum() / total)


def technology_capacity_share(model: TransitionModel, technology: int) -> float:
    """Share of its sector's capacity held by one technology."""
    fleet = model.fleet
    sector = model.technologies.sector[technology]
    in_sector = fleet.sector == sector
    total = fleet.capacity_mt[in_sector].sum()
    if total <= 0:
        return 0.0
    return float(fleet.capacity_mt[in_sector & (fleet.technology == technology)].sum() / total)


def mean_carbon_price(model: TransitionModel) -> float:
    """Production-weighted mean carbon price across countries, USD/tCO2."""
    fleet = model.fleet
    weights = np.zeros(len(model.countries.ids))
    np.add.at(weights, fleet.country, fleet.production_mt)
    if weights.sum() <= 0:
        return float(model.countries.carbon_price_usd_per_t.mean())
    return float(np.average(model.countries.carbon_price_usd_per_t, weights=weights))


def initiative_members(model: TransitionModel) -> int:
    """Countries that are members of at least one initiative."""
    return int(initiative_member_countries(model).size)


def network_density(model: TransitionModel) -> float:
    """Density of the partnership graph (``nx.density``, from the registry's count of edges)."""
    n = model.network.number_of_nodes()
    if n <= 1:
        return 0.0
    edges = model.registry.live_pairs()  # one edge per pair with a live tie (registry.check)
    return float(2 * edges / (n * (n - 1)))


def largest_component_share(model: TransitionModel) -> float:
    """Share of agents in the largest connected component of the partnership graph.

    Components by union-find over the edges: most agents of a large world have no tie and
    are components of one, which a traversal of every node would visit one by one.
    """
    graph = model.network
    n = graph.number_of_nodes()
    if n == 0:
        return 0.0
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in model.registry.live_pair_keys():  # the graph's edges (registry.check)
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    sizes = Counter(root(x) for x in parent)
    largest = max(sizes.values(), default=1)
    return largest / n


SERIES_REPORTERS: dict[str, Callable[[Any], Any]] = {
    "year": year,
    "emissions_mt": total_emissions,
    "emissions_steel_mt": lambda m: sector_emissions(m, Sector.STEEL),
    "emissions_cement_mt": lambda m: sector_emissions(m, Sector.CEMENT),
    "production_steel_mt": lambda m: sector_production(m, Sector.STEEL),
    "production_cement_mt": lambda m: sector_production(m, Sector.CEMENT),
    "partnerships_active": partnerships_active,
    **{
        f"partnerships_{kind}": functools.partial(partnerships_active, kind=kind)
        for kind in PARTNERSHIP_KINDS
    },
    "partnerships_formed": partnerships_formed,
    "finance_committed_musd": finance_committed,
    "finance_delivered_musd": finance_delivered,
    "finance_to_lower_income_share": finance_to_lower_income_share,
    "low_carbon_capacity_share": low_carbon_capacity_share,
    "mean_carbon_price_usd_per_t": mean_carbon_price,
    "initiative_members": initiative_members,
    "network_density": network_density,
    "largest_component_share": largest_component_share,
}


def agent_snapshot(model: TransitionModel) -> pd.DataFrame:
    """One row per country and company for this year: emissions, production, prices, finance."""
    return pd.DataFrame(agent_snapshot_columns(model))


def agent_snapshot_columns(model: TransitionModel) -> dict[str, np.ndarray]:
    """``agent_snapshot`` as columns (countries first, then companies).

    The model keeps these each year and builds one table at the end: a frame per year cost
    more than the rest of a small world's accounting.
    """
    fleet, countries, companies = model.fleet, model.countries, model.companies
    n_companies, n_countries = len(companies.ids), len(countries.ids)
    emissions = np.bincount(fleet.owner, weights=model.plant_emissions_mt, minlength=n_companies)
    production = np.bincount(fleet.owner, weights=fleet.production_mt, minlength=n_companies)
    low = model.technologies.low_carbon[fleet.technology]
    capacity = np.bincount(fleet.owner, weights=fleet.capacity_mt, minlength=n_companies)
    low_capacity = np.bincount(fleet.owner, weights=fleet.capacity_mt * low, minlength=n_companies)
    country_capacity = capacity_by_country_sector(model).sum(axis=1)
    degree = model.network.degree
    ids = np.array([*countries.ids, *companies.ids], dtype=object)
    country_ids = np.array(countries.ids, dtype=object)
    return {
        "year": np.full(n_countries + n_companies, model.year, dtype=np.int64),
        "agent_id": ids,
        "agent_type": np.array(["country"] * n_countries + ["company"] * n_companies, dtype=object),
        "country_id": np.concatenate([country_ids, country_ids[companies.country]]),
        "emissions_mt": np.concatenate(
            [model.emissions_by_country_sector_mt.sum(axis=1), emissions]
        ),
        "production_mt": np.concatenate(
            [
                np.bincount(fleet.country, weights=fleet.production_mt, minlength=n_countries),
                production,
            ]
        ),
        "capacity_mt": np.concatenate([country_capacity, capacity]),
        "low_carbon_share": np.concatenate(
            [
                np.full(n_countries, np.nan),
                np.divide(low_capacity, capacity, out=np.zeros(n_companies), where=capacity > 0),
            ]
        ),
        "carbon_price_usd_per_t": np.concatenate(
            [countries.carbon_price_usd_per_t, countries.carbon_price_usd_per_t[companies.country]]
        ),
        "finance_received_musd": np.concatenate(
            [model.finance_delivered_musd, np.full(n_companies, np.nan)]
        ),
        "capability_multiplier": np.concatenate(
            [countries.capability_multiplier, countries.capability_multiplier[companies.country]]
        ),
        "partners": np.array([degree(i) for i in ids.tolist()], dtype=np.int64),
    }


def join_columns(years: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """One table from the columns of several years (in order)."""
    if not years:
        return pd.DataFrame()
    return pd.DataFrame({name: np.concatenate([y[name] for y in years]) for name in years[0]})


def technology_snapshot(model: TransitionModel) -> pd.DataFrame:
    """One row per technology for this year: capacity, sector share, capex, cumulative capacity."""
    return pd.DataFrame(technology_snapshot_columns(model))


def technology_snapshot_columns(model: TransitionModel) -> dict[str, np.ndarray]:
    """``technology_snapshot`` as columns."""
    fleet, tech = model.fleet, model.technologies
    capacity = np.bincount(fleet.technology, weights=fleet.capacity_mt, minlength=len(tech))
    by_sector = np.bincount(fleet.sector, weights=fleet.capacity_mt, minlength=len(Sector))
    sector_total = by_sector[tech.sector]
    return {
        "year": np.full(len(tech), model.year, dtype=np.int64),
        "technology": np.array(tech.ids, dtype=object),
        "sector": np.asarray(SECTORS, dtype=object)[tech.sector],
        "low_carbon": np.asarray(tech.low_carbon, dtype=bool),
        "capacity_mt": capacity,
        "share_of_sector": np.divide(
            capacity, sector_total, out=np.zeros(len(tech)), where=sector_total > 0
        ),
        "capex_usd_per_tpa": np.array(tech.capex_usd_per_tpa, dtype=float),
        "cumulative_mt": np.array(tech.cumulative_mt, dtype=float),
    }


def partnership_table(model: TransitionModel) -> pd.DataFrame:
    """All partnerships with the parties' home countries and income groups."""
    frame = model.registry.to_frame()
    for side in ("a", "b"):
        homes = [home_country(model, x) or "" for x in frame[f"party_{side}"]]
        frame[f"country_{side}"] = homes
        frame[f"income_{side}"] = [model.country_agents[h].income_group if h else "" for h in homes]
    return frame
