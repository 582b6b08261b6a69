"""The broker's ranking of co-members, scored for all members at once.

``Initiative.suggest`` ranks a member's co-members by ``TransitionModel.complementarity``. The
plain way calls it once per co-member, so a round of suggestions costs members squared Python
calls: the cost that made a 10,000-company world superlinear. Here the same scores come from
arrays. For a pair with no active partnership the score depends only on static attributes, the
companies' production and their technology access, all vectorised; the pairs that do have one
(the agent's network neighbours, few) are scored by ``complementarity`` itself. The ranking is
identical to the plain one (``tests/test_broker.py`` compares them on evolving worlds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from industry_transition.agents.initiative import Initiative
    from industry_transition.model.transition_model import TransitionModel

#: Score of two producers in one sector with nothing to license (``complementarity``).
PRODUCER_PAIR_SCORE = 0.1


@dataclass
class MemberArrays:
    """Static attributes of an initiative's members, in member order."""

    ids: list[str]
    position: dict[str, int]
    id_rank: np.ndarray  # rank of each id in sorted order (the ranking's tie-break)
    is_company: np.ndarray
    company: np.ndarray  # company index, -1 for countries
    donor: np.ndarray  # countries with a finance budget
    eligible: np.ndarray  # countries: not high income; companies: producers in such countries
    producer: np.ndarray
    sector: np.ndarray  # -1 for countries


def member_arrays(model: TransitionModel, initiative: Initiative) -> MemberArrays:
    """Arrays of the members (cached until membership or the negotiation changes)."""
    key = ("broker_members", initiative.agent_id)
    cached = model.costs.structure.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    ids = list(initiative.members)
    n = len(ids)
    is_company = np.zeros(n, dtype=bool)
    company = np.full(n, -1, dtype=np.int64)
    donor = np.zeros(n, dtype=bool)
    eligible = np.zeros(n, dtype=bool)
    producer = np.zeros(n, dtype=bool)
    sector = np.full(n, -1, dtype=np.int64)
    for i, agent_id in enumerate(ids):
        agent = model.agent_by_id[agent_id]
        if agent_id in model.company_agents:
            is_company[i] = True
            company[i] = agent.index
            eligible[i] = agent.finance_eligible
            producer[i] = agent.is_producer
            sector[i] = agent.sector
        elif agent_id in model.country_agents:
            donor[i] = agent.is_donor
            eligible[i] = agent.finance_eligible
    order = sorted(range(n), key=lambda i: ids[i])
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[order] = np.arange(n)
    arrays = MemberArrays(
        ids,
        {a: i for i, a in enumerate(ids)},
        id_rank,
        is_company,
        company,
        donor,
        eligible,
        producer,
        sector,
    )
    if model.costs.active:
        model.costs.structure[key] = arrays
    return arrays


def rank(model: TransitionModel, initiative: Initiative, agent_id: str, limit: int) -> list[str]:
    """Co-members with a positive complementarity, best first, ties by id; at most ``limit``."""
    m = member_arrays(model, initiative)
    n = len(m.ids)
    scores = np.zeros(n)
    agent = model.agent_by_id[agent_id]
    companies = np.flatnonzero(m.is_company)
    production = np.zeros(n)
    production[companies] = model.costs.company_production()[m.company[companies]]
    if agent_id in model.country_agents:
        donor = agent.is_donor
        eligible = agent.finance_eligible
        if donor:
            scores = np.where(m.is_company & m.eligible, production, 0.0)
        countries = ~m.is_company
        either_donor = donor | m.donor
        either_eligible = eligible | m.eligible
        scores = np.where(countries, np.where(either_donor & either_eligible, 1.0, 0.0), scores)
    else:
        x = agent.index
        own = float(model.costs.company_production()[x])
        x_eligible = agent.finance_eligible
        x_producer = agent.is_producer
        countries = ~m.is_company
        if x_eligible:
            scores = np.where(countries & m.donor, own, 0.0)
        same = m.is_company & (m.sector == agent.sector)
        idx = m.company[same]
        owns, access = model.companies.owns, model.companies.access
        x_licenses = (owns[x][None, :] & ~access[idx]).any(axis=1)  # x could license to y
        y_licenses = (owns[idx] & ~access[x][None, :]).any(axis=1)  # y could license to x
        pair = np.where(
            x_licenses & m.producer[same],
            production[same],
            np.where(
                y_licenses & x_producer,
                own,
                np.where(x_producer & m.producer[same], PRODUCER_PAIR_SCORE, 0.0),
            ),
        )
        scores[same] = pair
    # Pairs with an active partnership: the exact function (government ties, pending licences).
    for neighbour in model.network.neighbors(agent_id):
        i = m.position.get(neighbour)
        if i is not None:
            scores[i] = model.complementarity(agent_id, neighbour)
    self_position = m.position[agent_id]
    scores[self_position] = 0.0
    chosen = np.flatnonzero(scores > 0)
    order = chosen[np.lexsort((m.id_rank[chosen], -scores[chosen]))]
    return [m.ids[int(i)] for i in order[:limit]]
