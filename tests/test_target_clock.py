"""The target clock: every KPI, curve, plot and timeline row measures from when each zone was hit."""
from __future__ import annotations

import math

import numpy as np
import pytest
from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

from sim.analysis.clock import relieved_since_hit, since_hit_min
from sim.analysis.curves import CURVE_STEP_H, coverage_curves
from sim.api import run
from sim.report.timeline import timeline_rows
from sim.scenarios import load_scenario

HIT_H = 10.0


def late_hit_world(tmp_path, start=f"{HIT_H:g}h"):
    """Four zones on a line, hit at ``start``; one depot at the first node."""
    region = line_world(tmp_path, n=4, length_m=20_000.0)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 1, 1000, 0.1), ("Z2", 2, 1000, 0.1),
                                                     ("Z3", 3, 1000, 0.1), ("Z4", 4, 1000, 0.1)])}
    impact = {**everywhere_impact(0.5), "start": start}
    doc = scenario_doc(region, [depot("d", 1, water=100_000, food=50_000, trucks=4, bays=4)],
                       impact=impact, duration="30h")
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def test_since_hit_counts_what_came_before_the_hit_as_zero_and_never_as_never():
    got = since_hit_min([30.0, 700.0, math.inf], [600.0, 600.0, 600.0])
    assert list(got) == [0.0, 100.0, math.inf]


def test_coverage_curves_measure_time_since_each_zone_was_hit(tmp_path):
    scenario, base = late_hit_world(tmp_path)
    result = run(scenario, base_dir=base)
    assert all(z.hit_time_min == HIT_H * 60 for z in result.world.zones if z.is_affected)
    kpi = result.summary()["kpi"]
    curves = coverage_curves(result)
    assert kpi["first_supplies"]["within"]["3h"] > 0.5       # supplies come within 3 h of the hit
    assert kpi["relief"]["within"]["8h"] > 0.5
    for hours, section, key in ((3, "first_supplies", "3h"), (4, "first_supplies", "4h"),
                                (6, "first_supplies", "6h")):
        assert curves["curve_first_supplies"][int(hours / CURVE_STEP_H)] == pytest.approx(kpi[section]["within"][key])
    for hours in (8, 12):
        assert curves["curve_relief"][int(hours / CURVE_STEP_H)] == pytest.approx(kpi["relief"]["within"][f"{hours}h"])


def test_relieved_people_are_counted_from_their_own_zone_hit(tmp_path):
    scenario, base = late_hit_world(tmp_path)
    result = run(scenario, base_dir=base)
    t_min, cumulative = relieved_since_hit(result)
    assert t_min.min() >= 0 and t_min.max() < 12 * 60           # all within 12 h of the hit at 10 h
    assert cumulative[-1] == sum(z.relieved for z in result.world.zones)


def test_timeline_gives_run_clock_times_of_first_supplies(tmp_path):
    scenario, base = late_hit_world(tmp_path)
    result = run(scenario, base_dir=base)
    rows = timeline_rows(result, result.summary(), result.zones_frame())
    town = [h for h, text in rows if text == "first supplies reach township T01"]
    first = min(z.first_supply_min for z in result.world.zones if z.is_affected) / 60
    assert town == [pytest.approx(first)] and first > HIT_H


def test_timeline_places_supplies_delivered_before_the_hit_when_they_were_delivered(tmp_path):
    """A pre-positioned delivery (before the zone's hit) stands at its own time on the
    run's clock, not at the hit, and is said to be pre-positioned."""
    scenario, base = late_hit_world(tmp_path)
    result = run(scenario, base_dir=base)
    zone = next(z for z in result.world.zones if z.is_affected)
    delivered_h = zone.first_supply_min / 60
    for z in result.world.zones:              # the zones flood only later (as on a rainfall warning)
        z.hit_time_min = zone.first_supply_min + 600.0
    rows = timeline_rows(result, result.summary(), result.zones_frame())
    town = [h for h, text in rows if text == "pre-positioned first supplies reach township T01"]
    assert town == [pytest.approx(delivered_h)]
    assert np.isclose(result.summary()["kpi"]["first_supplies"]["p50_h"], 0.0)
