"""Tests for the double-entry ledger (industry_transition/model/ledger.py)."""

from __future__ import annotations

import pytest

from industry_transition.model.ledger import Ledger, LedgerError


def make_ledger() -> Ledger:
    ledger = Ledger()
    ledger.transfer(2024, "musd", "budget:nordland", "treasury:nordland", 300.0, "budget")
    ledger.transfer(2024, "musd", "treasury:nordland", "grant:indsteel_1", 120.0, "finance")
    ledger.transfer(2025, "musd", "treasury:nordland", "grant:indsteel_2", 30.0, "finance")
    ledger.transfer(2025, "musd", "grant:indsteel_1", "plant:indsteel_1", 40.0, "tranche")
    ledger.transfer(2025, "mtco2", "plant:indsteel_1", "atmosphere", 8.5, "emissions")
    ledger.transfer(2025, "mtco2", "plant:westeel_1", "atmosphere", 11.0, "emissions")
    return ledger


def test_transfers_keep_each_unit_summing_to_zero() -> None:
    ledger = make_ledger()
    for unit, book in ledger.balances.items():
        assert sum(book.values()) == pytest.approx(0.0, abs=1e-12), unit
    ledger.check()


def test_balance_of_accounts() -> None:
    ledger = make_ledger()
    assert ledger.balance("musd", "budget:nordland") == pytest.approx(-300.0)
    assert ledger.balance("musd", "treasury:nordland") == pytest.approx(300.0 - 120.0 - 30.0)
    assert ledger.balance("musd", "grant:indsteel_1") == pytest.approx(80.0)
    assert ledger.balance("musd", "plant:indsteel_1") == pytest.approx(40.0)
    assert ledger.balance("mtco2", "atmosphere") == pytest.approx(19.5)
    assert ledger.balance("musd", "never:used") == 0.0
    # units are kept apart
    assert ledger.balance("mtco2", "treasury:nordland") == 0.0


def test_total_over_prefix() -> None:
    ledger = make_ledger()
    assert ledger.total("musd", "grant:") == pytest.approx(80.0 + 30.0)
    assert ledger.total("mtco2", "plant:") == pytest.approx(-19.5)
    assert ledger.total("musd", "nothing:") == 0.0


def test_flows_filter_by_prefix_and_memo() -> None:
    ledger = make_ledger()
    assert ledger.flows("musd", source_prefix="treasury:") == pytest.approx(150.0)
    assert ledger.flows("musd", destination_prefix="grant:") == pytest.approx(150.0)
    assert ledger.flows(
        "musd", source_prefix="treasury:", destination_prefix="grant:indsteel_2"
    ) == pytest.approx(30.0)
    assert ledger.flows("musd", memo="tranche") == pytest.approx(40.0)
    assert ledger.flows("musd", memo="no-such-memo") == 0.0
    assert ledger.flows("mtco2") == pytest.approx(19.5)
    assert ledger.flows("musd") == pytest.approx(300.0 + 120.0 + 30.0 + 40.0)


def test_zero_transfer_records_nothing() -> None:
    ledger = Ledger()
    ledger.transfer(2024, "musd", "a", "b", 0.0)
    assert ledger.entries == []
    assert ledger.balance("musd", "a") == 0.0


def test_negative_amount_is_refused() -> None:
    ledger = make_ledger()
    before = list(ledger.entries)
    with pytest.raises(LedgerError, match="negative transfer"):
        ledger.transfer(2025, "musd", "treasury:nordland", "grant:x", -5.0)
    assert ledger.entries == before
    assert ledger.balance("musd", "grant:x") == 0.0


def test_ledger_error_is_an_assertion_error() -> None:
    assert issubclass(LedgerError, AssertionError)


def test_check_raises_when_treasury_goes_negative() -> None:
    ledger = Ledger()
    ledger.transfer(2024, "musd", "treasury:empty", "grant:plant_1", 10.0)
    with pytest.raises(LedgerError, match="treasury:empty"):
        ledger.check()


def test_check_raises_when_grant_goes_negative() -> None:
    ledger = Ledger()
    ledger.transfer(2024, "musd", "budget:x", "grant:p", 5.0)
    ledger.transfer(2024, "musd", "grant:p", "plant:p", 8.0)
    with pytest.raises(LedgerError, match="grant:p"):
        ledger.check()


def test_other_accounts_may_go_negative() -> None:
    ledger = Ledger()
    ledger.transfer(2024, "musd", "budget:x", "plant:p", 5.0)
    ledger.transfer(2024, "mtco2", "plant:p", "atmosphere", 3.0)
    assert ledger.balance("musd", "budget:x") < 0
    ledger.check()


def test_check_raises_when_balances_are_corrupted() -> None:
    ledger = make_ledger()
    ledger.check()
    ledger.balances["musd"]["plant:indsteel_1"] += 1.0
    with pytest.raises(LedgerError, match="sum to"):
        ledger.check()


def test_check_raises_when_co2_balances_are_corrupted() -> None:
    ledger = make_ledger()
    ledger.balances["mtco2"]["atmosphere"] -= 0.5
    with pytest.raises(LedgerError, match="mtco2"):
        ledger.check()


def test_to_frame_columns_and_rows() -> None:
    ledger = make_ledger()
    frame = ledger.to_frame()
    assert list(frame.columns) == ["year", "unit", "source", "destination", "amount", "memo"]
    assert len(frame) == len(ledger.entries) == 6
    first = frame.iloc[1]
    assert (first["year"], first["unit"], first["source"], first["destination"]) == (
        2024,
        "musd",
        "treasury:nordland",
        "grant:indsteel_1",
    )
    assert first["amount"] == pytest.approx(120.0)
    assert first["memo"] == "finance"
    assert frame.loc[frame["unit"] == "musd", "amount"].sum() == pytest.approx(490.0)


def test_empty_ledger_frame_has_columns() -> None:
    frame = Ledger().to_frame()
    assert frame.empty
    assert list(frame.columns) == ["year", "unit", "source", "destination", "amount", "memo"]
