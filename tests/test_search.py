"""The round's search: every proposer's candidates, drawn for all proposers at once."""

from __future__ import annotations

import numpy as np
import pytest

from industry_transition import TransitionModel
from industry_transition.model import broker
from industry_transition.model.search import (
    RoundDraws,
    adjacency,
    find_candidates,
)


def draws_for(model: TransitionModel, round_number: int = 0) -> RoundDraws:
    p = model.params
    k = p.candidates_per_agent
    return RoundDraws.draw(
        model.substream("negotiation", model.year, round_number),
        len(model.proposers),
        k,
        min(p.random_candidates, k),
    )


def evolved(scenario: str, years: int, **overrides) -> TransitionModel:
    model = TransitionModel(scenario, seed=3, snapshots=False, **overrides)
    for _ in range(years):
        model.step()
    return model


@pytest.fixture(scope="module")
def worlds() -> list[TransitionModel]:
    return [
        evolved("teaching", 0),
        evolved("leadit", 12, carbon_price_scale=3.0),  # finance partners by then
        evolved("synthetic", 3, companies=400),
    ]


def test_candidates_are_distinct_others_at_most_k(worlds):
    for model in worlds:
        found = find_candidates(model, draws_for(model))
        k = model.params.candidates_per_agent
        n = len(model.proposers)
        assert found.agents.shape == (n, k)
        for i, row in enumerate(found.agents):
            valid = row[row >= 0]
            # padding only at the end
            assert (row[: valid.size] >= 0).all()
            assert (row[valid.size :] == -1).all()
            assert i not in valid
            assert len(set(valid.tolist())) == valid.size
            assert (valid < n).all()
        assert (found.agents >= 0).sum() > n  # most proposers found several candidates


def test_sources_come_in_order_and_brokered_flags_are_the_broker_suggestions(worlds):
    neighbour_rows = 0
    for model in worlds:
        draws = draws_for(model)
        found = find_candidates(model, draws)
        k = model.params.candidates_per_agent
        r = min(model.params.random_candidates, k)
        indptr, indices, trust = adjacency(model)
        suggested: dict[int, list[int]] = {}
        for initiative_id in sorted(model.initiatives):
            initiative = model.initiatives[initiative_id]
            if initiative.has_broker and model.params.broker:
                for member, ranked in broker.suggestions(
                    model, initiative, draws.priority, k
                ).items():
                    suggested.setdefault(member, []).extend(ranked)
        checked = brokered = 0
        for i in range(len(model.proposers)):
            row = found.agents[i]
            flags = found.brokered[i]
            expected_first = list(dict.fromkeys(suggested.get(i, [])))[: k - r]
            assert row[: len(expected_first)].tolist() == expected_first
            assert flags[: len(expected_first)].all()
            assert not flags[len(expected_first) :].any()
            brokered += bool(expected_first)
            neighbours = indices[indptr[i] : indptr[i + 1]].tolist()
            # neighbours are most trusted first
            values = trust[indptr[i] : indptr[i + 1]]
            assert (np.diff(values) <= 0).all()
            if not expected_first and neighbours:
                top = neighbours[: k - r]
                assert row[: len(top)].tolist() == top
                checked += 1
        # every world checks some rows; in leadit, where by year 12 nearly every country has
        # joined LeadIT, broker suggestions fill the first slots of every proposer with partners
        assert checked + brokered > 0 or model.network.number_of_edges() == 0
        neighbour_rows += checked
    assert neighbour_rows > 0, "the neighbours-by-trust order is checked somewhere"


def test_member_and_walk_draws_stay_within_reach(worlds):
    """Fellow-member draws are fellow members; walk draws are within two steps."""
    from industry_transition.model.search import _member_block, _two_hop_block

    for model in worlds:
        draws = draws_for(model)
        index = model.proposer_index
        initiatives = [
            [index[m] for m in model.initiatives[i].members]
            for i in sorted(model.initiatives)
            if model.initiatives[i].members
        ]
        block = _member_block(model, initiatives, draws.member)
        member_sets = [set(m) for m in initiatives]
        for i, row in enumerate(block):
            mine = set().union(*(s for s in member_sets if i in s)) if member_sets else set()
            assert set(row[row >= 0].tolist()) <= mine
            assert (row >= 0).any() == bool(mine)
        indptr, indices, _ = adjacency(model)
        walks = _two_hop_block(indptr, indices, draws.first_step, draws.second_step)
        for i, row in enumerate(walks):
            first = set(indices[indptr[i] : indptr[i + 1]].tolist())
            second = set()
            for j in first:
                second |= set(indices[indptr[j] : indptr[j + 1]].tolist())
            assert set(row[row >= 0].tolist()) <= second


def test_search_is_determined_by_the_seed():
    a = evolved("leadit", 2)
    b = evolved("leadit", 2)
    fa, fb = find_candidates(a, draws_for(a, 1)), find_candidates(b, draws_for(b, 1))
    assert np.array_equal(fa.agents, fb.agents)
    assert np.array_equal(fa.brokered, fb.brokered)


def test_proposers_outside_the_broker_see_the_same_candidates_with_it_on_or_off():
    """Common random numbers: draws have fixed shapes, so the broker lever moves only the
    candidates of the broker's members."""
    on = TransitionModel("leadit", seed=5, snapshots=False, broker=True)
    off = TransitionModel("leadit", seed=5, snapshots=False, broker=False)
    found_on = find_candidates(on, draws_for(on))
    found_off = find_candidates(off, draws_for(off))
    members = {on.proposer_index[m] for i in on.initiatives.values() for m in i.members}
    outsiders = [i for i in range(len(on.proposers)) if i not in members]
    assert outsiders
    assert np.array_equal(found_on.agents[outsiders], found_off.agents[outsiders])
    assert not np.array_equal(found_on.agents, found_off.agents)
    assert found_on.brokered.any()
    assert not found_off.brokered.any()
