"""The compiled search kernels against scipy's Dijkstra, called on raw CSR arrays."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.network.graph import RoadGraph
from sim.routing import kernels
from sim.routing.point_to_point import point_to_point
from sim.routing.search import reverse_csr
from test_routing_oracles import (
    ROUTING_SETTINGS,
    assert_times_equal,
    oracle_weight_min,
    road_graphs,
    scipy_times,
)


def csr(graph: RoadGraph):
    return graph.offsets, graph.heads, oracle_weight_min(graph)


def assert_tree_consistent(graph, weight_min, source, time_min, pred_edge):
    """Every reached node's predecessor edge accounts exactly for its time."""
    assert pred_edge[source] == -1 and time_min[source] == 0.0
    reached = np.flatnonzero(np.isfinite(time_min))
    for v in reached[reached != source]:
        e = pred_edge[v]
        assert graph.heads[e] == v
        assert time_min[graph.tails[e]] + weight_min[e] == time_min[v]
    assert (pred_edge[np.isinf(time_min)] == -1).all()


@settings(max_examples=300, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_one_to_all_tree_matches_scipy(graph, data):
    source = data.draw(st.integers(0, graph.n_nodes - 1))
    offsets, heads, w = csr(graph)
    time_min, pred_edge = kernels.shortest_path_tree(offsets, heads, w, source)
    assert_times_equal(time_min, scipy_times(graph, [source])[0])
    assert_tree_consistent(graph, w, source, time_min, pred_edge)


@settings(max_examples=300, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_one_to_many_is_final_within_its_radius(graph, data):
    n = graph.n_nodes
    source = data.draw(st.integers(0, n - 1))
    targets = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8)))
    offsets, heads, w = csr(graph)
    time_min, pred_edge, radius = kernels.times_to_targets(offsets, heads, w, source, targets)
    want = scipy_times(graph, [source])[0]
    assert_times_equal(time_min[targets], want[targets])
    final = time_min <= radius
    assert final[targets].all()
    assert_times_equal(time_min[final], want[final])
    # Beyond the radius the times are upper bounds, never below the truth.
    assert (time_min >= want).all()


@settings(max_examples=200, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_parallel_and_serial_tables_match_scipy(graph, data):
    n = graph.n_nodes
    sources = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=6)),
                       dtype=np.int64)
    targets = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=6)),
                       dtype=np.int64)
    offsets, heads, w = csr(graph)
    parallel = kernels.travel_time_table(offsets, heads, w, sources, targets)
    serial = kernels.travel_time_table_serial(offsets, heads, w, sources, targets)
    assert parallel.shape == (len(sources), len(targets))
    np.testing.assert_array_equal(parallel, serial)
    if len(sources) and len(targets):
        assert_times_equal(parallel, scipy_times(graph, sources)[:, targets])


@settings(max_examples=300, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_bidirectional_route_matches_scipy_and_is_a_walk(graph, data):
    n = graph.n_nodes
    source = data.draw(st.integers(0, n - 1))
    target = data.draw(st.integers(0, n - 1))
    offsets, heads, w = csr(graph)
    rev = reverse_csr(n, graph.tails, graph.heads)
    time_min, edges = point_to_point(offsets, heads, graph.tails, rev.in_offsets,
                                     rev.in_tails, rev.in_edges, w, source, target)
    want = scipy_times(graph, [source])[0][target]
    assert_times_equal([time_min], [want])
    if np.isfinite(want) and source != target:
        walk = np.concatenate([[source], graph.heads[edges]])
        np.testing.assert_array_equal(graph.tails[edges], walk[:-1])
        assert walk[-1] == target
        assert time_min == pytest.approx(np.sum(w[edges]), rel=1e-12)
    else:
        assert len(edges) == 0


@settings(max_examples=200, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_tree_paths_are_walks_of_the_tree_time(graph, data):
    source = data.draw(st.integers(0, graph.n_nodes - 1))
    offsets, heads, w = csr(graph)
    time_min, pred_edge = kernels.shortest_path_tree(offsets, heads, w, source)
    for target in np.flatnonzero(np.isfinite(time_min)):
        edges = kernels.path_edges_in_tree(pred_edge, graph.tails, source, target)
        walk = np.concatenate([[source], graph.heads[edges]])
        np.testing.assert_array_equal(graph.tails[edges], walk[:-1])
        assert walk[-1] == target
        # Dijkstra adds edge times in driving order, so the sum is exact.
        assert np.cumsum(np.concatenate([[0.0], w[edges]]))[-1] == time_min[target]


def test_reverse_csr_lists_every_edge_under_its_head():
    g = RoadGraph.from_segments([0, 0, 1, 2, 2], [1, 1, 2, 2, 0], [1, 2, 3, 4, 5], 50.0,
                                oneway=[True, True, False, True, True])
    rev = reverse_csr(g.n_nodes, g.tails, g.heads)
    for v in range(g.n_nodes):
        entering = rev.in_edges[rev.in_offsets[v]:rev.in_offsets[v + 1]]
        assert sorted(entering) == sorted(np.flatnonzero(g.heads == v))
        np.testing.assert_array_equal(rev.in_tails[rev.in_offsets[v]:rev.in_offsets[v + 1]],
                                      g.tails[entering])
    assert reverse_csr(g.n_nodes, g.tails, g.heads) is rev  # shared per static structure


def test_zero_length_cycle_and_self_loop_terminate():
    # 0 <-> 1 at zero length, a self-loop on 1, then a oneway 1 -> 2.
    g = RoadGraph.from_segments([0, 1, 1], [1, 1, 2], [0.0, 0.0, 500.0], 50.0,
                                oneway=[False, False, True])
    offsets, heads, w = csr(g)
    time_min, pred_edge = kernels.shortest_path_tree(offsets, heads, w, 0)
    assert time_min[0] == time_min[1] == 0.0 and time_min[2] == pytest.approx(0.6)
    back, _ = kernels.shortest_path_tree(offsets, heads, w, 2)
    assert np.isinf(back[:2]).all()
