"""Cases small enough to check by hand: one depot, one zone, known roads."""
from __future__ import annotations

import math

import pytest
from worlds import (
    depot,
    everywhere_impact,
    line_world,
    scenario_doc,
    write_scenario,
    write_zones,
)

from sim.api import run
from sim.scenarios import load_scenario


def one_depot_one_zone(tmp_path, **depot_extra):
    region = line_world(tmp_path, n=3, length_m=10_000, speed_kmh=60)  # 10 min per edge
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1, **depot_extra)], impact=everywhere_impact(0.5))
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def test_first_supply_time_is_report_order_load_drive_unload(tmp_path):
    scenario, base = one_depot_one_zone(tmp_path)
    result = run(scenario, base_dir=base)
    zone = result.world.zones[0]
    # report 30 + order 5 + load 20 + drive 2 × 10 + unload 15 = 90 minutes.
    assert zone.first_supply_min == pytest.approx(90.0, abs=1e-9)
    assert zone.affected == 50
    summary = result.summary()
    assert summary["kpi"]["first_supplies"]["p50_h"] == pytest.approx(1.5)
    assert summary["kpi"]["first_supplies"]["within"]["3h"] == 1.0


def test_one_truckload_relieves_the_zone_on_delivery(tmp_path):
    scenario, base = one_depot_one_zone(tmp_path)
    result = run(scenario, base_dir=base)
    zone = result.world.zones[0]
    ev = result.events_frame()
    first = ev[(ev["kind"] == "deliver") & (ev["time_min"] == ev.loc[ev["kind"] == "deliver", "time_min"].min())]
    assert dict(zip(first["item"], first["amount"])) == {"water_l": 150, "food_ration": 50}
    assert zone.relief_min == pytest.approx(90.0)
    assert result.summary()["kpi"]["relief"]["within"]["8h"] == 1.0
    # The next day's rations (due at 24 h) go out within the 12 h look-ahead of the dispatcher.
    assert zone.received["water_l"] == 300 and zone.received["food_ration"] == 100


def test_second_trip_waits_for_the_only_truck_to_return(tmp_path):
    # 5,000 kg payload, 150 L water at 1.05 kg + 50 rations at 0.8 kg = 197.5 kg: one load.
    # With a 100 kg payload the load splits, and the second load leaves only
    # after the truck is back: 90 + 20 (return) + 20 (load) + 20 + 15 = 165.
    scenario, base = one_depot_one_zone(tmp_path, payload=100)
    result = run(scenario, base_dir=base)
    zone = result.world.zones[0]
    assert zone.first_supply_min == pytest.approx(90.0)
    deliveries = result.events_frame().query("kind == 'arrive'")["time_min"].tolist()
    assert deliveries[:2] == pytest.approx([75.0, 150.0])


def test_a_street_reserve_supplies_a_community_but_not_as_district_supplies(tmp_path):
    # report 30 + order 5 + load 20 + one edge 10 + unload 15 = 80 min.
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("street", 2, tier="street", serves={"townships": ["T01"]})],
                       impact=everywhere_impact(0.5))
    result = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    zone = result.world.zones[0]
    assert zone.relief_min == pytest.approx(80.0)
    assert zone.first_supply_min == pytest.approx(80.0)          # a tier of the public reserve system
    assert zone.first_district_supply_min == math.inf
    kpi = result.summary()["kpi"]
    assert kpi["first_supplies"]["sites_never_supplied"] == 0
    assert kpi["first_supplies_township"]["p50_h"] is None       # no district supplies reached the township


def test_no_stock_during_the_run_gives_no_relief_and_says_why(tmp_path):
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    empty = depot("d1", 1, water=0, food=0,
                  agreement={"stock": {"water_l": 1000, "food_ration": 1000}, "lead_time": "3d"})
    doc = scenario_doc(region, [empty], impact=everywhere_impact(0.5))
    summary = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path).summary()
    assert summary["kpi"]["relief"]["within"] == {"8h": 0.0, "12h": 0.0}
    assert summary["kpi"]["relief"]["relieved_at_end"] == 0.0
    assert any("no depot held any water_l" in w for w in summary["warnings"])
    assert summary["kpi"]["unmet_need_at_end"] == {"food_ration": 50.0, "water_l": 150.0}


def test_agreement_stock_arrives_after_its_lead_time_and_is_delivered(tmp_path):
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    d = depot("d1", 1, water=0, food=0, agreement={"stock": {"water_l": 1000, "food_ration": 1000},
                                                   "lead_time": "2h"})
    doc = scenario_doc(region, [d], impact=everywhere_impact(0.5))
    result = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    zone = result.world.zones[0]
    # The depot heard of the need at 35 min (report 30 + order 5) but had nothing; the stock
    # comes at 120 and a waiting truck loads it at once: load 20 + drive 20 + unload 15.
    assert zone.first_supply_min == pytest.approx(120.0 + 20.0 + 20.0 + 15.0)
    audit = result.summary()["supply_audit"]
    assert audit["items"]["water_l"]["arrivals"] == 1000
    assert audit["balanced"]


