"""Search: every proposer's candidates for one negotiation round, drawn for all at once.

At the start of a round each proposer (country or company) finds at most
``K = candidates_per_agent`` candidates (docs/model.md §3.5). The first
``K - random_candidates`` come from four sources, in this order, skipping the proposer itself
and repeats:

1. broker suggestions: for each initiative with a broker the proposer belongs to (by id), its
   co-members ranked by complementarity (``model/broker.py``);
2. network neighbours, most trusted first by the proposer (ties: lower agent index);
3. fellow members of its initiatives, drawn at random (uniformly from the members of all its
   initiatives together);
4. neighbours of neighbours, each drawn by a random two-step walk on the network.

The remaining ``random_candidates`` are drawn by index from all proposers; a draw that hits the
proposer or one of its candidates is retried, up to ``4 * random_candidates`` draws.

Every random number of a round comes from one generator, ``substream("negotiation", t,
round)``, in draws of fixed shape (one row per proposer, in agent-index order), so a proposer's
numbers depend only on the seed, the year, the round and its index: two runs that differ in
policy draw the same numbers for the same proposer (common random numbers), and the cost of the
search grows linearly with the number of proposers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from industry_transition.model import broker

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel

#: Tries per random candidate (a draw that hits the proposer or a chosen candidate is retried).
RANDOM_TRIES = 4


@dataclass
class RoundDraws:
    """The random numbers of one round, drawn in this order from the round's generator."""

    order: np.ndarray  # permutation of proposers: who proposes when
    priority: np.ndarray  # permutation: the broker's tie-break
    member: np.ndarray  # (P, K) uniform: fellow-member draws
    first_step: np.ndarray  # (P, K) uniform: two-step walk, first step
    second_step: np.ndarray  # (P, K) uniform: two-step walk, second step
    others: np.ndarray  # (P, RANDOM_TRIES * R) integers: random candidates

    @classmethod
    def draw(cls, rng: np.random.Generator, proposers: int, k: int, r: int) -> RoundDraws:
        """Draw a round's numbers (shapes depend only on the sizes, never on the state)."""
        return cls(
            order=rng.permutation(proposers),
            priority=rng.permutation(proposers),
            member=rng.random((proposers, k)),
            first_step=rng.random((proposers, k)),
            second_step=rng.random((proposers, k)),
            others=rng.integers(proposers, size=(proposers, RANDOM_TRIES * r)),
        )


@dataclass
class Candidates:
    """Each proposer's candidates: agent indices, -1 where fewer than K were found."""

    agents: np.ndarray  # (P, K) int64
    brokered: np.ndarray  # (P, K) bool: suggested by a broker


