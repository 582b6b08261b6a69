"""Attribution by channel: how much of the cooperation effect each channel of cooperation carries.

Cooperation in the model works through four channels, each with a switch in ``Parameters``:

- ``finance_deals``: donor finance to companies (country-company deals);
- ``technology_deals``: technology licences and co-development (company-company deals);
- ``government_deals``: government partnerships (country-country deals);
- ``initiative_membership``: initiative membership, the ratchets that fall on members and the
  broker, which serves members.

For each seed, :func:`attribute` runs the scenario with every one of the 2^4 = 16 combinations of
channels switched on (negotiation on; the combination with none on is the no-cooperation
counterfactual, equal to ``negotiation=False``). The value of a coalition S of channels is

    v(S) = outcome gain with exactly the channels in S on, against none on

(for cumulative emissions: cumulative emissions with none on minus with S on, Mt CO2 abated).
Per channel i and seed it reports:

- the **Shapley value**: the average of i's marginal contribution v(S + i) - v(S) over the
  orders in which channels could be added, exactly over the 16 combinations (weights
  |S|! (n - |S| - 1)! / n!); the four sum to v(all channels);
- its **share**: Shapley value / v(all) (NaN where v(all) is about 0);
- the **switch-off** effect v(all) - v(all without i): what is lost if only i is closed;
- the **alone** effect v({i}): what i achieves with no other channel;

and per seed the **total** cooperation effect v(all) and the **interaction** v(all) - the sum of
the alone effects (positive: channels complement each other). Across seeds each statistic gets
its mean and a 95% t-interval (NaN with one seed).

Outputs (``Attribution.write``): ``attribution.parquet`` and ``attribution.csv`` (tidy: one row
per channel and statistic), ``attribution_runs.parquet`` (one row per seed and combination with
the raw outcomes, from which everything can be recomputed), ``attribution.json`` (provenance)
and ``attribution.png`` (the Shapley values with their intervals).
"""

from __future__ import annotations

import json
import math
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from industry_transition.experiments.checks import OutputError, prepare_folder
from industry_transition.experiments.engines import default_workers, run_tasks
from industry_transition.experiments.run import package_versions, run
from industry_transition.model.parameters import SEED_LIMIT, ParameterError
from industry_transition.model.scenario import load_scenario

#: The channel switches, in bit order: combination ``mask`` has channel i on iff bit i is set.
CHANNELS = ("finance_deals", "technology_deals", "government_deals", "initiative_membership")
#: Short names used in tables and plots.
CHANNEL_NAMES = ("finance", "technology", "government", "initiatives")
#: Longer labels for the plot.
CHANNEL_LABELS = (
    "Finance\n(donor to company)",
    "Technology\n(licences, co-development)",
    "Government\npartnerships",
    "Initiatives\n(membership, broker)",
)
#: Parameters that ``attribute`` sets itself; overrides may not name them.
RESERVED = (*CHANNELS, "negotiation")
ALL = (1 << len(CHANNELS)) - 1

#: A total effect smaller than this share of the outcome's size counts as zero (no shares).
ZERO_EFFECT = 1e-6


@dataclass(frozen=True)
class Outcome:
    """An outcome that can be attributed: its sign (gain = sign x (value(S) - value(none)))."""

    sign: float
    gain_unit: str  # unit of v(S)
    level_unit: str  # unit of the outcome itself
    description: str


OUTCOMES: dict[str, Outcome] = {
    "cumulative_emissions_mt": Outcome(
        -1.0,
        "Mt CO2 abated, cumulative",
        "Mt CO2, cumulative",
        "emissions summed over the simulated years; v(S) = emissions with no channel minus "
        "emissions with the channels S",
    ),
    "low_carbon_capacity_share_final": Outcome(
        1.0,
        "low-carbon share of capacity in the final year, gain (0-1)",
        "low-carbon share of capacity in the final year (0-1)",
        "share of capacity on low-carbon routes in the last simulated year; v(S) = share with "
        "the channels S minus share with none",
    ),
    "finance_to_lower_income_musd": Outcome(
        1.0,
        "USD million to lower-income countries, cumulative, gain",
        "USD million to lower-income countries, cumulative",
        "finance delivered to low and lower-middle income countries over the run; v(S) = with "
        "the channels S minus with none",
    ),
}
DEFAULT_OUTCOME = "cumulative_emissions_mt"

