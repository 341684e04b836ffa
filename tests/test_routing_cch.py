"""The contraction hierarchy behind the Router: exact against scipy, before and
after any sequence of road changes, and on graphs a partitioner cannot order.

Every answer of ``Router(graph, algorithm="cch")`` — trees from and into a
node, a few targets, tables, routes — is compared with scipy's Dijkstra on
random awkward graphs (oneway, parallel and zero-length roads, self-loops,
disconnected pieces, closed roads): the largest absolute difference must be
at most 1e-9 minutes and the unreachable sets identical. Customizations are
checked bit for bit: after any sequence of closures, reopenings and slowdowns,
the partial customization equals a full one made from scratch.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.network.graph import RoadGraph
from sim.routing import Router, cch as cch_module, cch_updates
from sim.routing.cch import CCHSearch
from sim.routing.route import Route
from sim.routing.router import AUTO_CCH_MIN_NODES, edge_time_min
from sim.routing.search import DijkstraSearch
from test_routing_oracles import (
    ROUTING_SETTINGS,
    assert_valid_route,
    oracle_weight_min,
    road_graphs,
    scipy_times,
)

MAX_ABS_MIN = 1e-9


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "cache"))


def assert_exact(got, want) -> None:
    """Same unreachable set; reachable times within ``MAX_ABS_MIN`` minutes."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    if finite.any():
        assert np.max(np.abs(got[finite] - want[finite])) <= MAX_ABS_MIN


def search_on(graph: RoadGraph, **kw) -> tuple[CCHSearch, np.ndarray]:
    weight_min = edge_time_min(graph.length_m, graph.speed_kmh, graph.speed_factor)
    fallback = DijkstraSearch(graph.offsets, graph.tails, graph.heads, weight_min)
    return CCHSearch(graph.offsets, graph.tails, graph.heads, weight_min, fallback=fallback,
                     **kw), weight_min


def assert_all_pairs_exact(search: CCHSearch, graph: RoadGraph, weight_min) -> None:
    n = graph.n_nodes
    want = scipy_times(graph, np.arange(n), weight_min)
    nodes = np.arange(n)
    assert_exact(search.table(nodes, nodes), want)
    for v in range(n):
        assert_exact(search.tree(v)[0], want[v])
        assert_exact(search.tree_into(v)[0], want[:, v])


# ------------------------------------------------- answers match scipy
@settings(max_examples=200, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_every_router_query_matches_scipy(graph, data):
    router = Router(graph, algorithm="cch")
    assert router.algorithm == "cch"
    n = graph.n_nodes
    w = oracle_weight_min(graph)
    everyone = scipy_times(graph, np.arange(n), w)
    node = st.integers(0, n - 1)
    source = data.draw(node, label="source")
    targets = np.array(data.draw(st.lists(node, max_size=8), label="targets"), dtype=np.int64)
    for t in targets:
        assert_exact([router.travel_time_min(source, t)], [everyone[source, t]])
        assert_valid_route(graph, w, router.route(source, t), source, t, everyone[source, t])
    assert_exact(router.times_to_many(source, targets), everyone[source, targets])
    assert_exact(router.times_from(source), everyone[source])
    assert_exact(router.times_to(source), everyone[:, source])
    sources = np.array(data.draw(st.lists(node, max_size=6), label="sources"), dtype=np.int64)
    assert_exact(router.table(sources, targets), everyone[np.ix_(sources, targets)])


@settings(max_examples=100, **ROUTING_SETTINGS)
@given(road_graphs(max_nodes=16, max_segments=40))
def test_all_pairs_match_scipy_with_and_without_perfect_sweeps(graph):
    for perfect in (True, False):
        search, w = search_on(graph, perfect=perfect)
        assert_all_pairs_exact(search, graph, w)


@settings(max_examples=150, **ROUTING_SETTINGS)
@given(road_graphs(max_nodes=16, max_segments=40), st.data())
def test_queries_on_the_arcs_perfect_customization_keeps_equal_those_on_all_arcs(graph, data):
    # Two searches on one weight array: one reads only the arcs a perfect
    # customization keeps (made again for every road state), one all arcs.
    # Routes, tables and trees agree with each other and with scipy, before
    # and after random closures, reopenings and slowdowns.
    pruned, w = search_on(graph, perfect=True)
    every = CCHSearch(graph.offsets, graph.tails, graph.heads, w, perfect=False,
                      fallback=DijkstraSearch(graph.offsets, graph.tails, graph.heads, w))
    length = np.ascontiguousarray(graph.length_m, dtype=np.float64)
    n, m = graph.n_nodes, graph.n_edges
    nodes = np.arange(n)
    for state in range(data.draw(st.integers(1, 4), label="road states")):
        if state:
            if m == 0:
                break
            edges = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=4),
                                       label="edges"))
            graph.set_speed_factor(edges, data.draw(st.sampled_from([0.0, 0.05, 0.3, 1.0]),
                                                    label="factor"))
            w[edges] = edge_time_min(graph.length_m[edges], graph.speed_kmh[edges],
                                     graph.speed_factor[edges])
            pruned.weights_changed(edges)
            every.weights_changed(edges)
        want = scipy_times(graph, nodes, w)
        table = pruned.table(nodes, nodes)
        assert_exact(table, want)
        assert_exact(table, every.table(nodes, nodes))
        assert pruned.stats["perfect"] == state + 1 and every.stats["perfect"] == 0
        for s in range(n):
            assert_exact(pruned.tree(s)[0], want[s])
            assert_exact(pruned.tree_into(s)[0], want[:, s])
            for t in range(n):
                for search in (pruned, every):
                    found = search.route_parts(s, t, length)
                    route = None if found is None else Route(found[3], found[2], found[0],
                                                             found[1])
                    assert_valid_route(graph, w, route, s, t, want[s, t])
                    if found is not None:
                        assert found[1] == np.sum(length[found[2]])


