"""The ``sim`` command as a user meets it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from worlds import (
    depot,
    everywhere_impact,
    line_world,
    scenario_doc,
    write_scenario,
    write_zones,
)

from sim.cli import main
from sim.scenarios import BUILTIN_SCENARIOS, builtin_scenario_path

ROOT = Path(__file__).resolve().parents[1]


def test_every_shipped_scenario_validates_and_matches_its_builtin_copy(capsys):
    shipped = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert {p.stem for p in shipped} == set(BUILTIN_SCENARIOS)
    for path in shipped:
        assert path.read_text() == builtin_scenario_path(path.stem).read_text()
    assert main(["validate", *map(str, shipped)]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok") == len(shipped)


def test_validate_reports_graph_problems_with_locations(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad nodes\nduration: 24h\n"
        "region: {network: {builtin: district}, zones: {builtin: district}}\n"
        "depots:\n"
        "  - {id: a, tier: district, at: {node: 99999999}, stock: {water_l: 9, food_ration: 9, bedding: 9},"
        " trucks: {count: 1, payload_kg: 1000}}\n"
        "  - {id: b, tier: district, at: {lonlat: [120.0, 30.0]}, trucks: {count: 1, payload_kg: 1000}}\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith(f"{bad}:5:40: depots[0].at.node: node 99999999 is not in the road graph")
    assert err[1].startswith(f"{bad}:6:42: depots[1].at.lonlat: [120, 30] is 1118.1 km from the nearest")
    assert len(err) == 2


def test_schema_is_json_schema_of_the_scenario(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "sim scenario"
    assert {"name", "duration", "region", "depots"} <= set(schema["required"])
    assert "hazard" in schema["properties"]


def test_info_prints_the_world_and_draws_the_map(tmp_path, capsys):
    png = tmp_path / "map.png"
    assert main(["info", "baseline_normal_traffic", "--map", str(png)]) == 0
    out = capsys.readouterr().out
    assert "658 in 22 townships, population 1,840,000" in out
    assert "bridges       20" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000


def test_info_json_counts_match_the_district(capsys):
    assert main(["info", "baseline_normal_traffic", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert 15_000 <= info["network"]["nodes"] <= 25_000
    assert info["network"]["strong_components"] == 1
    assert info["shelters"]["count"] == 19
    assert [d["tier"] for d in info["depots"]] == ["district", "district", "city"]


def small_scenario_file(tmp_path):
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    return write_scenario(tmp_path, scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5)))


def test_run_writes_every_output_with_the_documented_columns(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(small_scenario_file(tmp_path)), "--out", str(out), "--seed", "3"]) == 0
    console = capsys.readouterr().out
    assert "first district supplies on site" in console and str(out) in console
    summary = json.loads((out / "summary.json").read_text())
    assert {"scenario", "seed", "targets", "kpi", "supply_audit", "run", "verdicts"} <= set(summary)
    assert summary["seed"] == 3 and summary["supply_audit"]["balanced"] is True
    assert {"wall_s", "event_count"} <= set(summary["run"])
    zones = pd.read_csv(out / "zones.csv")
    assert {"zone_id", "affected", "first_supply_h", "relief_h", "delivered_water_l"} <= set(zones.columns)
    events = pd.read_parquet(out / "events.parquet")
    assert list(events.columns) == ["time_min", "kind", "agent", "zone", "item", "amount"]
    for name in summary["plots"]:
        assert (out / name).stat().st_size > 10_000
    timeline = (out / "timeline.md").read_text()
    assert "| 1.50 | first delivery unloaded (Z1, from d1) |" in timeline   # the hand-checked 90 min
    assert "100% of affected sites have their first district supplies" in timeline
    assert not list(out.glob(".*.tmp"))


def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nduration: 3\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(bad), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}:2:11: duration: a duration needs a unit" in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("argv", [["run", "no-such-file.yaml"], ["info", "no_such_builtin"]])
def test_missing_scenario_is_one_clear_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]


def test_shipped_overlay_applies_to_the_baseline():
    from sim.scenarios import load_scenario
    from sim.scenarios.overlays import apply_overlay

    base = load_scenario(builtin_scenario_path("baseline_normal_traffic"))
    after = apply_overlay(base, ROOT / "scenarios" / "overlays" / "southeast_depot.yaml")
    assert [d.id for d in after.depots] == ["taihu", "songzhuang", "city", "southeast"]
