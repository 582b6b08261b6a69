"""industry_transition: countries and companies negotiating the decarbonization of steel and cement.

Public interface::

    from industry_transition import TransitionModel, run
"""

from industry_transition.experiments.run import RunResult, run
from industry_transition.model.transition_model import TransitionModel

__all__ = ["RunResult", "TransitionModel", "run"]
__version__ = "0.1.0"
