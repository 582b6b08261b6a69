"""A double-entry ledger for money (USD million) and CO2 (Mt).

Every amount moves from one account to another, so each unit's balances sum to zero. Accounts
whose name starts with a prefix in ``NON_NEGATIVE_PREFIXES`` are stocks that must never go below
zero (a donor's treasury, a plant's unspent grant).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

NON_NEGATIVE_PREFIXES = ("treasury:", "grant:")
TOLERANCE = 1e-6


class LedgerError(AssertionError):
    """A broken ledger invariant."""


@dataclass
class Ledger:
    """Transfers between named accounts, with balances kept per unit."""

    entries: list[tuple[int, str, str, str, float, str]] = field(default_factory=list)
    balances: dict[str, defaultdict[str, float]] = field(
        default_factory=lambda: {"musd": defaultdict(float), "mtco2": defaultdict(float)}
    )

    def transfer(
        self, year: int, unit: str, source: str, destination: str, amount: float, memo: str = ""
    ) -> None:
        """Move ``amount`` of ``unit`` from ``source`` to ``destination``."""
        if amount < 0:
            raise LedgerError(f"negative transfer {amount} {unit} {source} -> {destination}")
        if amount == 0:
            return
        book = self.balances[unit]
        book[source] -= amount
        book[destination] += amount
        self.entries.append((year, unit, source, destination, float(amount), memo))

    def balance(self, unit: str, account: str) -> float:
        """Current balance of one account."""
        return self.balances[unit].get(account, 0.0)

    def total(self, unit: str, prefix: str) -> float:
        """Sum of the balances of all accounts starting with ``prefix``."""
        return sum(v for k, v in self.balances[unit].items() if k.startswith(prefix))

    def flows(
        self,
        unit: str,
        *,
        source_prefix: str = "",
        destination_prefix: str = "",
        memo: str | None = None,
    ) -> float:
        """Sum of transfers matching source/destination prefixes (and memo, if given)."""
        return sum(
            amount
            for _, u, src, dst, amount, m in self.entries
            if u == unit
            and src.startswith(source_prefix)
            and dst.startswith(destination_prefix)
            and (memo is None or m == memo)
        )

    def check(self) -> None:
        """Raise :class:`LedgerError` if balances do not sum to zero or a stock is negative."""
        for unit, book in self.balances.items():
            total = sum(book.values())
            scale = max(1.0, sum(abs(v) for v in book.values()))
            if abs(total) > TOLERANCE * scale:
                raise LedgerError(f"{unit} balances sum to {total}, not zero")
            for account, value in book.items():
                if account.startswith(NON_NEGATIVE_PREFIXES) and value < -TOLERANCE * scale:
                    raise LedgerError(f"{unit} account {account} is negative: {value}")

    def to_frame(self) -> pd.DataFrame:
        """All entries as a DataFrame (year, unit, source, destination, amount, memo)."""
        return pd.DataFrame(
            self.entries, columns=["year", "unit", "source", "destination", "amount", "memo"]
        )
