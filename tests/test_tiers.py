"""Four tiers of reserves, checked by hand on a line of roads.

Nodes 1-2-3-4, 10 min per edge; one zone Z1 (township T01) at node 4 with 100
people, 50 affected, needing 150 L of water and 50 rations on day one. Both
the zone's report (30 min) and the order (5 min) are known at 35 min; every
depot loads in 20 min and unloads in 15 min.
"""
from __future__ import annotations

import math

import pytest
from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

from sim.api import run
from sim.scenarios import load_scenario

KNOWN_MIN = 35.0
LOAD, UNLOAD, EDGE = 20.0, 15.0, 10.0


def _world(tmp_path, depots, zones=(("Z1", 4, 100, 0.2),), **extra):
    region = line_world(tmp_path, n=4, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, list(zones))}
    doc = scenario_doc(region, depots, impact=everywhere_impact(0.5), **extra)
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def _hub(node, water, food, trucks=1, tier="street", **extra):
    return depot("hub", node, water=water, food=food, trucks=trucks, payload=1_500, tier=tier,
                 serves={"townships": ["T01"]}, **extra)


def _by_id(world):
    return {d.depot_id: d for d in world.depots}


def test_a_community_reserve_serves_first_and_the_district_steps_in_after_the_request_delay(tmp_path):
    # The community reserve at the zone's node holds 100 L and 40 rations (137 kg): it delivers
    # them at 35 + 20 + 0 + 15 = 70 min, a first batch. Falling short at 35 min, its request
    # reaches the district 30 min later (65); the district truck then loads (20), drives 3 edges
    # (30), unloads (15).
    depots = [depot("district", 1), _hub(4, 100, 40, tier="community")]
    scenario, base = _world(tmp_path, depots)
    zone = run(scenario, base_dir=base).world.zones[0]
    assert zone.first_supply_min == pytest.approx(KNOWN_MIN + LOAD + UNLOAD)
    assert zone.first_district_supply_min == pytest.approx(KNOWN_MIN + 30.0 + LOAD + 3 * EDGE + UNLOAD)
    assert zone.relief_min == pytest.approx(zone.first_district_supply_min)


def test_a_token_drop_from_a_reserve_is_not_the_first_batch_nor_keeps_the_district_away(tmp_path):
    # The community reserve holds 2 L of water for a zone needing 150 L and 50 rations: its
    # drop at 70 min is a delivery, not a first batch. The zone stays among the district's first
    # batches and has its first supplies when the district truck unloads at 130 min.
    depots = [depot("district", 1), _hub(4, 2, 0, tier="community")]
    scenario, base = _world(tmp_path, depots)
    result = run(scenario, base_dir=base)
    zone = result.world.zones[0]
    ev = result.events_frame()
    token = ev[(ev["kind"] == "deliver") & (ev["agent"] == "hub")]
    assert token["time_min"].tolist() == [KNOWN_MIN + LOAD + UNLOAD] and token["amount"].tolist() == [2.0]
    district_min = KNOWN_MIN + 30.0 + LOAD + 3 * EDGE + UNLOAD
    assert zone.first_supply_min == pytest.approx(district_min)
    assert zone.first_district_supply_min == pytest.approx(district_min)
    assert ev[ev["kind"] == "first_supply"]["time_min"].tolist() == pytest.approx([district_min])
    assert result.summary()["kpi"]["first_supplies"]["p50_h"] == pytest.approx(district_min / 60, abs=1e-4)


def test_the_escalation_delay_shifts_the_district_by_exactly_that_delay(tmp_path):
    depots = [depot("district", 1), _hub(4, 30, 10, tier="community")]
    times = {}
    for delay in ("0min", "30min", "2h"):
        (tmp_path / delay).mkdir()
        scenario, base = _world(tmp_path / delay, depots, command={"report_delay": "30min", "order_delay": "5min",
                                                                  "escalation_delay": delay})
        times[delay] = run(scenario, base_dir=base).world.zones[0].first_district_supply_min
    assert times["30min"] - times["0min"] == pytest.approx(30.0)
    assert times["2h"] - times["0min"] == pytest.approx(120.0)


