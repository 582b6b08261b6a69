"""Government partnerships: priced by the deals they ease; they move no carbon price (issue 13).

docs/model.md §3.4-3.5.
"""

from __future__ import annotations

import numpy as np
import pytest

from industry_transition import TransitionModel, run
from industry_transition.model import deals, relations
from industry_transition.model.economics import scalar_annuity_factor


def test_government_ties_move_no_carbon_price():
    """leadit starts with two ties (India-Sweden, UK-Brazil): prices follow their own paths."""
    with_ties = TransitionModel("leadit", seed=1, snapshots=False)
    without = TransitionModel("leadit", seed=1, snapshots=False, government_deals=False)
    assert len(with_ties.registry.active("government")) == 2
    for _ in range(4):  # before the first stocktake
        with_ties.step()
        without.step()
        np.testing.assert_array_equal(
            with_ties.countries.carbon_price_usd_per_t, without.countries.carbon_price_usd_per_t
        )


@pytest.fixture(scope="module")
def financing_world():
    model = TransitionModel("leadit", seed=1, snapshots=False, carbon_price_scale=3.0)
    for _ in range(10):
        model.step()
    model.costs.active = True  # as in a negotiation round
    return model


def country_pairs(model):
    countries = list(model.country_agents.values())
    return [(a, b) for i, a in enumerate(countries) for b in countries[i + 1 :]]


def test_the_shortcut_gives_the_full_valuation(financing_world, monkeypatch):
    """Pairs skipped by the bound would have been worth nothing to one side anyway."""
    model = financing_world
    quick = [a.propose_tie(b) for a, b in country_pairs(model)]
    monkeypatch.setattr(deals, "tradable_pairs", lambda *args: 10**9)
    full = [a.propose_tie(b) for a, b in country_pairs(model)]
    assert quick == full


def eligible_for_a_tie(model, a, b):
    return (
        (a.is_donor or b.is_donor)
        and not (a.income_group == "high" and b.income_group == "high")
        and not model.registry.has_active(a.agent_id, b.agent_id, "government")
        and max(
            relations.government_ties(model, a.agent_id),
            relations.government_ties(model, b.agent_id),
        )
        < model.params.max_government_partnerships
    )


def test_a_tie_is_worth_the_eased_deals_counted_with_trust(financing_world, monkeypatch):
    """Each side's value is its share of the eased deals times trust (no tie cost, no standing)."""
    model = financing_world
    free = model.params.model_copy(
        update={
            "government_partnership_cost_musd": 0.0,
            "government_tie_standing_musd": 0.0,
            "government_tie_probability": 1.0,
        }
    )
    monkeypatch.setattr(model, "params", free)
    found = 0
    for a, b in country_pairs(model):
        gain_a, gain_b = deals.eased_deals_value(model, a, b)
        deal = a.propose_tie(b)
        if not eligible_for_a_tie(model, a, b) or gain_a + gain_b <= 0:
            assert deal is None
            continue
        found += 1
        trust = model.trust.get(a.agent_id, b.agent_id)
        assert deal.value_a == pytest.approx(trust * gain_a)
        assert deal.value_b == pytest.approx(trust * gain_b)
        # finance is the only deal across these pairs, and its saving goes to the donor
        assert min(gain_a, gain_b) == 0.0
        assert (gain_a > 0) == a.is_donor
    assert found > 0, "some pair of countries has deals to ease"


def test_a_ties_standing_adds_its_annuity_with_trust(financing_world, monkeypatch):
    """Each side: V = trust * (eased deals + standing * AF) - cost * AF, AF over the duration."""
    model = financing_world
    standing, cost = 3.0, 0.5
    params = model.params.model_copy(
        update={
            "government_partnership_cost_musd": cost,
            "government_tie_standing_musd": standing,
            "government_tie_probability": 1.0,
            "government_tie_announcement": "yearly",  # 2034 is no stocktake year
        }
    )
    monkeypatch.setattr(model, "params", params)
    duration = float(params.government_partnership_duration_years)
    checked = 0
    for a, b in country_pairs(model):
        deal = a.propose_tie(b)
        if not eligible_for_a_tie(model, a, b):
            assert deal is None
            continue
        gain_a, gain_b = deals.eased_deals_value(model, a, b)
        af_a = scalar_annuity_factor(a.cost_of_capital, duration)
        af_b = scalar_annuity_factor(b.cost_of_capital, duration)
        value_a = model.trust.get(a.agent_id, b.agent_id) * (gain_a + standing * af_a) - cost * af_a
        value_b = model.trust.get(b.agent_id, a.agent_id) * (gain_b + standing * af_b) - cost * af_b
        if value_a + value_b <= 0:
            assert deal is None
            continue
        checked += 1
        assert deal.value_a == pytest.approx(value_a, rel=1e-12)
        assert deal.value_b == pytest.approx(value_b, rel=1e-12)
    assert checked > 0, "standing of 3 a year pays for some eligible tie"


