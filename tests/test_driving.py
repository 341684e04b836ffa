"""Vehicles on a road graph whose roads change under them."""
from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.agents.driving import Traffic
from sim.network.graph import RoadGraph
from sim.routing import Router
from sim.world.event_log import EventLog

KMH_60 = 60.0  # 1 km per minute


def diamond():
    """0 → 1 → 3 is 10 + 10 min; 0 → 2 → 3 is 15 + 15 min (two-way streets)."""
    u = np.array([0, 1, 0, 2])
    v = np.array([1, 3, 2, 3])
    length = np.array([10_000.0, 10_000.0, 15_000.0, 15_000.0])
    return RoadGraph.from_segments(u, v, length, np.full(4, KMH_60))


@pytest.fixture(params=["in the agent's own process", "as a process of its own"])
def drive_in(request):
    """Trucks and crews drive inside their own process (``yield from``); a drive can also be a
    process of its own: a road change ahead must reach the drive either way."""
    def drive_in(env, traffic, *args):
        if request.param == "as a process of its own":
            return (yield env.process(traffic.drive(*args)))
        return (yield from traffic.drive(*args))
    return drive_in


def edges_of(graph, a, b):
    return np.flatnonzero((graph.tails == a) & (graph.heads == b))


def drive_with_change(drive_in, graph, change_at_min, edges, factor):
    env = simpy.Environment()
    traffic = Traffic(env, Router(graph), EventLog())
    done = {}

    def truck():
        yield from drive_in(env, traffic, "truck", 0, 3)
        done["t"] = env.now

    def hazard():
        yield env.timeout(change_at_min)
        traffic.set_speed_factor(edges, np.full(len(edges), factor), "bridge closed")

    env.process(truck())
    env.process(hazard())
    env.run()
    return done["t"], traffic.log.to_frame()


def test_vehicle_drives_the_fastest_route_when_nothing_changes(drive_in):
    g = diamond()
    t, log = drive_with_change(drive_in, g, 100.0, edges_of(g, 2, 3), 0.0)
    assert t == pytest.approx(20.0)
    assert (log["kind"] == "reroute").sum() == 0


def test_vehicle_reroutes_when_a_road_ahead_closes(drive_in):
    g = diamond()
    close = np.concatenate([edges_of(g, 1, 3), edges_of(g, 3, 1)])
    # Closed at minute 4 while driving 0 → 1: finish that edge (minute 10),
    # then 1 → 0 → 2 → 3 = 10 + 15 + 15 minutes.
    t, log = drive_with_change(drive_in, g, 4.0, close, 0.0)
    assert t == pytest.approx(50.0)
    assert list(log.loc[log["kind"] == "reroute", "time_min"]) == [pytest.approx(10.0)]


def test_vehicle_slows_down_when_a_road_ahead_floods(drive_in):
    g = diamond()
    slow = edges_of(g, 1, 3)
    # Half speed on 1 → 3 from minute 4: 10 + 20 = 30 min, equal to the other
    # way round from node 1 (10 + 15 + 15 = 40): it stays on its road.
    t, _ = drive_with_change(drive_in, g, 4.0, slow, 0.5)
    assert t == pytest.approx(30.0)


def test_change_off_the_route_does_not_disturb_the_vehicle(drive_in):
    g = diamond()
    t, log = drive_with_change(drive_in, g, 4.0, edges_of(g, 0, 2), 0.0)
    assert t == pytest.approx(20.0)
    assert (log["kind"] == "reroute").sum() == 0


def test_vehicle_that_can_reach_nothing_waits_reports_and_goes_on_when_roads_reopen(drive_in):
    g = diamond()
    everything = np.arange(g.n_edges)
    env = simpy.Environment()
    traffic = Traffic(env, Router(g), EventLog())
    done = {}

    def truck():
        yield from drive_in(env, traffic, "truck", 0, 3)
        done["t"] = env.now

    def hazard():
        traffic.set_speed_factor(everything, np.zeros(len(everything)))
        yield env.timeout(60.0)
        traffic.set_speed_factor(everything, np.ones(len(everything)))

    env.process(hazard())
    env.process(truck())
    env.run()
    log = traffic.log.to_frame()
    assert list(log["kind"]) == ["stuck", "unstuck"]
    assert done["t"] == pytest.approx(80.0)


def test_two_road_changes_in_one_instant_reroute_the_vehicle_once(drive_in):
    """Two layers changing the same route in one step (e.g. a flood and a closure)
    interrupt the moving vehicle once; it finishes its edge and re-routes."""
    g = diamond()
    env = simpy.Environment()
    traffic = Traffic(env, Router(g), EventLog())
    done = {}

    def truck():
        yield from drive_in(env, traffic, "truck", 0, 3)
        done["t"] = env.now

    def hazard():
        yield env.timeout(4.0)
        traffic.set_speed_factor(edges_of(g, 1, 3), np.zeros(1), "flooded")
        traffic.set_speed_factor(edges_of(g, 3, 1), np.zeros(1), "closed")
        traffic.set_speed_factor(edges_of(g, 1, 3), np.zeros(1), "closed again")

    env.process(truck())
    env.process(hazard())
    env.run()
    log = traffic.log.to_frame()
    assert done["t"] == pytest.approx(50.0)
    assert (log["kind"] == "reroute").sum() == 1


def test_a_change_while_finishing_the_edge_does_not_stop_the_vehicle(drive_in):
    """A change while the vehicle completes the edge it was on when interrupted
    is taken at the next node."""
    g = diamond()
    env = simpy.Environment()
    traffic = Traffic(env, Router(g), EventLog())
    done = {}

    def truck():
        yield from drive_in(env, traffic, "truck", 0, 3)
        done["t"] = env.now

    def hazard():
        yield env.timeout(4.0)
        traffic.set_speed_factor(edges_of(g, 1, 3), np.zeros(1), "closed")
        yield env.timeout(2.0)
        traffic.set_speed_factor(edges_of(g, 0, 2), np.full(1, 0.5), "slowed")

    env.process(truck())
    env.process(hazard())
    env.run()
    # At 10 min at node 1: back to 0 (10) and 0 → 2 at half speed (30) then 2 → 3 (15).
    assert done["t"] == pytest.approx(10 + 10 + 30 + 15)
