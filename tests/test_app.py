"""The app without a browser: session data, charts, layout, and the page's components.

The page is rendered with Solara's test renderer (``solara.render``): buttons are clicked as
widgets and the chart widgets' specs are read, so controls, Step and chart data are checked
without a browser (the browser tests are in ``test_app_browser.py``).
"""

from __future__ import annotations

import io
import json
import math
import re
import time
import zipfile

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
from typer.testing import CliRunner

from industry_transition import run
from industry_transition.cli import app as cli_app
from industry_transition.model.parameters import Parameters
from industry_transition.model.scenario import load_scenario
from industry_transition.visualization import charts
from industry_transition.visualization.app import (
    SCENARIO_ENV,
    FirstPicture,
    Page,
    VegaLite,
    lever_defaults,
    warm_first_page,
)
from industry_transition.visualization.session import (
    DIRECTIONS,
    EVENT_GROUPS,
    LEVER_NAMES,
    MEMBERS_MODEL,
    MEMBERS_RECORD,
    WITH,
    WITHOUT,
    FinalSeries,
    InputError,
    Simulation,
    SpareSimulations,
    default_scenario,
    finance_direction,
    levers,
    outputs_zip,
    parse_seed,
    sidebar_differences,
    stable_club_sizes,
)

SEED = 1
YEARS = 10  # teaching's first grants are signed and delivered in 2030


@pytest.fixture(scope="module")
def stepped() -> Simulation:
    """A teaching simulation after YEARS years, with some finance delivered."""
    sim = Simulation("teaching", SEED)
    for _ in range(YEARS):
        sim.step()
    return sim


# --- levers and input ---------------------------------------------------------------------
@pytest.mark.parametrize("scenario", ["teaching", "leadit"])
def test_levers_come_from_the_schema_with_the_scenario_defaults(scenario):
    params = load_scenario(scenario).parameters
    shown = levers(scenario)
    assert [lever.name for lever in shown] == list(LEVER_NAMES)
    for lever in shown:
        field = Parameters.model_fields[lever.name]
        assert lever.default == getattr(params, lever.name)
        assert lever.help == field.description
        assert lever.unit == field.json_schema_extra["unit"]
        if lever.kind in ("int", "float"):
            bounds = {type(m).__name__: m for m in field.metadata}
            assert lever.minimum == bounds["Ge"].ge
            assert lever.maximum == bounds["Le"].le
    kinds = {lever.name: lever.kind for lever in shown}
    assert kinds["broker"] == "bool"
    assert kinds["enforcement"] == "choice"
    assert kinds["rounds_per_year"] == "int"
    assert kinds["carbon_price_scale"] == "float"
    enforcement = next(lever for lever in shown if lever.name == "enforcement")
    assert enforcement.choices == ("binding", "reputational", "none")


def test_club_game_has_its_own_levers():
    shown = {lever.name: lever for lever in levers("club-game")}
    assert list(shown) == ["countries", "club_benefit", "club_cost", "club_initial_members"]
    assert shown["countries"].kind == "int"
    assert shown["countries"].default == 10, "the scenario resolves the unset count"
    assert shown["club_benefit"].kind == "float"
    for lever in shown.values():
        field = Parameters.model_fields[lever.name]
        bounds = {type(m).__name__: m for m in field.metadata}
        low = getattr(bounds.get("Ge"), "ge", None)
        if low is None:
            low = getattr(bounds.get("Gt"), "gt", None)
        assert lever.minimum >= low, "the app's range lies inside the schema's"
        assert lever.maximum <= bounds["Le"].le


@pytest.mark.parametrize("n", [2, 3, 4, 10, 40])
@pytest.mark.parametrize(("b", "c"), [(1.0, 1.0), (0.2, 3.0), (1.7, 0.6)])
def test_stable_club_size_is_the_textbook_one(n, b, c):
    assert stable_club_sizes(n, b, c) == [min(n, 3)]


@pytest.mark.parametrize("start", [0, 12])
def test_club_frame_follows_the_model_towards_the_stable_size(start):
    sim = Simulation("club-game", 1, {"countries": 12, "club_initial_members": start})
    for _ in range(3):
        sim.step()
    frame = sim.club_frame()
    model = frame[frame["series"] == "members (model)"]
    assert model["year"].tolist() == [2023, 2024, 2025, 2026]
    assert model["members"].iloc[0] == start
    assert model["members"].iloc[1:].tolist() == sim.series()["initiative_members"].tolist()
    assert model["members"].iloc[-1] == 3
    theory = frame[frame["series"] != "members (model)"]
    assert set(theory["members"]) == {3}
    assert len(theory) == 2050 - 2023 + 1


def test_membership_frame_sets_the_run_against_the_scenarios_record():
    sim = Simulation("leadit-2019", 1)
    frame = sim.membership_frame()
    record = frame[frame["series"] == MEMBERS_RECORD]
    # LeadIT's own record in memberships.csv: eleven founders in 2019, sixteen by COP26 (2021),
    # Japan and South Africa in June 2022; the record runs to 2024, its last observed year
    assert dict(zip(record["year"], record["members"], strict=True)) == {
        2019: 11,
        2020: 11,
        2021: 16,
        2022: 18,
        2023: 18,
        2024: 18,
    }
    assert (frame["series"] == MEMBERS_MODEL).sum() == 0, "nothing simulated yet"
    for _ in range(3):
        sim.step()
    frame = sim.membership_frame()
    model = frame[frame["series"] == MEMBERS_MODEL]
    assert model["year"].tolist() == [2019, 2020, 2021]
    assert model["members"].tolist() == sim.series()["initiative_members"].tolist()
    assert model["members"].iloc[0] >= 11, "the founders are members from the start"
    # leadit starts in 2024, after every recorded join: no record to draw, no members chart
    assert not Simulation("leadit", 1).has_membership_record


