"""Generated scenarios: tables built from parameters instead of read from CSV files.

``club_game``: N identical countries (parameter ``countries``) and one club, for the analytic
check of the membership rule against the cartel-stability literature (docs/validation.md).

``synthetic``: a world of any size (``companies``, ``countries``, ``plants_per_company``,
``initiatives``) drawn from ``world_seed`` with the heterogeneity of the calibrated ``leadit``
tables: countries and companies are bootstrapped from leadit rows of the same income group,
plants take leadit's technology mix (docs/model.md, "The synthetic scenario").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from industry_transition.model.parameters import Parameters
from industry_transition.model.scenario import (
    DATA_DIR,
    INCOME_GROUPS,
    SECTORS,
    TABLE_SCHEMAS,
    ScenarioError,
    check_tables,
    read_table,
)

# The symmetric countries of the club game carry no industry; these figures only have to be
# valid and identical across countries.
CLUB_COUNTRY = {
    "income_group": "high",
    "carbon_price_usd_per_t": 0.0,
    "carbon_price_growth_usd_per_t_per_year": 0.0,
    "ambition_usd_per_t": 0.0,
    "donor_budget_musd_per_year": 0.0,
    "finance_need_musd_per_year": 0.0,
    "grid_tco2_per_mwh": 0.0,
    "grid_decline_per_year": 0.0,
    "electricity_usd_per_mwh": 0.0,
    "cost_of_capital": 0.05,
    "capability_multiplier": 1.0,
    "steel_demand_growth_per_year": 0.0,
    "cement_demand_growth_per_year": 0.0,
    "source": "club game: identical countries",
}
DEFAULT_CLUB_COUNTRIES = 10


def empty(table: str) -> pd.DataFrame:
    """A table with the schema's columns and no rows."""
    return pd.DataFrame({column: [] for column in TABLE_SCHEMAS[table]})


def club_game_tables(params: Parameters) -> dict[str, pd.DataFrame]:
    """N identical countries, no industry, one club without a broker."""
    n = params.countries or DEFAULT_CLUB_COUNTRIES
    ids = [f"c{i + 1:03d}" for i in range(n)]
    countries = pd.DataFrame(
        [{"country_id": c, "name": f"Country {i + 1}", **CLUB_COUNTRY} for i, c in enumerate(ids)]
    )
    first = min(params.club_initial_members, n)
    return {
        "technologies": read_table(DATA_DIR / "technologies.csv", "technologies"),
        "countries": countries,
        "companies": empty("companies"),
        "plants": empty("plants"),
        "initiatives": pd.DataFrame(
            [
                {
                    "initiative_id": "club",
                    "name": "The club",
                    "broker": False,
                    "founded_year": params.start_year,
                    "source": "club game",
                }
            ]
        ),
        "memberships": pd.DataFrame(
            [
                {
                    "initiative_id": "club",
                    "member_id": c,
                    "joined_year": params.start_year,
                    "source": "club game: initial member",
                }
                for c in ids[:first]
            ],
            columns=list(TABLE_SCHEMAS["memberships"]),
        ),
        "partnerships": empty("partnerships"),
        # Identical countries: no blocs, so every pair's affinity is 1 (no affinity premium).
        "blocs": empty("blocs"),
        # No industry: every country pays default_gas_price_usd_per_gj and
        # default_scrap_price_usd_per_t.
        "gas_prices": empty("gas_prices"),
        "scrap_prices": empty("scrap_prices"),
    }


# --- synthetic -------------------------------------------------------------------------------

