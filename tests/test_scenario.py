"""Tests for scenario loading (scenario.py) and the parameter schema (parameters.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from industry_transition.model.parameters import ParameterError, Parameters, build_parameters
from industry_transition.model.scenario import (
    DATA_DIR,
    TABLE_SCHEMAS,
    Scenario,
    ScenarioError,
    load_scenario,
)

# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def scenario_copy(tmp_path: Path) -> Path:
    """A copy of the teaching scenario (TOML and its tables) in ``tmp_path``; returns the TOML."""
    shutil.copy(DATA_DIR / "teaching.toml", tmp_path / "teaching.toml")
    shutil.copy(DATA_DIR / "technologies.csv", tmp_path / "technologies.csv")
    shutil.copytree(DATA_DIR / "teaching", tmp_path / "teaching")
    return tmp_path / "teaching.toml"


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of ``old`` in a file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_number_of(path: Path, prefix: str) -> int:
    """1-based line number (header is line 1) of the only line starting with ``prefix``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    matches = [i + 1 for i, line in enumerate(lines) if line.startswith(prefix)]
    assert len(matches) == 1
    return matches[0]


def set_parameter(toml: Path, line: str) -> None:
    """Append one line to the [parameters] table (the last table of the teaching TOML)."""
    text = toml.read_text(encoding="utf-8")
    assert text.rstrip().splitlines()[-1].startswith("end_year")  # [parameters] comes last
    toml.write_text(text.rstrip() + "\n" + line + "\n", encoding="utf-8")


def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


# --- the shipped scenario -------------------------------------------------------------------


@pytest.fixture(scope="module")
def teaching() -> Scenario:
    return load_scenario("teaching")


def test_teaching_scenario_loads(teaching: Scenario) -> None:
    assert teaching.name == "teaching"
    assert set(teaching.tables) == set(TABLE_SCHEMAS)
    assert len(teaching.tables["countries"]) == 6
    assert len(teaching.tables["companies"]) >= 12
    assert isinstance(teaching.parameters, Parameters)
    assert teaching.parameters.start_year == 2024
    assert teaching.parameters.end_year == 2050
    assert len(teaching.data_hash) == 64


def test_teaching_tables_have_schema_columns(teaching: Scenario) -> None:
    for table, frame in teaching.tables.items():
        assert list(frame.columns) == list(TABLE_SCHEMAS[table]), table


def test_every_data_row_has_a_source(teaching: Scenario) -> None:
    for table, frame in teaching.tables.items():
        # teaching has no yearly country figures and no scrap prices (every country pays
        # default_scrap_price_usd_per_t); both tables are optional
        assert len(frame) > 0 or table in ("country_years", "scrap_prices"), table
        empty = [i for i, s in enumerate(frame["source"]) if not str(s).strip()]
        assert empty == [], f"{table}: rows without a source {empty}"


def test_load_by_path_equals_load_by_name(teaching: Scenario, scenario_copy: Path) -> None:
    copy = load_scenario(scenario_copy)
    assert copy.data_hash == teaching.data_hash
    assert copy.parameters == teaching.parameters


def test_overrides_are_applied(scenario_copy: Path) -> None:
    scenario = load_scenario(scenario_copy, overrides={"carbon_price_scale": 2.5})
    assert scenario.parameters.carbon_price_scale == pytest.approx(2.5)


def test_data_hash_changes_with_the_data(teaching: Scenario, scenario_copy: Path) -> None:
    replace_in(
        scenario_copy.parent / "teaching" / "plants.csv",
        "westeel_2,westeel,bf_bof,5.0,",
        "westeel_2,westeel,bf_bof,5.5,",
    )
    assert load_scenario(scenario_copy).data_hash != teaching.data_hash


# --- user errors ----------------------------------------------------------------------------


def test_unknown_scenario_name_suggests_close_match() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("teachin")
    message = str(info.value)
    assert "'teachin'" in message
    assert "did you mean 'teaching'" in message


def test_missing_toml_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    message = load_error(missing)
    assert str(missing) in message
    assert "not found" in message


def test_invalid_toml_names_file(scenario_copy: Path) -> None:
    scenario_copy.write_text("name = \n", encoding="utf-8")
    message = load_error(scenario_copy)
    assert str(scenario_copy) in message
    assert "TOML" in message