def test_leadit_2019_page_draws_the_members_chart(monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, "leadit-2019")
    _, rc = render_page()
    picker = rc.find(v.Select, class_="scenario-select").widget
    assert "leadit-2019" in picker.items, "a class can pick the real club's first years"
    assert picker.v_model == "leadit-2019"
    rc.find(v.Btn, class_="step").widget.click()
    rows = _chart(rc, "members")["datasets"]["members"]
    assert [r["year"] for r in rows if r["series"] == MEMBERS_MODEL] == [2019]
    assert [r["members"] for r in rows if r["series"] == MEMBERS_RECORD] == [11, 11, 16, 18, 18, 18]
    rc.close()


def test_compare_runs_are_computed_once_and_shared():
    cache = FinalSeries(size=2)
    first = cache.submit("teaching", 3, {"broker": False, "carbon_price_scale": 1.0})
    same = cache.submit("teaching", 3, {"carbon_price_scale": 1.0, "broker": False})
    assert same is first, "the same settings in any order share one run"
    expected = run("teaching", seed=3, broker=False, carbon_price_scale=1.0).series
    pd.testing.assert_frame_equal(first.result(), expected)
    cache.submit("teaching", 4, {})
    cache.submit("teaching", 5, {})
    assert cache.submit("teaching", 3, {"broker": False, "carbon_price_scale": 1.0}) is not first


def test_a_prefetch_after_the_pool_stopped_is_dropped_and_a_press_still_fails_loudly():
    cache = FinalSeries()
    cache.prefetch("teaching", 3, {})
    assert len(cache._futures) == 1, "a prefetch runs the settings ahead"
    cache._pool.shutdown(wait=True)
    cache.prefetch("teaching", 4, {})  # a page's timer firing as the process stops
    assert len(cache._futures) == 1
    with pytest.raises(RuntimeError, match="shutdown"):
        cache.submit("teaching", 4, {})


def test_a_spare_simulation_goes_to_one_page_and_runs_as_a_new_one():
    spares = SpareSimulations(delay=0.0)
    settings = {"broker": False}
    spares.prepare("teaching", 3, settings)
    deadline = time.monotonic() + 60
    while not spares._ready and time.monotonic() < deadline:
        time.sleep(0.05)
    ready = next(iter(spares._ready.values()))
    first = spares.take("teaching", 3, {"broker": False})
    assert first is ready, "the spare built ahead is handed out"
    second = spares.take("teaching", 3, settings)
    assert second is not first, "a spare goes to one page only"
    other = spares.take("teaching", 4, settings)
    assert other.seed == 4, "other settings are built at once"
    assert other.overrides == settings
    for sim in (first, second):
        for _ in range(3):
            sim.step()
        expected = run("teaching", seed=3, steps=3, broker=False).series
        pd.testing.assert_frame_equal(sim.series(), expected)


def test_a_leadit_spare_built_in_the_background_is_the_fresh_run():
    """Reproducibility: the model a page takes from the spares (built in another thread, while
    the server starts) runs exactly as one built when the page opens, model and counterfactual."""
    spares = SpareSimulations(delay=0.0)
    spares.prepare("leadit", 1, lever_defaults("leadit"))
    deadline = time.monotonic() + 120
    while not spares._ready and time.monotonic() < deadline:
        time.sleep(0.05)
    assert spares._ready, "the spare was built"
    spare = spares.take("leadit", 1, lever_defaults("leadit"))
    fresh = Simulation("leadit", 1, lever_defaults("leadit"))
    for _ in range(3):
        spare.step()
        fresh.step()
    assert spare.model.year == fresh.model.year == 2027
    pd.testing.assert_frame_equal(spare.series(), fresh.series())
    pd.testing.assert_frame_equal(spare.counterfactual.series(), fresh.counterfactual.series())
    for name, table in fresh.chart_tables().items():
        pd.testing.assert_frame_equal(spare.chart_tables()[name], table, obj=name)
    assert not spare.events().empty, "three years of leadit have events to compare"


def test_the_first_page_warm_up_runs_after_the_spare_and_leaves_it_untouched():
    """The server's start warms what a first page pays once (``then``), after its spare is
    stored; the warm-up's own model is thrown away, and the spare runs as a fresh model."""
    spares = SpareSimulations(delay=0.0)
    settings = lever_defaults("teaching")
    seen: list[int] = []

    def warm() -> None:
        seen.append(len(spares._ready))
        warm_first_page("teaching", SEED, settings)
        seen.append(len(spares._ready))

    spares.prepare("teaching", SEED, settings, then=warm)
    deadline = time.monotonic() + 60
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen == [1, 1], "the warm-up ran after the spare was stored and added no spare"
    spare = spares.take("teaching", SEED, settings)
    assert spare.years_done == 0, "the spare was not stepped"
    for _ in range(3):
        spare.step()
    expected = run("teaching", seed=SEED, steps=3, **settings).series
    pd.testing.assert_frame_equal(spare.series(), expected)


def test_the_server_start_runs_compares_a_for_the_opening_settings_once():
    """After the first page's warm-up the server runs Compare's A for the opening settings;
    the run a page starts for Compare is then that same one, not a second."""
    from industry_transition.visualization.app import warm_server
    from industry_transition.visualization.session import FinalSeries

    final = FinalSeries()
    settings = lever_defaults("teaching")
    future = warm_server("teaching", SEED, settings, final_series=final)
    assert final.submit("teaching", SEED, dict(settings)) is future, "shared, not run again"
    pd.testing.assert_frame_equal(
        future.result(timeout=120), run("teaching", seed=SEED, **settings).series
    )


def test_levers_do_not_wait_for_a_picture_when_there_is_no_chart():
    ready = solara.reactive(False)
    picture = FirstPicture(ready)
    picture.settle()
    assert ready.value, "no chart mounted (an error instead of a run): the levers show at once"
    ready = solara.reactive(False)
    picture = FirstPicture(ready)
    picture.mount(1)
    picture.settle()
    assert not ready.value, "a chart mounted: wait for its drawing"
    picture.chart_drawn(1)
    assert ready.value