DEFAULT_SYNTHETIC_COMPANIES = 100
# Unset `countries`: one per 50 companies, at least 5 and at most about the number of states.
COMPANIES_PER_COUNTRY, MIN_COUNTRIES, MAX_COUNTRIES = 50, 5, 200
# Bootstrapped figures get multiplicative noise exp(N(0, sd)): about +-10%, so that no two
# countries or companies are identical, small enough to keep each income group's character.
NOISE_LOG_SD = 0.1
UTILISATION_LOG_SD = 0.05
UTILISATION_RANGE = (0.65, 0.92)  # inside the retire (0.6) and build (0.95) thresholds
# Plant size, Mt/yr: a median by starting route and a lognormal spread (log-sd 0.5: x0.6 to x1.6
# within one sd), clipped to PLANT_SIZE_RANGE_MT. From memory (verify): integrated BF-BOF works
# typically 2-5 Mt/yr (Global Energy Monitor, Global Steel Plant Tracker; leadit: SSAB's two
# Swedish works 4 Mt together, thyssenkrupp Duisburg 11 Mt); a gas-DRI module with its EAFs
# 1-2.5 Mt/yr (Midrex modules; thyssenkrupp's Duisburg DRI 2.5 Mt/yr, themillfloor newsletter);
# scrap-EAF mini-mills 0.5-2 Mt/yr; a cement plant about 1 Mt/yr (roughly 4,100 Mt from some
# 3,000-4,000 integrated plants; Dalmia's seven plants and 40 Mt/yr, CemNet 11 Dec 2023, are
# the large end). Routes not listed (none are available in 2024) take their sector's figure.
PLANT_SIZE_MT = {
    "bf_bof": 3.0,
    "gas_dri_eaf": 2.0,
    "coal_dri_eaf": 0.5,  # India's coal-DRI and induction-furnace plants are mostly small
    "scrap_eaf": 1.0,
    "opc_kiln": 1.0,
}
PLANT_SIZE_BY_SECTOR_MT = {"steel": 2.0, "cement": 1.0}
PLANT_SIZE_LOG_SD = 0.5
PLANT_SIZE_RANGE_MT = (0.05, 20.0)
GOVERNMENT_TIES_PER_COUNTRY = 2.0
# No country starts with more government ties than the default max_government_partnerships.
MAX_INITIAL_GOVERNMENT_TIES = 3
INITIAL_TIE_AGE_YEARS = 1  # leadit's ties were signed in 2023 for a 2024 start
COUNTRY_FIGURES = [
    c for c, spec in TABLE_SCHEMAS["countries"].items() if spec.kind == "float"
]  # carbon price ... cement demand growth, bootstrapped together from one leadit country


@dataclass(frozen=True)
class LeaditReference:
    """What the synthetic generator takes from the calibrated leadit tables."""

    tables: dict[str, pd.DataFrame]
    income_share: np.ndarray  # share of countries in each of INCOME_GROUPS
    country_income: np.ndarray  # income code of each leadit country
    log_size_sd: float  # sd of log installed capacity across leadit countries
    member_rate: np.ndarray  # chance that a country of each income group is a member
    company_member_rate: float
    technology_firm_share: float
    steel_share: float  # of producers
    company_income: np.ndarray  # income code of each leadit company's home country
    plants: pd.DataFrame  # leadit plants with income code and sector
    utilisation: np.ndarray  # mean plant utilisation by sector
    budget_per_mt: float  # donor budgets, USD m/yr per Mt/yr of installed capacity
    need_per_mt: float  # finance needs, likewise


