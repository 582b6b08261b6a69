"""The batch valuation equals the scalar deal functions, pair by pair.

For a pair (a, b) the reference is ``possible_deals(model, a, b)`` and the first deal of largest
surplus (a later deal replaces only on a strictly larger one), valued with the model's cost
cache active, as during negotiation. ``value_pairs`` must give the same kind, parties,
technology, plant and weight, and the same values to 1e-9.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model import agreements, costs
from industry_transition.model.deals import Deal, transaction_cost
from industry_transition.model.negotiation import possible_deals
from industry_transition.model.registry import Partnership
from industry_transition.model.scenario import load_scenario
from industry_transition.model.valuation import (
    KIND_CODES,
    availability,
    plant_costs_two_ways,
    transaction_costs,
    value_pairs,
)


def reference(model: TransitionModel, a: np.ndarray, b: np.ndarray) -> list[Deal | None]:
    """The scalar choice for each pair, with the cost cache valid (as in ``negotiate``)."""
    ids = model.proposers
    model.costs.clear()
    model.costs.active = True
    try:
        chosen: list[Deal | None] = []
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            best: Deal | None = None
            for deal in possible_deals(model, ids[x], ids[y]):
                if best is None or deal.surplus > best.surplus:
                    best = deal
            chosen.append(best)
        return chosen
    finally:
        model.costs.active = False
        model.costs.clear()


def assert_matches_reference(model: TransitionModel, a: np.ndarray, b: np.ndarray) -> Counter:
    """Compare every pair; return how many pairs got each kind (None: no deal)."""
    got = value_pairs(model, a, b)
    expected = reference(model, a, b)
    assert len(got) == len(expected) == a.size
    surplus = got.surplus
    kinds: Counter = Counter()
    wrong = []
    for i, deal in enumerate(expected):
        kinds[deal.kind if deal else None] += 1
        if deal is None:
            if got.kind[i] != -1 or np.isfinite(surplus[i]):
                wrong.append((i, model.proposers[a[i]], model.proposers[b[i]], None))
            continue
        if got.kind[i] < 0:
            wrong.append((i, deal, None))
            continue
        mine = got.deal(model, i)
        same = dataclasses.replace(mine, value_a=deal.value_a, value_b=deal.value_b) == deal
        close = mine.value_a == pytest.approx(
            deal.value_a, rel=1e-9, abs=1e-9
        ) and mine.value_b == pytest.approx(deal.value_b, rel=1e-9, abs=1e-9)
        if not (same and close and surplus[i] == mine.value_a + mine.value_b):
            wrong.append((i, deal, mine))
        assert KIND_CODES[got.kind[i]] == mine.kind
    assert not wrong, f"{len(wrong)} of {a.size} pairs differ, e.g. {wrong[:3]}"
    return kinds


def candidate_pairs(
    model: TransitionModel, rng: np.random.Generator, size: int = 300
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of every shape, both orders, with the ones that exercise the lookups.

    Network neighbours (trust, allied countries, pending licences), pairs with remembered
    trust, technology owners and producers, donors and eligible companies, country pairs and
    random pairs (mostly companies, in the same sector or not).
    """
    index = {agent: i for i, agent in enumerate(model.proposers)}
    n_countries, n = len(model.countries.ids), len(model.proposers)
    comp, countries = model.companies, model.countries
    linked = [
        (index[u], index[v])
        for u, v in [*model.network.edges(), *model.trust.values]
        if u in index and v in index
    ]
    firsts = [np.array([p[0] for p in linked], dtype=np.int64)]
    seconds = [np.array([p[1] for p in linked], dtype=np.int64)]
    owners = n_countries + np.flatnonzero(comp.owns.any(axis=1))
    producers = n_countries + np.flatnonzero(comp.is_producer)
    donors = np.flatnonzero(countries.donor_budget_musd > 0)
    eligible = n_countries + np.flatnonzero(
        comp.is_producer & (countries.income[comp.country] != 0)
    )
    for group_a, group_b in (
        (owners, producers),
        (donors, eligible),
        (np.arange(n_countries),) * 2,
    ):
        if group_a.size and group_b.size:
            firsts.append(rng.choice(group_a, size))
            seconds.append(rng.choice(group_b, size))
    firsts.append(rng.integers(n_countries, n, size))  # companies
    seconds.append(rng.integers(n_countries, n, size))
    firsts.append(rng.integers(0, n, size))
    seconds.append(rng.integers(0, n, size))
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    a, b = np.concatenate([a, b]), np.concatenate([b, a])  # both orders
    keep = a != b
    return a[keep], b[keep]


