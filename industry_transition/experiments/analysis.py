"""Summaries of a sweep (mean, sd, 95% confidence interval per setting) and sensitivity indices."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from industry_transition.experiments.design import lever_labels, salib_problem, settings_table
from industry_transition.experiments.labels import column_label
from industry_transition.experiments.spec import OUTCOMES, SpecError, SweepSpec, parse_spec
from industry_transition.experiments.sweep import read_table

RUN_COLUMNS = ("run_id", "setting", "replication", "seed", "status", "error", "duration_s")


def sweep_spec(out: str | Path) -> SweepSpec:
    """The spec a sweep folder was made with."""
    manifest = Path(out) / "sweep.json"
    if not manifest.is_file():
        raise SpecError(f"{out}: no sweep.json here; is this a sweep output folder?")
    return parse_spec(json.loads(manifest.read_text())["spec"], origin=str(manifest))


def varied_parameters(runs: pd.DataFrame, spec: SweepSpec) -> list[str]:
    """Parameter columns that the design varies."""
    skip = set(RUN_COLUMNS) | set(OUTCOMES) | set(spec.fixed)
    return [c for c in runs.columns if c not in skip]


#: The range each outcome can take: a confidence interval for its mean stays inside it.
OUTCOME_BOUNDS: dict[str, tuple[float, float]] = {
    "cumulative_emissions_mt": (0.0, np.inf),
    "emissions_2030_mt": (0.0, np.inf),
    "emissions_2050_mt": (0.0, np.inf),
    "finance_delivered_musd": (0.0, np.inf),
    "partnerships_formed": (0.0, np.inf),
    "finance_to_lower_income_share": (0.0, 1.0),
}
#: Resamples and seed of the percentile bootstrap (fixed: a summary is reproducible).
BOOTSTRAP_RESAMPLES = 9_999
BOOTSTRAP_SEED = 0


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and sd of ``values`` and the half-width of the 95% t-interval (NaN below 2 values)."""
    n = values.size
    mean = float(values.mean()) if n else float("nan")
    sd = float(values.std(ddof=1)) if n > 1 else float("nan")
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)) if n > 1 else float("nan")
    return mean, sd, half


def bounded_interval(
    values: np.ndarray, bounds: tuple[float, float] = (-np.inf, np.inf)
) -> tuple[float, float, float, float, str]:
    """Mean, sd and a 95% interval of the mean that stays inside ``bounds``.

    The t-interval, unless it leaves the outcome's range (a share near 0 or 1, a count near
    0): then the percentile bootstrap of the mean, which lies within the observed values and so
    within the range (``BOOTSTRAP_RESAMPLES`` resamples, fixed seed). Returns
    ``(mean, sd, low, high, method)`` with method ``t``, ``bootstrap`` or ``none`` (fewer
    than two values: NaN interval).
    """
    mean, sd, half = t_interval(values)
    if values.size < 2:
        return mean, sd, float("nan"), float("nan"), "none"
    low, high = mean - half, mean + half
    if low >= bounds[0] and high <= bounds[1]:
        return mean, sd, low, high, "t"
    result = stats.bootstrap(
        (values,),
        np.mean,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    )
    interval = result.confidence_interval
    return mean, sd, float(interval.low), float(interval.high), "bootstrap"


