"""The coverage study's measurements on a synthetic pool with a known truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from worlds import load_benchmark


@pytest.fixture(scope="module")
def study():
    return load_benchmark("coverage_study")


@pytest.fixture(scope="module")
def pool():
    rng = np.random.default_rng(4)
    n = 200
    common = rng.normal(0, 1, n)
    before = pd.DataFrame({
        "first_supplies_within_3h": np.clip(0.4 + 0.05 * common + rng.normal(0, 0.01, n), 0, 1),
        "relief_within_8h": np.where(rng.random(n) < 0.3, 1.0, rng.uniform(0.9, 1.0, n)),
        "first_supplies_p50_h": 4 + 0.3 * common,
        "trips_delivered": 100 + np.round(10 * common),
        "run_duration_h": np.full(n, 24.0),
    })
    after = pd.DataFrame({
        "first_supplies_within_3h": np.clip(before["first_supplies_within_3h"] + 0.1 + rng.normal(0, 0.01, n), 0, 1),
        "relief_within_8h": np.ones(n),
        "first_supplies_p50_h": before["first_supplies_p50_h"] - 0.5 + rng.normal(0, 0.1, n),
        "trips_delivered": before["trips_delivered"] + np.where(rng.random(n) < 0.1, 5.0, 0.0),
        "run_duration_h": np.full(n, 24.0),
    })
    return before, after


def test_coverage_rows_name_kind_truth_and_both_methods(study, pool):
    before, after = pool
    rows = study.coverage_study(before, after, draws=60)
    kinds = {r["kind"] for r in rows}
    assert {"share, mean", "share piled at 0 % or 100 %, mean", "continuous KPI, mean",
            "continuous KPI, paired difference", "chance a target is met"} <= kinds
    three = next(r for r in rows if r["kpi"] == "first_supplies_within_3h" and r["what"] == "diff" and r["n"] == 10)
    assert three["truth"] == pytest.approx((after - before)["first_supplies_within_3h"].mean())
    assert 0.8 <= three["now"] <= 1 and 0.8 <= three["main"] <= 1
    # Relief after is 100 % in every run: no spread over the pool, left out; so is the run's length.
    assert not any(r["kpi"] == "relief_within_8h" and r["what"] == "after" for r in rows)
    assert not any(r["kpi"] == "run_duration_h" for r in rows)
    # Times are bounded by the run's length; trips by nothing the row holds: a kind of their own.
    time = next(r for r in rows if r["kpi"] == "first_supplies_p50_h" and r["what"] == "diff" and r["n"] == 5)
    assert time["range"] and time["kind"] == "continuous KPI, paired difference"
    trips = next(r for r in rows if r["kpi"] == "trips_delivered" and r["what"] == "diff" and r["n"] == 5)
    assert not trips["range"] and trips["kind"] == "continuous KPI without a known range, paired difference"
    # Trips change in 1 pair of 10: most subsets of 5 do not move, and get the point.
    assert trips["still"] > 0.4 and trips["now"] < 0.7
    table = study.summary(rows)
    assert {(e["kind"], e["n"]) for e in table} == {(r["kind"], r["n"]) for r in rows}


def test_the_variance_reduction_is_the_ratio_of_variances(study, pool):
    before, after = pool
    rows = {r["kpi"]: r for r in study.variance_reduction(before, after)}
    x, y = before["first_supplies_within_3h"], after["first_supplies_within_3h"]
    assert rows["first_supplies_within_3h"]["all"] == pytest.approx((x.var() + y.var()) / (y - x).var())
    assert rows["first_supplies_within_3h"]["all_low"] < rows["first_supplies_within_3h"]["all"]
    assert rows["relief_within_8h"]["below_100_pairs"] == 0 and rows["relief_within_8h"]["below_100"] is None
    assert "below_100" not in rows["first_supplies_p50_h"]


def test_candidates_are_weighed_against_now_on_the_same_subsets(study, pool):
    before, after = pool
    rows = study.coverage_study(before, after, draws=60, candidates=("johnson", "wilks"))
    table = study.summary(rows, ("johnson", "wilks"))
    five = [r for r in rows if r["n"] == 5 and r["kind"] != "chance a target is met" and r["range"]]
    # The distribution-free bound from the extremes covers at least as often as now, and costs width;
    # from SMALL_SAMPLE replications on it is now itself.
    assert all(r["wilks"] >= r["now"] and r["wilks_width_mean"] >= r["now_width_mean"] for r in five)
    assert all(r["wilks"] == r["now"] for r in rows if r["n"] >= 10 and "wilks" in r)
    entry = next(e for e in table if e["kind"] == "continuous KPI, mean" and e["n"] == 5)
    assert entry["wilks_width_vs_now"] > 1 and "johnson" in entry


def test_the_bound_from_the_extremes_holds_the_mean_of_a_bounded_variable(study):
    # Five values in [0, 72] all near 38: with 95 %, at most q = 0.6574 (Beta(2, 4)) lies outside
    # [min, max], so the mean is in [min − q·min, max + q·(72 − max)].
    x = np.array([[37.8, 38.0, 38.1, 38.4, 38.6]])
    low, high = study.wilks_method(x, False, False, np.array([0.0]), np.array([72.0]))
    assert low[0] == pytest.approx(37.8 - 0.657408 * 37.8, abs=1e-4)
    assert high[0] == pytest.approx(38.6 + 0.657408 * (72 - 38.6), abs=1e-4)


def test_the_flip_study_tells_direct_gains_from_the_dispatch_reacting(study, tmp_path):
    flips = study.flip_study("small", 2, tmp_path)
    # Three more trucks at d2: its gains are direct; common random numbers keep every hit and report time.
    assert flips["added_depots"] == ["d2"] and flips["draws_differ_in"] == 0
    assert set(flips["per_run"]) == {"direct", "reacting_gain", "reacting_loss"}
    assert flips["var_direct"] >= 0 and flips["var_reacting"] >= 0
