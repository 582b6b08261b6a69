"""Effects of agreements on the world: signing, delivery, default, ending, membership.

Used by negotiation (``sign``, ``join_initiative``, ``leave_initiative``), delivery
(``reward_delivery``, ``default_partnership``, ``end_partnership``) and investment
(``conversion_delivered``, ``conversion_abandoned``, ``raise_capability``), and at the start of a
run (``initial_ties``). Each effect forgets the cached values it may change where it happens:
a signature the parties' cost matrices and memos (``CostCache.signed``), a membership the
broker's rankings, a change to the fleet the fleet's capacity and shares (``PlantFleet.changed``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from industry_transition.model.affinity import affinity_cost_factor
from industry_transition.model.deals import Deal
from industry_transition.model.demand import write_off_grant
from industry_transition.model.investment import schedule_switch
from industry_transition.model.registry import Partnership
from industry_transition.model.relations import (
    home_countries_allied,
    home_country,
    share_initiative,
)

if TYPE_CHECKING:
    from industry_transition.agents import Initiative
    from industry_transition.model.transition_model import TransitionModel

KIND_DURATION = {
    "government": "government_partnership_duration_years",
    "technology": "licence_duration_years",
    "codevelopment": "licence_duration_years",
}


def sign(model: TransitionModel, deal: Deal, *, round_number: int, brokered: bool) -> Partnership:
    """Turn a bargained deal into a partnership and apply what happens at signing."""
    # a signature may change the fleet, access or maturity, and the parties' standing
    homes = [h for h in (home_country(model, deal.party_a), home_country(model, deal.party_b)) if h]
    model.costs.signed(deal.party_a, deal.party_b, *homes)
    p = model.params
    kind = deal.kind
    duration = (
        p.finance_disbursement_years if kind == "finance" else getattr(p, KIND_DURATION[kind])
    )
    partnership = Partnership(
        partnership_id=model.registry.new_id(kind, model.year),
        kind=kind,
        party_a=deal.party_a,
        party_b=deal.party_b,
        start_year=model.year,
        end_year=model.year + duration,
        technology=deal.technology,
        plant=deal.plant,
        transfer_musd=deal.transfer_musd,
        surplus_musd=deal.surplus,
        brokered=brokered,
    )
    a, b = model.display_name(deal.party_a), model.display_name(deal.party_b)
    tech_name = (
        model.technologies.names[model.technologies.index[deal.technology]]
        if deal.technology
        else ""
    )
    if kind == "finance":
        donor = model.country_agents[deal.party_a]
        company = model.company_agents[deal.party_b]
        partnership.amount_musd = deal.transfer_musd
        partnership.tranches_due = model.finance.commit(
            donor.index, company.country_index, deal.transfer_musd
        )
        partnership.plant = deal.plant = split_plant(
            model, deal.plant, float(p.finance_project_mt(model.fleet.sector[deal.plant]))
        )
        model.fleet.financed[deal.plant] = True
        k = model.technologies.index[deal.technology]
        partnership.need_musd = deal.transfer_cap_musd
        partnership.capex_musd = float(
            model.technologies.capex_usd_per_tpa[k]
            * model.countries.capability_multiplier[company.country_index]
            * model.fleet.capacity_mt[deal.plant]
        )
        # The deal is a project: the line starts converting now; tranches pay for it.
        schedule_switch(model, deal.plant, k, model.technologies.lead_time(k))
        model.finance_committed_musd += deal.transfer_musd
        text = (
            f"{model.year}: {a} commits USD {deal.transfer_musd:,.0f}m to "
            f"{model.describe(deal.party_b)} to switch {model.fleet.ids[deal.plant]} to {tech_name}"
        )
    elif kind == "technology":
        model.ledger.transfer(
            model.year,
            "musd",
            f"company:{deal.party_a}",
            f"company:{deal.party_b}",
            deal.transfer_musd,
            "licence fee",
        )
        text = f"{model.year}: {b} licenses {tech_name} to {a} for USD {deal.transfer_musd:,.1f}m"
    elif kind == "codevelopment":
        half = p.codevelopment_cost_musd / 2
        for party in (deal.party_a, deal.party_b):
            model.ledger.transfer(
                model.year,
                "musd",
                f"company:{party}",
                "external:research",
                half,
                "co-development",
            )
            company = model.company_agents[party]
            k = model.technologies.index[deal.technology]
            current = model.companies.available_year[company.index, k]
            model.companies.available_year[company.index, k] = max(
                model.year + 1, current - p.codevelopment_years_forward
            )
        source, sink = (
            (deal.party_a, deal.party_b)
            if deal.transfer_musd >= 0
            else (deal.party_b, deal.party_a)
        )
        model.ledger.transfer(
            model.year,
            "musd",
            f"company:{source}",
            f"company:{sink}",
            abs(deal.transfer_musd),
            "cost share",
        )
        text = f"{model.year}: {a} and {b} start co-developing {tech_name}"
    else:
        text = f"{model.year}: {a} and {b} sign a government partnership"
        if abs(deal.transfer_musd) > 1e-9:
            # the side that gains more co-funds the other's share of the tie (bargained)
            payer, payee = (
                (deal.party_a, deal.party_b)
                if deal.transfer_musd > 0
                else (deal.party_b, deal.party_a)
            )
            model.ledger.transfer(
                model.year,
                "musd",
                f"government:{payer}",
                f"government:{payee}",
                abs(deal.transfer_musd),
                "tie co-funding",
            )
            text += (
                f"; {model.display_name(payer)} co-funds it with "
                f"USD {abs(deal.transfer_musd):,.1f}m"
            )
    model.registry.add(partnership)
    model.partnerships_formed += 1
    if kind == "finance":
        model.finance_by_plant[partnership.plant] = partnership
    model.trust.contact(deal.party_a, deal.party_b, model.year)
    credit_membership(model, deal, brokered=brokered)
    model.events.record(
        model.year,
        "agreement",
        text,
        kind=kind,
        party_a=deal.party_a,
        party_b=deal.party_b,
        partnership_id=partnership.partnership_id,
        technology=deal.technology,
        amount_musd=deal.transfer_musd,
        round_number=round_number,
    )
    return partnership


def split_plant(model: TransitionModel, plant: int, capacity_mt: float) -> int:
    """Split a line of ``capacity_mt`` off a larger plant; return the line's index."""
    fleet = model.fleet
    if fleet.capacity_mt[plant] <= capacity_mt + 1e-12:
        return plant
    fleet.capacity_mt[plant] -= capacity_mt
    count = fleet.lines.get(fleet.ids[plant], 0)
    line = fleet.append(
        f"{fleet.ids[plant]}_line{count + 1}",
        owner=int(fleet.owner[plant]),
        country=int(fleet.country[plant]),
        sector=int(fleet.sector[plant]),
        technology=int(fleet.technology[plant]),
        capacity_mt=capacity_mt,
        utilisation=float(fleet.utilisation[plant]),
        next_investment_year=int(fleet.next_investment_year[plant]),
        capex_paid_usd_per_tpa=float(fleet.capex_paid_usd_per_tpa[plant]),
        pending_technology=int(fleet.pending_technology[plant]),
        pending_year=int(fleet.pending_year[plant]),
    )
    model.plant_emissions_mt = np.append(model.plant_emissions_mt, 0.0)
    model.fleet.plant_added(line)
    return line


