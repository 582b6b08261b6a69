"""The schemas hold their own rules: a Parameters or SweepSpec made directly is checked too."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from industry_transition.experiments.spec import SweepSpec
from industry_transition.model.hints import did_you_mean
from industry_transition.model.parameters import Parameters


def test_parameters_refuse_an_end_before_the_start_however_made():
    with pytest.raises(ValidationError, match="end_year \\(2030\\) is before start_year"):
        Parameters(start_year=2050, end_year=2030)
    with pytest.raises(ValidationError, match="utilisation thresholds"):
        Parameters(target_utilisation=0.5, retire_utilisation_threshold=0.6)
    assert Parameters(start_year=2030, end_year=2030).end_year == 2030


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"grid": {"broker": [True]}, "levers": {"broker": [False]}}, "one design"),
        ({"grid": {"carbon_price_scal": [1.0]}}, "did you mean 'carbon_price_scale'"),
        ({"levers": {"broker": [False]}, "common_random_numbers": False}, "common_random"),
        ({"sample": {"method": "lhs", "n": 2, "ranges": {"carbon_price_scale": [2, 1]}}}, "low"),
    ],
)
def test_sweep_specs_refuse_inconsistent_fields_however_made(fields, needle):
    with pytest.raises(ValidationError, match=needle):
        SweepSpec(**fields)


def test_one_did_you_mean():
    assert did_you_mean("carbon_price_scal", ["carbon_price_scale", "broker"]) == (
        "; did you mean 'carbon_price_scale'?"
    )
    assert did_you_mean("zzz", ["broker"]) == ""
