"""Experiments: run(), results I/O and the command line."""

from industry_transition.experiments.run import RunResult, run

__all__ = ["RunResult", "run"]
