"""Political affinity: the ``blocs`` table, the affinity matrix, the transaction-cost premium and
the prior trust it lowers."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model import relations
from industry_transition.model.affinity import bloc_affinity
from industry_transition.model.deals import transaction_cost
from industry_transition.model.registry import TrustBook
from industry_transition.model.scenario import DATA_DIR, ScenarioError, load_scenario
from industry_transition.model.search import adjacency
from industry_transition.model.synthetic import leadit_reference
from industry_transition.model.valuation import _trust, transaction_costs

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
    # and every pair's prior trust is the trustee's delivery probability, whatever the penalty
    assert (model.trust.factor_by_home == 1.0).all()
    assert model.trust.get("nordland", "kivucem") == model.trust.initial == 1.0
    assert model.trust.get("kivucem", "nordland") == model.trust.government_prior


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
    # a pair sharing no bloc starts from the lowered prior trust, in each direction; the cost
    # falls with the mean of the two
    factor = 1.0 - p.affinity_trust_penalty
    prior = 0.5 * (leadit.trust.initial + leadit.trust.government_prior) * factor
    base = p.transaction_cost_musd * (1.0 - p.trust_discount * prior)
    # SSAB (Sweden) and a Swedish company: one country, no premium whatever the affinities
    swedes = leadit.country_agents["swe"].companies
    assert len(swedes) >= 2
    same = transaction_cost(leadit, swedes[0], swedes[1])
    # Sweden and an Ethiopian company: nothing in common, the cost doubles at premium 1
    ethiopian = leadit.country_agents["eth"].companies[0]
    assert not relations.share_initiative(leadit, "swe", ethiopian)
    assert not relations.home_countries_allied(leadit, "swe", ethiopian)
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
        expected = p.transaction_cost_musd * (1.0 - p.trust_discount * model.trust.mutual(a, b))
        if relations.share_initiative(model, a, b):
            expected *= 1.0 - p.membership_discount
        if relations.home_countries_allied(model, a, b):
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


# --- prior trust --------------------------------------------------------------------------------
def test_prior_trust_falls_with_the_affinity_of_the_home_countries(leadit: TransitionModel) -> None:
    p, trust = leadit.params, leadit.trust
    assert p.affinity_trust_penalty > 0.0
    company, government = trust.initial, trust.government_prior
    assert company == 1.0
    assert government < 1.0  # the default regime is reputational
    swedes = leadit.country_agents["swe"].companies
    finn = leadit.country_agents["fin"].companies[0]
    indian = leadit.country_agents["ind"].companies[0]
    # one country, or countries with affinity 1 (Sweden-Finland): no penalty
    assert trust.prior(swedes[0], swedes[1]) == company
    assert trust.prior("swe", swedes[0]) == company
    assert trust.prior(swedes[0], "swe") == government
    assert trust.prior(swedes[0], finn) == company
    assert trust.prior("swe", "fin") == government
    # Sweden-India share no bloc: the full penalty
    low = 1.0 - p.affinity_trust_penalty
    assert trust.prior(swedes[0], indian) == pytest.approx(company * low)
    assert trust.prior(indian, "swe") == pytest.approx(government * low)
    assert trust.prior("swe", indian) < trust.prior("swe", finn)
    # USA-China (affinity 1/4): in between
    us, cn = leadit.country_agents["usa"].companies[0], leadit.country_agents["chn"].companies[0]
    assert trust.prior(us, cn) == pytest.approx(company * (1 - p.affinity_trust_penalty * 0.75))
    # an initiative has no home country: the undiscounted prior
    initiative = next(iter(leadit.initiatives))
    assert trust.prior(indian, initiative) == company
    # what a pair without history gets: the trustee's delivery probability times the factor
    rng = np.random.default_rng(2)
    ids = leadit.proposers
    for _ in range(300):
        a, b = (ids[int(i)] for i in rng.choice(len(ids), 2, replace=False))
        if (a, b) in trust.values:
            continue
        assert trust.prior(a, b) == trust.get(a, b)
        homes = leadit.home_of[leadit.proposer_index[a]], leadit.home_of[leadit.proposer_index[b]]
        base = government if b in leadit.country_agents else company
        expected = base * (
            1.0 - p.affinity_trust_penalty * (1.0 - leadit.countries.affinity[homes])
        )
        assert trust.prior(a, b) == pytest.approx(expected, rel=1e-15)
    np.testing.assert_array_equal(trust.factor_by_home, trust.factor_by_home.T)


def test_penalty_zero_gives_every_pair_the_delivery_probability() -> None:
    model = TransitionModel("leadit", seed=1, snapshots=False, affinity_trust_penalty=0.0)
    book = model.trust
    assert (book.factor_by_home == 1.0).all()
    ids = model.proposers
    n_countries = len(model.country_agents)
    assert all(book.prior(a, b) == book.base(b) for a in ids[:40] for b in ids)
    rng = np.random.default_rng(4)
    a, b = rng.integers(len(ids), size=2000), rng.integers(len(ids), size=2000)
    unseen = np.array([(ids[i], ids[j]) not in book.values for i, j in zip(a, b, strict=True)])
    expected = np.where(b < n_countries, book.government_prior, book.initial)
    np.testing.assert_array_equal(_trust(model, a, b)[unseen], expected[unseen])


def test_decay_relaxes_toward_the_pairs_own_prior() -> None:
    affinity = np.array([[1.0, 0.0], [0.0, 1.0]])
    book = TrustBook(0.6, home={"x": 0, "y": 0, "z": 1}, affinity=affinity, affinity_penalty=0.5)
    assert book.prior("x", "y") == 0.6
    assert book.prior("x", "z") == book.prior("z", "y") == pytest.approx(0.3)
    assert book.prior("x", "initiative") == 0.6  # no home country
    book.set("x", "y", 0.9, year=0)
    book.set("x", "z", 0.9, year=0)
    book.set("y", "z", 0.1, year=0)
    book.decay(0.25, year=1)
    assert book.get("x", "y") == pytest.approx(0.9 + 0.25 * (0.6 - 0.9))
    assert book.get("x", "z") == pytest.approx(0.9 + 0.25 * (0.3 - 0.9))
    assert book.get("y", "z") == pytest.approx(0.1 + 0.25 * (0.3 - 0.1))
    for year in range(2, 200):
        book.decay(0.25, year=year)
    assert book.get("x", "y") == pytest.approx(0.6)
    assert book.get("x", "z") == pytest.approx(0.3)
    assert book.get("z", "y") == pytest.approx(0.3)
    # without an affinity matrix every pair's prior is the initial value
    plain = TrustBook(0.6, home={"x": 0, "z": 1})
    assert plain.get("x", "z") == 0.6


@pytest.mark.parametrize("pairs", [30, 3000])  # fewer and more pairs than remembered trusts
def test_batched_trust_equals_the_trust_book_with_the_penalty(pairs: int) -> None:
    model = TransitionModel("leadit", seed=1, snapshots=False, affinity_trust_penalty=0.5)
    rng = np.random.default_rng(3)
    ids = model.proposers
    n = len(ids)
    a, b = rng.integers(n, size=pairs), rng.integers(n, size=pairs)
    keep = a != b
    a, b = a[keep], b[keep]
    # remember the trust of some of the pairs (and of others not asked about)
    for i, j in zip(a[::3], b[::3], strict=True):
        model.trust.set(ids[i], ids[j], float(rng.random()), model.year)
    for _ in range(200):
        i, j = rng.integers(n, size=2)
        model.trust.set(ids[i], ids[j], float(rng.random()), model.year)
    expected = [model.trust.get(ids[i], ids[j]) for i, j in zip(a, b, strict=True)]
    np.testing.assert_array_equal(_trust(model, a, b), expected)
    reverse = [model.trust.get(ids[j], ids[i]) for i, j in zip(a, b, strict=True)]
    np.testing.assert_array_equal(_trust(model, b, a), reverse)
    assert expected != reverse  # directed
    unseen = [(ids[i], ids[j]) not in model.trust.values for i, j in zip(a, b, strict=True)]
    base = np.where(b < len(model.country_agents), model.trust.government_prior, 1.0)
    assert (np.array(expected)[unseen] < base[unseen]).any()  # the penalty bites


def test_search_ranks_unremembered_edges_by_their_prior() -> None:
    model = TransitionModel("leadit", seed=1, snapshots=False, affinity_trust_penalty=0.5)
    model.trust.values.clear()  # every live edge falls back on its prior
    indptr, indices, trust = adjacency(model)
    ids = model.proposers
    rows = np.repeat(np.arange(len(ids)), np.diff(indptr))
    expected = [model.trust.prior(ids[i], ids[j]) for i, j in zip(rows, indices, strict=True)]
    np.testing.assert_array_equal(trust, expected)
    assert len(set(expected)) > 1


def test_penalty_zero_runs_exactly_as_a_constant_prior() -> None:
    off = TransitionModel("leadit", seed=1, snapshots=False, affinity_trust_penalty=0.0)
    constant = TransitionModel("leadit", seed=1, snapshots=False)
    # the default penalty, but every pair's affinity factor forced back to 1
    constant.trust.factor_by_home[:] = 1.0
    constant.trust._factor_rows = constant.trust.factor_by_home.tolist()
    for _ in range(27):
        off.step()
        constant.step()
    series = off.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(series, constant.datacollector.get_model_vars_dataframe())
    assert series["finance_delivered_musd"].iloc[-1] > 0.0  # deals were made
    # and a penalty makes the run differ (1.0, the bound: the default 0.2 changes few seeds'
    # runs, docs/validation.md §10, and since the sourced company and country tables of issue
    # 14 seed 1 runs alike at 0.5)
    on = TransitionModel("leadit", seed=1, snapshots=False, affinity_trust_penalty=1.0)
    for _ in range(27):
        on.step()
    assert not on.datacollector.get_model_vars_dataframe().equals(series)
