"""Literature economics (issue 14): learning on the novel component only, regional gas and scrap
prices, per-route lead times (docs/model.md §3.1-3.2)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model.costs import plant_costs
from industry_transition.model.economics import component_capex, learning_exponent
from industry_transition.model.scenario import DATA_DIR, read_table
from industry_transition.model.technology import Technologies
from tests.test_scenario import load_error, replace_in


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


def test_scrap_eaf_pays_its_scrap_at_the_country_price():
    """A dearer scrap market makes scrap EAF dearer by exactly scrap_t_per_t x the price gap.

    India's scrap (BigMint, 2024) costs more than China's (SteelOrbis, 2024): the same Indian
    plants cost more on scrap EAF than they would at China's price, and no other route moves.
    """
    model = TransitionModel("leadit", seed=1, snapshots=False)
    tech, countries, fleet = model.technologies, model.countries, model.fleet
    scrap = tech.index["scrap_eaf"]
    assert tech.scrap_t_per_t[scrap] > 0
    assert np.count_nonzero(tech.scrap_t_per_t) == 1  # the only shipped route that buys scrap
    ind, chn = countries.ids.index("ind"), countries.ids.index("chn")
    gap = countries.scrap_usd_per_t[ind] - countries.scrap_usd_per_t[chn]
    assert gap > 0
    plants = np.flatnonzero((fleet.country == ind) & (fleet.sector == 0))
    indian, _ = plant_costs(model, plants)
    countries.scrap_usd_per_t[ind] = countries.scrap_usd_per_t[
        chn
    ]  # the same plants, China's scrap
    at_chinese_prices, _ = plant_costs(model, plants)
    difference = indian - at_chinese_prices
    assert (difference[:, scrap] > 0).all()  # the dearer region's scrap EAF costs more
    assert np.allclose(difference[:, scrap], tech.scrap_t_per_t[scrap] * gap, rtol=0, atol=1e-9)
    others = np.arange(len(tech)) != scrap
    assert np.array_equal(difference[:, others], np.zeros_like(difference[:, others]))


def test_scrap_eaf_at_the_reference_scrap_price_costs_the_former_opex():
    """Opex without scrap + 1.1 t at the default price is the former 475 USD/t (the split moved
    nothing for a country without a scrap price row), and every listed country's row counts."""
    model = TransitionModel("leadit", seed=1, snapshots=False)
    tech, countries, p = model.technologies, model.countries, model.params
    scrap = tech.index["scrap_eaf"]
    at_reference = tech.opex_usd_per_t[scrap] + tech.scrap_t_per_t[scrap] * (
        p.default_scrap_price_usd_per_t
    )
    assert at_reference == pytest.approx(475.0, abs=1e-9)
    listed = read_table(DATA_DIR / "leadit" / "scrap_prices.csv", "scrap_prices")
    price = dict(zip(listed["country_id"], listed["scrap_usd_per_t"].astype(float), strict=True))
    for i, country in enumerate(countries.ids):
        expected = price.get(country, p.default_scrap_price_usd_per_t)
        assert countries.scrap_usd_per_t[i] == expected, country
    assert len(price) < len(countries.ids)  # some countries pay the default


def test_a_dearer_default_scrap_price_builds_no_more_scrap_eaf():
    """The lever's direction: scrap at 450 instead of 350 USD/t where no row sets it, on the
    teaching world (no scrap rows, so every country pays it), never adds scrap-EAF capacity."""

    def scrap_capacity(price: float) -> float:
        model = TransitionModel(
            "teaching",
            seed=1,
            snapshots=False,
            carbon_price_scale=2.0,
            default_scrap_price_usd_per_t=price,
        )
        for _ in range(12):
            model.step()
        fleet = model.fleet
        return float(
            fleet.capacity_mt[fleet.technology == model.technologies.index["scrap_eaf"]].sum()
        )

    cheap, dear = scrap_capacity(350.0), scrap_capacity(450.0)
    assert dear < cheap


def test_every_leadit_and_teaching_country_has_a_gas_price():
    for scenario in ("leadit", "teaching"):
        countries = read_table(DATA_DIR / scenario / "countries.csv", "countries")
        gas = read_table(DATA_DIR / scenario / "gas_prices.csv", "gas_prices")
        assert set(gas["country_id"]) == set(countries["country_id"]), scenario


def test_conversions_take_their_routes_lead_time():
    """Every conversion started (investment or finance deal) operates one route lead time on.

    At five times leadit's carbon prices, so that low-carbon conversions and finance deals
    (which start their line's conversion at signing) happen within the years run.
    """
    model = TransitionModel("leadit", seed=3, snapshots=False, carbon_price_scale=5.0)
    tech = model.technologies
    assert tech.lead_time_years[tech.index["kiln_ccs"]] == 5
    assert tech.lead_time_years[tech.index["h2_dri_eaf"]] == 4
    assert tech.lead_time_years[tech.index["bf_bof"]] == model.params.switch_lead_time_years
    for _ in range(12):
        model.step()
    assert model.finance_committed_musd > 0  # finance deals started conversions too
    events = model.events.to_frame()
    started = events[
        (events["event"] == "investment") & events["text"].str.contains("starts converting")
    ]
    leads = set()
    for year, text, technology in zip(
        started["year"], started["text"], started["technology"], strict=True
    ):
        operating = int(re.search(r"operating from (\d+)", text).group(1))
        assert operating - year == tech.lead_time_years[tech.index[technology]], text
        leads.add(operating - year)
    # conventional (switch_lead_time_years) and new low-carbon routes both converted
    assert {model.params.switch_lead_time_years, 4, 5} <= leads