#: Statistics per channel, and for all channels together, in table order.
CHANNEL_STATISTICS = ("shapley", "share", "switch_off", "alone")
TOTAL_STATISTICS = (
    "total",
    "interaction",
    "outcome_without_cooperation",
    "outcome_with_cooperation",
)
#: Columns of the tidy table.
TABLE_COLUMNS = (
    "outcome",
    "channel",
    "statistic",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "seeds",
    "unit",
    "note",
)


class AttributionError(ValueError):
    """Input that ``attribute`` refuses, with a message naming it and what is allowed."""


# --- the Shapley value ----------------------------------------------------------------------------
def shapley_weights(n: int) -> np.ndarray:
    """The (2^n, n) matrix W with Shapley values = v @ W for a game ``v`` indexed by bitmask.

    Player i's Shapley value is the sum over coalitions S without i of
    ``|S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))``: W holds +weight at S + i and -weight at S.
    """
    size = 1 << n
    weights = np.zeros((size, n))
    for mask in range(size):
        members = bin(mask).count("1")
        for i in range(n):
            if mask >> i & 1:
                continue
            w = math.factorial(members) * math.factorial(n - members - 1) / math.factorial(n)
            weights[mask | 1 << i, i] += w
            weights[mask, i] -= w
    return weights


def shapley_values(values: np.ndarray | Iterable[float]) -> np.ndarray:
    """Exact Shapley values of the game(s) ``values`` (last axis: v of each coalition bitmask).

    ``values[..., mask]`` is the worth of the coalition whose members are the set bits of
    ``mask`` (bit i: player i); its length must be a power of two, 2^n. Returns the n values
    (last axis), which sum to ``v(all) - v(empty)``.
    """
    v = np.asarray(values, dtype=float)
    size = v.shape[-1]
    n = size.bit_length() - 1
    if size < 2 or 1 << n != size:
        raise ValueError(f"a game has 2^n coalition values, not {size}")
    return np.asarray(v @ shapley_weights(n))


# --- running the combinations ---------------------------------------------------------------------
def combination_switches(mask: int) -> dict[str, bool]:
    """The channel switches of combination ``mask`` (bit i: ``CHANNELS[i]`` on)."""
    return {name: bool(mask >> i & 1) for i, name in enumerate(CHANNELS)}


def outcomes_of(series: pd.DataFrame) -> dict[str, float]:
    """The attributable outcomes of one run's yearly series (see ``OUTCOMES``)."""
    last = series.iloc[-1]
    return {
        "cumulative_emissions_mt": float(series["emissions_mt"].sum()),
        "low_carbon_capacity_share_final": float(last["low_carbon_capacity_share"]),
        "finance_to_lower_income_musd": float(
            last["finance_delivered_musd"] * last["finance_to_lower_income_share"]
        ),
    }


def run_combination(
    scenario: str, seed: int, mask: int, overrides: dict[str, Any]
) -> dict[str, Any]:
    """One run of combination ``mask``; a run that raises is recorded as failed (traceback)."""
    record: dict[str, Any] = {"seed": seed, "combination": mask}
    record.update({f"{name}_on": on for name, on in zip(CHANNEL_NAMES, _bits(mask), strict=True)})
    record["channels_on"] = bin(mask).count("1")
    started = time.perf_counter()
    try:
        settings: dict[str, Any] = {**overrides, **combination_switches(mask)}
        result = run(
            scenario,
            seed=seed,
            snapshots=False,
            partnerships=False,
            events=False,
            **settings,
        )
    except Exception:  # noqa: BLE001 - any failure is recorded with its traceback
        record.update(
            status="failed",
            error=traceback.format_exc(),
            first_year=-1,
            last_year=-1,
            **dict.fromkeys(OUTCOMES, float("nan")),
        )
    else:
        years = result.series["year"]
        record.update(
            status="ok",
            error="",
            first_year=int(years.iloc[0]),
            last_year=int(years.iloc[-1]),
            **outcomes_of(result.series),
        )
    record["duration_s"] = time.perf_counter() - started
    return record


