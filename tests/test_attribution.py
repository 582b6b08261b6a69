"""Channel switches and attribution by channel (Shapley values over the 16 combinations)."""

from __future__ import annotations

import functools
import itertools
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from industry_transition import TransitionModel, run
from industry_transition.experiments import attribution
from industry_transition.experiments.attribution import (
    CHANNEL_NAMES,
    CHANNELS,
    TABLE_COLUMNS,
    AttributionError,
    attribute,
    shapley_values,
)
from industry_transition.experiments.cli import app
from industry_transition.model import negotiation

ALL_OFF = dict.fromkeys(CHANNELS, False)
# 13 years: teaching's 2028 stocktake changes membership; at twice its carbon prices grants are
# signed by the early 2030s even with the finance channel alone (at its own prices, since issue
# 14's all-in capex, the first grants come in 2033 and none with finance alone)
SHORT = {"end_year": 2036, "carbon_price_scale": 2.0}

runner = CliRunner()


# --- channel switches ---------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", ["teaching", "leadit"])
def test_all_channels_off_is_the_no_negotiation_counterfactual(scenario):
    counterfactual = run(scenario, seed=1, snapshots=False, negotiation=False)
    closed = run(scenario, seed=1, snapshots=False, **ALL_OFF)
    pd.testing.assert_frame_equal(closed.series, counterfactual.series, check_exact=True)
    assert closed.partnerships.empty
    cooperating = run(scenario, seed=1, snapshots=False, partnerships=False, events=False)
    assert cooperating.series["emissions_mt"].sum() != closed.series["emissions_mt"].sum()


@functools.cache
def partnership_kinds(**switches: bool) -> set[str]:
    table = run("teaching", seed=1, snapshots=False, events=False, **switches).partnerships
    return set(table["kind"])


def test_every_channel_forms_partnerships_when_open():
    assert {"finance", "technology", "government", "membership"} <= partnership_kinds()


@pytest.mark.parametrize(
    ("switch", "kinds"),
    [
        ("finance_deals", {"finance"}),
        ("technology_deals", {"technology", "codevelopment"}),
        ("government_deals", {"government"}),
        ("initiative_membership", {"membership"}),
    ],
)
def test_a_closed_channel_never_operates(switch, kinds):
    formed = partnership_kinds(**{switch: False})
    assert not formed & kinds, f"{switch}=False still formed {formed & kinds}"
    assert formed, "the other channels still operate"
    model = TransitionModel("teaching", seed=1, snapshots=False, **{switch: False})
    initial = {p.kind for p in model.registry.records.values()}
    assert not initial & kinds  # nor does the scenario data start any
    if switch == "initiative_membership":
        assert not any(i.members for i in model.initiatives.values())
        for _ in range(6):  # through the 2028 review
            model.step()
        assert not any(i.members for i in model.initiatives.values())
        assert (model.series()["initiative_members"] == 0).all()


@pytest.mark.parametrize(
    "switches",
    [{"government_deals": False}, {"finance_deals": False, "initiative_membership": False}],
)
def test_batched_rounds_equal_the_reference_with_channels_closed(switches, monkeypatch):
    """The batch masks closed channels as ``possible_deals`` (the scalar reference) does."""

    def events(reference: bool) -> pd.DataFrame:
        original = negotiation.negotiation_round
        with monkeypatch.context() as patch:
            if reference:
                patch.setattr(
                    negotiation,
                    "negotiation_round",
                    functools.partial(original, reference=True),
                )
            # seed 1: with finance and membership closed, teaching signs licences by year 8 (seed 7
            # signed them until electric calcination's electricity rose to its floor, 0.60 MWh/t)
            model = TransitionModel("teaching", seed=1, snapshots=False, **switches)
            for _ in range(8):
                model.step()
        return model.events.to_frame()

    batched, plain = events(False), events(True)
    columns = ["year", "round", "event", "kind", "party_a", "party_b", "partnership_id"]
    pd.testing.assert_frame_equal(batched[columns], plain[columns])
    signed = set(batched.loc[batched["event"] == "agreement", "kind"])
    assert signed, "deals were signed"
    if not switches.get("government_deals", True):
        assert "government" not in signed
    if not switches.get("finance_deals", True):
        assert "finance" not in signed


