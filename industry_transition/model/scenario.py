"""Scenario loading: a TOML file naming data tables (CSV) and parameter values, validated on load.

Every user error becomes one :class:`ScenarioError` whose message names the file, the row or key,
and what is allowed; the CLI prints it without a traceback.
"""

from __future__ import annotations

import functools
import hashlib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from industry_transition.model.hints import did_you_mean
from industry_transition.model.kinds import SECTORS
from industry_transition.model.parameters import ParameterError, Parameters, build_parameters

DATA_DIR = Path(__file__).parent / "data"

INCOME_GROUPS = ("high", "upper_middle", "lower_middle", "low")
INITIAL_PARTNERSHIP_KINDS = ("technology", "government")


class ScenarioError(ValueError):
    """A scenario file or data table that cannot be used, with a message saying why."""


@dataclass(frozen=True)
class Column:
    """Type and bounds of one column in a data table."""

    kind: str  # "str", "float", "int", "bool", "optional_int", "optional_float", "list"
    ge: float | None = None
    le: float | None = None
    choices: tuple[str, ...] | None = None


TABLE_SCHEMAS: dict[str, dict[str, Column]] = {
    "technologies": {
        "technology": Column("str"),
        "sector": Column("str", choices=SECTORS),
        "name": Column("str"),
        "low_carbon": Column("bool"),
        "proprietary": Column("bool"),
        "direct_tco2_per_t": Column("float", ge=0, le=5),
        "electricity_mwh_per_t": Column("float", ge=0, le=10),
        "capex_usd_per_tpa": Column("float", ge=0, le=10_000),
        # The part of capex that learns (the novel component: capture unit, electrolyser,
        # electric calciner); empty: all of it. At most capex_usd_per_tpa. Optional column.
        "capex_novel_usd_per_tpa": Column("optional_float", ge=0, le=10_000),
        # Opex without natural gas and bought scrap; the gas a route burns (GJ per t of
        # product) is costed at each country's gas price (table gas_prices), the scrap it melts
        # (t per t of product) at each country's scrap price (table scrap_prices). Optional
        # columns; empty: 0.
        "opex_usd_per_t": Column("float", ge=0, le=5_000),
        "gas_gj_per_t": Column("optional_float", ge=0, le=50),
        "scrap_t_per_t": Column("optional_float", ge=0, le=5),
        "year_available": Column("int", ge=1800, le=2200),
        "learning_rate": Column("float", ge=0, le=0.5),
        "initial_cumulative_mt": Column("float", ge=1e-6, le=1e5),
        "max_share": Column("float", ge=0, le=1),
        # Years from deciding a conversion to this route to its operating; empty: the
        # switch_lead_time_years parameter. Optional column.
        "lead_time_years": Column("optional_int", ge=0, le=20),
        # What a plant pays at its investment window to keep its route for another cycle (a
        # blast-furnace reline, a refurbishment); empty: capex_usd_per_tpa (a full rebuild). At
        # most capex_usd_per_tpa. Optional column.
        "renewal_capex_usd_per_tpa": Column("optional_float", ge=0, le=10_000),
        # How fast a capped route's supply grows (share of a country's sector capacity per
        # year); empty: the supply_ramp_per_year parameter. Optional column.
        "supply_ramp_per_year": Column("optional_float", ge=0, le=1),
        # The route this one is built onto (a capture unit on a blast furnace or a kiln): a plant
        # on that route pays only its own route's renewal for the host part. Empty: none.
        "retrofit_of": Column("str"),
        "source": Column("str"),
    },
    "countries": {
        "country_id": Column("str"),
        "name": Column("str"),
        "income_group": Column("str", choices=INCOME_GROUPS),
        "carbon_price_usd_per_t": Column("float", ge=0, le=1000),
        "carbon_price_growth_usd_per_t_per_year": Column("float", ge=-50, le=100),
        "ambition_usd_per_t": Column("float", ge=0, le=1000),
        "donor_budget_musd_per_year": Column("float", ge=0, le=1e6),
        "finance_need_musd_per_year": Column("float", ge=0, le=1e6),
        "grid_tco2_per_mwh": Column("float", ge=0, le=1.5),
        "grid_decline_per_year": Column("float", ge=0, le=0.5),
        "electricity_usd_per_mwh": Column("float", ge=0, le=1000),
        "cost_of_capital": Column("float", ge=0, le=0.5),
        "capability_multiplier": Column("float", ge=1, le=5),
        "steel_demand_growth_per_year": Column("float", ge=-0.2, le=0.2),
        "cement_demand_growth_per_year": Column("float", ge=-0.2, le=0.2),
        "source": Column("str"),
    },
    "companies": {
        "company_id": Column("str"),
        "name": Column("str"),
        "country_id": Column("str"),
        "sector": Column("str", choices=SECTORS),
        "role": Column("str", choices=("producer", "technology")),
        "cost_of_capital_premium": Column("float", ge=0, le=0.5),
        "internal_carbon_price_usd_per_t": Column("float", ge=0, le=1000),
        "owned_technologies": Column("list"),
        "target_year": Column("optional_int", ge=2000, le=2200),
        "source": Column("str"),
    },
    "plants": {
        "plant_id": Column("str"),
        "company_id": Column("str"),
        "technology": Column("str"),
        "capacity_mt": Column("float", ge=0, le=1e4),
        "utilisation": Column("float", ge=0, le=1),
        "next_investment_year": Column("optional_int", ge=1900, le=2200),
        # Year the plant started operating (optional column): the world of 1 January of a run's
        # start_year holds the plants with start_year <= it (a plant starting in that year
        # produces in it); an empty cell means the plant is in every world.
        "start_year": Column("optional_int", ge=1700, le=2200),
        "source": Column("str"),
    },
    "initiatives": {
        "initiative_id": Column("str"),
        "name": Column("str"),
        "broker": Column("bool"),
        "founded_year": Column("int", ge=1900, le=2200),
        "source": Column("str"),
    },
    "memberships": {
        "initiative_id": Column("str"),
        "member_id": Column("str"),
        "joined_year": Column("int", ge=1900, le=2200),
        # Last year of a dated commitment (a work programme): the member does not leave before
        # it ends. Optional column; an empty cell means no commitment.
        "committed_until": Column("optional_int", ge=1900, le=2200),
        # the year the commitment was made: a run starting before it is not bound by it
        "committed_year": Column("optional_int", ge=1900, le=2200),
        "source": Column("str"),
    },
    "partnerships": {
        "partnership_id": Column("str"),
        # Finance and co-development start from negotiation; initial ties are these kinds.
        "kind": Column("str", choices=INITIAL_PARTNERSHIP_KINDS),
        "party_a": Column("str"),
        "party_b": Column("str"),
        "start_year": Column("int", ge=1900, le=2200),
        "duration_years": Column("int", ge=1, le=100),
        "amount_musd": Column("float", ge=0, le=1e6),
        "technology": Column("str"),
        "source": Column("str"),
    },
    # Membership of political and economic blocs (EU, G20, BRICS, ...), one row per country and
    # bloc; it sets each pair of countries' political affinity (model/affinity.py). Optional.
    "blocs": {
        "country_id": Column("str"),
        "bloc": Column("str"),
        "source": Column("str"),
    },
    # Natural-gas price paid by industry in each country (USD/GJ), which routes that burn gas
    # (gas_gj_per_t) pay. Optional; a country without a row pays default_gas_price_usd_per_gj.
    "gas_prices": {
        "country_id": Column("str"),
        "gas_usd_per_gj": Column("float", ge=0, le=100),
        "source": Column("str"),
    },
    # Price of steel scrap bought by steelmakers in each country (USD/t), which routes that
    # melt scrap (scrap_t_per_t) pay. Optional; a country without a row pays
    # default_scrap_price_usd_per_t.
    "scrap_prices": {
        "country_id": Column("str"),
        "scrap_usd_per_t": Column("float", ge=0, le=2_000),
        "source": Column("str"),
    },
    # A country's carbon price, grid intensity and production by year (optional): a run takes
    # its start year's figures instead of the countries table's, and follows later years' rows
    # (model/observed.py).
    "country_years": {
        "country_id": Column("str"),
        "year": Column("int", ge=1900, le=2200),
        "carbon_price_usd_per_t": Column("float", ge=0, le=1000),
        "grid_tco2_per_mwh": Column("float", ge=0, le=1.5),
        # observed production (optional): demand follows it in the years it is given
        "steel_production_mt": Column("optional_float", ge=0, le=5000),
        "cement_production_mt": Column("optional_float", ge=0, le=5000),
        "source": Column("str"),
    },
}
ID_COLUMNS = {
    "technologies": "technology",
    "countries": "country_id",
    "companies": "company_id",
    "plants": "plant_id",
    "initiatives": "initiative_id",
    "partnerships": "partnership_id",
    "gas_prices": "country_id",
    "scrap_prices": "country_id",
}
# Text columns that may be left empty (a partnership need not name a technology).
OPTIONAL_TEXT = {"partnerships": ("technology",), "technologies": ("retrofit_of",)}
# Columns a CSV file may leave out altogether (every cell is then empty).
OPTIONAL_COLUMNS = {
    "memberships": ("committed_until", "committed_year"),
    "country_years": ("steel_production_mt", "cement_production_mt"),
    "plants": ("start_year",),
    "technologies": (
        "capex_novel_usd_per_tpa",
        "gas_gj_per_t",
        "scrap_t_per_t",
        "lead_time_years",
        "renewal_capex_usd_per_tpa",
        "supply_ramp_per_year",
        "retrofit_of",
    ),
}
# Tables a scenario may leave out of [tables]: they are then empty. No bloc rows at all means
# affinity is not modelled (every pair's affinity is 1, transaction costs carry no premium).
# No gas price rows: every country pays default_gas_price_usd_per_gj; no scrap price rows:
# default_scrap_price_usd_per_t. No country_years rows: the countries table's carbon price and
# grid hold in every start year.
OPTIONAL_TABLES = ("blocs", "gas_prices", "scrap_prices", "country_years")
SCENARIO_KEYS = {"name", "description", "extends", "generator", "tables", "parameters"}


