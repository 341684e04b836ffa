"""A road graph without coordinates (a DIMACS graph without its .co file): what needs lon/lat
is refused where it is written, and what does not runs to a whole output folder (no GeoJSON
and no maps: nothing to place)."""
from __future__ import annotations

import json

import pytest
import yaml

from sim.cli import main

SIDE = 4      # a 4 × 4 grid of crossroads, 1 km apart, two-way


def _grid(tmp_path) -> str:
    arcs = []
    for r in range(SIDE):
        for c in range(SIDE):
            n = r * SIDE + c + 1
            for m in ([n + 1] if c + 1 < SIDE else []) + ([n + SIDE] if r + 1 < SIDE else []):
                arcs += [f"a {n} {m} 1000", f"a {m} {n} 1000"]
    (tmp_path / "grid.gr").write_text(f"p sp {SIDE * SIDE} {len(arcs)}\n" + "\n".join(arcs) + "\n")
    (tmp_path / "zones.csv").write_text("zone_id,township,node,population,vulnerable_share\n"
                                        + "".join(f"Z{n},T01,{n},500,0.1\n" for n in range(2, SIDE * SIDE + 1)))
    return "grid.gr"


def _scenario(tmp_path, **extra) -> str:
    doc = {"name": "no coordinates", "seed": 3, "duration": "12h",
           "region": {"network": {"dimacs": _grid(tmp_path)}, "zones": {"csv": "zones.csv"}},
           "impact": {"area": {"everywhere": True}, "affected_share": 0.5, "spread": 0.0},
           "depots": [{"id": "d1", "tier": "district", "at": {"node": 1},
                       "stock": {"water_l": 20_000, "food_ration": 10_000, "bedding": 1_000},
                       "trucks": {"count": 2, "payload_kg": 3000}}], **extra}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)


def test_a_scenario_that_needs_no_coordinates_runs_to_a_whole_folder(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", _scenario(tmp_path), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kpi"]["relief"]["within"]["8h"] > 0
    assert not list(out.glob("*.geojson")) and not (out / "first_supply_map.png").exists()
    assert "no coordinates (lon/lat): there is nothing to place on a map" in (out / "report.html").read_text()
    assert main(["info", _scenario(tmp_path), "--map", str(tmp_path / "m.png")]) == 2
    assert "has no coordinates (lon/lat) to draw" in capsys.readouterr().err


@pytest.mark.parametrize("extra, where, says", [
    ({"shelters": [{"id": "s1", "at": {"node": 5}, "area_m2": 1000}]}, "shelters",
     "the displaced walk to shelters by the straight line"),
    ({"hazard": {"type": "earthquake", "magnitude": 7.0, "epicenter": [116.6, 39.9]}}, "hazard.type",
     "the earthquake model places its hazard by coordinates"),
    ({"outages": {"roads": [{"start": "0h", "end": "6h", "area": {"townships": ["T01"]}, "closed_share": 0.5}]}},
     "outages.roads[0].area.townships", "take the township of their nearest zone"),
    ({"last_mile": {"porters": {"count": 4}}}, "last_mile", "porters, boats and helicopters go by the straight"),
])
def test_what_needs_coordinates_is_refused_where_it_is_written(tmp_path, capsys, extra, where, says):
    assert main(["validate", _scenario(tmp_path, **extra)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f": {where}: " in err[0] and says in err[0], err


def test_a_place_by_lon_lat_is_refused_with_the_fix(tmp_path, capsys):
    path = _scenario(tmp_path)
    doc = yaml.safe_load(open(path))
    doc["depots"][0]["at"] = {"lonlat": [116.6, 39.9]}
    open(path, "w").write(yaml.safe_dump(doc, sort_keys=False))
    assert main(["validate", path]) == 2
    assert "depots[0].at.lonlat: the road graph" in capsys.readouterr().err


def test_sim_info_gives_a_dimacs_graphs_travel_times_not_their_seconds_as_km(tmp_path, capsys):
    assert main(["info", _scenario(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "lengths unknown (travel times only: 13.3 h)" in printed and " km" not in printed.splitlines()[1]
