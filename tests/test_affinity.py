"""Political affinity: the ``blocs`` table, the affinity matrix and the transaction-cost premium."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model.affinity import bloc_affinity
from industry_transition.model.deals import transaction_cost
from industry_transition.model.scenario import DATA_DIR, ScenarioError, load_scenario
from industry_transition.model.synthetic import leadit_reference
from industry_transition.model.valuation import transaction_costs

LEADIT_BLOCS = {
    "eu",
    "g7",
    "g20",
    "oecd",
    "brics",
    "african_union",
    "asean",
    "commonwealth",
    "mercosur",
    "apec",
    "nato",
    "council_of_europe",
    "sco",
    "arab_league",
    "usmca",
}


@pytest.fixture
def teaching_copy(tmp_path: Path) -> Path:
    shutil.copy(DATA_DIR / "teaching.toml", tmp_path / "teaching.toml")
    shutil.copy(DATA_DIR / "technologies.csv", tmp_path / "technologies.csv")
    shutil.copytree(DATA_DIR / "teaching", tmp_path / "teaching")
    return tmp_path / "teaching.toml"


@pytest.fixture(scope="module")
def leadit() -> TransitionModel:
    return TransitionModel("leadit", seed=1, snapshots=False)


def affinity(model: TransitionModel, a: str, b: str) -> float:
    index = {c: i for i, c in enumerate(model.countries.ids)}
    return float(model.countries.affinity[index[a], index[b]])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- the table ---------------------------------------------------------------------------------
def test_leadit_blocs_cover_every_country_but_the_rest_of_the_world() -> None:
    scenario = load_scenario("leadit")
    blocs, countries = scenario.tables["blocs"], scenario.tables["countries"]
    assert set(blocs["bloc"]) == LEADIT_BLOCS
    assert set(countries["country_id"]) - set(blocs["country_id"]) == {"row"}
    assert all("http" in source for source in blocs["source"])  # each cites its member list
    members = blocs.groupby("bloc")["country_id"].apply(set)
    assert members["eu"] == {"swe", "fin", "fra", "deu", "irl", "lux", "nld", "aut", "dnk"} | {
        "ita",
        "esp",
    }
    assert members["brics"] == {"bra", "rus", "ind", "chn", "zaf", "egy", "eth", "irn"}
    assert members["g7"] == {"usa", "jpn", "deu", "fra", "gbr", "ita", "can"}


def test_teaching_blocs_are_fictional() -> None:
    blocs = load_scenario("teaching").tables["blocs"]
    assert len(blocs) > 0
    assert all(source.startswith("fictional") for source in blocs["source"])


def test_a_bloc_row_naming_an_unknown_country_is_refused(teaching_copy: Path) -> None:
    csv = teaching_copy.parent / "teaching" / "blocs.csv"
    edit(csv, "tamaru,continental_union,", "tamaru_x,continental_union,")
    with pytest.raises(ScenarioError) as info:
        load_scenario(teaching_copy)
    message = str(info.value)
    assert "table 'blocs' row 12, column 'country_id'" in message
    assert "no country 'tamaru_x'" in message
    assert "did you mean 'tamaru'" in message


def test_an_empty_bloc_is_refused(teaching_copy: Path) -> None:
    csv = teaching_copy.parent / "teaching" / "blocs.csv"
    edit(csv, "tamaru,continental_union,", "tamaru,,")
    with pytest.raises(ScenarioError) as info:
        load_scenario(teaching_copy)
    message = str(info.value)
    assert str(csv.resolve()) in message
    assert "row 12, column 'bloc': empty value" in message


def test_a_country_listed_twice_in_a_bloc_is_refused(teaching_copy: Path) -> None:
    csv = teaching_copy.parent / "teaching" / "blocs.csv"
    csv.write_text(csv.read_text() + 'tamaru,continental_union,"again"\n')
    with pytest.raises(ScenarioError, match=r"row 13: country 'tamaru' is listed in bloc"):
        load_scenario(teaching_copy)


def test_a_bloc_row_without_source_is_refused(teaching_copy: Path) -> None:
    csv = teaching_copy.parent / "teaching" / "blocs.csv"
    csv.write_text(csv.read_text() + "tamaru,group_of_many,\n")
    with pytest.raises(ScenarioError, match=r"row 13, column 'source': every row needs a source"):
        load_scenario(teaching_copy)


def test_without_a_bloc_table_every_affinity_is_one_and_costs_are_as_before(
    teaching_copy: Path,
) -> None:
    edit(teaching_copy, 'blocs = "teaching/blocs.csv"\n', "")
    scenario = load_scenario(teaching_copy)
    assert scenario.tables["blocs"].empty
    model = TransitionModel(scenario, seed=1)
    assert (model.countries.affinity == 1.0).all()
    off = TransitionModel(scenario.path, seed=1, affinity_transaction_cost_premium=0.0)
    assert transaction_cost(model, "nordland", "kivucem") == transaction_cost(
        off, "nordland", "kivucem"
    )


# --- the affinity matrix ----------------------------------------------------------------------
def test_affinity_is_the_jaccard_similarity_of_bloc_sets() -> None:
    blocs = pd.DataFrame(
        {"country_id": ["a", "a", "b", "b", "b", "c"], "bloc": ["x", "y", "x", "y", "z", "w"]}
    )
    got = bloc_affinity(["a", "b", "c", "d"], blocs)
    expected = np.array(
        [
            [1.0, 2 / 3, 0.0, 0.0],
            [2 / 3, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],  # no blocs: nothing in common, itself excepted
        ]
    )
    np.testing.assert_allclose(got, expected)
    np.testing.assert_array_equal(bloc_affinity(["a", "b"], blocs.iloc[:0]), np.ones((2, 2)))
    np.testing.assert_array_equal(bloc_affinity(["a", "b"], None), np.ones((2, 2)))


@pytest.mark.parametrize("scenario", ["leadit", "teaching", "synthetic"])
def test_affinity_is_symmetric_one_on_the_diagonal_and_within_0_1(scenario: str) -> None:
    matrix = TransitionModel(scenario, seed=1, snapshots=False).countries.affinity
    np.testing.assert_array_equal(matrix, matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), 1.0)
    assert matrix.min() >= 0.0
    assert matrix.max() <= 1.0


def test_leadit_affinities(leadit: TransitionModel) -> None:
    assert affinity(leadit, "swe", "fin") == 1.0  # EU, OECD, NATO, Council of Europe
    assert affinity(leadit, "swe", "fin") > affinity(leadit, "swe", "eth") == 0.0
    assert affinity(leadit, "gbr", "bra") == pytest.approx(1 / 8)  # the G20 only
    assert affinity(leadit, "usa", "chn") == pytest.approx(2 / 8)  # the G20 and APEC
    assert affinity(leadit, "swe", "ind") == 0.0
    assert affinity(leadit, "row", "chn") == 0.0


def test_club_game_countries_are_all_alike() -> None:
    model = TransitionModel("club-game", seed=1)
    assert model.spec.tables["blocs"].empty
    assert (model.countries.affinity == 1.0).all()


def test_synthetic_countries_take_their_template_countrys_blocs() -> None:
    model = TransitionModel("synthetic", seed=1, snapshots=False, companies=2000)
    tables = model.spec.tables
    ref = leadit_reference()
    leadit_countries, leadit_blocs = ref.tables["countries"], ref.tables["blocs"]
    sets = leadit_blocs.groupby("country_id")["bloc"].apply(frozenset)
    allowed: dict[str, set[frozenset[str]]] = {}
    for country, group in zip(
        leadit_countries["country_id"], leadit_countries["income_group"], strict=True
    ):
        allowed.setdefault(group, set()).add(sets.get(country, frozenset()))
    drawn = tables["blocs"].groupby("country_id")["bloc"].apply(frozenset)
    for country, group in zip(
        tables["countries"]["country_id"], tables["countries"]["income_group"], strict=True
    ):
        assert drawn.get(country, frozenset()) in allowed[group], country
    assert set(tables["blocs"]["bloc"]) <= LEADIT_BLOCS
    # leadit's structure: some pairs share everything, some nothing
    off_diagonal = model.countries.affinity[~np.eye(len(tables["countries"]), dtype=bool)]
    assert (off_diagonal == 1.0).any()
    assert (off_diagonal == 0.0).any()


# --- transaction costs --------------------------------------------------------------------------
def test_transaction_cost_carries_the_affinity_premium(leadit: TransitionModel) -> None:
    p = leadit.params
    base = p.transaction_cost_musd * (1.0 - p.trust_discount * p.initial_trust)
    # SSAB (Sweden) and a Swedish company: one country, no premium whatever the affinities
    swedes = leadit.country_agents["swe"].companies
    assert len(swedes) >= 2
    same = transaction_cost(leadit, swedes[0], swedes[1])
    # Sweden and an Ethiopian company: nothing in common, the cost doubles at premium 1
    ethiopian = leadit.country_agents["eth"].companies[0]
    assert not leadit.share_initiative("swe", ethiopian)
    assert not leadit.home_countries_allied("swe", ethiopian)
    assert transaction_cost(leadit, "swe", ethiopian) == pytest.approx(
        base * (1.0 + p.affinity_transaction_cost_premium)
    )
    finnish = leadit.country_agents["fin"].companies[0]
    assert transaction_cost(leadit, "swe", ethiopian) > transaction_cost(leadit, "swe", finnish)
    off = TransitionModel("leadit", seed=1, snapshots=False, affinity_transaction_cost_premium=0.0)
    assert transaction_cost(off, swedes[0], swedes[1]) == same


def test_premium_zero_gives_exactly_the_cost_without_affinity() -> None:
    model = TransitionModel("leadit", seed=1, snapshots=False, affinity_transaction_cost_premium=0)
    p = model.params
    rng = np.random.default_rng(0)
    ids = model.proposers
    for _ in range(200):
        a, b = (ids[int(i)] for i in rng.choice(len(ids), 2, replace=False))
        expected = p.transaction_cost_musd * (1.0 - p.trust_discount * model.trust.get(a, b))
        if model.share_initiative(a, b):
            expected *= 1.0 - p.membership_discount
        if model.home_countries_allied(a, b):
            expected *= 1.0 - p.government_tie_discount
        assert transaction_cost(model, a, b) == expected


@pytest.mark.parametrize("premium", [1.0, 2.5])
def test_batched_transaction_costs_equal_the_scalar_ones_with_the_premium(premium: float) -> None:
    model = TransitionModel(
        "leadit", seed=1, snapshots=False, affinity_transaction_cost_premium=premium
    )
    rng = np.random.default_rng(1)
    n = len(model.proposers)
    a, b = rng.integers(n, size=400), rng.integers(n, size=400)
    keep = a != b
    a, b = a[keep], b[keep]
    ids = model.proposers
    expected = [transaction_cost(model, ids[i], ids[j]) for i, j in zip(a, b, strict=True)]
    got = transaction_costs(model, a, b)
    np.testing.assert_array_equal(got, expected)
    homes = model.home_of
    low = model.countries.affinity[homes[a], homes[b]] < 1.0
    assert low.any()  # the premium is exercised
