"""Dispatch: loads, tours, urgency and which depot serves which zone."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dispatch.eligibility import can_send, earliest_arrival, lp_assignment, nearest_depot, transport_plan
from sim.dispatch.tours import Candidates, TourRules, build_tour, compose_load
from sim.dispatch.urgency import FIRST_BATCH, RELIEF, RESUPPLY, urgency_order
from sim.scenarios.items import DEFAULT_UNIT_WEIGHT_KG, ITEMS

KG = np.array([DEFAULT_UNIT_WEIGHT_KG[i] for i in ITEMS])
WATER, FOOD, BEDDING = ITEMS.index("water_l"), ITEMS.index("food_ration"), ITEMS.index("bedding")


def vec(**amounts) -> np.ndarray:
    v = np.zeros(len(ITEMS))
    for item, n in amounts.items():
        v[ITEMS.index(item)] = n
    return v


# ------------------------------------------------------------------ loads
@settings(max_examples=200, deadline=None)
@given(water=st.integers(0, 20_000), food=st.integers(0, 5_000), bedding=st.integers(0, 800),
       stock=st.integers(0, 30_000), room=st.sampled_from([0.0, 50.0, 1_000.0, 5_000.0, 10_000.0]))
def test_a_load_is_whole_units_within_the_room_the_stock_and_the_need(water, food, bedding, stock, room):
    need = vec(water_l=water, food_ration=food, bedding=bedding)
    avail = vec(water_l=stock, food_ration=stock, bedding=stock)
    load = compose_load(need, avail, KG, room)
    assert np.all(load == np.floor(load)) and np.all(load >= 0)
    assert np.all(load <= np.minimum(need, avail) + 1e-9)
    assert float(load @ KG) <= room + 1e-9
    # Room is used: no further unit of anything still wanted would fit.
    left = np.minimum(need, avail) - load
    if (left > 0).any():
        assert room - float(load @ KG) < KG[left > 0].min() + 1e-9


def test_a_load_keeps_the_needs_proportions_so_it_covers_whole_people():
    need = vec(water_l=3_000, food_ration=1_000, bedding=1_000)        # 1,000 people
    load = compose_load(need, need, KG, 2_000.0)
    people = load / np.array([3, 1, 1] + [1] * (len(ITEMS) - 3))
    assert abs(people[WATER] - people[FOOD]) <= 1 and abs(people[FOOD] - people[BEDDING]) <= 1


def test_room_an_item_shortage_leaves_is_filled_with_the_other_items():
    need = vec(water_l=3_000, food_ration=1_000)
    load = compose_load(need, vec(water_l=3_000, food_ration=10), KG, 3_000.0)
    # Only 10 rations: the truck is filled with water instead of leaving with 10 people's worth.
    assert 9 <= load[FOOD] <= 10 and float(load @ KG) > 3_000.0 - KG[WATER]


# ------------------------------------------------------------------ tours
def candidates(needs_kg, xy_km, tiers=None):
    zones = [SimpleNamespace(zone_id=f"Z{k}", index=k) for k in range(len(needs_kg))]
    need = np.array([vec(water_l=kg / KG[WATER]) for kg in needs_kg])
    tier = np.array(tiers if tiers is not None else [RELIEF] * len(needs_kg))
    xy = np.array(xy_km, dtype=float)
    return Candidates(zones, need, tier, xy, np.hypot(*xy.T) * 2.0)


def tour_of(cand, payload=5_000.0, stock=1e9, **rules):
    return build_tour(1, "d", np.zeros(2), cand, vec(water_l=stock), KG, ITEMS, payload, TourRules(**rules), 2.0)


def test_a_large_need_fills_a_truck_for_one_zone():
    tour = tour_of(candidates([20_000, 500], [[5, 0], [5, 1]]))
    assert [d.zone.zone_id for d in tour.drops] == ["Z0"] and tour.weight_kg > 4_990


def test_small_needs_nearby_travel_together_in_one_tour():
    tour = tour_of(candidates([1_000, 1_000, 1_000, 1_000], [[5, 0], [5, 1], [6, 0], [40, 40]]))
    assert {d.zone.zone_id for d in tour.drops} == {"Z0", "Z1", "Z2"}      # the far one is beyond the detour
    assert tour.weight_kg <= 5_000 + 1e-9


def test_each_drop_carries_its_units_per_item_as_the_planner_books_them():
    """The planner books a drop's units on the way and delivered from ``drop.units``: the
    same units as the drop's items, in the order of the items, and nobody can change them."""
    tour = tour_of(candidates([1_000, 1_000, 1_000], [[5, 0], [5, 1], [6, 0]]))
    assert len(tour.drops) == 3
    for drop in tour.drops:
        np.testing.assert_array_equal(drop.units, [drop.items.get(i, 0.0) for i in ITEMS])
        assert not drop.units.flags.writeable
    assert sum(float(d.units @ KG) for d in tour.drops) == tour.weight_kg


