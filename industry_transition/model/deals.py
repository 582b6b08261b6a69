"""Valuation of possible deals between two agents (DESIGN.md negotiation protocol, step 3-4).

Each function returns a :class:`Deal` with each side's gain *without* transfer (net of its share
of the transaction cost), or ``None`` when the pair has nothing to trade. Values are in USD
million. Bargaining (:func:`bargain`) then sets the transfer by the generalised Nash solution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from industry_transition.model.affinity import affinity_cost_factor
from industry_transition.model.costs import cost_parts
from industry_transition.model.economics import (
    nash_split,
    scalar_annuity_factor,
    scalar_capital_recovery_factor,
)

if TYPE_CHECKING:
    from industry_transition.agents import Company, Country
    from industry_transition.model.transition_model import TransitionModel

# A grant is sized to push the new route this far (USD/t) below the plant's switch threshold,
# so that the switch is strict rather than a tie (numerical margin, not an economic figure).
SWITCH_MARGIN_USD_PER_T = 1e-6


@dataclass
class Deal:
    """A possible agreement: who, what, and each side's gain before any transfer."""

    kind: str
    party_a: str  # the side that pays the transfer (donor, licensee, ...)
    party_b: str  # the side that receives it
    value_a: float
    value_b: float
    technology: str = ""
    plant: int = -1
    amount_musd: float = 0.0  # finance: the grant; set by bargaining
    transfer_musd: float = 0.0
    transferable: bool = True  # government ties carry no side payment
    weight_a: float = 0.5
    # Largest transfer the terms allow (finance: the grant never exceeds the funding gap).
    transfer_cap_musd: float = float("inf")

    @property
    def surplus(self) -> float:
        """Joint gain of the two parties."""
        return self.value_a + self.value_b


def bargain(deal: Deal) -> bool:
    """Set the transfer by ``u_i = d_i + w_i S``; return whether both sides gain.

    With a transfer, a deal forms iff the joint surplus is positive. Without one (government
    ties), both sides must gain on their own.
    """
    if not deal.transferable:
        deal.transfer_musd = 0.0
        return deal.value_a > 0 and deal.value_b > 0
    if deal.surplus <= 0:
        return False
    gain_a, _ = nash_split(0.0, 0.0, deal.surplus, deal.weight_a)
    # A pays B the amount that leaves A with exactly its Nash gain, within the terms' cap (B
    # still gains: the cap is never below B's reservation, ``-value_b``).
    deal.transfer_musd = min(deal.value_a - gain_a, deal.transfer_cap_musd)
    return True


def transaction_cost(model: TransitionModel, a: str, b: str) -> float:
    """Transaction cost of a deal (USD million), falling with trust, shared ties and affinity.

    The affinity premium applies between agents of different home countries; a country's
    affinity with itself is 1, so agents of one country pay none.
    """
    p = model.params
    cost = p.transaction_cost_musd * (1.0 - p.trust_discount * model.trust.get(a, b))
    if model.share_initiative(a, b):
        cost *= 1.0 - p.membership_discount
    if model.home_countries_allied(a, b):
        cost *= 1.0 - p.government_tie_discount
    home_a = model.home_of[model.proposer_index[a]]
    home_b = model.home_of[model.proposer_index[b]]
    affinity = float(model.countries.affinity[home_a, home_b])
    return cost * affinity_cost_factor(p.affinity_transaction_cost_premium, affinity)