def credit_membership(model: TransitionModel, deal: Deal, *, brokered: bool) -> None:
    """Book what a signed deal brought each party's home country in each of its initiatives.

    A brokered deal would not have been found without the initiative, so its whole net gain
    counts, except a finance recipient's (its country counts the finance delivered instead,
    ``credit_finance``). Any other deal between fellow members counts only the transaction cost
    that the shared initiative saved (``membership_discount``); the deal could have been made
    without it. Government ties carry no transaction cost.
    """
    gains = {
        deal.party_a: deal.value_a - deal.transfer_musd,
        deal.party_b: deal.value_b + deal.transfer_musd,
    }
    saved = 0.0 if brokered or deal.kind == "government" else _club_saving(model, deal)
    for party, gain in gains.items():
        country = home_country(model, party)
        if country is None:
            continue
        for initiative in model.initiatives.values():
            if party not in initiative.members:
                continue
            if brokered and not (deal.kind == "finance" and party == deal.party_b):
                book = initiative.brokered_value_musd
                book[country] = book.get(country, 0.0) + gain
            other = deal.party_b if party == deal.party_a else deal.party_a
            if saved > 0.0 and other in initiative.members:
                # each side bears half the cost, but a grant programme bears all of a finance
                # deal's (``Country.offer_finance``)
                share = 0.5
                if deal.kind == "finance":
                    share = 1.0 if party == deal.party_a else 0.0
                book = initiative.costs_saved_musd
                book[country] = book.get(country, 0.0) + saved * share


