"""tools/hindcast.py: the summary against hand-computed figures, and a tiny real hindcast."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import hindcast  # noqa: E402


def test_summary_gives_median_range_and_share_within_tolerance():
    observed = pd.DataFrame(
        {
            "pattern": ["country_members"],
            "year": [2021],
            "value": [16.0],
            "tolerance": [3.0],
            "confidence": ["medium"],
        }
    )
    seeds = pd.DataFrame(
        {
            "pattern": ["country_members"] * 4,
            "year": [2021] * 4,
            "value": [12.0, 14.0, 18.0, 30.0],
            "seed": [1, 2, 3, 4],
        }
    )
    row = hindcast.summarise(seeds, observed).iloc[0]
    assert row["model_median"] == pytest.approx(16.0)
    assert row["seeds_within"] == pytest.approx(0.5)  # 14 and 18 lie within 16 ± 3
    assert row["model_p05"] == pytest.approx(12.3)  # numpy's linear quantile
    assert bool(row["median_within"])


def test_tiny_hindcast_writes_its_tables(tmp_path, capsys):
    hindcast.main(
        [
            "leadit-2019",
            "--seeds",
            "2",
            "--end-year",
            "2020",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    table = pd.read_csv(tmp_path / "hindcast.csv")
    seeds = pd.read_csv(tmp_path / "hindcast_seeds.csv")
    assert set(seeds["seed"]) == {1, 2}
    assert set(table["year"]) == {2019, 2020}
    founders = table[(table["pattern"] == "country_members") & (table["year"] == 2019)].iloc[0]
    assert founders["observed"] == 11
    assert founders["model_median"] >= 11, "the eleven founders are members from the start"
    ratio = table[(table["pattern"] == "steel_emissions_ratio")]
    assert ratio["year"].tolist() == [2020], "2019 is the base year of the ratios"
    assert "2 runs of 2019-2020" in capsys.readouterr().out


def test_an_end_year_before_the_start_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        hindcast.main(["leadit-2019", "--end-year", "2010", "--out", str(tmp_path)])


def test_posterior_draws_keep_each_particles_parameters_together(tmp_path):
    accepted = pd.DataFrame(
        {
            "generation": [0, 1, 1],
            "particle": [0, 0, 1],
            "weight": [1.0, 0.0, 1.0],  # only particle 1 of the last generation can be drawn
            "distance": [2.0, 1.0, 0.5],
            "membership_fee_musd": [9.0, 1.0, 0.3],
            "membership_reputation_musd": [9.0, 0.5, 4.0],
            "distance_country_members": [2.0, 1.0, 0.5],
        }
    )
    accepted.to_parquet(tmp_path / "accepted.parquet")
    draws = hindcast.posterior_draws(tmp_path, 5, draw_seed=3)
    assert draws == [{"membership_fee_musd": 0.3, "membership_reputation_musd": 4.0}] * 5