def step(model: TransitionModel, years: int) -> None:
    for _ in range(years):
        model.step()


# Government ties are valued by the deals they ease, which no country pair here has enough of
# to pay for a tie: ``government_deal`` gives None (tested in tests/test_government.py).
ALL_KINDS = {"finance", "codevelopment"}


# --- evolving worlds ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scenario", "overrides", "checkpoints", "kinds_valued"),
    [
        # finance pays only for uncapped low-carbon routes, which carbon prices five times as
        # high make worth financing within these years (teaching finances some from 2030 at
        # its own prices, but no pair there values co-development at them; three times was
        # enough before issue 14's all-in capex)
        ("teaching", {"carbon_price_scale": 5.0}, (0, 4, 4), ALL_KINDS),
        # leadit needs five times its prices since issue 14's all-in capex (H2-DRI 2,400 USD/tpa,
        # kiln CCS 550): at three times no pair values co-development any more
        ("leadit", {"carbon_price_scale": 5.0}, (0, 8, 5), ALL_KINDS),
        # no co-development is worth anything to both sides in this small generated world
        (
            "synthetic",
            {"companies": 300, "carbon_price_scale": 8.0},
            (0, 8, 4),
            {"finance"},
        ),
    ],
)
def test_batch_equals_the_scalar_choice_as_the_world_evolves(
    scenario, overrides, checkpoints, kinds_valued
):
    model = TransitionModel(scenario, seed=1, snapshots=False, **overrides)
    rng = np.random.default_rng(7)
    kinds: Counter = Counter()
    for years in checkpoints:
        step(model, years)
        a, b = candidate_pairs(model, rng)
        kinds += assert_matches_reference(model, a, b)
    # pairs with no deal and pairs with deals of most kinds (licences need the twin world)
    assert kinds[None] > 0
    assert kinds_valued <= set(kinds), kinds
    assert model.trust.values, "trust changed somewhere"


# --- a world built to reach every path ---------------------------------------------------------
def twin_world(scenario: str, seed: int = 3, **overrides: object) -> TransitionModel:
    """The scenario plus two twins of every low-carbon technology, with its numbers.

    ``<t>_licensed`` is proprietary and owned by the technology owners of its sector, so
    licences are on offer from the first year; ``<t>_open`` is open to all. A twin is worth
    exactly what its original is worth: licences, co-development options and finance targets
    tie.
    """
    spec = load_scenario(scenario, overrides)
    tables = dict(spec.tables)
    technologies = tables["technologies"]
    low = technologies[technologies["low_carbon"]]
    licensed = low.assign(technology=low["technology"] + "_licensed", proprietary=True)
    opened = low.assign(technology=low["technology"] + "_open", proprietary=False)
    tables["technologies"] = pd.concat([technologies, licensed, opened], ignore_index=True)
    companies = tables["companies"].copy()
    companies["owned_technologies"] = [
        [
            *owned,
            *(
                f"{t}_licensed"
                for t, s in zip(low["technology"], low["sector"], strict=True)
                if s == sector
            ),
        ]
        if len(owned)
        else list(owned)
        for owned, sector in zip(companies["owned_technologies"], companies["sector"], strict=True)
    ]
    tables["companies"] = companies
    return TransitionModel(dataclasses.replace(spec, tables=tables), seed=seed, snapshots=False)


