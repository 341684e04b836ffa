"""What a run reports of its closed roads: km by road class over time, at 24 h and 72 h, km cleared."""
from __future__ import annotations

import numpy as np
import pytest
from test_road_clearing_rates import QUAKE, debris_site, segment_edges
from worlds import depot, scenario_doc, write_scenario, write_zones

import sim.hazards
from sim.api import run
from sim.hazards.timeline import HazardOutcome, RoadChange
from sim.scenarios import load_scenario


def classed_region(tmp_path):
    """Depot at 1; an arterial 1-2-3 and a local street 3-4, 2 km each; the zone at 4."""
    nodes = [(i, 116.5 + 0.02 * i, 39.8) for i in range(1, 5)]
    (tmp_path / "nodes.csv").write_text("id,lon,lat\n" + "".join(f"{i},{lon},{lat}\n" for i, lon, lat in nodes))
    (tmp_path / "edges.csv").write_text("u,v,length_m,speed_kmh,oneway,bridge,class\n"
                                        "1,2,2000,50,false,false,arterial\n2,3,2000,50,false,false,arterial\n"
                                        "3,4,2000,30,false,false,local\n")
    return {"network": {"csv": {"nodes": "nodes.csv", "edges": "edges.csv"}},
            "zones": {"csv": write_zones(tmp_path, [("Z", 4, 100, 0.1)])}}


def run_closures(tmp_path, monkeypatch):
    doc = scenario_doc(classed_region(tmp_path), [depot("d", 1)], duration="72h",
                       hazard={**QUAKE, "road_clearing": {"corridors": []}},
                       teams=[{"id": "crew", "kind": "road_repair", "base": {"node": 1}, "mobilize": "0min"}])
    scenario = load_scenario(write_scenario(tmp_path, doc))

    def outcome(hazard, graph, zones, rng):
        arterial, site = debris_site(graph, 2, 3, m3=16_000.0)       # 2 km × 8 m³/m
        local = segment_edges(graph, 3, 4)
        # The local street is closed for 30 h and reopens on schedule.
        return HazardOutcome(road_changes=[RoadChange(0.0, np.concatenate([arterial, local]), 0.0, cause="debris"),
                                           RoadChange(1800.0, local, 1.0, cause="bridge repaired")],
                             work_sites=[site])

    monkeypatch.setattr(sim.hazards, "hazard_outcome", outcome)
    return run(scenario, base_dir=tmp_path)


def test_closed_km_by_class_sums_to_the_total_at_every_change(tmp_path, monkeypatch):
    hazard = run_closures(tmp_path, monkeypatch).summary()["hazard"]
    total = dict((t, km) for t, km in hazard["closed_road_km_over_time"])
    by_class = hazard["closed_road_km_by_class_over_time"]
    assert set(by_class) == {"arterial", "local"}
    for k, (t, _) in enumerate(by_class["arterial"]):
        assert by_class["arterial"][k][1] + by_class["local"][k][1] == pytest.approx(total[t], abs=2e-3)
    assert by_class["arterial"][0] == [0.0, 2.0] and by_class["local"][0] == [0.0, 2.0]


def test_closed_km_at_24_and_72_hours_by_class(tmp_path, monkeypatch):
    hazard = run_closures(tmp_path, monkeypatch).summary()["hazard"]
    # 16,000 m³ at 486 m³/h: the arterial reopens after about 33 h; the local street at 30 h.
    assert hazard["closed_road_km_at"]["24h"] == {"all": 4.0, "arterial": 2.0, "local": 2.0}
    assert hazard["closed_road_km_at"]["72h"] == {"all": 0.0, "arterial": 0.0, "local": 0.0}
    clearing = hazard["road_clearing"]
    assert clearing["debris_sites"] == 1 and clearing["debris_km"] == 2.0
    assert clearing["cleared_km_at"] == {"24h": 0.0, "72h": 2.0}
    assert clearing["cleared_km_by_crew"] == {"road_repair": 2.0}
