"""The Solara app: watch coalitions form, pull levers, compare two settings, download the data.

Start it with ``industry-transition app`` (which also prepares the offline assets). Every browser
session builds its own ``Simulation`` inside ``Page`` (never at module level), so one viewer's
Reset or Play never touches another's. The components only draw what ``session`` computes.
"""

from __future__ import annotations

import html
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import ipyvue
import pandas as pd
import solara
import solara.lab
import traitlets
from solara.server import esm_vue, kernel_context
from solara.widgets import VegaLite as SolaraVegaLite

from industry_transition.model.parameters import ParameterError
from industry_transition.model.scenario import ScenarioError, available_scenarios
from industry_transition.visualization import charts
from industry_transition.visualization.report import app_report
from industry_transition.visualization.results_view import ResultsView
from industry_transition.visualization.session import (
    DEFAULT_EVENT_GROUPS,
    EVENT_GROUPS,
    FINAL_SERIES,
    MEMBERS_MODEL,
    MEMBERS_RECORD,
    SPARE_SIMULATIONS,
    FinalSeries,
    InputError,
    Lever,
    Simulation,
    csv_bytes,
    default_scenario,
    levers,
    outputs_zip,
    parse_seed,
    show_value,
    sidebar_differences,
)

# Reacton's fast renderer re-executes only the components whose state changed (here the yearly
# parts, which read the run's version) instead of the whole page on every step; read when a
# page is rendered, so set before that. An explicit REACTON_FAST=0 still wins.
os.environ.setdefault("REACTON_FAST", "1")

log = logging.getLogger(__name__)


#: The ES module holding the chart widget's Vue component (``industry_transition/public/``,
#: which Solara serves at ``/static/public/``).
CHART_MODULE = "industry-transition-vegalite"
#: Its file, sent to each session as the module widget's code (not a URL: a URL under
#: ``/static/public/`` would miss an app served under a root path).
CHART_MODULE_PATH = Path(__file__).parents[1] / "public" / "vegalite.mjs"
#: The charts' template's key in ipyvue's template registry (``chart_template``).
CHART_TEMPLATE_KEY = f"esm-module:{CHART_MODULE}"


class VegaLite(SolaraVegaLite):
    """Solara's Vega-Lite widget drawn by this package's component (``public/vegalite.mjs``).

    A chart whose layout is unchanged gets its new data through the Vega view instead of being
    embedded anew, and nothing waits 100 ms before drawing. The component is an ES module, not
    a ``.vue`` template: a template's script is compiled in the browser (Babel, on the page's
    main thread), a module is imported as it is.
    """

    template_file = None  # type: ignore[assignment]  # no .vue file: the template below

    @traitlets.default("template")
    def _default_template(self) -> ipyvue.Template:
        return chart_template()

    #: Called (no arguments) once the browser has drawn the chart for the first time.
    on_drawn = traitlets.Callable(None, allow_none=True)

    def vue_drawn(self, *_args: Any) -> None:
        """The template reports its first drawing (or a failed one: nothing is left to wait for)."""
        if self.on_drawn is not None:
            self.on_drawn()


def chart_template() -> ipyvue.Template:
    """The charts' template widget (naming the module), one per session rather than per chart.

    Kept in ipyvue's template registry, as ipyvue keeps a ``.vue`` file's template: Solara's
    server makes that registry one per session, so each session's browser is sent the widget
    once. A template that was never sent to a browser (no live comm, e.g. a closed widget) is
    not kept.
    """
    registry = sys.modules["ipyvue.Template"].template_registry
    template = registry.get(CHART_TEMPLATE_KEY)
    if template is not None and template.comm is not None:
        return cast(ipyvue.Template, template)
    template = ipyvue.Template(esm_module=CHART_MODULE, esm_export="default")
    comm = template.comm
    if comm is not None and type(comm).__name__ != "DummyComm":
        registry[CHART_TEMPLATE_KEY] = template
    return template


class FirstPicture:
    """Whether a page's first picture is drawn: every chart mounted so far drawn once.

    Controls a class does not need to read the first picture (the sidebar's levers, the event
    log's filters, the agent picker) are built only after it (``Later``), so the browser builds
    and lays out fewer widgets before the network and the charts are drawn; they follow a
    moment later. The charts report their first drawing through ``VegaLite.vue_drawn``; a
    chart whose drawing fails or hangs reports after 10 s at most (``public/vegalite.mjs``); a
    page whose charts never report (their module not loaded) stops waiting after
    ``PICTURE_DEADLINE_SECONDS``, and a page with no chart (an error instead of a run) waits for
    nothing.
    """

    def __init__(self, ready: solara.Reactive[bool]) -> None:
        self.ready = ready
        self.mounted: set[int] = set()
        self.drawn: set[int] = set()
        self.deadline: threading.Timer | None = None

    def mount(self, chart: int) -> None:
        """A chart is on the page: wait for it."""
        self.mounted.add(chart)

    def unmount(self, chart: int) -> None:
        """A chart left the page."""
        # a chart taken away before it was drawn (another view chosen) is not waited for
        self.mounted.discard(chart)
        self._check()

    def chart_drawn(self, chart: int) -> None:
        """The browser has drawn a chart."""
        self.drawn.add(chart)
        self._check()

    def settle(self) -> None:
        """After the page's first render: nothing to wait for if no chart is mounted."""
        self._check()

    def give_up(self) -> None:
        """The page's deadline has passed: show the later controls whatever the charts said."""
        if not self.ready.value:
            log.warning(
                "the first picture was not reported within %.0f s; showing the controls anyway",
                PICTURE_DEADLINE_SECONDS,
            )
            self.ready.set(True)

    def start_deadline(self) -> Callable[[], None]:
        """Give up waiting after ``PICTURE_DEADLINE_SECONDS``; returns what stops the wait.

        The charts' own 10 s limit lives in their module (``public/vegalite.mjs``): if the
        module itself never loads (a proxy blocking it, an old ipyvue), no chart ever reports,
        and without this the sidebar's levers and the log's filters would never appear. The
        timer's thread sets the page's state in the page's kernel context (outside a server,
        e.g. ``solara.render`` in a test, there is none and the state is global); a page closed
        before the deadline stops it (an effect's clean-up).
        """
        if self.ready.value:
            return lambda: None
        context = (
            kernel_context.get_current_context() if kernel_context.has_current_context() else None
        )

        def expire() -> None:
            try:
                if context is None:
                    self.give_up()
                else:
                    with context:
                        self.give_up()
            except Exception:  # a page closed as the deadline passed: nothing left to show
                log.debug("first-picture deadline after the page closed", exc_info=True)

        timer = threading.Timer(PICTURE_DEADLINE_SECONDS, expire)
        timer.name = "first-picture-deadline"
        timer.daemon = True
        self.deadline = timer
        timer.start()
        return timer.cancel

    def _check(self) -> None:
        if not self.ready.value and self.mounted <= self.drawn:
            if self.deadline is not None:  # drawn in time: nothing left to wait for
                self.deadline.cancel()
            self.ready.set(True)


