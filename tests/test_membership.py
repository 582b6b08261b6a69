"""Membership valued by members: commitments, value terms, exit cost (docs/model.md 3.7)."""

from __future__ import annotations

import pandas as pd
import pytest

from industry_transition.experiments.run import run
from industry_transition.model import relations
from industry_transition.model.agreements import credit_membership
from industry_transition.model.deals import Deal
from industry_transition.model.transition_model import TransitionModel

LEADIT_2_0 = range(2024, 2027)


def members_by_year(events: pd.DataFrame, start: set[str], years: range) -> dict[int, set[str]]:
    """Country members at the end of each year, replayed from the join and leave events."""
    members = set(start)
    out = {}
    for year in years:
        for row in events[events["year"] == year].itertuples():
            if row.event == "join":
                members.add(row.party_a)
            elif row.event == "leave":
                members.discard(row.party_a)
        out[year] = set(members)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_co_chairs_stay_through_lead_it_2_0_even_when_reviews_are_yearly(seed: int) -> None:
    # Yearly reviews from 2025 and a prohibitive fee: every uncommitted member would leave.
    result = run(
        "leadit",
        seed=seed,
        steps=5,
        ratchet_first_year=2025,
        ratchet_interval_years=1,
        membership_fee_musd=100.0,
        snapshots=False,
    )
    events = result.events[result.events["event"].isin(["join", "leave"])]
    leaves = events[events["event"] == "leave"]
    # A committed member never leaves before its commitment ends (2026) ...
    assert leaves["year"].min() == 2027
    # ... and may after it: the fee drives committed members out at the first review after.
    assert {"ind", "swe"} <= set(leaves[leaves["year"] == 2027]["party_a"])
    model = TransitionModel("leadit", seed=seed)
    countries = set(model.country_agents)
    start = set(model.initiatives["leadit"].members) & countries
    assert len(start) == 18
    for year, members in members_by_year(events, start, LEADIT_2_0).items():
        assert {"ind", "swe"} <= members, year
        assert start <= members, year


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_co_chairs_are_members_through_lead_it_2_0_in_the_default_run(seed: int) -> None:
    result = run("leadit", seed=seed, steps=3, snapshots=False)
    assert not (result.events["event"] == "leave").any()
    assert (result.series["initiative_members"] >= 18).all()


def test_a_member_leaves_at_the_first_review_after_its_commitment() -> None:
    model = TransitionModel(
        "teaching",
        seed=1,
        ratchet_first_year=2025,
        ratchet_interval_years=1,
        membership_fee_musd=100.0,
    )
    club = model.initiatives["club"]
    club.committed_until["indara"] = 2027
    left: dict[str, int] = {}
    for _ in range(6):
        model.step()
        for country in ("indara", "nordland"):
            if country not in club.members:
                left.setdefault(country, model.year - 1)
    assert left == {"nordland": 2025, "indara": 2028}


# --- the value of membership ----------------------------------------------------------------


@pytest.fixture
def review() -> TransitionModel:
    """Teaching at its first stocktake (2028), before the membership review."""
    model = TransitionModel("teaching", seed=1)
    for _ in range(4):
        model.step()
    model.initiatives["club"].years_since_review = 4
    return model


def test_each_record_of_what_membership_brought_raises_the_gain(review: TransitionModel) -> None:
    club = review.initiatives["club"]
    indara = review.country_agents["indara"]
    base = club.membership_gain_musd(indara)
    for book in (club.brokered_value_musd, club.finance_received_musd, club.costs_saved_musd):
        book["indara"] = book.get("indara", 0.0) + 40.0
        assert club.membership_gain_musd(indara) == pytest.approx(base + 10.0)  # per year of 4
        base += 10.0


def test_a_higher_fee_lowers_the_gain_one_for_one() -> None:
    gains = []
    for fee in (0.5, 3.0):
        model = TransitionModel("teaching", seed=1, membership_fee_musd=fee)
        club = model.initiatives["club"]
        gains.append(club.membership_gain_musd(model.country_agents["solano"]))
    assert gains[0] - gains[1] == pytest.approx(2.5)


def test_non_members_expect_what_the_median_member_of_their_kind_got(
    review: TransitionModel,
) -> None:
    club = review.initiatives["club"]
    solano = review.country_agents["solano"]  # upper-middle income: a finance recipient
    club.close_review()  # empty books
    club.years_since_review = 4
    # Recipient members: indara and kivu. A huge value to one donor member does not count.
    club.brokered_value_musd["nordland"] = 4_000.0
    club.finance_received_musd.update({"indara": 40.0, "kivu": 80.0})
    assert club.value_expected_musd(solano) == pytest.approx((10.0 + 20.0) / 2)


