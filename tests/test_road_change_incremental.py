"""State derived from the roads is brought up to date at the edges a change touches, and stays
exactly what recomputing it over the whole graph gives, whatever the sequence of changes."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.network.graph import RoadClass, RoadGraph
from sim.world.reachability import Reachability, reached_over_open_roads
from sim.world.road_layers import RoadLayers


def random_graph(rng, n_nodes=40, n_segments=90):
    u = rng.integers(0, n_nodes, n_segments)
    v = (u + rng.integers(1, n_nodes, n_segments)) % n_nodes
    length = rng.uniform(0.0, 2_000.0, n_segments)
    length[:3] = 0.0                                   # zero-length edges close too
    return RoadGraph.from_segments(u, v, length, rng.uniform(20.0, 80.0, n_segments),
                                   oneway=rng.random(n_segments) < 0.3, n_nodes=n_nodes)


def random_change(rng, graph):
    """Edge ids (repeats included, a reopen-and-close of one edge in one change too) and their factors."""
    k = int(rng.integers(1, 8))
    edges = rng.integers(0, graph.n_edges, k)
    if rng.random() < 0.3:
        edges = np.concatenate([edges, edges[:1]])
    if rng.random() < 0.3:
        return edges, float(rng.choice([0.0, 1.0, 0.5]))
    return edges, rng.choice([0.0, 0.0, 1.0, 0.5, 0.3], len(edges))


def changes_and_looks(rng, graph, n=300):
    """Yield after each step whether derived state is looked at now: one change, several
    changes, no change, or the whole state reset between two looks."""
    for _ in range(n):
        r = rng.random()
        if r < 0.03:
            graph.reset_state()
        elif r < 0.1:
            pass
        else:
            for _ in range(1 if r < 0.8 else int(rng.integers(2, 4))):
                graph.set_speed_factor(*random_change(rng, graph))
        yield


class RecomputingReachability(Reachability):
    """The reference: the closed-edge mask recomputed over all edges at every look."""

    def roads_changed(self, now: float) -> None:
        closed = self.graph.speed_factor == 0.0
        newly_closed = bool((closed & ~self._closed).any())
        reopened = bool((self._closed & ~closed).any())
        self._closed = closed
        if newly_closed or (reopened and self.any_cut_off) or self.checks == 0:
            self.check(now)

    def check(self, now: float) -> None:
        self.checks += 1
        if self.first_check_min is None:
            self.first_check_min = now
        self._closed = self.graph.speed_factor == 0.0
        if not len(self.zones):
            return
        reachable = self.reachable = self._reachable_nodes()
        cut = ~reachable[self.zone_nodes]
        for k in np.flatnonzero(cut & ~self._cut):
            self.episodes.setdefault(self.zones[k].zone_id, []).append([now, math.inf])
        for k in np.flatnonzero(~cut & self._cut):
            self.episodes[self.zones[k].zone_id][-1][1] = now
        self._cut = cut

    def _reachable_nodes(self):
        g = self.graph
        return reached_over_open_roads(g.offsets, g.heads, g.speed_factor, self.sources)


def depots_and_zones(rng, graph):
    depots = [SimpleNamespace(node=int(n), spec=SimpleNamespace(trucks=SimpleNamespace(count=1)))
              for n in rng.choice(graph.n_nodes, 2, replace=False)]
    zones = [SimpleNamespace(zone_id=f"Z{i}", index=i, node=int(n), is_affected=True)
             for i, n in enumerate(rng.choice(graph.n_nodes, 12, replace=False))]
    return depots, zones


@pytest.mark.parametrize("seed", range(12))
def test_reachability_follows_the_changed_edges_as_recomputing_over_all_edges_does(seed, monkeypatch):
    import sim.world.reachability as reachability

    searches = []
    search = reachability.reached_over_open_roads
    monkeypatch.setattr(reachability, "reached_over_open_roads", lambda *a: searches.append(1) or search(*a))
    rng = np.random.default_rng(seed)
    graph = random_graph(rng, n_segments=60 + 3 * seed)
    reference_graph = graph.copy()
    depots, zones = depots_and_zones(rng, graph)
    reach, reference = Reachability(graph, depots, zones), RecomputingReachability(reference_graph, depots, zones)
    if seed % 2:
        reach.check(0.0)
        reference.check(0.0)
    now = 0.0
    seen = None if reach.reachable is None else reach.reachable.copy()
    version, bumps = reach.reachable_version, 0
    for _ in changes_and_looks(rng, graph):
        reference_graph.speed_factor[:] = graph.speed_factor
        now += 1.0
        reach.roads_changed(now)
        reference.roads_changed(now)
        # The version moves exactly when the reached nodes do (what the last mile keys its answers by).
        moved = reach.reachable is not None and (seen is None or not np.array_equal(reach.reachable, seen))
        assert reach.reachable_version == version + moved
        version, bumps = reach.reachable_version, bumps + moved
        seen = None if reach.reachable is None else reach.reachable.copy()
        assert np.array_equal(reach._closed, reference._closed)
        assert np.array_equal(reach._closed, graph.speed_factor == 0.0)
        assert reach.checks == reference.checks
        assert np.array_equal(reach._cut, reference._cut)
        assert reach.episodes == reference.episodes
        assert (reach.reachable is None) == (reference.reachable is None)
        if reach.reachable is not None:
            assert np.array_equal(reach.reachable, reference.reachable)
    assert reach.checks > 5 and reach.episodes and len(searches) < reach.checks - 2   # some grown, not searched
    assert 1 < bumps < reach.checks                    # some checks left the reached nodes as they were


def test_a_graph_change_records_its_edges_and_a_reset_forgets_them():
    graph = random_graph(np.random.default_rng(0))
    edges = np.array([3, 1, 3], dtype=np.int32)
    graph.set_speed_factor(edges, [0.0, 0.5, 1.0])
    assert graph.last_changed_edges.dtype == np.int64 and graph.last_changed_edges.tolist() == [3, 1, 3]
    edges[0] = 7                                           # the caller's array is not kept
    assert graph.last_changed_edges.tolist() == [3, 1, 3]
    graph.reset_state()
    assert graph.last_changed_edges is None


@pytest.mark.parametrize("edges, factors, message", [
    ([0, -1], 0.0, "edge id -1 out of range"),
    ([0, 10_000], 1.0, "edge id 10000 out of range"),
    ([2, 4], [0.5, 1.5], "edge 4: speed factor 1.5 outside"),
    ([2, 4], -0.25, "edge 2: speed factor -0.25 outside"),
    ([2, 4, 5], [0.5, np.nan, 2.0], "edge 4: speed factor nan outside"),
])
def test_a_bad_edge_id_or_factor_is_named_and_changes_nothing(edges, factors, message):
    graph = random_graph(np.random.default_rng(1))
    before = graph.speed_factor.copy()
    with pytest.raises(ValueError, match=message):
        graph.set_speed_factor(np.array(edges), factors)
    assert np.array_equal(graph.speed_factor, before) and graph.epoch == 0


@pytest.mark.parametrize("seed", range(4))
def test_graph_state_after_changes_is_the_plain_assignment(seed):
    rng = np.random.default_rng(seed)
    graph = random_graph(rng)
    reference = np.ones(graph.n_edges)
    for _ in range(200):
        edges, factors = random_change(rng, graph)
        graph.set_speed_factor(edges, factors)
        reference[edges] = factors
        assert np.array_equal(graph.speed_factor, reference)


class _Event:
    def succeed(self):
        pass


class _Process:
    def __init__(self, interrupted, agent):
        self.interrupted, self.agent = interrupted, agent

    def interrupt(self, cause):
        self.interrupted.append(self.agent)


def interrupted_by_recomputing(legs, edges, n_edges, now):
    """The reference: a fresh mask of the changed edges, the edge each agent is on looked up for every agent."""
    changed = np.zeros(n_edges, dtype=bool)
    changed[edges] = True
    hit = []
    for agent, (cum_min, start_min, route_edges) in legs.items():
        k = int(np.searchsorted(cum_min, now - start_min, side="left"))
        ahead = route_edges[k:]
        if len(ahead) and changed[ahead].any():
            hit.append(agent)
    return hit


@pytest.mark.parametrize("seed", range(8))
def test_traffic_interrupts_the_agents_a_change_is_ahead_of_as_a_fresh_mask_does(seed):
    from sim.agents.driving import Traffic, _Leg

    rng = np.random.default_rng(seed)
    n_edges = 60
    env = SimpleNamespace(now=0.0, event=_Event)
    router = SimpleNamespace(graph=SimpleNamespace(n_edges=n_edges), set_speed_factor=lambda edges, factors: None)
    traffic = Traffic(env, router, log=None)
    n_hit = 0
    for _ in range(300):
        env.now += float(rng.uniform(0.0, 5.0))
        legs = {}
        for i in range(int(rng.integers(0, 6))):
            route_edges = rng.integers(0, n_edges, int(rng.integers(1, 12)))
            cum_min = np.cumsum(rng.choice([0.0, 0.5, 1.0, 2.0], len(route_edges)))
            elapsed_min = float(rng.choice(cum_min)) if rng.random() < 0.5 else float(rng.uniform(-1.0, cum_min[-1] + 1))
            legs[f"a{i}"] = (cum_min, env.now - elapsed_min, route_edges)   # at the end of an edge, or within one
        edges = rng.integers(0, n_edges, int(rng.integers(0, 6)))
        interrupted = []
        traffic.moving = {a: _Leg(a, e, None, c, s, _Process(interrupted, a)) for a, (c, s, e) in legs.items()}
        traffic.set_speed_factor(edges, 0.0)
        expected = interrupted_by_recomputing(legs, edges, n_edges, env.now)
        assert interrupted == expected
        assert sorted(traffic.moving) == sorted(set(legs) - set(expected))
        assert not traffic._in_change.any()
        n_hit += len(expected)
    assert n_hit > 20


def layers_on(graph, cls):
    env = SimpleNamespace(now=0.0)
    traffic = SimpleNamespace(set_speed_factor=lambda edges, factors, cause: graph.set_speed_factor(edges, factors))
    return env, cls(env, graph, traffic, SimpleNamespace(add=lambda *a, **k: None))


class SummingRoadLayers(RoadLayers):
    """The reference: the closed segments' km summed over all of them at every change."""

    def set(self, layer, edges, factors, cause=""):
        edges = np.asarray(edges, dtype=np.int64)
        arr = self.layers.get(layer)
        if arr is None:
            arr = self.layers[layer] = np.ones(self.graph.n_edges)
        arr[edges] = factors
        by_layer = [a[edges] for a in self.layers.values()]
        combined = by_layer[0] if len(by_layer) == 1 else np.min(np.stack(by_layer), axis=0)
        self.traffic.set_speed_factor(edges, combined, cause or layer)
        closed_segments = np.flatnonzero(self._closed_segments(edges))
        g = self.graph
        km = float(g.length_m[self.first_edge[closed_segments]].sum()) / 1000.0
        by_class = np.bincount(self._class[closed_segments], weights=self._km[closed_segments],
                               minlength=self._n_classes)
        now = self.env.now
        if self.closed_km[-1][0] == now:
            self.closed_km[-1] = (now, km)
            self.closed_km_by_class[-1] = (now, by_class)
        else:
            self.closed_km.append((now, km))
            self.closed_km_by_class.append((now, by_class))

    def _closed_segments(self, edges):
        g = self.graph
        if g.epoch == self._closed_at:
            return self._closed
        if g.epoch == self._closed_at + 1:
            rows = np.searchsorted(self._segment_ids, g.segment[edges])
            self._closed[rows] = g.speed_factor[self.first_edge[rows]] == 0.0
        else:
            self._closed = g.speed_factor[self.first_edge] == 0.0
        self._closed_at = g.epoch
        return self._closed