def test_a_top_up_does_not_start_a_tour_while_a_larger_need_waits():
    tour = tour_of(candidates([30, 3_000], [[-20, 0], [30, 0]]), min_drop_kg=100.0, max_detour_min=5.0)
    assert [d.zone.zone_id for d in tour.drops] == ["Z1"]
    alone = tour_of(candidates([30], [[1, 0]]), min_drop_kg=100.0)
    assert [d.zone.zone_id for d in alone.drops] == ["Z0"]             # nothing larger: the top-up goes


def test_a_first_batch_is_capped_so_more_sites_get_one():
    cand = candidates([4_000, 4_000, 4_000], [[5, 0], [5, 1], [6, 0]], tiers=[FIRST_BATCH] * 3)
    tour = tour_of(cand, first_batch_kg=1_500.0)
    assert len(tour.drops) == 3 and all(d.weight_kg <= 1_500 + 1e-9 for d in tour.drops)
    assert all(d.purpose == "first_batch" for d in tour.drops)


def test_no_tour_without_stock():
    assert tour_of(candidates([1_000], [[5, 0]]), stock=0) is None


# Deadlines on the tour. Depot at the origin, 2 min per km (``tour_of``), the truck leaves
# at 0 and a first drop takes 10 min to unload, a further one 5 min.
def timed(needs_kg, xy_km, due_min, tiers, next_leave_min=0.0):
    cand = candidates(needs_kg, xy_km, tiers)
    return Candidates(cand.zones, cand.need, cand.tier, cand.xy_km, cand.depot_min,
                      np.array(due_min, dtype=float), leave_min=0.0, unload_min=10.0, next_leave_min=next_leave_min)


def test_a_stop_on_the_way_goes_after_a_first_batch_it_would_make_late():
    # Z0 30 km out, handed over at 60 + 10 = 70 min, due at 72; Z1 is on the way (15 km,
    # 1 km aside): before Z0 it would add 0.13 min of driving and a 5 min drop, so Z0 at
    # 75.1 min, late. It goes after Z0 instead (same detour), handed over at 105.1 min.
    due = [72.0, 200.0]
    cand = timed([1_000, 1_000], [[30, 0], [15, 1]], due, [FIRST_BATCH, RELIEF])
    tour = tour_of(cand)
    assert [d.zone.zone_id for d in tour.drops] == ["Z0", "Z1"]
    # Without deadlines the cheaper first edge wins and Z0 comes second.
    plain = tour_of(candidates([1_000, 1_000], [[30, 0], [15, 1]], [FIRST_BATCH, RELIEF]))
    assert [d.zone.zone_id for d in plain.drops] == ["Z1", "Z0"]


def test_a_first_batch_waits_for_the_next_truck_rather_than_ride_late_on_this_one():
    # Z0 10 km out, due at 35 (handed over at 30). Z1 at (10, 12) is a first batch due at
    # 55: after Z0 it is handed over at 30 + 24 + 5 = 59 min, late; before Z0 it would make
    # Z0 late (35.2 min more driving). The depot's next truck, leaving now, would hand it
    # over at 2 * 15.62 + 10 = 41.2 min: Z1 waits for it.
    cand = timed([1_000, 1_000], [[10, 0], [10, 12]], [35.0, 55.0], [FIRST_BATCH, FIRST_BATCH])
    assert [d.zone.zone_id for d in tour_of(cand, max_detour_min=60.0).drops] == ["Z0"]
    # The depot's next truck leaves only at 30 min: it would hand Z1 over at 71.2 min, late
    # too, so Z1 rides along (59 min).
    later = timed([1_000, 1_000], [[10, 0], [10, 12]], [35.0, 55.0], [FIRST_BATCH, FIRST_BATCH],
                  next_leave_min=30.0)
    assert [d.zone.zone_id for d in tour_of(later, max_detour_min=60.0).drops] == ["Z0", "Z1"]
    # With no other truck at all it rides along too.
    alone = timed([1_000, 1_000], [[10, 0], [10, 12]], [35.0, 55.0], [FIRST_BATCH, FIRST_BATCH],
                  next_leave_min=math.inf)
    assert [d.zone.zone_id for d in tour_of(alone, max_detour_min=60.0).drops] == ["Z0", "Z1"]


