"""Company agents: producers of steel or cement, and technology firms that license a route."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from industry_transition.model.costs import availability, plant_costs, running_cost

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
        return self.model.plants_of(self.index)

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
