"""The planning-scaling benchmark: smaller districts are proportional samples of the
built-in one, with proportionally less of everything, and the slopes are least squares."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from worlds import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("planning_scaling")


def _zones(counts: dict[str, int]) -> pd.DataFrame:
    rows = [(f"{t}-{k}", t) for t, n in counts.items() for k in range(n)]
    return pd.DataFrame(rows, columns=["zone_id", "township"])


def test_a_sample_takes_its_share_of_every_township_and_at_least_one(bench):
    zones = _zones({"T01": 40, "T02": 8, "T03": 1})
    sample = bench.sample_zones(zones, 0.25)
    per_township = sample["township"].value_counts().to_dict()
    assert per_township == {"T01": 10, "T02": 2, "T03": 1}
    assert set(sample["zone_id"]) <= set(zones["zone_id"])
    assert list(sample.index) == sorted(sample.index)                  # the table's order
    assert bench.sample_zones(zones, 0.25).equals(sample)              # the same sample every time
    assert len(bench.sample_zones(zones, 1.0)) == len(zones)


def test_a_smaller_district_has_proportionally_less_stock_and_trucks(bench):
    doc = {"depots": [
        {"id": "a", "stock": {"water_l": 1000, "food_ration": 3}, "trucks": {"count": 20, "payload_kg": 5000},
         "agreement": {"stock": {"water_l": 800}, "lead_time": "12h"}},
        {"id": "b", "stock": {"water_l": 10}, "trucks": {"count": 3, "payload_kg": 1500}},
        {"id": "c", "stock": {"water_l": 10}, "trucks": {"count": 0, "payload_kg": 1500}},
    ]}
    scaled = bench.scaled_scenario(doc, 0.125)
    a, b, c = scaled["depots"]
    assert a["stock"] == {"water_l": 125, "food_ration": 1} and a["agreement"]["stock"] == {"water_l": 100}
    assert a["trucks"]["count"] == 3 and b["trucks"]["count"] == 1    # at least one truck where there was one
    assert c["trucks"]["count"] == 0
    assert doc["depots"][0]["stock"]["water_l"] == 1000                 # the original is untouched


def test_the_slope_is_the_exponent_of_a_power_law(bench):
    x = np.array([80, 160, 320, 640])
    assert bench.slope(x, 3.0 * x ** 1.0) == pytest.approx(1.0)
    assert bench.slope(x, 0.5 * x ** 2.2) == pytest.approx(2.2)


def test_a_small_run_reports_tours_planning_and_slopes(bench):
    out = bench.measure("m8_earthquake", [0.0625, 0.125], repeats=1)
    small, large = out["sizes"]
    assert small["zones"] < large["zones"] <= 658 and small["tours"] > 0 and large["tours"] > 0
    for size in out["sizes"]:
        assert 0 < size["planning_s"] < size["run_cpu_s"]
        assert size["planning_ms_per_tour"] == pytest.approx(1e3 * size["planning_s"] / size["tours"], abs=1e-3)
    assert math.isfinite(out["slope_planning_vs_tours"]) and out["linear_slope_max"] == bench.LINEAR_SLOPE_MAX