def test_a_stop_no_truck_can_serve_on_time_goes_where_it_adds_least():
    # Every stop is past its deadline (due at 1 min). The tour is Z1, Z0 when Z2 comes
    # to be inserted; Z2 lies between them (0.2 km more there, 1.7 km more as the first
    # stop): it goes between them, although the depot's next truck, leaving now, would
    # reach it sooner straight.
    cand = timed([1_000, 1_000, 1_000], [[5, 0], [5, 10], [6, 5]], [1.0, 1.0, 1.0], [FIRST_BATCH] * 3)
    ids = [d.zone.zone_id for d in tour_of(cand, max_detour_min=60.0).drops]
    assert len(ids) == 3 and ids[1] == "Z2"


def test_legs_between_stops_the_depot_drives_to_and_back_from_need_no_route():
    # The router says no leg can be driven; two stops with a round trip from the depot
    # still go together (through the depot at worst), a one-way stop is left out.
    asked = []

    def no_leg(a, b):
        asked.append((a.zone_id, b.zone_id))
        return math.inf

    cand = candidates([1_000, 1_000, 1_000], [[5, 0], [5, 1], [6, 0]])
    cand.round_trip = np.array([True, True, False])
    tour = build_tour(1, "d", np.zeros(2), cand, vec(water_l=1e9), KG, ITEMS, 5_000.0, TourRules(), 2.0,
                      leg_min=no_leg)
    assert sorted(d.zone.zone_id for d in tour.drops) == ["Z0", "Z1"]
    assert asked and all("Z2" in leg for leg in asked)


def test_a_stop_the_roads_make_late_waits_for_the_next_truck():
    # Z0 10 km out, due at 35 (handed over at 30). Z1 at (10, 1), a first batch due at 40:
    # before Z0 it would make Z0 late; after Z0 the straight line says 30 + 2 + 5 = 37 min,
    # on time, but the road between them goes round a river, 20 min: 30 + 20 + 5 = 55,
    # late. The depot's next truck, leaving now, hands it over at 2 * 10.05 + 10 = 30.1
    # min: Z1 waits for it.
    cand = timed([1_000, 1_000], [[10, 0], [10, 1]], [35.0, 40.0], [FIRST_BATCH, FIRST_BATCH])
    assert [d.zone.zone_id for d in tour_of(cand).drops] == ["Z0", "Z1"]      # on the straight line
    river = {("Z0", "Z1"): 20.0, ("Z1", "Z0"): 20.0}
    tour = build_tour(1, "d", np.zeros(2), cand, vec(water_l=1e9), KG, ITEMS, 5_000.0, TourRules(), 2.0,
                      leg_min=lambda a, b: river[(a.zone_id, b.zone_id)])
    assert [d.zone.zone_id for d in tour.drops] == ["Z0"]


def test_a_stop_already_on_the_tour_is_kept_on_time_by_the_roads_not_the_straight_line():
    # Z0 (10, 0) due at 35, handed over at 30; Z1 (10, 10) a first batch due at 63, second
    # at 30 + 20 + 5 = 55 (the road Z0 -> Z1 is the straight 10 km). Z2 (10.1, 5), relief,
    # lies between them: the straight line says 0.004 min more and a 5 min drop, Z1 at 60,
    # on time -- but the roads Z0 -> Z2 -> Z1 take 12 + 12 min: Z1 at 64, late. Z2 goes
    # after Z1 instead, the next cheapest place.
    cand = timed([1_000, 1_000, 1_000], [[10, 0], [10, 10], [10.1, 5]], [35.0, 63.0, 500.0],
                 [FIRST_BATCH, FIRST_BATCH, RELIEF])
    assert [d.zone.zone_id for d in tour_of(cand).drops] == ["Z0", "Z2", "Z1"]
    roads = {("Z0", "Z1"): 20.0, ("Z0", "Z2"): 12.0, ("Z2", "Z1"): 12.0, ("Z1", "Z2"): 12.0}
    tour = build_tour(1, "d", np.zeros(2), cand, vec(water_l=1e9), KG, ITEMS, 5_000.0, TourRules(), 2.0,
                      leg_min=lambda a, b: roads[(a.zone_id, b.zone_id)])
    assert [d.zone.zone_id for d in tour.drops] == ["Z0", "Z1", "Z2"]