def _club_saving(model: TransitionModel, deal: Deal) -> float:
    """Transaction cost (USD m) the shared initiative saved on a deal; 0 if none is shared."""
    a, b = deal.party_a, deal.party_b
    if not share_initiative(model, a, b):
        return 0.0
    p = model.params
    without = p.transaction_cost_musd * (1.0 - p.trust_discount * model.trust.mutual(a, b))
    if home_countries_allied(model, a, b):
        without *= 1.0 - p.government_tie_discount
    home_a, home_b = model.home_of[model.proposer_index[a]], model.home_of[model.proposer_index[b]]
    without *= affinity_cost_factor(
        p.affinity_transaction_cost_premium, float(model.countries.affinity[home_a, home_b])
    )
    return without * p.membership_discount


def credit_finance(model: TransitionModel, partnership: Partnership, amount_musd: float) -> None:
    """Book finance delivered to a company's country in each initiative its donor belongs to."""
    country = home_country(model, partnership.party_b)
    if country is None or amount_musd <= 0.0:
        return
    for initiative in model.initiatives.values():
        if partnership.party_a in initiative.members:
            book = initiative.finance_received_musd
            book[country] = book.get(country, 0.0) + amount_musd


def end_partnership(model: TransitionModel, partnership: Partnership, status: str) -> None:
    """End a partnership and log it."""
    model.registry.end(partnership, status, model.year)
    model.events.record(
        model.year,
        "ending",
        f"{model.year}: the {partnership.kind} partnership of "
        f"{model.display_name(partnership.party_a)} and "
        f"{model.display_name(partnership.party_b)}{_what_it_was(model, partnership)} "
        f"ends ({status})",
        kind=partnership.kind,
        party_a=partnership.party_a,
        party_b=partnership.party_b,
        partnership_id=partnership.partnership_id,
    )


def _what_it_was(model: TransitionModel, partnership: Partnership) -> str:
    """What tells a partnership apart from another of the same parties (for the event log)."""
    tech = model.technologies
    route = tech.names[tech.index[partnership.technology]] if partnership.technology else ""
    if partnership.kind == "finance" and partnership.plant >= 0:
        return (
            f" (USD {partnership.amount_musd:,.0f}m for line {model.fleet.ids[partnership.plant]}"
            f"{', ' + route if route else ''}, since {partnership.start_year})"
        )
    if route:
        return f" ({route}, since {partnership.start_year})"
    return f" (since {partnership.start_year})"


def promiser(partnership: Partnership) -> tuple[str, str]:
    """``(truster, trustee)``: who waits on whom for what is delivered in the delivery phase.

    A donor (``party_a``) pays a finance line's tranches to the company; a licensor
    (``party_b``) hands its technology over to the licensee (``party_a``).
    """
    a, b = partnership.party_a, partnership.party_b
    return (b, a) if partnership.kind == "finance" else (a, b)


def raise_trust(model: TransitionModel, truster: str, trustee: str) -> None:
    """``trustee`` delivered: ``truster``'s trust in it rises by ``trust_gain`` of its gap to 1."""
    trust = model.trust.get(truster, trustee)
    model.trust.set(truster, trustee, trust + model.params.trust_gain * (1.0 - trust), model.year)


def lower_trust(model: TransitionModel, truster: str, trustee: str) -> None:
    """``trustee`` defaulted: ``truster``'s trust in it falls by ``trust_loss``, once a year."""
    key = (truster, trustee)
    if model.trust.last_default.get(key) != model.year:
        model.trust.last_default[key] = model.year
        trust = model.trust.get(truster, trustee)
        model.trust.set(truster, trustee, trust * (1.0 - model.params.trust_loss), model.year)