def adjacency(model: TransitionModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network among proposers as CSR arrays, each row most trusted first (by the row's agent).

    Returns ``(indptr, indices, trust)``: the neighbours of agent ``i`` are
    ``indices[indptr[i]:indptr[i + 1]]``, ordered by trust (highest first), then index.
    """
    index = model.proposer_index
    n = len(model.proposers)
    source: list[int] = []
    target: list[int] = []
    trust: list[float] = []
    get = model.trust.get
    for a, b in model.registry.live_pair_keys():  # the graph's edges
        i, j = index.get(a), index.get(b)
        if i is None or j is None:
            continue  # membership edges to initiatives
        # each end ranks the other by its own trust in it (directed)
        source += (i, j)
        target += (j, i)
        trust += (get(a, b), get(b, a))
    src = np.asarray(source, dtype=np.int64)
    dst = np.asarray(target, dtype=np.int64)
    tr = np.asarray(trust, dtype=float)
    order = np.lexsort((dst, -tr, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order], tr[order]


def _neighbour_block(indptr: np.ndarray, indices: np.ndarray, k: int) -> np.ndarray:
    n = len(indptr) - 1
    block = np.full((n, k), -1, dtype=np.int64)
    degree = np.diff(indptr)
    rows = np.repeat(np.arange(n), degree)
    rank = np.arange(len(indices)) - indptr[rows]
    keep = rank < k
    block[rows[keep], rank[keep]] = indices[keep]
    return block


def _two_hop_block(
    indptr: np.ndarray, indices: np.ndarray, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    n = len(indptr) - 1
    degree = np.diff(indptr)
    block = np.full(first.shape, -1, dtype=np.int64)
    if len(indices) == 0:
        return block
    rows = np.broadcast_to(np.arange(n)[:, None], first.shape)
    has = degree[rows] > 0
    step = indptr[rows] + np.minimum((first * degree[rows]).astype(np.int64), degree[rows] - 1)
    middle = np.where(has, indices[np.where(has, step, 0)], 0)
    has &= degree[middle] > 0
    step2 = indptr[middle] + np.minimum(
        (second * degree[middle]).astype(np.int64), np.maximum(degree[middle] - 1, 0)
    )
    block[has] = indices[step2[has]]
    return block


def _member_block(
    model: TransitionModel, initiatives: list[list[int]], uniform: np.ndarray
) -> np.ndarray:
    """Fellow members drawn uniformly from the members of all of a proposer's initiatives."""
    n, k = uniform.shape
    block = np.full((n, k), -1, dtype=np.int64)
    if not initiatives:
        return block
    sizes = np.array([len(m) for m in initiatives], dtype=np.int64)
    membership = np.zeros((n, len(initiatives)), dtype=bool)
    for column, members in enumerate(initiatives):
        membership[members, column] = True
    weights = membership * sizes[None, :]
    cumulative = np.cumsum(weights, axis=1)
    total = cumulative[:, -1]
    rows = np.flatnonzero(total > 0)
    if rows.size == 0:
        return block
    position = np.minimum(
        (uniform[rows] * total[rows, None]).astype(np.int64), total[rows, None] - 1
    )
    which = (position[:, :, None] >= cumulative[rows][:, None, :]).sum(axis=2)
    start = cumulative[rows] - weights[rows]
    offset = position - np.take_along_axis(start, which, axis=1)
    everyone = np.concatenate([np.asarray(m, dtype=np.int64) for m in initiatives])
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    block[rows] = everyone[first[which] + offset]
    return block


def _broker_blocks(
    model: TransitionModel,
    priority: np.ndarray,
    k: int,
    adjacency: tuple[np.ndarray, np.ndarray],
) -> list[np.ndarray]:
    blocks: list[np.ndarray] = []
    if not model.params.broker:
        return blocks
    n = len(model.proposers)
    for initiative_id in sorted(model.initiatives):
        initiative = model.initiatives[initiative_id]
        if not initiative.has_broker or not initiative.members:
            continue
        block = np.full((n, k), -1, dtype=np.int64)
        for member, ranked in broker.suggestions(model, initiative, priority, k, adjacency).items():
            block[member, : len(ranked)] = ranked
        blocks.append(block)
    return blocks


def _first_distinct(slots: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Mask of each row's first occurrences of valid entries (not -1, not the row's own)."""
    valid = (slots >= 0) & (slots != own[:, None])
    if slots.shape[1] == 0:
        return valid
    key = np.where(valid, slots, -1 - np.arange(slots.shape[1])[None, :])
    order = np.argsort(key, axis=1, kind="stable")
    ordered = np.take_along_axis(key, order, axis=1)
    repeat = np.zeros_like(valid)
    duplicate = ordered[:, 1:] == ordered[:, :-1]
    rows = np.broadcast_to(np.arange(len(slots))[:, None], duplicate.shape)
    repeat[rows[duplicate], order[:, 1:][duplicate]] = True
    return valid & ~repeat


def find_candidates(model: TransitionModel, draws: RoundDraws) -> Candidates:
    """Every proposer's candidates for a round (see the module docstring)."""
    p = model.params
    n = len(model.proposers)
    k = p.candidates_per_agent
    r = min(p.random_candidates, k)
    directed = k - r
    own = np.arange(n)
    index = model.proposer_index
    initiatives = [
        [index[m] for m in model.initiatives[i].members if m in index]
        for i in sorted(model.initiatives)
    ]
    indptr, indices, _ = adjacency(model)
    brokers = _broker_blocks(model, draws.priority, k, (indptr, indices))
    blocks = [
        *brokers,
        _neighbour_block(indptr, indices, k),
        _member_block(model, [m for m in initiatives if m], draws.member),
        _two_hop_block(indptr, indices, draws.first_step, draws.second_step),
    ]
    slots = np.concatenate(blocks, axis=1)
    from_broker = np.zeros(slots.shape, dtype=bool)
    from_broker[:, : k * len(brokers)] = True
    keep = _first_distinct(slots, own)
    rank = np.cumsum(keep, axis=1) - 1
    keep &= rank < directed
    agents = np.full((n, k), -1, dtype=np.int64)
    brokered = np.zeros((n, k), dtype=bool)
    rows, cols = np.nonzero(keep)
    agents[rows, rank[rows, cols]] = slots[rows, cols]
    brokered[rows, rank[rows, cols]] = from_broker[rows, cols]
    if r > 0:
        tries = draws.others
        taken = (tries[:, :, None] == agents[:, None, :]).any(axis=2)
        fresh = _first_distinct(np.where(taken, -1, tries), own)
        order = np.cumsum(fresh, axis=1) - 1
        fresh &= order < r
        found = keep.sum(axis=1)
        rows, cols = np.nonzero(fresh)
        agents[rows, found[rows] + order[rows, cols]] = tries[rows, cols]
    return Candidates(agents, brokered)
