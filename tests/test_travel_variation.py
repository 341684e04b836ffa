"""Driving times that vary from drive to drive (``policy.travel_time_cv``)."""
from __future__ import annotations

import numpy as np
import simpy

from sim.agents.driving import Traffic
from sim.network.graph import RoadGraph
from sim.routing import Router
from sim.world.event_log import EventLog
from sim.world.travel_variation import TravelTimeVariation


def test_without_variation_every_drive_takes_its_route_time_and_draws_nothing():
    variation = TravelTimeVariation(seed=1, cv=0.0)
    assert [variation("truck-1") for _ in range(5)] == [1.0] * 5
    assert variation.streams == {}


def test_factors_have_mean_one_and_the_cv_asked_for():
    variation = TravelTimeVariation(seed=7, cv=0.2)
    x = np.array([variation("truck-1") for _ in range(20_000)])
    assert abs(x.mean() - 1.0) < 0.01 and abs(x.std() / x.mean() - 0.2) < 0.01
    assert (x > 0).all()


def test_each_vehicle_draws_from_its_own_stream():
    # Common random numbers: a vehicle added to the scenario (truck-9) shifts no other's draws.
    alone, crowded = TravelTimeVariation(seed=3, cv=0.3), TravelTimeVariation(seed=3, cv=0.3)
    a = [alone("truck-1") for _ in range(4)]
    b = []
    for _ in range(4):
        crowded("truck-9")
        b.append(crowded("truck-1"))
    assert a == b
    assert TravelTimeVariation(seed=4, cv=0.3)("truck-1") != a[0]


def test_a_drive_takes_its_route_time_times_the_vehicles_factor():
    graph = RoadGraph.from_segments([0, 1], [1, 2], [1_000.0, 2_000.0], [60.0, 60.0])   # 1 + 2 min
    env = simpy.Environment()
    traffic = Traffic(env, Router(graph), EventLog(), leg_factor=lambda agent: 1.5)
    env.process(traffic.drive("truck-1", 0, 2))
    env.run()
    assert abs(env.now - 4.5) < 1e-9


def test_a_scenario_with_varying_drives_reproduces_and_differs_from_the_roads_times():
    from sim.engine.simulation import run
    from sim.scenarios import builtin_scenario_path, load_scenario

    base = load_scenario(builtin_scenario_path("three_outages"))
    varied = base.model_copy(deep=True)
    varied.policy.travel_time_cv = 0.3
    a, b, c = run(varied).world, run(varied).world, run(base).world
    first = [z.first_supply_min for z in a.zones]
    assert first == [z.first_supply_min for z in b.zones]                      # same seed, same run
    assert first != [z.first_supply_min for z in c.zones]                      # the drives did vary
    assert a.traffic.leg_factor is not None and c.traffic.leg_factor is None   # nothing drawn at 0
