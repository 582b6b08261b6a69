"""Initiative agents: clubs and hubs (such as LeadIT) with members and a broker."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from industry_transition.model.coalition import membership_gain

if TYPE_CHECKING:
    from industry_transition.agents.country import Country
    from industry_transition.model.transition_model import TransitionModel


class Initiative(mesa.Agent):
    """A multilateral club. Members are linked to it by ``membership`` partnerships."""

    model: TransitionModel

    def __init__(self, model: TransitionModel, agent_id: str, name: str, broker: bool) -> None:
        super().__init__(model)
        self.agent_id = agent_id
        self.name = name
        self.has_broker = broker
        self.members: dict[str, None] = {}  # insertion-ordered set of agent ids
        # Surplus (USD million, present value) that brokered deals brought each member country
        # since the last membership review, and the number of years that covers.
        self.brokered_value_musd: dict[str, float] = {}
        self.years_since_review = 0

    def __repr__(self) -> str:
        return f"Initiative({self.agent_id})"

    def membership_gain_musd(self, country: Country) -> float:
        """Yearly net value of membership to a country (DESIGN.md, initiative membership).

        With ``membership_payoff = "deals"``: reputation plus the yearly deal surplus its agents
        obtained through the broker since the last review (members), or that the average member
        country obtained (non-members' expectation), minus the fee and the yearly cost of the
        ambition ratchet on its industry. With ``"club_game"``: the textbook coalition payoffs.
        """
        p = self.model.params
        countries = self.model.country_agents
        if p.membership_payoff == "club_game":
            members = sum(1 for m in self.members if m in countries)
            return membership_gain(
                members,
                country.agent_id in self.members,
                len(countries),
                p.club_benefit,
                p.club_cost,
            )
        years = max(self.years_since_review, 1)
        if country.agent_id in self.members:
            brokered = self.brokered_value_musd.get(country.agent_id, 0.0) / years
        else:
            values = [
                self.brokered_value_musd.get(m, 0.0) / years for m in self.members if m in countries
            ]
            brokered = sum(values) / len(values) if values else 0.0
        price = max(
            country.carbon_price_usd_per_t, p.ratchet_floor_usd_per_t * p.carbon_price_scale
        )
        emissions = self.model.country_emissions_mt(country.index)
        ratchet_cost = (
            p.ratchet_increase * price * emissions * p.ratchet_cost_share / p.ratchet_interval_years
        )
        return p.membership_reputation_musd + brokered - p.membership_fee_musd - ratchet_cost

    def close_review(self) -> None:
        """Start a new review period after members have decided."""
        self.brokered_value_musd = {}
        self.years_since_review = 0

    def decide_membership(self, country: Country) -> None:
        """Join when membership does not lose (indifference joins), leave when it loses."""
        gain = self.membership_gain_musd(country)
        is_member = country.agent_id in self.members
        if not is_member and gain >= 0:
            self.model.join_initiative(self, country.agent_id)
        elif is_member and gain < 0:
            self.model.leave_initiative(self, country.agent_id)
