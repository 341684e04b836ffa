"""The dispatch-quality benchmark measures a run it is given: loads, stock idle beside
unmet need within a depot's reach, rescue crews per site."""
from __future__ import annotations

from worlds import (
    depot,
    everywhere_impact,
    line_world,
    load_benchmark,
    scenario_doc,
    write_scenario,
    write_zones,
)

from sim.api import run
from sim.scenarios import load_scenario


def _measure():
    return load_benchmark("dispatch_quality").measure


def test_stock_left_beside_need_it_can_reach_is_reported_with_that_need(tmp_path):
    # d1 sends its 10 rations to a zone needing 50 (50 affected, 1 ration each); d2 beside it holds
    # 100 rations but has no truck: 40 stay unmet within its reach, and its 100 are idle stock.
    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    depots = [depot("d1", 1, water=900, food=10), depot("d2", 2, water=0, food=100, trucks=0)]
    doc = scenario_doc(region, depots, impact=everywhere_impact(0.5))
    doc["duration"] = "12h"
    result = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    quality = _measure()(result)
    assert quality["loads"]["count"] >= 1 and quality["loads"]["loads_10kg_or_less"] == 0
    assert quality["idle_stock"] == {"food_ration": {"stock_left": 100.0, "unmet_in_reach": 40.0, "zones_lacking": 1}}