# --- the Shapley value --------------------------------------------------------------------------
def game(n: int, worth) -> np.ndarray:
    """The values of a game, indexed by coalition bitmask, from ``worth(set of players)``."""
    return np.array(
        [worth({i for i in range(n) if mask >> i & 1}) for mask in range(1 << n)], dtype=float
    )


def by_permutations(v: np.ndarray, n: int) -> np.ndarray:
    """Shapley values as the mean marginal contribution over all orders (the definition)."""
    phi = np.zeros(n)
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        mask = 0
        for player in order:
            phi[player] += v[mask | 1 << player] - v[mask]
            mask |= 1 << player
    return phi / len(orders)


def test_shapley_of_an_additive_game_is_each_players_own_value():
    own = [3.0, -1.5, 7.0, 0.25]
    v = game(4, lambda s: sum(own[i] for i in s))
    assert np.allclose(shapley_values(v), own)


def test_shapley_of_a_symmetric_game_splits_equally():
    v = game(4, lambda s: len(s) ** 2)  # v(all) = 16
    assert np.allclose(shapley_values(v), [4.0, 4.0, 4.0, 4.0])


def test_shapley_gives_a_dummy_player_nothing():
    v = game(3, lambda s: 10.0 if {0, 1} <= s else 0.0)  # player 2 adds nothing anywhere
    assert np.allclose(shapley_values(v), [5.0, 5.0, 0.0])


def test_shapley_of_the_glove_game():
    # player 0 holds a left glove, players 1 and 2 right gloves; a pair is worth 1
    v = game(3, lambda s: 1.0 if 0 in s and s & {1, 2} else 0.0)
    assert np.allclose(shapley_values(v), [2 / 3, 1 / 6, 1 / 6])


def test_shapley_equals_the_permutation_definition_on_random_games():
    rng = np.random.default_rng(5)
    for n in (2, 3, 4):
        games = rng.normal(size=(5, 1 << n))
        games[:, 0] = 0.0
        phi = shapley_values(games)  # several games at once (last axis)
        for g in range(5):
            assert np.allclose(phi[g], by_permutations(games[g], n))
            assert math.isclose(phi[g].sum(), games[g, -1], abs_tol=1e-12)


def test_shapley_refuses_a_length_that_is_not_a_power_of_two():
    with pytest.raises(ValueError, match="2\\^n"):
        shapley_values([0.0, 1.0, 2.0])


# --- attribute ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def teaching():
    return attribute("teaching", 2, overrides=SHORT, workers=1)


def test_runs_every_combination_of_every_seed(teaching):
    runs = teaching.runs
    assert len(runs) == 2 * 16
    assert (runs["status"] == "ok").all()
    assert sorted(runs.groupby("seed")["combination"].nunique()) == [16, 16]
    on = runs[[f"{name}_on" for name in CHANNEL_NAMES]].to_numpy()
    masks = (on * (1 << np.arange(4))).sum(axis=1)
    assert (masks == runs["combination"]).all()
    assert (runs["last_year"] == SHORT["end_year"]).all()


def test_shapley_values_sum_to_the_total_effect_in_every_seed(teaching):
    per_seed = teaching.per_seed
    for seed in teaching.seeds:
        rows = per_seed[per_seed["seed"] == seed]
        shapley = rows.loc[rows["channel"] != "all", "shapley"]
        total = float(rows.loc[rows["channel"] == "all", "total"].iloc[0])
        assert len(shapley) == 4
        assert math.isclose(shapley.sum(), total, rel_tol=1e-9, abs_tol=1e-9)
        assert abs(total) > 1.0  # cooperation abates something in teaching
        shares = rows.loc[rows["channel"] != "all", "share"]
        assert math.isclose(shares.sum(), 1.0, rel_tol=1e-9)


