"""Sweeps: many runs of one scenario over a design, in chunks, written as they finish.

Output folder layout (each ``*.parquet`` is a Parquet dataset folder, readable directly with
``pandas.read_parquet``, pyarrow or DuckDB ``read_parquet('out/series.parquet/*.parquet')``):

- ``runs.parquet/``: one row per run: run_id, setting, replication, seed, parameters, status
  (``ok``/``failed``), error (traceback), duration and outcomes;
- ``series.parquet/``: every run's yearly series with its run_id;
- ``events.parquet/``: every run's event log (when ``events=True``);
- ``sweep.json``: the spec, its digest, package versions, git revision, start and end times.

Each chunk of runs writes its own part file in each folder, through a hidden temporary file and
an atomic rename, series and events first and the runs part last: a chunk counts as finished only
once its runs part exists. A rerun on the same folder skips finished runs, deletes parts left by
a chunk that was killed before finishing, and runs the rest; a different spec is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from industry_transition.experiments import checks
from industry_transition.experiments.design import design_table_path, run_plan, settings_table
from industry_transition.experiments.engines import default_workers, process_alive, run_tasks
from industry_transition.experiments.outcomes import outcomes_from_series
from industry_transition.experiments.run import package_versions, run
from industry_transition.experiments.spec import (
    OUTCOMES,
    SpecError,
    SweepSpec,
    check_settings,
    parse_spec,
)
from industry_transition.model.scenario import load_scenario

TABLES = ("runs", "series", "events")
CHUNKS_PER_WORKER = 8  # see default_chunk_size


def sweep(
    spec: SweepSpec | Mapping[str, Any],
    *,
    out: str | Path,
    workers: int | None = None,
    engine: str = "process",
    scheduler: str | None = None,
    events: bool = False,
    progress: bool = True,
    folder: Path | None = None,
    retry_failed: bool = False,
    force: bool = False,
) -> pd.DataFrame:
    """Run (or resume) a sweep and return its runs table, one row per run.

    Args:
        spec: a :class:`SweepSpec` or a dict with the same keys as a spec file.
        out: output folder.
        workers: processes running chunks, this one included (default: the number of cores).
        engine: ``process`` or ``dask``.
        scheduler: address of an existing Dask scheduler (implies the dask engine).
        events: also write every run's event log.
        progress: show a progress bar.
        folder: where relative paths in the spec (a design table) are resolved.
        retry_failed: run again the runs recorded as failed (otherwise they count as done).
        force: run even if the largest world times the workers looks too large for the memory.
    """
    if not isinstance(spec, SweepSpec):
        spec = parse_spec(dict(spec))
    if folder is not None and spec.scenario.endswith(".toml"):
        relative = folder / spec.scenario
        if not Path(spec.scenario).is_absolute() and relative.is_file():
            spec = spec.model_copy(update={"scenario": str(relative.resolve())})
    out = Path(out)
    settings = settings_table(spec, folder)
    table = design_table_path(spec, folder) if spec.table is not None else None
    check_settings(spec, settings, origin="sweep spec", table=table)
    plan = run_plan(spec, settings)
    workers = workers or default_workers()
    check_sweep_memory(spec, settings, min(workers, len(plan)), force=force)
    checks.prepare_folder(out)
    manifest = prepare_folder(out, spec, inputs_digest(spec, settings))
    if retry_failed:
        forget_failed_runs(out)
    done = finished_run_ids(out)
    todo = plan[~plan["run_id"].isin(done)]
    chunk = spec.chunk_size or default_chunk_size(len(todo), workers)
    chunks = [todo.iloc[i : i + chunk] for i in range(0, len(todo), chunk)]
    failed = 0
    tasks = [
        (spec.scenario, spec.steps, rows.to_dict(orient="records"), str(out), events, os.getpid())
        for rows in chunks
    ]
    # the pool starts here, before the progress bar's thread (so that it can be forked)
    results = run_tasks(run_chunk, tasks, engine=engine, workers=workers, scheduler=scheduler)
    bar = tqdm(
        total=len(plan),
        initial=len(plan) - len(todo),
        unit="run",
        disable=not progress,
        desc="sweep",
    )
    for ok, bad in results:
        failed += bad
        bar.update(ok + bad)
        bar.set_postfix(failed=failed)
    bar.close()
    runs = read_table(out, "runs")
    manifest.update(
        finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        runs=len(runs),
        failed=int((runs["status"] == "failed").sum()) if len(runs) else 0,
    )
    write_json(out / "sweep.json", manifest)
    return runs


def default_chunk_size(runs: int, workers: int) -> int:
    """Runs per chunk: about 8 chunks per worker, at most 50 runs.

    Workers take chunks from one queue, so the size of the last chunks sets how unevenly they
    finish; each chunk also writes its part files and passes through the queue, which costs a
    few tens of milliseconds. (100 teaching runs on 2 workers: 8 and 16 chunks per worker were
    equally fast within the noise of benchmarks/sweep.py.)
    """
    return max(1, min(50, math.ceil(runs / (workers * CHUNKS_PER_WORKER))))


def inputs_digest(spec: SweepSpec, settings: pd.DataFrame) -> str:
    """Hash of what the runs read besides the spec: scenario data and the design itself."""
    scenario = load_scenario(spec.scenario)
    payload = json.dumps(
        {
            "scenario": scenario.data_hash,
            "parameters": scenario.parameters.model_dump(mode="json"),
            "settings": settings.to_dict(orient="records"),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def check_sweep_memory(
    spec: SweepSpec, settings: pd.DataFrame, runs_at_once: int, *, force: bool
) -> None:
    """Refuse a sweep whose largest world, once per worker, looks too large for the memory."""
    row: dict[str, Any] = {}
    if "companies" in settings.columns and settings["companies"].notna().any():
        row = {"companies": int(settings["companies"].max())}
    scenario = load_scenario(spec.scenario, {**spec.fixed, **row}, generate=False)
    checks.check_memory(scenario, runs_at_once=runs_at_once, force=force)


def prepare_folder(out: Path, spec: SweepSpec, inputs: str) -> dict[str, Any]:
    """Create the folder or check it holds the same sweep; clear parts of unfinished chunks.

    The same sweep means the same spec (apart from ``replications``, which may grow or shrink:
    runs are keyed by position) and the same inputs (scenario data, design table).
    """
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "sweep.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("spec_digest") != spec.digest():
            raise SpecError(
                f"{out} holds a different sweep (spec digest {manifest.get('spec_digest')}, this "
                f"spec {spec.digest()}); use another --out folder"
            )
        if manifest.get("inputs_digest") != inputs:
            raise SpecError(
                f"{out} was made from other inputs (the scenario's data files or the design "
                "table changed since); use another --out folder"
            )
        manifest["spec"] = spec.model_dump(mode="json")
    else:
        manifest = {
            "spec": spec.model_dump(mode="json"),
            "spec_digest": spec.digest(),
            "inputs_digest": inputs,
            "versions": package_versions(),
            "git_revision": git_revision(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        write_json(manifest_path, manifest)
    for table in TABLES:
        (out / f"{table}.parquet").mkdir(exist_ok=True)
    finished = {p.name for p in (out / "runs.parquet").glob("part-*.parquet")}
    for table in ("series", "events"):
        for part in (out / f"{table}.parquet").iterdir():
            if part.name not in finished:
                part.unlink()  # from a chunk killed before its runs part was written
    for part in (out / "runs.parquet").glob(".*"):
        part.unlink()
    return manifest


def forget_failed_runs(out: Path) -> None:
    """Drop failed runs from the runs parts (atomically) so that the sweep runs them again."""
    for part in sorted((out / "runs.parquet").glob("part-*.parquet")):
        runs = pd.read_parquet(part)
        failed = runs["status"] == "failed"
        if not failed.any():
            continue
        if failed.all():
            part.unlink()
        else:
            write_part(runs[~failed], part)


def finished_run_ids(out: Path) -> set[str]:
    """Run ids with a row in the runs table (ok or failed)."""
    runs = read_table(out, "runs", columns=["run_id"])
    return set(runs["run_id"]) if len(runs) else set()


def read_table(out: str | Path, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read one of a sweep's tables (all parts), sorted by run (and year)."""
    folder = Path(out) / f"{table}.parquet"
    if not folder.is_dir() or not any(folder.glob("part-*.parquet")):
        return pd.DataFrame(columns=columns or [])
    frame = pd.read_parquet(folder, columns=columns)
    keys = [k for k in ("run_id", "year") if k in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True) if keys else frame