def test_a_deadline_margin_keeps_a_stop_off_a_tour_that_would_serve_it_just_in_time():
    # Z0 10 km out, due at 35 (handed over at 30); Z1 at (10, 12), a first batch due at 62:
    # after Z0 it is handed over at 30 + 24 + 5 = 59 min, 3 min to spare. With a 5 min
    # margin the tour plans to be there by 57: 59 is too late, and the depot's next truck,
    # leaving now, hands it over at 2 * 15.62 + 10 = 41.2 min -- Z1 waits for it.
    cand = timed([1_000, 1_000], [[10, 0], [10, 12]], [35.0, 62.0], [FIRST_BATCH, FIRST_BATCH])
    assert [d.zone.zone_id for d in tour_of(cand, max_detour_min=60.0).drops] == ["Z0", "Z1"]
    assert [d.zone.zone_id for d in tour_of(cand, max_detour_min=60.0, deadline_margin_min=5.0).drops] == ["Z0"]


def test_resupply_has_no_deadline_and_never_blocks_an_insertion():
    cand = timed([1_000, 1_000], [[30, 0], [15, 1]], [math.inf, math.inf], [RESUPPLY, RESUPPLY])
    plain = tour_of(candidates([1_000, 1_000], [[30, 0], [15, 1]], [RESUPPLY, RESUPPLY]))
    assert [d.zone.zone_id for d in tour_of(cand).drops] == [d.zone.zone_id for d in plain.drops]


# ------------------------------------------------------------------ urgency
def test_urgency_serves_first_batches_then_relief_then_resupply():
    order = urgency_order(np.array([RESUPPLY, RELIEF, FIRST_BATCH]), np.full(3, 500.0), np.zeros(3), np.zeros(3))
    assert list(order) == [2, 1, 0]


def test_within_a_tier_least_slack_first_and_lost_causes_last():
    deadline = np.array([300.0, 200.0, 100.0, 250.0])
    arrival = np.array([100.0, 100.0, 150.0, 100.0])     # the third can no longer make it
    order = urgency_order(np.full(4, RELIEF), deadline, arrival, np.zeros(4))
    assert list(order) == [1, 3, 0, 2]


def test_equal_slack_goes_to_the_more_vulnerable():
    order = urgency_order(np.full(2, RELIEF), np.full(2, 300.0), np.full(2, 100.0), np.array([5.0, 50.0]))
    assert list(order) == [1, 0]


# ------------------------------------------------------------------ eligibility
def test_earliest_arrival_leaves_a_zone_to_a_depot_that_gets_there_sooner():
    arrival = np.array([[60.0, 20.0], [20.0, 60.0]])
    assert list(earliest_arrival(0, arrival, slack_min=10.0)) == [False, True]
    assert list(earliest_arrival(0, arrival, slack_min=45.0)) == [True, True]


def test_a_depot_that_cannot_serve_never_takes_a_zone():
    arrival = np.array([[math.inf, 10.0], [20.0, 30.0]])
    assert list(earliest_arrival(0, arrival, 0.0)) == [False, True]
    assert list(nearest_depot(0, np.array([[math.inf, 10.0], [20.0, 30.0]]))) == [False, True]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_transport_plan_meets_as_much_need_as_nearest_first_at_no_more_travel(data):
    n_d, n_z = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 6))
    supply = np.array([[data.draw(st.integers(0, 500))] for _ in range(n_d)], dtype=float)
    demand = np.array([[data.draw(st.integers(0, 300))] for _ in range(n_z)], dtype=float)
    travel = np.array([[data.draw(st.sampled_from([5.0, 10.0, 20.0, 40.0, math.inf])) for _ in range(n_z)]
                       for _ in range(n_d)])
    flow = transport_plan(travel, supply, demand)[:, :, 0]
    assert np.all(flow.sum(axis=1) <= supply[:, 0] + 1e-9) and np.all(flow.sum(axis=0) <= demand[:, 0] + 1e-9)
    assert np.all(flow[~np.isfinite(travel)] == 0) and np.all(flow == np.floor(flow))
    # Greedy oracle: each zone from its nearest depots in turn.
    left, greedy, cost = supply[:, 0].copy(), 0.0, 0.0
    for z in range(n_z):
        want = demand[z, 0]
        for e in np.argsort(travel[:, z], kind="stable"):
            if not math.isfinite(travel[e, z]) or want <= 0:
                continue
            take = min(want, left[e])
            left[e] -= take
            want -= take
            greedy += take
            cost += take * travel[e, z]
    assert flow.sum() >= greedy - 1e-9
    if flow.sum() == greedy:
        used = np.where(flow > 0, travel, 0.0)
        assert float((flow * used).sum()) <= cost + 1e-6
    assert list(lp_assignment(0, flow[:, :, None])) == list(flow[0] > 0)


