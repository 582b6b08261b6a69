"""Investment in a one-plant world: the switch happens exactly when the LCOP comparison flips."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model.economics import capital_recovery_factor

DATA = Path(__file__).resolve().parents[1] / "industry_transition" / "model" / "data"
PRICE_START, PRICE_GROWTH, POWER_PRICE, RATE = 50.0, 10.0, 50.0, 0.08


def one_plant_world(tmp_path: Path, *, window: int = 2024, lead: int | None = None) -> Path:
    """One country with a clean grid, one steel company, one blast furnace; two routes.

    ``lead``: the hydrogen route's own lead time (``lead_time_years``); None keeps the table's.
    """
    tech = pd.read_csv(DATA / "technologies.csv", dtype=str, keep_default_na=False)
    tech = tech[tech["technology"].isin(["bf_bof", "h2_dri_eaf"])].copy()
    if lead is not None:
        tech.loc[tech["technology"] == "h2_dri_eaf", "lead_time_years"] = str(lead)
    tech.to_csv(tmp_path / "technologies.csv", index=False)
    (tmp_path / "countries.csv").write_text(
        "country_id,name,income_group,carbon_price_usd_per_t,"
        "carbon_price_growth_usd_per_t_per_year,ambition_usd_per_t,donor_budget_musd_per_year,"
        "finance_need_musd_per_year,grid_tco2_per_mwh,grid_decline_per_year,"
        "electricity_usd_per_mwh,cost_of_capital,capability_multiplier,"
        "steel_demand_growth_per_year,cement_demand_growth_per_year,source\n"
        f"solo,Solo,high,{PRICE_START},{PRICE_GROWTH},0,0,0,0,0,{POWER_PRICE},{RATE},1,0,0,test\n"
    )
    (tmp_path / "companies.csv").write_text(
        "company_id,name,country_id,sector,role,cost_of_capital_premium,"
        "internal_carbon_price_usd_per_t,owned_technologies,target_year,source\n"
        "mill,Mill,solo,steel,producer,0,0,,,test\n"
    )
    (tmp_path / "plants.csv").write_text(
        "plant_id,company_id,technology,capacity_mt,utilisation,next_investment_year,source\n"
        f"mill_1,mill,bf_bof,2.0,0.85,{window},test\n"
    )
    (tmp_path / "initiatives.csv").write_text("initiative_id,name,broker,founded_year,source\n")
    (tmp_path / "memberships.csv").write_text("initiative_id,member_id,joined_year,source\n")
    (tmp_path / "partnerships.csv").write_text(
        "partnership_id,kind,party_a,party_b,start_year,duration_years,amount_musd,technology,"
        "source\n"
    )
    scenario = tmp_path / "solo.toml"
    scenario.write_text(
        'name = "solo"\n[tables]\n'
        + "".join(
            f'{t} = "{t}.csv"\n'
            for t in (
                "technologies",
                "countries",
                "companies",
                "plants",
                "initiatives",
                "memberships",
                "partnerships",
            )
        )
        + "[parameters]\nelectricity_price_change_per_year = 0.0\nlearning = false\n"
        "negotiation = false\n"
    )
    return scenario


def expected_switch_year(
    tech: pd.DataFrame, *, life: int, cycle: int, utilisation: float, horizon: int
) -> int:
    """First year the hydrogen route's LCOP beats the furnace's running cost.

    Between windows the furnace's capital is sunk but not recovered: the rule compares the new
    route's full LCOP with the old route's variable cost minus straight-line depreciation. The
    plant decides at the price it expects, the mean of the linear path over ``horizon`` years:
    this year's price plus ``PRICE_GROWTH * (horizon - 1) / 2``.
    """
    bf = tech.set_index("technology").loc["bf_bof"]
    h2 = tech.set_index("technology").loc["h2_dri_eaf"]
    crf = float(capital_recovery_factor(RATE, life))
    # the model sizes capital per tonne at the target utilisation
    h2_fixed = (
        crf * h2.capex_usd_per_tpa / utilisation
        + h2.opex_usd_per_t
        + (h2.electricity_mwh_per_t * POWER_PRICE)
    )
    # at its 2024 window the furnace kept its route (hydrogen was still dearer): what it paid
    # then, its renewal (a reline), is the capital it depreciates until the next window
    renewal = float(bf.renewal_capex_usd_per_tpa)
    paid = bf.capex_usd_per_tpa if math.isnan(renewal) else min(renewal, bf.capex_usd_per_tpa)
    bf_running = bf.opex_usd_per_t - paid / cycle / utilisation
    price_needed = (h2_fixed - bf_running) / (bf.direct_tco2_per_t - h2.direct_tco2_per_t)
    expected_shift = PRICE_GROWTH * (horizon - 1) / 2
    years = math.floor((price_needed - expected_shift - PRICE_START) / PRICE_GROWTH) + 1
    return 2024 + years


@pytest.mark.parametrize(("lead", "horizon"), [(0, 1), (2, 1), (0, 3), (2, 3)])
def test_plant_switches_in_the_year_the_comparison_changes_sign(tmp_path, lead, horizon):
    """Horizon 1: the plant expects this year's price; 3: the path's mean over 3 years.

    The conversion takes the hydrogen route's own lead time, not ``switch_lead_time_years``
    (set to 7 here, which would put the switch after the end of the run).
    """
    model = TransitionModel(
        one_plant_world(tmp_path, lead=lead),
        seed=3,
        switch_lead_time_years=7,
        valuation_horizon_years=horizon,
    )
    p = model.params
    tech = pd.read_csv(tmp_path / "technologies.csv")
    expected = expected_switch_year(
        tech,
        life=p.plant_life_years,
        cycle=p.steel_investment_cycle_years,
        utilisation=p.target_utilisation,
        horizon=horizon,
    )
    assert 2026 <= expected < 2041  # between maturity and the next window: a real test
    routes = []
    while model.running:
        model.step()
        routes.append((model.year - 1, model.technologies.ids[model.fleet.technology[0]]))
    switched = [year for year, route in routes if route == "h2_dri_eaf"]
    assert switched, routes
    # decided in the year the comparison flips, operating after the lead time
    assert switched[0] == expected + lead
    events = model.events.to_frame()
    if lead:
        decided = events[(events["event"] == "investment") & (events["technology"] == "h2_dri_eaf")]
        assert list(decided["year"]) == [expected]


def renewal_world(tmp_path: Path, renewal: str, window: int = 2024) -> Path:
    """The one-plant world with the blast furnace's renewal cell set (empty: a full rebuild)."""
    scenario = one_plant_world(tmp_path, window=window)
    path = tmp_path / "technologies.csv"
    tech = pd.read_csv(path, dtype=str, keep_default_na=False)
    tech.loc[tech["technology"] == "bf_bof", "renewal_capex_usd_per_tpa"] = renewal
    tech.to_csv(path, index=False)
    return scenario


