"""Country and company state as arrays, built from a scenario's tables.

Agents (``agents/``) hold an index into these arrays; vectorised phases read them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from industry_transition.model.affinity import bloc_affinity
from industry_transition.model.economics import FloatArray
from industry_transition.model.kinds import SECTOR_INDEX, Sector
from industry_transition.model.scenario import countries_at, plants_at
from industry_transition.model.technology import Technologies

if TYPE_CHECKING:
    from industry_transition.model.parameters import Parameters

INCOME_CODE = {"high": 0, "upper_middle": 1, "lower_middle": 2, "low": 3}
LOWER_INCOME_CODES = (2, 3)  # low and lower-middle income: the equity metric's "lower-income"


@dataclass
class CountryArrays:
    """Per-country state. Carbon prices are already multiplied by ``carbon_price_scale``."""

    ids: list[str]
    names: list[str]
    income: np.ndarray
    carbon_price_usd_per_t: FloatArray
    carbon_price_growth_usd_per_t: FloatArray
    ambition_usd_per_t: FloatArray
    donor_budget_musd: FloatArray
    finance_need_musd: FloatArray
    grid_tco2_per_mwh: FloatArray
    grid_decline_per_year: FloatArray
    electricity_usd_per_mwh: FloatArray
    # natural-gas price paid by industry (USD/GJ), from the ``gas_prices`` table
    gas_usd_per_gj: FloatArray
    # price of steel scrap (USD/t), from the ``scrap_prices`` table
    scrap_usd_per_t: FloatArray
    cost_of_capital: FloatArray
    capability_multiplier: FloatArray
    demand_growth: FloatArray  # (country, sector)
    demand_mt: FloatArray  # (country, sector), set from the initial fleet
    # (country, country) political affinity in [0, 1] from the ``blocs`` table, 1 on the
    # diagonal (model/affinity.py); all ones when the scenario has no bloc rows
    affinity: FloatArray

    @classmethod
    def from_table(
        cls,
        table: pd.DataFrame,
        *,
        carbon_price_scale: float,
        donor_finance_scale: float,
        blocs: pd.DataFrame | None = None,
        gas_prices: pd.DataFrame | None = None,
        default_gas_usd_per_gj: float = 0.0,
        scrap_prices: pd.DataFrame | None = None,
        default_scrap_usd_per_t: float = 0.0,
    ) -> CountryArrays:
        """Build from the ``countries`` table, applying the two scale levers.

        ``blocs`` (the scenario's bloc table) sets the affinity; ``None``: all ones.
        ``gas_prices`` gives each listed country's gas price; the others pay
        ``default_gas_usd_per_gj``. ``scrap_prices`` and ``default_scrap_usd_per_t`` likewise.
        """

        def col(name: str) -> FloatArray:
            return table[name].to_numpy(dtype=float).copy()

        return cls(
            ids=list(table["country_id"]),
            names=list(table["name"]),
            income=np.array([INCOME_CODE[g] for g in table["income_group"]], dtype=np.int8),
            carbon_price_usd_per_t=col("carbon_price_usd_per_t") * carbon_price_scale,
            carbon_price_growth_usd_per_t=col("carbon_price_growth_usd_per_t_per_year")
            * carbon_price_scale,
            ambition_usd_per_t=col("ambition_usd_per_t"),
            donor_budget_musd=col("donor_budget_musd_per_year") * donor_finance_scale,
            finance_need_musd=col("finance_need_musd_per_year"),
            grid_tco2_per_mwh=col("grid_tco2_per_mwh"),
            grid_decline_per_year=col("grid_decline_per_year"),
            electricity_usd_per_mwh=col("electricity_usd_per_mwh"),
            gas_usd_per_gj=price_array(
                list(table["country_id"]), gas_prices, "gas_usd_per_gj", default_gas_usd_per_gj
            ),
            scrap_usd_per_t=price_array(
                list(table["country_id"]),
                scrap_prices,
                "scrap_usd_per_t",
                default_scrap_usd_per_t,
            ),
            cost_of_capital=col("cost_of_capital"),
            capability_multiplier=col("capability_multiplier"),
            demand_growth=np.column_stack(
                [col("steel_demand_growth_per_year"), col("cement_demand_growth_per_year")]
            ),
            demand_mt=np.zeros((len(table), len(Sector))),
            affinity=bloc_affinity(list(table["country_id"]), blocs),
        )

    @property
    def is_donor(self) -> np.ndarray:
        """Countries with a finance budget."""
        return self.donor_budget_musd > 0

    @property
    def eligible(self) -> np.ndarray:
        """Countries that may receive concessional finance (not high income)."""
        return self.income != INCOME_CODE["high"]

    @property
    def lower_income(self) -> np.ndarray:
        """Low and lower-middle income countries."""
        return np.isin(self.income, LOWER_INCOME_CODES)


def price_array(
    country_ids: list[str], prices: pd.DataFrame | None, column: str, default: float
) -> FloatArray:
    """Each country's price in ``column`` (gas, scrap): its row in ``prices``, or ``default``."""
    price = dict.fromkeys(country_ids, float(default))
    if prices is not None and len(prices):
        price.update(
            zip(
                prices["country_id"].tolist(),
                prices[column].astype(float).tolist(),
                strict=True,
            )
        )
    return np.array([price[c] for c in country_ids], dtype=float)


@dataclass
class CompanyArrays:
    """Per-company state, including technology access (company x technology)."""

    ids: list[str]
    names: list[str]
    country: np.ndarray
    sector: np.ndarray
    is_producer: np.ndarray
    cost_of_capital_premium: FloatArray
    internal_carbon_price_usd_per_t: FloatArray
    target_year: np.ndarray  # 0 where none
    owns: np.ndarray  # (company, technology) bool
    access: np.ndarray  # (company, technology) bool: open, owned or licensed
    available_year: np.ndarray  # (company, technology) int: maturity, earlier with co-development

    @classmethod
    def from_table(
        cls, table: pd.DataFrame, country_index: dict[str, int], technologies: Technologies
    ) -> CompanyArrays:
        """Build from the ``companies`` table."""
        n, k = len(table), len(technologies)
        owns = np.zeros((n, k), dtype=bool)
        for i, owned in enumerate(table["owned_technologies"]):
            for tech in owned:
                owns[i, technologies.index[tech]] = True
        access = owns | ~technologies.proprietary[None, :]
        return cls(
            ids=list(table["company_id"]),
            names=list(table["name"]),
            country=np.array([country_index[c] for c in table["country_id"]], dtype=np.int64),
            sector=np.array([SECTOR_INDEX[s] for s in table["sector"]], dtype=np.int8),
            is_producer=(table["role"] == "producer").to_numpy(),
            cost_of_capital_premium=table["cost_of_capital_premium"].to_numpy(dtype=float),
            internal_carbon_price_usd_per_t=table["internal_carbon_price_usd_per_t"].to_numpy(
                copy=True, dtype=float
            ),
            target_year=np.array(
                [0 if pd.isna(t) else int(t) for t in table["target_year"]], dtype=np.int64
            ),
            owns=owns,
            access=access,
            available_year=np.repeat(technologies.year_available[None, :], n, axis=0).copy(),
        )


def build_world(
    tables: dict[str, pd.DataFrame], p: Parameters
) -> tuple[Technologies, CountryArrays, CompanyArrays]:
    """Routes, countries and companies of a run from its start-year tables, levers applied."""
    technologies = Technologies(
        tables["technologies"], learning=p.learning, default_lead_time=p.switch_lead_time_years
    )
    countries = CountryArrays.from_table(
        tables["countries"],
        carbon_price_scale=p.carbon_price_scale,
        donor_finance_scale=p.donor_finance_scale,
        blocs=tables.get("blocs"),
        gas_prices=tables.get("gas_prices"),
        default_gas_usd_per_gj=p.default_gas_price_usd_per_gj,
        scrap_prices=tables.get("scrap_prices"),
        default_scrap_usd_per_t=p.default_scrap_price_usd_per_t,
    )
    countries.carbon_price_growth_usd_per_t *= p.carbon_price_growth_scale
    countries.demand_growth *= p.demand_growth_scale
    country_index = {c: i for i, c in enumerate(countries.ids)}
    companies = CompanyArrays.from_table(tables["companies"], country_index, technologies)
    companies.internal_carbon_price_usd_per_t *= p.internal_carbon_price_scale
    return technologies, countries, companies


def start_tables(tables: dict[str, pd.DataFrame], year: int) -> dict[str, pd.DataFrame]:
    """The tables of 1 January of ``year`` (docs/model.md "Input data").

    Plants started by then, and that year's carbon prices and grids where the scenario has them.
    """
    return {
        **tables,
        "plants": plants_at(tables["plants"], year),
        "countries": countries_at(tables["countries"], tables.get("country_years"), year),
    }


def investment_cycle_years(p: Parameters) -> np.ndarray:
    """Years between a plant's investment windows, by sector code (``kinds.Sector``)."""
    cycles = {
        Sector.STEEL: p.steel_investment_cycle_years,
        Sector.CEMENT: p.cement_investment_cycle_years,
    }
    return np.array([cycles[s] for s in Sector], dtype=float)
