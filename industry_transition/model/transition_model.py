"""TransitionModel: wires the world, the agents and the yearly phases (docs/model.md §1.3).

The state lives elsewhere (``model/world.py``, ``model/fleet.py``, ``model/technology.py``,
``model/registry.py``), as do the phases (``model/policy.py`` ... ``model/metrics.py``) and the
effects of agreements (``model/agreements.py``); ``docs/architecture.md`` maps them.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from industry_transition.agents import Company, Country, Initiative
from industry_transition.model import agreements, delivery, investment, metrics, negotiation, policy
from industry_transition.model import demand as demand_phase
from industry_transition.model.costs import CostCache
from industry_transition.model.events import EventLog
from industry_transition.model.fleet import build_fleet
from industry_transition.model.invariants import check_invariants
from industry_transition.model.kinds import Sector
from industry_transition.model.ledger import Ledger
from industry_transition.model.observed import ObservedSeries
from industry_transition.model.parameters import SEED_LIMIT, check_seed
from industry_transition.model.registry import Partnership, PartnershipRegistry
from industry_transition.model.scenario import Scenario, load_scenario
from industry_transition.model.streams import Streams
from industry_transition.model.world import build_world, investment_cycle_years, start_tables


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
        #: ``substream(name, *key)``: the generator of one subsystem at one position.
        self.substream = Streams(seed)
        self.spec = (
            scenario if isinstance(scenario, Scenario) else load_scenario(scenario, overrides)
        )
        if isinstance(scenario, Scenario) and overrides:
            self.spec = load_scenario(scenario.path, overrides)
        self.params = p = self.spec.parameters
        self.year = p.start_year
        tables = start_tables(self.spec.tables, p.start_year)
        self.technologies, self.countries, self.companies = build_world(tables, p)
        # observed rows after the start year, and what ratchets have added to carbon prices
        self.observed = ObservedSeries.from_table(
            self.spec.tables.get("country_years"), self.countries.ids
        )
        self.ratchet_premium_usd_per_t = np.zeros(len(self.countries.ids))
        self.cycle_years = investment_cycle_years(p)  # by Sector code
        self.fleet = build_fleet(
            tables["plants"],
            self.technologies,
            self.companies,
            countries=len(self.countries.ids),
            cycle_years=self.cycle_years,
            year=self.year,
            endowments=self.substream("endowments"),
        )
        self._create_agents(tables)
        self.trust = delivery.initial_trust(self)  # docs/model.md §3.5-3.6
        self.registry = PartnershipRegistry(self.network, self.trust)
        #: The finance partnership of each financed line whose conversion is under way.
        self.finance_by_plant: dict[int, Partnership] = {}
        self.ledger = Ledger()
        self.costs = CostCache(self)  # valid within negotiation, between signatures
        self.events = EventLog(names=self.display_name)
        self.finance = delivery.initial_finance(self)
        self.finance_committed_musd = 0.0
        self.partnerships_formed = 0
        self.finance_delivered_musd = np.zeros(len(self.countries.ids))
        self.plant_emissions_mt = np.zeros(len(self.fleet))
        self.emissions_by_country_sector_mt = np.zeros((len(self.countries.ids), len(Sector)))
        demand_phase.initial_demand(self)
        self.initial_route_share = self.fleet.technology_shares()
        if p.negotiation:
            agreements.initial_ties(self, tables)
        policy.refresh_derived(self)
        self.datacollector = mesa.DataCollector(model_reporters=metrics.SERIES_REPORTERS)
        self.keep_snapshots = bool(snapshots)
        # yearly agent and technology tables, as columns (one frame is built when asked)
        self._snapshots: list[dict[str, np.ndarray]] = []
        self._technology_rows: list[dict[str, np.ndarray]] = []
        self.running = True

    def _create_agents(self, tables: dict[str, pd.DataFrame]) -> None:
        """The agents, their lookups by id and by agent index, and the partnership network."""
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
            agent.agent_id: agent for agent in self.agents
        }
        #: Agent index: position in ``proposers`` (countries, then companies).
        self.proposer_agents: list[Country | Company] = [
            *self.agents_by_type.get(Country, ()),
            *self.agents_by_type.get(Company, ()),
        ]
        self.proposers: list[str] = [agent.agent_id for agent in self.proposer_agents]
        self.proposer_index: dict[str, int] = {a: i for i, a in enumerate(self.proposers)}
        #: Home country of each agent index.
        self.home_of: np.ndarray = np.concatenate(
            [np.arange(len(self.countries.ids)), self.companies.country]
        ).astype(np.int64)
        self.network = nx.Graph()
        for agent in self.agents:
            self.network.add_node(agent.agent_id, kind=type(agent).__name__.lower())

    # --- names --------------------------------------------------------------------------------
    def display_name(self, agent_id: str) -> str:
        """Human-readable name of an agent."""
        agent = self.agent_by_id.get(agent_id)
        return agent.name if agent is not None else agent_id

    def describe(self, agent_id: str) -> str:
        """A name for the event log: a company also gets its country and sector."""
        agent = self.agent_by_id.get(agent_id)
        if isinstance(agent, Company):
            return f"{agent.name} ({agent.country.name}, {Sector(agent.sector).label})"
        return self.display_name(agent_id)

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
        policy.update_policy(self)

    def update_costs(self) -> None:
        """Phase 2: learning, grids and power prices."""
        policy.update_costs(self)

    def negotiate(self) -> None:
        """Phase 3: search, proposal, bargaining, agreement (cost matrices kept for the round)."""
        self.costs.clear()
        self.costs.active = True
        try:
            negotiation.negotiate(self)
        finally:
            self.costs.active = False
            self.costs.clear()

    def deliver(self) -> None:
        """Phase 4: disbursement, technology transfer, defaults, trust."""
        delivery.deliver(self)

    def invest(self) -> None:
        """Phase 5: demand, new build and retirement, technology choice."""
        if self.year > self.params.start_year:
            demand_phase.update_demand(self)
        new_plants = demand_phase.build_and_retire(self)
        policy.refresh_derived(self)
        investment.invest(self, new_plants)
        self.fleet.reindex()

    def produce_and_emit(self) -> None:
        """Phase 6: production follows demand; emissions = production x intensity."""
        demand_phase.produce_and_emit(self)

    def account(self) -> None:
        """Phase 7: invariant checks and data collection."""
        check_invariants(self)
        self.datacollector.collect(self)
        if self.keep_snapshots:
            self._snapshots.append(metrics.agent_snapshot_columns(self))
            self._technology_rows.append(metrics.technology_snapshot_columns(self))

    # --- results ------------------------------------------------------------------------------
    def series(self) -> pd.DataFrame:
        """The yearly series collected so far, one row per simulated year."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def technology_series(self) -> pd.DataFrame:
        """Yearly technology table: capacity, share of sector, capex, cumulative capacity."""
        return metrics.join_columns(self._technology_rows)

    def agent_snapshots(self) -> pd.DataFrame:
        """Agent-level yearly snapshots."""
        return metrics.join_columns(self._snapshots)

    def partnership_table(self) -> pd.DataFrame:
        """All partnerships with the parties' home countries and income groups."""
        return metrics.partnership_table(self)
