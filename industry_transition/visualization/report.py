"""One self-contained HTML file of a run: open it from disk or an e-mail, offline, no Python.

``industry-transition report RUN_DIR`` reads a run folder's ``run.json`` (scenario, seed,
overrides), simulates that run again with its same-seed counterfactual (the model is
deterministic given the seed; the report checks the yearly series against the folder's
``series.parquet`` and refuses to write if they differ), and writes ``report.html``.
``industry-transition report --scenario S --seed N`` runs first. The app offers the same file
for the run on screen.

The file holds: the parameters and provenance, the emissions chart with its counterfactual,
finance by direction, partnerships by kind, low-carbon technology shares, the network at chosen
years, and the event log (grouped, with a text filter). Every chart's data can be saved as CSV
from inside the file, charts have hover tooltips and the single-view ones zoom and pan (wheel,
drag). Vega, Vega-Lite and vega-embed are inlined from the app's offline asset folder, so the
file makes no request at all.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from industry_transition.model.parameters import ParameterError
from industry_transition.model.scenario import ScenarioError
from industry_transition.visualization import charts
from industry_transition.visualization.session import (
    EVENT_GROUPS,
    MEMBERS_MODEL,
    MEMBERS_RECORD,
    InputError,
    Simulation,
)

#: The scripts inlined into every report, from the offline asset folder (``assets.py``).
SCRIPTS = (
    "vega@5/build/vega.min.js",
    "vega-lite@5/build/vega-lite.min.js",
    "vega-embed@6/build/vega-embed.min.js",
)


class ReportError(ValueError):
    """A report cannot be written; the message says why."""


def run_to_end(
    scenario: str,
    seed: int,
    overrides: dict[str, Any],
    network_years: list[int] | None = None,
    steps: int | None = None,
) -> tuple[Simulation, dict[int, tuple[pd.DataFrame, pd.DataFrame]]]:
    """Simulate a run to its end year (or ``steps`` years), keeping some years' networks.

    ``network_years`` defaults to the first, middle and last simulated years.

    Returns:
        The finished ``Simulation`` and, per kept year, its network nodes and edges.
    """
    sim = Simulation(scenario, seed, overrides)
    last = sim.end_year if steps is None else min(sim.end_year, sim.start_year + steps - 1)
    wanted = set(network_years or default_network_years(sim.start_year, last))
    kept: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}
    while (sim.last_year or sim.start_year - 1) < last and sim.step():
        if sim.last_year in wanted:
            kept[int(sim.last_year)] = (sim.network_nodes(), sim.network_edges())
    return sim, kept


def default_network_years(start: int, end: int) -> list[int]:
    """The first, middle and last simulated years."""
    return sorted({start, (start + end) // 2, end})


def _zoomable(spec: dict[str, Any]) -> dict[str, Any]:
    """A single-view spec that zooms and pans with the mouse (wheel, drag)."""
    if "mark" not in spec:
        return spec
    zoom = {"name": "zoom", "select": {"type": "interval"}, "bind": "scales"}
    mark = spec["mark"] if isinstance(spec["mark"], dict) else {"type": spec["mark"]}
    return {**spec, "mark": {**mark, "clip": True}, "params": [*spec.get("params", []), zoom]}


def _chart_block(name: str, title: str, spec: dict[str, Any], table: pd.DataFrame) -> str:
    spec = {**spec, "usermeta": {"embedOptions": {"renderer": "svg", "actions": False}}}
    payload = json.dumps(
        {"spec": spec, "csv": table.to_csv(index=False), "file": f"{name}.csv"},
        allow_nan=False,
        default=str,
    ).replace("</", "<\\/")
    return (
        f"<section class='chart-block' id='block-{name}'><h3>{html.escape(title)}</h3>"
        f"<div class='chart chart-{name}'></div>"
        f"<button class='download' data-chart='{name}'>Save the data ({name}.csv)</button>"
        f"<script type='application/json' class='chart-data' data-chart='{name}'>{payload}"
        "</script></section>"
    )


def _events_block(sim: Simulation) -> str:
    frame = sim.events_frame(groups=tuple(EVENT_GROUPS))
    grouped = sim.grouped_events(frame)
    items = []
    for text, count, members in zip(
        grouped["text"], grouped["count"], grouped["members"], strict=True
    ):
        if count == 1:
            items.append(f"<li>{html.escape(text)}</li>")
        else:
            inner = "".join(f"<li>{html.escape(m)}</li>" for m in members)
            items.append(
                f"<li><details><summary>{html.escape(text)}</summary><ul>{inner}</ul>"
                "</details></li>"
            )
    payload = json.dumps(
        {"spec": None, "csv": frame.to_csv(index=False), "file": "events.csv"}
    ).replace("</", "<\\/")
    return (
        "<section id='events'><h3>What happened (newest first)</h3>"
        "<input id='event-filter' placeholder='filter: a country, a company, a kind…' "
        "size='40'> "
        f"<span class='hint'>{len(frame):,} events in {len(grouped):,} lines; a line with a "
        "count opens to list its events</span>"
        "<button class='download' data-chart='events'>Save the data (events.csv)</button>"
        f"<script type='application/json' class='chart-data' data-chart='events'>{payload}"
        f"</script><ul class='event-log'>{''.join(items)}</ul></section>"
    )


def _parameters_block(metadata: dict[str, Any], source: str) -> str:
    rows = []
    overrides = metadata.get("overrides", {})
    for key in ("scenario", "seed", "steps", "config_hash", "data_hash", "runtime_seconds"):
        rows.append((key.replace("_", " "), metadata.get(key, "")))
    rows.append(
        (
            "changed from the scenario",
            ", ".join(f"{k}={v}" for k, v in overrides.items()) or "nothing",
        )
    )
    rows.append(("made from", source))
    versions = metadata.get("versions", {})
    rows.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    head = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows
    )
    params = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(json.dumps(v, default=str))}</td></tr>"
        for k, v in sorted(metadata.get("parameters", {}).items())
    )
    return (
        f"<section id='provenance'><h3>Run and provenance</h3><table>{head}</table>"
        f"<details><summary>All parameters</summary><table>{params}</table></details></section>"
    )


def report_html(
    sim: Simulation,
    networks: dict[int, tuple[pd.DataFrame, pd.DataFrame]],
    *,
    source: str,
    asset_dir: Path,
) -> str:
    """The report of a (finished or partial) run as one HTML document.

    Args:
        sim: the run; its years so far are reported.
        networks: network nodes and edges per year to draw.
        source: how the run was made (a folder, a command, the app), for the provenance table.
        asset_dir: the offline asset folder holding ``SCRIPTS``.
    """
    scripts = []
    for relative in SCRIPTS:
        path = asset_dir / relative
        if not path.is_file():
            raise ReportError(f"{path} is missing: run `industry-transition app` once to fetch it")
        scripts.append(path.read_text(encoding="utf-8").replace("</script", "<\\/script"))
    metadata = sim.result().metadata
    years = (sim.start_year, sim.end_year)
    blocks = [_parameters_block(metadata, source)]
    if sim.is_club_game:
        blocks.append(
            _chart_block(
                "club",
                "Club members against the stable size",
                charts.club_chart(
                    sim.club_frame(), (years[0] - 1, years[1]), len(sim.model.country_agents)
                ),
                sim.club_frame(),
            )
        )
    else:
        if sim.has_membership_record:
            members = sim.membership_frame()
            blocks.append(
                _chart_block(
                    "members",
                    "Member countries at the end of each year, this run against the record",
                    charts.membership_chart(
                        members, years, len(sim.model.country_agents), MEMBERS_MODEL, MEMBERS_RECORD
                    ),
                    members,
                )
            )
        emissions, finance = sim.emissions_frame(), sim.finance_frame()
        partnerships, technology = sim.partnerships_frame(), sim.technology_frame()
        blocks += [
            _chart_block(
                "emissions",
                f"Emissions, Mt CO2 per year, with cooperation and without (cooperation "
                f"avoided {sim.avoided_emissions_mt():,.0f} Mt CO2 in all)",
                charts.emissions_chart(emissions, years),
                emissions,
            ),
            _chart_block(
                "finance",
                "Finance by direction, USD million, cumulative",
                _zoomable(charts.finance_chart(finance, years)),
                finance,
            ),
            _chart_block(
                "partnerships",
                "Active partnerships by kind",
                _zoomable(charts.partnerships_chart(partnerships, years)),
                partnerships,
            ),
            _chart_block(
                "low_carbon",
                "Low-carbon share of capacity by technology",
                charts.technology_chart(technology, years, sim.low_carbon_technologies),
                technology,
            ),
        ]
    for year, (nodes, edges) in sorted(networks.items()):
        blocks.append(
            _chart_block(
                f"network_{year}",
                f"The partnership network in {year}",
                charts.network_chart(nodes, edges),
                edges.drop(columns=["x", "y", "x2", "y2"], errors="ignore"),
            )
        )
    blocks.append(_events_block(sim))
    title = f"{sim.scenario}, seed {sim.seed}: industry_transition run report"
    return PAGE.format(
        title=html.escape(title),
        heading=html.escape(title),
        subtitle=html.escape(
            f"{sim.years_done} of {sim.end_year - sim.start_year + 1} years "
            f"({sim.start_year}-{sim.last_year or sim.start_year}); opened offline, no requests"
        ),
        scripts="".join(f"<script>{s}</script>" for s in scripts),
        body="".join(blocks),
    )


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px;
        padding: 0 1rem; color: #222; }}
h3 {{ margin: 1.6rem 0 0.4rem; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }}
th, td {{ text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }}
.chart {{ overflow-x: auto; }}
button.download {{ margin: 4px 0; }}
.event-log {{ font-size: 0.85rem; max-height: 480px; overflow-y: auto; }}
.hint {{ color: #666; font-size: 0.8rem; }}
</style>
{scripts}
</head><body>
<h1 style="font-size:1.4rem">{heading}</h1>
<p class="hint">{subtitle}</p>
{body}
<script>
(function () {{
  const blocks = {{}};
  document.querySelectorAll("script.chart-data").forEach(function (node) {{
    const data = JSON.parse(node.textContent);
    const name = node.dataset.chart;
    blocks[name] = data;
    if (data.spec) {{
      const target = document.querySelector(".chart-" + name);
      vegaEmbed(target, data.spec, {{renderer: "svg", actions: false}}).catch(function (e) {{
        target.textContent = "this chart could not be drawn: " + e;
      }});
    }}
  }});
  document.querySelectorAll("button.download").forEach(function (button) {{
    button.addEventListener("click", function () {{
      const data = blocks[button.dataset.chart];
      const url = URL.createObjectURL(new Blob([data.csv], {{type: "text/csv"}}));
      const link = document.createElement("a");
      link.href = url; link.download = data.file;
      document.body.appendChild(link); link.click(); link.remove();
      setTimeout(function () {{ URL.revokeObjectURL(url); }}, 1000);
    }});
  }});
  const filter = document.getElementById("event-filter");
  if (filter) {{
    filter.addEventListener("input", function () {{
      const words = filter.value.toLowerCase();
      document.querySelectorAll(".event-log > li").forEach(function (li) {{
        li.style.display = li.textContent.toLowerCase().includes(words) ? "" : "none";
      }});
    }});
  }}
}})();
</script>
</body></html>
"""


