"""Phase 4, delivery: finance disbursed against donor budgets, technology handed over, trust.

Enforcement (docs/model.md §3.6): ``binding`` delivers every scheduled tranche (commitments are
reserved against planned budgets when signed); ``reputational`` lets budget shocks and political
turnover cause defaults; ``none`` adds opportunistic reneging. Trust rises on delivery and falls on
default whatever the regime; a default ends the partnership. Trust is directed: a tranche paid or
withheld moves the company's trust in the donor; a financed conversion carried out or abandoned
moves the donor's trust in the company.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from industry_transition.model import agreements
from industry_transition.model.registry import Partnership, TrustBook

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


#: Prior delivery probability of a company's promises (a financed conversion, a licence handover,
#: a co-development share): the model gives them no exogenous hazard under any regime.
COMPANY_DELIVERY_PRIOR = 1.0


def government_delivery_prior(
    enforcement: str, turnover: float, renege: float, tranches: int
) -> float:
    """Probability that a government delivers a whole finance commitment under the regime.

    A commitment is paid in ``tranches`` yearly tranches, each exposed to that year's hazards
    (``draw_shocks``): political turnover (probability ``turnover`` a year) under
    ``reputational`` and ``none``, reneging (``renege``) under ``none`` only; ``binding`` allows
    neither. Every tranche must be paid for the project to go ahead (a default stops it), so

        tau0 = 1                                       binding
        tau0 = (1 - turnover) ** tranches              reputational
        tau0 = ((1 - turnover) * (1 - renege)) ** tranches    none

    Budget shortfalls also default tranches under ``reputational`` and ``none``, but their chance
    depends on how much of its planned budget the donor has committed, which the prior does not
    know; agents learn it from deliveries and defaults (docs/model.md §3.6).
    """
    if enforcement == "binding":
        return 1.0
    survive = 1.0 - turnover
    if enforcement == "none":
        survive *= 1.0 - renege
    return survive**tranches


class FinanceBook:
    """Donor budgets: planned yearly budgets, tranches scheduled against them, this year's cash."""

    def __init__(self, planned_musd: np.ndarray, years: int, horizon: int) -> None:
        self.planned_musd = planned_musd
        self.scheduled = np.zeros((planned_musd.size, years + horizon + 1))
        self.received_this_year = np.zeros(planned_musd.size)
        self.need_musd: np.ndarray = np.zeros(planned_musd.size)
        self.year_index = 0
        self.horizon = horizon

    def fits(self, donor: int, amount: float) -> bool:
        """Whether equal tranches of ``amount`` fit the donor's planned budgets from now on."""
        tranche = amount / self.horizon
        window = self.scheduled[donor, self.year_index : self.year_index + self.horizon]
        return bool(np.all(window + tranche <= self.planned_musd[donor] + 1e-9))

    def absorbs(self, recipient: int, amount: float) -> bool:
        """Whether the recipient country can take on another commitment this year."""
        return bool(self.received_this_year[recipient] + amount <= self.need_musd[recipient] + 1e-9)

    def commit(self, donor: int, recipient: int, amount: float) -> list[float]:
        """Schedule a commitment; return its tranches."""
        tranche = amount / self.horizon
        self.scheduled[donor, self.year_index : self.year_index + self.horizon] += tranche
        self.received_this_year[recipient] += amount
        return [tranche] * self.horizon

    def release(self, donor: int, tranches: list[float]) -> None:
        """Remove the remaining tranches of a defaulted commitment from the schedule."""
        for offset, tranche in enumerate(tranches):
            self.scheduled[donor, self.year_index + offset] -= tranche

    def next_year(self) -> None:
        """Move the schedule window forward one year and reset yearly absorption."""
        self.year_index += 1
        self.received_this_year[:] = 0.0


def deliver(model: TransitionModel) -> None:
    """Phase 4: appropriate budgets, pay tranches, transfer technology, end due partnerships."""
    p = model.params
    year = model.year
    shocks = draw_shocks(model)
    countries = model.countries
    for c, country_id in enumerate(countries.ids):
        budget = countries.donor_budget_musd[c] * shocks["budget"][c]
        model.ledger.transfer(
            year, "musd", "external:appropriation", f"treasury:{country_id}", budget, "budget"
        )
    for partnership in model.registry.active():
        if partnership.kind == "finance" and partnership.tranches_due:
            deliver_tranche(model, partnership, shocks)
        elif partnership.kind == "technology" and partnership.deliveries == 0:
            transfer_technology(model, partnership)
    for partnership in model.registry.active():
        if partnership.kind == "finance":
            done = not partnership.tranches_due
        else:
            done = partnership.kind != "membership" and partnership.end_year <= year
        if done:
            agreements.end_partnership(model, partnership, "completed")
    book_commitment_costs(model)
    for country_id in countries.ids:
        left = model.ledger.balance("musd", f"treasury:{country_id}")
        model.ledger.transfer(
            year,
            "musd",
            f"treasury:{country_id}",
            "external:appropriation",
            max(left, 0.0),
            "lapsed",
        )
    model.trust.decay(p.trust_decay_per_year, year)
    model.registry.refresh_trust()


