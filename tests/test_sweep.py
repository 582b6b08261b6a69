"""Sweeps: seeds, engines, resume after SIGKILL, failure capture, summaries, sensitivity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from industry_transition.experiments import sweep as sweep_module
from industry_transition.experiments.analysis import sensitivity, summarize
from industry_transition.experiments.cli import app
from industry_transition.experiments.design import (
    lever_labels,
    run_plan,
    run_seed,
    settings_table,
)
from industry_transition.experiments.outcomes import run_outcomes
from industry_transition.experiments.spec import (
    OUTCOMES,
    SpecError,
    check_settings,
    load_spec,
    parse_spec,
)
from industry_transition.experiments.sweep import read_table, sweep

SMALL = {
    "scenario": "teaching",
    "steps": 3,
    "replications": 2,
    "seed": 11,
    "grid": {"carbon_price_scale": [0.5, 2.0]},
}


def content(out: Path, table: str) -> pd.DataFrame:
    frame = read_table(out, table)
    return frame.drop(columns=[c for c in ("duration_s",) if c in frame.columns])


def test_seeds_depend_only_on_position_and_root():
    spec = parse_spec({**SMALL, "replications": 3})
    more = parse_spec({**SMALL, "replications": 5})
    few = run_plan(spec, settings_table(spec)).set_index("run_id")["seed"]
    many = run_plan(more, settings_table(more)).set_index("run_id")["seed"]
    assert (many.loc[few.index] == few).all()  # adding replications changes no seed
    # common random numbers: replication r has one seed whatever the setting
    plan = run_plan(more, settings_table(more))
    assert plan.groupby("replication")["seed"].nunique().eq(1).all()
    assert plan.groupby("setting")["seed"].nunique().eq(5).all()
    independent = parse_spec({**SMALL, "common_random_numbers": False})
    assert run_plan(independent, settings_table(independent))["seed"].is_unique
    assert run_seed(11, 0, 0) != run_seed(12, 0, 0)
    assert 0 <= run_seed(11, 3, 4) < 2**63


def test_one_worker_two_workers_and_dask_give_identical_results(tmp_path):
    serial = sweep(SMALL, out=tmp_path / "one", workers=1, progress=False)
    sweep(SMALL, out=tmp_path / "two", workers=2, progress=False)
    sweep(SMALL, out=tmp_path / "dask", workers=2, engine="dask", progress=False)
    assert (serial["status"] == "ok").all()
    assert len(serial) == 4
    for other in ("two", "dask"):
        for table in ("runs", "series"):
            pd.testing.assert_frame_equal(
                content(tmp_path / "one", table), content(tmp_path / other, table)
            )
    # the series of a run is exactly what run() gives for its seed
    first = serial.iloc[0]
    direct = run_outcomes(
        "teaching",
        seed=int(first["seed"]),
        steps=3,
        carbon_price_scale=float(first["carbon_price_scale"]),
    )
    assert direct["cumulative_emissions_mt"] == pytest.approx(
        first["cumulative_emissions_mt"], rel=1e-12
    )


def test_a_rerun_skips_finished_runs_and_more_replications_extend(tmp_path):
    out = tmp_path / "s"
    sweep(SMALL, out=out, workers=1, progress=False)
    before = content(out, "series")
    again = sweep(SMALL, out=out, workers=1, progress=False)
    assert len(again) == 4
    pd.testing.assert_frame_equal(before, content(out, "series"))
    # more replications extend the same sweep and leave the finished runs as they were
    extended = sweep({**SMALL, "replications": 3}, out=out, workers=1, progress=False)
    assert len(extended) == 6
    kept = content(out, "series")
    pd.testing.assert_frame_equal(
        kept[kept["run_id"].isin(before["run_id"])].reset_index(drop=True), before
    )
    with pytest.raises(SpecError, match="different sweep"):
        sweep({**SMALL, "steps": 4}, out=out, workers=1, progress=False)


def test_changed_inputs_are_refused_on_resume(tmp_path):
    (tmp_path / "design.csv").write_text("carbon_price_scale\n0.5\n")
    spec = {"scenario": "teaching", "steps": 2, "table": "design.csv"}
    sweep(spec, out=tmp_path / "o", workers=1, progress=False, folder=tmp_path)
    (tmp_path / "design.csv").write_text("carbon_price_scale\n0.7\n")
    with pytest.raises(SpecError, match="other inputs"):
        sweep(spec, out=tmp_path / "o", workers=1, progress=False, folder=tmp_path)


def test_failed_runs_are_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    real_run = sweep_module.run

    def flaky(scenario, *, seed, steps=None, **overrides):
        if overrides.get("carbon_price_scale") == 2.0:
            raise RuntimeError("model blew up")
        return real_run(scenario, seed=seed, steps=steps, **overrides)

    monkeypatch.setattr(sweep_module, "run", flaky)
    runs = sweep(SMALL, out=tmp_path / "f", workers=1, progress=False)
    failed = runs[runs["status"] == "failed"]
    assert len(failed) == 2
    assert (failed["carbon_price_scale"] == 2.0).all()
    assert failed["error"].str.contains("RuntimeError: model blew up").all()
    assert failed["error"].str.contains("Traceback").all()
    assert (runs.loc[runs["status"] == "ok", "carbon_price_scale"] == 0.5).all()
    series = read_table(tmp_path / "f", "series")
    assert set(series["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])
    # once the cause is fixed, --retry-failed runs just the failed ones again
    monkeypatch.setattr(sweep_module, "run", real_run)
    retried = sweep(SMALL, out=tmp_path / "f", workers=1, progress=False, retry_failed=True)
    assert (retried["status"] == "ok").all()
    assert len(retried) == 4
    assert set(read_table(tmp_path / "f", "series")["run_id"]) == set(retried["run_id"])
    monkeypatch.setattr(sweep_module, "run", flaky)
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(spec_file(tmp_path)),
            "--out",
            str(tmp_path / "cli"),
            "--workers",
            "1",
            "--no-progress",
        ],
    )
    assert result.exit_code == 1
    assert "2 runs failed" in result.stderr


def spec_file(tmp_path: Path, **changes) -> Path:
    spec = {**SMALL, **changes}
    lines = [
        f'scenario = "{spec["scenario"]}"',
        f"steps = {spec['steps']}",
        f"replications = {spec['replications']}",
        f"seed = {spec['seed']}",
    ]
    if "chunk_size" in spec:
        lines.append(f"chunk_size = {spec['chunk_size']}")
    lines += ["[grid]", "carbon_price_scale = [0.5, 2.0]"]
    path = tmp_path / "spec.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_sigkill_mid_sweep_loses_only_runs_in_flight_and_a_rerun_completes(tmp_path):
    spec = spec_file(tmp_path, steps=12, replications=6, chunk_size=1)
    out = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "industry_transition",
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--workers",
        "1",
        "--no-progress",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    runs_dir = out / "runs.parquet"
    while time.time() < deadline:
        if runs_dir.is_dir() and len(list(runs_dir.glob("part-*.parquet"))) >= 3:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished = read_table(out, "runs")
    assert 3 <= len(finished) < 12  # killed mid-way
    assert finished["run_id"].is_unique
    # every part left behind is readable; rerunning finishes the sweep without duplicates
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    runs = read_table(out, "runs")
    assert len(runs) == 12
    assert runs["run_id"].is_unique
    series = read_table(out, "series")
    assert len(series) == 12 * 12
    assert not series.duplicated(["run_id", "year"]).any()
    clean = sweep(
        parse_spec({**SMALL, "steps": 12, "replications": 6, "chunk_size": 1}),
        out=tmp_path / "clean",
        workers=1,
        progress=False,
    )
    assert len(clean) == 12
    pd.testing.assert_frame_equal(content(out, "series"), content(tmp_path / "clean", "series"))


def test_summary_gives_mean_sd_and_t_interval(tmp_path):
    out = tmp_path / "sum"
    runs = sweep({**SMALL, "replications": 4}, out=out, workers=1, progress=False)
    table = summarize(out)
    assert list(table["carbon_price_scale"]) == [0.5, 2.0]
    for _, row in table.iterrows():
        values = runs.loc[
            runs["carbon_price_scale"] == row["carbon_price_scale"], "cumulative_emissions_mt"
        ].to_numpy()
        mean, sd = values.mean(), values.std(ddof=1)
        half = stats.t.ppf(0.975, len(values) - 1) * sd / np.sqrt(len(values))
        assert row["cumulative_emissions_mt_mean"] == pytest.approx(mean)
        assert row["cumulative_emissions_mt_sd"] == pytest.approx(sd)
        assert row["cumulative_emissions_mt_ci_low"] == pytest.approx(mean - half)
        assert row["cumulative_emissions_mt_ci_high"] == pytest.approx(mean + half)
        assert row["runs_ok"] == 4
    result = CliRunner().invoke(app, ["summarize", str(out), "--plot"])
    assert result.exit_code == 0, result.output
    assert (out / "summary.csv").is_file()
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


LEVERS = {
    "scenario": "teaching",
    "steps": 20,  # long enough for the price lever to move every seed both ways
    "replications": 3,
    "seed": 4,
    "outcomes": ["cumulative_emissions_mt", "finance_delivered_musd"],
    "levers": {"carbon_price_scale": [1.0, 3.0, 0.0], "enforcement": ["none"]},
}


def test_levers_design_moves_one_lever_at_a_time_from_the_defaults():
    spec = parse_spec(LEVERS)
    settings = settings_table(spec)
    # the defaults first; the listed default value (1.0) is not repeated
    assert settings.to_dict(orient="records") == [
        {"carbon_price_scale": 1.0, "enforcement": "reputational"},
        {"carbon_price_scale": 3.0, "enforcement": "reputational"},
        {"carbon_price_scale": 0.0, "enforcement": "reputational"},
        {"carbon_price_scale": 1.0, "enforcement": "none"},
    ]
    assert lever_labels(settings) == [
        "defaults",
        "carbon_price_scale = 3.0",
        "carbon_price_scale = 0.0",
        "enforcement = none",
    ]
    # fixed values are part of the defaults
    fixed = settings_table(parse_spec({**LEVERS, "fixed": {"broker": False}}))
    assert len(fixed) == 4


def test_levers_summary_gives_each_settings_paired_difference_from_the_defaults(tmp_path):
    out = tmp_path / "levers"
    runs = sweep(LEVERS, out=out, workers=1, progress=False)
    table = summarize(out).set_index("setting")
    assert list(table["lever"]) == [
        "defaults",
        "carbon_price_scale = 3.0",
        "carbon_price_scale = 0.0",
        "enforcement = none",
    ]
    by = runs.set_index(["setting", "replication"])["cumulative_emissions_mt"]
    for setting in table.index:
        differences = (by.loc[setting] - by.loc[0]).to_numpy()
        mean = differences.mean()
        half = stats.t.ppf(0.975, 2) * differences.std(ddof=1) / np.sqrt(3)
        row = table.loc[setting]
        assert row["cumulative_emissions_mt_diff_mean"] == pytest.approx(mean)
        assert row["cumulative_emissions_mt_diff_ci_low"] == pytest.approx(mean - half)
        assert row["cumulative_emissions_mt_diff_ci_high"] == pytest.approx(mean + half)
    # the defaults against themselves: exactly nothing; the carbon price lever has its sign
    assert table.at[0, "cumulative_emissions_mt_diff_mean"] == 0.0
    assert table.at[1, "cumulative_emissions_mt_diff_ci_high"] < 0
    assert table.at[2, "cumulative_emissions_mt_diff_ci_low"] > 0
    result = CliRunner().invoke(app, ["summarize", str(out)])
    assert result.exit_code == 0, result.output
    assert "vs defaults" in result.output
    assert "enforcement = none" in result.output


def test_sobol_indices_find_the_parameter_that_matters_and_the_one_that_cannot(tmp_path):
    spec = {
        "scenario": "teaching",
        "steps": 8,  # teaching's plants switch for a higher carbon price from the sixth year
        "replications": 1,
        "seed": 5,
        "outcomes": ["cumulative_emissions_mt"],
        "sample": {
            "method": "sobol",
            "n": 8,
            "ranges": {"carbon_price_scale": [0.0, 3.0], "club_benefit": [1.0, 9.0]},
        },
    }
    sweep(spec, out=tmp_path / "sobol", workers=1, progress=False)
    indices = sensitivity(tmp_path / "sobol").set_index("parameter")
    # club_benefit only matters in the club game: its effect is exactly nil here
    assert indices.at["club_benefit", "ST"] == pytest.approx(0.0, abs=1e-12)
    assert indices.at["club_benefit", "S1"] == pytest.approx(0.0, abs=1e-12)
    assert indices.at["carbon_price_scale", "ST"] > 0.5
    assert np.isfinite(indices["ST_conf"]).all()


def test_morris_screening_runs_and_ranks(tmp_path):
    spec = {
        "scenario": "teaching",
        "steps": 8,
        "replications": 1,
        "seed": 5,
        "outcomes": ["cumulative_emissions_mt"],
        "sample": {
            "method": "morris",
            "n": 4,
            "levels": 4,
            "ranges": {"carbon_price_scale": [0.0, 3.0], "club_cost": [1.0, 9.0]},
        },
    }
    sweep(spec, out=tmp_path / "morris", workers=1, progress=False)
    indices = sensitivity(tmp_path / "morris").set_index("parameter")
    assert indices.at["club_cost", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert indices.at["carbon_price_scale", "mu_star"] > 0


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({**SMALL, "replication": 2}, "did you mean 'replications'"),
        ({**SMALL, "grid": {"carbon_price_scal": [1.0]}}, "did you mean 'carbon_price_scale'"),
        ({**SMALL, "sample": {"method": "lhs", "n": 4, "ranges": {"broker": [0, 1]}}}, "not"),
        ({**SMALL, "outcomes": ["happiness"]}, "unknown outcome 'happiness'"),
        ({**LEVERS, "grid": {"broker": [True]}}, "one design, not grid and levers"),
        ({**LEVERS, "common_random_numbers": False}, "needs common_random_numbers"),
        ({**LEVERS, "levers": {"carbon_price": [2.0]}}, "did you mean 'carbon_price_scale'"),
        ({**LEVERS, "levers": {}}, "at least one lever"),
        ({**LEVERS, "levers": {"broker": []}}, "lever 'broker' has no values"),
        ({**LEVERS, "fixed": {"enforcement": "none"}}, "both fixed and a lever"),
    ],
)
def test_bad_specs_are_refused_before_anything_runs(raw, needle, tmp_path):
    with pytest.raises(SpecError, match=needle):
        sweep(raw, out=tmp_path / "never", workers=1, progress=False)
    assert not (tmp_path / "never").exists()


def test_out_of_range_grid_value_names_the_parameter_and_range(tmp_path):
    with pytest.raises(SpecError, match=r"carbon_price_scale.*allowed: 0.0 to 10.0"):
        sweep(
            {**SMALL, "grid": {"carbon_price_scale": [1.0, 99.0]}},
            out=tmp_path / "x",
            workers=1,
            progress=False,
        )


def test_explicit_design_table_from_another_tool(tmp_path):
    (tmp_path / "design.csv").write_text("carbon_price_scale,broker\n0.5,true\n1.5,false\n")
    (tmp_path / "spec.toml").write_text('scenario = "teaching"\nsteps = 2\ntable = "design.csv"\n')
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(tmp_path / "spec.toml"),
            "--out",
            str(tmp_path / "t"),
            "--workers",
            "1",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    runs = read_table(tmp_path / "t", "runs")
    assert list(runs["carbon_price_scale"]) == [0.5, 1.5]
    assert list(runs["broker"]) == [True, False]


def test_run_outcomes_is_a_plain_model_function():
    outcomes = run_outcomes(scenario="teaching", seed=3, steps=7, carbon_price_scale=1.5)
    assert set(outcomes) == set(OUTCOMES)
    assert np.isnan(outcomes["emissions_2050_mt"])  # 2030 is not reached in 7 years
    assert outcomes["cumulative_emissions_mt"] > 0


def test_transition_model_works_with_mesa_batch_run():
    import mesa

    from industry_transition import TransitionModel

    results = mesa.batch_run(
        TransitionModel,
        parameters={"scenario": "teaching", "carbon_price_scale": [1.0, 2.0]},
        rng=[1, 2],
        max_steps=4,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert set(frame["carbon_price_scale"]) == {1.0, 2.0}
    assert {"emissions_mt", "year", "finance_delivered_musd"} <= set(frame.columns)
    assert len(frame) == 2 * 2 * 4  # settings x seeds x collected years
    assert sorted(set(frame["year"])) == [2024, 2025, 2026, 2027]


def which_process(i: int, driver: int, marker: str) -> tuple[int, int]:
    """A task for run_tasks: say which process ran it; the driver's tasks wait for the pool's."""
    if i < 0:
        raise ValueError(f"task {i} failed")
    if os.getpid() != driver:
        Path(marker).touch()
    deadline = time.time() + 120
    while not Path(marker).exists() and time.time() < deadline:
        time.sleep(0.01)
    return i, os.getpid()


def test_the_sweep_process_and_its_pool_share_the_tasks(tmp_path):
    from industry_transition.experiments.engines import run_tasks

    marker = str(tmp_path / "pool-ran-a-task")
    tasks = [(i, os.getpid(), marker) for i in range(6)]
    results = list(run_tasks(which_process, tasks, workers=2))
    assert sorted(i for i, _ in results) == list(range(6))
    pids = {pid for _, pid in results}
    assert os.getpid() in pids  # this process ran tasks (while the pool started)
    assert len(pids) == 2  # and a pool process ran others
    # an error in any task stops the sweep and is raised here
    failing = [(i, os.getpid(), marker) for i in (0, -1, 2, 3)]
    with pytest.raises(ValueError, match="task -1 failed"):
        list(run_tasks(which_process, failing, workers=2))


FORKED_SWEEP = """
import json, os, sys
from industry_transition.experiments import engines
from industry_transition.experiments.sweep import sweep
used = []
original = engines._forked_pool
def spy(context, size):
    used.append(context.get_start_method())
    return original(context, size)