@pytest.mark.parametrize("behind_the_back", [False, True], ids=["through the layers", "some behind their back"])
@pytest.mark.parametrize("searched", [False, True], ids=["looked up", "searched"])
@pytest.mark.parametrize("seed", range(6))
def test_road_layers_closed_km_is_what_summing_over_all_closed_segments_gives(seed, searched, behind_the_back):
    rng = np.random.default_rng(seed)
    graph = random_graph(rng, n_segments=150)
    graph.road_class = rng.integers(0, len(RoadClass), graph.n_edges).astype(graph.road_class.dtype)
    graph.set_speed_factor(rng.integers(0, graph.n_edges, 10), 0.0)     # closed before the layers begin
    reference_graph = graph.copy()
    env, layers = layers_on(graph, RoadLayers)
    reference_env, reference = layers_on(reference_graph, SummingRoadLayers)
    if searched:
        layers._row_of_segment = None
    n_reused = 0
    for step in range(300):
        env.now = reference_env.now = float(step // 2)
        if behind_the_back:
            r = rng.random()
            if r < 0.03:
                graph.reset_state()
                reference_graph.reset_state()
            elif r < 0.08:
                change = random_change(rng, graph)
                graph.set_speed_factor(*change)
                reference_graph.set_speed_factor(*change)
        edges, factors = random_change(rng, graph)
        if rng.random() < 0.05:
            edges, factors = edges[:0], 0.0
        layer = str(rng.choice(["hazard", "outage 1", "outage 2"]))
        figures = layers._closed_figures
        layers.set(layer, edges, factors)
        reference.set(layer, edges, factors)
        n_reused += layers._closed_figures is figures
        assert np.array_equal(layers._closed, reference._closed)
        if not behind_the_back:
            assert np.array_equal(layers._closed, graph.speed_factor[reference.first_edge] == 0.0)
        assert layers.closed_km == reference.closed_km
        assert len(layers.closed_km_by_class) == len(reference.closed_km_by_class)
        for (t, by_class), (reference_t, reference_by_class) in zip(layers.closed_km_by_class,
                                                                      reference.closed_km_by_class):
            assert t == reference_t and np.array_equal(by_class, reference_by_class)
    assert n_reused > 10


def test_the_row_lookup_of_segment_ids_matches_the_search():
    from sim.world.road_layers import _row_lookup

    ids = np.array([5, 6, 9, 12, 40], dtype=np.int32)
    rows = _row_lookup(ids)
    assert rows[ids - ids[0]].tolist() == np.searchsorted(ids, ids).tolist()
    assert _row_lookup(np.array([0, 10**9])) is None and _row_lookup(np.array([], dtype=np.int32)) is None