def test_a_page_waits_for_its_spare_being_built_instead_of_building_another(monkeypatch):
    from industry_transition.visualization import session

    built = []

    class Counted(session.Simulation):
        def __init__(self, *args, **kwargs) -> None:
            built.append(args)
            time.sleep(0.3)  # still building when the page arrives
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(session, "Simulation", Counted)
    spares = SpareSimulations(delay=60.0)  # the next spare comes long after this test
    spares.prepare("teaching", 3, {})
    time.sleep(0.1)
    sim = spares.take("teaching", 3, {})
    assert isinstance(sim, Counted)
    # (other tests' pages may have their next spares built meanwhile: count these settings')
    ours = [args for args in built if args[:2] == ("teaching", 3)]
    assert len(ours) == 1, "the page took the spare under way, and nothing was built twice"


def test_default_scenario_is_leadit():
    assert default_scenario() == "leadit"


@pytest.mark.parametrize(("text", "value"), [("7", 7), (" 42 ", 42), ("1_000", 1000), ("0", 0)])
def test_seed_text_is_coerced(text, value):
    assert parse_seed(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("abc", "not a whole number"), ("1.5", "not a whole number"), ("-1", "range")],
)
def test_bad_seed_text_gets_a_message(text, message):
    with pytest.raises(InputError, match=message):
        parse_seed(text)


def test_lever_values_reach_the_model():
    sim = Simulation("teaching", 1, {"carbon_price_scale": 2.5, "broker": False})
    assert sim.model.params.carbon_price_scale == 2.5
    assert sim.model.params.broker is False
    assert sim.counterfactual.params.carbon_price_scale == 2.5
    assert sim.counterfactual.params.negotiation is False
    assert sim.model.params.negotiation is True


def test_sidebar_differences_name_every_lever_and_the_seed():
    running = {lever.name: lever.default for lever in levers("teaching")}
    assert sidebar_differences("teaching", dict(running), running, " 1 ", 1) == []
    assert sidebar_differences("teaching", {}, {}, "1", 1) == [], "missing means default"
    # float noise from a slider is not a difference
    noisy = {**running, "carbon_price_scale": running["carbon_price_scale"] + 1e-15}
    assert sidebar_differences("teaching", noisy, running, "1", 1) == []
    changed = {
        "carbon_price_scale": 2.5,
        "donor_finance_scale": 0.3,
        "broker": not running["broker"],
        "enforcement": "none",
        "candidates_per_agent": running["candidates_per_agent"] + 1,
        "rounds_per_year": running["rounds_per_year"] + 1,
    }
    assert set(changed) == set(LEVER_NAMES), "every lever is checked"
    for name, value in changed.items():
        found = sidebar_differences("teaching", {**running, name: value}, running, "1", 1)
        assert len(found) == 1, name
        assert "(running: " in found[0]
    assert sidebar_differences("teaching", running, running, "7", 1) == ["Seed 7 (running: 1)"]
    assert sidebar_differences("teaching", running, running, "x", 1) == ["Seed 'x' (running: 1)"]
    assert sidebar_differences("teaching", {**running, "broker": False}, running, "1", 1) == [
        "Broker off (running: on)"
    ]


# --- the simulation's data ----------------------------------------------------------------
def test_run_and_counterfactual_match_the_batch_runs(stepped):
    """Stepping in the app gives exactly the series of run() with and without negotiation."""
    ours = run("teaching", seed=SEED, steps=YEARS).series
    theirs = run("teaching", seed=SEED, steps=YEARS, negotiation=False).series
    pd.testing.assert_frame_equal(stepped.series(), ours)
    frame = stepped.emissions_frame()
    for label, expected in ((WITH, ours), (WITHOUT, theirs)):
        for sector in ("steel", "cement"):
            got = frame[(frame["run"] == label) & (frame["sector"] == sector)]
            np.testing.assert_allclose(got["emissions_mt"], expected[f"emissions_{sector}_mt"])
    avoided = theirs["emissions_mt"].sum() - ours["emissions_mt"].sum()
    assert stepped.avoided_emissions_mt() == pytest.approx(avoided)


def test_finance_by_direction_adds_up_to_the_series(stepped):
    frame = stepped.finance_frame()
    series = stepped.series()
    assert set(frame["direction"]) == set(DIRECTIONS)
    totals = frame.groupby(["year", "measure"])["musd"].sum().unstack()
    np.testing.assert_allclose(totals["committed"], series["finance_committed_musd"], atol=1e-6)
    np.testing.assert_allclose(totals["delivered"], series["finance_delivered_musd"], atol=1e-6)
    assert series["finance_delivered_musd"].iloc[-1] > 0, "the check needs some finance"
    # cumulative: never falls
    for _, group in frame.groupby(["direction", "measure"]):
        assert (group["musd"].diff().dropna() >= -1e-9).all()


def test_finance_frames_equal_pandas_group_sums(stepped):
    """The step's finance frames, summed in arrays and dictionaries for speed, equal pandas'
    group sums over the event log (the way they were computed before)."""
    events = stepped.events()
    flows = events[(events["kind"] == "finance") & events["event"].isin(["agreement", "delivery"])]
    deliveries = flows[flows["event"] == "delivery"]
    by_agent = stepped.finance_by_agent().set_index("agent_id")
    out = deliveries.groupby("party_a")["amount_musd"].sum()
    into = deliveries.groupby("party_b")["amount_musd"].sum()
    into_country = deliveries.groupby(deliveries["party_b"].map(stepped.home))["amount_musd"].sum()
    assert len(out) > 0, "the check needs some finance delivered"
    for agent, row in by_agent.iterrows():
        expected_in = into_country if agent in stepped.model.country_agents else into
        assert row["finance_out_musd"] == pytest.approx(out.get(agent, 0.0))
        assert row["finance_in_musd"] == pytest.approx(expected_in.get(agent, 0.0))
    direction = [
        finance_direction(stepped.income[a], stepped.income[b])
        for a, b in zip(flows["party_a"], flows["party_b"], strict=True)
    ]
    measure = np.where(flows["event"] == "agreement", "committed", "delivered")
    per_year = flows.groupby([flows["year"].to_numpy(), direction, measure])["amount_musd"].sum()
    frame = stepped.finance_frame().set_index(["year", "direction", "measure"])["musd"]
    for (year, way, what), musd in frame.items():
        earlier = [v for (y, d, m), v in per_year.items() if y <= year and (d, m) == (way, what)]
        assert musd == pytest.approx(sum(earlier), abs=1e-9)