@dataclass
class Scenario:
    """A validated scenario: its tables as DataFrames and its parameters."""

    name: str
    description: str
    path: Path
    tables: dict[str, pd.DataFrame]
    parameters: Parameters
    data_hash: str = field(default="")
    #: The generator that builds the tables (``synthetic``, ``club_game``), or None for CSVs.
    generator: str | None = None


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped with the package."""
    return sorted(p.stem for p in DATA_DIR.glob("*.toml"))


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """Find a shipped scenario by name, or a TOML file by path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise ScenarioError(f"{candidate}: scenario file not found")
        return candidate
    shipped = DATA_DIR / f"{name_or_path}.toml"
    if shipped.is_file():
        return shipped
    names = available_scenarios()
    hint = did_you_mean(str(name_or_path), names)
    raise ScenarioError(
        f"unknown scenario '{name_or_path}'{hint} (shipped: {', '.join(names)}; "
        "or give a path to a .toml file)"
    )


def load_scenario(
    name_or_path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    generate: bool = True,
) -> Scenario:
    """Load, validate and return a scenario with ``overrides`` applied to its parameters.

    A scenario may ``extends`` another (a shipped name or a path relative to its own file): it
    inherits the parent's tables and parameters and overrides what it names. With
    ``generate=False`` a generated scenario's parameters are checked but its tables are not
    built (they are left empty): what a command needs to size a world before building it.
    """
    path = resolve_scenario_path(name_or_path)
    layers = _layers(path, ())
    table_paths: dict[str, Path] = {}
    values: dict[str, Any] = {}
    generator: str | None = None
    description = ""
    for layer_path, raw in layers:
        tables = raw.get("tables", {})
        if not isinstance(tables, dict):
            raise ScenarioError(f"{layer_path}: 'tables' must be a table of name = \"file.csv\"")
        for key, rel in tables.items():
            if key not in TABLE_SCHEMAS:
                raise ScenarioError(
                    f"{layer_path}: unknown table '{key}' in [tables] "
                    f"(allowed: {', '.join(TABLE_SCHEMAS)})"
                )
            table_paths[key] = (layer_path.parent / str(rel)).resolve()
        layer_values = raw.get("parameters", {})
        if not isinstance(layer_values, dict):
            raise ScenarioError(f"{layer_path}: [parameters] must be a table")
        try:
            build_parameters(layer_values, origin=f"{layer_path} [parameters]")
        except ParameterError as err:
            raise ScenarioError(str(err)) from None
        values.update(layer_values)
        generator = raw.get("generator", generator)
        description = str(raw.get("description", description))
    try:
        params = build_parameters({**values, **dict(overrides or {})}, origin="overrides")
    except ParameterError as err:
        raise ScenarioError(str(err)) from None

    from industry_transition.model.synthetic import (
        GENERATOR_PARAMETERS,
        check_generator_parameters,
        generate_tables,
    )

    given = {k for k, v in {**values, **dict(overrides or {})}.items() if v is not None}
    generated_only = {name for names in GENERATOR_PARAMETERS.values() for name in names}
    digest = hashlib.sha256()
    if generator is not None:
        reads = GENERATOR_PARAMETERS.get(str(generator), ())
        unused = sorted(given & generated_only - set(reads))
        if unused:
            raise ScenarioError(
                f"{path}: parameter '{unused[0]}' does not apply to generator '{generator}' "
                f"(it reads: {', '.join(reads) or 'none of them'})"
            )
        check_generator_parameters(str(generator), params, origin=path)
        # Generated tables are validated like CSV tables (check_tables), inside the generator
        # cache, so a sweep's replications generate and check one world once per process.
        tables_out = generate_tables(str(generator), params, origin=path) if generate else {}
        digest.update(f"generator:{generator}".encode())
    else:
        stray = sorted(given & generated_only)
        if stray:
            raise ScenarioError(
                f"{path}: parameter '{stray[0]}' only applies to generated scenarios "
                "(such as club-game and synthetic)"
            )
        missing = [t for t in TABLE_SCHEMAS if t not in table_paths and t not in OPTIONAL_TABLES]
        if missing:
            raise ScenarioError(f"{path}: [tables] is missing {', '.join(missing)}")
        tables_out = {t: empty_table(t) for t in OPTIONAL_TABLES if t not in table_paths}
        sources = []
        for table, csv_path in table_paths.items():
            if not csv_path.is_file():
                raise ScenarioError(f"{path}: table '{table}' file not found: {csv_path}")
            digest.update(csv_path.read_bytes())
            tables_out[table] = read_table(csv_path, table)
            stat = csv_path.stat()
            sources.append((table, csv_path, stat.st_mtime_ns, stat.st_size))
        _checked_references(tuple(sources), path)
        check_plant_routes(tables_out, params.start_year, table_paths["plants"])
    return Scenario(
        name=str(layers[-1][1].get("name", path.stem)),
        description=description,
        path=path,
        tables=tables_out,
        parameters=params,
        data_hash=digest.hexdigest(),
        generator=None if generator is None else str(generator),
    )


