"""One browser session's simulation, without any Solara: the model, its counterfactual, the data.

``Simulation`` holds a ``TransitionModel`` and, stepped in lockstep with it, the same-seed
no-cooperation counterfactual (``negotiation = False``: the same world and random streams, no
partnerships), so the gap between their emissions is what cooperation achieved. Every frame the
page draws comes from a method here, built from the model's metric functions, its series and
its event log; the components only draw them. Tests use this module directly.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from industry_transition.experiments.run import RunResult, result_from_model
from industry_transition.model.metrics import PARTNERSHIP_KINDS
from industry_transition.model.parameters import SEED_LIMIT, ParameterError, Parameters
from industry_transition.model.relations import home_country
from industry_transition.model.scenario import SECTORS, available_scenarios, load_scenario
from industry_transition.model.transition_model import TransitionModel
from industry_transition.visualization.layout import network_layout

#: The levers on the page, in order; each is a parameter of the schema.
LEVER_NAMES = (
    "carbon_price_scale",
    "donor_finance_scale",
    "broker",
    "enforcement",
    "candidates_per_agent",
    "rounds_per_year",
)
#: Scenarios with levers of their own: the club game's are its game's parameters.
SCENARIO_LEVERS = {
    "club-game": ("countries", "club_benefit", "club_cost", "club_initial_members"),
}
#: Slider ranges narrower than the schema's (which allows e.g. 100,000 countries): min, max, step.
APP_RANGES: dict[str, tuple[float, float, float]] = {
    "countries": (2, 60, 1),
    "club_benefit": (0.1, 10.0, 0.1),
    "club_cost": (0.1, 10.0, 0.1),
    "club_initial_members": (0, 60, 1),
}
#: Largest seed the text box accepts (NumPy's SeedSequence takes any non-negative integer; this
#: bound keeps seeds printable and equal to what ``run.json`` records).
MAX_SEED = SEED_LIMIT - 1  # the same range as the command line and Python
WITH, WITHOUT = "with cooperation", "no cooperation (counterfactual)"
LOWER_INCOME = ("lower_middle", "low")
#: the two series of the members chart (``Simulation.membership_frame``)
MEMBERS_MODEL = "member countries (model)"
MEMBERS_RECORD = "member countries (the scenario's record)"
DIRECTIONS = (
    "high income → lower income",
    "high income → upper-middle income",
    "among high income",
    "other",
)
EVENT_GROUPS = {
    "agreements": ("agreement",),
    "finance and technology delivered": ("delivery",),
    "defaults and endings": ("default", "ending"),
    "initiative membership": ("join", "leave", "ratchet"),
    "investments": ("investment", "adoption", "retirement"),
    "rejected proposals": ("rejected",),
}
EVENT_COLUMNS = (
    "year",
    "event",
    "text",
    "country_a",
    "country_b",
    "kind",
    "party_a",
    "party_b",
    "amount_musd",
)
_ENDS = re.compile(r" ends \(([^)]*)\)")
DEFAULT_EVENT_GROUPS = (
    "agreements",
    "finance and technology delivered",
    "defaults and endings",
    "initiative membership",
)


class InputError(ValueError):
    """A value typed into the page is not allowed; the message says what is."""


@dataclass(frozen=True)
class Lever:
    """A parameter shown as a control: its schema bounds, unit, help and scenario default."""

    name: str
    label: str
    kind: str  # "float", "int", "bool" or "choice"
    default: Any
    unit: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()


def default_scenario() -> str:
    """The scenario the app opens on: ``leadit`` if it is shipped, else ``teaching``."""
    names = available_scenarios()
    return "leadit" if "leadit" in names else "teaching"


@functools.cache
def levers(scenario: str) -> tuple[Lever, ...]:
    """The page's levers for a scenario, built from the parameter schema.

    Defaults are the scenario's own values (a scenario file may change a parameter's default).
    """
    values = load_scenario(scenario).parameters
    out = []
    for name in SCENARIO_LEVERS.get(scenario, LEVER_NAMES):
        field = Parameters.model_fields[name]
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        bounds = {type(m).__name__: m for m in field.metadata}
        minimum = getattr(bounds.get("Ge"), "ge", None)
        maximum = getattr(bounds.get("Le"), "le", None)
        annotation = field.annotation
        if set(getattr(annotation, "__args__", ())) == {int, type(None)}:
            annotation = int  # an optional count: the scenario resolves it (club-game: 10)
        choices: tuple[str, ...] = tuple(getattr(annotation, "__args__", ()))
        if annotation is bool:
            kind = "bool"
        elif choices:
            kind = "choice"
        elif annotation is int:
            kind = "int"
        else:
            kind = "float"
        out.append(
            Lever(
                name=name,
                label=name.replace("_", " ").capitalize(),
                kind=kind,
                default=getattr(values, name),
                unit=str(extra.get("unit", "")),
                help=field.description or "",
                minimum=APP_RANGES[name][0] if name in APP_RANGES else minimum,
                maximum=APP_RANGES[name][1] if name in APP_RANGES else maximum,
                step=(
                    APP_RANGES[name][2]
                    if name in APP_RANGES
                    else (1 if kind == "int" else (0.1 if kind == "float" else None))
                ),
                choices=choices if kind == "choice" else (),
            )
        )
    return tuple(out)


def parse_seed(text: object) -> int:
    """A seed from a text box: a whole number from 0 to ``MAX_SEED``.

    Raises:
        InputError: with a message fit to show on the page.
    """
    raw = str(text).strip().replace("_", "").replace(",", "")
    if not raw:
        raise InputError("Seed is empty: type a whole number, e.g. 1.")
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"Seed '{text}' is not a whole number: type e.g. 1 or 42.") from None
    if not 0 <= value <= MAX_SEED:
        raise InputError(f"Seed {value} is out of range: use 0 to {MAX_SEED:,}.")
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def show_value(value: Any) -> str:
    """A lever's value as the page writes it (floats without trailing noise, switches on/off)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def sidebar_differences(
    scenario: str,
    sidebar: dict[str, Any],
    running: dict[str, Any],
    seed_text: str,
    running_seed: int,
) -> list[str]:
    """What the sidebar shows that the running model does not use, one phrase per difference.

    Every lever of the scenario is checked (a lever missing from ``running`` runs at the
    scenario's default), and so is the seed typed in the box (text that is not a seed counts as
    a difference). Empty when the sidebar tells the truth about the running model.
    """
    out = []
    for lever in levers(scenario):
        shown = sidebar.get(lever.name, lever.default)
        used = running.get(lever.name, lever.default)
        if not _same(shown, used):
            out.append(f"{lever.label} {show_value(shown)} (running: {show_value(used)})")
    try:
        typed: object = parse_seed(seed_text)
    except InputError:
        typed = None
    if typed != running_seed:
        shown_seed = str(typed) if typed is not None else f"'{str(seed_text).strip()}'"
        out.append(f"Seed {shown_seed} (running: {running_seed})")
    return out