@pytest.mark.parametrize(
    ("payer", "recipient", "direction"),
    [
        ("high", "low", DIRECTIONS[0]),
        ("high", "lower_middle", DIRECTIONS[0]),
        ("high", "upper_middle", DIRECTIONS[1]),
        ("high", "high", DIRECTIONS[2]),
        ("upper_middle", "low", DIRECTIONS[3]),
    ],
)
def test_finance_direction(payer, recipient, direction):
    assert finance_direction(payer, recipient) == direction


def test_partnerships_and_technology_frames_follow_the_series(stepped):
    series = stepped.series()
    frame = stepped.partnerships_frame()
    last = frame[frame["year"] == series["year"].iloc[-1]].set_index("kind")["active"]
    for kind, active in last.items():
        assert active == series[f"partnerships_{kind}"].iloc[-1]
    tech = stepped.technology_frame()
    assert set(tech["technology"]) <= set(stepped.low_carbon_technologies)
    by_year = tech.groupby(["year", "sector"])["share"].sum()
    assert ((by_year >= 0) & (by_year <= 1 + 1e-9)).all()


def test_network_nodes_cover_every_agent_and_edges_are_the_active_partnerships(stepped):
    model = stepped.model
    nodes = stepped.network_nodes()
    assert set(nodes["agent_id"]) == set(model.agent_by_id)
    assert nodes["agent_id"].is_unique
    edges = stepped.network_edges()
    assert sorted(edges["partnership_id"]) == sorted(
        p.partnership_id for p in model.registry.active()
    )
    assert edges[["x", "y", "x2", "y2"]].notna().all().all()
    # node emissions add up to the model's total this year
    countries = nodes[nodes["agent_type"] == "country"]
    companies = nodes[nodes["agent_type"] == "company"]
    total = stepped.series()["emissions_mt"].iloc[-1]
    assert countries["emissions_mt"].sum() == pytest.approx(total)
    assert companies["emissions_mt"].sum() == pytest.approx(total)
    # finance into countries equals the model's per-country delivered finance
    finance_in = countries.set_index("agent_id")["finance_in_musd"]
    expected = pd.Series(model.finance_delivered_musd, index=model.countries.ids)
    np.testing.assert_allclose(finance_in.reindex(expected.index), expected, atol=1e-6)


def test_frames_read_once_per_year_follow_each_step():
    """The event log and series are built once per year and shared, yet never go stale."""
    sim = Simulation("teaching", SEED)
    for _ in range(2):
        sim.step()
    assert sim.events() is sim.events(), "one frame per year, shared by its readers"
    rows_before, years_before = len(sim.events()), len(sim.emissions_frame())
    sim.step()
    pd.testing.assert_frame_equal(sim.events(), sim.model.events.to_frame())
    assert len(sim.events()) >= rows_before
    assert len(sim.emissions_frame()) > years_before, "the new year's rows are drawn"
    pd.testing.assert_frame_equal(sim.series(), sim.model.series())
    # series() is the caller's to change: the charts keep reading the model's numbers
    mine = sim.series()
    mine["emissions_mt"] = -1.0
    assert (sim.emissions_frame()["emissions_mt"] >= 0).all()
    assert sim.series()["emissions_mt"].tolist() == sim.model.series()["emissions_mt"].tolist()


def test_nodes_are_sized_before_the_first_step():
    """Before any step the network shows the base year's emissions, not zeros."""
    sim = Simulation("teaching", 1)
    before = sim.network_nodes().set_index("agent_id")["emissions_mt"]
    assert before.sum() > 0
    sim.step()
    after = sim.network_nodes().set_index("agent_id")["emissions_mt"]
    # the first year's production follows demand: totals move, but not from zero
    assert after.sum() == pytest.approx(before.sum(), rel=0.2)


def test_layout_is_fixed_across_years_seeds_and_levers(stepped):
    fresh = Simulation("teaching", 99, {"broker": False})
    a = stepped.layout.set_index("agent_id")[["x", "y"]]
    b = fresh.layout.set_index("agent_id")[["x", "y"]]
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index())
    nodes = stepped.network_nodes().set_index("agent_id")
    pd.testing.assert_frame_equal(nodes[["x", "y"]].sort_index(), a.sort_index())


def test_layout_places_companies_beside_their_country():
    sim = Simulation("leadit", 1)
    layout = sim.layout.set_index("agent_id")
    positions = layout[["x", "y"]].round(9)
    assert not positions.duplicated().any(), "two nodes share a position"
    angle = np.arctan2(layout["x"], layout["y"])
    countries = layout[layout["agent_type"] == "country"]
    for agent_id, row in layout[layout["agent_type"] == "company"].iterrows():
        gaps = np.abs(np.angle(np.exp(1j * (angle[countries.index] - angle[agent_id]))))
        assert countries.index[int(np.argmin(gaps))] == row["country_id"], agent_id
    radius = np.hypot(layout["x"], layout["y"])
    assert (radius[layout["agent_type"] == "company"] > 1.0).all()
    assert np.allclose(radius[layout["agent_type"] == "country"], 1.0)


