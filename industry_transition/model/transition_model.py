"""TransitionModel: wires the world, the agents and the yearly phases (docs/model.md §1.3)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from industry_transition.agents import Company, Country, Initiative
from industry_transition.model import agreements, metrics
from industry_transition.model import demand as demand_phase
from industry_transition.model.costs import CostCache
from industry_transition.model.deals import Deal
from industry_transition.model.delivery import (
    COMPANY_DELIVERY_PRIOR,
    FinanceBook,
    deliver,
    government_delivery_prior,
)
from industry_transition.model.events import EventLog
from industry_transition.model.fleet import PlantFleet
from industry_transition.model.investment import invest
from industry_transition.model.ledger import Ledger
from industry_transition.model.negotiation import negotiate
from industry_transition.model.observed import ObservedSeries
from industry_transition.model.parameters import SEED_LIMIT, check_seed
from industry_transition.model.policy import is_ratchet_year, update_costs, update_policy
from industry_transition.model.registry import Partnership, PartnershipRegistry, TrustBook
from industry_transition.model.scenario import (
    SECTORS,
    Scenario,
    countries_at,
    load_scenario,
    plants_at,
)
from industry_transition.model.technology import Technologies
from industry_transition.model.world import CompanyArrays, CountryArrays

STREAMS = ("network", "endowments", "negotiation", "shocks", "investment")


class TransitionModel(mesa.Model):
    """Countries and companies negotiate partnerships, invest and emit, one step per year.

    Args:
        scenario: a shipped scenario name (``teaching``) or a path to a scenario TOML file.
        seed: the one seed that determines the run. ``None`` draws one and records it.
        rng: accepted for ``mesa.batch_run`` compatibility; an integer used as the seed.
        snapshots: keep yearly agent and technology tables (``agent_snapshots``,
            ``technology_series``); sweeps turn them off. Results are the same either way.
        **overrides: parameter values (see ``industry-transition params``).
    """

    def __init__(
        self,
        scenario: str | Path | Scenario = "teaching",
        *,
        seed: int | None = None,
        rng: int | None = None,
        snapshots: bool = True,
        **overrides: Any,
    ) -> None:
        if seed is None:
            entropy = np.random.SeedSequence().entropy
            seed = rng if rng is not None else int(entropy) % SEED_LIMIT  # type: ignore[arg-type]
        seed = check_seed(seed)
        super().__init__(rng=seed)
        self.seed = seed
        self.spec = (
            scenario if isinstance(scenario, Scenario) else load_scenario(scenario, overrides)
        )
        if isinstance(scenario, Scenario) and overrides:
            self.spec = load_scenario(scenario.path, overrides)
        self.params = self.spec.parameters
        p = self.params
        self.year = p.start_year
        self._stream_entropy = int(self.seed)
        # The world of 1 January of the start year: plants started by then, and that year's
        # carbon prices and grids where the scenario has them (docs/model.md "Input data").
        tables = {
            **self.spec.tables,
            "plants": plants_at(self.spec.tables["plants"], p.start_year),
            "countries": countries_at(
                self.spec.tables["countries"], self.spec.tables.get("country_years"), p.start_year
            ),
        }

        self.technologies = Technologies(
            tables["technologies"],
            learning=p.learning,
            default_lead_time=p.switch_lead_time_years,
        )
        self.countries = CountryArrays.from_table(
            tables["countries"],
            carbon_price_scale=p.carbon_price_scale,
            donor_finance_scale=p.donor_finance_scale,
            blocs=tables.get("blocs"),
            gas_prices=tables.get("gas_prices"),
            default_gas_usd_per_gj=p.default_gas_price_usd_per_gj,
        )
        self.countries.carbon_price_growth_usd_per_t *= p.carbon_price_growth_scale
        # observed rows after the start year, and what ratchets have added to carbon prices
        self.observed = ObservedSeries.from_table(
            self.spec.tables.get("country_years"), self.countries.ids
        )
        self.ratchet_premium_usd_per_t = np.zeros(len(self.countries.ids))
        self.countries.demand_growth *= p.demand_growth_scale
        country_index = {c: i for i, c in enumerate(self.countries.ids)}
        self.companies = CompanyArrays.from_table(
            tables["companies"], country_index, self.technologies
        )
        self.companies.internal_carbon_price_usd_per_t *= p.internal_carbon_price_scale
        self.cycle_years = np.array(
            [p.steel_investment_cycle_years, p.cement_investment_cycle_years], dtype=float
        )
        self._share_cache: np.ndarray | None = None
        self._capacity_cache: np.ndarray | None = None
        # countries whose plants changed since the caches above were filled (their rows are
        # recomputed when next read), and every plant's index grouped by country
        self._dirty_countries: set[int] = set()
        self._plants_by_country: list[np.ndarray] = []
        self._country_index_size = 0
        self.fleet = self._build_fleet(tables["plants"])
        self._create_agents(tables)
        self.network = nx.Graph()
        for agent_id, agent in self.agent_by_id.items():
            self.network.add_node(agent_id, kind=type(agent).__name__.lower())
        # trust(i, j) starts at the delivery probability of j's promises under the regime
        # (docs/model.md §3.5-3.6), lowered by political affinity
        self.trust = TrustBook(
            COMPANY_DELIVERY_PRIOR,
            home={a: int(h) for a, h in zip(self.proposers, self.home_of, strict=True)},
            affinity=self.countries.affinity,
            affinity_penalty=p.affinity_trust_penalty,
            governments=self.country_agents,
            government_prior=government_delivery_prior(
                p.enforcement,
                p.political_turnover_probability,
                p.renege_probability,
                p.finance_disbursement_years,
            ),
        )
        self.registry = PartnershipRegistry(self.network, self.trust)
        #: The finance partnership of each financed line whose conversion is under way.
        self.finance_by_plant: dict[int, Partnership] = {}
        self.ledger = Ledger()
        self.costs = CostCache(self)  # valid within negotiation, between signatures
        self.events = EventLog(names=self.display_name)
        self.finance = FinanceBook(
            self.countries.donor_budget_musd.copy(),
            p.end_year - p.start_year + 1,
            p.finance_disbursement_years,
        )
        self.finance.need_musd = self.countries.finance_need_musd.copy()
        self.finance_committed_musd = 0.0
        self.partnerships_formed = 0
        self.finance_delivered_musd = np.zeros(len(self.countries.ids))
        self.plant_emissions_mt = np.zeros(len(self.fleet))
        self.emissions_by_country_sector_mt = np.zeros((len(self.countries.ids), 2))
        demand_phase.initial_demand(self)
        self.initial_route_share = self.technology_share_by_country()
        if p.negotiation:
            self._initial_ties(tables)
        self.refresh_derived()
        self.datacollector = mesa.DataCollector(model_reporters=metrics.SERIES_REPORTERS)
        self.keep_snapshots = bool(snapshots)
        # yearly agent and technology tables, as columns (one frame is built when asked)
        self._snapshots: list[dict[str, np.ndarray]] = []
        self._technology_rows: list[dict[str, np.ndarray]] = []
        self.running = True

    # --- construction -------------------------------------------------------------------------
    def _build_fleet(self, plants: pd.DataFrame) -> PlantFleet:
        tech, companies = self.technologies, self.companies
        company_index = {c: i for i, c in enumerate(companies.ids)}
        owner = np.array([company_index[c] for c in plants["company_id"]], dtype=np.int64)
        technology = np.array([tech.index[t] for t in plants["technology"]], dtype=np.int64)
        sector = tech.sector[technology].astype(np.int8)
        cycle = self.cycle_years[sector].astype(np.int64)
        # Plants without a stated window get one uniformly within their first cycle (the
        # fleet's age structure is not in the data; this spreads reinvestment evenly).
        endowments = self.substream("endowments")
        drawn = self.year + (endowments.random(len(plants)) * cycle).astype(np.int64)
        stated = plants["next_investment_year"]
        window = np.array(
            [drawn[i] if v is None or pd.isna(v) else int(v) for i, v in enumerate(stated)],
            dtype=np.int64,
        )
        # A plant with a start year keeps its reinvestment phase (start + whole cycles): a run
        # starting before the stated window takes the phase's first window at or after its
        # start year, but never sooner than one cycle after the plant started.
        vintage = pd.to_numeric(plants["start_year"], errors="coerce").to_numpy(dtype=float)
        phased = ~np.isnan(vintage) & stated.notna().to_numpy(dtype=bool)
        if phased.any():
            earliest = np.maximum(self.year, np.nan_to_num(vintage).astype(np.int64) + cycle)
            back = np.maximum((window - earliest) // cycle, 0)
            window = np.where(phased, window - back * cycle, window).astype(np.int64)
        return PlantFleet(
            ids=list(plants["plant_id"]),
            owner=owner,
            country=companies.country[owner].copy(),
            sector=sector,
            technology=technology,
            capacity_mt=plants["capacity_mt"].to_numpy(dtype=float).copy(),
            utilisation=plants["utilisation"].to_numpy(dtype=float).copy(),
            next_investment_year=window,
            capex_paid_usd_per_tpa=tech.capex_initial[technology].copy(),
            grant_musd=np.zeros(len(plants)),
            financed=np.zeros(len(plants), dtype=bool),
        )

    def _create_agents(self, tables: dict[str, pd.DataFrame]) -> None:
        self.country_agents: dict[str, Country] = {
            cid: Country(self, cid, i) for i, cid in enumerate(self.countries.ids)
        }
        self.company_agents: dict[str, Company] = {}
        for i, cid in enumerate(self.companies.ids):
            home = self.country_agents[self.countries.ids[self.companies.country[i]]]
            self.company_agents[cid] = Company(self, cid, i, home)
            home.companies.append(cid)
        self.initiatives: dict[str, Initiative] = {
            row.initiative_id: Initiative(self, row.initiative_id, row.name, bool(row.broker))
            for row in tables["initiatives"].itertuples()
        }
        self.agent_by_id: dict[str, Country | Company | Initiative] = {
            **self.country_agents,
            **self.company_agents,
            **self.initiatives,
        }
        self.proposers: list[str] = list(self.country_agents) + list(self.company_agents)
        self.proposer_agents: list[Country | Company] = [
            *self.country_agents.values(),
            *self.company_agents.values(),
        ]
        self.proposer_ids: set[str] = set(self.proposers)
        #: Agent index: position in ``proposers`` (countries, then companies).
        self.proposer_index: dict[str, int] = {a: i for i, a in enumerate(self.proposers)}
        homes = np.concatenate([np.arange(len(self.countries.ids)), self.companies.country]).astype(
            np.int64
        )
        #: Home country of each agent index.
        self.home_of: np.ndarray = homes
        self.refresh_plant_index()

    def _initial_ties(self, tables: dict[str, pd.DataFrame]) -> None:
        """The data's memberships and partnerships, of the channels switched on.

        Only those that existed in the run's start year: a membership joined, or a partnership
        signed, after it is left out (it did not exist yet; in the model it may form on its
        own). One joined or signed in the start year itself is in, as a plant that starts
        operating that year is (docs/model.md "Input data").
        """
        p = self.params
        channel = {
            "finance": p.finance_deals,
            "technology": p.technology_deals,
            "codevelopment": p.technology_deals,
            "government": p.government_deals,
        }
        memberships = tables["memberships"]
        for row in memberships.itertuples() if p.initiative_membership else ():
            if int(row.joined_year) > p.start_year:
                continue
            initiative = self.initiatives[row.initiative_id]
            self.join_initiative(
                initiative, row.member_id, start_year=int(row.joined_year), announce=False
            )
            until, made = row.committed_until, row.committed_year
            # a commitment made after the start year does not bind yet
            made_by_start = made is None or pd.isna(made) or int(made) <= p.start_year
            if until is not None and not pd.isna(until) and made_by_start:
                initiative.committed_until[row.member_id] = int(until)
        for row in tables["partnerships"].itertuples():
            if not channel[row.kind]:
                continue
            start = int(row.start_year)
            if start > p.start_year:
                continue
            partnership = Partnership(
                partnership_id=row.partnership_id,
                kind=row.kind,
                party_a=row.party_a,
                party_b=row.party_b,
                start_year=start,
                end_year=start + int(row.duration_years),
                amount_musd=float(row.amount_musd),
                technology=row.technology,
            )
            if partnership.end_year <= self.year:
                continue
            self.registry.add(partnership)
            if row.kind == "technology" and row.technology:
                k = self.technologies.index[row.technology]
                for party in (row.party_a, row.party_b):
                    licensee = self.company_agents.get(party)
                    if licensee is not None and not self.companies.owns[licensee.index, k]:
                        self.companies.access[licensee.index, k] = True
                partnership.deliveries = 1

    def substream(self, name: str, *key: int) -> np.random.Generator:
        """A generator for one subsystem at one position (year, round, agent...).

        Each subsystem in ``STREAMS`` has its own stream, and each position within it its own
        generator, derived from the run's seed with NumPy's SeedSequence (spawn key = stream,
        *key): it depends on nothing but the seed and the position. A policy variant and its
        baseline with the same seed therefore draw the same numbers for the same decisions even
        after their histories diverge (common random numbers); streams spawned once and drawn
        in sequence would drift apart as soon as one variant made a different number of draws.
        NetworkX generators, if used, take seeds drawn from the ``network`` stream.
        """
        sequence = np.random.SeedSequence(
            entropy=self._stream_entropy, spawn_key=(STREAMS.index(name), *key)
        )
        return np.random.Generator(np.random.PCG64(sequence))

    # --- lookups used by phases and agents ----------------------------------------------------
    def refresh_plant_index(self) -> None:
        """Rebuild the company -> active plants index after the fleet changes.

        The index is every active plant sorted by owner (stably, so each company's plants are
        in increasing order) and each company's bounds in it; ``plants_of`` slices it. Plants
        added since (``plant_added``) are kept per company until the next rebuild.
        """
        self.fleet_changed()
        fleet = self.fleet
        active = np.flatnonzero(fleet.active())
        owners = fleet.owner[active]
        order = np.argsort(owners, kind="stable")
        self._indexed_plants = active[order]
        self._plant_bounds: list[int] = np.searchsorted(
            owners[order], np.arange(len(self.companies.ids) + 1)
        ).tolist()
        self._added_plants: dict[int, np.ndarray] = {}

    def plant_added(self, plant: int) -> None:
        """Index one new active plant (the highest index) under its owner."""
        self.fleet_changed(int(self.fleet.country[plant]))
        owner = int(self.fleet.owner[plant])
        self._added_plants[owner] = np.append(self.plants_of(owner), plant)

    def plants_of(self, company: int) -> np.ndarray:
        """Active plant indices of a company, in increasing order (do not modify the array)."""
        added = self._added_plants.get(company)
        if added is not None:
            return added
        bounds = self._plant_bounds
        return self._indexed_plants[bounds[company] : bounds[company + 1]]

    def refresh_derived(self) -> None:
        """Recompute the intensity matrix and companies' decision carbon prices."""
        from industry_transition.model.costs import decision_carbon_price, intensity_matrix

        self.intensity = intensity_matrix(self)
        self.decision_price = decision_carbon_price(self)

    def technology_share_by_country(self) -> np.ndarray:
        """Share of each country's sector capacity held by each technology, (country, tech).

        Cached until the fleet changes (``fleet_changed``). The array is shared: do not modify
        it (a change to the fleet gives a new array, so one read earlier stays as it was).
        """
        self._refresh_dirty_countries()
        if self._share_cache is None:
            self._share_cache = self._technology_share_by_country()
        return self._share_cache

    def fleet_changed(self, country: int | None = None) -> None:
        """Forget values derived from the fleet (call after capacity or routes change).

        ``country``: only plants of that country changed (a route chosen, a line split off):
        its rows of the cached capacity and shares are recomputed when next read, the others
        are kept. The rows come out bit for bit as a full recomputation would give them
        (``tests/test_invariants.py`` checks it at every read over whole runs).
        """
        if country is None:
            self._share_cache = None
            self._capacity_cache = None
            self._dirty_countries.clear()
        elif self._share_cache is not None or self._capacity_cache is not None:
            self._dirty_countries.add(country)

    def country_plants(self, country: int) -> np.ndarray:
        """Indices of every plant of a country (retired ones too), in increasing order.

        The array is shared: do not modify it.
        """
        self._index_new_plants()
        return self._plants_by_country[country]

    def _index_new_plants(self) -> None:
        """Extend the country index by the plants appended since it was last read."""
        fleet = self.fleet
        start = self._country_index_size
        if not self._plants_by_country:
            start = 0
            self._plants_by_country = [np.zeros(0, dtype=np.int64) for _ in self.countries.ids]
        if start < len(fleet):
            new = np.arange(start, len(fleet))
            countries = fleet.country[start:]
            by_country = self._plants_by_country
            for country in np.unique(countries).tolist():
                by_country[country] = np.concatenate(
                    [by_country[country], new[countries == country]]
                )
            self._country_index_size = len(fleet)

    def _refresh_dirty_countries(self) -> None:
        """Recompute the cached rows of the countries whose plants changed.

        ``np.bincount`` adds the weights of a bin in plant order; a country's plants in
        increasing order add the same numbers in the same order, so each row is identical to
        the row of a full recomputation.
        """
        if not self._dirty_countries:
            return
        if 4 * len(self._dirty_countries) > len(self.countries.ids):
            self.fleet_changed()  # most rows changed: recompute all at once when read
            return
        fleet, tech = self.fleet, self.technologies
        technologies = len(tech)
        capacity = None if self._capacity_cache is None else self._capacity_cache.copy()
        share = None if self._share_cache is None else self._share_cache.copy()
        for country in sorted(self._dirty_countries):
            plants = self.country_plants(country)
            weights = fleet.capacity_mt[plants]
            by_sector = np.bincount(
                fleet.sector[plants], weights=weights, minlength=len(SECTORS)
            ).astype(float, copy=False)
            if capacity is not None:
                capacity[country] = by_sector
            if share is not None:
                by_tech = np.bincount(
                    fleet.route(plants), weights=weights, minlength=technologies
                ).astype(float, copy=False)
                total = by_sector[tech.sector]
                share[country] = np.divide(
                    by_tech, total, out=np.zeros_like(by_tech), where=total > 0
                )
        self._capacity_cache, self._share_cache = capacity, share
        self._dirty_countries.clear()

    def _technology_share_by_country(self) -> np.ndarray:
        fleet, tech = self.fleet, self.technologies
        countries, technologies = len(self.countries.ids), len(tech)
        # Conversions under way count toward the route they are becoming.
        by_tech = (
            np.bincount(
                fleet.country * technologies + fleet.route(),
                weights=fleet.capacity_mt,
                minlength=countries * technologies,
            )
            .reshape(countries, technologies)
            .astype(float, copy=False)
        )
        by_sector = self.sector_capacity_by_country()[:, tech.sector]
        return np.divide(by_tech, by_sector, out=np.zeros_like(by_tech), where=by_sector > 0)

    def route_caps(self) -> np.ndarray:
        """This year's cap on each route's share of a country's sector capacity, (country, tech).

        A capped route's supply (scrap, calcined clay) ramps up: the cap is the route's share at
        the start plus ``supply_ramp_per_year`` per year since, never above ``max_share``.
        Uncapped routes (max_share 1) have cap 1.
        """
        tech = self.technologies
        ramp = self.initial_route_share + self.params.supply_ramp_per_year * (
            self.year - self.params.start_year
        )
        capped = tech.max_share < 1.0
        return np.where(capped[None, :], np.minimum(ramp, tech.max_share[None, :]), 1.0)

    def sector_capacity_by_country(self) -> np.ndarray:
        """Installed capacity (Mt/yr) by country and sector (cached until the fleet changes).

        The array is shared: do not modify it.
        """
        self._refresh_dirty_countries()
        if self._capacity_cache is None:
            self._capacity_cache = demand_phase.capacity_by_country_sector(self)
        return self._capacity_cache

    def display_name(self, agent_id: str) -> str:
        """Human-readable name of an agent."""
        agent = self.agent_by_id.get(agent_id)
        return agent.name if agent is not None else agent_id

    def describe(self, agent_id: str) -> str:
        """A name for the event log: a company also gets its country and sector."""
        agent = self.agent_by_id.get(agent_id)
        if isinstance(agent, Company):
            return f"{agent.name} ({agent.country.name}, {SECTORS[agent.sector]})"
        return self.display_name(agent_id)

    def home_country(self, agent_id: str) -> str | None:
        """The country id of a country or company."""
        agent = self.agent_by_id[agent_id]
        if isinstance(agent, Country):
            return agent.agent_id
        if isinstance(agent, Company):
            return agent.country.agent_id
        return None

    def share_initiative(self, a: str, b: str) -> bool:
        """Whether two agents are members of a common initiative."""
        first: set[str] = getattr(self.agent_by_id[a], "initiatives", set())
        second: set[str] = getattr(self.agent_by_id[b], "initiatives", set())
        return bool(first & second)

    def home_countries_allied(self, a: str, b: str) -> bool:
        """Whether the home countries of two agents have a government partnership."""
        ca, cb = self.home_country(a), self.home_country(b)
        if ca is None or cb is None or ca == cb:
            return False
        return self.registry.has_active(ca, cb, "government")

    def government_ties(self, country_id: str) -> int:
        """Number of active government partnerships of a country."""
        key = ("government_ties", country_id)
        known = self.costs.party_memo.get(key)
        if known is not None:
            return known  # type: ignore[return-value]
        ties = self.registry.partners(country_id, "government")
        self.costs.remember(key, (country_id,), ties)
        return ties

    def country_emissions_mt(self, country: int) -> float:
        """Last recorded yearly emissions of a country, MtCO2."""
        return float(self.emissions_by_country_sector_mt[country].sum())

    def initiative_member_countries(self) -> np.ndarray:
        """Indices of countries that belong to at least one initiative."""
        members = {m for i in self.initiatives.values() for m in i.members}
        return np.array(
            sorted(c.index for cid, c in self.country_agents.items() if cid in members),
            dtype=np.int64,
        )

    def is_review_year(self) -> bool:
        """Whether this year is a stocktake: carbon-price ratchet and membership review."""
        p = self.params
        return is_ratchet_year(self.year, p.ratchet_first_year, p.ratchet_interval_years)

    def complementarity(self, a: str, b: str) -> float:
        """How much two agents could trade (the broker's ranking; 0 means nothing to trade).

        Finance and licences score by the production they could convert (Mt), government ties
        and co-development by a unit score: a heuristic for ranking, not a valuation.
        """
        key = ("complementarity", a, b)
        known = self.costs.party_memo.get(key)
        if known is not None:
            return known  # type: ignore[return-value]
        value = self._complementarity(a, b)
        self.costs.remember(key, (a, b), value)
        return value

    def _complementarity(self, a: str, b: str) -> float:
        x, y = self.agent_by_id[a], self.agent_by_id[b]
        if isinstance(x, Company) and isinstance(y, Country):
            x, y = y, x
        if isinstance(x, Country) and isinstance(y, Company):
            if x.is_donor and y.finance_eligible:
                return float(self.fleet.production_mt[y.active_plants()].sum())
            return 0.0
        if isinstance(x, Country) and isinstance(y, Country):
            if self.registry.has_active(a, b, "government") or not (x.is_donor or y.is_donor):
                return 0.0
            return 1.0 if (x.finance_eligible or y.finance_eligible) else 0.0
        if isinstance(x, Company) and isinstance(y, Company) and x.sector == y.sector:
            for owner, other in ((x, y), (y, x)):
                if owner.licensable_technologies(other) and other.is_producer:
                    return float(self.fleet.production_mt[other.active_plants()].sum())
            return 0.1 if x.is_producer and y.is_producer else 0.0
        return 0.0

    # --- the year -----------------------------------------------------------------------------
    def step(self) -> None:
        """One year: the seven phases of docs/model.md §1.3.

        Python's cyclic garbage collector is paused during the year and resumed after it (if
        it was on): a year allocates many short-lived containers, and the collections they
        trigger traversed the whole world each time (a fifth of a 10,000-company year). Cycles
        made during the year are collected once it ends.
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._year()
        finally:
            if collecting:
                gc.enable()

    def _year(self) -> None:
        self.update_policy()
        self.update_costs()
        self.negotiate()
        self.deliver()
        self.invest()
        self.produce_and_emit()
        self.account()
        self.year += 1
        self.finance.next_year()
        if self.year > self.params.end_year:
            self.running = False

    def update_policy(self) -> None:
        """Phase 1: carbon prices move (trend, convergence, ratchets)."""
        update_policy(self)

    def update_costs(self) -> None:
        """Phase 2: learning, grids and power prices."""
        update_costs(self)

    def negotiate(self) -> None:
        """Phase 3: search, proposal, bargaining, agreement."""
        self.costs.clear()
        self.costs.active = True
        try:
            negotiate(self)
        finally:
            self.costs.active = False
            self.costs.clear()

    def deliver(self) -> None:
        """Phase 4: disbursement, technology transfer, defaults, trust."""
        deliver(self)

    def invest(self) -> None:
        """Phase 5: demand, new build and retirement, technology choice."""
        if self.year > self.params.start_year:
            demand_phase.update_demand(self)
        new_plants = demand_phase.build_and_retire(self)
        self.refresh_derived()
        invest(self, new_plants)
        self.refresh_plant_index()

    def produce_and_emit(self) -> None:
        """Phase 6: production follows demand; emissions = production x intensity."""
        demand_phase.produce_and_emit(self)

    def account(self) -> None:
        """Phase 7: invariant checks and data collection."""
        self.check_invariants()
        self.datacollector.collect(self)
        if self.keep_snapshots:
            self._snapshots.append(metrics.agent_snapshot_columns(self))
            self._technology_rows.append(metrics.technology_snapshot_columns(self))

    # --- effects of agreements (model/agreements.py) -----------------------------------------
    def sign(self, deal: Deal, *, round_number: int, brokered: bool) -> Partnership:
        """Turn a bargained deal into a partnership and apply what happens at signing."""
        # a signature may change the fleet, access or maturity, and the parties' standing
        homes = [h for h in (self.home_country(deal.party_a), self.home_country(deal.party_b)) if h]
        self.costs.signed(deal.party_a, deal.party_b, *homes)
        return agreements.sign(self, deal, round_number=round_number, brokered=brokered)

    def split_plant(self, plant: int, capacity_mt: float) -> int:
        """Split a line of ``capacity_mt`` off a larger plant; return the line's index."""
        return agreements.split_plant(self, plant, capacity_mt)

    def end_partnership(self, partnership: Partnership, status: str) -> None:
        """End a partnership and log it."""
        agreements.end_partnership(self, partnership, status)

    def reward_delivery(self, partnership: Partnership, amount_musd: float) -> None:
        """Trust rises on delivery."""
        agreements.reward_delivery(self, partnership, amount_musd)

    def default_partnership(self, partnership: Partnership, reason: str) -> None:
        """A commitment is not delivered: trust falls, the partnership ends as defaulted."""
        agreements.default_partnership(self, partnership, reason)

    def conversion_delivered(self, plant: int) -> None:
        """A financed conversion completed: the donor's trust in the company rises."""
        agreements.conversion_delivered(self, plant)

    def conversion_abandoned(self, partnership: Partnership) -> None:
        """A financed line closed before its conversion: the donor's trust in the company falls."""
        agreements.conversion_abandoned(self, partnership)

    def raise_capability(self, country: int) -> None:
        """Technology transfer or domestic adoption closes part of the capability gap."""
        agreements.raise_capability(self, country)

    def join_initiative(
        self,
        initiative: Initiative,
        member_id: str,
        *,
        start_year: int | None = None,
        announce: bool = True,
    ) -> None:
        """Add a member to an initiative (a membership partnership to the initiative agent)."""
        self.costs.clear()  # broker rankings depend on the members
        agreements.join_initiative(
            self, initiative, member_id, start_year=start_year, announce=announce
        )

    def leave_initiative(self, initiative: Initiative, member_id: str) -> None:
        """Remove a member from an initiative."""
        self.costs.clear()  # broker rankings depend on the members
        agreements.leave_initiative(self, initiative, member_id)

    # --- invariants ---------------------------------------------------------------------------
    def check_invariants(self) -> None:
        """Raise AssertionError when an accounting or consistency invariant breaks."""
        self.ledger.check()
        self.registry.check()
        year_co2 = sum(e[4] for e in self._ledger_entries_this_year("mtco2"))
        if not np.isclose(year_co2, self.plant_emissions_mt.sum(), rtol=1e-9, atol=1e-9):
            raise AssertionError(
                f"ledger CO2 {year_co2} != plant emissions {self.plant_emissions_mt.sum()}"
            )
        for country_id in self.countries.ids:
            if abs(self.ledger.balance("musd", f"treasury:{country_id}")) > 1e-6:
                raise AssertionError(f"treasury of {country_id} not closed at year end")
        grants = self.ledger.total("musd", "grant:")
        if not np.isclose(grants, self.fleet.grant_musd.sum(), atol=1e-6):
            raise AssertionError(
                f"ledger grants {grants} != plant grants {self.fleet.grant_musd.sum()}"
            )
        if (self.fleet.grant_musd < -1e-9).any() or (self.fleet.capacity_mt < 0).any():
            raise AssertionError("negative plant stock")
        for partnership in self.registry.records.values():
            if partnership.delivered_musd > partnership.amount_musd + 1e-6 and (
                partnership.kind == "finance"
            ):
                raise AssertionError(f"{partnership.partnership_id} delivered more than committed")

    def _ledger_entries_this_year(self, unit: str) -> list[tuple[Any, ...]]:
        entries = self.ledger.entries
        out = []
        for entry in reversed(entries):
            if entry[0] != self.year:
                break
            if entry[1] == unit:
                out.append(entry)
        return out

    # --- results ------------------------------------------------------------------------------
    def series(self) -> pd.DataFrame:
        """The yearly series collected so far, one row per simulated year."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return frame

    def technology_series(self) -> pd.DataFrame:
        """Yearly technology table: capacity, share of sector, capex, cumulative capacity."""
        return metrics.join_columns(self._technology_rows)

    def partnership_table(self) -> pd.DataFrame:
        """All partnerships with the parties' home countries and income groups."""
        frame = self.registry.to_frame()
        for side in ("a", "b"):
            homes = [self.home_country(x) or "" for x in frame[f"party_{side}"]]
            frame[f"country_{side}"] = homes
            frame[f"income_{side}"] = [
                self.country_agents[h].income_group if h else "" for h in homes
            ]
        return frame

    def agent_snapshots(self) -> pd.DataFrame:
        """Agent-level yearly snapshots."""
        return metrics.join_columns(self._snapshots)