#: The page's ``FirstPicture`` (None outside ``Page``, e.g. a chart rendered on its own: then
#: nothing waits).
first_picture_context = solara.create_context(cast("FirstPicture | None", None))


@solara.component
def Later(children: list[solara.Element] | None = None) -> solara.Element:
    """Its children once the page's first picture is drawn (at once outside ``Page``)."""
    picture = solara.use_context(first_picture_context)
    shown = picture is None or picture.ready.value
    return solara.Div(classes=["later"], children=list(children or []) if shown else [])


#: Environment variable naming the scenario the app opens on (set by ``industry-transition app``).
SCENARIO_ENV = "INDUSTRY_TRANSITION_APP_SCENARIO"
DEFAULT_SEED = "1"
ALL_COUNTRIES = "all countries"
ALL_AGENTS = "all agents"
VIEWS = ["Run", "Compare", "Results", "About"]
EVENT_ROWS = 200
SIDEBAR_PX = 280
#: Seconds a page waits for its charts to report their first drawing before it shows the
#: controls built after the first picture anyway (``FirstPicture.start_deadline``): longer than
#: the charts' own 10 s limit in ``public/vegalite.mjs``, so it only acts when that never ran.
PICTURE_DEADLINE_SECONDS = 12.0
#: Seconds after a run is built before Compare's A is run to the end in the background.
PREFETCH_SECONDS = 5.0
#: Page-wide CSS: nothing in the sidebar or Compare's B card wider than its box (buttons wrap,
#: the choice toggles keep their words' case and wrap); the workspace takes the window's width
#: left of the sidebar whatever its content (``contain: inline-size``: without it one long line,
#: such as a folder path on the Results tab, widened the whole page past the window), so rows
#: wrap and long paths break; Compare's results go under its B card when the two do not fit
#: side by side; the header wraps instead of pushing the view tabs off screen, and
#: a card never lets its chart spill over its edge.
CSS = """
.controls .v-btn, .compare-b .v-btn-group .v-btn {
    min-width: 0 !important; padding: 0 8px !important; letter-spacing: 0;
}
.controls .step-buttons { flex-wrap: wrap; gap: 6px; }
.controls .v-btn-group, .compare-b .v-btn-group { flex-wrap: wrap; height: auto !important; }
.controls .v-btn-group .v-btn, .compare-b .v-btn-group .v-btn {
    text-transform: none; height: 32px !important;
}
.page-workspace { contain: inline-size; }
.compare-layout { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.compare-layout .compare-b { flex: 1 1 280px; max-width: 440px; }
.compare-layout .compare-results { flex: 1 1 600px; min-width: 0; overflow-x: auto; }
.results-view code { overflow-wrap: anywhere; }
.results-view .v-input { min-width: 0; }
.page-header { flex-wrap: wrap; gap: 4px 16px; }
.year-banner { flex-wrap: wrap; gap: 0 8px; }
.views { flex-wrap: wrap; height: auto !important; }
.views .v-btn { min-width: 0 !important; padding: 0 12px !important; height: 40px !important; }
.run-top { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.run-top > .network-card { flex: 0 0 auto; max-width: 100%; overflow-x: auto; }
.run-top > .side { flex: 1 1 320px; min-width: 280px; }
.chart-cards > .v-card { max-width: 100%; overflow-x: auto; }
.width-container.vega-embed { width: 100%; }
"""
COMPARE_METRICS = {
    "Emissions, Mt CO2/yr": "emissions_mt",
    "Finance delivered (cumulative), USD million": "finance_delivered_musd",
    "Finance committed (cumulative), USD million": "finance_committed_musd",
    "Low-carbon capacity share": "low_carbon_capacity_share",
    "Active partnerships": "partnerships_active",
    "Share of finance to lower-income countries": "finance_to_lower_income_share",
    "Initiative member countries": "initiative_members",
}


def initial_scenario() -> str:
    """The scenario named by ``SCENARIO_ENV`` if it is shipped, else ``default_scenario()``."""
    wanted = os.environ.get(SCENARIO_ENV, "")
    return wanted if wanted in available_scenarios() else default_scenario()


def lever_defaults(scenario: str) -> dict[str, Any]:
    """Each lever's value in a scenario."""
    return {lever.name: lever.default for lever in levers(scenario)}


def warm_first_page(scenario: str, seed: int, overrides: dict[str, Any]) -> None:
    """Do once, ahead of the server's first page, what that page would otherwise pay for.

    The first page a server renders spent about 1 s more of the server's time than a later
    one: building the scenario's levers, the charts' Vega-Lite templates (Altair's first use)
    and the network's labels are each done once per process and kept (``levers``,
    ``charts``' cached templates). Here they are done on a throwaway ``Simulation`` built like a
    page's own, which is then dropped: no page ever sees it, and a run's draws come from its
    own seed, so no run changes.
    """
    levers(scenario)
    sim = Simulation(scenario, seed, overrides)
    years = (sim.start_year, sim.end_year)
    charts.emissions_chart(sim.emissions_frame(), years)
    charts.finance_chart(sim.finance_frame(), years)
    charts.partnerships_chart(sim.partnerships_frame(), years)
    charts.technology_chart(sim.technology_frame(), years, sim.low_carbon_technologies)
    charts.network_chart(sim.network_nodes(), sim.network_edges())
    warm_page_template()
    warm_static_files()