# --------------------------------------------- sequences of road changes
_CHANGE = st.sampled_from(["close", "reopen", "slow", "close segment", "reopen all"])


@settings(max_examples=150, **ROUTING_SETTINGS)
@given(road_graphs(max_nodes=16, max_segments=40), st.data())
def test_random_customizations_stay_exact_and_equal_a_full_one_bit_for_bit(graph, data):
    search, w = search_on(graph)
    m = graph.n_edges
    assert_all_pairs_exact(search, graph, w)
    for _ in range(data.draw(st.integers(1, 6), label="changes")):
        kind = data.draw(_CHANGE, label="change")
        if m == 0:
            break
        if kind == "reopen all":
            edges = np.arange(m)
        elif kind == "close segment":
            seg = graph.segment[data.draw(st.integers(0, m - 1), label="edge")]
            edges = np.flatnonzero(graph.segment == seg)
        else:
            edges = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=4),
                                       label="edges"))
        factor = {"close": 0.0, "close segment": 0.0, "reopen": 1.0, "reopen all": 1.0,
                  "slow": data.draw(st.sampled_from([0.05, 0.3, 0.77]), label="factor")}[kind]
        graph.set_speed_factor(edges, factor)
        w[edges] = edge_time_min(graph.length_m[edges], graph.speed_kmh[edges],
                                 graph.speed_factor[edges])
        search.weights_changed(edges)
        assert_all_pairs_exact(search, graph, w)
        fresh, _ = search_on(graph)
        for name in ("up_time", "down_time", "up_edge", "down_edge", "up_via", "down_via",
                     "up_other", "down_other"):
            np.testing.assert_array_equal(getattr(search, name), getattr(fresh, name), name)
    assert search.stats["full"] >= 1


def test_small_changes_are_customized_partially_and_large_ones_in_full():
    graph = grid_graph(12)
    search, w = search_on(graph)
    assert search.stats == {"full": 1, "reused": 0, "partial": 0, "arcs_recomputed": 0,
                            "perfect": 0}
    few = np.flatnonzero(graph.segment == 5)
    w[few] = np.inf
    search.weights_changed(few)
    search.route(0, graph.n_nodes - 1)
    assert search.stats["partial"] == 1 and 0 < search.stats["arcs_recomputed"]
    assert search.stats["arcs_recomputed"] < search.structure.n_arcs
    n_full = next(k for k in range(graph.n_edges) if cch_module.customizes_in_full(k, graph.n_edges))
    many = np.arange(n_full)
    assert not cch_module.customizes_in_full(n_full - 1, graph.n_edges)
    w[many] *= 2
    search.weights_changed(many)
    search.route(0, graph.n_nodes - 1)
    assert search.stats["full"] == 2 and search.stats["partial"] == 1


