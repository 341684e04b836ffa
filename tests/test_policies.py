"""Dispatch policies and truckloads."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dispatch.command import split_into_truckloads
from sim.dispatch.policies import plan_orders
from sim.scenarios.items import DEFAULT_UNIT_WEIGHT_KG as KG


@settings(max_examples=200, deadline=None, derandomize=True)
@given(water=st.integers(0, 20_000), food=st.integers(0, 5_000), tents=st.integers(0, 50),
       payload=st.sampled_from([35.0, 100.0, 1_000.0, 5_000.0, 10_000.0]))
def test_truckloads_carry_everything_in_whole_units_within_the_payload(water, food, tents, payload):
    items = {"water_l": water, "food_ration": food, "tent": tents}
    loads = split_into_truckloads(items, KG, payload)
    for load in loads:
        assert sum(n * KG[i] for i, n in load.items()) <= payload + 1e-9
        assert all(n == int(n) and n > 0 for n in load.values())
    for item, amount in items.items():
        assert sum(load.get(item, 0) for load in loads) == amount
    # Every load but the last is full: no unit still to ship would fit in it.
    left = dict(items)
    for load in loads:
        for item, n in load.items():
            left[item] -= n
        still = [KG[i] for i, a in left.items() if a > 0]
        if still:
            assert payload - sum(n * KG[i] for i, n in load.items()) < min(still) + 1e-9


def test_every_truckload_of_a_large_order_carries_every_item():
    loads = split_into_truckloads({"water_l": 12_000, "food_ration": 4_000}, KG, 5_000)
    assert all(set(load) == {"water_l", "food_ration"} for load in loads[:-1])


class FakeDepot:
    def __init__(self, depot_id, stock, trucks=4, bays=2, payload=5_000):
        self.depot_id = depot_id
        self.stock = dict(stock)
        self.blocked = False
        self.backlog = 0
        self.slowdown = 1.0
        self.spec = SimpleNamespace(load_time=20.0, unload_time=15.0, loading_bays=bays,
                                    trucks=SimpleNamespace(count=trucks, payload_kg=payload))

    def available(self, item):
        return self.stock.get(item, 0.0)


def fake_zone(i, vulnerable=0.0, served=False, need=None):
    return SimpleNamespace(zone_id=f"Z{i}", index=i, report_min=float(i), vulnerable_affected=vulnerable,
                           first_supply_min=1.0 if served else math.inf, need=need or {"water_l": 100})


def shipped(orders):
    out = {}
    for o in orders:
        for item, a in o.items.items():
            out[(o.depot.depot_id, o.zone.zone_id, item)] = out.get((o.depot.depot_id, o.zone.zone_id, item), 0) + a
    return out


def cost(orders, times, depots, zones):
    di = {d.depot_id: k for k, d in enumerate(depots)}
    zi = {z.zone_id: k for k, z in enumerate(zones)}
    return sum(a * times[di[o.depot.depot_id], zi[o.zone.zone_id]] for o in orders for a in o.items.values())


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_lp_meets_as_much_need_as_greedy_at_no_more_travel(data):
    n_d, n_z = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 6))
    stock = [data.draw(st.integers(0, 500)) for _ in range(n_d)]
    need = [data.draw(st.integers(0, 300)) for _ in range(n_z)]
    times = np.array([[data.draw(st.sampled_from([5.0, 10.0, 20.0, 40.0, math.inf])) for _ in range(n_z)]
                      for _ in range(n_d)])
    depots = [FakeDepot(f"d{k}", {"water_l": s}) for k, s in enumerate(stock)]
    zones = [fake_zone(k) for k in range(n_z)]
    needs = [{"water_l": n} if n else {} for n in need]
    lp = plan_orders("lp", zones, needs, depots, times, KG)
    greedy = plan_orders("nearest", zones, needs, depots, times, KG)
    lp_total = sum(shipped(lp).values())
    greedy_total = sum(shipped(greedy).values())
    assert lp_total >= greedy_total
    if lp_total == greedy_total:
        assert cost(lp, times, depots, zones) <= cost(greedy, times, depots, zones) + 1e-6
    for policy_orders in (lp, greedy):
        for d in depots:
            assert sum(a for (dd, _, _), a in shipped(policy_orders).items() if dd == d.depot_id) <= d.stock["water_l"]
        for z, n in zip(zones, need):
            assert sum(a for (_, zz, _), a in shipped(policy_orders).items() if zz == z.zone_id) <= n
        for o in policy_orders:
            assert math.isfinite(times[int(o.depot.depot_id[1:]), o.zone.index])


def test_nearest_takes_from_the_closest_depot_with_stock_then_the_next():
    depots = [FakeDepot("far", {"water_l": 1000}), FakeDepot("near", {"water_l": 100})]
    zones = [fake_zone(0)]
    orders = plan_orders("nearest", zones, [{"water_l": 300}], depots, np.array([[30.0], [10.0]]), KG)
    assert shipped(orders) == {("near", "Z0", "water_l"): 100, ("far", "Z0", "water_l"): 200}


def test_priority_nearest_gives_every_zone_a_first_batch_before_anyone_gets_more():
    depots = [FakeDepot("d", {"water_l": 3_000}, payload=1_050)]   # one truckload = 1,000 L
    zones = [fake_zone(k, vulnerable=10 - k, need={"water_l": 2_000}) for k in range(3)]
    orders = plan_orders("priority_nearest", zones, [{"water_l": 2_000}] * 3, depots, np.full((1, 3), 10.0), KG)
    assert shipped(orders) == {("d", f"Z{k}", "water_l"): 1_000 for k in range(3)}


def test_priority_nearest_rations_a_shortage_in_proportion_to_need():
    depots = [FakeDepot("d", {"water_l": 1_000})]
    zones = [fake_zone(0, served=True, need={"water_l": 900}), fake_zone(1, served=True, need={"water_l": 100})]
    orders = plan_orders("priority_nearest", zones, [{"water_l": 900}, {"water_l": 100}] * 1, depots,
                         np.full((1, 2), 10.0), KG)
    assert shipped(orders) == {("d", "Z0", "water_l"): 900, ("d", "Z1", "water_l"): 100}
    orders = plan_orders("priority_nearest", zones, [{"water_l": 1_800}, {"water_l": 200}], depots,
                         np.full((1, 2), 10.0), KG)
    assert shipped(orders) == {("d", "Z0", "water_l"): 900, ("d", "Z1", "water_l"): 100}


def test_priority_nearest_serves_unserved_and_vulnerable_zones_first():
    depots = [FakeDepot("d", {"water_l": 100})]
    zones = [fake_zone(0, vulnerable=50, served=True), fake_zone(1, vulnerable=5), fake_zone(2, vulnerable=40)]
    needs = [{"water_l": 100}] * 3
    orders = plan_orders("priority_nearest", zones, needs, depots, np.full((1, 3), 10.0), KG)
    assert shipped(orders) == {("d", "Z2", "water_l"): 100}


def test_priority_nearest_prefers_a_farther_depot_with_idle_trucks_to_a_near_one_with_a_queue():
    near, far = FakeDepot("near", {"water_l": 10_000}, trucks=1, bays=1), FakeDepot("far", {"water_l": 10_000})
    near.backlog = 10          # ten truckloads ahead: ~10 × 20 min before a new one leaves
    orders = plan_orders("priority_nearest", [fake_zone(0)], [{"water_l": 100}], [near, far],
                         np.array([[5.0], [30.0]]), KG)
    assert [o.depot.depot_id for o in orders] == ["far"]


def test_blocked_and_unreachable_depots_are_never_chosen():
    blocked = FakeDepot("city", {"water_l": 1000})
    blocked.blocked = True
    cut_off = FakeDepot("island", {"water_l": 1000})
    for policy in ("nearest", "priority_nearest", "lp"):
        orders = plan_orders(policy, [fake_zone(0)], [{"water_l": 50}], [blocked, cut_off],
                             np.array([[5.0], [math.inf]]), KG)
        assert orders == [], policy


@pytest.mark.parametrize("policy", ["nearest", "priority_nearest", "lp"])
def test_a_depot_without_trucks_is_never_chosen(policy):
    truckless = FakeDepot("near", {"water_l": 1000}, trucks=0)
    far = FakeDepot("far", {"water_l": 1000}, trucks=2)
    orders = plan_orders(policy, [fake_zone(0), fake_zone(1)], [{"water_l": 50}, {"water_l": 50}],
                         [truckless, far], np.array([[5.0, 5.0], [30.0, 30.0]]), KG)
    assert {o.depot.depot_id for o in orders} == {"far"}
    assert sum(shipped(orders).values()) == 100


@pytest.mark.parametrize("payload", [0.5, 1.0])
def test_a_payload_below_one_unit_is_refused(payload):
    with pytest.raises(ValueError, match="cannot carry one unit"):
        split_into_truckloads({"water_l": 10}, KG, payload)
