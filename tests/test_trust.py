"""Directed trust and its regime-aware prior (docs/model.md §3.5-3.6).

``trust(i, j)`` is i's estimate that j delivers what j promises: j's delivery or default moves
i's trust in j and nothing else; a pair without history starts at the delivery probability of
j's promises under the enforcement regime.
"""

from __future__ import annotations

import numpy as np
import pytest

from industry_transition import TransitionModel
from industry_transition.model import agreements
from industry_transition.model.delivery import COMPANY_DELIVERY_PRIOR, government_delivery_prior
from industry_transition.model.registry import Partnership


# --- the prior ----------------------------------------------------------------------------------
def test_government_prior_is_the_chance_every_tranche_survives_the_regimes_hazards() -> None:
    assert government_delivery_prior("binding", 0.05, 0.1, 3) == 1.0
    assert government_delivery_prior("reputational", 0.05, 0.1, 3) == pytest.approx(0.95**3)
    assert government_delivery_prior("none", 0.05, 0.1, 3) == pytest.approx((0.95 * 0.9) ** 3)
    # reneging matters only without enforcement; longer commitments are riskier
    assert government_delivery_prior("reputational", 0.05, 0.9, 3) == pytest.approx(0.95**3)
    assert government_delivery_prior("none", 0.05, 0.1, 5) < government_delivery_prior(
        "none", 0.05, 0.1, 3
    )
    assert government_delivery_prior("none", 0.0, 0.0, 3) == 1.0


@pytest.mark.parametrize("enforcement", ["binding", "reputational", "none"])
def test_model_priors_follow_the_regime_and_the_parameters(enforcement: str) -> None:
    model = TransitionModel(
        "teaching",
        seed=1,
        enforcement=enforcement,
        political_turnover_probability=0.08,
        renege_probability=0.2,
        finance_disbursement_years=4,
        affinity_trust_penalty=0.0,
    )
    expected = {"binding": 1.0, "reputational": 0.92**4, "none": (0.92 * 0.8) ** 4}[enforcement]
    assert model.trust.government_prior == pytest.approx(expected)
    assert model.trust.initial == COMPANY_DELIVERY_PRIOR == 1.0
    country = next(iter(model.country_agents))
    company = next(iter(model.company_agents))
    assert model.trust.get(company, country) == pytest.approx(expected)  # a government's promise
    assert model.trust.get(country, company) == 1.0  # a company's promise


def test_regimes_rank_the_prior_in_a_government() -> None:
    priors = [
        TransitionModel("teaching", seed=1, enforcement=e).trust.government_prior
        for e in ("binding", "reputational", "none")
    ]
    assert priors[0] > priors[1] > priors[2]


# --- directed updates ---------------------------------------------------------------------------
@pytest.fixture
def model() -> TransitionModel:
    return TransitionModel("teaching", seed=1)


def _finance(model: TransitionModel) -> Partnership:
    donor = next(c for c in model.country_agents.values() if c.is_donor)
    company = next(iter(model.company_agents.values()))
    plant = int(model.fleet.plants_of(company.index)[0])
    return Partnership(
        partnership_id="fin-test",
        kind="finance",
        party_a=donor.agent_id,
        party_b=company.agent_id,
        start_year=model.year,
        end_year=model.year + 3,
        plant=plant,
    )


def test_a_donors_delivery_raises_the_recipients_trust_in_it_only(model: TransitionModel) -> None:
    deal = _finance(model)
    donor, company = deal.party_a, deal.party_b
    before_in_donor, before_in_company = (
        model.trust.get(company, donor),
        model.trust.get(donor, company),
    )
    agreements.reward_delivery(model, deal, 0.0)
    gain = model.params.trust_gain
    assert model.trust.get(company, donor) == pytest.approx(
        before_in_donor + gain * (1 - before_in_donor)
    )
    assert model.trust.get(donor, company) == before_in_company


def test_a_donors_default_lowers_the_recipients_trust_in_it_only(model: TransitionModel) -> None:
    deal = _finance(model)
    donor, company = deal.party_a, deal.party_b
    model.registry.add(deal)
    before_in_donor, before_in_company = (
        model.trust.get(company, donor),
        model.trust.get(donor, company),
    )
    agreements.default_partnership(model, deal, "test")
    assert model.trust.get(company, donor) == pytest.approx(
        before_in_donor * (1 - model.params.trust_loss)
    )
    assert model.trust.get(donor, company) == before_in_company
    assert deal.status == "defaulted"


def test_a_completed_financed_conversion_raises_the_donors_trust_in_the_company(
    model: TransitionModel,
) -> None:
    deal = _finance(model)
    donor, company = deal.party_a, deal.party_b
    model.trust.set(donor, company, 0.5, model.year)  # below 1, so a rise shows
    before_in_donor = model.trust.get(company, donor)
    model.finance_by_plant[deal.plant] = deal
    agreements.conversion_delivered(model, deal.plant)
    assert model.trust.get(donor, company) == pytest.approx(0.5 + model.params.trust_gain * 0.5)
    assert model.trust.get(company, donor) == before_in_donor
    assert deal.plant not in model.finance_by_plant
    # an abandoned conversion (the line closed) lowers it, once per financed line
    model.finance_by_plant[deal.plant] = deal
    agreements.conversion_abandoned(model, deal)
    model.year += 1
    agreements.conversion_abandoned(model, deal)
    lowered = (0.5 + model.params.trust_gain * 0.5) * (1 - model.params.trust_loss)
    assert model.trust.get(donor, company) == pytest.approx(lowered)
    assert model.trust.get(company, donor) == before_in_donor


