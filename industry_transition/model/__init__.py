"""The simulation core: TransitionModel, parameters, economics, fleet, ledger, protocol."""

from industry_transition.model.parameters import ParameterError, Parameters
from industry_transition.model.scenario import ScenarioError, available_scenarios, load_scenario
from industry_transition.model.transition_model import TransitionModel

__all__ = [
    "ParameterError",
    "Parameters",
    "ScenarioError",
    "TransitionModel",
    "available_scenarios",
    "load_scenario",
]