def test_agent_facts(stepped):
    model = stepped.model
    company = next(iter(model.company_agents.values()))
    facts = stepped.agent_facts(company.agent_id)
    assert facts["name"] == company.name
    mix = facts["technology_mix"]
    plants = (model.fleet.owner == company.index) & (model.fleet.capacity_mt > 0)
    assert mix["capacity_mt"].sum() == pytest.approx(model.fleet.capacity_mt[plants].sum())
    partners = {
        p.party_b if p.party_a == company.agent_id else p.party_a
        for p in model.registry.active()
        if company.agent_id in (p.party_a, p.party_b)
    }
    assert len(facts["partners"]) == sum(
        1 for p in model.registry.active() if company.agent_id in (p.party_a, p.party_b)
    )
    assert set(facts["partners"]["partner"]) == {model.display_name(p) for p in partners}
    with pytest.raises(InputError, match="unknown agent"):
        stepped.agent_facts("nobody")


def test_event_log_filters_by_country_and_kind(stepped):
    model = stepped.model
    everything = stepped.events_frame(groups=tuple(EVENT_GROUPS))
    assert len(everything) == len(model.events.rows)
    assert everything["year"].is_monotonic_decreasing, "newest first"
    country = next(iter(model.country_agents))
    mine = stepped.events_frame(country=country, groups=tuple(EVENT_GROUPS))
    assert 0 < len(mine) < len(everything)
    assert ((mine["country_a"] == country) | (mine["country_b"] == country)).all()
    agreements = stepped.events_frame(groups=("agreements",))
    assert set(agreements["event"]) == {"agreement"}
    assert agreements["text"].str.match(r"^\d{4}: ").all()
    with pytest.raises(InputError, match="unknown country"):
        stepped.events_frame(country="atlantis")


@pytest.fixture(scope="module")
def leadit_2039() -> Simulation:
    """leadit seed 1 to 2050 at twice the carbon price: late in the run a donor's finance
    partnerships with one company end together (the issue's example of a repeated event; which
    pair depends on the data). At the default prices finance deals are too few (about 7 a run)
    to be sure of a repeat."""
    sim = Simulation("leadit", 1, {"carbon_price_scale": 2.0})
    for _ in range(27):
        sim.step()
    return sim


def test_repeated_events_are_grouped_and_each_stays_inspectable(leadit_2039):
    sim = leadit_2039
    frame = sim.events_frame(groups=tuple(EVENT_GROUPS))
    grouped = sim.grouped_events(frame)
    assert grouped["count"].sum() == len(frame), "every event is in exactly one line"
    members = [t for texts in grouped["members"] for t in texts]
    assert sorted(members) == sorted(frame["text"]), "each event's own text is kept"
    assert grouped["year"].is_monotonic_decreasing, "newest first"
    assert len(grouped) < len(frame)
    singles = grouped[grouped["count"] == 1]
    assert (singles["text"] == singles["members"].str[0]).all()
    ended = grouped[(grouped["event"] == "ending") & (grouped["count"] > 1)]
    assert not ended.empty, "the run has a repeated ending to group"
    line = ended.iloc[0]
    pattern = (
        rf"^{line['year']}: {line['count']} finance partnerships between .+ and .+ "
        r"ended \((completed|defaulted)(, (completed|defaulted))*\)$"
    )
    assert re.match(pattern, line["text"]), line["text"]
    assert len(line["members"]) == line["count"]
    assert all(" ends (" in t for t in line["members"])
    assert len(set(line["members"])) == line["count"], "the members tell the partnerships apart"
    # grouping keys: no two lines of one kind between the same parties in a year
    keys = frame.groupby(["year", "event", "kind", "party_a", "party_b"]).ngroups
    assert keys == len(grouped)


def test_event_log_filters_by_agent(leadit_2039):
    sim = leadit_2039
    everything = sim.events_frame(groups=tuple(EVENT_GROUPS))
    company = everything.loc[everything["event"] == "ending", "party_b"].iloc[0]
    mine = sim.events_frame(groups=tuple(EVENT_GROUPS), agent=company)
    assert 0 < len(mine) < len(everything)
    assert ((mine["party_a"] == company) | (mine["party_b"] == company)).all()
    with pytest.raises(InputError, match="unknown agent"):
        sim.events_frame(agent="atlantis")


def test_finance_events_name_the_recipient_country_sector_and_technology(stepped):
    events = stepped.events_frame(groups=("finance and technology delivered",))
    finance = events[events["text"].str.contains("of finance from")]
    assert not finance.empty
    text = finance["text"].iloc[0]
    assert "(" in text
    assert "steel)" in text or "cement)" in text
    assert " for " in text


def test_outputs_zip_holds_the_run_tables(stepped):
    result = stepped.result()
    archive = zipfile.ZipFile(io.BytesIO(outputs_zip(result)))
    names = set(archive.namelist())
    assert names == {
        "series.parquet",
        "events.parquet",
        "partnerships.parquet",
        "agents.parquet",
        "technologies.parquet",
        "run.json",
    }
    series = pd.read_parquet(io.BytesIO(archive.read("series.parquet")))
    pd.testing.assert_frame_equal(series, stepped.series())
    meta = json.loads(archive.read("run.json"))
    assert meta["seed"] == SEED
    assert meta["steps"] == YEARS
    assert meta["scenario"] == "teaching"


def test_step_stops_at_the_end_year():
    sim = Simulation("teaching", 1)
    years = sim.end_year - sim.start_year + 1
    assert all(sim.step() for _ in range(years))
    assert sim.finished
    assert sim.last_year == sim.end_year
    assert sim.step() is False
    assert sim.years_done == years