def test_a_licence_handover_raises_the_licensees_trust_in_the_licensor(
    model: TransitionModel,
) -> None:
    licensee, licensor = list(model.company_agents)[:2]
    model.trust.set(licensee, licensor, 0.4, model.year)
    licence = Partnership(
        partnership_id="tec-test",
        kind="technology",
        party_a=licensee,
        party_b=licensor,
        start_year=model.year,
        end_year=model.year + 5,
    )
    agreements.reward_delivery(model, licence, 0.0)
    assert model.trust.get(licensee, licensor) == pytest.approx(0.4 + model.params.trust_gain * 0.6)
    assert model.trust.get(licensor, licensee) == model.trust.prior(licensor, licensee)


def test_defaults_in_a_run_lower_only_the_recipients_trust_in_the_donor() -> None:
    model = TransitionModel("teaching", seed=1, enforcement="none")
    seen = 0
    while model.running and seen < 3:
        before = dict(model.trust.values)
        prior = model.trust.prior
        start = len(model.events.rows)
        model.step()
        for row in model.events.rows[start:]:
            if row[2] != "default" or row[3] != "finance":
                continue
            donor, company = row[4], row[5]
            was = before.get((company, donor), prior(company, donor))
            assert model.trust.get(company, donor) < was
            seen += 1
    assert seen > 0


# --- where directed trust is read -------------------------------------------------------------
def test_search_ranks_each_agents_neighbours_by_its_own_trust() -> None:
    from industry_transition.model.search import adjacency

    model = TransitionModel("leadit", seed=1, snapshots=False)
    index = model.proposer_index
    a, b = next((x, y) for x, y in model.registry.live_pair_keys() if x in index and y in index)
    model.trust.set(a, b, 0.99, model.year)
    model.trust.set(b, a, 0.01, model.year)
    indptr, indices, trust = adjacency(model)
    i, j = index[a], index[b]

    def row(k: int) -> dict[int, float]:
        span = slice(indptr[k], indptr[k + 1])
        return dict(zip(indices[span].tolist(), trust[span].tolist(), strict=True))

    row_i, row_j = row(i), row(j)
    assert row_i[j] == 0.99
    assert row_j[i] == 0.01
    # rows are ordered by the row agent's trust, highest first
    assert all(np.diff(trust[indptr[i] : indptr[i + 1]]) <= 0)
    edge = model.network.edges[a, b]
    model.registry.refresh_trust()
    assert edge["trust_by"] == {a: 0.99, b: 0.01}
    assert edge["trust"] == pytest.approx(0.5)


def test_a_donor_values_a_grant_with_its_trust_in_the_company_not_the_reverse() -> None:
    from industry_transition.model.deals import transaction_cost

    model = TransitionModel("teaching", seed=1)
    offers: list = []
    while not offers and model.running:
        model.step()
        offers = [
            (donor, company, deal)
            for donor in model.country_agents.values()
            for company in model.company_agents.values()
            if (deal := donor.offer_finance(company)) is not None
        ]
    assert offers, "some grant is worth valuing"
    donor, company, deal = offers[0]
    d, c = donor.agent_id, company.agent_id
    cost = transaction_cost(model, d, c)
    model.trust.set(c, d, 0.0, model.year)  # the company's belief in the donor
    again = donor.offer_finance(company)
    assert again is not None
    # it enters only the transaction cost (the mean of the two directions), not the donor's W
    assert again.value_b == deal.value_b
    assert again.value_a + transaction_cost(model, d, c) == pytest.approx(deal.value_a + cost)
    assert transaction_cost(model, d, c) > cost
    model.trust.set(d, c, 0.5 * model.trust.get(d, c), model.year)  # the donor's belief
    lower = donor.offer_finance(company)
    assert lower is None or lower.value_a < again.value_a


def test_a_financed_line_closed_before_its_tranches_lowers_the_donors_trust_in_the_company(
    model: TransitionModel,
) -> None:
    from industry_transition.model.delivery import deliver_tranche

    deal = _finance(model)
    donor, company = deal.party_a, deal.party_b
    deal.tranches_due = [10.0, 10.0]
    model.registry.add(deal)
    model.finance_by_plant[deal.plant] = deal
    model.fleet.capacity_mt[deal.plant] = 0.0  # the company closed the line
    in_company, in_donor = model.trust.get(donor, company), model.trust.get(company, donor)
    n = len(model.countries.ids)
    shocks = {"budget": np.ones(n), "turnover": np.zeros(n, bool), "renege": np.zeros(n, bool)}
    deliver_tranche(model, deal, shocks)
    assert deal.status == "cancelled"
    assert model.trust.get(donor, company) == pytest.approx(
        in_company * (1 - model.params.trust_loss)
    )
    assert model.trust.get(company, donor) == in_donor
