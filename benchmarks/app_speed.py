"""How fast the app answers a class: first picture, a Step, and Compare, in a real browser.

Usage:
    uv run python benchmarks/app_speed.py                       # starts its own app server
    uv run python benchmarks/app_speed.py --url http://127.0.0.1:8765/ --sessions 5
    uv run python benchmarks/app_speed.py --out test-artifacts/app_speed.json

Debian's chromium (``/usr/bin/chromium``) is driven by Playwright, headless. For each of
``--sessions`` fresh browser contexts on ``leadit`` it measures, from ``page.goto``:

- ``first_picture_s``: until the network's nodes and all four charts have SVG marks;
- ``levers_s``: until the sidebar's levers are on the page (the Steps start after);
- per Step (``--steps``), ``step_year_s`` until the year banner shows the next year and
  ``step_charts_s`` until the emissions chart has drawn that year's points;
- once, ``compare_s``: from "Run A and B" (Compare's defaults: A the running model, B with the
  broker switched) until B − A's bars are drawn, on the first press; on a second press with
  the same settings (``compare_again_s``, served from the runs already computed); and with a
  B nobody has run yet (``compare_new_b_s``: enforcement none).

The first session after the server starts may pay for work the server does once, so it is
reported separately (``first_session``). A server started here is first left to finish its
start (its CPU idle for half a second, at most 30 s) before the first session opens, and
chromium has opened and closed one blank page: a class's browsers are already running.

On a machine shared with other work the times above move with the load; the CPU seconds each
side spends do much less. So each session also reports, from ``psutil``, the CPU time of the
server's process tree and of chromium's (all its processes) over the first picture
(``server_cpu_first_s``, ``browser_cpu_first_s``) and per Step (``server_cpu_step_s``,
``browser_cpu_step_s``), when the server was started here. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NETWORK = ".chart-network g.mark-symbol.role-mark path"
CHARTS = [
    ".chart-emissions svg",
    ".chart-finance svg",
    ".chart-partnerships svg",
    ".chart-low_carbon svg",
]
LEVERS = ".controls [class*='lever-']"
EMISSION_POINTS = ".chart-emissions g.mark-symbol.role-mark path"
#: headless, and none of chromium's own background work (updates, sync, first-run pages)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CPU_KEYS = ("browser_cpu_first_s", "server_cpu_first_s", "browser_cpu_step_s", "server_cpu_step_s")


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    """``industry-transition app`` on a free port; returns the process and its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "industry_transition", "app", "--no-browser", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                settle(process.pid)
                return process, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"the app did not open port {port}")


def settle(pid: int, window: float = 0.5, idle: float = 0.05, timeout: float = 30.0) -> None:
    """Wait until the server is idle: under ``idle`` CPU seconds in a ``window`` of seconds.

    The server keeps working for a moment after its port opens (the first page's model and
    what a first page pays once are built in a background thread: ``app.warm_first_page``); a
    class opens its pages after the teacher has started the app, so the first session is
    measured from an idle server, and its CPU seconds are its own.
    """
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = cpu_seconds(pid)
        if now - before < idle:
            return
        before = now


def cpu_seconds(pid: int | None) -> float:
    """User and system CPU seconds of a process and its children now (0 without a pid)."""
    if pid is None:
        return 0.0
    total = 0.0
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:  # ended meanwhile
            continue
        total += times.user + times.system
    return total


def browser_pid() -> int | None:
    """The chromium that Playwright started (a child of this process), if found."""
    for child in psutil.Process().children(recursive=True):
        if "chrom" in child.name():
            return int(child.pid)
    return None


def first_picture(page: Any, url: str) -> float:
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        "([nodes, charts]) => document.querySelectorAll(nodes).length > 0 && "
        "charts.every(c => document.querySelector(c))",
        arg=[NETWORK, CHARTS],
        timeout=120_000,
    )
    return time.perf_counter() - started


def levers_shown(page: Any, started: float) -> float:
    """Seconds from ``started`` until the sidebar's levers are on the page (built after the
    first picture since 2026-12-05: ``app.Later``)."""
    page.wait_for_selector(LEVERS, state="attached", timeout=60_000)
    return time.perf_counter() - started


def step(page: Any, year_index: int) -> tuple[float, float]:
    before = page.inner_text(".current-year").strip()
    started = time.perf_counter()
    page.click("button.step")
    page.wait_for_function(
        "b => document.querySelector('.current-year').innerText.trim() !== b",
        arg=before,
        timeout=60_000,
    )
    shown = time.perf_counter() - started
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n",
        arg=[EMISSION_POINTS, 4 * year_index],
        timeout=60_000,
    )
    return shown, time.perf_counter() - started