def _bits(mask: int) -> list[bool]:
    return [bool(mask >> i & 1) for i in range(len(CHANNELS))]


# --- the result -----------------------------------------------------------------------------------
@dataclass
class Attribution:
    """The runs, per-seed values and summary of an attribution (see the module docstring)."""

    scenario: str
    outcome: str
    seeds: list[int]
    runs: pd.DataFrame  # one row per seed and combination, raw outcomes
    per_seed: pd.DataFrame  # one row per seed and channel (or "all"): the statistics
    table: pd.DataFrame  # tidy: one row per channel and statistic, mean and 95% interval
    notes: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        """Number of runs that raised."""
        return int((self.runs["status"] == "failed").sum())

    def value(self, channel: str, statistic: str, column: str = "mean") -> float:
        """One cell of the table, e.g. ``value("finance", "shapley")``."""
        table = self.table
        row = table[(table["channel"] == channel) & (table["statistic"] == statistic)]
        return float(row[column].iloc[0])

    def write(self, out: str | Path, *, plot: bool = True) -> list[Path]:
        """Write the tables, ``attribution.json`` and (``plot``) the PNG into folder ``out``."""
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "attribution.parquet", folder / "attribution.csv"]
        self.table.to_parquet(paths[0], index=False)
        self.table.to_csv(paths[1], index=False)
        paths.append(folder / "attribution_runs.parquet")
        self.runs.to_parquet(paths[-1], index=False)
        paths.append(folder / "attribution.json")
        meta = {**self.metadata, "notes": self.notes}
        paths[-1].write_text(json.dumps(meta, indent=2, default=str) + "\n")
        if plot:
            paths.append(self.plot(folder / "attribution.png"))
        return paths

    def plot(self, path: str | Path) -> Path:
        """Horizontal bars of the Shapley values with 95% intervals, the total as a line."""
        return plot_attribution(self, path)

    def text(self) -> str:
        """The readable table the command line prints."""
        return format_table(self)