def test_keeping_the_route_at_the_window_costs_its_renewal(tmp_path):
    """At its window the furnace's own route is priced at its reline, the other at its capex;
    the furnace stays and pays the reline; a plant with no capital in place pays the capex."""
    from industry_transition.model.costs import cost_parts

    model = TransitionModel(renewal_world(tmp_path, "55"), seed=3, carbon_price_scale=0.0)
    tech, fleet = model.technologies, model.fleet
    bf, h2 = tech.index["bf_bof"], tech.index["h2_dri_eaf"]
    plant = np.array([0])
    _, capex, _ = cost_parts(model, plant, np.zeros(1))
    assert capex[0, bf] == pytest.approx(55.0)
    assert capex[0, h2] == pytest.approx(tech.capex_usd_per_tpa[h2])
    model.step()  # 2024: the window
    assert tech.ids[fleet.technology[0]] == "bf_bof"
    assert fleet.capex_paid_usd_per_tpa[0] == pytest.approx(55.0)
    assert fleet.next_investment_year[0] > 2024
    # a plant built this year has paid nothing yet: the full capex of its route
    fleet.capex_paid_usd_per_tpa[0] = 0.0
    _, capex, _ = cost_parts(model, plant, np.zeros(1))
    assert capex[0, bf] == pytest.approx(tech.capex_usd_per_tpa[bf])


@pytest.mark.parametrize("scenario", ["leadit", "leadit-2019"])
def test_the_starting_fleet_has_renewed_its_route_once_it_is_a_cycle_old(scenario):
    """A blast furnace started a cycle or more before the run has been relined since (its
    capital in place is the reline); a younger one, or one without a start year, is on its
    first build."""
    model = TransitionModel(scenario, seed=1, snapshots=False)
    fleet, tech, p = model.fleet, model.technologies, model.params
    table = pd.read_csv(DATA / "leadit" / "plants.csv").set_index("plant_id")
    vintage = table["start_year"].reindex(fleet.ids).to_numpy(dtype=float)
    bf = np.flatnonzero(fleet.technology == tech.index["bf_bof"])
    old = bf[vintage[bf] + p.steel_investment_cycle_years <= p.start_year]
    young = bf[~(vintage[bf] + p.steel_investment_cycle_years <= p.start_year)]
    assert old.size  # both kinds are in the fleet: a real test
    assert young.size
    assert np.all(fleet.capex_paid_usd_per_tpa[old] == 55.0)
    assert np.all(fleet.capex_paid_usd_per_tpa[young] == tech.capex_initial[tech.index["bf_bof"]])


