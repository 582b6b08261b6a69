"""Batch valuation: the best deal of many candidate pairs at once, with arrays.

``negotiation.possible_deals`` values one pair at a time with the functions of
``model/deals.py``, and a proposer keeps the first deal with the largest joint surplus.
:func:`value_pairs` gives, for every pair ``(a[i], b[i])`` of agent indices, exactly that choice
(kind, parties in the deal's order, values, technology, plant, bargaining weight):

- the cost rows (``plant_costs``, availability, ``switch_threshold``) are computed only for the
  plants of the companies that need them, the plain and own-financing variants in one call;
- licence values of every (company, technology) needed come from one (plants x technologies)
  array summed per company;
- a finance deal expands only the (plant, technology) cells that qualify, pair by pair, and
  takes the first maximum of each pair's cells at its donor's ambition;
- transaction costs look trust, shared initiatives and allied home countries up with arrays;
- government ties (country pairs, few) call ``Country.propose_tie`` itself.

Agent index: the position in ``model.proposers``, countries first (index ``i < C``: country
``i``), then companies (index ``C + j``: company ``j``). ``tests/test_valuation.py`` compares
every field with the scalar functions on evolving and perturbed worlds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from industry_transition.model.costs import (
    availability,
    cost_parts,
    counterfactual_route,
    lcop_at_use,
    switch_threshold,
)
from industry_transition.model.deals import SWITCH_MARGIN_USD_PER_T, Deal
from industry_transition.model.economics import (
    FloatArray,
    capital_recovery_factor,
)
from industry_transition.model.kinds import DEAL_KINDS, DealKind
from industry_transition.model.relations import government_ties
from industry_transition.model.world import INCOME_CODE

if TYPE_CHECKING:
    from industry_transition.model.parameters import Parameters
    from industry_transition.model.transition_model import TransitionModel

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Deal kinds by code (the position); -1 means the pair has no deal.
KIND_CODES = DEAL_KINDS
# the codes as plain ints for the array code below
FINANCE, TECHNOLOGY, CODEVELOPMENT, GOVERNMENT = (int(kind) for kind in DealKind)


@dataclass
class PairDeals:
    """The best deal of each pair, one entry per pair (see :func:`value_pairs`).

    Where a pair has no deal: ``kind`` -1, parties, technology and plant -1, values and
    ``weight_a`` 0.
    """

    kind: NDArray[np.int8]
    party_a: IntArray  # agent index of Deal.party_a (donor, licensee, first co-developer...)
    party_b: IntArray  # agent index of Deal.party_b
    value_a: FloatArray
    value_b: FloatArray
    technology: IntArray  # technology index, -1 if none
    plant: IntArray  # plant index, -1 if none
    weight_a: FloatArray  # bargaining weight of party_a

    def __len__(self) -> int:
        return int(self.kind.size)

    @property
    def surplus(self) -> FloatArray:
        """Joint gain of each pair's deal (``value_a + value_b``), -inf where there is none."""
        return np.where(self.kind >= 0, self.value_a + self.value_b, -np.inf)

    def deal(self, model: TransitionModel, i: int) -> Deal:
        """The :class:`Deal` of pair ``i`` (ValueError if the pair has none)."""
        code = int(self.kind[i])
        if code < 0:
            raise ValueError(f"pair {i} has no deal")
        technology = int(self.technology[i])
        return Deal(
            kind=KIND_CODES[code],
            party_a=model.proposers[int(self.party_a[i])],
            party_b=model.proposers[int(self.party_b[i])],
            value_a=float(self.value_a[i]),
            value_b=float(self.value_b[i]),
            technology=model.technologies.ids[technology] if technology >= 0 else "",
            plant=int(self.plant[i]),
            weight_a=float(self.weight_a[i]),
            # a grant never exceeds the funding gap, the company's value without it
            transfer_cap_musd=-float(self.value_b[i]) if code == FINANCE else float("inf"),
        )


def no_deals(n: int) -> PairDeals:
    """``n`` pairs without a deal."""
    return PairDeals(
        kind=np.full(n, -1, dtype=np.int8),
        party_a=np.full(n, -1, dtype=np.int64),
        party_b=np.full(n, -1, dtype=np.int64),
        value_a=np.zeros(n),
        value_b=np.zeros(n),
        technology=np.full(n, -1, dtype=np.int64),
        plant=np.full(n, -1, dtype=np.int64),
        weight_a=np.zeros(n),
    )


# --- transaction costs --------------------------------------------------------------------------
def transaction_costs(model: TransitionModel, a: IntArray, b: IntArray) -> FloatArray:
    """``deals.transaction_cost`` of each pair of agent indices."""
    p = model.params
    both = _trust(model, np.concatenate([a, b]), np.concatenate([b, a]))
    trust = 0.5 * (both[: a.size] + both[a.size :])  # TrustBook.mutual
    cost = p.transaction_cost_musd * (1.0 - p.trust_discount * trust)
    cost = np.where(_share_initiative(model, a, b), cost * (1.0 - p.membership_discount), cost)
    allied = _home_countries_allied(model, a, b)
    cost = np.where(allied, cost * (1.0 - p.government_tie_discount), cost)
    # affinity premium, 1 + premium * (1 - affinity) (affinity_cost_factor); 1 within a country
    affinity = model.countries.affinity[home_countries(model, a), home_countries(model, b)]
    return cost * (1.0 + p.affinity_transaction_cost_premium * (1.0 - affinity))


