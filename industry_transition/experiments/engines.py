"""Execution engines behind one interface: ``concurrent.futures.Executor``.

- ``process`` (default): a local process pool (``--workers N``); with one worker, runs inline.
- ``dask``: a Dask ``LocalCluster`` on this machine, or an existing cluster given by
  ``scheduler="tcp://host:port"`` (on SLURM/PBS start one with dask-jobqueue). Dask's executor is
  used with ``pure=False`` so identical parameter sets are never deduplicated.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (one worker, no pool overhead)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn`` now and return a finished future."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(err)
        return future


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def make_executor(
    engine: str = "process", workers: int | None = None, scheduler: str | None = None
) -> Iterator[Executor]:
    """Yield an executor for the engine; shut it (and any cluster it started) down after."""
    workers = workers or default_workers()
    if scheduler is not None or engine == "dask":
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
        return
    if engine != "process":
        raise ValueError(f"unknown engine '{engine}' (allowed: process, dask)")
    if workers == 1:
        yield InlineExecutor()
        return
    # forkserver: workers start from a clean server process that has imported the model once.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["industry_transition.experiments.sweep"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool
