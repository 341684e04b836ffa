"""The ``sim`` command as a user meets it."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from contextlib import contextmanager
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
    assert [d["tier"] for d in info["depots"]] == ["district", "district", "city"] + ["street"] * 22
    # Shelter room in whole places per shelter, as a run counts it (175,277 from the summed area before).
    from sim.api import run
    from sim.scenarios import builtin_scenario_path, load_scenario

    scenario = load_scenario(builtin_scenario_path("baseline_normal_traffic"))
    summary = run(scenario.model_copy(update={"duration": 60.0})).summary()
    assert info["shelters"]["capacity_people"] == summary["kpi"]["shelters"]["capacity_people"] == 175_270


def small_scenario_file(tmp_path):
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    return write_scenario(tmp_path, scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5)))


def test_run_writes_every_output_with_the_documented_columns(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(small_scenario_file(tmp_path)), "--out", str(out), "--seed", "3"]) == 0
    console = capsys.readouterr().out
    assert "first supplies at communities" in console
    written = ", ".join(sorted(p.name for p in out.iterdir() if not p.name.startswith(".")))
    assert f"outputs in {out}/: {written}" in console          # every file written, report.html too
    assert "report.html" in written and "msel.csv" in written
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
    assert "100% of affected sites have their first supplies (any reserve tier)" in timeline
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
    ids = [d.id for d in after.depots]
    assert ids[:3] == ["taihu", "songzhuang", "city"] and ids[-1] == "southeast" and len(ids) == 3 + 22 + 1


# ------------------------------------------------------------ arguments
def one_line_exit_2(argv, capsys) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_version_is_printed(capsys):
    from sim.version import __version__

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sim {__version__}"


@pytest.mark.parametrize("seed", ["-1", str(2**63), "1e3", "x"])
def test_a_seed_outside_0_to_2_63_is_one_line(seed, capsys):
    line = one_line_exit_2(["run", "baseline_normal_traffic", "--seed", seed], capsys)
    assert line.startswith("sim run: argument --seed: must be a whole number from 0 to 2**63 - 1")


def test_the_largest_seed_is_accepted_by_the_parser():
    from sim.cli import build_parser
    from sim.world.streams import MAX_SEED

    args = build_parser().parse_args(["run", "--seed", str(MAX_SEED)])
    assert args.seed == 2**63 - 1


@pytest.mark.parametrize("argv, says", [
    (["batch", "baseline_normal_traffic", "--replications", "5000000"], "at most 10,000 replications per variant"),
    (["batch", "baseline_normal_traffic", "--replications", "1", "--workers", "100000"], "at most"),
    (["compare", "baseline_normal_traffic", "baseline_normal_traffic", "--replications", "2000000"],
     "at most 10,000 replications"),
])
def test_batch_sizes_beyond_the_machine_are_refused_up_front(argv, says, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert not (tmp_path / "b").exists()


def test_an_unknown_option_is_one_line(capsys):
    assert "unrecognized arguments: --colour" in one_line_exit_2(["validate", "x.yaml", "--colour"], capsys)


def test_schema_into_a_closed_pipe_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "sim", "schema"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.readline()
    proc.stdout.close()          # the reader (head) went away
    err = proc.stderr.read().decode()
    assert proc.wait() == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


# ------------------------------------------------------------ scenarios by name
def test_built_in_names_are_accepted_by_validate_and_load_scenario(capsys):
    import sim

    assert main(["validate", "--schema-only", *BUILTIN_SCENARIOS]) == 0
    assert capsys.readouterr().out.count(": ok") == len(BUILTIN_SCENARIOS)
    assert sim.load_scenario("baseline_normal_traffic").name.startswith("Major disaster")


def test_a_folder_named_like_a_built_in_scenario_does_not_hide_it(tmp_path, monkeypatch, capsys):
    # A run's output folder named after its scenario, in the current folder.
    import sim

    monkeypatch.chdir(tmp_path)
    (tmp_path / "three_outages").mkdir()
    assert main(["validate", "--schema-only", "three_outages"]) == 0
    assert sim.load_scenario("three_outages").name.startswith("Three outages")


def test_compare_takes_built_in_names_for_both_scenarios(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "baseline_normal_traffic", "baseline_normal_traffic", "--replications", "2",
                 "--workers", "1", "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "comparison.json").read_text())["pairs"] == 2


def test_an_unknown_name_is_one_line(capsys):
    assert main(["validate", "no_such_scenario"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"no_such_scenario: no such file, and no built-in scenario of that name; built-ins: "
                   f"{', '.join(BUILTIN_SCENARIOS)}"]


# ------------------------------------------------------------ validate = what run refuses
def scenario_naming_townships(tmp_path) -> Path:
    path = tmp_path / "towns.yaml"
    path.write_text(
        "name: towns\nduration: 24h\nregion: {network: {builtin: district}, zones: {builtin: district}}\n"
        "impact: {area: {townships: [T07, T99]}, affected_share: 0.3}\n"
        "outages: {roads: [{start: 0h, end: 5h, area: {townships: [T7]}}]}\n"
        "hazard: {type: rainfall, design_storm: beijing-2012-07-21, township_factor: {T03: 1.4, X1: 2}}\n"
        "depots:\n"
        "  - {id: a, tier: district, at: {node: 10}, stock: {water_l: 9, food_ration: 9, bedding: 9},"
        " trucks: {count: 1, payload_kg: 1000}}\n")
    return path


def test_validate_refuses_townships_no_zone_belongs_to_at_their_lines(tmp_path, capsys):
    path = scenario_naming_townships(tmp_path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert [line.split(": ")[0] for line in err] == [f"{path}:4:34", f"{path}:5:59", f"{path}:6:92"]
    assert "impact.area.townships[1]: no zone belongs to township 'T99'" in err[0]
    assert "outages.roads[0].area.townships[0]: no zone belongs to township 'T7' (did you mean" in err[1]
    assert "hazard.township_factor.X1: no zone belongs to township 'X1'" in err[2]


def test_run_refuses_unknown_townships_before_it_writes_anything(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(scenario_naming_townships(tmp_path)), "--out", str(out)]) == 2
    assert "no zone belongs to township 'T99'" in capsys.readouterr().err
    assert not out.exists()


def test_validate_checks_an_overlay_on_its_own(tmp_path, capsys):
    overlay = ROOT / "scenarios" / "overlays" / "southeast_depot.yaml"
    assert main(["validate", str(overlay)]) == 0
    assert capsys.readouterr().out.strip() == f"{overlay}: ok (an overlay of 1 intervention(s))"
    bad = tmp_path / "bad_overlay.yaml"
    bad.write_text("interventions:\n  - {type: add_trucks, depot: taihu, count: true}\n"
                   "  - {type: prestock, from_depot: a, to_depot: a, stock: {water_l: 5}, lead: 2h}\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{bad}:2:45: interventions[0].count: expected a whole number, got true"]
    bad.write_text("interventions:\n  - {type: prestock, from_depot: a, to_depot: a, stock: {water_l: 5}, lead: 2h}\n")
    assert main(["validate", str(bad)]) == 2
    assert capsys.readouterr().err.strip() == (f"{bad}:2:47: interventions[0].to_depot: prestock moves stock "
                                               "from a depot to itself; name two different depots")


def test_problem_lines_never_carry_escape_sequences(tmp_path, capsys):
    path = tmp_path / "esc.yaml"
    path.write_text('name: x\nduration: 24h\n"\\e]0;owned\\a\\e[2J": 1\n')
    assert main(["validate", "--schema-only", str(path)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "unknown key '\\x1b]0;owned\\x07\\x1b[2J'" in err


# ------------------------------------------------------------ output folders
def test_out_naming_a_file_or_a_folder_under_a_file_is_one_line(tmp_path, capsys):
    scenario = small_scenario_file(tmp_path)
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    for out, says in ((afile, "is a file, not a folder"), (afile / "sub", f"{afile} is a file")):
        for argv in (["run", str(scenario)], ["batch", str(scenario), "--replications", "1"]):
            assert main([*argv, "--out", str(out), "--quiet"]) == 2
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and says in err[0], err
    assert afile.read_text() == "mine\n"


def test_out_in_a_place_that_cannot_be_written_is_one_line(tmp_path, capsys):
    out = Path("/proc/sim-out")      # not writable even for root
    assert main(["run", str(small_scenario_file(tmp_path)), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{out}: cannot create the --out folder: "), err


def test_info_map_needs_an_image_name_and_a_writable_place(tmp_path, capsys):
    assert main(["info", "baseline_normal_traffic", "--map", str(tmp_path / "x.xyz")]) == 2
    assert "the map is drawn as .png, .pdf, .svg" in capsys.readouterr().err
    assert main(["info", "baseline_normal_traffic", "--map", "/proc/sim-map/map.png"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot create the folder for the map" in err[0]
    # A folder that exists but takes no files, whatever its permission bits say.
    assert main(["info", "baseline_normal_traffic", "--map", "/proc/map.png"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("/proc: cannot write into the folder for the map")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------ a run's files as one set
@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    import sim

    tmp = tmp_path_factory.mktemp("small")
    path = small_scenario_file(tmp)
    return sim.run(sim.load_scenario(path), base_dir=path.parent)


RUN_FILES = ["events.parquet", "facilities.geojson", "msel.csv", "msel.xlsx", "report.html", "roads_closed.geojson",
             "scenario.json", "summary.json", "timeline.md", "zones.csv", "zones.geojson"]


def test_a_run_into_a_used_folder_replaces_the_previous_runs_files_and_keeps_the_users(tmp_path, small_run):
    from sim.report.outputs import MANIFEST, write_outputs

    out = tmp_path / "out"
    out.mkdir()
    (out / "earthquake_intensity.png").write_bytes(b"an earlier run's map")   # written before manifests
    (out / "summary.json").write_text("{}\n")                                 # (every run writes a summary)
    (out / "notes.txt").write_text("mine\n")
    write_outputs(small_run, out, plots=False)
    assert not (out / "earthquake_intensity.png").exists()
    assert (out / "notes.txt").read_text() == "mine\n"
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert listed == RUN_FILES
    summary = write_outputs(small_run, out, plots=True)
    assert set(json.loads((out / MANIFEST).read_text())["files"]) == set(listed) | set(summary["plots"])
    write_outputs(small_run, out, plots=False)
    assert not any((out / name).exists() for name in summary["plots"])
    assert (out / "notes.txt").exists()


def test_zones_csv_names_each_zones_node_by_the_road_graphs_id(tmp_path, capsys):
    """The ids of nodes.csv (here 1..n, so position + 1), as the zones table that went in names them:
    the table read back as a region's zones puts every zone where it was."""
    path = small_scenario_file(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-plots", "--no-report"]) == 0
    written = pd.read_csv(out / "zones.csv", dtype={"zone_id": str})
    given = pd.read_csv(tmp_path / "zones.csv", dtype={"zone_id": str})
    assert written["node"].tolist() == given["node"].tolist() == [3]
    nodes = pd.read_csv(tmp_path / "nodes.csv").set_index("id")
    assert written["lon"].tolist() == pytest.approx(nodes.loc[written["node"], "lon"].tolist())
    capsys.readouterr()
    assert main(["info", str(path), "--json"]) == 0
    assert [d["node"] for d in json.loads(capsys.readouterr().out)["depots"]] == [1]     # d1 sits on node id 1


def test_the_scenario_json_of_a_short_run_runs_again_and_a_sweep_may_shorten_a_run(tmp_path, capsys):
    """The default tour limit (8 h) written out by scenario.json or a sweep's variant is still the
    default: a 1 h run keeps it, as it does when its file leaves it out; a limit given is checked."""
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5))
    doc["duration"] = "1h"
    path = write_scenario(tmp_path, doc)
    assert main(["run", str(path), "--out", str(tmp_path / "r"), "--seed", "5", "--no-plots", "--no-report"]) == 0
    assert main(["run", str(tmp_path / "r" / "scenario.json"), "--out", str(tmp_path / "r2"), "--no-plots",
                 "--no-report"]) == 0                      # from another folder than the scenario's, seed 5 again
    first, again = (json.loads((tmp_path / r / "summary.json").read_text()) for r in ("r", "r2"))
    assert again["seed"] == first["seed"] == 5 and again["kpi"] == first["kpi"]
    doc["duration"] = "24h"
    longer = write_scenario(tmp_path, doc, "day.yaml")
    assert main(["batch", str(longer), "--replications", "1", "--workers", "1", "--sweep", "duration=1h,2h",
                 "--out", str(tmp_path / "b"), "--no-report"]) == 0
    doc["duration"] = "1h"
    doc["policy"] = {"tours": {"max_tour": "2h"}}
    assert main(["validate", str(write_scenario(tmp_path, doc, "long_tour.yaml"))]) == 2
    assert "policy.tours.max_tour: a tour of up to 2h is longer than the run (1h)" in capsys.readouterr().err


def test_a_run_in_which_no_zone_is_affected_judges_no_target(tmp_path, capsys):
    """An impact area that holds no zone: nothing to judge is not a target missed."""
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    impact = {**everywhere_impact(0.5), "area": {"around": {"center": [100.0, 30.0], "radius": "1km"}}}
    path = write_scenario(tmp_path, scenario_doc(region, [depot("d1", 1)], impact=impact))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-plots", "--no-report"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verdicts"] and all(v["met"] is None and v["share"] is None for v in summary["verdicts"])
    assert "NOT MET" not in printed and "n/a     basic relief within 8 h" in printed
    assert any(w.startswith("no zone was affected") for w in summary["warnings"])
    assert "NOT MET" not in (out / "msel.csv").read_text()
    assert main(["report", str(out)]) == 0
    assert "n/a (nothing to judge)" in (out / "report.html").read_text()


def test_depots_without_trucks_are_not_roads_cutting_zones_off(tmp_path, capsys):
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    path = write_scenario(tmp_path, scenario_doc(region, [depot("d1", 1, trucks=0)], impact=everywhere_impact(0.5)))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-plots", "--no-report"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert any(w.startswith("no depot has a truck") for w in summary["warnings"])
    assert not any("reached by truck" in w or "cut off" in w for w in summary["warnings"]), summary["warnings"]
    limited = summary["kpi"]["relief"]["limited_by"]
    assert limited["roads"] == 0 and limited["trucks"] > 0, str(limited)