def attribute(
    scenario: str | Path = "teaching",
    seeds: int | Iterable[int] = 5,
    *,
    first_seed: int = 1,
    outcome: str = DEFAULT_OUTCOME,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> Attribution:
    """Attribute the cooperation effect to the four channels (see the module docstring).

    Args:
        scenario: shipped scenario name or path to a scenario TOML.
        seeds: the number of seeds (``first_seed``, ``first_seed + 1``, ...) or the seeds.
        first_seed: the first seed when ``seeds`` is a number.
        outcome: what is attributed, one of ``OUTCOMES`` (default cumulative emissions).
        overrides: parameter values for every run; not the channel switches nor
            ``negotiation``, which the attribution sets itself.
        workers: processes running the 16 x seeds runs (default: the cores; 1 runs inline).
            Results do not depend on it.
        progress: show a progress bar.

    Raises:
        AttributionError, ScenarioError, ParameterError: bad input, before anything runs.
    """
    scenario, seed_list, overrides = check_input(scenario, seeds, first_seed, outcome, overrides)
    workers = workers or default_workers()
    if workers < 1:
        raise AttributionError(f"workers = {workers}: give 1 or more")
    tasks = [(scenario, seed, mask, overrides) for seed in seed_list for mask in range(ALL + 1)]
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    # the pool starts here, before the progress bar's thread (so that it can be forked)
    results = run_tasks(run_combination, tasks, workers=workers)
    bar = tqdm(total=len(tasks), unit="run", disable=not progress, desc="attribute")
    records = []
    failed = 0
    for record in results:
        records.append(record)
        failed += record["status"] == "failed"
        bar.update(1)
        bar.set_postfix(failed=failed)
    bar.close()
    runs = pd.DataFrame(records).sort_values(["seed", "combination"], ignore_index=True)
    spec = load_scenario(scenario, overrides)
    metadata = {
        "scenario": spec.name,
        "scenario_path": str(spec.path),
        "outcome": outcome,
        "seeds": seed_list,
        "overrides": dict(overrides),
        "channels": dict(zip(CHANNEL_NAMES, CHANNELS, strict=True)),
        "runs": len(runs),
        "failed": int((runs["status"] == "failed").sum()),
        "data_hash": spec.data_hash,
        "versions": package_versions(),
        "started": started,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return from_runs(runs, outcome, scenario=spec.name, metadata=metadata)


def from_runs(
    runs: pd.DataFrame,
    outcome: str = DEFAULT_OUTCOME,
    *,
    scenario: str = "",
    metadata: dict[str, Any] | None = None,
) -> Attribution:
    """The attribution of ``outcome`` from a runs table (``attribution_runs.parquet``).

    E.g. another outcome of a finished attribution, with no new runs: ``from_runs(
    pd.read_parquet("DIR/attribution_runs.parquet"), "low_carbon_capacity_share_final")``.
    """
    if outcome not in OUTCOMES:
        raise AttributionError(f"unknown outcome '{outcome}' (allowed: {', '.join(OUTCOMES)})")
    runs = runs.sort_values(["seed", "combination"], ignore_index=True)
    per_seed, notes = per_seed_statistics(runs, outcome)
    table = summary_table(per_seed, outcome, notes)
    seeds = sorted(int(s) for s in runs["seed"].unique())
    meta = {**(metadata or {}), "outcome": outcome}
    return Attribution(scenario, outcome, seeds, runs, per_seed, table, notes, meta)


def check_input(
    scenario: str | Path,
    seeds: int | Iterable[int],
    first_seed: int,
    outcome: str,
    overrides: Mapping[str, Any] | None,
) -> tuple[str, list[int], dict[str, Any]]:
    """Validate everything before any run: scenario, parameters, seeds and outcome.

    Returns the scenario as a string, the seeds and the overrides as a dict.
    """
    overrides = dict(overrides or {})
    if outcome not in OUTCOMES:
        raise AttributionError(f"unknown outcome '{outcome}' (allowed: {', '.join(OUTCOMES)})")
    reserved = [key for key in overrides if key in RESERVED]
    if reserved:
        raise AttributionError(
            f"parameter '{reserved[0]}' cannot be set: attribute switches "
            f"{', '.join(RESERVED)} itself (any other parameter may be set)"
        )
    if isinstance(seeds, int | np.integer):
        if seeds < 1:
            raise AttributionError(f"seeds = {seeds}: give 1 or more seeds")
        if first_seed < 0:
            raise AttributionError(f"first seed = {first_seed}: seeds are 0 or more")
        seed_list = list(range(int(first_seed), int(first_seed) + int(seeds)))
        if seed_list[-1] >= SEED_LIMIT:
            raise AttributionError(
                f"seeds {first_seed} to {seed_list[-1]}: seeds must stay below 2^63"
            )
    else:
        seed_list = [int(s) for s in seeds]
        if not seed_list:
            raise AttributionError("no seeds given: give 1 or more seeds")
        if min(seed_list) < 0 or max(seed_list) >= SEED_LIMIT:
            bad = min(seed_list) if min(seed_list) < 0 else max(seed_list)
            raise AttributionError(f"seed {bad}: give seeds from 0 to 2^63 - 1")
        if len(set(seed_list)) != len(seed_list):
            raise AttributionError("a seed is given twice: give distinct seeds")
    spec = load_scenario(scenario, overrides)  # ScenarioError / ParameterError name the problem
    if not spec.parameters.negotiation:
        raise ParameterError(
            f"scenario '{spec.name}' sets negotiation = false: attribution needs negotiation on"
        )
    return str(scenario), seed_list, overrides


# --- statistics -----------------------------------------------------------------------------------
def per_seed_statistics(runs: pd.DataFrame, outcome: str) -> tuple[pd.DataFrame, list[str]]:
    """Per seed: each channel's Shapley value, share, switch-off and alone effects.

    Channel ``all`` holds the total and interaction, and the outcome without and with every
    channel. Seeds with a failed run are left out, with a note.
    """
    spec = OUTCOMES[outcome]
    notes: list[str] = []
    ok = runs[runs["status"] == "ok"]
    complete = ok.groupby("seed")["combination"].nunique() == ALL + 1
    for seed in sorted(set(runs["seed"]) - set(complete[complete].index)):
        bad = int((runs[runs["seed"] == seed]["status"] != "ok").sum())
        notes.append(
            f"seed {seed}: {bad} of {ALL + 1} runs failed (tracebacks in attribution_runs, "
            "column error); the seed is left out of every statistic"
        )
    seeds = sorted(complete[complete].index)
    rows: list[dict[str, Any]] = []
    if not seeds:
        return pd.DataFrame(rows, columns=["seed", "channel", *CHANNEL_STATISTICS]), notes
    levels = (
        ok[ok["seed"].isin(seeds)]
        .pivot(index="seed", columns="combination", values=outcome)
        .loc[seeds, list(range(ALL + 1))]
        .to_numpy(dtype=float)
    )
    gains = spec.sign * (levels - levels[:, [0]])  # v(S), v(empty) = 0
    shapley = shapley_values(gains)
    total = gains[:, ALL]
    scale = np.maximum(np.abs(levels[:, 0]), np.abs(levels[:, ALL]))
    zero = np.abs(total) <= ZERO_EFFECT * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(zero[:, None], np.nan, shapley / total[:, None])
    alone = gains[:, [1 << i for i in range(len(CHANNELS))]]
    switch_off = total[:, None] - gains[:, [ALL & ~(1 << i) for i in range(len(CHANNELS))]]
    for s, seed in enumerate(seeds):
        if zero[s]:
            notes.append(
                f"seed {seed}: the total effect is about 0 ({total[s]:.3g}), so shares are "
                "undefined (NaN) for it"
            )
        for i, name in enumerate(CHANNEL_NAMES):
            rows.append(
                {
                    "seed": seed,
                    "channel": name,
                    "shapley": shapley[s, i],
                    "share": share[s, i],
                    "switch_off": switch_off[s, i],
                    "alone": alone[s, i],
                }
            )
        rows.append(
            {
                "seed": seed,
                "channel": "all",
                "total": total[s],
                "interaction": total[s] - alone[s].sum(),
                "outcome_without_cooperation": levels[s, 0],
                "outcome_with_cooperation": levels[s, ALL],
            }
        )
    if len(seeds) == 1:
        notes.append("one seed: no interval across seeds (ci_low, ci_high and sd are NaN)")
    return pd.DataFrame(rows), notes


def interval(values: np.ndarray) -> tuple[float, float, float, float, int]:
    """Mean, sd (ddof 1), and the 95% t-interval over the finite values; NaN where undefined."""
    from scipy import stats

    values = values[np.isfinite(values)]
    n = values.size
    mean = float(values.mean()) if n else float("nan")
    if n < 2:
        return mean, float("nan"), float("nan"), float("nan"), n
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))
    return mean, sd, mean - half, mean + half, n


