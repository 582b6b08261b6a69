"""Data for the app's results page: find sweep output folders, load one, shape it for charts.

Plain Python and pandas (no Solara), so it is tested without a browser. A path typed into the
page is untrusted: :func:`confine` accepts it only inside the allowed roots, which come from
``INDUSTRY_TRANSITION_RESULTS_ROOTS`` (:func:`allowed_roots_from_env`). :func:`load_sweep` and
:func:`yearly_bands` read any folder they are given, so confine first.

A sweep output folder is what ``industry-transition sweep`` writes (``docs/experiments.md``):
``sweep.json`` and the Parquet dataset folders ``runs.parquet/`` and ``series.parquet/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import stats

from industry_transition.experiments.analysis import summarize, sweep_spec, varied_parameters
from industry_transition.experiments.labels import column_label
from industry_transition.experiments.spec import OUTCOMES, SweepSpec
from industry_transition.experiments.sweep import read_table

ROOTS_VARIABLE = "INDUSTRY_TRANSITION_RESULTS_ROOTS"
"""Environment variable: the folders the results page may open, separated by ``os.pathsep``."""

_READ_ERRORS = (OSError, ValueError, pa.ArrowException, KeyError)


class PathRefused(ValueError):
    """A path given to the results page that it may not open, with a message saying why."""


class ResultsError(ValueError):
    """A folder that is not a readable sweep output folder, with a one-line message."""


def allowed_roots_from_env(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The folders the results page may open.

    Args:
        environ: the environment to read (default: ``os.environ``).

    Returns:
        The resolved folders listed in ``INDUSTRY_TRANSITION_RESULTS_ROOTS`` (separated by
        ``os.pathsep``, empty entries skipped, duplicates dropped, order kept), or the current
        working directory when the variable is unset or empty. Nothing is expanded (no ``~``,
        no ``$VAR``); relative entries are relative to the current working directory.
    """
    environ = os.environ if environ is None else environ
    entries = [e.strip() for e in environ.get(ROOTS_VARIABLE, "").split(os.pathsep)]
    roots: list[Path] = []
    for entry in entries:
        if entry and "\x00" not in entry:
            root = Path(entry).resolve()
            if root not in roots:
                roots.append(root)
    return roots or [Path.cwd().resolve()]


def confine(path: str | Path, roots: list[Path]) -> Path:
    """The resolved path, if it lies inside one of the allowed roots.

    Surrounding whitespace is stripped and nothing is expanded (``~/x`` is a folder named ``~``).
    A relative path is taken relative to the first root, not the process's working directory.
    Symlinks and ``..`` are resolved before the check, so neither can lead out of the roots.

    Args:
        path: the path as typed by the user.
        roots: allowed folders (resolved here again, so unresolved ones are fine).

    Returns:
        The absolute, resolved path (it need not exist).

    Raises:
        PathRefused: empty input, a NUL byte, no roots, or a path outside every root.
    """
    text = str(path).strip()
    if not text:
        raise PathRefused("no path given: type a folder inside " + _describe(roots))
    if "\x00" in text:
        raise PathRefused(f"refused path {text!r}: it contains a NUL byte")
    if not roots:
        raise PathRefused(
            f"refused path {text!r}: no folders are allowed; start the app with "
            "--results FOLDER to allow one"
        )
    try:
        resolved_roots = [Path(root).resolve() for root in roots]
        candidate = Path(text)
        if not candidate.is_absolute():
            candidate = resolved_roots[0] / candidate
        resolved = candidate.resolve(strict=False)
    except (OSError, RuntimeError, ValueError) as err:
        raise PathRefused(f"refused path {text!r}: cannot resolve it ({err})") from None
    if not any(resolved.is_relative_to(root) for root in resolved_roots):
        raise PathRefused(
            f"refused path {text!r}: it is outside the allowed folders ({_describe(roots)}); "
            "start the app with --results FOLDER (repeatable) to allow others"
        )
    return resolved


def _describe(roots: list[Path]) -> str:
    return ", ".join(str(root) for root in roots) or "none"


