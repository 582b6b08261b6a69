"""Compile the environment's packages to bytecode once, before the app's first start.

Where ``PYTHONDONTWRITEBYTECODE`` is set (as on our CI machines) every new interpreter compiles
numpy, pandas, Mesa and Solara again when it imports them, about 6 s per process. uv's
``compile-bytecode`` setting would do it at install time, but it recompiles the whole
environment on every ``uv run`` (about 2 s each time), so the project does not set it: CI runs
``uv sync --compile-bytecode`` once, and ``industry-transition app`` compiles here once per
environment (a marker file in the environment records the installed versions it compiled).
"""

from __future__ import annotations

import compileall
import hashlib
import sys
import sysconfig
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

MARKER = ".industry-transition-bytecode"


def environment_digest() -> str:
    """Hash of the installed distributions and their versions (what there is to compile)."""
    names = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions())
    return hashlib.sha256("\n".join([sys.version, *names]).encode()).hexdigest()[:16]


def ensure_bytecode(progress: Callable[[str], None] | None = None) -> bool:
    """Compile site-packages once per environment; True if it compiled now.

    Nothing happens where the marker says this environment was compiled, or where the
    environment cannot be written (a system installation): the interpreter then compiles what
    it imports, as usual.
    """
    prefix = Path(sys.prefix)
    marker = prefix / MARKER
    digest = environment_digest()
    try:
        if marker.read_text().strip() == digest:
            return False
    except OSError:
        pass
    site_packages = Path(sysconfig.get_paths()["purelib"])
    if not site_packages.is_dir():
        return False
    if progress is not None:
        progress("compiling the installed packages to bytecode (once per environment)...")
    try:
        compileall.compile_dir(site_packages, quiet=2, workers=0)
        marker.write_text(digest + "\n")
    except OSError:
        return False
    return True
