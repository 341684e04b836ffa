"""Who is in which condition, with what reserve and what needs: the needs table a
scenario and an impact build, checked by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from worlds import depot, line_world, scenario_doc, write_scenario, write_zones

from sim.scenarios import load_scenario
from sim.scenarios.items import ITEMS
from sim.world.conditions import GROUPS, build_needs
from sim.world.impact import ZoneImpact

ZONES = pd.DataFrame({"zone_id": ["Z1", "Z2"], "township": ["T01", "T02"], "lon": [116.6, 116.7],
                      "lat": [39.8, 39.8], "population": [1000, 1000]})


def scenario(tmp_path, **extra):
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 1000, 0.2)])}
    stock = {"water_l": 1, "food_ration": 1, "bedding": 1, "warm_clothing": 1, "tent": 1}
    doc = scenario_doc(region, [depot("d1", 1) | {"stock": stock}], **extra)
    doc["needs"] = {"public_shelter_share": 0.4, **extra.get("needs", {})}
    doc["household_reserve"] = {"share": 0.0, **extra.get("household_reserve", {})}
    return load_scenario(write_scenario(tmp_path, doc))


def impact(affected, displaced, outdoors=(0, 0), no_lifelines=None):
    affected, displaced = np.array(affected), np.array(displaced)
    at_home = affected - displaced - np.array(outdoors)
    return ZoneImpact(affected, displaced, np.zeros(2, dtype=np.int64), np.zeros(2), np.array(outdoors),
                      np.full(2, 3 * 1440.0), at_home if no_lifelines is None else np.array(no_lifelines),
                      np.full(2, 2 * 1440.0))


def people(table, condition, reserve=None) -> int:
    return int(sum(table.people[:, g].sum() for g, (c, r) in enumerate(GROUPS)
                   if c == condition and (reserve is None or r == reserve)))


def per_person(table, condition, item) -> float:
    return float(table.per_person[0, GROUPS.index((condition, False)), ITEMS.index(item)])


def test_the_displaced_split_between_public_shelter_and_relatives(tmp_path):
    t = build_needs(scenario(tmp_path), impact([300, 0], [100, 0]), ZONES, ITEMS)
    assert people(t, "public_shelter") == 40 and people(t, "relatives") == 60
    assert people(t, "no_lifelines") == 200


def test_all_displaced_with_relatives_leaves_nobody_seeking_a_place(tmp_path):
    t = build_needs(scenario(tmp_path, needs={"public_shelter_share": 0.0}), impact([300, 0], [100, 0]), ZONES, ITEMS)
    assert people(t, "public_shelter") == 0 and people(t, "relatives") == 100
    assert (t.people[:, t.needs_place] == 0).all()
    assert t.needing(np.inf, first_day_only=True)[:, [GROUPS.index(("relatives", r)) for r in (False, True)]].sum() == 0


def test_reserves_every_condition_and_half_lost_with_the_home(tmp_path):
    sc = scenario(tmp_path, household_reserve={"share": 0.6, "days": 3, "lost_when_displaced": 0.5})
    t = build_needs(sc, impact([300, 0], [100, 0]), ZONES, ITEMS)
    assert people(t, "public_shelter", True) == 12            # 40 × 0.6 × (1 − 0.5)
    assert people(t, "no_lifelines", True) == 120             # 200 × 0.6
    assert t.first_day[GROUPS.index(("no_lifelines", True))] == 3
    assert t.first_day[GROUPS.index(("no_lifelines", False))] == 0


def test_a_reserve_in_every_intact_home_leaves_nobody_needing_relief_on_day_one(tmp_path):
    sc = scenario(tmp_path, household_reserve={"share": 1.0})
    t = build_needs(sc, impact([300, 500], [0, 0]), ZONES, ITEMS)
    assert t.needing(np.inf, first_day_only=True).sum() == 0
    assert t.need_by(3 * 1440.0 - 1).sum() == 0


def test_default_needs_by_condition_and_season(tmp_path):
    summer = build_needs(scenario(tmp_path), impact([300, 0], [100, 0], (50, 0)), ZONES, ITEMS)
    winter = build_needs(scenario(tmp_path, season="winter"), impact([300, 0], [100, 0], (50, 0)), ZONES, ITEMS)
    for condition in ("public_shelter", "outdoors", "no_lifelines"):
        assert per_person(summer, condition, "water_l") == 3 and per_person(summer, condition, "food_ration") == 1
        assert per_person(summer, condition, "warm_clothing") == 0
    assert per_person(summer, "public_shelter", "bedding") == 1
    assert per_person(winter, "public_shelter", "warm_clothing") == 1
    assert per_person(winter, "outdoors", "warm_clothing") == 1 and per_person(winter, "outdoors", "bedding") == 1
    assert per_person(winter, "no_lifelines", "warm_clothing") == 0


def test_a_shorthand_item_is_the_last_word_in_winter_too(tmp_path):
    sc = scenario(tmp_path, season="winter", needs={"bedding": 0})
    assert all("bedding" not in per for per in sc.needs.table(winter=True).values())


def test_a_water_outage_puts_everyone_affected_at_home_without_lifelines_until_it_ends(tmp_path):
    water = {"start": "0h", "end": "4d", "area": {"townships": ["T02"]}, "extra_water_l": 2}
    sc = scenario(tmp_path, outages={"water": [water]})
    t = build_needs(sc, impact([300, 300], [0, 0], no_lifelines=[0, 0]), ZONES, ITEMS)
    g = GROUPS.index(("no_lifelines", False))
    assert t.people[:, g].tolist() == [0, 300]
    assert t.people[:, GROUPS.index(("home", False))].tolist() == [300, 0]
    assert t.until_min[1, g] == pytest.approx(4 * 1440.0)
    assert t.per_person[1, g, ITEMS.index("water_l")] == 5 and t.per_person[0, g, ITEMS.index("water_l")] == 3


def test_overlapping_water_outages_are_one_outage_not_twice_the_extra_water(tmp_path):
    # 0-10 h and 5-10 h over the same township, 2 L extra each: 3 + 2 = 5 L a day, not 7.
    windows = [{"start": "0h", "end": "10h", "area": {"townships": ["T02"]}, "extra_water_l": 2},
               {"start": "5h", "end": "10h", "area": {"townships": ["T02"]}, "extra_water_l": 2}]
    sc = scenario(tmp_path, outages={"water": windows})
    t = build_needs(sc, impact([300, 300], [0, 0], no_lifelines=[0, 0]), ZONES, ITEMS)
    g = GROUPS.index(("no_lifelines", False))
    assert t.per_person[1, g, ITEMS.index("water_l")] == 5


def test_a_water_outage_starting_after_the_hit_is_said_to_count_from_the_hit(tmp_path):
    from sim.world.conditions import water_outage_warnings

    late = {"start": "48h", "end": "72h", "area": {"townships": ["T02"]}, "extra_water_l": 2}
    sc = scenario(tmp_path, outages={"water": [late]})
    said = water_outage_warnings(sc, impact([300, 300], [0, 0]), ZONES)
    assert said == ["water outage 1 starts at 48 h, after the hit of 1 zone(s) it covers: their people are "
                    "counted without water, and needing its extra 2 L a day, from the hit"]
    on_time = scenario(tmp_path, outages={"water": [late | {"start": "0h"}]})
    assert water_outage_warnings(on_time, impact([300, 300], [0, 0]), ZONES) == []


def test_outdoor_sleepers_back_in_a_home_still_without_water_go_on_needing_it(tmp_path):
    # Out for 3 nights; water back after 2 days in zone 1, after 5 in zone 2.
    out = impact([300, 300], [0, 0], (100, 100))
    out.lifelines_until_min = np.array([2 * 1440.0, 5 * 1440.0])
    t = build_needs(scenario(tmp_path), out, ZONES, ITEMS)
    g = GROUPS.index(("outdoors", False))
    assert t.until_min[:, g].tolist() == [3 * 1440.0, 5 * 1440.0]
    assert t.need_by(6 * 1440.0)[:, ITEMS.index("water_l")].tolist() == [100 * 3 * 3 + 200 * 3 * 2,
                                                                         100 * 3 * 5 + 200 * 3 * 5]
