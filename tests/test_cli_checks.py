"""The command line checks everything it can before it computes (issue 17).

Bad input gives one line, status 2, nothing written and nothing run: output folders, seeds,
scenario-specific bounds, memory. Statistics stay inside the outcomes' ranges, and sensitivity
designs too small or outcomes without variance are said so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from industry_transition import TransitionModel
from industry_transition.experiments import checks
from industry_transition.experiments.analysis import bounded_interval, sensitivity, summarize
from industry_transition.experiments.checks import (
    SEED_LIMIT,
    MemoryCheckError,
    OutputError,
    check_memory,
    estimate_memory_bytes,
    prepare_folder,
)
from industry_transition.experiments.cli import app
from industry_transition.experiments.run import run
from industry_transition.experiments.spec import SpecError, parse_spec
from industry_transition.experiments.sweep import sweep
from industry_transition.model.parameters import ParameterError
from industry_transition.model.scenario import ScenarioError, load_scenario
from industry_transition.visualization.session import MAX_SEED

RUNNER = CliRunner()
NOT_WRITABLE = "/proc/industry-transition-test"  # not writable even for root


def refused(args: list[str], needle: str) -> str:
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert needle in lines[0], lines[0]
    return lines[0]


# --- output folders ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("out", "needle"),
    [
        ("{file}", "is an existing file"),
        ("{file}/sub", "is a file, so no folder can be made here"),
        (NOT_WRITABLE, "cannot be written"),
    ],
)
def test_run_refuses_an_unusable_output_folder_before_running(out, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("not a folder")
    calls = []
    monkeypatch.setattr("industry_transition.experiments.cli.run", lambda *a, **k: calls.append(1))
    refused(["run", "--out", out.format(file=tmp_path / "taken")], needle)
    assert calls == []  # the model never ran
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # nothing written


def test_the_default_output_folder_is_named_in_the_readme_and_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = RUNNER.invoke(app, ["run", "--scenario", "teaching", "--seed", "3", "--steps", "2"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "results" / "teaching-seed3"
    assert {p.name for p in folder.iterdir()} >= {"series.parquet", "technologies.parquet"}
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "results/<scenario>-seed<seed>/" in readme


def test_sweep_and_summarize_refuse_unwritable_outputs_before_computing(tmp_path):
    (tmp_path / "taken").write_text("")
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'scenario = "teaching"\nsteps = 2\nreplications = 1\n[grid]\nbroker = [true, false]\n'
    )
    refused(["sweep", str(spec), "--out", str(tmp_path / "taken")], "is an existing file")
    refused(["sweep", str(spec), "--out", NOT_WRITABLE], "cannot be written")
    done = tmp_path / "done"
    assert RUNNER.invoke(app, ["sweep", str(spec), "--out", str(done)]).exit_code == 0
    refused(["summarize", str(done), "--csv", f"{NOT_WRITABLE}/s.csv"], "--csv")
    refused(["summarize", str(done), "--plot", "--png", f"{NOT_WRITABLE}/s.png"], "--png")
    assert not (done / "summary.csv").exists()  # refused before writing anything
    flat = tmp_path / "flat.toml"
    flat.write_text('scenario = "teaching"\nsteps = 2\nreplications = 1\n')
    assert RUNNER.invoke(app, ["sweep", str(flat), "--out", str(tmp_path / "f")]).exit_code == 0
    refused(["summarize", str(tmp_path / "f"), "--plot"], "nothing is varied")
    elsewhere = tmp_path / "elsewhere.png"
    result = RUNNER.invoke(
        app, ["summarize", str(done), "--csv", str(tmp_path / "s.csv"), "--png", str(elsewhere)]
    )
    assert result.exit_code == 0, result.output
    assert elsewhere.read_bytes()[:4] == b"\x89PNG"


def test_prepare_folder_creates_nested_folders_and_refuses_files(tmp_path):
    assert prepare_folder(tmp_path / "a" / "b").is_dir()
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputError, match="existing file"):
        prepare_folder(tmp_path / "f")


# --- seeds ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [-5, SEED_LIMIT, 10**23])
def test_seeds_outside_0_to_2_63_are_refused_everywhere(seed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(["run", "--seed", str(seed)], "give a whole number from 0 to 2^63 - 1")
    assert not (tmp_path / "results").exists()
    with pytest.raises(ParameterError, match="2\\^63"):
        run("teaching", seed=seed)
    with pytest.raises(ParameterError, match="2\\^63"):
        TransitionModel("teaching", seed=seed)
    with pytest.raises(SpecError, match="seed"):
        parse_spec({"scenario": "teaching", "seed": seed})


def test_the_largest_seed_works_and_the_app_allows_the_same_range():
    assert MAX_SEED == SEED_LIMIT - 1
    model = TransitionModel("teaching", seed=SEED_LIMIT - 1, snapshots=False)
    model.step()
    assert model.seed == SEED_LIMIT - 1
    with pytest.raises(ParameterError):
        TransitionModel("teaching", seed=1.5)  # type: ignore[arg-type]


# --- scenario-specific bounds and memory ---------------------------------------------------------
def test_a_club_game_of_one_country_is_refused_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(["run", "--scenario", "club-game", "--set", "countries=1"], "at least 2 countries")
    with pytest.raises(ScenarioError, match="at least 2 countries"):
        load_scenario("club-game", {"countries": 1})
    assert (
        RUNNER.invoke(app, ["run", "--scenario", "club-game", "--set", "countries=2"]).exit_code
        == 0
    )


def test_a_world_too_large_for_the_memory_is_refused_with_both_figures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(checks, "available_memory_bytes", lambda: 2 * 2**30)
    line = refused(
        ["run", "--scenario", "synthetic", "--set", "companies=10000000"], "GiB is available"
    )
    assert "needs about" in line
    assert "--force" in line
    assert not (tmp_path / "results").exists()
    # the estimate grows with the world and --force skips the check
    small = load_scenario("synthetic", {"companies": 1000}, generate=False)
    large = load_scenario("synthetic", {"companies": 100_000}, generate=False)
    assert estimate_memory_bytes(large) > 10 * (estimate_memory_bytes(small) - checks.BASE_BYTES)
    with pytest.raises(MemoryCheckError):
        check_memory(load_scenario("synthetic", {"companies": 10**6}, generate=False))
    check_memory(load_scenario("synthetic", {"companies": 10**6}, generate=False), force=True)
    # a sweep counts one world per worker
    with pytest.raises(MemoryCheckError, match="for 2 runs at once"):
        check_memory(
            load_scenario("synthetic", {"companies": 250_000}, generate=False), runs_at_once=2
        )


def test_the_memory_estimate_is_not_below_a_measured_run():
    """The estimate for 100,000 companies covers its measured peak (729 MiB, 3 years)."""
    scenario = load_scenario("synthetic", {"companies": 100_000}, generate=False)
    assert estimate_memory_bytes(scenario) >= 700 * 2**20


def test_run_reports_every_year_to_a_progress_callback():
    years: list[int] = []
    run("teaching", seed=1, steps=3, on_year=years.append)
    assert years == [2024, 2025, 2026]


# --- statistics ----------------------------------------------------------------------------------
def test_a_share_interval_stays_in_0_1_where_the_t_interval_would_not():
    values = np.array([0.0, 0.0, 0.0, 0.9])  # t-interval: about -0.49 to 0.94
    mean, _, low, high, method = bounded_interval(values, (0.0, 1.0))
    assert method == "bootstrap"
    assert 0.0 <= low <= mean <= high <= 1.0
    # far from the bounds the t-interval stands
    assert bounded_interval(np.array([0.4, 0.5, 0.6]), (0.0, 1.0))[4] == "t"
    assert bounded_interval(np.array([0.4]), (0.0, 1.0))[4] == "none"


def test_summarize_keeps_the_lower_income_share_inside_0_1(tmp_path):
    spec = {
        "scenario": "teaching",
        "steps": 12,
        "replications": 4,
        "seed": 2,
        "grid": {"donor_finance_scale": [0.5, 1.0, 3.0]},
    }
    sweep(spec, out=tmp_path / "s", workers=1, progress=False)
    table = summarize(tmp_path / "s")
    share = "finance_to_lower_income_share"
    assert (table[f"{share}_ci_low"] >= 0).all()
    assert (table[f"{share}_ci_high"] <= 1).all()
    assert set(table[f"{share}_ci_method"]) <= {"t", "bootstrap"}


def test_sensitivity_says_when_the_design_is_too_small_or_an_index_undefined(tmp_path):
    spec = {
        "scenario": "teaching",
        "steps": 8,
        "replications": 1,
        "seed": 5,
        "outcomes": ["cumulative_emissions_mt", "emissions_2050_mt"],
        "sample": {
            "method": "sobol",
            "n": 4,
            "ranges": {"carbon_price_scale": [0.0, 3.0], "club_benefit": [1.0, 9.0]},
        },
    }
    sweep(spec, out=tmp_path / "sob", workers=1, progress=False)
    with _no_warnings():
        indices = sensitivity(tmp_path / "sob")
    notes = indices.groupby("outcome")["note"].first()
    assert "far below the 512" in notes["cumulative_emissions_mt"]
    assert "indices undefined" in notes["emissions_2050_mt"]
    assert indices.loc[indices["outcome"] == "emissions_2050_mt", "S1"].isna().all()


class _no_warnings:
    """Fail if any warning escapes (SALib's are caught and turned into notes)."""

    def __enter__(self) -> None:
        import warnings

        self._context = warnings.catch_warnings(record=True)
        self._caught = self._context.__enter__()
        warnings.simplefilter("always")

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)
        assert not self._caught, [str(w.message) for w in self._caught]


# --- errors that say where, and conveniences ------------------------------------------------------
def test_a_bad_design_table_cell_names_the_file_and_its_row(tmp_path):
    (tmp_path / "design.csv").write_text("carbon_price_scale\n1.0\n99.0\n")
    (tmp_path / "spec.toml").write_text('scenario = "teaching"\nsteps = 2\ntable = "design.csv"\n')
    line = refused(["sweep", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "o")], "row 2")
    assert "design.csv" in line
    assert "line 3" in line


def test_a_variant_with_a_bad_extends_names_the_variant(tmp_path):
    variant = tmp_path / "mine.toml"
    variant.write_text('extends = "leadt"\nname = "mine"\n')
    with pytest.raises(ScenarioError, match='mine.toml: extends = "leadt"'):
        load_scenario(variant)


def test_version_and_scenarios_with_one_line_each():
    result = RUNNER.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("industry-transition ")
    listing = RUNNER.invoke(app, ["scenarios"]).output.splitlines()
    names = [line.split()[0] for line in listing]
    assert names == ["club-game", "leadit", "leadit-2019", "synthetic", "teaching"]
    assert all(len(line.split()) > 3 for line in listing)  # a description on each line
