"""The offline asset folder: preparing it cold and warm, and the app's first start with each.

Usage:
    uv run python benchmarks/assets.py [--repeats 3] [--app-repeats 2] [--out result.json]

Measures, each ``--repeats`` times:

- ``ensure cold``: `ensure_assets` into an empty folder (download from the npm registry, verify
  each tarball's sha512, unpack);
- ``ensure warm``: `ensure_assets` on the finished folder (nothing downloaded);
- ``ensure rebuild``: `ensure_assets` into an empty folder again, with this application's
  download cache (``XDG_CACHE_HOME/industry-transition``) kept from the cold call;

and ``--app-repeats`` times each, `industry-transition app --no-browser` from its start until
the page answers HTTP 200 with an empty asset folder (``app cold``) and with the folder just
made (``app warm``), after one start not measured (the environment's first start also compiles
the packages to bytecode). The folder is a temporary one given through
``INDUSTRY_TRANSITION_ASSETS_DIR``, and each cold start gets a ``XDG_CACHE_HOME`` without this
application's caches (the user's other caches linked in), so the user's cache is neither used
nor touched. Prints one
line per measure (median, min-max) and writes the raw figures as JSON with ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from industry_transition.visualization.assets import ensure_assets


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fresh_cache(folder: Path) -> Path:
    """A ``XDG_CACHE_HOME`` without this application's caches (the npm tarballs) but with the
    user's other caches (matplotlib's fonts, ...), so that only the assets start cold."""
    folder.mkdir(parents=True)
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    for entry in home.iterdir() if home.is_dir() else []:
        if entry.name != "industry-transition":
            (folder / entry.name).symlink_to(entry)
    return folder


def app_start(folder: Path, cache: Path, timeout: float = 180.0) -> float:
    """Seconds from starting ``industry-transition app`` until its page answers 200."""
    port = free_port()
    env = os.environ | {"INDUSTRY_TRANSITION_ASSETS_DIR": str(folder), "XDG_CACHE_HOME": str(cache)}
    command = [str(Path(sys.executable).with_name("industry-transition")), "app", "--no-browser"]
    command += ["--port", str(port)]
    started = time.perf_counter()
    server = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < timeout:
            if server.poll() is not None:
                raise RuntimeError(f"the app exited with status {server.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"the app did not answer within {timeout} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):6.2f} s  ({min(values):.2f}-{max(values):.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--app-repeats", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {
        "ensure cold": [],
        "ensure warm": [],
        "ensure rebuild": [],
        "app cold": [],
        "app warm": [],
    }
    root = Path(tempfile.mkdtemp(prefix="assets-bench-"))
    try:
        for number in range(args.repeats):
            folder = root / f"ensure-{number}"
            os.environ["XDG_CACHE_HOME"] = str(fresh_cache(root / f"xdg-ensure-{number}"))
            started = time.perf_counter()
            ensure_assets(folder, progress=lambda _line: None)
            figures["ensure cold"].append(time.perf_counter() - started)
            started = time.perf_counter()
            ensure_assets(folder, progress=lambda _line: None)
            figures["ensure warm"].append(time.perf_counter() - started)
            shutil.rmtree(folder)
            started = time.perf_counter()
            ensure_assets(folder, progress=lambda _line: None)
            figures["ensure rebuild"].append(time.perf_counter() - started)
            shutil.rmtree(folder)
            os.environ.pop("XDG_CACHE_HOME")
        # once before measuring: the app's first start in an environment compiles its
        # packages to bytecode (industry_transition/visualization/bytecode.py), not measured
        if args.app_repeats:
            app_start(root / "warm-up", fresh_cache(root / "xdg-warm-up"))
        for number in range(args.app_repeats):
            folder, cache = root / f"app-{number}", fresh_cache(root / f"xdg-app-{number}")
            figures["app cold"].append(app_start(folder, cache))
            figures["app warm"].append(app_start(folder, cache))
            shutil.rmtree(folder)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    load = os.getloadavg()[0]
    for name, values in figures.items():
        if values:
            print(f"{name:12s} {summary(values)}  n={len(values)}")
    print(f"load average (1 min) at the end: {load:.1f}")
    if args.out:
        args.out.write_text(json.dumps({"figures": figures, "load": load}, indent=2))


if __name__ == "__main__":
    main()