def add_pending_licences(model: TransitionModel, rng: np.random.Generator, count: int) -> int:
    """Sign (in the registry only) licences not yet delivered, of the best licence on offer.

    A licence signed but not delivered takes its technology off the owner's offers to that
    licensee; taking the best one changes the deal.
    """
    comp, tech = model.companies, model.technologies
    n_countries = len(model.countries.ids)
    owners = np.flatnonzero(comp.owns.any(axis=1))
    producers = np.flatnonzero(comp.is_producer)
    owner = np.repeat(owners, producers.size)
    licensee = np.tile(producers, owners.size)
    same = comp.sector[owner] == comp.sector[licensee]
    owner, licensee = owner[same], licensee[same]
    deals = value_pairs(model, owner + n_countries, licensee + n_countries)
    licences = np.flatnonzero(deals.kind == KIND_CODES.index("technology"))
    chosen = rng.choice(licences, min(count, licences.size), replace=False)
    for i in chosen:
        model.registry.add(
            Partnership(
                partnership_id=model.registry.new_id("technology", model.year),
                kind="technology",
                party_a=comp.ids[licensee[i]],
                party_b=comp.ids[owner[i]],
                start_year=model.year,
                end_year=model.year + 5,
                technology=tech.ids[deals.technology[i]],
            )
        )
    return int(chosen.size)


def split_plants(model: TransitionModel, rng: np.random.Generator, count: int) -> dict[int, int]:
    """Split plants open to finance in two identical halves; return {original: new line}."""
    fleet, comp, tech = model.fleet, model.companies, model.technologies
    eligible = comp.is_producer & (model.countries.income[comp.country] != 0)
    open_plants = np.flatnonzero(
        fleet.active()
        & eligible[fleet.owner]
        & ~fleet.financed
        & ~tech.low_carbon[fleet.technology]
        & (fleet.pending_technology < 0)
    )
    chosen = rng.choice(open_plants, min(count, open_plants.size), replace=False)
    return {
        int(plant): agreements.split_plant(model, int(plant), float(fleet.capacity_mt[plant]) / 2)
        for plant in chosen
    }


def test_batch_equals_the_scalar_choice_with_pending_licences_split_plants_and_trust():
    """Licences on offer, some pending; plants split in identical halves; trust set at random."""
    model = twin_world("synthetic", companies=300, carbon_price_scale=8.0)
    rng = np.random.default_rng(11)
    kinds: Counter = Counter()
    split_ties = 0
    for years in (0, 1, 1):
        step(model, years)
        assert add_pending_licences(model, rng, 3) > 0
        halves = split_plants(model, rng, 40)
        ids = model.proposers
        for _ in range(30):
            x, y = rng.choice(len(ids), 2, replace=False)
            model.trust.set(ids[x], ids[y], float(rng.random()), model.year)
        a, b = candidate_pairs(model, rng)
        kinds += assert_matches_reference(model, a, b)
        # the pending licences took technologies off some offers
        comp = model.companies
        pending = [
            (model.company_agents[p.party_b], model.company_agents[p.party_a])
            for p in model.registry.active("technology")
        ]
        assert any(
            len(owner.licensable_technologies(licensee))
            < int((comp.owns[owner.index] & ~comp.access[licensee.index]).sum())
            for owner, licensee in pending
        )
        # a grant for a plant that was split: both halves tie, the first (the original) wins
        got = value_pairs(model, a, b)
        split_ties += int(np.isin(got.plant[got.kind == 0], list(halves)).sum())
        assert not np.isin(got.plant[got.kind == 0], list(halves.values())).any()
    # Grants now pay only for uncapped routes, which in this world need no grant or exceed capex
    # in its first years: no finance deal is valued, so split plants tie on nothing here
    # (their finance ties are left uncovered until a world with early finance is built).
    # (no co-development is worth anything to both sides in this generated world either)
    assert {"technology"} <= set(kinds), kinds
    assert kinds[None] > 0
    assert split_ties == 0


def test_ties_go_the_way_of_the_scalar_functions():
    """Twins are worth the same: a licence takes the later one, co-development the first."""
    # leadit at eight times its prices: since issue 14's all-in capex no pair in teaching
    # co-develops an open route, even at ten times its prices (teaching at five before), and
    # since the sourced effective carbon prices (EU ETS net of free allocation) leadit needs
    # eight times (five before)
    model = twin_world("leadit", carbon_price_scale=8.0)
    a, b = candidate_pairs(model, np.random.default_rng(5), 400)
    assert_matches_reference(model, a, b)
    got = value_pairs(model, a, b)
    comp, tech = model.companies, model.technologies
    n_countries = len(model.countries.ids)
    ties: Counter = Counter()
    for i in np.flatnonzero(got.kind >= 0):
        kind, name = KIND_CODES[got.kind[i]], tech.ids[got.technology[i]]
        x, y = got.party_a[i] - n_countries, got.party_b[i] - n_countries
        lacks_original = not comp.access[x, tech.index["electric_calcination"]]
        if kind == "technology" and name.startswith("electric_calcination") and lacks_original:
            # the licensee lacks both proprietary versions: max((value, t)) takes the later
            assert name == "electric_calcination_licensed"
            ties["technology"] += 1
        if kind == "codevelopment":
            # an open twin ties with its original when both companies may use the original
            original = tech.index[name.removesuffix("_open")]
            if comp.access[x, original] and comp.access[y, original]:
                assert not name.endswith("_open")
                ties["codevelopment"] += 1
    assert ties["technology"] > 0
    assert ties["codevelopment"] > 0


