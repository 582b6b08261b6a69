"""Summaries of a sweep (mean, sd, 95% confidence interval per setting) and sensitivity indices."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from industry_transition.experiments.design import lever_labels, salib_problem, settings_table
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


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and sd of ``values`` and the half-width of the 95% t-interval (NaN below 2 values)."""
    n = values.size
    mean = float(values.mean()) if n else float("nan")
    sd = float(values.std(ddof=1)) if n > 1 else float("nan")
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)) if n > 1 else float("nan")
    return mean, sd, half


def summarize(out: str | Path, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Per setting: runs ok and failed, and mean, sd and 95% CI of each outcome.

    The interval is the t-interval ``mean +- t(0.975, n-1) sd / sqrt(n)`` over replications.
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
            mean, sd, half = t_interval(ok[outcome].dropna().to_numpy(dtype=float))
            row.update(
                {
                    f"{outcome}_mean": mean,
                    f"{outcome}_sd": sd,
                    f"{outcome}_ci_low": mean - half,
                    f"{outcome}_ci_high": mean + half,
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
            label = f"{others[0]} = {key[0] if isinstance(key, tuple) else key}" if others else None
            ax.errorbar(group[x], mean, yerr=error, marker="o", capsize=3, label=label)
        ax.set_xlabel(x)
        ax.set_ylabel(outcome.replace("_", " "))
        ax.grid(alpha=0.3)
        if others:
            ax.legend(fontsize="small")
    fig.suptitle("mean and 95% confidence interval over replications")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def sensitivity(out: str | Path, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Sobol (first and total order) or Morris indices with confidence intervals.

    Each design point's outcome is the mean over its replications.
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
    rows = []
    for outcome in outcomes:
        y = means[outcome].sort_index().to_numpy(dtype=float)
        if spec.sample.method == "sobol":
            result = sobol.analyze(problem, y, calc_second_order=False, seed=spec.seed)
            for i, name in enumerate(problem["names"]):
                rows.append(
                    {
                        "outcome": outcome,
                        "parameter": name,
                        "S1": result["S1"][i],
                        "S1_conf": result["S1_conf"][i],
                        "ST": result["ST"][i],
                        "ST_conf": result["ST_conf"][i],
                    }
                )
        else:
            x = settings[problem["names"]].to_numpy(dtype=float)
            result = morris.analyze(problem, x, y, num_levels=spec.sample.levels, seed=spec.seed)
            for i, name in enumerate(problem["names"]):
                rows.append(
                    {
                        "outcome": outcome,
                        "parameter": name,
                        "mu": result["mu"][i],
                        "mu_star": result["mu_star"][i],
                        "mu_star_conf": result["mu_star_conf"][i],
                        "sigma": result["sigma"][i],
                    }
                )
    return pd.DataFrame(rows)
