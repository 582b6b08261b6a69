"""``industry-transition calibrate SPEC``: pattern-oriented calibration with pyabc's ABC-SMC.

A spec (TOML) names the scenario, the years to fit, the parameters with their priors, the
observed patterns with weights (``experiments/patterns.py``) and the size of the search. The
smallest::

    scenario = "leadit-2019"
    end_year = 2024
    seed = 1
    population_size = 20
    generations = 2
    seeds_per_particle = 2
    [parameters.membership_join_probability]
    prior = "uniform"
    low = 0.0
    high = 0.5
    [patterns]
    country_members = 1.0

**Algorithm.** ABC-SMC (Toni et al. 2009; pyabc, Klinger et al. 2018; Schaelte et al. 2022)
with pyabc's defaults for one model: a multivariate normal perturbation kernel, and each
generation's threshold the ``quantile`` (0.5: the median) of the previous generation's
distances. Generation 0 accepts every draw from the prior (its threshold is infinite), so
``generations = 2`` is the prior sample plus one step of the SMC. A particle is run with
``seeds_per_particle`` seeds; its distance is :func:`patterns.total_distance` of the mean
patterns over them. Log-uniform priors are sampled (and perturbed) as uniform on log10.

**Determinism.** Each evaluation draws every random number (the proposal and the model seeds)
from a NumPy stream seeded by ``(seed, generation, evaluation index)``; evaluations run in
batches of ``population_size`` and a generation keeps the accepted particles in index order up
to the population size. So the posterior depends on the spec and its seed only, not on the
number of workers or on their timing.

**Parallel and resumable.** Batches run on the sweep engine's workers
(``engines.run_tasks``: this process plus a pool, forked where safe). pyabc's history database
(``history.db`` in the output folder) keeps every finished generation; running the same spec
into the same folder continues after the last finished one (a generation interrupted midway is
run again, with the same result).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import time
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from industry_transition.experiments import patterns as pat
from industry_transition.experiments.engines import default_workers, run_tasks
from industry_transition.experiments.run import package_versions, run
from industry_transition.model.hints import did_you_mean
from industry_transition.model.parameters import (
    SEED_LIMIT,
    ParameterError,
    Parameters,
    build_parameters,
)
from industry_transition.model.scenario import ScenarioError, available_scenarios, load_scenario

HISTORY = "history.db"
STATE = "calibration.json"
LOG10_PREFIX = "log10_"


class CalibrationError(ValueError):
    """A calibration spec or output folder that cannot be used, with a message saying why."""


class Prior(BaseModel):
    """The prior of one fitted parameter."""

    model_config = ConfigDict(extra="forbid")

    prior: Literal["uniform", "log-uniform"] = "uniform"
    low: float
    high: float


class CalibrationSpec(BaseModel):
    """A validated calibration spec."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = "leadit-2019"
    end_year: int = Field(ge=2000, le=2150)
    seed: int = Field(0, ge=0, lt=SEED_LIMIT)
    population_size: int = Field(100, ge=2, le=100_000)
    generations: int = Field(5, ge=1, le=100)
    seeds_per_particle: int = Field(1, ge=1, le=1000)
    quantile: float = Field(0.5, gt=0.0, lt=1.0)
    min_confidence: Literal["low", "medium", "high"] = "low"
    workers: int | None = Field(None, ge=1, le=4096)
    fixed: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Prior]
    patterns: dict[str, float]

    @model_validator(mode="after")
    def _rules(self) -> CalibrationSpec:
        if not self.parameters:
            raise ValueError("[parameters] needs at least one parameter with a prior")
        known = Parameters.field_names()
        bounds = {row["name"]: row for row in Parameters.describe()}
        for name in self.fixed:
            if name not in known:
                raise ValueError(f"[fixed] unknown parameter '{name}'{did_you_mean(name, known)}")
            if name == "end_year":
                raise ValueError("[fixed] end_year: give it as the spec's own end_year")
        for name, prior in self.parameters.items():
            if name not in known:
                raise ValueError(
                    f"[parameters] unknown parameter '{name}'{did_you_mean(name, known)}"
                )
            if name in self.fixed:
                raise ValueError(f"'{name}' is both fixed and fitted")
            kind = Parameters.model_fields[name].annotation
            if kind not in (float, int):
                raise ValueError(f"[parameters.{name}] is not a number and cannot be fitted")
            if name in ("start_year", "end_year"):
                raise ValueError(f"[parameters.{name}] is set by the spec, not fitted")
            row = bounds[name]
            if not prior.low < prior.high:
                raise ValueError(f"[parameters.{name}] needs low < high")
            if row["min"] is not None and prior.low < row["min"]:
                raise ValueError(
                    f"[parameters.{name}] low = {prior.low} is below the parameter's bound "
                    f"{row['min']} (allowed: {row['min']} to {row['max']} {row['unit']})"
                )
            if row["max"] is not None and prior.high > row["max"]:
                raise ValueError(
                    f"[parameters.{name}] high = {prior.high} is above the parameter's bound "
                    f"{row['max']} (allowed: {row['min']} to {row['max']} {row['unit']})"
                )
            if prior.prior == "log-uniform" and prior.low <= 0:
                raise ValueError(f"[parameters.{name}] a log-uniform prior needs low > 0")
        if not self.patterns:
            raise ValueError("[patterns] needs at least one pattern with a weight")
        for name, weight in self.patterns.items():
            if name not in pat.PATTERNS:
                hint = did_you_mean(name, list(pat.PATTERNS))
                raise ValueError(
                    f"[patterns] unknown pattern '{name}'{hint} "
                    f"(allowed: {', '.join(pat.PATTERNS)})"
                )
            if not (weight > 0 and math.isfinite(weight)):
                raise ValueError(f"[patterns] weight of '{name}' must be a positive number")
        return self

    def digest(self) -> str:
        """Hash of everything but ``generations`` and ``workers`` (which may change on resume)."""
        payload = json.dumps(
            self.model_dump(mode="json", exclude={"generations", "workers"}), sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_calibration_spec(path: str | Path) -> tuple[CalibrationSpec, Path]:
    """Read and validate a calibration spec; a scenario path in it is relative to its folder."""
    path = Path(path)
    if not path.is_file():
        raise CalibrationError(f"{path}: calibration spec not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise CalibrationError(f"{path}: not valid TOML: {err}") from None
    return parse_calibration_spec(raw, origin=str(path), folder=path.parent), path.parent


def parse_calibration_spec(
    raw: dict[str, Any], *, origin: str = "spec", folder: Path | None = None
) -> CalibrationSpec:
    """Validate a spec given as a dict, including its scenario and observed patterns."""
    allowed = list(CalibrationSpec.model_fields)
    for key in raw:
        if key not in allowed:
            hint = did_you_mean(key, allowed)
            raise CalibrationError(
                f"{origin}: unknown key '{key}'{hint} (allowed: {', '.join(allowed)})"
            )
    try:
        spec = CalibrationSpec(**raw)
    except ValidationError as err:
        first = err.errors()[0]
        if not first["loc"]:
            message = str(first["msg"]).removeprefix("Value error, ")
            raise CalibrationError(f"{origin}: {message}") from None
        where = ".".join(str(p) for p in first["loc"])
        raise CalibrationError(f"{origin}: '{where}': {first['msg']}") from None
    scenario = resolve_scenario(spec.scenario, folder)
    try:
        base = load_scenario(scenario, generate=False)
    except ScenarioError as err:
        raise CalibrationError(f"{origin}: {err}") from None
    values = {**base.parameters.model_dump(), **spec.fixed, "end_year": spec.end_year}
    try:
        for end in ("low", "high"):
            point = {n: _natural(getattr(p, end), n) for n, p in spec.parameters.items()}
            build_parameters({**values, **point}, origin=f"{origin}: [parameters] at the {end}s")
    except ParameterError as err:
        raise CalibrationError(str(err)) from None
    start = int(values["start_year"])
    observed = pat.observed_patterns(
        start_year=start,
        end_year=spec.end_year,
        patterns=list(spec.patterns),
        min_confidence=spec.min_confidence,
    )
    for name in spec.patterns:
        if not (observed["pattern"] == name).any():
            raise CalibrationError(
                f"{origin}: [patterns] '{name}' has no observed row of confidence "
                f"{spec.min_confidence} or higher in {start}-{spec.end_year}"
            )
    return spec


def resolve_scenario(scenario: str, folder: Path | None) -> str:
    """A shipped scenario name as it is; a path made relative to the spec's folder."""
    if scenario in available_scenarios() or folder is None or Path(scenario).is_absolute():
        return scenario
    return str((folder / scenario).resolve())


def _natural(value: float, name: str) -> float | int:
    """A parameter value as the schema wants it (whole numbers for int parameters)."""
    if Parameters.model_fields[name].annotation is int:
        return int(round(value))
    return float(value)


def _key(name: str, prior: Prior) -> str:
    """The name pyabc samples: log10 of the parameter for a log-uniform prior."""
    return LOG10_PREFIX + name if prior.prior == "log-uniform" else name


def pyabc_prior(spec: CalibrationSpec) -> Any:
    """The pyabc Distribution of the spec's priors."""
    import pyabc

    rvs = {}
    for name, prior in spec.parameters.items():
        low, high = prior.low, prior.high
        if prior.prior == "log-uniform":
            low, high = math.log10(low), math.log10(high)
        rvs[_key(name, prior)] = pyabc.RV("uniform", low, high - low)
    return pyabc.Distribution(**rvs)


def natural_values(spec: CalibrationSpec, sampled: dict[str, float]) -> dict[str, float | int]:
    """Parameter values from a pyabc parameter (undoing log10)."""
    values: dict[str, float | int] = {}
    for name, prior in spec.parameters.items():
        x = float(sampled[_key(name, prior)])
        values[name] = _natural(10.0**x if prior.prior == "log-uniform" else x, name)
    return values


def stat_key(pattern: str, year: int) -> str:
    """The summary-statistic name of a pattern in a year."""
    return f"{pattern}|{year}"


@dataclass
class Simulator:
    """The model pyabc calls: runs a parameter set with ``seeds`` seeds, returns mean patterns.

    The seeds are drawn from NumPy's global stream, which the sampler seeds per evaluation.
    """

    spec: CalibrationSpec
    scenario: str
    observed: pd.DataFrame

    def __call__(self, sampled: dict[str, float]) -> dict[str, float]:
        """Summary statistics: ``pattern|year`` -> the mean over seeds."""
        values = natural_values(self.spec, sampled)
        # the stream pyabc's proposal drew from, seeded per evaluation by the sampler
        seeds = np.random.randint(0, 2**62, size=self.spec.seeds_per_particle)  # noqa: NPY002
        frames = []
        for seed in seeds.tolist():
            result = run(
                self.scenario,
                seed=int(seed),
                snapshots=False,
                **{**self.spec.fixed, **values, "end_year": self.spec.end_year},
            )
            frames.append(pat.model_patterns(result))
        compared = pat.compare(pat.mean_patterns(frames), self.observed)
        return {
            stat_key(str(p), int(y)): float(v)
            for p, y, v in zip(
                compared["pattern"], compared["year"], compared["model"], strict=True
            )
        }


@dataclass
class Distance:
    """Weighted mean of the scaled pattern distances (``patterns.total_distance``)."""

    observed: pd.DataFrame
    weights: dict[str, float]

    def pattern_distances(self, stats: dict[str, float]) -> dict[str, float]:
        """Each pattern's distance for a particle's summary statistics."""
        model = pd.DataFrame(
            [(*key.split("|"), value) for key, value in stats.items()],
            columns=["pattern", "year", "value"],
        ).astype({"year": "int64", "value": "float64"})
        return pat.pattern_distances(pat.compare(model, self.observed))

    def __call__(self, x: dict[str, float], x_0: dict[str, float]) -> float:
        """Pyabc's distance function: x is the particle's statistics, x_0 the observed."""
        return pat.total_distance(self.pattern_distances(x), self.weights)


# --- the deterministic sampler ---------------------------------------------------------------

_SIMULATE: dict[str, Any] = {}


def _evaluate(payload: bytes, digest: str, seed: int, t: int, index: int) -> tuple[int, Any]:
    """One evaluation in a worker: seed NumPy's global stream from its key, then simulate."""
    import cloudpickle

    simulate_one = _SIMULATE.get(digest)
    if simulate_one is None:
        _SIMULATE.clear()
        simulate_one = _SIMULATE[digest] = cloudpickle.loads(payload)
    # pyabc draws proposals from NumPy's global stream (t = -1 is its calibration sample)
    np.random.seed(np.random.SeedSequence([seed, t + 2, index]).generate_state(4))  # noqa: NPY002
    return index, simulate_one()


def make_sampler(seed: int, workers: int, progress: Any | None) -> Any:
    """A pyabc sampler whose samples depend on ``seed`` and the evaluation index only."""
    import cloudpickle
    from pyabc.sampler import Sampler

    class OrderedSampler(Sampler):
        """Evaluations in fixed batches; accepted particles kept in index order."""

        def sample_until_n_accepted(
            self,
            n: int,
            simulate_one: Any,
            t: int,
            *,
            max_eval: float = np.inf,
            all_accepted: bool = False,
            ana_vars: Any = None,
        ) -> Any:
            sample = self._create_empty_sample()
            payload = cloudpickle.dumps(simulate_one)
            digest = hashlib.sha256(payload).hexdigest()
            accepted = evaluated = 0
            while accepted < n and evaluated < max_eval:
                batch = [(payload, digest, seed, t, evaluated + i) for i in range(n)]
                results = dict(run_tasks(_evaluate, batch, workers=workers))
                for index in sorted(results):
                    particle = results[index]
                    sample.append(particle)
                    evaluated += 1
                    if particle.accepted:
                        accepted += 1
                        if progress is not None:
                            progress.update(1)
                    if accepted == n or evaluated >= max_eval:
                        break
            self.nr_evaluations_ = evaluated
            if accepted < n:
                sample.ok = False
            return sample

    return OrderedSampler()


def make_epsilon(quantile: float) -> Any:
    """Pyabc's quantile threshold, infinite in generation 0, that also resumes.

    pyabc's ``QuantileEpsilon`` with a numeric initial value would restart from it after a
    resume; this one takes the quantile of the last stored generation, as a run that was never
    interrupted does.
    """
    import pyabc

    class ResumableQuantileEpsilon(pyabc.QuantileEpsilon):
        def initialize(
            self,
            t: int,
            get_weighted_distances: Any,
            get_all_records: Any,
            max_nr_populations: int,
            acceptor_config: dict[str, Any],
        ) -> None:
            if t > 0:
                self._update(t, get_weighted_distances())
                return
            super().initialize(
                t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config
            )

    return ResumableQuantileEpsilon(initial_epsilon=np.inf, alpha=quantile)


# --- running and writing ---------------------------------------------------------------------


def calibrate(
    spec: CalibrationSpec,
    *,
    out: str | Path,
    folder: Path | None = None,
    workers: int | None = None,
    progress: bool = False,
    spec_name: str = "spec",
) -> dict[str, Any]:
    """Run (or continue) a calibration into ``out``; returns what ``calibration.json`` holds."""
    import pyabc

    for name in ("ABC", "ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon"):
        logging.getLogger(name).setLevel(logging.WARNING)  # the progress bar says enough
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scenario = resolve_scenario(spec.scenario, folder)
    base = load_scenario(scenario, generate=False)
    start_year = int(spec.fixed.get("start_year", base.parameters.start_year))
    observed = pat.observed_patterns(
        start_year=start_year,
        end_year=spec.end_year,
        patterns=list(spec.patterns),
        min_confidence=spec.min_confidence,
    )
    state = _prepare(out, spec)
    workers = workers or spec.workers or default_workers()
    db = "sqlite:///" + str((out / HISTORY).resolve())
    observed_stats = {
        stat_key(p, int(y)): float(v)
        for p, y, v in zip(observed["pattern"], observed["year"], observed["value"], strict=True)
    }
    bar = None
    if progress:
        from tqdm import tqdm

        class Bar(tqdm):
            monitor_interval = 0  # no monitor thread, so the workers can still be forked

        bar = Bar(
            total=spec.generations * spec.population_size,
            unit="particle",
            desc="calibrate",
            dynamic_ncols=True,
        )
    started = time.perf_counter()
    abc = pyabc.ABCSMC(
        Simulator(spec, scenario, observed),
        pyabc_prior(spec),
        Distance(observed, dict(spec.patterns)),
        population_size=spec.population_size,
        eps=make_epsilon(spec.quantile),
        sampler=make_sampler(spec.seed, workers, bar),
    )
    done = 0
    if (out / HISTORY).exists() and state.get("abc_id") is not None:
        history = abc.load(db, int(state["abc_id"]))
        done = history.max_t + 1
    else:
        history = abc.new(db, observed_stats)
        state["abc_id"] = history.id
        _write_state(out, state)
    if bar is not None:
        bar.update(min(done, spec.generations) * spec.population_size)
    try:
        if done < spec.generations:
            with warnings.catch_warnings():
                # pyabc compares an infinite first threshold with the next (inf - inf)
                warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
                history = abc.run(max_nr_populations=spec.generations - done)
    finally:
        if bar is not None:
            bar.close()
    state.update(
        {
            "generations_done": int(history.max_t + 1),
            "evaluations": int(history.total_nr_simulations),
            "seconds_this_call": round(time.perf_counter() - started, 2),
            "workers_this_call": workers,
            "versions": package_versions(),
        }
    )
    write_outputs(out, spec, history, observed, scenario, spec_name)
    accepted = pd.read_parquet(out / "accepted.parquet", columns=["generation", "weight"])
    weights = accepted.loc[accepted["generation"] == history.max_t, "weight"].to_numpy(float)
    # Kish's effective sample size of the last generation: few means a few particles dominate
    state["effective_sample_size"] = round(float(weights.sum() ** 2 / np.sum(weights**2)), 2)
    _write_state(out, state)
    return state


def _prepare(out: Path, spec: CalibrationSpec) -> dict[str, Any]:
    """The folder's state; a different spec may not reuse a folder."""
    path = out / STATE
    if path.exists():
        state: dict[str, Any] = json.loads(path.read_text())
        if state.get("digest") != spec.digest():
            raise CalibrationError(
                f"{out}: holds a calibration of a different spec (only generations and workers "
                "may change on resume); choose another --out"
            )
        return state
    if (out / HISTORY).exists():
        raise CalibrationError(f"{out}: has {HISTORY} but no {STATE}; choose another --out")
    state = {"digest": spec.digest(), "spec": spec.model_dump(mode="json"), "abc_id": None}
    _write_state(out, state)
    return state


def _write_state(out: Path, state: dict[str, Any]) -> None:
    tmp = out / (STATE + ".tmp")
    tmp.write_text(json.dumps(state, indent=2, default=str) + "\n")
    os.replace(tmp, out / STATE)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` under normalised ``weights`` (inverted weighted CDF)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / np.sum(weights)
    at = min(int(np.searchsorted(cumulative, q)), len(values) - 1)
    return float(values[order][at])


def accepted_table(
    spec: CalibrationSpec, history: Any, observed: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accepted particles of every generation, and their patterns (seed means), long form."""
    distance = Distance(observed, dict(spec.patterns))
    rows, stats_rows = [], []
    for t in range(history.max_t + 1):
        population = history.get_population(t=t)
        for i, particle in enumerate(population.particles):
            values = natural_values(spec, dict(particle.parameter))
            by_pattern = distance.pattern_distances(particle.sum_stat)
            rows.append(
                {
                    "generation": t,
                    "particle": i,
                    "weight": float(particle.weight),
                    "distance": float(particle.distance),
                    **values,
                    **{f"distance_{k}": v for k, v in by_pattern.items()},
                }
            )
            for key, value in particle.sum_stat.items():
                pattern, year = key.split("|")
                stats_rows.append((t, i, pattern, int(year), float(value)))
    stats = pd.DataFrame(stats_rows, columns=["generation", "particle", "pattern", "year", "model"])
    return pd.DataFrame(rows), stats


def write_outputs(
    out: Path,
    spec: CalibrationSpec,
    history: Any,
    observed: pd.DataFrame,
    scenario: str,
    spec_name: str,
) -> None:
    """accepted, posterior, patterns and pattern distances (Parquet), a plot, a scenario."""
    accepted, stats = accepted_table(spec, history, observed)
    accepted.to_parquet(out / "accepted.parquet", index=False)
    last = accepted[accepted["generation"] == accepted["generation"].max()]
    weights = last["weight"].to_numpy(dtype=float)
    posterior = []
    for name, prior in spec.parameters.items():
        values = last[name].to_numpy(dtype=float)
        posterior.append(
            {
                "parameter": name,
                "prior": prior.prior,
                "low": prior.low,
                "high": prior.high,
                "median": weighted_quantile(values, weights, 0.5),
                "mean": float(np.average(values, weights=weights)),
                "q05": weighted_quantile(values, weights, 0.05),
                "q95": weighted_quantile(values, weights, 0.95),
            }
        )
    posterior_frame = pd.DataFrame(posterior)
    posterior_frame.to_parquet(out / "posterior.parquet", index=False)
    distances = pattern_distance_table(spec, accepted)
    distances.to_parquet(out / "pattern_distances.parquet", index=False)
    final = stats[stats["generation"] == stats["generation"].max()].merge(
        last[["particle", "weight"]], on="particle"
    )
    summary = []
    for (pattern, year), group in final.groupby(["pattern", "year"]):
        model = group["model"].to_numpy(float)
        w = group["weight"].to_numpy(float)
        summary.append(
            {
                "pattern": pattern,
                "year": year,
                "model_median": weighted_quantile(model, w, 0.5),
                "model_q05": weighted_quantile(model, w, 0.05),
                "model_q95": weighted_quantile(model, w, 0.95),
            }
        )
    comparison = observed.merge(pd.DataFrame(summary), on=["pattern", "year"], how="left")
    comparison.to_parquet(out / "patterns.parquet", index=False)
    plot_posterior(out / "posterior.png", spec, last)
    write_scenario(out, spec, posterior_frame, scenario, spec_name, history)


def pattern_distance_table(spec: CalibrationSpec, accepted: pd.DataFrame) -> pd.DataFrame:
    """Per generation and pattern: the weighted median distance of the accepted particles."""
    rows = []
    for t, group in accepted.groupby("generation"):
        weights = group["weight"].to_numpy(dtype=float)
        for pattern, weight in spec.patterns.items():
            values = group[f"distance_{pattern}"].to_numpy(dtype=float)
            rows.append(
                {
                    "generation": int(t),
                    "pattern": pattern,
                    "weight": weight,
                    "median_distance": weighted_quantile(values, weights, 0.5),
                }
            )
    return pd.DataFrame(rows)


def plot_posterior(path: Path, spec: CalibrationSpec, last: pd.DataFrame) -> None:
    """One panel per parameter: the weighted histogram of the last generation over the prior."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(spec.parameters)
    columns = min(4, len(names))
    rows = math.ceil(len(names) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.6 * rows), squeeze=False)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        prior = spec.parameters[name]
        log = prior.prior == "log-uniform"
        edges = (
            np.geomspace(prior.low, prior.high, 16)
            if log
            else np.linspace(prior.low, prior.high, 16)
        )
        ax.hist(last[name], bins=edges, weights=last["weight"], color="#4c72b0")
        if log:
            ax.set_xscale("log")
        ax.set_xlim(prior.low, prior.high)
        ax.set_xlabel(name, fontsize=8)
        ax.set_ylabel("posterior weight", fontsize=8)
    fig.suptitle(
        f"Posterior (generation {int(last['generation'].max())}, {len(last)} particles; "
        "x-axis: the prior's range)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_scenario(
    out: Path,
    spec: CalibrationSpec,
    posterior: pd.DataFrame,
    scenario: str,
    spec_name: str,
    history: Any,
) -> Path:
    """A scenario that ``extends`` the calibrated one with the posterior medians."""
    base = load_scenario(scenario, generate=False)
    parent = scenario if scenario in available_scenarios() else os.path.relpath(scenario, out)
    run_name = (
        f"industry-transition calibrate {spec_name} (seed {spec.seed}, {spec.population_size} "
        f"particles x {history.max_t + 1} generations, {spec.seeds_per_particle} seeds per "
        f"particle, fitted on {base.parameters.start_year}-{spec.end_year})"
    )
    buffer = io.StringIO()
    buffer.write(
        f"# Calibrated by {run_name}.\n"
        "# Each value is the weighted posterior median of the last generation "
        "(posterior.parquet in the same folder).\n"
    )
    buffer.write(f"name = {json.dumps(base.name + '-calibrated')}\n")
    description = f"{base.name} with parameters fitted to the observed patterns by {run_name}."
    buffer.write(f"description = {json.dumps(description)}\n")
    buffer.write(f"extends = {json.dumps(parent)}\n\n[parameters]\n")
    for name, value in spec.fixed.items():
        buffer.write(f"# source: fixed in the calibration spec of {run_name}\n")
        buffer.write(f"{name} = {_toml_value(value)}\n")
    for row in posterior.itertuples():
        value = _natural(float(row.median), str(row.parameter))
        buffer.write(
            f"# source: posterior median of {run_name}; 90% interval "
            f"{row.q05:.4g}-{row.q95:.4g}, prior {row.prior} {row.low:g}-{row.high:g}\n"
        )
        buffer.write(f"{row.parameter} = {_toml_value(value)}\n")
    path = out / f"{base.name}-calibrated.toml"
    path.write_text(buffer.getvalue())
    return path


def _toml_value(value: Any) -> str:
    """A TOML literal for a parameter value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(f"{value:.4g}")) if isinstance(value, float) else str(value)
    return json.dumps(str(value))
