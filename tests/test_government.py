"""Government partnerships: priced by the deals they ease; they move no carbon price (issue 13).

docs/model.md §3.4-3.5.
"""

from __future__ import annotations

import numpy as np
import pytest

from industry_transition import TransitionModel, run
from industry_transition.model import deals, relations


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


def test_a_tie_is_worth_the_eased_deals_counted_with_trust(financing_world, monkeypatch):
    """Each side's value is its share of the eased deals times trust (here at no tie cost)."""
    model = financing_world
    free = model.params.model_copy(update={"government_partnership_cost_musd": 0.0})
    monkeypatch.setattr(model, "params", free)
    found = 0
    for a, b in country_pairs(model):
        gain_a, gain_b = deals.eased_deals_value(model, a, b)
        deal = a.propose_tie(b)
        eligible = (
            (a.is_donor or b.is_donor)
            and not (a.income_group == "high" and b.income_group == "high")
            and not model.registry.has_active(a.agent_id, b.agent_id, "government")
            and max(
                relations.government_ties(model, a.agent_id),
                relations.government_ties(model, b.agent_id),
            )
            < model.params.max_government_partnerships
        )
        if not eligible or gain_a + gain_b <= 0:
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


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lower_transaction_costs_never_raise_emissions(seed):
    base = run("leadit", seed=seed, snapshots=False).series["emissions_mt"].sum()
    cheaper = run("leadit", seed=seed, snapshots=False, transaction_cost_musd=0.5)
    assert cheaper.series["emissions_mt"].sum() <= base * (1 + 1e-12)