engines._forked_pool = spy
spec = json.loads(sys.argv[1])
# progress=True: the bar's monitor thread must start after the pool has been forked
table = sweep(spec, out=sys.argv[2], workers=2, progress=True)
print(json.dumps({"used": used, "ok": bool((table["status"] == "ok").all())}))
"""


def test_a_sweep_in_a_plain_process_forks_its_pool_and_gives_the_same_results(tmp_path):
    """Without other threads the pool is forked from the sweep's process (not the forkserver)."""
    import json

    spec = {**SMALL, "replications": 3, "chunk_size": 1}
    done = subprocess.run(
        [sys.executable, "-c", FORKED_SWEEP, json.dumps(spec), str(tmp_path / "forked")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"used": ["fork"], "ok": True}
    sweep(spec, out=tmp_path / "serial", workers=1, progress=False)
    for table in ("runs", "series"):
        pd.testing.assert_frame_equal(
            content(tmp_path / "serial", table), content(tmp_path / "forked", table)
        )
    # this test process runs other threads (the test runner's), so it keeps the forkserver
    import threading

    from industry_transition.experiments.engines import fork_context

    if threading.active_count() > 1:
        assert fork_context() is None


KILLED_DRIVER = """
import sys, threading, time
from industry_transition.experiments.sweep import sweep
if __name__ == "__main__":
    if sys.argv[2] == "forkserver":  # another thread: the pool comes from the forkserver
        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
    spec = {"scenario": "teaching", "steps": 27, "replications": 30, "seed": 5, "chunk_size": 1,
            "grid": {"carbon_price_scale": [0.5, 1.0]}}
    sweep(spec, out=sys.argv[1], workers=2, progress=False)
"""


def descendants(pid: int) -> set[int]:
    """A process's descendants, from /proc/<pid>/task/*/children."""
    found: set[int] = set()
    stack = [pid]
    while stack:
        for task in Path(f"/proc/{stack.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            stack.extend(children)
            found.update(children)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_pool_processes_end_when_the_sweep_process_is_killed(tmp_path, start):
    """SIGKILL of the sweep's process leaves no pool process (nor forkserver) waiting for ever."""
    script = tmp_path / "driver.py"  # forkserver children re-import the main script
    script.write_text(KILLED_DRIVER)
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, str(script), str(out), start])
    deadline = time.time() + 120
    pool: set[int] = set()
    while time.time() < deadline and process.poll() is None:
        pool = descendants(process.pid)
        parts = list((out / "runs.parquet").glob("part-*.parquet"))
        # fork: the pool process; forkserver: the resource tracker, forkserver and its child
        if len(parts) >= 2 and len(pool) >= (1 if start == "fork" else 3):
            break
        time.sleep(0.05)
    assert process.poll() is None, "the sweep finished before it could be killed"
    assert pool, "no pool process was started"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(running(p) for p in pool):
        time.sleep(0.1)
    assert not [p for p in pool if running(p)]
    assert len(read_table(out, "runs")) < 60  # killed mid-way, and what was written is readable


@pytest.mark.parametrize("path", sorted(Path(__file__).parent.parent.glob("examples/*.toml")))
def test_the_example_specs_are_valid(path):
    spec, folder = load_spec(path)
    settings = settings_table(spec, folder)
    check_settings(spec, settings, origin=str(path))
    assert len(settings) >= 1