def app_report(sim: Simulation) -> bytes:
    """The report of the run on the app's screen (its network in the last simulated year)."""
    import os

    from industry_transition.visualization.assets import default_cache_dir

    folder = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    with sim.lock:
        year = sim.last_year if sim.last_year is not None else sim.start_year
        networks = {year: (sim.network_nodes(), sim.network_edges())}
        text = report_html(
            sim,
            networks,
            source="the browser app (the run so far)",
            asset_dir=Path(folder) if folder else default_cache_dir(),
        )
    return text.encode("utf-8")


def report_from_folder(folder: Path, asset_dir: Path, network_years: list[int] | None) -> str:
    """The report of a run folder (``industry-transition run --out``), simulated again.

    Raises:
        ReportError: no ``run.json``, or the simulation does not reproduce the folder's series.
    """
    meta_path = folder / "run.json"
    if not meta_path.is_file():
        raise ReportError(f"{folder}: no run.json (is it a folder written by `run --out`?)")
    metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    scenario = metadata.get("scenario_path") or metadata["scenario"]
    if not Path(str(scenario)).is_file():
        scenario = metadata["scenario"]
    overrides = dict(metadata.get("overrides", {}))
    steps = metadata.get("steps")
    sim, networks = run_to_end(
        str(scenario),
        int(metadata["seed"]),
        overrides,
        network_years,
        int(steps) if steps is not None else None,
    )
    series_path = folder / "series.parquet"
    if series_path.is_file():
        saved = pd.read_parquet(series_path)
        ours = sim.series().head(len(saved))
        if steps is not None and len(saved) != int(steps):
            raise ReportError(f"{series_path}: {len(saved)} years, run.json says {steps}")
        try:
            pd.testing.assert_frame_equal(
                ours.reset_index(drop=True)[saved.columns],
                saved.reset_index(drop=True),
                check_dtype=False,
                rtol=1e-9,
            )
        except (AssertionError, KeyError) as exc:
            raise ReportError(
                f"simulating {folder} again does not reproduce its series.parquet (another "
                f"version of the model or data?): {str(exc).splitlines()[0]}"
            ) from None
    return report_html(sim, networks, source=str(folder), asset_dir=asset_dir)


