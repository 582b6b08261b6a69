"""The app in a real browser: Debian's chromium driven by Playwright, with the network closed.

One ``industry-transition app`` server is started for the module (it prepares the offline
assets itself). Every page blocks requests to any host but the local server and fails on a
blocked request, an HTTP error, or a console error. Screenshots and the measured step times go
to ``test-artifacts/browser/`` (kept after the run; look at them).

Without chromium the tests are skipped, unless ``INDUSTRY_TRANSITION_REQUIRE_BROWSER=1`` (set by
``.ci/run``), which turns a missing browser into a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from industry_transition.experiments.sweep import sweep
from industry_transition.visualization.app import FIRST_PAGE_FILES

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
STARTUP_SECONDS = 120
DRAW_MS = 60_000
NETWORK_NODES = ".chart-network g.mark-symbol.role-mark path"
EMISSION_LINES = ".chart-emissions g.mark-line.role-mark path"

if not Path(CHROMIUM).exists():
    if os.environ.get("INDUSTRY_TRANSITION_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"chromium not found at {CHROMIUM}; .ci/run installs it with apt-get")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def results_root(tmp_path_factory) -> Path:
    """A folder the results page may read, holding one small sweep."""
    root = tmp_path_factory.mktemp("results")
    spec = {
        "scenario": "teaching",
        "steps": 6,
        "replications": 2,
        "seed": 1,
        "grid": {"carbon_price_scale": [0.5, 2.0]},
    }
    sweep(spec, out=root / "prices", workers=1, progress=False)
    return root


@pytest.fixture(scope="module")
def server(results_root) -> Iterator[str]:
    port = _free_port()
    log = ARTIFACTS / "server.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "industry_transition",
                "app",
                "--no-browser",
                "--port",
                str(port),
                "--results",
                str(results_root),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the app exited with {process.returncode}:\n{log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), 1):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            process.kill()
            pytest.fail(f"the app did not open port {port} in {STARTUP_SECONDS} s")
        yield f"http://127.0.0.1:{port}/"
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        process.terminate()  # as a service manager stops it
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{c}").exists() for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert children, "the app runs the Solara server as a child process"
    left = [c for c in children if Path(f"/proc/{c}").exists()]
    assert left == [], f"SIGTERM to the app left its server running: {left}"
    text = log.read_text()
    assert "Could not load" not in text, "the server could not serve an asset"
    # app.warm_static_files found and compressed every listed file (its warnings' own words:
    # its INFO line also says "static files")
    for warning in ("could not compress", "not found or not compressed by the server"):
        assert warning not in text, text
    # every page's charts reported their drawing: none waited for app.PICTURE_DEADLINE_SECONDS
    assert "the first picture was not reported" not in text, text


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield instance
        instance.close()


class Watched:
    """A page with the network closed, recording what went wrong."""

    def __init__(self, browser, url: str, viewport: tuple[int, int] = (1600, 1250)) -> None:
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.opened = time.perf_counter()
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("response", self._response)
        #: paths of the static files the server sent compressed (``app.FIRST_PAGE_FILES``)
        self.compressed: set[str] = set()
        started = time.perf_counter()
        self.page.goto(url)
        self.page.wait_for_selector(NETWORK_NODES, timeout=DRAW_MS, state="attached")
        #: seconds from opening the page until the network is drawn
        self.first_picture_s = time.perf_counter() - started

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")
        path = urlsplit(response.url).path.lstrip("/")
        if path and response.headers.get("content-encoding"):
            self.compressed.add(path)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")
        elif message.type == "warning":
            self.warnings.append(message.text)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            self.problems.append(f"blocked: {url}")
            route.abort()

    def year(self) -> str:
        return self.page.inner_text(".current-year").strip()

    def step(self) -> float:
        """Click Step; seconds until the page shows the next year."""
        return self.timed_step()[0]

    def timed_step(self, points: int | None = None) -> tuple[float, float]:
        """Click Step; seconds until the next year shows, and until the emissions chart has
        drawn at least ``points`` points (the year's new data; 0 s if not asked)."""
        before = self.year()
        started = time.perf_counter()
        self.page.click("button.step")
        self.page.wait_for_function(
            "before => document.querySelector('.current-year').innerText.trim() !== before",
            arg=before,
            timeout=30_000,
        )
        year_shown = time.perf_counter() - started
        if points is None:
            return year_shown, 0.0
        self.page.wait_for_function(
            "n => document.querySelectorAll('.chart-emissions g.mark-symbol.role-mark path')"
            ".length >= n",
            arg=points,
            timeout=30_000,
        )
        return year_shown, time.perf_counter() - started

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    def close(self) -> None:
        self.context.close()
        assert self.problems == [], self.problems


def test_page_draws_steps_and_measures(server, browser):
    watched = Watched(browser, server)
    page = watched.page
    assert watched.year() == "start of 2024"
    assert watched.count(NETWORK_NODES) > 100, "leadit has over a hundred nodes"
    assert watched.count(".chart-network g.mark-rule.role-mark line") > 0, "initial ties"
    assert watched.count(".chart-finance .vega-embed svg") == 1
    watched.shot("1-start")
    # every static file the page was sent compressed, the server compressed at its start
    # (app.warm_static_files); a file missing from the list would cost the first session
    unlisted = watched.compressed - set(FIRST_PAGE_FILES)
    assert unlisted == set(), f"add to app.FIRST_PAGE_FILES: {sorted(unlisted)}"
    assert len(watched.compressed) >= 10, sorted(watched.compressed)
    times = [watched.step() for _ in range(3)]
    assert watched.year() == "2026"
    page.wait_for_selector(EMISSION_LINES, state="attached", timeout=DRAW_MS)
    page.wait_for_function(
        "() => document.querySelectorAll('.chart-emissions g.mark-symbol.role-mark path')"
        ".length >= 12"
    )
    lines = page.locator(EMISSION_LINES)
    assert lines.count() == 4, "steel and cement, with and without cooperation"
    drawn = [lines.nth(i).get_attribute("d") for i in range(lines.count())]
    assert all(d and d.count("L") >= 2 for d in drawn), "each line joins three years"
    assert "3 of 27" in page.inner_text(".progress-text")
    watched.shot("2-after-three-steps")
    # four points a year: two sectors, with and without cooperation
    timed = [watched.timed_step(points=4 * year) for year in range(4, 7)]
    more = [shown for shown, _ in timed]
    charts = [drawn for _, drawn in timed]
    (ARTIFACTS / "step_times.json").write_text(
        json.dumps(
            {
                "scenario": "leadit",
                "first_picture_s": watched.first_picture_s,
                "seconds": times + more,
                "seconds_until_the_emissions_chart_is_redrawn": charts,
            },
            indent=2,
        )
    )
    print(f"leadit step to page update, seconds: {[round(t, 3) for t in times + more]}")
    print(f"leadit step to redrawn emissions chart, seconds: {[round(t, 3) for t in charts]}")
    assert max(times + more + charts) < 5.0, "a step must not hang the page"
    watched.close()


def test_csv_download_and_scenario_switch(server, browser):
    watched = Watched(browser, server)
    page = watched.page
    watched.step()
    with page.expect_download() as info:
        page.get_by_role("button", name="emissions.csv").click()
    download = info.value
    path = ARTIFACTS / "emissions.csv"
    download.save_as(path)
    lines = path.read_text().splitlines()
    assert lines[0] == "year,sector,run,emissions_mt"
    assert len(lines) == 1 + 4, "one year: two sectors, with and without cooperation"
    with page.expect_download() as info:
        page.get_by_role("button", name="report.html").click()
    report = ARTIFACTS / "app-report.html"
    info.value.save_as(report)
    text = report.read_text()
    assert "vegaEmbed(" in text
    assert "leadit, seed 1" in text
    assert "1 of 27 years" in text
    page.click(".scenario-select")
    page.get_by_role("option", name="teaching").click()
    page.wait_for_function(
        f"() => document.querySelectorAll('{NETWORK_NODES}').length > 0 && "
        f"document.querySelectorAll('{NETWORK_NODES}').length < 40",
        timeout=DRAW_MS,
    )
    assert watched.year() == "start of 2024"
    watched.step()
    assert watched.year() == "2024"
    # the charts follow the new scenario's run: one year, two sectors, with and without
    page.wait_for_function(
        "() => document.querySelectorAll('.chart-emissions g.mark-symbol.role-mark path')"
        ".length >= 4",
        timeout=DRAW_MS,
    )
    watched.shot("3-teaching")
    page.get_by_role("button", name="Compare").click()
    started = time.perf_counter()
    page.click("button.run-compare")
    page.wait_for_selector(
        ".chart-difference g.mark-rect.role-mark path", state="attached", timeout=DRAW_MS
    )
    (ARTIFACTS / "compare_time.json").write_text(
        json.dumps({"scenario": "teaching", "compare_s": time.perf_counter() - started}) + "\n"
    )
    bars = page.locator(".chart-difference g.mark-rect.role-mark path").count()
    assert bars == 27, "one bar per year, 2024-2050"
    assert page.locator(".chart-comparison g.mark-line.role-mark path").count() == 2
    watched.shot("4-compare")
    watched.close()


def test_sessions_are_independent(server, browser):
    first = Watched(browser, server)
    second = Watched(browser, server)
    first.step()
    first.step()
    assert first.year() == "2025"
    assert second.year() == "start of 2024"
    second.page.click("button.reset")
    # a session's messages are handled in order: once the Step sent after the Reset has drawn
    # its year, the Reset has been handled too (no fixed wait)
    second.step()
    assert second.year() == "2024"
    assert first.year() == "2025", "another session's Reset and Step leave this one alone"
    first.close()
    second.close()


def test_bad_seed_and_results_page(server, browser, results_root):
    watched = Watched(browser, server)
    page = watched.page
    seed = page.locator(".seed-input input")
    seed.fill("twelve")
    seed.press("Enter")
    page.click("button.reset")
    page.wait_for_selector(".app-error", timeout=10_000)
    assert "not a whole number" in page.inner_text(".app-error")
    assert "Traceback" not in page.inner_text("body")
    page.get_by_role("button", name="Results").click()
    box = page.locator(".results-path input")
    box.wait_for(timeout=10_000)
    box.fill("/etc")
    box.press("Enter")
    page.click("button.open")
    page.wait_for_selector(".results-error", timeout=10_000)
    assert "outside" in page.inner_text(".results-error")
    box.fill("prices")
    box.press("Enter")
    page.click("button.open")
    page.wait_for_selector(
        ".chart-bands g.mark-symbol.role-mark path, .chart-bands path", timeout=DRAW_MS
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.chart-bands g.mark-line.role-mark path').length > 0"
    )
    watched.shot("5-results")
    watched.close()


def test_a_chart_taken_off_the_page_takes_its_tooltip(server, browser):
    """A tooltip shown over the network must not stay over the next view (vega-embed's
    finalize when the chart unmounts, ``public/vegalite.mjs``)."""
    watched = Watched(browser, server)
    page = watched.page
    tooltip = "#vg-tooltip-element.visible"
    page.locator(NETWORK_NODES).first.hover(force=True)
    page.wait_for_selector(tooltip, timeout=10_000)
    # switch view with the keyboard: the mouse stays where the node was, so no mouse-out
    # hides the tooltip (a click would move the mouse to the tab first)
    page.get_by_role("button", name="Results").focus()
    page.keyboard.press("Enter")
    page.locator(".results-path input").wait_for(timeout=10_000)
    page.wait_for_selector(tooltip, state="detached", timeout=10_000)
    page.get_by_role("button", name="Run").click()  # and the charts draw again on return
    page.wait_for_selector(NETWORK_NODES, timeout=DRAW_MS, state="attached")
    page.locator(NETWORK_NODES).first.hover(force=True)
    page.wait_for_selector(tooltip, timeout=10_000)
    watched.close()


def _change_slider(page) -> None:
    """Move the carbon-price slider one step right with the keyboard, as a user can."""
    page.locator(".lever-carbon_price_scale [role=slider]").focus()
    page.keyboard.press("ArrowRight")


def _change_toggle(page) -> None:
    page.locator(".lever-enforcement").get_by_role("button", name="none").click()


def _change_switch(page) -> None:
    page.locator(".lever-broker label", has_text="Broker").click()


@pytest.mark.parametrize(
    ("kind", "change", "applied"),
    [
        ("slider", _change_slider, "carbon price scale 1.1"),
        ("toggle", _change_toggle, "enforcement none"),
        ("switch", _change_switch, "broker off"),
    ],
)
def test_levers_say_when_they_differ_from_the_running_model(server, browser, kind, change, applied):
    watched = Watched(browser, server)
    page = watched.page
    note = page.locator(".levers-differ")
    assert note.count() == 0
    change(page)
    note.wait_for(state="visible", timeout=10_000)
    assert "differs from the running model" in note.inner_text()
    watched.shot(f"levers-{kind}-differs")
    # Compare's A is the running model, not the unapplied sidebar
    page.get_by_role("button", name="Compare").click()
    compare_a = page.locator(".compare-a")
    compare_a.wait_for(timeout=10_000)
    assert "running model" in compare_a.inner_text()
    assert applied not in compare_a.inner_text()
    page.click("button.reset")
    note.wait_for(state="detached", timeout=30_000)
    page.wait_for_function(
        "text => document.querySelector('.compare-a')?.innerText.includes(text)",
        arg=applied,
        timeout=30_000,
    )
    watched.shot(f"levers-{kind}-applied")
    watched.close()


SCREENS = [(1280, 720), (1440, 900), (1920, 1080), (1024, 768)]
#: Boxes (left, top, right, bottom) of elements, and what they must stay inside.
BOXES_JS = """sel => [...document.querySelectorAll(sel)].map(e => {
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom, r.width, r.height];
})"""
OVERFLOW_JS = """(args) => {
    const [inner, outer] = args;
    const out = [];
    for (const e of document.querySelectorAll(inner)) {
        const box = e.closest(outer);
        if (!box) continue;
        const r = e.getBoundingClientRect(), b = box.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.left < b.left - 1 || r.right > b.right + 1) {
            out.push(`${inner} (${e.innerText || e.tagName}) ${r.left.toFixed(0)}-` +
                     `${r.right.toFixed(0)} outside ${outer} ${b.left.toFixed(0)}-` +
                     `${b.right.toFixed(0)}`);
        }
    }
    return out;
}"""
SCROLLED_JS = """sel => [...document.querySelectorAll(sel)]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => `${sel}: content ${e.scrollWidth} px in ${e.clientWidth} px`)"""


def _overlaps(boxes: list[list[float]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[:i])
        if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5
    ]


#: Boxes of every text a chart draws (axis labels and titles, legends, marks), chart by chart.
CHART_TEXTS_JS = """sel => [...document.querySelectorAll(sel)].map(chart => ({
    chart: chart.closest('.chart')?.className || sel,
    boxes: [...chart.querySelectorAll('svg text')]
        .filter(t => t.textContent.trim() !== '')
        .map(t => { const r = t.getBoundingClientRect();
                    return [r.left, r.top, r.right, r.bottom, t.textContent.trim()]; })
        .filter(b => b[2] > b[0] && b[3] > b[1]),
}))"""


def _layout_problems(page, width: int) -> list[str]:
    """What does not fit at this screen width: controls outside the sidebar, a view tab off
    screen, a chart outside its card, a card that needs scrolling or leaves the workspace."""
    problems = []
    # controls stay inside the sidebar (Play/Pause, the enforcement toggle's words)
    for inner in (".v-btn", ".v-btn-group", ".v-input", ".v-alert"):
        problems += page.evaluate(OVERFLOW_JS, [f".controls {inner}", ".controls"])
    # every view tab is on screen
    for left, _, right, _, w, h in page.evaluate(BOXES_JS, ".views .v-btn"):
        if left < 0 or right > width + 0.5 or w == 0 or h == 0:
            problems.append(f"a view tab is off screen: {left:.0f}-{right:.0f} of {width}")
    if len(page.evaluate(BOXES_JS, ".views .v-btn")) != 4:
        problems.append("not all four view tabs are there")
    # charts stay inside their cards, and no card needs scrolling at these sizes
    problems += page.evaluate(OVERFLOW_JS, [".vega-embed svg", ".v-card"])
    problems += page.evaluate(SCROLLED_JS, ".v-card")
    problems += page.evaluate(OVERFLOW_JS, [".v-card", ".page-workspace"])
    problems += page.evaluate(OVERFLOW_JS, [".page-workspace .vega-embed svg", ".page-workspace"])
    # nothing is wider than the window (no sideways scrolling of the page)
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll > width + 1:
        problems.append(f"the page is {scroll} px wide in a {width} px window")
    return problems


def _chart_text_overlaps(page, selector: str) -> list[str]:
    """Pairs of texts drawn on top of each other inside one chart."""
    problems = []
    for chart in page.evaluate(CHART_TEXTS_JS, selector):
        boxes = chart["boxes"]
        for i, j in _overlaps([b[:4] for b in boxes]):
            problems.append(f"{chart['chart']}: '{boxes[i][4]}' overlaps '{boxes[j][4]}'")
    return problems


@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_every_screen_size_fits(server, browser, screen):
    width, height = screen
    watched = Watched(browser, server, viewport=screen)
    page = watched.page
    for _ in range(3):
        watched.step()
    page.wait_for_function(
        "() => document.querySelectorAll('.chart-emissions g.mark-symbol.role-mark path')"
        ".length >= 12",
        timeout=DRAW_MS,
    )
    page.wait_for_selector(".avoided", timeout=DRAW_MS)  # the longest header
    watched.shot(f"screen-{width}x{height}")
    problems = _layout_problems(page, width)
    # network labels never overlap one another
    labels = page.evaluate(BOXES_JS, ".chart-network g.mark-text text")
    assert len(labels) >= 10, "countries are labelled"
    problems += [f"network labels {i} and {j} overlap" for i, j in _overlaps(labels)]
    # nothing covers the bottom of the page (Solara's badge is off)
    assert page.locator("text=This website runs on Solara").count() == 0
    assert problems == [], problems
    assert watched.warnings == [], watched.warnings
    watched.close()


@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_compare_tab_fits_every_screen_size(server, browser, screen):
    width, height = screen
    watched = Watched(browser, server, viewport=screen)
    page = watched.page
    page.get_by_role("button", name="Compare").click()
    page.wait_for_selector("button.run-compare", timeout=30_000)
    page.click("button.run-compare")
    page.wait_for_selector(".compare-time", timeout=DRAW_MS)
    page.wait_for_selector(
        ".chart-difference g.mark-rect.role-mark path", state="attached", timeout=DRAW_MS
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('.page-workspace .chart')]"
        ".every(c => c.querySelector('svg'))",
        timeout=DRAW_MS,
    )
    # the results at the top of the window (the click scrolled to the button)
    page.evaluate("() => document.querySelector('.compare-time').scrollIntoView()")
    watched.shot(f"compare-{width}x{height}")
    problems = _layout_problems(page, width)
    # Compare's own controls stay inside their card (B's levers, the metric, the button)
    for inner in (".v-btn", ".v-btn-group", ".v-input"):
        problems += page.evaluate(OVERFLOW_JS, [f".compare-b {inner}", ".compare-b"])
    problems += _chart_text_overlaps(page, ".page-workspace .chart .vega-embed")
    assert problems == [], problems
    assert watched.warnings == [], watched.warnings
    watched.close()


