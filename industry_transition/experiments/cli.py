"""The ``industry-transition`` command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from tqdm import tqdm

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


def _version(value: bool) -> None:
    """``--version``: the package version, then exit."""
    if value:
        from industry_transition.experiments.run import package_versions

        typer.echo(f"industry-transition {package_versions()['industry-transition']}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Simulate how countries and companies negotiate the decarbonization of steel and cement."""


SCENARIO_HELP = "Shipped scenario name or path to a .toml file."
SET_HELP = "Parameter override key=value (repeatable); see `industry-transition params`."
OUT_HELP = "Output folder (default results/<scenario>-seed<seed>)."
SENSITIVITY_HELP = "Sweep spec whose sample section uses method sobol or morris."


@app.command("run")
def run_command(
    scenario: Annotated[str, typer.Option(help=SCENARIO_HELP)] = "teaching",
    seed: Annotated[
        int, typer.Option(help="Seed that determines the run exactly (0 to 2^63 - 1).")
    ] = 1,
    steps: Annotated[int | None, typer.Option(help="Years to simulate (default: all).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    out: Annotated[Path | None, typer.Option(help=OUT_HELP)] = None,
    force: Annotated[
        bool, typer.Option(help="Run even if the world looks too large for the memory.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run one simulation, write Parquet tables and run.json, print a summary.

    Everything is checked before the model runs: the scenario and parameters, the seed, the
    output folder (created, or refused if it cannot be written) and the memory the world needs.
    """
    from industry_transition.experiments.checks import (
        MemoryCheckError,
        OutputError,
        check_memory,
        check_seed,
        prepare_folder,
    )
    from industry_transition.model.scenario import load_scenario

    try:
        overrides: dict[str, Any] = dict(parse_settings(set_ or []))
        check_seed(seed)
        spec = load_scenario(scenario, overrides, generate=False)
        if steps is not None and steps < 1:
            raise ParameterError(f"--steps {steps}: give 1 or more years")
        check_memory(spec, force=force)
        folder = prepare_folder(out or Path("results") / f"{spec.name}-seed{seed}")
        total = spec.parameters.end_year - spec.parameters.start_year + 1
        years = total if steps is None else min(steps, total)
        # a bar only when the run takes a while (shown after 2 s) and someone is watching
        bar = tqdm(
            total=years,
            unit="year",
            desc=f"{spec.name} seed {seed}",
            delay=2.0,
            disable=quiet or not sys.stderr.isatty(),
            leave=False,
        )
        with bar:
            result = run(
                scenario, seed=seed, steps=steps, on_year=lambda _year: bar.update(), **overrides
            )
    except (ScenarioError, ParameterError, OutputError, MemoryCheckError) as err:
        fail(str(err))
        return
    result.write(folder)
    typer.echo(summary(result))
    typer.echo(
        f"\nwrote {folder}/: series, events, partnerships, agents, technologies (.parquet) and "
        "run.json"
    )


def summary(result: RunResult) -> str:
    """A readable account of a run: emissions path, who partnered, finance flows, technology."""
    s = result.series.set_index("year")
    meta = result.metadata
    first_year, last_year = int(s.index[0]), int(s.index[-1])
    years = [y for y in (first_year, 2030, 2040, 2050) if first_year <= y <= last_year]
    if last_year not in years:
        years.append(last_year)
    header = "".join(f"{y:>10}" for y in years)
    lines = [
        f"scenario {meta['scenario']}, seed {meta['seed']}, {first_year}-{last_year} "
        f"({meta['runtime_seconds']:.2f} s)",
        "",
        f"{'emissions, MtCO2/yr':<28}{header}",
    ]
    for label, column in (
        ("total", "emissions_mt"),
        ("steel", "emissions_steel_mt"),
        ("cement", "emissions_cement_mt"),
    ):
        lines.append(f"  {label:<26}" + "".join(f"{s.at[y, column]:>10,.0f}" for y in years))
    first = float(s["emissions_mt"].iloc[0])
    if first > 0:
        change = float(s["emissions_mt"].iloc[-1]) / first - 1.0
        lines.append(
            f"  cumulative {s['emissions_mt'].sum():,.0f} MtCO2; {last_year} vs "
            f"{first_year}: {change:+.0%}"
        )
    else:
        lines.append("  no industry in this scenario (no plants, no emissions)")
    members = s["initiative_members"]
    lines.append(
        f"countries in an initiative (club size): {int(members.iloc[0])} in {first_year}, "
        f"{int(members.iloc[-1])} in {last_year} (largest {int(members.max())})"
    )
    lines += [
        "",
        *partnership_lines(result.partnerships),
        "",
        *finance_lines(result.partnerships, s),
        "",
        *technology_lines(result.technologies, years),
    ]
    return "\n".join(lines)


def partnership_lines(partnerships: pd.DataFrame) -> list[str]:
    """Partnerships formed by kind, and the pairs with the most ties."""
    formed = partnerships[partnerships["kind"] != "membership"]
    counts = ", ".join(f"{k} {n}" for k, n in formed["kind"].value_counts().items())
    lines = [f"partnerships formed: {len(formed)}" + (f" ({counts})" if counts else "")]
    if formed.empty:
        return lines
    pairs = formed.assign(
        pair=[
            " - ".join(sorted((a, b)))
            for a, b in zip(formed["country_a"], formed["country_b"], strict=True)
        ]
    )
    top = pairs.groupby("pair").agg(
        ties=("kind", "size"), kinds=("kind", lambda k: ", ".join(sorted(set(k))))
    )
    top = top.sort_values(["ties"], ascending=False).head(5)
    lines.append(
        "  countries with most ties: "
        + "; ".join(f"{pair} ({row.ties}: {row.kinds})" for pair, row in top.iterrows())
    )
    return lines


def finance_lines(partnerships: pd.DataFrame, series: pd.DataFrame) -> list[str]:
    """Finance committed and delivered, by recipient income group, largest donors."""
    last = series.iloc[-1]
    committed, delivered = last["finance_committed_musd"], last["finance_delivered_musd"]
    lines = [
        f"finance: USD {committed:,.0f}m committed, {delivered:,.0f}m delivered "
        f"(cumulative), {last['finance_to_lower_income_share']:.0%} of delivered to "
        "low and lower-middle income countries"
    ]
    finance = partnerships[partnerships["kind"] == "finance"]
    if finance.empty or delivered <= 0:
        return lines
    by_group = finance.groupby("income_b")["delivered_musd"].sum().sort_values(ascending=False)
    lines.append(
        "  delivered by recipient income group: "
        + ", ".join(f"{group.replace('_', '-')} {value:,.0f}m" for group, value in by_group.items())
    )
    donors = finance.groupby("country_a")["delivered_musd"].sum().nlargest(5)
    lines.append("  largest donors: " + ", ".join(f"{c} {v:,.0f}m" for c, v in donors.items()))
    recipients = finance.groupby("country_b")["delivered_musd"].sum().nlargest(5)
    lines.append(
        "  largest recipients: " + ", ".join(f"{c} {v:,.0f}m" for c, v in recipients.items())
    )
    return lines


def technology_lines(technologies: pd.DataFrame, years: list[int]) -> list[str]:
    """Share of each sector's capacity by technology in the summary years."""
    header = "".join(f"{y:>10}" for y in years)
    lines = [f"{'share of sector capacity':<28}{header}"]
    table = technologies.pivot_table(
        index=["sector", "technology"], columns="year", values="share_of_sector"
    )
    for (sector, technology), row in table.iterrows():
        if row.max() < 0.005:
            continue
        label = f"{sector}: {technology}"
        lines.append(f"  {label:<26}" + "".join(f"{row.get(y, 0.0):>10.0%}" for y in years))
    return lines


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
        cells = [
            f"`{row['name']}`",
            f"`{row['default']}`",
            row["unit"],
            "" if row["min"] is None else str(row["min"]),
            "" if row["max"] is None else str(row["max"]),
            row["description"],
            row["source"],
        ]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


@app.command("sweep")
def sweep_command(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="Sweep spec (.toml).")],
    out: Annotated[Path, typer.Option(help="Output folder; rerun to resume.")],
    workers: Annotated[int | None, typer.Option(help="Parallel workers (default: cores).")] = None,
    engine: Annotated[str, typer.Option(help="process or dask.")] = "process",
    scheduler: Annotated[
        str | None, typer.Option(help="Existing Dask scheduler, e.g. tcp://host:8786.")
    ] = None,
    events: Annotated[bool, typer.Option(help="Also write every run's event log.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    retry_failed: Annotated[
        bool, typer.Option(help="Run again the runs recorded as failed.")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Run even if the worlds look too large for the memory.")
    ] = False,
) -> None:
    """Run a sweep (grid, levers, sample or table design) with replications; resumable."""
    from industry_transition.experiments.spec import SpecError, load_spec
    from industry_transition.experiments.sweep import sweep

    try:
        spec, folder = load_spec(spec_path)
        runs = sweep(
            spec,
            out=out,
            workers=workers,
            engine=engine,
            scheduler=scheduler,
            events=events,
            progress=progress,
            folder=folder,
            retry_failed=retry_failed,
            force=force,
        )
    except (SpecError, ScenarioError, ParameterError, ValueError) as err:
        fail(str(err))
        return
    failed = int((runs["status"] == "failed").sum())
    typer.echo(f"{len(runs)} runs in {out}/ ({failed} failed)")
    if failed:
        typer.secho(
            f"{failed} runs failed: their tracebacks are in {out}/runs.parquet (column error)",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1)


@app.command("calibrate")
def calibrate_command(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="Calibration spec (.toml).")],
    out: Annotated[Path, typer.Option(help="Output folder; rerun to resume.")],
    workers: Annotated[
        int | None, typer.Option(help="Parallel workers (default: the spec's, else cores).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Fit parameters to the observed patterns with ABC-SMC (pyabc); resumable."""
    try:
        import pyabc  # noqa: F401
    except ImportError:
        fail("calibrate needs pyabc: pip install 'industry-transition[calibrate]'")
        return
    from industry_transition.experiments.calibrate import (
        CalibrationError,
        calibrate,
        load_calibration_spec,
    )

    try:
        spec, folder = load_calibration_spec(spec_path)
        state = calibrate(
            spec,
            out=out,
            folder=folder,
            workers=workers,
            progress=progress,
            spec_name=spec_path.name,
        )
    except (CalibrationError, ScenarioError, ParameterError) as err:
        fail(str(err))
        return
    posterior = pd.read_parquet(out / "posterior.parquet")
    typer.echo(
        f"{state['generations_done']} generations, {state['evaluations']} evaluations "
        f"in {out}/ (accepted.parquet, posterior.parquet, posterior.png, patterns.parquet, "
        "pattern_distances.parquet, a calibrated scenario .toml); effective sample size of "
        f"the last generation {state['effective_sample_size']}"
    )
    for row in posterior.itertuples():
        typer.echo(f"  {row.parameter}: median {row.median:.4g} (90% {row.q05:.4g}-{row.q95:.4g})")


@app.command("summarize")
def summarize_command(
    out: Annotated[Path, typer.Argument(help="A sweep's output folder.")],
    outcome: Annotated[
        list[str] | None, typer.Option(help="Outcome to report (repeatable; default: all).")
    ] = None,
    csv: Annotated[Path | None, typer.Option(help="CSV path (default OUT/summary.csv).")] = None,
    plot: Annotated[bool, typer.Option(help="Also write a PNG (see --png).")] = False,
    png: Annotated[
        Path | None, typer.Option(help="PNG path for --plot (default OUT/summary.png).")
    ] = None,
) -> None:
    """Mean, standard deviation and 95% confidence interval of outcomes per setting."""
    from industry_transition.experiments.analysis import (
        plot_summary,
        summarize,
        sweep_spec,
        varied_parameters,
    )
    from industry_transition.experiments.checks import OutputError, writable_file
    from industry_transition.experiments.spec import OUTCOMES, SpecError
    from industry_transition.experiments.sweep import read_table

    path = csv or out / "summary.csv"
    png_path = png or out / "summary.png"
    try:
        spec = sweep_spec(out)
        writable_file(path, "--csv")
        parameters = varied_parameters(read_table(out, "runs"), spec)
        if plot or png is not None:
            writable_file(png_path, "--png")
            if not parameters:
                raise SpecError(f"{out}: nothing is varied in this sweep, so there is no plot")
        table = summarize(out, outcome)
    except (SpecError, OutputError) as err:
        fail(str(err))
        return
    outcomes = outcome or list(spec.outcomes)
    unknown = [o for o in outcomes if o not in OUTCOMES]
    if unknown:
        fail(f"unknown outcome '{unknown[0]}' (allowed: {', '.join(OUTCOMES)})")
    table.to_csv(path, index=False)
    levers = "lever" in table.columns
    columns = ["setting", "lever"] if levers else ["setting", *parameters]
    shown = table[[*columns, "runs_ok", "runs_failed"]].copy()

    def cells(prefix: str) -> list[str]:
        return [
            f"{m:,.4g} [{lo:,.4g}, {hi:,.4g}]"
            for m, lo, hi in zip(
                table[f"{prefix}_mean"],
                table[f"{prefix}_ci_low"],
                table[f"{prefix}_ci_high"],
                strict=True,
            )
        ]

    for name in outcomes:
        shown[name] = cells(name)
        if levers:
            shown[f"{name} vs defaults"] = cells(f"{name}_diff")
    with pd.option_context("display.width", 250, "display.max_columns", None):
        typer.echo("mean [95% confidence interval] over replications")
        if levers:
            typer.echo(
                "vs defaults: the difference from setting 0 with the same seed, mean [95% "
                "confidence interval] over replications"
            )
        typer.echo(shown.to_string(index=False))
    typer.echo(f"wrote {path}")
    if plot or png is not None:
        typer.echo(f"wrote {plot_summary(table, parameters, outcomes, png_path)}")


@app.command("sensitivity")
def sensitivity_command(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help=SENSITIVITY_HELP)],
    out: Annotated[Path, typer.Option(help="Output folder; rerun to resume.")],
    workers: Annotated[int | None, typer.Option(help="Parallel workers (default: cores).")] = None,
    engine: Annotated[str, typer.Option(help="process or dask.")] = "process",
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Run a sampled sweep and print Sobol or Morris sensitivity indices with intervals."""
    from industry_transition.experiments.analysis import sensitivity
    from industry_transition.experiments.spec import SpecError, load_spec
    from industry_transition.experiments.sweep import sweep

    try:
        spec, folder = load_spec(spec_path)
        if spec.sample is None or spec.sample.method not in ("sobol", "morris"):
            raise SpecError(f"{spec_path}: sensitivity needs [sample] method = 'sobol' or 'morris'")
        sweep(spec, out=out, workers=workers, engine=engine, progress=progress, folder=folder)
        indices = sensitivity(out)
    except (SpecError, ScenarioError, ParameterError, ValueError) as err:
        fail(str(err))
        return
    path = out / "sensitivity.csv"
    indices.to_csv(path, index=False)
    shown = indices.drop(columns=["note"]).astype(object)
    shown = shown.where(indices.drop(columns=["note"]).notna(), "undefined")
    with pd.option_context(
        "display.width", 200, "display.max_columns", None, "display.float_format", "{:.3f}".format
    ):
        typer.echo(shown.to_string(index=False))
    for outcome, note in indices.groupby("outcome", sort=False)["note"].first().items():
        if note:
            typer.secho(f"warning: {outcome}: {note}", fg=typer.colors.YELLOW, err=True)
    typer.echo(f"wrote {path} (column note: why an index is unreliable or undefined)")


@app.command("attribute")
def attribute_command(
    scenario: Annotated[str, typer.Option(help=SCENARIO_HELP)] = "teaching",
    seeds: Annotated[int, typer.Option(help="Number of seeds (each runs 16 combinations).")] = 5,
    first_seed: Annotated[int, typer.Option(help="First seed; seeds are consecutive.")] = 1,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default results/<scenario>-attribution).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Parallel workers (default: cores).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
    outcome: Annotated[
        str, typer.Option(help="Outcome to attribute (default cumulative emissions).")
    ] = "cumulative_emissions_mt",
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Attribute the cooperation effect to its channels (Shapley values over 16 combinations)."""
    from industry_transition.experiments.attribution import (
        AttributionError,
        attribute,
        check_input,
        check_out,
    )

    try:
        overrides: dict[str, Any] = dict(parse_settings(set_ or []))
        check_input(scenario, seeds, first_seed, outcome, overrides)
        if workers is not None and workers < 1:
            raise AttributionError(f"--workers {workers}: give 1 or more")
        folder = out or Path("results") / f"{Path(scenario).stem}-attribution"
        check_out(folder)
    except (AttributionError, ScenarioError, ParameterError) as err:
        fail(str(err))
        return
    result = attribute(
        scenario,
        seeds,
        first_seed=first_seed,
        outcome=outcome,
        overrides=overrides,
        workers=workers,
        progress=progress,
    )
    paths = result.write(folder)
    typer.echo(result.text())
    typer.echo(f"\nwrote {', '.join(str(p) for p in paths)}")
    if result.failed:
        typer.secho(
            f"{result.failed} runs failed: their tracebacks are in "
            f"{folder}/attribution_runs.parquet (column error)",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1)


@app.command("scenarios")
def scenarios_command() -> None:
    """List the shipped scenarios, one line each: name and what it is."""
    from industry_transition.model.scenario import load_scenario

    names = available_scenarios()
    width = max(len(name) for name in names)
    for name in names:
        description = load_scenario(name, generate=False).description
        typer.echo(f"{name:<{width}}  {description}")


def main() -> None:
    """Entry point of the console script."""
    app()