def test_statistics_follow_from_the_runs_table(teaching):
    """Switch-off, alone, total and interaction recomputed from the stored cumulative emissions."""
    runs, per_seed = teaching.runs, teaching.per_seed
    for seed in teaching.seeds:
        e = runs[runs["seed"] == seed].set_index("combination")["cumulative_emissions_mt"]
        v = e[0] - e  # abatement of each combination against none
        rows = per_seed[per_seed["seed"] == seed].set_index("channel")
        for i, name in enumerate(CHANNEL_NAMES):
            assert math.isclose(rows.at[name, "alone"], v[1 << i], abs_tol=1e-9)
            assert math.isclose(
                rows.at[name, "switch_off"], v[15] - v[15 & ~(1 << i)], abs_tol=1e-9
            )
        alone = sum(v[1 << i] for i in range(4))
        assert math.isclose(rows.at["all", "interaction"], v[15] - alone, abs_tol=1e-9)
        assert rows.at["all", "outcome_without_cooperation"] == e[0]


def test_no_channel_is_the_no_negotiation_run(teaching):
    runs = teaching.runs
    none = runs[(runs["seed"] == 2) & (runs["combination"] == 0)]
    counterfactual = run("teaching", seed=2, snapshots=False, negotiation=False, **SHORT)
    assert float(none["cumulative_emissions_mt"].iloc[0]) == pytest.approx(
        counterfactual.series["emissions_mt"].sum(), rel=0, abs=0
    )


def test_summary_has_means_and_t_intervals_across_seeds(teaching):
    from scipy import stats

    table = teaching.table
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert len(table) == 4 * 4 + 4
    per_seed = teaching.per_seed
    values = per_seed.loc[per_seed["channel"] == "finance", "shapley"].to_numpy()
    half = stats.t.ppf(0.975, 1) * values.std(ddof=1) / math.sqrt(2)
    assert teaching.value("finance", "shapley") == pytest.approx(values.mean())
    assert teaching.value("finance", "shapley", "ci_low") == pytest.approx(values.mean() - half)
    assert teaching.value("finance", "shapley", "ci_high") == pytest.approx(values.mean() + half)
    assert (table["seeds"] == 2).all()
    assert set(table.loc[table["statistic"] == "shapley", "unit"]) == {"Mt CO2 abated, cumulative"}


def test_serial_and_parallel_give_identical_results(teaching):
    parallel = attribute("teaching", 2, overrides=SHORT, workers=2)
    pd.testing.assert_frame_equal(
        parallel.runs.drop(columns="duration_s"), teaching.runs.drop(columns="duration_s")
    )
    pd.testing.assert_frame_equal(parallel.table, teaching.table)