# ------------------------------------------------------------------ the planner's view of stock
def test_the_planners_stock_follows_every_change_of_a_depots_stock(tmp_path):
    """The planner keeps the depots' available units between changes; every way a
    depot's stock or promises change (a tour reserved, a load brought back, stock
    arriving, a transfer out and in) must show in the next plan."""
    from sim.scenarios import load_scenario
    from sim.world.world import build_world
    from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1), depot("d2", 2, tier="city")], impact=everywhere_impact(0.5))
    world = build_world(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    planner, (d1, d2) = world.command.planner, world.depots

    def agrees():
        expected = np.stack([d.available_units(ITEMS) for d in world.depots])
        np.testing.assert_array_equal(planner.avail(), expected)

    agrees()
    d1.reserve({"water_l": 100.0})
    agrees()
    d1.take({"water_l": 100.0})
    d1.return_load({"water_l": 40.0})
    agrees()
    d2.add_stock("food_ration", 50.0, "city")
    agrees()
    sent = d1.send_transfer({"water_l": 200.0})
    agrees()
    d2.receive_transfer(sent, "d1", "district")
    agrees()
    assert planner.avail()[0, WATER] == 10_000 - 100 + 40 - 200
    assert planner.avail()[1, WATER] == 10_000 + 200 and planner.avail()[1, FOOD] == 5_000 + 50


def test_the_planners_fleet_follows_every_change_of_a_depots_trucks(tmp_path):
    """The planner keeps each depot's can-send and ready time between changes of its
    fleet; every way they change (a truck waiting for work and back to it, out on a
    tour and back, the depot held and released, power cut) must show in the next plan,
    as the depot's own methods give it."""
    from sim.scenarios import load_scenario
    from sim.world.world import build_world
    from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1, trucks=2), depot("d2", 2, tier="city")], impact=everywhere_impact(0.5))
    world = build_world(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    planner, (d1, d2) = world.command.planner, world.depots

    def agrees(now):
        sends, wait, load = planner._fleet_now(now)
        assert sends.tolist() == [can_send(d) for d in world.depots]
        assert wait.tolist() == [d.ready_in_min(now) for d in world.depots]
        assert load.tolist() == [d.load_time_min() for d in world.depots]

    agrees(0.0)
    sends, _, load = planner._fleet_now(0.0)
    for kept in (sends, load):                  # the planner's own arrays, not to be changed by a caller
        with pytest.raises(ValueError):
            kept[0] = kept[1]
    d1.truck_out("d1-1", 50.0)
    agrees(10.0)
    d1.truck_out("d1-2", 40.0)
    agrees(10.0)
    assert planner._fleet_now(10.0)[1][0] == 30.0          # the first truck back at 40 min
    agrees(45.0)
    d1.truck_back("d1-2")
    agrees(45.0)
    d1.wait_for_work()
    agrees(45.0)
    d1.back_to_work()
    agrees(45.0)
    d2.hold()
    agrees(45.0)
    assert not planner._fleet_now(45.0)[0][1]
    d2.release()
    agrees(45.0)
    d1.power.cut("window", 2.0)
    agrees(45.0)
    d1.power.cut("other window", 3.0)
    agrees(45.0)
    d1.power.end("other window")
    agrees(45.0)
    d1.power.repair()
    agrees(45.0)


def test_travel_from_the_depots_follows_roads_slowing_closing_and_reopening(tmp_path):
    """Command keeps whether each zone can drive back to each depot while no road opens or
    closes (and while all can, as long as roads only open); its travel matrix always
    equals one worked out afresh from the router."""
    from sim.scenarios import load_scenario
    from sim.world.world import build_world
    from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=4)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 100, 0.2), ("Z2", 3, 100, 0.2), ("Z3", 4, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1), depot("d2", 4, tier="city")], impact=everywhere_impact(0.5))
    world = build_world(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    command, router, graph = world.command, world.router, world.graph

    def agrees():
        zone_nodes = [z.node for z in world.zones]
        for k, d in enumerate(world.depots):
            back = np.isfinite(router.times_to(d.node)[zone_nodes])
            expected = np.where(back, router.times_from(d.node)[zone_nodes], math.inf)
            np.testing.assert_array_equal(command.travel()[k], expected)

    agrees()
    first = np.flatnonzero(graph.heads == graph.index_of(2))        # the edges into node 2
    for factor in (0.5, 0.0, 0.25, 1.0):
        world.traffic.set_speed_factor(first, np.full(len(first), factor))
        agrees()
    one_way = np.flatnonzero((graph.tails == graph.index_of(3)) & (graph.heads == graph.index_of(2)))
    world.traffic.set_speed_factor(one_way, np.zeros(len(one_way)))    # 3 -> 2 closed: Z2, Z3 cannot drive back to d1
    agrees()
    assert not np.isfinite(command.travel()[0, 1:]).any()
    world.traffic.set_speed_factor(one_way, np.ones(len(one_way)))
    agrees()
    away = np.flatnonzero((graph.tails == graph.index_of(2)) & (graph.heads == graph.index_of(3)))
    world.traffic.set_speed_factor(away, np.zeros(len(away)))          # every zone can still drive back to d1
    agrees()
    world.traffic.set_speed_factor(away, np.full(len(away), 0.5))      # opened again, nothing closed since
    agrees()


def test_after_roads_only_open_only_the_zones_that_could_not_drive_back_are_asked_again(tmp_path, monkeypatch):
    """While roads only open, a zone that could drive back to a depot still can: Command asks
    the router again about the others alone (and about none once all can); after a closure,
    about every zone. Its travel matrix equals one worked out afresh all along."""
    from sim.scenarios import load_scenario
    from sim.world.world import build_world
    from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=4)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 100, 0.2), ("Z2", 3, 100, 0.2), ("Z3", 4, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5))
    world = build_world(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    command, router, graph = world.command, world.router, world.graph
    zone_nodes = np.array([z.node for z in world.zones])
    asked = []
    times_to = type(router).times_to

    def recording(self, target, at=None):
        asked.append(None if at is None else sorted(np.asarray(at).tolist()))
        return times_to(self, target, at)

    monkeypatch.setattr(type(router), "times_to", recording)

    def travel_asks():
        asked.clear()
        row = command.travel()[0]
        asked_then = list(asked)
        asked.clear()
        back = np.isfinite(times_to(router, world.depots[0].node)[zone_nodes])
        np.testing.assert_array_equal(row, np.where(back, router.times_from(world.depots[0].node)[zone_nodes],
                                                    math.inf))
        return asked_then

    def edges(a, b):
        return np.flatnonzero((graph.tails == graph.index_of(a)) & (graph.heads == graph.index_of(b)))

    assert travel_asks() == [sorted(zone_nodes.tolist())]
    one_way, away = edges(3, 2), edges(2, 3)
    world.traffic.set_speed_factor(one_way, np.zeros(len(one_way)))    # Z2, Z3 cannot drive back to d1
    assert travel_asks() == [sorted(zone_nodes.tolist())]              # a road closed: every zone asked
    world.traffic.set_speed_factor(away, np.zeros(len(away)))
    assert travel_asks() == [sorted(zone_nodes.tolist())]
    world.traffic.set_speed_factor(away, np.ones(len(away)))            # only opened since: Z2 and Z3 asked
    assert travel_asks() == [sorted(zone_nodes[1:].tolist())]
    world.traffic.set_speed_factor(one_way, np.ones(len(one_way)))      # they can again
    assert travel_asks() == [sorted(zone_nodes[1:].tolist())]
    world.traffic.set_speed_factor(away, np.zeros(len(away)))
    world.traffic.set_speed_factor(away, np.ones(len(away)))            # closed and opened: every zone asked
    assert travel_asks() == [sorted(zone_nodes.tolist())]
    world.traffic.set_speed_factor(away, np.zeros(len(away)))
    assert travel_asks() == [sorted(zone_nodes.tolist())]
    world.traffic.set_speed_factor(away, np.full(len(away), 0.5))       # all could, only opened since
    assert travel_asks() == []


def test_the_planners_first_supplies_follow_every_zones_first_supply(tmp_path):
    """The planner marks a zone as having had first supplies when the zone says so,
    whoever unloads there (a truck, a last-mile trip) — not when it next looks."""
    from sim.scenarios import load_scenario
    from sim.world.world import build_world
    from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=4)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 100, 0.2), ("Z2", 3, 100, 0.2), ("Z3", 4, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5))
    world = build_world(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    planner, zones = world.command.planner, world.zones

    def agrees():
        assert planner._first_done.tolist() == [z.first_supply_min < math.inf for z in zones]

    agrees()
    zones[1].receive(30.0, {"water_l": 10.0}, "d1", "district")       # 10.5 kg: not yet a first batch
    agrees()
    assert planner._first_done.tolist() == [False, False, False]
    zones[1].receive(40.0, {"water_l": 90.0}, "d1", "district")       # 105 kg of water
    zones[2].receive(50.0, {"food_ration": 124.0, "bedding": 40.0}, "c1", "city")   # 99.2 kg of food
    agrees()
    assert planner._first_done.tolist() == [False, True, True]


def test_a_township_reserve_goes_to_the_district_depot_within_the_slack_of_the_earliest(tmp_path):
    """A district depot takes a township reserve as a stop only if its truck would arrive
    no later than the earliest other district or city depot that can send and has a
    truck ready within the planning interval, plus that interval (hand-computed on a
    line of 10-minute roads: d1 at node 1, d2 at node 5, reserves at nodes 2 and 4,
    20 minutes' loading, a 5-minute interval)."""
    from sim.scenarios import load_scenario
    from sim.world.world import build_world
    from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=5)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1), depot("d2", 5, tier="city"),
                                depot("s1", 2, tier="street", serves={"townships": ["T01"]}),
                                depot("s2", 4, tier="street", serves={"townships": ["T01"]})],
                       impact=everywhere_impact(0.5))
    doc["policy"]["replan_every"] = "5min"
    world = build_world(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    planner, (d1, d2, _, _) = world.command.planner, world.depots
    hubs = np.array(planner.hubs)
    assert hubs.tolist() == [2, 3]
    # d1 reaches s1 at 20 + 10 and s2 at 20 + 30 minutes, d2 at 20 + 30 and 20 + 10.
    assert planner._nearest_district(0, hubs, 0.0).tolist() == [True, False]
    assert planner._nearest_district(1, hubs, 0.0).tolist() == [False, True]
    d2.truck_out("d2-1", 30.0)                               # back at 30 min: not ready within 5
    assert planner._nearest_district(0, hubs, 0.0).tolist() == [True, True]
    assert planner._nearest_district(0, hubs, 26.0).tolist() == [True, False]   # back in 4 minutes
    d2.hold()
    assert planner._nearest_district(0, hubs, 26.0).tolist() == [True, True]


def test_a_change_of_need_wakes_the_waiting_trucks_that_may_have_work_and_asks_no_more(tmp_path):
    """Command wakes, after a change, a waiting truck of every district or city depot and of
    every reserve that has zones of its own to serve; which zones a reserve serves is worked
    out only when a reserve's truck waits and could serve a zone it has heard of (it is the
    costly part of planning)."""
    from sim.scenarios import load_scenario
    from sim.world.world import build_world
    from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=4)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2), ("Z2", 4, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1), depot("s1", 2, tier="street", serves={"townships": ["T01"]}),
                                depot("s2", 2, tier="street", water=0, food=0, serves={"townships": ["T01"]})],
                       impact=everywhere_impact(0.5))
    world = build_world(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    command, planner = world.command, world.command.planner
    command._refresh_need()
    for zone in world.zones:
        command._known(zone)
    command.visible_at[:] = 0.0                   # the orders reach the depots at once
    key = planner._eligible_key
    assert not planner.may_have_work(0.0, np.array([False, False, False])).any()
    assert planner.may_have_work(0.0, np.array([True, False, False])).tolist() == [True, False, False]
    assert planner._eligible_key == key                           # no reserve's truck waits: nothing worked out
    # Only s2's truck waits, and s2 holds nothing the zones lack: no zone can be its, so
    # which zones are whose (the travel times) is not worked out either.
    assert planner.may_have_work(0.0, np.array([False, False, True])).tolist() == [False, False, False]
    assert planner._eligible_key == key
    assert planner.zones_for(2, 0.0).tolist() == [] and planner._eligible_key == key     # nor when it asks
    assert planner.may_have_work(0.0, np.array([True, True, True])).tolist() == [True, True, False]
    assert planner._eligible_key != key

    waiting = [d.wait_for_work() for d in world.depots]
    command.need_changed()
    assert [event.triggered for event in waiting] == [True, True, False]     # s2 holds nothing the zones lack


def test_the_planners_open_need_follows_every_change_of_need_loads_and_deliveries(tmp_path, monkeypatch):
    """The planner keeps the open need between changes; after needs fall due, a tour is
    loaded, a drop is delivered or abandoned it equals the need less what was delivered and
    what is on its way, worked out afresh."""
    from sim.dispatch.planner import TourPlanner
    from sim.engine.simulation import run
    from sim.scenarios import load_scenario
    from sim.world.world import build_world
    from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    def fresh(planner):
        return np.maximum(planner.need - planner.delivered - planner.en_route, 0.0)

    region = line_world(tmp_path, n=5)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 300, 0.2), ("Z2", 3, 300, 0.2), ("Z3", 5, 300, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1, trucks=2, payload=800)], impact=everywhere_impact(0.5),
                       duration="48h")
    path = write_scenario(tmp_path, doc)

    world = build_world(load_scenario(path), base_dir=tmp_path)
    command, planner = world.command, world.command.planner
    command._refresh_need()
    for zone in world.zones:
        command._known(zone)
    command.visible_at[:] = 0.0
    np.testing.assert_array_equal(planner.open_need(), fresh(planner))
    tour = planner.next_tour(world.depots[0], 0, 0.0)
    assert tour is not None and len(tour.drops) >= 2
    np.testing.assert_array_equal(planner.open_need(), fresh(planner))
    planner.on_delivered(tour.drops[0], world.depots[0])
    np.testing.assert_array_equal(planner.open_need(), fresh(planner))
    planner.on_abandoned(tour.drops[1])
    np.testing.assert_array_equal(planner.open_need(), fresh(planner))

    checked = []

    def checked_after(method):
        def call(self, *args):
            out = method(self, *args)
            np.testing.assert_array_equal(self.open_need(), fresh(self))
            checked.append(method.__name__)
            return out
        return call

    for name in ("refresh_need", "next_tour", "on_delivered", "on_abandoned"):
        monkeypatch.setattr(TourPlanner, name, checked_after(getattr(TourPlanner, name)))
    run(load_scenario(path), base_dir=tmp_path)
    assert {"refresh_need", "next_tour", "on_delivered"} <= set(checked) and len(checked) > 20


