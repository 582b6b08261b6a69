"""Sweep specifications: a TOML file saying which scenario, how many replications, which design.

The smallest spec::

    scenario = "teaching"
    steps = 10
    replications = 2
    seed = 1
    [grid]
    carbon_price_scale = [0.5, 1.0, 2.0]

A design is one of ``[grid]`` (full factorial over lists), ``[levers]`` (one at a time: the
scenario's defaults, then each listed value of each lever alone; ``summarize`` adds each
setting's paired difference from the defaults), ``[sample]`` (Latin hypercube, Sobol or Morris
over ranges, via SALib) or ``table = "designs.csv"`` (explicit parameter sets made by another
tool). Every parameter is checked against the parameter schema before anything runs.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from industry_transition.model.hints import did_you_mean
from industry_transition.model.parameters import (
    SEED_LIMIT,
    ParameterError,
    Parameters,
    build_parameters,
)
from industry_transition.model.scenario import ScenarioError, load_scenario

OUTCOMES = (
    "cumulative_emissions_mt",
    "emissions_2030_mt",
    "emissions_2050_mt",
    "finance_delivered_musd",
    "partnerships_formed",
    "finance_to_lower_income_share",
)


class SpecError(ValueError):
    """A sweep specification that cannot be used, with a message saying why."""


class Sample(BaseModel):
    """A sampled design over parameter ranges."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["lhs", "sobol", "morris"]
    n: int = Field(gt=0, le=1_000_000, description="base sample size (see SALib)")
    ranges: dict[str, tuple[float, float]]
    levels: int = Field(4, ge=2, le=20, description="Morris grid levels")


class SweepSpec(BaseModel):
    """A validated sweep specification."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = "teaching"
    steps: int | None = Field(None, ge=1, le=500)
    replications: int = Field(1, ge=1, le=100_000)
    seed: int = Field(0, ge=0, lt=SEED_LIMIT)
    chunk_size: int | None = Field(None, ge=1, le=10_000)
    common_random_numbers: bool = Field(
        True,
        description="every setting's replication r uses the same seed, so settings differ "
        "by their parameters, not by noise; False gives each (setting, replication) its own seed",
    )
    outcomes: list[str] = Field(default_factory=lambda: list(OUTCOMES))
    fixed: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, list[Any]] | None = None
    levers: dict[str, list[Any]] | None = None
    sample: Sample | None = None
    table: str | None = None

    @field_validator("outcomes")
    @classmethod
    def _known_outcomes(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in OUTCOMES:
                raise ValueError(f"unknown outcome '{name}' (allowed: {', '.join(OUTCOMES)})")
        return value

    @model_validator(mode="after")
    def _rules(self) -> SweepSpec:
        """Rules between fields and against the parameter schema, however a spec is made."""
        designs = [d for d in ("grid", "levers", "sample", "table") if getattr(self, d) is not None]
        if len(designs) > 1:
            raise ValueError(f"give one design, not {' and '.join(designs)}")
        for name in self.fixed:
            _check_name(name, "fixed")
        if self.grid is not None:
            for name, values in self.grid.items():
                _check_name(name, "grid")
                if not values:
                    raise ValueError(f"grid parameter '{name}' has no values")
        if self.levers is not None:
            if not self.levers:
                raise ValueError("[levers] needs at least one lever, e.g. broker = [false]")
            for name, values in self.levers.items():
                _check_name(name, "levers")
                if not values:
                    raise ValueError(f"lever '{name}' has no values")
                if name in self.fixed:
                    raise ValueError(f"'{name}' is both fixed and a lever")
            if not self.common_random_numbers:
                raise ValueError(
                    "[levers] compares each setting with the defaults seed by seed, so "
                    "it needs common_random_numbers = true"
                )
        if self.sample is not None:
            if not self.sample.ranges:
                raise ValueError("[sample] needs ranges, e.g. carbon_price_scale = [0.5, 2]")
            for name, (low, high) in self.sample.ranges.items():
                _check_name(name, "sample.ranges")
                if not low < high:
                    raise ValueError(f"range of '{name}' must have low < high")
        return self

    def digest(self) -> str:
        """Hash of the spec without ``replications``.

        A different spec may not reuse an output folder; more (or fewer) replications of the
        same one may, since runs are keyed by position.
        """
        payload = json.dumps(self.model_dump(mode="json", exclude={"replications"}), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    """Read and validate a sweep spec.

    Relative paths in it (a design table, a scenario file) are relative to its folder.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: sweep spec not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{path}: not valid TOML: {err}") from None
    return parse_spec(raw, origin=str(path)), path.parent


def parse_spec(raw: dict[str, Any], *, origin: str = "spec") -> SweepSpec:
    """Validate a spec given as a dict (from TOML or Python)."""
    allowed = list(SweepSpec.model_fields)
    for key in raw:
        if key not in allowed:
            hint = did_you_mean(key, allowed)
            raise SpecError(f"{origin}: unknown key '{key}'{hint} (allowed: {', '.join(allowed)})")
    try:
        spec = SweepSpec(**raw)
    except ValidationError as err:
        first = err.errors()[0]
        if not first["loc"]:  # a rule of ``SweepSpec._rules``
            message = str(first["msg"]).removeprefix("Value error, ")
            raise SpecError(f"{origin}: {message}") from None
        where = ".".join(str(p) for p in first["loc"])
        raise SpecError(f"{origin}: '{where}': {first['msg']}") from None
    return spec


def _check_name(name: str, section: str) -> None:
    """A design parameter must be a model parameter (ValueError, for the spec's validator)."""
    known = Parameters.field_names()
    if name not in known:
        raise ValueError(f"[{section}] unknown parameter '{name}'{did_you_mean(name, known)}")


def check_name(name: str, origin: str, section: str) -> None:
    """A design parameter must be a model parameter."""
    known = Parameters.field_names()
    if name not in known:
        hint = did_you_mean(name, known)
        raise SpecError(f"{origin}: [{section}] unknown parameter '{name}'{hint}")


def check_settings(
    spec: SweepSpec, settings: pd.DataFrame, origin: str, table: Path | None = None
) -> None:
    """Validate every parameter set against the schema and the scenario before running.

    An error names the design point counted from 1 (and its setting number in the runs table,
    which counts from 0); for a design ``table`` it names the CSV file, row and line.
    """
    try:
        base = load_scenario(spec.scenario, generate=False)
    except ScenarioError as err:
        raise SpecError(f"{origin}: {err}") from None
    values = base.parameters.model_dump()
    for i, row in enumerate(settings.to_dict(orient="records")):
        if table is not None:
            where = f"{table}: row {i + 1} (line {i + 2}, after the header)"
        else:
            where = f"{origin}: design point {i + 1} of {len(settings)} (setting {i})"
        try:
            build_parameters({**values, **spec.fixed, **row}, origin=where)
        except ParameterError as err:
            raise SpecError(str(err)) from None