@functools.cache
def leadit_reference() -> LeaditReference:
    """Statistics of the shipped leadit tables (read once per process)."""
    t = {
        name: read_table(DATA_DIR / "leadit" / f"{name}.csv", name)
        for name in TABLE_SCHEMAS
        # yearly country figures are not drawn from (a synthetic world has one start year)
        if name not in ("technologies", "country_years")
    }
    countries, companies = t["countries"], t["companies"]
    income = countries["income_group"].map(INCOME_GROUPS.index).to_numpy(dtype=np.int64)
    home = dict(zip(countries["country_id"], income, strict=True))
    company_income = companies["country_id"].map(home).to_numpy(dtype=np.int64)
    plants = t["plants"].merge(companies[["company_id", "country_id", "sector"]], how="left")
    plants["income"] = plants["country_id"].map(home)
    capacity = plants.groupby("country_id")["capacity_mt"].sum()
    members = set(t["memberships"]["member_id"])
    is_member = countries["country_id"].isin(members).to_numpy()
    counts = np.bincount(income, minlength=4)
    joined = np.bincount(income, weights=is_member, minlength=4)
    rate = np.divide(joined, counts, out=np.zeros(4), where=counts > 0)
    # leadit has one low-income country (Ethiopia, a member): pool low with lower-middle
    # income, as the model's "lower-income" group does, rather than make every one a member.
    lower = [INCOME_GROUPS.index("lower_middle"), INCOME_GROUPS.index("low")]
    if counts[lower].sum() > 0:
        rate[lower] = joined[lower].sum() / counts[lower].sum()
    producers = companies["role"] == "producer"
    total_capacity = float(plants["capacity_mt"].sum())
    return LeaditReference(
        tables=t,
        income_share=counts / counts.sum(),
        country_income=income,
        log_size_sd=float(np.log(capacity).std()),
        member_rate=rate,
        company_member_rate=float(companies["company_id"].isin(members).mean()),
        technology_firm_share=float((~producers).mean()),
        steel_share=float((companies.loc[producers, "sector"] == "steel").mean()),
        company_income=company_income,
        plants=plants,
        utilisation=np.array(
            [plants.loc[plants["sector"] == s, "utilisation"].mean() for s in SECTORS]
        ),
        budget_per_mt=float(countries["donor_budget_musd_per_year"].sum()) / total_capacity,
        need_per_mt=float(countries["finance_need_musd_per_year"].sum()) / total_capacity,
    )


