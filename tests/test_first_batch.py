"""What counts as a community's first batch: worked by hand on one zone, and against an oracle.

One zone of N people needing, on the first day, 3 L of water, one ration and one bedding set
each (water 1.05 kg/L, a ration 0.8 kg): the first batch is 100 kg of water and food, or all
the zone needs of them on its first day if less, to within one unit of water (1.05 kg).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.agents.first_batch import FirstBatchRule
from sim.agents.zone import Zone
from sim.world.event_log import EventLog
from sim.world.needs import NeedsTable

ITEMS = ("water_l", "food_ration", "bedding")
RULE = FirstBatchRule(("water_l", "food_ration"), (1.05, 0.8), 100.0)


def _zone(people: int, rule=RULE) -> Zone:
    table = NeedsTable(ITEMS, np.array([[people]]), np.array([[[3.0, 1.0, 1.0]]]), np.array([0.0]),
                       np.array([[math.inf]]), np.array([False]), np.array([0.0]), ["no_lifelines"], [False])
    zone = Zone("Z1", 0, 0, "T01", people, 0.2, EventLog())
    zone.first_batch = rule
    zone.hit(people, 0, 0, 0.0, table.zone(0))
    return zone


def test_a_token_drop_and_a_bundle_of_quilts_are_deliveries_not_the_first_batch():
    zone = _zone(800)                                    # needs 2,400 L and 800 rations: 3,160 kg
    assert zone.first_day_batch_kg() == pytest.approx(3160.0)
    zone.receive(30.0, {"water_l": 2.0}, "c1", "community")
    zone.receive(40.0, {"bedding": 500.0}, "t1", "street")
    assert zone.first_supply_min == math.inf
    zone.receive(50.0, {"water_l": 55.0, "food_ration": 50.0}, "d1", "district")    # 2 + 55 L, 50 rations: 99.85 kg
    assert zone.first_supply_min == 50.0 and zone.first_district_supply_min == math.inf   # 97.75 kg of the district's
    zone.receive(60.0, {"food_ration": 2.0}, "d1", "district")                     # 99.35 kg: the district's batch
    assert zone.first_district_supply_min == 60.0 and zone.first_city_supply_min == math.inf
    events = zone.log.to_frame()
    assert events[events["kind"] == "first_supply"]["time_min"].tolist() == [50.0]


def test_a_hamlet_needing_less_than_the_batch_has_it_with_its_whole_first_day():
    zone = _zone(10)                                     # 30 L and 10 rations: 39.5 kg
    zone.receive(30.0, {"water_l": 30.0}, "d1", "district")                        # 31.5 kg
    assert zone.first_supply_min == math.inf
    zone.receive(40.0, {"food_ration": 10.0}, "d1", "district")
    assert zone.first_supply_min == 40.0 == zone.first_district_supply_min


@pytest.mark.parametrize("litres, complete", [(94.0, False), (95.0, True)])
def test_a_load_of_whole_units_within_one_unit_of_the_batch_completes_it(litres, complete):
    zone = _zone(800)                                    # 95 L = 99.75 kg, within 1.05 kg of 100 kg
    zone.receive(30.0, {"water_l": litres}, "d1", "district")
    assert (zone.first_supply_min == 30.0) is complete


def test_the_districts_first_batch_is_what_the_reserves_left_of_the_first_day_when_that_is_less():
    zone = _zone(800)
    zone.receive(30.0, {"water_l": 2390.0, "food_ration": 795.0}, "t1", "street")    # 3,145.5 of 3,160 kg
    assert zone.first_supply_min == 30.0
    zone.receive(40.0, {"water_l": 10.0}, "d1", "district")                        # 10.5 of the 14.5 kg left
    assert zone.first_district_supply_min == math.inf
    zone.receive(50.0, {"water_l": 5.0}, "c1", "city")                             # 15.75 kg: complete
    assert zone.first_district_supply_min == 50.0
    assert zone.first_city_supply_min == 50.0                 # the city's 5.25 kg of the 4 kg the others left


@pytest.mark.parametrize("seed", range(8))
def test_each_tiers_first_batch_is_the_first_time_its_running_kilograms_reach_the_rule(seed):
    # Oracle: running sums by tier class, each compared with the rule written out here.
    rng = np.random.default_rng(seed)
    people = int(rng.integers(1, 400))
    zone = _zone(people)
    need_kg = people * (3 * 1.05 + 0.8)
    had = {"any": 0.0, "district": 0.0, "city": 0.0}
    want = {"any": math.inf, "district": math.inf, "city": math.inf}
    for k in range(30):
        tier = str(rng.choice(["district", "city", "street", "community"]))
        items = {item: float(rng.integers(0, 40)) for item in rng.permutation(ITEMS)[:int(rng.integers(1, 4))]}
        kg = items.get("water_l", 0.0) * 1.05 + items.get("food_ration", 0.0) * 0.8
        now = 10.0 * k
        classes = ["any"] + (["district"] if tier in ("district", "city") else []) + (["city"] if tier == "city" else [])
        for c in classes:
            had[c] += kg
        for c in classes:
            due = need_kg if c == "any" else max(need_kg - (had["any"] - had[c]), 0.0)
            if want[c] == math.inf and had[c] >= min(100.0, due) - 1.05:
                want[c] = now
        zone.receive(now, items, "x", tier)
        got = {"any": zone.first_supply_min, "district": zone.first_district_supply_min,
               "city": zone.first_city_supply_min}
        assert got == want
        assert zone.first_supply_min <= zone.first_district_supply_min <= zone.first_city_supply_min
