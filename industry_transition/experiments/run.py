"""``run()``: one simulation as a pure function of scenario, seed and parameters."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd

from industry_transition.model.parameters import check_seed
from industry_transition.model.scenario import Scenario, load_scenario
from industry_transition.model.transition_model import TransitionModel

TABLES = ("series", "events", "partnerships", "agents", "technologies")
PACKAGES = ("industry-transition", "mesa", "networkx", "numpy", "pandas", "pyarrow", "pydantic")


@dataclass
class RunResult:
    """Everything one run produced: tidy tables plus provenance."""

    series: pd.DataFrame
    events: pd.DataFrame
    partnerships: pd.DataFrame
    agents: pd.DataFrame
    technologies: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    def write(self, out: str | Path) -> Path:
        """Write Parquet tables and ``run.json`` into the folder ``out`` (created if needed)."""
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            getattr(self, name).to_parquet(folder / f"{name}.parquet", index=False)
        (folder / "run.json").write_text(json.dumps(self.metadata, indent=2, default=str) + "\n")
        return folder


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that determine a run's results.

    Read once per process (the code a process runs does not change while it runs).
    """
    return dict(_package_versions())


@functools.cache
def _package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def config_hash(scenario: Scenario, seed: int) -> str:
    """SHA-256 over the parameters, the data tables' bytes and the seed."""
    payload = json.dumps(
        {"parameters": scenario.parameters.model_dump(), "data": scenario.data_hash, "seed": seed},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def run(
    scenario: str | Path = "teaching",
    *,
    seed: int,
    steps: int | None = None,
    snapshots: bool = True,
    partnerships: bool = True,
    events: bool = True,
    on_year: Callable[[int], None] | None = None,
    **overrides: Any,
) -> RunResult:
    """Run one simulation and return its tables.

    Args:
        scenario: shipped scenario name or path to a scenario TOML.
        seed: the seed that determines the run exactly.
        steps: years to simulate (default: start_year to end_year).
        snapshots: build the yearly ``agents`` and ``technologies`` tables (False leaves them
            empty and saves time in sweeps, which store only series and events).
        partnerships: build the ``partnerships`` table (False leaves it empty; sweeps).
        events: build the ``events`` table from the event log (False leaves it empty; sweeps
            that do not store events). The model logs events either way.
        on_year: called with the year just simulated after each step (progress bars).
        **overrides: parameter values; unknown names raise an error naming the parameter.
    """
    started = time.perf_counter()
    seed = check_seed(seed)  # NumPy integers (e.g. from EMA Workbench) are welcome too
    spec = load_scenario(scenario, overrides)
    model = TransitionModel(spec, seed=seed, snapshots=snapshots)
    total = spec.parameters.end_year - spec.parameters.start_year + 1
    years = total if steps is None else min(int(steps), total)
    for _ in range(years):
        model.step()
        if on_year is not None:
            on_year(model.year - 1)
    return result_from_model(
        model,
        spec,
        seed=seed,
        overrides=overrides,
        runtime_seconds=time.perf_counter() - started,
        partnerships=partnerships,
        events=events,
    )


def result_from_model(
    model: TransitionModel,
    spec: Scenario,
    *,
    seed: int,
    overrides: dict[str, Any],
    runtime_seconds: float,
    partnerships: bool = True,
    events: bool = True,
) -> RunResult:
    """The tables and provenance of a model stepped so far (also used by the app's downloads).

    ``partnerships=False`` leaves the partnership table empty, ``events=False`` the events.
    """
    metadata = {
        "scenario": spec.name,
        "scenario_path": str(spec.path),
        "seed": seed,
        "steps": model.year - spec.parameters.start_year,
        "parameters": spec.parameters.model_dump(),
        "overrides": dict(overrides),
        "config_hash": config_hash(spec, seed),
        "data_hash": spec.data_hash,
        "versions": package_versions(),
        "runtime_seconds": round(runtime_seconds, 4),
    }
    return RunResult(
        series=model.series(),
        events=model.events.to_frame() if events else pd.DataFrame(),
        partnerships=model.partnership_table() if partnerships else pd.DataFrame(),
        agents=model.agent_snapshots(),
        technologies=model.technology_series(),
        metadata=metadata,
    )
