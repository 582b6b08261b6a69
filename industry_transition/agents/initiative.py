"""Initiative agents: clubs and hubs (such as LeadIT) with members and a broker."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

import mesa

from industry_transition.model import agreements
from industry_transition.model.coalition import membership_gain

if TYPE_CHECKING:
    from industry_transition.agents.country import Country
    from industry_transition.model.transition_model import TransitionModel

# Position of the joining draws in the negotiation stream: after the rounds and the membership
# order (model/negotiation.py ROUND_MEMBERSHIP = 10_000), keyed further by year and country.
JOIN_DRAWS = 10_001


class Initiative(mesa.Agent):
    """A multilateral club. Members are linked to it by ``membership`` partnerships."""

    model: TransitionModel

    def __init__(self, model: TransitionModel, agent_id: str, name: str, broker: bool) -> None:
        super().__init__(model)
        self.agent_id = agent_id
        self.name = name
        self.has_broker = broker
        self.members: dict[str, None] = {}  # insertion-ordered set of agent ids
        # What membership brought each country since the last review (USD million), from the
        # model's own records, and the number of years of negotiation that covers:
        # - surplus of brokered deals to the country's agents (a finance recipient's side is
        #   left out: it is counted as finance received);
        self.brokered_value_musd: dict[str, float] = {}
        # - finance delivered to the country's companies by donors that are members;
        self.finance_received_musd: dict[str, float] = {}
        # - transaction costs its agents saved on other deals with fellow members.
        self.costs_saved_musd: dict[str, float] = {}
        self.years_since_review = 0
        # Last year of each member's dated commitment (memberships.csv `committed_until`).
        self.committed_until: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"Initiative({self.agent_id})"

    def is_committed(self, member_id: str) -> bool:
        """Whether a member is bound by a commitment that runs at least to this year."""
        return self.committed_until.get(member_id, self.model.year - 1) >= self.model.year

    def value_obtained_musd(self, country_id: str) -> float:
        """Yearly value membership brought a country since the last review (USD million/yr)."""
        total = (
            self.brokered_value_musd.get(country_id, 0.0)
            + self.finance_received_musd.get(country_id, 0.0)
            + self.costs_saved_musd.get(country_id, 0.0)
        )
        return total / max(self.years_since_review, 1)

    def value_expected_musd(self, country: Country) -> float:
        """What a non-member expects membership to bring it: the median member of its kind.

        Its kind is finance recipient or not: what members get differs most between them. The
        median, not the mean, because a few members get most of the value (docs/validation.md:
        a mean inflated by them drew countries in that then found nothing and left).
        """
        countries = self.model.country_agents
        members = [countries[m] for m in self.members if m in countries]
        peers = [m for m in members if m.finance_eligible == country.finance_eligible] or members
        if not peers:
            return 0.0
        return statistics.median(self.value_obtained_musd(m.agent_id) for m in peers)

    def membership_terms_musd(self, country: Country) -> dict[str, float]:
        """Yearly value of membership to a country for the next review period, term by term.

        Benefits are what membership brought it since the last review (members) or what the
        median member of its kind got (non-members): static expectations, as for deals. Costs
        are the fee and the yearly cost of the ratchet that staying brings at the next stocktake.
        """
        p = self.model.params
        member = country.agent_id in self.members
        return {
            "reputation": p.membership_reputation_musd,
            "obtained": self.value_obtained_musd(country.agent_id)
            if member
            else self.value_expected_musd(country),
            "fee": -p.membership_fee_musd,
            "ratchet": -country.ratchet_cost_musd(),
        }

    def membership_gain_musd(self, country: Country) -> float:
        """Yearly net value of membership to a country (docs/model.md §3.7).

        ``membership_payoff = "deals"``: the sum of ``membership_terms_musd``. ``"club_game"``: the
        textbook coalition payoffs (``model/coalition.py``).
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
        return sum(self.membership_terms_musd(country).values())

    def close_review(self) -> None:
        """Start a new review period after members have decided."""
        self.brokered_value_musd = {}
        self.finance_received_musd = {}
        self.costs_saved_musd = {}
        self.years_since_review = 0

    def _takes_decision(self, country: Country) -> bool:
        """Whether a country for which joining pays joins this year (the yearly hazard).

        The draw has its own position in the negotiation stream (year, country), so it does not
        shift any other draw; with probability 1 nothing is drawn.
        """
        chance = self.model.params.membership_join_probability
        if chance >= 1.0:
            return True
        draw = self.model.substream("negotiation", self.model.year, JOIN_DRAWS, country.index)
        return bool(draw.random() < chance)

    def decide_membership(self, country: Country) -> None:
        """Join when membership does not lose; leave only when staying loses more than leaving.

        A member under a dated commitment stays until it ends (LeadIT 2.0's members committed to
        its 2024-26 work programme); afterwards each review is a decision to renew. A member
        compares staying for the next review period (its yearly gain times the period) with the
        reputation it loses by leaving, so a member near indifference does not leave and rejoin
        at every stocktake. The club game keeps its textbook rule (no exit cost).
        """
        p = self.model.params
        is_member = country.agent_id in self.members
        if is_member and self.is_committed(country.agent_id):
            return
        gain = self.membership_gain_musd(country)
        exit_cost = p.membership_exit_cost_musd if p.membership_payoff == "deals" else 0.0
        if not is_member and gain >= 0 and self._takes_decision(country):
            agreements.join_initiative(self.model, self, country.agent_id)
        elif is_member and gain * p.ratchet_interval_years + exit_cost < 0:
            agreements.leave_initiative(self.model, self, country.agent_id)
