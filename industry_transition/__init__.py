"""industry_transition: countries and companies negotiating the decarbonization of steel and cement.

Public interface::

    from industry_transition import TransitionModel, run

The names are loaded when first used (PEP 562), so importing a subpackage (``agents``,
``model``) does not import the whole package first (``tests/test_architecture.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from industry_transition.experiments.run import RunResult, run
    from industry_transition.model.transition_model import TransitionModel

_EXPORTS = {
    "RunResult": "industry_transition.experiments.run",
    "run": "industry_transition.experiments.run",
    "TransitionModel": "industry_transition.model.transition_model",
}

__all__ = ["RunResult", "TransitionModel", "run"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