def _trust(model: TransitionModel, a: IntArray, b: IntArray) -> FloatArray:
    """``TrustBook.get``: trust of agent ``a[i]`` in agent ``b[i]`` (directed).

    The prior of each pair (the delivery probability of ``b``'s promises, a government's or a
    company's, times the affinity factor of the two home countries) unless the ordered pair is in
    ``trust.values``.
    """
    book = model.trust
    n_countries = len(model.countries.ids)
    base = np.where(b < n_countries, book.government_prior, book.initial)
    out = base * book.factor_by_home[model.home_of[a], model.home_of[b]]
    values = book.values
    if not values or a.size == 0:
        return out
    ids = model.proposers
    if a.size <= len(values):
        # fewer pairs than remembered trusts: look the pairs up
        out[:] = [book.get(ids[x], ids[y]) for x, y in zip(a.tolist(), b.tolist(), strict=True)]
        return out
    # otherwise encode the remembered ordered pairs once and search them
    position = model.proposer_index
    n = len(ids)
    codes: list[int] = []
    trusts: list[float] = []
    for (x, y), value in values.items():
        i, j = position.get(x), position.get(y)
        if i is not None and j is not None:
            codes.append(i * n + j)
            trusts.append(value)
    if not codes:
        return out
    known = np.array(codes, dtype=np.int64)
    order = np.argsort(known)
    known, known_trust = known[order], np.array(trusts)[order]
    query = a * n + b
    at = np.minimum(np.searchsorted(known, query), known.size - 1)
    found = known[at] == query
    out[found] = known_trust[at[found]]
    return out


def _share_initiative(model: TransitionModel, a: IntArray, b: IntArray) -> BoolArray:
    """Whether the two agents of each pair are members of a common initiative.

    Reads the agents' ``initiatives`` (as ``share_initiative`` does), or, when the initiatives
    have fewer members than the pairs have agents, the members of each initiative (the model
    keeps both sides of a membership together).
    """
    n = len(model.proposers)
    seen = np.zeros(n, dtype=bool)
    seen[a] = True
    seen[b] = True
    agents = np.flatnonzero(seen)
    initiatives = list(model.initiatives.values())
    member = np.zeros((n, len(initiatives)), dtype=bool)
    if sum(len(i.members) for i in initiatives) < agents.size:
        position = model.proposer_index
        for column, initiative in enumerate(initiatives):
            found = [position.get(m, -1) for m in initiative.members]
            member[[r for r in found if r >= 0], column] = True
    else:
        columns = {initiative.agent_id: c for c, initiative in enumerate(initiatives)}
        rows: list[int] = []
        cols: list[int] = []
        for agent in agents.tolist():
            for initiative_id in model.proposer_agents[agent].initiatives:
                rows.append(agent)
                cols.append(columns[initiative_id])
        member[rows, cols] = True
    return np.asarray((member[a] & member[b]).any(axis=1))


def home_countries(model: TransitionModel, agents: IntArray) -> IntArray:
    """Home country index of each agent index (a country is its own home)."""
    c = len(model.countries.ids)
    company = np.maximum(agents - c, 0)
    return np.where(agents < c, agents, model.companies.country[company]).astype(np.int64)


def _home_countries_allied(model: TransitionModel, a: IntArray, b: IntArray) -> BoolArray:
    """Whether distinct home countries of each pair have an active government partnership."""
    ha, hb = home_countries(model, a), home_countries(model, b)
    differ = ha != hb
    if not differ.any():
        return differ
    ids = model.countries.ids
    involved = np.zeros(len(ids), dtype=bool)
    involved[ha[differ]] = True
    involved[hb[differ]] = True
    involved_ids = {ids[c] for c in np.flatnonzero(involved).tolist()}
    allied = np.zeros((len(ids), len(ids)), dtype=bool)
    for country in involved_ids:
        # a government partnership is an edge between two countries: read the neighbours
        for other in involved_ids.intersection(model.network.neighbors(country)):
            if country < other and model.registry.has_active(country, other, "government"):
                i, j = model.country_agents[country].index, model.country_agents[other].index
                allied[i, j] = allied[j, i] = True
    return differ & allied[ha, hb]


# --- plants and cost rows -----------------------------------------------------------------------
def _plants_by_company(model: TransitionModel, companies: IntArray) -> tuple[IntArray, IntArray]:
    """Active plants of ``companies`` (ascending) and each plant's row in ``companies``.

    The plants are those of ``model.fleet.plants_of``, in its order. For many companies they are
    read from the fleet arrays at once (``plants_of`` is the index of active plants that the
    model rebuilds after every change of the fleet, so the two agree).
    """
    fleet = model.fleet
    if companies.size * 16 < len(fleet):
        groups = list(map(model.fleet.plants_of, companies.tolist()))
        if not groups:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        counts = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
        plants = np.concatenate(groups).astype(np.int64, copy=False)
        return plants, np.repeat(np.arange(len(groups), dtype=np.int64), counts)
    row = np.full(len(model.companies.ids), -1, dtype=np.int64)
    row[companies] = np.arange(companies.size)
    plants = np.flatnonzero((row[fleet.owner] >= 0) & fleet.active())
    plants = plants[np.argsort(fleet.owner[plants], kind="stable")]
    return plants, row[fleet.owner[plants]]


