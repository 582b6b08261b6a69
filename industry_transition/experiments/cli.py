"""The ``industry-transition`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from industry_transition.experiments.run import RunResult, run
from industry_transition.model.parameters import ParameterError, Parameters
from industry_transition.model.scenario import ScenarioError, available_scenarios

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate how countries and companies negotiate the decarbonization of steel and cement.",
    pretty_exceptions_enable=False,
)


def parse_settings(settings: list[str]) -> dict[str, str]:
    """Turn ``key=value`` strings into overrides; the parameter schema converts the values."""
    overrides: dict[str, str] = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(
                f"--set '{item}': expected key=value, e.g. --set carbon_price_scale=2"
            )
        overrides[key.strip()] = value.strip()
    return overrides


def fail(message: str) -> None:
    """Print one clear error line and exit non-zero (no traceback for user errors)."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


SCENARIO_HELP = "Shipped scenario name or path to a .toml file."
SET_HELP = "Parameter override key=value (repeatable); see `industry-transition params`."
OUT_HELP = "Output folder (default results/<scenario>-seed<seed>)."


@app.command("run")
def run_command(
    scenario: Annotated[str, typer.Option(help=SCENARIO_HELP)] = "teaching",
    seed: Annotated[int, typer.Option(help="Seed that determines the run exactly.")] = 1,
    steps: Annotated[int | None, typer.Option(help="Years to simulate (default: all).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    out: Annotated[Path | None, typer.Option(help=OUT_HELP)] = None,
) -> None:
    """Run one simulation, write Parquet tables and run.json, print a summary."""
    try:
        overrides = parse_settings(set_ or [])
        result = run(scenario, seed=seed, steps=steps, **overrides)
    except (ScenarioError, ParameterError) as err:
        fail(str(err))
        return
    folder = out or Path("results") / f"{result.metadata['scenario']}-seed{seed}"
    result.write(folder)
    typer.echo(summary(result))
    typer.echo(f"\nwrote {folder}/: series, events, partnerships, agents (.parquet) and run.json")


def summary(result: RunResult) -> str:
    """A short readable account of a run: emissions, partnerships, finance, technology."""
    s = result.series
    first, last = s.iloc[0], s.iloc[-1]
    meta = result.metadata
    change = (last["emissions_mt"] / first["emissions_mt"] - 1.0) if first["emissions_mt"] else 0.0
    p = result.partnerships
    formed = p[p["kind"] != "membership"]
    lines = [
        f"scenario {meta['scenario']}, seed {meta['seed']}, "
        f"{int(first['year'])}-{int(last['year'])} ({meta['runtime_seconds']:.2f} s)",
        f"emissions: {first['emissions_mt']:,.1f} -> {last['emissions_mt']:,.1f} MtCO2/yr "
        f"({change:+.0%}); cumulative {s['emissions_mt'].sum():,.0f} MtCO2",
        f"  steel {last['emissions_steel_mt']:,.1f}, cement {last['emissions_cement_mt']:,.1f} "
        f"MtCO2 in {int(last['year'])}",
        f"partnerships formed: {len(formed)} "
        + (
            "(" + ", ".join(f"{k} {n}" for k, n in formed["kind"].value_counts().items()) + ")"
            if len(formed)
            else ""
        ),
        f"finance: USD {last['finance_committed_musd']:,.0f}m committed, "
        f"{last['finance_delivered_musd']:,.0f}m delivered, "
        f"{last['finance_to_lower_income_share']:.0%} of it to lower-income countries",
        f"low-carbon capacity share: {first['low_carbon_capacity_share']:.0%} -> "
        f"{last['low_carbon_capacity_share']:.0%}; mean carbon price "
        f"{last['mean_carbon_price_usd_per_t']:,.0f} USD/t",
    ]
    return "\n".join(lines)


@app.command("params")
def params_command(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the Markdown table of docs/parameters.md.")
    ] = False,
) -> None:
    """List every parameter with default, unit, bounds, description and source."""
    if markdown:
        typer.echo(parameters_markdown(), nl=False)
        return
    for row in Parameters.describe():
        bounds = ""
        if row["min"] is not None or row["max"] is not None:
            bounds = f", {row['min']} to {row['max']}"
        typer.echo(f"{row['name']} = {row['default']!r}  ({row['unit']}{bounds})")
        typer.echo(f"    {row['description']}")
        typer.echo(f"    source: {row['source']}")


def parameters_markdown() -> str:
    """docs/parameters.md, generated from the parameter schema."""
    lines = [
        "# Parameters",
        "",
        "Generated from `industry_transition/model/parameters.py` by "
        "`uv run industry-transition params --markdown > docs/parameters.md`; a test checks that "
        "this file matches the schema. Scenario files set these under `[parameters]`; the CLI "
        "takes `--set name=value`; Python takes keyword arguments.",
        "",
        "| name | default | unit | min | max | description | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in Parameters.describe():
        cells = [f"`{row['name']}`", f"`{row['default']}`", row["unit"],
                 "" if row["min"] is None else str(row["min"]),
                 "" if row["max"] is None else str(row["max"]),
                 row["description"], row["source"]]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


@app.command("scenarios")
def scenarios_command() -> None:
    """List the shipped scenarios."""
    for name in available_scenarios():
        typer.echo(name)


def main() -> None:
    """Entry point of the console script."""
    app()
