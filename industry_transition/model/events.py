"""The event log: every proposal outcome, agreement, delivery, default and ending, in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

EVENT_COLUMNS = [
    "year",
    "round",
    "event",
    "kind",
    "party_a",
    "party_b",
    "partnership_id",
    "technology",
    "amount_musd",
    "text",
]


#: A rejected proposal keeps its reason as a one-string tuple in place of its text, which is
#: written when the log is read (there are many). Rows of strings and numbers only are not
#: tracked by the garbage collector, so a long log costs it nothing.
NO_JOINT_GAIN = ("no joint gain",)


@dataclass
class EventLog:
    """Append-only list of events; one row per event.

    ``names`` gives an agent's display name; rejected proposals (most events) keep only their
    fields and get their text from it in ``to_frame``.
    """

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    names: Callable[[str], str] = str

    def record(
        self,
        year: int,
        event: str,
        text: str,
        *,
        kind: str = "",
        party_a: str = "",
        party_b: str = "",
        partnership_id: str = "",
        technology: str = "",
        amount_musd: float = 0.0,
        round_number: int = -1,
    ) -> None:
        """Add one event."""
        self.rows.append(
            (
                year,
                round_number,
                event,
                kind,
                party_a,
                party_b,
                partnership_id,
                technology,
                float(amount_musd),
                text,
            )
        )

    @staticmethod
    def rejection(
        year: int,
        round_number: int,
        kind: str,
        party_a: str,
        party_b: str,
        technology: str,
        reason: str | None = None,
        proposer: str | None = None,
    ) -> tuple[object, ...]:
        """The row of a rejected proposal (for adding many at once to ``rows``).

        ``proposer`` (one of the two parties) makes the line say who proposed to whom: two
        proposals between the same pair in a round, one each way, then read differently.
        """
        return (
            year,
            round_number,
            "rejected",
            kind,
            party_a,
            party_b,
            "",
            technology,
            0.0,
            (NO_JOINT_GAIN[0] if reason is None else reason, proposer),
        )

    def reject(
        self,
        year: int,
        round_number: int,
        kind: str,
        party_a: str,
        party_b: str,
        technology: str,
        reason: str | None = None,
        proposer: str | None = None,
    ) -> None:
        """Add a rejected proposal (its text is written when the log is read)."""
        self.rows.append(
            self.rejection(year, round_number, kind, party_a, party_b, technology, reason, proposer)
        )

    def to_frame(self) -> pd.DataFrame:
        """The log as a DataFrame with the columns in ``EVENT_COLUMNS``."""
        names: dict[str, str] = {}

        def name(agent_id: str) -> str:
            known = names.get(agent_id)
            if known is None:
                known = names[agent_id] = self.names(agent_id)
            return known

        rows = [
            row
            if not isinstance(row[9], tuple)
            else (
                *row[:9],
                _rejection_text(row, name),
            )
            for row in self.rows
        ]
        return pd.DataFrame(rows, columns=EVENT_COLUMNS)


def _rejection_text(row: tuple[Any, ...], name: Callable[[str], str]) -> str:
    """The words of a rejected proposal row (written when the log is read)."""
    reason, proposer = row[9][0], row[9][1] if len(row[9]) > 1 else None
    head = f"{row[0]}, round {row[1] + 1}: "
    if proposer is None:
        return f"{head}{name(row[4])} and {name(row[5])} found no {row[3]} deal ({reason})"
    other = row[5] if proposer == row[4] else row[4]
    return f"{head}{name(proposer)} found no {row[3]} deal with {name(other)} ({reason})"