# --- charts -------------------------------------------------------------------------------
def test_chart_specs_carry_this_years_data(stepped):
    years = (stepped.start_year, stepped.end_year)
    emissions = charts.emissions_chart(stepped.emissions_frame(), years)
    assert len(emissions["datasets"]["emissions"]) == YEARS * 2 * 2
    assert emissions["usermeta"]["embedOptions"]["renderer"] == "svg"
    network = charts.network_chart(stepped.network_nodes(), stepped.network_edges())
    assert len(network["datasets"]["nodes"]) == len(stepped.layout)
    assert len(network["datasets"]["edges"]) == len(stepped.model.registry.active())
    without = charts.network_chart(
        stepped.network_nodes(), stepped.network_edges(), show_membership=False
    )
    assert all(e["kind"] != "membership" for e in without["datasets"]["edges"])
    # the JSON is valid (no NaN tokens) for the browser
    json.loads(json.dumps(network, allow_nan=False))
    with pytest.raises(ValueError, match="colour_by"):
        charts.network_chart(stepped.network_nodes(), stepped.network_edges(), colour_by="x")


def test_chart_templates_are_reused_and_not_mutated(stepped):
    years = (stepped.start_year, stepped.end_year)
    first = charts.finance_chart(stepped.finance_frame(), years)
    empty = charts.finance_chart(stepped.finance_frame().iloc[0:0], years)
    again = charts.finance_chart(stepped.finance_frame(), years)
    assert first["datasets"]["finance"]
    assert not empty["datasets"]["finance"]

    def layout(spec: dict) -> dict:
        return {k: val for k, val in spec.items() if k != "datasets"}

    assert layout(first) == layout(again)
    # the chart before any data has the layout it keeps with data, so the first step only
    # hands the drawn chart its data (public/vegalite.mjs) instead of embedding it anew
    assert layout(empty) == layout(first)
    assert "domain" not in first["encoding"]["y"].get("scale", {})


def _y_scales(node):
    if isinstance(node, list):
        for item in node:
            yield from _y_scales(item)
    elif isinstance(node, dict):
        y = node.get("encoding", {}).get("y") if isinstance(node.get("encoding"), dict) else None
        if isinstance(y, dict) and y.get("type") == "quantitative":
            yield y.get("scale", {})
        for value in node.values():
            yield from _y_scales(value)


def test_charts_read_as_years_from_zero_and_keep_their_layout_when_empty(stepped):
    years = (stepped.start_year, stepped.end_year)
    assert charts.year_ticks(years, 200) == [2030, 2040, 2050]
    assert charts.year_ticks(years, 400) == [2025, 2030, 2035, 2040, 2045, 2050]
    specs = {
        "emissions": charts.emissions_chart(stepped.emissions_frame(), years),
        "finance": charts.finance_chart(stepped.finance_frame(), years),
        "partnerships": charts.partnerships_chart(stepped.partnerships_frame(), years),
    }
    empties = {
        "emissions": charts.emissions_chart(stepped.emissions_frame().iloc[0:0], years),
        "finance": charts.finance_chart(stepped.finance_frame().iloc[0:0], years),
        "partnerships": charts.partnerships_chart(stepped.partnerships_frame().iloc[0:0], years),
        "technology": charts.technology_chart(
            stepped.technology_frame().iloc[0:0], years, stepped.low_carbon_technologies
        ),
    }
    text = json.dumps(specs)
    assert '"format": "d"' in text, "years print as integers"
    for name, spec in specs.items():
        assert all(scale.get("zero", True) for scale in _y_scales(spec)), name
    for name, spec in empties.items():
        # drawn with Vega's warnings off until data arrives (public/vegalite.mjs; the browser tests
        # fail on any console warning), with the y scales the data-bearing chart keeps
        scales = list(_y_scales(spec))
        assert scales, name
        assert all("domain" not in scale for scale in scales), name
        assert not any(spec["datasets"].values()), name


def test_network_labels_never_overlap():
    sim = Simulation("leadit", 1)
    nodes = sim.network_nodes()
    labels = charts.network_labels(nodes)
    boxes = charts.label_boxes(nodes, charts.NETWORK_SIZE)
    shown = [boxes[i] for i, text in enumerate(labels) if text]
    assert len(shown) >= 20, "most countries keep their label"
    for i, a in enumerate(shown):
        for b in shown[:i]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    companies = nodes["agent_type"] == "company"
    assert (labels[companies] == "").all()
    initiative = nodes.index[nodes["agent_type"] == "initiative"][0]
    assert labels[initiative] == nodes.loc[initiative, "name"], "the initiative comes first"
    assert labels.equals(charts.network_labels(Simulation("leadit", 2).network_nodes()))


# --- the page, rendered without a browser -------------------------------------------------
def _text(rc, class_: str) -> str:
    return "".join(str(c) for c in rc.find(v.Html, class_=class_).widget.children)


def _chart(rc, name: str) -> dict:
    return rc.find(v.Html, class_=f"chart chart-{name}").find(VegaLite).widget.spec


def draw_charts(rc) -> None:
    """What the browser does once it has drawn each chart: report it (``public/vegalite.mjs``)."""
    for widget in rc.find(VegaLite).widgets:
        widget.vue_drawn(None)


def render_page():
    """The page as a browser shows it once its first picture is drawn."""
    box, rc = solara.render(Page(), handle_error=False)
    draw_charts(rc)
    return box, rc


def test_controls_a_class_can_wait_for_follow_the_first_picture(monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, "leadit")
    _, rc = solara.render(Page(), handle_error=False)

    def later_controls() -> dict[str, int]:
        return {
            "lever sliders": len(rc.find(v.Slider).widgets) - 1,  # the pause slider stays
            "broker switch": len(rc.find(v.Switch, label="Broker").widgets),
            "agent picker": len(rc.find(v.Select, class_="inspect").widgets),
            "event filters": len(rc.find(v.Select, class_="event-country").widgets),
        }

    charts_drawn = rc.find(VegaLite).widgets
    assert len(charts_drawn) == 5, "the network and four charts"
    assert later_controls() == dict.fromkeys(later_controls(), 0), "built after the picture"
    assert rc.find(v.Btn, class_="step").widgets, "Step is there from the start"
    for widget in charts_drawn[:-1]:
        widget.vue_drawn(None)
    assert later_controls()["broker switch"] == 0, "until every chart is drawn"
    charts_drawn[-1].vue_drawn(None)
    expected = {"lever sliders": 4, "broker switch": 1, "agent picker": 1, "event filters": 1}
    assert later_controls() == expected
    rc.find(v.Btn, class_="step").widget.click()
    assert later_controls() == expected, "and stay"
    rc.close()