@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_results_tab_fits_every_screen_size(server, browser, screen):
    width, height = screen
    watched = Watched(browser, server, viewport=screen)
    page = watched.page
    page.get_by_role("button", name="Results").click()
    box = page.locator(".results-path input")
    box.wait_for(timeout=10_000)
    box.fill("prices")
    box.press("Enter")
    page.click("button.open")
    page.wait_for_function(
        "() => document.querySelectorAll('.chart-bands g.mark-line.role-mark path').length > 0",
        timeout=DRAW_MS,
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('.page-workspace .chart')]"
        ".every(c => c.querySelector('svg'))",
        timeout=DRAW_MS,
    )
    watched.shot(f"results-{width}x{height}")
    page.evaluate("() => document.querySelector('.chart-yearly').scrollIntoView()")
    watched.shot(f"results-{width}x{height}-yearly")
    problems = _layout_problems(page, width)
    for inner in (".v-btn", ".v-input"):
        problems += page.evaluate(OVERFLOW_JS, [f".page-workspace {inner}", ".page-workspace"])
    problems += _chart_text_overlaps(page, ".page-workspace .chart .vega-embed")
    assert problems == [], problems
    assert watched.warnings == [], watched.warnings
    watched.close()


def test_event_log_groups_repeats_and_filters_by_agent(server, browser):
    watched = Watched(browser, server)
    page = watched.page
    groups = page.locator(".event-group")
    # investments repeat in most years (a company converting several plants); the kinds shown
    # by default (agreements, deliveries, endings, membership) repeat only on some data
    page.click(".event-kinds")
    page.get_by_role("option", name="investments").click()
    page.keyboard.press("Escape")
    for _ in range(27):  # until a year has repeated events (which ones depends on the data)
        watched.step()
        if groups.count():
            break
    group = groups.first
    group.wait_for(timeout=DRAW_MS)
    summary = group.locator("summary").inner_text()
    assert re.match(r"^\d{4}: \d+ ", summary), summary
    members = group.locator(".event-member")
    assert members.count() >= 2
    assert not members.first.is_visible(), "closed until asked"
    group.locator("summary").click()
    members.first.wait_for(state="visible", timeout=10_000)
    texts = [members.nth(i).inner_text() for i in range(members.count())]
    assert len(set(texts)) == len(texts), "each member is one event, told apart in words"
    watched.shot("events-grouped")
    page.click(".event-agent")
    options = page.get_by_role("option")
    # an agent the group names: filtering by it keeps only lines that name it (the menu
    # renders its options as it scrolls, so scroll until one the summary names is there)
    named: list[str] = []
    for turn in range(40):
        names = [options.nth(i).inner_text().strip() for i in range(options.count())]
        # a company option reads "name (country, sector)"; the summary names it by its name
        named = [n for n in names if n and n.rsplit(" (", 1)[0] in summary]
        if named:
            break
        (options.first if turn % 2 else options.last).scroll_into_view_if_needed()
        page.wait_for_timeout(100)
    assert named, (summary, names)
    agent = max(named, key=len)
    page.get_by_role("option", name=agent, exact=True).click()
    page.wait_for_function(
        "name => { const lines = [...document.querySelectorAll('.event-log > li')];"
        " return lines.length > 0 && lines.every(li => li.innerText.includes(name)); }",
        arg=agent.rsplit(" (", 1)[0],
        timeout=30_000,
    )
    watched.shot("events-by-agent")
    watched.close()


