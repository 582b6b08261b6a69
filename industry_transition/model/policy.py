"""Phases 1-2: policy (carbon prices, ratchets) and costs (learning, grids, power prices)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from industry_transition.model.costs import decision_carbon_price, intensity_matrix
from industry_transition.model.relations import initiative_member_countries

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def update_policy(model: TransitionModel) -> None:
    """Carbon prices: own trend (or the year's observed row), then ratchet events.

    Government partnerships do not move prices: no term of a partnership commits a country to
    a carbon price, as none of LeadIT's do (docs/model.md §3.4), so nothing a government does
    not value changes its price. Every step is homogeneous of degree one in prices, so
    ``carbon_price_scale`` scales the whole path.
    """
    p = model.params
    countries = model.countries
    price = countries.carbon_price_usd_per_t
    premium = model.ratchet_premium_usd_per_t
    if model.year > p.start_year:
        price += countries.carbon_price_growth_usd_per_t
        # a year with an observed row takes it (docs/model.md "Observed and endogenous inputs")
        model.observed.apply_carbon_price(model.year, price, p.carbon_price_scale, premium)
        np.maximum(price, 0.0, out=price)
    if is_review_year(model):
        members = initiative_member_countries(model)
        # A member with an observed price this year keeps it: the row is what it did at the
        # stocktake (docs/model.md "Observed and endogenous inputs").
        observed = model.observed.carbon_price_usd_per_t.get(model.year)
        if observed is not None and members.size:
            members = members[~np.isfinite(observed[members])]
        if members.size:
            floor = p.ratchet_floor_usd_per_t * p.carbon_price_scale
            before = price[members].copy()
            price[members] = np.maximum(price[members] * (1.0 + p.ratchet_increase), floor)
            premium[members] += price[members] - before
            model.events.record(
                model.year,
                "ratchet",
                f"{model.year}: stocktake - {members.size} initiative member countries raise "
                f"their carbon prices by {p.ratchet_increase:.0%}",
            )


def is_ratchet_year(year: int, first: int, interval: int) -> bool:
    """Whether ``year`` is a ratchet (stocktake) year."""
    return year >= first and (year - first) % interval == 0


def is_review_year(model: TransitionModel) -> bool:
    """Whether this year is a stocktake: carbon-price ratchet and membership review."""
    p = model.params
    return is_ratchet_year(model.year, p.ratchet_first_year, p.ratchet_interval_years)


def update_costs(model: TransitionModel) -> None:
    """Capex from learning; grids decarbonise (or follow observed rows); power prices drift."""
    p = model.params
    countries = model.countries
    if model.year > p.start_year:
        countries.grid_tco2_per_mwh *= 1.0 - countries.grid_decline_per_year * (
            p.grid_decarbonisation_scale
        )
        model.observed.apply_grid(model.year, countries.grid_tco2_per_mwh)
        np.maximum(countries.grid_tco2_per_mwh, 0.0, out=countries.grid_tco2_per_mwh)
        countries.electricity_usd_per_mwh *= 1.0 + p.electricity_price_change_per_year
    model.technologies.update_costs()
    refresh_derived(model)


def refresh_derived(model: TransitionModel) -> None:
    """Recompute the intensity matrix and companies' decision carbon prices."""
    model.intensity = intensity_matrix(model)
    model.decision_price = decision_carbon_price(model)
