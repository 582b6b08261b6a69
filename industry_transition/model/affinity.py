"""Political affinity between countries, from the scenario's ``blocs`` table.

The affinity of two distinct countries is the Jaccard similarity of their bloc sets: the number
of blocs they share over the number either belongs to (0 when neither belongs to any). A
country's affinity with itself is 1. Blocs are a coarse proxy for political alignment: every
bloc counts the same (the G20 as much as the EU), and broad forums such as the G20 or APEC join
rivals. UN General Assembly voting similarity (Bailey, Strezhnev & Voeten 2017, "Estimating
dynamic state preferences from United Nations voting data", Journal of Conflict Resolution
61(2)) would be a finer measure; it is not shipped because its data are not in the repository.

A scenario without any bloc row (the table left out, or empty) does not model affinity: every
pair's affinity is 1, so transaction costs carry no affinity premium and every agent's prior trust
in another is the delivery probability of the other's promises (docs/model.md §3.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from industry_transition.model.economics import FloatArray


def bloc_affinity(country_ids: list[str], blocs: pd.DataFrame | None) -> FloatArray:
    """Country x country affinity in [0, 1]: Jaccard similarity of bloc sets, 1 on the diagonal.

    ``blocs`` has columns ``country_id`` and ``bloc``; every country id must be in
    ``country_ids`` (the scenario loader checks it). ``None`` or no rows: all ones.
    """
    n = len(country_ids)
    if blocs is None or len(blocs) == 0:
        return np.ones((n, n))
    index = {c: i for i, c in enumerate(country_ids)}
    names = sorted(set(blocs["bloc"].tolist()))
    column = {b: j for j, b in enumerate(names)}
    member = np.zeros((n, len(names)))
    rows = [index[c] for c in blocs["country_id"].tolist()]
    cols = [column[b] for b in blocs["bloc"].tolist()]
    member[rows, cols] = 1.0
    shared = member @ member.T
    size = member.sum(axis=1)
    union = size[:, None] + size[None, :] - shared
    affinity = np.divide(shared, union, out=np.zeros((n, n)), where=union > 0)
    np.fill_diagonal(affinity, 1.0)
    return affinity


def affinity_cost_factor(premium: float, affinity: float) -> float:
    """What the transaction cost of a pair is multiplied by: ``1 + premium * (1 - affinity)``."""
    return 1.0 + premium * (1.0 - affinity)


def affinity_trust_prior(initial: float, penalty: float, affinity: FloatArray) -> FloatArray:
    """Prior trust of pairs whose home countries have ``affinity``.

    ``initial * (1 - penalty * (1 - affinity))``: ``initial`` at affinity 1 (agents of one
    country, or a scenario without blocs), ``initial * (1 - penalty)`` for countries sharing no
    bloc. Exactly ``initial`` everywhere when ``penalty`` is 0.
    """
    return initial * (1.0 - penalty * (1.0 - np.asarray(affinity, dtype=float)))
