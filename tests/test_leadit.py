"""The calibrated leadit scenario against published figures, theory and direction checks.

Published references (see docs/validation.md for sources and scope):
- crude steel 2024 ~1,890 Mt (worldsteel via steelorbis); cement ~3,825 Mt: the USGS world
  figure for 2023 (~4,100 Mt) with China's 2,100 Mt replaced by its 2024 figure, 1,825 Mt
  (National Bureau of Statistics of China);
- steel CO2 ~3.4 Gt including indirect emissions (itkservices3), the model's scope for steel;
- cement direct CO2 ~2.3-2.5 Gt (placeholder range; 2.4 Gt used as the reference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model.scenario import load_scenario
from tests.conftest import cached_run

STEEL_MT, CEMENT_MT = 1890.0, 4100.0 - (2100.0 - 1825.0)
STEEL_CO2_MT, CEMENT_DIRECT_CO2_MT = 3400.0, 2400.0
SEEDS = (1, 2, 3, 4)


@pytest.fixture(scope="module")
def first_year():
    model = TransitionModel("leadit", seed=1)
    model.step()
    return model


def test_first_year_production_matches_published_totals(first_year):
    series = first_year.series().iloc[0]
    assert series["production_steel_mt"] == pytest.approx(STEEL_MT, rel=0.05)
    assert series["production_cement_mt"] == pytest.approx(CEMENT_MT, rel=0.05)


def test_first_year_emissions_match_published_totals_for_the_models_scope(first_year):
    series = first_year.series().iloc[0]
    assert series["emissions_steel_mt"] == pytest.approx(STEEL_CO2_MT, rel=0.10)
    fleet, tech = first_year.fleet, first_year.technologies
    cement = fleet.sector == 1
    direct = (fleet.production_mt * tech.direct_tco2_per_t[fleet.technology])[cement].sum()
    assert direct == pytest.approx(CEMENT_DIRECT_CO2_MT, rel=0.10)
    assert series["emissions_cement_mt"] > direct  # plus electricity


def test_scenario_has_the_members_companies_and_ties_the_issue_names():
    tables = load_scenario("leadit").tables
    countries = set(tables["countries"]["country_id"])
    members = set(tables["memberships"]["member_id"])
    assert {"swe", "ind", "gbr", "deu", "usa", "jpn", "zaf", "eth"} <= members
    assert sum(1 for m in members if m in countries) >= 15
    assert {
        "chn",
        "rus",
        "tur",
        "bra",
        "irn",
        "vnm",
        "idn",
        "sau",
        "egy",
        "mex",
        "row",
    } <= countries
    companies = set(tables["companies"]["company_id"])
    assert {
        "ssab",
        "thyssenkrupp",
        "tata_steel",
        "sail",
        "dalmia",
        "heidelberg",
        "holcim",
        "cemvision",
        "saltx",
    } <= companies
    ties = tables["partnerships"].set_index("partnership_id")
    assert {("ind", "swe"), ("bra", "gbr"), ("dalmia", "saltx")} <= {
        tuple(sorted((a, b))) for a, b in zip(ties["party_a"], ties["party_b"], strict=True)
    }


def frozen_world(**extra):
    """No cooperation, no price, grid, power-price or demand change, no learning or ramp."""
    return TransitionModel(
        "leadit",
        seed=5,
        negotiation=False,
        carbon_price_growth_scale=0.0,
        internal_carbon_price_scale=0.0,
        grid_decarbonisation_scale=0.0,
        electricity_price_change_per_year=0.0,
        learning=False,
        supply_ramp_per_year=0.0,
        demand_growth_scale=0.0,
        # no closures of idle capacity (several real fleets run below the retirement threshold)
        retire_utilisation_threshold=0.0,
        **extra,
    )


def test_baseline_emissions_follow_production_times_initial_intensity_until_windows():
    """Computed from the input tables, not from the model's accounting."""
    model = frozen_world()
    tables = model.spec.tables
    plants = tables["plants"]
    tech = tables["technologies"].set_index("technology")
    companies = tables["companies"].set_index("company_id")
    countries = tables["countries"].set_index("country_id")
    country = companies.loc[plants["company_id"], "country_id"].to_numpy()
    sector = tech.loc[plants["technology"], "sector"].to_numpy()
    intensity = (
        tech.loc[plants["technology"], "direct_tco2_per_t"].to_numpy()
        + tech.loc[plants["technology"], "electricity_mwh_per_t"].to_numpy()
        * countries.loc[country, "grid_tco2_per_mwh"].to_numpy()
    )
    frame = pd.DataFrame(
        {
            "country": country,
            "sector": sector,
            "capacity": plants["capacity_mt"],
            "utilisation": plants["utilisation"],
        }
    )
    frame["production"] = frame["capacity"] * frame["utilisation"]
    group = frame.groupby(["country", "sector"])
    # a country-sector produces its country_years row of the start year where it has one (the
    # published figure, to 0.1 Mt), else its plants' capacity x utilisation
    years = tables["country_years"]
    start = years[years["year"] == model.params.start_year].set_index("country_id")
    observed = [
        start[f"{s}_production_mt"].get(c, np.nan)
        for c, s in zip(frame["country"], frame["sector"], strict=True)
    ]
    produced = group["production"].transform("sum").where(pd.isna(observed), observed)
    utilisation = produced / group["capacity"].transform("sum")
    expected = frame["capacity"].to_numpy() * utilisation.to_numpy() * intensity
    windows = model.fleet.next_investment_year.copy()
    n = len(plants)
    initial_route = model.fleet.technology[:n].copy()
    checked = switched_early = 0
    while model.running:
        year = model.year
        model.step()
        # a plant may also leave its route before its window when another route's full cost
        # beats its running cost (docs/model.md §3.2: gas DRI at European and Japanese gas
        # prices does); those plants are no longer the input tables' plants
        kept = model.fleet.technology[:n] == initial_route
        before_window = (windows > year) & kept
        switched_early += int(((windows > year) & ~kept).sum())
        got = model.plant_emissions_mt[:n]
        np.testing.assert_allclose(got[before_window], expected[before_window], rtol=1e-9)
        checked += int(before_window.sum())
    assert len(model.fleet) == n  # nothing built, split or added
    assert checked > 2000  # plant-years checked; windows spread over the first cycle
    assert switched_early < 0.05 * checked  # the exception stays an exception


