"""The tour-heuristic benchmark (benchmarks/tour_heuristic.py) on worlds whose answers are known
by hand: stops on a line, where the optimum order is the order along the line."""
from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from worlds import (
    depot,
    everywhere_impact,
    line_world,
    load_benchmark,
    scenario_doc,
    write_scenario,
    write_zones,
)

from sim.dispatch.tours import Candidates, TourRules, build_tour


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("tour_heuristic")


def line_instance(bench, payload_kg=1000.0):
    """Depot at 0 km; candidates at 1, 2, 3 km (needs 100, 200, 300 kg) and at -20 km (150 kg),
    in that urgency order; 2 minutes per km. The heuristic's own call, recorded as the script does."""
    xs = [1.0, 2.0, 3.0, -20.0]
    zones = [SimpleNamespace(zone_id=f"Z{k + 1}", node=k + 1) for k in range(4)]
    cand = Candidates(zones, np.array([[100.0], [200.0], [300.0], [150.0]]), np.ones(4, dtype=int),
                      np.array([[x, 0.0] for x in xs]), np.array([2.0 * abs(x) for x in xs]))
    args = (1, "d", np.zeros(2), cand, np.array([10_000.0]), np.array([1.0]), ("water_l",), payload_kg,
            TourRules(), 2.0)
    tour = build_tour(*args)
    inst = bench.record_call(args, {}, tour, (0.001, 0.0005), top_k=64)
    inst["road"] = 1.5 * bench.est_matrix(inst)          # roads along the line, slower than the estimate
    return inst


def test_brute_force_finds_the_order_along_the_line_and_the_gap_of_a_worse_one(bench):
    inst = line_instance(bench)
    # The heuristic drives the line (3, 2, 1 km: each insertion's tie goes to the first edge) and
    # leaves the far candidate: 6 km, 12 min.
    assert inst["ours"]["order"] == [3, 2, 1] and inst["ours"]["drop_kg"] == [300.0, 200.0, 100.0]
    assert inst["first"] == 1 and inst["ours"]["planned_min"] == pytest.approx(12.0)
    est = bench.est_matrix(inst)
    # By hand, km of each order (out along the line and back): the optimum, 6 km, four ways.
    km = {(1, 2, 3): 6, (1, 3, 2): 6, (2, 1, 3): 8, (2, 3, 1): 6, (3, 1, 2): 8, (3, 2, 1): 6}
    for stops, length in km.items():
        assert bench.tour_minutes(est, stops) == pytest.approx(2.0 * length)
    order, minutes = bench.best_order(est, [2, 1, 3])
    assert km[tuple(order)] == 6 and minutes == pytest.approx(12.0)
    rec = bench.analyse(inst)
    assert rec["planned_min_identity"] and rec["replay_matches_ours"] and rec["ours_fits_library_model"]
    assert rec["est"]["gap"] == 0.0 and rec["road"]["gap"] == 0.0 and rec["road"]["optimum_min"] == pytest.approx(18.0)

    # A worse order of the same stops: 2, 1, 3 km is 8 km against 6, a third longer.
    inst["ours"] = {"order": [2, 1, 3], "drop_kg": [200.0, 100.0, 300.0], "planned_min": 2 * 2.0 + 16.0 - 2 * 2.0}
    rec = bench.analyse(inst)
    assert rec["planned_min_identity"]
    assert rec["est"]["ours_min"] == pytest.approx(16.0) and rec["est"]["optimum_min"] == pytest.approx(12.0)
    assert rec["est"]["gap"] == pytest.approx(1 / 3) and rec["road"]["gap"] == pytest.approx(1 / 3)
    assert km[tuple(rec["orders"]["road_optimal"])] == km[tuple(rec["orders"]["est_optimal"])] == 6
    tour = rec["tour"]["ours"]
    assert tour["kg"] == 600.0 and tour["drive_min"] == pytest.approx(24.0)
    # The order the oracle finds saves 6 road minutes of 24: the same kg per fewer tour-hours.
    assert rec["tour"]["ours_road_optimal_order"]["drive_min"] == pytest.approx(18.0)
    assert rec["tour"]["ours_road_optimal_order"]["kg_per_h"] > tour["kg_per_h"]

    summary = bench.summarise([rec], {"scenario": "line", "seed": 0, "build_tour_calls": 1, "tours_per_run": 1})
    order = summary["order"]
    assert order["tours_with_2plus_stops"] == 1 and summary["stops_per_tour"]["3"] == 1
    for metric in ("est", "road"):
        assert order[metric]["median_gap"] == order[metric]["p95_gap"] == order[metric]["max_gap"] == round(1 / 3, 4)
        assert order[metric]["share_optimal"] == 0.0 and order[metric]["share_over_5pct"] == 1.0
    assert order["road"]["minutes_saved_by_optimal_order_share"] == 0.25
    assert summary["planned_min_identity_breaches"] == 0
    assert summary["time_per_call_ms"]["ours_build_tour"] == {"n": 1, "median_ms": 1.0, "p95_ms": 1.0, "mean_ms": 1.0,
                                                              "cpu_median_ms": 0.5, "cpu_mean_ms": 0.5}
    assert summary["seconds_per_run"]["ours_build_tour_s"] == 0.001
    assert summary["seconds_per_run"]["ours_build_tour_cpu_s"] == 0.0005
    assert summary["worst_road_order_examples"][0]["orders"]["ours"] == [2, 1, 3]
    assert "| line |" in bench.markdown({"scenarios": {"line": summary}})