def is_sweep_folder(folder: Path) -> bool:
    """Whether a folder looks like a sweep output folder (``sweep.json`` and ``runs.parquet/``)."""
    return (folder / "sweep.json").is_file() and (folder / "runs.parquet").is_dir()


def find_sweeps(roots: list[Path], max_depth: int = 3, *, max_folders: int = 20_000) -> list[Path]:
    """Sweep output folders under the roots, sorted.

    The walk does not follow symlinks (so it never leaves the roots), skips hidden folders
    (``.git``, ``.venv``), does not descend into a sweep folder, and stops after ``max_depth``
    levels or ``max_folders`` folders visited, so a large home folder is not walked for long.
    Unreadable folders are skipped.

    Args:
        roots: folders to search (a root may itself be a sweep folder).
        max_depth: levels below a root to look at (0: the roots only).
        max_folders: folders to visit at most, over all roots.

    Returns:
        Resolved sweep folders, sorted and without duplicates.
    """
    found: set[Path] = set()
    visited = 0
    for root in roots:
        root = Path(root).resolve()
        if not root.is_dir():
            continue
        level = [root]
        for depth in range(max_depth + 1):
            below: list[Path] = []
            for folder in level:
                visited += 1
                if visited > max_folders:
                    return sorted(found)
                if is_sweep_folder(folder):
                    found.add(folder)
                    continue
                if depth < max_depth:
                    below.extend(_subfolders(folder))
            level = below
    return sorted(found)


def _subfolders(folder: Path) -> list[Path]:
    """Visible subfolders that are not symlinks; none if the folder cannot be read."""
    try:
        with os.scandir(folder) as entries:
            return sorted(
                Path(entry.path)
                for entry in entries
                if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False)
            )
    except OSError:
        return []


@dataclass(frozen=True, eq=False)
class SweepView:
    """One sweep output folder, loaded for the results page.

    Attributes:
        folder: the sweep folder.
        spec: the spec it was made with.
        manifest: the whole ``sweep.json`` (versions, git revision, start and finish times).
        runs: the runs table, one row per finished run (ok or failed), sorted by ``run_id``.
        parameters: the varied parameters, in the runs table's order (may be empty).
        outcomes: the stored outcomes, those the spec reports first.
        summary: ``analysis.summarize`` over all ``outcomes``: per setting ``setting``, the
            varied parameters, ``runs_ok``, ``runs_failed`` and per outcome ``<outcome>_mean``,
            ``_sd``, ``_ci_low``, ``_ci_high`` (95% t-interval; NaN with fewer than two runs).
        runs_ok: runs that finished without error.
        runs_failed: runs that raised (their tracebacks are in ``runs["error"]``).
        series_columns: numeric yearly series columns that :func:`yearly_bands` accepts
            (empty when no series are stored).
    """

    folder: Path
    spec: SweepSpec
    manifest: dict[str, Any]
    runs: pd.DataFrame
    parameters: list[str]
    outcomes: list[str]
    summary: pd.DataFrame
    runs_ok: int
    runs_failed: int
    series_columns: list[str] = field(default_factory=list)

    @property
    def has_series(self) -> bool:
        """Whether yearly series are stored (for :func:`yearly_bands`)."""
        return bool(self.series_columns)