def test_a_page_whose_charts_never_report_shows_its_controls_after_the_deadline(monkeypatch):
    """The charts' module failing to load (no chart ever reports) must not hide the levers."""
    from industry_transition.visualization import app

    monkeypatch.setenv(SCENARIO_ENV, "teaching")
    monkeypatch.setattr(app, "PICTURE_DEADLINE_SECONDS", 0.3)
    _, rc = solara.render(Page(), handle_error=False)
    assert rc.find(VegaLite).widgets, "charts mounted, none drawn"
    assert not rc.find(v.Switch, label="Broker").widgets, "still waiting for the picture"
    deadline = time.monotonic() + 10
    while not rc.find(v.Switch, label="Broker").widgets and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rc.find(v.Switch, label="Broker").widgets, "shown once the deadline passed"
    assert len(rc.find(v.Select, class_="event-country").widgets) == 1
    rc.close()


def test_a_page_closed_before_its_deadline_stops_the_timer(monkeypatch):
    import threading

    from industry_transition.visualization import app

    monkeypatch.setenv(SCENARIO_ENV, "teaching")
    monkeypatch.setattr(app, "PICTURE_DEADLINE_SECONDS", 60.0)

    def timers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "first-picture-deadline"]

    before = len(timers())
    _, rc = solara.render(Page(), handle_error=False)
    assert len(timers()) == before + 1, "the page waits with a deadline"
    rc.close()
    deadline = time.monotonic() + 5
    while len(timers()) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(timers()) == before, "closing the page stopped its timer"
    _, rc = render_page()
    deadline = time.monotonic() + 5
    while len(timers()) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(timers()) == before, "a page drawn in time stopped its timer"
    rc.close()


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, "teaching")
    box, rc = render_page()
    yield rc
    rc.close()


def test_page_step_advances_the_year_and_the_charts_get_new_data(page):
    assert "0 of 27" in _text(page, "progress-text")
    assert _text(page, "current-year") == "start of 2024"
    before = len(_chart(page, "emissions")["datasets"]["emissions"])
    nodes_before = _chart(page, "network")["datasets"]["nodes"]
    step = page.find(v.Btn, class_="step")
    for _ in range(3):
        step.widget.click()
    assert "3 of 27" in _text(page, "progress-text")
    assert _text(page, "current-year") == "2026"
    emissions = _chart(page, "emissions")["datasets"]["emissions"]
    assert before == 0
    assert len(emissions) == 3 * 2 * 2
    assert {row["year"] for row in emissions} == {2024, 2025, 2026}
    nodes_after = _chart(page, "network")["datasets"]["nodes"]
    assert [n["agent_id"] for n in nodes_after] == [n["agent_id"] for n in nodes_before]
    assert [(n["x"], n["y"]) for n in nodes_after] == [(n["x"], n["y"]) for n in nodes_before]
    partnerships = _chart(page, "partnerships")["datasets"]["partnerships"]
    assert {row["year"] for row in partnerships} == {2024, 2025, 2026}


def test_page_levers_and_seed_apply_on_reset(page):
    # set the seed text and the broker switch, then Reset: the new run uses both
    seed_box = page.find(v.TextField, label="Seed (whole number)")
    seed_box.widget.v_model = " 17 "
    broker = page.find(v.Switch, label="Broker")
    broker.widget.v_model = False
    page.find(v.Btn, class_="step").widget.click()
    page.find(v.Btn, class_="reset").widget.click()
    assert "0 of 27" in _text(page, "progress-text")
    page.find(v.Btn, class_="step").widget.click()
    spec = _chart(page, "emissions")
    expected = run("teaching", seed=17, steps=1, broker=False).series
    steel = [
        r for r in spec["datasets"]["emissions"] if r["run"] == WITH and r["sector"] == "steel"
    ]
    assert math.isclose(steel[0]["emissions_mt"], expected["emissions_steel_mt"].iloc[0])


def _differs(rc) -> str:
    alerts = rc.find(v.Alert, class_="levers-differ").widgets
    return " ".join(str(a.children) for a in alerts)


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("switch", lambda rc: setattr(rc.find(v.Switch, label="Broker").widget, "v_model", False)),
        (
            "toggle",
            lambda rc: setattr(
                rc.find(v.BtnToggle, v_model="reputational").widget, "v_model", "none"
            ),
        ),
        ("slider", lambda rc: setattr(rc.find(v.Slider).widgets[1], "v_model", 2.5)),
        (
            "seed",
            lambda rc: setattr(
                rc.find(v.TextField, label="Seed (whole number)").widget, "v_model", "7"
            ),
        ),
    ],
)
def test_page_says_when_the_sidebar_differs_from_the_running_model(page, kind, change):
    assert _differs(page) == ""
    change(page)
    assert "differs from the running model" in _differs(page), kind
    # the running model keeps its settings until Reset, and Compare's A is the running model
    page.find(v.BtnToggle, class_="views").widget.v_model = "Compare"
    compare_a = str(page.find(v.Html, class_="compare-a").widget.children)
    assert "running model" in compare_a
    assert "none" not in compare_a
    assert "2.5" not in compare_a
    page.find(v.Btn, class_="reset").widget.click()
    assert _differs(page) == "", "Reset applies the sidebar"
    compare_a = str(page.find(v.Html, class_="compare-a").widget.children)
    if kind == "toggle":
        assert "enforcement none" in compare_a
    if kind == "slider":
        assert "carbon price scale 2.5" in compare_a