def summary_table(per_seed: pd.DataFrame, outcome: str, notes: list[str]) -> pd.DataFrame:
    """The tidy table: one row per channel and statistic with mean, sd and 95% interval."""
    spec = OUTCOMES[outcome]
    units = {
        "shapley": spec.gain_unit,
        "switch_off": spec.gain_unit,
        "alone": spec.gain_unit,
        "total": spec.gain_unit,
        "interaction": spec.gain_unit,
        "share": "share of the total effect",
        "outcome_without_cooperation": spec.level_unit,
        "outcome_with_cooperation": spec.level_unit,
    }
    undefined_share = any("shares are undefined" in note for note in notes)
    rows = []
    for channel in (*CHANNEL_NAMES, "all"):
        statistics = TOTAL_STATISTICS if channel == "all" else CHANNEL_STATISTICS
        group = per_seed[per_seed["channel"] == channel] if len(per_seed) else per_seed
        for statistic in statistics:
            values = group[statistic].to_numpy(dtype=float) if statistic in group else np.zeros(0)
            mean, sd, low, high, n = interval(values)
            note = ""
            if statistic == "share" and undefined_share:
                note = "undefined for seeds whose total effect is about 0; over the others"
            if n == 1:
                note = (note + "; " if note else "") + "one seed: no interval"
            rows.append(
                {
                    "outcome": outcome,
                    "channel": channel,
                    "statistic": statistic,
                    "mean": mean,
                    "sd": sd,
                    "ci_low": low,
                    "ci_high": high,
                    "seeds": n,
                    "unit": units[statistic],
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


# --- presentation ---------------------------------------------------------------------------------
def _number(value: float, digits: str) -> str:
    """``value`` formatted, without the sign of a value that rounds to zero ("-0.0")."""
    text = f"{value:{digits}}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def _cell(mean: float, low: float, high: float, digits: str = ",.1f") -> str:
    if not np.isfinite(mean):
        return "n/a"
    if not (np.isfinite(low) and np.isfinite(high)):
        return _number(mean, digits)
    return f"{_number(mean, digits)} [{_number(low, digits)}, {_number(high, digits)}]"


def _aligned(cells: list[str], widths: list[int]) -> str:
    """The first cell left-aligned, the others right-aligned."""
    return "  ".join(
        cell.ljust(w) if c == 0 else cell.rjust(w)
        for c, (cell, w) in enumerate(zip(cells, widths, strict=True))
    )


def format_table(result: Attribution) -> str:
    """Channel, Shapley mean [95% CI], share, switch-off and alone; total and interaction."""
    table = result.table
    spec = OUTCOMES[result.outcome]
    n = len(result.per_seed["seed"].unique()) if len(result.per_seed) else 0
    digits = ",.1f" if result.outcome != "low_carbon_capacity_share_final" else ".4f"

    def get(channel: str, statistic: str) -> tuple[float, float, float]:
        row = table[(table["channel"] == channel) & (table["statistic"] == statistic)].iloc[0]
        return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])

    first, last = _years(result.runs)
    header = ["channel", "Shapley", "share", "switch-off", "alone"]
    body = []
    for name in CHANNEL_NAMES:
        share = get(name, "share")
        body.append(
            [
                name,
                _cell(*get(name, "shapley"), digits=digits),
                _cell(share[0] * 100, share[1] * 100, share[2] * 100, digits=".0f") + " %"
                if np.isfinite(share[0])
                else "n/a",
                _cell(*get(name, "switch_off"), digits=digits),
                _cell(*get(name, "alone"), digits=digits),
            ]
        )
    widths = [max(len(r[c]) for r in [header, *body]) for c in range(len(header))]
    lines = [
        f"attribution of the cooperation effect by channel: scenario {result.scenario}, "
        f"{n} seed{'s' if n != 1 else ''} ({', '.join(map(str, result.seeds))}), "
        f"{len(result.runs)} runs",
        f"outcome: {result.outcome} ({spec.gain_unit}, {first}-{last}); "
        "mean [95% interval across seeds]",
        "",
        *(_aligned(row, widths) for row in [header, *body]),
    ]
    total = get("all", "total")
    interaction = get("all", "interaction")
    without = get("all", "outcome_without_cooperation")
    lines += [
        "",
        f"total cooperation effect v(all): {_cell(*total, digits=digits)} "
        f"(the Shapley values sum to it in every seed)",
        f"interaction v(all) - sum of alone: {_cell(*interaction, digits=digits)} "
        "(positive: the channels complement each other)",
        f"without cooperation: {_cell(*without, digits=digits)} ({spec.level_unit})",
    ]
    if result.notes:
        lines += ["", *(f"note: {note}" for note in result.notes)]
    return "\n".join(lines)