def test_writes_the_documented_files(teaching, tmp_path):
    paths = teaching.write(tmp_path / "out")
    names = {p.name for p in paths}
    assert names == {
        "attribution.parquet",
        "attribution.csv",
        "attribution_runs.parquet",
        "attribution.json",
        "attribution.png",
    }
    table = pd.read_parquet(tmp_path / "out" / "attribution.parquet")
    assert list(table.columns) == list(TABLE_COLUMNS)
    csv = pd.read_csv(tmp_path / "out" / "attribution.csv", keep_default_na=False)
    assert list(csv.columns) == list(TABLE_COLUMNS)
    assert set(csv["channel"]) == {*CHANNEL_NAMES, "all"}
    runs = pd.read_parquet(tmp_path / "out" / "attribution_runs.parquet")
    expected = {"seed", "combination", "channels_on", "status", "error", "cumulative_emissions_mt"}
    assert expected | {f"{c}_on" for c in CHANNEL_NAMES} <= set(runs.columns)
    assert len(runs) == 32
    assert (tmp_path / "out" / "attribution.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_seed_has_no_interval_and_says_so():
    result = attribute("teaching", 1, first_seed=4, overrides={"end_year": 2030}, workers=1)
    assert result.seeds == [4]
    assert result.table["ci_low"].isna().all()
    assert any("one seed" in note for note in result.notes)
    assert "one seed" in result.text()


def test_a_failing_run_loses_only_its_seed(monkeypatch):
    real = attribution.run

    def flaky(scenario, *, seed, **kwargs):
        if seed == 2 and kwargs["government_deals"] and not kwargs["finance_deals"]:
            raise RuntimeError("boom")
        return real(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(attribution, "run", flaky)
    result = attribute("teaching", 2, overrides={"end_year": 2028}, workers=1)
    assert result.failed == 4  # combinations with government on and finance off
    failed = result.runs[result.runs["status"] == "failed"]
    assert failed["error"].str.contains("RuntimeError: boom").all()
    assert set(result.per_seed["seed"]) == {1}
    assert any("seed 2" in note for note in result.notes)
    assert (result.table.loc[result.table["statistic"] != "share", "seeds"] == 1).all()


def test_other_outcomes_from_the_stored_runs(teaching, tmp_path):
    teaching.write(tmp_path, plot=False)
    stored = pd.read_parquet(tmp_path / "attribution_runs.parquet")
    again = attribution.from_runs(stored, scenario="teaching")
    pd.testing.assert_frame_equal(again.table, teaching.table)
    finance = attribution.from_runs(stored, "finance_to_lower_income_musd")
    shapley = finance.table[finance.table["statistic"] == "shapley"]["mean"]
    assert shapley.sum() == pytest.approx(finance.value("all", "total"))
    assert finance.value("all", "outcome_without_cooperation") == 0.0  # no finance without it
    assert finance.value("finance", "alone") > 0


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scenario", "teachin"], "did you mean 'teaching'"),
        (["--seeds", "0"], "seeds = 0"),
        (["--first-seed", "-3"], "seeds are 0 or more"),
        (["--set", "finance_deals=false"], "'finance_deals' cannot be set"),
        (["--set", "initiative_membership=false"], "'initiative_membership' cannot be set"),
        (["--set", "negotiation=false"], "'negotiation' cannot be set"),
        (["--set", "carbon_price_scal=2"], "did you mean 'carbon_price_scale'"),
        (["--set", "carbon_price_scale=-1"], "allowed: 0.0 to 10.0"),
        (["--set", "novalue"], "expected key=value"),
        (["--outcome", "emissions"], "allowed: cumulative_emissions_mt"),
        (["--workers", "0"], "--workers 0"),
        (["--out", "{file}"], "is an existing file"),
        (["--out", "{file}/sub"], "is a file, so no folder can be made here"),
    ],
)
def test_bad_input_exits_2_with_one_line_before_any_run(args, needle, tmp_path, monkeypatch):
    def no_runs(*args, **kwargs):
        raise AssertionError("a model ran")

    monkeypatch.setattr(attribution, "run_combination", no_runs)
    monkeypatch.setattr(attribution, "run", no_runs)
    existing = tmp_path / "a-file"
    existing.write_text("")
    args = [a.replace("{file}", str(existing)) for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    result = runner.invoke(app, ["attribute", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert needle in lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out").exists()


def test_a_real_process_prints_no_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "industry_transition", "attribute", "--set", "broker=true"]
        + ["--set", "government_deals=false", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: parameter 'government_deals' cannot be set: attribute switches finance_deals, "
        "technology_deals, government_deals, initiative_membership, negotiation itself (any "
        "other parameter may be set)"
    ]
    assert "Traceback" not in done.stdout + done.stderr


def test_python_function_refuses_bad_input_too():
    with pytest.raises(AttributionError, match="seeds = 0"):
        attribute("teaching", 0)
    with pytest.raises(AttributionError, match="given twice"):
        attribute("teaching", [1, 1])
    with pytest.raises(AttributionError, match="'negotiation' cannot be set"):
        attribute("teaching", 1, overrides={"negotiation": True})


def test_command_prints_the_table_and_writes_files(tmp_path):
    out = tmp_path / "attr"
    result = runner.invoke(
        app,
        ["attribute", "--seeds", "1", "--set", "end_year=2030", "--workers", "1"]
        + ["--no-progress", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    for needle in ("channel", "Shapley", "share", "switch-off", "alone", "total cooperation"):
        assert needle in text
    for name in CHANNEL_NAMES:
        assert f"\n{name} " in text
    assert (out / "attribution.csv").is_file()
    assert (out / "attribution.png").is_file()