def test_unknown_top_level_key(scenario_copy: Path) -> None:
    replace_in(scenario_copy, "[parameters]", "[parameter]")
    message = load_error(scenario_copy)
    assert str(scenario_copy) in message
    assert "unknown key 'parameter'" in message
    assert "did you mean 'parameters'" in message


def test_unknown_table_name(scenario_copy: Path) -> None:
    replace_in(scenario_copy, "plants = ", "plantz = ")
    message = load_error(scenario_copy)
    assert str(scenario_copy) in message
    assert "'plantz'" in message


def test_unknown_parameter_suggests_close_match(scenario_copy: Path) -> None:
    set_parameter(scenario_copy, "carbon_price_scal = 2.0")
    message = load_error(scenario_copy)
    assert str(scenario_copy) in message
    assert "'carbon_price_scal'" in message
    assert "did you mean 'carbon_price_scale'" in message


def test_out_of_range_parameter_names_allowed_range(scenario_copy: Path) -> None:
    set_parameter(scenario_copy, "carbon_price_scale = 20.0")
    message = load_error(scenario_copy)
    assert str(scenario_copy) in message
    assert "'carbon_price_scale'" in message
    assert "allowed: 0.0 to 10.0" in message


def test_parameter_of_wrong_type(scenario_copy: Path) -> None:
    set_parameter(scenario_copy, 'rounds_per_year = "three"')
    message = load_error(scenario_copy)
    assert str(scenario_copy) in message
    assert "'rounds_per_year'" in message
    assert "'three'" in message


def test_bad_override_is_a_scenario_error(scenario_copy: Path) -> None:
    with pytest.raises(ScenarioError, match="did you mean 'carbon_price_scale'"):
        load_scenario(scenario_copy, overrides={"carbon_price_scal": 1.0})


def test_missing_data_file(scenario_copy: Path) -> None:
    (scenario_copy.parent / "teaching" / "memberships.csv").unlink()
    message = load_error(scenario_copy)
    assert str(scenario_copy) in message
    assert "'memberships'" in message
    assert "memberships.csv" in message
    assert "not found" in message


