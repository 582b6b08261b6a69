"""Country agents: carbon price, donor budget or finance need, grid, capability, memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from industry_transition.model.world import INCOME_CODE

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel

INCOME_NAMES = {code: name for name, code in INCOME_CODE.items()}


class Country(mesa.Agent):
    """A government. Its numbers live in ``model.countries`` arrays at ``index``."""

    model: TransitionModel

    def __init__(self, model: TransitionModel, agent_id: str, index: int) -> None:
        super().__init__(model)
        self.agent_id = agent_id
        self.index = index
        self.companies: list[str] = []
        self.initiatives: set[str] = set()

    def __repr__(self) -> str:
        return f"Country({self.agent_id})"

    @property
    def name(self) -> str:
        """Display name."""
        return self.model.countries.names[self.index]

    @property
    def income_group(self) -> str:
        """World Bank income group: high, upper_middle, lower_middle or low."""
        return INCOME_NAMES[int(self.model.countries.income[self.index])]

    @property
    def carbon_price_usd_per_t(self) -> float:
        """This year's carbon price."""
        return float(self.model.countries.carbon_price_usd_per_t[self.index])

    @property
    def ambition_usd_per_t(self) -> float:
        """Shadow price at which the government values abatement (at least its carbon price)."""
        return max(
            float(self.model.countries.ambition_usd_per_t[self.index]),
            self.carbon_price_usd_per_t,
        )

    @property
    def cost_of_capital(self) -> float:
        """Cost of capital of projects in this country."""
        return float(self.model.countries.cost_of_capital[self.index])

    @property
    def is_donor(self) -> bool:
        """Whether the country has a finance budget."""
        return bool(self.model.countries.donor_budget_musd[self.index] > 0)

    @property
    def finance_eligible(self) -> bool:
        """Whether the country may receive concessional finance (not high income)."""
        return self.income_group != "high"

    def can_commit(self, amount: float) -> bool:
        """Whether a new commitment's tranches fit this donor's planned budgets."""
        return self.model.finance.fits(self.index, amount)

    def ratchet_cost_musd(self) -> float:
        """Yearly cost to this government of the next ratchet, which staying a member brings.

        The ratchet raises the carbon price for good to ``max(P (1 + ratchet_increase), floor)``.
        Up to its own ambition price the government would price carbon anyway, so only the part
        above it costs (members accept commitments close to what they would do anyway: Downs,
        Rocke and Barsoom 1996, International Organization 50(3)). Of that extra carbon bill on
        last year's emissions, ``ratchet_cost_share`` is a real cost (abatement, competitiveness);
        the rest is a transfer from industry to the treasury. Static expectations: today's price.
        """
        p = self.model.params
        price = self.carbon_price_usd_per_t
        ratcheted = max(
            price * (1.0 + p.ratchet_increase), p.ratchet_floor_usd_per_t * p.carbon_price_scale
        )
        unwanted = max(ratcheted - self.ambition_usd_per_t, 0.0)  # ambition is at least price
        return p.ratchet_cost_share * unwanted * self.model.country_emissions_mt(self.index)

    def step_membership(self) -> None:
        """Join or leave initiatives when membership pays (DESIGN.md, initiative membership)."""
        for initiative in self.model.initiatives.values():
            initiative.decide_membership(self)