def default_countries(companies: int) -> int:
    """Countries of a synthetic world when ``countries`` is unset."""
    return min(MAX_COUNTRIES, max(MIN_COUNTRIES, companies // COMPANIES_PER_COUNTRY))


def synthetic_tables(params: Parameters) -> dict[str, pd.DataFrame]:
    """A world of ``companies`` companies in ``countries`` countries drawn from ``world_seed``.

    Every draw comes from ``SeedSequence(world_seed)``, one child per part (countries,
    companies, plants, initiatives, ties), so a part's draws do not shift when another part's
    size changes (more initiatives leave the plants alone). The run seed plays no part.
    """
    ref = leadit_reference()
    technologies = read_table(DATA_DIR / "technologies.csv", "technologies")
    n_companies = params.companies or DEFAULT_SYNTHETIC_COMPANIES
    n_countries = params.countries or default_countries(n_companies)
    rng_countries, rng_companies, rng_plants, rng_initiatives, rng_ties = (
        np.random.default_rng(s) for s in np.random.SeedSequence(params.world_seed).spawn(5)
    )
    country_ids = _ids("c", n_countries)
    income, figures, size, template = _synthetic_countries(rng_countries, ref, n_countries)
    companies, home, sector, owned = _synthetic_companies(
        rng_companies, ref, technologies, n_companies, country_ids, income, size
    )
    company_ids = companies["company_id"].tolist()
    producers = n_companies - owned.size
    plants = _synthetic_plants(
        rng_plants, params, technologies, ref, company_ids, income[home], sector, producers
    )
    _scale_finance(ref, figures, size, float(plants["capacity_mt"].sum()))
    countries = pd.DataFrame(
        {
            "country_id": country_ids,
            "name": [f"Country {i + 1}" for i in range(n_countries)],
            "income_group": np.asarray(INCOME_GROUPS, dtype=object)[income],
            **{column: figures[:, j] for j, column in enumerate(COUNTRY_FIGURES)},
        },
        columns=list(TABLE_SCHEMAS["countries"])[:-1],
    )
    initiatives, memberships = _synthetic_initiatives(
        rng_initiatives, params, ref, income, country_ids, company_ids
    )
    partnerships = _synthetic_partnerships(
        rng_ties, params, ref, technologies, country_ids, company_ids, sector, owned, producers
    )
    out = {
        "countries": countries,
        "companies": companies,
        "plants": plants,
        "initiatives": initiatives,
        "memberships": memberships,
        "partnerships": partnerships,
        "blocs": _synthetic_blocs(ref, country_ids, template),
        "gas_prices": _template_prices(
            ref, country_ids, template, "gas_prices", params.default_gas_price_usd_per_gj
        ),
        "scrap_prices": _template_prices(
            ref, country_ids, template, "scrap_prices", params.default_scrap_price_usd_per_t
        ),
    }
    for table, frame in out.items():
        frame["source"] = f"synthetic: drawn from leadit {table} (world_seed {params.world_seed})"
    return {"technologies": technologies, **out}


def _synthetic_countries(
    rng: np.random.Generator, ref: LeaditReference, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Income codes, figures (COUNTRY_FIGURES columns), sizes and templates of ``n`` countries.

    Income groups come in leadit's proportions (largest remainder, then shuffled); each country
    takes all its figures from one leadit country of its group, its template (a row of
    leadit's countries table), keeping their correlations, with multiplicative noise; its size,
    which sets how many companies it hosts, is lognormal with the spread of installed capacity
    across leadit's countries.
    """
    income = rng.permutation(np.repeat(np.arange(4), _largest_remainder(ref.income_share, n)))
    template = _pick(rng, ref.country_income, income)
    base = ref.tables["countries"][COUNTRY_FIGURES].to_numpy(dtype=float)[template]
    noise = np.exp(NOISE_LOG_SD * rng.standard_normal(base.shape))
    figures = base * noise
    # The noise scales the gap above 1, so capability stays at 1 where leadit has 1.
    j = COUNTRY_FIGURES.index("capability_multiplier")
    figures[:, j] = 1.0 + (base[:, j] - 1.0) * noise[:, j]
    size = np.exp(ref.log_size_sd * rng.standard_normal(n))
    return income, figures, size, template


def _synthetic_blocs(
    ref: LeaditReference, country_ids: list[str], template: np.ndarray
) -> pd.DataFrame:
    """Each country is in the blocs of its leadit template country (no draws).

    Affinity then has leadit's structure: two countries drawn from EU members share the EU,
    OECD, ...; a country drawn from leadit's rest-of-world row has no bloc.
    """
    leadit_ids = ref.tables["countries"]["country_id"].to_numpy(dtype=object)
    leadit_blocs = ref.tables["blocs"]
    blocs_of: dict[str, list[str]] = {}
    for country, bloc in zip(
        leadit_blocs["country_id"].tolist(), leadit_blocs["bloc"].tolist(), strict=True
    ):
        blocs_of.setdefault(country, []).append(bloc)
    per_country = [blocs_of.get(str(c), []) for c in leadit_ids[template]]
    counts = np.array([len(b) for b in per_country], dtype=np.int64)
    return pd.DataFrame(
        {
            "country_id": np.repeat(np.asarray(country_ids, dtype=object), counts),
            "bloc": pd.Series([b for blocs in per_country for b in blocs], dtype=object),
        },
        columns=list(TABLE_SCHEMAS["blocs"])[:-1],
    )


def _template_prices(
    ref: LeaditReference,
    country_ids: list[str],
    template: np.ndarray,
    table: str,
    default: float,
) -> pd.DataFrame:
    """Each country pays its leadit template country's price in ``table`` (no draws).

    Gas and scrap prices are regional (IGU's regions; national scrap markets), so a country
    drawn from an EU member pays the European gas price; a template without a row (or a
    reference without the table) pays ``default`` (the parameter's default price).
    """
    column = list(TABLE_SCHEMAS[table])[1]
    leadit_ids = ref.tables["countries"]["country_id"].to_numpy(dtype=object)[template]
    rows = ref.tables.get(table)
    price: dict[str, float] = {}
    if rows is not None and len(rows):
        price = dict(zip(rows["country_id"].tolist(), rows[column].tolist(), strict=True))
    return pd.DataFrame(
        {
            "country_id": np.asarray(country_ids, dtype=object),
            column: np.array([float(price.get(str(c), default)) for c in leadit_ids]),
        },
        columns=list(TABLE_SCHEMAS[table])[:-1],
    )


def _synthetic_companies(
    rng: np.random.Generator,
    ref: LeaditReference,
    technologies: pd.DataFrame,
    n: int,
    country_ids: list[str],
    income: np.ndarray,
    size: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The companies table, and each company's home and sector, and the firms' own routes.

    Producers first, at home in a country drawn in proportion to its size, steel or cement in
    leadit's proportion; then technology firms (leadit's share, at least one in a world of two
    companies or more) in high-income countries, each owning one proprietary route (leadit:
    SaltX, Sweden). Premium, internal carbon price and target year come together from a leadit
    company of the home country's income group (firms: from leadit's technology firms).
    """
    proprietary = np.flatnonzero(technologies["proprietary"].to_numpy(dtype=bool))
    firms = 0
    if n >= 2 and proprietary.size:
        firms = min(n - 1, max(1, round(ref.technology_firm_share * n)))
    producers = n - firms
    high = np.flatnonzero(income == 0)
    high = high if high.size else np.arange(income.size)
    home = np.concatenate(
        [
            rng.choice(income.size, size=producers, p=size / size.sum()),
            rng.choice(high, size=firms, p=size[high] / size[high].sum()),
        ]
    )
    owned = rng.choice(proprietary, size=firms) if firms else proprietary[:0]
    route_names = technologies["technology"].to_numpy(dtype=object)
    route_sector = technologies["sector"].map(SECTORS.index).to_numpy(dtype=np.int64)
    sector = np.concatenate(
        [np.where(rng.random(producers) < ref.steel_share, 0, 1), route_sector[owned]]
    )
    leadit = ref.tables["companies"]
    firm_group = len(INCOME_GROUPS)  # the pool of leadit's technology firms
    pool = np.where(leadit["role"] == "technology", firm_group, ref.company_income)
    template = _pick(
        rng, pool, np.concatenate([income[home[:producers]], np.full(firms, firm_group)])
    )
    noise = np.exp(NOISE_LOG_SD * rng.standard_normal((n, 2)))
    premium = leadit["cost_of_capital_premium"].to_numpy(dtype=float)[template] * noise[:, 0]
    internal = leadit["internal_carbon_price_usd_per_t"].to_numpy(dtype=float)[template]
    label = ("Steelmaker {}", "Cement maker {}")
    companies = pd.DataFrame(
        {
            "company_id": _ids("f", n),
            "name": [
                (label[s] if i < producers else "Technology firm {}").format(i + 1)
                for i, s in enumerate(sector.tolist())
            ],
            "country_id": np.asarray(country_ids, dtype=object)[home],
            "sector": np.asarray(SECTORS, dtype=object)[sector],
            "role": ["producer"] * producers + ["technology"] * firms,
            "cost_of_capital_premium": np.clip(premium, 0.0, 0.5),
            "internal_carbon_price_usd_per_t": np.clip(internal * noise[:, 1], 0.0, 1000.0),
            "owned_technologies": pd.Series(
                [()] * producers + [(str(k),) for k in route_names[owned]], dtype=object
            ),
            "target_year": leadit["target_year"].to_numpy(dtype=float)[template],
        },
        columns=list(TABLE_SCHEMAS["companies"])[:-1],
    )
    return companies, home, sector, owned


def _scale_finance(
    ref: LeaditReference, figures: np.ndarray, size: np.ndarray, capacity_mt: float
) -> None:
    """Scale donor budgets and finance needs to leadit's totals per Mt/yr, clip to the schema.

    Each country's budget (need) is its leadit template's figure times its size; the world
    total is leadit's total per Mt/yr of capacity (4,499 and 19,400 USD m/yr over 7,829 Mt/yr)
    times this world's capacity, so it grows with the number of companies.
    """
    for column, per_mt in (
        ("donor_budget_musd_per_year", ref.budget_per_mt),
        ("finance_need_musd_per_year", ref.need_per_mt),
    ):
        j = COUNTRY_FIGURES.index(column)
        raw = figures[:, j] * size
        figures[:, j] = raw * (per_mt * capacity_mt / raw.sum()) if raw.sum() > 0 else 0.0
    for j, column in enumerate(COUNTRY_FIGURES):
        spec = TABLE_SCHEMAS["countries"][column]
        figures[:, j] = np.clip(figures[:, j], spec.ge, spec.le)


def _synthetic_plants(
    rng: np.random.Generator,
    params: Parameters,
    technologies: pd.DataFrame,
    ref: LeaditReference,
    company_ids: list[str],
    income: np.ndarray,
    sector: np.ndarray,
    n_producers: int,
) -> pd.DataFrame:
    """1 + Poisson(plants_per_company - 1) plants per producer, routes from leadit's mix."""
    counts = 1 + rng.poisson(params.plants_per_company - 1.0, n_producers)
    owner = np.repeat(np.arange(n_producers), counts)
    first = np.cumsum(counts) - counts
    number = np.arange(owner.size) - np.repeat(first, counts) + 1
    # Route shares of leadit capacity by the owner's income group and sector, among the routes
    # of the sector available at the start; failing that the sector's leadit mix, failing that
    # its first conventional route.
    names = technologies["technology"].to_numpy(dtype=object)
    tech_sector = technologies["sector"].to_numpy(dtype=object)
    available = technologies["year_available"].to_numpy() <= params.start_year
    by_route = ref.plants.groupby(["income", "sector", "technology"])["capacity_mt"].sum()
    by_sector = ref.plants.groupby(["sector", "technology"])["capacity_mt"].sum()
    conventional = ~technologies["low_carbon"].to_numpy(dtype=bool)
    technology = np.empty(owner.size, dtype=np.int64)
    group = income[owner] * 2 + sector[owner]
    u = rng.random(owner.size)
    for g in np.unique(group):
        g_income, s = divmod(int(g), 2)
        allowed = available & (tech_sector == SECTORS[s])
        weights = allowed * np.array([by_route.get((g_income, SECTORS[s], k), 0.0) for k in names])
        if weights.sum() <= 0:
            weights = allowed * np.array([by_sector.get((SECTORS[s], k), 0.0) for k in names])
        if weights.sum() <= 0:
            weights = (np.arange(names.size) == np.argmax(allowed & conventional)).astype(float)
        cumulative = np.cumsum(weights) / weights.sum()
        rows = group == g
        technology[rows] = np.minimum(
            np.searchsorted(cumulative, u[rows], side="right"), names.size - 1
        )
    median = np.array(
        [
            PLANT_SIZE_MT.get(k, PLANT_SIZE_BY_SECTOR_MT[s])
            for k, s in zip(names, tech_sector, strict=True)
        ]
    )
    capacity = np.clip(
        median[technology] * np.exp(PLANT_SIZE_LOG_SD * rng.standard_normal(owner.size)),
        *PLANT_SIZE_RANGE_MT,
    )
    utilisation = np.clip(
        ref.utilisation[sector[owner]]
        * np.exp(UTILISATION_LOG_SD * rng.standard_normal(owner.size)),
        *UTILISATION_RANGE,
    )
    owner_ids = np.asarray(company_ids, dtype=object)[owner]
    return pd.DataFrame(
        {
            "plant_id": [f"{c}_{k}" for c, k in zip(owner_ids, number.tolist(), strict=True)],
            "company_id": owner_ids,
            "technology": names[technology],
            "capacity_mt": capacity,
            "utilisation": utilisation,
            # Empty (leadit states windows from its plants' start years): the model spreads
            # windows over the first investment cycle.
            "next_investment_year": pd.Series([None] * owner.size, dtype=object),
            "start_year": pd.Series([None] * owner.size, dtype=object),
        },
        columns=list(TABLE_SCHEMAS["plants"]),
    )


def _synthetic_initiatives(
    rng: np.random.Generator,
    params: Parameters,
    ref: LeaditReference,
    income: np.ndarray,
    country_ids: list[str],
    company_ids: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Initiatives founded at the start; members drawn at leadit's rates by income group.

    leadit's rates (members over countries of the group; lower-middle and low pooled) make
    the members mostly high and upper-middle income, as LeadIT's are; companies join at
    leadit's company rate (9 of 74).
    """
    n = params.initiatives
    initiative_ids = _ids("i", n)
    initiatives = pd.DataFrame(
        {
            "initiative_id": initiative_ids,
            "name": [f"Initiative {i + 1}" for i in range(n)],
            "broker": np.arange(n) == 0,
            "founded_year": np.full(n, params.start_year, dtype=np.int64),
        },
        columns=list(TABLE_SCHEMAS["initiatives"])[:-1],
    )
    countries = np.asarray(country_ids, dtype=object)
    companies = np.asarray(company_ids, dtype=object)
    chunks, owners = [], []
    for i in range(n):
        joined = [
            countries[rng.random(countries.size) < ref.member_rate[income]],
            companies[rng.random(companies.size) < ref.company_member_rate],
        ]
        chunks.extend(joined)
        owners.append(np.full(sum(len(j) for j in joined), i))
    members = np.concatenate(chunks) if chunks else np.array([], dtype=object)
    owner = np.concatenate(owners) if owners else np.array([], dtype=np.int64)
    memberships = pd.DataFrame(
        {
            "initiative_id": np.asarray(initiative_ids, dtype=object)[owner],
            "member_id": members,
            "joined_year": np.full(members.size, params.start_year, dtype=np.int64),
        },
        columns=[c for c in TABLE_SCHEMAS["memberships"] if c != "source"],
    )
    return initiatives, memberships


def _synthetic_partnerships(
    rng: np.random.Generator,
    params: Parameters,
    ref: LeaditReference,
    technologies: pd.DataFrame,
    country_ids: list[str],
    company_ids: list[str],
    sector: np.ndarray,
    owned: np.ndarray,
    n_producers: int,
) -> pd.DataFrame:
    """A sparse tie network: about two government ties per country, one licence per firm.

    Government ties join random pairs of countries (no self-ties, no pair twice, at most
    MAX_INITIAL_GOVERNMENT_TIES per country). Each technology firm licenses its route to one
    producer of the route's sector, as SaltX does to Dalmia in leadit. Durations and amounts
    are bootstrapped from leadit's ties of the same kind.
    """
    n_countries = len(country_ids)
    target = round(GOVERNMENT_TIES_PER_COUNTRY * n_countries / 2)
    pairs = _random_ties(rng, n_countries, target, MAX_INITIAL_GOVERNMENT_TIES)
    licensors = np.arange(n_producers, len(company_ids))
    licensees = np.full(licensors.size, -1, dtype=np.int64)
    for s in np.unique(sector[licensors]):
        producers = np.flatnonzero(sector[:n_producers] == s)
        firms = np.flatnonzero(sector[licensors] == s)
        if producers.size:
            licensees[firms] = producers[rng.integers(producers.size, size=firms.size)]
    keep = licensees >= 0
    countries = np.asarray(country_ids, dtype=object)
    companies = np.asarray(company_ids, dtype=object)
    leadit = ref.tables["partnerships"]
    kinds = []
    for kind, count in (("government", len(pairs)), ("technology", int(keep.sum()))):
        rows = leadit[leadit["kind"] == kind]
        rows = rows if len(rows) else leadit
        kinds.append(rows.iloc[rng.integers(len(rows), size=count)] if count else rows.iloc[:0])
    n_government = len(pairs)
    n_licences = int(keep.sum())
    return pd.DataFrame(
        {
            "partnership_id": _ids("gov", n_government) + _ids("lic", n_licences),
            "kind": ["government"] * n_government + ["technology"] * n_licences,
            "party_a": np.concatenate([countries[pairs[:, 0]], companies[licensors[keep]]]),
            "party_b": np.concatenate([countries[pairs[:, 1]], companies[licensees[keep]]]),
            "start_year": np.full(
                n_government + n_licences,
                params.start_year - INITIAL_TIE_AGE_YEARS,
                dtype=np.int64,
            ),
            "duration_years": np.concatenate(
                [k["duration_years"].to_numpy(dtype=np.int64) for k in kinds]
            ),
            "amount_musd": np.concatenate([k["amount_musd"].to_numpy(dtype=float) for k in kinds]),
            "technology": [""] * n_government
            + [str(k) for k in technologies["technology"].to_numpy(dtype=object)[owned[keep]]],
        },
        columns=list(TABLE_SCHEMAS["partnerships"])[:-1],
    )


def _random_ties(rng: np.random.Generator, n: int, target: int, cap: int) -> np.ndarray:
    """Up to ``target`` distinct pairs (i < j) of ``n`` nodes, each node in at most ``cap``.

    Random pairs are drawn in batches; duplicates, self-pairs and pairs that would push a node
    past ``cap`` (counting in draw order) are dropped, until ``target`` pairs are kept.
    """
    target = min(target, n * (n - 1) // 2, n * cap // 2)
    kept = np.zeros((0, 2), dtype=np.int64)
    for _ in range(50):
        if len(kept) >= target:
            break
        draws = rng.integers(n, size=(2 * (target - len(kept)) + 16, 2))
        draws = draws[draws[:, 0] != draws[:, 1]]
        candidates = np.concatenate([kept, np.sort(draws, axis=1)])
        _, first = np.unique(candidates[:, 0] * n + candidates[:, 1], return_index=True)
        candidates = candidates[np.sort(first)]
        ends = candidates.ravel()
        order = np.argsort(ends, kind="stable")
        starts = np.searchsorted(ends[order], ends[order])
        rank = np.empty_like(ends)
        rank[order] = np.arange(ends.size) - starts
        kept = candidates[(rank.reshape(-1, 2) < cap).all(axis=1)][:target]
    return kept


def _largest_remainder(shares: np.ndarray, n: int) -> np.ndarray:
    """Whole counts summing to ``n`` in proportion to ``shares``."""
    raw = np.asarray(shares, dtype=float) * n
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


def _pick(rng: np.random.Generator, pool: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each wanted group, a uniformly drawn row of that group (any row if none)."""
    out = np.empty(wanted.size, dtype=np.int64)
    u = rng.random(wanted.size)
    for g in np.unique(wanted):
        rows = np.flatnonzero(pool == g)
        rows = rows if rows.size else np.arange(pool.size)
        mask = wanted == g
        out[mask] = rows[(u[mask] * rows.size).astype(np.int64)]
    return out


def _ids(prefix: str, n: int) -> list[str]:
    """``n`` ids ``prefix`` + zero-padded 1..n, so they sort in order."""
    width = len(str(n))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


GENERATORS = {"club_game": club_game_tables, "synthetic": synthetic_tables}
# The parameters each generator reads; load_scenario refuses them where nothing reads them.
GENERATOR_PARAMETERS: dict[str, tuple[str, ...]] = {
    "club_game": ("countries",),
    "synthetic": ("countries", "companies", "plants_per_company", "initiatives", "world_seed"),
}


def check_generator_parameters(name: str, params: Parameters, *, origin: Path) -> None:
    """Bounds that depend on the generator (the schema's bounds hold for every scenario)."""
    if name == "club_game" and params.countries is not None and params.countries < 2:
        raise ScenarioError(
            f"{origin}: countries = {params.countries}: the club game needs at least 2 "
            "countries (a club and someone outside it to join)"
        )


def generate_tables(name: str, params: Parameters, *, origin: Path) -> dict[str, pd.DataFrame]:
    """Build and check a generated scenario's tables, or explain which generators exist.

    Cached per process (like parsed CSV tables): a sweep's replications share one world, so it
    is generated and checked once; callers get their own copies.
    """
    if name not in GENERATORS:
        raise ScenarioError(
            f"{origin}: unknown generator '{name}' (allowed: {', '.join(GENERATORS)})"
        )
    check_generator_parameters(name, params, origin=origin)
    return {table: frame.copy() for table, frame in _generated(name, params, origin).items()}


@functools.lru_cache(maxsize=4)
def _generated(name: str, params: Parameters, origin: Path) -> dict[str, pd.DataFrame]:
    tables = GENERATORS[name](params)
    check_tables(tables, origin)
    return tables
