"""Fixed network positions: computed once per scenario, so a class can follow the graph.

Countries sit on a ring, grouped by income group (high, upper-middle, lower-middle, low) and
then by name; each country's companies sit just outside it on two rings, steel inside cement.
Initiatives sit in the middle, where their membership spokes meet. A country's arc is
proportional to its number of companies plus one, so crowded countries get room. Partnerships
change only the edges, never a position, and no force-directed layout is computed (NetworkX's
spring layout costs seconds at thousands of nodes and moves every node on each recomputation).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from industry_transition.model.scenario import INCOME_GROUPS, SECTORS

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel

#: Radii of the rings (unitless; the chart scales them to its size).
COUNTRY_RADIUS = 1.0
COMPANY_RADII = {"steel": 1.22, "cement": 1.40}
INITIATIVE_RADIUS = 0.18
#: Share of a country's arc that its companies use, leaving a gap between countries.
ARC_FILL = 0.8

LAYOUT_COLUMNS = [
    "agent_id",
    "name",
    "agent_type",
    "country_id",
    "country",
    "income_group",
    "sector",
    "x",
    "y",
]


def network_layout(model: TransitionModel) -> pd.DataFrame:
    """One row per country, company and initiative with its fixed position.

    Args:
        model: a model of the scenario (only its agents are read).

    Returns:
        A frame with the columns in ``LAYOUT_COLUMNS``; ``sector`` is ``steel``, ``cement`` or
        ``""`` for countries and initiatives.
    """
    countries = sorted(
        model.country_agents.values(),
        key=lambda c: (INCOME_GROUPS.index(c.income_group), c.name),
    )
    companies_of: dict[str, list] = {c.agent_id: [] for c in countries}
    for company in model.company_agents.values():
        companies_of[company.country.agent_id].append(company)
    weights = np.array([1.0 + len(companies_of[c.agent_id]) for c in countries])
    edges = np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum() * 2 * math.pi
    rows: list[tuple] = []
    for i, country in enumerate(countries):
        start, end = edges[i], edges[i + 1]
        centre = (start + end) / 2
        rows.append(
            (
                country.agent_id,
                country.name,
                "country",
                country.agent_id,
                country.name,
                country.income_group,
                "",
                *_polar(COUNTRY_RADIUS, centre),
            )
        )
        own = sorted(companies_of[country.agent_id], key=lambda c: (c.sector, c.name))
        span = (end - start) * ARC_FILL
        for j, company in enumerate(own):
            angle = centre + span * ((j + 0.5) / len(own) - 0.5)
            sector = SECTORS[company.sector]
            rows.append(
                (
                    company.agent_id,
                    company.name,
                    "company",
                    country.agent_id,
                    country.name,
                    country.income_group,
                    sector,
                    *_polar(COMPANY_RADII[sector], angle),
                )
            )
    initiatives = sorted(model.initiatives.values(), key=lambda i: i.agent_id)
    for k, initiative in enumerate(initiatives):
        radius = INITIATIVE_RADIUS if len(initiatives) > 1 else 0.0
        angle = 2 * math.pi * k / max(len(initiatives), 1)
        rows.append(
            (
                initiative.agent_id,
                initiative.name,
                "initiative",
                "",
                "",
                "",
                "",
                *_polar(radius, angle),
            )
        )
    return pd.DataFrame(rows, columns=LAYOUT_COLUMNS)


def _polar(radius: float, angle: float) -> tuple[float, float]:
    """Cartesian position, with angle 0 at the top and increasing clockwise."""
    return radius * math.sin(angle), radius * math.cos(angle)
