"""The negotiation protocol (docs/model.md §3.5): search, valuation, bargaining, agreement.

Each year has ``rounds_per_year`` rounds. A round has two parts:

1. **Search** (``model/search.py``): every proposer (country or company) finds at most K
   candidates at once: broker suggestions, network neighbours, initiative co-members,
   neighbours of neighbours and a few random others; never an all-pairs scan.
2. **Proposals**, one proposer at a time in a random order: each proposer takes the deal with
   the largest joint surplus among all deals it could make with its candidates, and signs it if
   both sides gain. Every signed deal is visible to the proposers after it.

All candidate deals of the round are valued at once with arrays at its start
(``model/valuation.py``). A signature changes the parties (plants, access, trust), the route
shares of a recipient's country, and for a government tie the transaction costs between the two
countries' agents; each later proposer whose own pairs involve an agent so touched re-values
them on the state at its turn. So every proposal is valued on the state it sees, as if the
proposers had been valued one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from industry_transition.agents import Company, Country
from industry_transition.model import agreements
from industry_transition.model.deals import Deal, bargain
from industry_transition.model.events import EventLog
from industry_transition.model.policy import is_review_year
from industry_transition.model.search import RoundDraws, find_candidates
from industry_transition.model.valuation import (
    FINANCE,
    KIND_CODES,
    PairDeals,
    channels_open,
    drop_kinds,
    value_pairs,
)

# Keys of draws outside the numbered rounds (rounds are 0, 1, ... < 10,000).
ROUND_MEMBERSHIP = 10_000
# The donors' order in a round's finance call: (year, round, CALL_DRAWS), apart from the
# round's own draws (year, round).
CALL_DRAWS = 1

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def negotiate(model: TransitionModel) -> None:
    """Phase 3: membership decisions, then ``rounds_per_year`` rounds of proposals."""
    if not model.params.negotiation:
        return
    if model.params.initiative_membership:
        decide_memberships(model)
    for round_number in range(model.params.rounds_per_year):
        negotiation_round(model, round_number)


def negotiation_round(
    model: TransitionModel, round_number: int, *, reference: bool = False
) -> None:
    """One round: search for all, value all candidate deals, then proposals in random order.

    With ``reference``, every proposer values its candidates at its turn with the scalar deal
    functions (``possible_deals``): the plain protocol the batch valuation must reproduce
    (``tests/test_negotiation.py``).
    """
    p = model.params
    n = len(model.proposers)
    k = p.candidates_per_agent
    draws = RoundDraws.draw(
        model.substream("negotiation", model.year, round_number),
        n,
        k,
        min(p.random_candidates, k),
    )
    found = find_candidates(model, draws)
    finance_call(model, found.agents, found.brokered, round_number, reference=reference)
    book = _RoundBook(model, found.agents, round_number)
    if reference:
        for i in draws.order.tolist():
            for deal, column in book.reference_ranked(i):
                if _propose(
                    model,
                    book,
                    deal,
                    bool(found.brokered[i, column]),
                    round_number,
                    model.proposers[i],
                ):
                    break
        return
    book.value(np.arange(n))
    log = model.events.rows
    order = draws.order
    turn = 0
    while turn < n:
        # Proposers whose best deal is known to fail (or who have none) and that no signature
        # has touched only add their "rejected" line to the log: done in bulk, in order.
        chunk = order[turn : turn + REVALUE_WINDOW]
        busy = np.flatnonzero(book.stale[chunk] | ~book.quiet[chunk])
        done = 0
        for offset in busy.tolist():
            log.extend(book.logged(chunk[done:offset]))
            done = offset + 1
            i = int(chunk[offset])
            if book.stale[i]:
                # Re-value this proposer and the stale ones among the next: each is valued
                # on the state after the last signature so far; a later signature that
                # touches one marks it stale again.
                ahead = order[turn + offset : turn + offset + REVALUE_WINDOW]
                book.value(ahead[book.stale[ahead]])
            if book.quiet[i]:  # re-valued above, or earlier in this chunk
                log.extend(book.logged(chunk[offset : offset + 1]))
                continue
            if any(
                _propose(
                    model,
                    book,
                    deal,
                    bool(found.brokered[i, column]),
                    round_number,
                    model.proposers[i],
                )
                for deal, column in book.ranked(i)
            ):
                break  # a signature: the rest of the chunk may be stale now
        else:
            log.extend(book.logged(chunk[done:]))
            done = len(chunk)
        turn += done


def _propose(
    model: TransitionModel,
    book: _RoundBook | None,
    deal: Deal,
    brokered: bool,
    round_number: int,
    proposer: str | None = None,
) -> bool:
    """Bargain over a proposed deal; sign it or log why not. Returns whether signed.

    ``book``: the round whose proposers a signature may make stale (None in a finance call,
    which comes before the round is valued).
    """
    reason = verdict(model, deal)
    if reason is None:
        agreements.sign(model, deal, round_number=round_number, brokered=brokered)
        if book is not None:
            book.signed(deal)
        return True
    model.events.reject(
        model.year,
        round_number,
        deal.kind,
        deal.party_a,
        deal.party_b,
        deal.technology,
        reason,
        proposer,
    )
    return False


#: Proposers re-valued together after a signature (the stale ones among the next this many).
REVALUE_WINDOW = 512


class _RoundBook:
    """The valued candidate pairs of a round and which proposers must re-value them.

    A signature touches the deals of some pairs (docs/model.md §3.5; ``signed``):

    - the pairs of an agent whose own state changed: a licensee, both co-developers (finance is
      signed in the donors' calls, before the round is valued);
    - for a government tie of countries A and B, the pairs of an agent of A with an agent of B
      (transaction costs), and every pair of two countries one of which is A or B (tie counts);
    - a government deal between two countries counts the complementary pairs of all their
      agents, so it is touched whenever any agent of either country is.

    A proposer with a touched pair is stale until it is valued again.
    """

    def __init__(self, model: TransitionModel, agents: np.ndarray, round_number: int) -> None:
        self.model = model
        self.round_number = round_number
        self.agents = agents
        n, k = agents.shape
        self.n = n
        self.c = len(model.countries.ids)
        self.surplus = np.full((n, k), -np.inf)
        self.best_column = np.zeros(n, dtype=np.int64)
        self.pair = np.full((n, k), -1, dtype=np.int64)
        self.batch = np.full(n, -1, dtype=np.int64)
        self.batches: list[PairDeals] = []
        self.stale = np.zeros(n, dtype=bool)
        # proposers with no deal, or whose best deal bargaining turns down (no transfer makes
        # both sides gain), and the log line each of the latter will add
        self.quiet = np.zeros(n, dtype=bool)
        self.lines: list[tuple[object, ...] | None] = [None] * n
        # kind, agent and technology ids by code (technology -1: none)
        self.labels = (
            np.array(KIND_CODES, dtype=object),
            np.array(model.proposers, dtype=object),
            np.array([*model.technologies.ids, ""], dtype=object),
        )
        # home country of each candidate (-1 where none)
        self.candidate_homes = np.append(model.home_of, -1)[np.where(agents >= 0, agents, n)]
        # rows in which each agent is a candidate, as CSR arrays (indptr by agent, rows)
        flat = agents.ravel()
        present = np.flatnonzero(flat >= 0)
        by_agent = present[np.argsort(flat[present], kind="stable")]
        self.rows_of = by_agent // k
        self.rows_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(flat[present], minlength=n), out=self.rows_indptr[1:])
        # the country candidates of each country (government deals), n where none
        countries = agents[: self.c]
        self.country_pairs = np.where((countries >= 0) & (countries < self.c), countries, n)
        self.members_of = _agents_by_country(model)

    def value(self, rows: np.ndarray) -> None:
        """Value the candidate pairs of ``rows`` on the current state."""
        if rows.size == 0:
            return
        agents = self.agents[rows]
        r, cols = np.nonzero(agents >= 0)
        deals = value_pairs(self.model, rows[r], agents[r, cols])
        drop_kinds(deals, [FINANCE])  # finance is allocated by the donors' calls (``finance_call``)
        self.batches.append(deals)
        self.batch[rows] = len(self.batches) - 1
        self.surplus[rows] = -np.inf
        self.surplus[rows[r], cols] = deals.surplus
        self.pair[rows[r], cols] = np.arange(r.size)
        best = np.argmax(self.surplus[rows], axis=1)
        self.best_column[rows] = best
        self.stale[rows] = False
        # proposals that bargaining would turn down: no transfer makes both gain
        chosen = self.pair[rows, best]
        found = self.surplus[rows, best] > -np.inf
        chosen = np.where(found, chosen, 0)
        # a best deal without a joint gain is the proposer's only proposal (``ranked``)
        rejected = found & (deals.surplus[chosen] <= 0)
        self.quiet[rows] = ~found | rejected
        model = self.model
        kinds, names, technologies = self.labels
        lines = self.lines
        picked = chosen[rejected]
        year, round_number = model.year, self.round_number
        proposers = model.proposers
        for i in rows[~rejected].tolist():
            lines[i] = None
        for i, kind, a, b, technology in zip(
            rows[rejected].tolist(),
            kinds[deals.kind[picked]].tolist(),
            names[deals.party_a[picked]].tolist(),
            names[deals.party_b[picked]].tolist(),
            technologies[deals.technology[picked]].tolist(),
            strict=True,
        ):
            lines[i] = EventLog.rejection(
                year, round_number, kind, a, b, technology, proposer=proposers[i]
            )

    def logged(self, rows: np.ndarray) -> list[tuple[object, ...]]:
        """The log lines of quiet proposers ``rows`` (those with a rejected deal), in order."""
        lines = self.lines
        return [line for i in rows.tolist() if (line := lines[i]) is not None]

    def ranked(self, i: int) -> Iterator[tuple[Deal, int]]:
        """Proposer ``i``'s deals in the order it proposes them, with their candidate columns.

        The best (first largest joint surplus) first; if it is turned down, the next best, and
        so on over the deals with a joint gain (at most ``candidates_per_agent``). A best deal
        without a joint gain is the only one: no other can have one.
        """
        batch = self.batches[int(self.batch[i])]
        for column in _proposal_order(self.surplus[i]):
            yield batch.deal(self.model, int(self.pair[i, column])), column

    def reference_ranked(self, i: int) -> Iterator[tuple[Deal, int]]:
        """The same, valued now with the scalar functions (the reference protocol)."""
        columns = np.flatnonzero(self.agents[i] >= 0)
        if columns.size == 0:
            return
        fresh = reference_pairs(self.model, np.full(columns.size, i), self.agents[i, columns])
        fresh = ReferencePairs(
            [d if d is None or d.kind != "finance" else None for d in fresh.deals]
        )
        for j in _proposal_order(fresh.surplus):
            yield fresh.deal(self.model, j), int(columns[j])

    def signed(self, deal: Deal) -> None:
        """Mark the proposers whose pairs the signature touched as stale."""
        model, n, c = self.model, self.n, self.c
        index = model.proposer_index
        a, b = index[deal.party_a], index[deal.party_b]
        touched = np.zeros(n + 1, dtype=bool)
        countries = np.zeros(n + 1, dtype=bool)  # countries with a touched agent or a new tie
        if deal.kind == "government":
            countries[[a, b]] = True
            # pairs of an agent of one country with an agent of the other
            for home, other in ((a, b), (b, a)):
                rows = self.members_of[home]
                self.stale[rows[(self.candidate_homes[rows] == other).any(axis=1)]] = True
        else:
            if deal.kind == "technology":
                touched[a] = True  # the licensee
            else:
                touched[[a, b]] = True
            agents = np.flatnonzero(touched[:n])
            countries[model.home_of[agents]] = True
            self.stale[agents] = True
            indptr = self.rows_indptr
            for x in agents.tolist():
                self.stale[self.rows_of[indptr[x] : indptr[x + 1]]] = True
        self.stale[:c] |= countries[self.country_pairs].any(axis=1) | countries[:c]


class ReferencePairs:
    """The best deal of each pair by the scalar functions (the batch valuation's reference)."""

    def __init__(self, deals: list[Deal | None]) -> None:
        self.deals = deals
        self.surplus = np.array([-np.inf if d is None else d.surplus for d in deals])

    def deal(self, model: TransitionModel, i: int) -> Deal:
        """A fresh copy of pair ``i``'s deal."""
        deal = self.deals[i]
        assert deal is not None
        return Deal(**{f: getattr(deal, f) for f in deal.__dataclass_fields__})


def reference_pairs(model: TransitionModel, a: np.ndarray, b: np.ndarray) -> ReferencePairs:
    """Best deal of each pair (``a[i]``, ``b[i]``): ``possible_deals``, first largest surplus."""
    out: list[Deal | None] = []
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        best = None
        for deal in possible_deals(model, model.proposers[x], model.proposers[y]):
            if best is None or deal.surplus > best.surplus:
                best = deal
        out.append(best)
    return ReferencePairs(out)


def finance_call(
    model: TransitionModel,
    agents: np.ndarray,
    brokered: np.ndarray,
    round_number: int,
    *,
    reference: bool = False,
) -> None:
    """The donors' calls for proposals, one per round: finance is allocated here.

    Every pair of a donor and a company that the round's search brought together (either way:
    the company among the donor's candidates or the donor among the company's) is an
    application, valued by ``Country.offer_finance``. Each donor, in an order drawn each round,
    ranks its applications by what the abatement is worth to it per dollar of grant (its value
    net of the loan's grant element and the transaction cost, over the grant), as grant
    programmes rank by cost-effectiveness (the EU Innovation Fund's cost-efficiency criterion:
    grant per tonne avoided), and funds them in that order while its budget allows; a request
    that does not fit is refused ("donor budget committed") and smaller ones after it may still
    be funded. A company gets at most one grant per call. The call comes before the round's
    proposals, which make every other kind of deal. docs/model.md §3.5.
    """
    if not model.params.finance_deals:
        return
    c = len(model.countries.ids)
    n = agents.shape[0]
    rows, cols = np.nonzero(agents >= 0)
    other = agents[rows, cols]
    mixed = (rows < c) != (other < c)
    donor = np.where(rows < c, rows, other)[mixed]
    company = np.where(rows < c, other, rows)[mixed]
    suggested = brokered[rows, cols][mixed]
    live = model.countries.donor_budget_musd[donor] > 0
    donor, company, suggested = donor[live], company[live], suggested[live]
    if donor.size == 0:
        return
    key = donor * n + company
    order = np.argsort(key, kind="stable")
    key, suggested = key[order], suggested[order]
    first = np.ones(key.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    key = key[starts]
    suggested = np.logical_or.reduceat(suggested, starts)  # brokered either way
    donor, company = key // n, key % n
    if reference:
        valued: PairDeals | ReferencePairs = reference_pairs(model, donor, company)
    else:
        valued = value_pairs(model, donor, company)
    gains = valued.surplus > 0  # finance is the only deal of a donor and a company
    if not gains.any():
        return
    deals = {int(i): valued.deal(model, int(i)) for i in np.flatnonzero(gains)}
    per_dollar = {i: deal.value_a / -deal.value_b for i, deal in deals.items()}
    funded: set[int] = set()
    draw = model.substream("negotiation", model.year, round_number, CALL_DRAWS)
    for d in draw.permutation(c).tolist():
        mine = [i for i in deals if donor[i] == d]
        mine.sort(key=lambda i: -per_dollar[i])  # stable: equal values in application order
        for i in mine:
            if int(company[i]) in funded:
                continue
            if _propose(model, None, deals[i], bool(suggested[i]), round_number):
                funded.add(int(company[i]))


def _proposal_order(surplus: np.ndarray) -> list[int]:
    """Positions of a proposer's deals in the order it tries them (see ``ranked``)."""
    order = np.argsort(-surplus, kind="stable")
    order = order[surplus[order] > -np.inf]
    if order.size == 0 or surplus[order[0]] <= 0:
        return order[:1].tolist()
    return order[surplus[order] > 0].tolist()


def _agents_by_country(model: TransitionModel) -> list[np.ndarray]:
    """Agent indices of each country: the country itself and its companies."""
    key = ("agents_by_country",)
    known = model.costs.structure.get(key)
    if known is None:
        order = np.argsort(model.home_of, kind="stable")
        bounds = np.searchsorted(model.home_of[order], np.arange(len(model.countries.ids) + 1))
        known = [order[bounds[c] : bounds[c + 1]] for c in range(len(model.countries.ids))]
        model.costs.structure[key] = known
    return known  # type: ignore[return-value]


def verdict(model: TransitionModel, deal: Deal) -> str | None:
    """Bargain over a proposer's best deal: None if it is signed, else why not."""
    reason = feasibility(model, deal)
    if reason is None:
        if not bargain(deal):
            return "no joint gain"
        reason = feasibility(model, deal, after_bargain=True)
    return reason


def decide_memberships(model: TransitionModel) -> None:
    """At each review (stocktake) year, countries in random order join or leave initiatives.

    Between reviews membership is a commitment; the brokered surplus accumulates as evidence.
    With ``membership_joining = "yearly"`` non-members may also join between reviews.
    """
    if is_review_year(model):
        countries = list(model.country_agents.values())
        order = model.substream("negotiation", model.year, ROUND_MEMBERSHIP)
        for i in order.permutation(len(countries)):
            countries[int(i)].step_membership()
        for initiative in model.initiatives.values():
            initiative.close_review()
    elif model.params.membership_joining == "yearly":
        # between reviews non-members may join; members stay (docs/model.md §3.7)
        countries = list(model.country_agents.values())
        order = model.substream("negotiation", model.year, ROUND_MEMBERSHIP)
        for i in order.permutation(len(countries)):
            countries[int(i)].step_membership(joining_only=True)
    # This year's rounds count toward the next review.
    for initiative in model.initiatives.values():
        initiative.years_since_review += 1


def possible_deals(model: TransitionModel, a: str, b: str) -> list[Deal]:
    """Every deal two agents could make, valued (at most one of each kind)."""
    x, y = model.agent_by_id[a], model.agent_by_id[b]
    deals: list[Deal | None] = []
    if isinstance(x, Country) and isinstance(y, Country):
        deals.append(x.propose_tie(y))
    elif isinstance(x, Country) and isinstance(y, Company):
        deals.append(x.offer_finance(y))
    elif isinstance(x, Company) and isinstance(y, Country):
        deals.append(y.offer_finance(x))
    elif isinstance(x, Company) and isinstance(y, Company):
        deals.append(x.offer_licence(y))
        deals.append(y.offer_licence(x))
        deals.append(x.codevelop_with(y))
    channel_open = channels_open(model.params)  # switched-off channels make no deal
    return [d for d in deals if d is not None and channel_open[KIND_CODES.index(d.kind)]]


def feasibility(model: TransitionModel, deal: Deal, *, after_bargain: bool = False) -> str | None:
    """Why a deal cannot be signed (budgets, absorptive capacity), or None if it can."""
    if deal.kind != "finance" or not after_bargain:
        return None
    donor = model.country_agents[deal.party_a]
    company = model.company_agents[deal.party_b]
    if not donor.can_commit(deal.transfer_musd):
        return "donor budget committed"
    if not model.finance.absorbs(company.country_index, deal.transfer_musd):
        return "recipient's yearly finance need met"
    return None


__all__ = [
    "decide_memberships",
    "negotiate",
    "negotiation_round",
    "possible_deals",
]
