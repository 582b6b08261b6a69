"""The observed patterns of LeadIT's first five years (tools/derive_observed_patterns.py) and the
shipped table industry_transition/model/data/observed_patterns.csv."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "industry_transition" / "model" / "data" / "observed_patterns.csv"

sys.path.insert(0, str(ROOT / "tools"))
import derive_observed_patterns  # noqa: E402


def values(table: pd.DataFrame, pattern: str) -> dict[int, float]:
    rows = table[table["pattern"] == pattern]
    return dict(zip(rows["year"].astype(int), rows["value"].astype(float), strict=True))


def test_shipped_table_has_the_published_figures():
    table = pd.read_csv(TABLE)
    assert list(table.columns) == derive_observed_patterns.COLUMNS
    members = values(table, "country_members")
    assert (members[2019], members[2021], members[2023]) == (11, 16, 18)
    stated = values(table, "company_members_stated")
    assert (stated[2019], stated[2021], stated[2023]) == (11, 19, 20)
    ties = values(table, "government_partnerships")
    assert [ties[y] for y in range(2019, 2025)] == [0, 0, 0, 0, 2, 2]
    assert values(table, "steel_production_mt")[2024] == pytest.approx(1882.6)
    assert values(table, "cement_production_mt")[2020] == pytest.approx(4200.0)


def test_every_row_is_sourced_and_graded():
    table = pd.read_csv(TABLE)
    assert table["source"].str.len().min() > 10
    assert set(table["confidence"]) <= {"high", "medium", "low"}
    assert (table["tolerance"] > 0).all()
    assert not table.duplicated(["pattern", "year"]).any()
    text = " ".join(table["source"]) + " ".join(table["note"])
    for forbidden in ("shared", "/work/", "stored web page"):
        assert forbidden not in text


def write(folder: Path, name: str, rows: list[dict[str, object]]) -> None:
    pd.DataFrame(rows).to_csv(folder / name, index=False)


def test_derivation_on_a_hand_made_record(tmp_path):
    """Counts carried over quiet years, stated counts win, proxies use the stated ratio."""
    event = {"companies": "", "member_count_stated": "", "confidence": "confirmed", "url": "u"}
    write(
        tmp_path,
        "leadit_timeline_confirmed.csv",
        [
            {
                **event,
                "date": "2019-09-23",
                "event": "LeadIT launched by A and B",
                "countries": "A; B; C",
                "companies": "SSAB; Other",
            },
            {**event, "date": "2021-04-23", "event": "D joins LeadIT", "countries": "D"},
            {
                **event,
                "date": "2022-06-01",
                "event": "E and F join",
                "countries": "E; F",
                "companies": "Cemvision",
                "confidence": "join confirmed; year inferred",
            },
            {
                **event,
                "date": "2023-12-01",
                "event": "X-Y Partnership launched",
                "countries": "X; Y",
                "member_count_stated": "9 countries + 4 companies",
            },
        ],
    )
    steel = [
        {
            "country": "World",
            "year": y,
            "crude_steel_Mt": 100.0 + (y - 2019),
            "value_type": "worldsteel annual total",
        }
        for y in range(2019, 2025)
    ]
    write(tmp_path, "crude_steel_production_2019_2024_partial.csv", steel)
    write(
        tmp_path,
        "cement_production_usgs_2019_2021.csv",
        [
            {
                "country": "World total (rounded)",
                "year": y,
                "cement_production_Mt": p,
                "estimated": False,
                "edition": "MCS",
            }
            for y, p in ((2019, 400.0), (2020, 420.0), (2021, 440.0))
        ],
    )
    write(
        tmp_path,
        "cement_process_co2_gcb2024_2019_2023.csv",
        [
            {"entity": "World", "year": y, "cement_co2_Mt": c}
            for y, c in ((2019, 200.0), (2020, 210.0), (2021, 220.0), (2022, 190.0))
        ],
    )
    table = derive_observed_patterns.derive(tmp_path)
    members = values(table, "country_members")
    assert [members[y] for y in range(2019, 2025)] == [3, 3, 4, 6, 9, 9]
    companies = values(table, "company_members")  # SSAB, then Cemvision; 'Other' not modelled
    assert [companies[y] for y in range(2019, 2025)] == [1, 1, 1, 2, 2, 2]
    low = table[(table["pattern"] == "company_members") & (table["year"] == 2022)]
    assert low["confidence"].item() == "low"
    assert values(table, "government_partnerships")[2023] == 1
    cement = values(table, "cement_production_mt")
    assert cement[2022] == pytest.approx(190.0 * 2.0)  # every USGS year has 2 t per t CO2
    assert 2023 not in cement
    assert values(table, "steel_emissions_ratio")[2024] == pytest.approx(105 / 100)
    assert values(table, "cement_emissions_ratio")[2022] == pytest.approx(0.95)