def test_closing_and_reopening_a_road_among_equal_routes_gives_a_full_customization():
    # A grid of equal streets is all ties: a closure moves shortcuts to an
    # equally fast triangle, and the reopening must move them back to the
    # first one, as a customization from scratch picks it.
    graph = grid_graph(6)
    search, w = search_on(graph)
    for seg in range(graph.n_segments):
        edges = np.flatnonzero(graph.segment == seg)
        for factor in (0.0, 1.0):
            graph.set_speed_factor(edges, factor)
            w[edges] = edge_time_min(graph.length_m[edges], graph.speed_kmh[edges],
                                     graph.speed_factor[edges])
            search.weights_changed(edges)
            search.customize()
        assert search.stats["full"] == 1
        fresh, _ = search_on(graph)
        for name in ("up_time", "down_time", "up_via", "down_via", "up_other", "down_other"):
            np.testing.assert_array_equal(getattr(search, name), getattr(fresh, name), name)


@settings(max_examples=100, **ROUTING_SETTINGS)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=40))
def test_subtree_first_rank_is_the_lowest_rank_below_each_node(draws):
    from sim.routing.cch_contraction import subtree_first_rank

    # A random elimination forest: every node's parent ranks above it (or -1).
    n = len(draws)
    parent = np.array([-1 if d % 5 == 0 or r == n - 1 else r + 1 + d % (n - 1 - r)
                       for r, d in enumerate(draws)], dtype=np.int32)
    first = subtree_first_rank(parent)
    for r in range(n):
        below = [v for v in range(n) if _is_ancestor(parent, r, v)]
        assert first[r] == min(below)


def _is_ancestor(parent, r, v) -> bool:
    while v >= 0 and v != r:
        v = parent[v]
    return v == r


# ------------------------------------------------------ hand-checked graphs
def grid_graph(side: int, length_m: float = 1000.0) -> RoadGraph:
    """A ``side × side`` grid of two-way streets, 1 min per edge (60 km/h, 1 km)."""
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    return RoadGraph.from_segments(u, v, length_m, 60.0, n_nodes=side * side, name="grid")


def test_a_grid_route_is_manhattan_and_a_closed_street_costs_a_detour():
    graph = grid_graph(5)
    router = Router(graph, algorithm="cch")
    route = router.route(0, 24)
    assert route.time_min == pytest.approx(8.0) and len(route.edges) == 8
    assert router.times_from(0)[24] == pytest.approx(8.0)
    # Close both streets leaving the corner but one: the corner is still 8 min away.
    router.set_speed_factor(np.flatnonzero((graph.tails == 0) & (graph.heads == 1)), 0.0)
    assert router.route(0, 24).time_min == pytest.approx(8.0)
    assert router.travel_time_min(0, 1) == pytest.approx(3.0)  # 0 → 5 → 6 → 1
    # Cut the corner off entirely, one way only.
    router.set_speed_factor(np.flatnonzero((graph.tails == 0) & (graph.heads == 5)), 0.0)
    assert router.route(0, 24) is None and np.isinf(router.times_from(0)[1:]).all()
    assert router.times_to(0)[24] == pytest.approx(8.0)
    router.set_speed_factor(np.arange(graph.n_edges), 1.0)
    assert router.route(0, 24).time_min == pytest.approx(8.0)


def test_a_oneway_ring_is_driven_the_long_way_round():
    n = 6
    graph = RoadGraph.from_segments(np.arange(n), (np.arange(n) + 1) % n, 1000.0, 60.0,
                                    oneway=np.ones(n, bool), name="ring")
    router = Router(graph, algorithm="cch")
    route = router.route(1, 0)
    assert list(route.nodes) == [1, 2, 3, 4, 5, 0] and route.time_min == pytest.approx(5.0)
    np.testing.assert_allclose(router.times_to(0), [0, 5, 4, 3, 2, 1])


