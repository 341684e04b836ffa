"""The last mile where trucks cannot go, checked by hand on a line of roads.

Nodes 1-2-3-4 at 0.1° of longitude apart on latitude 39.8 (8.55 km in a
straight line), roads of 10 km at 60 km/h (10 min); the depot at node 1; Z1 at
node 4 (100 people, 50 affected: 150 L of water and 50 rations, 197.5 kg, on
day one). A road closure round node 4 cuts Z1 off for the whole run; report
30 min + order 5 min; load 20 min, unload 15 min.
"""
from __future__ import annotations

import math

import pytest
from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

from sim.api import run
from sim.errors import InputError
from sim.network.geo import haversine_m
from sim.scenarios import load_scenario

STRAIGHT_KM = float(haversine_m(116.8, 39.8, 116.9, 39.8)) / 1e3     # node 3 to node 4
TRANSFER_MIN = 35.0 + 20.0 + 2 * 10.0 + 15.0                          # truck at node 3, unloaded: 90 min


def _world(tmp_path, last_mile, zones=(("Z1", 4, 100, 0.2),), depots=None, **extra):
    region = line_world(tmp_path, n=4, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, list(zones))}
    closed = [{"start": "0h", "end": "30h", "closed_share": 1.0,
               "area": {"around": {"center": [116.9, 39.8], "radius": "2km"}}}]
    doc = scenario_doc(region, depots or [depot("d1", 1)], impact=everywhere_impact(0.5),
                       outages={"roads": closed}, last_mile=last_mile, **extra)
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def _porters(count, **extra):
    return {"porters": {"count": count, "payload_kg": 25, "speed_kmh": 4, "max_walk": "10km",
                        "hand_over": "10min", **extra}, "detour_factor": 1.0}


def test_porters_carry_a_cut_off_zone_s_supplies_from_the_nearest_reachable_node(tmp_path):
    # 197.5 kg in 8 trips of about 25 kg; 10 porters carry them at once: hand-over 10 min,
    # then 8.55 km at 4 km/h.
    scenario, base = _world(tmp_path, _porters(10))
    result = run(scenario, base_dir=base)
    zone = result.world.zones[0]
    arrive = TRANSFER_MIN + 10.0 + 60.0 * STRAIGHT_KM / 4.0
    assert zone.first_supply_min == pytest.approx(arrive)
    assert zone.relief_min == pytest.approx(arrive)
    summary = result.summary()
    # The second day's rations follow within the dispatcher's 12 h look-ahead: twice 8 trips.
    assert summary["kpi"]["last_mile"]["porters"] == {"carriers": 10, "zones": 1, "trips": 16, "kg": 395.0}
    assert summary["supply_audit"]["balanced"]


def test_fewer_porters_carry_in_waves(tmp_path):
    # Two porters: four waves of two trips, each porter back after 2 × the way. The first
    # wave's ~50 kg is not yet a first batch (100 kg of water and food): the second wave's is.
    scenario, base = _world(tmp_path, _porters(2))
    zone = run(scenario, base_dir=base).world.zones[0]
    way = 60.0 * STRAIGHT_KM / 4.0
    assert zone.first_supply_min == pytest.approx(TRANSFER_MIN + (10.0 + 2 * way) + 10.0 + way)
    assert zone.relief_min == pytest.approx(TRANSFER_MIN + 3 * (10.0 + 2 * way) + 10.0 + way)


def test_a_zone_beyond_the_porters_walk_stays_cut_off(tmp_path):
    scenario, base = _world(tmp_path, _porters(10, max_walk="5km"))
    result = run(scenario, base_dir=base)
    assert result.world.zones[0].first_supply_min == math.inf
    assert result.summary()["kpi"]["last_mile"]["porters"]["zones"] == 0


def test_boats_do_not_cross_debris_and_porters_do_not_cross_water(tmp_path):
    boats = {"boats": {"count": 4, "max_walk": "10km"}}
    scenario, base = _world(tmp_path, boats)                         # debris: no boats
    assert run(scenario, base_dir=base).world.zones[0].first_supply_min == math.inf
    (tmp_path / "w").mkdir()
    scenario, base = _world(tmp_path / "w", {**boats, "ground": "water"})
    assert run(scenario, base_dir=base).world.zones[0].first_supply_min < math.inf
    (tmp_path / "p").mkdir()
    scenario, base = _world(tmp_path / "p", {**_porters(10), "ground": "water"})
    assert run(scenario, base_dir=base).world.zones[0].first_supply_min == math.inf


def test_a_helicopter_flies_from_its_base_once_available(tmp_path):
    # From 1 h on: the base's truck loads (20), unloads at the helipad (15), the helicopter
    # takes 30 min to load and flies 25.6 km at 200 km/h.
    heli = {"helicopters": {"count": 1, "available_from": "1h"}}
    scenario, base = _world(tmp_path, heli)
    zone = run(scenario, base_dir=base).world.zones[0]
    km = float(haversine_m(116.6, 39.8, 116.9, 39.8)) / 1e3
    assert zone.first_supply_min == pytest.approx(60.0 + 20.0 + 15.0 + 30.0 + 60.0 * km / 200.0)


