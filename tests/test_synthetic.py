"""The synthetic scenario: a world of any size drawn from world_seed (model/synthetic.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model import synthetic
from industry_transition.model.parameters import build_parameters
from industry_transition.model.scenario import (
    INITIAL_PARTNERSHIP_KINDS,
    TABLE_SCHEMAS,
    ScenarioError,
    available_scenarios,
    load_scenario,
)
from industry_transition.model.synthetic import (
    default_countries,
    leadit_reference,
    synthetic_tables,
)


def tables(**values):
    return synthetic_tables(build_parameters(values))


def assert_same_world(first, second):
    assert first.keys() == second.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def model():
    """A 300-company world stepped six years (invariants are checked every step).

    At three times the carbon prices a licence is signed in the sixth year.
    """
    model = TransitionModel(
        "synthetic", seed=1, companies=300, snapshots=False, carbon_price_scale=3.0
    )
    for _ in range(6):
        model.step()
    return model


def test_synthetic_is_shipped_and_has_small_defaults():
    assert "synthetic" in available_scenarios()
    scenario = load_scenario("synthetic")
    assert scenario.parameters.companies == 100
    assert len(scenario.tables["companies"]) == 100
    assert len(scenario.tables["countries"]) == default_countries(100) == 5


def test_same_world_seed_gives_the_same_tables_and_another_seed_another_world():
    assert_same_world(tables(companies=500, world_seed=3), tables(companies=500, world_seed=3))
    other = tables(companies=500, world_seed=4)
    same = tables(companies=500, world_seed=3)
    for name in ("countries", "companies", "plants", "partnerships"):
        assert not same[name].equals(other[name]), name


def test_the_run_seed_does_not_change_the_world():
    first = TransitionModel("synthetic", seed=1, companies=200).spec.tables
    synthetic._generated.cache_clear()  # generate afresh rather than reuse the cached world
    second = TransitionModel("synthetic", seed=2, companies=200).spec.tables
    assert_same_world(first, second)
    assert_same_world(first, tables(companies=200))


def test_changing_one_part_leaves_the_others_alone():
    """Each part draws from its own child of SeedSequence(world_seed)."""
    base = tables(companies=400, initiatives=1)
    more = tables(companies=400, initiatives=3)
    for name in ("countries", "companies", "plants", "partnerships"):
        pd.testing.assert_frame_equal(base[name], more[name], obj=name)
    assert len(more["initiatives"]) == 3
    assert more["initiatives"]["broker"].tolist() == [True, False, False]


@pytest.mark.parametrize(("companies", "countries"), [(1, None), (37, 3), (1000, None), (250, 40)])
def test_sizes_are_respected(companies, countries):
    world = tables(companies=companies, countries=countries)
    assert len(world["companies"]) == companies
    assert len(world["countries"]) == (countries or default_countries(companies))
    producers = world["companies"]["role"] == "producer"
    assert producers.sum() >= 1
    assert len(world["plants"]) >= producers.sum()
    # every producer has at least one plant, technology firms none (as in leadit)
    owners = world["plants"]["company_id"]
    assert set(owners) == set(world["companies"].loc[producers, "company_id"])


def test_mean_plants_per_producer_is_near_the_parameter_in_a_large_world():
    world = tables(companies=20_000, plants_per_company=2.5)
    producers = (world["companies"]["role"] == "producer").sum()
    assert len(world["plants"]) / producers == pytest.approx(2.5, abs=0.03)
    assert len(world["plants"]) >= len(world["companies"])
    assert len(tables(companies=3_000, plants_per_company=1.0)["plants"]) == 3_000 - round(
        3_000 * leadit_reference().technology_firm_share
    )


def test_default_countries_grow_with_companies_and_stop_at_200():
    assert [default_countries(n) for n in (1, 100, 1_000, 10_000, 100_000)] == [
        5,
        5,
        20,
        200,
        200,
    ]


def test_the_world_looks_like_leadit():
    ref = leadit_reference()
    world = tables(companies=20_000, countries=500, world_seed=7)
    countries, companies = world["countries"], world["companies"]
    shares = countries["income_group"].value_counts(normalize=True)
    for i, group in enumerate(("high", "upper_middle", "lower_middle", "low")):
        assert shares.get(group, 0.0) == pytest.approx(ref.income_share[i], abs=1 / 500)
    # heavy-tailed sizes: the largest country hosts far more companies than the median one
    per_country = companies["country_id"].value_counts()
    assert per_country.max() > 10 * per_country.median()
    producers = companies[companies["role"] == "producer"]
    assert (producers["sector"] == "steel").mean() == pytest.approx(ref.steel_share, abs=0.02)
    firms = companies[companies["role"] == "technology"]
    assert len(firms) == round(ref.technology_firm_share * 20_000)
    high = set(countries.loc[countries["income_group"] == "high", "country_id"])
    assert set(firms["country_id"]) <= high
    assert all(len(owned) == 1 for owned in firms["owned_technologies"])
    assert all(owned == () for owned in producers["owned_technologies"])
    # plants: start-year routes of the owner's sector, sizes around a few Mt/yr
    technologies = world["technologies"].set_index("technology")
    plants = world["plants"].merge(companies[["company_id", "sector"]], on="company_id")
    assert (technologies.loc[plants["technology"], "year_available"].to_numpy() <= 2024).all()
    assert (technologies.loc[plants["technology"], "sector"].to_numpy() == plants["sector"]).all()
    median = plants.groupby("technology")["capacity_mt"].median()
    assert 2.0 < median["bf_bof"] < 4.5
    assert 0.6 < median["opc_kiln"] < 1.5
    assert plants["utilisation"].between(0.6, 0.95).all()
    # finance: leadit's totals per Mt of capacity
    capacity = plants["capacity_mt"].sum()
    assert countries["donor_budget_musd_per_year"].sum() == pytest.approx(
        ref.budget_per_mt * capacity, rel=1e-6
    )
    assert countries["finance_need_musd_per_year"].sum() == pytest.approx(
        ref.need_per_mt * capacity, rel=1e-6
    )
    for column, spec in TABLE_SCHEMAS["countries"].items():
        if spec.kind == "float":
            assert countries[column].between(spec.ge, spec.le).all(), column
    assert (countries.loc[countries["income_group"] == "high", "capability_multiplier"] == 1).all()
    # sources name the leadit table and the world seed
    for name in ("countries", "companies", "plants", "initiatives", "memberships"):
        assert (
            world[name]["source"] == f"synthetic: drawn from leadit {name} (world_seed 7)"
        ).all()


def test_initiatives_and_ties():
    world = tables(companies=5_000, countries=300, initiatives=2)
    countries, memberships = world["countries"], world["memberships"]
    assert world["initiatives"]["founded_year"].eq(2024).all()
    member_countries = countries[countries["country_id"].isin(memberships["member_id"])]
    richer = member_countries["income_group"].isin(["high", "upper_middle"]).mean()
    assert richer > 0.75
    assert not memberships.duplicated(["initiative_id", "member_id"]).any()
    ties = world["partnerships"]
    assert set(ties["kind"]) <= set(INITIAL_PARTNERSHIP_KINDS)
    government = ties[ties["kind"] == "government"]
    assert len(government) == len(countries)  # about two per country on average
    degree = pd.concat([government["party_a"], government["party_b"]]).value_counts()
    assert degree.max() <= 3
    pairs = set(zip(government["party_a"], government["party_b"], strict=True))
    assert len(pairs) == len(government)
    assert not any((b, a) in pairs for a, b in pairs)
    assert (ties["party_a"] != ties["party_b"]).all()
    licences = ties[ties["kind"] == "technology"]
    firms = world["companies"].set_index("company_id")
    assert len(licences) == (firms["role"] == "technology").sum()
    assert (firms.loc[licences["party_a"], "role"] == "technology").all()
    assert (firms.loc[licences["party_b"], "role"] == "producer").all()


def test_generated_tables_go_through_scenario_validation(monkeypatch):
    """load_scenario checks generated tables like CSV tables: break one and it says so."""
    scenario = load_scenario("synthetic", {"companies": 400, "world_seed": 11})
    assert len(scenario.tables["companies"]) == 400

    def broken(params):
        world = synthetic_tables(params)
        world["plants"].loc[0, "company_id"] = "nobody"
        return world

    monkeypatch.setitem(synthetic.GENERATORS, "synthetic", broken)
    with pytest.raises(ScenarioError, match="no company 'nobody'"):
        load_scenario("synthetic", {"companies": 401})

    def out_of_range(params):
        world = synthetic_tables(params)
        world["countries"].loc[0, "cost_of_capital"] = 0.9
        return world

    monkeypatch.setitem(synthetic.GENERATORS, "synthetic", out_of_range)
    with pytest.raises(ScenarioError, match="cost_of_capital.*outside the allowed range"):
        load_scenario("synthetic", {"companies": 402})


def test_generated_parameters_only_apply_where_a_generator_reads_them():
    with pytest.raises(ScenarioError, match="'world_seed' only applies to generated scenarios"):
        load_scenario("teaching", {"world_seed": 2})
    with pytest.raises(ScenarioError, match="'companies' does not apply to generator 'club_game'"):
        load_scenario("club-game", {"companies": 20})
    assert len(load_scenario("synthetic", {"countries": 7}).tables["countries"]) == 7


def test_a_stepped_world_keeps_the_invariants(model):
    # check_invariants(model) (model/invariants.py) ran every step: ledger, registry, CO2, grants
    assert model.year == 2030
    fleet = model.fleet
    production = np.zeros((len(model.countries.ids), 2))
    np.add.at(production, (fleet.country, fleet.sector), fleet.production_mt)
    capacity = model.fleet.sector_capacity()
    assert (production <= capacity + 1e-9).all()
    assert (fleet.utilisation >= 0).all()
    assert (model.plant_emissions_mt >= 0).all()
    assert (model.emissions_by_country_sector_mt >= 0).all()
    agents = set(model.agent_by_id)
    for partnership in model.registry.records.values():
        assert partnership.party_a in agents
        assert partnership.party_b in agents
    assert model.partnerships_formed > 0
    series = model.series()
    assert (series["emissions_mt"] > 0).all()
