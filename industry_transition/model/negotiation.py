"""The negotiation protocol (DESIGN.md): candidates, valuation, bargaining, agreement.

Each round every active agent, in random order from the negotiation stream, looks at no more
than K candidates (broker suggestions, network neighbours, initiative co-members, neighbours of
neighbours, a few random others: never an all-pairs scan), values every deal it could make with
each, and signs the one with the largest joint surplus if both sides gain.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from industry_transition.agents import Company, Country
from industry_transition.model.deals import (
    Deal,
    bargain,
    codevelopment_deal,
    finance_deal,
    government_deal,
    technology_deal,
)

# Keys of draws outside the numbered rounds (rounds are 0, 1, ... < 10,000).
ROUND_MEMBERSHIP = 10_000

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def negotiate(model: TransitionModel) -> None:
    """Phase 3: membership decisions, then ``rounds_per_year`` rounds of proposals."""
    if not model.params.negotiation:
        return
    decide_memberships(model)
    proposers = model.proposers
    for round_number in range(model.params.rounds_per_year):
        order = model.substream("negotiation", model.year, round_number).permutation(len(proposers))
        for i in order:
            propose(model, proposers[int(i)], round_number, int(i))


def decide_memberships(model: TransitionModel) -> None:
    """At each review (stocktake) year, countries in random order join or leave initiatives.

    Between reviews membership is a commitment; the brokered surplus accumulates as evidence.
    """
    if model.is_review_year():
        countries = list(model.country_agents.values())
        order = model.substream("negotiation", model.year, ROUND_MEMBERSHIP)
        for i in order.permutation(len(countries)):
            countries[int(i)].step_membership()
        for initiative in model.initiatives.values():
            initiative.close_review()
    # This year's rounds count toward the next review.
    for initiative in model.initiatives.values():
        initiative.years_since_review += 1


def candidates(
    model: TransitionModel, agent_id: str, rng: np.random.Generator | None = None
) -> list[tuple[str, bool]]:
    """Up to K candidate partners for ``agent_id``, each with whether the broker suggested it."""
    p = model.params
    limit = p.candidates_per_agent
    reserved = min(p.random_candidates, limit)
    chosen: dict[str, bool] = {}
    rng = (
        rng if rng is not None else model.substream("negotiation", model.year, ROUND_MEMBERSHIP + 1)
    )
    agent = model.agent_by_id[agent_id]

    def take(ids: Iterable[str], via_broker: bool = False) -> None:
        for other in ids:
            if len(chosen) >= limit - reserved:
                return
            if other != agent_id and other not in chosen and other in model.proposer_ids:
                chosen[other] = via_broker

    memberships = sorted(getattr(agent, "initiatives", set()))
    for initiative_id in memberships:
        take(model.initiatives[initiative_id].suggest(agent_id, limit), via_broker=True)
    network = model.network
    neighbours = sorted(
        (n for n in network.neighbors(agent_id) if n in model.proposer_ids),
        key=lambda n: (-model.trust.get(agent_id, n), n),
    )
    take(neighbours)
    co_members = co_members_of(model, agent_id, memberships)
    # lazily: the permutation is drawn in full, its members looked up only until K are found
    take(co_members[int(j)] for j in rng.permutation(len(co_members)))
    two_hop = sorted(
        {m for n in neighbours for m in network.neighbors(n)} - {agent_id} - set(neighbours)
    )
    take([two_hop[int(j)] for j in rng.permutation(len(two_hop))])
    # A few random others, drawn by index (no scan over all agents); a draw that hits the
    # agent itself or an already chosen candidate is simply not replaced beyond a few tries.
    proposers = model.proposers
    tries = 0
    added = 0
    while added < reserved and tries < 4 * reserved:
        other = proposers[int(rng.integers(len(proposers)))]
        tries += 1
        if other != agent_id and other not in chosen:
            chosen[other] = False
            added += 1
    return list(chosen.items())


def co_members_of(model: TransitionModel, agent_id: str, memberships: list[str]) -> list[str]:
    """Sorted ids of the agent's fellow members across its initiatives (without the agent).

    The sorted member list of each initiative is kept while memberships stay the same, so a
    round costs one copy per member instead of one sort of the whole membership.
    """
    if len(memberships) != 1:
        return sorted({m for i in memberships for m in model.initiatives[i].members} - {agent_id})
    key = ("sorted_members", memberships[0])
    members = model.costs.structure.get(key)
    if not isinstance(members, list):
        members = sorted(model.initiatives[memberships[0]].members)
        if model.costs.active:
            model.costs.structure[key] = members
    position = bisect.bisect_left(members, agent_id)
    if position < len(members) and members[position] == agent_id:
        return members[:position] + members[position + 1 :]
    return list(members)


def possible_deals(model: TransitionModel, a: str, b: str) -> list[Deal]:
    """Every deal two agents could make, valued (at most one of each kind)."""
    x, y = model.agent_by_id[a], model.agent_by_id[b]
    deals: list[Deal | None] = []
    if isinstance(x, Country) and isinstance(y, Country):
        deals.append(government_deal(model, x, y))
    elif isinstance(x, Country) and isinstance(y, Company):
        deals.append(finance_deal(model, x, y))
    elif isinstance(x, Company) and isinstance(y, Country):
        deals.append(finance_deal(model, y, x))
    elif isinstance(x, Company) and isinstance(y, Company):
        deals.append(technology_deal(model, x, y))
        deals.append(technology_deal(model, y, x))
        deals.append(codevelopment_deal(model, x, y))
    return [d for d in deals if d is not None]


def propose(model: TransitionModel, agent_id: str, round_number: int, position: int = 0) -> None:
    """One agent's turn: find its best deal among its candidates and sign it if both gain."""
    best: Deal | None = None
    best_via_broker = False
    rng = model.substream("negotiation", model.year, round_number, position)
    for other, via_broker in candidates(model, agent_id, rng):
        for deal in possible_deals(model, agent_id, other):
            if best is None or deal.surplus > best.surplus:
                best, best_via_broker = deal, via_broker
    if best is None:
        return
    reason = feasibility(model, best)
    if reason is None and bargain(best):
        reason = feasibility(model, best, after_bargain=True)
        if reason is None:
            model.sign(best, round_number=round_number, brokered=best_via_broker)
            return
    model.events.record(
        model.year,
        "rejected",
        f"{model.year}: {model.display_name(best.party_a)} and "
        f"{model.display_name(best.party_b)} found no {best.kind} deal "
        f"({reason or 'no joint gain'})",
        kind=best.kind,
        party_a=best.party_a,
        party_b=best.party_b,
        technology=best.technology,
        round_number=round_number,
    )


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
    "candidates",
    "decide_memberships",
    "negotiate",
    "possible_deals",
    "propose",
]
