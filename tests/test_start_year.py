"""The world of a run's start year (plant start years, yearly country figures) and the check
that every plant starts on a route its owner can run (model/scenario.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model.scenario import (
    DATA_DIR,
    ScenarioError,
    load_scenario,
    plants_at,
)


@pytest.fixture
def teaching_copy(tmp_path: Path) -> Path:
    shutil.copy(DATA_DIR / "teaching.toml", tmp_path / "teaching.toml")
    shutil.copy(DATA_DIR / "technologies.csv", tmp_path / "technologies.csv")
    shutil.copytree(DATA_DIR / "teaching", tmp_path / "teaching")
    return tmp_path / "teaching.toml"


def edit_plants(toml: Path, **changes: dict[str, object]) -> Path:
    """Set cells of teaching plants: ``plant_id={column: value}``; adds start_year if absent."""
    csv = toml.parent / "teaching" / "plants.csv"
    plants = pd.read_csv(csv, dtype=str, keep_default_na=False)
    if "start_year" not in plants:
        plants.insert(len(plants.columns) - 1, "start_year", "")
    for plant_id, cells in changes.items():
        row = plants.index[plants["plant_id"] == plant_id]
        assert len(row) == 1
        for column, value in cells.items():
            plants.loc[row, column] = str(value)
    plants.to_csv(csv, index=False)
    return csv


def add_country_years(toml: Path, rows: list[tuple[str, int, float, float]]) -> None:
    csv = toml.parent / "teaching" / "country_years.csv"
    pd.DataFrame(
        [(c, y, p, g, "test") for c, y, p, g in rows],
        columns=["country_id", "year", "carbon_price_usd_per_t", "grid_tco2_per_mwh", "source"],
    ).to_csv(csv, index=False)
    text = toml.read_text(encoding="utf-8")
    line = 'country_years = "teaching/country_years.csv"'
    if line not in text:
        toml.write_text(text.replace("[parameters]", f"{line}\n\n[parameters]"), encoding="utf-8")


def test_plants_that_start_after_the_start_year_are_left_out(teaching_copy: Path) -> None:
    edit_plants(
        teaching_copy,
        westeel_1={"start_year": 2030},
        westeel_2={"start_year": 2024},
        nordsteel_1={"start_year": 1990},
    )
    ids_2024 = set(TransitionModel(teaching_copy, seed=1).fleet.ids)
    assert "westeel_1" not in ids_2024
    assert {"westeel_2", "nordsteel_1", "nordcem_1"} <= ids_2024  # same year is in; empty is in
    ids_2030 = set(TransitionModel(teaching_copy, seed=1, start_year=2030).fleet.ids)
    assert "westeel_1" in ids_2030
    ids_2020 = set(TransitionModel(teaching_copy, seed=1, start_year=2020).fleet.ids)
    assert "westeel_2" not in ids_2020
    assert "nordsteel_1" in ids_2020


def test_plants_at_keeps_empty_start_years() -> None:
    plants = pd.DataFrame({"plant_id": ["a", "b", "c"], "start_year": [None, 2019, 2020]})
    assert plants_at(plants, 2019)["plant_id"].tolist() == ["a", "b"]
    assert plants_at(plants, 2018)["plant_id"].tolist() == ["a"]


def test_country_years_set_the_start_years_price_and_grid(teaching_copy: Path) -> None:
    add_country_years(teaching_copy, [("westmark", 2019, 7.5, 0.41), ("westmark", 2024, 12.0, 0.2)])
    for year, price, grid in ((2019, 7.5, 0.41), (2024, 12.0, 0.2)):
        model = TransitionModel(teaching_copy, seed=1, start_year=year)
        i = model.countries.ids.index("westmark")
        assert model.countries.carbon_price_usd_per_t[i] == pytest.approx(price)
        assert model.countries.grid_tco2_per_mwh[i] == pytest.approx(grid)
    # a year without rows keeps the countries table's figures (westmark: 30 USD/t, 0.30 t/MWh)
    model = TransitionModel(teaching_copy, seed=1, start_year=2021)
    i = model.countries.ids.index("westmark")
    assert model.countries.carbon_price_usd_per_t[i] == pytest.approx(30.0)
    assert model.countries.grid_tco2_per_mwh[i] == pytest.approx(0.30)


def test_country_years_reject_a_repeated_year_and_an_unknown_country(teaching_copy: Path) -> None:
    add_country_years(teaching_copy, [("westmark", 2019, 1, 0.4), ("westmark", 2019, 2, 0.4)])
    with pytest.raises(ScenarioError, match=r"country_years.csv: row 3: .*'westmark'.* twice"):
        load_scenario(teaching_copy)
    add_country_years(teaching_copy, [("atlantis", 2019, 1, 0.4)])
    with pytest.raises(ScenarioError, match="table 'country_years' row 2.*no country 'atlantis'"):
        load_scenario(teaching_copy)


def test_a_vintage_keeps_its_reinvestment_phase_in_an_earlier_world(teaching_copy: Path) -> None:
    # steel cycle 20 years: started 2000, windows 2020, 2040; the data states 2040 (for 2024)
    edit_plants(teaching_copy, westeel_1={"start_year": 2000, "next_investment_year": 2040})
    for start, window in ((2024, 2040), (2019, 2020), (2021, 2040)):
        model = TransitionModel(teaching_copy, seed=1, start_year=start)
        plant = model.fleet.ids.index("westeel_1")
        assert model.fleet.next_investment_year[plant] == window
    # never sooner than one cycle after the plant started
    edit_plants(teaching_copy, westeel_1={"start_year": 2015, "next_investment_year": 2035})
    model = TransitionModel(teaching_copy, seed=1, start_year=2019)
    assert model.fleet.next_investment_year[model.fleet.ids.index("westeel_1")] == 2035


def test_a_plant_on_a_route_not_yet_available_is_one_clear_error(teaching_copy: Path) -> None:
    csv = edit_plants(teaching_copy, westeel_1={"technology": "h2_dri_eaf"})
    row = pd.read_csv(csv)["plant_id"].tolist().index("westeel_1") + 2
    with pytest.raises(ScenarioError) as info:
        load_scenario(teaching_copy)
    message = str(info.value)
    assert str(csv) in message
    assert f"row {row}: plant 'westeel_1' starts on 'h2_dri_eaf'" in message
    assert "available from 2026, after the start year 2024" in message
    assert "routes company 'westeel' can run in 2024: bf_bof, gas_dri_eaf, coal_dri_eaf" in message
    # a plant that only starts later is not checked against the earlier world
    edit_plants(teaching_copy, westeel_1={"start_year": 2030})
    load_scenario(teaching_copy)


def test_a_plant_on_a_proprietary_route_it_does_not_own_is_an_error(teaching_copy: Path) -> None:
    edit_plants(teaching_copy, nordcem_1={"technology": "electric_calcination"})
    with pytest.raises(ScenarioError, match="'electric_calcination'.*proprietary and company"):
        load_scenario(teaching_copy, {"start_year": 2030})


def test_leadit_builds_the_world_of_2019() -> None:
    spec = load_scenario("leadit")
    plants = spec.tables["plants"]
    m2019 = TransitionModel("leadit", seed=1, start_year=2019)
    m2024 = TransitionModel("leadit", seed=1)
    later = set(plants.loc[plants["start_year"].fillna(0).astype(int) > 2019, "plant_id"])
    assert later, "some GEM plants started in 2020-2024"
    assert not later & set(m2019.fleet.ids)
    assert later <= set(m2024.fleet.ids)
    assert len(m2024.fleet) == len(plants)
    years = spec.tables["country_years"]
    for model, year in ((m2019, 2019), (m2024, 2024)):
        for country in ("swe", "gbr", "kor", "ind"):
            i = model.countries.ids.index(country)
            row = years[(years["country_id"] == country) & (years["year"] == year)].iloc[0]
            assert model.countries.carbon_price_usd_per_t[i] == pytest.approx(
                row["carbon_price_usd_per_t"]
            )
            assert model.countries.grid_tco2_per_mwh[i] == pytest.approx(row["grid_tco2_per_mwh"])


def test_memberships_and_partnerships_of_later_years_are_left_out() -> None:
    """A 2019 run starts with LeadIT's founding members and none of the 2023 partnerships."""
    tables = load_scenario("leadit").tables
    memberships, partnerships = tables["memberships"], tables["partnerships"]
    for year in (2019, 2022, 2024):
        model = TransitionModel("leadit", seed=1, snapshots=False, start_year=year)
        members = set(model.initiatives["leadit"].members)
        assert members == set(memberships.loc[memberships["joined_year"] <= year, "member_id"])
        ties = model.partnership_table()
        signed = set(ties.loc[ties["kind"] != "membership", "partnership_id"])
        assert signed == set(partnerships.loc[partnerships["start_year"] <= year, "partnership_id"])
    founders = {"swe", "ind", "arg", "fin", "fra", "deu", "irl", "lux", "nld", "kor", "gbr"}
    model = TransitionModel("leadit", seed=1, snapshots=False, start_year=2019)
    countries = set(model.initiatives["leadit"].members) & set(model.country_agents)
    assert countries == founders  # the eleven of the launch on 23 September 2019
