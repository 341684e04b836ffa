"""The Router on a real road network: 4,000 nodes of the DIMACS New York graph.

The extract ships with the tests (``tests/data/ny_extract.gr.xz``, PACE-2016
topology, seeded uniform weights of 10-100 s per edge, see
:mod:`sim.network.dimacs`). Both algorithms — the contraction hierarchy and
Dijkstra — against scipy on a few sources, routes, closures and reopenings,
and a connected neighbourhood against networkx.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.network.graph import RoadGraph
from sim.routing import Router
from test_routing_oracles import (
    assert_times_equal,
    assert_valid_route,
    networkx_times,
    oracle_weight_min,
    scipy_times,
)

NY_EXTRACT = Path(__file__).resolve().parent / "data" / "ny_extract.gr.xz"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def ny():
    from sim.network.dimacs import read_dimacs

    return read_dimacs(NY_EXTRACT, weight_seed=0)


@pytest.fixture(params=["cch", "dijkstra"])
def algorithm(request):
    return request.param


@pytest.fixture(scope="module")
def picks(ny):
    rng = np.random.default_rng(20240611)
    return (rng.integers(0, ny.n_nodes, 3), rng.integers(0, ny.n_nodes, 300))


def test_ny_times_from_a_few_sources_match_scipy(ny, picks, algorithm):
    sources, _ = picks
    router = Router(ny.copy(), algorithm=algorithm)
    assert router.algorithm == algorithm
    want = scipy_times(ny, sources)
    for i, s in enumerate(sources):
        assert_times_equal(router.times_from(s), want[i])


def test_ny_routes_are_walks_of_the_shortest_time(ny, picks, algorithm):
    sources, targets = picks
    router = Router(ny.copy(), algorithm=algorithm)
    w = oracle_weight_min(ny)
    want = scipy_times(ny, sources[:1])[0]
    for t in targets[:25]:  # point-to-point searches
        assert_valid_route(ny, w, router.route(sources[0], t), sources[0], t, want[t])
    router.times_from(sources[0])
    for t in targets[25:50]:  # Dijkstra: paths read from the cached tree
        assert_valid_route(ny, w, router.route(sources[0], t), sources[0], t, want[t])


def test_ny_closing_one_percent_of_roads_then_reopening_them(ny, picks, algorithm):
    sources, targets = picks
    graph = ny.copy()
    router = Router(graph, algorithm=algorithm)
    before = router.table(sources, targets).copy()
    assert_times_equal(before, scipy_times(graph, sources)[:, targets])
    closed = np.random.default_rng(7).choice(graph.n_edges, graph.n_edges // 100, replace=False)
    router.set_speed_factor(closed, 0.0)
    during = router.table(sources, targets)
    assert_times_equal(during, scipy_times(graph, sources)[:, targets])
    assert (during >= before).all() and (during > before).any()
    assert_times_equal(router.times_to_many(sources[1], targets),
                       scipy_times(graph, sources[1:2])[0][targets])
    router.set_speed_factor(closed, 1.0)
    np.testing.assert_array_equal(router.table(sources, targets), before)


def neighbourhood(graph: RoadGraph, centre: int, n_nodes: int) -> RoadGraph:
    """The ``n_nodes`` nodes nearest to ``centre`` in time, with the edges among them."""
    keep = np.argsort(Router(graph).times_from(centre), kind="stable")[:n_nodes]
    index = np.full(graph.n_nodes, -1)
    index[keep] = np.arange(len(keep))
    inside = (index[graph.tails] >= 0) & (index[graph.heads] >= 0)
    return RoadGraph.from_segments(
        index[graph.tails[inside]], index[graph.heads[inside]], graph.length_m[inside],
        graph.speed_kmh[inside], oneway=np.ones(inside.sum(), bool), n_nodes=len(keep),
        name="NY neighbourhood")


def test_ny_neighbourhood_matches_networkx(ny, picks, algorithm):
    sources, _ = picks
    part = neighbourhood(ny, int(sources[0]), 3000)
    router = Router(part, algorithm=algorithm)
    for s in (0, 1500, 2999):
        assert_times_equal(router.times_from(s), networkx_times(part, s))