def warm_server(
    scenario: str, seed: int, overrides: dict[str, Any], final_series: FinalSeries = FINAL_SERIES
) -> Any:
    """The server's start after the opening page's spare: its first page, then Compare's A.

    ``warm_first_page``, then the opening settings' run to the end for Compare. Every page
    starts its settings' run to the end 5 s after it opens (``FinalSeries``, shared by pages
    with the same settings); for the opening settings that run (about 1.3 s of the server's
    time for ``leadit``) fell on the way to the second page's first picture. Started here, it
    is done before a class arrives, once.

    Returns:
        The future of that run's series (``FinalSeries.submit``).
    """
    warm_first_page(scenario, seed, overrides)
    return final_series.submit(scenario, seed, overrides)


def warm_page_template() -> None:
    """Solara's own once-per-process work for the first page request, done ahead.

    The server's first ``GET /`` compiled the page template (``templates/index.html.j2``) and
    hashed the notebook extensions' scripts (about 0.1 s of the server's time, both kept by
    Solara for later requests). These are Solara internals: if they are not there (another
    Solara version), the first page simply pays for them as before.
    """
    try:
        from solara.server import app as solara_app
        from solara.server import server

        if "__default__" not in solara_app.apps:  # not in Solara's server (e.g. a test)
            return
        server.get_nbextensions()
        server.get_jinja_env(app_name="__default__").get_template(server.template_name)
    except Exception:  # an optional head start, never a reason for the server to fail
        log.warning("could not warm the page template", exc_info=True)


#: The static files a page of the app loads (paths under the server's root, without the query
#: string), which ``warm_static_files`` compresses at the server's start. The browser test
#: ``test_page_draws_steps_and_measures`` checks that every file a page is sent compressed is
#: listed here, so a Solara upgrade that renames one fails there rather than slowing a class.
FIRST_PAGE_FILES = (
    "_solara/cdn/@widgetti/solara-vuetify3-app@5.2.0/dist/solara-vuetify-app8.min.js",
    "_solara/cdn/@widgetti/solara-vuetify3-app@5.2.0/dist/main8.css",
    "_solara/cdn/@widgetti/solara-vuetify3-app@5.2.0/dist/fonts.css",
    "_solara/cdn/font-awesome@4.5.0/css/font-awesome.min.css",
    "_solara/cdn/requirejs@2.3.6/require.js",
    "_solara/cdn/vega@5/build/vega.min.js",
    "_solara/cdn/vega-lite@5/build/vega-lite.min.js",
    "_solara/cdn/vega-embed@6/build/vega-embed.min.js",
    "jupyter/nbextensions/jupyter-vue/nodeps.js",
    "jupyter/nbextensions/jupyter-vue/nodeps-vue-sfc.js",
    "jupyter/nbextensions/jupyter-vuetify/nodeps.js",
    "static/assets/style.css",
    "static/assets/theme-light.css",
    "static/assets/favicon.svg",
)
#: What chromium (and Firefox) send: the server picks its encoding from this, as for a browser.
BROWSER_ACCEPT_ENCODING = b"gzip, deflate, br, zstd"


def warm_static_files(paths: tuple[str, ...] = FIRST_PAGE_FILES) -> int:
    """Compress the page's static files at the server's start instead of on its first page.

    Solara compresses each static file once per process (gzip at level 9, kept in memory), on
    the first request for it: about 0.4 s of the server's time, 0.23 s of it for its 3.9 MB
    app bundle alone, paid on the way to the first session's first picture. Here each file is
    found through the server's own static routes and compressed as a browser's request would
    have it compressed (``solara.server.compress``). These are Solara internals: if they are
    not there (another Solara version), a warning is logged and the first page pays as before.

    Returns:
        How many files were compressed (0 outside Solara's server, e.g. in a test).
    """
    try:
        from solara.server import app as solara_app

        if "__default__" not in solara_app.apps:  # not in Solara's server (e.g. a test)
            return 0
        from solara.server import compress
        from solara.server.starlette import routes
        from starlette.routing import Mount
        from starlette.staticfiles import StaticFiles  # noqa: F401 - named in a cast below
    except Exception:  # an optional head start, never a reason for the server to fail
        log.warning("could not compress the page's static files ahead", exc_info=True)
        return 0
    scope = {
        "type": "http",
        "method": "GET",
        "headers": [(b"accept-encoding", BROWSER_ACCEPT_ENCODING)],
        "query_string": b"",
    }
    mounts = [route for route in routes if isinstance(route, Mount)]
    done = 0
    for path in paths:
        url = "/" + path
        try:
            mount = next(m for m in mounts if url.startswith(m.path.rstrip("/") + "/"))
            files = cast("StaticFiles", mount.app)  # Solara mounts static files only
            full_path, stat = files.lookup_path(url[len(mount.path.rstrip("/")) + 1 :])
            encoding = compress.encoding_for(full_path, stat, scope) if stat else None
            if stat is None or encoding is None:
                log.warning("static file %s: not found or not compressed by the server", path)
                continue
            compress.compressed(full_path, stat, encoding)
            done += 1
        except Exception:
            log.warning("could not compress static file %s ahead", path, exc_info=True)
    log.info("compressed %d of %d static files ahead", done, len(paths))
    return done


# The charts' component, declared once (what ``ipyvue.define_module`` does in Solara's server,
# which patches it to this): each session then gets it as a widget with its code. Outside a
# server (tests) it is only recorded.
esm_vue.define_module(CHART_MODULE, CHART_MODULE_PATH)

if os.environ.get(SCENARIO_ENV):  # the app's server (``industry-transition app``) imports this
    # the first page's model, built while the server starts and waits for its first browser,
    # then what else a first page pays for once, then Compare's A for the opening settings (the
    # run to the end every page with them would start 5 s after it opens: done once, here,
    # instead of on the way to the second page's first picture); then each page's successor's
    # model, a few seconds after it (not for pages rendered in tests)
    SPARE_SIMULATIONS.ahead = True
    _opening = (initial_scenario(), int(DEFAULT_SEED), lever_defaults(initial_scenario()))
    SPARE_SIMULATIONS.prepare(*_opening, then=lambda: warm_server(*_opening))


class Spec:
    """A Vega-Lite spec passed between components as one opaque value.

    Reacton walks every list and dict in an element's arguments looking for child elements;
    for chart specs with hundreds of data rows that walk cost more than the model's step.
    Wrapped, the spec is compared by identity and handed to the widget untouched.
    """

    __slots__ = ("spec",)

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec


