"""Observed series along a run (model/observed.py), dated commitments and joining between
reviews (issue 15, item 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model import relations
from industry_transition.model.scenario import DATA_DIR, ScenarioError, load_scenario


@pytest.fixture
def teaching_copy(tmp_path: Path) -> Path:
    shutil.copy(DATA_DIR / "teaching.toml", tmp_path / "teaching.toml")
    shutil.copy(DATA_DIR / "technologies.csv", tmp_path / "technologies.csv")
    shutil.copytree(DATA_DIR / "teaching", tmp_path / "teaching")
    return tmp_path / "teaching.toml"


def write_country_years(toml: Path, rows: list[dict[str, object]]) -> None:
    csv = toml.parent / "teaching" / "country_years.csv"
    columns = [
        "country_id",
        "year",
        "carbon_price_usd_per_t",
        "grid_tco2_per_mwh",
        "steel_production_mt",
        "cement_production_mt",
        "source",
    ]
    frame = pd.DataFrame([{"source": "test", **r} for r in rows], columns=columns)
    frame.to_csv(csv, index=False)
    text = toml.read_text(encoding="utf-8")
    line = 'country_years = "teaching/country_years.csv"'
    if line not in text:
        toml.write_text(text.replace("[parameters]", f"{line}\n\n[parameters]"), encoding="utf-8")


def step_to(model: TransitionModel, year: int) -> None:
    """Run the years before ``year`` and then ``year`` itself."""
    while model.year <= year:
        model.step()


def teaching_country(model: TransitionModel, country_id: str) -> int:
    return model.countries.ids.index(country_id)


def test_prices_and_grids_follow_the_rows_of_later_years(teaching_copy: Path) -> None:
    write_country_years(
        teaching_copy,
        [
            {
                "country_id": "indara",
                "year": 2024,
                "carbon_price_usd_per_t": 3.0,
                "grid_tco2_per_mwh": 0.7,
            },
            {
                "country_id": "indara",
                "year": 2026,
                "carbon_price_usd_per_t": 40.0,
                "grid_tco2_per_mwh": 0.5,
            },
        ],
    )
    model = TransitionModel(teaching_copy, seed=1, carbon_price_scale=2.0)
    c = teaching_country(model, "indara")
    growth = float(model.countries.carbon_price_growth_usd_per_t[c])
    assert model.countries.carbon_price_usd_per_t[c] == pytest.approx(6.0)
    step_to(model, 2025)  # no row for 2025: the trend
    assert model.countries.carbon_price_usd_per_t[c] == pytest.approx(6.0 + growth)
    grid_2025 = float(model.countries.grid_tco2_per_mwh[c])
    assert grid_2025 < 0.7  # declined at its yearly rate
    step_to(model, 2026)  # the row, scaled by the lever; the grid row as it is
    assert model.countries.carbon_price_usd_per_t[c] == pytest.approx(80.0)
    assert model.countries.grid_tco2_per_mwh[c] == pytest.approx(0.5)
    step_to(model, 2027)  # after the last row: the trend from the row's value
    assert model.countries.carbon_price_usd_per_t[c] == pytest.approx(80.0 + growth)
    # a country without rows keeps its own trend throughout
    other = teaching_country(model, "nordland")
    base = TransitionModel(teaching_copy, seed=1, carbon_price_scale=2.0)
    start = float(base.countries.carbon_price_usd_per_t[other])
    step_to(base, 2027)
    grow = float(base.countries.carbon_price_growth_usd_per_t[other])
    assert base.countries.carbon_price_usd_per_t[other] == pytest.approx(max(start + 3 * grow, 0))


def test_a_row_after_a_ratchet_keeps_what_the_ratchet_added(teaching_copy: Path) -> None:
    """A stocktake raises a member's price; a later row does not undo the rise."""
    write_country_years(
        teaching_copy,
        [
            {
                "country_id": "nordland",
                "year": 2026,
                "carbon_price_usd_per_t": 50.0,
                "grid_tco2_per_mwh": 0.1,
            }
        ],
    )
    overrides = {"ratchet_first_year": 2025, "ratchet_interval_years": 10}
    model = TransitionModel(teaching_copy, seed=1, **overrides)
    c = teaching_country(model, "nordland")
    assert c in relations.initiative_member_countries(model)
    step_to(model, 2024)
    before = float(model.countries.carbon_price_usd_per_t[c])
    growth = float(model.countries.carbon_price_growth_usd_per_t[c])
    step_to(model, 2025)
    trend = before + growth
    raised = float(model.countries.carbon_price_usd_per_t[c])
    added = raised - trend
    assert added > 0  # the ratchet moved the price (the guard that the check below means it)
    step_to(model, 2026)
    assert model.countries.carbon_price_usd_per_t[c] == pytest.approx(50.0 + added)


