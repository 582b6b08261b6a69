"""Tests for the pure economics functions (industry_transition/model/economics.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from industry_transition.model.economics import (
    annuity_factor,
    capital_recovery_factor,
    emission_intensity,
    learning_exponent,
    levelised_cost,
    nash_split,
    variable_cost,
    wright_capex,
)


def closed_form_crf(r: float, n: int) -> float:
    """CRF written out independently of the package: r (1+r)^n / ((1+r)^n - 1)."""
    return r * (1.0 + r) ** n / ((1.0 + r) ** n - 1.0)


# --- capital recovery factor ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "years"), [(0.08, 25), (0.05, 10), (0.10, 1), (0.02, 40), (0.3, 7)]
)
def test_crf_matches_closed_form(rate: float, years: int) -> None:
    assert float(capital_recovery_factor(rate, years)) == pytest.approx(
        closed_form_crf(rate, years), rel=1e-12
    )


def test_crf_one_year_repays_principal_plus_interest() -> None:
    # With a single payment the borrower repays 1 + r at the end of the year.
    assert float(capital_recovery_factor(0.07, 1)) == pytest.approx(1.07, rel=1e-12)


@pytest.mark.parametrize("years", [1, 5, 20, 25, 60])
def test_crf_zero_rate_is_one_over_n(years: int) -> None:
    assert float(capital_recovery_factor(0.0, years)) == pytest.approx(1.0 / years, rel=1e-12)


def test_crf_zero_rate_is_the_limit_of_small_rates() -> None:
    years = 25
    near_zero = float(capital_recovery_factor(1e-7, years))
    at_zero = float(capital_recovery_factor(0.0, years))
    assert near_zero == pytest.approx(at_zero, rel=1e-5)


def test_crf_is_vectorised() -> None:
    rates = np.array([0.0, 0.04, 0.08])
    years = np.array([20, 20, 30])
    expected = np.array([1 / 20, closed_form_crf(0.04, 20), closed_form_crf(0.08, 30)])
    np.testing.assert_allclose(capital_recovery_factor(rates, years), expected, rtol=1e-12)


@pytest.mark.parametrize(("rate", "years"), [(0.0, 10), (0.03, 15), (0.08, 25), (0.12, 40)])
def test_crf_payments_discount_back_to_exactly_one(rate: float, years: int) -> None:
    crf = float(capital_recovery_factor(rate, years))
    t = np.arange(1, years + 1)
    present_value = np.sum(crf / (1.0 + rate) ** t)
    assert present_value == pytest.approx(1.0, abs=1e-12)
    # and the annuity factor is the present value of n unit payments
    assert float(annuity_factor(rate, years)) == pytest.approx(
        np.sum(1.0 / (1.0 + rate) ** t), rel=1e-12
    )
    assert crf * float(annuity_factor(rate, years)) == pytest.approx(1.0, abs=1e-12)


# --- Wright's law ---------------------------------------------------------------------------


@pytest.mark.parametrize("learning_rate", [0.05, 0.1, 0.15, 0.2])
def test_wright_doubling_cuts_capex_by_learning_rate(learning_rate: float) -> None:
    capex0, x0 = 1100.0, 2.0
    doubled = float(wright_capex(capex0, x0, 2 * x0, learning_rate))
    quadrupled = float(wright_capex(capex0, x0, 4 * x0, learning_rate))
    assert doubled == pytest.approx(capex0 * (1 - learning_rate), rel=1e-12)
    assert quadrupled == pytest.approx(capex0 * (1 - learning_rate) ** 2, rel=1e-12)


def test_wright_no_growth_leaves_capex_unchanged() -> None:
    assert float(wright_capex(650.0, 3.0, 3.0, 0.12)) == pytest.approx(650.0, rel=1e-12)


@pytest.mark.parametrize("cumulative", [1.0, 2.0, 17.0, 1e4])
def test_wright_zero_learning_rate_leaves_capex_unchanged(cumulative: float) -> None:
    assert float(wright_capex(400.0, 1.0, cumulative, 0.0)) == pytest.approx(400.0, rel=1e-12)


def test_learning_exponent_closed_form() -> None:
    # b = -log2(1 - lr); a 20 % learning rate gives b = log2(1.25)
    assert float(learning_exponent(0.2)) == pytest.approx(math.log2(1.25), rel=1e-12)
    assert float(learning_exponent(0.0)) == pytest.approx(0.0, abs=1e-15)


# --- intensity and variable cost ------------------------------------------------------------


def test_emission_intensity_hand_computed() -> None:
    # 1.0 t direct + 0.7 MWh x 0.6 t/MWh = 1.42 t/t
    assert float(emission_intensity(1.0, 0.7, 0.6)) == pytest.approx(1.42, rel=1e-12)
    # H2-DRI on a clean vs dirty grid: 0.05 + 3.5 x 0.03 = 0.155; 0.05 + 3.5 x 0.7 = 2.5
    np.testing.assert_allclose(
        emission_intensity(0.05, 3.5, np.array([0.03, 0.7])), [0.155, 2.5], rtol=1e-12
    )


def test_variable_cost_hand_computed() -> None:
    # opex 449 + 0.7 MWh x 80 $/MWh + 50 $/t x 1.42 t/t - premium 10 = 449 + 56 + 71 - 10 = 566
    assert float(variable_cost(449.0, 0.7, 80.0, 50.0, 1.42, 10.0)) == pytest.approx(
        566.0, rel=1e-12
    )
    # premium defaults to zero
    assert float(variable_cost(449.0, 0.7, 80.0, 50.0, 1.42)) == pytest.approx(576.0, rel=1e-12)


def test_levelised_cost_formula() -> None:
    capex, mult, rate, life, util, var = 1100.0, 1.3, 0.10, 25, 0.85, 520.0
    expected = closed_form_crf(rate, life) * capex * mult / util + var
    assert float(levelised_cost(capex, mult, rate, life, util, var)) == pytest.approx(
        expected, rel=1e-12
    )


def test_levelised_cost_zero_rate() -> None:
    # capital charge at r = 0 is capex / life per tonne of capacity: 500/25/0.8 = 25
    assert float(levelised_cost(500.0, 1.0, 0.0, 25, 0.8, 100.0)) == pytest.approx(125.0, rel=1e-12)


# --- Nash bargaining ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d_a", "d_b", "surplus", "weight"),
    [(0.0, 0.0, 10.0, 0.5), (3.0, -2.0, 7.5, 0.3), (-5.0, 12.0, 1.0, 0.9), (1.0, 1.0, 4.0, 0.0)],
)
def test_nash_split_conserves_surplus_and_gives_weighted_share(
    d_a: float, d_b: float, surplus: float, weight: float
) -> None:
    u_a, u_b = nash_split(d_a, d_b, surplus, weight)
    assert u_a + u_b == pytest.approx(d_a + d_b + surplus, abs=1e-12)
    assert u_a - d_a == pytest.approx(weight * surplus, abs=1e-12)
    assert u_b - d_b == pytest.approx((1 - weight) * surplus, abs=1e-12)


@pytest.mark.parametrize("weight", [0.2, 0.5, 0.65, 0.9])
def test_nash_split_maximises_the_nash_product(weight: float) -> None:
    d_a, d_b, surplus = 4.0, -1.0, 12.0
    u_a, u_b = nash_split(d_a, d_b, surplus, weight)

    def nash_product(gain_a: np.ndarray, gain_b: np.ndarray) -> np.ndarray:
        return gain_a**weight * gain_b ** (1 - weight)

    best = float(nash_product(np.array(u_a - d_a), np.array(u_b - d_b)))
    shares = np.linspace(0.0, 1.0, 2001)  # every feasible split of the surplus
    alternatives = nash_product(shares * surplus, (1 - shares) * surplus)
    assert np.all(alternatives <= best * (1 + 1e-12))
    # and the grid maximum sits at the weight
    assert shares[np.argmax(alternatives)] == pytest.approx(weight, abs=1e-3)


@pytest.mark.parametrize("weight", [-0.01, 1.01, 2.0])
def test_nash_split_rejects_bad_weight(weight: float) -> None:
    with pytest.raises(ValueError, match="bargaining weight"):
        nash_split(0.0, 0.0, 1.0, weight)


# --- adoption crossing under a rising carbon price ------------------------------------------


def test_adoption_year_is_where_lcop_comparison_changes_sign() -> None:
    """With p(t) = 10 t, the low-carbon route first undercuts at t* = ceil(dC / dE / 10)."""
    rate, life, mult, util = 0.08, 25, 1.0, 0.85
    grid, power_price = 0.1, 50.0
    incumbent = {"capex": 400.0, "opex": 500.0, "direct": 2.0, "elec": 0.1}
    low_carbon = {"capex": 1100.0, "opex": 390.0, "direct": 0.05, "elec": 3.5}

    def intensity(tech: dict[str, float]) -> float:
        return tech["direct"] + tech["elec"] * grid

    def cost_without_carbon(tech: dict[str, float]) -> float:
        return (
            closed_form_crf(rate, life) * tech["capex"] * mult / util
            + tech["opex"]
            + tech["elec"] * power_price
        )

    delta_cost = cost_without_carbon(low_carbon) - cost_without_carbon(incumbent)
    delta_intensity = intensity(incumbent) - intensity(low_carbon)
    assert delta_cost > 0  # a genuine crossing exists
    assert delta_intensity > 0
    ratio = delta_cost / delta_intensity / 10.0
    assert abs(ratio - round(ratio)) > 1e-6  # crossing not exactly on a whole year
    t_star = math.ceil(ratio)

    years = np.arange(0, 200)
    price = 10.0 * years

    def lcop(tech: dict[str, float]) -> np.ndarray:
        e = emission_intensity(tech["direct"], tech["elec"], grid)
        var = variable_cost(tech["opex"], tech["elec"], power_price, price, e)
        return levelised_cost(tech["capex"], mult, rate, life, util, var)

    cheaper = lcop(low_carbon) < lcop(incumbent)
    assert cheaper.any()
    first = int(np.argmax(cheaper))
    assert first == t_star
    # the comparison changes sign once: never cheaper before t*, always cheaper from t* on
    assert not cheaper[:t_star].any()
    assert cheaper[t_star:].all()