def test_a_leg_between_stops_is_the_time_of_the_route_driven_whatever_the_router_has_cached():
    """Tours are checked on the legs' times by road (``Command.leg_min``): the time of the
    route the truck would drive, summed road by road. A shortest-path tree from the first
    stop, cached for other questions, sums its times in another order (in the last bits
    they differ for most pairs), so the answer must not depend on whether one is cached."""
    from pathlib import Path
    from types import SimpleNamespace

    from sim.dispatch.command import Command
    from sim.network.dimacs import read_dimacs
    from sim.routing import Router

    graph = read_dimacs(Path(__file__).resolve().parent / "data" / "ny_extract.gr.xz", weight_seed=0)
    router = Router(graph, algorithm="cch")
    command = SimpleNamespace(router=router)
    rng = np.random.default_rng(3)
    sources = rng.integers(0, graph.n_nodes, 4).tolist()
    targets = rng.integers(0, graph.n_nodes, 50).tolist()
    trees_differ = 0
    for a in sources:
        tree = router.times_from(a)                       # now cached
        for b in targets:
            route = router.route(a, b)
            want = math.inf if route is None else route.time_min
            assert Command.leg_min(command, SimpleNamespace(node=a), SimpleNamespace(node=b)) == want
            trees_differ += bool(tree[b] != want)
    assert trees_differ > 0                               # the question this answers does arise


