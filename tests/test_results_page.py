"""The results page's data layer: path confinement, finding sweeps, loading one, chart frames."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from industry_transition.experiments.sweep import sweep
from industry_transition.visualization.results import (
    ROOTS_VARIABLE,
    PathRefused,
    ResultsError,
    allowed_roots_from_env,
    confine,
    find_sweeps,
    load_sweep,
    outcome_bands,
    yearly_bands,
)

# 2 settings x 2 replications; 8 years (to 2031, past the first grants), enough for
# replications to differ
SMALL = {
    "scenario": "teaching",
    "steps": 12,
    "replications": 2,
    "seed": 11,
    "grid": {"carbon_price_scale": [0.5, 2.0]},
}
# 2 x 2 settings, one replication each: for the group column and single-run intervals
CROSSED = {
    "scenario": "teaching",
    "steps": 2,
    "replications": 1,
    "seed": 3,
    "grid": {"carbon_price_scale": [0.5, 2.0], "broker": [True, False]},
}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A folder with a real small sweep at ``results/small`` and a folder that is not one."""
    base = tmp_path_factory.mktemp("results-root")
    sweep(SMALL, out=base / "results" / "small", workers=1, progress=False)
    (base / "results" / "notes").mkdir()
    (base / "results" / "notes" / "readme.txt").write_text("not a sweep")
    (base / "results" / "half" / "runs.parquet").mkdir(parents=True)  # no sweep.json
    return base


@pytest.fixture(scope="module")
def small(base) -> Path:
    return base / "results" / "small"


# --- confinement -------------------------------------------------------------------------------


def test_paths_inside_a_root_are_accepted_and_resolved(tmp_path):
    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    assert confine(root / "a", [root]) == (root / "a").resolve()
    assert confine(f"  {root / 'a'}\n", [root]) == (root / "a").resolve()  # whitespace stripped
    assert confine("a/b/../b", [root]) == (root / "a" / "b").resolve()
    assert confine("not/yet/made", [root]) == (root / "not" / "yet" / "made").resolve()
    assert confine(".", [root]) == root.resolve()


def test_relative_paths_resolve_against_the_first_root_not_the_cwd(tmp_path, monkeypatch):
    first, second, cwd = tmp_path / "first", tmp_path / "second", tmp_path / "cwd"
    for folder in (first, second, cwd):
        folder.mkdir()
    monkeypatch.chdir(cwd)
    assert confine("x", [first, second]) == (first / "x").resolve()
    with pytest.raises(PathRefused):
        confine("../cwd/x", [first, second])  # the cwd is not a root
    # an absolute path in the second root is fine
    assert confine(second / "y", [first, second]) == (second / "y").resolve()
    # nothing is expanded: "~" and "$HOME" are plain names under the root
    assert confine("~/x", [first]) == (first / "~" / "x").resolve()
    assert confine("$HOME", [first]) == (first / "$HOME").resolve()


def test_escapes_and_outside_paths_are_refused(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "rootless").mkdir()  # shares the prefix "root" but is outside
    for path in ("..", "../rootless", "a/../../rootless", str(tmp_path / "rootless"), "/etc"):
        with pytest.raises(PathRefused, match="outside the allowed folders") as refused:
            confine(path, [root])
        assert str(root) in str(refused.value)  # names the allowed roots
        assert repr(path) in str(refused.value)  # and the path


def test_a_symlink_out_of_the_root_is_refused(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "inner").mkdir(parents=True)
    outside.mkdir()
    (root / "out").symlink_to(outside, target_is_directory=True)
    (root / "in").symlink_to(root / "inner", target_is_directory=True)
    for path in ("out", "out/sweep", str(root / "out")):
        with pytest.raises(PathRefused):
            confine(path, [root])
    assert confine("in", [root]) == (root / "inner").resolve()  # a symlink within is fine


def test_empty_nul_and_no_roots_are_refused(tmp_path):
    for path in ("", "   ", "\n"):
        with pytest.raises(PathRefused, match="no path given"):
            confine(path, [tmp_path])
    with pytest.raises(PathRefused, match="NUL"):
        confine("a\x00b", [tmp_path])
    with pytest.raises(PathRefused, match="no folders are allowed"):
        confine("a", [])
    assert issubclass(PathRefused, ValueError)


