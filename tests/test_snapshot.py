"""Results do not change by accident: runs are compared with stored snapshots.

Performance work (vectorising, caching) must leave results alone; a change that is meant to
alter results (a documented fix) regenerates the snapshots with
``INDUSTRY_TRANSITION_UPDATE_SNAPSHOTS=1 uv run pytest tests/test_snapshot.py`` and says why in
the commit. Series are compared to 1e-9 relative (summation order may differ between NumPy
builds); the event log's text and the partnership table exactly.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_transition import run

SNAPSHOTS = Path(__file__).parent / "snapshots"
# The synthetic world is large enough to take the bulk branches that large worlds take (plants
# read from the fleet arrays, trust pairs encoded and searched, many countries refreshed at once).
CASES = [
    ("teaching", 1, {}),
    ("teaching", 2, {}),
    ("leadit", 1, {}),
    ("synthetic", 1, {"companies": 3000}),
]
UPDATE = os.environ.get("INDUSTRY_TRANSITION_UPDATE_SNAPSHOTS") == "1"


def digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


@pytest.mark.parametrize(("scenario", "seed", "overrides"), CASES)
def test_run_matches_snapshot(scenario, seed, overrides):
    result = run(scenario, seed=seed, snapshots=False, **overrides)
    name = "-".join([scenario, str(seed), *(f"{k}{v}" for k, v in overrides.items())])
    series_path = SNAPSHOTS / f"{name}-series.csv"
    events = result.events[["year", "event", "kind", "party_a", "party_b", "technology", "text"]]
    partnerships = result.partnerships[
        ["partnership_id", "kind", "party_a", "party_b", "start_year", "status"]
    ]
    digests = f"events {digest(events)}\npartnerships {digest(partnerships)}\n"
    digest_path = SNAPSHOTS / f"{name}-digests.txt"
    if UPDATE:
        result.series.to_csv(series_path, index=False, float_format="%.17g")
        digest_path.write_text(digests)
        pytest.skip("snapshots updated")
    expected = pd.read_csv(series_path)
    got = result.series
    assert list(got.columns) == list(expected.columns)
    for column in expected.columns:
        np.testing.assert_allclose(
            got[column].to_numpy(dtype=float),
            expected[column].to_numpy(dtype=float),
            rtol=1e-9,
            atol=1e-9,
            err_msg=column,
        )
    assert digests == digest_path.read_text(), "events or partnerships differ from the snapshot"
