"""The textbook coalition (club) game with linear benefits and quadratic abatement costs.

N identical countries; country i abates ``q_i`` and earns ``pi_i = b * Q - (c / 2) * q_i**2``
with ``Q`` everyone's abatement (Barrett 1994, Oxford Economic Papers 46; Carraro & Siniscalco
1993, J. Public Economics 52). Members of a coalition of size ``k`` choose abatement to maximise
the members' joint payoff; outsiders maximise their own. A country compares its payoff inside and
outside the coalition (the cartel-stability test of d'Aspremont et al. 1983).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClubOutcome:
    """Abatement and payoffs when ``members`` of ``countries`` form the coalition."""

    member_abatement: float
    outsider_abatement: float
    total_abatement: float
    member_payoff: float
    outsider_payoff: float


def club_outcome(members: int, countries: int, benefit: float, cost: float) -> ClubOutcome:
    """Equilibrium abatement and payoffs for a coalition of ``members`` countries.

    Outsiders set marginal cost to their own marginal benefit: ``c q = b``. Members set it to the
    coalition's: ``c q = k b``.
    """
    member_q = members * benefit / cost
    outsider_q = benefit / cost
    total = members * member_q + (countries - members) * outsider_q
    return ClubOutcome(
        member_abatement=member_q,
        outsider_abatement=outsider_q,
        total_abatement=total,
        member_payoff=benefit * total - cost / 2 * member_q**2,
        outsider_payoff=benefit * total - cost / 2 * outsider_q**2,
    )


def membership_gain(
    members: int, is_member: bool, countries: int, benefit: float, cost: float
) -> float:
    """Gain of being inside rather than outside, for a country, given today's coalition size.

    A member compares staying (size ``k``) with leaving (size ``k - 1``); an outsider compares
    joining (size ``k + 1``) with staying out (size ``k``).
    """
    if is_member:
        inside = club_outcome(members, countries, benefit, cost).member_payoff
        outside = club_outcome(members - 1, countries, benefit, cost).outsider_payoff
    else:
        inside = club_outcome(members + 1, countries, benefit, cost).member_payoff
        outside = club_outcome(members, countries, benefit, cost).outsider_payoff
    gain = inside - outside
    # Payoffs are sums of large terms: a difference within rounding of zero is indifference,
    # which the membership rule resolves by joining (or staying).
    if abs(gain) <= INDIFFERENCE_TOLERANCE * max(abs(inside), abs(outside), benefit**2 / cost):
        return 0.0
    return gain


# Relative size of a payoff difference treated as exact indifference (floating-point rounding).
INDIFFERENCE_TOLERANCE = 1e-9
