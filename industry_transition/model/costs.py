"""Plant-level cost matrices: LCOP of every technology for a set of plants, and availability.

Shared by investment (what plants choose) and negotiation (what deals are worth), so both
value options with the same economics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from industry_transition.model.economics import (
    FloatArray,
    capital_recovery_factor,
    emission_intensity,
    variable_cost,
)
from industry_transition.model.technology import route_caps

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def intensity_matrix(model: TransitionModel) -> FloatArray:
    """Emission intensity (tCO2/t) by country and technology at this year's grid."""
    tech, countries = model.technologies, model.countries
    return emission_intensity(
        tech.direct_tco2_per_t[None, :],
        tech.electricity_mwh_per_t[None, :],
        countries.grid_tco2_per_mwh[:, None],
    )


def decision_carbon_price(model: TransitionModel) -> FloatArray:
    """Carbon price a company decides with (USD/t): the price it expects, or its own if higher.

    The expected price is the mean of its country's announced path (this year's price growing
    by its yearly trend, never below zero) over the next ``valuation_horizon_years``. Every
    choice uses it: investment, grants and licences (docs/model.md §3.1), so a company never
    buys access it values at one price and then decides at another.
    """
    p = model.params
    companies, countries = model.companies, model.countries
    years = np.arange(p.valuation_horizon_years, dtype=float)
    path = (
        countries.carbon_price_usd_per_t[:, None]
        + countries.carbon_price_growth_usd_per_t[:, None] * years[None, :]
    )
    expected = np.maximum(path, 0.0).mean(axis=1)
    return np.maximum(expected[companies.country], companies.internal_carbon_price_usd_per_t)