def _layers(path: Path, seen: tuple[Path, ...]) -> list[tuple[Path, dict[str, Any]]]:
    """The scenario files from the root ancestor down to ``path``, each parsed and key-checked."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: not valid TOML: {err}") from None
    for key in raw:
        if key not in SCENARIO_KEYS:
            hint = did_you_mean(key, sorted(SCENARIO_KEYS))
            raise ScenarioError(
                f"{path}: unknown key '{key}'{hint} (allowed: {', '.join(sorted(SCENARIO_KEYS))})"
            )
    parent = raw.get("extends")
    if parent is None:
        return [(path, raw)]
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: 'extends' must be a scenario name or a path to a .toml file")
    relative = path.parent / parent
    try:
        parent_path = relative if relative.is_file() else resolve_scenario_path(parent)
    except ScenarioError as err:
        raise ScenarioError(f'{path}: extends = "{parent}": {err}') from None
    parent_path = parent_path.resolve()
    if parent_path in seen or parent_path == path.resolve():
        raise ScenarioError(f"{path}: 'extends = \"{parent}\"' makes a cycle")
    return [*_layers(parent_path, (*seen, path.resolve())), (path, raw)]


def read_table(csv_path: Path, table: str) -> pd.DataFrame:
    """Read one CSV and check columns, types, bounds and unique ids.

    Parsed tables are cached per file and modification time, so a sweep reading the same
    scenario thousands of times parses it once per process; callers get their own copy.
    """
    stat = csv_path.stat()
    return _read_table_cached(csv_path, table, stat.st_mtime_ns, stat.st_size).copy()


@functools.lru_cache(maxsize=256)
def _read_table_cached(csv_path: Path, table: str, mtime_ns: int, size: int) -> pd.DataFrame:
    del mtime_ns, size  # part of the cache key only
    schema = TABLE_SCHEMAS[table]
    try:
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{csv_path}: cannot read as CSV: {err}") from None
    unknown = [c for c in frame.columns if c not in schema]
    if unknown:
        raise ScenarioError(
            f"{csv_path}: unknown column '{unknown[0]}' (allowed: {', '.join(schema)})"
        )
    for column in OPTIONAL_COLUMNS.get(table, ()):
        if column not in frame.columns:
            frame[column] = ""
    absent = [c for c in schema if c not in frame.columns]
    if absent:
        raise ScenarioError(f"{csv_path}: missing column '{absent[0]}'")
    out: dict[str, list[Any]] = {}
    for column, spec in schema.items():
        out[column] = [
            _parse_cell(value, spec, csv_path, row_number=i + 2, column=column, table=table)
            for i, value in enumerate(frame[column])
        ]
    parsed = pd.DataFrame(out, columns=list(schema))
    if table == "memberships":
        _check_commitments(parsed, str(csv_path), first_row=2)
    if table == "blocs":
        _check_bloc_rows(parsed, str(csv_path), first_row=2)
    if table == "technologies":
        _check_technology_rows(parsed, str(csv_path), first_row=2)
    if table == "country_years":
        _check_country_years(parsed, str(csv_path), first_row=2)
    id_column = ID_COLUMNS.get(table)
    if id_column is not None:
        duplicated = parsed[id_column][parsed[id_column].duplicated()]
        if not duplicated.empty:
            row = int(duplicated.index[0]) + 2
            raise ScenarioError(
                f"{csv_path}: row {row}: duplicate {id_column} '{duplicated.iloc[0]}'"
            )
    return parsed


def empty_table(table: str) -> pd.DataFrame:
    """A table with the schema's columns and no rows."""
    return pd.DataFrame({column: [] for column in TABLE_SCHEMAS[table]}, dtype=object)