def test_a_stocktake_in_an_observed_year_keeps_the_observed_price(teaching_copy: Path) -> None:
    """The row is what the member did at that stocktake; a member without a row is raised."""
    write_country_years(
        teaching_copy,
        [
            {
                "country_id": "nordland",
                "year": 2025,
                "carbon_price_usd_per_t": 50.0,
                "grid_tco2_per_mwh": 0.1,
            }
        ],
    )
    overrides = {"ratchet_first_year": 2025, "ratchet_interval_years": 10}
    model = TransitionModel(teaching_copy, seed=1, carbon_price_scale=1.5, **overrides)
    members = relations.initiative_member_countries(model)
    c = teaching_country(model, "nordland")
    assert c in members
    assert members.size > 1
    others = [int(m) for m in members if m != c]
    step_to(model, 2024)
    trend = model.countries.carbon_price_usd_per_t + model.countries.carbon_price_growth_usd_per_t
    step_to(model, 2025)
    assert model.countries.carbon_price_usd_per_t[c] == pytest.approx(75.0)
    assert model.ratchet_premium_usd_per_t[c] == 0.0
    # the members without a row for 2025 are raised at the same stocktake
    raised = model.countries.carbon_price_usd_per_t[others]
    assert np.all(raised >= trend[others] - 1e-9)
    assert np.any(model.ratchet_premium_usd_per_t[others] > 0)
    step_to(model, 2026)  # after the row, the trend from the observed price
    growth = float(model.countries.carbon_price_growth_usd_per_t[c])
    assert model.countries.carbon_price_usd_per_t[c] == pytest.approx(75.0 + growth)


def test_production_rows_set_demand_from_the_start_year_on(teaching_copy: Path) -> None:
    write_country_years(
        teaching_copy,
        [
            {
                "country_id": "indara",
                "year": 2024,
                "carbon_price_usd_per_t": 0.0,
                "grid_tco2_per_mwh": 0.7,
                "steel_production_mt": 10.0,
            },
            {
                "country_id": "indara",
                "year": 2025,
                "carbon_price_usd_per_t": 0.0,
                "grid_tco2_per_mwh": 0.7,
                "steel_production_mt": 12.0,
            },
        ],
    )
    plain = TransitionModel("teaching", seed=1)
    model = TransitionModel(teaching_copy, seed=1)
    c = teaching_country(model, "indara")
    assert model.countries.demand_mt[c, 0] == pytest.approx(10.0)
    # cement has no row: the fleet's production, as without the table
    assert model.countries.demand_mt[c, 1] == pytest.approx(plain.countries.demand_mt[c, 1])
    step_to(model, 2025)
    assert model.countries.demand_mt[c, 0] == pytest.approx(12.0)
    steel = (model.fleet.country == c) & (model.fleet.sector == 0)
    produced = float(model.fleet.production_mt[steel].sum())
    assert produced == pytest.approx(min(12.0, float(model.fleet.capacity_mt[steel].sum())))
    step_to(model, 2026)  # after the rows: the yearly growth from the last row
    growth = float(model.countries.demand_growth[c, 0])
    assert model.countries.demand_mt[c, 0] == pytest.approx(12.0 * (1 + growth))


