"""Generated scenarios: tables built from parameters instead of read from CSV files.

``club_game``: N identical countries (parameter ``countries``) and one club, for the analytic
check of the membership rule against the cartel-stability literature (docs/validation.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from industry_transition.model.parameters import Parameters
from industry_transition.model.scenario import DATA_DIR, TABLE_SCHEMAS, ScenarioError, read_table

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
    }


GENERATORS = {"club_game": club_game_tables}


def generate_tables(name: str, params: Parameters, *, origin: Path) -> dict[str, pd.DataFrame]:
    """Build a generated scenario's tables, or explain which generators exist."""
    if name not in GENERATORS:
        raise ScenarioError(
            f"{origin}: unknown generator '{name}' (allowed: {', '.join(GENERATORS)})"
        )
    return GENERATORS[name](params)
