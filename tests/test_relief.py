"""Who needs relief, and what a run reports about it, on worlds small enough to check by hand.

One zone of 100 residents at the end of a line of two 10-minute roads, a
depot at the other end: report 30 min + order 5 + load 20 + drive 20 +
unload 15 puts the first delivery on site at 90 min. Half the residents are
affected; the stated impact leaves the affected at home without lifelines.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

from sim.analysis.clock import since_hit_min
from sim.analysis.metrics import unmet_need, zones_frame
from sim.api import run
from sim.scenarios import builtin_scenario_path, load_scenario
from sim.scenarios.items import ITEMS

H = 60.0
DAY_MIN = 24 * H


def small_world(tmp_path, *, displaced=0.0, depots=None, duration="24h", **extra):
    region = line_world(tmp_path, n=3, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, depots or [depot("d1", 1)], impact=everywhere_impact(0.5, displaced),
                       duration=duration)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key] = {**doc[key], **value}
        else:
            doc[key] = value
    return run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)


def relief(result) -> dict:
    return result.summary()["kpi"]["relief"]


def deliveries(result, item="water_l"):
    ev = result.events_frame()
    return ev[(ev["kind"] == "deliver") & (ev["item"] == item)]


def test_a_reserve_in_every_intact_home_means_no_need_before_day_3(tmp_path):
    result = small_world(tmp_path, duration="4d", household_reserve={"share": 1.0, "days": 3},
                         impact={"lifelines_restored_after": "5d"})
    r = relief(result)
    assert r["people_affected"] == 50 and r["displaced"] == 0
    assert r["people_needing_relief"] == 0 and r["items_needed_first_day"] == {}
    water = deliveries(result)
    # Day 3's rations are due at 72 h; the dispatcher looks 12 h ahead, so nothing leaves before 60 h.
    assert water["time_min"].min() >= 60 * H
    # Day 3's rations, and day 4's (due at 96 h, the run's end) sent 12 h ahead.
    assert water["amount"].tolist() == [150, 150] and water["time_min"].iloc[1] >= 84 * H
    assert r["relieved_at_day"] == {"1d": None, "2d": None, "3d": None, "4d": 1.0}


def test_displaced_who_all_go_to_relatives_ask_no_public_shelter(tmp_path):
    shelter = {"id": "s1", "at": {"node": 2}, "area_m2": 1000}
    result = small_world(tmp_path, displaced=0.4, needs={"public_shelter_share": 0.0}, shelters=[shelter])
    r = relief(result)
    assert r["displaced"] == 20 and r["displaced_with_relatives"] == 20 and r["displaced_public_shelter"] == 0
    assert r["sheltered"] == 0 and r["without_shelter_place"] == 0
    assert set(result.events_frame()["kind"]) & {"shelter", "no_shelter"} == set()
    # Hosted by relatives, they need no delivered relief: only the 30 at home do.
    assert r["people_needing_relief"] == 30
    assert r["items_needed_first_day"] == {"water_l": 90.0, "food_ration": 30.0}


def tent_depot(tents):
    return depot("d1", 1) | {"stock": {"water_l": 10_000, "food_ration": 5_000, "tent": tents}}


def test_tents_give_the_displaced_without_a_shelter_their_places(tmp_path):
    # No shelter: the 25 displaced need 25 places; a 12 m2 tent at 2 m2 a person houses 6: 5 tents.
    needs = {"shelter_m2": 2, "tent_m2": 12}
    result = small_world(tmp_path, displaced=0.5, needs=needs, depots=[tent_depot(100)])
    r = relief(result)
    assert r["without_shelter_place"] == 25 and r["items_needed_first_day"]["tent"] == 5
    assert deliveries(result, "tent")["amount"].sum() == 5
    assert r["within"]["8h"] == 1.0
    assert r["relieved_by_condition"]["8h"]["public_shelter"] == 25


def test_without_tents_the_displaced_lack_a_place_and_relief_says_so(tmp_path):
    needs = {"shelter_m2": 2, "tent_m2": 12}
    result = small_world(tmp_path, displaced=0.5, needs=needs, depots=[tent_depot(3)])   # 3 tents: 18 places
    r = relief(result)
    assert r["relieved_by_condition"]["8h"] == {"public_shelter": 18, "outdoors": 0, "no_lifelines": 25,
                                                "relatives": 0, "home": 0}
    assert r["limited_by"]["shelter_places"] == 7
    assert sum(r["limited_by"].values()) == 7


def test_winter_adds_warm_clothing_for_the_displaced(tmp_path):
    stock = {"water_l": 10_000, "food_ration": 5_000, "warm_clothing": 100, "tent": 10}
    kit = depot("d1", 1) | {"stock": stock}
    summer = relief(small_world(tmp_path, displaced=0.2, depots=[kit]))
    winter = relief(small_world(tmp_path, displaced=0.2, depots=[kit], season="winter"))
    assert "warm_clothing" not in summer["items_needed_first_day"]
    assert winter["items_needed_first_day"]["warm_clothing"] == 10          # the 10 displaced
    assert winter["items_needed_first_day"]["water_l"] == summer["items_needed_first_day"]["water_l"] == 150


def test_daily_need_recurs_and_is_delivered_day_after_day(tmp_path):
    result = small_world(tmp_path, duration="3d")
    r = relief(result)
    # A ration a day for the 50 while without water and power (3 d, lifelines_restored_after):
    # days 1-3, and none for a day 4 they have water again.
    assert deliveries(result)["amount"].tolist() == [150] * 3
    assert r["relieved_at_day"] == {"1d": 1.0, "2d": 1.0, "3d": 1.0}
    zone = result.world.zones[0]
    assert zone.need_by(0.0)["water_l"] == 150 and zone.need_by(48 * H)["water_l"] == 450


def test_relieved_at_a_day_s_end_asks_for_that_day_s_needs_not_the_next(tmp_path):
    # Without looking ahead, day 2's rations leave at 24 h and arrive at 24 h + 55 min.
    result = small_world(tmp_path, duration="2d", policy={"lookahead": "0s"})
    r = relief(result)
    assert r["relieved_at_day"] == {"1d": 1.0, "2d": 1.0}
    # Those 55 minutes are 50 people short of a ration: 50 × 55 / 1440 person-days,
    # besides the first 90 minutes (everyone waits for the first delivery).
    assert r["person_days_without_needs"] == pytest.approx(50 * (90 + 60) / 1440, abs=0.1)


def test_person_days_of_people_nobody_reaches_are_people_times_days(tmp_path):
    result = small_world(tmp_path, depots=[depot("d1", 1, trucks=0)])
    r = relief(result)
    assert r["person_days_without_needs"] == 50.0
    assert r["within"]["8h"] == 0.0


def test_unrelieved_people_are_put_down_to_the_stock_of_the_item_short(tmp_path):
    result = small_world(tmp_path, depots=[depot("d1", 1, water=60)])          # water for 20 of the 50
    r = relief(result)
    assert r["relieved_by_condition"]["8h"]["no_lifelines"] == 20
    assert r["limited_by"]["stock_water_l"] == 30
    assert sum(r["limited_by"].values()) == 30


def test_slow_loading_at_one_bay_limits_relief_as_bays(tmp_path):
    # 20 kg loads: ten trips; ten trucks queue at one bay that takes 2 h a truck.
    slow = depot("d1", 1, trucks=10, bays=1, load="2h", payload=20)
    r = relief(small_world(tmp_path, depots=[slow]))
    assert 0 < r["within"]["8h"] < 1
    limits = {k: v for k, v in r["limited_by"].items() if v}
    assert list(limits) == ["bays"]


def test_one_truck_for_many_trips_limits_relief_as_trucks(tmp_path):
    # 20 kg loads: ten 75-minute tours for the only truck, ten bays idle.
    busy = depot("d1", 1, trucks=1, bays=10, payload=20)
    r = relief(small_world(tmp_path, depots=[busy]))
    assert 0 < r["within"]["8h"] < 1
    limits = {k: v for k, v in r["limited_by"].items() if v}
    assert list(limits) == ["trucks"]


def test_the_zone_s_running_count_and_the_analysis_agree_on_who_was_relieved(tmp_path):
    result = small_world(tmp_path, displaced=0.5, depots=[tent_depot(2)], needs={"shelter_m2": 2, "tent_m2": 12})
    r = relief(result)
    for line, share in r["within"].items():
        assert sum(r["relieved_by_condition"][line].values()) == round(share * r["people_needing_relief"])


# ------------------------------------------------------------------ running sums per zone
def _cumulative_oracle(zone, times, values, at):
    """Per zone with numpy: the cumulative sums of its events at each of its times."""
    out = np.zeros(at.shape + values.shape[1:])
    for z in range(at.shape[1]):
        rows = np.flatnonzero(zone == z)
        if not len(rows):
            continue
        cum = np.cumsum(values[rows], axis=0)
        k = np.searchsorted(times[rows], at[:, z], side="right")
        out[:, z] = np.where((k > 0)[:, None], cum[np.maximum(k - 1, 0)], 0.0)
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60), st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_running_sums_per_zone_agree_with_numpy_to_the_bit(n_events, n_zones, n_items, seed):
    from sim.analysis.relief import _cumulative_by_zone

    rng = np.random.default_rng(seed)
    times = np.sort(rng.choice([0.0, 30.0, 60.0, 61.5, 90.0, 600.0], size=n_events))
    zone = rng.integers(0, n_zones, size=n_events)
    values = rng.random((n_events, n_items)) * rng.choice([1.0, 1e3, 0.1], size=(n_events, 1))
    at = np.concatenate([rng.choice([-1.0, 0.0, 30.0, 45.0, 60.0, 90.0, 1e4, np.inf], size=(7, n_zones)),
                         np.sort(rng.random((5, n_zones)) * 700.0, axis=0)])
    got = _cumulative_by_zone(zone.astype(np.int64), times, values, at)
    np.testing.assert_array_equal(got, _cumulative_oracle(zone, times, values, at))


@pytest.fixture(scope="module")
def three_outages():
    return run(load_scenario(builtin_scenario_path("three_outages")))


def test_unmet_need_of_all_zones_at_once_is_the_zones_own_unmet_summed_in_order(three_outages):
    w = three_outages.world
    affected = [z for z in w.zones if z.is_affected]
    short = 0.0
    for when in (0.0, 6 * H, w.scenario.duration / 2, w.scenario.duration - 1e-6, w.scenario.duration + DAY_MIN):
        want: dict[str, float] = {}
        for z in affected:
            for item, amount in z.unmet(when).items():
                want[item] = want.get(item, 0.0) + amount
        assert sorted(unmet_need(w, affected, when).items()) == sorted(want.items())
        short += sum(want.values())
    assert short > 0


def _zones_frame_zone_by_zone(result) -> pd.DataFrame:
    """zones.csv's table built a zone at a time, each figure asked of the zone on its own."""
    w = result.world
    table = w.needs

    def hours(minutes):
        return None if not math.isfinite(minutes) else round(minutes / 60.0, 4)

    people = {c: table.people[:, [g for g, cc in enumerate(table.group_condition) if cc == c]].sum(axis=1)
              for c in dict.fromkeys(table.group_condition)}
    need_end = table.need_by(result.scenario.duration - 1e-6)
    rows = []
    for z in w.zones:
        row = {"zone_id": z.zone_id, "township": z.township, "lon": z.lon, "lat": z.lat, "node": z.node,
               "population": z.population, "vulnerable_share": z.vulnerable_share, "affected": z.affected,
               "displaced": z.displaced, **{c: int(people[c][z.index]) for c in
                                            ("public_shelter", "relatives", "outdoors", "no_lifelines")},
               "needing_relief": z.needing_first_day, "sheltered": z.sheltered, "relieved": z.relieved,
               "hit_h": hours(z.hit_time_min) if z.is_affected else None}
        for name in ("report", "first_supply", "first_district_supply", "first_city_supply", "relief"):
            row[f"{name}_h"] = hours(float(since_hit_min(getattr(z, f"{name}_min"), z.hit_time_min)))
        for item in ITEMS:
            row[f"need_{item}"] = float(need_end[z.index, table.items.index(item)]) if item in table.items else 0.0
            row[f"delivered_{item}"] = z.received.get(item, 0.0)
        rows.append(row)
    return pd.DataFrame(rows)