def book_commitment_costs(model: TransitionModel) -> None:
    """Yearly costs of ties: initiative fees of member countries, government-tie costs."""
    p = model.params
    for partnership in model.registry.active():
        if partnership.kind == "membership" and partnership.party_a in model.country_agents:
            model.ledger.transfer(
                model.year,
                "musd",
                f"government:{partnership.party_a}",
                f"initiative:{partnership.party_b}",
                p.membership_fee_musd,
                "membership fee",
            )
        elif partnership.kind == "government":
            for party in (partnership.party_a, partnership.party_b):
                model.ledger.transfer(
                    model.year,
                    "musd",
                    f"government:{party}",
                    "external:diplomacy",
                    p.government_partnership_cost_musd,
                    "government tie",
                )


def draw_shocks(model: TransitionModel) -> dict[str, np.ndarray]:
    """Budget shocks, political turnover and reneging draws for every country, every year.

    Drawn whatever the enforcement regime, so that policy variants share random numbers.
    """
    p = model.params
    n = len(model.countries.ids)
    rng = model.substream("shocks", model.year)
    sd = p.budget_shock_sd
    budget = np.exp(rng.normal(-0.5 * sd * sd, sd, size=n))
    turnover = rng.random(n) < p.political_turnover_probability
    renege = rng.random(n) < p.renege_probability  # per donor and year
    if p.enforcement == "binding":
        return {"budget": np.ones(n), "turnover": np.zeros(n, bool), "renege": np.zeros(n, bool)}
    if p.enforcement == "reputational":
        renege = np.zeros(n, dtype=bool)
    return {"budget": budget, "turnover": turnover, "renege": renege}


def deliver_tranche(
    model: TransitionModel, partnership: Partnership, shocks: dict[str, np.ndarray]
) -> None:
    """Pay the next tranche of a finance commitment, or default on it."""
    donor = model.country_agents[partnership.party_a]
    due = partnership.tranches_due[0]
    treasury = f"treasury:{donor.agent_id}"
    fleet = model.fleet
    plant = partnership.plant
    if fleet.capacity_mt[plant] <= 0:
        # The plant closed (its grant was written off then): the project is void. The donor
        # is not at fault; the company did not carry its side out, so the donor's trust in it
        # falls (docs/model.md §3.6).
        agreements.conversion_abandoned(model, partnership)
        model.finance.release(donor.index, partnership.tranches_due)
        partnership.tranches_due = []
        agreements.end_partnership(model, partnership, "cancelled")
        return
    reason = None
    if shocks["turnover"][donor.index]:
        reason = "a new government cancelled open commitments"
    elif model.ledger.balance("musd", treasury) + 1e-9 < due:
        reason = "the budget fell short"
    elif shocks["renege"][donor.index]:
        reason = "the donor withheld it"
    if reason is not None:
        agreements.default_partnership(model, partnership, reason)
        return
    partnership.tranches_due.pop(0)
    grant_account = f"grant:{fleet.ids[plant]}"
    model.ledger.transfer(model.year, "musd", treasury, grant_account, due, "finance")
    fleet.grant_musd[plant] += due
    if model.technologies.low_carbon[fleet.technology[plant]]:
        # The line already switched: the tranche reimburses the capex it spent.
        company = model.companies.ids[fleet.owner[plant]]
        model.ledger.transfer(
            model.year,
            "musd",
            grant_account,
            f"capex:{company}",
            float(fleet.grant_musd[plant]),
            "grant spent",
        )
        fleet.grant_musd[plant] = 0.0
    partnership.delivered_musd += due
    model.finance_delivered_musd[model.companies.country[model.fleet.owner[plant]]] += due
    agreements.reward_delivery(model, partnership, due)


def transfer_technology(model: TransitionModel, partnership: Partnership) -> None:
    """Hand over a licensed technology: access for the licensee, capability for its country."""
    licensee = model.company_agents[partnership.party_a]
    k = model.technologies.index[partnership.technology]
    model.companies.access[licensee.index, k] = True
    agreements.raise_capability(model, licensee.country_index)
    agreements.reward_delivery(model, partnership, 0.0)


def initial_trust(model: TransitionModel) -> TrustBook:
    """trust(i, j) at the start: the delivery probability of j's promises under the regime.

    docs/model.md §3.5-3.6; a company's promises start at ``COMPANY_DELIVERY_PRIOR``, a
    government's at ``government_delivery_prior``, lowered by political affinity.
    """
    p = model.params
    return TrustBook(
        COMPANY_DELIVERY_PRIOR,
        home={a: int(h) for a, h in zip(model.proposers, model.home_of, strict=True)},
        affinity=model.countries.affinity,
        affinity_penalty=p.affinity_trust_penalty,
        governments=model.country_agents,
        government_prior=government_delivery_prior(
            p.enforcement,
            p.political_turnover_probability,
            p.renege_probability,
            p.finance_disbursement_years,
        ),
    )


def initial_finance(model: TransitionModel) -> FinanceBook:
    """Donor budgets planned over the run, and each country's finance need."""
    p = model.params
    book = FinanceBook(
        model.countries.donor_budget_musd.copy(),
        p.end_year - p.start_year + 1,
        p.finance_disbursement_years,
    )
    book.need_musd = model.countries.finance_need_musd.copy()
    return book