def test_finance_received_draws_a_recipient_in() -> None:
    # Solano, a non-member with a carbon price below its ambition, joins when members like it
    # got finance, and stays out when the fee outweighs what they got.
    joined = {}
    for finance in (0.0, 400.0):
        model = TransitionModel("teaching", seed=1, membership_fee_musd=5.0)
        for _ in range(4):
            model.step()
        club = model.initiatives["club"]
        club.close_review()
        club.finance_received_musd.update({"indara": finance, "kivu": finance})
        club.years_since_review = 4
        club.decide_membership(model.country_agents["solano"])
        joined[finance] = "solano" in club.members
    assert joined == {0.0: False, 400.0: True}


def test_a_member_near_indifference_stays_and_leaves_only_past_the_exit_cost() -> None:
    # With a fee of reputation + 1 (gain -1 a year), staying 5 years loses 5 < the exit cost of
    # 10, so the member stays; with an exit cost of 0 it leaves.
    stays = {}
    for exit_cost in (10.0, 0.0):
        model = TransitionModel(
            "teaching",
            seed=1,
            membership_fee_musd=3.0,
            membership_reputation_musd=2.0,
            membership_exit_cost_musd=exit_cost,
        )
        club = model.initiatives["club"]
        kivu = model.country_agents["kivu"]
        assert club.membership_gain_musd(kivu) == pytest.approx(-1.0)
        club.decide_membership(kivu)
        stays[exit_cost] = "kivu" in club.members
    assert stays == {10.0: True, 0.0: False}


def test_ratchet_costs_only_the_price_above_the_governments_ambition() -> None:
    model = TransitionModel("teaching", seed=1)
    model.step()
    p = model.params
    for country in model.country_agents.values():
        price, ambition = country.carbon_price_usd_per_t, country.ambition_usd_per_t
        ratcheted = max(price * (1 + p.ratchet_increase), p.ratchet_floor_usd_per_t)
        expected = (
            p.ratchet_cost_share
            * max(ratcheted - ambition, 0.0)
            * float(model.emissions_by_country_sector_mt[country.index].sum())
        )
        assert country.ratchet_cost_musd() == pytest.approx(expected)
    # Nordland (45 USD/t, ambition 130) accepts a ratchet; Kivu (0, ambition 5) is pushed
    # to the 5 USD/t floor, which is not above its ambition either.
    assert model.country_agents["nordland"].ratchet_cost_musd() == 0.0
    high = TransitionModel("teaching", seed=1, carbon_price_scale=4.0)
    high.step()
    assert high.country_agents["nordland"].ratchet_cost_musd() > 0.0  # 180 USD/t > 130


def test_brokered_finance_counts_for_the_donor_not_twice_for_the_recipient() -> None:
    model = TransitionModel("teaching", seed=1)
    club = model.initiatives["club"]
    deal = Deal(
        kind="finance",
        party_a="nordland",
        party_b="indcem",
        value_a=100.0,
        value_b=-40.0,
        transfer_musd=70.0,
    )
    credit_membership(model, deal, brokered=True)
    assert club.brokered_value_musd == {"nordland": 30.0}  # the recipient counts the delivery
    credit_membership(model, deal, brokered=False)
    # Not brokered: the donor's country counts the transaction cost the club saved (a grant
    # programme bears all of a finance deal's), the recipient's nothing.
    p = model.params
    # teaching's Nordland and Indara share one of the three blocs either is in (affinity 1/3)
    factor = 1 - p.affinity_trust_penalty * (1 - 1 / 3)
    assert model.trust.get("nordland", "indcem") == pytest.approx(factor)  # in a company
    assert model.trust.get("indcem", "nordland") == pytest.approx(
        model.trust.government_prior * factor  # in a government
    )
    prior = 0.5 * (1 + model.trust.government_prior) * factor  # the mean of the two
    saved = p.transaction_cost_musd * (1 - p.trust_discount * prior)
    assert relations.home_countries_allied(model, "nordland", "indcem")  # a tie from the data
    saved *= 1 - p.government_tie_discount
    saved *= (1 + p.affinity_transaction_cost_premium * (1 - 1 / 3)) * p.membership_discount
    assert club.costs_saved_musd == pytest.approx({"nordland": saved, "indara": 0.0})
