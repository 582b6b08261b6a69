"""Phase 5, investment: plants choose their technology.

At its investment window a plant picks the cheapest available route by LCOP; between windows it
switches only when the saving pays back the stranded capital.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

import numpy as np

from industry_transition.model.costs import availability, plant_costs, running_cost
from industry_transition.model.technology import route_caps

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def invest(model: TransitionModel, new_plants: np.ndarray | None = None) -> np.ndarray:
    """Choose technologies for plants at their window or with a paying early switch.

    Args:
        model: the model.
        new_plants: indices of plants built this year (their capacity counts as deployment of
            whatever route they choose).

    Returns:
        Indices of plants that changed technology.
    """
    fleet = model.fleet
    jitter = draw_jitter(model)
    complete_switches(model, jitter)
    plants = np.flatnonzero(fleet.active() & (fleet.pending_technology < 0))
    if plants.size == 0:
        return plants
    lcop, variable = plant_costs(model, plants)
    available = availability(model, plants)
    running = running_cost(model, plants, variable)
    masked = np.where(available, lcop, np.inf)
    at_window = fleet.next_investment_year[plants] <= model.year
    # Between windows keeping the route costs its running cost: its renewal (a reline) falls
    # due only at the window, so another route must beat the running cost to be chosen.
    between = np.flatnonzero(~at_window)
    masked[between, fleet.technology[plants[between]]] = running[between]
    # Plants that might act: at their window, or with some route cheaper than running on.
    considered = np.flatnonzero(at_window | (masked.min(axis=1) < running))
    new = np.zeros(len(fleet), dtype=bool)
    if new_plants is not None:
        new[new_plants] = True
    chosen, acting = CapTracker(model).choose(
        plants[considered], masked[considered], running[considered], at_window[considered]
    )
    lead_times = model.technologies.lead_time_years
    decided = []
    rows = considered[acting]
    for plant, technology, current in zip(
        plants[rows].tolist(),
        chosen[acting].tolist(),
        fleet.technology[plants[rows]].tolist(),
        strict=True,
    ):
        lead = int(lead_times[technology])  # the new route's own lead time
        if technology == current and not new[plant]:
            rebuild(model, plant, technology, int(jitter[plant]), changed=False)
        elif new[plant] or lead == 0:
            rebuild(
                model,
                plant,
                technology,
                int(jitter[plant]),
                changed=True,
                new_plant=bool(new[plant]),
            )
            decided.append(plant)
        else:
            schedule_switch(model, plant, technology, lead)
            decided.append(plant)
    return np.array(decided, dtype=np.int64)


def schedule_switch(model: TransitionModel, plant: int, technology: int, lead: int) -> None:
    """Start building a new route for a plant; it operates ``lead`` years later.

    With no lead time the conversion completes in this year's investment phase.
    """
    fleet, tech = model.fleet, model.technologies
    fleet.pending_technology[plant] = technology
    fleet.pending_year[plant] = model.year + lead
    model.fleet.changed(int(fleet.country[plant]))
    model.costs.pipeline_changed()  # companies expect the route's capex to fall (learning)
    company_id = model.companies.ids[fleet.owner[plant]]
    model.events.record(
        model.year,
        "investment",
        f"{model.year}: {model.display_name(company_id)} starts converting {fleet.ids[plant]} "
        f"to {tech.names[technology]} (operating from {model.year + lead})",
        party_a=company_id,
        technology=tech.ids[technology],
    )


def complete_switches(model: TransitionModel, jitter: np.ndarray) -> None:
    """Switch plants whose conversion is finished this year to their new route."""
    from industry_transition.model import agreements  # agreements schedules switches

    fleet = model.fleet
    due = np.flatnonzero((fleet.pending_technology >= 0) & (fleet.pending_year <= model.year))
    for plant in due:
        technology = int(fleet.pending_technology[plant])
        fleet.pending_technology[plant] = -1
        if fleet.capacity_mt[plant] > 0:
            if fleet.financed[plant]:
                # the company carried its side of a finance deal out (docs/model.md §3.6)
                agreements.conversion_delivered(model, int(plant))
            rebuild(model, int(plant), technology, int(jitter[plant]), changed=True)
        elif int(plant) in model.finance_by_plant:
            # closed before its financed conversion completed: the company failed its side
            agreements.conversion_abandoned(model, model.finance_by_plant[int(plant)])


#: Capacity (Mt) by which a route may exceed its cap: rounding in the sums, not a policy.
CAP_TOLERANCE_MT = 1e-9


class CapTracker:
    """Capacity by country and route, updated as plants switch within one year's decisions.

    Routes with ``max_share < 1`` (scrap EAF, LC3) stay within their cap even when several
    plants of a country decide in the same year.
    """

    def __init__(self, model: TransitionModel) -> None:
        self.model = model
        fleet, tech = model.fleet, model.technologies
        self.by_route = np.zeros((len(model.countries.ids), len(tech)))
        # Conversions under way count toward the route they are becoming.
        np.add.at(self.by_route, (fleet.country, fleet.route()), fleet.capacity_mt)
        self.by_sector = model.fleet.sector_capacity()
        self.capped = tech.max_share < 1.0
        self.caps = route_caps(model)

    def cheapest_within_cap(self, plant: int, costs: np.ndarray) -> int:
        """The cheapest available route (finite cost) whose cap this plant would not break."""
        fleet = self.model.fleet
        country, sector = int(fleet.country[plant]), int(fleet.sector[plant])
        current = int(fleet.technology[plant])
        finite = np.isfinite(costs).tolist()
        for route in np.argsort(costs, kind="stable").tolist():
            if not finite[route]:
                break
            if self.capped[route] and route != current:
                after = self.by_route[country, route] + fleet.capacity_mt[plant]
                limit = self.caps[country, route] * self.by_sector[country, sector]
                if after > limit + CAP_TOLERANCE_MT:
                    continue
            return int(route)
        return current

    def choose(
        self, plants: np.ndarray, costs: np.ndarray, running: np.ndarray, at_window: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each plant's route and whether it acts, as if each decided in turn (in order).

        Plant ``i`` takes ``cheapest_within_cap(plants[i], costs[i])`` given the moves of the
        plants before it that acted, and acts at its window (``at_window[i]``) or when the
        route is another one cheaper than running on (``running[i]``); an acting plant's
        capacity then moves to its route (``move``).

        Only the capacity on capped routes is read back, and each (country, capped route)
        cell changes only through the plants that want that route or leave or stay on it. So
        each cell replays, in order, just its own plants, in plain floats (the same IEEE
        operations as the arrays), and every other plant's choice comes from its costs alone.
        That holds when a plant can touch at most one capped cell: one capped route per
        sector, as the shipped technologies have. Otherwise plants decide in turn.

        Returns:
            (route of each plant, whether it acts).
        """
        fleet = self.model.fleet
        m = plants.size
        current = fleet.technology[plants].astype(np.int64)
        if m == 0:
            return current, np.zeros(0, dtype=bool)
        rows = np.arange(m)
        capped = self.capped
        first = np.argmin(costs, axis=1)  # the first of the cheapest, as a stable sort puts it
        finite = np.isfinite(costs[rows, first])
        # plants whose cheapest route is another capped one: the cap decides (in turn)
        wants = finite & capped[first] & (first != current)
        # the route a wanting plant takes if the cap turns it away: the next in a stable sort
        fallback = current.copy()
        want = np.flatnonzero(wants)
        rest = costs[want]
        rest[np.arange(want.size), first[want]] = np.inf
        second = np.argmin(rest, axis=1)
        fallback[want] = np.where(
            np.isfinite(rest[np.arange(want.size), second]), second, current[want]
        )
        touching = wants & (capped[current] | (capped[fallback] & (fallback != current)))
        if touching.any() or np.isnan(costs).any():
            # a plant meets two capped routes, or costs hold a NaN (sorted last, argmin's first)
            return self._choose_in_turn(plants, costs, running, at_window)
        chosen = np.where(finite, first, current)
        acting = at_window | ((chosen != current) & (costs[rows, chosen] < running))
        # every plant of a cell, in order: those that want its route, and those on it that act
        # (leaving it, or staying and rebuilding)
        on_capped = ~wants & acting & capped[current]
        members = np.flatnonzero(wants | on_capped)
        route = np.where(wants[members], first[members], current[members])
        # a cell's key is its flat index in ``by_route`` (country, route)
        cell = fleet.country[plants[members]].astype(np.int64) * len(capped) + route
        order = np.argsort(cell, kind="stable")
        members, route, cell = members[order], route[order], cell[order]
        country = cell // len(capped)
        capacity = fleet.capacity_mt[plants[members]].tolist()
        sector = fleet.sector[plants[members]]
        limits = (
            self.caps[country, route] * self.by_sector[country, sector] + CAP_TOLERANCE_MT
        ).tolist()
        wanting = wants[members].tolist()
        stays = (chosen[members] == current[members]).tolist()
        window = at_window[members].tolist()
        fallback_row = fallback[members].tolist()
        fallback_cheaper = (
            (fallback[members] != current[members])
            & (costs[members, fallback[members]] < running[members])
        ).tolist()
        route_cheaper = (costs[members, route] < running[members]).tolist()
        held = self.by_route.reshape(-1)  # a view: totals are written back to the tracker
        for key, group in groupby(range(members.size), cell.tolist().__getitem__):
            total = float(held[key])  # the cell's capacity before any decision
            for j in group:
                if wanting[j]:
                    row = int(members[j])
                    if total + capacity[j] > limits[j]:
                        # turned away: moves between uncapped routes (or stays), cell untouched
                        chosen[row] = fallback_row[j]
                        acting[row] = window[j] or fallback_cheaper[j]
                    else:
                        acting[row] = window[j] or route_cheaper[j]
                        if acting[row]:
                            total += capacity[j]
                else:  # on the capped route and acting: leaves it, or stays (out and back in)
                    total -= capacity[j]
                    if stays[j]:
                        total += capacity[j]
            held[key] = total
        return chosen, acting

    def _choose_in_turn(
        self, plants: np.ndarray, costs: np.ndarray, running: np.ndarray, at_window: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``choose`` one plant after another (any number of capped routes per plant)."""
        fleet = self.model.fleet
        chosen = np.zeros(plants.size, dtype=np.int64)
        acting = np.zeros(plants.size, dtype=bool)
        for i, plant in enumerate(plants.tolist()):
            route = self.cheapest_within_cap(plant, costs[i])
            current = int(fleet.technology[plant])
            chosen[i] = route
            acting[i] = bool(at_window[i]) or (route != current and costs[i, route] < running[i])
            if acting[i]:
                self.move(plant, current, route)
        return chosen, acting

    def move(self, plant: int, old: int, new: int) -> None:
        """Record a plant's capacity moving from one route to another."""
        fleet = self.model.fleet
        country = int(fleet.country[plant])
        self.by_route[country, old] -= fleet.capacity_mt[plant]
        self.by_route[country, new] += fleet.capacity_mt[plant]


def draw_jitter(model: TransitionModel) -> np.ndarray:
    """Next-window offsets for every plant, drawn every year (common random numbers)."""
    spread = model.params.investment_cycle_jitter_years
    rng = model.substream("investment", model.year)
    return rng.integers(-spread, spread + 1, size=len(model.fleet))


def rebuild(
    model: TransitionModel,
    plant: int,
    technology: int,
    jitter: int,
    *,
    changed: bool,
    new_plant: bool = False,
) -> None:
    """Invest in ``plant`` with ``technology``: capex, learning, grant use, next window."""
    fleet, tech, companies = model.fleet, model.technologies, model.companies
    country = int(fleet.country[plant])
    old = int(fleet.technology[plant])
    multiplier = (
        model.countries.capability_multiplier[country] if tech.low_carbon[technology] else 1.0
    )
    fleet.technology[plant] = technology
    model.fleet.changed(country)
    # a plant keeping its route pays its renewal (a reline), a new or switched one the capex,
    # less the host it keeps when the new route is a retrofit onto its old one (cost_parts)
    if not changed:
        paid = tech.renewal_capex(np.array([technology]))[0] * multiplier
    else:
        paid = tech.capex_usd_per_tpa[technology] * multiplier
        if not new_plant and tech.retrofit_of[technology] == old:
            paid = max(paid - tech.host_saving()[old], 0.0)
    fleet.capex_paid_usd_per_tpa[plant] = paid
    cycle = model.cycle_years[fleet.sector[plant]]
    fleet.next_investment_year[plant] = model.year + max(1, int(cycle) + jitter)
    if not changed:
        return
    tech.add_deployment(technology, float(fleet.capacity_mt[plant]))
    company_id = companies.ids[fleet.owner[plant]]
    if tech.low_carbon[technology]:
        grant = float(fleet.grant_musd[plant])
        if grant > 0:
            model.ledger.transfer(
                model.year,
                "musd",
                f"grant:{fleet.ids[plant]}",
                f"capex:{company_id}",
                grant,
                "grant spent",
            )
            fleet.grant_musd[plant] = 0.0
        fleet.financed[plant] = False
        from industry_transition.model import agreements  # it imports this module

        agreements.raise_capability(model, country)
    model.events.record(
        model.year,
        "adoption",
        f"{model.year}: {model.display_name(company_id)} "
        + (
            f"builds {fleet.ids[plant]} with {tech.names[technology]}"
            if new_plant
            else f"switches {fleet.ids[plant]} from {tech.names[old]} to {tech.names[technology]}"
        ),
        party_a=company_id,
        technology=tech.ids[technology],
        amount_musd=float(fleet.capex_paid_usd_per_tpa[plant] * fleet.capacity_mt[plant]),
    )