def finance_deal(model: TransitionModel, donor: Country, company: Company) -> Deal | None:
    """A donor's grant and concessional loan that make one plant line switch to a low-carbon route.

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
    p = model.params
    if not donor.is_donor or not company.finance_eligible:
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
    rate = float(
        model.countries.cost_of_capital[company.country_index]
        + (model.companies.cost_of_capital_premium[company.index])
    )
    crf_plain = scalar_capital_recovery_factor(rate, float(p.plant_life_years))
    crf = scalar_capital_recovery_factor(
        max(rate - p.concessional_rate_reduction, 0.0), float(p.plant_life_years)
    )
    capacity = np.minimum(fleet.capacity_mt[plants], p.finance_project_max_mt)[:, None]
    gap = np.maximum(lcop - threshold[:, None] + SWITCH_MARGIN_USD_PER_T, 0.0)
    need = gap * p.target_utilisation / crf * capacity  # USD/tpa x Mt = USD million
    _, capex, _ = cost_parts(model, plants, fleet.grant_musd[plants])
    loan = capex * capacity  # the route's capex (USD million), lent on concessional terms
    grant_element = loan * (1.0 - crf / crf_plain)
    capex_cap = tech.capex_usd_per_tpa[None, :] * capacity
    intensity = model.intensity[company.country_index]
    current = fleet.technology[plants]
    production = capacity * fleet.utilisation[plants][:, None]
    abatement = (
        (intensity[current][:, None] - intensity[None, :])
        * production
        * (p.valuation_horizon_years)
    )  # Mt CO2
    # The donor counts the abatement with the probability it expects the company to carry the
    # project out (trust); the loan and the grant are its own promises.
    trust = model.trust.get(donor.agent_id, company.agent_id)
    value = trust * abatement * donor.ambition_usd_per_t - grant_element  # Mt x USD/t = USD m
    ok = available & tech.low_carbon[None, :] & (abatement > 0) & (need > 0) & (need <= capex_cap)
    ok &= ~(tech.low_carbon[current])[:, None]
    # Scrap EAF and LC3 are limited by scrap and clay (their caps), which a grant does not
    # enlarge: a financed line would take the share another plant takes anyway, so the
    # abatement is not additional and donors do not pay for it (docs/model.md §3.5).
    ok &= ~tech.capped[None, :]
    if not ok.any():
        return None
    surplus = np.where(ok, value - need, -np.inf)
    row, col = np.unravel_index(int(np.argmax(surplus)), surplus.shape)
    cost = transaction_cost(model, donor.agent_id, company.agent_id)
    return Deal(
        kind="finance",
        party_a=donor.agent_id,
        party_b=company.agent_id,
        value_a=float(value[row, col]) - cost,
        value_b=-float(need[row, col]),
        technology=tech.ids[col],
        plant=int(plants[row]),
        weight_a=p.bargaining_power_provider,
        transfer_cap_musd=float(need[row, col]),
    )


def licence_value(model: TransitionModel, company: Company, technology: int) -> float:
    """What access to a technology is worth to a company (USD million, present value).

    For each of its plants: the saving of the technology against the plant's switch threshold,
    both at the carbon price the company expects over the horizon, over the valuation horizon,
    discounted to the plant's next investment window.
    """
    key = ("licence_value", company.agent_id, technology)
    known = model.costs.party_memo.get(key)
    if isinstance(known, float):
        return known
    value = _licence_value(model, company, technology)
    # It depends on the company's plants, access and maturity, and on its country's route
    # shares (capped routes): a signature by the company or in its country forgets it.
    model.costs.remember(key, (company.agent_id, company.country.agent_id), value)
    return value


def _licence_value(model: TransitionModel, company: Company, technology: int) -> float:
    p = model.params
    plants = company.active_plants()
    plants = plants[model.fleet.pending_technology[plants] < 0]  # converting plants are busy
    if plants.size == 0 or model.technologies.sector[technology] != company.sector:
        return 0.0
    fleet, companies = model.fleet, model.companies
    # costs at the carbon price the company expects over the horizon (its country's announced
    # path), not this year's alone; capex is taken at today's level (no expected learning)
    lcop, _ = model.costs.costs(plants, "expected")
    threshold = model.costs.threshold(plants, "expected")
    saving = np.maximum(threshold - lcop[:, technology], 0.0)  # USD/t
    rate = model.countries.cost_of_capital[company.country_index]
    years_to_use = np.maximum(
        np.maximum(
            fleet.next_investment_year[plants], companies.available_year[company.index, technology]
        )
        - model.year,
        0,
    )
    # A plant that saves money with the technology may switch before its window.
    years_to_use = np.where(
        saving > 0,
        np.minimum(
            years_to_use,
            np.maximum(companies.available_year[company.index, technology] - model.year, 0),
        ),
        years_to_use,
    )
    years_to_use = years_to_use + p.switch_lead_time_years  # conversion takes time
    discount = (1.0 + rate) ** (-years_to_use.astype(float))
    annuity = scalar_annuity_factor(float(rate), float(p.valuation_horizon_years))
    return float(np.sum(saving * fleet.production_mt[plants] * annuity * discount))


def technology_deal(model: TransitionModel, owner: Company, licensee: Company) -> Deal | None:
    """A licence of a proprietary technology; the licensee pays a fee set by bargaining."""
    p = model.params
    if owner.sector != licensee.sector or not licensee.is_producer:
        return None
    candidates = owner.licensable_technologies(licensee)
    if not candidates:
        return None
    values = [(licence_value(model, licensee, t), t) for t in candidates]
    value, technology = max(values)
    if value <= 0:
        return None
    cost = transaction_cost(model, owner.agent_id, licensee.agent_id)
    # the licensee counts the access with the probability it expects the handover (trust)
    trust = model.trust.get(owner.agent_id, licensee.agent_id)
    return Deal(
        kind="technology",
        party_a=licensee.agent_id,
        party_b=owner.agent_id,
        value_a=trust * value - cost / 2,
        value_b=-p.licence_cost_musd - cost / 2,
        technology=model.technologies.ids[technology],
        weight_a=1.0 - p.bargaining_power_provider,
    )


def codevelopment_deal(model: TransitionModel, a: Company, b: Company) -> Deal | None:
    """An R&D consortium that brings an immature technology forward for both members."""
    p = model.params
    if a.sector != b.sector or not (a.is_producer and b.is_producer):
        return None
    if p.codevelopment_years_forward == 0:
        return None
    tech, companies = model.technologies, model.companies
    best: Deal | None = None
    for k in np.flatnonzero((tech.sector == a.sector) & tech.low_carbon):
        if not (companies.access[a.index, k] and companies.access[b.index, k]):
            continue
        if min(companies.available_year[a.index, k], companies.available_year[b.index, k]) <= (
            model.year + 1
        ):
            continue
        # Earlier access is worth the savings of the extra years, relative to the full horizon;
        # each side counts it with the probability it expects the other to do its part (trust).
        # A technology that saves one side nothing is never proposed.
        share = p.codevelopment_years_forward / p.valuation_horizon_years
        trust = model.trust.get(a.agent_id, b.agent_id)
        saving_a = licence_value(model, a, int(k))
        saving_b = licence_value(model, b, int(k))
        if saving_a <= 0 or saving_b <= 0:
            continue
        value_a = trust * saving_a * share
        value_b = trust * saving_b * share
        cost = transaction_cost(model, a.agent_id, b.agent_id)
        half = p.codevelopment_cost_musd / 2
        deal = Deal(
            kind="codevelopment",
            party_a=a.agent_id,
            party_b=b.agent_id,
            value_a=value_a - half - cost / 2,
            value_b=value_b - half - cost / 2,
            technology=tech.ids[k],
            weight_a=0.5,
        )
        if best is None or deal.surplus > best.surplus:
            best = deal
    return best


def government_deal(model: TransitionModel, a: Country, b: Country) -> Deal | None:
    """A country-to-country partnership that eases the deals between the two countries' agents.

    Its one term is facilitation: for its duration, deals between an agent of one country and
    an agent of the other cost ``government_tie_discount`` less to negotiate. Each government
    values what that is worth to its agents with the model's own valuation of the deals they
    could sign today: the transaction cost saved on deals worth signing, and the surplus of the
    deals the saving would make worth signing (each half to either country). It counts this
    with the probability it expects the partner to keep the agreement (trust), against the
    yearly cost of the tie over its duration. No side payment: both must gain. A government
    weighs the deals of its ``government_tie_agents`` largest producers (and its own, as a
    donor). docs/model.md §3.5.
    """
    p = model.params
    if model.registry.has_active(a.agent_id, b.agent_id, "government"):
        return None
    limit = p.max_government_partnerships
    if model.government_ties(a.agent_id) >= limit or model.government_ties(b.agent_id) >= limit:
        return None
    if not (a.is_donor or b.is_donor) or (a.income_group == "high" and b.income_group == "high"):
        return None
    trust = model.trust.get(a.agent_id, b.agent_id)
    duration = float(p.government_partnership_duration_years)
    cost_a = p.government_partnership_cost_musd * scalar_annuity_factor(a.cost_of_capital, duration)
    cost_b = p.government_partnership_cost_musd * scalar_annuity_factor(b.cost_of_capital, duration)
    agents_a, agents_b = _tie_agents(model, a), _tie_agents(model, b)
    # A tie worth nothing to either side is never proposed. The most it can be worth is every
    # pair that could trade saving the undiscounted cost: when even that does not pay, the
    # deals need not be valued (the same answer, much cheaper). The largest cost of a deal is
    # that between strangers from countries with no bloc in common.
    largest_cost = p.transaction_cost_musd * (1.0 + p.affinity_transaction_cost_premium)
    most = _tradable_pairs(model, agents_a, agents_b) * largest_cost
    if trust * most * p.government_tie_discount / 2 <= max(cost_a, cost_b):
        return None
    gain = eased_deals_value(model, a, b, agents_a, agents_b) / 2
    value_a, value_b = trust * gain - cost_a, trust * gain - cost_b
    if value_a <= 0 or value_b <= 0:
        return None
    return Deal(
        kind="government",
        party_a=a.agent_id,
        party_b=b.agent_id,
        value_a=value_a,
        value_b=value_b,
        transferable=False,
    )


def eased_deals_value(
    model: TransitionModel,
    a: Country,
    b: Country,
    agents_a: np.ndarray | None = None,
    agents_b: np.ndarray | None = None,
) -> float:
    """What a tie's lower transaction costs are worth to the deals across two countries (USD m).

    Over the pairs of an agent of ``a`` with an agent of ``b`` (each country and its largest
    producers), valued now: the cost saved on every deal worth signing, plus the surplus a
    deal that is not worth signing would have with the saving.
    """
    # imported here: the batch valuation itself calls this module's functions
    from industry_transition.model.valuation import transaction_costs, value_pairs

    p = model.params
    agents_a = _tie_agents(model, a) if agents_a is None else agents_a
    agents_b = _tie_agents(model, b) if agents_b is None else agents_b
    x = np.repeat(agents_a, agents_b.size)
    y = np.tile(agents_b, agents_a.size)
    keep = ~((x == a.index) & (y == b.index))
    x, y = x[keep], y[keep]
    deals = value_pairs(model, x, y)
    surplus = deals.surplus
    valued = surplus > -np.inf
    if not valued.any():
        return 0.0
    saving = transaction_costs(model, x[valued], y[valued]) * p.government_tie_discount
    eased = np.maximum(np.minimum(surplus[valued] + saving, saving), 0.0)
    return float(eased.sum())


def _tradable_pairs(model: TransitionModel, agents_a: np.ndarray, agents_b: np.ndarray) -> int:
    """How many pairs across the two agent lists could have a deal at all (an upper bound).

    A donor with an eligible producer (finance); two producers of a sector with a low-carbon
    route still immature for some company (co-development); an owner of a proprietary route
    with a producer of its sector (licences).
    """
    c = len(model.countries.ids)
    countries, comp, tech = model.countries, model.companies, model.technologies
    count = 0
    for first, second in ((agents_a, agents_b), (agents_b, agents_a)):
        donor = int(first[0])
        if countries.donor_budget_musd[donor] > 0 and countries.income[second[0]] != 0:
            count += int(comp.is_producer[second[1:] - c].sum())
    xs, ys = agents_a[1:] - c, agents_b[1:] - c
    if xs.size and ys.size:
        same = comp.sector[xs][:, None] == comp.sector[ys][None, :]
        producers = comp.is_producer[xs][:, None] & comp.is_producer[ys][None, :]
        immature = np.zeros(2, dtype=bool)
        for sector in (0, 1):
            routes = (tech.sector == sector) & tech.low_carbon
            immature[sector] = bool((comp.available_year[:, routes] > model.year + 1).any())
        codevelop = same & producers & immature[comp.sector[xs]][:, None]
        owns_x = comp.owns[xs].any(axis=1)[:, None] & comp.is_producer[ys][None, :]
        owns_y = comp.owns[ys].any(axis=1)[None, :] & comp.is_producer[xs][:, None]
        count += int((codevelop | (same & (owns_x | owns_y))).sum())
    return count


def _tie_agents(model: TransitionModel, country: Country) -> np.ndarray:
    """Agent indices a government weighs in a tie: itself and its largest producers."""
    companies = np.array([model.company_agents[c].index for c in country.companies], dtype=int)
    if companies.size > model.params.government_tie_agents:
        production = model.costs.company_production()[companies]
        order = np.argsort(-production, kind="stable")[: model.params.government_tie_agents]
        companies = np.sort(companies[order])
    return np.concatenate([[country.index], len(model.countries.ids) + companies]).astype(np.int64)