# --- parts and the interface -------------------------------------------------------------------
def test_a_few_pairs_are_valued_as_inside_a_large_batch():
    model = TransitionModel("synthetic", seed=2, snapshots=False, companies=300)
    step(model, 3)
    rng = np.random.default_rng(3)
    a, b = candidate_pairs(model, rng, 1000)
    batch = value_pairs(model, a, b)
    for _ in range(5):
        few = rng.choice(a.size, 10, replace=False)
        alone = value_pairs(model, a[few], b[few])
        for field in ("kind", "party_a", "party_b", "technology", "plant"):
            np.testing.assert_array_equal(getattr(alone, field), getattr(batch, field)[few])
        for field in ("value_a", "value_b", "weight_a"):
            np.testing.assert_allclose(
                getattr(alone, field), getattr(batch, field)[few], rtol=1e-12, atol=1e-12
            )


def test_transaction_costs_match_the_scalar_function():
    model = twin_world("synthetic", companies=300)
    step(model, 3)
    rng = np.random.default_rng(4)
    ids = model.proposers
    a, b = candidate_pairs(model, rng, 500)
    for i in rng.choice(a.size, 20, replace=False):
        model.trust.set(ids[a[i]], ids[b[i]], float(rng.random()), model.year)
    # fewer pairs than remembered trusts and agents than members (each looked up), and more
    assert 10 < len(model.trust.values) < a.size
    for size in (10, a.size):
        x, y = a[:size], b[:size]
        expected = [transaction_cost(model, ids[i], ids[j]) for i, j in zip(x, y, strict=True)]
        np.testing.assert_array_equal(transaction_costs(model, x, y), expected)


def test_cost_rows_equal_the_cost_functions():
    model = TransitionModel("leadit", seed=1, snapshots=False, carbon_price_scale=3.0)
    step(model, 10)
    plants = np.flatnonzero(model.fleet.active())
    rows = np.arange(0, plants.size, 3)
    lcop, variable, concessional = plant_costs_two_ways(model, plants, rows)
    expected_lcop, expected_variable = costs.plant_costs(model, plants)
    np.testing.assert_array_equal(lcop, expected_lcop)
    np.testing.assert_array_equal(variable, expected_variable)
    expected, _ = costs.plant_costs(
        model, plants[rows], concessional=np.ones(rows.size, dtype=bool)
    )
    np.testing.assert_array_equal(concessional, expected)
    np.testing.assert_array_equal(availability(model, plants), costs.availability(model, plants))
    assert model.fleet.financed.any() or model.fleet.grant_musd.any()


def test_pair_deals_interface():
    model = TransitionModel("teaching", seed=1, snapshots=False)
    empty = value_pairs(model, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert len(empty) == 0
    assert empty.surplus.size == 0
    n_countries = len(model.countries.ids)
    a = np.array([0, 1, n_countries, n_countries + 1])
    b = np.array([1, 0, n_countries + 1, n_countries])
    deals = value_pairs(model, a, b)
    for field, dtype in (("kind", np.int8), ("party_a", np.int64), ("value_a", np.float64)):
        assert getattr(deals, field).dtype == dtype
    for i in range(len(deals)):
        if deals.kind[i] < 0:
            assert deals.surplus[i] == -np.inf
            with pytest.raises(ValueError, match="no deal"):
                deals.deal(model, i)
        else:
            deal = deals.deal(model, i)
            assert deal.surplus == deals.surplus[i]
    with pytest.raises(ValueError, match="differ in length"):
        value_pairs(model, a, b[:2])
