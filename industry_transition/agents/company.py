"""Company agents: producers of steel or cement, and technology firms that license a route."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from industry_transition.model.costs import (
    availability,
    lcop_at_use,
    plant_costs,
    running_cost,
    switch_threshold,
)
from industry_transition.model.deals import Deal, transaction_cost
from industry_transition.model.economics import scalar_annuity_factor

if TYPE_CHECKING:
    from industry_transition.agents.country import Country
    from industry_transition.model.transition_model import TransitionModel


class Company(mesa.Agent):
    """A firm. Its numbers live in ``model.companies`` arrays at ``index``; it owns plants."""

    model: TransitionModel

    def __init__(self, model: TransitionModel, agent_id: str, index: int, country: Country) -> None:
        super().__init__(model)
        self.agent_id = agent_id
        self.index = index
        self.country = country
        self.initiatives: set[str] = set()

    def __repr__(self) -> str:
        return f"Company({self.agent_id})"

    @property
    def name(self) -> str:
        """Display name."""
        return self.model.companies.names[self.index]

    @property
    def country_index(self) -> int:
        """Index of the home country."""
        return self.country.index

    @property
    def sector(self) -> int:
        """0 steel, 1 cement."""
        return int(self.model.companies.sector[self.index])

    @property
    def is_producer(self) -> bool:
        """Whether the company runs plants (technology firms do not)."""
        return bool(self.model.companies.is_producer[self.index])

    @property
    def finance_eligible(self) -> bool:
        """Producers in countries that may receive concessional finance."""
        return self.is_producer and self.country.finance_eligible

    def active_plants(self) -> np.ndarray:
        """Indices of this company's plants with capacity."""
        return self.model.fleet.plants_of(self.index)

    def plants_open_to_finance(self) -> np.ndarray:
        """Active conventional plants with no finance deal and no conversion under way."""
        plants = self.active_plants()
        fleet, tech = self.model.fleet, self.model.technologies
        open_to_finance = (
            ~fleet.financed[plants]
            & ~tech.low_carbon[fleet.technology[plants]]
            & (fleet.pending_technology[plants] < 0)
        )
        return plants[open_to_finance]

    def licensable_technologies(self, licensee: Company) -> list[int]:
        """Owned technologies the licensee lacks and has no pending licence for."""
        companies = self.model.companies
        owned = np.flatnonzero(companies.owns[self.index] & ~companies.access[licensee.index])
        return [
            int(k)
            for k in owned
            if not self.model.registry.has_active(
                self.agent_id, licensee.agent_id, "technology", self.model.technologies.ids[k]
            )
        ]

    # --- decisions (docs/model.md §3.5): what this company offers, and what it is worth -----
    def licence_value(self, technology: int) -> float:
        """What access to a technology is worth to this company (USD million, present value).

        For each of its plants: the saving of the technology against the plant's switch threshold,
        both at the carbon price the company expects over the horizon, over the valuation horizon,
        discounted to the plant's next investment window.
        """
        # the capex it expects moves with every conversion started anywhere (learning)
        key = ("licence_value", self.agent_id, technology, self.model.costs.pipeline_version)
        known = self.model.costs.party_memo.get(key)
        if isinstance(known, float):
            return known
        value = self._licence_value(technology)
        # It depends on the company's plants, access and maturity, and on its country's route
        # shares (capped routes): a signature by the company or in its country forgets it.
        self.model.costs.remember(key, (self.agent_id, self.country.agent_id), value)
        return value

    def _licence_value(self, technology: int) -> float:
        """``licence_value`` computed afresh."""
        model = self.model
        p = model.params
        plants = self.active_plants()
        plants = plants[model.fleet.pending_technology[plants] < 0]  # converting plants are busy
        if plants.size == 0 or model.technologies.sector[technology] != self.sector:
            return 0.0
        fleet, companies = model.fleet, model.companies
        # costs at the carbon price the company decides with, the one it expects over the
        # horizon (docs/model.md §3.1)
        lcop, variable = model.costs.costs(plants)
        threshold = model.costs.threshold(plants)
        saving_now = threshold - lcop[:, technology]  # USD/t
        rate = model.countries.cost_of_capital[self.country_index]
        available_year = companies.available_year[self.index, technology]
        years_to_use = np.maximum(
            np.maximum(fleet.next_investment_year[plants], available_year) - model.year, 0
        )
        # A plant that saves money with the technology today may switch before its window.
        years_to_use = np.where(
            saving_now > 0,
            np.minimum(years_to_use, max(available_year - model.year, 0)),
            years_to_use,
        )
        # conversion takes the route's lead time
        years_to_use = years_to_use + model.technologies.lead_time(technology)
        # ... and in the year it would use it, the route costs what the company expects after
        # learning; so may the plant's other options (expected learning, §3.1)
        table = model.costs.expected_capex(int(years_to_use.max()))
        with np.errstate(invalid="ignore"):
            lcop_then = lcop_at_use(model, plants, lcop, years_to_use, table)
            threshold_then = switch_threshold(
                model, plants, lcop_then, variable, model.costs.available(plants)
            )
        saving = np.maximum(threshold_then - lcop_then[:, technology], 0.0)
        discount = (1.0 + rate) ** (-years_to_use.astype(float))
        annuity = scalar_annuity_factor(float(rate), float(p.valuation_horizon_years))
        return float(np.sum(saving * fleet.production_mt[plants] * annuity * discount))

    def offer_licence(self, licensee: Company) -> Deal | None:
        """A licence of a proprietary technology; the licensee pays a fee set by bargaining."""
        model = self.model
        p = model.params
        if self.sector != licensee.sector or not licensee.is_producer:
            return None
        candidates = self.licensable_technologies(licensee)
        if not candidates:
            return None
        values = [(licensee.licence_value(t), t) for t in candidates]
        value, technology = max(values)
        if value <= 0:
            return None
        cost = transaction_cost(model, self.agent_id, licensee.agent_id)
        # the licensee counts the access with the probability it expects the licensor to hand
        # the technology over: its trust in the licensor
        trust = model.trust.get(licensee.agent_id, self.agent_id)
        return Deal(
            kind="technology",
            party_a=licensee.agent_id,
            party_b=self.agent_id,
            value_a=trust * value - cost / 2,
            value_b=-p.licence_cost_musd - cost / 2,
            technology=model.technologies.ids[technology],
            weight_a=1.0 - p.bargaining_power_provider,
        )

    def codevelop_with(self, other: Company) -> Deal | None:
        """An R&D consortium that brings an immature technology forward for both members."""
        model = self.model
        p = model.params
        if self.sector != other.sector or not (self.is_producer and other.is_producer):
            return None
        if p.codevelopment_years_forward == 0:
            return None
        tech, companies = model.technologies, model.companies
        best: Deal | None = None
        for k in np.flatnonzero((tech.sector == self.sector) & tech.low_carbon):
            if not (companies.access[self.index, k] and companies.access[other.index, k]):
                continue
            if min(
                companies.available_year[self.index, k], companies.available_year[other.index, k]
            ) <= (model.year + 1):
                continue
            # Earlier access is worth the savings of the extra years, relative to the full horizon;
            # each side counts it with the probability it expects the other to do its part (trust).
            # A technology that saves one side nothing is never proposed.
            share = p.codevelopment_years_forward / p.valuation_horizon_years
            saving_a = self.licence_value(int(k))
            saving_b = other.licence_value(int(k))
            if saving_a <= 0 or saving_b <= 0:
                continue
            # each side's trust in the other (directed)
            value_a = model.trust.get(self.agent_id, other.agent_id) * saving_a * share
            value_b = model.trust.get(other.agent_id, self.agent_id) * saving_b * share
            cost = transaction_cost(model, self.agent_id, other.agent_id)
            half = p.codevelopment_cost_musd / 2
            deal = Deal(
                kind="codevelopment",
                party_a=self.agent_id,
                party_b=other.agent_id,
                value_a=value_a - half - cost / 2,
                value_b=value_b - half - cost / 2,
                technology=tech.ids[k],
                weight_a=0.5,
            )
            if best is None or deal.surplus > best.surplus:
                best = deal
        return best

    def finishes_conversion_alone(self, plant: int) -> bool:
        """Whether the company completes a line's conversion after its donor defaulted.

        It does when the new route, at the company's own cost of capital (the concessional
        loan went with the grant) and with the grant delivered so far, costs no more per tonne
        than the line's best other option: another available route at its window, or also
        keeping its current route until then (docs/model.md §3.6). The cost of the conversion
        already incurred is treated as recoverable; the rule does not count sunk costs.
        """
        model = self.model
        fleet = model.fleet
        new = int(fleet.pending_technology[plant])
        plants = np.array([plant])
        lcop, variable = plant_costs(model, plants, concessional=np.zeros(1, dtype=bool))
        others = availability(model, plants)[0]
        others[new] = False
        alternative = float(np.min(np.where(others, lcop[0], np.inf)))
        if fleet.next_investment_year[plant] > model.year:
            alternative = min(alternative, float(running_cost(model, plants, variable)[0]))
        return bool(lcop[0, new] <= alternative)
