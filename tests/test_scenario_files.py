"""Scenario files that extend others, generated scenarios, and the generated parameter docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from industry_transition.experiments.cli import parameters_markdown
from industry_transition.model.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_a_three_line_variant_extends_a_shipped_scenario(tmp_path):
    variant = tmp_path / "strong.toml"
    variant.write_text('extends = "teaching"\n[parameters]\ncarbon_price_scale = 2.5\n')
    base = load_scenario("teaching")
    child = load_scenario(variant)
    assert child.parameters.carbon_price_scale == 2.5
    assert child.parameters.end_year == base.parameters.end_year
    for name, table in base.tables.items():
        assert child.tables[name].equals(table), name
    assert child.data_hash == base.data_hash


def test_extends_by_relative_path_overrides_a_table_and_keeps_the_rest(tmp_path):
    parent = tmp_path / "parent.toml"
    teaching = ROOT / "industry_transition" / "model" / "data"
    parent.write_text(
        f'extends = "{teaching / "teaching.toml"}"\n[parameters]\nrounds_per_year = 5\n'
    )
    csv = tmp_path / "initiatives.csv"
    csv.write_text(
        "initiative_id,name,broker,founded_year,source\n"
        "club,Industry Transition Club,false,2019,test: broker off\n"
    )
    child = tmp_path / "sub" / "child.toml"
    child.parent.mkdir()
    child.write_text(
        'extends = "../parent.toml"\nname = "child"\n[tables]\n'
        'initiatives = "../initiatives.csv"\n[parameters]\nbroker = false\n'
    )
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.parameters.rounds_per_year == 5  # from the parent
    assert scenario.parameters.broker is False  # from the child
    assert not scenario.tables["initiatives"]["broker"].iloc[0]
    assert len(scenario.tables["countries"]) == 6  # from the grandparent


def test_extends_cycle_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_unknown_parent_is_named(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "teachng"\n')
    with pytest.raises(ScenarioError, match="did you mean 'teaching'"):
        load_scenario(tmp_path / "a.toml")


def test_bad_parameter_in_a_child_names_the_child_file(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('extends = "teaching"\n[parameters]\nrounds_per_yer = 2\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert str(child) in str(err.value)
    assert "did you mean 'rounds_per_year'" in str(err.value)


def test_countries_override_only_for_generated_scenarios():
    with pytest.raises(ScenarioError, match="only applies to generated scenarios"):
        load_scenario("teaching", {"countries": 5})
    assert len(load_scenario("club-game", {"countries": 7}).tables["countries"]) == 7


def test_parameter_docs_match_the_schema():
    """docs/parameters.md is generated from the schema: regenerate it when this fails."""
    assert (ROOT / "docs" / "parameters.md").read_text() == parameters_markdown()


def test_utilisation_thresholds_must_be_ordered():
    with pytest.raises(ScenarioError, match="retire_utilisation_threshold"):
        load_scenario("teaching", {"target_utilisation": 1.0})
    with pytest.raises(ScenarioError, match="build_utilisation_threshold"):
        load_scenario("teaching", {"build_utilisation_threshold": 0.5})