# --------------------------------------------- graphs hard to order
@pytest.mark.parametrize("n_nodes, segments", [
    (1, []),                                   # a single crossroads
    (5, []),                                   # nothing but isolated nodes
    (7, [(0, 1), (1, 2), (4, 5)]),             # pieces of 3 and 2, isolated 3 and 6
    (3, [(0, 0), (1, 1)]),                     # self-loops only
    (9, [(0, 1), (1, 2), (2, 3), (3, 0), (5, 6), (6, 7), (7, 8), (8, 5), (6, 8)]),
])
def test_graphs_in_pieces_route_exactly(n_nodes, segments):
    u = np.array([a for a, _ in segments], dtype=np.int64)
    v = np.array([b for _, b in segments], dtype=np.int64)
    graph = RoadGraph.from_segments(u, v, 500.0, 30.0, n_nodes=n_nodes, name="pieces")
    router = Router(graph, algorithm="cch")
    w = oracle_weight_min(graph)
    want = scipy_times(graph, np.arange(n_nodes), w)
    for s in range(n_nodes):
        assert_exact(router.times_from(s), want[s])
        for t in range(n_nodes):
            assert_valid_route(graph, w, router.route(s, t), s, t, want[s, t])
    assert_exact(router.table(np.arange(n_nodes), np.arange(n_nodes)), want)


def test_auto_uses_the_hierarchy_on_large_graphs_and_dijkstra_on_small_ones():
    assert Router(grid_graph(5)).algorithm == "dijkstra"
    side = int(np.ceil(np.sqrt(AUTO_CCH_MIN_NODES)))
    assert Router(grid_graph(side)).algorithm == "cch"
    assert Router(grid_graph(5), algorithm="cch").algorithm == "cch"
    assert Router(grid_graph(side), algorithm="dijkstra").algorithm == "dijkstra"
    with pytest.raises(ValueError, match="algorithm must be one of auto, cch, dijkstra"):
        Router(grid_graph(3), algorithm="ch")


def test_without_a_partitioner_auto_falls_back_to_dijkstra_with_one_warning(monkeypatch):
    import sim.routing.cch_cache as cache

    def no_metis(*args, **kwargs):
        raise ImportError("No module named 'pymetis'")

    monkeypatch.setattr(cache, "nested_dissection_rank", no_metis)
    side = int(np.ceil(np.sqrt(AUTO_CCH_MIN_NODES))) + 1
    graph = grid_graph(side)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        router = Router(graph)
    assert router.algorithm == "dijkstra"
    assert len(caught) == 1 and "using Dijkstra" in str(caught[0].message)
    assert "\n" not in str(caught[0].message)
    assert router.times_from(0)[-1] == pytest.approx(2 * (side - 1))
    with pytest.raises(ImportError):
        Router(graph.copy(), algorithm="cch")


# ------------------------------------------------------ the district
def test_district_bridges_closed_and_reopened_match_scipy():
    from sim.network.district import build_district

    graph = build_district().graph.copy()
    router = Router(graph, algorithm="cch")
    rng = np.random.default_rng(3)
    sources, targets = rng.integers(0, graph.n_nodes, 4), rng.integers(0, graph.n_nodes, 60)
    before = router.table(sources, targets).copy()
    assert_exact(before, scipy_times(graph, sources)[:, targets])
    bridges = np.flatnonzero(graph.is_bridge)
    router.set_speed_factor(bridges, 0.0)
    w = oracle_weight_min(graph)
    want = scipy_times(graph, sources, w)
    assert_exact(router.table(sources, targets), want[:, targets])
    assert router.cache_info()["customizations"]["partial"] == 1
    assert_exact(router.times_from(sources[0]), want[0])
    for t in targets[:10]:
        assert_valid_route(graph, w, router.route(sources[1], t), sources[1], t, want[1, t])
    router.set_speed_factor(bridges, 1.0)
    np.testing.assert_array_equal(router.table(sources, targets), before)


