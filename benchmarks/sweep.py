"""Sweep throughput and memory: the same runs through ``sweep`` and through ``mesa.batch_run``.

Usage: ``uv run python benchmarks/sweep.py [--scenario teaching] [--runs 100] [--years 10]
[--workers 2] [--repeat 2]``.

The runs are runs of one scenario (``--scenario``, default ``teaching``) over four carbon-price
settings with common random numbers: ``sweep`` with 1 worker, ``sweep`` with ``--workers``
workers and ``mesa.batch_run`` with ``--workers`` processes all run the same (setting, seed) pairs
for the same years, each in a fresh interpreter, so import and pool start-up count.
Configurations are interleaved and each runs ``--repeat`` times; the summary gives the best wall
time and the spread (slowest - fastest).

Times and memory come from separate runs of each configuration: reading ``smaps_rollup`` costs
about 14 ms of CPU per process of a few hundred MiB, so sampling a tree of three processes ten
times a second takes a third of a core, which a two-worker run (both cores busy) would lose and
a one-worker run (one core idle) would not. Timed runs are not sampled (CPU time comes from
``getrusage`` of the finished tree); memory runs are.

Memory: the parent samples the process tree (the benchmark subprocess and all its descendants:
pool workers, forkserver, resource tracker) every 0.1 s from ``/proc/<pid>/smaps_rollup`` and
keeps the peak of each sum over the tree:

- PSS (proportional set size) divides each page among the processes mapping it, so the sum is
  the tree's physical footprint. This is the figure the memory target uses.
- RSS counts a page once in every process that maps it: forked workers sharing the pages their
  parent imported are counted several times over.
- USS (private pages only) leaves shared pages out entirely (shown for reference).

Pages shared with processes outside the tree (libraries mapped by other Python processes on the
machine) are divided among those too, which lowers PSS a little for every configuration alike.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SETTINGS = [0.5, 1.0, 1.5, 2.0]
TARGET_SCALING = 1.7  # two workers vs one worker, runs per second
TARGET_SPEED = 1.5  # sweep vs mesa.batch_run, runs per second
TARGET_MEMORY = 0.5  # sweep vs mesa.batch_run, peak PSS
BUSY = 0.1  # others' CPU use (cores) above which --retry-busy measures again

SWEEP = """
import sys
from industry_transition.experiments.sweep import sweep
scenario, runs, years = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
workers, out = int(sys.argv[4]), sys.argv[5]
spec = {"scenario": scenario, "steps": years, "replications": runs // 4, "seed": 1,
        "grid": {"carbon_price_scale": SETTINGS}}