def report_command(
    run_dir: Annotated[
        Path | None,
        typer.Argument(help="A run folder written by `industry-transition run --out DIR`."),
    ] = None,
    scenario: Annotated[str | None, typer.Option(help="Run this scenario first instead.")] = None,
    seed: Annotated[int, typer.Option(help="The seed with --scenario.")] = 1,
    out: Annotated[
        Path | None,
        typer.Option(help="The HTML file (default: RUN_DIR/report.html or S-seedN-report.html)."),
    ] = None,
    years: Annotated[
        str,
        typer.Option(
            help="Years to draw the network at, e.g. 2030,2040 (default: first, middle, last)."
        ),
    ] = "",
) -> None:
    """Write ONE self-contained HTML report of a run (charts, network, events; works offline)."""
    from industry_transition.visualization.assets import AssetError, ensure_assets

    def fail(message: str) -> None:
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2)

    if (run_dir is None) == (scenario is None):
        fail("give a run folder or --scenario (and --seed), not both")
    try:
        network_years = [int(y) for y in years.split(",") if y.strip()] or None
    except ValueError:
        fail(f"--years {years!r}: whole years separated by commas, e.g. 2030,2040,2050")
    target = out or (
        run_dir / "report.html"
        if run_dir is not None
        else Path(f"{scenario}-seed{seed}-report.html")
    )
    if not target.parent.is_dir():
        fail(f"{target.parent}: no such folder")
    try:
        assets = ensure_assets(progress=lambda message: typer.echo(message, err=True))
        if run_dir is not None:
            if not run_dir.is_dir():
                fail(f"{run_dir}: not a folder")
            text = report_from_folder(run_dir, assets, network_years)
        else:
            sim, networks = run_to_end(str(scenario), seed, {}, network_years)
            text = report_html(
                sim,
                networks,
                source=f"industry-transition report --scenario {scenario} --seed {seed}",
                asset_dir=assets,
            )
    except (ReportError, AssetError, ParameterError, ScenarioError, InputError) as exc:
        fail(str(exc))
    target.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {target} ({len(text.encode()) / 1e6:.1f} MB, self-contained)")
