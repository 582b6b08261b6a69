"""The broker: each member's co-members ranked by complementarity, for all members at once.

A broker suggests to each member the co-members it could trade with most
(``complementarity``), best first. Ties are broken by a priority drawn at
random for each round (``priority``: a permutation of the proposers), so that equal scores do
not always send every member to the same co-members.

Ranking every co-member for every member costs members squared. Here the ranking uses the
structure of the scores instead. For a pair with no active partnership a score is one of:
the production of one side (finance: the eligible company's; licences: the licensee's), 1 (two
countries that could tie), 0.1 (two producers of one sector with nothing to license), or 0. So
each member's top ``limit`` comes from the first few entries of a handful of lists sorted
once per round (donor countries, eligible companies by production, producers of each sector by
production and by priority, technology owners of each sector). Pairs with an active
partnership (network neighbours, few) are scored by ``complementarity`` itself.
``plain_ranking`` is the one-call-per-co-member reference; ``tests/test_broker.py`` checks the
two agree on evolving worlds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from industry_transition.agents import Company, Country

if TYPE_CHECKING:
    from industry_transition.agents.initiative import Initiative
    from industry_transition.model.transition_model import TransitionModel

#: Score of two producers in one sector with nothing to license (``complementarity``).
PRODUCER_PAIR_SCORE = 0.1


def complementarity(model: TransitionModel, a: str, b: str) -> float:
    """How much two agents could trade (the broker's ranking; 0 means nothing to trade).

    Finance and licences score by the production they could convert (Mt), government ties
    and co-development by a unit score: a heuristic for ranking, not a valuation. Remembered
    within a negotiation round until a signature involving either party (``CostCache``).
    """
    key = ("complementarity", a, b)
    known = model.costs.party_memo.get(key)
    if known is not None:
        return known  # type: ignore[return-value]
    value = _complementarity(model, a, b)
    model.costs.remember(key, (a, b), value)
    return value


def _complementarity(model: TransitionModel, a: str, b: str) -> float:
    x, y = model.agent_by_id[a], model.agent_by_id[b]
    if isinstance(x, Company) and isinstance(y, Country):
        x, y = y, x
    if isinstance(x, Country) and isinstance(y, Company):
        if x.is_donor and y.finance_eligible:
            return float(model.fleet.production_mt[y.active_plants()].sum())
        return 0.0
    if isinstance(x, Country) and isinstance(y, Country):
        if model.registry.has_active(a, b, "government") or not (x.is_donor or y.is_donor):
            return 0.0
        return 1.0 if (x.finance_eligible or y.finance_eligible) else 0.0
    if isinstance(x, Company) and isinstance(y, Company) and x.sector == y.sector:
        for owner, other in ((x, y), (y, x)):
            if owner.licensable_technologies(other) and other.is_producer:
                return float(model.fleet.production_mt[other.active_plants()].sum())
        return PRODUCER_PAIR_SCORE if x.is_producer and y.is_producer else 0.0
    return 0.0


@dataclass
class _Lists:
    """An initiative's members in the orders the ranking reads (agent indices)."""

    countries: list[int]
    eligible_countries: list[int]
    donors: list[int]
    eligible_donors: list[int]
    eligible_companies_by_production: list[int]
    producers_by_production: dict[int, list[int]]  # sector -> producers, most production first
    producers_by_priority: dict[int, list[int]]  # sector -> producers by priority
    owners: dict[int, list[int]]  # sector -> companies that own a technology, by priority
    # per company (company index), as Python ints: technologies owned and accessible as bit
    # masks, and producer status (read one entry at a time in the ranking loops)
    owns_bits: list[int]
    access_bits: list[int]
    is_producer: list[bool]


def bit_masks(flags: np.ndarray) -> list[int]:
    """Each row of a boolean matrix as a Python int (bit k set where column k is True)."""
    if flags.shape[1] <= 63:
        weights = np.left_shift(np.int64(1), np.arange(flags.shape[1], dtype=np.int64))
        return (flags.astype(np.int64) @ weights).tolist()
    packed = np.packbits(flags, axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def _lists(model: TransitionModel, members: list[int], priority: np.ndarray) -> _Lists:
    c = len(model.countries.ids)
    companies = model.companies
    production = model.costs.company_production()
    donor = model.countries.donor_budget_musd > 0
    country_eligible = model.countries.eligible
    ids = np.asarray(members, dtype=np.int64)
    ids = ids[np.argsort(priority[ids], kind="stable")]  # by priority
    countries = ids[ids < c]
    firms = ids[ids >= c]
    j = firms - c
    sector = companies.sector[j]
    producer = companies.is_producer[j]
    eligible = producer & country_eligible[companies.country[j]]
    owner = companies.owns.any(axis=1)[j]
    output = production[j]

    def by_production(mask: np.ndarray) -> list[int]:
        # stable sort of a priority-ordered list: ties keep the priority order
        chosen = firms[mask]
        return chosen[np.argsort(-output[mask], kind="stable")].tolist()

    sectors = sorted(set(sector.tolist()))
    return _Lists(
        countries=countries.tolist(),
        eligible_countries=countries[country_eligible[countries]].tolist(),
        donors=countries[donor[countries]].tolist(),
        eligible_donors=countries[donor[countries] & country_eligible[countries]].tolist(),
        eligible_companies_by_production=by_production(eligible),
        producers_by_production={s: by_production(producer & (sector == s)) for s in sectors},
        producers_by_priority={s: firms[producer & (sector == s)].tolist() for s in sectors},
        owners={s: firms[owner & (sector == s)].tolist() for s in sectors},
        owns_bits=bit_masks(companies.owns),
        access_bits=bit_masks(companies.access),
        is_producer=companies.is_producer.tolist(),
    )


def suggestions(
    model: TransitionModel,
    initiative: Initiative,
    priority: np.ndarray,
    limit: int,
    adjacency: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[int, list[int]]:
    """Each member's co-members with a positive complementarity, best first, at most ``limit``.

    Keys and values are agent indices (positions in ``model.proposers``); ties go to the lower
    ``priority``. ``adjacency`` is the network among proposers as CSR arrays ``(indptr,
    indices)`` (``search.adjacency``); without it the network is read from ``model.network``.
    """
    index = model.proposer_index
    members = [index[m] for m in initiative.members if m in index]
    lists = _lists(model, members, priority)
    c = len(model.countries.ids)
    companies = model.companies
    production = model.costs.company_production()
    owns_any = companies.owns.any(axis=1)
    eligible = model.countries.eligible
    partners = _member_partners(model, members, adjacency)
    ranked: dict[int, list[int]] = {}
    # Companies that own no technology and have no partner among the members rank their
    # co-members alike when they share a sector, producer status, eligibility, technology
    # access and the order of their own production against the 0.1 score: rank each such
    # class once (one entry more, for the member itself) and drop the member.
    classes: dict[tuple[object, ...], list[int]] = {}
    for x in members:
        neighbours = partners.get(x, set())
        j = x - c
        if x < c or neighbours or owns_any[j]:
            ranked[x] = _rank(model, x, lists, neighbours, priority, limit)
            continue
        own = float(production[j])
        key = (
            int(companies.sector[j]),
            bool(companies.is_producer[j]),
            bool(eligible[companies.country[j]]),
            companies.access[j].tobytes(),
            (own > PRODUCER_PAIR_SCORE) - (own < PRODUCER_PAIR_SCORE),
            own > 0,
        )
        shared = classes.get(key)
        if shared is None:
            shared = classes[key] = _rank(model, x, lists, set(), priority, limit + 1, self_ok=True)
        ranked[x] = [i for i in shared if i != x][:limit]
    return ranked


def _member_partners(
    model: TransitionModel, members: list[int], adjacency: tuple[np.ndarray, np.ndarray] | None
) -> dict[int, set[int]]:
    """The network neighbours of each member among the members (members with none omitted)."""
    n = len(model.proposers)
    is_member = np.zeros(n, dtype=bool)
    is_member[members] = True
    if adjacency is None:
        index = model.proposer_index
        partners: dict[int, set[int]] = {}
        for x in members:
            found = {index[m] for m in model.network.neighbors(model.proposers[x]) if m in index}
            found = {m for m in found if is_member[m]}
            if found:
                partners[x] = found
        return partners
    indptr, indices = adjacency
    source = np.repeat(np.arange(n), np.diff(indptr))
    both = is_member[source] & is_member[indices]
    partners = {}
    for x, y in zip(source[both].tolist(), indices[both].tolist(), strict=True):
        partners.setdefault(x, set()).add(y)
    return partners


def _rank(
    model: TransitionModel,
    x: int,
    lists: _Lists,
    neighbours: set[int],
    priority: np.ndarray,
    limit: int,
    *,
    self_ok: bool = False,
) -> list[int]:
    """``x``'s top ``limit`` (with ``self_ok``, ``x`` itself may be among them)."""
    c = len(model.countries.ids)
    proposers = model.proposers
    skip = set(neighbours) if self_ok else neighbours | {x}
    need = limit + len(skip)
    scored: list[tuple[float, int]] = []  # (score, agent)

    def take(ids: list[int], score: float, count: int = need) -> None:
        if score <= 0:
            return
        for i in ids[:count]:
            scored.append((score, i))

    production = model.costs.company_production()
    countries = model.countries
    if x < c:
        donor = bool(countries.donor_budget_musd[x] > 0)
        eligible = bool(countries.eligible[x])
        if donor:
            for i in lists.eligible_companies_by_production[:need]:
                scored.append((float(production[i - c]), i))
            take(lists.countries if eligible else lists.eligible_countries, 1.0)
        else:
            take(lists.donors if eligible else lists.eligible_donors, 1.0)
    else:
        companies = model.companies
        j = x - c
        sector = int(companies.sector[j])
        own = float(production[j])
        producer = bool(companies.is_producer[j])
        if producer and countries.eligible[companies.country[j]]:
            take(lists.donors, own)
        owns, access = lists.owns_bits, lists.access_bits
        is_producer = lists.is_producer
        # A: x could license to a producer y: y's production
        wanted = owns[j]
        x_owns = wanted != 0

        def licensee(i: int) -> bool:
            return x_owns and (wanted & ~access[i - c]) != 0

        if x_owns:
            found = 0
            for i in lists.producers_by_production.get(sector, []):
                if found >= need:
                    break
                if (self_ok or i != x) and licensee(i):
                    found += 1
                    scored.append((float(production[i - c]), i))
        # B: y could license to x (and y is not in A): x's production
        licensors: set[int] = set()
        if producer:
            lacking = ~access[j]
            # Licensors all score x's production and rank among themselves by priority (the
            # order of the list), so when they rank above the 0.1 of C the first ``need``
            # are enough: later ones rank below them and would only be skipped by C, where
            # they would score 0.1 (below ``need`` of their betters). Otherwise read all.
            enough = need if own > PRODUCER_PAIR_SCORE else -1
            for i in lists.owners.get(sector, []):
                if (i == x and not self_ok) or (is_producer[i - c] and licensee(i)):
                    continue  # x's licensee (A) or x itself
                if owns[i - c] & lacking:
                    licensors.add(i)
                    scored.append((own, i))
                    if len(licensors) == enough:
                        break
            # C: any other producer of the sector
            count = 0
            for i in lists.producers_by_priority.get(sector, []):
                if count >= need:
                    break
                # A licensee of x scores by its production (even when not among the first
                # ``need`` of A, which rank above it); a licensor by x's production.
                if i in licensors or licensee(i):
                    continue
                scored.append((PRODUCER_PAIR_SCORE, i))
                count += 1
    ranked = {i: s for s, i in scored if s > 0 and i not in skip}
    for n in neighbours:
        score = complementarity(model, proposers[x], proposers[n])
        if score > 0:
            ranked[n] = score
    order = sorted(ranked, key=lambda i: (-ranked[i], priority[i]))
    return order[:limit]


def plain_ranking(
    model: TransitionModel, initiative: Initiative, agent_id: str, priority: np.ndarray, limit: int
) -> list[str]:
    """The ranking by one ``complementarity`` call per co-member (the reference for tests)."""
    index = model.proposer_index
    scored = [
        (complementarity(model, agent_id, other), other)
        for other in initiative.members
        if other != agent_id
    ]
    scored = [(score, other) for score, other in scored if score > 0]
    scored.sort(key=lambda item: (-item[0], priority[index[item[1]]]))
    return [other for _, other in scored[:limit]]
