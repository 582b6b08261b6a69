"""The broker's structured ranking equals the plain one-call-per-co-member ranking."""

from __future__ import annotations

import numpy as np
import pytest

from industry_transition import TransitionModel
from industry_transition.model import broker, search


def assert_rankings_equal(model: TransitionModel, seed: int) -> int:
    compared = 0
    priority = np.random.default_rng(seed).permutation(len(model.proposers))
    for limit in (model.params.candidates_per_agent, 10_000):
        for initiative in model.initiatives.values():
            ranked = broker.suggestions(model, initiative, priority, limit)
            # the same with the network given as arrays (as the search passes it)
            assert ranked == broker.suggestions(
                model, initiative, priority, limit, search.adjacency(model)[:2]
            )
            assert set(ranked) == {model.proposer_index[m] for m in initiative.members}
            for member, suggested in ranked.items():
                member_id = model.proposers[member]
                plain = broker.plain_ranking(model, initiative, member_id, priority, limit)
                assert [model.proposers[i] for i in suggested] == plain, member_id
                compared += 1
    return compared


@pytest.mark.parametrize(
    ("scenario", "overrides"),
    [("leadit", {}), ("synthetic", {"companies": 300}), ("teaching", {})],
)
def test_structured_ranking_matches_the_plain_one_as_the_world_evolves(scenario, overrides):
    model = TransitionModel(scenario, seed=2, snapshots=False, **overrides)
    compared = 0
    for year in range(8):
        compared += assert_rankings_equal(model, year)
        # inside negotiation the memo is active: compare there too
        model.costs.clear()
        model.costs.active = True
        try:
            compared += assert_rankings_equal(model, 100 + year)
        finally:
            model.costs.active = False
            model.costs.clear()
        model.step()
    assert compared > 0
    assert any(p.kind != "membership" for p in model.registry.active()), "ties formed"


def test_ties_are_broken_by_the_priority_not_by_name():
    """Equal scores: a different priority permutation changes who is suggested first."""
    model = TransitionModel("synthetic", seed=1, snapshots=False, companies=300)
    initiative = next(i for i in model.initiatives.values() if i.has_broker)
    limit = model.params.candidates_per_agent
    firsts = set()
    for seed in range(5):
        priority = np.random.default_rng(seed).permutation(len(model.proposers))
        ranked = broker.suggestions(model, initiative, priority, limit)
        firsts.add(tuple(tuple(v) for v in ranked.values()))
    assert len(firsts) > 1


def test_ranking_with_many_licensors_per_sector():
    """Many owners in a sector: the licensor lists are cut short and must still agree."""
    model = TransitionModel("synthetic", seed=4, snapshots=False, companies=1000)
    companies, tech = model.companies, model.technologies
    initiative = next(i for i in model.initiatives.values() if i.has_broker)
    c = len(model.countries.ids)
    members = np.array(
        [model.proposer_index[m] - c for m in initiative.members if m in model.company_agents]
    )
    members = members[companies.is_producer[members]]  # licensors that are also producers
    rng = np.random.default_rng(0)
    low_carbon = np.flatnonzero(tech.low_carbon)
    # owners of the sector's least accessible technologies: most producers are licensors
    # of the others, densely enough that a licensor cut off the list could enter C's window
    owning = rng.choice(members, size=len(members) * 9 // 10, replace=False)
    access_rate = companies.access.mean(axis=0)
    for j in owning:
        options = low_carbon[tech.sector[low_carbon] == companies.sector[j]]
        # half the least accessible (licensors of the small producers), half any
        k = options[np.argmin(access_rate[options])] if j % 2 else rng.choice(options)
        companies.owns[j, k] = companies.access[j, k] = True
    # some small producers, whose production scores below the 0.1 of any two producers
    fleet = model.fleet
    small = np.setdiff1d(members, owning)
    fleet.capacity_mt[np.isin(fleet.owner, small) & fleet.active()] = 0.02
    model.fleet.reindex()
    model.costs.clear()
    production = model.costs.company_production()
    assert ((production[members] > 0) & (production[members] < broker.PRODUCER_PAIR_SCORE)).any()
    owners = companies.owns.any(axis=1)[members]
    for sector in (0, 1):
        in_sector = owners & (companies.sector[members] == sector)
        assert in_sector.sum() > 3 * (model.params.candidates_per_agent + 1)
    compared = 0
    for year in range(2):
        compared += assert_rankings_equal(model, year)
        model.step()
    assert compared > 0
