"""Literature economics (issue 14): learning on the novel component only, regional gas prices,
per-route lead times (docs/model.md §3.1-3.2)."""

from __future__ import annotations

import numpy as np

from industry_transition import TransitionModel
from industry_transition.model.costs import plant_costs
from industry_transition.model.scenario import DATA_DIR, read_table


def test_gas_dri_pays_its_gas_at_the_country_price():
    """A plant's gas DRI LCOP moves by exactly gas_gj_per_t x the change in its gas price."""
    model = TransitionModel("leadit", seed=1, snapshots=False)
    tech, countries, fleet = model.technologies, model.countries, model.fleet
    gas = tech.index["gas_dri_eaf"]
    assert tech.gas_gj_per_t[gas] > 0
    assert np.count_nonzero(tech.gas_gj_per_t) == 1  # the only shipped route that burns gas
    deu, usa = countries.ids.index("deu"), countries.ids.index("usa")
    gap = countries.gas_usd_per_gj[deu] - countries.gas_usd_per_gj[usa]
    assert gap > 5  # European gas costs several times American gas (IGU 2024)
    plants = np.flatnonzero((fleet.country == deu) & (fleet.sector == 0))
    german, _ = plant_costs(model, plants)
    countries.gas_usd_per_gj[deu] = countries.gas_usd_per_gj[usa]  # the same plants at US gas
    american, _ = plant_costs(model, plants)
    difference = german - american
    assert np.allclose(difference[:, gas], tech.gas_gj_per_t[gas] * gap, rtol=0, atol=1e-9)
    others = np.arange(len(tech)) != gas
    assert np.array_equal(difference[:, others], np.zeros_like(difference[:, others]))


def test_every_leadit_and_teaching_country_has_a_gas_price():
    for scenario in ("leadit", "teaching"):
        countries = read_table(DATA_DIR / scenario / "countries.csv", "countries")
        gas = read_table(DATA_DIR / scenario / "gas_prices.csv", "gas_prices")
        assert set(gas["country_id"]) == set(countries["country_id"]), scenario
