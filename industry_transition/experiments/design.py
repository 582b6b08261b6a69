"""Experimental designs and run plans: which parameter sets, which replications, which seeds.

Seeds come from NumPy's ``SeedSequence`` with entropy = the root seed and the run's position as
``spawn_key``: ``(r,)`` for replication r with common random numbers (the default: every setting's
replication r sees the same world and shocks, so settings differ by their parameters, not by
noise), or ``(i, r)`` for setting i without. A run's seed never depends on worker count, engine or
order, and adding replications leaves existing runs unchanged.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from industry_transition.experiments.spec import SpecError, SweepSpec, check_name
from industry_transition.model.parameters import Parameters
from industry_transition.model.scenario import load_scenario


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem dict of a sampled design."""
    assert spec.sample is not None
    names = list(spec.sample.ranges)
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(spec.sample.ranges[n]) for n in names],
    }


def settings_table(spec: SweepSpec, folder: Path | None = None) -> pd.DataFrame:
    """One row per parameter set of the design (columns: the varied parameters)."""
    if spec.grid is not None:
        names = list(spec.grid)
        rows = list(itertools.product(*(spec.grid[n] for n in names)))
        return pd.DataFrame(rows, columns=names)
    if spec.levers is not None:
        return _levers(spec)
    if spec.sample is not None:
        return _sample(spec)
    if spec.table is not None:
        path = design_table_path(spec, folder)
        if not path.is_file():
            raise SpecError(f"design table not found: {path}")
        frame = pd.read_csv(path)
        for name in frame.columns:
            check_name(str(name), str(path), "table")
        return frame
    return pd.DataFrame([{}])  # replications of the scenario as it is


def design_table_path(spec: SweepSpec, folder: Path | None = None) -> Path:
    """The design table's path: relative paths are relative to the spec's folder."""
    assert spec.table is not None
    path = Path(spec.table)
    if not path.is_absolute() and folder is not None:
        path = folder / path
    return path


def _levers(spec: SweepSpec) -> pd.DataFrame:
    """One at a time: row 0 the defaults (scenario and ``fixed``), then one row per lever value.

    A listed value equal to the default is left out (it would repeat row 0).
    """
    assert spec.levers is not None
    defaults = {**load_scenario(spec.scenario).parameters.model_dump(), **spec.fixed}
    base = {name: defaults[name] for name in spec.levers}
    rows = [dict(base)]
    for name, values in spec.levers.items():
        rows.extend({**base, name: value} for value in values if value != base[name])
    return pd.DataFrame(rows)


def lever_labels(settings: pd.DataFrame) -> list[str]:
    """``name = value`` of the lever each row of a ``[levers]`` design moves (row 0: defaults)."""
    base = settings.iloc[0]
    labels = ["defaults"]
    for _, row in settings.iloc[1:].iterrows():
        moved = [name for name in settings.columns if row[name] != base[name]]
        labels.append(", ".join(f"{name} = {row[name]}" for name in moved))
    return labels


def _sample(spec: SweepSpec) -> pd.DataFrame:
    from SALib.sample import latin, morris, sobol

    assert spec.sample is not None
    problem = salib_problem(spec)
    sample = spec.sample
    if sample.method == "lhs":
        values = latin.sample(problem, sample.n, seed=spec.seed)
    elif sample.method == "sobol":
        values = sobol.sample(problem, sample.n, calc_second_order=False, seed=spec.seed)
    else:
        values = morris.sample(problem, sample.n, num_levels=sample.levels, seed=spec.seed)
    frame = pd.DataFrame(values, columns=problem["names"])
    for name in frame.columns:
        if Parameters.model_fields[name].annotation is int:
            frame[name] = frame[name].round().astype(int)
    return frame


def run_seed(root: int, setting: int | None, replication: int) -> int:
    """The seed of one run, from the root seed and its position (setting None: common seeds)."""
    key = (replication,) if setting is None else (setting, replication)
    state = np.random.SeedSequence(entropy=root, spawn_key=key).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1


def run_plan(spec: SweepSpec, settings: pd.DataFrame) -> pd.DataFrame:
    """Every run: run_id, setting, replication, seed and parameter values."""
    rows = []
    for setting, values in enumerate(settings.to_dict(orient="records")):
        for replication in range(spec.replications):
            rows.append(
                {
                    "run_id": f"s{setting:05d}-r{replication:04d}",
                    "setting": setting,
                    "replication": replication,
                    "seed": run_seed(
                        spec.seed, None if spec.common_random_numbers else setting, replication
                    ),
                    **spec.fixed,
                    **values,
                }
            )
    return pd.DataFrame(rows)