def stable_club_sizes(countries: int, benefit: float, cost: float) -> list[int]:
    """Coalition sizes of the club game that are internally and externally stable.

    Internal: no member gains by leaving (gain of staying >= 0); external: no outsider gains by
    joining (an indifferent outsider joins, as in the model's rule, so the gain must be < 0).
    Uses the model's own ``membership_gain``; the textbook answer is min(N, 3) for any b, c
    (docs/validation.md §2, Barrett 1994).
    """
    from industry_transition.model.coalition import membership_gain

    stable = []
    for k in range(countries + 1):
        inside = k == 0 or membership_gain(k, True, countries, benefit, cost) >= 0
        outside = k == countries or membership_gain(k, False, countries, benefit, cost) < 0
        if inside and outside:
            stable.append(k)
    return stable


def finance_direction(payer_income: str, recipient_income: str) -> str:
    """Which of ``DIRECTIONS`` a flow of finance goes in."""
    if payer_income == "high":
        if recipient_income in LOWER_INCOME:
            return DIRECTIONS[0]
        if recipient_income == "upper_middle":
            return DIRECTIONS[1]
        if recipient_income == "high":
            return DIRECTIONS[2]
    return DIRECTIONS[3]


@functools.cache
def _layout(scenario: str, data_hash: str) -> pd.DataFrame:
    """Positions per scenario version; built from a fresh model (positions never use the seed)."""
    return network_layout(TransitionModel(scenario, seed=0))


