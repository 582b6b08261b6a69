"""Execution engines: where a sweep's chunks run.

- ``process`` (default): local processes. With one worker, chunks run inline in this process, no
  pool. With N workers, a ``concurrent.futures.ProcessPoolExecutor`` of N processes runs them
  while this process collects the results. Where it is safe, the pool's processes are forked from
  this process itself (``fork``): they start at once with the model already imported and share
  this process's pages (the garbage collector's objects are frozen across the fork, so the
  children's collections do not copy them). Forking is safe only on Linux while this process
  runs no other thread; when it does (a web server, a test runner's threads), or on other
  systems, pool processes come from a ``forkserver`` that imports the model once and lives as
  long as this process, so later sweeps start their pools at once.
- ``dask``: a Dask ``LocalCluster`` on this machine, or an existing cluster given by
  ``scheduler="tcp://host:port"`` (on SLURM/PBS start one with dask-jobqueue). Dask's executor is
  used with ``pure=False`` so identical parameter sets are never deduplicated.

``benchmarks/engines.py`` compares this with loky's reusable executor and with the engine it
replaced (this process running chunks beside N - 1 pool processes fed by a thread); see
docs/performance.md.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from typing import Any

# Imported once before the pool starts (by this process when it forks, by the forkserver
# otherwise): the model and what a chunk needs to write its parts. Nothing heavier (SciPy's
# statistics, SALib, matplotlib, Dask).
PRELOAD = ["industry_transition.experiments.sweep", "pyarrow.parquet"]

#: How often a pool process checks that the process that started it is still alive (s).
WATCH_INTERVAL_S = 1.0


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_engine(engine: str) -> None:
    """Refuse an unknown engine name."""
    if engine not in ("process", "dask"):
        raise ValueError(f"unknown engine '{engine}' (allowed: process, dask)")


def fork_context() -> BaseContext | None:
    """The ``fork`` context if forking this process is safe now, else None.

    Safe means Linux (on macOS, system libraries may crash in a forked child, which is why
    Python does not fork there by default) and no thread besides this one.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.active_count() > 1:
        return None
    return multiprocessing.get_context("fork")


def pool_context() -> BaseContext:
    """``fork`` where `fork_context` allows it, else a ``forkserver`` preloading the model.

    When the ``industry-transition`` command line runs the sweep, its module is preloaded too:
    each forkserver child re-imports the main script, which is then found already imported.
    """
    forked = fork_context()
    if forked is not None:
        return forked
    context = multiprocessing.get_context("forkserver")
    preload = list(PRELOAD)
    if "industry_transition.cli" in sys.modules:
        preload.append("industry_transition.cli")
    context.set_forkserver_preload(preload)
    return context


def watch_driver(driver: int) -> None:
    """Pool initializer: end this process soon after the one that started the pool has died.

    A pool process waits on its task queue, which never closes if the sweep's process is
    killed (SIGKILL, the out-of-memory killer, a cluster's time limit): without this it would
    wait for ever, holding its memory (and, from a forkserver, keep the forkserver alive).
    The chunk it may be running stops on its own without writing (``sweep.run_chunk``).
    """

    def watch() -> None:
        while True:
            time.sleep(WATCH_INTERVAL_S)
            if not process_alive(driver):
                os._exit(1)

    threading.Thread(target=watch, name="driver-watch", daemon=True).start()


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (and is not a zombie waiting to be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:  # no /proc (not Linux): the signal check is all there is
        return True


@contextmanager
def dask_executor(workers: int, scheduler: str | None = None) -> Iterator[Executor]:
    """Dask's executor on a new ``LocalCluster`` of ``workers`` processes, or on ``scheduler``."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - depends on the installed extras
        raise RuntimeError(
            "the dask engine needs the 'cluster' extra: uv sync --extra cluster"
        ) from err
    if scheduler is not None:
        client = Client(scheduler)
        cluster = None
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    *,
    engine: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[Any]:
    """Run ``fn(*task)`` for every task and yield the results as they finish (in any order).

    A local pool starts when this is called, before the caller starts any thread of its own
    (such as a progress bar's), so that it can be forked. If the caller stops iterating (or a
    task raises), tasks not yet started are dropped and those running are awaited.
    """
    workers = workers or default_workers()
    if scheduler is None:
        check_engine(engine)
    if scheduler is not None or engine == "dask":
        return _run_with_dask(fn, tasks, workers, scheduler)
    if workers == 1 or len(tasks) <= 1:
        return (fn(*task) for task in tasks)
    context = pool_context()
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)),
        mp_context=context,
        initializer=watch_driver,  # each pool process ends soon after this one dies
        initargs=(os.getpid(),),
    )
    forking = context.get_start_method() == "fork"
    if forking:
        for module in PRELOAD:  # imported here once, shared by the children
            importlib.import_module(module)
        gc.freeze()  # the children's collections skip what this process holds now
    try:
        futures = [pool.submit(fn, *task) for task in tasks]  # a fork pool forks at the first
    finally:
        if forking:
            gc.unfreeze()
    return _results(pool, futures)


def _results(executor: Executor, futures: list[Future[Any]]) -> Iterator[Any]:
    try:
        for future in as_completed(futures):
            yield future.result()
    finally:
        for future in futures:
            future.cancel()
        executor.shutdown(wait=True)


def _run_with_dask(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    workers: int,
    scheduler: str | None,
) -> Iterator[Any]:
    with dask_executor(workers, scheduler) as executor:
        futures = [executor.submit(fn, *task) for task in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()
