"""The sweep engine against a plain ``ProcessPoolExecutor`` (fork): throughput and peak memory.

Usage (run each side in a fresh process, alternating, on a quiet machine):
    uv run python benchmarks/engines.py current "teaching 100x10y"
    uv run python benchmarks/engines.py plain "teaching 100x10y"
    uv run python benchmarks/engines.py current "leadit 16x27y"

``current`` is ``experiments/engines.py`` (this process runs chunks too, beside N - 1 forked
pool processes); ``plain`` submits every chunk to a ``ProcessPoolExecutor`` of N forked
processes while this one waits (issue 18: keep the simpler engine unless it loses more than
10%). Prints wall time, this process's peak RSS and the largest child's.
"""

from __future__ import annotations

import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from industry_transition.experiments import engines
from industry_transition.experiments import sweep as sweep_mod


def plain_run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    *,
    engine: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[Any]:
    """``engines.run_tasks`` with a plain executor of ``workers`` forked processes."""
    workers = workers or engines.default_workers()
    if workers == 1 or len(tasks) <= 1:
        return (fn(*t) for t in tasks)
    ctx = multiprocessing.get_context("fork")

    def gen() -> Iterator[Any]:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
            futures = [ex.submit(fn, *t) for t in tasks]
            for f in as_completed(futures):
                yield f.result()

    return gen()


SPECS = {
    "teaching 100x10y": {"scenario": "teaching", "steps": 10, "replications": 100, "seed": 3},
    "leadit 16x27y": {"scenario": "leadit", "replications": 16, "seed": 3},
}


def main() -> None:
    which, name = sys.argv[1], sys.argv[2]
    if which == "plain":
        sweep_mod.run_tasks = plain_run_tasks  # type: ignore[assignment]
    out = tempfile.mkdtemp()
    started = time.perf_counter()
    sweep_mod.sweep(SPECS[name], out=out, workers=2, progress=False)
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{which:8s} {name:18s} wall {wall:6.2f} s  peak RSS self {own:.0f} MiB, "
        f"largest child {child:.0f} MiB"
    )
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
