"""Digging out the trapped: neighbours first, then rescue crews, each zone its own."""
from __future__ import annotations

import pytest
from worlds import depot, line_world, scenario_doc, write_scenario, write_zones

from sim.api import run
from sim.scenarios import load_scenario

SELF_SHARE = 0.5


def quake_world(tmp_path, zones):
    region = line_world(tmp_path, n=3, length_m=2000.0)
    region["zones"] = {"csv": write_zones(tmp_path, zones)}
    hazard = {"type": "earthquake", "magnitude": 8.0, "epicenter": [116.7, 39.8], "depth_km": 10,
              "self_rescue_share": SELF_SHARE}
    doc = scenario_doc(region, [depot("d", 1)], hazard=hazard, duration="72h",
                       teams=[{"id": "sar", "kind": "sar", "base": {"node": 2}, "count": 4}])
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def test_two_zones_on_one_road_node_are_each_rescued_for_their_own_trapped(tmp_path):
    scenario, base = quake_world(tmp_path, [("Z1", 2, 300, 0.1), ("Z2", 2, 300, 0.1), ("Z3", 2, 100, 0.1)])
    result = run(scenario, base_dir=base)
    zones = {z.zone_id: z for z in result.world.zones}
    assert zones["Z1"].trapped > 0 and zones["Z2"].trapped > 0 and zones["Z1"].trapped != zones["Z2"].trapped
    events = result.events_frame()
    rescued_in = set(events.loc[events["kind"] == "rescue", "zone"])
    assert {"Z1", "Z2"} <= rescued_in
    ledger = result.world.rescue
    assert ledger.trapped == sum(z.trapped for z in zones.values())
    # Every trapped person is booked once: by neighbours, or by the teams (all sites done in 72 h).
    assert ledger.self_rescued + ledger.rescued_alive + ledger.rescued_dead == pytest.approx(ledger.trapped)
    assert ledger.awaiting == pytest.approx(0.0, abs=1e-6)