def summarize(out: str | Path, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Per setting: runs ok and failed, and mean, sd and 95% CI of each outcome.

    The interval is the t-interval ``mean +- t(0.975, n-1) sd / sqrt(n)`` over replications,
    unless it leaves the outcome's range (``OUTCOME_BOUNDS``: a share beyond [0, 1], a count
    below 0); then the percentile bootstrap of the mean (``{outcome}_ci_method`` says which).
    For a ``[levers]`` design each setting also gets its lever (``lever``) and its paired
    difference from the defaults (setting 0): per replication the outcome minus the defaults'
    outcome in the same replication (the same seed), with the mean and the t-interval of these
    differences (``{outcome}_diff_mean``, ``_diff_ci_low``, ``_diff_ci_high``; only
    replications where both runs finished count).
    """
    spec = sweep_spec(out)
    runs = read_table(out, "runs")
    if runs.empty:
        raise SpecError(f"{out}: no finished runs yet")
    outcomes = outcomes or list(spec.outcomes)
    parameters = varied_parameters(runs, spec)
    rows = []
    for setting, group in runs.groupby("setting", sort=True):
        ok = group[group["status"] == "ok"]
        row: dict[str, object] = {"setting": setting}
        row.update({p: group[p].iloc[0] for p in parameters})
        row.update(runs_ok=len(ok), runs_failed=len(group) - len(ok))
        for outcome in outcomes:
            mean, sd, low, high, method = bounded_interval(
                ok[outcome].dropna().to_numpy(dtype=float),
                OUTCOME_BOUNDS.get(outcome, (-np.inf, np.inf)),
            )
            row.update(
                {
                    f"{outcome}_mean": mean,
                    f"{outcome}_sd": sd,
                    f"{outcome}_ci_low": low,
                    f"{outcome}_ci_high": high,
                    f"{outcome}_ci_method": method,
                }
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    if spec.levers is not None:
        _paired_differences(table, runs, outcomes, spec)
    return table


def _paired_differences(
    table: pd.DataFrame, runs: pd.DataFrame, outcomes: list[str], spec: SweepSpec
) -> None:
    """Add each setting's lever and its paired difference from setting 0 (the defaults)."""
    labels = lever_labels(settings_table(spec))
    table.insert(1, "lever", [labels[int(s)] for s in table["setting"]])
    ok = runs[runs["status"] == "ok"].set_index(["setting", "replication"])
    for outcome in outcomes:
        means, lows, highs = [], [], []
        base = ok.loc[0, outcome] if 0 in ok.index.get_level_values(0) else pd.Series()
        for setting in table["setting"]:
            mine = ok.loc[setting, outcome] if setting in ok.index.get_level_values(0) else None
            if mine is None or base.empty:
                differences = np.array([])
            else:
                paired = pd.concat([mine, base], axis=1, join="inner").dropna()
                differences = (paired.iloc[:, 0] - paired.iloc[:, 1]).to_numpy(dtype=float)
            mean, _, half = t_interval(differences)
            means.append(mean)
            lows.append(mean - half)
            highs.append(mean + half)
        table[f"{outcome}_diff_mean"] = means
        table[f"{outcome}_diff_ci_low"] = lows
        table[f"{outcome}_diff_ci_high"] = highs