@solara.component
def Chart(spec: Spec | dict[str, Any], on_click: Any = None, name: str = "") -> solara.Element:
    """A Vega-Lite spec drawn by Solara's widget (whose scripts the app serves offline)."""
    box = spec if isinstance(spec, Spec) else Spec(spec)
    picture = solara.use_context(first_picture_context)
    widget = solara.use_memo(
        lambda: VegaLite(spec=box.spec, listen_to_click=on_click is not None), []
    )
    widget.on_click = on_click  # the latest callback, which sees the latest state

    def watch() -> Callable[[], None] | None:
        if picture is None:
            return None
        key = id(widget)
        picture.mount(key)
        widget.on_drawn = lambda: picture.chart_drawn(key)
        return lambda: picture.unmount(key)

    solara.use_effect(watch, [])

    def update() -> None:
        if widget.spec is not box.spec:
            widget.spec = box.spec

    solara.use_effect(update, [box])
    return solara.Div(classes=["chart", f"chart-{name or 'unnamed'}"], children=[widget])


@solara.component
def LeverControl(lever: Lever, value: Any, on_value: Any) -> solara.Element:
    """One lever as a slider, switch or choice, with unit and help text."""
    unit = f" ({lever.unit})" if lever.unit not in ("switch", "choice", "") else ""
    with solara.Column(gap="0px", classes=[f"lever-{lever.name}"]) as column:
        if lever.kind == "bool":
            solara.Switch(label=lever.label, value=bool(value), on_value=on_value)
        elif lever.kind == "choice":
            solara.ToggleButtonsSingle(
                value=str(value), values=list(lever.choices), on_value=on_value, dense=True
            )
            solara.Text(lever.label, style={"font-size": "0.8rem"})
        elif lever.kind == "int":
            solara.Text(f"{lever.label}{unit}: {int(value)}", style={"font-size": "0.85rem"})
            solara.SliderInt(
                "",
                value=int(value),
                min=int(lever.minimum or 0),
                max=int(lever.maximum or 100),
                step=int(lever.step or 1),
                on_value=on_value,
                thumb_label=True,
            )
        else:
            solara.Text(f"{lever.label}{unit}: {float(value):g}", style={"font-size": "0.85rem"})
            solara.SliderFloat(
                "",
                value=float(value),
                min=float(lever.minimum or 0.0),
                max=float(lever.maximum or 10.0),
                step=float(lever.step or 0.1),
                on_value=on_value,
                thumb_label=True,
            )
        solara.Text(lever.help, style={"font-size": "0.72rem", "color": "#666"})
    return column


@solara.component
def LeverPanel(scenario: str, values: dict[str, Any], on_values: Any) -> solara.Element:
    """All levers of a scenario; changing one calls ``on_values`` with the new dict."""
    with solara.Column(gap="6px") as column:
        for lever in levers(scenario):

            def set_value(new: Any, name: str = lever.name) -> None:
                on_values({**values, name: new})

            LeverControl(lever, values.get(lever.name, lever.default), set_value)
    return column


def _event_html(grouped: pd.DataFrame) -> str:
    """Grouped events as a list; a group opens (a native ``<details>``) to show its members."""
    if grouped.empty:
        return "<p class='event-empty'>No events of these kinds yet.</p>"
    items = []
    for event, text, count, members in zip(
        grouped["event"], grouped["text"], grouped["count"], grouped["members"], strict=True
    ):
        kind = html.escape(event)
        if count == 1:
            items.append(f"<li class='event event-{kind}'>{html.escape(text)}</li>")
            continue
        inner = "".join(f"<li class='event-member'>{html.escape(m)}</li>" for m in members)
        items.append(
            f"<li class='event event-{kind} event-group'><details><summary>"
            f"{html.escape(text)}</summary><ul style='padding-left:1rem'>{inner}</ul>"
            "</details></li>"
        )
    return f"<ul class='event-log' style='margin:0;padding-left:1.1rem'>{''.join(items)}</ul>"


@solara.component
def EventLog(sim: Simulation, version: solara.Reactive[int]) -> solara.Element:
    """The story of the run in words, newest first, filterable by country, agent and kind.

    The filters are rendered once; only ``EventList`` follows the year.
    """
    country = solara.use_reactive(ALL_COUNTRIES)
    agent = solara.use_reactive(ALL_AGENTS)
    groups = solara.use_reactive(list(DEFAULT_EVENT_GROUPS))
    names = solara.use_memo(
        lambda: sorted((c.name, c.agent_id) for c in sim.model.country_agents.values()),
        [id(sim)],
    )
    agents = solara.use_memo(
        lambda: sorted((sim.model.describe(a), a) for a in sim.model.agent_by_id), [id(sim)]
    )
    with solara.Card("What happened", classes=["event-card"]) as card:
        with Later(), solara.Column(gap="0px"):
            solara.Select(
                label="Country",
                value=country,
                values=[ALL_COUNTRIES, *(n for n, _ in names)],
                classes=["event-country"],
            )
            solara.Select(
                label="Agent (either party)",
                value=agent,
                values=[ALL_AGENTS, *(n for n, _ in agents)],
                classes=["event-agent"],
            )
            solara.SelectMultiple(
                label="Kinds of event",
                values=groups.value,
                on_value=groups.set,
                all_values=list(EVENT_GROUPS),
                classes=["event-kinds"],
            )
        EventList(
            sim,
            version,
            dict(names).get(country.value),
            tuple(groups.value),
            dict(agents).get(agent.value),
        )
    return card


@solara.component
def EventList(
    sim: Simulation,
    version: solara.Reactive[int],
    country_id: str | None,
    groups: tuple[str, ...],
    agent_id: str | None = None,
) -> solara.Element:
    """The filtered events, grouped (re-rendered each year)."""
    _ = version.value  # subscribe

    def current() -> pd.DataFrame:
        with sim.lock:
            return sim.events_frame(country=country_id, groups=groups, agent=agent_id)

    frame = current()
    grouped = sim.grouped_events(frame)
    download = solara.use_memo(
        lambda: lambda: csv_bytes(current()), [id(sim), country_id, groups, agent_id]
    )
    with solara.Column(gap="4px") as column:
        shown = grouped.head(EVENT_ROWS)
        solara.Text(
            f"{len(frame):,} events in {len(grouped):,} lines"
            + (f", newest {EVENT_ROWS} lines shown" if len(grouped) > EVENT_ROWS else "")
            + " (a line with a count opens to list its events)",
            style={"font-size": "0.8rem", "color": "#666"},
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=_event_html(shown),
            style="max-height: 320px; overflow-y: auto; font-size: 0.85rem",
        )
        solara.FileDownload(download, filename="events.csv", label="events.csv")
    return column


