"""Emergency lanes: crews clear the way to a cut-off zone before other debris."""
from __future__ import annotations

import numpy as np
import pytest
from worlds import depot, scenario_doc, write_network, write_scenario, write_zones

import sim.hazards
from sim.api import run
from sim.hazards.timeline import HazardOutcome, RoadChange, WorkSite
from sim.scenarios import load_scenario


def branching_world(tmp_path):
    """Depot at 1; the zone at 3 behind segment 2-3; debris also on 4-5 and 6-7 (off its route)."""
    nodes = [(i, 116.5 + 0.01 * i, 39.8) for i in range(1, 8)]
    edges = [(1, 2, 1000, 60), (2, 3, 1000, 60), (1, 4, 1000, 60), (4, 5, 1000, 60), (1, 6, 1000, 60),
             (6, 7, 1000, 60)]
    region = {"network": write_network(tmp_path, nodes, edges),
              "zones": {"csv": write_zones(tmp_path, [("Z", 3, 100, 0.1)])}}
    doc = scenario_doc(region, [depot("d", 1)], duration="24h",
                       impact={"area": {"everywhere": True}, "zone_share": 1.0, "affected_share": 0.5,
                               "spread": 0.0},
                       teams=[{"id": "crew", "kind": "road_repair", "base": {"node": 1}, "mobilize": "0min"}])
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def _debris(graph, a, b, priority):
    ia, ib = graph.index_of(a), graph.index_of(b)
    edges = np.flatnonzero(((graph.tails == ia) & (graph.heads == ib)) | ((graph.tails == ib) & (graph.heads == ia)))
    site = WorkSite(site_id=f"debris-{a}-{b}", team_kind="road_repair", node=int(ia), work_min=60.0,
                    on_done=RoadChange(0.0, edges, 1.0, cause="debris cleared"), priority=priority)
    return edges, site


def run_with_debris(tmp_path, monkeypatch, clearing: bool):
    scenario, base = branching_world(tmp_path)

    def outcome(hazard, graph, zones, rng):
        route, on_route = _debris(graph, 2, 3, priority=1.0)
        side_a, site_a = _debris(graph, 4, 5, priority=5.0)
        side_b, site_b = _debris(graph, 6, 7, priority=4.0)
        closed = np.concatenate([route, side_a, side_b])
        return HazardOutcome(road_changes=[RoadChange(0.0, closed, 0.0, cause="debris")],
                             work_sites=[site_a, site_b, on_route])

    monkeypatch.setattr(sim.hazards, "hazard_outcome", outcome)
    if not clearing:
        import sim.engine.road_clearing as rc
        monkeypatch.setattr(rc.RouteClearing, "request", lambda self, zones: None)
    result = run(scenario, base_dir=base)
    return result, result.events_frame().query("kind == 'task_end'")


def test_the_route_to_a_cut_off_zone_is_cleared_before_other_debris(tmp_path, monkeypatch):
    result, ends = run_with_debris(tmp_path, monkeypatch, clearing=True)
    zone = result.world.zones[0]
    # Three 60-min jobs by one crew: the lane to the zone is the second at the latest, not the last.
    reached = ends["time_min"].to_numpy()
    assert len(reached) == 3
    assert zone.first_supply_min < reached[-1]


def test_without_emergency_lanes_the_zone_waits_for_all_other_debris(tmp_path, monkeypatch):
    result, ends = run_with_debris(tmp_path, monkeypatch, clearing=False)
    zone = result.world.zones[0]
    assert zone.first_supply_min > ends["time_min"].max()


