"""The broker's vectorised ranking equals the plain one-call-per-co-member ranking."""

from __future__ import annotations

import pytest

from industry_transition import TransitionModel
from industry_transition.model import broker


def assert_rankings_equal(model: TransitionModel) -> int:
    compared = 0
    limit = model.params.candidates_per_agent
    for initiative in model.initiatives.values():
        for member in list(initiative.members):
            assert broker.rank(model, initiative, member, limit) == initiative.rank_plain(
                member, limit
            ), member
            assert broker.rank(model, initiative, member, 10_000) == initiative.rank_plain(
                member, 10_000
            ), member
            compared += 1
    return compared


@pytest.mark.parametrize(
    ("scenario", "overrides"),
    [("leadit", {}), ("synthetic", {"companies": 300}), ("teaching", {})],
)
def test_vectorised_ranking_matches_the_plain_one_as_the_world_evolves(scenario, overrides):
    model = TransitionModel(scenario, seed=2, snapshots=False, **overrides)
    compared = 0
    for _ in range(8):
        compared += assert_rankings_equal(model)
        # inside negotiation the memo is active: compare there too
        model.costs.clear()
        model.costs.active = True
        try:
            compared += assert_rankings_equal(model)
        finally:
            model.costs.active = False
            model.costs.clear()
        model.step()
    assert compared > 0
    assert any(p.kind != "membership" for p in model.registry.active()), "ties formed"
