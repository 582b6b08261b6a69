"""Shared fixtures: one finished teaching run per seed, cached for the session."""

from __future__ import annotations

import functools

import pytest

from industry_transition import RunResult, TransitionModel, run


@functools.cache
def cached_run(seed: int, scenario: str = "teaching", **overrides: object) -> RunResult:
    """A full run; cached because several tests read the same one."""
    return run(scenario, seed=seed, **overrides)


@pytest.fixture(scope="session")
def teaching_run() -> RunResult:
    return cached_run(1)


def stepped_models(seed: int, **overrides: object):
    """Yield a teaching model after each of its steps."""
    model = TransitionModel("teaching", seed=seed, **overrides)
    while model.running:
        model.step()
        yield model
