"""The batched round equals the plain protocol: each proposer valued at its own turn."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from industry_transition import TransitionModel
from industry_transition.model import negotiation


def run(scenario: str, years: int, *, reference: bool, monkeypatch, **overrides):
    original = negotiation.negotiation_round
    with monkeypatch.context() as patch:
        if reference:
            patch.setattr(
                negotiation,
                "negotiation_round",
                functools.partial(original, reference=True),
            )
        model = TransitionModel(scenario, seed=7, snapshots=False, **overrides)
        for _ in range(years):
            model.step()
    return model


@pytest.mark.parametrize(
    ("scenario", "years", "overrides"),
    [
        ("teaching", 12, {}),
        ("leadit", 12, {"carbon_price_scale": 2.0}),
        # (finance pays from the 2030s at default prices, earlier at several times the prices;
        # the synthetic world draws its prices from leadit's, mostly net of free allocation)
        ("synthetic", 10, {"companies": 300, "carbon_price_scale": 8.0}),
        ("leadit", 10, {"enforcement": "binding", "carbon_price_scale": 3.0}),
    ],
)
def test_batched_rounds_reproduce_the_plain_protocol(scenario, years, overrides, monkeypatch):
    batched = run(scenario, years, reference=False, monkeypatch=monkeypatch, **overrides)
    plain = run(scenario, years, reference=True, monkeypatch=monkeypatch, **overrides)
    a, b = batched.events.to_frame(), plain.events.to_frame()
    columns = ["year", "round", "event", "kind", "party_a", "party_b", "partnership_id"]
    pd.testing.assert_frame_equal(a[columns], b[columns])
    assert np.allclose(a["amount_musd"], b["amount_musd"], rtol=1e-9, atol=1e-9)
    kinds = set(a.loc[a["event"] == "agreement", "kind"])
    assert kinds, "deals were signed"
    pd.testing.assert_frame_equal(batched.series(), plain.series(), rtol=1e-9)