@solara.component
def Facts(sim: Simulation, agent_id: str | None, version: solara.Reactive[int]) -> solara.Element:
    """The selected node's facts: emissions, technology mix, partners, finance in and out."""
    _ = version.value  # subscribe
    with solara.Card("Selected", classes=["facts"]) as card:
        if not agent_id:
            solara.Text("Click a node (or pick one above) to see its facts.")
            return card
        with sim.lock:
            facts = sim.agent_facts(agent_id)
        kind = facts["agent_type"]
        where = (
            f"{facts['country']}, {facts['sector']}" if kind == "company" else facts["income_group"]
        )
        solara.HTML(  # not Markdown: its component loads mermaid (0.9 MB) into the page
            tag="div",
            unsafe_innerHTML=(
                f"<b>{html.escape(str(facts['name']))}</b> ({html.escape(str(kind))}; "
                f"{html.escape(str(where))})<br>"
                f"Emissions: <b>{facts['emissions_mt']:,.1f} Mt CO2/yr</b> · low-carbon "
                f"capacity {facts['low_carbon_share']:.0%}<br>"
                f"Finance delivered so far: in USD {facts['finance_in_musd']:,.0f} million · "
                f"out USD {facts['finance_out_musd']:,.0f} million"
            ),
        )
        mix = facts["technology_mix"]
        if not mix.empty:
            solara.Text("Technology mix (capacity, Mt/yr)", style={"font-weight": "bold"})
            solara.HTML(
                tag="div",
                unsafe_innerHTML="<br>".join(
                    f"{html.escape(t)}: {c:,.1f}"
                    for t, c in zip(mix["technology"], mix["capacity_mt"], strict=True)
                ),
                style="font-size: 0.82rem",
            )
        partners = facts["partners"]
        solara.Text(
            f"Partners ({len(partners)})", style={"font-weight": "bold", "margin-top": "6px"}
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<br>".join(
                f"{html.escape(p)} — {html.escape(k)} since {s}"
                for p, k, s in zip(
                    partners["partner"], partners["kind"], partners["since"], strict=True
                )
            )
            or "none",
            style="font-size: 0.82rem; max-height: 160px; overflow-y: auto",
        )
    return card


@solara.component
def NetworkPanel(sim: Simulation, version: solara.Reactive[int]) -> solara.Element:
    """The partnership network with its controls and the selected node's facts.

    Controls, downloads and the agent picker are rendered once; the chart and the facts
    follow the year.
    """
    selected = solara.use_reactive(cast(str | None, None))
    colour_by = solara.use_reactive("income group")
    membership = solara.use_reactive(True)

    def on_click(datum: Any) -> None:
        if isinstance(datum, dict) and datum.get("agent_id"):
            selected.set(str(datum["agent_id"]))

    def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
        with sim.lock:
            return sim.network_nodes(), sim.network_edges()

    def agent_names() -> list[tuple[str, str]]:
        # every agent is a node of the fixed layout from the start (not this year's frames,
        # which the first page would otherwise build twice)
        return sorted(zip(sim.layout["name"], sim.layout["agent_id"], strict=True))

    names = solara.use_memo(agent_names, [id(sim)])
    downloads = solara.use_memo(
        lambda: (lambda: csv_bytes(frames()[0]), lambda: csv_bytes(frames()[1])), [id(sim)]
    )
    with solara.Div(classes=["run-top"]) as columns:
        with solara.Card("Partnership network", classes=["network-card"]):
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.ToggleButtonsSingle(
                    value=colour_by, values=["income group", "sector"], dense=True
                )
                solara.Switch(label="initiative membership", value=membership)
            NetworkChart(sim, version, colour_by.value, membership.value, selected.value, on_click)
            solara.Text(
                "Squares: countries; circles: companies; diamonds: initiatives. Area: "
                "emissions. Positions never move; only partnerships change.",
                style={"font-size": "0.75rem", "color": "#666"},
            )
            with solara.Row():
                solara.FileDownload(downloads[0], filename="network_nodes.csv", label="nodes.csv")
                solara.FileDownload(downloads[1], filename="network_edges.csv", label="edges.csv")
        with solara.Column(classes=["side"]):
            with Later():
                solara.Select(
                    label="Inspect an agent",
                    value=dict((a, n) for n, a in names).get(selected.value or "", None),
                    values=[n for n, _ in names],
                    on_value=lambda name: selected.set(dict(names).get(name)),
                    classes=["inspect"],
                )
            Facts(sim, selected.value, version)
            EventLog(sim, version)
    return columns


@solara.component
def NetworkChart(
    sim: Simulation,
    version: solara.Reactive[int],
    colour_by: str,
    membership: bool,
    selected: str | None,
    on_click: Any,
) -> solara.Element:
    """The network drawing (re-rendered each year)."""
    year = version.value

    def build() -> Spec:
        with sim.lock:
            nodes, edges = sim.network_nodes(), sim.network_edges()
        return Spec(
            charts.network_chart(
                nodes,
                edges,
                colour_by="sector" if colour_by == "sector" else "income_group",
                show_membership=membership,
                selected=selected,
            )
        )

    spec = solara.use_memo(build, [id(sim), year, colour_by, membership, selected])
    return Chart(spec, on_click=on_click, name="network")


@solara.component
def ChartCard(title: str, spec: Spec, download: Any, name: str) -> solara.Element:
    """A chart with a CSV download of the data behind it."""
    with solara.Card(classes=[f"card-{name}"]) as card:
        Chart(spec, name=name)
        solara.FileDownload(download, filename=f"{name}.csv", label=f"{name}.csv")
    return card


CHART_FRAMES = {
    "emissions": "emissions_frame",
    "finance": "finance_frame",
    "partnerships": "partnerships_frame",
    "low_carbon": "technology_frame",
}


