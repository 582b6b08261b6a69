"""``industry-transition calibrate``: pattern functions against hand-computed values, a tiny
ABC-SMC calibration (seconds), determinism across worker counts, resume and bad specs."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from industry_transition.experiments import patterns as pat
from industry_transition.experiments.cli import app
from industry_transition.experiments.run import RunResult, run
from industry_transition.model.scenario import load_scenario

pytest.importorskip("pyabc")

from industry_transition.experiments.calibrate import (  # noqa: E402
    CalibrationError,
    calibrate,
    parse_calibration_spec,
)

ROOT = Path(__file__).resolve().parent.parent

# One simulated year of leadit-2019 per run: the yearly joining hazard decides 2019's members.
TINY = {
    "scenario": "leadit-2019",
    "end_year": 2019,
    "seed": 7,
    "population_size": 3,
    "generations": 2,
    "seeds_per_particle": 1,
    "parameters": {
        "membership_join_probability": {"prior": "uniform", "low": 0.0, "high": 1.0},
        "transaction_cost_musd": {"prior": "log-uniform", "low": 0.5, "high": 8.0},
    },
    "patterns": {"country_members": 1.0, "steel_production_mt": 0.5},
}


# --- pattern functions -----------------------------------------------------------------------


def fake_result() -> RunResult:
    series = pd.DataFrame(
        {
            "year": [2019, 2020],
            "production_steel_mt": [100.0, 110.0],
            "production_cement_mt": [200.0, 190.0],
            "emissions_steel_mt": [50.0, 45.0],
            "emissions_cement_mt": [80.0, 88.0],
            "emissions_mt": [130.0, 133.0],
        }
    )
    partnerships = pd.DataFrame(
        {
            "kind": ["membership"] * 4 + ["government"],
            "party_a": ["swe", "ind", "ssab", "usa", "ind"],
            "party_b": ["leadit", "leadit", "leadit", "leadit", "swe"],
            "country_a": ["swe", "ind", "swe", "usa", "ind"],
            "start_year": [2019, 2019, 2019, 2020, 2020],
            # India leaves at the end of 2019 (not a member in 2020)
            "ended_year": pd.array([None, 2020, None, None, None], dtype="Int64"),
        }
    )
    events = pd.DataFrame(
        {
            "year": [2020, 2020, 2019],
            "event": ["agreement", "agreement", "join"],
            "kind": ["government", "finance", "membership"],
        }
    )
    empty = pd.DataFrame()
    return RunResult(series, events, partnerships, empty, empty)


def test_model_patterns_by_hand():
    table = pat.model_patterns(fake_result())
    value = {(p, y): v for p, y, v in table.itertuples(index=False)}
    assert value[("country_members", 2019)] == 2  # swe, ind
    assert value[("country_members", 2020)] == 2  # swe, usa
    assert value[("company_members", 2019)] == 1  # ssab
    assert value[("government_partnerships", 2019)] == 0
    assert value[("government_partnerships", 2020)] == 1  # the finance agreement is not one
    assert value[("steel_production_mt", 2020)] == 110.0
    assert value[("steel_emissions_ratio", 2020)] == pytest.approx(0.9)
    assert value[("cement_emissions_ratio", 2020)] == pytest.approx(1.1)
    # both sectors together: (45 + 88) / (50 + 80)
    assert value[("emissions_ratio", 2020)] == pytest.approx(133.0 / 130.0)


def test_distances_by_hand():
    observed = pd.DataFrame(
        {
            "pattern": ["country_members", "country_members", "steel_production_mt"],
            "year": [2019, 2020, 2020],
            "value": [2.0, 5.0, 100.0],
            "tolerance": [3.0, 3.0, 5.0],
        }
    )
    compared = pat.compare(pat.model_patterns(fake_result()), observed)
    assert compared["gap"].tolist() == pytest.approx([0.0, -1.0, 2.0])
    distances = pat.pattern_distances(compared)
    assert distances["country_members"] == pytest.approx(math.sqrt(0.5))
    assert distances["steel_production_mt"] == pytest.approx(2.0)
    total = pat.total_distance(distances, {"country_members": 1.0, "steel_production_mt": 3.0})
    assert total == pytest.approx((math.sqrt(0.5) + 3 * 2.0) / 4)


def test_compare_names_a_missing_year():
    observed = pd.DataFrame(
        {"pattern": ["country_members"], "year": [2030], "value": [1.0], "tolerance": [1.0]}
    )
    with pytest.raises(ValueError, match="country_members for 2030"):
        pat.compare(pat.model_patterns(fake_result()), observed)


def test_country_members_are_the_series_count():
    result = run("leadit-2019", seed=3, end_year=2021, snapshots=False)
    table = pat.model_patterns(result)
    members = table[table["pattern"] == "country_members"].set_index("year")["value"]
    assert members.tolist() == result.series["initiative_members"].astype(float).tolist()


def test_observed_filters():
    rows = pat.observed_patterns(start_year=2019, end_year=2022)
    assert rows["year"].between(2019, 2022).all()
    assert (rows["pattern"] == "steel_emissions_ratio").any()
    high = pat.observed_patterns(start_year=2019, end_year=2024, min_confidence="high")
    assert set(high["confidence"]) == {"high"}
    later = pat.observed_patterns(start_year=2021, end_year=2024)
    assert not later["pattern"].str.endswith("_ratio").any()  # no 2019 in the run


# --- calibration -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration") / "serial"
    state = calibrate(parse_calibration_spec(TINY), out=out, workers=1)
    return out, state


def test_tiny_calibration_writes_its_outputs(serial):
    out, state = serial
    assert state["generations_done"] == 2
    for name in ("accepted", "posterior", "patterns", "pattern_distances"):
        assert not pd.read_parquet(out / f"{name}.parquet").empty
    assert (out / "posterior.png").stat().st_size > 1000
    accepted = pd.read_parquet(out / "accepted.parquet")
    assert accepted.groupby("generation").size().tolist() == [3, 3]
    assert accepted.groupby("generation")["weight"].sum().tolist() == pytest.approx([1, 1])
    # a particle's distance is the weighted mean of its pattern distances
    expected = (
        accepted["distance_country_members"] + 0.5 * accepted["distance_steel_production_mt"]
    ) / 1.5
    assert accepted["distance"].to_numpy() == pytest.approx(expected.to_numpy())
    # generation 1 accepts only particles within the median distance of generation 0
    first = accepted[accepted["generation"] == 0]["distance"].median()
    assert (accepted[accepted["generation"] == 1]["distance"] <= first + 1e-12).all()
    assert accepted["membership_join_probability"].between(0, 1).all()
    assert accepted["transaction_cost_musd"].between(0.5, 8.0).all()


def test_calibrated_scenario_extends_the_scenario_with_the_medians(serial):
    out, _ = serial
    posterior = pd.read_parquet(out / "posterior.parquet").set_index("parameter")
    path = out / "leadit-2019-calibrated.toml"
    raw = tomllib.loads(path.read_text())
    assert raw["extends"] == "leadit-2019"
    assert "posterior median of industry-transition calibrate" in path.read_text()
    scenario = load_scenario(path, generate=False)
    for name in ("membership_join_probability", "transaction_cost_musd"):
        value = getattr(scenario.parameters, name)
        assert value == pytest.approx(posterior.at[name, "median"], rel=1e-3)
    assert scenario.parameters.start_year == 2019  # the rest comes from leadit-2019


def test_same_posterior_with_any_number_of_workers(serial, tmp_path):
    out, _ = serial
    calibrate(parse_calibration_spec(TINY), out=tmp_path / "two", workers=2)
    one = pd.read_parquet(out / "accepted.parquet")
    two = pd.read_parquet(tmp_path / "two" / "accepted.parquet")
    pd.testing.assert_frame_equal(one, two)


def test_resume_continues_to_the_same_posterior(serial, tmp_path):
    out, _ = serial
    calibrate(parse_calibration_spec({**TINY, "generations": 1}), out=tmp_path, workers=1)
    assert pd.read_parquet(tmp_path / "accepted.parquet")["generation"].max() == 0
    state = calibrate(parse_calibration_spec(TINY), out=tmp_path, workers=1)
    assert state["generations_done"] == 2
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "accepted.parquet"),
        pd.read_parquet(tmp_path / "accepted.parquet"),
    )
    with pytest.raises(CalibrationError, match="different spec"):
        calibrate(parse_calibration_spec({**TINY, "seed": 8}), out=tmp_path, workers=1)


def prior(low: float, high: float, kind: str = "uniform") -> dict[str, object]:
    return {"prior": kind, "low": low, "high": high}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"populaton_size": 3}, "unknown key 'populaton_size'"),
        ({"parameters": {"membership_join_prob": prior(0, 1)}}, "unknown parameter"),
        (
            {"parameters": {"membership_join_probability": prior(0, 2)}},
            "above the parameter's bound",
        ),
        ({"parameters": {"transaction_cost_musd": prior(0, 5, "log-uniform")}}, "low > 0"),
        ({"parameters": {"membership_join_probability": prior(0.5, 0.1)}}, "low < high"),
        ({"parameters": {"broker": prior(0, 1)}}, "not a number"),
        ({"patterns": {"members": 1.0}}, "unknown pattern 'members'"),
        ({"patterns": {"country_members": -1.0}}, "positive"),
        ({"scenario": "nowhere"}, "nowhere"),
        ({"min_confidence": "high", "patterns": {"government_partnerships": 1}}, "no observed row"),
        ({"population_size": 1}, "population_size"),
        ({"fixed": {"end_year": 2030}}, "spec's own end_year"),
        ({"fixed": {"broker": False}, "parameters": {"broker": prior(0, 1)}}, "both fixed"),
    ],
)
def test_bad_spec_is_one_clear_error(change, message):
    with pytest.raises(CalibrationError, match=message):
        parse_calibration_spec({**TINY, **change}, origin="spec.toml")


def test_cli_bad_spec_exits_2_with_one_line(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('scenario = "leadit-2019"\nend_year = 2019\n[parameters]\n[patterns]\n')
    result = CliRunner().invoke(app, ["calibrate", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "bad.toml" in lines[0]
    assert "[parameters] needs at least one parameter" in lines[0]


@pytest.mark.parametrize(
    "name", ["leadit-2019.toml", "leadit-2019-to-2022.toml", "leadit-2019-ties.toml"]
)
def test_example_specs_are_valid(name):
    path = ROOT / "examples" / "calibration" / name
    spec = parse_calibration_spec(tomllib.loads(path.read_text()), origin=name)
    assert spec.scenario == "leadit-2019"
    assert np.isfinite(spec.population_size)
