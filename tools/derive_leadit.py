"""Derive the ``leadit`` scenario's plant, country and country-year tables from public data.

Usage::

    uv run --no-sync python tools/derive_leadit.py EXTRACTS_DIR [--out DIR]

``EXTRACTS_DIR`` holds tidy CSV extracts of the publishers' data (file names below); ``--out``
is the folder of the scenario tables (default: ``industry_transition/model/data/leadit``; its
``countries.csv`` and ``companies.csv`` are read, and ``../technologies.csv``). The
script rewrites ``plants.csv``, ``country_years.csv`` and the carbon price, grid and cost of
capital columns of ``countries.csv``; every other table and column is kept as it is. It is
deterministic (no random draws) and never needed at run time.

Extracts read (one row per plant, instrument or country-year, each with the publisher named):

- ``gem_gist_plants_2025-03.csv``: Global Energy Monitor, Global Iron and Steel Tracker, March
  2025 release (CC BY 4.0): one row per steel plant of about 0.5 Mt/yr or more, with country,
  owner, parent, status, start year and capacity (kt/yr) by furnace type.
- ``gem_steel_iron_capacity_by_country_route_reductant_gist2026.csv``: GEM GIST dashboard
  aggregates (CC BY 4.0): iron-making capacity by country and reductant (coal, gas DRI).
- ``crude_steel_production_2019_2024_partial.csv``: worldsteel world total for 2024.
- ``cement_production_usgs_2019_2021.csv``: USGS Mineral Commodity Summaries 2021/2022 clinker
  capacity by country (public domain).
- ``carbon_prices_worldbank_2019_2024.csv``: World Bank Carbon Pricing Dashboard (CC BY 4.0).
- ``grid_intensity_ember_2019_2024.csv``: Ember yearly electricity data (CC BY 4.0).
- ``cost_of_capital_damodaran_crp_2022_2024.csv``: A. Damodaran (NYU Stern), Country Default
  Spreads and Risk Premiums, January 2022 and 2024 updates.

Small inputs committed next to this script carry figures the extracts do not have:
``leadit_production_2024.csv`` (2024 production by country and sector, each with its
publisher), ``leadit_production_years.csv`` (published 2019-2023 production the extracts lack),
``leadit_named_cement.csv`` (the named cement companies' capacity),
``leadit_cement_capacity.csv`` (published cement capacity where USGS gives no clinker capacity)
and ``leadit_cement_vintages.csv`` (published kiln age distributions: China, India).
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from industry_transition.model.parameters import build_parameters

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "industry_transition" / "model" / "data" / "leadit"

GEM = (
    "Global Energy Monitor, Global Iron and Steel Tracker, March 2025 release (CC BY 4.0; "
    "github.com/GlobalEnergyMonitor/maps, trackers/gist)"
)
GEM_DASH = (
    "Global Energy Monitor, GIST dashboard iron-making capacity by reductant (CC BY 4.0; "
    "github.com/GlobalEnergyMonitor/gist-dashboard)"
)
WB = "World Bank Carbon Pricing Dashboard, price on 1 April (data updated 1 Apr 2024; CC BY 4.0)"
EMBER = "Ember yearly electricity data, carbon intensity of generation (CC BY 4.0)"
DAMODARAN = (
    "A. Damodaran (NYU Stern), Country Default Spreads and Risk Premiums (ctryprem), "
    "January 2024 update"
)
USGS = "USGS Mineral Commodity Summaries 2022, Cement: clinker capacity (public domain)"

# Start years: the run's 1 January world holds plants with start_year <= its start year.
BASE_YEAR = 2024
# Utilisation ceiling: where a country's 2024 production exceeds this share of its listed
# capacity, the difference is capacity below GEM's ~0.5 Mt/yr plant threshold. Below the
# model's build threshold (0.95), so that the start is not a building spree.
MAX_UTILISATION = 0.9
# A country is a coal-DRI producer (its induction/other furnaces and unlisted small plants run
# on coal DRI) where coal DRI iron capacity is at least this share of its steel capacity.
COAL_DRI_COUNTRY_SHARE = 0.1
# Small plants (below this size on a route) of one country, owner, route and decade are grouped.
SMALL_PLANT_MT = 1.0
GROUP_MAX_MT = 5.0
UNLISTED_GROUP_MT = 2.0
# Cement: kilns of 1.5 Mt/yr cement (about 1.1 Mt clinker at a 0.75 clinker ratio), grouped by
# three into plant groups of at most 4.5 Mt/yr.
KILN_MT = 1.5
KILNS_PER_GROUP = 3
CLINKER_RATIO = 0.75
CLINKER_SOURCE = (
    "WBCSD Cement Sustainability Initiative, Getting the Numbers Right, 2016 data (June 2018): "
    "75.0% clinker in cement at the 849 reporting facilities; sensitivity range 0.65-0.80"
)
CEMENT_MAX_UTILISATION = 0.9
# Start years where no published age distribution was found: spread evenly over one cement
# investment cycle ending before 2019 (so the 2019 and 2024 worlds hold the same kilns).
CEMENT_VINTAGE = (1994, 2018)
# Countries whose cement capacity is in neither the USGS extract nor leadit_cement_capacity.csv
# take a regional utilisation: European countries the production-weighted utilisation of the
# European countries with a published capacity, the others USGS's world outside China.
# Carbon prices: share of the price an industrial installation does NOT face at the margin
# because of free allocation (EU/UK/Swiss/Korean/Kazakh/NZ ETS, Australia's Safeguard baselines)
# or output-based pricing (Canada's OBPS). Default 0, the marginal-incentive reading: these
# allowances and baselines are set by product benchmarks and historical or production activity,
# not by the plant's own emissions, so a tonne abated frees an allowance to sell (or a surplus
# credit) at the market price and the plant faces the full price at the margin
# (docs/model.md, "Input data"). ``--free-allocation-share 0.9`` restores the earlier
# average-cost reading (only the tenth not freely allocated is paid), kept as a sensitivity.
FREE_SHARE = 0.0
FREE_SHARE_AVERAGE_COST = 0.9
MARGINAL_SOURCE = (
    "marginal-incentive reading: free allowances follow product benchmarks x historical "
    "activity levels (Commission Delegated Regulation (EU) 2019/331), not the plant's emissions, "
    "so a tonne abated frees an allowance worth the market price and the opportunity cost of "
    "free allowances is the full price (the cost pass-through it implies is reviewed by Verde, "
    "Teixido-Figueras, Marcantonini and Labandeira, Free allocation rules in the EU emissions "
    "trading system, Climate Policy 19(4), 2019)"
)
# South Africa's tax-free allowances are percentages of the taxpayer's own emissions (basic 60%
# plus process, trade-exposure, performance and offset allowances, up to 95%), so they do lower
# the marginal price: only the taxed share counts.
SA_TAX_FREE_SHARE = 0.9
SA_TAX_FREE_RANGE = (0.6, 0.95)
# Cost of capital: base real WACC of a high-income industrial project, plus the country risk
# premium scaled by CRP_SCALE.
BASE_WACC = 0.06
BASE_WACC_RANGE = (0.04, 0.08)
CRP_SCALE = 1.0
CRP_SCALE_RANGE = (0.5, 1.5)
YEARS = range(2019, 2025)

ALIASES = {
    "kor": ("South Korea", "Korea", "Korea, Rep.", "Korea, Republic of"),
    "tur": ("Türkiye", "Turkey"),
    "vnm": ("Vietnam", "Viet Nam"),
    "twn": ("Taiwan", "Taiwan, China"),
    "usa": ("United States", "United States (includes Puerto Rico)"),
    "rus": ("Russia", "Russian Federation"),
    "irn": ("Iran", "Iran (Islamic Republic of)"),
    "gbr": ("United Kingdom",),
    "cze": ("Czech Republic", "Czechia"),
}
EU_ETS = {
    # EU 27 and the EEA states in the EU ETS
    "Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czech Republic", "Czechia",
    "Denmark", "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland",
    "Italy", "Latvia", "Lithuania", "Luxembourg", "Malta", "Netherlands", "Poland", "Portugal",
    "Romania", "Slovakia", "Slovenia", "Spain", "Sweden", "Norway", "Iceland", "Liechtenstein",
}  # fmt: skip
EUROPE = EU_ETS | {"United Kingdom", "Switzerland"}
# Named steel companies: GEM parent (first named owner) -> company id, in the home country.
NAMED_STEEL = {
    "SSAB AB": "ssab",
    "thyssenkrupp AG": "thyssenkrupp",
    "Tata Steel Ltd": "tata_steel",
    "Tata Steel BSL Ltd": "tata_steel",
    "Tata Steel Long Products Ltd": "tata_steel",
    "Steel Authority of India Ltd": "sail",
}
KEPT_MARK = "; other columns: "


def fmt(x: float, digits: int = 4) -> str:
    """A number as short text (no trailing zeros)."""
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


class Names:
    """Map publishers' country names to scenario ids (countries outside the list are ``row``)."""

    def __init__(self, countries: pd.DataFrame) -> None:
        self.ids = list(countries["country_id"])
        self.name_of = dict(zip(countries["country_id"], countries["name"], strict=True))
        self.by_name: dict[str, str] = {}
        for cid, name in self.name_of.items():
            self.by_name[name] = cid
            for alias in ALIASES.get(cid, ()):
                self.by_name[alias] = cid

    def id(self, name: str) -> str:
        """The scenario id of a publisher's country name (``row`` when not listed)."""
        return self.by_name.get(str(name).strip(), "row")

    def names(self, cid: str) -> tuple[str, ...]:
        """The names publishers use for a scenario country."""
        return (self.name_of[cid], *ALIASES.get(cid, ()))