def _check_bloc_rows(blocs: pd.DataFrame, where: str, *, first_row: int) -> None:
    """A country is listed in a bloc once."""
    repeated = np.flatnonzero(blocs.duplicated(subset=["country_id", "bloc"]).to_numpy())
    if repeated.size:
        i = int(repeated[0])
        raise ScenarioError(
            f"{where}: row {i + first_row}: country '{blocs['country_id'].iloc[i]}' is listed "
            f"in bloc '{blocs['bloc'].iloc[i]}' twice"
        )


def _check_technology_rows(technologies: pd.DataFrame, where: str, *, first_row: int) -> None:
    """The learning part of capex, and the renewal of a route, are at most the whole capex."""
    total = technologies["capex_usd_per_tpa"].to_numpy(dtype=float)
    for column, why in (
        ("capex_novel_usd_per_tpa", "the novel part is part of capex"),
        ("renewal_capex_usd_per_tpa", "keeping a route costs at most building it"),
    ):
        part = pd.to_numeric(technologies[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(part > total)
        if bad.size:
            i = int(bad[0])
            raise ScenarioError(
                f"{where}: row {i + first_row}, column '{column}': {part[i]} is more than "
                f"capex_usd_per_tpa {total[i]} ({why})"
            )
    # a retrofit is built onto another route of its own sector and costs at least that route
    ids = list(technologies["technology"])
    sectors = dict(zip(ids, technologies["sector"], strict=True))
    capex = dict(zip(ids, total, strict=True))
    for i, (name, host) in enumerate(zip(ids, technologies["retrofit_of"], strict=True)):
        host = "" if not isinstance(host, str) else host.strip()
        if not host:
            continue
        where_cell = f"{where}: row {i + first_row}, column 'retrofit_of'"
        if host not in sectors or host == name:
            allowed = ", ".join(t for t in ids if t != name)
            raise ScenarioError(f"{where_cell}: '{host}' is not another technology ({allowed})")
        if sectors[host] != sectors[name]:
            raise ScenarioError(
                f"{where_cell}: '{host}' is a {sectors[host]} route, '{name}' a "
                f"{sectors[name]} one (a retrofit is built onto a route of its own sector)"
            )
        if capex[host] > capex[name]:
            raise ScenarioError(
                f"{where_cell}: '{name}' costs {capex[name]:g} USD/tpa, less than its host "
                f"'{host}' at {capex[host]:g} (a retrofit includes its host)"
            )


def _check_country_years(frame: pd.DataFrame, where: str, *, first_row: int) -> None:
    """A country has one row per year."""
    repeated = np.flatnonzero(frame.duplicated(subset=["country_id", "year"]).to_numpy())
    if repeated.size:
        i = int(repeated[0])
        raise ScenarioError(
            f"{where}: row {i + first_row}: country '{frame['country_id'].iloc[i]}' has year "
            f"{int(frame['year'].iloc[i])} twice"
        )


def _check_commitments(memberships: pd.DataFrame, where: str, *, first_row: int) -> None:
    """A commitment cannot end before the membership starts, nor be made after it ends.

    It may be made before the member joins (a member joining a commitment already agreed).
    """
    for i, (joined, until, made) in enumerate(
        zip(
            memberships["joined_year"],
            memberships["committed_until"],
            memberships["committed_year"],
            strict=True,
        )
    ):
        row = i + first_row
        has_until = until is not None and not pd.isna(until)
        has_made = made is not None and not pd.isna(made)
        if has_until and until < joined:
            raise ScenarioError(
                f"{where}: row {row}, column 'committed_until': {int(until)} is "
                f"before joined_year {int(joined)}"
            )
        if has_made and not has_until:
            raise ScenarioError(
                f"{where}: row {row}, column 'committed_year': {int(made)} is given but "
                "committed_until is empty (a commitment year needs the year it runs to)"
            )
        if has_made and has_until and made > until:
            raise ScenarioError(
                f"{where}: row {row}, column 'committed_year': {int(made)} is after "
                f"committed_until {int(until)}"
            )


def _parse_cell(
    value: str, spec: Column, csv_path: Path, row_number: int, column: str, table: str
) -> Any:
    where = f"{csv_path}: row {row_number}, column '{column}'"
    text = value.strip()
    if spec.kind == "list":
        return tuple(item.strip() for item in text.split(";") if item.strip())
    if spec.kind == "str":
        if column == "source" and not text:
            raise ScenarioError(f"{where}: every row needs a source")
        if not text and column not in OPTIONAL_TEXT.get(table, ()):
            raise ScenarioError(f"{where}: empty value")
        if spec.choices and text not in spec.choices:
            raise ScenarioError(f"{where}: '{text}' is not one of {', '.join(spec.choices)}")
        return text
    if spec.kind == "bool":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise ScenarioError(f"{where}: '{text}' is not true or false")
        return lowered == "true"
    if spec.kind in ("optional_int", "optional_float") and not text:
        return None
    try:
        number: float = int(text) if spec.kind in ("int", "optional_int") else float(text)
    except ValueError:
        kind = "an integer" if spec.kind in ("int", "optional_int") else "a number"
        raise ScenarioError(f"{where}: '{text}' is not {kind}") from None
    if not math.isfinite(number):
        raise ScenarioError(f"{where}: '{text}' is not a finite number")
    if (spec.ge is not None and number < spec.ge) or (spec.le is not None and number > spec.le):
        raise ScenarioError(
            f"{where}: {number} is outside the allowed range {spec.ge} to {spec.le}"
        )
    return number


@functools.lru_cache(maxsize=64)
def _checked_references(sources: tuple[tuple[str, Path, int, int], ...], path: Path) -> None:
    """``_check_references`` on the cached tables of ``sources`` (table, file, mtime, size).

    Remembered per scenario file and table files, so a sweep checks a scenario once per
    process; a failed check raises every time (errors are not cached).
    """
    tables = {
        table: _read_table_cached(csv, table, mtime, size) for table, csv, mtime, size in sources
    }
    for table in OPTIONAL_TABLES:
        tables.setdefault(table, empty_table(table))
    _check_references(tables, path)


def _check_references(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Every id a table names must exist in the table it refers to."""
    # tolist(): iterating an Arrow-backed string column item by item is slow on large tables.
    technologies = set(tables["technologies"]["technology"].tolist())
    countries = set(tables["countries"]["country_id"].tolist())
    companies = set(tables["companies"]["company_id"].tolist())
    initiatives = set(tables["initiatives"]["initiative_id"].tolist())
    clash = countries & companies | (countries | companies) & initiatives
    if clash:
        raise ScenarioError(
            f"{path}: ids used twice across countries/companies/initiatives: "
            f"{', '.join(sorted(clash))}"
        )
    agents = countries | companies | initiatives

    def check(table: str, column: str, allowed: set[str], what: str) -> None:
        series = tables[table][column].tolist()
        if TABLE_SCHEMAS[table][column].kind != "list":
            # A fast pass for large generated tables; the loop below names the culprit.
            allowed_or_empty = allowed | {""}
            if all(map(allowed_or_empty.__contains__, series)):
                return
        for i, value in enumerate(series):
            values = value if isinstance(value, tuple) else (value,)
            for item in values:
                if item and item not in allowed:
                    hint = did_you_mean(item, sorted(allowed))
                    raise ScenarioError(
                        f"{path}: table '{table}' row {i + 2}, column '{column}': "
                        f"no {what} '{item}'{hint}"
                    )

    check("companies", "country_id", countries, "country")
    check("companies", "owned_technologies", technologies, "technology")
    check("plants", "company_id", companies, "company")
    check("plants", "technology", technologies, "technology")
    check("memberships", "initiative_id", initiatives, "initiative")
    check("memberships", "member_id", countries | companies, "country or company")
    check("partnerships", "party_a", agents, "agent")
    check("partnerships", "party_b", agents, "agent")
    check("partnerships", "technology", technologies, "technology")
    check("blocs", "country_id", countries, "country")
    check("gas_prices", "country_id", countries, "country")
    check("scrap_prices", "country_id", countries, "country")
    check("country_years", "country_id", countries, "country")
    ties = tables["partnerships"]
    for i, (kind, a, b, technology) in enumerate(
        zip(
            ties["kind"].tolist(),
            ties["party_a"].tolist(),
            ties["party_b"].tolist(),
            ties["technology"].tolist(),
            strict=True,
        )
    ):
        where = f"{path}: table 'partnerships' row {i + 2}"
        if kind == "government" and not (a in countries and b in countries):
            raise ScenarioError(f"{where}: a government partnership links two countries")
        if kind == "technology":
            if not technology:
                raise ScenarioError(f"{where}: a technology partnership names its technology")
            if not (a in companies and b in companies):
                raise ScenarioError(f"{where}: a technology partnership links two companies")
        if a == b:
            raise ScenarioError(f"{where}: an agent cannot partner itself")
    technologies_table = tables["technologies"]
    sector_of = dict(
        zip(
            technologies_table["technology"].tolist(),
            technologies_table["sector"].tolist(),
            strict=True,
        )
    )
    company_sector = dict(
        zip(
            tables["companies"]["company_id"].tolist(),
            tables["companies"]["sector"].tolist(),
            strict=True,
        )
    )
    for sector in sorted(set(company_sector.values())):
        conventional = technologies_table[
            (technologies_table["sector"] == sector) & ~technologies_table["low_carbon"]
        ]
        if conventional.empty:
            raise ScenarioError(
                f"{path}: table 'technologies' has no conventional (low_carbon = false) route "
                f"for {sector}, which companies make"
            )
    plants = tables["plants"]
    for i, (technology, company) in enumerate(
        zip(plants["technology"].tolist(), plants["company_id"].tolist(), strict=True)
    ):
        if sector_of[technology] != company_sector[company]:
            raise ScenarioError(
                f"{path}: table 'plants' row {i + 2}: technology '{technology}' is "
                f"{sector_of[technology]} but company '{company}' makes {company_sector[company]}"
            )


def plants_at(plants: pd.DataFrame, year: int) -> pd.DataFrame:
    """The plants in the world of 1 January ``year``: those with no start year or one <= it.

    A plant whose start year is the run's start year is in: the model's first year is that
    whole year, and the plant produces in it.
    """
    start = pd.to_numeric(plants["start_year"], errors="coerce")
    keep = (start.isna() | (start <= year)).to_numpy(dtype=bool)
    return plants if keep.all() else plants[keep].reset_index(drop=True)


def countries_at(
    countries: pd.DataFrame, country_years: pd.DataFrame | None, year: int
) -> pd.DataFrame:
    """The countries table with carbon price and grid from ``country_years`` rows of ``year``."""
    if country_years is None or country_years.empty:
        return countries
    rows = country_years[country_years["year"] == year]
    if rows.empty:
        return countries
    out = countries.copy()
    for column in ("carbon_price_usd_per_t", "grid_tco2_per_mwh"):
        values = dict(zip(rows["country_id"].tolist(), rows[column].tolist(), strict=True))
        out[column] = [
            values.get(c, v) for c, v in zip(out["country_id"], out[column], strict=True)
        ]
    return out


def check_plant_routes(tables: Mapping[str, pd.DataFrame], year: int, where: Path) -> None:
    """Every plant in the world of ``year`` starts on a route its owner can run in that year.

    A route can run if it is of the owner's sector, available by ``year`` and open to the owner
    (not proprietary, or owned). References and sectors are checked before this.
    """
    plants = plants_at(tables["plants"], year)
    if plants.empty:
        return
    tech = tables["technologies"].set_index("technology")
    companies = tables["companies"].set_index("company_id")
    technology = plants["technology"].to_numpy(dtype=object)
    owner = plants["company_id"].to_numpy(dtype=object)
    ready = tech["year_available"].reindex(technology).to_numpy(dtype=float) <= year
    proprietary = tech["proprietary"].reindex(technology).to_numpy(dtype=bool)
    owned = companies["owned_technologies"].reindex(owner).tolist()
    open_ = ~proprietary | np.array([t in o for t, o in zip(technology, owned, strict=True)])
    bad = np.flatnonzero(~(ready & open_))
    if not bad.size:
        return
    i = int(bad[0])
    # row number in the file: position among all plants (before the start-year filter)
    ids = tables["plants"]["plant_id"].tolist()
    row = ids.index(plants["plant_id"].iloc[i]) + 2
    company = str(owner[i])
    sector = str(companies.loc[company, "sector"])
    usable = [
        str(k)
        for k, r in tech.iterrows()
        if r["sector"] == sector
        and int(r["year_available"]) <= year
        and (not r["proprietary"] or k in companies.loc[company, "owned_technologies"])
    ]
    why = (
        f"is available from {int(tech.loc[technology[i], 'year_available'])}, after the start "
        f"year {year}"
        if not ready[i]
        else f"is proprietary and company '{company}' does not own it"
    )
    raise ScenarioError(
        f"{where}: row {row}: plant '{plants['plant_id'].iloc[i]}' starts on "
        f"'{technology[i]}', which {why} (routes company '{company}' can run in {year}: "
        f"{', '.join(usable) or 'none'})"
    )


def check_tables(tables: Mapping[str, pd.DataFrame], origin: Path) -> None:
    """Check tables built in memory (by a generator) as ``read_table`` checks CSV files.

    Columns, types, ranges, choices, sources, unique ids, then the references between tables.
    Vectorised, so a world of 100,000 companies checks in well under a second.
    """
    missing = [t for t in TABLE_SCHEMAS if t not in tables and t not in OPTIONAL_TABLES]
    if missing:
        raise ScenarioError(f"{origin}: generated tables lack {', '.join(missing)}")
    tables = {**{t: empty_table(t) for t in OPTIONAL_TABLES}, **tables}
    for table, schema in TABLE_SCHEMAS.items():
        frame = tables[table]
        unknown = [c for c in frame.columns if c not in schema]
        absent = [c for c in schema if c not in frame.columns]
        if unknown or absent:
            raise ScenarioError(
                f"{origin}: generated table '{table}' has columns {list(frame.columns)}, "
                f"expected {list(schema)}"
            )
        for column, spec in schema.items():
            problem = _column_problem(frame[column], spec, column, table)
            if problem is not None:
                row, message = problem
                raise ScenarioError(
                    f"{origin}: generated table '{table}' row {row + 2}, column '{column}': "
                    f"{message}"
                )
        id_column = ID_COLUMNS.get(table)
        if id_column is not None:
            duplicated = np.flatnonzero(frame[id_column].duplicated().to_numpy())
            if duplicated.size:
                row = int(duplicated[0])
                raise ScenarioError(
                    f"{origin}: generated table '{table}' row {row + 2}: duplicate {id_column} "
                    f"'{frame[id_column].iloc[row]}'"
                )
    _check_commitments(
        tables["memberships"], f"{origin}: generated table 'memberships'", first_row=2
    )
    _check_bloc_rows(tables["blocs"], f"{origin}: generated table 'blocs'", first_row=2)
    _check_technology_rows(
        tables["technologies"], f"{origin}: generated table 'technologies'", first_row=2
    )
    _check_references(dict(tables), origin)


def _column_problem(
    series: pd.Series, spec: Column, column: str, table: str
) -> tuple[int, str] | None:
    """The first bad cell of an in-memory column (position, what is wrong), or None."""

    def first(mask: Any, message: str) -> tuple[int, str] | None:
        bad = np.flatnonzero(np.asarray(mask, dtype=bool))
        return (int(bad[0]), message.format(series.iloc[int(bad[0])])) if bad.size else None

    if series.empty:
        return None
    if spec.kind == "list":
        return first(
            [not (isinstance(v, tuple) and all(isinstance(x, str) for x in v)) for v in series],
            "{!r} is not a tuple of names",
        )
    if spec.kind == "str":
        if pd.api.types.infer_dtype(series, skipna=False) != "string":
            return first([not isinstance(v, str) for v in series], "{!r} is not text")
        empty = series.str.strip().eq("").to_numpy(dtype=bool)
        if column == "source" or column not in OPTIONAL_TEXT.get(table, ()):
            found = first(empty, "empty value")
            if found is not None:
                return found
        if spec.choices:
            return first(
                ~series.isin(spec.choices).to_numpy(dtype=bool),
                "'{}' is not one of " + ", ".join(spec.choices),
            )
        return None
    if spec.kind == "bool":
        if pd.api.types.infer_dtype(series, skipna=False) != "boolean":
            return first([not isinstance(v, bool | np.bool_) for v in series], "{!r} is not a bool")
        return None
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    unset = series.isna().to_numpy(dtype=bool)
    if spec.kind in ("optional_int", "optional_float"):
        numbers = np.where(unset, 0.0 if spec.ge is None else spec.ge, numbers)
    found = first(np.isnan(numbers), "{!r} is not a number") or first(
        ~np.isfinite(numbers), "{} is not a finite number"
    )
    if found is not None:
        return found
    if spec.kind in ("int", "optional_int"):
        found = first(numbers != np.floor(numbers), "{} is not an integer")
        if found is not None:
            return found
    low = -np.inf if spec.ge is None else spec.ge
    high = np.inf if spec.le is None else spec.le
    return first(
        (numbers < low) | (numbers > high),
        "{} is outside the allowed range " + f"{spec.ge} to {spec.le}",
    )