def test_roots_from_the_environment(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ROOTS_VARIABLE, f"{a}{os.pathsep} b {os.pathsep}{os.pathsep}{a}")
    roots = allowed_roots_from_env()
    assert roots == [a.resolve(), b.resolve()]  # relative to the cwd, stripped, deduplicated
    assert confine("x", roots) == a.resolve() / "x"
    assert confine(b / "y", roots) == b.resolve() / "y"
    monkeypatch.delenv(ROOTS_VARIABLE)
    assert allowed_roots_from_env() == [tmp_path.resolve()]
    assert allowed_roots_from_env({ROOTS_VARIABLE: ""}) == [tmp_path.resolve()]


# --- finding and loading sweeps ----------------------------------------------------------------


def test_find_sweeps_finds_the_sweep_and_ignores_other_folders(base, small, tmp_path):
    assert find_sweeps([base]) == [small.resolve()]
    assert find_sweeps([small]) == [small.resolve()]  # a root may be the sweep itself
    assert find_sweeps([base], max_depth=1) == []  # the sweep is two levels down
    assert find_sweeps([base, base / "results"]) == [small.resolve()]  # no duplicates
    assert find_sweeps([tmp_path / "missing"]) == []
    # a symlink to the sweep from another root is not followed out of that root
    other = tmp_path / "other"
    other.mkdir()
    (other / "link").symlink_to(base / "results", target_is_directory=True)
    assert find_sweeps([other]) == []


def test_load_sweep_reads_spec_parameters_outcomes_and_counts(small):
    view = load_sweep(small)
    assert view.parameters == ["carbon_price_scale"]
    assert view.spec.replications == 2
    assert view.runs_ok == 4
    assert view.runs_failed == 0
    assert len(view.runs) == 4
    assert "cumulative_emissions_mt" in view.outcomes
    assert len(view.summary) == 2
    assert view.has_series
    assert "emissions_mt" in view.series_columns
    assert "run_id" not in view.series_columns
    assert "year" not in view.series_columns


def test_outcome_bands_match_the_runs_computed_independently(small):
    view = load_sweep(small)
    runs = pd.read_parquet(small / "runs.parquet")  # not through the code under test
    runs = runs[runs["status"] == "ok"]
    for outcome in ("cumulative_emissions_mt", "partnerships_formed"):
        bands = outcome_bands(view, outcome)
        assert list(bands.columns) == [
            "setting",
            "carbon_price_scale",
            "group",
            "mean",
            "low",
            "high",
            "n",
        ]
        assert (bands["group"] == "all").all()
        by_value = runs.groupby("carbon_price_scale")[outcome]
        expected_mean = by_value.mean()
        assert bands["carbon_price_scale"].tolist() == [0.5, 2.0]
        np.testing.assert_allclose(
            bands["mean"], expected_mean.loc[bands["carbon_price_scale"]], rtol=1e-12
        )
        assert (bands["n"] == SMALL["replications"]).all()
        assert (bands["low"] <= bands["mean"]).all()
        assert (bands["mean"] <= bands["high"]).all()
        scales = bands["carbon_price_scale"]
        half = (stats.t.ppf(0.975, 1) * by_value.std(ddof=1) / np.sqrt(2)).loc[scales]
        # both outcomes are non-negative: where the t-interval would reach below 0 the band is
        # the percentile bootstrap of the mean, which lies within the observed runs
        uses_t = (expected_mean.loc[scales] - half >= 0).to_numpy()
        np.testing.assert_allclose((bands["high"] - bands["mean"])[uses_t], half[uses_t], rtol=1e-9)
        lowest, highest = by_value.min().loc[scales], by_value.max().loc[scales]
        assert (bands["low"].to_numpy() >= lowest.to_numpy())[~uses_t].all()
        assert (bands["high"].to_numpy() <= highest.to_numpy())[~uses_t].all()
        if outcome == "cumulative_emissions_mt":
            assert uses_t.all()  # the t-interval is checked for every setting at least here
    # the replications differ within each setting, so the test above is not comparing constants
    assert (runs.groupby("carbon_price_scale")["cumulative_emissions_mt"].nunique() == 2).all()