def test_licence_values_discount_over_the_routes_lead_time():
    """Without learning the saving does not depend on when it starts: one more year of lead
    time divides a licence's value by exactly 1 + r."""
    model = TransitionModel("teaching", seed=1, snapshots=False, learning=False)
    model.step()
    tech = model.technologies
    found = 0
    for company in model.company_agents.values():
        if not company.is_producer:
            continue
        rate = model.countries.cost_of_capital[company.country_index]
        for k in np.flatnonzero(tech.sector == company.sector):
            lead = int(tech.lead_time_years[k])
            value = company._licence_value(int(k))
            if value <= 0:
                continue
            tech.lead_time_years[k] = lead + 1
            later = company._licence_value(int(k))
            tech.lead_time_years[k] = lead
            assert later == pytest.approx(value / (1 + rate), rel=1e-9)
            found += 1
    assert found > 0


# --- loading ------------------------------------------------------------------------------------
@pytest.fixture
def teaching_copy(tmp_path: Path) -> Path:
    """A copy of the teaching scenario and its tables in ``tmp_path``; returns the TOML."""
    shutil.copy(DATA_DIR / "teaching.toml", tmp_path / "teaching.toml")
    shutil.copy(DATA_DIR / "technologies.csv", tmp_path / "technologies.csv")
    shutil.copytree(DATA_DIR / "teaching", tmp_path / "teaching")
    return tmp_path / "teaching.toml"


def test_a_novel_part_larger_than_capex_is_refused(teaching_copy):
    replace_in(teaching_copy.parent / "technologies.csv", "0.25,550,400,58", "0.25,550,600,58")
    message = load_error(teaching_copy)
    assert "capex_novel_usd_per_tpa" in message
    assert "600" in message


def test_a_route_with_its_own_supply_ramp_ignores_the_parameter():
    """Scrap EAF ramps at its row's pace (worldsteel's scrap projection), LC3 at the parameter's."""
    from industry_transition.model.technology import route_caps

    model = TransitionModel("leadit", seed=1, snapshots=False, supply_ramp_per_year=0.02)
    tech = model.technologies
    scrap, lc3 = tech.index["scrap_eaf"], tech.index["lc3"]
    assert tech.supply_ramp_per_year[scrap] == pytest.approx(0.006)
    assert np.isnan(tech.supply_ramp_per_year[lc3])
    model.year = model.params.start_year + 5
    caps = route_caps(model)
    start = model.initial_route_share
    expected_scrap = np.minimum(start[:, scrap] + 0.006 * 5, tech.max_share[scrap])
    expected_lc3 = np.minimum(start[:, lc3] + 0.02 * 5, tech.max_share[lc3])
    assert np.allclose(caps[:, scrap], expected_scrap)
    assert np.allclose(caps[:, lc3], expected_lc3)


def test_a_renewal_dearer_than_building_the_route_is_refused(teaching_copy):
    path = teaching_copy.parent / "technologies.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[table["technology"] == "bf_bof", "renewal_capex_usd_per_tpa"] = "900"
    table.to_csv(path, index=False)
    message = load_error(teaching_copy)
    assert "technologies.csv" in message
    assert "renewal_capex_usd_per_tpa" in message
    assert "900" in message


@pytest.mark.parametrize(
    ("host", "expected"),
    [("atlantis", "not another technology"), ("opc_kiln", "a cement route")],
)
def test_a_retrofit_onto_an_unknown_or_foreign_route_is_refused(teaching_copy, host, expected):
    path = teaching_copy.parent / "technologies.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[table["technology"] == "bf_bof_ccus", "retrofit_of"] = host
    table.to_csv(path, index=False)
    message = load_error(teaching_copy)
    assert "retrofit_of" in message
    assert expected in message


def test_a_gas_price_for_an_unknown_country_is_refused(teaching_copy):
    gas = teaching_copy.parent / "teaching" / "gas_prices.csv"
    gas.write_text(gas.read_text(encoding="utf-8") + "atlantis,3.0,test\n", encoding="utf-8")
    assert "no country 'atlantis'" in load_error(teaching_copy)


def test_a_scrap_price_for_an_unknown_country_is_refused(teaching_copy):
    scrap = teaching_copy.parent / "teaching" / "scrap_prices.csv"
    scrap.write_text("country_id,scrap_usd_per_t,source\natlantis,300,test\n", encoding="utf-8")
    replace_in(
        teaching_copy,
        'gas_prices = "teaching/gas_prices.csv"',
        'gas_prices = "teaching/gas_prices.csv"\nscrap_prices = "teaching/scrap_prices.csv"',
    )
    assert "no country 'atlantis'" in load_error(teaching_copy)


def test_a_technology_table_without_the_new_columns_loads_as_before(teaching_copy):
    """Whole capex learns, no gas or scrap is bought, every route takes switch_lead_time_years."""
    path = teaching_copy.parent / "technologies.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    new_columns = [
        "capex_novel_usd_per_tpa",
        "gas_gj_per_t",
        "scrap_t_per_t",
        "lead_time_years",
        "renewal_capex_usd_per_tpa",
        "supply_ramp_per_year",
        "retrofit_of",
    ]
    table.drop(columns=new_columns).to_csv(path, index=False)
    model = TransitionModel(teaching_copy, seed=1, snapshots=False, switch_lead_time_years=3)
    tech = model.technologies
    assert np.array_equal(tech.renewal_capex(np.arange(len(tech))), tech.capex_usd_per_tpa)
    assert np.isnan(tech.supply_ramp_per_year).all()  # every capped route: the parameter
    assert (tech.retrofit_of == -1).all()
    assert np.array_equal(tech.capex_novel_initial, tech.capex_initial)
    assert not tech.gas_gj_per_t.any()
    assert not tech.scrap_t_per_t.any()
    assert (tech.lead_time_years == 3).all()