def test_the_tie_hazard_is_one_draw_per_pair_and_year():
    """Symmetric in the pair, the same however often asked, and its rate is the probability."""
    chance = 0.3
    model = TransitionModel("leadit", seed=4, snapshots=False, government_tie_probability=chance)
    pairs = country_pairs(model)
    on = [a.tie_on_agenda(b) for a, b in pairs]
    assert on == [b.tie_on_agenda(a) for a, b in pairs]
    assert on == [a.tie_on_agenda(b) for a, b in pairs]
    # 561 pairs: the share lies within 4 binomial standard deviations of the probability
    n = len(pairs)
    assert abs(sum(on) / n - chance) < 4 * (chance * (1 - chance) / n) ** 0.5
    model.step()  # another year, other draws
    assert on != [a.tie_on_agenda(b) for a, b in pairs]
    never = TransitionModel("leadit", seed=4, snapshots=False, government_tie_probability=0.0)
    assert not any(a.tie_on_agenda(b) for a, b in country_pairs(never))


def ties_formed(result):
    p = result.partnerships
    return int(((p["kind"] == "government") & (p["start_year"] >= 2019)).sum())


@pytest.mark.parametrize("seed", [1, 2])
def test_standing_makes_ties_and_the_hazard_paces_them(seed):
    """Direction: no standing, no tie in 2019-2024; standing with a hazard, fewer than without."""
    common = dict(seed=seed, snapshots=False)
    none = run("leadit-2019", government_tie_standing_musd=0.0, **common)
    every = run(
        "leadit-2019", government_tie_standing_musd=5.0, government_tie_probability=1.0, **common
    )
    paced = run(
        "leadit-2019", government_tie_standing_musd=5.0, government_tie_probability=0.02, **common
    )
    assert ties_formed(none) == 0
    assert ties_formed(every) > ties_formed(paced)
    assert ties_formed(every) >= 10


def test_standing_counts_at_stocktakes_only_unless_any_year_is_chosen():
    """leadit-2019's stocktakes are 2023, 2028...: every tie standing pays for is signed in one."""
    common = dict(
        seed=1,
        snapshots=False,
        government_tie_standing_musd=5.0,
        government_tie_probability=1.0,
    )
    at_stocktakes = run("leadit-2019", government_tie_announcement="stocktake", **common)
    any_year = run("leadit-2019", government_tie_announcement="yearly", **common)
    years = lambda result: set(  # noqa: E731
        result.partnerships.loc[
            (result.partnerships["kind"] == "government")
            & (result.partnerships["start_year"] >= 2019),
            "start_year",
        ]
    )
    stocktakes = set(range(2023, 2051, 5))
    assert 2023 in years(at_stocktakes)
    assert years(at_stocktakes) <= stocktakes
    assert 2019 in years(any_year)
    assert not years(any_year) <= stocktakes


def test_the_hazard_shifts_no_other_draw():
    """Without standing no tie is worth signing, so the hazard changes nothing at all."""
    common = dict(seed=3, snapshots=False, end_year=2030, government_tie_standing_musd=0.0)
    always = run("leadit", government_tie_probability=1.0, **common)
    sometimes = run("leadit", government_tie_probability=0.3, **common)
    np.testing.assert_array_equal(
        always.series["emissions_mt"].to_numpy(), sometimes.series["emissions_mt"].to_numpy()
    )
    assert len(always.partnerships) == len(sometimes.partnerships)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lower_transaction_costs_never_raise_emissions(seed):
    base = run("leadit", seed=seed, snapshots=False).series["emissions_mt"].sum()
    cheaper = run("leadit", seed=seed, snapshots=False, transaction_cost_musd=0.5)
    assert cheaper.series["emissions_mt"].sum() <= base * (1 + 1e-12)
