"""Checks every command makes before it computes: output folders, seeds, memory.

A check that fails raises an error whose message is one line naming the path, value or size
and what is allowed; the command line prints it and exits with status 2, having written and
computed nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from industry_transition.model.parameters import SEED_LIMIT, check_seed
from industry_transition.model.scenario import Scenario
from industry_transition.model.synthetic import DEFAULT_SYNTHETIC_COMPANIES

__all__ = [
    "SEED_LIMIT",
    "MemoryCheckError",
    "OutputError",
    "available_memory_bytes",
    "check_memory",
    "check_seed",
    "estimate_memory_bytes",
    "prepare_folder",
    "writable_file",
]

#: Peak resident memory of a run beyond the interpreter and libraries, per company and per
#: plant: ``synthetic`` worlds of 10,000, 50,000 and 100,000 companies (2 plants each) run for
#: three years peak at 239, 470 and 729 MiB (maximum RSS, GNU time, 2026-12-03), a straight
#: line of about 5,600 bytes per company with its two plants; how it splits between company and
#: plant is not measured, so a plant is given 1,000 bytes.
BYTES_PER_COMPANY = 3_600
BYTES_PER_PLANT = 1_000
#: The interpreter with the model and its libraries loaded, plus the line's intercept.
BASE_BYTES = 190 * 2**20


class OutputError(ValueError):
    """An output path that cannot be used; the message names it and says why."""


class MemoryCheckError(ValueError):
    """A world too large for the memory available; the message gives both figures."""


def prepare_folder(path: str | Path, option: str = "--out") -> Path:
    """Create the output folder ``path`` if needed and check it can be written, or refuse.

    Refused: an existing file, a path below a file, a folder that cannot be created or written.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{option} {folder} is an existing file: give a folder (new or existing)")
    for parent in folder.parents:
        if parent.exists() and not parent.is_dir():
            raise OutputError(
                f"{option} {folder}: {parent} is a file, so no folder can be made here"
            )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-probe-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        reason = err.strerror or str(err)
        raise OutputError(
            f"{option} {folder} cannot be written ({reason}): give a writable folder"
        ) from None
    return folder


def writable_file(path: str | Path, option: str) -> Path:
    """Check that the file ``path`` can be written (its folder exists and is writable)."""
    target = Path(path)
    if target.exists() and target.is_dir():
        raise OutputError(f"{option} {target} is a folder: give a file path")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{option} {target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise OutputError(
            f"{option} {target} cannot be written (permission denied): give a writable path"
        )
    return target


def estimate_memory_bytes(scenario: Scenario) -> int:
    """Rough peak memory (bytes) of one run of ``scenario``, from its size.

    For ``synthetic`` worlds the size comes from the ``companies`` and ``plants_per_company``
    parameters (before the world is built); for table scenarios from the tables.
    """
    p = scenario.parameters
    if scenario.generator == "synthetic":
        companies = int(p.companies or DEFAULT_SYNTHETIC_COMPANIES)
        plants = int(companies * p.plants_per_company)
    elif scenario.generator is not None:
        companies = plants = 0  # the club game: countries only
    else:
        companies = len(scenario.tables["companies"])
        plants = len(scenario.tables["plants"])
    return BASE_BYTES + companies * BYTES_PER_COMPANY + plants * BYTES_PER_PLANT


def available_memory_bytes() -> int | None:
    """Memory this process may still use: the smaller of MemAvailable and a cgroup limit.

    None where neither can be read (not Linux).
    """
    limits: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            raw = Path(limit_file).read_text().strip()
            if raw == "max" or int(raw) >= 2**60:
                continue
            used = int(Path(usage_file).read_text().strip())
            limits.append(max(int(raw) - used, 0))
        except (OSError, ValueError):
            continue
    return min(limits) if limits else None


def check_memory(scenario: Scenario, *, runs_at_once: int = 1, force: bool = False) -> None:
    """Refuse a world whose estimated memory exceeds what is available (unless ``force``)."""
    if force:
        return
    need = estimate_memory_bytes(scenario) * max(runs_at_once, 1)
    have = available_memory_bytes()
    if have is None or need <= have:
        return
    at_once = f" for {runs_at_once} runs at once" if runs_at_once > 1 else ""
    raise MemoryCheckError(
        f"this world needs about {need / 2**30:.1f} GiB{at_once} and {have / 2**30:.1f} GiB "
        "is available: make it smaller (e.g. --set companies=...), use fewer workers, or pass "
        "--force to try anyway"
    )