def plot_summary(
    summary: pd.DataFrame, parameters: list[str], outcomes: list[str], path: str | Path
) -> Path:
    """PNG of each outcome against the first varied parameter, with 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not parameters:
        raise SpecError("nothing is varied in this sweep: no parameter to plot against")
    x = parameters[0]
    others = parameters[1:2]
    fig, axes = plt.subplots(len(outcomes), 1, figsize=(7, 2.6 * len(outcomes)), squeeze=False)
    groups = summary.groupby(others) if others else [((), summary)]
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        for key, group in groups:
            group = group.sort_values(x)
            mean = group[f"{outcome}_mean"]
            error = [mean - group[f"{outcome}_ci_low"], group[f"{outcome}_ci_high"] - mean]
            label = (
                f"{column_label(others[0])} = {key[0] if isinstance(key, tuple) else key}"
                if others
                else None
            )
            ax.errorbar(group[x], mean, yerr=error, marker="o", capsize=3, label=label)
        ax.set_xlabel(column_label(x))
        ax.set_ylabel(column_label(outcome))
        ax.grid(alpha=0.3)
        if others:
            ax.legend(fontsize="small")
    fig.suptitle("mean and 95% confidence interval over replications")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


#: Below these design sizes the indices are not reliable (a warning in the output and a note
#: in every row): Sobol base samples (Saltelli et al. 2010 use N of 500 and more; SALib's
#: examples 1,024), Morris trajectories (Campolongo et al. 2007: r of 10 to 50).
SOBOL_MIN_N = 512
MORRIS_MIN_TRAJECTORIES = 10


def design_warnings(spec: SweepSpec) -> list[str]:
    """What is too small about a sensitivity design, in words (empty if nothing)."""
    assert spec.sample is not None
    n, notes = spec.sample.n, []
    if spec.sample.method == "sobol":
        if n & (n - 1):
            notes.append(
                f"n = {n} is not a power of 2, which the Sobol sequence needs for its balance "
                "properties (use 512, 1024, ...)"
            )
        if n < SOBOL_MIN_N:
            notes.append(
                f"n = {n} base samples is far below the {SOBOL_MIN_N} or more Sobol indices "
                "need: estimates can fall outside [0, 1] and their intervals are wide"
            )
    elif n < MORRIS_MIN_TRAJECTORIES:
        notes.append(
            f"n = {n} trajectories is below the {MORRIS_MIN_TRAJECTORIES} to 50 Morris "
            "screening needs: the ranking is not reliable"
        )
    return notes


def sensitivity(out: str | Path, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Sobol (first and total order) or Morris indices with confidence intervals.

    Each design point's outcome is the mean over its replications. Every row has a ``note``:
    empty, or why its indices are unreliable (a design below the size the method needs) or
    undefined (NaN: an outcome that is constant across the design, or missing because the runs
    do not reach its year). SALib's own warnings are caught and given as notes too.
    """
    from SALib.analyze import morris, sobol

    spec = sweep_spec(out)
    if spec.sample is None or spec.sample.method not in ("sobol", "morris"):
        raise SpecError("sensitivity needs a [sample] design with method 'sobol' or 'morris'")
    runs = read_table(out, "runs")
    problem = salib_problem(spec)
    settings = settings_table(spec)
    outcomes = outcomes or list(spec.outcomes)
    means = runs[runs["status"] == "ok"].groupby("setting")[outcomes].mean()
    missing = sorted(set(range(len(settings))) - set(means.index))
    if missing:
        raise SpecError(
            f"{out}: settings {missing[:5]} have no successful run; "
            "rerun the sweep or fix the failures first"
        )
    design = design_warnings(spec)
    rows = []
    for outcome in outcomes:
        y = means[outcome].sort_index().to_numpy(dtype=float)
        notes = list(design)
        undefined = None
        if np.isnan(y).any():
            undefined = (
                f"{outcome} is undefined in {int(np.isnan(y).sum())} of {y.size} design points "
                "(e.g. the runs do not reach its year: check steps)"
            )
        elif np.ptp(y) == 0:
            undefined = f"{outcome} is the same at every design point: no variance to apportion"
        if undefined is not None:
            notes.append(f"indices undefined: {undefined}")
            names = problem["names"]
            nan = [float("nan")] * len(names)
            if spec.sample.method == "sobol":
                result = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
            else:
                result = {"mu": nan, "mu_star": nan, "mu_star_conf": nan, "sigma": nan}
        else:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with np.errstate(divide="ignore", invalid="ignore"):
                    if spec.sample.method == "sobol":
                        result = sobol.analyze(problem, y, calc_second_order=False, seed=spec.seed)
                    else:
                        x = settings[problem["names"]].to_numpy(dtype=float)
                        result = morris.analyze(
                            problem, x, y, num_levels=spec.sample.levels, seed=spec.seed
                        )
            for warning in caught:
                text = str(warning.message).strip().splitlines()[0]
                ours = "power of 2" in text and any("power of 2" in n for n in notes)
                if not ours and f"SALib: {text}" not in notes:
                    notes.append(f"SALib: {text}")
            if spec.sample.method == "sobol":
                outside = [
                    name
                    for name, value in zip(problem["names"], result["S1"], strict=True)
                    if not -0.05 <= value <= 1.05 or not np.isfinite(value)
                ]
                if outside:
                    notes.append(
                        f"S1 of {', '.join(outside)} outside [0, 1]: the sample is too small "
                        "for these estimates"
                    )
        note = "; ".join(notes)
        for i, name in enumerate(problem["names"]):
            row: dict[str, object] = {"outcome": outcome, "parameter": name}
            keys = (
                ("S1", "S1_conf", "ST", "ST_conf")
                if spec.sample.method == "sobol"
                else ("mu", "mu_star", "mu_star_conf", "sigma")
            )
            row.update({key: float(result[key][i]) for key in keys})
            row["note"] = note
            rows.append(row)
    return pd.DataFrame(rows)
