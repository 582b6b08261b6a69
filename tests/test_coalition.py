"""The club game: closed forms, the stability conditions, and the model's membership rule."""

from __future__ import annotations

import numpy as np
import pytest

from industry_transition import run
from industry_transition.model.coalition import club_outcome, membership_gain


def joint_member_payoff(q_member: float, k: int, n: int, b: float, c: float) -> float:
    total = k * q_member + (n - k) * b / c
    return k * (b * total - c / 2 * q_member**2)


@pytest.mark.parametrize(
    ("k", "n", "b", "c"), [(1, 5, 1.0, 1.0), (3, 10, 2.0, 0.5), (7, 9, 0.3, 4.0)]
)
def test_abatement_is_optimal_for_members_and_outsiders(k, n, b, c):
    outcome = club_outcome(k, n, b, c)
    # members: the joint payoff is maximal at the chosen abatement
    grid = outcome.member_abatement * np.linspace(0.5, 1.5, 201)
    joint = [joint_member_payoff(q, k, n, b, c) for q in grid]
    assert grid[int(np.argmax(joint))] == pytest.approx(outcome.member_abatement, rel=1e-2)
    # outsiders: marginal benefit b equals marginal cost c q
    assert c * outcome.outsider_abatement == pytest.approx(b)
    assert outcome.total_abatement == pytest.approx(
        k * outcome.member_abatement + (n - k) * outcome.outsider_abatement
    )


@pytest.mark.parametrize("k", range(1, 12))
def test_leaving_gain_has_the_textbook_closed_form(k):
    """pi_member(k) - pi_outsider(k-1) = -(b^2 / 2c) (k - 1)(k - 3), for any N and scale."""
    n, b, c = 12, 1.7, 0.6
    gain = membership_gain(k, True, n, b, c)
    assert gain == pytest.approx(-(b * b / (2 * c)) * (k - 1) * (k - 3), abs=1e-9)


def stable_sizes(n: int, b: float, c: float) -> list[int]:
    """Internally stable (no member gains by leaving) and externally stable (no outsider gains
    or is indifferent: the indifferent join) coalition sizes, by enumeration."""
    sizes = []
    for k in range(1, n + 1):
        internal = (
            club_outcome(k, n, b, c).member_payoff
            >= club_outcome(k - 1, n, b, c).outsider_payoff - 1e-9
        )
        external = (
            k == n
            or club_outcome(k, n, b, c).outsider_payoff
            > club_outcome(k + 1, n, b, c).member_payoff + 1e-9
        )
        if internal and external:
            sizes.append(k)
    return sizes


@pytest.mark.parametrize("n", [3, 4, 7, 20, 100])
@pytest.mark.parametrize(("b", "c"), [(1.0, 1.0), (5.0, 0.2), (0.01, 30.0)])
def test_the_only_stable_coalition_has_three_members(n, b, c):
    assert stable_sizes(n, b, c) == [3]


@pytest.mark.parametrize("n", [2, 3, 6, 15, 60])
@pytest.mark.parametrize("scale", [(1.0, 1.0), (4.0, 0.25), (0.2, 3.0), (1.7, 0.6), (0.3, 4.0)])
@pytest.mark.parametrize("start", ["empty", "full"])
def test_model_membership_rule_run_to_rest_reaches_the_stable_size(n, scale, start):
    b, c = scale
    result = run(
        "club-game",
        seed=n,
        countries=n,
        club_benefit=b,
        club_cost=c,
        club_initial_members=0 if start == "empty" else n,
        steps=6,
    )
    members = result.series["initiative_members"]
    expected = min(n, 3)
    assert members.iloc[-1] == expected
    assert (members.iloc[-3:] == expected).all()  # at rest
    joins = result.events[result.events["event"] == "join"]
    leaves = result.events[result.events["event"] == "leave"]
    if start == "empty":
        assert len(joins) == expected
        assert leaves.empty
    else:
        assert joins.empty
        assert len(leaves) == n - expected