def test_a_capture_retrofit_pays_the_reline_not_a_new_furnace():
    """bf_bof_ccus (a capture unit on a blast furnace, 1,400 = 400 + 1,000) costs a furnace
    on bf_bof its reline plus the capture unit; a plant on another route pays all of it, and a
    plant that switches onto the retrofit pays what it was charged."""
    from industry_transition.model.costs import cost_parts
    from industry_transition.model.investment import rebuild

    model = TransitionModel("leadit", seed=1, snapshots=False)
    tech, fleet = model.technologies, model.fleet
    bf, ccus, scrap = (tech.index[t] for t in ("bf_bof", "bf_bof_ccus", "scrap_eaf"))
    assert tech.retrofit_of[ccus] == bf
    on_bf = np.flatnonzero((fleet.technology == bf) & fleet.active())[:3]
    on_scrap = np.flatnonzero((fleet.technology == scrap) & fleet.active())[:3]
    plants = np.concatenate([on_bf, on_scrap])
    _, capex, _ = cost_parts(model, plants, np.zeros(plants.size))
    multiplier = model.countries.capability_multiplier[fleet.country[plants]]
    saving = tech.capex_usd_per_tpa[bf] - 55.0
    expected_bf = tech.capex_usd_per_tpa[ccus] * multiplier[: on_bf.size] - saving
    assert np.allclose(capex[: on_bf.size, ccus], expected_bf)
    assert np.allclose(
        capex[on_bf.size :, ccus], tech.capex_usd_per_tpa[ccus] * multiplier[on_bf.size :]
    )
    plant = int(on_bf[0])
    rebuild(model, plant, ccus, 0, changed=True)
    assert fleet.capex_paid_usd_per_tpa[plant] == pytest.approx(expected_bf[0])


def test_a_cheap_reline_keeps_a_furnace_that_a_full_rebuild_would_switch(tmp_path):
    """Direction: at the window the switch needs hydrogen to beat the reline, not a rebuild.

    The carbon price is set where hydrogen's LCOP lies between the furnace's LCOP with a
    reline and with a full rebuild: the furnace switches when it must rebuild, stays when it
    can reline. The window is in 2030, once hydrogen DRI is available."""
    from industry_transition.model.costs import plant_costs

    routes = {}
    for renewal in ("", "55"):
        folder = tmp_path / (renewal or "rebuild")
        folder.mkdir()
        model = TransitionModel(renewal_world(folder, renewal), seed=3, learning=False)
        tech = model.technologies
        bf, h2 = tech.index["bf_bof"], tech.index["h2_dri_eaf"]
        lcop, _ = plant_costs(model, np.array([0]))
        routes[renewal] = (lcop[0, bf], lcop[0, h2], float(model.decision_price[0]))
    rebuild_bf, h2_cost, price = routes[""]
    reline_bf, _, _ = routes["55"]
    assert reline_bf < rebuild_bf
    # the carbon price that puts hydrogen halfway between the two furnace costs
    intensity_gap = 2.2 - 0.05  # bf_bof and h2_dri_eaf direct+indirect on a clean grid
    needed = price + (h2_cost - (reline_bf + rebuild_bf) / 2) / intensity_gap
    chosen = {}
    for renewal in ("", "55"):
        folder = tmp_path / f"run-{renewal or 'rebuild'}"
        folder.mkdir()
        model = TransitionModel(
            renewal_world(folder, renewal, window=2030),
            seed=3,
            learning=False,
            carbon_price_scale=needed / PRICE_START,
            carbon_price_growth_scale=0.0,
            valuation_horizon_years=1,
        )
        while model.year <= 2030:  # through the window
            model.step()
        fleet = model.fleet
        route = fleet.pending_technology[0] if fleet.pending_technology[0] >= 0 else None
        chosen[renewal] = model.technologies.ids[
            route if route is not None else fleet.technology[0]
        ]
    assert chosen == {"": "h2_dri_eaf", "55": "bf_bof"}