def load_sweep(folder: str | Path) -> SweepView:
    """Load a sweep output folder (confine a user's path with :func:`confine` first).

    Args:
        folder: a folder written by ``industry-transition sweep``.

    Returns:
        The sweep's spec, runs, varied parameters, outcomes, summary and run counts.

    Raises:
        ResultsError: not a folder, not a sweep folder, unreadable ``sweep.json`` or Parquet
            parts, or no finished run yet.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such folder; expected a sweep output folder")
    if not is_sweep_folder(folder):
        raise ResultsError(
            f"{folder}: not a sweep output folder (expected sweep.json and runs.parquet/ "
            "as written by 'industry-transition sweep')"
        )
    try:
        manifest = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
        spec = sweep_spec(folder)
    except (*_READ_ERRORS, TypeError) as err:
        raise ResultsError(f"{folder}: unreadable sweep.json ({_one_line(err)})") from None
    runs = _read(folder, "runs")
    if runs.empty:
        raise ResultsError(f"{folder}: no finished runs yet (runs.parquet/ has no parts)")
    missing = [c for c in ("run_id", "setting", "status") if c not in runs.columns]
    if missing:
        raise ResultsError(f"{folder}: runs.parquet/ lacks the columns {', '.join(missing)}")
    stored = [o for o in OUTCOMES if o in runs.columns]
    outcomes = [o for o in spec.outcomes if o in stored] + [
        o for o in stored if o not in spec.outcomes
    ]
    try:
        summary = summarize(folder, outcomes)
    except _READ_ERRORS as err:
        raise ResultsError(f"{folder}: cannot summarize the runs ({_one_line(err)})") from None
    ok = int((runs["status"] == "ok").sum())
    return SweepView(
        folder=folder,
        spec=spec,
        manifest=manifest,
        runs=runs,
        parameters=varied_parameters(runs, spec),
        outcomes=outcomes,
        summary=summary,
        runs_ok=ok,
        runs_failed=len(runs) - ok,
        series_columns=_series_columns(folder),
    )


def _read(folder: Path, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    try:
        return read_table(folder, table, columns=columns)
    except _READ_ERRORS as err:
        raise ResultsError(f"{folder}: cannot read {table}.parquet/ ({_one_line(err)})") from None


def _one_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__


def _series_columns(folder: Path) -> list[str]:
    parts = sorted((folder / "series.parquet").glob("part-*.parquet"))
    if not parts:
        return []
    try:
        schema = pq.read_schema(parts[0])
    except _READ_ERRORS as err:
        raise ResultsError(f"{folder}: cannot read series.parquet/ ({_one_line(err)})") from None
    return [
        f.name
        for f in schema
        if f.name not in ("year", "run_id")
        and (pa.types.is_integer(f.type) or pa.types.is_floating(f.type))
    ]


def outcome_bands(
    view: SweepView, outcome: str, x: str | None = None, *, group: str | None = None
) -> pd.DataFrame:
    """Mean and 95% interval of an outcome per setting, tidy for an Altair chart.

    Args:
        view: a loaded sweep.
        outcome: one of ``view.outcomes``.
        x: the parameter on the x axis: one of ``view.parameters`` or ``"setting"`` (default: the
            first varied parameter, or ``"setting"`` when nothing is varied).
        group: the parameter that splits the points into lines (default: the first varied
            parameter other than ``x``; none when there is no other or the design is a
            ``[sample]``, whose values are all different).

    Returns:
        One row per setting, sorted by group and x, with columns ``setting``, ``x`` (named after
        the parameter; left out when ``x`` is ``"setting"``), ``group`` (the group parameter's
        value as a string, or ``"all"``), ``mean``, ``low``, ``high`` (95% t-interval over the
        successful replications; NaN with fewer than two) and ``n`` (successful runs with a
        value). ``frame.attrs`` holds ``x``, ``group`` (parameter name or None) and ``outcome``.

    Raises:
        ValueError: unknown outcome, or ``x`` or ``group`` not allowed; the message lists the
            allowed names.
    """
    if outcome not in view.outcomes:
        raise ValueError(f"unknown outcome {outcome!r} (allowed: {', '.join(view.outcomes)})")
    axes = [*view.parameters, "setting"]
    if x is None:
        x = axes[0]
    elif x not in axes:
        raise ValueError(f"unknown x parameter {x!r} (allowed: {', '.join(axes)})")
    others = [p for p in view.parameters if p != x]
    if group is None:
        # a sampled design has (nearly) a distinct value per setting: no useful lines to split
        group = others[0] if others and view.spec.sample is None else None
    elif group not in others:
        raise ValueError(
            f"unknown group parameter {group!r} (allowed: {', '.join(others) or 'none'})"
        )
    summary = view.summary
    ok = view.runs[view.runs["status"] == "ok"]
    counts = ok.groupby("setting")[outcome].count()
    frame = pd.DataFrame({"setting": summary["setting"].to_numpy()})
    if x != "setting":
        frame[x] = summary[x].to_numpy()
    frame["group"] = summary[group].astype(str).to_numpy() if group else "all"
    frame["mean"] = summary[f"{outcome}_mean"].to_numpy(dtype=float)
    frame["low"] = summary[f"{outcome}_ci_low"].to_numpy(dtype=float)
    frame["high"] = summary[f"{outcome}_ci_high"].to_numpy(dtype=float)
    frame["n"] = counts.reindex(frame["setting"], fill_value=0).to_numpy(dtype=int)
    frame = frame.sort_values(["group", x], kind="stable").reset_index(drop=True)
    frame.attrs.update(x=x, group=group, outcome=outcome)
    return frame


def yearly_bands(source: str | Path | SweepView, outcome: str) -> pd.DataFrame:
    """Mean and 95% interval of a yearly series column per setting and year.

    Only the needed columns of ``series.parquet/`` are read. Runs that failed, and series parts
    whose runs part is not yet written (a chunk still running), are left out.

    Args:
        source: a sweep folder, or a :class:`SweepView` (its runs table is reused).
        outcome: a yearly series column (``view.series_columns``, e.g. ``emissions_mt``); the
            run outcomes such as ``cumulative_emissions_mt`` are not series.

    Returns:
        One row per setting and year, sorted by setting and year, with columns ``setting``, the
        varied parameters, ``label`` (``"p = v, q = w"`` with readable names, or ``"all"``
        when nothing is varied),
        ``year``, ``mean``, ``low``, ``high`` (t-interval ``mean ± t(0.975, n-1) sd / sqrt(n)``;
        NaN with fewer than two runs) and ``n`` (runs with a value that year).

    Raises:
        ValueError: ``outcome`` is not a series column (the message lists them).
        ResultsError: not a sweep folder, unreadable Parquet, or no series stored.
    """
    view = source if isinstance(source, SweepView) else load_sweep(source)
    folder = view.folder
    if not view.series_columns:
        raise ResultsError(f"{folder}: no yearly series stored (series.parquet/ has no parts)")
    if outcome not in view.series_columns:
        raise ValueError(
            f"unknown series column {outcome!r} (allowed: {', '.join(view.series_columns)})"
        )
    series = _read(folder, "series", columns=["run_id", "year", outcome])
    ok = view.runs.loc[view.runs["status"] == "ok", ["run_id", "setting", *view.parameters]]
    merged = series.merge(ok[["run_id", "setting"]], on="run_id", how="inner")
    grouped = merged.groupby(["setting", "year"], sort=True)[outcome]
    bands = grouped.agg(["mean", "std", "count"]).reset_index()
    n = bands["count"].to_numpy(dtype=int)
    sd = bands["std"].to_numpy(dtype=float)
    quantile = stats.t.ppf(0.975, np.maximum(n - 1, 1))
    half = np.where(n > 1, quantile * sd / np.sqrt(np.maximum(n, 1)), np.nan)
    mean = bands["mean"].to_numpy(dtype=float)
    settings = ok.groupby("setting", sort=True)[view.parameters].first().reset_index()
    settings["label"] = _labels(settings, view.parameters)
    frame = pd.DataFrame(
        {
            "setting": bands["setting"].to_numpy(),
            "year": bands["year"].to_numpy(),
            "mean": mean,
            "low": mean - half,
            "high": mean + half,
            "n": n,
        }
    )
    frame = frame.merge(settings, on="setting", how="left")
    columns = ["setting", *view.parameters, "label", "year", "mean", "low", "high", "n"]
    frame = frame[columns].sort_values(["setting", "year"], kind="stable")
    frame = frame.reset_index(drop=True)
    frame.attrs.update(outcome=outcome)
    return frame


def _labels(settings: pd.DataFrame, parameters: list[str]) -> list[str]:
    """``"p = v, q = w"`` per row (values keep their types: 5, not 5.0), or ``"all"``."""
    if not parameters:
        return ["all"] * len(settings)
    columns = [settings[p].tolist() for p in parameters]
    return [
        ", ".join(f"{column_label(p)} = {v}" for p, v in zip(parameters, values, strict=True))
        for values in zip(*columns, strict=True)
    ]