@solara.component
def Charts(sim: Simulation, version: solara.Reactive[int]) -> solara.Element:
    """The four yearly charts."""
    years = (sim.start_year, sim.end_year)
    year = version.value

    def build() -> dict[str, Spec]:
        with sim.lock:
            emissions, finance = sim.emissions_frame(), sim.finance_frame()
            partnerships, technology = sim.partnerships_frame(), sim.technology_frame()
        return {
            "emissions": Spec(charts.emissions_chart(emissions, years)),
            "finance": Spec(charts.finance_chart(finance, years)),
            "partnerships": Spec(charts.partnerships_chart(partnerships, years)),
            "low_carbon": Spec(
                charts.technology_chart(technology, years, sim.low_carbon_technologies)
            ),
        }

    def frame_csv(method: str) -> Any:
        def data() -> bytes:
            with sim.lock:
                return csv_bytes(getattr(sim, method)())

        return data

    built = solara.use_memo(build, [id(sim), year])
    downloads = solara.use_memo(
        lambda: {name: frame_csv(method) for name, method in CHART_FRAMES.items()}, [id(sim)]
    )
    with solara.Div(
        classes=["chart-cards"],
        style={"display": "flex", "flex-wrap": "wrap", "gap": "12px", "align-items": "flex-start"},
    ) as row:
        for name, spec in built.items():
            ChartCard(name, spec, downloads[name], name)
    return row


@solara.component
def ClubChart(sim: Simulation, version: solara.Reactive[int]) -> solara.Element:
    """club-game: members per year against the analytic stable size (its other series are 0)."""
    n = len(sim.model.country_agents)
    return MembersCard(
        sim,
        version,
        name="club",
        frame=sim.club_frame,
        spec=lambda frame: charts.club_chart(frame, (sim.start_year - 1, sim.end_year), n),
        text="The club game has no plants or finance: its point is membership. Countries "
        "join when membership pays (benefit b per unit of everyone's abatement, cost "
        "c/2 per own abatement squared); theory says a self-enforcing club has 3 "
        "members whatever b and c (docs/validation.md §2).",
    )


@solara.component
def MembersChart(sim: Simulation, version: solara.Reactive[int]) -> solara.Element:
    """Member countries per year against the scenario's record (``leadit-2019``)."""
    n = len(sim.model.country_agents)
    return MembersCard(
        sim,
        version,
        name="members",
        frame=sim.membership_frame,
        spec=lambda frame: charts.membership_chart(
            frame, (sim.start_year, sim.end_year), n, MEMBERS_MODEL, MEMBERS_RECORD
        ),
        text="A country joins when membership pays it and, each year, with the yearly "
        "probability that stands for a government's time to decide (docs/model.md §3.7). "
        "Compare the run with who really joined, and when.",
    )


@solara.component
def MembersCard(
    sim: Simulation,
    version: solara.Reactive[int],
    name: str,
    frame: Callable[[], pd.DataFrame],
    spec: Callable[[pd.DataFrame], dict[str, Any]],
    text: str,
) -> solara.Element:
    """One membership chart in its card: the chart, its CSV and a line on what it shows."""
    year = version.value

    def build() -> Spec:
        with sim.lock:
            table = frame()
        return Spec(spec(table))

    chart_spec = solara.use_memo(build, [id(sim), year])

    def data() -> bytes:
        with sim.lock:
            return csv_bytes(frame())

    with solara.Div(classes=["chart-cards"]) as row, solara.Card(classes=[f"card-{name}"]):
        Chart(chart_spec, name=name)
        solara.FileDownload(data, filename=f"{name}.csv", label=f"{name}.csv")
        solara.Text(text, style={"font-size": "0.8rem", "color": "#666"})
    return row


@solara.component
def YearBanner(sim: Simulation, version: int, playing: bool) -> solara.Element:
    """The current year, always visible, with progress and the cooperation gap so far."""
    total = sim.end_year - sim.start_year + 1
    done = sim.years_done
    with solara.Row(
        style={"align-items": "center", "flex-wrap": "wrap"}, classes=["year-banner"]
    ) as row:
        solara.Text("Year", style={"font-size": "1rem"})
        solara.Text(
            str(sim.last_year) if sim.last_year is not None else f"start of {sim.start_year}",
            classes=["current-year"],
            style={"font-size": "2rem", "font-weight": "700"},
        )
        solara.Text(
            f"{done} of {total} years simulated"
            + (" · finished" if sim.finished else "")
            + (" · playing" if playing else ""),
            classes=["progress-text"],
        )
        if done and not sim.is_club_game:  # the club game has no emissions
            solara.Text(
                f"· cooperation has avoided {sim.avoided_emissions_mt():,.0f} Mt CO2 so far "
                "(against the same-seed run without partnerships)",
                classes=["avoided"],
            )
    return row


@solara.component
def RunView(sim: Simulation, version: solara.Reactive[int]) -> solara.Element:
    """The main tab: network, facts, event log and charts."""
    with solara.Column() as column:
        NetworkPanel(sim, version)
        if sim.is_club_game:
            ClubChart(sim, version)
        else:
            if sim.has_membership_record:
                MembersChart(sim, version)
            Charts(sim, version)
    return column


