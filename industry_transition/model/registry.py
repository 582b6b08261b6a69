"""Partnership records and the NetworkX graph that mirrors the live ones.

The graph ``network`` has every agent as a node and one edge per pair of agents with at least one
active partnership (attributes: ``trust_by`` (each end's trust in the other), ``trust`` (the mean
of the two directions), ``partnerships`` (ids), ``kinds``). Initiative membership is a
``membership`` partnership between a member and the initiative agent, so an initiative is a hub,
not a clique. Trust is directed and remembered per ordered pair in :class:`TrustBook` even when
no edge is live, and copied onto the edge; a pair without history has its prior trust: the
delivery probability of the trustee's kind of promise under the enforcement regime, lower between
countries of low political affinity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from industry_transition.model.affinity import affinity_trust_prior
from industry_transition.model.economics import FloatArray


@dataclass
class Partnership:
    """One agreement between two parties, with its terms and delivery record."""

    partnership_id: str
    kind: str
    party_a: str
    party_b: str
    start_year: int
    end_year: int
    amount_musd: float = 0.0
    transfer_musd: float = 0.0
    # finance: the financed line's funding gap and the capex of its new route (USD million)
    need_musd: float = 0.0
    capex_musd: float = 0.0
    technology: str = ""
    plant: int = -1
    surplus_musd: float = 0.0
    status: str = "active"
    ended_year: int | None = None
    delivered_musd: float = 0.0
    deliveries: int = 0
    tranches_due: list[float] = field(default_factory=list)
    brokered: bool = False

    @property
    def pair(self) -> tuple[str, str]:
        """The parties in a canonical order."""
        return pair_key(self.party_a, self.party_b)


def pair_key(a: str, b: str) -> tuple[str, str]:
    """Canonical (sorted) key for an unordered pair of agent ids."""
    return (a, b) if a <= b else (b, a)


class TrustBook:
    """Directed trust in [0, 1]: ``get(i, j)`` is what ``i`` believes about ``j``.

    It is the probability ``i`` expects ``j`` to deliver what ``j`` promises (docs/model.md
    §3.5). A pair without history has its prior: the delivery probability of ``j``'s kind of
    promise, lowered by the political affinity of the two home countries,
    ``base(j) * (1 - affinity_penalty * (1 - affinity[h_i, h_j]))``
    (:func:`~industry_transition.model.affinity.affinity_trust_prior`). ``base(j)`` is
    ``government_prior`` for the agents in ``governments`` (whose promises carry the enforcement
    regime's hazards, :func:`~industry_transition.model.delivery.government_delivery_prior`) and
    ``initial`` for every other agent. ``home`` maps agent ids to home-country indices (a country
    is its own home); a pair with an agent not in it (an initiative), or a book without
    ``affinity``, has the unscaled base. Without contact, remembered trust relaxes toward the
    prior. Trust is kept per ordered pair ``(truster, trustee)``.
    """

    def __init__(
        self,
        initial: float,
        home: Mapping[str, int] | None = None,
        affinity: FloatArray | None = None,
        affinity_penalty: float = 0.0,
        *,
        governments: Iterable[str] = (),
        government_prior: float | None = None,
    ) -> None:
        self.initial = initial
        self.government_prior = initial if government_prior is None else government_prior
        self.governments: frozenset[str] = frozenset(governments)
        #: Remembered trust by (truster, trustee).
        self.values: dict[tuple[str, str], float] = {}
        self.last_contact: dict[tuple[str, str], int] = {}
        #: The year each (truster, trustee) last saw a default (one loss of trust per year).
        self.last_default: dict[tuple[str, str], int] = {}
        self.home: dict[str, int] = dict(home or {})
        if affinity is None:
            affinity = np.ones((1, 1))
            self.home = {}
        # symmetric by construction, so the affinity factor of a pair does not depend on its order
        symmetric = 0.5 * (np.asarray(affinity, dtype=float) + np.asarray(affinity, dtype=float).T)
        #: (home country, home country) affinity factor of the prior, 1 at affinity 1.
        self.factor_by_home: FloatArray = affinity_trust_prior(1.0, affinity_penalty, symmetric)
        self._factor_rows: list[list[float]] = self.factor_by_home.tolist()

    def base(self, trustee: str) -> float:
        """Delivery probability of ``trustee``'s promises before affinity and history."""
        return self.government_prior if trustee in self.governments else self.initial

    def prior(self, truster: str, trustee: str) -> float:
        """Trust of ``truster`` in ``trustee`` without history."""
        base = self.government_prior if trustee in self.governments else self.initial
        home_a, home_b = self.home.get(truster), self.home.get(trustee)
        if home_a is None or home_b is None:
            return base
        return base * self._factor_rows[home_a][home_b]

    def get(self, truster: str, trustee: str) -> float:
        """Trust of ``truster`` in ``trustee``: how likely it expects ``trustee`` to deliver."""
        value = self.values.get((truster, trustee))
        return self.prior(truster, trustee) if value is None else value

    def mutual(self, a: str, b: str) -> float:
        """Mean trust of the two directions (what a pair's transaction cost falls with)."""
        return 0.5 * (self.get(a, b) + self.get(b, a))

    def set(self, truster: str, trustee: str, value: float, year: int) -> None:
        """Set ``truster``'s trust in ``trustee``, clipped to [0, 1], and record the contact."""
        key = (truster, trustee)
        self.values[key] = min(1.0, max(0.0, value))
        self.last_contact[key] = year

    def contact(self, a: str, b: str, year: int) -> None:
        """Record contact in both directions (a signature), keeping the trust values."""
        for key in ((a, b), (b, a)):
            self.values[key] = self.get(*key)
            self.last_contact[key] = year

    def decay(self, rate: float, year: int) -> None:
        """Relax trust without contact this year toward the pair's prior."""
        for key, value in self.values.items():
            if self.last_contact.get(key, -1) < year:
                self.values[key] = value + rate * (self.prior(*key) - value)


class PartnershipRegistry:
    """All partnerships ever formed, indexed by id, kept consistent with ``network``."""

    def __init__(self, network: nx.Graph, trust: TrustBook) -> None:
        self.network = network
        self.trust = trust
        self.records: dict[str, Partnership] = {}
        self.active_ids: dict[str, None] = {}  # insertion-ordered set
        self._by_pair: dict[tuple[str, str], dict[str, None]] = {}
        # active partnerships per (pair, kind), and partners per (agent, kind) with at least one
        self._kind_count: dict[tuple[str, str, str], int] = {}
        self._kind_partners: dict[tuple[str, str], int] = {}
        self._counter = 0

    def new_id(self, kind: str, year: int) -> str:
        """A fresh partnership id."""
        self._counter += 1
        return f"{kind[:3]}-{year}-{self._counter:05d}"

    def add(self, partnership: Partnership) -> None:
        """Register an active partnership and add or update its edge."""
        if partnership.party_a == partnership.party_b:
            raise ValueError(f"{partnership.partnership_id}: an agent cannot partner itself")
        if partnership.partnership_id in self.records:
            raise ValueError(f"duplicate partnership id {partnership.partnership_id}")
        self.records[partnership.partnership_id] = partnership
        self.active_ids[partnership.partnership_id] = None
        key = partnership.pair
        self._by_pair.setdefault(key, {})[partnership.partnership_id] = None
        self._count(partnership, +1)
        self._sync_edge(key)

    def end(self, partnership: Partnership, status: str, year: int) -> None:
        """End an active partnership (completed, lapsed, defaulted, left) and update its edge."""
        if partnership.status != "active":
            return
        partnership.status = status
        partnership.ended_year = year
        self.active_ids.pop(partnership.partnership_id, None)
        key = partnership.pair
        live = self._by_pair.get(key, {})
        if live.pop(partnership.partnership_id, "gone") is None:
            self._count(partnership, -1)
        if not live:
            self._by_pair.pop(key, None)
        self._sync_edge(key)

    def _count(self, partnership: Partnership, change: int) -> None:
        a, b = partnership.pair
        key = (a, b, partnership.kind)
        count = self._kind_count.get(key, 0) + change
        self._kind_count[key] = count
        if (change > 0 and count == 1) or (change < 0 and count == 0):
            for agent in (a, b):
                slot = (agent, partnership.kind)
                self._kind_partners[slot] = self._kind_partners.get(slot, 0) + change

    def partners(self, agent: str, kind: str) -> int:
        """Number of agents with which ``agent`` has at least one active ``kind`` partnership."""
        return self._kind_partners.get((agent, kind), 0)

    def _sync_edge(self, key: tuple[str, str]) -> None:
        live = self._by_pair.get(key)
        if not live:
            if self.network.has_edge(*key):
                self.network.remove_edge(*key)
            return
        ids = list(live)
        a, b = key
        ab, ba = self.trust.get(a, b), self.trust.get(b, a)
        self.network.add_edge(
            a,
            b,
            trust=0.5 * (ab + ba),
            trust_by={a: ab, b: ba},
            partnerships=ids,
            kinds=sorted({self.records[i].kind for i in ids}),
        )

    def refresh_trust(self) -> None:
        """Copy remembered trust onto live edges (both directions and their mean)."""
        adjacency = self.network.adj
        get = self.trust.get
        for a, b in self._by_pair:  # the live pairs are the edges (``check``)
            ab, ba = get(a, b), get(b, a)
            data = adjacency[a][b]
            data["trust"] = 0.5 * (ab + ba)
            data["trust_by"] = {a: ab, b: ba}

    def live_pair_keys(self) -> list[tuple[str, str]]:
        """The pairs with at least one active partnership (the graph's edges), sorted ids."""
        return list(self._by_pair)

    def live_pairs(self) -> int:
        """Number of pairs with at least one active partnership (the graph's edges)."""
        return len(self._by_pair)

    def active(self, kind: str | None = None) -> list[Partnership]:
        """Active partnerships, optionally of one kind, in formation order."""
        records = (self.records[i] for i in self.active_ids)
        return [p for p in records if kind is None or p.kind == kind]

    def between(self, a: str, b: str) -> list[Partnership]:
        """Active partnerships between two agents."""
        return [self.records[i] for i in self._by_pair.get(pair_key(a, b), {})]

    def has_active(self, a: str, b: str, kind: str, technology: str = "") -> bool:
        """Whether an active partnership of this kind (and technology) links ``a`` and ``b``."""
        if not self._kind_count.get((*pair_key(a, b), kind), 0):
            return False
        if not technology:
            return True
        return any(
            p.kind == kind and (not technology or p.technology == technology)
            for p in self.between(a, b)
        )

    def check(self) -> None:
        """Raise AssertionError unless graph edges match exactly the pairs with live ties."""
        expected = {key for key, ids in self._by_pair.items() if ids}
        # the graph's edges, read from its adjacency dicts (each edge seen from both ends;
        # NetworkX's views would wrap every node's dict)
        adjacency = dict(self.network.adjacency())
        edges = {pair_key(a, b) for a, near in adjacency.items() for b in near}
        if expected != edges:
            raise AssertionError(
                f"graph and registry disagree: only in registry {sorted(expected - edges)[:3]}, "
                f"only in graph {sorted(edges - expected)[:3]}"
            )
        for key in expected:
            ids = set(adjacency[key[0]][key[1]]["partnerships"])
            if ids != set(self._by_pair[key]):
                raise AssertionError(f"edge {key} lists {ids}, registry {set(self._by_pair[key])}")
            for pid in ids:
                if self.records[pid].status != "active":
                    raise AssertionError(f"edge {key} carries ended partnership {pid}")
        for a, b in edges:
            if a == b:
                raise AssertionError(f"self-loop on {a}")
        counts = Counter((*self.records[i].pair, self.records[i].kind) for i in self.active_ids)
        if {k: v for k, v in self._kind_count.items() if v} != dict(counts):
            raise AssertionError("partnership counts by pair and kind are out of date")
        partners = Counter((agent, kind) for a, b, kind in counts for agent in (a, b))
        if {k: v for k, v in self._kind_partners.items() if v} != dict(partners):
            raise AssertionError("partner counts by agent and kind are out of date")

    def to_frame(self) -> pd.DataFrame:
        """All partnerships ever formed, one row each."""
        rows: list[dict[str, Any]] = []
        for p in self.records.values():
            rows.append(
                {
                    "partnership_id": p.partnership_id,
                    "kind": p.kind,
                    "party_a": p.party_a,
                    "party_b": p.party_b,
                    "start_year": p.start_year,
                    "end_year": p.end_year,
                    "ended_year": p.ended_year,
                    "status": p.status,
                    "technology": p.technology,
                    "amount_musd": p.amount_musd,
                    "need_musd": p.need_musd,
                    "capex_musd": p.capex_musd,
                    "delivered_musd": p.delivered_musd,
                    "transfer_musd": p.transfer_musd,
                    "surplus_musd": p.surplus_musd,
                    "brokered": p.brokered,
                }
            )
        columns = [
            "partnership_id",
            "kind",
            "party_a",
            "party_b",
            "start_year",
            "end_year",
            "ended_year",
            "status",
            "technology",
            "amount_musd",
            "need_musd",
            "capex_musd",
            "delivered_musd",
            "transfer_musd",
            "surplus_musd",
            "brokered",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.astype({"ended_year": "Int64"})
