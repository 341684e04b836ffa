"""Mutual aid, checked by hand on a line of roads.

Nodes 1-2-3-4, 10 min per edge; zone Z1 at node 4 (100 people, 50 affected:
150 L of water and 50 rations on day one); report 30 min + order 5 min; every
depot loads in 20 min and unloads in 15 min.
"""
from __future__ import annotations

import pytest
from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

from sim.api import run
from sim.errors import InputError
from sim.scenarios import load_scenario


def _world(tmp_path, depots, mutual_aid, **extra):
    region = line_world(tmp_path, n=4, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 4, 100, 0.2)])}
    doc = scenario_doc(region, depots, impact=everywhere_impact(0.5), mutual_aid=mutual_aid, **extra)
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def test_inbound_aid_arrives_after_its_lead_time_and_is_dispatched_like_own_stock(tmp_path):
    # The district holds nothing; 300 L and 100 rations from Hebei arrive at 2 h:
    # load 20, drive 3 edges 30, unload 15 -> Z1 supplied and relieved at 185 min.
    depots = [depot("d1", 1, water=0, food=0)]
    aid = {"inbound": [{"region": "Hebei", "lead_time": "2h", "stock": {"water_l": 300, "food_ration": 100}}]}
    scenario, base = _world(tmp_path, depots, aid)
    result = run(scenario, base_dir=base)
    zone = result.world.zones[0]
    assert zone.first_supply_min == pytest.approx(120.0 + 20.0 + 30.0 + 15.0)
    assert zone.relief_min == pytest.approx(zone.first_supply_min)
    summary = result.summary()
    assert summary["mutual_aid"]["inbound"] == [{"region": "Hebei", "depot": "d1", "arrives_h": 2.0, "in_run": True,
                                                 "units": {"water_l": 300.0, "food_ration": 100.0}}]
    assert summary["supply_audit"]["balanced"]
    assert summary["supply_audit"]["items"]["water_l"]["arrivals"] == 300.0


def test_inbound_aid_after_the_run_ends_is_a_warning_not_an_error(tmp_path):
    depots = [depot("d1", 1)]
    aid = {"inbound": [{"region": "national reserve", "lead_time": "3d", "stock": {"water_l": 300}}]}
    scenario, base = _world(tmp_path, depots, aid)
    summary = run(scenario, base_dir=base).summary()
    assert any("inbound aid from national reserve" in w and "after the run ends" in w for w in summary["warnings"])
    assert summary["mutual_aid"]["inbound"][0]["in_run"] is False


def _request(**extra):
    return {"requests": [{"region": "Tianjin", "at": "1h", "exit": {"node": 3},
                          "stock": {"water_l": 1_000}, **extra}]}


def test_a_request_from_a_spare_city_depot_is_met_in_time_and_costs_no_own_target(tmp_path):
    # The city depot (node 2) has its own truck and stock beyond the zone's need. At 1 h it
    # loads (20), drives one edge (10) and unloads (15): handed over 45 min after the request.
    depots = [depot("d1", 1), depot("city", 2, tier="city", water=5_000, food=1_000, trucks=1)]
    scenario, base = _world(tmp_path, depots, _request())
    result = run(scenario, base_dir=base)
    summary = result.summary()
    [request] = summary["mutual_aid"]["requests"]
    assert request["depot"] == "city" and request["handed_over"] == {"water_l": 1_000.0}
    assert request["handed_over_h"] == pytest.approx(45.0 / 60)
    assert request["in_time"] and request["own_targets_lost"] == {}
    [verdict] = [v for v in summary["verdicts"] if v["target"] == "aid_request"]
    assert verdict["met"] and verdict["region"] == "Tianjin"
    assert result.without_requests is not None and not result.without_requests.world.aid_requests
    assert summary["supply_audit"]["balanced"]


