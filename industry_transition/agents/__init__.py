"""Mesa agents: countries, companies and initiatives, and the rules each one decides by.

How a negotiation works, read in the agents (docs/model.md §3.5-3.7):

1. **Who proposes.** Every country and company, once per round, to the candidates the search
   found for it (``model/search.py``: broker suggestions, partners, fellow members, random
   others).
2. **What each can offer, and what it is worth.** Each possible deal is a method of the agent
   that offers it, returning a ``Deal`` with each side's value before any transfer:

   - ``Country.offer_finance(company)``: a donor's grant and concessional loan that switch one
     line of a company to a low-carbon route; the grant is the line's funding gap, the donor
     values the abatement at its ambition price times its trust in the company;
   - ``Company.offer_licence(licensee)``: a licence of a proprietary route, worth
     ``Company.licence_value`` to the licensee (the costs it saves at the carbon price it
     expects) times its trust in the licensor;
   - ``Company.codevelop_with(other)``: two producers bring an immature route forward together;
   - ``Country.propose_tie(other)``: a government partnership, worth the deals it would ease
     across the two countries, times each government's trust in the other.

   Trust is directed (``model/registry.py`` ``TrustBook``): ``trust.get(i, j)`` is what ``i``
   expects of ``j``'s promises, starting from the delivery probability the enforcement regime
   gives them (``delivery.government_delivery_prior``; 1 for a company's) and moved only by
   ``j``'s deliveries and defaults.
3. **When both accept.** ``deals.bargain``: a deal with a transfer forms when the joint surplus
   is positive, and the transfer splits it by the generalised Nash solution (a grant never
   above the funding gap); a tie, which has no transfer, when both sides gain. A donor must
   also be able to pay (``Country.can_commit``).
4. **After signing.** If a donor defaults, ``Company.finishes_conversion_alone`` decides whether
   the line is finished at the company's own cost.
5. **Joining and leaving initiatives.** At each stocktake ``Country.step_membership`` asks each
   ``Initiative`` what membership is worth to it (``Initiative.membership_gain_musd``).

The same choices for a whole round are computed with arrays in ``model/valuation.py``, for speed;
``tests/test_valuation.py`` and ``tests/test_negotiation.py`` check they equal these methods.
"""

from industry_transition.agents.company import Company
from industry_transition.agents.country import Country
from industry_transition.agents.initiative import Initiative

__all__ = ["Company", "Country", "Initiative"]
