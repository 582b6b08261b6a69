"""The results page: open a sweep's output folder and plot outcomes across settings.

Only folders inside the roots given to ``industry-transition app --results`` (default: the
folder the app was started in) are opened; any other path is refused with a message. The page
reads, never writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import solara

from industry_transition.experiments.labels import column_label
from industry_transition.visualization import charts
from industry_transition.visualization.results import (
    PathRefused,
    ResultsError,
    SweepView,
    allowed_roots_from_env,
    confine,
    find_sweeps,
    load_sweep,
    outcome_bands,
    yearly_bands,
)
from industry_transition.visualization.session import csv_bytes


def _shown(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if path.is_relative_to(root):
            return str(path.relative_to(root)) or "."
    return str(path)


@solara.component
def SweepCharts(view: SweepView) -> solara.Element:
    """Outcome across settings, and a yearly series across settings, for one loaded sweep."""
    from industry_transition.visualization.app import Chart

    outcome = solara.use_reactive(view.outcomes[0] if view.outcomes else "")
    x = solara.use_reactive(view.parameters[0] if view.parameters else "setting")
    series_column = solara.use_reactive(
        "emissions_mt"
        if "emissions_mt" in view.series_columns
        else next(iter(view.series_columns), "")
    )
    with solara.Column() as column:
        solara.Markdown(
            f"**{view.folder.name}**: {view.runs_ok} runs finished, {view.runs_failed} failed; "
            f"varied: {', '.join(column_label(p) for p in view.parameters) or 'nothing'}"
        )
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Select(
                label="Outcome",
                value=column_label(outcome.value),
                values=[column_label(o) for o in view.outcomes],
                on_value=lambda shown: outcome.set(
                    {column_label(o): o for o in view.outcomes}[shown]
                ),
            )
            choices = [*view.parameters, "setting"]
            solara.Select(
                label="x axis",
                value=column_label(x.value),
                values=[column_label(c) for c in choices],
                on_value=lambda shown: x.set({column_label(c): c for c in choices}[shown]),
            )
        if outcome.value:
            try:
                bands = outcome_bands(view, outcome.value, x.value)
            except ValueError as exc:
                solara.Error(str(exc))
            else:
                Chart(charts.bands_chart(bands, outcome.value, x.value), name="bands")
                solara.FileDownload(
                    lambda: csv_bytes(bands),
                    filename="outcome_bands.csv",
                    label="outcome_bands.csv",
                )
        if view.series_columns:
            solara.Select(
                label="Yearly series",
                value=column_label(series_column.value),
                values=[column_label(c) for c in view.series_columns],
                on_value=lambda shown: series_column.set(
                    {column_label(c): c for c in view.series_columns}[shown]
                ),
            )
            yearly = yearly_bands(view, series_column.value)
            Chart(charts.yearly_bands_chart(yearly, series_column.value), name="yearly")
            solara.FileDownload(
                lambda: csv_bytes(yearly), filename="yearly_bands.csv", label="yearly_bands.csv"
            )
    return column


@solara.component
def ResultsView() -> solara.Element:
    """Pick or type a sweep folder inside the allowed roots, then see its outcomes."""
    roots = solara.use_memo(allowed_roots_from_env, [])
    found = solara.use_memo(lambda: find_sweeps(roots), [])
    path_text = solara.use_reactive("")
    view = solara.use_reactive(cast(SweepView | None, None))
    error = solara.use_reactive("")

    def open_folder(text: str) -> None:
        error.set("")
        try:
            folder = confine(text, roots)
            view.set(load_sweep(folder))
        except (PathRefused, ResultsError) as exc:
            view.set(None)
            error.set(str(exc))

    labels: dict[str, Any] = {_shown(p, roots): p for p in found}
    with solara.Column(classes=["results-view"]) as column:
        solara.Markdown(
            "Open the output folder of a sweep (`industry-transition sweep`). Allowed folders: "
            + ", ".join(f"`{r}`" for r in roots)
            + " (set with `industry-transition app --results DIR`)."
        )
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            if labels:
                solara.Select(
                    label=f"Sweeps found ({len(labels)})",
                    value=None,
                    values=list(labels),
                    on_value=lambda label: open_folder(str(labels[label])) if label else None,
                    classes=["sweep-select"],
                )
            solara.InputText(
                "or type a folder (relative to the first allowed folder)",
                value=path_text,
                continuous_update=False,
                classes=["results-path"],
            )
            solara.Button("Open", on_click=lambda: open_folder(path_text.value), classes=["open"])
        if not labels:
            solara.Info("No sweep folders found in the allowed folders.")
        if error.value:
            solara.Error(error.value, classes=["results-error"])
        if view.value is not None:
            SweepCharts(view.value)
    return column
