"""Dispatch: loads, tours, urgency and which depot serves which zone."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dispatch.eligibility import earliest_arrival, lp_assignment, nearest_depot, transport_plan
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