def test_page_shows_a_message_for_a_bad_seed_and_keeps_the_run(page):
    page.find(v.Btn, class_="step").widget.click()
    seed_box = page.find(v.TextField, label="Seed (whole number)")
    seed_box.widget.v_model = "twelve"
    page.find(v.Btn, class_="reset").widget.click()
    errors = page.find(v.Alert, class_="app-error")
    assert "not a whole number" in str(errors.widget.children)
    assert "1 of 27" in _text(page, "progress-text"), "the running model is kept"


def test_club_game_page_shows_its_levers_and_the_club_chart(monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, "club-game")
    _, rc = render_page()
    labels = [str(t.children) for t in rc.find(v.Html).widgets]
    assert any("Countries (countries): 10" in label for label in labels)
    assert any("Club benefit" in label for label in labels)
    assert not rc.find(v.Html, class_="chart chart-emissions").widgets, "no empty charts"
    rc.find(v.Btn, class_="step").widget.click()
    rows = _chart(rc, "club")["datasets"]["club"]
    members = [r["members"] for r in rows if r["series"] == "members (model)"]
    assert members == [0, 3], "starts empty, three join in the first year"
    rc.close()


def test_two_pages_have_their_own_models(monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, "teaching")
    _, first = render_page()
    _, second = render_page()
    first.find(v.Btn, class_="step").widget.click()
    first.find(v.Btn, class_="step").widget.click()
    assert "2 of 27" in _text(first, "progress-text")
    assert "0 of 27" in _text(second, "progress-text")
    second.find(v.Btn, class_="reset").widget.click()
    assert "2 of 27" in _text(first, "progress-text")
    first.close()
    second.close()


# --- the app command (without serving) ----------------------------------------------------
runner = CliRunner()


def test_app_command_refuses_bad_options(tmp_path):
    result = runner.invoke(cli_app, ["app", "--no-browser", "--scenario", "atlantis"])
    assert result.exit_code == 2
    assert "unknown scenario" in result.output
    result = runner.invoke(cli_app, ["app", "--no-browser", "--results", str(tmp_path / "no")])
    assert result.exit_code == 2
    assert "not a folder" in result.output
    result = runner.invoke(cli_app, ["app", "--no-browser", "--session-timeout", "soon"])
    assert result.exit_code == 2
    assert "session-timeout" in result.output


def test_app_command_refuses_a_busy_port():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli_app, ["app", "--no-browser", "--port", str(port)])
    assert result.exit_code == 2
    assert "choose another --port" in result.output


def test_the_app_compiles_the_environment_once(tmp_path, monkeypatch):
    """Bytecode once per environment (a marker records what was compiled), not per start."""
    import sysconfig

    from industry_transition.visualization import bytecode

    site = tmp_path / "site-packages"
    (site / "pkg").mkdir(parents=True)
    (site / "pkg" / "mod.py").write_text("X = 1\n")
    monkeypatch.setattr(bytecode.sys, "prefix", str(tmp_path))
    monkeypatch.setattr(sysconfig, "get_paths", lambda: {"purelib": str(site)})
    assert bytecode.ensure_bytecode() is True
    assert list((site / "pkg" / "__pycache__").glob("mod.*.pyc"))
    assert (tmp_path / bytecode.MARKER).read_text().strip() == bytecode.environment_digest()
    assert bytecode.ensure_bytecode() is False  # the second start compiles nothing
    (tmp_path / bytecode.MARKER).write_text("another environment\n")
    assert bytecode.ensure_bytecode() is True  # a changed environment is compiled again


def test_no_chart_shows_a_raw_column_name(stepped):
    from industry_transition.experiments.labels import column_label
    from industry_transition.experiments.spec import OUTCOMES

    for name in [*OUTCOMES, *stepped.series().columns]:
        label = column_label(name)
        assert "_" not in label, name
        if name.endswith("_musd"):
            assert "USD million" in label
        if name.startswith(("emissions", "cumulative_emissions")) and name.endswith("_mt"):
            assert "Mt CO2" in label
    years = (stepped.start_year, stepped.end_year)
    text = json.dumps(
        [
            charts.emissions_chart(stepped.emissions_frame(), years),
            charts.finance_chart(stepped.finance_frame(), years),
            charts.partnerships_chart(stepped.partnerships_frame(), years),
        ]
    )
    for raw in ('"title": "emissions_mt"', '"title": "musd"', "MtCO2", 'USD m"'):
        assert raw not in text
    bands = pd.DataFrame(
        {
            "carbon_price_scale": [1.0],
            "group": ["all"],
            "mean": [1.0],
            "low": [0.5],
            "high": [1.5],
            "n": [2],
        }
    )
    spec = json.dumps(charts.bands_chart(bands, "cumulative_emissions_mt", "carbon_price_scale"))
    assert "cumulative emissions, Mt CO2" in spec
    assert '"title": "cumulative_emissions_mt"' not in spec


def test_charts_are_drawn_by_the_packaged_es_module():
    """The chart widget's component is an ES module Solara serves from the package's public/."""
    from industry_transition.visualization import app

    widget = VegaLite(spec={})
    assert widget.template.esm_module == app.CHART_MODULE
    assert VegaLite(spec={}).template is widget.template, "one template widget, not one per chart"
    widget.template.close()  # a closed template (its session gone) is not handed out again
    fresh = VegaLite(spec={}).template
    assert fresh is not widget.template
    assert fresh.comm is not None
    module = app.CHART_MODULE_PATH
    assert module.is_file(), module
    text = module.read_text("utf-8")
    # what Python calls and reads by name: the drawing report, clicks, the spec
    for name in ("drawn(null)", "altair_click(", "this.spec", "export default"):
        assert name in text, name
