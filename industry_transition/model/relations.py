"""Who is whose home country, and who shares an initiative or a government tie.

Read by the deal terms (``model/deals.py``), the effects of agreements and the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from industry_transition.model.transition_model import TransitionModel


def home_country(model: TransitionModel, agent_id: str) -> str | None:
    """The country id of a country or company (``None`` for an initiative)."""
    index = model.proposer_index.get(agent_id)
    if index is None:
        model.agent_by_id[agent_id]  # an unknown id raises KeyError
        return None
    return model.countries.ids[int(model.home_of[index])]


def share_initiative(model: TransitionModel, a: str, b: str) -> bool:
    """Whether two agents are members of a common initiative."""
    first: set[str] = getattr(model.agent_by_id[a], "initiatives", set())
    second: set[str] = getattr(model.agent_by_id[b], "initiatives", set())
    return bool(first & second)


def home_countries_allied(model: TransitionModel, a: str, b: str) -> bool:
    """Whether the home countries of two agents have a government partnership."""
    ca, cb = home_country(model, a), home_country(model, b)
    if ca is None or cb is None or ca == cb:
        return False
    return model.registry.has_active(ca, cb, "government")


def government_ties(model: TransitionModel, country_id: str) -> int:
    """Number of active government partnerships of a country."""
    key = ("government_ties", country_id)
    known = model.costs.party_memo.get(key)
    if known is not None:
        return known  # type: ignore[return-value]
    ties = model.registry.partners(country_id, "government")
    model.costs.remember(key, (country_id,), ties)
    return ties


def initiative_member_countries(model: TransitionModel) -> np.ndarray:
    """Indices of countries that belong to at least one initiative."""
    members = {m for i in model.initiatives.values() for m in i.members}
    return np.array(
        sorted(c.index for cid, c in model.country_agents.items() if cid in members),
        dtype=np.int64,
    )
