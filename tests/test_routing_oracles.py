"""Oracles and random road graphs for the routing tests, and checks of the oracles.

The other ``test_routing_*`` / ``test_router`` modules import from here: a
Hypothesis strategy for awkward road graphs (disconnected parts, zero-length
edges, parallel edges, self-loops, oneway streets, closed roads) and two
independent references — ``scipy.sparse.csgraph.dijkstra`` on
``RoadGraph.to_scipy_csr`` and networkx's Dijkstra. The tests in this module
make sure the two references agree with each other, in particular on
explicitly stored zero-weight edges, which a sparse matrix could silently drop.
"""
from __future__ import annotations

import math

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from sim.network.graph import KMH_TO_M_PER_MIN, RoadGraph

#: Pinned, derandomized Hypothesis settings for a 2-core CI box.
ROUTING_SETTINGS = dict(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REL = 1e-9

_share = st.sampled_from([0.0, 0.1, 0.3, 1.0])


@st.composite
def road_graphs(draw, max_nodes: int = 24, max_segments: int = 60) -> RoadGraph:
    """A small road graph in an arbitrary state (some roads slow, some closed).

    Hypothesis draws the size and how common each awkward feature is —
    zero-length segments, lengths on a coarse grid (ties between routes),
    self-loops, repeated (parallel) segments, oneway streets, closed and slowed
    roads — and a seed; numpy then draws the arrays, which keeps an example
    at well under a millisecond to generate.
    """
    n = draw(st.integers(1, max_nodes))
    k = draw(st.integers(0, max_segments))
    p_zero, p_grid, p_loop, p_parallel, p_oneway, p_closed, p_slow = (
        draw(_share) for _ in range(7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    u = rng.integers(0, n, k)
    v = rng.integers(0, n, k)
    v = np.where(rng.random(k) < p_loop, u, v)
    if k > 1:
        copy = np.flatnonzero(rng.random(k) < p_parallel)
        copy = copy[copy > 0]
        source = rng.integers(0, copy, len(copy)) if len(copy) else copy
        u[copy], v[copy] = u[source], v[source]
    length_m = rng.uniform(0.0, 5000.0, k)
    length_m = np.where(rng.random(k) < p_grid, 100.0 * rng.integers(0, 5, k), length_m)
    length_m = np.where(rng.random(k) < p_zero, 0.0, length_m)
    speed_kmh = np.where(rng.random(k) < 0.5, rng.choice([10.0, 25.0, 50.0, 80.0], k),
                         rng.uniform(1.0, 120.0, k))
    graph = RoadGraph.from_segments(u, v, length_m, speed_kmh,
                                    oneway=rng.random(k) < p_oneway, n_nodes=n, name="random")
    m = graph.n_edges
    if m:
        factors = np.where(rng.random(m) < p_slow, rng.uniform(0.05, 1.0, m), 1.0)
        factors = np.where(rng.random(m) < p_closed, 0.0, factors)
        graph.set_speed_factor(np.arange(m), factors)
    return graph


def oracle_weight_min(graph: RoadGraph) -> np.ndarray:
    """Edge travel times in minutes, ``inf`` where closed, computed independently."""
    w = np.full(graph.n_edges, np.inf)
    open_ = graph.speed_factor > 0
    w[open_] = graph.length_m[open_] / (graph.speed_kmh[open_] * graph.speed_factor[open_]
                                        * KMH_TO_M_PER_MIN)
    return w


def scipy_times(graph: RoadGraph, sources, weight_min=None) -> np.ndarray:
    """scipy's Dijkstra from ``sources``: float64[len(sources), n] in minutes."""
    w = oracle_weight_min(graph) if weight_min is None else weight_min
    csr = graph.to_scipy_csr(w)
    return np.atleast_2d(dijkstra(csr, directed=True, indices=np.asarray(sources)))


def networkx_times(graph: RoadGraph, source: int, weight_min=None) -> np.ndarray:
    """networkx's Dijkstra from ``source``: float64[n] in minutes."""
    w = oracle_weight_min(graph) if weight_min is None else weight_min
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    for e in np.flatnonzero(np.isfinite(w)):
        g.add_edge(int(graph.tails[e]), int(graph.heads[e]), time_min=float(w[e]))
    found = nx.single_source_dijkstra_path_length(g, source, weight="time_min")
    out = np.full(graph.n_nodes, np.inf)
    for node, t in found.items():
        out[node] = t
    return out


def assert_times_equal(got, want) -> None:
    """Same unreachable set, reachable times equal to relative ``1e-9``."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    np.testing.assert_allclose(got, want, rtol=REL, atol=0)


def assert_valid_route(graph: RoadGraph, weight_min, route, source, target, want_min) -> None:
    """``route`` drives from source to target along open edges in ``want_min`` minutes."""
    if math.isinf(want_min):
        assert route is None, f"{source}->{target} is unreachable but got a route"
        return
    assert route is not None, f"{source}->{target} is reachable in {want_min} min"
    nodes, edges = np.asarray(route.nodes), np.asarray(route.edges)
    assert nodes[0] == source and nodes[-1] == target
    assert len(nodes) == len(edges) + 1
    np.testing.assert_array_equal(graph.tails[edges], nodes[:-1])
    np.testing.assert_array_equal(graph.heads[edges], nodes[1:])
    driven = float(np.sum(weight_min[edges])) if len(edges) else 0.0
    assert math.isfinite(driven), "route uses a closed edge"
    assert math.isclose(driven, want_min, rel_tol=REL, abs_tol=0.0)
    assert math.isclose(route.time_min, want_min, rel_tol=REL, abs_tol=0.0)
    assert math.isclose(route.length_m, float(np.sum(graph.length_m[edges])),
                        rel_tol=REL, abs_tol=1e-12)


# ------------------------------------------------------- the oracles agree
def test_scipy_oracle_keeps_explicit_zero_weight_edges():
    # 0 -> 1 -> 2 zero length, 2 -> 3 positive; oneway chain.
    g = RoadGraph.from_segments([0, 1, 2], [1, 2, 3], [0.0, 0.0, 100.0], 50.0,
                                oneway=[True, True, True])
    times = scipy_times(g, [0])[0]
    assert times[1] == 0.0 and times[2] == 0.0 and 0 < times[3] < np.inf
    assert np.isinf(scipy_times(g, [3])[0][:3]).all()


def test_scipy_oracle_drops_a_closed_zero_length_edge():
    g = RoadGraph.from_segments([0, 1], [1, 2], [0.0, 10.0], 50.0, oneway=[True, True])
    g.set_speed_factor([0], 0.0)
    assert np.isinf(scipy_times(g, [0])[0][1:]).all()


@settings(max_examples=60, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_scipy_and_networkx_oracles_agree(graph, data):
    source = data.draw(st.integers(0, graph.n_nodes - 1))
    assert_times_equal(scipy_times(graph, [source])[0], networkx_times(graph, source))