@solara.component
def CompareView(scenario: str, seed: int, applied: dict[str, Any]) -> solara.Element:
    """Two settings, the same seed, run to the end; their difference on one chart.

    ``applied`` is the running model's lever values: setting A is the run on the Run tab, never
    the sidebar's unapplied levers. B starts as A with the broker switched.
    """
    key = tuple(sorted(applied.items()))

    def first_b() -> dict[str, Any]:
        if "broker" in applied:
            return {**applied, "broker": not applied["broker"]}
        if "club_initial_members" in applied:  # club-game: start with every country in
            return {**applied, "club_initial_members": applied.get("countries", 10)}
        return dict(applied)

    default_b = solara.use_memo(first_b, [scenario, key])
    setting_b = solara.use_reactive(default_b)
    metric = solara.use_reactive(next(iter(COMPARE_METRICS)))
    results = solara.use_reactive(cast(dict[str, Any] | None, None))
    error = solara.use_reactive("")

    def describe(values: dict[str, Any]) -> str:
        changed = [
            f"{lever.label.lower()} {show_value(values[lever.name])}"
            for lever in levers(scenario)
            if lever.name in values and values[lever.name] != lever.default
        ]
        return ", ".join(changed) or "the scenario's defaults"

    def prefetch() -> None:
        # A is the running model's settings and B starts as first_b(): run both now, so the
        # first "Run A and B" finds them ready (a changed B runs alone, beside nothing)
        FINAL_SERIES.submit(scenario, seed, applied)
        FINAL_SERIES.submit(scenario, seed, default_b)

    solara.use_effect(prefetch, [scenario, seed, key])

    def run_both() -> None:
        error.set("")
        started = time.perf_counter()
        try:
            future_a = FINAL_SERIES.submit(scenario, seed, applied)
            future_b = FINAL_SERIES.submit(scenario, seed, setting_b.value)
            a, b = future_a.result(), future_b.result()
        except (ParameterError, ScenarioError) as exc:
            error.set(str(exc))
            return
        results.set(
            {
                "a": a,
                "b": b,
                "labels": (f"running model, {describe(applied)}", describe(setting_b.value)),
                "seconds": time.perf_counter() - started,
            }
        )

    task = solara.lab.use_task(run_both, dependencies=None)
    with solara.Div(classes=["compare-layout"]) as columns:
        with solara.Card("Setting B", classes=["compare-b"]):
            with solara.Div(classes=["compare-a"]):
                solara.Markdown(
                    f"Setting **A** is the running model's settings: {describe(applied)} (what "
                    "the Run tab shows; levers changed in the sidebar count only after Reset). "
                    f"Set B below; both run {scenario} to the end with seed {seed}, so every "
                    "difference comes from the setting, not from chance.",
                    style={"font-size": "0.9rem"},
                )
            LeverPanel(scenario, setting_b.value, setting_b.set)
            solara.Button(
                "Run A and B",
                on_click=task,
                color="primary",
                disabled=task.pending,
                classes=["run-compare"],
            )
            if task.pending:
                solara.ProgressLinear(True)
                solara.Text("running both settings to the end…")
            if error.value:
                solara.Error(error.value)
        with solara.Column(classes=["compare-results"]):
            if results.value is None:
                solara.Info("Choose setting B and press 'Run A and B'.")
            else:
                solara.Text(
                    f"both runs ready {results.value['seconds']:.1f} s after the click "
                    "(runs are kept: settings run before come back at once)",
                    style={"font-size": "0.75rem", "color": "#666"},
                    classes=["compare-time"],
                )
                solara.Select(
                    label="Metric", value=metric, values=list(COMPARE_METRICS), classes=["metric"]
                )
                column = COMPARE_METRICS[metric.value]
                a, b = results.value["a"], results.value["b"]
                labels = results.value["labels"]
                frame = pd.DataFrame(
                    {
                        "year": a["year"].astype(int),
                        "A": a[column].astype(float),
                        "B": b[column].astype(float),
                    }
                )
                frame["difference"] = frame["B"] - frame["A"]
                years = (int(frame["year"].min()), int(frame["year"].max()))
                long = frame.melt(
                    id_vars="year", value_vars=["A", "B"], var_name="setting", value_name="value"
                )
                long["setting"] = long["setting"].map(
                    {"A": f"A: {labels[0]}", "B": f"B: {labels[1]}"}
                )
                Chart(
                    charts.difference_chart(frame, metric.value, years, labels), name="difference"
                )
                Chart(charts.comparison_chart(long, metric.value, years), name="comparison")
                solara.FileDownload(
                    lambda: csv_bytes(frame), filename="comparison.csv", label="comparison.csv"
                )
    return columns


@solara.component
def AboutView() -> solara.Element:
    """What the model does and what it does not, in a paragraph a class can read."""
    return solara.Markdown(
        """
### What you are looking at

Countries (squares) and steel and cement companies (circles) negotiate partnerships each
simulated year: **government** partnerships between countries, **finance** from donor
governments to companies in lower-income countries, **technology** licences and
**co-development** between companies, and **membership** of initiatives such as LeadIT
(diamonds), whose broker suggests matches. Companies convert plants to low-carbon routes when
the costs, carbon prices and finance make it pay.

Every run has a twin: the **same seed with negotiation switched off** (no partnerships, the same
world and random draws). The shaded gap in the emissions chart is what cooperation achieved.

**Honest limits.** Costs, finance budgets and membership economics are partly placeholders
(each marked in the scenario's data with a source or the word *placeholder*); read the results
as what follows from these assumptions, not as forecasts. See `docs/model.md` and
`docs/validation.md` in the repository.
"""
    )


@solara.component
def StepButtons(
    sim: Simulation | None,
    version: solara.Reactive[int],
    playing: solara.Reactive[bool],
    reset: Any,
    step: Any,
) -> solara.Element:
    """Reset, Step and Play/Pause (re-rendered each year, unlike the rest of the controls)."""
    _ = version.value  # subscribe: a step may finish the run
    finished = sim is None or sim.finished
    with solara.Row(classes=["step-buttons"], style={"flex-wrap": "wrap"}) as row:
        solara.Button("Reset", on_click=reset, classes=["reset"], icon_name="mdi-restore")
        solara.Button(
            "Step",
            on_click=step,
            classes=["step"],
            icon_name="mdi-skip-next",
            disabled=playing.value or finished,
        )
        solara.Button(
            "Pause" if playing.value else "Play",
            on_click=lambda: playing.set(not playing.value),
            classes=["play"],
            color="primary",
            icon_name="mdi-pause" if playing.value else "mdi-play",
            disabled=sim is None or (sim.finished and not playing.value),
        )
    return row


@solara.component
def RunFooter(
    sim: Simulation, version: solara.Reactive[int], last_render_s: list[float]
) -> solara.Element:
    """The run's download and the last step's timing."""
    _ = version.value  # subscribe
    with solara.Column(gap="4px") as column:
        if sim.years_done:
            solara.FileDownload(
                lambda: outputs_zip(sim.result()),
                filename=f"{sim.scenario}-seed{sim.seed}-outputs.zip",
                label="outputs.zip",
            )
            solara.FileDownload(
                lambda: app_report(sim),
                filename=f"{sim.scenario}-seed{sim.seed}-report.html",
                label="report.html",
            )
            solara.Text(
                "the run so far: Parquet tables and run.json, as `industry-transition run` "
                "writes them; report.html, one file with the charts, network and events that "
                "opens offline anywhere",
                style={"font-size": "0.72rem", "color": "#666"},
            )
            solara.Text(
                f"last year: model {1000 * sim.step_seconds[-1]:,.0f} ms"
                + (f", page {1000 * last_render_s[-1]:,.0f} ms" if last_render_s else ""),
                style={"font-size": "0.75rem", "color": "#666"},
                classes=["step-time"],
            )
    return column


