"""``industry-transition report``: one self-contained HTML file of a run (no browser here; the
browser test that opens it with every request blocked is in ``test_app_browser.py``)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from industry_transition.cli import app
from industry_transition.visualization.assets import default_cache_dir
from industry_transition.visualization.report import SCRIPTS

runner = CliRunner()

pytestmark = pytest.mark.skipif(
    not all((default_cache_dir() / s).is_file() for s in SCRIPTS),
    reason="the offline asset folder is not prepared (industry-transition app does it once)",
)


def _blocks(text: str) -> dict[str, dict]:
    found = re.findall(
        r"<script type='application/json' class='chart-data' data-chart='([^']+)'>(.*?)</script>",
        text,
        flags=re.S,
    )
    return {name: json.loads(body.replace("<\\/", "</")) for name, body in found}


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "teaching"
    result = runner.invoke(
        app, ["run", "--scenario", "teaching", "--seed", "2", "--steps", "8", "--out", str(folder)]
    )
    assert result.exit_code == 0, result.output
    return folder


def test_report_of_a_run_folder_is_one_self_contained_file(run_folder):
    result = runner.invoke(app, ["report", str(run_folder), "--years", "2026,2031"])
    assert result.exit_code == 0, result.output
    text = (run_folder / "report.html").read_text()
    # no request of any kind: no src or href to anything, the scripts are inlined
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|/)""", text)
    assert "vegaEmbed(" in text
    for script in SCRIPTS:
        name = script.split("/")[-1]
        assert (default_cache_dir() / script).read_text()[:200] in text, name
    blocks = _blocks(text)
    assert set(blocks) == {
        "emissions",
        "finance",
        "partnerships",
        "low_carbon",
        "network_2026",
        "network_2031",
        "events",
    }
    # each chart's data is the run's: the emissions with and without cooperation, 8 years
    emissions = blocks["emissions"]["spec"]["datasets"]["emissions"]
    assert {r["year"] for r in emissions} == set(range(2024, 2032))
    assert len(emissions) == 8 * 2 * 2
    series = pd.read_parquet(run_folder / "series.parquet")
    steel = [
        r["emissions_mt"]
        for r in emissions
        if r["run"] == "with cooperation" and r["sector"] == "steel"
    ]
    assert steel == pytest.approx(series["emissions_steel_mt"].tolist())
    assert blocks["finance"]["csv"].startswith("year,direction,measure,musd")
    assert "Run and provenance" in text
    assert "seed</th><td>2<" in text


def test_report_refuses_a_folder_it_cannot_reproduce(run_folder, tmp_path):
    copy = tmp_path / "changed"
    copy.mkdir()
    for path in run_folder.iterdir():
        if path.name != "report.html":
            (copy / path.name).write_bytes(path.read_bytes())
    series = pd.read_parquet(copy / "series.parquet")
    series.loc[3, "emissions_mt"] += 1.0
    series.to_parquet(copy / "series.parquet", index=False)
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 2
    assert "does not reproduce" in result.stderr
    assert not (copy / "report.html").exists()


def test_report_input_errors(tmp_path):
    both = runner.invoke(app, ["report", str(tmp_path), "--scenario", "teaching"])
    assert both.exit_code == 2
    assert "not both" in both.stderr
    empty = runner.invoke(app, ["report", str(tmp_path)])
    assert empty.exit_code == 2
    assert "no run.json" in empty.stderr
    years = runner.invoke(app, ["report", "--scenario", "teaching", "--years", "soon"])
    assert years.exit_code == 2
    assert "--years" in years.stderr
