"""Technology economics as pure, vectorised functions (docs/model.md §3.1).

Units: money USD at 2023 prices; capex USD per t/yr of capacity; costs USD per t of product;
intensities tCO2 per t; carbon prices USD per tCO2; electricity MWh per t.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def capital_recovery_factor(rate: ArrayLike, years: ArrayLike) -> FloatArray:
    """``CRF(r, n) = r (1+r)^n / ((1+r)^n - 1)``; the limit ``1/n`` at ``r = 0``.

    The annual payment that repays one unit of capital over ``n`` years at interest ``r``.
    """
    r = np.asarray(rate, dtype=float)
    n = np.asarray(years, dtype=float)
    growth = np.power(1.0 + r, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        crf = np.where(r > 0, r * growth / (growth - 1.0), 1.0 / n)
    return np.asarray(crf, dtype=float)


def annuity_factor(rate: ArrayLike, years: ArrayLike) -> FloatArray:
    """Present value of one unit paid yearly for ``years`` years: ``1 / CRF``."""
    return 1.0 / capital_recovery_factor(rate, years)


@functools.lru_cache(maxsize=4096)
def scalar_annuity_factor(rate: float, years: float) -> float:
    """``annuity_factor`` for one rate, remembered (deal valuation asks for a few rates often)."""
    return float(annuity_factor(rate, years))


@functools.lru_cache(maxsize=4096)
def scalar_capital_recovery_factor(rate: float, years: float) -> float:
    """``capital_recovery_factor`` for one rate, remembered."""
    return float(capital_recovery_factor(rate, years))


def learning_exponent(learning_rate: ArrayLike) -> FloatArray:
    """Wright's-law exponent ``b = -log2(1 - learning_rate)`` (Wright 1936)."""
    return -np.log2(1.0 - np.asarray(learning_rate, dtype=float))


def wright_capex(
    capex_initial: ArrayLike,
    cumulative_initial: ArrayLike,
    cumulative: ArrayLike,
    learning_rate: ArrayLike,
) -> FloatArray:
    """``capex(t) = capex(0) * (X(t)/X(0)) ** (-b)``: each doubling of X cuts cost by the rate."""
    ratio = np.asarray(cumulative, dtype=float) / np.asarray(cumulative_initial, dtype=float)
    return np.asarray(capex_initial, dtype=float) * np.power(
        ratio, -learning_exponent(learning_rate)
    )


def component_capex(
    capex_conventional: ArrayLike,
    capex_novel_initial: ArrayLike,
    cumulative_initial: ArrayLike,
    cumulative: ArrayLike,
    learning_rate: ArrayLike,
) -> FloatArray:
    """Capex of a route whose novel component alone learns (docs/model.md §3.1).

    ``capex(t) = conventional + novel(0) * (X(t)/X(0)) ** (-b)``: the conventional part (the
    kiln, the shaft furnace and arc furnace) is mature and does not learn; the novel part (the
    capture unit, the electrolyser, the electric calciner) follows Wright's law on the global
    cumulative deployment ``X`` of the component. Capex never falls below the conventional part.
    """
    return np.asarray(capex_conventional, dtype=float) + wright_capex(
        capex_novel_initial, cumulative_initial, cumulative, learning_rate
    )


def emission_intensity(
    direct_tco2_per_t: ArrayLike, electricity_mwh_per_t: ArrayLike, grid_tco2_per_mwh: ArrayLike
) -> FloatArray:
    """Direct plus grid-electricity emissions per tonne of product."""
    return np.asarray(direct_tco2_per_t, dtype=float) + np.asarray(
        electricity_mwh_per_t, dtype=float
    ) * np.asarray(grid_tco2_per_mwh, dtype=float)


def variable_cost(
    opex_usd_per_t: ArrayLike,
    electricity_mwh_per_t: ArrayLike,
    electricity_usd_per_mwh: ArrayLike,
    carbon_price_usd_per_t: ArrayLike,
    intensity_tco2_per_t: ArrayLike,
    premium_usd_per_t: ArrayLike = 0.0,
) -> FloatArray:
    """Cost per tonne without the capital charge: opex + energy + carbon - premium."""
    return (
        np.asarray(opex_usd_per_t, dtype=float)
        + np.asarray(electricity_mwh_per_t, dtype=float) * np.asarray(electricity_usd_per_mwh)
        + np.asarray(carbon_price_usd_per_t, dtype=float) * np.asarray(intensity_tco2_per_t)
        - np.asarray(premium_usd_per_t, dtype=float)
    )


def levelised_cost(
    capex_usd_per_tpa: ArrayLike,
    capability_multiplier: ArrayLike,
    cost_of_capital: ArrayLike,
    life_years: ArrayLike,
    utilisation: ArrayLike,
    variable_cost_usd_per_t: ArrayLike,
) -> FloatArray:
    """LCOP = CRF(r, life) * capex * m_c / utilisation + variable cost (docs/model.md §3.1).

    Capex is per t/yr of capacity, so the capital charge per tonne produced divides by
    utilisation (docs/model.md §4, item 1).
    """
    crf = capital_recovery_factor(cost_of_capital, life_years)
    capital = crf * np.asarray(capex_usd_per_tpa, dtype=float) * np.asarray(capability_multiplier)
    return capital / np.asarray(utilisation, dtype=float) + np.asarray(variable_cost_usd_per_t)


def nash_split(
    disagreement_a: float, disagreement_b: float, surplus: float, weight_a: float
) -> tuple[float, float]:
    """Generalised Nash bargaining: ``u_i = d_i + w_i * S`` with ``w_b = 1 - w_a``.

    Maximises ``(u_a - d_a)^w_a (u_b - d_b)^(1-w_a)`` subject to ``u_a + u_b = d_a + d_b + S``.
    Only meaningful for ``S > 0``: a deal forms only if both sides gain.
    """
    if not 0.0 <= weight_a <= 1.0:
        raise ValueError(f"bargaining weight must be in [0, 1], got {weight_a}")
    return disagreement_a + weight_a * surplus, disagreement_b + (1.0 - weight_a) * surplus
