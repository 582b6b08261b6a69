"""``industry-transition app``: prepare the offline assets, then serve the Solara app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from industry_transition.experiments.cli import fail
from industry_transition.model.scenario import available_scenarios

APP_RESULTS_HELP = (
    "Folder the results page may open sweeps from (repeat for several; default: the current "
    "folder). Paths outside these folders are refused."
)


def app_command(
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535)] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to bind; 0.0.0.0 exposes the app to your network.")
    ] = "127.0.0.1",
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser (for servers).")
    ] = False,
    scenario: Annotated[
        str | None, typer.Option(help="Scenario to open on (default: leadit, else teaching).")
    ] = None,
    results: Annotated[list[Path] | None, typer.Option("--results", help=APP_RESULTS_HELP)] = None,
    session_timeout: Annotated[
        str,
        typer.Option(help="Close a browser session's model after this long idle (e.g. 30m, 2h)."),
    ] = "1h",
) -> None:
    """Serve the browser app (works offline once its JavaScript is cached)."""
    import os
    import re
    import signal
    import socket
    import subprocess
    import sys
    import threading
    import time
    import webbrowser

    from industry_transition.visualization.assets import (
        AssetError,
        ensure_assets,
        solara_environment,
    )
    from industry_transition.visualization.bytecode import ensure_bytecode
    from industry_transition.visualization.results import ROOTS_VARIABLE
    from industry_transition.visualization.session import default_scenario

    if scenario is not None and scenario not in available_scenarios():
        fail(f"--scenario: unknown scenario '{scenario}'; shipped: {available_scenarios()}")
    if not re.fullmatch(r"\d+\s*[smhd]?", session_timeout.strip()):
        fail(f"--session-timeout '{session_timeout}': use a number with s, m, h or d, e.g. 30m")
    roots = [p.expanduser().resolve() for p in (results or [Path.cwd()])]
    for root in roots:
        if not root.is_dir():
            fail(f"--results {root}: not a folder")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(f"cannot serve on {host}:{port} ({exc.strerror}); choose another --port")
    try:
        assets = ensure_assets(progress=lambda message: typer.echo(message, err=True))
    except AssetError as exc:
        fail(str(exc))
    # the server imports numpy, pandas, Mesa and Solara: compiled once, it starts seconds sooner
    ensure_bytecode(progress=lambda message: typer.echo(message, err=True))
    env = {
        **os.environ,
        **solara_environment(assets),
        "INDUSTRY_TRANSITION_APP_SCENARIO": scenario or default_scenario(),
        ROOTS_VARIABLE: os.pathsep.join(str(r) for r in roots),
        "SOLARA_KERNEL_CULL_TIMEOUT": session_timeout.strip(),
        # no "This website runs on Solara" badge over the bottom of the page (the event log)
        "SOLARA_THEME_SHOW_BANNER": "false",
    }
    url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "industry_transition.visualization.app",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]
    typer.echo(f"serving {url} (Ctrl+C stops)", err=True)

    def open_when_ready() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(
                    ("127.0.0.1" if host == "0.0.0.0" else host, port), 1
                ):
                    webbrowser.open(url)
                    return
            except OSError:
                time.sleep(0.5)

    if not no_browser:
        threading.Thread(target=open_when_ready, daemon=True).start()
    server = subprocess.Popen(command, env=env)

    def stop(signum: int, _frame: object) -> None:
        # A service manager (or a test) stops this process with SIGTERM: stop the server too,
        # or it would be left running without its parent.
        server.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        code = server.wait()
    except KeyboardInterrupt:  # Ctrl+C reaches the whole process group, the server included
        code = server.wait()
    raise typer.Exit(code=0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code)