def test_perfect_customization_comes_once_a_road_state_served_enough_queries(monkeypatch):
    monkeypatch.setattr(cch_module, "PERFECT_AFTER_TREES", 20)
    monkeypatch.setattr(cch_module, "PERFECT_AFTER_WALKS", 30)
    graph = grid_graph(9)
    n = graph.n_nodes
    search, w = search_on(graph)
    want = scipy_times(graph, np.arange(n), w)
    length = np.ascontiguousarray(graph.length_m)

    def routes(count):
        for k in range(count):
            assert_exact([search.route_parts(k, n - 1 - k, length)[0]], [want[k, n - 1 - k]])

    for k in range(19):
        assert_exact(search.tree(k)[0], want[k])
    routes(14)  # 28 walks
    assert search.stats["perfect"] == 0 and search.sweep_arc_count() == search.structure.n_arcs
    routes(1)
    assert search.stats["perfect"] == 1
    assert search.sweep_arc_count() < search.structure.n_arcs
    assert search.walk_arc_count() < 2 * search.structure.n_arcs
    closed = np.flatnonzero(graph.segment == 7)
    w[closed] = np.inf
    search.weights_changed(closed)
    want = scipy_times(graph, np.arange(n), w)
    assert_exact(search.tree(0)[0], want[0])
    assert search.stats["perfect"] == 1 and search.sweep_arc_count() == search.structure.n_arcs
    assert search.walk_arc_count() == 2 * search.structure.n_arcs
    routes(14)
    assert search.stats["perfect"] == 1
    sources, targets = np.arange(1), np.arange(1, 3)  # 3 walks more
    assert_exact(search.table(sources, targets), want[np.ix_(sources, targets)])
    assert search.stats["perfect"] == 2
    assert search.walk_arc_count() < 2 * search.structure.n_arcs
    for k in range(19):
        assert_exact(search.tree(k)[0], want[k])


# ------------------------------------------------- routes: one compiled call
@settings(max_examples=200, **ROUTING_SETTINGS)
@given(st.integers(0, 20_000), st.integers(0, 2**32 - 1))
def test_route_lengths_add_up_bit_for_bit_as_numpy_sums_them(n, seed):
    from sim.routing.cch_query import sum_gathered

    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, max(n, 1)) * 10.0 ** rng.uniform(-3, 4, max(n, 1))
    index = rng.integers(0, len(values), n)
    assert sum_gathered(values, index) == np.sum(values[index])


def test_district_routes_are_exact_and_carry_numpys_length():
    from sim.network.district import build_district

    graph = build_district().graph
    router = Router(graph, algorithm="cch")
    rng = np.random.default_rng(11)
    sources = rng.integers(0, graph.n_nodes, 3)
    want = scipy_times(graph, sources)
    long_routes = 0
    for i, s in enumerate(sources):
        for t in rng.integers(0, graph.n_nodes, 40):
            route = router.route(int(s), int(t))
            assert_valid_route(graph, router.weight_min, route, s, t, want[i, t])
            if route is not None:
                assert route.length_m == float(np.sum(graph.length_m[route.edges]))
                long_routes += len(route.edges) > 128
    assert long_routes > 0  # numpy's pairwise blocks, not just one


def test_a_route_that_cannot_be_unpacked_comes_from_dijkstra():
    graph = grid_graph(6)
    search, w = search_on(graph)
    time_min, edges = search.route(0, 35)
    assert time_min == pytest.approx(10.0) and len(edges) == 10
    search.up_via[:] = -1  # every arc now claims a road ...
    search.down_via[:] = -1
    search.up_edge[:] = -1  # ... and has none: unpacking fails
    search.down_edge[:] = -1
    time_min, length_m, edges, nodes = search.route_parts(0, 35, graph.length_m)
    assert time_min == pytest.approx(10.0) and length_m == pytest.approx(10_000.0)
    np.testing.assert_array_equal(graph.tails[edges], nodes[:-1])
    np.testing.assert_array_equal(graph.heads[edges], nodes[1:])
    assert nodes[0] == 0 and nodes[-1] == 35


# ------------------------------------- full customizations kept for reuse
_CUSTOMIZATION = ("up_time", "down_time", "up_edge", "down_edge", "up_via", "down_via", "up_other",
                  "down_other")