def first_parent(parent: str) -> str:
    """The first named owner in GEM's parent text (shares and small shareholders dropped)."""
    for part in str(parent).split(";"):
        name = re.sub(r"\s*\[.*?\]", "", part).strip()
        if name and name != "small shareholder(s)":
            return name
    return ""


# --- steel --------------------------------------------------------------------------------------
def coal_dri_share(dash: pd.DataFrame, names: Names) -> tuple[dict[str, float], set[str]]:
    """Coal share of each country's operating coal and gas DRI capacity (GEM dashboard).

    Also returns the countries where coal DRI is at least COAL_DRI_COUNTRY_SHARE of steel
    capacity (their induction furnaces and small unlisted plants run on coal DRI).
    """
    op = dash[dash["status"] == "operating"].copy()
    op["cid"] = op["country_or_group"].map(names.id)
    out: dict[str, float] = {}
    coal_countries: set[str] = set()
    for cid, g in op.groupby("cid"):
        coal, gas = g["dri_coal_iron_cap_Mt"].sum(), g["dri_gas_iron_cap_Mt"].sum()
        out[str(cid)] = float(coal / (coal + gas)) if coal + gas > 0 else 0.0
        steel = g[
            ["bof_steel_cap_Mt", "eaf_steel_cap_Mt", "induction_furnace_steel_cap_Mt",
             "other_steel_cap_Mt"]
        ].to_numpy().sum()  # fmt: skip
        if cid != "row" and steel > 0 and coal >= COAL_DRI_COUNTRY_SHARE * steel:
            coal_countries.add(str(cid))
    return out, coal_countries


def steel_units(
    plants: pd.DataFrame,
    names: Names,
    companies: pd.DataFrame,
    coal_share: dict[str, float],
    coal_countries: set[str],
) -> pd.DataFrame:
    """One row per operating plant and route: country, company, route, Mt/yr, start year."""
    steel_companies = set(companies.loc[companies["sector"] == "steel", "company_id"])
    home = dict(zip(companies["company_id"], companies["country_id"], strict=True))
    live = plants[
        plants["plant_status"].isin(["operating", "operating-pre-retirement"])
        & (plants["opall_crude_kt"] > 0)
    ]
    rows = []
    for p in live.itertuples():
        cid = names.id(p.country)
        parent = first_parent(p.parent)
        company = NAMED_STEEL.get(parent)
        if company is None or home[company] != cid:
            company = f"{cid}_steel"
        if company not in steel_companies:
            raise SystemExit(f"no steel company '{company}' for GEM plant {p.plant_name}")
        start = None if pd.isna(p.start_year) else int(p.start_year)
        # coal DRI is a route of its own only where it is a sizeable part of the industry;
        # elsewhere the little DRI-fed EAF capacity is counted as gas DRI
        share = coal_share.get(cid, 0.0) if cid in coal_countries else 0.0
        other_route = "coal_dri_eaf" if cid in coal_countries else "scrap_eaf"
        parts = {
            "bf_bof": (p.opall_bof_kt + p.opall_ohf_kt) / 1000,
            "coal_dri_eaf": p.opall_dri_eaf_kt * share / 1000,
            "gas_dri_eaf": p.opall_dri_eaf_kt * (1 - share) / 1000,
            "scrap_eaf": p.opall_scrap_eaf_kt / 1000,
        }
        parts[other_route] += p.opall_steel_other_kt / 1000
        how = {
            "bf_bof": "BOF (and open-hearth) capacity",
            "coal_dri_eaf": (
                f"DRI-fed EAF capacity x {share:.2f} (coal share of {names.name_of.get(cid, cid)}"
                " operating DRI capacity, GEM GIST dashboard)"
                + (
                    " plus induction/other furnace capacity"
                    if other_route == "coal_dri_eaf"
                    else ""
                )
            ),
            "gas_dri_eaf": f"DRI-fed EAF capacity x {1 - share:.2f} (gas share of DRI capacity)",
            "scrap_eaf": "EAF capacity beyond the plant's own DRI capacity (scrap-fed)"
            + (" plus other furnace capacity" if other_route == "scrap_eaf" else ""),
        }
        for route, mt in parts.items():
            if mt <= 1e-9:
                continue
            rows.append(
                {
                    "country": cid,
                    "company_id": company,
                    "technology": route,
                    "capacity_mt": mt,
                    "start_year": start,
                    "label": f"plant {p.plant_name}, parent {p.parent}; start year "
                    f"{start if start is not None else 'unknown'}",
                    "how": how[route],
                }
            )
    return pd.DataFrame(rows)