@pytest.mark.parametrize("seed", [2, 9])
def test_more_boats_never_reach_fewer_zones(tmp_path, seed):
    # Five zones round node 4, all cut off by the water; a short run makes boats the limit.
    zones = [(f"Z{k}", 4, 400 + 100 * k, 0.2) for k in range(5)]
    reached = []
    for boats in (1, 2, 3, 5, 8):
        folder = tmp_path / f"b{boats}"
        folder.mkdir()
        lm = {"boats": {"count": boats, "payload_kg": 300, "speed_kmh": 6, "max_walk": "10km"}, "ground": "water"}
        scenario, base = _world(folder, lm, zones=zones, seed=seed, duration="6h")
        world = run(scenario, base_dir=base).world
        reached.append(sum(z.first_supply_min < math.inf for z in world.zones))
    assert reached == sorted(reached) and reached[-1] > reached[0], reached


@pytest.mark.parametrize("last_mile,message", [
    ({"porters": {"count": 0}}, "porters.count"),
    ({"boats": {"count": 2, "payload_kg": 0}}, "boats.payload_kg"),
    ({"helicopters": {"count": 1, "base": "nowhere"}}, "'nowhere' is not a depot id"),
])
def test_a_mode_without_capacity_or_base_is_a_located_error(tmp_path, last_mile, message):
    with pytest.raises(InputError) as info:
        _world(tmp_path, last_mile)
    assert message in str(info.value) and "scenario.yaml:" in str(info.value)


def test_the_warning_says_which_cut_off_zones_another_mode_reached(tmp_path):
    scenario, base = _world(tmp_path, _porters(10))
    warnings = run(scenario, base_dir=base).summary()["warnings"]
    assert any("can be reached by truck from any depot" in w for w in warnings)
    assert "of the 1 zone(s) no truck could reach, 1 were reached by other modes (1 by porters); reached by no " \
           "other mode: 0" in warnings


def _trips_one_by_one(units, unit_kg, payload_kg):
    """The trips of :func:`split_trips` made one at a time (the reference): units heavier than the
    payload one per trip after the others; the others shared out item by item in turn."""
    import numpy as np

    alone = [i for i in range(len(units)) if unit_kg[i] > payload_kg]
    rest = np.array([0.0 if i in alone else units[i] for i in range(len(units))])
    trips = []
    weight = float(rest @ unit_kg)
    if weight > 0:
        n = max(1, math.ceil(weight / payload_kg - 1e-9))
        while True:
            base = np.floor(rest / n)
            extra = rest - base * n
            start = [sum(extra[:i]) % n for i in range(len(rest))]
            even = [base + np.array([(k - start[i]) % n < extra[i] for i in range(len(rest))]) for k in range(n)]
            if max(float(t @ unit_kg) for t in even) <= payload_kg + 1e-9:
                trips = [t for t in even if t.any()]
                break
            n += 1
    for i in alone:
        trips += [np.eye(len(units))[i]] * int(units[i])
    return trips


@pytest.mark.parametrize("seed", range(6))
def test_trips_carry_every_unit_none_heavier_than_the_payload_as_made_one_by_one(seed):
    # Three outages' porters carried up to 27.65 kg on a 25 kg payload: the even split of each
    # item gave one trip one more unit of every item. A unit heavier than the payload goes alone.
    import numpy as np

    from sim.agents.last_mile import split_trips

    rng = np.random.default_rng(seed)
    for _ in range(50):
        n_items = int(rng.integers(1, 7))
        units = rng.choice([0.0, 1.0, 2.0, 3.0, 17.0, 150.0, 1234.0], n_items)
        unit_kg = rng.choice([0.35, 0.8, 1.05, 1.3, 2.0, 12.5, 40.0], n_items)
        payload_kg = float(rng.choice([25.0, 400.0, 1500.0]))
        trips = split_trips(units, unit_kg, payload_kg)
        np.testing.assert_array_equal(np.sum(trips, axis=0) if trips else np.zeros_like(units), units)
        for trip in trips:
            assert float(trip @ unit_kg) <= payload_kg + 1e-9 or trip.sum() == 1
        want = _trips_one_by_one(units, unit_kg, payload_kg)
        assert len(trips) == len(want)
        for got, expected in zip(trips, want):
            assert got.dtype == expected.dtype and got.shape == expected.shape
            np.testing.assert_array_equal(got, expected)


def test_a_trip_hands_the_zone_the_units_it_carries_as_floats():
    import numpy as np
    import simpy
    from types import SimpleNamespace

    from sim.agents.last_mile import LastMileFleet
    from sim.world.event_log import EventLog

    env, got = simpy.Environment(), []
    zone = SimpleNamespace(zone_id="Z1", receive=lambda now, items, depot_id, tier: got.append(items))
    spec = SimpleNamespace(count=1, payload_kg=25.0, speed_kmh=4.0, hand_over=10.0)
    fleet = LastMileFleet(env, "porters", spec, ("water_l", "food_ration", "tent"), np.array([1.0, 0.5, 20.0]),
                          EventLog())
    units = np.array([150.0, 0.0, 1.0])
    fleet.carry(zone, {"water_l": 150.0, "tent": 1.0}, 2.0, "d1", "district")
    env.run()
    want = [{i: float(n) for i, n in zip(fleet.items, trip) if n > 0}
            for trip in _trips_one_by_one(units, fleet.unit_kg, 25.0)]
    assert got == want
    assert all(type(v) is float for items in got for v in items.values())