def compare(page: Any) -> float:
    """Click "Run A and B"; seconds until new results are shown and B − A's bars drawn."""
    bars = ".chart-difference g.mark-rect.role-mark path"
    # The button is disabled while the runs are pending, however briefly (runs already kept
    # answer at once, and the shown time may then read the same as before): watch for it.
    page.evaluate(
        """() => {
            const button = document.querySelector('button.run-compare');
            window.compareSeenPending = false;
            new MutationObserver(() => {
                if (button.disabled) window.compareSeenPending = true;
            }).observe(button, {attributes: true});
        }"""
    )
    started = time.perf_counter()
    page.click("button.run-compare")
    page.wait_for_function(
        "() => window.compareSeenPending && "
        "!document.querySelector('button.run-compare').disabled && "
        "document.querySelector('.compare-time')",
        timeout=120_000,
    )
    page.wait_for_selector(bars, state="attached", timeout=120_000)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an app already running (default: start one)")
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    load_at_start = [round(x, 2) for x in psutil.getloadavg()]
    process = None
    url = args.url
    if url is None:
        process, url = start_server()
    results: dict[str, Any] = {"url_started_here": process is not None, "sessions": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            chrome = browser_pid()
            # a browser already running, as a class's is: its own start (processes, profile)
            # is not the app's, so one blank page is opened and closed before the sessions
            warm = browser.new_context()
            warm.new_page().goto("about:blank")
            warm.close()
            for index in range(args.sessions):
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                page = context.new_page()
                server_pid = process.pid if process is not None else None
                browser_start, server_start = cpu_seconds(chrome), cpu_seconds(server_pid)
                opened = time.perf_counter()
                session: dict[str, Any] = {"first_picture_s": first_picture(page, url)}
                browser_drawn, server_drawn = cpu_seconds(chrome), cpu_seconds(server_pid)
                # the Steps start once the levers are there too (a class reads first)
                session["levers_s"] = round(levers_shown(page, opened), 3)
                steps = [step(page, i + 1) for i in range(args.steps)]
                browser_steps, server_steps = cpu_seconds(chrome), cpu_seconds(server_pid)
                if process is not None:
                    session["browser_cpu_first_s"] = round(browser_drawn - browser_start, 3)
                    session["server_cpu_first_s"] = round(server_drawn - server_start, 3)
                    session["browser_cpu_step_s"] = round(
                        (browser_steps - browser_drawn) / args.steps, 3
                    )
                    session["server_cpu_step_s"] = round(
                        (server_steps - server_drawn) / args.steps, 3
                    )
                session["step_year_s"] = [round(s[0], 3) for s in steps]
                session["step_charts_s"] = [round(s[1], 3) for s in steps]
                if index == args.sessions - 1:
                    page.get_by_role("button", name="Compare").click()
                    page.wait_for_selector("button.run-compare", timeout=30_000)
                    session["compare_s"] = round(compare(page), 3)
                    session["compare_again_s"] = round(compare(page), 3)
                    # a B nobody has run: enforcement none in Compare's own levers
                    page.locator(".compare-b .lever-enforcement").get_by_role(
                        "button", name="none"
                    ).click()
                    session["compare_new_b_s"] = round(compare(page), 3)
                session["first_picture_s"] = round(session["first_picture_s"], 3)
                results["sessions"].append(session)
                context.close()
            browser.close()
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)
    later = results["sessions"][1:] or results["sessions"]
    results["first_session"] = results["sessions"][0]["first_picture_s"]
    results["median_first_picture_s"] = statistics.median(s["first_picture_s"] for s in later)
    results["median_levers_s"] = statistics.median(s["levers_s"] for s in later)
    year = [t for s in later for t in s["step_year_s"]]
    drawn = [t for s in later for t in s["step_charts_s"]]
    results["median_step_year_s"] = statistics.median(year)
    results["median_step_charts_s"] = statistics.median(drawn)
    results["max_step_charts_s"] = max(drawn)
    for key in CPU_KEYS:
        if all(key in s for s in later):
            results[f"median_{key}"] = statistics.median(s[key] for s in later)
    # the 1, 5 and 15 minute load averages at the start and at the end of the runs
    results["load_average"] = {
        "start": load_at_start,
        "end": [round(x, 2) for x in psutil.getloadavg()],
    }
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