def test_a_reserve_that_covers_its_zone_keeps_the_district_out_of_it(tmp_path):
    # The township hub (node 3) holds plenty: it relieves Z1 at 35 + 20 + 10 + 15 = 80 min.
    # The district still sends the township its first batch, into the hub's stock:
    # 35 + 20 + 2 edges + 15 = 90 min; no district truck drives to Z1 itself.
    depots = [depot("district", 1), _hub(3, 1_000, 500)]
    scenario, base = _world(tmp_path, depots)
    result = run(scenario, base_dir=base)
    zone, hub = result.world.zones[0], _by_id(result.world)["hub"]
    assert zone.first_supply_min == pytest.approx(KNOWN_MIN + LOAD + EDGE + UNLOAD)
    assert zone.relief_min == pytest.approx(zone.first_supply_min)
    assert zone.first_district_supply_min == math.inf
    assert hub.first_district_in_min == pytest.approx(KNOWN_MIN + LOAD + 2 * EDGE + UNLOAD)
    # The first batch is the township's first day: 150 L and 50 rations.
    assert hub.trucked_in == pytest.approx({"water_l": 150.0, "food_ration": 50.0})
    township = result.summary()["kpi"]["first_supplies_township"]
    assert township["townships"] == 1 and township["p50_h"] == pytest.approx(90.0 / 60)
    assert result.summary()["supply_audit"]["balanced"]


def test_transshipment_restocks_an_empty_hub_whose_truck_carries_the_last_mile(tmp_path):
    # The hub has a truck but nothing to send. The district's first batch for the township
    # reaches the hub at 35 + 20 + 20 + 15 = 90 min; the hub's truck loads it (20), drives
    # one edge (10) and unloads (15): Z1's first supplies at 135 min, relieved then.
    depots = [depot("district", 1), _hub(3, 0, 0)]
    scenario, base = _world(tmp_path, depots)
    result = run(scenario, base_dir=base)
    zone, hub = result.world.zones[0], _by_id(result.world)["hub"]
    assert hub.first_district_in_min == pytest.approx(90.0)
    assert zone.first_supply_min == pytest.approx(90.0 + LOAD + EDGE + UNLOAD)
    assert zone.relief_min == pytest.approx(zone.first_supply_min)
    ev = result.events_frame()
    transfers = ev[(ev["kind"] == "order") & (ev["item"] == "transfer")]
    assert len(transfers) >= 1 and set(transfers["zone"]) == {"hub"}
    assert result.summary()["supply_audit"]["balanced"]


def test_township_and_community_verdicts_are_judged_where_the_scenario_says(tmp_path):
    depots = [depot("district", 1), _hub(3, 1_000, 500)]
    verdicts = {}
    for site in ("community", "township"):
        (tmp_path / site).mkdir()
        scenario, base = _world(tmp_path / site, depots, targets={"preset": "tongzhou-2030", "site": site})
        v = [x for x in run(scenario, base_dir=base).summary()["verdicts"] if x["target"] == "district_supplies"]
        verdicts[site] = v[0]
    assert verdicts["community"]["site"] == "community" and verdicts["community"]["met"]
    assert verdicts["township"]["site"] == "township" and verdicts["township"]["met"]


def _relieved_by(world, lines_min):
    """People relieved (first day) within each line after their zone's hit."""
    return [sum(z.needing_first_day for z in world.zones if z.relief_min - z.hit_time_min <= line)
            for line in lines_min]