def test_without_carbon_price_growth_the_plant_never_switches(tmp_path):
    scenario = one_plant_world(tmp_path)
    model = TransitionModel(scenario, seed=3, carbon_price_scale=0.0)
    while model.running:
        model.step()
    assert model.technologies.ids[model.fleet.technology[0]] == "bf_bof"


@pytest.mark.parametrize("seed", [1, 2])
def test_learning_lowers_capex_by_wrights_law_when_a_route_is_built(tmp_path, seed):
    scenario = one_plant_world(tmp_path)
    model = TransitionModel(scenario, seed=seed, learning=True)
    tech = model.technologies
    k = tech.index["h2_dri_eaf"]
    while model.running:
        model.step()
    built = tech.cumulative_mt[k] - tech.cumulative_initial[k]
    assert built == pytest.approx(2.0)  # the one plant switched
    model.update_costs()
    ratio = tech.cumulative_mt[k] / tech.cumulative_initial[k]
    # the novel part (electrolyser) learns, the shaft furnace and arc furnace do not
    expected = tech.capex_conventional[k] + tech.capex_novel_initial[k] * ratio ** math.log2(
        1 - tech.learning_rate[k]
    )
    assert tech.capex_usd_per_tpa[k] == pytest.approx(expected, rel=1e-12)
    assert tech.capex_usd_per_tpa[k] < tech.capex_initial[k]


def _in_turn(caps, plants, costs, running, at_window):
    """Reference for ``CapTracker.choose``: every plant decides in turn, in order."""
    fleet = caps.model.fleet
    chosen, acting = [], []
    for i, plant in enumerate(plants.tolist()):
        route = caps.cheapest_within_cap(plant, costs[i])
        current = int(fleet.technology[plant])
        acts = bool(at_window[i]) or (route != current and costs[i, route] < running[i])
        if acts:
            caps.move(plant, current, route)
        chosen.append(route)
        acting.append(acts)
    return np.array(chosen), np.array(acting)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("cross_sector", [False, True])
def test_route_choice_in_one_pass_equals_deciding_in_turn(seed, cross_sector, monkeypatch):
    """Capped routes (scrap EAF, LC3) fill up as plants decide; the one-pass choice must give
    the same routes, the same actors and the same capacity on every capped route as plants
    deciding one after another. Random costs make caps bind often and plants leave capped
    routes for cheaper ones before others want in.

    With each plant's costs finite only for its own sector's routes (as in the model) the
    cell-by-cell replay must be used; with the other sector's routes open too (a plant may
    meet two capped routes) and a few NaN costs, the in-turn fallback."""
    from industry_transition.model.investment import CapTracker

    model = TransitionModel("synthetic", seed=seed, companies=600, snapshots=False)
    fleet, tech = model.fleet, model.technologies
    rng = np.random.default_rng(seed)
    plants = np.flatnonzero(fleet.active())
    costs = rng.uniform(50, 150, size=(plants.size, len(tech)))
    costs[rng.random(costs.shape) < 0.2] = np.inf  # routes not available to the plant
    costs[:, tech.max_share < 1.0] -= 40  # capped routes often cheapest
    costs[rng.random(plants.size) < 0.02] = np.inf  # some plants with no route at all
    if cross_sector:
        costs[rng.random(costs.shape) < 0.01] = np.nan  # sorted last when deciding in turn
    else:
        costs[tech.sector[None, :] != fleet.sector[plants][:, None]] = np.inf
    running = rng.uniform(40, 160, size=plants.size)
    at_window = rng.random(plants.size) < 0.5
    one_pass, in_turn = CapTracker(model), CapTracker(model)
    if not cross_sector:

        def no_fallback(*args, **kwargs):
            raise AssertionError("one capped route per plant: no need to decide in turn")

        monkeypatch.setattr(one_pass, "_choose_in_turn", no_fallback)
    chosen, acting = one_pass.choose(plants, costs, running, at_window)
    expected_chosen, expected_acting = _in_turn(in_turn, plants, costs, running, at_window)
    np.testing.assert_array_equal(chosen, expected_chosen)
    np.testing.assert_array_equal(acting, expected_acting)
    capped = tech.max_share < 1.0
    assert capped.any()
    np.testing.assert_array_equal(one_pass.by_route[:, capped], in_turn.by_route[:, capped])
    # the caps bound, and plants left capped routes
    with np.errstate(invalid="ignore"):
        unconstrained = np.where(np.isfinite(np.nanmin(costs, axis=1)), costs.argmin(axis=1), -1)
    assert (chosen != unconstrained).sum() > 10
    left = acting & capped[fleet.technology[plants]] & ~capped[chosen]
    assert left.sum() > 10
