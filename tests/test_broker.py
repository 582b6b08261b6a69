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