def test_outcome_bands_refuse_unknown_names(small):
    view = load_sweep(small)
    with pytest.raises(ValueError, match="unknown outcome 'nope'.*cumulative_emissions_mt"):
        outcome_bands(view, "nope")
    with pytest.raises(ValueError, match="unknown x parameter 'broker'.*carbon_price_scale"):
        outcome_bands(view, "partnerships_formed", x="broker")
    by_setting = outcome_bands(view, "partnerships_formed", x="setting")
    assert "carbon_price_scale" not in by_setting.columns
    assert by_setting["group"].tolist() == ["0.5", "2.0"]  # the other parameter groups


def test_outcome_bands_group_by_the_second_parameter(tmp_path):
    out = tmp_path / "crossed"
    sweep(CROSSED, out=out, workers=1, progress=False)
    view = load_sweep(out)
    assert view.parameters == ["carbon_price_scale", "broker"]
    bands = outcome_bands(view, "cumulative_emissions_mt")
    assert sorted(bands["group"].unique()) == ["False", "True"]
    assert len(bands) == 4
    assert (bands["n"] == 1).all()
    assert bands["low"].isna().all()  # no interval from a single run
    assert bands["mean"].notna().all()
    swapped = outcome_bands(view, "cumulative_emissions_mt", x="broker")
    assert sorted(swapped["group"].unique()) == ["0.5", "2.0"]
    with pytest.raises(ValueError, match="allowed: broker"):
        outcome_bands(view, "cumulative_emissions_mt", group="carbon_price_scale")


def test_yearly_bands_match_the_series_computed_independently(small):
    bands = yearly_bands(small, "emissions_mt")
    assert list(bands.columns) == [
        "setting",
        "carbon_price_scale",
        "label",
        "year",
        "mean",
        "low",
        "high",
        "n",
    ]
    assert len(bands) == 2 * SMALL["steps"]
    assert (bands["n"] == 2).all()
    assert set(bands["label"]) == {
        "carbon price scale (multiplier) = 0.5",
        "carbon price scale (multiplier) = 2.0",
    }
    series = pd.read_parquet(small / "series.parquet")
    runs = pd.read_parquet(small / "runs.parquet")[["run_id", "carbon_price_scale"]]
    expected = series.merge(runs, on="run_id").groupby(["carbon_price_scale", "year"])
    expected_mean = expected["emissions_mt"].mean()
    got = bands.set_index(["carbon_price_scale", "year"])["mean"]
    np.testing.assert_allclose(got, expected_mean.loc[got.index], rtol=1e-12)
    assert (bands["low"] <= bands["mean"]).all()
    assert (bands["mean"] <= bands["high"]).all()
    with pytest.raises(ValueError, match="unknown series column.*emissions_mt"):
        yearly_bands(small, "cumulative_emissions_mt")


# --- bad folders -------------------------------------------------------------------------------


def test_bad_folders_give_a_results_error(base, small, tmp_path):
    with pytest.raises(ResultsError, match="not a sweep output folder"):
        load_sweep(base / "results" / "notes")
    with pytest.raises(ResultsError, match="not a sweep output folder"):
        load_sweep(base / "results" / "half")
    with pytest.raises(ResultsError, match="no such folder"):
        load_sweep(tmp_path / "missing")

    broken = tmp_path / "broken"
    shutil.copytree(small, broken)
    part = sorted((broken / "runs.parquet").glob("part-*.parquet"))[0]
    part.write_bytes(b"this is not parquet")
    with pytest.raises(ResultsError, match=r"broken: cannot read runs\.parquet/") as err:
        load_sweep(broken)
    assert "\n" not in str(err.value)

    bad_json = tmp_path / "bad-json"
    shutil.copytree(small, bad_json)
    (bad_json / "sweep.json").write_text("{not json")
    with pytest.raises(ResultsError, match="unreadable sweep.json"):
        load_sweep(bad_json)

    empty = tmp_path / "empty"
    shutil.copytree(small, empty)
    for part in (empty / "runs.parquet").glob("part-*.parquet"):
        part.unlink()
    with pytest.raises(ResultsError, match="no finished runs yet"):
        load_sweep(empty)