def reward_delivery(model: TransitionModel, partnership: Partnership, amount_musd: float) -> None:
    """The promiser delivered: the other side's trust in it rises (docs/model.md §3.6)."""
    a, b = partnership.party_a, partnership.party_b
    raise_trust(model, *promiser(partnership))
    partnership.deliveries += 1
    if partnership.kind == "finance":
        credit_finance(model, partnership, amount_musd)
    tech = model.technologies
    tech_name = (
        tech.names[tech.index[partnership.technology]] if partnership.technology else "its project"
    )
    line = (
        f" on line {model.fleet.ids[partnership.plant]}"
        if partnership.kind == "finance" and partnership.plant >= 0
        else ""
    )
    what = (
        f"USD {amount_musd:,.0f}m of finance from {model.display_name(a)} reaches "
        f"{model.describe(b)} for {tech_name}{line}"
        if partnership.kind == "finance"
        else f"{model.display_name(partnership.party_b)} hands over "
        f"{tech_name} to {model.display_name(a)}"
    )
    model.events.record(
        model.year,
        "delivery",
        f"{model.year}: {what}",
        kind=partnership.kind,
        party_a=a,
        party_b=b,
        partnership_id=partnership.partnership_id,
        technology=partnership.technology,
        amount_musd=amount_musd,
    )


def default_partnership(model: TransitionModel, partnership: Partnership, reason: str) -> None:
    """A commitment is not delivered: trust in the promiser falls, the partnership defaults.

    Only the side that was let down revises its trust (a donor's default lowers the company's
    trust in the donor, not the donor's in the company), once per pair and year: a change of
    government that defaults on several lines to one company at once is one event, not several
    (docs/model.md §3.6).
    """
    a, b = partnership.party_a, partnership.party_b
    lower_trust(model, *promiser(partnership))
    if partnership.kind == "finance":
        model.finance_by_plant.pop(partnership.plant, None)
        donor = model.country_agents[a]
        model.finance.release(donor.index, partnership.tranches_due)
        partnership.tranches_due = []
        fleet = model.fleet
        plant = partnership.plant
        fleet.financed[plant] = False
        converting = fleet.pending_technology[plant] >= 0 and fleet.capacity_mt[plant] > 0
        if converting and not model.company_agents[b].finishes_conversion_alone(plant):
            stop_conversion(model, plant)
    model.events.record(
        model.year,
        "default",
        f"{model.year}: {model.display_name(a)} defaults on its {partnership.kind} commitment "
        f"to {model.display_name(b)}{_what_it_was(model, partnership)} ({reason})",
        kind=partnership.kind,
        party_a=a,
        party_b=b,
        partnership_id=partnership.partnership_id,
    )
    end_partnership(model, partnership, "defaulted")


def conversion_delivered(model: TransitionModel, plant: int) -> None:
    """A financed line's conversion completed: the donor's trust in the company rises.

    The company's side of a finance deal is to carry the conversion out (docs/model.md §3.6).
    """
    partnership = model.finance_by_plant.pop(plant, None)
    if partnership is not None:
        raise_trust(model, partnership.party_a, partnership.party_b)


def conversion_abandoned(model: TransitionModel, partnership: Partnership) -> None:
    """A financed line closed before its tranches were paid: the company failed its side.

    The donor's trust in the company falls (the partnership ends ``cancelled``), once per
    financed line: a line whose closure was already counted is not counted again.
    """
    if model.finance_by_plant.pop(partnership.plant, None) is not None:
        lower_trust(model, partnership.party_a, partnership.party_b)


def stop_conversion(model: TransitionModel, plant: int) -> None:
    """A line's conversion stops after a default: it keeps its route, and the grant is lost.

    The tranches delivered so far were spent on the project that is now abandoned (they are
    written off, ``grant:<plant> -> external:written_off``), so they cannot pay for another
    route, least of all a capped one no donor would fund (docs/model.md §3.6).
    """
    fleet = model.fleet
    technology = int(fleet.pending_technology[plant])
    fleet.pending_technology[plant] = -1
    model.fleet.changed(int(fleet.country[plant]))
    write_off_grant(model, plant, "abandoned project")
    company_id = model.companies.ids[fleet.owner[plant]]
    model.events.record(
        model.year,
        "investment",
        f"{model.year}: {model.display_name(company_id)} stops converting {fleet.ids[plant]} to "
        f"{model.technologies.names[technology]}: without the rest of the grant it does not pay",
        party_a=company_id,
        technology=model.technologies.ids[technology],
    )


