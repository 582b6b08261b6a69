"""Literature economics (issue 14): learning on the novel component only, regional gas prices,
per-route lead times (docs/model.md §3.1-3.2)."""

from __future__ import annotations

import numpy as np
import pytest

from industry_transition import TransitionModel
from industry_transition.model.costs import plant_costs
from industry_transition.model.economics import component_capex, learning_exponent
from industry_transition.model.scenario import DATA_DIR, read_table
from industry_transition.model.technology import Technologies


@pytest.fixture(scope="module")
def shipped() -> Technologies:
    return Technologies(read_table(DATA_DIR / "technologies.csv", "technologies"))


def test_only_the_novel_part_learns(shipped):
    """``capex = C + N (X/X0)^-b``: each doubling of deployment cuts the novel part alone."""
    tech = shipped
    k = tech.index["kiln_ccs"]
    conventional, novel = tech.capex_conventional[k], tech.capex_novel_initial[k]
    assert conventional + novel == tech.capex_initial[k]
    assert 0 < novel < tech.capex_initial[k]  # a real split: something does not learn
    rate, start = tech.learning_rate[k], tech.cumulative_initial[k]
    for doublings in (0, 1, 3):
        tech.cumulative_mt[:] = tech.cumulative_initial
        tech.cumulative_mt[k] = start * 2**doublings
        capex = tech.update_costs()[k]
        assert capex == pytest.approx(conventional + novel * (1 - rate) ** doublings, rel=1e-12)
    # any deployment, by the closed form: b = -log2(1 - rate)
    x = start * 7.3
    expected = conventional + novel * (x / start) ** (-float(learning_exponent(rate)))
    assert float(component_capex(conventional, novel, start, x, rate)) == pytest.approx(expected)
    # routes that do not learn, and conventional parts, never move
    tech.cumulative_mt[:] = tech.cumulative_initial * 1e6
    capex = tech.update_costs()
    flat = tech.learning_rate == 0
    assert np.array_equal(capex[flat], tech.capex_initial[flat])
    assert np.all(capex >= tech.capex_conventional)
    tech.cumulative_mt[:] = tech.cumulative_initial
    tech.update_costs()


@pytest.mark.parametrize("deployment_mt", [0.0, 1.0, 1e2, 1e4, 1e6, 1e9, 1e12])
def test_kiln_ccs_is_never_cheaper_than_a_plain_kiln(shipped, deployment_mt):
    tech = shipped
    ccs, kiln = tech.index["kiln_ccs"], tech.index["opc_kiln"]
    tech.cumulative_mt[:] = tech.cumulative_initial
    tech.cumulative_mt[ccs] += deployment_mt
    capex = tech.update_costs()
    assert capex[ccs] >= capex[kiln]
    # and what companies expect, whatever the pipeline and trend
    pipeline = np.full((6, len(tech)), deployment_mt)
    tech.history = [tech.cumulative_mt - deployment_mt, tech.cumulative_mt.copy()]
    expected = tech.expected_capex(5, pipeline, lookback=1)
    assert np.all(expected[:, ccs] >= capex[kiln])
    tech.history = []
    tech.cumulative_mt[:] = tech.cumulative_initial
    tech.update_costs()


def test_an_empty_novel_cell_means_the_whole_capex_learns():
    table = read_table(DATA_DIR / "technologies.csv", "technologies")
    table["capex_novel_usd_per_tpa"] = None
    tech = Technologies(table)
    assert np.array_equal(tech.capex_novel_initial, tech.capex_initial)
    assert np.all(tech.capex_conventional == 0)


def test_gas_dri_pays_its_gas_at_the_country_price():
    """A plant's gas DRI LCOP moves by exactly gas_gj_per_t x the change in its gas price."""
    model = TransitionModel("leadit", seed=1, snapshots=False)
    tech, countries, fleet = model.technologies, model.countries, model.fleet
    gas = tech.index["gas_dri_eaf"]
    assert tech.gas_gj_per_t[gas] > 0
    assert np.count_nonzero(tech.gas_gj_per_t) == 1  # the only shipped route that burns gas
    deu, usa = countries.ids.index("deu"), countries.ids.index("usa")
    gap = countries.gas_usd_per_gj[deu] - countries.gas_usd_per_gj[usa]
    assert gap > 5  # European gas costs several times American gas (IGU 2024)
    plants = np.flatnonzero((fleet.country == deu) & (fleet.sector == 0))
    german, _ = plant_costs(model, plants)
    countries.gas_usd_per_gj[deu] = countries.gas_usd_per_gj[usa]  # the same plants at US gas
    american, _ = plant_costs(model, plants)
    difference = german - american
    assert np.allclose(difference[:, gas], tech.gas_gj_per_t[gas] * gap, rtol=0, atol=1e-9)
    others = np.arange(len(tech)) != gas
    assert np.array_equal(difference[:, others], np.zeros_like(difference[:, others]))


def test_every_leadit_and_teaching_country_has_a_gas_price():
    for scenario in ("leadit", "teaching"):
        countries = read_table(DATA_DIR / scenario / "countries.csv", "countries")
        gas = read_table(DATA_DIR / scenario / "gas_prices.csv", "gas_prices")
        assert set(gas["country_id"]) == set(countries["country_id"]), scenario