def run_chunk(
    scenario: str,
    steps: int | None,
    rows: list[dict[str, Any]],
    out: str,
    events: bool,
    driver: int | None = None,
) -> tuple[int, int]:
    """Run a chunk of runs and write its parts; a run that raises is recorded as failed.

    If the sweep's driver process (``driver`` pid) has died, the chunk stops without writing,
    so that workers orphaned by a killed sweep cannot race a resumed one.
    """
    run_rows, series_frames, event_frames = [], [], []
    for row in rows:
        if not driver_alive(driver):
            return 0, 0
        parameters = {
            k: v for k, v in row.items() if k not in ("run_id", "setting", "replication", "seed")
        }
        started = time.perf_counter()
        record = dict(row)
        try:
            result = run(
                scenario,
                seed=int(row["seed"]),
                steps=steps,
                snapshots=False,
                partnerships=False,
                events=events,
                **parameters,
            )
        except Exception:  # noqa: BLE001 - any failure is recorded with its traceback
            record.update(
                status="failed",
                error=traceback.format_exc(),
                **dict.fromkeys(OUTCOMES, float("nan")),
            )
        else:
            record.update(status="ok", error="", **outcomes_from_series(result.series))
            series_frames.append(result.series.assign(run_id=row["run_id"]))
            if events:
                event_frames.append(result.events.assign(run_id=row["run_id"]))
        record["duration_s"] = time.perf_counter() - started
        run_rows.append(record)
    name = (
        "part-"
        + hashlib.sha256(",".join(r["run_id"] for r in rows).encode()).hexdigest()[:20]
        + ".parquet"
    )
    folder = Path(out)
    if not driver_alive(driver):
        return 0, 0
    if series_frames:
        write_part(pd.concat(series_frames, ignore_index=True), folder / "series.parquet" / name)
    if event_frames:
        write_part(pd.concat(event_frames, ignore_index=True), folder / "events.parquet" / name)
    write_part(pd.DataFrame(run_rows), folder / "runs.parquet" / name)
    failed = sum(1 for r in run_rows if r["status"] == "failed")
    return len(run_rows) - failed, failed


def driver_alive(pid: int | None) -> bool:
    """Whether the process that started the sweep still runs (None: not tracked)."""
    if pid is None or pid == os.getpid():
        return True
    return process_alive(pid)


def write_part(frame: pd.DataFrame, path: Path) -> None:
    """Write a Parquet file atomically: a hidden temporary file, then a rename."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_parquet(temporary, index=False)
    os.replace(temporary, path)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(temporary, path)


def git_revision() -> str | None:
    """The git revision of the package's checkout, if it is one."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None
