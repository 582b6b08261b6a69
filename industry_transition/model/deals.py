"""The terms of the negotiation protocol shared by every deal (docs/model.md §3.5).

What each agent offers and how it values a deal are methods of the agents, the readable
specification (``Country.offer_finance``, ``Country.propose_tie``, ``Company.offer_licence``,
``Company.codevelop_with``, ``Company.licence_value``); each returns a :class:`Deal` with each
side's gain *without* transfer (net of its share of the transaction cost), or ``None`` when the
pair has nothing to trade. Values are in USD million. This module holds what they share: the
deal record, bargaining by the generalised Nash solution (:func:`bargain`), transaction costs,
and what a government tie would ease. ``model/valuation.py`` computes the same choices for many
pairs at once, for speed (``tests/test_valuation.py`` checks they are equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from industry_transition.model.affinity import affinity_cost_factor
from industry_transition.model.economics import nash_split
from industry_transition.model.kinds import SECTOR_CODES, DealKind
from industry_transition.model.relations import home_countries_allied, share_initiative

if TYPE_CHECKING:
    from industry_transition.agents import Country
    from industry_transition.model.transition_model import TransitionModel

# A grant is sized to push the new route this far (USD/t) below the plant's switch threshold,
# so that the switch is strict rather than a tie (numerical margin, not an economic figure).
SWITCH_MARGIN_USD_PER_T = 1e-6


@dataclass
class Deal:
    """A possible agreement: who, what, and each side's gain before any transfer."""

    kind: str
    party_a: str  # the side that pays the transfer (donor, licensee, ...)
    party_b: str  # the side that receives it
    value_a: float
    value_b: float
    technology: str = ""
    plant: int = -1
    amount_musd: float = 0.0  # finance: the grant; set by bargaining
    transfer_musd: float = 0.0
    weight_a: float = 0.5
    # Largest transfer the terms allow (finance: the grant never exceeds the funding gap).
    transfer_cap_musd: float = float("inf")

    @property
    def surplus(self) -> float:
        """Joint gain of the two parties."""
        return self.value_a + self.value_b


def bargain(deal: Deal) -> bool:
    """Set the transfer by ``u_i = d_i + w_i S``; return whether both sides gain.

    A deal forms iff the joint surplus is positive; the transfer then leaves each side its
    share of it (within the terms' cap).
    """
    if deal.surplus <= 0:
        return False
    gain_a, _ = nash_split(0.0, 0.0, deal.surplus, deal.weight_a)
    # A pays B the amount that leaves A with exactly its Nash gain, within the terms' cap (B
    # still gains: the cap is never below B's reservation, ``-value_b``).
    deal.transfer_musd = min(deal.value_a - gain_a, deal.transfer_cap_musd)
    return True


def transaction_cost(model: TransitionModel, a: str, b: str) -> float:
    """Transaction cost of a deal (USD million), falling with trust, shared ties and affinity.

    Trust here is the mean of the two directions (``TrustBook.mutual``): negotiating and
    monitoring a contract is cheaper the more each side trusts the other. The affinity premium
    applies between agents of different home countries; a country's affinity with itself is 1,
    so agents of one country pay none.
    """
    p = model.params
    cost = p.transaction_cost_musd * (1.0 - p.trust_discount * model.trust.mutual(a, b))
    if share_initiative(model, a, b):
        cost *= 1.0 - p.membership_discount
    if home_countries_allied(model, a, b):
        cost *= 1.0 - p.government_tie_discount
    home_a = model.home_of[model.proposer_index[a]]
    home_b = model.home_of[model.proposer_index[b]]
    affinity = float(model.countries.affinity[home_a, home_b])
    return cost * affinity_cost_factor(p.affinity_transaction_cost_premium, affinity)


def eased_deals_value(
    model: TransitionModel,
    a: Country,
    b: Country,
    agents_a: np.ndarray | None = None,
    agents_b: np.ndarray | None = None,
) -> tuple[float, float]:
    """What a tie's lower transaction costs are worth to each country's side (USD m).

    Over the pairs of an agent of ``a`` with an agent of ``b`` (each country and its largest
    producers), valued now: the cost saved on every deal worth signing, plus the surplus a
    deal that is not worth signing would have with the saving. It goes to whoever bears the
    cost: the donor for finance (a grant programme bears it all, and the company is left no
    better off), half to each side otherwise. Returns (``a``'s share, ``b``'s share).
    """
    # imported here: the batch valuation itself calls this module's functions
    from industry_transition.model.valuation import transaction_costs, value_pairs

    p = model.params
    agents_a = a.tie_agents() if agents_a is None else agents_a
    agents_b = b.tie_agents() if agents_b is None else agents_b
    x = np.repeat(agents_a, agents_b.size)
    y = np.tile(agents_b, agents_a.size)
    keep = ~((x == a.index) & (y == b.index))
    x, y = x[keep], y[keep]
    deals = value_pairs(model, x, y)
    surplus = deals.surplus
    valued = surplus > -np.inf
    if not valued.any():
        return 0.0, 0.0
    saving = transaction_costs(model, x[valued], y[valued]) * p.government_tie_discount
    eased = np.maximum(np.minimum(surplus[valued] + saving, saving), 0.0)
    finance = deals.kind[valued] == DealKind.FINANCE
    donor_is_a = deals.party_a[valued] == a.index
    share_a = np.where(finance, np.where(donor_is_a, 1.0, 0.0), 0.5)
    return float((eased * share_a).sum()), float((eased * (1.0 - share_a)).sum())


def tradable_pairs(model: TransitionModel, agents_a: np.ndarray, agents_b: np.ndarray) -> int:
    """How many pairs across the two agent lists could have a deal at all (an upper bound).

    A donor with an eligible producer (finance); two producers of a sector with a low-carbon
    route still immature for some company (co-development); an owner of a proprietary route
    with a producer of its sector (licences).
    """
    c = len(model.countries.ids)
    countries, comp, tech = model.countries, model.companies, model.technologies
    count = 0
    for first, second in ((agents_a, agents_b), (agents_b, agents_a)):
        donor = int(first[0])
        if countries.donor_budget_musd[donor] > 0 and countries.income[second[0]] != 0:
            count += int(comp.is_producer[second[1:] - c].sum())
    xs, ys = agents_a[1:] - c, agents_b[1:] - c
    if xs.size and ys.size:
        same = comp.sector[xs][:, None] == comp.sector[ys][None, :]
        producers = comp.is_producer[xs][:, None] & comp.is_producer[ys][None, :]
        immature = np.zeros(len(SECTOR_CODES), dtype=bool)
        for sector in SECTOR_CODES:
            routes = (tech.sector == sector) & tech.low_carbon
            immature[sector] = bool((comp.available_year[:, routes] > model.year + 1).any())
        codevelop = same & producers & immature[comp.sector[xs]][:, None]
        owns_x = comp.owns[xs].any(axis=1)[:, None] & comp.is_producer[ys][None, :]
        owns_y = comp.owns[ys].any(axis=1)[None, :] & comp.is_producer[xs][:, None]
        count += int((codevelop | (same & (owns_x | owns_y))).sum())
    return count