def test_expectations_do_not_foresee_later_rows(teaching_copy: Path) -> None:
    """A company in the start year decides at its country's trend, not at next year's row."""
    plain = TransitionModel("teaching", seed=1)
    write_country_years(
        teaching_copy,
        [
            {
                "country_id": "indara",
                "year": 2025,
                "carbon_price_usd_per_t": 500.0,
                "grid_tco2_per_mwh": 0.7,
            }
        ],
    )
    model = TransitionModel(teaching_copy, seed=1)
    np.testing.assert_array_equal(model.decision_price, plain.decision_price)
    step_to(model, 2024)
    step_to(plain, 2024)
    np.testing.assert_array_equal(model.fleet.technology, plain.fleet.technology)
    step_to(model, 2025)
    c = teaching_country(model, "indara")
    assert model.countries.carbon_price_usd_per_t[c] == pytest.approx(500.0)


def test_production_columns_are_checked(teaching_copy: Path) -> None:
    write_country_years(
        teaching_copy,
        [
            {
                "country_id": "indara",
                "year": 2024,
                "carbon_price_usd_per_t": 0.0,
                "grid_tco2_per_mwh": 0.7,
                "steel_production_mt": -1.0,
            }
        ],
    )
    with pytest.raises(
        ScenarioError, match=r"country_years\.csv: row 2, column 'steel_production_mt'"
    ):
        load_scenario(teaching_copy)


# --- dated commitments ----------------------------------------------------------------------
def test_a_commitment_made_after_the_start_year_does_not_bind() -> None:
    m2019 = TransitionModel("leadit", seed=1, snapshots=False, start_year=2019)
    assert not any(i.committed_until for i in m2019.initiatives.values())
    m2024 = TransitionModel("leadit", seed=1, snapshots=False)
    leadit = m2024.initiatives["leadit"]
    assert len(leadit.committed_until) == len(leadit.members) > 0
    assert set(leadit.committed_until.values()) == {2026}


def test_a_commitment_year_after_its_end_is_refused(teaching_copy: Path) -> None:
    csv = teaching_copy.parent / "teaching" / "memberships.csv"
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    frame.insert(3, "committed_until", "")
    frame.insert(4, "committed_year", "")
    frame.loc[0, "committed_until"] = "2026"
    frame.loc[0, "committed_year"] = "2027"
    frame.to_csv(csv, index=False)
    with pytest.raises(ScenarioError, match=r"row 2, column 'committed_year': 2027 is after"):
        load_scenario(teaching_copy)
    frame.loc[0, "committed_until"] = ""
    frame.to_csv(csv, index=False)
    with pytest.raises(ScenarioError, match=r"committed_until is empty"):
        load_scenario(teaching_copy)


# --- joining between reviews ----------------------------------------------------------------
def members_by_year(scenario: str, seed: int, last: int, **overrides: object) -> list[int]:
    model = TransitionModel(scenario, seed=seed, snapshots=False, end_year=last, **overrides)
    counts = []
    while model.running:
        model.step()
        counts.append(int(relations.initiative_member_countries(model).size))
    return counts


def test_joining_between_reviews_needs_the_yearly_rule() -> None:
    review = members_by_year("leadit-2019", 1, 2024, membership_joining="review")
    assert review == [11] * 6  # first review 2028: nobody joins before it
    yearly = members_by_year(
        "leadit-2019", 1, 2024, membership_joining="yearly", membership_join_probability=1.0
    )
    assert yearly[0] > 11  # joining pays for some non-member from the first year


def test_the_joining_hazard_slows_joining() -> None:
    """Over seeds, a lower yearly chance gives fewer members by 2024; zero gives none."""
    kwargs = {"membership_joining": "yearly"}
    never = members_by_year("leadit-2019", 1, 2022, membership_join_probability=0.0, **kwargs)
    assert never == [11] * 4
    slow = [
        members_by_year("leadit-2019", s, 2022, membership_join_probability=0.05, **kwargs)
        for s in (1, 2, 3)
    ]
    fast = [
        members_by_year("leadit-2019", s, 2022, membership_join_probability=0.3, **kwargs)
        for s in (1, 2, 3)
    ]
    assert all(a == sorted(a) for a in slow + fast)  # nobody leaves between reviews
    assert np.mean([r[-1] for r in slow]) < np.mean([r[-1] for r in fast])