def test_a_request_that_takes_the_only_truck_and_stock_costs_the_region_its_targets(tmp_path):
    # The city depot is the only depot; it holds just enough water for the request. Sent to
    # Tianjin at 0 min, the water is not there for Z1: the region loses its own relief.
    depots = [depot("city", 2, tier="city", water=1_000, food=1_000, trucks=1)]
    scenario, base = _world(tmp_path, depots, _request(at="0min"))
    summary = run(scenario, base_dir=base).summary()
    [request] = summary["mutual_aid"]["requests"]
    assert request["in_time"]
    assert "basic_relief 8h" in request["own_targets_lost"]
    lost = request["own_targets_lost"]["basic_relief 8h"]
    assert lost["without"] == 1.0 and lost["with"] < 1.0
    [verdict] = [v for v in summary["verdicts"] if v["target"] == "aid_request"]
    assert not verdict["met"]


def test_a_request_that_cannot_be_handed_over_in_time_is_not_met(tmp_path):
    depots = [depot("d1", 1), depot("city", 2, tier="city", water=5_000, food=1_000, trucks=1)]
    scenario, base = _world(tmp_path, depots, _request(within="30min"))
    summary = run(scenario, base_dir=base).summary()
    [request] = summary["mutual_aid"]["requests"]
    assert not request["in_time"] and request["handed_over_h"] == pytest.approx(0.75)


@pytest.mark.parametrize("aid,message", [
    ({"requests": [{"region": "Tianjin", "exit": {"node": 3}, "stock": {"water_l": 10}, "depot": "nowhere"}]},
     "'nowhere' is not a depot id"),
    ({"requests": [{"region": "Tianjin", "exit": {"node": 3}, "stock": {"water_l": 10}}]},
     "no depot to send from"),
    ({"requests": [{"region": "Tianjin", "exit": {"node": 3}, "stock": {}}]}, "asks for nothing"),
    ({"inbound": [{"region": "Hebei", "stock": {"water_l": 10}, "lead_time": "-1h"}]}, "lead_time"),
])
def test_bad_mutual_aid_is_a_located_error(tmp_path, aid, message):
    region = line_world(tmp_path, n=4, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 4, 100, 0.2)])}
    path = write_scenario(tmp_path, scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5),
                                                 mutual_aid=aid))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    text = str(info.value)
    assert message in text and "scenario.yaml:" in text and "mutual_aid" in text


def test_a_request_a_district_depot_hands_over_in_time_is_written_out(tmp_path):
    """The district depot beside a township reserve hands over in time: summary.json is written
    (its in_time was a numpy bool JSON cannot hold)."""
    from sim.report.outputs import write_outputs

    hub = depot("hub", 4, tier="street", water=600, food=200, payload=1500, load="10min",
                serves={"townships": ["T01"]})
    depots = [depot("dist", 1, water=100_000, food=50_000, trucks=2), hub]
    region = line_world(tmp_path, n=5, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z3", 3, 1000, 0.2), ("Z4", 4, 1000, 0.2),
                                                     ("Z5", 5, 1000, 0.2)])}
    zones = (tmp_path / "zones.csv").read_text().splitlines()
    (tmp_path / "zones.csv").write_text("\n".join([*zones[:3], zones[3].replace(",T01,", ",T02,")]) + "\n")
    aid = {"requests": [{"region": "Tianjin", "at": "1h", "within": "6h", "depot": "dist", "exit": {"node": 2},
                         "stock": {"water_l": 100}}]}
    doc = scenario_doc(region, depots, impact=everywhere_impact(0.5), mutual_aid=aid)
    scenario, base = load_scenario(write_scenario(tmp_path, doc)), tmp_path
    result = run(scenario, base_dir=base)
    summary = write_outputs(result, tmp_path / "out", plots=False, report=False)
    [request] = summary["mutual_aid"]["requests"]
    assert request["in_time"] is True and request["handed_over"] == {"water_l": 100.0}
    assert (tmp_path / "out" / "summary.json").exists()
