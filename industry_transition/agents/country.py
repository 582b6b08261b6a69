"""Country agents: carbon price, donor budget or finance need, grid, capability, memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from industry_transition.model import deals as deal_rules
from industry_transition.model.costs import cost_parts, counterfactual_route
from industry_transition.model.deals import SWITCH_MARGIN_USD_PER_T, Deal, transaction_cost
from industry_transition.model.economics import (
    scalar_annuity_factor,
    scalar_capital_recovery_factor,
)
from industry_transition.model.policy import is_review_year
from industry_transition.model.relations import government_ties
from industry_transition.model.world import INCOME_CODE

if TYPE_CHECKING:
    from industry_transition.agents.company import Company
    from industry_transition.model.transition_model import TransitionModel

INCOME_NAMES = {code: name for name, code in INCOME_CODE.items()}

# Position of the government-tie draws in the negotiation stream: after the rounds, the
# membership order and the joining draws (model/negotiation.py ROUND_MEMBERSHIP = 10_000,
# agents/initiative.py JOIN_DRAWS = 10_001), keyed further by year and the pair.
TIE_DRAWS = 10_002


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
        emissions = float(self.model.emissions_by_country_sector_mt[self.index].sum())
        return p.ratchet_cost_share * unwanted * emissions  # last year's, MtCO2

    def step_membership(self, *, joining_only: bool = False) -> None:
        """Join or leave initiatives when membership pays (docs/model.md §3.7).

        ``joining_only``: a year between reviews, when only non-members decide (to join).
        """
        for initiative in self.model.initiatives.values():
            if joining_only and self.agent_id in initiative.members:
                continue
            initiative.decide_membership(self)

    # --- decisions (docs/model.md §3.5): what this government offers, and what it is worth ---
    def offer_finance(self, company: Company) -> Deal | None:
        """This donor's grant and concessional loan that switch a company's line to low carbon.

        The grant pays the line's funding gap (``need``): the extra levelised cost of the route,
        on the loan's concessional terms, over the plant's best option without finance (its switch
        threshold, which holds the carbon price it would pay), over the plant's life. A plant that
        would switch anyway needs nothing and gets nothing (additionality). The grant never
        exceeds the need (as EU State-aid rules limit aid to the funding gap), so the company is
        left no worse off and the surplus stays with the donor. The donor values the abatement over
        the valuation horizon at its ambition (shadow) price, net of the loan's grant element
        (the OECD DAC grant-equivalent: what the rate reduction costs a lender at the company's
        own rate) and of the deal's transaction cost, which a grant programme bears.
        docs/model.md §3.5.
        """
        model = self.model
        p = model.params
        if not self.is_donor or not company.finance_eligible:
            return None
        plants = company.plants_open_to_finance()
        if plants.size == 0:
            return None
        fleet, tech = model.fleet, model.technologies
        # A grant already on the plant (from a line stopped after a default) counts: the cached
        # costs use each plant's own grant.
        cache = model.costs
        lcop, _ = cache.costs(plants, "concessional")
        available = cache.available(plants)
        threshold = cache.threshold(plants, "plain")
        plain, variable = cache.costs(plants, "plain")
        # what the line would run without the deal: the route that sets its threshold
        baseline = counterfactual_route(model, plants, plain, variable, available)
        rate = float(
            model.countries.cost_of_capital[company.country_index]
            + (model.companies.cost_of_capital_premium[company.index])
        )
        crf_plain = scalar_capital_recovery_factor(rate, float(p.plant_life_years))
        crf = scalar_capital_recovery_factor(
            max(rate - p.concessional_rate_reduction, 0.0), float(p.plant_life_years)
        )
        capacity = np.minimum(
            fleet.capacity_mt[plants], p.finance_project_mt(fleet.sector[plants])
        )[:, None]
        gap = np.maximum(lcop - threshold[:, None] + SWITCH_MARGIN_USD_PER_T, 0.0)
        need = gap * p.target_utilisation / crf * capacity  # USD/tpa x Mt = USD million
        # the route's capex for the line (USD million, after capability and any grant held); the
        # grant pays part of it and the rest is lent on concessional terms
        _, capex, _ = cost_parts(model, plants, fleet.grant_musd[plants])
        capex_line = capex * capacity
        loan = np.maximum(capex_line - need, 0.0)
        grant_element = loan * (1.0 - crf / crf_plain)
        intensity = model.intensity[company.country_index]
        current = fleet.technology[plants]
        production = capacity * fleet.utilisation[plants][:, None]
        abatement = (
            (intensity[baseline][:, None] - intensity[None, :])
            * production
            * (p.valuation_horizon_years)
        )  # Mt CO2, against what the line would run without the deal
        # The donor counts the abatement with the probability it expects the company to carry the
        # project out (its trust in the company); the loan and the grant are its own promises.
        trust = model.trust.get(self.agent_id, company.agent_id)
        value = trust * abatement * self.ambition_usd_per_t - grant_element  # Mt x USD/t = USD m
        ok = (
            available
            & tech.low_carbon[None, :]
            & (abatement > 0)
            & (need > 0)
            & (need <= capex_line)  # a capex grant cannot pay an operating-cost gap
        )
        ok &= ~(tech.low_carbon[current])[:, None]
        # Scrap EAF and LC3 are limited by scrap and clay (their caps), which a grant does not
        # enlarge: a financed line would take the share another plant takes anyway, so the
        # abatement is not additional and donors do not pay for it (docs/model.md §3.5).
        ok &= ~tech.capped[None, :]
        if not ok.any():
            return None
        surplus = np.where(ok, value - need, -np.inf)
        row, col = np.unravel_index(int(np.argmax(surplus)), surplus.shape)
        cost = transaction_cost(model, self.agent_id, company.agent_id)
        return Deal(
            kind="finance",
            party_a=self.agent_id,
            party_b=company.agent_id,
            value_a=float(value[row, col]) - cost,
            value_b=-float(need[row, col]),
            technology=tech.ids[col],
            plant=int(plants[row]),
            weight_a=p.bargaining_power_provider,
            transfer_cap_musd=float(need[row, col]),
        )

    def propose_tie(self, other: Country) -> Deal | None:
        """A partnership with another government that eases the deals between their agents.

        Its one term is facilitation: for its duration, deals between an agent of one country and
        an agent of the other cost ``government_tie_discount`` less to negotiate. Each government
        values what that is worth to its agents with the model's own valuation of the deals they
        could sign today: the transaction cost saved on deals worth signing, and the surplus of the
        deals the saving would make worth signing, to the side that bears the cost
        (``deals.eased_deals_value``). It counts this with the probability it expects the partner
        to keep the agreement (trust), against the yearly cost of the tie over its duration. The
        tie forms when the joint gain is positive; a side payment (co-funding) splits it. Each
        government also counts the standing an announced partnership brings it
        (``government_tie_standing_musd`` a year, with its trust; by default only for a tie
        signed in a stocktake year, ``government_tie_announcement``), and a pair considers a tie
        in a given year only with ``government_tie_probability``. A
        government weighs the deals of its ``government_tie_agents`` largest producers (and its
        own, as a donor). docs/model.md §3.5.
        """
        model = self.model
        p = model.params
        if model.registry.has_active(self.agent_id, other.agent_id, "government"):
            return None
        limit = p.max_government_partnerships
        if (
            government_ties(model, self.agent_id) >= limit
            or government_ties(model, other.agent_id) >= limit
        ):
            return None
        if not (self.is_donor or other.is_donor) or (
            self.income_group == "high" and other.income_group == "high"
        ):
            return None
        if not self.tie_on_agenda(other):
            return None
        # each government counts the tie with its own trust in the other (directed)
        trust_a = model.trust.get(self.agent_id, other.agent_id)
        trust_b = model.trust.get(other.agent_id, self.agent_id)
        duration = float(p.government_partnership_duration_years)
        annuity_a = scalar_annuity_factor(self.cost_of_capital, duration)
        annuity_b = scalar_annuity_factor(other.cost_of_capital, duration)
        cost_a = p.government_partnership_cost_musd * annuity_a
        cost_b = p.government_partnership_cost_musd * annuity_b
        # the standing an announced partnership brings each government, over its duration
        # (only for a tie announced at a stocktake summit, unless announced any year counts)
        standing = p.government_tie_standing_musd
        if p.government_tie_announcement == "stocktake" and not is_review_year(model):
            standing = 0.0
        standing_a, standing_b = standing * annuity_a, standing * annuity_b
        agents_a, agents_b = self.tie_agents(), other.tie_agents()
        # A tie worth nothing to the two together is never proposed. The most it can be worth is
        # its standing plus every pair that could trade saving the undiscounted cost: when even
        # that does not pay, the deals need not be valued (the same answer, much cheaper). The
        # largest cost of a deal is that between strangers from countries with no bloc in common.
        largest_cost = p.transaction_cost_musd * (1.0 + p.affinity_transaction_cost_premium)
        most = deal_rules.tradable_pairs(model, agents_a, agents_b) * largest_cost
        most_value = most * p.government_tie_discount + standing_a + standing_b
        if max(trust_a, trust_b) * most_value <= cost_a + cost_b:
            return None
        gain_a, gain_b = deal_rules.eased_deals_value(model, self, other, agents_a, agents_b)
        value_a = trust_a * (gain_a + standing_a) - cost_a
        value_b = trust_b * (gain_b + standing_b) - cost_b
        if value_a + value_b <= 0:
            return None
        # The side that gains more may pay the other's share of the tie's costs (as the UK
        # funded the UK-Brazil hub): bargaining splits the joint gain evenly.
        return Deal(
            kind="government",
            party_a=self.agent_id,
            party_b=other.agent_id,
            value_a=value_a,
            value_b=value_b,
            weight_a=0.5,
        )

    def tie_on_agenda(self, other: Country) -> bool:
        """Whether this pair of governments considers a partnership this year (the yearly hazard).

        The draw has its own position in the negotiation stream (year, ``TIE_DRAWS``, the pair's
        two indices in order), so it is the same whichever government asks and however often it
        is asked in a year, and it shifts no other draw; with probability 1 nothing is drawn.
        """
        chance = self.model.params.government_tie_probability
        if chance >= 1.0:
            return True
        low, high = sorted((self.index, other.index))
        draw = self.model.substream("negotiation", self.model.year, TIE_DRAWS, low, high)
        return bool(draw.random() < chance)

    def tie_agents(self) -> np.ndarray:
        """Agent indices a government weighs in a tie: itself and its largest producers."""
        model = self.model
        companies = np.array([model.company_agents[c].index for c in self.companies], dtype=int)
        limit = model.params.government_tie_agents
        if companies.size > limit:
            production = model.costs.company_production()[companies]
            companies = np.sort(companies[np.argsort(-production, kind="stable")[:limit]])
        return np.concatenate([[self.index], len(model.countries.ids) + companies]).astype(np.int64)
