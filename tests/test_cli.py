"""The command line: outputs, summary, and one clear error line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from industry_transition.experiments.cli import app

runner = CliRunner()


def test_run_writes_tables_and_prints_summary(tmp_path):
    out = tmp_path / "r"
    result = runner.invoke(
        app,
        [
            "run",
            "--scenario",
            "teaching",
            "--seed",
            "3",
            "--steps",
            "6",
            "--set",
            "carbon_price_scale=1.5",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("series", "events", "partnerships", "agents", "technologies"):
        frame = pd.read_parquet(out / f"{name}.parquet")
        assert not frame.empty, name
    series = pd.read_parquet(out / "series.parquet")
    assert list(series["year"]) == list(range(2024, 2030))
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == 3
    assert meta["parameters"]["carbon_price_scale"] == 1.5
    assert len(meta["config_hash"]) == 64
    assert "emissions, MtCO2/yr" in result.output
    assert "partnerships formed" in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scenario", "teachin"], "did you mean 'teaching'"),
        (["--set", "carbon_price_scal=2"], "did you mean 'carbon_price_scale'"),
        (["--set", "carbon_price_scale=-1"], "allowed: 0.0 to 10.0"),
        (["--set", "rounds_per_year=many"], "rounds_per_year"),
        (["--set", "enforcement=maybe"], "'binding', 'reputational' or 'none'"),
        (["--set", "novalue"], "expected key=value"),
        (["--scenario", "missing/file.toml"], "scenario file not found"),
    ],
)
def test_bad_input_exits_nonzero_with_one_clear_message(args, needle, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert needle in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()  # nothing written


def test_real_process_prints_no_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "industry_transition",
            "run",
            "--set",
            "broker=perhaps",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "broker" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


def test_params_lists_every_parameter_with_units():
    from industry_transition.model.parameters import Parameters

    result = runner.invoke(app, ["params"])
    assert result.exit_code == 0
    for name in Parameters.field_names():
        assert name in result.output
    assert "USD/tCO2" in result.output
