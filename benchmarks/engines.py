"""Sweep engines compared: throughput, peak memory of the process tree, and SIGKILL-resume.

Usage (on a quiet machine; alternate the engines, each measure runs in a fresh process):
    uv run python benchmarks/engines.py speed ENGINE "teaching 100x10y"
    uv run python benchmarks/engines.py speed ENGINE "leadit 16x27y"
    uv run python benchmarks/engines.py kill ENGINE
    uv run --with loky python benchmarks/engines.py speed loky "teaching 100x10y"

ENGINE is one of

- ``engine``: ``experiments/engines.py`` as it is in this checkout (``run_tasks``); to measure
  another version, put its ``industry_transition`` folder first on ``PYTHONPATH`` (as
  docs/performance.md did for the engine before issue 18: ``git archive <commit>
  industry_transition | tar -x -C /tmp/old`` and ``PYTHONPATH=/tmp/old``);
- ``plain``: a ``concurrent.futures.ProcessPoolExecutor`` of N processes, forked, every chunk
  submitted at once, results taken as they finish, this process waiting;
- ``loky``: loky's reusable executor of N processes (loky's own start method; needs loky);
- ``dask``: Dask's executor on a ``LocalCluster`` of N single-threaded worker processes.

``speed`` runs the sweep with two workers in a child process and samples the child's process
tree every 0.1 s from this one (so the sweep's process runs no sampling thread, which would stop
it forking): wall time, peak PSS of the tree (shared pages counted once, split between the
processes sharing them) and peak RSS of the tree (shared pages counted in every process).

Reading ``smaps_rollup`` costs CPU (about 14 ms per process of 300 MiB), more for a tree of
three processes than of two, which a loaded machine takes from the sweep: ``--unsampled`` after
the sweep's name times it without sampling (the memory figures are then 0).

``kill`` is the resume test of ``tests/test_sweep.py`` with the engine: a sweep of 60 chunks on
two workers is killed (SIGKILL) once two chunks are written; it counts the processes of its
tree still running 15 s later, reruns the sweep to its end and checks that every run is there
once and that the series equal a serial sweep's.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

SPECS = {
    "teaching 100x10y": {"scenario": "teaching", "steps": 10, "replications": 100, "seed": 3},
    "leadit 16x27y": {"scenario": "leadit", "replications": 16, "seed": 3},
}
KILL_SPEC = {
    "scenario": "teaching",
    "steps": 27,
    "replications": 30,
    "seed": 5,
    "chunk_size": 1,
    "grid": {"carbon_price_scale": [0.5, 1.0]},
}


def executor_run_tasks(make: Callable[[int], Any]) -> Callable[..., Iterator[Any]]:
    """A ``run_tasks`` that submits every task to ``make(workers)`` and yields as they finish."""

    def run_tasks(
        fn: Callable[..., Any],
        tasks: Sequence[tuple[Any, ...]],
        *,
        engine: str = "process",
        workers: int | None = None,
        scheduler: str | None = None,
    ) -> Iterator[Any]:
        from industry_transition.experiments.engines import default_workers

        workers = workers or default_workers()
        if workers == 1 or len(tasks) <= 1:
            return (fn(*t) for t in tasks)
        executor = make(min(workers, len(tasks)))
        futures = [executor.submit(fn, *t) for t in tasks]  # starts (forks) the pool now

        def results() -> Iterator[Any]:
            with executor:
                for future in as_completed(futures):
                    yield future.result()

        return results()

    return run_tasks


def plain(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def loky(workers: int) -> Any:
    from loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=workers)
    executor.__exit__ = lambda *args: None  # reusable: kept for the next sweep
    return executor


def install(engine: str) -> str:
    """Make ``sweep`` use the engine; returns the ``engine`` argument to pass to it."""
    from industry_transition.experiments import sweep as sweep_module

    if engine == "plain":
        sweep_module.run_tasks = executor_run_tasks(plain)  # type: ignore[assignment]
    elif engine == "loky":
        sweep_module.run_tasks = executor_run_tasks(loky)  # type: ignore[assignment]
    elif engine not in ("engine", "dask"):
        raise SystemExit(f"unknown engine {engine!r}: engine, plain, loky or dask")
    return "dask" if engine == "dask" else "process"


def child(engine: str, spec: dict[str, Any], out: str) -> None:
    """The sweep itself (in the process the parent samples)."""
    from industry_transition.experiments.sweep import sweep

    started = time.perf_counter()
    sweep(spec, out=out, workers=2, engine=install(engine), progress=False)
    print(json.dumps({"wall_s": time.perf_counter() - started}))


def tree(pid: int) -> set[int]:
    found, stack = {pid}, [pid]
    while stack:
        for task in Path(f"/proc/{stack.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            stack.extend(children)
            found.update(children)
    return found


def memory_kib(pids: set[int]) -> tuple[int, int]:
    """(PSS, RSS) of the processes, in KiB."""
    pss = rss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                pss += int(line.split()[1])
            elif line.startswith("Rss:"):
                rss += int(line.split()[1])
    return pss, rss


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def command(engine: str, spec: dict[str, Any], out: Path) -> list[str]:
    return [sys.executable, __file__, "child", engine, json.dumps(spec), str(out)]


def speed(engine: str, name: str, sample: bool = True) -> None:
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            command(engine, SPECS[name], Path(folder) / "out"), stdout=subprocess.PIPE, text=True
        )
        peak_pss = peak_rss = 0
        while sample and process.poll() is None:
            pss, rss = memory_kib(tree(process.pid))
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            time.sleep(0.1)
        out, _ = process.communicate()
        if process.returncode:
            raise SystemExit(f"the sweep failed with status {process.returncode}")
    wall = json.loads(out.strip().splitlines()[-1])["wall_s"]
    print(
        f"{engine:7s} {name:18s} wall {wall:6.2f} s  peak PSS {peak_pss / 1024:4.0f} MiB "
        f"(RSS {peak_rss / 1024:4.0f} MiB)  load {os.getloadavg()[0]:.1f}"
    )


def kill(engine: str) -> None:
    import pandas as pd

    from industry_transition.experiments.sweep import read_table, sweep

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "killed"
        process = subprocess.Popen(command(engine, KILL_SPEC, out), stdout=subprocess.DEVNULL)
        deadline = time.time() + 300
        pool: set[int] = set()
        while time.time() < deadline and process.poll() is None:
            pool = tree(process.pid) - {process.pid}
            if len(list((out / "runs.parquet").glob("part-*.parquet"))) >= 2 and pool:
                break
            time.sleep(0.05)
        if process.poll() is not None:
            raise SystemExit("the sweep ended before it could be killed")
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        written = len(read_table(out, "runs"))
        time.sleep(15)
        left = [pid for pid in pool if alive(pid)]
        for pid in left:  # our own sweep's orphans, by their ids
            os.kill(pid, signal.SIGKILL)
        rerun = subprocess.run(command(engine, KILL_SPEC, out), capture_output=True, text=True)
        runs = read_table(out, "runs") if rerun.returncode == 0 else pd.DataFrame()
        sweep(KILL_SPEC, out=Path(folder) / "serial", workers=1, progress=False)
        same = rerun.returncode == 0 and read_table(out, "series").drop(
            columns="duration_s", errors="ignore"
        ).sort_values(["run_id", "year"]).reset_index(drop=True).equals(
            read_table(Path(folder) / "serial", "series")
            .drop(columns="duration_s", errors="ignore")
            .sort_values(["run_id", "year"])
            .reset_index(drop=True)
        )
    print(
        f"{engine:7s} kill: {written} of 60 runs written before SIGKILL, "
        f"{len(left)} of {len(pool)} pool processes still running 15 s later; "
        f"rerun status {rerun.returncode}, {len(runs)} runs, "
        f"unique {bool(len(runs)) and runs['run_id'].is_unique}, series equal serial {same}"
    )


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "child":
        child(sys.argv[2], json.loads(sys.argv[3]), sys.argv[4])
    elif mode == "speed":
        speed(sys.argv[2], sys.argv[3], sample="--unsampled" not in sys.argv)
    elif mode == "kill":
        kill(sys.argv[2])
    else:
        raise SystemExit(__doc__)
