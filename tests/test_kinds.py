"""The enumerations of model/kinds.py agree with the tables and the series they code."""

from __future__ import annotations

import numpy as np
import pytest

from industry_transition import TransitionModel
from industry_transition.model import metrics
from industry_transition.model.kinds import (
    DEAL_KINDS,
    PARTNERSHIP_KINDS,
    SECTORS,
    DealKind,
    PartnershipKind,
    Sector,
)


def test_every_deal_kind_is_a_partnership_kind_with_the_same_code():
    for kind in DealKind:
        assert PartnershipKind.of(kind.label) == kind
        assert DealKind.of(kind.label) is kind
    assert set(PARTNERSHIP_KINDS) - set(DEAL_KINDS) == {"membership"}
    with pytest.raises(KeyError):
        DealKind.of("membership")


def test_sector_codes_match_the_tables_and_the_series():
    model = TransitionModel("teaching", seed=2)
    model.step()
    tech = model.technologies
    table = model.spec.tables["technologies"].set_index("technology")["sector"]
    assert [SECTORS[s] for s in tech.sector] == [table[t] for t in tech.ids]
    assert set(tech.sector.tolist()) == {int(s) for s in Sector}
    row = model.series().iloc[-1]
    by_sector = [metrics.sector_emissions(model, s) for s in Sector]
    assert by_sector == [row[f"emissions_{s.label}_mt"] for s in Sector]
    assert np.isclose(sum(by_sector), row["emissions_mt"], rtol=1e-12)
    assert all(v > 0 for v in by_sector)