def test_a_search_for_a_road_state_seen_before_copies_its_full_customization(monkeypatch):
    monkeypatch.setattr(cch_updates, "_reusable", [])
    graph = grid_graph(8)
    first, w = search_on(graph)
    second, _ = search_on(graph.copy())  # same structure, same weights
    assert first.stats["reused"] == 0 and second.stats["reused"] == 1
    for name in _CUSTOMIZATION:
        np.testing.assert_array_equal(getattr(second, name), getattr(first, name), name)
        assert getattr(second, name) is not getattr(first, name)
    # Other weights are customized afresh; so is a customization asked for in full.
    slower = graph.copy()
    slower.set_speed_factor(np.arange(0, slower.n_edges, 3), 0.5)
    third, w3 = search_on(slower)
    assert third.stats == {"full": 1, "reused": 0, "partial": 0, "arcs_recomputed": 0,
                           "perfect": 0}
    second.customize(full=True)
    assert second.stats["full"] == 2 and second.stats["reused"] == 1
    # A big change back to a kept state is a copy too, and stays exact.
    w3[:] = w
    third.weights_changed(None)
    third.customize()
    assert third.stats["reused"] == 1
    for name in _CUSTOMIZATION:
        np.testing.assert_array_equal(getattr(third, name), getattr(first, name), name)
    assert_all_pairs_exact(third, graph, w3)


def test_only_the_states_searches_start_from_are_kept(monkeypatch):
    # A run's road changes lead to states of its own: customized in full when
    # big, but not kept — a dozen of them would push out the start state every
    # replication's Router copies.
    monkeypatch.setattr(cch_updates, "_reusable", [])
    graph = grid_graph(8)
    first, w = search_on(graph)
    assert len(cch_updates._reusable) == 1
    for k in range(cch_updates.REUSE_MAX_ENTRIES + 2):   # big changes: full customizations
        changed = np.arange(k % 3, graph.n_edges, 3)
        w[changed] *= 1.5
        first.weights_changed(changed)
        first.customize()
    assert first.stats["full"] == cch_updates.REUSE_MAX_ENTRIES + 3 and first.stats["partial"] == 0
    assert len(cch_updates._reusable) == 1
    assert_all_pairs_exact(first, graph, w)
    second, _ = search_on(graph.copy())   # the start state: still a copy
    assert second.stats["reused"] == 1


def test_kept_customizations_are_bounded(monkeypatch):
    monkeypatch.setattr(cch_updates, "_reusable", [])
    graph = grid_graph(6)
    searches = []
    for k in range(cch_updates.REUSE_MAX_ENTRIES + 3):
        g = graph.copy()
        g.set_speed_factor([k], 0.5)
        searches.append(search_on(g)[0])
    assert len(cch_updates._reusable) == cch_updates.REUSE_MAX_ENTRIES
    kept = list(cch_updates._reusable)
    monkeypatch.setattr(cch_updates, "REUSE_MAX_BYTES", 1000)  # less than one
    search_on(grid_graph(6))
    assert cch_updates._reusable == kept


def test_kept_customizations_survive_threads(monkeypatch):
    # Dask may run replications as threads of one worker: making Routers at
    # once must neither crash on the shared list nor copy the wrong arrays.
    import sys
    import threading

    monkeypatch.setattr(cch_updates, "_reusable", [])
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)

    class Structure:  # anything weakly referable stands for a hierarchy
        pass

    structures = [Structure() for _ in range(3)]
    errors = []

    def work(seed):
        rng = np.random.default_rng(seed)
        try:
            for _ in range(3000):
                s = structures[rng.integers(3)]
                w = np.full(4, float(rng.integers(6)))
                times, ints = np.empty((2, 3)), np.empty((6, 3), np.int32)
                if not cch_updates._reuse(s, w, times, ints):
                    times[:], ints[:] = w[0], 7
                    cch_updates._keep(s, w, times, ints)
                elif not (times == w[0]).all():
                    errors.append("copied another state's customization")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert errors == []
    assert len(cch_updates._reusable) <= cch_updates.REUSE_MAX_ENTRIES
