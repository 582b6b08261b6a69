"""The model's enumerations: sectors, deal kinds and partnership kinds.

Each member's integer is the code the arrays use (``fleet.sector``, ``PairDeals.kind``); its
``label`` is the string the tables, records and series use (``"steel"``, ``"finance"``). The
order of the members is the order of the codes: do not reorder them (the arrays, series and
snapshots follow it).
"""

from __future__ import annotations

from enum import IntEnum


class _Labelled(IntEnum):
    @property
    def label(self) -> str:
        """The member's name as the tables and records write it."""
        return self.name.lower()

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        """Every member's label, in code order."""
        return tuple(member.label for member in cls)

    @classmethod
    def of(cls, label: str) -> _Labelled:
        """The member with this label (``KeyError`` if none)."""
        return cls[label.upper()]


class Sector(_Labelled):
    """An industrial sector: the code of ``fleet.sector``, ``companies.sector``, ``tech.sector``."""

    STEEL = 0
    CEMENT = 1


class DealKind(_Labelled):
    """A kind of deal an agent can propose (docs/model.md §3.5): ``PairDeals.kind`` codes."""

    FINANCE = 0
    TECHNOLOGY = 1  # a licence of a proprietary route
    CODEVELOPMENT = 2
    GOVERNMENT = 3  # a government partnership (tie)


class PartnershipKind(_Labelled):
    """A kind of partnership record: the deal kinds, and membership of an initiative."""

    FINANCE = 0
    TECHNOLOGY = 1
    CODEVELOPMENT = 2
    GOVERNMENT = 3
    MEMBERSHIP = 4


#: Sector labels in code order (``steel``, ``cement``).
SECTORS = Sector.labels()
#: Sector codes as plain ints, for loops run many times a year (iterating an Enum is slower).
SECTOR_CODES = tuple(int(sector) for sector in Sector)
#: Sector code of each label.
SECTOR_INDEX = {label: code for code, label in enumerate(SECTORS)}
#: Deal kind labels in code order.
DEAL_KINDS = DealKind.labels()
#: Partnership kind labels in code order.
PARTNERSHIP_KINDS = PartnershipKind.labels()