@pytest.mark.parametrize("seed,people", [(3, 900), (11, 900), (5, 2_500), (19, 2_500)])
def test_more_stock_in_the_township_hub_never_relieves_fewer_people_within_the_targets(tmp_path, seed, people):
    # Six zones along the line share one township hub with one small truck; the district is
    # far (node 1). With common random numbers (one seed), more stock in the hub never
    # leaves fewer people relieved within the 8 h and 12 h targets, nor by the end of the
    # day. Relief *earlier* than the target is not compared: a reserve that can relieve its
    # township by the target does so alone, without the district (the tiers' rule).
    zones = [(f"Z{k}", 2 + k % 3, people + 40 * k, 0.2) for k in range(6)]
    lines = [480.0, 720.0, 24 * 60.0]
    relieved = []
    for water in (0, 250, 500, 1_000, 2_000, 5_000, 20_000, 100_000):
        folder = tmp_path / f"w{water}"
        folder.mkdir()
        depots = [depot("district", 1, trucks=1, payload=2_000, water=6_000, food=2_000), _hub(3, water, water // 3)]
        scenario, base = _world(folder, depots, zones=zones, seed=seed)
        relieved.append(_relieved_by(run(scenario, base_dir=base).world, lines))
    for fewer, more in zip(relieved, relieved[1:]):
        assert all(b >= a for a, b in zip(fewer, more)), relieved


def test_a_reserve_the_roads_cut_off_from_its_zone_sends_the_request_up_at_once(tmp_path):
    # The township hub (node 4) holds plenty, but the roads around node 3 are closed for 20 h:
    # it cannot reach Z1 (node 2). Z1 is known at 35 min; the request reaches the district
    # (node 1) 30 min later (65), whose truck loads (20), drives one edge (10) and unloads (15).
    region = line_world(tmp_path, n=4, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 100, 0.2)])}
    closure = [{"start": "0min", "end": "20h", "closed_share": 1.0,
                "area": {"around": {"center": [116.8, 39.8], "radius": "500m"}}}]
    doc = scenario_doc(region, [depot("district", 1), _hub(4, 1_000, 500)], impact=everywhere_impact(0.5),
                       outages={"roads": closure})
    result = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    zone = result.world.zones[0]
    assert zone.first_supply_min == pytest.approx(KNOWN_MIN + 30.0 + LOAD + EDGE + UNLOAD)
    assert zone.first_district_supply_min == zone.first_supply_min
    assert zone.relief_min == pytest.approx(zone.first_supply_min)


def _second_village_world(tmp_path, keep: int):
    # The township reserve (node 2) has two trucks, two bays and plenty of stock. Z1 (node 3,
    # 2,000 people, 1,000 affected: 3,000 L and 1,000 rations, more than a truckload) is known
    # at 35 min; a communications outage around Z2 (node 4) makes its report 1.5 × 30 = 45 min
    # late, so the reserve hears of Z2 at 50 min.
    comms = {"comms": [{"start": "0h", "end": "1h", "delay_factor": 1.5,
                        "area": {"around": {"center": [116.9, 39.8], "radius": "1km"}}}]}
    depots = [_hub(2, 10_000, 5_000, trucks=2, bays=2)]
    scenario, base = _world(tmp_path, depots, zones=(("Z1", 3, 2_000, 0.2), ("Z2", 4, 100, 0.2)),
                            outages=comms, policy={"dispatch": "priority_nearest",
                                                   "tours": {"keep_for_first_batches": keep}})
    return run(scenario, base_dir=base)


@pytest.mark.parametrize("keep", [0, 1])
def test_the_last_truck_waits_for_the_villages_still_to_report_instead_of_leaving_with_relief(tmp_path, keep):
    # At 35 min one truck takes Z1's first batch. Without keeping a truck, the other leaves
    # with Z1's relief too; both are back at 35 + 20 + 10 + 15 + 10 = 90 min, and Z2's first
    # batch loads then, with more of Z1's relief on the way (Z1 lies between): 90 + 20 + 10
    # + 15 (Z1) + 10 + 7.5 (a further drop unloads in half the time) = 152.5 min. Keeping
    # the last truck for first batches while Z2 has not reported, the same tour leaves at
    # 50 min: Z2 has its first supplies at 112.5 min.
    (tmp_path / str(keep)).mkdir()
    z1, z2 = _second_village_world(tmp_path / str(keep), keep).world.zones
    assert z1.first_supply_min == pytest.approx(KNOWN_MIN + LOAD + EDGE + UNLOAD)
    leaves = 90.0 if keep == 0 else 50.0
    want = leaves + LOAD + EDGE + UNLOAD + EDGE + UNLOAD / 2
    assert z2.first_supply_min == pytest.approx(want)