def group_small(units: pd.DataFrame) -> pd.DataFrame:
    """Group small units of one country, company, route and decade (capacity-weighted start)."""
    small = units["capacity_mt"] < SMALL_PLANT_MT
    big = units[~small].assign(members=1)
    out = [big]
    tiny = units[small].copy()
    tiny["decade"] = tiny["start_year"].map(lambda y: -1 if y is None or pd.isna(y) else y // 10)
    for (_, company, route, decade), g in tiny.groupby(
        ["country", "company_id", "technology", "decade"], sort=True
    ):
        g = g.sort_values(["start_year", "label"], na_position="last")
        chunk: list[pd.Series] = []
        total = 0.0
        chunks = []
        for _, row in g.iterrows():
            if chunk and total + row["capacity_mt"] > GROUP_MAX_MT:
                chunks.append(chunk)
                chunk, total = [], 0.0
            chunk.append(row)
            total += row["capacity_mt"]
        chunks.append(chunk)
        for members in chunks:
            if len(members) == 1:
                out.append(pd.DataFrame([{**members[0].to_dict(), "members": 1}]))
                continue
            cap = sum(m["capacity_mt"] for m in members)
            if decade == -1:
                start = None
            else:
                start = round(sum(m["capacity_mt"] * m["start_year"] for m in members) / cap)
            decade_text = "unknown start year" if decade == -1 else f"started {int(decade)}0s"
            out.append(
                pd.DataFrame(
                    [
                        {
                            "country": members[0]["country"],
                            "company_id": company,
                            "technology": route,
                            "capacity_mt": cap,
                            "start_year": start,
                            "label": f"{len(members)} plants under {SMALL_PLANT_MT:g} Mt/yr on "
                            f"this route grouped (same country, owner, route; {decade_text}; "
                            "start year = capacity-weighted mean): "
                            + ", ".join(m["label"].split(";")[0][6:] for m in members),
                            "how": members[0]["how"],
                            "members": len(members),
                        }
                    ]
                )
            )
    return pd.concat(out, ignore_index=True)


def window(start: int | None, cycle: int) -> int | None:
    """First reinvestment window at or after BASE_YEAR, one or more whole cycles after start."""
    if start is None or pd.isna(start):
        return None
    k = max(1, math.ceil((BASE_YEAR - start) / cycle))
    return int(start + k * cycle)


def steel_plants(
    extracts: Path, names: Names, companies: pd.DataFrame, production: pd.DataFrame, cycle: int
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Steel plant rows from GEM's plant file, and each country's steel utilisation."""
    gem = pd.read_csv(extracts / "gem_gist_plants_2025-03.csv")
    dash = pd.read_csv(extracts / "gem_steel_iron_capacity_by_country_route_reductant_gist2026.csv")
    share, coal_countries = coal_dri_share(dash, names)
    units = steel_units(gem, names, companies, share, coal_countries)
    # Countries listed with 2024 production; the rest of the world gets the world remainder.
    target = production[production["sector"] == "steel"].set_index("country_id")
    prod = {
        c: float(v)
        for c, v in target["production_mt"].items()
        if str(v) not in ("", "nan") and c in names.ids
    }
    world = pd.read_csv(extracts / "crude_steel_production_2019_2024_partial.csv")
    world_rows = world[(world["country"] == "World") & (world["year"] == BASE_YEAR)]
    world_2024 = float(world_rows["crude_steel_Mt"].iloc[0])
    prod["row"] = world_2024 - sum(v for c, v in prod.items() if c != "row")
    # Capacity below GEM's plant threshold, where production exceeds MAX_UTILISATION of it.
    extra = []
    for cid in names.ids:
        if cid not in prod:
            continue
        listed = units.loc[units["country"] == cid, "capacity_mt"].sum()
        gap = prod[cid] / MAX_UTILISATION - listed
        if gap <= 1e-6:
            continue
        route = "coal_dri_eaf" if cid in coal_countries else "scrap_eaf"
        n = max(1, math.ceil(gap / UNLISTED_GROUP_MT))
        for i in range(n):
            extra.append(
                {
                    "country": cid,
                    "company_id": f"{cid}_steel",
                    "technology": route,
                    "capacity_mt": gap / n,
                    "start_year": None,
                    "label": f"capacity not in GEM's plant file (plants below its ~0.5 Mt/yr "
                    f"threshold), group {i + 1} of {n}: 2024 production {prod[cid]:g} Mt / "
                    f"{MAX_UTILISATION} minus listed capacity {listed:.1f} Mt = {gap:.1f} Mt",
                    "how": (
                        "route: coal DRI with induction/arc furnaces, the small-plant route "
                        f"where {GEM_DASH} shows coal DRI of at least "
                        f"{COAL_DRI_COUNTRY_SHARE:.0%} of steel capacity"
                        if route == "coal_dri_eaf"
                        else "route: scrap EAF (small mills)"
                    ),
                    "members": 0,
                }
            )
    if extra:
        units = pd.concat([units, pd.DataFrame(extra)], ignore_index=True)
    grouped = group_small(units)
    grouped = grouped.sort_values(
        ["country", "company_id", "technology", "capacity_mt", "label"],
        ascending=[True, True, True, False, True],
        key=lambda s: s.map(names.ids.index) if s.name == "country" else s,
    ).reset_index(drop=True)
    capacity = grouped.groupby("country")["capacity_mt"].sum()
    utilisation = {c: min(1.0, prod.get(c, 0.0) / capacity[c]) for c in capacity.index}
    rows = []
    counter: dict[str, int] = {}
    for g in grouped.itertuples():
        counter[g.company_id] = counter.get(g.company_id, 0) + 1
        u = utilisation[g.country]
        src_prod = target.loc[g.country, "source"] if g.country in target.index else ""
        start = None if g.start_year is None or pd.isna(g.start_year) else int(g.start_year)
        nxt = window(start, cycle)
        source = (
            f"{GEM}: {g.label}; {g.how}. Utilisation {u:.3f} = {names.name_of.get(g.country)} "
            f"2024 production {prod.get(g.country, 0):g} Mt ({src_prod}) / capacity "
            f"{capacity[g.country]:.1f} Mt in this table, same for every route (capped at 1). "
            + (
                f"next_investment_year = start year + whole {cycle}-year investment cycles "
                f"(steel_investment_cycle_years), the first at or after {BASE_YEAR} and at least "
                "one cycle after start"
                if nxt is not None
                else "start year unknown: the model draws its reinvestment window"
            )
        )
        rows.append(
            {
                "plant_id": f"{g.company_id}_{counter[g.company_id]}",
                "company_id": g.company_id,
                "technology": g.technology,
                "capacity_mt": fmt(g.capacity_mt),
                "utilisation": fmt(u),
                "next_investment_year": "" if nxt is None else str(nxt),
                "start_year": "" if start is None else str(start),
                "source": source,
            }
        )
    return pd.DataFrame(rows), utilisation


# --- cement -------------------------------------------------------------------------------------
def vintage_years(n: int, segments: list[tuple[int, int, float]]) -> list[int]:
    """Start years of ``n`` equal plant groups.

    The quantiles (i + 0.5) / n of a distribution uniform within each (first year, last year,
    share) segment.
    """
    total = sum(share for _, _, share in segments)
    years = []
    for i in range(n):
        q = (i + 0.5) / n * total
        for lo, hi, share in segments:
            if q <= share or (lo, hi, share) == segments[-1]:
                years.append(lo + round((hi - lo) * min(1.0, q / share)))
                break
            q -= share
    return years


def cement_vintages(path: Path) -> dict[str, tuple[list[tuple[int, int, float]], str]]:
    """Published vintage distributions by country: segments and the source text."""
    table = pd.read_csv(path)
    out: dict[str, tuple[list[tuple[int, int, float]], str]] = {}
    for cid, g in table.groupby("country_id", sort=False):
        segments = [(int(r.from_year), int(r.to_year), float(r.share)) for r in g.itertuples()]
        parts = "; ".join(
            f"{r.from_year}-{r.to_year}: share {r.share:g} ({r.source})" for r in g.itertuples()
        )
        out[str(cid)] = (segments, parts)
    return out


def cement_utilisation(
    extracts: Path,
    names: Names,
    target: pd.DataFrame,
    capacity_path: Path,
) -> dict[str, tuple[float, str]]:
    """Each country's cement utilisation and how it was got.

    USGS clinker capacity where the extract has it; else a published cement capacity
    (``capacity_path``); else a regional figure: European countries take the utilisation of the
    European countries with a published (non-placeholder) production and capacity, the others
    USGS's world outside China in the latest edition of the extract.
    """
    usgs = pd.read_csv(extracts / "cement_production_usgs_2019_2021.csv")
    usgs["cid"] = usgs["country"].map(names.id)
    clinker = (
        usgs[usgs["cid"] != "row"]
        .dropna(subset=["clinker_capacity_Mt_same_edition"])
        .sort_values("year")
        .groupby("cid")["clinker_capacity_Mt_same_edition"]
        .last()
    )
    stated = pd.read_csv(capacity_path).set_index("country_id")
    out: dict[str, tuple[float, str]] = {}

    def prod(cid: str) -> float:
        return float(target.loc[cid, "production_mt"])

    for cid in target.index:
        if cid in clinker.index:
            cap = float(clinker[cid]) / CLINKER_RATIO
            u = min(CEMENT_MAX_UTILISATION, prod(cid) / cap)
            out[cid] = (
                u,
                f"utilisation {u:.3f} = 2024 production / cement capacity {cap:.0f} Mt "
                f"({USGS}: {clinker[cid]:g} Mt clinker / clinker-to-cement ratio "
                f"{CLINKER_RATIO}, {CLINKER_SOURCE}; capped at {CEMENT_MAX_UTILISATION})",
            )
        elif cid in stated.index:
            cap = float(stated.loc[cid, "capacity_mt"])
            u = min(CEMENT_MAX_UTILISATION, prod(cid) / cap)
            out[cid] = (
                u,
                f"utilisation {u:.3f} = 2024 production / cement capacity {cap:g} Mt "
                f"({stated.loc[cid, 'source']}; capped at {CEMENT_MAX_UTILISATION})",
            )
    # regional figures, for the countries left
    left = [c for c in target.index if c not in out]
    europe = [
        c
        for c in stated.index
        if c in out
        and names.name_of.get(c) in EUROPE
        and "placeholder" not in str(target.loc[c, "source"])
    ]
    e_prod = sum(prod(c) for c in europe)
    e_cap = sum(float(stated.loc[c, "capacity_mt"]) for c in europe)
    if any(names.name_of.get(c) in EUROPE for c in left) and e_cap <= 0:
        raise SystemExit("no European country with a published cement capacity and production")
    u_europe = min(CEMENT_MAX_UTILISATION, e_prod / e_cap) if e_cap > 0 else float("nan")
    edition = usgs["edition"].max()
    last = usgs[usgs["edition"] == edition]
    year = int(last["year"].max())
    last = last[last["year"] == year].set_index("country")
    if not {"World total (rounded)", "China"} <= set(last.index):
        raise SystemExit(f"USGS {edition} {year}: no world or China cement row")
    w_prod = last.loc["World total (rounded)", "cement_production_Mt"]
    w_cap = last.loc["World total (rounded)", "clinker_capacity_Mt_same_edition"]
    c_prod = last.loc["China", "cement_production_Mt"]
    c_cap = last.loc["China", "clinker_capacity_Mt_same_edition"]
    u_world = min(CEMENT_MAX_UTILISATION, (w_prod - c_prod) / ((w_cap - c_cap) / CLINKER_RATIO))
    for cid in target.index:
        if cid in out:
            continue
        if names.name_of.get(cid) in EUROPE:
            out[cid] = (
                u_europe,
                f"utilisation {u_europe:.3f}: no published capacity found for this country, so "
                "the European figure: production / capacity over the European countries with "
                f"both published ({', '.join(europe)}: {e_prod:.1f} / {e_cap:.1f} Mt; see their "
                "rows); sensitivity range 0.55-0.85",
            )
        else:
            out[cid] = (
                u_world,
                f"utilisation {u_world:.3f}: no published capacity found for this country, so "
                f"USGS's world outside China ({USGS.split(',')[0]}, {edition}, {year}: world "
                f"{w_prod:g} - China {c_prod:g} Mt cement / (world {w_cap:g} - China {c_cap:g} Mt "
                f"clinker capacity / {CLINKER_RATIO})); sensitivity range 0.65-0.9",
            )
    return out


def cement_plants(
    extracts: Path,
    names: Names,
    companies: pd.DataFrame,
    production: pd.DataFrame,
    cycle: int,
    out_dir: Path,
    named_path: Path,
    capacity_path: Path,
    vintage_path: Path,
) -> pd.DataFrame:
    """Cement plant groups: each country's capacity split into groups of a few kilns."""
    named = pd.read_csv(named_path)
    technologies = pd.read_csv(out_dir.parent / "technologies.csv")
    available = dict(zip(technologies["technology"], technologies["year_available"], strict=True))
    home = dict(zip(companies["company_id"], companies["country_id"], strict=True))
    target = production[production["sector"] == "cement"].set_index("country_id")
    utilisation = cement_utilisation(extracts, names, target, capacity_path)
    vintages = cement_vintages(vintage_path)
    lo, hi = CEMENT_VINTAGE
    rows = []
    for cid in names.ids:
        if cid not in target.index:
            continue
        prod = float(target.loc[cid, "production_mt"])
        u, how_u = utilisation[cid]
        capacity = prod / u
        owners = []
        for n in named[named["company_id"].map(home) == cid].itertuples():
            owners.append((n.company_id, n.technology, float(n.capacity_mt), n.source))
        rep = f"{cid}_cement"
        rest = capacity - sum(o[2] for o in owners)
        owners.append((rep, "opc_kiln", rest, "representative company: the country's remainder"))
        segments, how_v = vintages.get(cid, ([(lo, hi, 1.0)], ""))
        if how_v:
            vintage_text = (
                "start years = the quantiles (group - 0.5) / groups of the country's published "
                f"vintage distribution, uniform within each span: {how_v}"
            )
        else:
            vintage_text = (
                f"no published age distribution found for this country: start years spread "
                f"evenly over {lo}-{hi} (one {cycle}-year cement investment cycle, a fleet whose "
                "reinvestment windows fall evenly over the next cycle), placeholder (no public "
                "age distribution found)"
            )
        for company, technology, cap, note in owners:
            if cap <= 1e-9:
                continue
            group_mt = KILN_MT * KILNS_PER_GROUP
            n = max(1, math.ceil(cap / group_mt - 1e-9))
            for i, year in enumerate(vintage_years(n, segments)):
                # a route that did not exist yet starts when it became available
                start = max(year, int(available[technology]))
                nxt = window(start, cycle)
                rows.append(
                    {
                        "plant_id": f"{company}_{i + 1}",
                        "company_id": company,
                        "technology": technology,
                        "capacity_mt": fmt(cap / n),
                        "utilisation": fmt(u),
                        "next_investment_year": str(nxt),
                        "start_year": str(start),
                        "source": (
                            f"{names.name_of[cid]} cement 2024 production {prod:g} Mt "
                            f"({target.loc[cid, 'source']}); {how_u}; capacity "
                            f"{capacity:.1f} Mt = production / utilisation; {note}: "
                            f"{cap:.1f} Mt split into {n} plant groups of equal size, each up to "
                            f"{KILNS_PER_GROUP} kilns of {KILN_MT} Mt/yr cement (about "
                            f"{KILN_MT * CLINKER_RATIO:.1f} Mt clinker; typical modern kilns "
                            "are 1-2 Mt/yr clinker), group "
                            f"{i + 1} of {n}; {vintage_text}; all start years before 2019, so "
                            "the 2019 and 2024 worlds hold the same kilns (a route not available "
                            "then starts in its first year); next_investment_year = start + "
                            f"whole {cycle}-year cycles, the first at or after {BASE_YEAR}; all "
                            "opc_kiln at start except named low-carbon capacity (low-emission "
                            "clinker <1% in 2022, World Economic Forum, Net-Zero Industry "
                            "Tracker 2024)"
                        ),
                    }
                )
    return pd.DataFrame(rows)


# --- production by year -------------------------------------------------------------------------
WORLDSTEEL_FIRST = "worldsteel"


def production_years(
    extracts: Path, names: Names, production: pd.DataFrame, extra: pd.DataFrame
) -> dict[tuple[str, int], dict[str, tuple[float, str]]]:
    """Steel and cement production per country and year 2019-2024, each with how it was got.

    Published figures: worldsteel (preferred where the extract has both) or USGS for steel,
    USGS for cement 2019-2021, the figures of ``extra`` (published figures the extracts lack, each
    with its source) and the 2024 start figures of ``production``. Years between two
    published figures are interpolated linearly; years before the first or after the last hold
    the nearest one (a country without any 2019-2023 figure holds its 2024 figure). The rest of
    the world's steel is its 2024 figure scaled by worldsteel's world total (the remainder of
    the world minus USGS's rounded country estimates swings by tens of Mt); its cement is USGS's
    world total minus the listed countries where USGS gives one (2019-2021), the 2024
    remainder in 2023-2024 (built on 2023 figures) and interpolated in 2022.
    """
    steel_x = pd.read_csv(extracts / "crude_steel_production_2019_2024_partial.csv")
    cement_x = pd.read_csv(extracts / "cement_production_usgs_2019_2021.csv")
    start = production.set_index(["country_id", "sector"])
    listed = [c for c in names.ids if c != "row"]
    published: dict[tuple[str, str], dict[int, tuple[float, str]]] = {}

    def put(cid: str, sector: str, year: int, value: float, how: str) -> None:
        published.setdefault((cid, sector), {}).setdefault(year, (value, how))

    # worldsteel rows first, so that they win where USGS has the same year
    steel_x["worldsteel"] = steel_x["edition"].astype(str).str.startswith(WORLDSTEEL_FIRST)
    for r in steel_x.sort_values("worldsteel", ascending=False).itertuples():
        cid = names.id(r.country)
        if cid == "row" or not YEARS.start <= int(r.year) < BASE_YEAR:
            continue
        who = (
            "worldsteel" if r.worldsteel else "USGS Mineral Commodity Summaries (citing worldsteel)"
        )
        put(cid, "steel", int(r.year), float(r.crude_steel_Mt), f"{who}, {r.value_type}")
    for r in cement_x.itertuples():
        cid = names.id(r.country)
        if cid == "row":
            continue
        est = ", estimate" if bool(r.estimated) else ""
        put(cid, "cement", int(r.year), float(r.cement_production_Mt), f"USGS {r.edition}{est}")
    for r in extra.itertuples():
        put(str(r.country_id), str(r.sector), int(r.year), float(r.production_mt), str(r.source))
    world = {
        "steel": {
            int(r.year): float(r.crude_steel_Mt)
            for r in steel_x[steel_x["country"] == "World"].itertuples()
        },
        "cement": {
            int(r.year): float(r.cement_production_Mt)
            for r in cement_x[cement_x["country"] == "World total (rounded)"].itertuples()
        },
    }
    out: dict[tuple[str, int], dict[str, tuple[float, str]]] = {}
    for sector in ("steel", "cement"):
        for cid in listed:
            if (cid, sector) not in start.index:
                continue
            value = float(start.loc[(cid, sector), "production_mt"])
            src = str(start.loc[(cid, sector), "source"])
            known = dict(published.get((cid, sector), {}))
            known[BASE_YEAR] = (value, f"the {BASE_YEAR} start figure ({src})")
            if "2023 estimate used as 2024" in src:
                known.setdefault(2023, (value, "the USGS 2023 estimate used as the 2024 start"))
            xs = sorted(known)
            for year in YEARS:
                if year in known:
                    v, how = known[year]
                else:
                    v = float(np.interp(year, xs, [known[x][0] for x in xs]))
                    before = [x for x in xs if x < year]
                    after = [x for x in xs if x > year]
                    if before and after:
                        how = f"interpolated linearly between {before[-1]} and {after[0]}"
                    else:
                        near = after[0] if after else before[-1]
                        how = f"no published figure: held at the {near} figure"
                out.setdefault((cid, year), {})[sector] = (v, how)
        # rest of the world: world total minus the listed countries, where the world is known
        row_start = (
            start.loc[("row", sector), "production_mt"] if ("row", sector) in start.index else ""
        )
        row_known: dict[int, tuple[float, str]] = {}
        for year in YEARS:
            total = world[sector].get(year)
            if total is None:
                continue
            if sector == "steel":
                base = float(start.loc[("row", sector), "production_mt"] or "nan")
                if math.isnan(base):  # the 2024 remainder: world minus the listed countries
                    base = world["steel"][BASE_YEAR] - sum(
                        out[(c, BASE_YEAR)]["steel"][0]
                        for c in listed
                        if "steel" in out.get((c, BASE_YEAR), {})
                    )
                ratio = total / world["steel"][BASE_YEAR]
                row_known[year] = (
                    base * ratio,
                    f"the {BASE_YEAR} remainder {base:.1f} Mt x worldsteel world total {total:g} / "
                    f"{world['steel'][BASE_YEAR]:g} Mt",
                )
                continue
            rest = total - sum(
                out[(c, year)][sector][0] for c in listed if sector in out.get((c, year), {})
            )
            row_known[year] = (rest, f"USGS world {total:g} Mt minus the listed countries")
        if sector == "cement" and str(row_start) not in ("", "nan"):
            row_known[BASE_YEAR] = (float(row_start), f"the {BASE_YEAR} start figure")
            if sector == "cement":
                row_known.setdefault(
                    2023, (float(row_start), "the 2024 start remainder, built on 2023 figures")
                )
        xs = sorted(row_known)
        for year in YEARS:
            if year in row_known:
                v, how = row_known[year]
            else:
                v = float(np.interp(year, xs, [row_known[x][0] for x in xs]))
                how = "interpolated linearly between the nearest years with a world total"
            out.setdefault(("row", year), {})[sector] = (v, how)
    return out


# --- countries ----------------------------------------------------------------------------------
def weights(extracts: Path, names: Names) -> dict[str, float]:
    """Rest-of-world countries' operating steel capacity (GEM), weights for row averages."""
    by = pd.read_csv(extracts / "gem_steel_capacity_by_country.csv")
    return {
        str(c): float(v)
        for c, v in zip(by["country"], by["crude_steel_cap_Mt"], strict=True)
        if names.id(c) == "row" and v > 0
    }


def carbon_price(
    prices: pd.DataFrame, country: str, year: int, free_share: float = FREE_SHARE
) -> tuple[float, str]:
    """Industry-covered price (USD/t) at the margin in ``country`` on 1 April of ``year``.

    ``free_share`` is the share of an ETS or output-based price taken off for free allocation
    (0: the marginal-incentive reading, the default; 0.9: the average-cost reading).
    """

    def price(instrument: str) -> float:
        rows = prices[prices["instrument"] == instrument]
        hit = rows[rows["year"] == year]["price_usd_per_tco2e_1april_nominal"].dropna()
        if not hit.empty:
            return float(hit.iloc[0])
        # Multi-rate taxes have only the 2024 headline price: used from the tax's start year.
        started = pd.to_numeric(rows["start_year"], errors="coerce").dropna()
        headline = rows["wb_headline_price_usd_1april2024"].dropna()
        yearly = rows["price_usd_per_tco2e_1april_nominal"]
        if (
            yearly.isna().all()
            and not headline.empty
            and (started.empty or year >= int(started.iloc[0]))
        ):
            return float(headline.iloc[0])
        return 0.0

    paid = 1 - free_share

    def ets_text(p: float) -> str:
        if free_share == 0:
            return f"{p:.2f} in full (free allocation does not lower the price at the margin)"
        return f"{p:.2f} x {paid:.2f} not freely allocated (average-cost reading)"

    if country == "United Kingdom" and year <= 2020:
        p = price("EU ETS")
        return p * paid, f"EU ETS (UK in it until 2020) {ets_text(p)}"
    if country in EU_ETS:
        p = price("EU ETS")
        return p * paid, (
            f"EU ETS {ets_text(p)} (national carbon taxes largely exempt ETS installations, so "
            "not added)"
        )
    ets = {
        "United Kingdom": "UK ETS",
        "Switzerland": "Switzerland ETS",
        "South Korea": "Korea ETS",
        "Korea": "Korea ETS",
        "Kazakhstan": "Kazakhstan ETS",
        "New Zealand": "New Zealand ETS",
        "Australia": "Australia Safeguard Mechanism",
    }
    if country in ets:
        p = price(ets[country])
        return p * paid, f"{ets[country]} {ets_text(p)}"
    if country == "Canada":
        p = price("Canada federal fuel charge")
        return p * paid, (
            f"federal benchmark price {ets_text(p)}: large emitters pay under output-based "
            "pricing (OBPS), which works like free allocation"
        )
    if country == "South Africa":
        p = price("South Africa carbon tax")
        sa_paid = 1 - SA_TAX_FREE_SHARE
        return p * sa_paid, (
            f"carbon tax {p:.2f} x {sa_paid:.2f}: tax-free allowances of up to 95% are shares of "
            "the taxpayer's own emissions, so they lower the price at the margin too"
        )
    taxes = {
        "Japan": "Japan carbon tax",
        "Mexico": "Mexico carbon tax",
        "Argentina": "Argentina carbon tax",
        "Ukraine": "Ukraine carbon tax",
        "Singapore": "Singapore carbon tax",
        "Chile": "Chile carbon tax",
        "Colombia": "Colombia carbon tax",
    }
    if country in taxes:
        p = price(taxes[country])
        yearly = prices.loc[
            prices["instrument"] == taxes[country], "price_usd_per_tco2e_1april_nominal"
        ]
        note = "" if yearly.notna().any() else "; the dashboard gives only its 2024 headline price"
        return p, f"{taxes[country]} {p:.2f} (a fuel tax, paid in full{note})"
    notes = {
        "China": "national ETS covers power only (industry not covered); provincial pilot ETSs "
        "not applied nationally",
        "Indonesia": "ETS covers power only",
        "United States": "no federal price; state schemes (California, Washington) not applied",
        "Taiwan": "carbon fee charged from 2025 on",
    }
    return 0.0, notes.get(country, "no price covering industry")


def derive_countries(
    extracts: Path,
    names: Names,
    countries: pd.DataFrame,
    free_share: float = FREE_SHARE,
    production_by_year: dict[tuple[str, int], dict[str, tuple[float, str]]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Countries with carbon price, grid and cost of capital derived; the country-year rows."""
    prices = pd.read_csv(extracts / "carbon_prices_worldbank_2019_2024.csv")
    ember = pd.read_csv(extracts / "grid_intensity_ember_2019_2024.csv")
    crp = pd.read_csv(extracts / "cost_of_capital_damodaran_crp_2022_2024.csv")
    w = weights(extracts, names)

    def grid(country_names: tuple[str, ...], year: int) -> tuple[float, int] | None:
        rows = ember[ember["country"].isin(country_names) & (ember["year"] <= year)].dropna(
            subset=["grid_intensity_gco2_per_kwh"]
        )
        if rows.empty:
            return None
        last = rows.sort_values("year").iloc[-1]
        return float(last["grid_intensity_gco2_per_kwh"]) / 1000, int(last["year"])

    def premium(country_names: tuple[str, ...]) -> tuple[float, str] | None:
        rows = crp[crp["country"].isin(country_names)].sort_values("vintage")
        if rows.empty:
            return None
        last = rows.iloc[-1]
        return float(last["country_risk_premium"]), str(last["vintage"])

    def canonical(name: str) -> str:
        return "South Korea" if name in ALIASES["kor"] else name

    yearly = []
    out = countries.copy()
    for i, row in out.iterrows():
        cid = row["country_id"]
        per_year = {}
        for year in YEARS:
            if cid == "row":
                total = sum(w.values())
                price = (
                    sum(carbon_price(prices, c, year, free_share)[0] * v for c, v in w.items())
                    / total
                )
                covered = [(gy[0], v) for c, v in w.items() if (gy := grid((c,), year))]
                g = sum(x * v for x, v in covered) / sum(v for _, v in covered)
                per_year[year] = (
                    price,
                    g,
                    f"rest of world: averages weighted by operating steel capacity ({GEM}) over "
                    f"{len(w)} countries outside the list; carbon price as for each country below "
                    f"(ETS prices x {1 - free_share:.2f} for free allocation, etc.; {WB}); grid "
                    f"{EMBER}, latest "
                    f"year up to {year}, over the {len(covered)} with data",
                )
                continue
            country_names = names.names(cid)
            name = next((n for n in country_names if n in EU_ETS), canonical(country_names[0]))
            if cid == "twn":
                name = "Taiwan"
            price, how = carbon_price(prices, name, year, free_share)
            gy = grid(country_names, year)
            if gy is None:
                raise SystemExit(f"no Ember grid intensity for {cid}")
            per_year[year] = (
                price,
                gy[0],
                f"carbon price {price:.2f} USD/t: {how} ({WB}); grid {gy[0]:.3f} tCO2/MWh "
                f"({EMBER}, {gy[1]})",
            )
        for year, (price, g, text) in per_year.items():
            made = (production_by_year or {}).get((cid, year), {})
            cells = {f"{k}_production_mt": fmt(v[0], 1) for k, v in made.items()}
            notes = "".join(
                f"; {k} production {v[0]:.1f} Mt: {v[1]}"
                for k, v in sorted(made.items(), reverse=True)
            )
            yearly.append(
                {
                    "country_id": cid,
                    "year": year,
                    "carbon_price_usd_per_t": fmt(price, 2),
                    "grid_tco2_per_mwh": fmt(g, 3),
                    "steel_production_mt": cells.get("steel_production_mt", ""),
                    "cement_production_mt": cells.get("cement_production_mt", ""),
                    "source": text + notes,
                }
            )
        price, g, text = per_year[BASE_YEAR]
        if cid == "row":
            lo = sum(
                carbon_price(prices, c, BASE_YEAR, FREE_SHARE_AVERAGE_COST)[0] * v
                for c, v in w.items()
            ) / sum(w.values())
            hi = 2.0 * price
            range_note = (
                "low end: the same mean under the average-cost reading of free allocation "
                f"(--free-allocation-share {FREE_SHARE_AVERAGE_COST}); high end: twice the "
                "weighted mean, a modelling choice"
            )
        elif "free allocation" in text or "not freely allocated" in text or "output-based" in text:
            full = price / (1 - free_share)
            lo, hi = full * (1 - FREE_SHARE_AVERAGE_COST), full
            range_note = (
                f"low end: the average-cost reading, only the {1 - FREE_SHARE_AVERAGE_COST:.1f} "
                "not freely allocated (tools/derive_leadit.py --free-allocation-share "
                f"{FREE_SHARE_AVERAGE_COST}); high end and default: the {MARGINAL_SOURCE}; the EU "
                "phases free allocation for steel and cement out in 2026-2034, Directive (EU) "
                "2023/959 with the CBAM Regulation (EU) 2023/956"
            )
        elif "tax-free allowances" in text:
            full = price / (1 - SA_TAX_FREE_SHARE)
            lo, hi = (full * (1 - s) for s in reversed(SA_TAX_FREE_RANGE))
            range_note = (
                f"tax-free allowances {SA_TAX_FREE_RANGE[0]:.0%}-{SA_TAX_FREE_RANGE[1]:.0%} of "
                "emissions (Carbon Tax Act 15 of 2019, South Africa: basic 60% plus process, "
                "trade-exposure, performance and offset allowances)"
            )
        else:
            lo, hi = 0.5 * price, price
            range_note = "half to all of the price: industrial exemptions are not modelled"
        if cid == "row":
            have = [(found[0], v) for c, v in w.items() if (found := premium((c,))) is not None]
            crp_value = sum(p * v for p, v in have) / sum(v for _, v in have)
            crp_text = (
                f"country risk premium {crp_value:.4f} = steel-capacity-weighted mean over the "
                f"{len(have)} rest-of-world countries {DAMODARAN} lists"
            )
        else:
            found = premium(names.names(cid))
            crp_value = found[0] if found else float("nan")
            crp_text = (
                f"country risk premium {crp_value:.4f} ({DAMODARAN}, {found[1]})" if found else ""
            )
        coc = BASE_WACC + CRP_SCALE * crp_value
        derived = (
            f"{BASE_YEAR} carbon price and grid as in country_years.csv: {text}; carbon price "
            f"sensitivity range {lo:.2f}-{hi:.2f} ({range_note}); "
            f"grid sensitivity range {0.8 * g:.3f}-{1.2 * g:.3f} (+-20%); cost of capital "
            f"{coc:.4f} = base real WACC {BASE_WACC} for a high-income industrial project "
            f"(modelling choice; sensitivity range {BASE_WACC_RANGE[0]}-{BASE_WACC_RANGE[1]}) + "
            f"{CRP_SCALE} x {crp_text} (scale {CRP_SCALE}: the whole project carries the "
            "country's risk, Damodaran's lambda = 1 for a company of average exposure; "
            f"sensitivity range {CRP_SCALE_RANGE[0]}-{CRP_SCALE_RANGE[1]})"
        )
        if math.isnan(coc):
            coc = float(row["cost_of_capital"])
            derived = derived.split("; cost of capital")[0] + (
                f"; cost of capital {coc:g}: {names.name_of[cid]} is not in {DAMODARAN}, so the "
                "income-group value is kept; placeholder (verify); sensitivity range "
                f"{coc - 0.03:g}-{coc + 0.03:g}"
            )
        kept = kept_text(str(row["source"]))
        out.loc[i, "carbon_price_usd_per_t"] = fmt(price, 2)
        out.loc[i, "grid_tco2_per_mwh"] = fmt(g, 3)
        out.loc[i, "cost_of_capital"] = fmt(coc, 4)
        out.loc[i, "source"] = derived + KEPT_MARK + kept
    return out, pd.DataFrame(yearly)


def kept_text(source: str) -> str:
    """The part of a country's source about the columns this script does not derive."""
    if KEPT_MARK in source:
        return source.split(KEPT_MARK, 1)[1]
    text = re.sub(r"carbon price: .*?(?=; (growth|ambition) )", "", source)
    text = re.sub(r"grid [0-9.]+ tCO2/MWh[^;]*; sensitivity range [^;]*; ", "", text)
    text = re.sub(
        r"cost of capital [0-9.]+ by income group[^;]*; sensitivity range [^;]*; ", "", text
    )
    return re.sub(r";\s*;", ";", text).strip("; ")


#: The small committed inputs beside this script: option, default file, what it holds.
INPUT_TABLES = (
    (
        "--production",
        "leadit_production_2024.csv",
        "2024 production by country and sector, with sources",
    ),
    (
        "--named-cement",
        "leadit_named_cement.csv",
        "capacity of the named cement companies, with sources",
    ),
    (
        "--cement-capacity",
        "leadit_cement_capacity.csv",
        "published cement capacity of countries USGS gives no clinker capacity for",
    ),
    (
        "--cement-vintages",
        "leadit_cement_vintages.csv",
        "published kiln vintage distributions (share of capacity by span of start years)",
    ),
    (
        "--production-years",
        "leadit_production_years.csv",
        "published production figures for 2019-2023 that the extracts lack, with sources",
    ),
)


def main(argv: list[str] | None = None) -> None:
    """Read the extracts, write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("extracts", type=Path, help="folder of the data extracts")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="scenario table folder")
    for flag, file, text in INPUT_TABLES:
        parser.add_argument(flag, type=Path, default=HERE / file, help=text)
    parser.add_argument(
        "--free-allocation-share",
        type=float,
        default=FREE_SHARE,
        help="share of ETS and output-based prices taken off for free allocation (default 0, "
        f"the marginal-incentive reading; {FREE_SHARE_AVERAGE_COST} the average-cost reading)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.free_allocation_share < 1:
        parser.error(f"--free-allocation-share: {args.free_allocation_share} is not in [0, 1)")
    params = build_parameters({}, origin="defaults")
    out: Path = args.out
    countries = pd.read_csv(out / "countries.csv", dtype=str, keep_default_na=False)
    companies = pd.read_csv(out / "companies.csv", dtype=str, keep_default_na=False)
    production = pd.read_csv(args.production, dtype=str, keep_default_na=False)
    names = Names(countries)
    steel, _ = steel_plants(
        args.extracts, names, companies, production, params.steel_investment_cycle_years
    )
    cement = cement_plants(
        args.extracts,
        names,
        companies,
        production,
        params.cement_investment_cycle_years,
        out,
        args.named_cement,
        args.cement_capacity,
        args.cement_vintages,
    )
    plants = pd.concat([steel, cement], ignore_index=True)
    extra = pd.read_csv(args.production_years, dtype={"year": int})
    made = production_years(args.extracts, names, production, extra)
    countries_out, yearly = derive_countries(
        args.extracts, names, countries, args.free_allocation_share, made
    )
    plants.to_csv(out / "plants.csv", index=False)
    countries_out.to_csv(out / "countries.csv", index=False)
    yearly.to_csv(out / "country_years.csv", index=False)
    print(f"wrote {len(plants)} plants, {len(countries_out)} countries, {len(yearly)} years")


if __name__ == "__main__":
    main()