def test_the_nearest_reachable_node_is_looked_up_again_only_when_the_reached_nodes_change(monkeypatch):
    import numpy as np
    from types import SimpleNamespace

    import sim.world.last_mile as last_mile

    lookups = []
    nearest_m = last_mile.haversine_m
    monkeypatch.setattr(last_mile, "haversine_m", lambda *a: lookups.append(1) or nearest_m(*a))
    graph = SimpleNamespace(lon=np.array([116.6, 116.7, 116.8, 116.9]), lat=np.full(4, 39.8), has_coordinates=True)
    reach = SimpleNamespace(reachable=np.array([True, True, True, False]), reachable_version=1, checks=1)
    access = last_mile.LastMileAccess.__new__(last_mile.LastMileAccess)
    access.graph, access.reachability, access._nearest = graph, reach, {}
    zone = SimpleNamespace(index=0, node=3)
    assert access._nearest_reachable(zone)[0] == 2
    reach.checks += 1                                  # a check that left the reached nodes as they were
    assert access._nearest_reachable(zone)[0] == 2 and len(lookups) == 1
    reach.reachable = np.array([True, True, False, False])      # node 2 cut off as well
    reach.checks += 1
    reach.reachable_version += 1
    assert access._nearest_reachable(zone)[0] == 1 and len(lookups) == 2


def test_a_depot_s_times_to_the_last_mile_stops_are_asked_at_their_crossroads_only(tmp_path, monkeypatch):
    # A whole tree from the depot for one or two crossroads would be a sweep of every node.
    import sys

    from sim.routing.router import Router

    asked = []
    times_from = Router.times_from

    def recording(self, source, at=None):
        if "_last_mile_stops" in (sys._getframe(1).f_code.co_name, sys._getframe(2).f_code.co_name):
            asked.append(None if at is None else [int(v) for v in at])
        return times_from(self, source, at)

    monkeypatch.setattr(Router, "times_from", recording)
    scenario, base = _world(tmp_path, _porters(10))
    result = run(scenario, base_dir=base)
    assert result.world.zones[0].first_supply_min < math.inf
    assert asked and all(nodes == [2] for nodes in asked)      # node 3 of the line (index 2), the nearest reachable


def _reserve_only(heli_from: str | None = None):
    """A township reserve at node 3 alone serving Z1 (node 4, cut off for 30 h)."""
    hub = depot("hub", 3, tier="street", water=3_000, food=1_000, payload=1_500, load="10min",
                serves={"townships": ["T01"]})
    last_mile = ({"helicopters": {"count": 1, "base": "hub", "available_from": heli_from}} if heli_from else
                 _porters(10))
    return hub, last_mile


def test_a_reserve_s_trucks_are_woken_for_its_zone_only_porters_reach(tmp_path):
    """The second day's rations leave on the 12 h look-ahead (at 12 h), not when roads next change."""
    hub, porters = _reserve_only()
    scenario, base = _world(tmp_path, porters, depots=[hub], duration="48h")
    result = run(scenario, base_dir=base)
    ev = result.events_frame()
    loads = ev.loc[(ev["kind"] == "load") & (ev["agent"].str.startswith("hub/")), "time_min"].tolist()
    # Day 1 at once, day 2 at 12 h, day 3 (due at the run's end) at 36 h.
    assert loads == pytest.approx([35.0, 12 * 60.0, 36 * 60.0])
    assert result.summary()["kpi"]["relief"]["relieved_at_day"] == {"1d": 1.0, "2d": 1.0}


def test_a_helicopter_at_a_reserve_flies_once_available_though_nothing_else_changed(tmp_path):
    # Reported at 30 min, ordered 35; the helicopter is available at 1 h: load 10, unload at the
    # helipad 15, 30 min to load it, then the flight from node 3 to node 4 at 200 km/h.
    hub, heli = _reserve_only("1h")
    scenario, base = _world(tmp_path, heli, depots=[hub])
    zone = run(scenario, base_dir=base).world.zones[0]
    assert zone.first_supply_min == pytest.approx(60.0 + 10.0 + 15.0 + 30.0 + 60.0 * STRAIGHT_KM / 200.0)


def test_helicopters_at_a_township_reserve_are_said_to_serve_its_area_alone(tmp_path):
    hub, heli = _reserve_only("1h")
    scenario, base = _world(tmp_path, heli, depots=[depot("d1", 1), hub])
    warnings = run(scenario, base_dir=base).summary()["warnings"]
    assert any(w.startswith("the helicopters are based at hub, a township or community reserve: they fly only "
                            "to cut-off zones of its own area") for w in warnings), warnings
