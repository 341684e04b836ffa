"""Restricted PHAST sweeps (RPHAST, Delling, Goldberg & Werneck 2011): the
times at a set of targets equal those of the full sweep bit for bit, and
scipy's Dijkstra within 1e-9 minutes.

On random awkward graphs (see :func:`test_routing_oracles.road_graphs`) and
on the DIMACS New York extract, from a source and into a target, on all arcs
with their basic times and on the arcs a perfect customization keeps.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.network.graph import RoadGraph
from sim.routing import phast
from sim.routing.cch import CCHSearch
from sim.routing.router import edge_time_min
from sim.routing.search import DijkstraSearch
from test_routing_oracles import ROUTING_SETTINGS, road_graphs, scipy_times

NY_EXTRACT = Path(__file__).resolve().parent / "data" / "ny_extract.gr.xz"
MAX_ABS_MIN = 1e-9


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "cache"))


def search_on(graph: RoadGraph, perfect: bool) -> tuple[CCHSearch, np.ndarray]:
    weight_min = edge_time_min(graph.length_m, graph.speed_kmh, graph.speed_factor)
    fallback = DijkstraSearch(graph.offsets, graph.tails, graph.heads, weight_min)
    return CCHSearch(graph.offsets, graph.tails, graph.heads, weight_min, fallback=fallback,
                     perfect=perfect), weight_min


def full_and_restricted(search: CCHSearch, node: int, targets, *, into: bool):
    """The full sweep's times at ``targets`` and the restricted sweep's."""
    s = search.structure
    arcs = search._sweep_arcs()[1 if into else 0]
    source = int(s.rank[node])
    scratch = np.full(search.n_nodes, np.nan)  # any contents: a sweep must not read them
    full = phast.one_to_all(s.parent, *arcs, s.rank, source, scratch)
    sweep = phast.restricted_sweep(s.parent, s.rank, targets)
    scratch[:] = -1.0
    some = phast.one_to_some(s.parent, *arcs, sweep.nodes, sweep.target_rank, source, scratch)
    return full[targets], some


def assert_close(got, want) -> None:
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    if finite.any():
        assert np.max(np.abs(got[finite] - want[finite])) <= MAX_ABS_MIN


def test_the_restricted_set_is_the_targets_and_their_ancestors_highest_first():
    # Elimination forest (rank space): 0 -> 2 -> 4, 1 -> 2, 3 -> 4, 5 alone.
    parent = np.array([2, 2, 4, 4, -1, -1], np.int32)
    rank = np.array([5, 0, 1, 3, 2, 4], np.int32)  # road node -> rank
    sweep = phast.restricted_sweep(parent, rank, np.array([1, 1, 3]))
    assert sweep.target_rank.tolist() == [0, 0, 3]
    assert sweep.nodes.tolist() == [4, 3, 2, 0]
    assert phast.restricted_sweep(parent, rank, np.array([0, 2])).nodes.tolist() == [5, 4, 2, 1]
    assert phast.restricted_sweep(parent, rank, np.array([], np.int64)).nodes.tolist() == []


@settings(max_examples=200, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_a_restricted_sweep_equals_the_full_one_at_its_targets_bit_for_bit(graph, data):
    n = graph.n_nodes
    node = st.integers(0, n - 1)
    targets = np.array(data.draw(st.lists(node, max_size=12), label="targets"), np.int64)
    sources = data.draw(st.lists(node, min_size=1, max_size=3), label="sources")
    for perfect in (False, True):
        search, w = search_on(graph, perfect)
        want = scipy_times(graph, np.arange(n), w)
        for v in sources:
            full, some = full_and_restricted(search, v, targets, into=False)
            np.testing.assert_array_equal(some, full)
            assert_close(some, want[v, targets])
            full, some = full_and_restricted(search, v, targets, into=True)
            np.testing.assert_array_equal(some, full)
            assert_close(some, want[targets, v])


@pytest.mark.parametrize("perfect", [False, True])
def test_ny_restricted_sweeps_equal_full_ones_and_scipy(perfect):
    from sim.network.dimacs import read_dimacs

    ny = read_dimacs(NY_EXTRACT, weight_seed=0)
    search, w = search_on(ny, perfect)
    rng = np.random.default_rng(20250612)
    targets = rng.integers(0, ny.n_nodes, 300)
    sources = rng.integers(0, ny.n_nodes, 3)
    sweep = phast.restricted_sweep(search.structure.parent, search.structure.rank, targets)
    assert len(sweep.nodes) < ny.n_nodes
    want = scipy_times(ny, np.concatenate([sources, targets]), w)
    for i, v in enumerate(sources):
        full, some = full_and_restricted(search, v, targets, into=False)
        np.testing.assert_array_equal(some, full)
        assert_close(some, want[i, targets])
        full, some = full_and_restricted(search, v, targets, into=True)
        np.testing.assert_array_equal(some, full)
        assert_close(some, want[len(sources):, v])


# ------------------------------------------------- the Router's trees at some nodes
@settings(max_examples=150, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_router_times_at_some_nodes_are_its_whole_trees_there_bit_for_bit(graph, data):
    from sim.routing import Router

    n = graph.n_nodes
    node = st.integers(0, n - 1)
    v = data.draw(node, label="node")
    at = np.array(data.draw(st.lists(node, max_size=10), label="at"), np.int64)
    others = np.array(data.draw(st.lists(node, min_size=1, max_size=4), label="others"), np.int64)
    for algorithm in ("cch", "dijkstra"):
        whole = Router(graph.copy(), algorithm=algorithm)
        want_from, want_to = whole.times_from(v), whole.times_to(v)
        router = Router(graph.copy(), algorithm=algorithm)
        np.testing.assert_array_equal(router.times_from(v, at=at), want_from[at])
        np.testing.assert_array_equal(router.times_to(v, at=at), want_to[at])
        # Later questions about other nodes get the same numbers as from a whole tree.
        for w in others.tolist():
            assert router.travel_time_min(v, w) == want_from[w]
        both = np.concatenate([at, others])
        np.testing.assert_array_equal(router.times_from(v, at=both), want_from[both])
        np.testing.assert_array_equal(router.times_to_many(v, others), want_from[others])
        np.testing.assert_array_equal(router.table([v], others)[0], want_from[others])
        np.testing.assert_array_equal(router.times_from(v), want_from)
        np.testing.assert_array_equal(router.times_to(v), want_to)
        np.testing.assert_array_equal(router.times_from(v, at=others), want_from[others])


def test_a_tree_swept_at_some_nodes_counts_once_and_is_completed_only_when_needed():
    from sim.network.dimacs import read_dimacs
    from sim.routing import Router
    from sim.routing.cached_tree import SOME_MAX_NODES

    ny = read_dimacs(NY_EXTRACT, weight_seed=0)
    router = Router(ny, algorithm="cch")
    search = router._search
    rng = np.random.default_rng(7)
    at = rng.integers(0, ny.n_nodes, 50)
    elsewhere = int(np.setdiff1d(np.arange(ny.n_nodes), at)[0])
    depot = int(at[0])
    want = Router(ny.copy(), algorithm="cch").times_from(depot)
    sweeps = []
    whole_tree = phast.one_to_all

    def counting(*args):
        sweeps.append(args[-2])
        return whole_tree(*args)

    phast.one_to_all = counting
    try:
        first = router.times_from(depot, at=at)
        assert search._trees == 1 and not sweeps
        np.testing.assert_array_equal(router.times_from(depot, at=at[::-1]), first[::-1])
        assert router.travel_time_min(depot, int(at[3])) == first[3]
        assert search._trees == 1 and not sweeps and router.cache_info()["misses"] == 1
        # A few other nodes: restricted sweeps of their own, not the whole tree ...
        assert router.travel_time_min(depot, elsewhere) == want[elsewhere]
        outside = np.setdiff1d(np.arange(ny.n_nodes), at)[:SOME_MAX_NODES + 1]
        np.testing.assert_array_equal(router.times_from(depot, at=outside[:SOME_MAX_NODES]),
                                      want[outside[:SOME_MAX_NODES]])
        assert search._trees == 1 and not sweeps
        # ... up to SOME_MAX_NODES; one more completes the tree: one full sweep, not a new tree.
        np.testing.assert_array_equal(router.times_from(depot, at=outside), want[outside])
        assert search._trees == 1 and len(sweeps) == 1
        np.testing.assert_array_equal(router.times_from(depot), want)
        assert search._trees == 1 and len(sweeps) == 1
        router.set_speed_factor([0], 0.5)  # a new road state: a new tree
        router.times_from(depot, at=at)
        assert search._trees == 1 and len(sweeps) == 1
    finally:
        phast.one_to_all = whole_tree