def test_capex_path_follows_wrights_law_for_the_deployment_in_the_run():
    technologies = cached_run(1, "leadit").technologies
    table = load_scenario("leadit").tables["technologies"].set_index("technology")
    learning = table[table["learning_rate"] > 0].index
    grew = 0
    for name in learning:
        rows = technologies[technologies["technology"] == name]
        # capex of year t reflects cumulative capacity at the start of year t (end of t-1)
        cumulative_before = np.r_[
            table.at[name, "initial_cumulative_mt"], rows["cumulative_mt"].to_numpy()[:-1]
        ]
        b = -np.log2(1 - table.at[name, "learning_rate"])
        # only the novel part learns (issue 14): capex = conventional + novel (X/X0)^-b
        novel = table.at[name, "capex_novel_usd_per_tpa"]
        novel = table.at[name, "capex_usd_per_tpa"] if pd.isna(novel) else novel
        conventional = table.at[name, "capex_usd_per_tpa"] - novel
        expected = conventional + novel * (
            cumulative_before / table.at[name, "initial_cumulative_mt"]
        ) ** (-b)
        np.testing.assert_allclose(rows["capex_usd_per_tpa"], expected, rtol=1e-9)
        grew += int(rows["cumulative_mt"].iloc[-1] > table.at[name, "initial_cumulative_mt"])
    assert grew >= 2  # at least two learning routes were actually deployed


def lower_income_emissions(result) -> float:
    countries = load_scenario("leadit").tables["countries"]
    low = set(countries[countries["income_group"].isin(["low", "lower_middle"])]["country_id"])
    agents = result.agents
    mask = (agents["agent_type"] == "country") & agents["agent_id"].isin(low)
    return float(agents.loc[mask, "emissions_mt"].sum())


def finance_to_lower_income(result) -> float:
    ties = result.partnerships
    finance = ties[(ties["kind"] == "finance") & ties["income_b"].isin(["low", "lower_middle"])]
    return float(finance["delivered_musd"].sum())


def leadit_run(seed: int, scale: float):
    if scale == 1.0:
        return cached_run(seed, "leadit")
    return cached_run(seed, "leadit", donor_finance_scale=scale)


def test_more_donor_finance_gives_no_less_abatement_in_lower_income_countries():
    """Finance reaching low and lower-middle income countries grows with the donor budget, and
    any finance gives no less abatement there than none. (Between 1x and 3x the emissions
    difference is smaller than the spread across seeds: see docs/validation.md.)"""
    scales = (0.0, 1.0, 3.0)
    received = [np.mean([finance_to_lower_income(leadit_run(s, x)) for s in SEEDS]) for x in scales]
    emissions = [np.mean([lower_income_emissions(leadit_run(s, x)) for s in SEEDS]) for x in scales]
    assert received[0] == 0.0
    assert received[0] < received[1] < received[2]
    assert emissions[1] <= emissions[0]
    assert emissions[2] <= emissions[0]


def partnerships_among_members(result) -> int:
    ties = result.partnerships
    members = set(ties.loc[ties["kind"] == "membership", "party_a"])
    deals = ties[
        (ties["kind"] != "membership")
        & ties["party_a"].isin(members)
        & ties["party_b"].isin(members)
    ]
    return len(deals)


def test_the_broker_gives_no_fewer_partnerships_among_initiative_members():
    with_broker = np.mean([partnerships_among_members(cached_run(s, "leadit")) for s in SEEDS])
    without = np.mean(
        [partnerships_among_members(cached_run(s, "leadit", broker=False)) for s in SEEDS]
    )
    assert with_broker >= without