def raise_capability(model: TransitionModel, country: int) -> None:
    """Technology transfer or domestic adoption closes part of the capability gap."""
    multiplier = model.countries.capability_multiplier
    multiplier[country] = 1.0 + (multiplier[country] - 1.0) * (
        1.0 - model.params.capability_gain_per_transfer
    )


def join_initiative(
    model: TransitionModel,
    initiative: Initiative,
    member_id: str,
    *,
    start_year: int | None = None,
    announce: bool = True,
) -> None:
    """Add a member to an initiative (a membership partnership to the initiative agent)."""
    model.costs.clear()  # broker rankings depend on the members
    start = model.year if start_year is None else start_year
    initiative.members[member_id] = None
    member = model.agent_by_id[member_id]
    member.initiatives.add(initiative.agent_id)
    model.registry.add(
        Partnership(
            partnership_id=model.registry.new_id("membership", start),
            kind="membership",
            party_a=member_id,
            party_b=initiative.agent_id,
            start_year=start,
            end_year=model.params.end_year + 1,
        )
    )
    if announce:
        model.events.record(
            model.year,
            "join",
            f"{model.year}: {model.display_name(member_id)} joins {initiative.name}",
            kind="membership",
            party_a=member_id,
            party_b=initiative.agent_id,
        )


def leave_initiative(model: TransitionModel, initiative: Initiative, member_id: str) -> None:
    """Remove a member from an initiative."""
    model.costs.clear()  # broker rankings depend on the members
    initiative.members.pop(member_id, None)
    model.agent_by_id[member_id].initiatives.discard(initiative.agent_id)
    for partnership in model.registry.between(member_id, initiative.agent_id):
        if partnership.kind == "membership":
            model.registry.end(partnership, "left", model.year)
    model.events.record(
        model.year,
        "leave",
        f"{model.year}: {model.display_name(member_id)} leaves {initiative.name}",
        kind="membership",
        party_a=member_id,
        party_b=initiative.agent_id,
    )


def initial_ties(model: TransitionModel, tables: dict[str, pd.DataFrame]) -> None:
    """The data's memberships and partnerships, of the channels switched on.

    Only those that existed in the run's start year: a membership joined, or a partnership
    signed, after it is left out (it did not exist yet; in the model it may form on its
    own). One joined or signed in the start year itself is in, as a plant that starts
    operating that year is (docs/model.md "Input data").
    """
    p = model.params
    channel = {
        "finance": p.finance_deals,
        "technology": p.technology_deals,
        "codevelopment": p.technology_deals,
        "government": p.government_deals,
    }
    memberships = tables["memberships"]
    for row in memberships.itertuples() if p.initiative_membership else ():
        if int(row.joined_year) > p.start_year:
            continue
        initiative = model.initiatives[row.initiative_id]
        join_initiative(
            model, initiative, row.member_id, start_year=int(row.joined_year), announce=False
        )
        until, made = row.committed_until, row.committed_year
        # a commitment made after the start year does not bind yet
        made_by_start = made is None or pd.isna(made) or int(made) <= p.start_year
        if until is not None and not pd.isna(until) and made_by_start:
            initiative.committed_until[row.member_id] = int(until)
    for row in tables["partnerships"].itertuples():
        if not channel[row.kind]:
            continue
        start = int(row.start_year)
        if start > p.start_year:
            continue
        partnership = Partnership(
            partnership_id=row.partnership_id,
            kind=row.kind,
            party_a=row.party_a,
            party_b=row.party_b,
            start_year=start,
            end_year=start + int(row.duration_years),
            amount_musd=float(row.amount_musd),
            technology=row.technology,
        )
        if partnership.end_year <= model.year:
            continue
        model.registry.add(partnership)
        if row.kind == "technology" and row.technology:
            k = model.technologies.index[row.technology]
            for party in (row.party_a, row.party_b):
                licensee = model.company_agents.get(party)
                if licensee is not None and not model.companies.owns[licensee.index, k]:
                    model.companies.access[licensee.index, k] = True
            partnership.deliveries = 1