@pytest.mark.parametrize("keep_stock", [False, True])
def test_a_reserve_keeps_the_first_batch_of_a_village_still_to_report_out_of_relief(tmp_path, keep_stock):
    # As above, but the reserve has three trucks and keeps none of them (keep_for_first_batches 0),
    # and holds only 1,000 L and 400 rations: less than Z1's first day alone. At 35 min one truck
    # takes Z1's first batch and another Z1's relief. Without keeping stock, that relief takes
    # everything left and Z2, heard of at 50 min, gets nothing (no other depot serves it).
    # Keeping Z2's first batch (its whole first day, 150 L and 50 rations: less than the 375 kg
    # cap of a 1.5 t truck) out of the relief, the third truck loads it at 50 min: first
    # supplies at 50 + 20 + 2 edges + 15 = 105 min.
    comms = {"comms": [{"start": "0h", "end": "1h", "delay_factor": 1.5,
                        "area": {"around": {"center": [116.9, 39.8], "radius": "1km"}}}]}
    depots = [_hub(2, 1_000, 400, trucks=3, bays=3)]
    tours = {"keep_for_first_batches": 0, "keep_stock_for_first_batches": keep_stock}
    scenario, base = _world(tmp_path, depots, zones=(("Z1", 3, 2_000, 0.2), ("Z2", 4, 100, 0.2)),
                            outages=comms, policy={"dispatch": "priority_nearest", "tours": tours})
    result = run(scenario, base_dir=base)
    z1, z2 = result.world.zones
    assert z1.first_supply_min == pytest.approx(KNOWN_MIN + LOAD + EDGE + UNLOAD)
    ev = result.events_frame()
    relief = ev[(ev["kind"] == "order") & (ev["zone"] == "Z1") & (ev["item"] == "relief")]
    assert relief["time_min"].tolist() == [KNOWN_MIN]
    if keep_stock:
        assert z2.first_supply_min == pytest.approx(50.0 + LOAD + 2 * EDGE + UNLOAD)
        assert z2.relief_min == pytest.approx(z2.first_supply_min)
    else:
        assert z2.first_supply_min == math.inf
    assert not [w for w in result.summary()["warnings"] if w.startswith("depot hub had idle trucks")]


@pytest.mark.parametrize("keep,water,food", [(1, 10_000, 5_000), (0, 434, 145)])
def test_a_truck_or_stock_held_for_a_village_still_to_report_is_not_idle_stock(tmp_path, keep, water, food):
    # The reserve's one truck is back from Z1's first batch at 35 + 20 + 10 + 15 + 10 = 90 min; a
    # communications outage makes Z2's report 5 × 30 min late, so the reserve hears of it at
    # 155 min. Until then the truck waits, kept for Z2 (keep 1), or the stock it holds is Z2's
    # first batch (keep 0, 434 L and 145 rations: Z1's first batch takes 284 L and 95, Z2
    # needs 150 L and 50): held on purpose for longer than a planning interval, not idle
    # beside Z1's open relief. Z2's first batch leaves at 155 min either way.
    comms = {"comms": [{"start": "0h", "end": "3h", "delay_factor": 5,
                        "area": {"around": {"center": [116.9, 39.8], "radius": "1km"}}}]}
    scenario, base = _world(tmp_path, [_hub(2, water, food)], zones=(("Z1", 3, 2_000, 0.2), ("Z2", 4, 100, 0.2)),
                            outages=comms, policy={"dispatch": "priority_nearest",
                                                   "tours": {"keep_for_first_batches": keep}})
    result = run(scenario, base_dir=base)
    ev = result.events_frame()
    first = ev[(ev["kind"] == "order") & (ev["zone"] == "Z2")]
    assert first["time_min"].tolist()[:1] == [155.0] and first["item"].tolist()[:1] == ["first_batch"]
    assert not [w for w in result.summary()["warnings"] if "idle trucks" in w]


