"""Execution engines: where a sweep's chunks run.

- ``process`` (default): local processes. With one worker, chunks run inline in this process, no
  pool. With N workers, this process runs chunks too, alongside a pool of N - 1 processes that
  take chunks from the same queue, so N workers means N processes simulating. Where it is safe,
  the pool processes are forked from this process itself (``fork``): they start at once with the
  model already imported and share this process's pages (the garbage collector's objects are
  frozen across the fork, so the children's collections do not copy them). Forking is safe only
  on Linux while this process runs no other thread; when it does (a web server, a test
  runner's threads), or on other systems, pool processes come from a ``forkserver`` that
  imports the model once (in the background, while this process runs the first chunks) and
  lives as long as this process, so later sweeps start their pools at once.
- ``dask``: a Dask ``LocalCluster`` on this machine, or an existing cluster given by
  ``scheduler="tcp://host:port"`` (on SLURM/PBS start one with dask-jobqueue). Dask's executor is
  used with ``pure=False`` so identical parameter sets are never deduplicated.
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    as_completed,
    wait,
)
from contextlib import contextmanager
from multiprocessing.context import BaseContext, ForkServerContext
from typing import Any

# Imported once by the forkserver, before it forks pool processes: the model and what a chunk
# needs to write its parts. Nothing heavier (SciPy's statistics, SALib, matplotlib, Dask).
PRELOAD = ["industry_transition.experiments.sweep", "pyarrow.parquet"]


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def process_context() -> ForkServerContext:
    """The ``forkserver`` context of pool processes, with the model modules preloaded.

    When the ``industry-transition`` command line runs the sweep, its module is preloaded too:
    each pool process re-imports the main script, which is then found already imported.
    """
    context = multiprocessing.get_context("forkserver")
    preload = list(PRELOAD)
    if "industry_transition.cli" in sys.modules:
        preload.append("industry_transition.cli")
    context.set_forkserver_preload(preload)
    return context


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


def check_engine(engine: str) -> None:
    """Refuse an unknown engine name."""
    if engine not in ("process", "dask"):
        raise ValueError(f"unknown engine '{engine}' (allowed: process, dask)")


#: How often a pool process checks that the process that started it is still alive (s).
WATCH_INTERVAL_S = 1.0


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


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    *,
    engine: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[Any]:
    """Run ``fn(*task)`` for every task and yield the results as they finish (in any order).

    Local pool processes start when this is called, before the caller starts any thread of
    its own (such as a progress bar's), so that they can be forked; tasks start when the
    caller iterates. If the caller stops iterating (or an error is raised), tasks not yet
    started are dropped and those running are awaited.
    """
    workers = workers or default_workers()
    if scheduler is None:
        check_engine(engine)
    if scheduler is None and engine == "process":
        if workers == 1 or len(tasks) <= 1:
            return (fn(*task) for task in tasks)
        pool_size = min(workers, len(tasks)) - 1
        context = fork_context()
        pool = None if context is None else _forked_pool(context, pool_size)
        return _run_with_pool(fn, tasks, pool_size, pool)
    return _run_with_dask(fn, tasks, workers, scheduler)


def _forked_pool(context: BaseContext, size: int) -> ProcessPoolExecutor:
    """A pool of ``size`` processes forked from this one now, sharing its pages.

    ``gc.freeze`` moves every object this process has into a generation that collections
    skip, in the children too: their collections would otherwise write to the header of each
    object and so copy nearly every page of the imported modules. This process takes its
    objects back after the fork. The modules a chunk needs (``PRELOAD``) are imported first,
    so that the children share them too.
    """
    for module in PRELOAD:  # imported here once, not in each child at its first task
        importlib.import_module(module)
    pool = ProcessPoolExecutor(
        max_workers=size, mp_context=context, initializer=watch_driver, initargs=(os.getpid(),)
    )
    gc.freeze()
    try:
        pool.submit(os.getpid).result()  # with fork, every process is started at the first task
    finally:
        gc.unfreeze()
    return pool


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


_FINISHED = object()


def _run_with_pool(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    pool_size: int,
    forked: ProcessPoolExecutor | None = None,
) -> Iterator[Any]:
    """This process and ``pool_size`` pool processes take tasks from one queue.

    A feeder thread keeps each pool process busy with one task at a time and hands the results
    over through a queue; the main thread runs tasks itself, collecting results in between.
    The pool is ``forked`` (already started) or comes from the forkserver: then the feeder
    first waits for the forkserver to come up (it imports the model; this process runs tasks
    meanwhile). If the main thread runs out of tasks before the pool has started, it returns
    at once, without waiting for the forkserver.
    """
    todo = deque(tasks)
    context = process_context() if forked is None else None
    results: queue.SimpleQueue[Any] = queue.SimpleQueue()
    lock = threading.Lock()
    closing = threading.Event()  # main -> feeder: take no more tasks
    engaged = threading.Event()  # feeder -> main: the pool has started and may hold tasks
    broken = threading.Event()  # feeder -> main: an error is in the results queue
    feeder_done = threading.Event()  # the feeder's end marker has been read

    def take() -> tuple[Any, ...] | None:
        try:
            return todo.popleft()
        except IndexError:
            return None

    def feed() -> None:
        try:
            if context is not None:
                probe = context.Process(target=os.getpid, name="sweep-probe")
                probe.start()  # returns once the forkserver has forked it (done importing)
                probe.join()
            with lock:
                if closing.is_set():
                    return
                engaged.set()
            pool = forked or ProcessPoolExecutor(
                max_workers=pool_size,
                mp_context=context,
                initializer=watch_driver,
                initargs=(os.getpid(),),
            )
            with pool:
                running: set[Future[Any]] = set()
                while True:
                    while len(running) < pool_size and not closing.is_set():
                        task = take()
                        if task is None:
                            break
                        running.add(pool.submit(fn, *task))
                    if not running:
                        return
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        results.put((True, future.result()))
        except BaseException as err:  # noqa: BLE001 - re-raised in the main thread
            results.put((False, err))
            broken.set()
        finally:
            results.put(_FINISHED)

    def collected(block: bool) -> Iterator[Any]:
        """Results handed over by the feeder, up to its end marker (or while any are ready)."""
        while not feeder_done.is_set():
            try:
                item = results.get(block=block)
            except queue.Empty:
                return
            if item is _FINISHED:
                feeder_done.set()
                return
            ok, value = item
            if not ok:
                raise value
            yield value

    def close() -> bool:
        """Stop the feeder taking tasks; whether it has started the pool (and may hold some)."""
        with lock:
            closing.set()
            return engaged.is_set()

    feeder = threading.Thread(target=feed, name="sweep-feeder", daemon=True)
    feeder.start()
    try:
        while not broken.is_set() and (task := take()) is not None:
            yield fn(*task)
            yield from collected(block=False)
        yield from collected(block=close() or broken.is_set())
    finally:
        todo.clear()
        if close():
            feeder.join()  # lets the tasks it runs finish and shuts the pool down
        if forked is not None:
            forked.shutdown()  # (again, if the feeder did) a pool it never took is stopped