def test_zones_no_depot_serves_are_named_in_a_warning(tmp_path):
    region = line_world(tmp_path, n=3)
    (tmp_path / "zones.csv").write_text("zone_id,township,node,population,vulnerable_share\n"
                                        "Z1,T02,3,100,0.2\nZ2,T01,2,100,0.2\n")
    region["zones"] = {"csv": "zones.csv"}
    hub = depot("hub", 1, tier="street", serves={"townships": ["T01"]})
    path = write_scenario(tmp_path, scenario_doc(region, [hub], impact=everywhere_impact(0.5)))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-plots", "--no-report"]) == 0
    warnings = json.loads((out / "summary.json").read_text())["warnings"]
    assert any(w.startswith("1 affected zone(s) lie in no depot's service area, so nothing is sent there: Z1")
               for w in warnings), warnings


def test_a_run_never_replaces_a_file_no_run_wrote(tmp_path, capsys):
    """--out the scenario's own folder: its zones.csv is the run's input, not an earlier output."""
    path = small_scenario_file(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert "zones.csv" in before
    assert main(["run", str(path), "--out", str(tmp_path), "--no-plots", "--no-report"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{tmp_path / 'zones.csv'}: no earlier run wrote this file, and a run "
                                               "would replace it"), err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before     # nothing written, nothing left behind


def test_a_report_written_afterwards_is_the_runs_and_the_next_run_replaces_it(tmp_path):
    path = small_scenario_file(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-plots", "--no-report"]) == 0
    assert main(["report", str(out)]) == 0 and (out / "report.html").exists()
    assert main(["run", str(path), "--out", str(out), "--no-plots", "--no-report"]) == 0
    assert not (out / "report.html").exists()          # the run's files are one set: no older report beside it


def test_the_console_lists_the_files_the_run_wrote_not_the_folders(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    assert main(["run", str(small_scenario_file(tmp_path)), "--out", str(out), "--no-plots", "--no-report"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "outputs in" in x)
    assert "notes.txt" not in line and "zones.csv" in line and "summary.json" in line


def test_a_failure_while_plotting_leaves_the_previous_set_whole(tmp_path, small_run, monkeypatch):
    from sim.report import run_plots
    from sim.report.outputs import write_outputs

    out = tmp_path / "out"
    write_outputs(small_run, out, plots=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def killed_while_saving(fig, path):
        Path(path).write_bytes(b"")          # the file exists, empty, when the kill arrives
        raise KeyboardInterrupt
    monkeypatch.setattr(run_plots, "save_figure", killed_while_saving)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(small_run, out, plots=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(out.glob("*.png"))


def test_temporary_folders_of_a_killed_run_are_removed_by_the_next(tmp_path, small_run):
    from sim.report.outputs import write_outputs

    out = tmp_path / "out"
    stale = out / ".sim-tmp-0123456789ab"
    stale.mkdir(parents=True)
    (stale / "first_supply_map.png").write_bytes(b"")
    write_outputs(small_run, out, plots=False)
    assert not stale.exists()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == RUN_FILES


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_output_files_are_created_as_the_umask_says(tmp_path, small_run, umask, mode):
    from sim.files import atomic_write
    from sim.report.outputs import write_outputs

    old = os.umask(umask)
    try:
        write_outputs(small_run, tmp_path / "out", plots=False)
        with atomic_write(tmp_path / "other.json") as tmp:
            tmp.write_text("{}")
    finally:
        os.umask(old)
    for path in [*(tmp_path / "out").iterdir(), tmp_path / "other.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o777 & ~umask


@contextmanager
def lock_held_elsewhere(folder: Path, what: str):
    """Another process holds ``folder``'s lock for ``what`` during the block; yields its process id."""
    code = ("import sys\nfrom sim.files import FolderLock\n"
            f"with FolderLock({str(folder)!r}, {what!r}):\n    print('locked', flush=True)\n    sys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            cwd=ROOT, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc.pid
    finally:
        proc.stdin.close()
        proc.wait()


@pytest.mark.parametrize("holder", ["run", "batch"])
def test_a_second_run_into_a_folder_in_use_is_refused_at_once(tmp_path, holder, capsys):
    out = tmp_path / "out"
    out.mkdir()
    with lock_held_elsewhere(out, holder) as pid:
        assert main(["run", str(small_scenario_file(tmp_path)), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{out}: another sim {holder} (process {pid}) is writing into this folder; wait for it "
                   "to finish or choose another --out"]
    assert sorted(p.name for p in out.iterdir()) == [".sim-lock"]
    assert main(["run", str(small_scenario_file(tmp_path)), "--out", str(out), "--quiet"]) == 0


def test_a_township_reserve_serving_an_unknown_township_is_refused_at_its_line(tmp_path, capsys):
    path = tmp_path / "hub.yaml"
    path.write_text(
        "name: hub\nduration: 6h\nregion: {network: {builtin: district}, zones: {builtin: district}}\n"
        "impact: {area: {townships: [T01]}, affected_share: 0.1}\n"
        "depots:\n"
        "  - {id: a, tier: district, at: {node: 10}, stock: {water_l: 9, food_ration: 9, bedding: 9},"
        " trucks: {count: 1, payload_kg: 1000}}\n"
        "  - {id: h, tier: street, at: {node: 20}, serves: {townships: [T01, T77]}, stock: {water_l: 9},"
        " trucks: {count: 1, payload_kg: 1000}}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{path}:7:")
    assert "depots[1].serves.townships[1]: no zone belongs to township 'T77'" in err[0]


@pytest.mark.parametrize("args, line", [
    (["results", "FOLDER", "--indifference", "0.1"],
     "--indifference: only with --select (it tells how to pick the best variant); add --select or leave "
     "--indifference out"),
    (["results", "FOLDER", "--better", "higher"], "--better: only with --select"),
    (["batch", "baseline_normal_traffic", "--max-replications", "5", "--out", "FOLDER/b"],
     "--max-replications: only with --precision (it caps the replications --precision adds)"),
    (["compare", "baseline_normal_traffic", "--max-replications", "5", "--out", "FOLDER/c"],
     "--max-replications: only with --precision (it caps the pairs --precision adds)"),
])
def test_an_option_without_the_one_it_works_with_is_refused_not_ignored(args, line, tmp_path, capsys):
    args = [a.replace("FOLDER", str(tmp_path)) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(line)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_results_of_a_table_without_rows_is_refused(tmp_path, capsys):
    empty = pd.DataFrame({"variant": pd.Series([], dtype=str), "replication": [], "seed": [],
                          "status": pd.Series([], dtype=str)})
    empty.to_parquet(tmp_path / "results.parquet")
    assert main(["results", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().startswith(f"{tmp_path / 'results.parquet'}: holds no rows")


def test_info_of_a_region_without_residents_says_so(tmp_path, capsys):
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 0, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5),
                       shelters=[{"id": "s1", "at": {"node": 2}, "area_m2": 1000}])
    assert main(["info", str(write_scenario(tmp_path, doc))]) == 0
    out = capsys.readouterr().out
    assert "people (no residents)" in out and "% of residents" not in out


@pytest.mark.parametrize("held", ["batch.json", "comparison.json", "results.parquet"])
def test_a_run_into_a_batch_or_comparison_folder_is_refused_and_writes_nothing(tmp_path, capsys, held):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / held).write_text("{}")
    assert main(["run", "baseline_normal_traffic", "--out", str(folder), "--quiet", "--no-plots", "--no-report"]) == 2
    assert capsys.readouterr().err.strip() == (f"{folder}: holds a batch or comparison ({held}); a run's files would "
                                               "mix with its results: choose another --out")
    assert sorted(p.name for p in folder.iterdir()) == [held]


def test_a_batch_into_a_runs_folder_is_refused_as_a_run_into_a_batchs_is(tmp_path, capsys):
    path = small_scenario_file(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-plots", "--no-report"]) == 0
    before = sorted(p.name for p in out.iterdir())
    assert main(["batch", str(path), "--replications", "1", "--workers", "1", "--out", str(out)]) == 2
    assert "holds a run's files (summary.json); a batch's results would mix with them" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == before


def test_a_zone_trucks_could_drive_to_but_not_back_from_is_named(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,lon,lat\n1,116.60,39.8\n2,116.61,39.8\n3,116.62,39.8\n")
    (tmp_path / "edges.csv").write_text("u,v,length_m,speed_kmh,oneway\n1,2,1000,40,false\n2,3,1000,40,true\n")
    (tmp_path / "zones.csv").write_text("zone_id,township,node,population,vulnerable_share\n"
                                        "Z2,T01,2,100,0.2\nZ3,T01,3,100,0.2\n")
    region = {"network": {"csv": {"nodes": "nodes.csv", "edges": "edges.csv"}}, "zones": {"csv": "zones.csv"}}
    path = write_scenario(tmp_path, scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5)))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--no-plots", "--no-report"]) == 0
    warnings = json.loads((out / "summary.json").read_text())["warnings"]
    assert any(w.startswith("1 affected zone(s) can be driven to but not back from to any depot (one-way "
                            "streets)") and w.endswith(": Z3") for w in warnings), warnings