def plot_attribution(result: Attribution, path: str | Path) -> Path:
    """PNG: each channel's Shapley value (bar) with its 95% interval, the total as a line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import StrMethodFormatter

    spec = OUTCOMES[result.outcome]
    table = result.table.set_index(["channel", "statistic"])
    means = np.array([table.loc[(c, "shapley"), "mean"] for c in CHANNEL_NAMES], dtype=float)
    low = np.array([table.loc[(c, "shapley"), "ci_low"] for c in CHANNEL_NAMES], dtype=float)
    high = np.array([table.loc[(c, "shapley"), "ci_high"] for c in CHANNEL_NAMES], dtype=float)
    total = float(table.loc[("all", "total"), "mean"])
    total_low = float(table.loc[("all", "total"), "ci_low"])
    total_high = float(table.loc[("all", "total"), "ci_high"])
    n = int(table.loc[("all", "total"), "seeds"])
    fig, ax = plt.subplots(figsize=(9, 5.2))
    y = np.arange(len(CHANNEL_NAMES))[::-1]
    have_ci = np.isfinite(low) & np.isfinite(high)
    error = np.where(have_ci, [means - low, high - means], 0.0)
    ax.barh(y, np.nan_to_num(means), color="#4c78a8", height=0.6, zorder=2)
    if have_ci.any():
        ax.errorbar(
            means[have_ci],
            y[have_ci],
            xerr=error[:, have_ci],
            fmt="none",
            ecolor="black",
            capsize=5,
            zorder=3,
            label="95% interval across seeds",
        )
    digits = ",.1f" if result.outcome != "low_carbon_capacity_share_final" else ".3f"
    if np.isfinite(total):
        ax.axvline(
            total,
            color="#e45756",
            linestyle="--",
            zorder=1,
            label=f"total effect v(all): {_cell(total, total_low, total_high, digits)}",
        )
    ax.axvline(0.0, color="grey", linewidth=0.8, zorder=1)
    ax.set_yticks(y)
    ax.set_yticklabels(CHANNEL_LABELS, fontsize=10)
    span = max(np.nanmax(np.abs(np.concatenate([high, low, means, [total]]))), 1e-12)
    shares = [float(table.loc[(c, "share"), "mean"]) for c in CHANNEL_NAMES]
    for yi, m, share in zip(y, means, shares, strict=True):
        if np.isfinite(m):
            label = f"{m:{digits}}" + (f"  ({share:.0%} of total)" if np.isfinite(share) else "")
            ax.annotate(
                label,
                (0.0, yi + 0.38),
                xytext=(3, 0),
                textcoords="offset points",
                fontsize=9,
                va="center",
            )
    first, last = _years(result.runs)
    ax.set_xlabel(f"Shapley value: {spec.gain_unit} {first}-{last}", fontsize=10)
    ax.set_title(
        f"Cooperation effect by channel, {result.scenario} {first}-{last}\n"
        f"mean over {n} seed{'s' if n != 1 else ''}"
        + ("" if n > 1 else " (one seed: no interval)"),
        fontsize=11,
    )
    ax.set_xlim(min(0.0, np.nanmin(np.concatenate([low, means]))) - 0.05 * span, 1.12 * span)
    if result.outcome != "low_carbon_capacity_share_final":
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.grid(axis="x", alpha=0.3, zorder=0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=9, frameon=False)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _years(runs: pd.DataFrame) -> tuple[int, int]:
    ok = runs[runs["status"] == "ok"]
    if ok.empty:
        return 0, 0
    return int(ok["first_year"].min()), int(ok["last_year"].max())


def check_out(out: Path) -> None:
    """Refuse an output folder that is an existing file or cannot be written (before runs)."""
    try:
        prepare_folder(out)
    except OutputError as err:
        raise AttributionError(str(err)) from None


__all__ = [
    "CHANNELS",
    "CHANNEL_NAMES",
    "OUTCOMES",
    "Attribution",
    "AttributionError",
    "attribute",
    "from_runs",
    "shapley_values",
]