@pytest.mark.parametrize("algorithm", ["dijkstra", "cch"])
@pytest.mark.parametrize("seed", range(6))
def test_the_nearest_depot_of_a_lane_is_the_one_its_whole_tree_finds(seed, algorithm):
    # Each depot's times are read at the zones only; the depot chosen is the one the whole
    # tree from every depot found (the first on a tie, the first when none reaches the zone).
    from sim.engine.road_clearing import nearest_sources
    from sim.network.graph import RoadGraph
    from sim.routing import Router

    rng = np.random.default_rng(seed)
    n_nodes, n_segments = 60, 130
    u = rng.integers(0, n_nodes, n_segments)
    v = (u + rng.integers(1, n_nodes, n_segments)) % n_nodes
    graph = RoadGraph.from_segments(u, v, rng.choice([500.0, 1000.0, rng.uniform(0, 3000)], n_segments),
                                    rng.choice([30.0, 60.0], n_segments), oneway=rng.random(n_segments) < 0.3,
                                    n_nodes=n_nodes + 1)                 # the last node has no road
    graph.speed_factor[rng.random(graph.n_edges) < 0.15] = 0.0           # debris: some zones unreachable
    sources = [int(n) for n in rng.integers(0, n_nodes, 7)] + [int(rng.integers(0, n_nodes))] * 2   # repeats
    targets = [int(n) for n in rng.integers(0, n_nodes, 12)] + [n_nodes]
    whole = Router(graph, algorithm=algorithm)
    expected = [min(sources, key=lambda n: whole.times_from(n)[t]) for t in targets]
    assert nearest_sources(Router(graph, algorithm=algorithm), sources, targets) == expected
    assert nearest_sources(Router(graph, algorithm=algorithm), [], targets) == [None] * len(targets)


@pytest.mark.parametrize("algorithm", ["dijkstra", "cch"])
@pytest.mark.parametrize("seed", range(4))
def test_the_kept_lane_router_answers_as_a_new_one_on_the_cleared_roads(seed, algorithm, monkeypatch):
    # Between requests debris is cleared and other roads close or reopen; the one router kept
    # for the run, changed at the edges that differ, gives the times and routes a new router
    # on a new copy of the cleared roads gives, bit for bit.
    from types import SimpleNamespace

    import sim.routing.router
    from sim.engine.road_clearing import RouteClearing
    from sim.network.graph import RoadGraph
    from sim.routing import Router

    # The run's routers choose the algorithm by the graph's size: a hierarchy on the district.
    monkeypatch.setattr(sim.routing.router, "AUTO_CCH_MIN_NODES", 0 if algorithm == "cch" else 10**9)
    rng = np.random.default_rng(seed)
    n_nodes, n_segments = 80, 200
    u = rng.integers(0, n_nodes, n_segments)
    v = (u + rng.integers(1, n_nodes, n_segments)) % n_nodes
    graph = RoadGraph.from_segments(u, v, rng.uniform(100, 3000, n_segments), rng.choice([30.0, 60.0], n_segments),
                                    oneway=rng.random(n_segments) < 0.3, n_nodes=n_nodes)
    clearing = RouteClearing(SimpleNamespace(graph=graph))
    pending = set(rng.choice(n_segments, 40, replace=False).tolist())
    graph.set_speed_factor(np.flatnonzero(np.isin(graph.segment, list(pending))), 0.0)
    nodes = rng.integers(0, n_nodes, 10)
    for _ in range(8):
        kept = clearing._cleared_router(sorted(pending))
        fresh_graph = graph.copy()
        fresh_graph.speed_factor[np.isin(graph.segment, sorted(pending))] = 1.0
        fresh = Router(fresh_graph)
        for a in nodes[:3]:
            np.testing.assert_array_equal(kept.times_from(int(a), at=nodes), fresh.times_from(int(a), at=nodes))
            for b in nodes[3:]:
                got, want = kept.route(int(a), int(b)), fresh.route(int(a), int(b))
                assert (got is None) == (want is None)
                if got is not None:
                    assert got.time_min == want.time_min and np.array_equal(got.edges, want.edges)
        done = rng.choice(sorted(pending), 5, replace=False).tolist()          # crews clear some sites
        pending -= set(done)
        graph.set_speed_factor(np.flatnonzero(np.isin(graph.segment, done)), 1.0)
        other = rng.choice(graph.n_edges, 6, replace=False)                   # other roads close, slow or reopen
        graph.set_speed_factor(other, rng.choice([0.0, 0.4, 1.0], 6))