def test_zone_cut_off_from_every_depot_is_reported_not_a_crash(tmp_path):
    from worlds import write_network

    nodes = [(1, 116.5, 39.8), (2, 116.6, 39.8), (3, 116.7, 39.8)]
    region = {"network": write_network(tmp_path, nodes, [(1, 2, 1000, 60)])}
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 100, 0.2), ("Z2", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5))
    summary = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path).summary()
    assert summary["kpi"]["zones_never_reached"] == ["Z2"]
    assert any("Z2" in w and "cannot be reached" in w for w in summary["warnings"])
    assert summary["supply_audit"]["balanced"]


def test_displaced_people_count_as_relieved_only_once_sheltered(tmp_path):
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    shelters = [{"id": "s1", "at": {"node": 3}, "area_m2": 18.0}]  # room for 10 people at 1.8 m2
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5, displaced_share=0.4),
                       shelters=shelters)
    result = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    zone = result.world.zones[0]
    assert (zone.affected, zone.displaced, zone.sheltered) == (50, 20, 10)
    assert zone.relieved == 40           # 10 displaced people found no shelter place
    assert zone.relief_min == math.inf
    summary = result.summary()
    assert summary["kpi"]["relief"]["without_shelter_place"] == 10
    assert summary["kpi"]["relief"]["relieved_at_end"] == pytest.approx(0.8)


def test_lp_relieves_everyone_from_the_far_depot_when_the_near_one_has_no_trucks(tmp_path):
    """A near depot with stock but no trucks beside a far depot with two: every
    policy sends from the far one, and nothing is left promised on the near one."""
    from worlds import depot, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=4)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 1000, 0.1), ("Z2", 3, 1000, 0.1)])}
    impact = {"area": {"everywhere": True}, "zone_share": 1.0, "affected_share": 0.5, "displaced_share": 0.0,
              "spread": 0.0}
    for policy in ("nearest", "priority_nearest", "lp"):
        doc = scenario_doc(region, [depot("near", 2, trucks=0), depot("far", 1, trucks=2)], impact=impact,
                           policy={"dispatch": policy})
        result = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
        summary = result.summary()
        assert summary["kpi"]["relief"]["relieved_at_end"] == 1.0, policy
        assert not any("idle trucks" in w for w in summary["warnings"]), policy


def test_a_stop_cut_off_after_the_tour_left_is_skipped_and_its_load_comes_back(tmp_path):
    """Two small zones share a tour; the road to the second closes while the truck is at
    the first: the second drop is abandoned, its items go back into stock, and the audit balances."""
    from worlds import depot, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=4, length_m=2_000.0)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.1), ("Z2", 4, 100, 0.1)])}
    impact = {"area": {"everywhere": True}, "zone_share": 1.0, "affected_share": 0.5, "spread": 0.0}
    closure = [{"start": "57min", "end": "20h", "closed_share": 1.0,
                "area": {"around": {"center": [116.9, 39.8], "radius": "500m"}}}]
    doc = scenario_doc(region, [depot("d", 1, trucks=1)], impact=impact, outages={"roads": closure})
    result = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    ev = result.events_frame()
    assert (ev["kind"] == "abandon").sum() == 1 and (ev["kind"] == "returned").sum() >= 1
    summary = result.summary()
    assert summary["supply_audit"]["balanced"]
    zones = {z.zone_id: z for z in result.world.zones}
    assert zones["Z1"].first_supply_min < zones["Z2"].first_supply_min
    assert zones["Z2"].first_supply_min >= 20 * 60        # served again once the road reopens


def test_a_fraction_of_a_unit_due_is_sent_as_a_whole_unit_and_leaves_no_idle_stock(tmp_path):
    # 50 affected needing 0.25 L each: 12.5 L due. Trucks carry whole units: 13 L go out, and no
    # half litre stays "open" beside a depot with idle trucks for the rest of the run.
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5))
    doc["needs"] = {"water_l": 0.25, "food_ration": 0, "bedding": 0, "public_shelter_share": 1.0}
    result = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    zone = result.world.zones[0]
    ev = result.events_frame()
    first = ev[(ev["kind"] == "deliver") & (ev["item"] == "water_l")].iloc[0]
    assert first["amount"] == 13.0 and first["time_min"] == pytest.approx(90.0)
    assert zone.relief_min == pytest.approx(90.0)
    assert zone.received["water_l"] == 25.0               # and the second day's 12.5 L (25 in all) in time
    assert not any("idle trucks" in w for w in result.summary()["warnings"])