def test_the_planner_sees_district_stock_move_into_a_township_reserve_when_it_does(tmp_path):
    """Whether district or city stock has reached a township reserve is looked at again only
    after some depot's stock changed; stock moving in changes the reserve's, so the planner
    sees it at once — and a move from another township reserve does not count."""
    from sim.world.world import build_world

    depots = [depot("district", 1), _hub(3, 1_000, 500)]
    scenario, base = _world(tmp_path, depots)
    world = build_world(scenario, base_dir=base)
    planner, hub = world.command.planner, _by_id(world)["hub"]
    assert planner._hub_district_in().tolist() == [False]
    hub.receive_transfer({"water_l": 100.0}, "other", "street")
    assert planner._hub_district_in().tolist() == [False]
    hub.receive_transfer({"water_l": 10.0, "bedding": 100.0}, "district", "district", by_truck=True)
    assert planner._hub_district_in().tolist() == [False]          # 10.5 kg of water and food: a token
    hub.receive_transfer({"water_l": 90.0}, "district", "district", by_truck=True)
    assert planner._hub_district_in().tolist() == [True]


@pytest.mark.parametrize("tier, serves, as_planned", [("street", None, True),
                                                       ("street", {"townships": ["T02"]}, True),
                                                       ("district", {"townships": ["T02"]}, False)])
def test_a_depot_whose_area_holds_no_affected_zone_is_named_as_taking_no_part(tmp_path, tier, serves, as_planned):
    # Z1 (T01) at node 4 is hit; Z2 (T02) at node 1 is not. The depot serving T02 never acts. A
    # township reserve whose township the disaster did not reach takes no part as planned and is
    # listed; a district depot drawn onto such an area is warned of.
    region = line_world(tmp_path, n=4, length_m=10_000, speed_kmh=60)
    (tmp_path / "zones.csv").write_text("zone_id,township,node,population,vulnerable_share\n"
                                        "Z1,T01,4,100,0.2\nZ2,T02,1,100,0.2\n")
    region["zones"] = {"csv": "zones.csv"}
    extra = {} if serves is None else {"serves": serves}
    depots = [depot("district", 1), depot("idle", 2, tier=tier, **extra)]
    impact = {**everywhere_impact(0.5), "area": {"townships": ["T01"]}}
    result = run(load_scenario(write_scenario(tmp_path, scenario_doc(region, depots, impact=impact))), base_dir=tmp_path)
    summary = result.summary()
    warned = [w for w in summary["warnings"] if "serve no affected zone" in w]
    if as_planned:
        assert warned == [] and summary["reserves_outside_affected_area"] == ["idle"]
    else:
        assert len(warned) == 1 and warned[0].startswith("1 depot(s)") and ": idle (" in warned[0]
        assert summary["reserves_outside_affected_area"] == []
    assert result.events_frame().query("agent == 'idle'").empty


def test_a_reserve_outside_the_affected_area_that_took_part_after_all_is_not_listed():
    # A rainfall warning's false alarms in its area bring a reserve in (the extreme rainfall's
    # hub-T10: stock moved into it, its trucks to the dry flagged zones): only the reserves that
    # sent no tour and moved no stock are listed as taking no part.
    from types import SimpleNamespace

    from sim.analysis.metrics import _took_no_part

    def reserve(depot_id, **moved):
        return SimpleNamespace(depot_id=depot_id, trucked_in=moved.get("trucked_in", {}),
                               moved_in=moved.get("moved_in", {}), sent_away=moved.get("sent_away", {}))

    depots = [reserve("idle"), reserve("touring"), reserve("stocked", trucked_in={"water_l": 1500.0}),
              reserve("lent", sent_away={"water_l": 0.0, "tent": 2.0}), reserve("empty-move", moved_in={"tent": 0.0})]
    world = SimpleNamespace(depots=depots, reserves_outside_affected_area=[d.depot_id for d in depots],
                            command=SimpleNamespace(planner=SimpleNamespace(tours_sent=[0, 3, 0, 0, 0])))
    assert _took_no_part(world) == ["idle", "empty-move"]