def test_a_load_cut_to_the_room_left_is_flagged_as_outside_the_libraries_model(bench):
    # 500 kg: 100 + 200 kg, then 200 of the third stop's 300 kg — a load the libraries cannot split.
    inst = line_instance(bench, payload_kg=500.0)
    assert inst["ours"]["order"] == [3, 2, 1] and inst["ours"]["drop_kg"] == [200.0, 200.0, 100.0]
    rec = bench.analyse(inst)
    assert rec["replay_matches_ours"] and not rec["ours_fits_library_model"]
    # Prizes: 30 min per stop of at least 100 kg; the tour of 12 min leaves the far one out.
    assert rec["objective"]["ours"] == pytest.approx(12.0 + 30.0)


@pytest.mark.parametrize("library", ["pyvrp", "ortools"])
def test_the_libraries_find_the_optimum_order_and_the_best_prize_collecting_tour(bench, library):
    pytest.importorskip("pyvrp" if library == "pyvrp" else "ortools.constraint_solver.pywrapcp")
    inst = line_instance(bench)
    inst["ours"] = {"order": [2, 1, 3], "drop_kg": [200.0, 100.0, 300.0], "planned_min": 16.0}
    rec = bench.analyse(inst, libraries=(library,))
    assert rec["tsp"][library]["road_min"] == pytest.approx(18.0) and rec["tsp"][library]["gap"] == 0.0
    pc = rec["pc"][library]
    # The far candidate costs 80 min for a prize of 30; the three on the line cost 12 min in all.
    assert pc["feasible"] and sorted(pc["order"]) == [1, 2, 3] and pc["objective"] == pytest.approx(42.0)
    assert pc["same_stops_as_ours"] and sorted(pc["ranks"]) == [0, 1, 2]
    assert pc["tour"]["kg"] == 600.0
    # 500 kg: all three (600 kg) no longer fit whole; 1 and 2 km (8 min, prizes of 60 left) is the best.
    small = line_instance(bench, payload_kg=500.0)
    pc = bench.analyse(small, libraries=(library,))["pc"][library]
    assert sorted(pc["order"]) == [1, 2] and pc["objective"] == pytest.approx(68.0) and pc["tour"]["kg"] == 300.0
    summary = bench.summarise([rec], {"scenario": "line", "seed": 0, "build_tour_calls": 1, "tours_per_run": 1})
    assert summary["library_order"][library] == {"optimal_share": 1.0, "max_gap": 0.0}
    assert summary["selection"][library]["share_objective_better_than_ours"] == 1.0
    assert summary["time_per_call_ms"][f"{library}_tsp"]["n"] == 1


def test_a_run_is_captured_without_changing_its_tours(bench, tmp_path):
    # A depot at one end of a line and three small zones along it: tours go out along the line.
    region = line_world(tmp_path, n=4)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 100, 0.2), ("Z2", 3, 100, 0.2), ("Z3", 4, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5))
    doc["duration"] = "12h"
    path = write_scenario(tmp_path, doc)
    out = tmp_path / "bench.json"
    assert bench.main(["--scenario", str(path), "--no-libraries", "--records", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    summary = report["scenarios"][str(path)]
    assert summary["tours_per_run"] >= 1 and summary["capture_changed_no_tour"] is True
    assert summary["planned_min_identity_breaches"] == 0
    assert summary["tours_analysed"] == summary["tours_per_run"] == len(summary["records"])
    assert summary["time_per_call_ms"]["ours_build_tour"]["n"] == summary["build_tour_calls"]
    assert any(r["stops"] >= 2 for r in summary["records"])
    for r in summary["records"]:
        assert r["est"]["gap"] == 0.0 and r["road"]["gap"] == 0.0 and math.isfinite(r["road"]["ours_min"])
        assert r["tour"]["ours"]["kg"] > 0
    assert "selection" not in summary                     # no library was asked for
