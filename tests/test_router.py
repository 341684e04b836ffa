"""The Router: exact answers on the current road state, exact cache invalidation,
and clear errors at its door."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.network.graph import RoadGraph
from sim.routing import Route, Router
from test_routing_oracles import (
    ROUTING_SETTINGS,
    assert_times_equal,
    assert_valid_route,
    networkx_times,
    oracle_weight_min,
    road_graphs,
    scipy_times,
)


def line_graph(n: int = 4, length_m: float = 1000.0, oneway: bool = False) -> RoadGraph:
    """0 - 1 - ... - n-1, every segment ``length_m`` at 60 km/h (1 min per km, to 1 ulp)."""
    u = np.arange(n - 1)
    return RoadGraph.from_segments(u, u + 1, length_m, 60.0, oneway=np.full(n - 1, oneway),
                                   n_nodes=n, name="line")


def nodes_of(graph, data, label, max_size=6):
    return np.array(data.draw(st.lists(st.integers(0, graph.n_nodes - 1), max_size=max_size),
                              label=label), dtype=np.int64)


# ----------------------------------------------------- answers are exact
@settings(max_examples=300, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_every_query_matches_scipy_and_networkx(graph, data):
    router = Router(graph)
    w = oracle_weight_min(graph)
    n = graph.n_nodes
    source = data.draw(st.integers(0, n - 1), label="source")
    want = scipy_times(graph, [source])[0]
    assert_times_equal(want, networkx_times(graph, source))
    # Point queries first (bidirectional search), then from the cached tree.
    targets = nodes_of(graph, data, "targets")
    for t in targets:
        assert_times_equal([router.travel_time_min(source, t)], [want[t]])
        assert_valid_route(graph, w, router.route(source, t), source, t, want[t])
    assert_times_equal(router.times_to_many(source, targets), want[targets])
    assert_times_equal(router.times_from(source), want)
    other = data.draw(st.integers(0, n - 1), label="other target")
    assert_times_equal([router.travel_time_min(source, other)], [want[other]])
    assert_valid_route(graph, w, router.route(source, other), source, other, want[other])
    sources = nodes_of(graph, data, "sources")
    table = router.table(sources, targets)
    assert table.shape == (len(sources), len(targets))
    if len(sources) and len(targets):
        assert_times_equal(table, scipy_times(graph, sources)[:, targets])


@settings(max_examples=150, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_routes_from_a_cached_tree_are_valid_walks(graph, data):
    router = Router(graph)
    w = oracle_weight_min(graph)
    source = data.draw(st.integers(0, graph.n_nodes - 1))
    times = router.times_from(source)
    for target in range(graph.n_nodes):
        assert_valid_route(graph, w, router.route(source, target), source, target, times[target])


@settings(max_examples=150, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_times_into_a_target_and_routes_read_from_that_tree_match_scipy(graph, data):
    router = Router(graph)
    w = oracle_weight_min(graph)
    target = data.draw(st.integers(0, graph.n_nodes - 1))
    want = scipy_times(graph, np.arange(graph.n_nodes))[:, target]
    assert_times_equal(router.times_to(target), want)
    for source in range(graph.n_nodes):    # the first routes search, later ones read the tree
        route = router.route(source, target)
        if np.isfinite(want[source]):
            assert_valid_route(graph, w, route, source, target, want[source])
        else:
            assert route is None


def test_a_tree_into_a_busy_target_is_kept_until_the_roads_change():
    from sim.routing.router import INTO_TREE_AFTER

    graph = line_graph(INTO_TREE_AFTER + 2)
    router = Router(graph, algorithm="dijkstra")  # the CCH answers routes without trees
    target = graph.n_nodes - 1
    for source in range(INTO_TREE_AFTER):
        assert router.route(source, target).time_min == pytest.approx(target - source)
    assert target in router._in_trees
    router.set_speed_factor([0], 0.5)
    assert not router._in_trees


# ----------------------------------------- road state and cache invalidation
@pytest.mark.parametrize("algorithm", ["dijkstra", "cch"])
@settings(max_examples=150, **ROUTING_SETTINGS)
@given(road_graphs(), st.data())
def test_closing_then_reopening_roads_restores_the_exact_answers(algorithm, graph, data):
    router = Router(graph, algorithm=algorithm)
    n, m = graph.n_nodes, graph.n_edges
    sources, targets = nodes_of(graph, data, "sources"), nodes_of(graph, data, "targets")
    source, target = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))

    def answers():
        route = router.route(source, target)
        return (router.times_from(source).copy(), router.table(sources, targets).copy(),
                router.travel_time_min(source, target),
                None if route is None else (route.edges.copy(), route.time_min))

    before = answers()
    weight_before = router.weight_min.copy()
    closed = np.array(data.draw(st.lists(st.integers(0, max(m - 1, 0)), max_size=m if m else 0),
                                label="closed"), dtype=np.int64)
    old_factors = graph.speed_factor[closed].copy()
    router.set_speed_factor(closed, 0.0)
    assert np.isinf(router.weight_min[closed]).all()
    assert_times_equal(router.times_from(source), scipy_times(graph, [source])[0])
    if len(sources) and len(targets):
        assert_times_equal(router.table(sources, targets),
                           scipy_times(graph, sources)[:, targets])
    # Reopen in reverse order so repeated ids end on their original factor.
    router.set_speed_factor(closed[::-1], old_factors[::-1])
    np.testing.assert_array_equal(router.weight_min, weight_before)
    after = answers()
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])
    assert after[2] == before[2] or (math.isinf(after[2]) and math.isinf(before[2]))
    assert (after[3] is None) == (before[3] is None)
    if after[3] is not None:
        np.testing.assert_array_equal(after[3][0], before[3][0])
        assert after[3][1] == before[3][1]


@pytest.mark.parametrize("algorithm", ["dijkstra", "cch"])
@settings(max_examples=150, **ROUTING_SETTINGS)
@given(road_graphs(max_nodes=12, max_segments=30), st.data())
def test_queries_interleaved_with_changes_are_never_stale(algorithm, graph, data):
    """Any mix of queries and road changes: every answer matches the current
    state, and an answer asked twice without a change in between is reused."""
    # Tiny caches exercise eviction; roomy ones let us check that answers are reused.
    tiny = data.draw(st.booleans(), label="tiny caches")
    size = 1 if tiny else 100
    router = Router(graph, max_cached_trees=size, max_cached_routes=size, max_cached_tables=size,
                    algorithm=algorithm)
    n, m = graph.n_nodes, graph.n_edges
    node = st.integers(0, n - 1)
    seen = {}
    for _ in range(data.draw(st.integers(1, 12), label="steps")):
        step = data.draw(st.sampled_from(["change", "change on graph", "times_from", "route",
                                          "table", "many", "time"]), label="step")
        if step.startswith("change"):
            if m == 0:
                continue
            edges = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=4)))
            factor = data.draw(st.sampled_from([0.0, 0.5, 1.0]))
            owner = router if step == "change" else graph
            owner.set_speed_factor(edges, factor)
            continue
        w = oracle_weight_min(graph)
        s = data.draw(node, label="source")
        want = scipy_times(graph, [s], w)[0]
        if step == "times_from":
            got = router.times_from(s)
            assert_times_equal(got, want)
            key = (step, s)
        elif step == "route":
            t = data.draw(node, label="target")
            got = router.route(s, t)
            assert_valid_route(graph, w, got, s, t, want[t])
            key = (step, s, t)
        elif step == "table":
            sources, targets = np.array([s, data.draw(node)]), np.array([data.draw(node)])
            got = router.table(sources, targets)
            assert_times_equal(got, scipy_times(graph, sources, w)[:, targets])
            key = (step, *sources, *targets)
        elif step == "many":
            targets = np.array(data.draw(st.lists(node, min_size=1, max_size=4)))
            assert_times_equal(router.times_to_many(s, targets), want[targets])
            continue
        else:
            t = data.draw(node, label="target")
            assert_times_equal([router.travel_time_min(s, t)], [want[t]])
            continue
        if not tiny and key in seen and seen[key][0] == graph.epoch and got is not None:
            assert got is seen[key][1], f"{key} recomputed although nothing changed"
        seen[key] = (graph.epoch, got)


@settings(max_examples=200, **ROUTING_SETTINGS)
@given(road_graphs(max_nodes=12, max_segments=30), st.data())
def test_the_open_and_closed_roads_epochs_move_exactly_when_roads_open_or_close(graph, data):
    """Changes through the router or on the graph behind its back: the open-roads epoch
    moves to the current epoch when some edge's time turns finite or ``inf``, the
    closed-roads epoch when some edge's time turns ``inf``, and neither when roads only
    get slower or faster — so which nodes reach which is the same between moves of the
    first, and a node that reaches another still does between moves of the second."""
    router = Router(graph)
    m = graph.n_edges
    if m == 0:
        return
    opened_at, closed_at = router.open_roads_epoch, router.closed_roads_epoch
    reach = np.isfinite(scipy_times(graph, range(graph.n_nodes), oracle_weight_min(graph)))
    for _ in range(data.draw(st.integers(1, 8), label="changes")):
        edges = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=1, max_size=4), label="edges"))
        factor = data.draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]), label="factor")
        was_open = graph.speed_factor[edges] > 0
        opened_or_closed = bool((was_open != (factor > 0)).any())
        closed = bool(factor == 0 and was_open.any())
        owner = router if data.draw(st.booleans(), label="through the router") else graph
        owner.set_speed_factor(edges, factor)
        for now, stamp, moved in ((router.open_roads_epoch, opened_at, opened_or_closed),
                                  (router.closed_roads_epoch, closed_at, closed)):
            assert (now != stamp) == moved
            assert now == (graph.epoch if moved else stamp)
        fresh = np.isfinite(scipy_times(graph, range(graph.n_nodes), oracle_weight_min(graph)))
        if not opened_or_closed:
            np.testing.assert_array_equal(fresh, reach)
        if not closed:
            assert not (reach & ~fresh).any()
        opened_at, closed_at, reach = router.open_roads_epoch, router.closed_roads_epoch, fresh


def test_an_unchanged_state_reuses_cached_answers():
    router = Router(line_graph(5))
    tree = router.times_from(0)
    table = router.table([0, 1], [3, 4])
    route = router.route(0, 4)
    hits = router.cache_info()["hits"]
    assert router.times_from(0) is tree
    assert router.table([0, 1], [3, 4]) is table
    assert router.route(0, 4) is route
    assert router.travel_time_min(0, 3) == pytest.approx(3.0)
    assert router.cache_info()["hits"] == hits + 4


def test_a_state_change_never_returns_a_stale_answer():
    graph = line_graph(5)
    router = Router(graph)
    tree = router.times_from(0)
    table = router.table([0], [4])
    assert router.travel_time_min(0, 4) == pytest.approx(4.0)
    router.set_speed_factor([int(np.flatnonzero((graph.tails == 1) & (graph.heads == 2))[0])], 0.5)
    assert router.times_from(0) is not tree
    assert router.times_from(0)[4] == pytest.approx(5.0)
    assert router.table([0], [4]) is not table
    assert router.table([0], [4])[0, 0] == pytest.approx(5.0)
    assert router.travel_time_min(0, 4) == pytest.approx(5.0)
    assert router.route(0, 4).time_min == pytest.approx(5.0)


def test_changes_made_on_the_graph_directly_are_noticed():
    graph = line_graph(4)
    router = Router(graph)
    assert router.travel_time_min(0, 3) == pytest.approx(3.0)
    graph.set_speed_factor(np.flatnonzero(graph.tails == 1), 0.0)  # behind the router's back
    assert math.isinf(router.travel_time_min(0, 3))
    assert router.route(0, 3) is None
    graph.reset_state()
    assert router.travel_time_min(0, 3) == pytest.approx(3.0)


def test_set_speed_factor_bumps_the_epoch_once_and_patches_only_those_edges():
    graph = line_graph(6)
    router = Router(graph)
    before = router.weight_min.copy()
    epoch = graph.epoch
    router.set_speed_factor(np.array([2, 3]), [0.5, 0.0])
    assert graph.epoch == router.epoch == epoch + 1
    changed = np.flatnonzero(router.weight_min != before)
    np.testing.assert_array_equal(changed, [2, 3])
    assert router.weight_min[2] == pytest.approx(2 * before[2]) and math.isinf(router.weight_min[3])


def test_cached_arrays_are_read_only():
    router = Router(line_graph(4))
    with pytest.raises(ValueError):
        router.times_from(0)[1] = 0.0
    with pytest.raises(ValueError):
        router.table([0], [1])[0, 0] = 0.0
    with pytest.raises(ValueError):
        router.route(0, 3).edges[0] = 0
    router.times_to_many(0, [1, 2])[0] = 0.0  # a fresh array, the caller's to keep


def test_read_only_or_strided_node_arrays_need_no_new_compilation():
    from sim.routing import kernels

    router = Router(line_graph(6))
    router.times_to_many(0, np.array([1, 2]))
    router.table(np.array([0, 1]), np.array([2, 3]))
    compiled = (len(kernels.times_to_targets.signatures), len(kernels.travel_time_table.signatures))
    frozen = np.array([5, 4, 3, 2], dtype=np.int32)[::2]
    frozen.flags.writeable = False
    router.times_to_many(1, frozen)
    router.table(frozen, frozen)
    assert (len(kernels.times_to_targets.signatures),
            len(kernels.travel_time_table.signatures)) == compiled


def test_the_tree_cache_is_bounded():
    router = Router(line_graph(10), max_cached_trees=3)
    for s in range(10):
        router.times_from(s)
    assert router.cache_info()["trees"] == 3


# ------------------------------------------------------- the road network
def test_oneway_streets_are_driven_one_way_only():
    router = Router(line_graph(3, oneway=True))
    assert router.travel_time_min(0, 2) == pytest.approx(2.0)
    assert math.isinf(router.travel_time_min(2, 0))
    assert router.route(2, 0) is None
    assert np.isinf(router.times_to_many(2, [0, 1])).all()


def test_parallel_roads_take_the_faster_one_and_say_which():
    graph = RoadGraph.from_segments([0, 0, 0], [1, 1, 1], [3000.0, 1000.0, 2000.0], 60.0,
                                    oneway=[True, True, True])
    router = Router(graph)
    route = router.route(0, 1)
    assert route.time_min == pytest.approx(1.0) and route.length_m == 1000.0
    assert graph.length_m[route.edges[0]] == 1000.0


def test_a_route_to_the_source_itself_is_empty():
    route = Router(line_graph(3)).route(1, 1)
    assert isinstance(route, Route)
    assert list(route.nodes) == [1] and len(route.edges) == 0
    assert route.time_min == 0.0 and route.length_m == 0.0


def test_a_graph_without_edges_answers_inf():
    graph = RoadGraph.from_segments([], [], [], [], n_nodes=3)
    router = Router(graph)
    assert router.travel_time_min(0, 0) == 0.0
    assert math.isinf(router.travel_time_min(0, 2))
    np.testing.assert_array_equal(router.table([0, 1], [1, 2]), [[np.inf, np.inf], [0.0, np.inf]])


def test_empty_node_lists_give_empty_answers():
    router = Router(line_graph(3))
    assert router.times_to_many(0, []).shape == (0,)
    assert router.table([], [1]).shape == (0, 1)
    assert router.table([1], []).shape == (1, 0)


# --------------------------------------------------------- at the door
@pytest.mark.parametrize("call", [
    lambda r: r.travel_time_min(4, 0),
    lambda r: r.route(0, -1),
    lambda r: r.times_from(99),
    lambda r: r.times_to_many(0, [1, 4]),
    lambda r: r.table([0, 7], [1]),
])
def test_node_ids_out_of_range_are_named_with_the_valid_range(call):
    with pytest.raises(ValueError, match=r"node (4|-1|99|7) out of range 0\.\.3"):
        call(Router(line_graph(4)))


@pytest.mark.parametrize("bad", [1.5, float("nan"), "2", None, True])
def test_non_integer_nodes_are_rejected(bad):
    with pytest.raises(ValueError, match="source must be an integer node index 0..3"):
        Router(line_graph(4)).times_from(bad)


def test_non_integer_node_arrays_are_rejected():
    with pytest.raises(ValueError, match="targets must be integer node indices, got dtype float64"):
        Router(line_graph(4)).times_to_many(0, [1.0, np.nan])


@pytest.mark.parametrize("factor", [-0.1, 1.5, float("nan")])
def test_speed_factors_outside_0_1_are_rejected_and_change_nothing(factor):
    graph = line_graph(4)
    router = Router(graph)
    tree = router.times_from(0)
    with pytest.raises(ValueError, match=r"edge 1: speed factor .* outside \[0, 1\]"):
        router.set_speed_factor([0, 1], [1.0, factor])
    assert graph.epoch == 0 and router.times_from(0) is tree


def test_edge_ids_out_of_range_are_rejected():
    with pytest.raises(ValueError, match=r"edge id 6 out of range 0\.\.5"):
        Router(line_graph(4)).set_speed_factor([6], 0.5)


@pytest.mark.parametrize("field,value,message", [
    ("length_m", -1.0, r"edge 2: length_m=-1\.0 must be a finite number >= 0"),
    ("length_m", np.nan, r"edge 2: length_m=nan must be a finite number >= 0"),
    ("speed_kmh", np.nan, r"edge 2: speed_kmh=nan must be a finite number > 0"),
    ("speed_kmh", -5.0, r"edge 2: speed_kmh=-5\.0 must be a finite number > 0"),
    ("speed_factor", 2.0, r"edge 2: speed_factor=2\.0 must be in \[0, 1\]"),
])
def test_a_graph_with_bad_edges_is_rejected_naming_the_edge(field, value, message):
    graph = line_graph(4)
    values = getattr(graph, field).copy()
    values[2] = value
    with pytest.raises(ValueError, match=message):
        Router(dataclasses.replace(graph, **{field: values}))


def test_a_graph_with_a_broken_csr_structure_is_rejected():
    graph = line_graph(4)
    heads = graph.heads.copy()
    heads[0] = 9
    with pytest.raises(ValueError, match=r"edge 0: head node 9 out of range 0\.\.3"):
        Router(dataclasses.replace(graph, heads=heads))


def test_an_empty_graph_is_rejected():
    graph = line_graph(2)
    empty = dataclasses.replace(
        graph, offsets=np.zeros(1, np.int64), tails=np.empty(0, np.int32),
        heads=np.empty(0, np.int32), length_m=np.empty(0), speed_kmh=np.empty(0),
        speed_factor=np.empty(0))
    with pytest.raises(ValueError, match="has no nodes"):
        Router(empty)