def test_club_game_shows_its_levers_and_members_against_the_stable_size(server, browser):
    watched = Watched(browser, server)
    page = watched.page
    page.click(".scenario-select")
    page.get_by_role("option", name="club-game").click()
    page.locator(".lever-club_benefit").wait_for(timeout=DRAW_MS)
    assert page.locator(".lever-countries").count() == 1
    # no empty emission charts: the run view swaps them for the club chart
    page.wait_for_selector(".chart-emissions", state="detached", timeout=DRAW_MS)
    page.wait_for_selector(".chart-club", state="attached", timeout=DRAW_MS)
    watched.step()
    watched.step()
    page.wait_for_function(
        "() => document.querySelectorAll('.chart-club g.mark-line.role-mark path').length == 2",
        timeout=DRAW_MS,
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.chart-club g.mark-symbol.role-mark path').length == 3",
        timeout=DRAW_MS,
    )
    watched.shot("club-game")
    watched.close()


def test_report_opens_offline_with_every_request_blocked(browser, tmp_path):
    from typer.testing import CliRunner

    from industry_transition.cli import app

    target = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["report", "--scenario", "leadit", "--seed", "1", "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
    requests: list[str] = []
    problems: list[str] = []

    def route(handle) -> None:
        if handle.request.url == target.as_uri():
            handle.continue_()
        else:
            requests.append(handle.request.url)
            handle.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(target.as_uri())
    page.wait_for_function(
        "() => document.querySelectorAll('.chart-network_2050 g.mark-symbol.role-mark path')"
        ".length > 100",
        timeout=DRAW_MS,
    )
    for name in ("emissions", "finance", "partnerships", "low_carbon"):
        assert page.locator(f".chart-{name} g.role-mark path").count() > 0, name
    assert page.locator(".chart-network_2037 g.mark-symbol.role-mark path").count() > 100
    with page.expect_download() as info:
        page.locator("button[data-chart=partnerships]").click()
    saved = tmp_path / "partnerships.csv"
    info.value.save_as(saved)
    assert saved.read_text().splitlines()[0] == "year,kind,active"
    page.fill("#event-filter", "France")
    shown = page.locator(".event-log > li:visible")
    assert shown.count() > 0
    assert all("France" in shown.nth(i).inner_text() for i in range(min(shown.count(), 20)))
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert requests == [], "the report asked for something"
    assert problems == []
    context.close()