def test_bad_number_cell_names_row_and_column(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "plants.csv"
    replace_in(csv, "westeel_2,westeel,bf_bof,5.0,", "westeel_2,westeel,bf_bof,lots,")
    row = line_number_of(csv, "westeel_2,")
    message = load_error(scenario_copy)
    assert str(csv.resolve()) in message
    assert f"row {row}," in message
    assert "column 'capacity_mt'" in message
    assert "'lots' is not a number" in message


def test_out_of_range_cell_names_allowed_range(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "plants.csv"
    replace_in(csv, "indcem_2,indcem,opc_kiln,4.0,0.85,", "indcem_2,indcem,opc_kiln,4.0,1.5,")
    row = line_number_of(csv, "indcem_2,")
    message = load_error(scenario_copy)
    assert str(csv.resolve()) in message
    assert f"row {row}, column 'utilisation'" in message
    assert "allowed range 0 to 1" in message


def test_bad_bool_cell(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "initiatives.csv"
    replace_in(csv, "club,Industry Transition Club,true,", "club,Industry Transition Club,yes,")
    message = load_error(scenario_copy)
    assert str(csv.resolve()) in message
    assert "row 2, column 'broker'" in message
    assert "'yes' is not true or false" in message


def test_bad_choice_cell(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "countries.csv"
    replace_in(csv, "westmark,Westmark,high,", "westmark,Westmark,rich,")
    row = line_number_of(csv, "westmark,")
    message = load_error(scenario_copy)
    assert f"row {row}, column 'income_group'" in message
    assert "'rich' is not one of" in message


def test_missing_source_cell(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "plants.csv"
    replace_in(
        csv,
        'tamcem_1,tamcem,opc_kiln,1.2,0.85,,"fictional; placeholder"',
        "tamcem_1,tamcem,opc_kiln,1.2,0.85,,",
    )
    row = line_number_of(csv, "tamcem_1,")
    message = load_error(scenario_copy)
    assert f"row {row}, column 'source'" in message
    assert "needs a source" in message


def test_unknown_column(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "initiatives.csv"
    replace_in(csv, "initiative_id,name,broker,", "initiative_id,title,broker,")
    message = load_error(scenario_copy)
    assert str(csv.resolve()) in message
    assert "unknown column 'title'" in message


def test_nan_cell_is_refused(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "plants.csv"
    replace_in(csv, "westeel_2,westeel,bf_bof,5.0,", "westeel_2,westeel,bf_bof,nan,")
    row = line_number_of(csv, "westeel_2,")
    message = load_error(scenario_copy)
    assert f"row {row}, column 'capacity_mt'" in message


def test_duplicate_id(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "companies.csv"
    replace_in(csv, "westcem,Westcem,", "nordcem,Westcem,")
    row = line_number_of(csv, "nordcem,Westcem,")
    message = load_error(scenario_copy)
    assert str(csv.resolve()) in message
    assert f"row {row}" in message
    assert "duplicate company_id 'nordcem'" in message


def test_partnership_with_unknown_agent(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "partnerships.csv"
    replace_in(csv, "government,westmark,solano,", "government,westmark,atlantis,")
    row = line_number_of(csv, "gov_westmark_solano,")
    message = load_error(scenario_copy)
    assert str(scenario_copy) in message
    assert f"table 'partnerships' row {row}, column 'party_b'" in message
    assert "no agent 'atlantis'" in message


def test_misspelt_reference_suggests_close_match(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "companies.csv"
    replace_in(csv, "solsteel,Solsteel,solano,", "solsteel,Solsteel,solanoo,")
    row = line_number_of(csv, "solsteel,")
    message = load_error(scenario_copy)
    assert f"table 'companies' row {row}, column 'country_id'" in message
    assert "did you mean 'solano'" in message


def test_reference_checks_are_remembered_only_while_they_pass(scenario_copy: Path) -> None:
    """A broken reference fails every load; a file edited into a broken one fails at once."""
    load_scenario(scenario_copy)  # checked and remembered
    csv = scenario_copy.parent / "teaching" / "companies.csv"
    replace_in(csv, "solsteel,Solsteel,solano,", "solsteel,Solsteel,solanoo,")
    for _ in range(2):
        assert "no country 'solanoo'" in load_error(scenario_copy)
    replace_in(csv, "solsteel,Solsteel,solanoo,", "solsteel,Solsteel,solano,")
    load_scenario(scenario_copy)


def test_self_partnership_in_data(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "partnerships.csv"
    replace_in(csv, "government,westmark,solano,", "government,westmark,westmark,")
    row = line_number_of(csv, "gov_westmark_solano,")
    message = load_error(scenario_copy)
    assert f"table 'partnerships' row {row}" in message
    assert "cannot partner itself" in message


def test_plant_technology_from_other_sector(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "plants.csv"
    replace_in(csv, "westeel_2,westeel,bf_bof,", "westeel_2,westeel,opc_kiln,")
    row = line_number_of(csv, "westeel_2,")
    message = load_error(scenario_copy)
    assert str(scenario_copy) in message
    assert f"table 'plants' row {row}" in message
    assert "'opc_kiln' is cement" in message
    assert "'westeel' makes steel" in message


def test_plant_with_empty_technology(scenario_copy: Path) -> None:
    csv = scenario_copy.parent / "teaching" / "plants.csv"
    replace_in(csv, "westeel_2,westeel,bf_bof,", "westeel_2,westeel,,")
    row = line_number_of(csv, "westeel_2,")
    message = load_error(scenario_copy)
    assert f"row {row}" in message
    assert "technology" in message


# --- parameters -----------------------------------------------------------------------------


def test_build_parameters_unknown_key() -> None:
    with pytest.raises(ParameterError) as info:
        build_parameters({"carbon_price_scal": 1.0}, origin="my.toml")
    message = str(info.value)
    assert message.startswith("my.toml:")
    assert "did you mean 'carbon_price_scale'" in message


def test_build_parameters_out_of_range_names_bounds() -> None:
    with pytest.raises(ParameterError, match=r"allowed: 1 to 20 rounds/year"):
        build_parameters({"rounds_per_year": 0})


def test_build_parameters_end_before_start() -> None:
    with pytest.raises(ParameterError, match="before start_year"):
        build_parameters({"start_year": 2030, "end_year": 2029})


def test_build_parameters_defaults_and_values() -> None:
    assert build_parameters({}) == Parameters()
    params = build_parameters({"enforcement": "binding", "trust_gain": 0.5})
    assert params.enforcement == "binding"
    assert params.trust_gain == pytest.approx(0.5)


def test_describe_gives_every_field_a_unit_and_source() -> None:
    rows = Parameters.describe()
    assert [r["name"] for r in rows] == Parameters.field_names()
    for row in rows:
        assert row["unit"].strip(), row["name"]
        assert row["source"].strip(), row["name"]
        assert row["description"].strip(), row["name"]


def test_defaults_respect_bounds() -> None:
    defaults = Parameters()
    bounded = 0
    for row in Parameters.describe():
        assert getattr(defaults, row["name"]) == row["default"]
        if row["default"] is None:  # optional parameters (e.g. `countries`) are unset
            continue
        if row["min"] is not None:
            assert row["default"] >= row["min"], row["name"]
            bounded += 1
        if row["max"] is not None:
            assert row["default"] <= row["max"], row["name"]
        if row["min"] is not None and row["max"] is not None:
            assert row["min"] <= row["max"], row["name"]
    assert bounded > 0


def test_described_bounds_are_enforced() -> None:
    """Just outside each stated bound is refused, and the bound itself is accepted."""
    for row in Parameters.describe():
        name, default = row["name"], row["default"]
        if isinstance(default, bool) or not isinstance(default, int | float):
            continue
        step = 1 if isinstance(default, int) else 1e-9 * max(1.0, abs(default))
        for bound, outside in ((row["min"], -step), (row["max"], step)):
            if bound is None:
                continue
            value = type(default)(bound)
            # keep the other end of the time span wide so end_year >= start_year holds
            # and the utilisation thresholds ordered (retire < target <= build)
            span = {
                "start_year": {"end_year": 2150},
                "end_year": {"start_year": 2000},
                "build_utilisation_threshold": {
                    "target_utilisation": 0.5,
                    "retire_utilisation_threshold": 0.0,
                },
                "target_utilisation": {
                    "retire_utilisation_threshold": 0.0,
                    "build_utilisation_threshold": 1.0,
                },
                "retire_utilisation_threshold": {
                    "target_utilisation": 0.97,
                    "build_utilisation_threshold": 1.0,
                },
            }
            others = span.get(name, {})
            assert getattr(build_parameters({name: value, **others}), name) == value
            with pytest.raises(ParameterError, match=name):
                build_parameters({name: value + outside, **others})


# --- membership commitments (memberships.csv `committed_until`) ------------------------------


def _add_commitment_column(scenario_copy: Path, indara: str) -> Path:
    """Give the teaching memberships a `committed_until` column, ``indara`` in Indara's row."""
    csv = scenario_copy.parent / "teaching" / "memberships.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    out = ["initiative_id,member_id,joined_year,committed_until,source"]
    for line in lines[1:]:
        initiative, member, joined, rest = line.split(",", 3)
        until = indara if member == "indara" else ""
        out.append(f"{initiative},{member},{joined},{until},{rest}")
    csv.write_text("\n".join(out) + "\n", encoding="utf-8")
    return csv


def test_committed_until_is_optional(teaching: Scenario) -> None:
    # teaching's memberships.csv has no such column: every membership is uncommitted
    assert "committed_until" not in (DATA_DIR / "teaching" / "memberships.csv").read_text()
    assert teaching.tables["memberships"]["committed_until"].isna().all()


def test_committed_until_is_read(scenario_copy: Path) -> None:
    _add_commitment_column(scenario_copy, "2030")
    memberships = load_scenario(scenario_copy).tables["memberships"]
    until = dict(zip(memberships["member_id"], memberships["committed_until"], strict=True))
    assert until["indara"] == 2030
    assert pd.isna(until["nordland"])


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("soon", "'soon' is not an integer"),
        ("2026.5", "is not an integer"),
        ("1800", "outside the allowed range"),
        ("2010", "before joined_year 2019"),
    ],
)
def test_malformed_committed_until_names_file_row_and_column(
    scenario_copy: Path, value: str, says: str
) -> None:
    csv = _add_commitment_column(scenario_copy, value)
    message = load_error(scenario_copy)
    assert str(csv) in message
    assert f"row {line_number_of(csv, 'club,indara,')}" in message
    assert "column 'committed_until'" in message
    assert says in message


def test_leadit_commitments_cover_lead_it_2_0() -> None:
    memberships = load_scenario("leadit").tables["memberships"]
    countries = set(load_scenario("leadit").tables["countries"]["country_id"])
    members = memberships[memberships["member_id"].isin(countries)]
    assert len(members) == 18
    assert (members["committed_until"] == 2026).all()
    for row in members.itertuples():
        assert "2024-26" in row.source
        assert "https://" in row.source