def test_zones_frame_is_the_table_built_zone_by_zone(three_outages):
    got, want = zones_frame(three_outages), _zones_frame_zone_by_zone(three_outages)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.to_csv(index=False, float_format="%.6g") == want.to_csv(index=False, float_format="%.6g")
    assert got["first_supply_h"].notna().any() and got["hit_h"].isna().any()


def _lacking_places_zone_by_zone(table, unrelieved, sheltered, tents) -> np.ndarray:
    """People lacking a place, asked of one zone at a time."""
    out = []
    for z in range(table.n_zones):
        place_groups = table.needs_place & (unrelieved[z] > 0)
        if not place_groups.any():
            out.append(0.0)
            continue
        places = sheltered[z] + np.floor(tents[z] + 1e-9) * table.tent_people
        out.append(float(min(unrelieved[z][place_groups].sum(),
                             max(table.people[z][table.needs_place].sum() - places, 0.0))))
    return np.array(out)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 7), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_people_lacking_a_place_of_all_zones_at_once_agree_with_each_zone_s_own_to_the_bit(n_groups, n_zones, seed):
    from types import SimpleNamespace

    from sim.analysis.relief import _lacking_places

    rng = np.random.default_rng(seed)
    people = rng.integers(0, 500, size=(n_zones, n_groups))
    table = SimpleNamespace(n_zones=n_zones, people=people, needs_place=rng.random(n_groups) < 0.6,
                            tent_people=int(rng.integers(1, 8)))
    unrelieved = np.where(rng.random((n_zones, n_groups)) < 0.3, 0.0, people * rng.random((n_zones, n_groups)))
    sheltered = rng.choice([0.0, 12.0, 100.5], size=n_zones) * rng.random(n_zones)
    tents = rng.choice([0.0, 3.0, 7.999999999, 20.25], size=n_zones)
    got = _lacking_places(table, unrelieved, sheltered, tents)
    np.testing.assert_array_equal(got, _lacking_places_zone_by_zone(table, unrelieved, sheltered, tents))


def test_needs_to_date_of_the_affected_zones_are_the_whole_table_s_to_the_bit(three_outages):
    from sim.analysis.relief import _needs_to_date

    w = three_outages.world
    table = w.needs
    affected = np.array([z.is_affected for z in w.zones])
    assert 0 < affected.sum() < len(affected)
    at = table.hit_min[None, :] + np.array([0.0, 45.0, 8 * H, DAY_MIN - 1e-6, 2.5 * DAY_MIN])[:, None]
    rng = np.random.default_rng(7)
    received = rng.random(at.shape + (len(table.items),)) * 400.0
    sheltered = rng.integers(0, 50, size=at.shape).astype(float)
    needing, short = table.needing_and_short(at, received, sheltered, per_zone=True)
    for zones in (affected, np.ones_like(affected), np.zeros_like(affected)):
        got_needing, got_short = _needs_to_date(table, zones, at, received, sheltered)
        np.testing.assert_array_equal(got_needing, needing[:, zones])
        np.testing.assert_array_equal(got_short, short[:, zones])
        assert got_needing.dtype == needing.dtype and got_short.dtype == short.dtype
    assert short[:, affected].any()
