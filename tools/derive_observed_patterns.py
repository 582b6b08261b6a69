"""Derive the observed patterns of LeadIT's first five years (2019-2024) from public data.

Usage::

    uv run --no-sync python tools/derive_observed_patterns.py EXTRACTS_DIR [--out FILE]

``EXTRACTS_DIR`` holds tidy CSV extracts of the publishers' data; ``--out`` is the table written
(default: ``industry_transition/model/data/observed_patterns.csv``). The script is deterministic
and never needed at run time: ``industry-transition calibrate`` reads the table it writes
(industry_transition/experiments/patterns.py; docs/experiments.md "Calibration").

Extracts read (each row names its publisher):

- ``leadit_timeline_confirmed.csv``: dated LeadIT events from the LeadIT secretariat
  (industrytransition.org), the Press Information Bureau of India, gov.uk and news reports,
  each with its URL and a confidence note.
- ``crude_steel_production_2019_2024_partial.csv``: world crude steel production, worldsteel
  (World Steel Association) annual totals as republished in press reports.
- ``cement_production_usgs_2019_2021.csv``: world cement production, USGS Mineral Commodity
  Summaries 2021 and 2022 (public domain).
- ``cement_process_co2_gcb2024_2019_2023.csv``: world cement process CO2, Global Carbon Budget
  2024 (Andrew & Peters) via Our World in Data (CC BY 4.0).

One row per pattern and year: ``pattern, year, value, tolerance, unit, confidence, source,
note``. ``confidence`` is ``high`` (a publisher states the figure for that year), ``medium``
(derived from stated figures by one step: a count carried over a year with no reported change,
a back-calculated or secondary quotation, a rounded estimate) or ``low`` (a proxy). The
``tolerance`` is the half-width of issue 15's target band for the pattern (members 15-21 around
18: 3; government partnerships 1-6: 2.5; production and emissions: 5%); the calibration
divides each model-minus-observed gap by it, so patterns in different units are comparable.

Patterns (``year`` is the end of the year; the model's yearly rows count the same):

- ``country_members``: LeadIT's member countries.
- ``company_members_stated``: LeadIT's member companies of every sector, as stated (context:
  the model has steel and cement companies only, so this is not compared with a run).
- ``company_members``: the member companies the model has (steel and cement producers named
  in the reports).
- ``government_partnerships``: bilateral government partnerships for industrial
  decarbonisation formed since 2019 (cumulative).
- ``steel_production_mt``, ``cement_production_mt``: world production (the model's countries
  plus its rest of the world cover the world).
- ``steel_emissions_ratio``, ``cement_emissions_ratio``: emissions in the year over 2019
  (cement 2024: an estimate from China's cement output, as the CO2 series ends in 2023).
- ``emissions_ratio``: steel and cement together over 2019, the two weighted by their 2019 CO2.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = ROOT / "industry_transition" / "model" / "data" / "observed_patterns.csv"
COMPANIES = ROOT / "industry_transition" / "model" / "data" / "leadit" / "companies.csv"

YEARS = range(2019, 2025)
BASE_YEAR = 2019
COLUMNS = ["pattern", "year", "value", "tolerance", "unit", "confidence", "source", "note"]

#: Half-widths of issue 15's target bands (see the module docstring).
MEMBER_TOLERANCE = 3.0
PARTNERSHIP_TOLERANCE = 2.5
RELATIVE_TOLERANCE = 0.05

WORLDSTEEL = "worldsteel (World Steel Association), world crude steel production"
USGS = "USGS Mineral Commodity Summaries, Cement, world production (public domain)"
GCB = (
    "Global Carbon Budget 2024 (Andrew & Peters), cement process CO2, via Our World in Data "
    "(CC BY 4.0)"
)

#: China's cement output (Mt) in the two years that carry world cement CO2 into 2024, from the
#: National Bureau of Statistics of China, one series: the 2024 Statistical Communique (28 Feb
#: 2025) gives 1,825 (also the leadit 2024 start figure, leadit/country_years.csv); its 2023
#: annual figure 2,022.9 as reported by CCF2UP ("China's annual cement production massively
#: declined", https://ccf2up.com/chinas-annual-cement-production-massively-declined/).
CHINA_CEMENT_NBS = {2023: 2022.9, 2024: 1825.0}
NBS = (
    "National Bureau of Statistics of China, cement output 2023 (2,022.9 Mt, via CCF2UP) and "
    "2024 (1,825 Mt, Statistical Communique of 28 Feb 2025)"
)
#: Weights of steel and cement in the 2019 total (emissions_ratio): world crude steel times
#: worldsteel's average CO2 intensity of 2019, 1.85 t per t of crude steel cast (worldsteel
#: Sustainability Indicators, https://worldsteel.org/steel-topics/sustainability/
#: sustainability-indicators/); cement process CO2 over its share of the sector's CO2, about
#: two-thirds (IEA and CSI, Technology Roadmap: Low-Carbon Transition in the Cement Industry,
#: 2018: limestone decomposition "about two-thirds of the total CO2 emissions").
STEEL_T_CO2_PER_T_2019 = 1.85
CEMENT_PROCESS_SHARE = 2 / 3
WEIGHTS = (
    "worldsteel Sustainability Indicators (1.85 t CO2 per t of crude steel in 2019); IEA and "
    "CSI, Technology Roadmap: Low-Carbon Transition in the Cement Industry (2018; process CO2 "
    "about two-thirds of cement's)"
)

#: Company names in the LeadIT reports -> the model's company ids (leadit companies.csv).
#: HeidelbergCement renamed itself Heidelberg Materials in 2022.
MODELLED_COMPANIES = {
    "dalmia cement": "dalmia",
    "ssab": "ssab",
    "thyssenkrupp": "thyssenkrupp",
    "heidelbergcement": "heidelberg",
    "sail": "sail",
    "cemvision": "cemvision",
}


def read(folder: Path, name: str) -> pd.DataFrame:
    """One extract, with a clear error if it is missing."""
    path = folder / name
    if not path.is_file():
        raise SystemExit(f"{path}: extract not found")
    return pd.read_csv(path)


def publisher(row: pd.Series) -> str:
    """The publishers and addresses of a timeline row (its URLs, not the extract's notes)."""
    urls = " ; ".join(u.strip() for u in str(row["url"]).split(";") if u.strip())
    return f"{row['event']} ({urls})"


def names(cell: object) -> list[str]:
    """The names in a ';'-separated cell."""
    if not isinstance(cell, str):
        return []
    return [n.strip() for n in cell.split(";") if n.strip()]


def timeline_year(cell: str) -> int:
    """The year of a timeline date such as '2021-04-23' or '2023-06 (announced ...)'."""
    return int(str(cell)[:4])


def is_partnership(event: str) -> bool:
    """A row about a bilateral partnership, not about membership."""
    return bool(re.search(r"partnership|MoU", event, flags=re.IGNORECASE))


def is_joining(event: str) -> bool:
    """A row naming countries or companies that joined (or founded) LeadIT."""
    return bool(
        re.search(r"\bjoin|launched by|new members|welcomed as members", event, flags=re.IGNORECASE)
    )


def stated(text: object, what: str) -> int | None:
    """The count of ``what`` ('countries' or 'companies') stated in a row, if any."""
    found = re.search(rf"(\d+)\s+{what}", str(text))
    return int(found.group(1)) if found else None


def membership_rows(timeline: pd.DataFrame) -> list[dict[str, object]]:
    """Country members, stated company members and modelled company members by year.

    A year with a stated count takes the last statement of that year (high confidence when the
    row is confirmed); a year without one carries the previous year's count plus the members
    named as joining in it (medium: derived from the record, which may miss a join).
    """
    timeline = timeline.assign(year=timeline["date"].map(timeline_year))
    rows: list[dict[str, object]] = []
    counts = {"countries": 0, "companies": 0}
    modelled: set[str] = set()
    for year in YEARS:
        events = timeline[timeline["year"] == year]
        joining = events["event"].map(lambda e: is_joining(e) and not is_partnership(e))
        joins = events[joining.astype(bool)]
        new_countries = [c for cell in joins["countries"] for c in names(cell)]
        new_companies = [c for cell in joins["companies"] for c in names(cell)]
        for what, pattern, new in (
            ("countries", "country_members", new_countries),
            ("companies", "company_members_stated", new_companies),
        ):
            statements = [
                (stated(r["member_count_stated"], what) or stated(r["event"], what), r)
                for _, r in events.iterrows()
            ]
            statements = [(n, r) for n, r in statements if n is not None]
            before = counts[what]
            if statements:
                count, row = statements[-1]
                confidence = "medium" if "secondary" in str(row["confidence"]) else "high"
                source = publisher(row)
                note = f"stated {row['date']}"
            else:
                count = before + len(set(new)) if year > BASE_YEAR else len(set(new))
                confidence = "high" if year == BASE_YEAR else "medium"
                joined = ", ".join(sorted(set(new))) or "none reported"
                source = "; ".join(publisher(r) for _, r in joins.iterrows()) or (
                    "LeadIT record 2019-2024 (industrytransition.org; Press Information Bureau)"
                )
                note = (
                    f"named at the launch: {len(set(new))}"
                    if year == BASE_YEAR
                    else f"{before} at the end of {year - 1} plus joined in {year}: {joined}"
                )
            counts[what] = count
            rows.append(
                {
                    "pattern": pattern,
                    "year": year,
                    "value": float(count),
                    "tolerance": MEMBER_TOLERANCE,
                    "unit": what,
                    "confidence": confidence,
                    "source": source,
                    "note": note,
                }
            )
        joined_modelled = sorted(
            {
                MODELLED_COMPANIES[c.lower()]
                for c in new_companies
                if c.lower() in MODELLED_COMPANIES
            }
        )
        modelled.update(joined_modelled)
        inferred = any("inferred" in str(c) for c in joins["confidence"]) and joined_modelled
        rows.append(
            {
                "pattern": "company_members",
                "year": year,
                "value": float(len(modelled)),
                "tolerance": MEMBER_TOLERANCE,
                "unit": "companies",
                "confidence": "low" if inferred else ("high" if year == BASE_YEAR else "medium"),
                "source": "; ".join(publisher(r) for _, r in joins.iterrows())
                or "LeadIT record 2019-2024 (industrytransition.org; Press Information Bureau)",
                "note": "modelled companies named as members: "
                + (", ".join(sorted(modelled)) or "none")
                + (
                    "; year inferred by the source (leadit memberships.csv dates SAIL and "
                    "Cemvision 2024): uncertain"
                    if inferred
                    else ""
                ),
            }
        )
    return rows


def partnership_rows(timeline: pd.DataFrame) -> list[dict[str, object]]:
    """Government partnerships for industry formed since 2019, cumulative by year."""
    timeline = timeline.assign(year=timeline["date"].map(timeline_year))
    bilateral = timeline["countries"].map(lambda c: len(names(c)) == 2)
    ties = timeline[timeline["event"].map(is_partnership).astype(bool) & bilateral]
    rows: list[dict[str, object]] = []
    for year in YEARS:
        formed = ties[ties["year"] <= year]
        pairs = [" - ".join(names(c)) for c in formed["countries"]]
        unconfirmed = any("unconfirmed" in str(c) for c in formed["confidence"])
        rows.append(
            {
                "pattern": "government_partnerships",
                "year": year,
                "value": float(len(formed)),
                "tolerance": PARTNERSHIP_TOLERANCE,
                "unit": "partnerships formed since 2019",
                "confidence": "medium",
                "source": "; ".join(publisher(r) for _, r in formed.iterrows())
                or "none reported 2019-2022 (industrytransition.org; gov.uk; Press Information "
                "Bureau)",
                "note": (", ".join(pairs) or "none")
                + (
                    "; UK-Brazil hub is a bilateral MoU, not a LeadIT instrument"
                    if unconfirmed
                    else ""
                ),
            }
        )
    return rows


def steel_rows(steel: pd.DataFrame) -> tuple[list[dict[str, object]], dict[int, float]]:
    """World crude steel production by year (worldsteel totals)."""
    world = steel[steel["country"] == "World"].set_index("year")
    rows, values = [], {}
    for year in YEARS:
        row = world.loc[year]
        kind = str(row["value_type"])
        secondary = "back-calculated" in kind or "as quoted" in kind
        values[year] = float(row["crude_steel_Mt"])
        rows.append(
            {
                "pattern": "steel_production_mt",
                "year": year,
                "value": values[year],
                "tolerance": RELATIVE_TOLERANCE * values[year],
                "unit": "Mt",
                "confidence": "medium" if secondary else "high",
                "source": f"{WORLDSTEEL} ({kind})",
                "note": "world total",
            }
        )
    return rows, values


def cement_rows(
    cement: pd.DataFrame, co2: pd.DataFrame
) -> tuple[list[dict[str, object]], dict[int, float]]:
    """World cement production: USGS 2019-2021, then a proxy from process CO2 (2022-2023).

    The proxy multiplies the year's process CO2 by the mean ratio of production to process CO2
    over the USGS years (both sources' world totals); 2024 has neither figure and is left out.
    """
    usgs = cement[cement["country"] == "World total (rounded)"].set_index("year")
    world_co2 = co2[co2["entity"] == "World"].set_index("year")["cement_co2_Mt"]
    ratio = float((usgs["cement_production_Mt"] / world_co2.reindex(usgs.index)).mean())
    rows, values = [], {}
    for year in YEARS:
        if year in usgs.index:
            row = usgs.loc[year]
            value = float(row["cement_production_Mt"])
            estimated = bool(row["estimated"])
            confidence = "medium" if estimated else "high"
            source = f"{USGS}, {row['edition']}"
            note = "world total, rounded to 100 Mt" + ("; estimate" if estimated else "")
        elif year in world_co2.index:
            value = round(float(world_co2.loc[year]) * ratio, 1)
            confidence = "low"
            source = f"{GCB}; {USGS} (2019-2021, for the ratio)"
            note = (
                f"proxy: process CO2 {world_co2.loc[year]:.0f} Mt x {ratio:.3f} t cement per t "
                "process CO2 (mean of 2019-2021)"
            )
        else:
            continue
        values[year] = value
        rows.append(
            {
                "pattern": "cement_production_mt",
                "year": year,
                "value": value,
                "tolerance": round(RELATIVE_TOLERANCE * value, 3),
                "unit": "Mt",
                "confidence": confidence,
                "source": source,
                "note": note,
            }
        )
    return rows, values


def emission_rows(steel: dict[int, float], co2: pd.DataFrame) -> list[dict[str, object]]:
    """Direction of emissions: each year's over 2019, steel by proxy, cement process CO2."""
    rows: list[dict[str, object]] = []
    for year in YEARS:
        if year == BASE_YEAR:
            continue
        rows.append(
            {
                "pattern": "steel_emissions_ratio",
                "year": year,
                "value": round(steel[year] / steel[BASE_YEAR], 4),
                "tolerance": RELATIVE_TOLERANCE,
                "unit": f"ratio to {BASE_YEAR}",
                "confidence": "low",
                "source": WORLDSTEEL,
                "note": "proxy: production ratio (world average CO2 per t of steel taken as "
                "unchanged; no steel CO2 series in the public extracts)",
            }
        )
    world = co2[co2["entity"] == "World"].set_index("year")["cement_co2_Mt"]
    china = co2[co2["entity"] == "China"].set_index("year")["cement_co2_Mt"]
    cement = {y: float(world.loc[y]) for y in YEARS if y in world.index}
    last = max(cement)
    for year in YEARS:
        if year == BASE_YEAR or year not in world.index:
            continue
        rows.append(
            {
                "pattern": "cement_emissions_ratio",
                "year": year,
                "value": round(cement[year] / cement[BASE_YEAR], 4),
                "tolerance": RELATIVE_TOLERANCE,
                "unit": f"ratio to {BASE_YEAR}",
                "confidence": "medium",
                "source": GCB,
                "note": "process CO2 only (fuel CO2 not in the series)",
            }
        )
    # The years after the CO2 series ends: China's process CO2 follows its cement output (NBS),
    # the rest of the world's is held at the last year's.
    for year in YEARS:
        if year <= last or year not in CHINA_CEMENT_NBS or last not in CHINA_CEMENT_NBS:
            continue
        change = CHINA_CEMENT_NBS[year] / CHINA_CEMENT_NBS[last]
        cement[year] = cement[last] + float(china.loc[last]) * (change - 1.0)
        rows.append(
            {
                "pattern": "cement_emissions_ratio",
                "year": year,
                "value": round(cement[year] / cement[BASE_YEAR], 4),
                "tolerance": RELATIVE_TOLERANCE,
                "unit": f"ratio to {BASE_YEAR}",
                "confidence": "low",
                "source": f"{GCB}; {NBS}",
                "note": f"estimate: {last} process CO2 with China's scaled by its cement output "
                f"{year}/{last} ({change:.3f}) and the rest of the world held (had it grown at its "
                f"{BASE_YEAR}-{last} pace the ratio would be higher by about 0.01); process CO2 "
                "only",
            }
        )
    steel_base = steel[BASE_YEAR] * STEEL_T_CO2_PER_T_2019
    cement_base = cement[BASE_YEAR] / CEMENT_PROCESS_SHARE
    for year in YEARS:
        if year == BASE_YEAR or year not in cement:
            continue
        total = steel_base * steel[year] / steel[BASE_YEAR] + cement_base * (
            cement[year] / cement[BASE_YEAR]
        )
        rows.append(
            {
                "pattern": "emissions_ratio",
                "year": year,
                "value": round(total / (steel_base + cement_base), 4),
                "tolerance": RELATIVE_TOLERANCE,
                "unit": f"ratio to {BASE_YEAR}",
                "confidence": "low",
                "source": f"{WORLDSTEEL}; {GCB}; {WEIGHTS}" + (f"; {NBS}" if year > last else ""),
                "note": "steel and cement together: the two ratios above weighted by their "
                f"{BASE_YEAR} CO2 (steel {steel_base:.0f} Mt = production x "
                f"{STEEL_T_CO2_PER_T_2019} t/t; cement {cement_base:.0f} Mt = process CO2 / "
                f"{CEMENT_PROCESS_SHARE:.2f}); steel by its production proxy (worldsteel's "
                "reported intensity rose from 1.85 to 1.91 t/t by 2021-2022, mostly a change of "
                "method, which would raise the ratio by about 0.02)",
            }
        )
    return rows


def derive(extracts: Path) -> pd.DataFrame:
    """The observed patterns table from the extracts in ``extracts``."""
    timeline = read(extracts, "leadit_timeline_confirmed.csv")
    steel = read(extracts, "crude_steel_production_2019_2024_partial.csv")
    cement = read(extracts, "cement_production_usgs_2019_2021.csv")
    co2 = read(extracts, "cement_process_co2_gcb2024_2019_2023.csv")
    known = set(pd.read_csv(COMPANIES)["company_id"])
    missing = sorted(set(MODELLED_COMPANIES.values()) - known)
    if missing:
        raise SystemExit(f"{COMPANIES}: no company {', '.join(missing)}")
    steel_part, steel_values = steel_rows(steel)
    cement_part, _ = cement_rows(cement, co2)
    rows = (
        membership_rows(timeline)
        + partnership_rows(timeline)
        + steel_part
        + cement_part
        + emission_rows(steel_values, co2)
    )
    return pd.DataFrame(rows, columns=COLUMNS)


def main(argv: list[str] | None = None) -> None:
    """Command line: derive the table and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extracts", type=Path, help="folder of the publishers' CSV extracts")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="table to write")
    args = parser.parse_args(argv)
    table = derive(args.extracts)
    table.to_csv(args.out, index=False)
    print(f"{len(table)} rows -> {args.out}")


if __name__ == "__main__":
    main()
