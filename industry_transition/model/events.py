"""The event log: every proposal outcome, agreement, delivery, default and ending, in words."""

from __future__ import annotations

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


@dataclass
class EventLog:
    """Append-only list of events; one row per event."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)

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

    def to_frame(self) -> pd.DataFrame:
        """The log as a DataFrame with the columns in ``EVENT_COLUMNS``."""
        return pd.DataFrame(self.rows, columns=EVENT_COLUMNS)