def test_zones_worked_out_later_for_a_state_are_those_of_the_fleet_as_it_was_then(tmp_path):
    """Which zones are whose is kept per state of command's knowledge, time and roads; when a
    depot's own ask finds it has none without working that out, the next ask in that state
    works it out from the fleet as it was when the state was first looked at — as if it had
    been worked out then — even if the fleet changed and was read again in between."""
    from sim.scenarios import load_scenario
    from sim.world.world import build_world
    from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=4)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2), ("Z2", 4, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1), depot("s1", 2, tier="street", serves={"townships": ["T01"]}),
                                depot("s2", 2, tier="street", water=0, food=0, serves={"townships": ["T01"]})],
                       impact=everywhere_impact(0.5))
    doc["policy"]["dispatch"] = "lp"                         # whose zones depends on who can send
    world = build_world(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    command, planner = world.command, world.command.planner
    command._refresh_need()
    for zone in world.zones:
        command._known(zone)
    command.visible_at[:] = 0.0
    key = (command._version, 0.0, command.router.epoch)
    assert planner.zones_for(2, 0.0).tolist() == []              # s2 holds nothing: nothing worked out
    assert planner._eligible_key != key
    world.depots[1].hold()                                       # s1 held back, in the same state ...
    planner._fleet_now(0.0)                                      # ... and the fleet read again
    assert (command._version, 0.0, command.router.epoch) == key
    assert len(planner.zones_for(1, 0.0)) > 0                    # as it was when the state was first looked at