table = sweep(spec, out=out, workers=workers, progress=False)
assert len(table) == runs and (table["status"] == "ok").all()
""".replace("SETTINGS", repr(SETTINGS))

# The same runs: sweep's replication r has seed run_seed(1, None, r) in every setting (common
# random numbers), and batch_run passes each rng value as TransitionModel's seed.
BATCH_RUN = """
import sys
import mesa
from industry_transition import TransitionModel
from industry_transition.experiments.design import run_seed
scenario, runs, years = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
workers, snapshots = int(sys.argv[4]), sys.argv[5] == "1"
if __name__ == "__main__":
    results = mesa.batch_run(TransitionModel, parameters={"scenario": scenario,
                             "carbon_price_scale": SETTINGS, "snapshots": snapshots},
                             rng=[run_seed(1, None, r) for r in range(runs // 4)],
                             max_steps=years, number_processes=workers,
                             data_collection_period=1, display_progress=False)
    assert len(results) == runs * years
""".replace("SETTINGS", repr(SETTINGS))


def descendants(root: int) -> list[int]:
    """A process and all its descendants (from /proc/<pid>/task/<tid>/children)."""
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                stack.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def tree_memory(root: int, cpu: dict[int, float]) -> dict[str, int]:
    """Sum of RSS, PSS and USS (bytes) over a process tree; ``cpu`` gets each one's CPU time."""
    total = {"rss": 0, "pss": 0, "uss": 0}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in descendants(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue  # exited meanwhile
        cpu[pid] = max(cpu.get(pid, 0.0), (int(stat[11]) + int(stat[12])) / tick)
        fields = {}
        for line in text.splitlines()[1:]:
            name, _, rest = line.partition(":")
            fields[name] = int(rest.split()[0]) * 1024
        total["rss"] += fields.get("Rss", 0)
        total["pss"] += fields.get("Pss", 0)
        total["uss"] += fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return total


@dataclass
class Measurement:
    seconds: float
    peak_mib: dict[str, float] = field(default_factory=dict)
    cpu_seconds: float = 0.0  # used by the process tree
    others_cpu_seconds: float = 0.0  # used by everything else on the machine meanwhile


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (all cores, /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU time of this process (the sampler)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def wait_until_idle(limit: float, cores: float = 0.15) -> None:
    """Wait (at most ``limit`` s) until the machine used under ``cores`` cores over 2 s."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = busy_cpu_seconds()
        time.sleep(2)
        if (busy_cpu_seconds() - before) / 2 < cores:
            return
    print(f"  (machine still busy after waiting {limit:.0f} s)")


def children_cpu_seconds() -> float:
    """CPU time of this process's finished (waited-for) descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(code: str, args: list[str], env: dict[str, str], sample: bool) -> Measurement:
    """Wall time (and, with ``sample``, peak tree memory) of ``code`` in a fresh interpreter."""
    start = time.perf_counter()
    busy, own, children = busy_cpu_seconds(), own_cpu_seconds(), children_cpu_seconds()
    process = subprocess.Popen([sys.executable, "-c", code, *args], env=env)
    peak = {"rss": 0, "pss": 0, "uss": 0}
    cpu: dict[int, float] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for key, value in tree_memory(process.pid, cpu).items():
                peak[key] = max(peak[key], value)
            done.wait(0.1)

    sampler = threading.Thread(target=watch)
    if sample:
        sampler.start()
    returncode = process.wait()
    seconds = time.perf_counter() - start
    done.set()
    if sample:
        sampler.join()
    if returncode != 0:
        raise SystemExit(f"benchmark subprocess failed with {returncode}")
    # the tree's CPU: processes waited for by their parents end up in RUSAGE_CHILDREN (pool
    # workers; not a forkserver left to exit on its own after the sweep's process)
    tree = children_cpu_seconds() - children
    others = busy_cpu_seconds() - busy - (own_cpu_seconds() - own) - tree
    return Measurement(seconds, {k: v / 2**20 for k, v in peak.items()}, tree, max(0.0, others))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="teaching", help="shipped scenario name or TOML path")
    parser.add_argument("--runs", type=int, default=100, help="runs (rounded down to 4k)")
    parser.add_argument("--years", type=int, default=10, help="years per run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each configuration")
    parser.add_argument(
        "--memory-repeat", type=int, default=1, help="memory-sampled runs of each configuration"
    )
    parser.add_argument(
        "--batch-no-snapshots",
        action="store_true",
        help="also time batch_run with TransitionModel(snapshots=False), as sweep's workers run",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="S",
        help="before each measurement, wait up to S seconds for the machine to be idle",
    )
    parser.add_argument(
        "--retry-busy",
        type=int,
        default=0,
        metavar="N",
        help=f"measure again (up to N times) when other processes used over {BUSY} cores",
    )
    parser.add_argument(
        "--pycache",
        metavar="DIR",
        help="cache bytecode under DIR (PYTHONPYCACHEPREFIX) even if PYTHONDONTWRITEBYTECODE is "
        "set, as an ordinary install does in site-packages; an untimed import fills it first",
    )
    args = parser.parse_args()
    env = dict(os.environ)
    if args.pycache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(args.pycache).resolve())
        warm = "import industry_transition.experiments.sweep, mesa.batchrunner, pyarrow.parquet"
        subprocess.run([sys.executable, "-c", warm], env=env, check=True)
    import importlib.util

    import numpy

    compiled = Path(importlib.util.cache_from_source(numpy.__file__)).exists()
    caching = (
        f"bytecode cached in {env['PYTHONPYCACHEPREFIX']}"
        if "PYTHONPYCACHEPREFIX" in env and not env.get("PYTHONDONTWRITEBYTECODE")
        else "installed packages precompiled (uv compile-bytecode); the project's own modules "
        "compiled at each import"
        if compiled and env.get("PYTHONDONTWRITEBYTECODE")
        else "no bytecode cache: every interpreter compiles what it imports"
        if env.get("PYTHONDONTWRITEBYTECODE")
        else "bytecode cached next to the sources"
    )
    runs = args.runs - args.runs % 4
    if runs < 4:
        parser.error("--runs must be at least 4")
    print(
        f"{runs} {args.scenario} runs of {args.years} years, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.2f}\n{caching}"
    )
    common = [args.scenario, str(runs), str(args.years)]
    w = args.workers
    configs = {
        "sweep, 1 worker": (SWEEP, ["1"]),
        f"sweep, {w} workers": (SWEEP, [str(w)]),
        f"mesa.batch_run, {w} processes": (BATCH_RUN, [str(w), "1"]),
    }
    if args.batch_no_snapshots:
        configs[f"batch_run, {w} proc., no snapshots"] = (BATCH_RUN, [str(w), "0"])
    results: dict[str, list[Measurement]] = {label: [] for label in configs}
    sampled: dict[str, list[Measurement]] = {label: [] for label in configs}
    rounds = [False] * args.repeat + [True] * args.memory_repeat
    with tempfile.TemporaryDirectory() as tmp:
        for repeat, sample in enumerate(rounds):
            for i, (label, (code, extra)) in enumerate(configs.items()):
                for attempt in range(args.retry_busy + 1):
                    if args.wait_idle:
                        wait_until_idle(args.wait_idle)
                    out = [f"{tmp}/{repeat}-{i}-{attempt}"] if code is SWEEP else []
                    m = measure(code, common + extra + out, env, sample)
                    busy = m.others_cpu_seconds / m.seconds
                    if sample or busy <= BUSY or attempt == args.retry_busy:
                        break
                    print(f"  ({label}: {m.seconds:.1f} s discarded, others used {busy:.2f} cores)")
                if sample:
                    sampled[label].append(m)
                    print(
                        f"  [memory] {label:<33} PSS {m.peak_mib['pss']:4.0f}  "
                        f"USS {m.peak_mib['uss']:4.0f}  RSS {m.peak_mib['rss']:4.0f} MiB",
                        flush=True,
                    )
                    continue
                results[label].append(m)
                print(
                    f"  [{repeat + 1}] {label:<36} {m.seconds:6.1f} s  "
                    f"CPU {m.cpu_seconds:5.1f} s, others {m.others_cpu_seconds:5.1f} s",
                    flush=True,
                )
    print(f"\n{'':<36} {'best':>7} {'spread':>7} {'runs/s':>7}   peak MiB, lowest (spread)")
    best: dict[str, tuple[float, float]] = {}
    for label, ms in results.items():
        seconds = [m.seconds for m in ms]
        memory = {k: [m.peak_mib[k] for m in sampled[label]] for k in ("pss", "uss", "rss")}
        best[label] = (min(seconds), min(memory["pss"]))
        mib = "  ".join(
            f"{k.upper()} {min(v):4.0f} ({max(v) - min(v):3.0f})" for k, v in memory.items()
        )
        print(
            f"{label:<36} {min(seconds):6.1f}s {max(seconds) - min(seconds):6.1f}s "
            f"{runs / min(seconds):7.2f}   {mib}"
        )
    one, pool, batch = (best[label] for label in list(configs)[:3])
    scaling = one[0] / pool[0]
    speed = batch[0] / pool[0]
    memory = pool[1] / batch[1]
    print(
        f"\n{w} workers / 1 worker: {scaling:.2f}x runs per second "
        f"(target >= {TARGET_SCALING}x: {verdict(scaling >= TARGET_SCALING)})"
    )
    print(
        f"sweep / batch_run: {speed:.2f}x runs per second "
        f"(target >= {TARGET_SPEED}x: {verdict(speed >= TARGET_SPEED)})"
    )
    print(
        f"sweep / batch_run: {memory:.2f}x peak PSS "
        f"(target <= {TARGET_MEMORY}x: {verdict(memory <= TARGET_MEMORY)})"
    )


if __name__ == "__main__":
    main()