def plant_costs_two_ways(
    model: TransitionModel, plants: IntArray, rows: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``costs.plant_costs`` of ``plants``, and concessional LCOPs of ``plants[rows]``.

    The first is each plant's own financing (the ``default`` variant), the second every
    low-carbon option on concessional terms (``concessional``), sharing the work. The same
    operations as ``plant_costs``, element by element; the capital recovery factor is computed
    per plant for its two rates (plain and concessional) instead of per cell.

    Returns:
        (lcop, variable, concessional lcop of ``plants[rows]``).
    """
    lcop, variable, concessional, *_ = _plant_costs(model, plants, rows)
    return lcop, variable, concessional


def _plant_costs(
    model: TransitionModel, plants: IntArray, rows: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """:func:`plant_costs_two_ways`, capital recovery factors and the finance rows' capex.

    Each plant's capital recovery factor at its reduced and at its plain rate, and the capex
    rows of ``plants[rows]``. Finance cells use these (the loan's grant element compares the
    two rates on the capex).
    """
    p = model.params
    fleet = model.fleet
    low = model.technologies.low_carbon[None, :]
    rate, capex, variable = cost_parts(model, plants, fleet.grant_musd[plants])
    reduced = np.maximum(rate - p.concessional_rate_reduction, 0.0)
    # both rates in one call (element by element, the same values as two calls)
    n = plants.size
    crf_both = capital_recovery_factor(np.concatenate([rate, reduced]), p.plant_life_years)
    crf_rate, crf_reduced = crf_both[:n, None], crf_both[n:, None]
    crf = np.where(low & fleet.financed[plants][:, None], crf_reduced, crf_rate)
    lcop = crf * capex / p.target_utilisation + variable
    crf = np.where(low, crf_reduced[rows], crf_rate[rows])
    concessional = crf * capex[rows] / p.target_utilisation + variable[rows]
    return lcop, variable, concessional, crf_both[n:], crf_both[:n], capex[rows]


@dataclass
class _Plants:
    """The plants valued, grouped by company, with their cost rows (``default`` variant).

    For a plant open to finance (not financed) the default variant is the plain one, which is
    what finance deals compare against; ``concessional`` holds the LCOP on concessional terms
    of the ``finance`` rows.
    """

    companies: IntArray  # company indices, ascending
    plants: IntArray  # active plants not converting, grouped by company
    position: IntArray  # each plant's row in ``companies``
    lcop: FloatArray
    variable: FloatArray
    threshold: FloatArray
    available: BoolArray
    finance: IntArray  # rows of ``plants`` open to finance (companies that need them)
    concessional: FloatArray
    crf_reduced: FloatArray  # capital recovery factor at each plant's concessional rate
    crf_plain: FloatArray  # and at its own rate
    finance_capex: FloatArray  # capex (USD/tpa) of every route for the ``finance`` rows
    baseline: IntArray  # the route each plant runs without a deal (``counterfactual_route``)


def _plant_rows(
    model: TransitionModel, companies: IntArray, for_finance: BoolArray, for_licence: BoolArray
) -> _Plants | None:
    """Cost rows of the companies' active plants that are not converting.

    ``for_finance[i]``: company ``companies[i]`` is in a finance pair, so its plants open to
    finance also get concessional costs. ``for_licence[i]``: the company may take a licence,
    so all its plants are valued; a company in finance pairs only needs its plants open to
    finance (every row is computed on its own, so leaving the others out changes nothing).
    None if there is nothing to value: no plant open to finance and no licensee.
    """
    fleet, tech = model.fleet, model.technologies
    plants, position = _plants_by_company(model, companies)
    idle = fleet.pending_technology[plants] < 0  # converting plants are busy
    plants, position = plants[idle], position[idle]
    open_to_finance = (
        for_finance[position] & ~fleet.financed[plants] & ~tech.low_carbon[fleet.technology[plants]]
    )
    if for_licence.any():
        keep = open_to_finance | for_licence[position]
        if not keep.all():
            plants, position, open_to_finance = plants[keep], position[keep], open_to_finance[keep]
    elif open_to_finance.any():
        plants, position = plants[open_to_finance], position[open_to_finance]
        open_to_finance = np.ones(plants.size, dtype=bool)
    else:
        return None
    finance = np.flatnonzero(open_to_finance)
    with np.errstate(divide="ignore", invalid="ignore"):
        lcop, variable, concessional, crf_reduced, crf_plain, finance_capex = _plant_costs(
            model, plants, finance
        )
        available = availability(model, plants)
        threshold = switch_threshold(model, plants, lcop, variable, available)
        baseline = counterfactual_route(model, plants, lcop, variable, available)
    return _Plants(
        companies,
        plants,
        position,
        lcop,
        variable,
        threshold,
        available,
        finance,
        concessional,
        crf_reduced,
        crf_plain,
        finance_capex,
        baseline,
    )


# --- licence values -----------------------------------------------------------------------------
def _licence_values(
    model: TransitionModel, rows: _Plants, wanted: BoolArray, columns: IntArray
) -> FloatArray:
    """``Company.licence_value`` of the ``wanted`` companies of ``rows`` for ``columns``.

    Returns a (companies of ``rows`` x technologies) array; other entries are left at 0.
    """
    p = model.params
    fleet, tech, comp = model.fleet, model.technologies, model.companies
    out = np.zeros((rows.companies.size, len(tech)))
    used = np.flatnonzero(wanted[rows.position])
    if used.size == 0 or columns.size == 0:
        return out
    plants, position = rows.plants[used], rows.position[used]
    owner = rows.companies[position]
    saving_now = rows.threshold[used, None] - rows.lcop[used[:, None], columns]
    country = comp.country[owner]
    available_year = comp.available_year[owner][:, columns]
    years_to_use = np.maximum(
        np.maximum(fleet.next_investment_year[plants][:, None], available_year) - model.year, 0
    )
    # A plant that saves money with the technology today may switch before its window.
    years_to_use = np.where(
        saving_now > 0,
        np.minimum(years_to_use, np.maximum(available_year - model.year, 0)),
        years_to_use,
    )
    years_to_use = years_to_use + tech.lead_time_years[columns][None, :]  # each route's own
    # the saving in the year of use, at the capex expected then (Company.licence_value)
    table = model.costs.expected_capex(int(years_to_use.max()))
    lcop, variable, available = rows.lcop[used], rows.variable[used], rows.available[used]
    saving = np.empty(years_to_use.shape)
    with np.errstate(invalid="ignore"):
        for c, k in enumerate(columns.tolist()):
            lcop_then = lcop_at_use(model, plants, lcop, years_to_use[:, c], table)
            threshold_then = switch_threshold(model, plants, lcop_then, variable, available)
            saving[:, c] = np.maximum(threshold_then - lcop_then[:, k], 0.0)
    # (1 + r) ** -years for the country's rate, read from a table of each country's powers
    row, countries = _rows(country, len(model.countries.ids))
    rate = model.countries.cost_of_capital[countries]
    years = np.arange(max(int(years_to_use.max()), 0) + 1)
    if years_to_use.min() >= 0 and rate.size * years.size < years_to_use.size:
        powers = (1.0 + rate)[:, None] ** (-years.astype(float))[None, :]
        discount = powers[row[:, None], years_to_use]
    else:
        discount = (1.0 + rate[row])[:, None] ** (-years_to_use.astype(float))
    annuity = 1.0 / capital_recovery_factor(rate, float(p.valuation_horizon_years))
    production = fleet.capacity_mt[plants] * fleet.utilisation[plants]
    term = saving * production[:, None] * annuity[row][:, None] * discount
    counts = np.bincount(position, minlength=rows.companies.size)
    starts = np.cumsum(counts) - counts
    some = counts > 0
    sums = np.zeros((rows.companies.size, columns.size))
    sums[some] = np.add.reduceat(term, starts[some], axis=0)
    # another sector's technology is worth nothing to the company
    same_sector = tech.sector[columns][None, :] == comp.sector[rows.companies][:, None]
    out[:, columns] = np.where(same_sector, sums, 0.0)
    return out


# --- finance ------------------------------------------------------------------------------------
@dataclass
class _FinanceCells:
    """The (plant, technology) cells a grant could switch, grouped by company."""

    start: IntArray  # first cell of each company (row of ``_Plants.companies``)
    count: IntArray
    abatement: FloatArray
    need: FloatArray
    grant_element: FloatArray  # of the concessional loan on the route's capex (USD million)
    plant: IntArray
    technology: IntArray


def _finance_cells(model: TransitionModel, rows: _Plants) -> _FinanceCells | None:
    """Abatement and grant need of every cell that qualifies, as in ``Country.offer_finance``.

    None if no cell qualifies.
    """
    p = model.params
    fleet, tech, comp = model.fleet, model.technologies, model.companies
    threshold = rows.threshold[rows.finance]
    gap = np.maximum(rows.concessional - threshold[:, None] + SWITCH_MARGIN_USD_PER_T, 0.0)
    # low-carbon routes that are not capped (``Country.offer_finance``: not additional)
    available = rows.available[rows.finance] & (tech.low_carbon & ~tech.capped)[None, :]
    # a grant is needed only where the gap is positive (need > 0 implies gap > 0)
    if not (available & (gap > 0)).any():
        return None
    plants = rows.plants[rows.finance]
    n = plants.size
    finance_position = rows.position[rows.finance]
    country = comp.country[rows.companies[finance_position]]
    # the plant's concessional rate, as in ``plant_costs_two_ways``
    crf = rows.crf_reduced[rows.finance]
    capacity = np.minimum(fleet.capacity_mt[plants], p.finance_project_mt(fleet.sector[plants]))[
        :, None
    ]
    need = gap * p.target_utilisation / crf[:, None] * capacity
    capex_line = rows.finance_capex * capacity
    grant_element = np.maximum(capex_line - need, 0.0) * (
        1.0 - crf[:, None] / rows.crf_plain[rows.finance][:, None]
    )
    intensity = model.intensity[country]  # the company's country, one row per plant
    current = fleet.technology[plants]
    production = capacity * fleet.utilisation[plants][:, None]
    baseline_intensity = intensity[np.arange(n), rows.baseline[rows.finance]]
    abatement = (baseline_intensity[:, None] - intensity) * production * (p.valuation_horizon_years)
    ok = available & (abatement > 0) & (need > 0) & (need <= capex_line)
    ok &= ~(tech.low_carbon[current])[:, None]
    cell_rows, cols = np.nonzero(ok)  # row-major: each company's cells in its argmax order
    count = np.bincount(finance_position[cell_rows], minlength=rows.companies.size)
    return _FinanceCells(
        start=np.cumsum(count) - count,
        count=count,
        abatement=abatement[cell_rows, cols],
        need=need[cell_rows, cols],
        grant_element=grant_element[cell_rows, cols],
        plant=plants[cell_rows],
        technology=cols.astype(np.int64),
    )


def _rows(values: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """The distinct ``values`` (ascending, below ``size``) and each value's row among them."""
    seen = np.zeros(size, dtype=bool)
    seen[values] = True
    distinct = np.flatnonzero(seen)
    row = np.full(size, -1, dtype=np.int64)
    row[distinct] = np.arange(distinct.size)
    return row[values], distinct


def _segment_first_max(values: FloatArray, counts: IntArray) -> IntArray:
    """Position in ``values`` of the first maximum of each consecutive (non-empty) segment."""
    starts = np.cumsum(counts) - counts
    segment = np.repeat(np.arange(counts.size), counts)
    best = np.maximum.reduceat(values, starts)
    at_max = np.flatnonzero(values == best[segment])
    first = np.ones(at_max.size, dtype=bool)
    first[1:] = segment[at_max[1:]] != segment[at_max[:-1]]
    return at_max[first]


# --- the batch ----------------------------------------------------------------------------------
def value_pairs(model: TransitionModel, a: np.ndarray, b: np.ndarray) -> PairDeals:
    """Best deal of each pair (a[i], b[i]) as possible_deals + first strict max would choose.

    ``a`` and ``b`` hold agent indices (``model.proposers`` order), ``a[i] != b[i]``. The deal of
    pair ``i`` equals, field by field, the first deal of largest surplus among
    ``negotiation.possible_deals(model, proposers[a[i]], proposers[b[i]])``. Nothing in the
    model is changed. ``model.costs`` need not be active: only country pairs use it, through
    ``Country.propose_tie`` (its memo of government ties and complementarity, while active).
    """
    a = np.asarray(a, dtype=np.int64).ravel()
    b = np.asarray(b, dtype=np.int64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"a and b differ in length: {a.size} != {b.size}")
    out = no_deals(a.size)
    if a.size == 0:
        return out
    n_countries = len(model.countries.ids)
    a_country, b_country = a < n_countries, b < n_countries
    _Batch(
        model,
        out,
        a,
        b,
        np.flatnonzero(a_country != b_country),
        np.flatnonzero(~a_country & ~b_country),
    ).value()
    _value_governments(model, out, np.flatnonzero(a_country & b_country), a, b)
    close_channels(model.params, out)
    return out


def close_channels(params: Parameters, out: PairDeals) -> None:
    """No deal (kind -1) for the pairs whose deal is of a channel switched off.

    A pair type has one channel (country-company: finance; company-company: technology and
    co-development; country-country: government), so this is the same as not valuing them.
    """
    drop_kinds(out, [code for code, on in enumerate(channels_open(params)) if not on])


def drop_kinds(out: PairDeals, codes: list[int]) -> None:
    """No deal (kind -1) for the pairs whose deal is of one of the kind ``codes``."""
    if codes:
        closed = np.isin(out.kind, codes)
        out.kind[closed] = -1
        out.party_a[closed] = out.party_b[closed] = out.technology[closed] = -1
        out.plant[closed] = -1
        out.value_a[closed] = out.value_b[closed] = out.weight_a[closed] = 0.0


def channels_open(params: Parameters) -> tuple[bool, bool, bool, bool]:
    """Whether each deal kind of ``KIND_CODES`` may be signed (the channel switches)."""
    return (
        params.finance_deals,
        params.technology_deals,
        params.technology_deals,
        params.government_deals,
    )


def _value_governments(
    model: TransitionModel, out: PairDeals, pairs: IntArray, a: IntArray, b: IntArray
) -> None:
    """Country pairs (few): ``Country.propose_tie`` itself.

    While the model negotiates, a pair's deal is remembered until an agent of either country
    signs something (``CostCache.remember`` with the two countries: a signature forgets the
    values of its parties and their home countries). It depends on nothing else: the tie
    counts and the complementary pairs of the two countries' agents.
    """
    if pairs.size == 0:
        return
    countries = list(model.country_agents.values())
    memo = model.costs.party_memo
    remember = model.costs.remember
    # A country at its limit of government ties can take no other: ``Country.propose_tie`` gives
    # None for its pairs (after an existing tie, which gives None too), so they are skipped
    # without a call. In ``leadit`` this is most country pairs once the ties have formed.
    limit = model.params.max_government_partnerships
    involved = set(a[pairs].tolist()) | set(b[pairs].tolist())
    full = {i for i in involved if government_ties(model, countries[i].agent_id) >= limit}
    found: list[int] = []
    value_a: list[float] = []
    value_b: list[float] = []
    weight_a: list[float] = []
    for i, xa, yb in zip(pairs.tolist(), a[pairs].tolist(), b[pairs].tolist(), strict=True):
        if xa in full or yb in full:
            continue
        x, y = countries[xa], countries[yb]
        key = ("government_deal", x.agent_id, y.agent_id)
        deal: Deal | None
        if key in memo:
            deal = memo[key]  # type: ignore[assignment]
        else:
            deal = x.propose_tie(y)
            remember(key, (x.agent_id, y.agent_id), deal)
        if deal is None:
            continue
        found.append(i)
        value_a.append(deal.value_a)
        value_b.append(deal.value_b)
        weight_a.append(deal.weight_a)
    if not found:
        return
    target = np.array(found, dtype=np.int64)
    out.kind[target] = GOVERNMENT
    out.party_a[target], out.party_b[target] = a[target], b[target]
    out.value_a[target], out.value_b[target] = value_a, value_b
    out.weight_a[target] = weight_a


class _Batch:
    """Finance pairs (a country and a company) and company pairs, valued with arrays."""

    def __init__(
        self,
        model: TransitionModel,
        out: PairDeals,
        a: IntArray,
        b: IntArray,
        finance: IntArray,
        pairs: IntArray,
    ) -> None:
        self.model, self.out = model, out
        self.n_countries = c = len(model.countries.ids)
        # finance pairs that could trade: a donor and a producer in an eligible country
        if finance.size:
            comp, countries = model.companies, model.countries
            fa, fb = a[finance], b[finance]
            a_donor = fa < c
            donor = np.where(a_donor, fa, fb)
            company = np.where(a_donor, fb, fa) - c
            live = (
                (countries.donor_budget_musd[donor] > 0)
                & comp.is_producer[company]
                & (countries.income[comp.country[company]] != INCOME_CODE["high"])
            )
            self.finance, self.donor, self.company = finance[live], donor[live], company[live]
        else:
            self.finance = self.donor = self.company = finance
        # company pairs
        self.pairs = pairs
        self.x, self.y = a[pairs] - c, b[pairs] - c

    def value(self) -> None:
        model = self.model
        comp = model.companies
        n_companies = len(comp.ids)
        none = np.zeros(0, dtype=np.int64)
        # company pairs: licences either way and co-development (none without company pairs)
        offered: list[IntArray] = []  # rows of company pairs with an option, by kind
        if self.pairs.size:
            rows_xy, offers_xy, rows_yx, offers_yx, rows_cd, options_cd = self._pair_options()
            rows_xy_offered = rows_xy[offers_xy.any(axis=1)]
            rows_yx_offered = rows_yx[offers_yx.any(axis=1)]
            offered = [rows_xy_offered, rows_yx_offered, rows_cd]
        if self.finance.size == 0 and not any(rows.size for rows in offered):
            return
        # the companies and plants to value
        x, y = self.x, self.y
        licensee = np.zeros(n_companies, dtype=bool)
        if offered:
            licensee[y[rows_xy_offered]] = True
            licensee[x[rows_yx_offered]] = True
            licensee[x[rows_cd]] = True
            licensee[y[rows_cd]] = True
        financed = np.zeros(n_companies, dtype=bool)
        financed[self.company] = True
        companies = np.flatnonzero(licensee | financed)
        rows = _plant_rows(model, companies, financed[companies], licensee[companies])
        if rows is None:
            return
        row_of = np.full(n_companies, -1, dtype=np.int64)
        row_of[companies] = np.arange(companies.size)
        finance = self._finance_choice(rows, row_of)
        # one transaction-cost lookup for the finance pairs with a deal and the company pairs
        # with an option
        if offered:
            priced = np.zeros(self.pairs.size, dtype=bool)
            for offered_rows in offered:
                priced[offered_rows] = True
            priced_rows = np.flatnonzero(priced)
        else:
            priced_rows = none
        if finance.donor.size == 0 and priced_rows.size == 0:
            return
        c = self.n_countries
        if priced_rows.size == 0:
            half_cost = transaction_costs(model, finance.donor, finance.company + c) / 2
        elif finance.donor.size == 0:
            half_cost = transaction_costs(model, x[priced_rows] + c, y[priced_rows] + c) / 2
        else:
            half_cost = (
                transaction_costs(
                    model,
                    np.concatenate([finance.donor, x[priced_rows] + c]),
                    np.concatenate([finance.company + c, y[priced_rows] + c]),
                )
                / 2
            )
        self._finance(finance, half_cost[: finance.donor.size])
        if priced_rows.size == 0:
            return
        pair_half_cost = np.zeros(self.pairs.size)
        pair_half_cost[priced_rows] = half_cost[finance.donor.size :]
        columns = np.flatnonzero(
            offers_xy.any(axis=0) | offers_yx.any(axis=0) | options_cd.any(axis=0)
        )
        licence = _licence_values(model, rows, licensee[rows.companies], columns)
        options = []
        if rows_xy_offered.size:
            options.append(
                self._technology(
                    rows_xy, offers_xy, licence[row_of[y[rows_xy]]], y, x, pair_half_cost
                )
            )
        if rows_yx_offered.size:
            options.append(
                self._technology(
                    rows_yx, offers_yx, licence[row_of[x[rows_yx]]], x, y, pair_half_cost
                )
            )
        if rows_cd.size:
            options.append(
                self._codevelopment(rows_cd, options_cd, licence, row_of, pair_half_cost)
            )
        self._choose(options)

    def _pair_options(
        self,
    ) -> tuple[IntArray, BoolArray, IntArray, BoolArray, IntArray, BoolArray]:
        """Licence offers either way and co-development options of the company pairs.

        Returns (rows x->y, offers x->y, rows y->x, offers y->x, co-development rows, options):
        ``x -> y`` is a licence of company ``x`` to producer ``y``; offers already under an
        active technology partnership of the pair are removed.
        """
        model = self.model
        comp, tech = model.companies, model.technologies
        x, y = self.x, self.y
        same = comp.sector[x] == comp.sector[y]
        # licences either way: the owner's technologies the producer lacks
        if 2 * x.size < len(comp.ids):
            owner_x, owner_y = comp.owns[x].any(axis=1), comp.owns[y].any(axis=1)
        else:
            owner = comp.owns.any(axis=1)
            owner_x, owner_y = owner[x], owner[y]
        producer_x, producer_y = comp.is_producer[x], comp.is_producer[y]
        rows_xy = np.flatnonzero(same & owner_x & producer_y)
        rows_yx = np.flatnonzero(same & owner_y & producer_x)
        offers_xy = comp.owns[x[rows_xy]] & ~comp.access[y[rows_xy]]
        offers_yx = comp.owns[y[rows_yx]] & ~comp.access[x[rows_yx]]
        if rows_xy.size or rows_yx.size:
            self._drop_pending_licences(rows_xy, offers_xy, rows_yx, offers_yx)
        # co-development: immature low-carbon technologies both producers can use
        rows_cd = np.zeros(0, dtype=np.int64)
        options_cd = np.zeros((0, len(tech)), dtype=bool)
        if model.params.codevelopment_years_forward != 0:
            rows_cd = np.flatnonzero(same & producer_x & producer_y)
            if rows_cd.size:
                xc, yc = x[rows_cd], y[rows_cd]
                # per company (the pair is in one sector): min(year x, year y) > t iff both are
                row_cd, members = _rows(np.concatenate([xc, yc]), len(comp.ids))
                open_cd = (
                    (tech.sector[None, :] == comp.sector[members][:, None])
                    & tech.low_carbon[None, :]
                    & comp.access[members]
                    & (comp.available_year[members] > model.year + 1)
                )
                options_cd = open_cd[row_cd[: xc.size]] & open_cd[row_cd[xc.size :]]
                keep = options_cd.any(axis=1)
                rows_cd, options_cd = rows_cd[keep], options_cd[keep]
        return rows_xy, offers_xy, rows_yx, offers_yx, rows_cd, options_cd

    # -- finance ---------------------------------------------------------------------------------
    def _finance_choice(self, rows: _Plants, row_of: IntArray) -> _FinanceChoice:
        """Each finance pair's best cell (pairs without one are left out)."""
        none = np.zeros(0, dtype=np.int64)
        empty = _FinanceChoice(none, none, none, np.zeros(0), none)
        if self.finance.size == 0 or rows.finance.size == 0:
            return empty
        model = self.model
        cells = _finance_cells(model, rows)
        if cells is None:
            return empty
        count = cells.count[row_of[self.company]]
        found = count > 0
        if not found.any():
            return empty
        count = count[found]
        donor, company = self.donor[found], self.company[found]
        offset = np.cumsum(count) - count
        cell = (
            np.arange(int(count.sum()), dtype=np.int64)
            - np.repeat(offset, count)
            + np.repeat(cells.start[row_of[company]], count)
        )
        countries = model.countries
        ambition = np.maximum(countries.ambition_usd_per_t, countries.carbon_price_usd_per_t)
        trust = _trust(model, donor, company + self.n_countries)
        value = np.repeat(trust, count) * cells.abatement[cell] * np.repeat(ambition[donor], count)
        value -= cells.grant_element[cell]
        chosen = _segment_first_max(value - cells.need[cell], count)
        best = cell[chosen]
        return _FinanceChoice(
            self.finance[found],
            donor,
            company,
            value[chosen],
            best,
            cells,
        )

    def _finance(self, choice: _FinanceChoice, half_cost: FloatArray) -> None:
        if choice.target.size == 0 or choice.cells is None:
            return
        out, cells, cell = self.out, choice.cells, choice.cell
        target = choice.target
        out.kind[target] = FINANCE
        out.party_a[target] = choice.donor
        out.party_b[target] = choice.company + self.n_countries
        # the grant programme bears the whole transaction cost (``Country.offer_finance``)
        out.value_a[target] = choice.value - 2.0 * half_cost
        out.value_b[target] = -cells.need[cell]
        out.technology[target] = cells.technology[cell]
        out.plant[target] = cells.plant[cell]
        out.weight_a[target] = self.model.params.bargaining_power_provider

    # -- company pairs ---------------------------------------------------------------------------
    def _drop_pending_licences(
        self, rows_xy: IntArray, offers_xy: BoolArray, rows_yx: IntArray, offers_yx: BoolArray
    ) -> None:
        """Remove technologies with an active technology partnership between the pair.

        ``licensable_technologies`` asks ``registry.has_active(owner, licensee, "technology",
        technology)``. Such a pair has a network edge, so only the candidate pairs that are
        neighbours are looked at.
        """
        offered = np.zeros(self.pairs.size, dtype=bool)
        offered[rows_xy[offers_xy.any(axis=1)]] = True
        offered[rows_yx[offers_yx.any(axis=1)]] = True
        pending = np.flatnonzero(offered)  # ascending, each row once
        if pending.size == 0:
            return
        model = self.model
        c = self.n_countries
        linked = pending[_are_neighbours(model, self.x[pending] + c, self.y[pending] + c)]
        if linked.size == 0:
            return
        ids, technology_index = model.proposers, model.technologies.index
        where_xy = {r: i for i, r in enumerate(rows_xy.tolist())}
        where_yx = {r: i for i, r in enumerate(rows_yx.tolist())}
        for row in linked.tolist():
            x, y = ids[int(self.x[row]) + c], ids[int(self.y[row]) + c]
            for partnership in model.registry.between(x, y):
                k = technology_index.get(partnership.technology)
                if partnership.kind != "technology" or k is None:
                    continue
                if row in where_xy:
                    offers_xy[where_xy[row], k] = False
                if row in where_yx:
                    offers_yx[where_yx[row], k] = False

    def _technology(
        self,
        rows: IntArray,
        offers: BoolArray,
        licence: FloatArray,
        licensee: IntArray,
        owner: IntArray,
        half_cost: FloatArray,
    ) -> _Option:
        """``owner.offer_licence(licensee)`` of the pairs ``rows``.

        The licence chosen is ``max`` of (value, technology) tuples: the largest value, and
        among equal values the highest technology index. ``licence`` holds the licensee's
        licence values, one row per row of ``rows``.
        """
        p = self.model.params
        value = np.where(offers, licence, -np.inf)
        n_tech = offers.shape[1]
        last = n_tech - 1 - np.argmax(value[:, ::-1] == value.max(axis=1)[:, None], axis=1)
        best = value[np.arange(rows.size), last]
        keep = offers.any(axis=1) & (best > 0)
        rows, best, last = rows[keep], best[keep], last[keep]
        cost = half_cost[rows]
        c = self.n_countries
        trust = _trust(self.model, licensee[rows] + c, owner[rows] + c)  # in the licensor
        return _Option(
            TECHNOLOGY,
            rows,
            licensee[rows],
            owner[rows],
            trust * best - cost,
            -p.licence_cost_musd - cost,
            last.astype(np.int64),
            1.0 - p.bargaining_power_provider,
        )

    def _codevelopment(
        self,
        rows: IntArray,
        options: BoolArray,
        licence: FloatArray,
        row_of: IntArray,
        half_cost: FloatArray,
    ) -> _Option:
        """``x.codevelop_with(y)``: the first technology with the largest surplus."""
        p = self.model.params
        keep = options.any(axis=1)
        columns = np.flatnonzero(options.any(axis=0))  # ascending: the first maximum is kept
        rows, options = rows[keep], options[keep][:, columns]
        if rows.size == 0:
            return _Option(CODEVELOPMENT, rows, rows, rows, np.zeros(0), np.zeros(0), rows, 0.5)
        x, y = self.x[rows], self.y[rows]
        licence = licence[:, columns]
        saving_x, saving_y = licence[row_of[x]], licence[row_of[y]]
        # a technology that saves one side nothing is never proposed
        options = options & (saving_x > 0) & (saving_y > 0)
        keep = options.any(axis=1)
        rows, options, x, y = rows[keep], options[keep], x[keep], y[keep]
        saving_x, saving_y = saving_x[keep], saving_y[keep]
        share = p.codevelopment_years_forward / p.valuation_horizon_years
        half = p.codevelopment_cost_musd / 2
        cost = half_cost[rows][:, None]
        c = self.n_countries
        trust_x = _trust(self.model, x + c, y + c)[:, None]
        trust_y = _trust(self.model, y + c, x + c)[:, None]
        value_a = trust_x * saving_x * share - half - cost
        value_b = trust_y * saving_y * share - half - cost
        k = np.argmax(np.where(options, value_a + value_b, -np.inf), axis=1)
        at = np.arange(rows.size)
        return _Option(CODEVELOPMENT, rows, x, y, value_a[at, k], value_b[at, k], columns[k], 0.5)

    def _choose(self, options: list[_Option]) -> None:
        """In ``possible_deals`` order, a later deal replaces only on a strictly larger surplus."""
        out, c = self.out, self.n_countries
        best = np.full(self.pairs.size, -np.inf)
        have = np.zeros(self.pairs.size, dtype=bool)
        for option in options:
            rows = option.rows
            surplus = option.value_a + option.value_b
            take = ~have[rows] | (surplus > best[rows])
            chosen = rows[take]
            target = self.pairs[chosen]
            out.kind[target] = option.kind
            out.party_a[target] = option.party_a[take] + c
            out.party_b[target] = option.party_b[take] + c
            out.value_a[target] = option.value_a[take]
            out.value_b[target] = option.value_b[take]
            out.technology[target] = option.technology[take]
            out.weight_a[target] = option.weight_a
            best[chosen] = surplus[take]
            have[chosen] = True


@dataclass
class _FinanceChoice:
    """The best cell of each finance pair that has one."""

    target: IntArray  # pair positions
    donor: IntArray  # country index
    company: IntArray  # company index
    value: FloatArray  # donor's value of the abatement net of the loan's grant element
    cell: IntArray  # into ``cells``
    cells: _FinanceCells | None = None


@dataclass
class _Option:
    """One kind of deal for some company pairs (``rows`` of the batch's company pairs)."""

    kind: int
    rows: IntArray
    party_a: IntArray  # company indices
    party_b: IntArray
    value_a: FloatArray
    value_b: FloatArray
    technology: IntArray
    weight_a: float


def _are_neighbours(model: TransitionModel, a: IntArray, b: IntArray) -> BoolArray:
    """Whether each pair has an edge in ``model.network``.

    Few pairs are looked up one by one; for many, the neighbours of the side with fewer agents
    are read once.
    """
    ids = model.proposers
    if a.size <= 256:
        # few pairs: ask the (undirected) graph about each pair
        has_edge = model.network.has_edge
        return np.fromiter(
            (has_edge(ids[x], ids[y]) for x, y in zip(a.tolist(), b.tolist(), strict=True)),
            dtype=bool,
            count=a.size,
        )
    n = len(ids)
    first, second = (a, b) if np.unique(a).size <= np.unique(b).size else (b, a)
    position = model.proposer_index
    edges: list[int] = []
    for agent in np.unique(first).tolist():
        for neighbour in model.network.neighbors(ids[agent]):
            other = position.get(neighbour)
            if other is not None:
                edges.append(agent * n + other)
    if not edges:
        return np.zeros(a.size, dtype=bool)
    return np.isin(first * n + second, np.array(edges, dtype=np.int64))


__all__ = ["KIND_CODES", "PairDeals", "no_deals", "transaction_costs", "value_pairs"]
