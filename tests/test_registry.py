"""Tests for the partnership registry and trust book (industry_transition/model/registry.py)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from industry_transition.model.registry import (
    Partnership,
    PartnershipRegistry,
    TrustBook,
    pair_key,
)

AGENTS = ["nordland", "indara", "indsteel", "kalcix", "club"]


def make_registry(initial_trust: float = 0.3) -> PartnershipRegistry:
    graph = nx.Graph()
    graph.add_nodes_from(AGENTS)
    return PartnershipRegistry(graph, TrustBook(initial_trust))


def partnership(pid: str, kind: str, a: str, b: str) -> Partnership:
    return Partnership(
        partnership_id=pid, kind=kind, party_a=a, party_b=b, start_year=2024, end_year=2034
    )


def test_pair_key_is_order_free() -> None:
    assert pair_key("b", "a") == pair_key("a", "b") == ("a", "b")


def test_adding_a_partnership_creates_one_edge() -> None:
    registry = make_registry(initial_trust=0.3)
    registry.trust.set("nordland", "indara", 0.7, 2023)
    registry.add(partnership("gov-1", "government", "nordland", "indara"))
    graph = registry.network
    assert graph.number_of_edges() == 1
    assert graph.has_edge("indara", "nordland")
    data = graph.edges["nordland", "indara"]
    # the edge carries each end's trust in the other and their mean
    assert data["trust_by"] == {"nordland": pytest.approx(0.7), "indara": pytest.approx(0.3)}
    assert data["trust"] == pytest.approx(0.5)
    assert data["partnerships"] == ["gov-1"]
    assert data["kinds"] == ["government"]
    registry.check()


def test_new_edge_gets_initial_trust_without_history() -> None:
    registry = make_registry(initial_trust=0.25)
    registry.add(partnership("fin-1", "finance", "nordland", "indsteel"))
    assert registry.network.edges["nordland", "indsteel"]["trust"] == pytest.approx(0.25)


def test_two_partnerships_between_same_pair_share_one_edge() -> None:
    registry = make_registry()
    registry.add(partnership("gov-1", "government", "nordland", "indara"))
    registry.add(partnership("fin-1", "finance", "indara", "nordland"))
    graph = registry.network
    assert graph.number_of_edges() == 1
    data = graph.edges["nordland", "indara"]
    assert set(data["partnerships"]) == {"gov-1", "fin-1"}
    assert data["kinds"] == ["finance", "government"]
    assert {p.partnership_id for p in registry.between("indara", "nordland")} == {"gov-1", "fin-1"}
    assert registry.has_active("nordland", "indara", "finance")
    assert not registry.has_active("nordland", "indara", "technology")
    registry.check()


def test_ending_one_keeps_edge_and_ending_both_removes_it() -> None:
    registry = make_registry()
    gov = partnership("gov-1", "government", "nordland", "indara")
    fin = partnership("fin-1", "finance", "nordland", "indara")
    registry.add(gov)
    registry.add(fin)

    registry.end(fin, "completed", 2027)
    assert fin.status == "completed"
    assert fin.ended_year == 2027
    assert registry.network.has_edge("nordland", "indara")
    data = registry.network.edges["nordland", "indara"]
    assert data["partnerships"] == ["gov-1"]
    assert data["kinds"] == ["government"]
    assert [p.partnership_id for p in registry.active()] == ["gov-1"]
    registry.check()

    registry.end(gov, "lapsed", 2030)
    assert not registry.network.has_edge("nordland", "indara")
    assert registry.network.number_of_edges() == 0
    assert registry.active() == []
    # nodes stay: agents exist without live ties
    assert set(registry.network.nodes) == set(AGENTS)
    registry.check()


def test_ending_an_ended_partnership_changes_nothing() -> None:
    registry = make_registry()
    fin = partnership("fin-1", "finance", "nordland", "indsteel")
    registry.add(fin)
    registry.end(fin, "defaulted", 2026)
    registry.end(fin, "completed", 2028)
    assert fin.status == "defaulted"
    assert fin.ended_year == 2026


def test_active_filters_by_kind_in_formation_order() -> None:
    registry = make_registry()
    registry.add(partnership("mem-1", "membership", "nordland", "club"))
    registry.add(partnership("tec-1", "technology", "kalcix", "indsteel"))
    registry.add(partnership("mem-2", "membership", "indara", "club"))
    assert [p.partnership_id for p in registry.active("membership")] == ["mem-1", "mem-2"]
    assert [p.partnership_id for p in registry.active()] == ["mem-1", "tec-1", "mem-2"]
    # an initiative is a hub: members are not linked to each other
    assert not registry.network.has_edge("nordland", "indara")
    assert registry.network.degree("club") == 2


def test_check_detects_edge_removed_behind_registry_back() -> None:
    registry = make_registry()
    registry.add(partnership("gov-1", "government", "nordland", "indara"))
    registry.add(partnership("fin-1", "finance", "nordland", "indsteel"))
    registry.check()
    registry.network.remove_edge("nordland", "indara")
    with pytest.raises(AssertionError, match="disagree"):
        registry.check()


def test_check_detects_stray_edge_added_to_graph() -> None:
    registry = make_registry()
    registry.add(partnership("gov-1", "government", "nordland", "indara"))
    registry.network.add_edge("kalcix", "club", trust=0.3, partnerships=[], kinds=[])
    with pytest.raises(AssertionError, match="disagree"):
        registry.check()


def test_check_detects_wrong_partnership_list_on_edge() -> None:
    registry = make_registry()
    registry.add(partnership("gov-1", "government", "nordland", "indara"))
    registry.network.edges["nordland", "indara"]["partnerships"] = ["other"]
    with pytest.raises(AssertionError, match="lists"):
        registry.check()


def test_self_partnership_is_refused() -> None:
    registry = make_registry()
    with pytest.raises(ValueError, match="cannot partner itself"):
        registry.add(partnership("gov-1", "government", "nordland", "nordland"))
    assert registry.records == {}
    assert registry.network.number_of_edges() == 0


def test_duplicate_id_is_refused() -> None:
    registry = make_registry()
    registry.add(partnership("gov-1", "government", "nordland", "indara"))
    with pytest.raises(ValueError, match="duplicate"):
        registry.add(partnership("gov-1", "finance", "nordland", "indsteel"))
    assert registry.network.number_of_edges() == 1


def test_new_ids_are_unique() -> None:
    registry = make_registry()
    ids = {registry.new_id("finance", 2030) for _ in range(50)}
    assert len(ids) == 50
    assert all(i.startswith("fin-2030-") for i in ids)


def test_refresh_trust_copies_trust_onto_edges() -> None:
    registry = make_registry(initial_trust=0.3)
    registry.add(partnership("gov-1", "government", "nordland", "indara"))
    registry.trust.set("indara", "nordland", 0.9, 2025)
    registry.refresh_trust()
    data = registry.network.edges["nordland", "indara"]
    assert data["trust_by"]["indara"] == pytest.approx(0.9)
    assert data["trust_by"]["nordland"] == pytest.approx(0.3)
    assert data["trust"] == pytest.approx(0.6)


# --- TrustBook ------------------------------------------------------------------------------


def test_trust_defaults_to_initial_and_is_directed_and_clipped() -> None:
    book = TrustBook(0.3)
    assert book.get("a", "b") == pytest.approx(0.3)
    book.set("b", "a", 0.8, 2024)
    assert book.get("b", "a") == pytest.approx(0.8)
    assert book.get("a", "b") == pytest.approx(0.3)  # a's trust in b is its own
    assert book.mutual("a", "b") == pytest.approx(0.55)
    book.set("a", "b", 1.7, 2024)
    assert book.get("a", "b") == pytest.approx(1.0)
    book.set("a", "b", -0.2, 2024)
    assert book.get("a", "b") == pytest.approx(0.0)
    assert book.get("b", "a") == pytest.approx(0.8)


def test_prior_depends_on_the_trustee_kind_and_affinity() -> None:
    affinity = np.array([[1.0, 0.0], [0.0, 1.0]])
    book = TrustBook(
        1.0,
        home={"gov": 0, "firm": 1, "firm0": 0},
        affinity=affinity,
        affinity_penalty=0.2,
        governments={"gov"},
        government_prior=0.6,
    )
    assert book.prior("firm", "gov") == pytest.approx(0.6 * 0.8)  # a government's promise
    assert book.prior("gov", "firm") == pytest.approx(1.0 * 0.8)  # a company's promise
    assert book.prior("firm0", "gov") == pytest.approx(0.6)  # same home country
    assert book.prior("club", "gov") == pytest.approx(0.6)  # no home: unscaled
    book.set("firm", "gov", 0.1, 2024)
    book.decay(0.5, 2025)
    assert book.get("firm", "gov") == pytest.approx(0.1 + 0.5 * (0.48 - 0.1))


def test_contact_keeps_trust_in_both_directions() -> None:
    book = TrustBook(0.3)
    book.set("a", "b", 0.9, 2020)
    book.contact("a", "b", 2024)
    assert book.get("a", "b") == pytest.approx(0.9)
    assert book.get("b", "a") == pytest.approx(0.3)
    assert book.last_contact[("a", "b")] == book.last_contact[("b", "a")] == 2024


def test_decay_moves_untouched_pairs_toward_initial() -> None:
    initial, rate = 0.3, 0.1
    book = TrustBook(initial)
    book.set("a", "b", 0.9, 2024)  # above the initial value
    book.set("c", "d", 0.1, 2024)  # below it
    book.decay(rate, 2025)
    assert book.get("a", "b") == pytest.approx(0.9 + rate * (initial - 0.9))
    assert book.get("c", "d") == pytest.approx(0.1 + rate * (initial - 0.1))
    # repeated decay: the gap to the initial value shrinks geometrically
    for year in range(2026, 2036):
        book.decay(rate, year)
    assert book.get("a", "b") - initial == pytest.approx((0.9 - initial) * (1 - rate) ** 11)
    assert initial - book.get("c", "d") == pytest.approx((initial - 0.1) * (1 - rate) ** 11)


def test_decay_leaves_pairs_contacted_this_year_alone() -> None:
    book = TrustBook(0.3)
    book.set("a", "b", 0.9, 2024)
    book.set("c", "d", 0.9, 2025)
    book.decay(0.5, 2025)
    assert book.get("c", "d") == pytest.approx(0.9)
    assert book.get("a", "b") == pytest.approx(0.6)


# --- to_frame -------------------------------------------------------------------------------


def test_to_frame_has_one_row_per_partnership_with_status() -> None:
    registry = make_registry()
    gov = partnership("gov-1", "government", "nordland", "indara")
    fin = partnership("fin-1", "finance", "nordland", "indsteel")
    tec = partnership("tec-1", "technology", "kalcix", "indsteel")
    for p in (gov, fin, tec):
        registry.add(p)
    registry.end(fin, "defaulted", 2026)
    frame = registry.to_frame()
    assert len(frame) == 3
    assert frame["partnership_id"].is_unique
    status = dict(zip(frame["partnership_id"], frame["status"], strict=True))
    assert status == {"gov-1": "active", "fin-1": "defaulted", "tec-1": "active"}
    ended = frame.set_index("partnership_id")["ended_year"]
    assert ended["fin-1"] == 2026
    assert ended.isna().sum() == 2
    for column in ("kind", "party_a", "party_b", "start_year", "end_year", "status"):
        assert column in frame.columns


def test_to_frame_of_empty_registry_has_columns() -> None:
    frame = make_registry().to_frame()
    assert frame.empty
    assert {"partnership_id", "status", "ended_year"} <= set(frame.columns)