@solara.component
def Workspace(
    sim: Simulation,
    version: solara.Reactive[int],
    playing: bool,
    view: solara.Reactive[str],
) -> solara.Element:
    """The right-hand side: the year and the chosen view.

    Only the components that read ``version`` re-render when a year is simulated; the
    controls column does not.
    """
    year = version.value
    with solara.Column(gap="8px") as column:
        with solara.Row(
            style={
                "align-items": "center",
                "justify-content": "space-between",
                "flex-wrap": "wrap",
            },
            classes=["page-header"],
        ):
            YearBanner(sim, year, playing)
            solara.ToggleButtonsSingle(value=view, values=VIEWS, classes=["views"])
        if view.value == "Run":
            RunView(sim, version)
        elif view.value == "Compare":
            CompareView(sim.scenario, sim.seed, dict(sim.overrides))
        elif view.value == "Results":
            ResultsView()
        else:
            AboutView()
    return column


@solara.component
def Page() -> solara.Element:  # noqa: C901 - the page wires state to components
    """The app: one ``Simulation`` per browser session."""
    # Each reactive gets a value fixed at the first render: ``use_reactive(x)`` overwrites the
    # variable whenever ``x`` differs from the last render's, which once made the "applied"
    # levers follow the sidebar. What the running model uses is read from the model itself.
    first = solara.use_memo(lambda: (initial_scenario(), lever_defaults(initial_scenario())), [])
    scenario = solara.use_reactive(first[0])
    seed_text = solara.use_reactive(DEFAULT_SEED)
    pending = solara.use_reactive(first[1])
    sim = solara.use_reactive(cast(Simulation | None, None))
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    view = solara.use_reactive(VIEWS[0])
    delay_ms = solara.use_reactive(500)
    error = solara.use_reactive("")
    # seconds from a step's start to the end of the page's update (the speed shown on the page)
    last_render_s: list[float] = solara.use_memo(list, [])
    # the controls in ``Later`` are built once the network and the charts are drawn
    picture_ready = solara.use_reactive(False)
    picture = solara.use_memo(lambda: FirstPicture(picture_ready), [])
    first_picture_context.provide(picture)
    solara.use_effect(picture.settle, [])  # runs after the charts' own effects have mounted them
    solara.use_effect(picture.start_deadline, [])  # stopped when the page closes

    def build(name: str, seed_value: int, values: dict[str, Any], spare: bool = False) -> None:
        try:
            # a new page takes the model built ahead for the opening settings (no wait)
            made = SPARE_SIMULATIONS.take if spare else Simulation
            sim.set(made(name, seed_value, values))
        except (ParameterError, ScenarioError, InputError) as exc:
            error.set(str(exc))
            return
        # Compare's A is this run's settings: run them to the end in the background once the
        # page has drawn (shared by every session with the same settings)
        timer = threading.Timer(PREFETCH_SECONDS, FINAL_SERIES.prefetch, (name, seed_value, values))
        timer.daemon = True
        timer.start()
        version.set(version.value + 1)
        error.set("")

    if sim.value is None:  # first render of this session: its own model
        build(scenario.value, int(DEFAULT_SEED), pending.value, spare=True)

    def reset() -> None:
        playing.set(False)
        try:
            value = parse_seed(seed_text.value)
        except InputError as exc:
            error.set(str(exc))
            return
        build(scenario.value, value, pending.value)

    def step() -> None:
        current = sim.value
        if current is None:
            return
        started = time.perf_counter()
        try:
            current.step()
        except Exception as exc:  # a model error is shown, never a traceback
            error.set(f"the model stopped: {type(exc).__name__}: {exc}")
            playing.set(False)
            return
        version.set(version.value + 1)
        last_render_s.append(time.perf_counter() - started)

    def choose_scenario(name: str) -> None:
        playing.set(False)
        scenario.set(name)
        defaults = lever_defaults(name)
        pending.set(defaults)
        running = sim.value
        build(name, running.seed if running is not None else int(DEFAULT_SEED), defaults)

    def play_loop() -> None:
        while playing.value:
            current = sim.value
            if current is None or current.finished:
                playing.set(False)
                return
            started = time.perf_counter()
            step()
            spare = delay_ms.value / 1000 - (time.perf_counter() - started)
            if spare > 0:
                time.sleep(spare)

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    current = sim.value
    assert current is not None or error.value
    solara.Title("industry_transition")
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}) as page:
        solara.Style(CSS)  # inside the returned element, or it is never rendered
        with solara.Column(
            gap="8px",
            classes=["controls"],
            style={
                "width": f"{SIDEBAR_PX}px",
                "min-width": f"{SIDEBAR_PX}px",
                "padding": "8px",
                "overflow-x": "hidden",
            },
        ):
            solara.Select(
                label="Scenario",
                value=scenario.value,
                values=available_scenarios(),
                on_value=choose_scenario,
                classes=["scenario-select"],
            )
            solara.InputText(
                "Seed (whole number)",
                value=seed_text,
                continuous_update=True,
                classes=["seed-input"],
            )
            StepButtons(current, version, playing, reset, step)
            solara.Text(
                f"Pause between years when playing: {delay_ms.value} ms",
                style={"font-size": "0.85rem"},
            )
            solara.SliderInt(
                "",
                value=delay_ms,
                min=0,
                max=2000,
                step=100,
            )
            if error.value:
                solara.Error(error.value, classes=["app-error"])
            if current is not None:
                differences = sidebar_differences(
                    current.scenario,
                    pending.value,
                    current.overrides,
                    seed_text.value,
                    current.seed,
                )
                if differences:
                    solara.Warning(
                        "The sidebar differs from the running model: "
                        + "; ".join(differences)
                        + ". Press Reset to start a run with the sidebar's settings.",
                        classes=["levers-differ"],
                    )
            solara.HTML(tag="h4", unsafe_innerHTML="Levers", style="margin: 4px 0 0 0")
            with Later():
                LeverPanel(scenario.value, pending.value, pending.set)
            if current is not None:
                RunFooter(current, version, last_render_s)
        with solara.Column(
            style={"padding": "8px", "flex-grow": "1", "min-width": "0"},
            classes=["page-workspace"],
        ):
            if current is None:
                solara.Error(error.value or "no model")
                return page
            Workspace(current, version, playing.value, view)
    return page