def plant_costs(
    model: TransitionModel,
    plants: np.ndarray,
    *,
    grant_musd: FloatArray | None = None,
    concessional: np.ndarray | None = None,
    capex_usd_per_tpa: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """LCOP and variable cost (USD/t) of every technology for each plant in ``plants``.

    The capability multiplier applies to low-carbon technologies (new to the country); a grant
    (delivered finance, USD million) lowers the capex of low-carbon options; concessional
    finance lowers the cost of capital of low-carbon options. ``capex_usd_per_tpa`` replaces
    today's capex of the routes (per route, or per plant and route: expected learning).

    Returns:
        (lcop, variable), both shaped (len(plants), number of technologies).
    """
    p = model.params
    low = model.technologies.low_carbon[None, :]
    grants = model.fleet.grant_musd[plants] if grant_musd is None else grant_musd
    financed = model.fleet.financed[plants] if concessional is None else concessional
    rate, capex, variable = cost_parts(model, plants, grants, capex_usd_per_tpa)
    rate_matrix = np.where(
        low & financed[:, None],
        np.maximum(rate[:, None] - p.concessional_rate_reduction, 0.0),
        rate[:, None],
    )
    crf = capital_recovery_factor(rate_matrix, p.plant_life_years)
    lcop = crf * capex / p.target_utilisation + variable
    return lcop, variable


def cost_parts(
    model: TransitionModel,
    plants: np.ndarray,
    grants: FloatArray,
    capex_usd_per_tpa: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """What the LCOP of each plant is made of, before any choice of financing.

    Returns:
        (cost of capital of each plant, capex in USD/tpa of every technology after the
        capability multiplier and the plant's ``grants`` (USD million), variable cost in
        USD/t of every technology).
    """
    p = model.params
    fleet, tech, countries, companies = (
        model.fleet,
        model.technologies,
        model.countries,
        model.companies,
    )
    owner = fleet.owner[plants]
    country = fleet.country[plants]
    low = tech.low_carbon[None, :]
    rate = countries.cost_of_capital[country] + companies.cost_of_capital_premium[owner]
    multiplier = np.where(low, countries.capability_multiplier[country][:, None], 1.0)
    capacity = np.maximum(fleet.capacity_mt[plants], 1e-12)
    grant_per_tpa = np.where(low, (grants / capacity)[:, None], 0.0)
    route_capex = tech.capex_usd_per_tpa if capex_usd_per_tpa is None else capex_usd_per_tpa
    capex = np.maximum(np.atleast_2d(route_capex) * multiplier - grant_per_tpa, 0.0)
    # Keeping a plant's own route costs only its renewal (a blast furnace is relined, not
    # rebuilt; docs/model.md 3.1); a plant built this year has no capital in place yet and
    # pays the full capex of whatever it chooses.
    current = fleet.technology[plants]
    renews = np.flatnonzero(
        (fleet.capex_paid_usd_per_tpa[plants] > 0)
        & ~np.isnan(tech.renewal_capex_usd_per_tpa[current])
    )
    if renews.size:
        cells = (renews, current[renews])
        capex[cells] = np.minimum(
            capex[cells], tech.renewal_capex_usd_per_tpa[current[renews]] * multiplier[cells]
        )
        # and a retrofit onto that route (a capture unit on the relined furnace) pays the
        # renewal for its host part, not a new host
        onto = tech.retrofit_of[None, :] == current[renews][:, None]
        if onto.any():
            saving = tech.host_saving()[current[renews]][:, None]
            capex[renews] = np.where(onto, np.maximum(capex[renews] - saving, 0.0), capex[renews])
    intensity = model.intensity[country]
    incumbent_cost = tech.opex_usd_per_t[tech.incumbent[fleet.sector[plants]]]
    premium = np.where(low, p.green_premium_share * incumbent_cost[:, None], 0.0)
    # opex without gas and scrap, plus the gas each route burns and the scrap it melts at the
    # country's prices (§3.1)
    opex = (
        tech.opex_usd_per_t[None, :]
        + tech.gas_gj_per_t[None, :] * (countries.gas_usd_per_gj[country][:, None])
        + tech.scrap_t_per_t[None, :] * (countries.scrap_usd_per_t[country][:, None])
    )
    variable = variable_cost(
        opex,
        tech.electricity_mwh_per_t[None, :],
        countries.electricity_usd_per_mwh[country][:, None],
        model.decision_price[owner][:, None],
        intensity,
        premium,
    )
    return rate, capex, variable


def availability(
    model: TransitionModel, plants: np.ndarray, technologies: np.ndarray | None = None
) -> np.ndarray:
    """Which technologies each plant's owner may build this year (sector, access, maturity, cap).

    A technology with ``max_share < 1`` (scrap EAF: scrap supply; LC3: clay) is open to a plant
    only if the plant switching to it keeps the route's share of the country's sector capacity
    within this year's cap (``technology.route_caps``); a plant already on the route
    keeps it. ``technologies``: only these columns (indices), in this order (default: all).
    """
    fleet, tech, companies = model.fleet, model.technologies, model.companies
    columns = np.arange(len(tech)) if technologies is None else np.asarray(technologies)
    owner = fleet.owner[plants]
    sector = fleet.sector[plants]
    sector_ok = tech.sector[columns][None, :] == sector[:, None]
    if technologies is None:
        access, ready = companies.access[owner], companies.available_year[owner]
    else:
        access = companies.access[owner[:, None], columns[None, :]]
        ready = companies.available_year[owner[:, None], columns[None, :]]
    allowed = sector_ok & access & (ready <= model.year)
    # A capped route stays open only if this plant switching to it keeps the country's share
    # of that route within the cap. Capacity and shares come from the model's caches, which
    # last until the fleet changes, so a few plants cost little in a large world.
    share = model.fleet.technology_shares()[:, columns]  # (country, tech)
    country = fleet.country[plants]
    sector_capacity = model.fleet.sector_capacity()[country, sector]
    added = fleet.capacity_mt[plants] / np.maximum(sector_capacity, 1e-12)
    projected = share[country] + added[:, None]
    under_cap = projected <= route_caps(model)[:, columns][country] + 1e-9
    current = fleet.technology[plants][:, None] == columns[None, :]
    return np.asarray(allowed & (under_cap | current))


def switch_threshold(
    model: TransitionModel,
    plants: np.ndarray,
    lcop: FloatArray,
    variable: FloatArray,
    available: np.ndarray,
) -> FloatArray:
    """The cost (USD/t) a new technology must beat for each plant to switch to it.

    At its investment window a plant compares full LCOPs: the threshold is the cheapest
    available option. Between windows the old capital is sunk but not yet recovered: the new
    route must save at least the straight-line depreciation of the remaining capital per year
    (switch only when the saving pays back the stranded capital; docs/model.md §3.2).
    """
    at_window = model.fleet.next_investment_year[plants] <= model.year
    best = np.where(available, lcop, np.inf).min(axis=1)
    running = running_cost(model, plants, variable)
    return np.where(at_window, best, np.minimum(running, best))


def counterfactual_route(
    model: TransitionModel,
    plants: np.ndarray,
    lcop: FloatArray,
    variable: FloatArray,
    available: np.ndarray,
) -> np.ndarray:
    """The route each plant runs without the deal: the option that sets its switch threshold.

    At its window the cheapest available route (the first, among equals); between windows its
    current route, unless an available route costs less than running it. A plant with no
    available route keeps its own. Finance counts abatement against it (``switch_threshold``
    is its cost).
    """
    current = model.fleet.technology[plants]
    costs = np.where(available, lcop, np.inf)
    cheapest = np.argmin(costs, axis=1)
    best = costs[np.arange(len(plants)), cheapest]
    at_window = model.fleet.next_investment_year[plants] <= model.year
    running = running_cost(model, plants, variable)
    keeps = ~np.isfinite(best) | (~at_window & (running <= best))
    return np.where(keeps, current, cheapest)


def expected_capex_table(model: TransitionModel, horizon: int) -> FloatArray:
    """Capex (USD/tpa) every company expects for each route 0..``horizon`` years from now.

    Expected learning (docs/model.md §3.1): the conversions under way complete on their dates
    and add to global deployment; beyond them agents extrapolate the average additions of the
    last ``expected_learning_lookback_years`` (adaptive expectations), starting one lead time
    (the route's own) ahead. Row 0 is today's capex.
    """
    p = model.params
    fleet, tech = model.fleet, model.technologies
    pipeline = np.zeros((horizon + 1, len(tech)))
    pending = np.flatnonzero(fleet.pending_technology >= 0)
    if pending.size and horizon > 0:
        # due conversions complete in this year's investment phase: they count from next year
        ahead = np.clip(fleet.pending_year[pending] - model.year, 1, horizon)
        np.add.at(pipeline, (ahead, fleet.pending_technology[pending]), fleet.capacity_mt[pending])
        pipeline = np.cumsum(pipeline, axis=0)
    table = tech.expected_capex(horizon, pipeline, p.expected_learning_lookback_years)
    table[0] = tech.capex_usd_per_tpa  # today's, exactly
    return table


def lcop_at_use(
    model: TransitionModel,
    plants: np.ndarray,
    lcop: FloatArray,
    years_ahead: np.ndarray,
    capex_table: FloatArray,
) -> FloatArray:
    """The LCOP (USD/t) of every route for each plant in the year it would use it.

    ``lcop`` (``plant_costs`` rows of ``plants``, each plant's own financing) with today's capex
    replaced by the capex expected ``years_ahead[i]`` years from now (``capex_table`` from
    :func:`expected_capex_table`): ``plant_costs`` with that capex, so the capability
    multiplier, grant and capital recovery factor are the same and only learning differs.
    Variable costs are the expected ones already. ``lcop`` itself is returned where nothing is
    expected to change within the years asked.
    """
    ahead = np.clip(np.asarray(years_ahead, dtype=np.int64), 0, capex_table.shape[0] - 1)
    if not np.any(capex_table[: ahead.max(initial=0) + 1] != capex_table[0][None, :]):
        return lcop
    then, _ = plant_costs(model, plants, capex_usd_per_tpa=capex_table[ahead])
    return then


def running_cost(model: TransitionModel, plants: np.ndarray, variable: FloatArray) -> FloatArray:
    """Cost (USD/t) of keeping each plant's current route until its window.

    Its variable cost less the straight-line depreciation of the capital still to recover: a
    new route must beat this to be worth switching to before the window.
    """
    fleet = model.fleet
    cycle = model.cycle_years[fleet.sector[plants]]
    utilisation = np.maximum(fleet.utilisation[plants], 1e-9)
    depreciation = fleet.capex_paid_usd_per_tpa[plants] / cycle / utilisation
    return variable[np.arange(len(plants)), fleet.technology[plants]] - depreciation


class CostCache:
    """Cost matrices of every plant (and other lookups), reused until the world changes.

    During negotiation hundreds of deals are valued between two signatures, each for a handful
    of plants; computing the matrices once for all plants and slicing rows gives the same
    numbers (every operation is row-wise) for a fraction of the cost. ``TransitionModel``
    holds one while it negotiates and clears it whenever an agreement is signed.

    Variants: ``default`` (each plant's own financing), ``concessional`` (all low-carbon options
    on concessional terms) and ``plain`` (none), as finance deals compare the last two.
    """

    def __init__(self, model: TransitionModel) -> None:
        self.model = model
        self._costs: dict[str, tuple[FloatArray, FloatArray]] = {}
        self._thresholds: dict[str, FloatArray] = {}
        self._available: np.ndarray | None = None
        #: Values that depend only on the state of the agents named with them (complementarity
        #: of a pair, a country's number of government ties): a signature forgets the values of
        #: its two parties only.
        self.party_memo: dict[tuple[object, ...], object] = {}
        self._party_keys: dict[str, list[tuple[object, ...]]] = {}
        #: Structures that change only with memberships (each country's agents).
        self.structure: dict[tuple[object, ...], object] = {}
        #: Companies whose plants changed since ``company_production`` was computed.
        self.stale_companies: set[str] = set()
        self.active = False
        self._expected_capex: FloatArray | None = None
        #: Counts conversions started (``pipeline_changed``): values that depend on the
        #: expected capex of routes (licence values) carry it in their memo key.
        self.pipeline_version = 0

    def expected_capex(self, horizon: int) -> FloatArray:
        """:func:`expected_capex_table` for at least ``horizon`` years (kept while active).

        It depends on the conversions under way and the deployment record: a conversion
        started (``pipeline_changed``) forgets it.
        """
        table = self._expected_capex
        if table is None or table.shape[0] <= horizon or not self.active:
            table = expected_capex_table(self.model, max(horizon, 0))
            if self.active:
                self._expected_capex = table
        return table

    def pipeline_changed(self) -> None:
        """A conversion started (a finance signature, an investment): expected capex moves."""
        self.pipeline_version += 1
        self._expected_capex = None

    def clear(self) -> None:
        """Forget everything (the fleet, access, maturity or memberships may have changed)."""
        self._expected_capex = None
        self.signed()
        self.party_memo.clear()
        self._party_keys.clear()
        self.structure.clear()
        self.stale_companies.clear()

    def signed(self, *parties: str) -> None:
        """An agreement between ``parties`` was signed: forget what it may have changed."""
        self._costs.clear()
        self._thresholds.clear()
        self._available = None
        for party in parties:
            for key in self._party_keys.pop(party, ()):
                self.party_memo.pop(key, None)
        self.stale_companies.update(parties)

    def remember(self, key: tuple[object, ...], parties: tuple[str, ...], value: object) -> None:
        """Keep ``value`` until one of ``parties`` signs an agreement (only while active)."""
        if not self.active:
            return
        self.party_memo[key] = value
        for party in parties:
            self._party_keys.setdefault(party, []).append(key)

    def _all(self) -> np.ndarray:
        return np.arange(len(self.model.fleet))

    def costs(self, plants: np.ndarray, variant: str = "default") -> tuple[FloatArray, FloatArray]:
        """``plant_costs`` rows for ``plants`` under a financing variant.

        ``default``: each plant's own financing; ``concessional`` and ``plain``: every plant on
        concessional or plain terms.
        """
        if variant not in self._costs:
            everything = self._all()
            concessional = {
                "default": None,
                "concessional": np.ones(everything.size, dtype=bool),
                "plain": np.zeros(everything.size, dtype=bool),
            }[variant]
            with np.errstate(divide="ignore", invalid="ignore"):
                self._costs[variant] = plant_costs(
                    self.model, everything, concessional=concessional
                )
        lcop, variable = self._costs[variant]
        return lcop[plants], variable[plants]

    def available(self, plants: np.ndarray) -> np.ndarray:
        """``availability`` rows for ``plants``."""
        if self._available is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                self._available = availability(self.model, self._all())
        return self._available[plants]

    def threshold(self, plants: np.ndarray, variant: str = "default") -> FloatArray:
        """``switch_threshold`` for ``plants`` under a financing variant."""
        if variant not in self._thresholds:
            everything = self._all()
            lcop, variable = self.costs(everything, variant)
            with np.errstate(divide="ignore", invalid="ignore"):
                self._thresholds[variant] = switch_threshold(
                    self.model, everything, lcop, variable, self.available(everything)
                )
        return self._thresholds[variant][plants]

    def company_production(self) -> FloatArray:
        """Production (Mt) of every company's active plants, summed in plant index order.

        Computed once per negotiation and refreshed for the parties of each signature (a finance
        deal splits a plant of its company), so it equals a fresh per-company sum.
        """
        model = self.model
        production = self.structure.get(("company_production",))
        if not self.active or production is None:
            fleet = model.fleet
            active = np.flatnonzero(fleet.active())
            production = np.bincount(
                fleet.owner[active],
                weights=fleet.production_mt[active],
                minlength=len(model.companies.ids),
            )
            if self.active:
                self.structure[("company_production",)] = production
                self.stale_companies.clear()
            return production
        for agent_id in self.stale_companies:
            company = model.company_agents.get(agent_id)
            if company is not None:
                plants = model.fleet.plants_of(company.index)
                # the same sequential sum as the bincount above
                production[company.index] = np.bincount(  # type: ignore[index]
                    np.zeros(plants.size, dtype=np.intp),
                    weights=model.fleet.production_mt[plants],
                    minlength=1,
                )[0]
        self.stale_companies.clear()
        return production  # type: ignore[return-value]