class Simulation:
    """A run in progress: the model, its counterfactual, and the frames the page draws.

    Args:
        scenario: a shipped scenario name or a scenario TOML path.
        seed: the run's seed (both runs use it).
        overrides: lever values; validated by the parameter schema.
    """

    def __init__(self, scenario: str, seed: int, overrides: dict[str, Any] | None = None) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.overrides = dict(overrides or {})
        if "negotiation" in self.overrides:
            raise ParameterError("the app sets 'negotiation' itself (on, with the counterfactual)")
        self.spec = load_scenario(scenario, self.overrides)
        self.model = TransitionModel(self.spec, seed=self.seed)
        self.counterfactual = TransitionModel(
            load_scenario(scenario, {**self.overrides, "negotiation": False}),
            seed=self.seed,
            snapshots=False,  # the page reads only its series
        )
        self.layout = _layout(scenario, self.spec.data_hash)
        #: The layout's agent ids in its row order (fixed for a run).
        self.node_ids: list[str] = self.layout["agent_id"].astype(str).tolist()
        self._is_country_node = (self.layout["agent_type"] == "country").to_numpy()
        # the event log as a frame, built once per year (key: year and number of rows)
        self._events_key: tuple[int, int] | None = None
        self._events_cache = pd.DataFrame()
        # each run's yearly series, built once per year (key: the model's year)
        self._series: dict[int, tuple[int, pd.DataFrame]] = {}
        self.step_seconds: list[float] = []
        # Play steps in a worker thread while the page reads frames: one lock orders the two.
        self.lock = threading.RLock()
        self.started = time.perf_counter()
        p = self.spec.parameters
        self.start_year, self.end_year = p.start_year, p.end_year
        home = {a: home_country(self.model, a) or "" for a in self.model.agent_by_id}
        self.home = home
        self.income = {
            a: (self.model.country_agents[h].income_group if h else "") for a, h in home.items()
        }

    # --- time ---------------------------------------------------------------------------------
    @property
    def years_done(self) -> int:
        """Simulated years so far."""
        return self.model.year - self.start_year

    @property
    def last_year(self) -> int | None:
        """The last simulated year, or None before the first step."""
        return self.model.year - 1 if self.years_done else None

    @property
    def finished(self) -> bool:
        """Whether the run has reached its end year."""
        return not self.model.running

    def step(self) -> bool:
        """Simulate one year in both runs; False (and nothing done) once the run has ended."""
        if self.finished:
            return False
        with self.lock:
            started = time.perf_counter()
            self.model.step()
            self.counterfactual.step()
            self.step_seconds.append(time.perf_counter() - started)
        return True

    def events(self) -> pd.DataFrame:
        """The model's event log as a frame, built once per year and shared by every reader.

        A step's page reads the log three times (finance chart, network finance, event list);
        readers filter or copy it and never change it in place.
        """
        with self.lock:
            key = (self.model.year, len(self.model.events.rows))
            if key != self._events_key:
                self._events_cache = self.model.events.to_frame()
                self._events_key = key
            return self._events_cache

    def _series_of(self, model: TransitionModel) -> pd.DataFrame:
        """A run's yearly series, built once per year (read by several charts and the banner)."""
        with self.lock:
            cached = self._series.get(id(model))
            if cached is None or cached[0] != model.year:
                cached = (model.year, model.series())
                self._series[id(model)] = cached
            return cached[1]

    # --- chart data ---------------------------------------------------------------------------
    def series(self) -> pd.DataFrame:
        """The model's yearly series so far (empty before the first step)."""
        return self._series_of(self.model).copy()

    def emissions_frame(self) -> pd.DataFrame:
        """Emissions by sector, with cooperation and without: year, sector, run, emissions_mt."""
        # one frame from arrays (not one frame per run and sector, then concatenated): this
        # runs on every step
        years, sectors, runs, values = [], [], [], []
        for label, model in ((WITH, self.model), (WITHOUT, self.counterfactual)):
            series = self._series_of(model)
            if series.empty:
                continue
            year = series["year"].to_numpy().astype(int)
            for sector in SECTORS:
                years.append(year)
                sectors.append([sector] * len(year))
                runs.append([label] * len(year))
                values.append(series[f"emissions_{sector}_mt"].to_numpy().astype(float))
        if not years:
            return pd.DataFrame(columns=["year", "sector", "run", "emissions_mt"])
        return pd.DataFrame(
            {
                "year": np.concatenate(years),
                "sector": [s for part in sectors for s in part],
                "run": [r for part in runs for r in part],
                "emissions_mt": np.concatenate(values),
            }
        )

    def avoided_emissions_mt(self) -> float:
        """Cumulative emissions avoided by cooperation so far (counterfactual minus run), MtCO2."""
        ours, theirs = self._series_of(self.model), self._series_of(self.counterfactual)
        if ours.empty:
            return 0.0
        return float(theirs["emissions_mt"].sum() - ours["emissions_mt"].sum())

    def finance_frame(self) -> pd.DataFrame:
        """Cumulative finance committed and delivered by direction: year, direction, measure, musd.

        Built from the event log (finance agreements and deliveries); the totals over directions
        equal the series' ``finance_committed_musd`` and ``finance_delivered_musd``.
        """
        columns = ["year", "direction", "measure", "musd"]
        if not self.years_done:
            return pd.DataFrame(columns=columns)
        events = self.events()
        flows = events[
            (events["kind"] == "finance") & events["event"].isin(["agreement", "delivery"])
        ]
        # sums into a (year, direction, measure) array, summed up over the years: the rows
        # of MultiIndex.from_product(years, DIRECTIONS, measures), built from arrays because
        # this runs on every step (pandas' group sums on strings cost more than the sums)
        years = np.arange(self.start_year, self.model.year)
        measures = ["committed", "delivered"]
        sums = np.zeros((len(years), len(DIRECTIONS), len(measures)))
        if not flows.empty:
            column = {d: i for i, d in enumerate(DIRECTIONS)}
            direction = [
                column[finance_direction(self.income[a], self.income[b])]
                for a, b in zip(flows["party_a"], flows["party_b"], strict=True)
            ]
            measure = (flows["event"] != "agreement").to_numpy().astype(int)
            year = flows["year"].to_numpy().astype(int) - self.start_year
            amount = np.nan_to_num(flows["amount_musd"].to_numpy(dtype=float))  # as sum() does
            kept = (year >= 0) & (year < len(years))  # as reindexing on the years did
            np.add.at(
                sums,
                (year[kept], np.asarray(direction, dtype=int)[kept], measure[kept]),
                amount[kept],
            )
        n = len(DIRECTIONS) * len(measures)
        return pd.DataFrame(
            {
                "year": np.repeat(years, n),
                "direction": [d for _ in years for d in DIRECTIONS for _m in measures],
                "measure": measures * (len(years) * len(DIRECTIONS)),
                "musd": sums.cumsum(axis=0).reshape(-1),
            }
        )

    def partnerships_frame(self) -> pd.DataFrame:
        """Active partnerships by kind each year: year, kind, active."""
        series = self._series_of(self.model)
        if series.empty:
            return pd.DataFrame(columns=["year", "kind", "active"])
        # series.melt's rows (kind by kind, each over the years) built from arrays: every step
        year = series["year"].to_numpy().astype(int)
        return pd.DataFrame(
            {
                "year": np.tile(year, len(PARTNERSHIP_KINDS)),
                "kind": [k for k in PARTNERSHIP_KINDS for _ in range(len(year))],
                "active": np.concatenate(
                    [series[f"partnerships_{k}"].to_numpy() for k in PARTNERSHIP_KINDS]
                ),
            }
        )

    @property
    def low_carbon_technologies(self) -> tuple[str, ...]:
        """Names of the low-carbon technologies, steel first (the chart's colour order)."""
        tech = self.model.technologies
        order = np.argsort(tech.sector, kind="stable")
        return tuple(tech.names[i] for i in order if tech.low_carbon[i])

    def technology_frame(self) -> pd.DataFrame:
        """Share of sector capacity per low-carbon route: year, sector, technology, share."""
        table = self.model.technology_series()
        if table.empty:
            return pd.DataFrame(columns=["year", "sector", "technology", "share"])
        names = dict(zip(self.model.technologies.ids, self.model.technologies.names, strict=True))
        low = table[table["low_carbon"].astype(bool)]
        return pd.DataFrame(
            {
                "year": low["year"].astype(int),
                "sector": low["sector"],
                "technology": low["technology"].map(names),
                "share": low["share_of_sector"].astype(float),
            }
        ).reset_index(drop=True)

    @property
    def is_club_game(self) -> bool:
        """Whether countries value membership by the textbook club game (``club-game``)."""
        return self.spec.parameters.membership_payoff == "club_game"

    def club_frame(self) -> pd.DataFrame:
        """Club members per year against the analytic stable size: year, series, members.

        The first row is the initial membership, at the year before the first simulated one.
        """
        p = self.spec.parameters
        n = len(self.model.country_agents)
        stable = stable_club_sizes(n, p.club_benefit, p.club_cost)
        size = stable[0] if len(stable) == 1 else max(stable)
        years = list(range(self.start_year - 1, self.end_year + 1))
        series = self._series_of(self.model)
        members = [int(p.club_initial_members)] + [int(m) for m in series["initiative_members"]]
        frame = pd.concat(
            [
                pd.DataFrame(
                    {
                        "year": years[: len(members)],
                        "series": "members (model)",
                        "members": members,
                    }
                ),
                pd.DataFrame(
                    {"year": years, "series": "stable size (Barrett 1994)", "members": size}
                ),
            ],
            ignore_index=True,
        )
        return frame

    def membership_record(self) -> pd.Series:
        """Member countries at the end of each year by the scenario's memberships table.

        A country counts from its ``joined_year`` on (a member of any initiative counts once),
        from the start year to the tables' last dated fact (a join, a commitment, an observed
        year of ``country_years``). Empty when no membership in the table
        begins after the start year: the record then has nothing to show beyond the initial
        state (``leadit`` starts in 2024, after every recorded join; ``leadit-2019`` starts
        before seven of them).
        """
        table = self.spec.tables["memberships"]
        countries = table[table["member_id"].isin(self.model.country_agents)]
        first = countries.groupby("member_id")["joined_year"].min()
        if first.empty or int(first.max()) <= self.start_year:
            return pd.Series(dtype="int64", name="members")
        # the record runs to the tables' last dated fact: a join, a commitment made or an
        # observed year of country_years (leadit-2019: 2024), no further
        dated = [int(first.max())]
        if "committed_year" in countries and countries["committed_year"].notna().any():
            dated.append(int(countries["committed_year"].max()))
        observed = self.spec.tables.get("country_years")
        if observed is not None and not observed.empty:
            dated.append(int(observed["year"].max()))
        years = list(range(self.start_year, min(max(dated), self.end_year) + 1))
        return pd.Series(
            [int((first <= year).sum()) for year in years],
            index=pd.Index(years, name="year"),
            name="members",
        )

    @property
    def has_membership_record(self) -> bool:
        """Whether the scenario records members joining after its start (``leadit-2019``)."""
        return not self.membership_record().empty

    def membership_frame(self) -> pd.DataFrame:
        """Member countries at the end of each year, the model's against the record.

        Columns year, series (``MEMBERS_MODEL`` or ``MEMBERS_RECORD``), members; the model's
        rows are the years simulated so far, the record's the years it covers.
        """
        series = self._series_of(self.model)
        record = self.membership_record()
        model_rows = pd.DataFrame(
            {
                "year": [int(y) for y in series["year"]] if len(series) else [],
                "series": MEMBERS_MODEL,
                "members": [int(m) for m in series["initiative_members"]] if len(series) else [],
            }
        )
        record_rows = pd.DataFrame(
            {"year": record.index.to_list(), "series": MEMBERS_RECORD, "members": record.to_list()}
        )
        return pd.concat([model_rows, record_rows], ignore_index=True).astype(
            {"year": "int64", "members": "int64"}
        )

    # --- the network --------------------------------------------------------------------------
    def finance_by_agent(self) -> pd.DataFrame:
        """Finance delivered so far, in and out, per agent (companies and countries), USD m."""
        events = self.events()
        deliveries = events[(events["event"] == "delivery") & (events["kind"] == "finance")]
        # sums in plain dictionaries, in the log's order (pandas' group sums on string keys
        # cost more than the few hundred rows they add up; this runs on every step)
        out_of: dict[str, float] = {}
        into_of: dict[str, float] = {}
        country_of: dict[str, float] = {}
        for a, b, amount in zip(
            deliveries["party_a"].tolist(),
            deliveries["party_b"].tolist(),
            deliveries["amount_musd"].tolist(),
            strict=True,
        ):
            amount = amount if amount == amount else 0.0  # a missing amount adds nothing
            out_of[a] = out_of.get(a, 0.0) + amount
            into_of[b] = into_of.get(b, 0.0) + amount
            home = self.home.get(b)
            if home is not None:
                country_of[home] = country_of.get(home, 0.0) + amount
        ids = self.node_ids
        frame = pd.DataFrame({"agent_id": self.layout["agent_id"]})
        frame["finance_out_musd"] = np.array([out_of.get(a, 0.0) for a in ids], dtype=float)
        company_in = np.array([into_of.get(a, 0.0) for a in ids], dtype=float)
        country_in = np.array([country_of.get(a, 0.0) for a in ids], dtype=float)
        frame["finance_in_musd"] = np.where(self._is_country_node, country_in, company_in)
        return frame

    def network_nodes(self) -> pd.DataFrame:
        """The layout plus this year's facts per node (emissions, partners, finance, low carbon)."""
        model = self.model
        fleet = model.fleet
        n_companies, n_countries = len(model.companies.ids), len(model.countries.ids)
        # before the first step the model has not produced yet: the base year's emissions at the
        # input utilisation, by the model's own formula
        plant_emissions = (
            model.plant_emissions_mt if self.years_done else fleet.emissions_mt(model.intensity)
        )
        emissions_company = np.bincount(fleet.owner, weights=plant_emissions, minlength=n_companies)
        emissions_country = np.bincount(
            fleet.country, weights=plant_emissions, minlength=n_countries
        )
        low = model.technologies.low_carbon[fleet.technology]
        cap_company = np.bincount(fleet.owner, weights=fleet.capacity_mt, minlength=n_companies)
        low_company = np.bincount(
            fleet.owner, weights=fleet.capacity_mt * low, minlength=n_companies
        )
        cap_country = np.bincount(fleet.country, weights=fleet.capacity_mt, minlength=n_countries)
        low_country = np.bincount(
            fleet.country, weights=fleet.capacity_mt * low, minlength=n_countries
        )
        emissions: dict[str, float] = {}
        low_share: dict[str, float] = {}
        for i, agent_id in enumerate(model.companies.ids):
            emissions[agent_id] = float(emissions_company[i])
            low_share[agent_id] = float(low_company[i] / cap_company[i]) if cap_company[i] else 0.0
        for i, agent_id in enumerate(model.countries.ids):
            emissions[agent_id] = float(emissions_country[i])
            low_share[agent_id] = float(low_country[i] / cap_country[i]) if cap_country[i] else 0.0
        adjacency = model.network.adj  # a node's neighbours: its partners
        ids = self.node_ids
        nodes = self.layout.copy()
        nodes["emissions_mt"] = np.array([emissions.get(a, 0.0) for a in ids], dtype=float)
        nodes["low_carbon_share"] = np.array([low_share.get(a, 0.0) for a in ids], dtype=float)
        nodes["partners"] = np.array(
            [len(adjacency[a]) if a in adjacency else 0 for a in ids], dtype=int
        )
        finance = self.finance_by_agent()
        nodes["finance_in_musd"] = finance["finance_in_musd"].to_numpy()
        nodes["finance_out_musd"] = finance["finance_out_musd"].to_numpy()
        return nodes

    def network_edges(self) -> pd.DataFrame:
        """Active partnerships as segments between fixed positions."""
        position = self.layout.set_index("agent_id")[["x", "y", "name"]]
        rows = [
            (p.partnership_id, p.kind, p.party_a, p.party_b, p.start_year)
            for p in self.model.registry.active()
        ]
        edges = pd.DataFrame(
            rows, columns=["partnership_id", "kind", "party_a", "party_b", "since"]
        )
        # positions looked up by row number (not by reindexing on the string ids: every step)
        row_of = {agent: i for i, agent in enumerate(position.index)}
        a = position.iloc[[row_of[p] for p in edges["party_a"]]].reset_index(drop=True)
        b = position.iloc[[row_of[p] for p in edges["party_b"]]].reset_index(drop=True)
        edges["x"], edges["y"], edges["name_a"] = a["x"], a["y"], a["name"]
        edges["x2"], edges["y2"], edges["name_b"] = b["x"], b["y"], b["name"]
        return edges

    def agent_facts(self, agent_id: str) -> dict[str, Any]:
        """What the page shows for one selected node.

        Returns:
            name, type, country, income group, sector, emissions (MtCO2/yr), low-carbon share,
            finance in and out (USD m, delivered so far), ``technology_mix`` (a frame of
            technology and capacity in Mt/yr) and ``partners`` (a frame of partner, kind, since).
        """
        if agent_id not in self.model.agent_by_id:
            raise InputError(f"unknown agent '{agent_id}'")
        nodes = self.network_nodes().set_index("agent_id")
        row = nodes.loc[agent_id]
        model, fleet = self.model, self.model.fleet
        agent = model.agent_by_id[agent_id]
        if row["agent_type"] == "company":
            plants = fleet.owner == agent.index
        elif row["agent_type"] == "country":
            plants = fleet.country == agent.index
        else:
            plants = np.zeros(len(fleet), dtype=bool)
        plants &= fleet.capacity_mt > 0
        capacity = np.bincount(
            fleet.technology[plants],
            weights=fleet.capacity_mt[plants],
            minlength=len(model.technologies),
        )
        mix = pd.DataFrame({"technology": model.technologies.names, "capacity_mt": capacity})
        mix = mix[mix["capacity_mt"] > 0].sort_values("capacity_mt", ascending=False)
        partners = [
            (
                model.display_name(p.party_b if p.party_a == agent_id else p.party_a),
                p.kind,
                p.start_year,
            )
            for p in model.registry.active()
            if agent_id in (p.party_a, p.party_b)
        ]
        return {
            "agent_id": agent_id,
            "name": row["name"],
            "agent_type": row["agent_type"],
            "country": row["country"],
            "income_group": row["income_group"],
            "sector": row["sector"],
            "emissions_mt": float(row["emissions_mt"]),
            "low_carbon_share": float(row["low_carbon_share"]),
            "finance_in_musd": float(row["finance_in_musd"]),
            "finance_out_musd": float(row["finance_out_musd"]),
            "technology_mix": mix.reset_index(drop=True),
            "partners": pd.DataFrame(partners, columns=["partner", "kind", "since"]),
        }

    # --- the story ----------------------------------------------------------------------------
    def events_frame(
        self,
        country: str | None = None,
        groups: tuple[str, ...] = DEFAULT_EVENT_GROUPS,
        agent: str | None = None,
    ) -> pd.DataFrame:
        """The event log, newest first, with the columns in ``EVENT_COLUMNS``.

        Args:
            country: a country id; keeps events where either party is the country or one of its
                companies (None keeps all).
            groups: names from ``EVENT_GROUPS`` to keep.
            agent: an agent id (country, company or initiative); keeps events where it is
                either party (None keeps all).
        """
        unknown = set(groups) - set(EVENT_GROUPS)
        if unknown:
            raise InputError(
                f"unknown event groups {sorted(unknown)}; allowed: {list(EVENT_GROUPS)}"
            )
        events = self.events()
        kinds = [e for g in groups for e in EVENT_GROUPS[g]]
        events = events[events["event"].isin(kinds)]
        home = self.home
        events = events.assign(
            country_a=pd.Series(
                [home.get(a, "") for a in events["party_a"].tolist()],
                index=events.index,
                dtype="str",
            ),
            country_b=pd.Series(
                [home.get(b, "") for b in events["party_b"].tolist()],
                index=events.index,
                dtype="str",
            ),
        )
        if country:
            if country not in self.model.country_agents:
                raise InputError(f"unknown country '{country}'")
            events = events[(events["country_a"] == country) | (events["country_b"] == country)]
        if agent:
            if agent not in self.model.agent_by_id:
                raise InputError(f"unknown agent '{agent}'")
            events = events[(events["party_a"] == agent) | (events["party_b"] == agent)]
        ordered = events.iloc[::-1]
        return ordered[list(EVENT_COLUMNS)].reset_index(drop=True)

    def grouped_events(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Events of one kind between the same parties in one year, as one line each.

        Args:
            frame: ``events_frame()`` output (newest first).

        Returns:
            year, event, text, count and members (the single events' texts, oldest first),
            newest first. A group of one keeps its event's own text; a larger group reads
            e.g. "2039: 3 finance partnerships of France and China cement producers
            (representative) ended (completed)".
        """
        columns = ["year", "event", "text", "count", "members"]
        if frame.empty:
            return pd.DataFrame(columns=columns)
        keys = ["year", "event", "kind", "party_a", "party_b"]
        # group ids in order of first appearance (the frame is newest first); one Python call
        # per group of several events only, so a step's redraw stays cheap
        ids = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        first = ~pd.Series(ids).duplicated().to_numpy()
        counts = np.bincount(ids)
        # each group's rows in the frame's order: a stable sort by group id, cut at the counts
        order = np.argsort(ids, kind="stable")
        rows = np.split(order, np.cumsum(counts)[:-1])
        text = np.array(frame["text"].tolist(), dtype=object)
        members = [text[r[::-1]].tolist() for r in rows]  # oldest first
        heads = frame[first].reset_index(drop=True)
        texts = heads["text"].astype(str).tolist()
        for i, group in enumerate(ids[first]):
            if counts[group] > 1:
                part = frame.iloc[rows[group]]
                texts[i] = self._group_text(part, members[group])
        return pd.DataFrame(
            {
                "year": heads["year"].astype(int),
                "event": heads["event"].astype(str),
                "text": texts,
                "count": counts[ids[first]],
                "members": [members[g] for g in ids[first]],
            },
            columns=columns,
        )

    def _group_text(self, part: pd.DataFrame, texts: list[str]) -> str:
        """One sentence for several events of a kind between the same parties in a year."""
        first = part.iloc[0]
        n, year, kind = len(part), int(first["year"]), str(first["kind"])
        a = self.model.display_name(str(first["party_a"])) if first["party_a"] else ""
        b = self.model.display_name(str(first["party_b"])) if first["party_b"] else ""
        between = f"between {a} and {b}" if b else f"of {a}"
        things = f"{kind} partnerships" if kind else "events"
        event = str(first["event"])
        if event == "ending":
            statuses = sorted({m.group(1) for t in texts if (m := _ENDS.search(t))})
            return f"{year}: {n} {things} {between} ended" + (
                f" ({', '.join(statuses)})" if statuses else ""
            )
        if event == "delivery":
            total = float(part["amount_musd"].fillna(0.0).sum())
            money = f" (USD {total:,.0f} million in all)" if total > 0 else ""
            return f"{year}: {n} deliveries of {kind or 'support'} from {a} to {b}{money}"
        verbs = {
            "agreement": "agreed",
            "default": "defaulted",
            "rejected": "proposed and rejected",
            "join": "joined",
            "leave": "left",
            "ratchet": "ratcheted",
        }
        if event in verbs:
            return f"{year}: {n} {things} {between} {verbs[event]}"
        plural = {"investment": "investments", "adoption": "adoptions"}.get(event, f"{event}s")
        return f"{year}: {n} {plural} by {a}" + (f" with {b}" if b else "")

    # --- downloads ----------------------------------------------------------------------------
    def chart_tables(self) -> dict[str, pd.DataFrame]:
        """The data behind every chart, by file stem."""
        return {
            "emissions": self.emissions_frame(),
            "finance": self.finance_frame(),
            "partnerships": self.partnerships_frame(),
            "low_carbon_technologies": self.technology_frame(),
            "network_nodes": self.network_nodes(),
            "network_edges": self.network_edges(),
            "events": self.events_frame(groups=tuple(EVENT_GROUPS)),
        }

    def result(self) -> RunResult:
        """The run so far as a ``RunResult`` (the tables ``industry-transition run`` writes)."""
        return result_from_model(
            self.model,
            self.spec,
            seed=self.seed,
            overrides=self.overrides,
            runtime_seconds=float(sum(self.step_seconds)),
        )


class SpareSimulations:
    """A ``Simulation`` built ahead of time for the settings a new page opens with.

    Building one (the model, its counterfactual twin and the layout) takes 150-200 ms of the
    server's time, on the way to a new page's first picture. ``take`` hands a page the one
    built ahead, if it has the same scenario, seed and settings, and builds the next page's
    in a background thread ``delay`` seconds later (after the page has drawn, so the two do not
    share the processor). Each spare goes to one page only: sessions never share a model.
    A spare is built exactly as ``Simulation(scenario, seed, overrides)`` (the model's random
    draws come from its own seed), so a page gets the same run either way. A page arriving
    while its spare is being built waits for it rather than build a second one at once.
    """

    def __init__(self, delay: float = 5.0, ahead: bool = True) -> None:
        #: whether ``take`` builds the next page's spare (the app's server turns this on for
        #: the process-wide one; a page rendered elsewhere, e.g. in tests, builds none)
        self.ahead = ahead
        self._lock = threading.Lock()
        self._ready: dict[tuple[Any, ...], Simulation] = {}
        #: spares being built, each with the event set when it is done
        self._pending: dict[tuple[Any, ...], threading.Event] = {}
        #: spares waiting for their delay to pass before they are built
        self._scheduled: set[tuple[Any, ...]] = set()
        self.delay = delay

    @staticmethod
    def key(scenario: str, seed: int, overrides: dict[str, Any]) -> tuple[Any, ...]:
        """What identifies a spare: scenario, seed and the settings, in name order."""
        return (scenario, int(seed), tuple(sorted(overrides.items())))

    def take(self, scenario: str, seed: int, overrides: dict[str, Any]) -> Simulation:
        """A new page's model: the spare if one is ready, else built now; then the next spare."""
        key = self.key(scenario, seed, overrides)
        with self._lock:
            building = self._pending.get(key)
        if building is not None:  # started earlier (the server's start): wait, not build twice
            building.wait(timeout=60)
        with self._lock:
            sim = self._ready.pop(key, None)
        if sim is None:
            sim = Simulation(scenario, seed, overrides)
        if self.ahead:
            self.prepare(scenario, seed, overrides, delay=self.delay)
        return sim

    def prepare(
        self,
        scenario: str,
        seed: int,
        overrides: dict[str, Any],
        delay: float = 0.0,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Build a spare for these settings in a background thread (unless one is there).

        ``then``, if given, runs in the same thread once the spare is stored (the server's
        start uses it to warm what a first page would otherwise pay for: ``app.warm_first_page``).
        """
        key = self.key(scenario, seed, overrides)
        with self._lock:
            if key in self._ready or key in self._pending or key in self._scheduled:
                return
            self._scheduled.add(key)
        done = threading.Event()

        def build() -> None:
            # a page arriving now waits for this build; one arriving during the delay does not
            with self._lock:
                self._scheduled.discard(key)
                self._pending[key] = done
            try:
                sim = Simulation(scenario, seed, dict(overrides))
            except Exception:  # a page building the same settings shows the error itself
                sim = None
            with self._lock:
                del self._pending[key]
                if sim is not None:
                    self._ready[key] = sim
            done.set()
            if then is not None:
                then()

        timer = threading.Timer(delay, build)
        timer.daemon = True
        timer.start()


#: One per server process: the model the next page opens with, built ahead (once the app's
#: server has turned ``ahead`` on: ``visualization.app``).
SPARE_SIMULATIONS = SpareSimulations(ahead=False)


class FinalSeries:
    """Runs to the end for Compare, computed once per (scenario, seed, settings) and shared.

    ``submit`` returns a future; the same settings get the same future, so Compare's A, started
    in the background when the tab opens, is ready (or under way) when "Run A and B" is
    pressed, and settings run before come back at once. Two worker threads run A and B side
    by side. At most ``size`` results are kept (oldest dropped).
    """

    def __init__(self, size: int = 32, workers: int = 2) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="compare")
        self._futures: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()
        self._size = size

    @staticmethod
    def key(scenario: str, seed: int, settings: dict[str, Any]) -> tuple[Any, ...]:
        """What identifies a run: scenario, seed and the settings, in name order."""
        return (scenario, int(seed), tuple(sorted(settings.items())))

    def submit(self, scenario: str, seed: int, settings: dict[str, Any]) -> Any:
        """A future of ``run(scenario, seed=seed, **settings).series``."""
        from industry_transition.experiments.run import run

        key = self.key(scenario, seed, settings)
        with self._lock:
            future = self._futures.get(key)
            if future is None or (future.done() and future.exception() is not None):
                future = self._pool.submit(
                    lambda: run(scenario, seed=int(seed), **dict(settings)).series
                )
                self._futures[key] = future
                while len(self._futures) > self._size:
                    self._futures.pop(next(iter(self._futures)))
            return future

    def prefetch(self, scenario: str, seed: int, settings: dict[str, Any]) -> None:
        """``submit`` ahead of a press, from a timer: nothing if the process is stopping.

        A page's timer can fire after the worker pool has shut down (the server or a test
        session ending); there is then no one to show the run to.
        """
        from concurrent.futures import thread

        try:
            self.submit(scenario, seed, settings)
        except RuntimeError:  # "cannot schedule new futures after (interpreter) shutdown"
            # the pool shut down, or concurrent.futures refuses work as the interpreter exits
            if not (self._pool._shutdown or getattr(thread, "_shutdown", False)):
                raise


#: One cache for the server process: every session's Compare shares finished runs.
FINAL_SERIES = FinalSeries()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as UTF-8 CSV bytes for a download button."""
    return frame.to_csv(index=False).encode("utf-8")


def outputs_zip(result: RunResult) -> bytes:
    """The run's Parquet tables and ``run.json`` in one zip archive, built in memory."""
    import io
    import json
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("series", "events", "partnerships", "agents", "technologies"):
            table = io.BytesIO()
            getattr(result, name).to_parquet(table, index=False)
            archive.writestr(f"{name}.parquet", table.getvalue())
        archive.writestr("run.json", json.dumps(result.metadata, indent=2, default=str) + "\n")
    return buffer.getvalue()
