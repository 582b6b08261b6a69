"""The simulation core: TransitionModel, parameters, economics, fleet, ledger, protocol.

The names are loaded when first used (PEP 562): importing one module of ``model`` (as the
agents do) does not import ``TransitionModel`` and through it the agents
(``tests/test_architecture.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from industry_transition.model.parameters import ParameterError, Parameters
    from industry_transition.model.scenario import (
        ScenarioError,
        available_scenarios,
        load_scenario,
    )
    from industry_transition.model.transition_model import TransitionModel

_EXPORTS = {
    "ParameterError": "industry_transition.model.parameters",
    "Parameters": "industry_transition.model.parameters",
    "ScenarioError": "industry_transition.model.scenario",
    "available_scenarios": "industry_transition.model.scenario",
    "load_scenario": "industry_transition.model.scenario",
    "TransitionModel": "industry_transition.model.transition_model",
}

__all__ = [
    "ParameterError",
    "Parameters",
    "ScenarioError",
    "TransitionModel",
    "available_scenarios",
    "load_scenario",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
