"""The graph series (density, largest component) equal NetworkX's own functions."""

from __future__ import annotations

import networkx as nx
import pytest

from industry_transition import TransitionModel
from industry_transition.model import metrics


@pytest.mark.parametrize(("scenario", "years"), [("teaching", 12), ("leadit", 12)])
def test_density_and_largest_component_match_networkx(scenario, years):
    model = TransitionModel(scenario, seed=4, snapshots=False)
    shares = set()
    for _ in range(years):
        model.step()
        graph = model.network
        largest = max(len(c) for c in nx.connected_components(graph))
        assert metrics.largest_component_share(model) == largest / graph.number_of_nodes()
        assert metrics.network_density(model) == nx.density(graph)
        shares.add(metrics.largest_component_share(model))
    assert len(shares) > 1, "the graph changed over the years"
