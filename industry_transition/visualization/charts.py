"""Altair charts of the frames in ``session`` and ``results``: plain functions, frame in, spec out.

Every chart has a fixed x domain (the scenario's years), so lines grow to the right instead of
the axis rescaling each year, and fixed colour domains, so a kind or a direction keeps its colour
when it first appears. Specs are returned as dicts (``to_dict(validate=False)``: the schema
validation costs more than drawing, and the tests check the specs themselves).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import altair as alt
import pandas as pd

from industry_transition.experiments.labels import column_label
from industry_transition.model.metrics import PARTNERSHIP_KINDS
from industry_transition.model.scenario import INCOME_GROUPS, SECTORS
from industry_transition.visualization.session import DIRECTIONS, WITH, WITHOUT

WIDTH, HEIGHT = 400, 210
NETWORK_SIZE = 440
#: Network label font size, and a generous estimate of a character's width at that size (used to
#: drop labels that would overlap: the hidden ones are still in the hover text).
LABEL_FONT, LABEL_CHAR_PX = 9, 5.6
#: Colour-blind-safe palettes (Okabe-Ito) with fixed domains.
SECTOR_COLOURS = {"steel": "#0072B2", "cement": "#D55E00"}
INCOME_COLOURS = {
    "high": "#0072B2",
    "upper_middle": "#56B4E9",
    "lower_middle": "#E69F00",
    "low": "#D55E00",
}
#: Edge colours stay apart from the node colours (blues and oranges).
KIND_COLOURS = {
    "finance": "#009E73",
    "technology": "#CC79A7",
    "codevelopment": "#8C564B",
    "government": "#6A3D9A",
    "membership": "#BBBBBB",
}
DIRECTION_COLOURS = dict(zip(DIRECTIONS, ["#D55E00", "#E69F00", "#0072B2", "#999999"], strict=True))
NODE_SHAPES = {"country": "square", "company": "circle", "initiative": "diamond"}


def year_ticks(domain: tuple[int, int], width: int) -> list[int]:
    """Years to label on an x axis ``width`` pixels wide: every 10 years if narrow, else 5.

    Explicit values, so a narrow panel never prints two years touching ("20452050").
    """
    step = 10 if width < 300 else 5
    first = -(-domain[0] // step) * step
    return list(range(first, domain[1] + 1, step))


def _years(domain: tuple[int, int], width: int = WIDTH) -> alt.X:
    return alt.X(
        "year:Q",
        title=None,
        scale=alt.Scale(domain=list(domain), nice=False),
        axis=alt.Axis(format="d", values=year_ticks(domain, width), labelOverlap=True),
    )


def _data(name: str) -> alt.NamedData:
    return alt.NamedData(name=name)


def _template(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec = chart.to_dict(validate=False)
    # svg marks a browser test can count; no export menu on a classroom screen
    spec["usermeta"] = {"embedOptions": {"renderer": "svg", "actions": False}}
    return spec


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return records


def _fill(template: dict[str, Any], **frames: pd.DataFrame) -> dict[str, Any]:
    """A copy of a cached template with this year's data in its named datasets.

    With no data at all (before the first step) the spec is the same as with data, so the
    first step only hands the chart its data instead of drawing it anew; the chart widget
    (``public/vegalite.mjs``) draws a chart whose datasets are all empty with Vega's warnings off
    (an empty dataset has no extent to compute) and turns them on with the first data.
    """
    return {**template, "datasets": {name: _records(f) for name, f in frames.items()}}


def emissions_chart(frame: pd.DataFrame, years: tuple[int, int]) -> dict[str, Any]:
    """Emissions by sector with cooperation (solid) and without (dashed); the gap is shaded."""
    return _fill(_emissions_template(years), emissions=frame)


@functools.cache
def _emissions_template(years: tuple[int, int]) -> dict[str, Any]:
    panels = []
    for sector in SECTORS:
        base = alt.Chart(_data("emissions"), title=f"{sector}").transform_filter(
            alt.datum.sector == sector
        )
        colour = SECTOR_COLOURS[sector]
        lines = base.mark_line(
            strokeWidth=2.5, color=colour, point=alt.OverlayMarkDef(size=16)
        ).encode(
            x=_years(years, 200),
            y=alt.Y(
                "emissions_mt:Q",
                title="Mt CO2 per year" if sector == SECTORS[0] else None,
                scale=alt.Scale(zero=True),
            ),
            strokeDash=alt.StrokeDash(
                "run:N",
                scale=alt.Scale(domain=[WITH, WITHOUT], range=[[1, 0], [5, 4]]),
                legend=None,  # the subtitle says which is which
            ),
            tooltip=[
                alt.Tooltip("year:Q", format="d"),
                "sector:N",
                "run:N",
                alt.Tooltip("emissions_mt:Q", format=",.1f", title="emissions, Mt CO2/yr"),
            ],
        )
        gap = (
            base.transform_pivot("run", value="emissions_mt", groupby=["year", "sector"])
            .mark_area(opacity=0.25, color=colour)
            .encode(x=_years(years, 200), y=f"{WITH}:Q", y2=f"{WITHOUT}:Q")
        )
        panels.append(alt.layer(gap, lines).properties(width=200, height=HEIGHT - 30))
    return _template(
        alt.hconcat(*panels)
        .resolve_scale(y="independent")
        .properties(
            title=alt.Title(
                "Emissions with cooperation and without",
                subtitle=[
                    "solid: with cooperation · dashed: same seed, no partnerships",
                    "shaded: what cooperation achieved · y axes start at zero",
                ],
            )
        )
    )


def finance_chart(frame: pd.DataFrame, years: tuple[int, int]) -> dict[str, Any]:
    """Cumulative finance by direction: committed (dashed) and delivered (solid)."""
    return _fill(_finance_template(years), finance=frame)


@functools.cache
def _finance_template(years: tuple[int, int]) -> dict[str, Any]:
    chart = (
        alt.Chart(_data("finance"))
        .mark_line(strokeWidth=2.5)
        .encode(
            x=_years(years),
            y=alt.Y("musd:Q", title="USD million, cumulative"),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(domain=list(DIRECTIONS), range=list(DIRECTION_COLOURS.values())),
                # below the plot: a legend on the right was cut at "upper-middle income"
                legend=alt.Legend(
                    title=None, orient="bottom", columns=2, labelLimit=0, columnPadding=24
                ),
            ),
            strokeDash=alt.StrokeDash(
                "measure:N",
                scale=alt.Scale(domain=["delivered", "committed"], range=[[1, 0], [5, 4]]),
                legend=alt.Legend(title=None, orient="right", symbolStrokeColor="#444"),
            ),
            tooltip=[
                alt.Tooltip("year:Q", format="d"),
                "direction:N",
                "measure:N",
                alt.Tooltip("musd:Q", format=",.0f", title="USD million"),
            ],
        )
    )
    return _template(
        chart.properties(width=WIDTH - 40, height=HEIGHT - 40, title="Finance by direction")
    )


def partnerships_chart(frame: pd.DataFrame, years: tuple[int, int]) -> dict[str, Any]:
    """Active partnerships by kind, stacked."""
    return _fill(_partnerships_template(years), partnerships=frame)


@functools.cache
def _partnerships_template(years: tuple[int, int]) -> dict[str, Any]:
    chart = (
        alt.Chart(_data("partnerships"))
        .mark_area(opacity=0.85, line=True)
        .encode(
            x=_years(years),
            y=alt.Y("active:Q", title="active partnerships", stack="zero"),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(
                    domain=list(PARTNERSHIP_KINDS),
                    range=[KIND_COLOURS[k] for k in PARTNERSHIP_KINDS],
                ),
                legend=alt.Legend(title="kind", orient="right"),
            ),
            tooltip=[alt.Tooltip("year:Q", format="d"), "kind:N", "active:Q"],
        )
    )
    return _template(
        chart.properties(width=WIDTH - 90, height=HEIGHT, title="Partnerships by kind")
    )


def technology_chart(
    frame: pd.DataFrame, years: tuple[int, int], technologies: tuple[str, ...]
) -> dict[str, Any]:
    """Share of each sector's capacity on low-carbon routes, stacked by technology.

    Args:
        frame: ``Simulation.technology_frame()``.
        years: x domain.
        technologies: every low-carbon technology's name, so each keeps its colour.
    """
    return _fill(_technology_template(years, technologies), technology=frame)


@functools.cache
def _technology_template(years: tuple[int, int], technologies: tuple[str, ...]) -> dict[str, Any]:
    panels = []
    for sector in SECTORS:
        panels.append(
            alt.Chart(_data("technology"), title=f"{sector}: low-carbon share of capacity")
            .transform_filter(alt.datum.sector == sector)
            .mark_area(opacity=0.85)
            .encode(
                x=_years(years, 200),
                y=alt.Y(
                    "share:Q",
                    title="share of sector capacity" if sector == SECTORS[0] else None,
                    stack="zero",
                    axis=alt.Axis(format="%"),
                ),
                color=alt.Color(
                    "technology:N",
                    scale=alt.Scale(domain=list(technologies), scheme="tableau10"),
                    legend=alt.Legend(title=None, orient="bottom", columns=2, labelLimit=260),
                ),
                tooltip=[
                    alt.Tooltip("year:Q", format="d"),
                    "technology:N",
                    alt.Tooltip("share:Q", format=".1%"),
                ],
            )
            .properties(width=200, height=HEIGHT - 40)
        )
    return _template(alt.hconcat(*panels))


def network_chart(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    colour_by: str = "income_group",
    show_membership: bool = True,
    selected: str | None = None,
    size: int = NETWORK_SIZE,
) -> dict[str, Any]:
    """The partnership network at fixed positions.

    Shape tells countries (squares), companies (circles) and initiatives (diamonds) apart; colour
    is the income group of the home country, or the sector; area is proportional to emissions;
    edges are coloured by partnership kind.

    Args:
        nodes: ``Simulation.network_nodes()``.
        edges: ``Simulation.network_edges()``.
        colour_by: ``income_group`` or ``sector``.
        show_membership: draw the spokes from members to their initiative.
        selected: an agent id to ring.
        size: width and height in pixels.
    """
    if colour_by not in ("income_group", "sector"):
        raise ValueError(f"colour_by must be 'income_group' or 'sector', not {colour_by!r}")
    if not show_membership:
        edges = edges[edges["kind"] != "membership"]
    nodes = nodes.assign(
        colour=nodes[colour_by].replace("", "—"),
        label=network_labels(nodes, size),
        selected=nodes["agent_id"] == (selected or ""),
    )
    return _fill(_network_template(colour_by, size), nodes=nodes, edges=edges)


def label_boxes(nodes: pd.DataFrame, size: int) -> list[tuple[float, float, float, float]]:
    """Each node's label box in the drawing's pixels (left, top, right, bottom), if labelled.

    Mirrors the network's scales ([-1.62, 1.62] on both axes, y up) and its text mark (centred,
    ``dy=-11``, ``LABEL_FONT`` high), with ``LABEL_CHAR_PX`` per character.
    """
    boxes = []
    for x, y, name in zip(nodes["x"], nodes["y"], nodes["name"], strict=True):
        px = (float(x) + 1.62) / 3.24 * size
        py = (1.62 - float(y)) / 3.24 * size - 11
        half = len(str(name)) * LABEL_CHAR_PX / 2
        boxes.append((px - half, py - LABEL_FONT / 2 - 1, px + half, py + LABEL_FONT / 2 + 1))
    return boxes


def network_labels(nodes: pd.DataFrame, size: int = NETWORK_SIZE) -> pd.Series:
    """The name to print beside each node, "" where none: labels never overlap.

    Initiatives and countries are labelled, initiatives first, then the countries with the most
    companies (a fixed order, so the same labels show every year); a label that would overlap
    one already placed is left out (hover the node for its name). Companies are identified by
    hover only.
    """
    key = (
        size,
        tuple(nodes["agent_id"]),
        tuple(nodes["x"].round(6)),
        tuple(nodes["y"].round(6)),
    )
    if key not in _LABELS:  # positions never change within a scenario: placed once
        _LABELS[key] = _place_labels(nodes, size)
    return pd.Series(_LABELS[key], index=nodes.index, dtype=object)


#: Placed labels by (size, agent ids, positions).
_LABELS: dict[tuple[Any, ...], list[str]] = {}


def _place_labels(nodes: pd.DataFrame, size: int) -> list[str]:
    companies = nodes.loc[nodes["agent_type"] == "company", "country_id"].value_counts()
    order = sorted(
        (i for i in range(len(nodes)) if nodes["agent_type"].iat[i] != "company"),
        key=lambda i: (
            nodes["agent_type"].iat[i] != "initiative",
            -int(companies.get(nodes["agent_id"].iat[i], 0)),
            str(nodes["name"].iat[i]),
        ),
    )
    boxes = label_boxes(nodes, size)
    placed: list[tuple[float, float, float, float]] = []
    labels = [""] * len(nodes)
    for i in order:
        box = boxes[i]
        if any(box[0] < p[2] and p[0] < box[2] and box[1] < p[3] and p[1] < box[3] for p in placed):
            continue
        placed.append(box)
        labels[i] = str(nodes["name"].iat[i])
    return labels


@functools.cache
def _network_template(colour_by: str, size: int) -> dict[str, Any]:
    scale = alt.Scale(domain=[-1.62, 1.62], nice=False)
    axis_x = alt.X("x:Q", scale=scale, axis=None)
    axis_y = alt.Y("y:Q", scale=scale, axis=None)
    if colour_by == "income_group":
        domain, palette = [*INCOME_GROUPS, "—"], [*INCOME_COLOURS.values(), "#777777"]
        legend_title = "income group (home country)"
    else:
        domain, palette = [*SECTORS, "—"], [*SECTOR_COLOURS.values(), "#777777"]
        legend_title = "sector (countries, initiatives: —)"
    edge_layer = (
        alt.Chart(_data("edges"))
        .mark_rule(strokeWidth=1.6, opacity=0.55)
        .encode(
            x=axis_x,
            y=axis_y,
            x2="x2:Q",
            y2="y2:Q",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(
                    domain=list(PARTNERSHIP_KINDS),
                    range=[KIND_COLOURS[k] for k in PARTNERSHIP_KINDS],
                ),
                legend=alt.Legend(title="partnership", orient="right"),
            ),
            tooltip=[
                alt.Tooltip("name_a:N", title="party"),
                alt.Tooltip("name_b:N", title="partner"),
                "kind:N",
                alt.Tooltip("since:Q", format="d"),
            ],
        )
    )
    node_layer = (
        alt.Chart(_data("nodes"))
        .mark_point(filled=True, opacity=0.9, stroke="white", strokeWidth=0.8)
        .encode(
            x=axis_x,
            y=axis_y,
            shape=alt.Shape(
                "agent_type:N",
                scale=alt.Scale(domain=list(NODE_SHAPES), range=list(NODE_SHAPES.values())),
                legend=alt.Legend(title="agent", orient="right"),
            ),
            color=alt.Color(
                "colour:N",
                scale=alt.Scale(domain=domain, range=palette),
                legend=alt.Legend(title=legend_title, orient="right", titleLimit=400),
            ),
            size=alt.Size(
                "emissions_mt:Q",
                scale=alt.Scale(range=[25, 900], zero=True),
                legend=alt.Legend(title="emissions, Mt CO2/yr", orient="right", titleLimit=400),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="name"),
                alt.Tooltip("agent_type:N", title="type"),
                alt.Tooltip("country:N", title="country"),
                alt.Tooltip("income_group:N", title="income group"),
                alt.Tooltip("sector:N", title="sector"),
                alt.Tooltip("emissions_mt:Q", format=",.1f", title="emissions, Mt CO2/yr"),
                alt.Tooltip("low_carbon_share:Q", format=".0%", title="low-carbon capacity"),
                alt.Tooltip("partners:Q", title="partners"),
                alt.Tooltip("finance_in_musd:Q", format=",.0f", title="finance in, USD million"),
                alt.Tooltip("finance_out_musd:Q", format=",.0f", title="finance out, USD million"),
            ],
        )
    )
    labels = (
        alt.Chart(_data("nodes"))
        .transform_filter(alt.datum.label != "")
        .mark_text(fontSize=LABEL_FONT, color="#333", dy=-11)
        .encode(x=axis_x, y=axis_y, text="label:N")
    )
    ring = (
        alt.Chart(_data("nodes"))
        .transform_filter(alt.datum.selected)
        .mark_point(size=900, strokeWidth=3, color="black", filled=False)
        .encode(x=axis_x, y=axis_y)
    )
    chart = (
        alt.layer(edge_layer, node_layer, labels, ring)
        .resolve_scale(color="independent")
        .properties(
            width=size, height=size, padding={"left": 5, "top": 5, "right": 16, "bottom": 5}
        )
        .configure_view(stroke=None)
    )
    return _template(chart)


def difference_chart(
    frame: pd.DataFrame, metric_title: str, years: tuple[int, int], labels: tuple[str, str]
) -> dict[str, Any]:
    """Setting B minus setting A for one metric, bars around a zero line.

    Args:
        frame: year and ``difference`` columns.
        metric_title: axis title with unit.
        years: x domain.
        labels: names of settings A and B.
    """
    frame = frame.assign(sign=frame["difference"].ge(0).map({True: "B higher", False: "B lower"}))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=_years(years),
            # the metric and its unit are in the title: an axis title longer than the chart's
            # height would be cut short
            y=alt.Y("difference:Q", title="B − A"),
            color=alt.Color(
                "sign:N",
                scale=alt.Scale(domain=["B higher", "B lower"], range=["#D55E00", "#0072B2"]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=[alt.Tooltip("year:Q", format="d"), alt.Tooltip("difference:Q", format=",.2f")],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#333").encode(y="y:Q")
    return _template(
        alt.layer(bars, zero).properties(
            width=WIDTH + 160,
            height=HEIGHT,
            title=alt.TitleParams(
                f"{metric_title}: B − A (same seed)",
                subtitle=[f"A: {labels[0]}", f"B: {labels[1]}"],
            ),
        )
    )


def comparison_chart(
    frame: pd.DataFrame, metric_title: str, years: tuple[int, int]
) -> dict[str, Any]:
    """A metric for settings A and B side by side: year, setting, value.

    A is drawn wide and B thin and dashed on top, so where the two coincide (a setting that
    changes little) both stay visible instead of B hiding A.
    """
    settings = sorted(frame["setting"].unique())
    base = alt.Chart(frame).encode(
        x=_years(years),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=True)),
        color=alt.Color(
            "setting:N",
            scale=alt.Scale(domain=settings, range=["#0072B2", "#D55E00"]),
            legend=alt.Legend(title=None, orient="top", labelLimit=400, direction="vertical"),
        ),
        tooltip=[
            alt.Tooltip("year:Q", format="d"),
            "setting:N",
            alt.Tooltip("value:Q", format=",.2f"),
        ],
    )
    a_line = base.transform_filter(alt.datum.setting == settings[0]).mark_line(strokeWidth=5)
    b_line = base.transform_filter(alt.datum.setting == settings[-1]).mark_line(
        strokeWidth=2, strokeDash=[6, 3]
    )
    chart = alt.layer(a_line, b_line)
    return _template(chart.properties(width=WIDTH + 160, height=HEIGHT, title=metric_title))


def bands_chart(frame: pd.DataFrame, outcome: str, x: str) -> dict[str, Any]:
    """Outcome means across settings with 95% confidence intervals (the results page).

    A numeric parameter on x gives lines with shaded bands; a switch, a choice or ``setting``
    gives points with interval bars.

    Args:
        frame: ``results.outcome_bands`` output: x, group, mean, low, high, n.
        outcome: the outcome's name, for the axis.
        x: the parameter on the x axis (or ``setting``).
    """
    numeric = x in frame and pd.api.types.is_numeric_dtype(frame[x]) and frame[x].dtype != bool
    frame = frame.assign(**{x: frame[x].astype(str)} if not numeric else {})
    if x not in frame:
        frame = frame.assign(**{x: frame["setting"].astype(str)})
    x_enc = alt.X(f"{x}:Q" if numeric else f"{x}:N", title=column_label(x))
    base = alt.Chart(frame).encode(
        x=x_enc, color=alt.Color("group:N", legend=alt.Legend(title=None, orient="top"))
    )
    tooltip = [
        alt.Tooltip(f"{x}:{'Q' if numeric else 'N'}"),
        "group:N",
        alt.Tooltip("mean:Q", format=",.4g"),
        alt.Tooltip("low:Q", format=",.4g", title="95% CI low"),
        alt.Tooltip("high:Q", format=",.4g", title="95% CI high"),
        "n:Q",
    ]
    if numeric:
        band = base.mark_area(opacity=0.2).encode(
            y=alt.Y("low:Q", title=column_label(outcome)), y2="high:Q"
        )
        centre = base.mark_line(point=True, strokeWidth=2.5).encode(y="mean:Q", tooltip=tooltip)
    else:
        band = base.mark_rule(strokeWidth=3).encode(
            y=alt.Y("low:Q", title=column_label(outcome)), y2="high:Q"
        )
        centre = base.mark_point(filled=True, size=90).encode(y="mean:Q", tooltip=tooltip)
    return _template(
        alt.layer(band, centre).properties(
            width=WIDTH + 200,
            height=HEIGHT + 80,
            title=f"{column_label(outcome)}: mean and 95% confidence interval across replications",
        )
    )


def yearly_bands_chart(frame: pd.DataFrame, outcome: str) -> dict[str, Any]:
    """A yearly series per setting: mean line and 95% band (``results.yearly_bands`` output)."""
    base = alt.Chart(frame).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d")),
        # the legend above the plot: at its right the settings' labels made the chart wider
        # than a tablet's workspace
        color=alt.Color(
            "label:N",
            legend=alt.Legend(title=None, orient="top", direction="vertical", labelLimit=480),
        ),
    )
    band = base.mark_area(opacity=0.15).encode(
        y=alt.Y("low:Q", title=column_label(outcome)), y2="high:Q"
    )
    line = base.mark_line(strokeWidth=2).encode(
        y="mean:Q",
        tooltip=[
            alt.Tooltip("year:Q", format="d"),
            "label:N",
            alt.Tooltip("mean:Q", format=",.4g"),
            alt.Tooltip("low:Q", format=",.4g"),
            alt.Tooltip("high:Q", format=",.4g"),
            "n:Q",
        ],
    )
    return _template(
        alt.layer(band, line).properties(
            width=WIDTH + 120,
            height=HEIGHT + 40,
            title=f"{column_label(outcome)} by year (mean, 95% band)",
        )
    )


CLUB_SERIES = {"members (model)": "#0072B2", "stable size (Barrett 1994)": "#D55E00"}


def club_chart(frame: pd.DataFrame, years: tuple[int, int], countries: int) -> dict[str, Any]:
    """Club members per year (solid, with points) against the analytic stable size (dashed).

    Args:
        frame: ``Simulation.club_frame()``.
        years: the x domain (the year before the first simulated one shows the initial members).
        countries: the y axis ends here (every country a member).
    """
    run, stable = CLUB_SERIES
    return _members_against(
        frame,
        "club",
        years,
        countries,
        colours={run: CLUB_SERIES[run], stable: CLUB_SERIES[stable]},
        reference={"strokeWidth": 2, "strokeDash": [6, 4]},
        title=alt.Title(
            f"Club members of {countries} identical countries",
            subtitle="first point: the initial members; dashed: the self-enforcing size "
            "min(N, 3) from the textbook game",
        ),
    )


def membership_chart(
    frame: pd.DataFrame, years: tuple[int, int], countries: int, model: str, record: str
) -> dict[str, Any]:
    """Member countries per year: the model's (solid, points) against the record (dashed).

    Args:
        frame: ``Simulation.membership_frame()``.
        years: the x domain (the run's years).
        countries: the y axis ends here (every country a member).
        model: the name of the run's series in ``frame``.
        record: the name of the record's series in ``frame``.
    """
    return _members_against(
        frame,
        "members",
        years,
        countries,
        colours={model: "#0072B2", record: "#D55E00"},
        reference={
            "strokeWidth": 2,
            "strokeDash": [6, 4],
            "point": True,
            "interpolate": "step-after",
        },
        title=alt.Title(
            "Member countries at the end of each year",
            subtitle="dashed: who had really joined (the scenario's record); solid: this run",
        ),
    )


def _members_against(
    frame: pd.DataFrame,
    name: str,
    years: tuple[int, int],
    countries: int,
    *,
    colours: dict[str, str],
    reference: dict[str, Any],
    title: alt.Title,
) -> dict[str, Any]:
    """Members per year of a run against a reference series, from dataset ``name``.

    The run is the first series of ``colours`` (solid, points, steps); the reference is the
    second, a line with the ``reference`` mark properties.
    """
    run, against = colours
    x = _years(years, WIDTH + 160)
    y = alt.Y(
        "members:Q",
        title="member countries",
        scale=alt.Scale(domain=[0, max(countries, 1)]),
        axis=alt.Axis(tickMinStep=1, format="d"),
    )
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=list(colours), range=list(colours.values())),
        legend=alt.Legend(title=None, orient="top", labelLimit=0),
    )
    tooltip = [alt.Tooltip("year:Q", format="d"), "series:N", "members:Q"]
    reference_line = (
        alt.Chart(_data(name))
        .transform_filter(alt.datum.series == against)
        .mark_line(**reference)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    simulated = (
        alt.Chart(_data(name))
        .transform_filter(alt.datum.series == run)
        .mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=40), interpolate="step-after")
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    chart = alt.layer(reference_line, simulated).properties(
        width=WIDTH + 160, height=HEIGHT + 40, title=title
    )
    return _template(chart) | {"datasets": {name: _records(frame)}}
