"""The one statistics module: its intervals against scipy oracles, and their coverage."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.experiments.statistics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    bounded_interval,
    curve_band,
    mean_interval,
    paired_statistics,
    proportion_ci,
    share_interval,
    small_sample_note,
    t_interval,
    target_met,
    union_interval,
)
from sim.errors import InputError
from sim.experiments.selection import best_of

_value = st.floats(-1e3, 1e3).map(lambda x: round(x, 3))


@settings(max_examples=40, deadline=None)
@given(st.lists(_value, min_size=2, max_size=25))
def test_the_t_interval_is_scipys_one_sample_t_interval(values):
    x = np.array(values)
    mean, low, high = (float(v[0]) for v in t_interval(x[None, :]))
    if np.ptp(x) == 0:
        assert mean == low == high == x[0]
        return
    ci = stats.ttest_1samp(x, 0).confidence_interval(0.95)
    assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-9, abs=1e-9)
    assert mean == pytest.approx(x.mean())


def test_the_union_is_the_t_interval_joined_with_the_expanded_bca_interval():
    x = np.random.default_rng(3).lognormal(0, 1, 12)
    n = len(x)
    level = 2 * stats.norm.cdf(math.sqrt(n / (n - 1)) * stats.t.ppf(0.975, n - 1)) - 1
    bca = stats.bootstrap((x,), np.mean, method="BCa", confidence_level=level, n_resamples=BOOTSTRAP_RESAMPLES,
                          batch=1000, rng=np.random.default_rng(BOOTSTRAP_SEED)).confidence_interval
    t = stats.ttest_1samp(x, 0).confidence_interval(0.95)
    interval = mean_interval(x)
    assert interval.method == "t+bca"
    assert (interval.low, interval.high) == pytest.approx((min(t.low, bca.low), max(t.high, bca.high)))
    # Right-skewed values: the bootstrap part reaches further up than t.
    assert interval.high > t.high


def test_the_expansion_makes_the_bootstrap_level_match_t_for_normal_data():
    from sim.experiments.statistics import _expanded_level

    assert _expanded_level(5, 0.95) == pytest.approx(0.99809, abs=1e-4)
    assert _expanded_level(10, 0.95) == pytest.approx(0.98288, abs=1e-4)
    assert 0.95 < _expanded_level(1000, 0.95) < 0.951


def test_the_same_values_give_the_same_interval():
    rng = np.random.default_rng(5)
    rows = rng.beta(5, 2, size=(4, 10))
    together = share_interval(rows)
    for i, row in enumerate(rows):
        assert mean_interval(row, share=True) == mean_interval(row.copy(), share=True)
        alone = mean_interval(row, share=True)
        # Among other rows the bootstrap draws other resamples: the same method, nearly the same bounds.
        assert (alone.low, alone.high) == pytest.approx((together[1][i], together[2][i]), abs=0.005)


@pytest.mark.parametrize("n", [2, 5, 10, 20, 74])
def test_a_share_at_100_percent_in_every_run_gets_the_one_sided_clopper_pearson_bound(n):
    oracle = stats.binomtest(n, n, alternative="greater").proportion_ci(0.95, method="exact").low
    full = mean_interval(np.ones(n), share=True)
    assert (full.mean, full.high, full.method) == (1.0, 1.0, "bound")
    assert full.low == pytest.approx(oracle) and full.low < 1
    empty = mean_interval(np.zeros(n), share=True)
    assert (empty.low, empty.high) == pytest.approx((0.0, 1 - oracle))
    middle = mean_interval(np.full(n, 0.4), share=True)
    assert (middle.low, middle.high) == pytest.approx((0.4 - 0.4 * (1 - oracle), 0.4 + 0.6 * (1 - oracle)))


def test_a_kpi_without_spread_and_without_a_known_range_is_a_point_that_says_so():
    # Nothing bounds it (stock left unmet, trips): the point, and a method code that claims no coverage.
    assert tuple(mean_interval(np.full(6, 3.25))) == (3.25, 3.25, 3.25, "point-no-range")
    s = paired_statistics(np.full(6, 3.25), np.full(6, 4.0))
    assert (s["diff_ci_low"], s["diff_ci_high"], s["diff_method"], s["before_method"], s["after_method"]) == \
        (0.75, 0.75, "point-no-range", "point-no-range", "point-no-range")
    assert math.isnan(mean_interval([2.0]).low)


def test_a_continuous_kpi_without_spread_gets_the_bound_over_its_natural_range():
    # 15.3 h in all 10 runs of a 72 h run: u = 1 − 0.05^(1/10) = 0.258866 of the runs may differ,
    # by at most 15.3 h down or 56.7 h up: [15.3 − 0.258866·15.3, 15.3 + 0.258866·56.7].
    interval = mean_interval(np.full(10, 15.3), value_range=(0.0, 72.0))
    assert interval.method == "bound" and interval.mean == 15.3
    assert (interval.low, interval.high) == pytest.approx((11.33936, 29.97768), abs=1e-5)
    # A count: 0 people unrelieved for want of trucks in all 10 runs, of at most 1,000 needing relief.
    trucks = mean_interval(np.zeros(10), value_range=(0.0, 1000.0))
    assert trucks.method == "bound" and (trucks.low, trucks.high) == pytest.approx((0.0, 258.8655), abs=1e-4)
    # The change, the same 0.5 h in all 10 pairs, lies in [−72, 72]: [0.5 − u·72.5, 0.5 + u·71.5].
    change = paired_statistics(np.full(10, 15.3), np.full(10, 15.8), value_range=(0.0, 72.0))
    assert change["diff_method"] == "bound"
    assert (change["diff_ci_low"], change["diff_ci_high"]) == pytest.approx((-18.26775, 19.00888), abs=1e-4)


def test_a_kpi_that_moves_in_one_run_gets_the_clopper_pearson_bound_for_one_of_n_joined_to_its_interval():
    # Nine runs at 100 %, one at 80 %: P(X != 1) <= 0.394163 (95 % quantile of Beta(2, 9)), X in [0, 1].
    one = mean_interval(np.r_[np.ones(9), 0.8], share=True)
    assert one.method == "t+bca+bound" and one.high == 1.0
    assert one.low == pytest.approx(1 - 0.394163, abs=1e-6)
    # A count: 0 in four runs of five, 40 in one, of at most 1,000: up to 0.657408 · 1,000.
    count = mean_interval([0.0, 0.0, 40.0, 0.0, 0.0], value_range=(0.0, 1000.0))
    assert count.method == "t+bca+bound" and count.low == 0.0
    assert count.high == pytest.approx(657.408, abs=1e-3)
    # Two runs off the mode: the interval of the values alone; no range known: no bound.
    assert mean_interval(np.r_[np.ones(8), 0.8, 0.9], share=True).method == "t+bca"
    assert mean_interval([0.0, 0.0, 40.0, 0.0, 0.0]).method == "t+bca"
    # Below 5 runs (coverage not measured, intervals flagged as wide): t alone.
    assert mean_interval(np.r_[np.ones(3), 0.8], share=True).method == "t"


def test_coverage_on_counts_that_sit_at_zero_with_rare_heavy_jumps():
    # 0 in 80 % of runs, else a lognormal count of up to 1,000 (people not relieved for want of trucks).
    def draw(rng, size):
        return np.where(rng.random(size) < 0.8, 0.0, np.minimum(np.round(rng.lognormal(3, 1, size)), 1000.0))
    truth = draw(np.random.default_rng(0), 2_000_000).mean()
    x = draw(np.random.default_rng(11), (1000, 10))
    _, low, high, method = bounded_interval(x, 0.0, 1000.0)
    _, t_low, t_high, _ = union_interval(x)
    assert np.mean((low <= truth) & (truth <= high)) >= 0.95
    assert np.mean((t_low <= truth) & (truth <= t_high)) < 0.90
    assert {"bound", "t+bca+bound", "t+bca"} <= set(method)


def test_bounded_intervals_are_clipped_to_the_range_which_never_leaves_out_a_value():
    x = np.array([[0.0, 0.0, 0.0, 3.0, 9.0], [0.0, 0.0, 0.0, 3.0, 30.0]])
    _, free_low, free_high, _ = union_interval(x)
    _, low, high, method = bounded_interval(x, 0.0, 24.0)
    assert list(method) == ["t+bca", "t+bca"]
    assert free_low[0] < 0 and low[0] == 0.0 and high[0] == free_high[0] < 24.0
    # A value above the stated range widens it: the interval reaches as far as without a range, up to 30.
    assert low[1] == 0.0 and high[1] == min(free_high[1], 30.0)


def test_an_aa_comparison_is_zero_with_honest_intervals():
    values = np.array([0.31, 0.35, 0.34, 0.30, 0.33, 0.36, 0.32, 0.30])
    shares = paired_statistics(values, values, share=True)
    u = 1 - 0.05 ** (1 / len(values))
    assert shares["diff_mean"] == 0 and shares["p_value_t"] == 1.0
    assert (shares["diff_ci_low"], shares["diff_ci_high"]) == pytest.approx((-u, u))
    assert (shares["before_ci_low"], shares["before_ci_high"]) == (shares["after_ci_low"], shares["after_ci_high"])
    assert shares["after_ci_low"] < shares["after_mean"] < shares["after_ci_high"]
    full = paired_statistics(np.ones(8), np.ones(8), share=True)
    assert full["after_ci_low"] == pytest.approx(1 - u) and full["after_ci_high"] == 1.0
    hours = paired_statistics(values * 10, values * 10)
    assert (hours["diff_mean"], hours["diff_ci_low"], hours["diff_ci_high"]) == (0, 0, 0)
    assert hours["diff_method"] == "point-no-range"
    # With its natural range (a time in a 72 h run) the A/A change is still 0, with a bound that holds 0.
    hours = paired_statistics(values * 10, values * 10, value_range=(0.0, 72.0))
    assert hours["diff_mean"] == 0 and hours["p_value_t"] == 1.0 and hours["diff_method"] == "bound"
    assert (hours["diff_ci_low"], hours["diff_ci_high"]) == pytest.approx((-72 * u, 72 * u))


def _coverage(draw, truth, n, share, difference=False, trials=1000, seed=11):
    x = draw(np.random.default_rng(seed), (trials, n))
    if share:
        _, low, high, _ = share_interval(x, difference=difference)
    else:
        _, low, high, _ = union_interval(x)
    _, t_low, t_high = t_interval(x)
    return np.mean((low <= truth) & (truth <= high)), np.mean((t_low <= truth) & (truth <= t_high))


@pytest.mark.parametrize("n", [5, 10])
def test_coverage_on_shares_piled_at_100_percent(n):
    # 80 % of runs relieve everybody, the rest 90–100 %: mean 0.8 + 0.2 * 0.95 = 0.99.
    def draw(rng, size):
        return np.where(rng.random(size) < 0.8, 1.0, rng.uniform(0.9, 1.0, size))
    method, t_only = _coverage(draw, 0.99, n, share=True)
    assert method >= 0.93 and t_only < 0.80


def test_coverage_on_skewed_zero_inflated_differences():
    # 30 % of pairs unchanged, the rest an exponential gain: mean 0.7 * 0.02.
    def draw(rng, size):
        return np.where(rng.random(size) < 0.3, 0.0, rng.exponential(0.02, size))
    method, t_only = _coverage(draw, 0.7 * 0.02, 10, share=True, difference=True)
    assert method >= 0.93 and t_only < 0.92


def test_coverage_on_normal_values_stays_near_95_percent():
    method, t_only = _coverage(lambda rng, size: rng.normal(3.0, 0.5, size), 3.0, 10, share=False)
    assert 0.93 <= t_only <= 0.97 and 0.93 <= method <= 0.98


def test_the_chance_a_target_is_met_is_the_clopper_pearson_interval():
    for k, n in [(0, 5), (3, 5), (5, 5), (7, 20), (20, 20)]:
        share, low, high = proportion_ci(k, n)
        oracle_low = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
        oracle_high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
        assert (share, low, high) == pytest.approx((k / n, oracle_low, oracle_high))
    assert all(math.isnan(v) for v in proportion_ci(0, 0))


@pytest.mark.parametrize("n", [5, 10, 20])
def test_the_chance_interval_covers_at_least_95_percent_for_every_true_chance(n):
    table = [proportion_ci(k, n)[1:] for k in range(n + 1)]
    for p in np.linspace(0.001, 0.999, 200):
        coverage = sum(stats.binom.pmf(k, n, p) for k, (low, high) in enumerate(table) if low <= p <= high)
        assert coverage >= 0.95 - 1e-9, (p, coverage)


def test_a_target_is_met_in_a_run_only_at_100_percent():
    met = target_met([1.0, 1.0, 0.999, np.nan, 0.5])
    assert (met["runs"], met["met"], met["share"]) == (4, 2, 0.5)
    assert 0 < met["low"] < 0.5 < met["high"] < 1


def test_small_samples_are_flagged():
    assert small_sample_note(3) == "n = 3: intervals are wide"
    assert small_sample_note(1).startswith("n = 1: no interval")
    assert small_sample_note(10) is None


def test_the_best_of_two_is_the_one_sided_paired_t_bound():
    rng = np.random.default_rng(2)
    common = rng.normal(0, 1, 15)
    x = np.column_stack([common + rng.normal(0.3, 0.2, 15), common + rng.normal(0.0, 0.2, 15)])
    result = best_of(x)
    ci = stats.ttest_rel(x[:, 0], x[:, 1], alternative="greater").confidence_interval(0.95)
    assert result["low"][0] == pytest.approx(min(0.0, ci.low))
    assert result["high"][1] == 0.0                                  # the second is not the best


def test_multiple_comparisons_with_the_best_hold_together_at_95_percent():
    rng = np.random.default_rng(8)
    true = np.array([0.0, 0.1, 0.15, 0.3])
    theta = np.array([m - max(np.delete(true, i)) for i, m in enumerate(true)])
    hits = 0
    for _ in range(400):
        common = rng.normal(0, 1, (10, 1))                          # common random numbers
        x = true + common + rng.normal(0, rng.uniform(0.1, 0.3, 4), (10, 4))
        r = best_of(x)
        hits += np.all((r["low"] <= theta + 1e-12) & (theta <= r["high"] + 1e-12))
    assert hits / 400 >= 0.93


def test_the_curve_band_is_a_pointwise_t_band_within_0_and_1():
    curves = np.array([[0.0, 0.5, 0.9, 1.0], [0.0, 0.6, 1.0, 1.0], [0.0, 0.4, 0.95, 1.0]])
    mean, low, high = curve_band(curves)
    ci = stats.ttest_1samp(curves[:, 1], 0).confidence_interval(0.95)
    assert (low[1], high[1]) == pytest.approx((ci.low, ci.high))
    assert low[0] == high[0] == 0 and high[2] <= 1 and mean[3] == 1


def _results(values: dict[str, list[float]], kpi: str) -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame([{"variant": v, "replication": i, "status": "ok", kpi: x}
                         for v, xs in values.items() for i, x in enumerate(xs)])


def test_variants_tied_at_the_top_are_none_of_them_ruled_out():
    # Every variant at 100 % in every run: all are the best; none "is not the best".
    from sim.experiments.selection import select_best

    kpi = "first_supplies_within_3h"
    sel = select_best(_results({"a": [1.0] * 4, "b": [1.0] * 4, "c": [1.0] * 4}, kpi), kpi)
    assert sel.ruled_out == [] and sel.contenders == ["a", "b", "c"]
    assert sel.best not in sel.ruled_out
    # Two tied at the top, one below in every run: only that one is ruled out.
    sel = select_best(_results({"a": [1.0] * 4, "b": [0.9, 0.8, 0.9, 0.85], "c": [1.0] * 4}, kpi), kpi)
    assert sel.ruled_out == ["b"] and sel.contenders == ["a", "c"]


def test_selection_says_a_kpi_without_a_value_in_a_variant_is_why_it_cannot_choose():
    """Every run succeeded; the time to first supplies has no value where no truck could supply."""
    from sim.experiments.selection import select_best

    df = pd.DataFrame({"replication": [1, 2, 1, 2], "variant": ["trucks=0", "trucks=0", "trucks=1", "trucks=1"],
                       "status": ["ok"] * 4, "first_supplies_p50_h": [np.nan, np.nan, 1.5, 1.7]})
    with pytest.raises(InputError) as info:
        select_best(df, "first_supplies_p50_h", larger=False)
    message = str(info.value)
    assert "every variant has a value of it; this folder has 0" in message
    assert "first_supplies_p50_h has no value in some runs of variant trucks=0" in message
    assert "failed" not in message


@pytest.mark.parametrize("kpi", ["relief_limited_by_trucks", "relief_limited_by_stock_water_l",
                                 "hazard_awaiting_rescue_at_end", "hazard_bridges_closed",
                                 "hazard_closed_road_km_at_end", "shelters_full", "first_supplies_p50_h"])
def test_fewer_people_left_waiting_closed_roads_and_hours_are_better(kpi):
    from sim.experiments.selection import larger_is_better

    assert not larger_is_better(kpi)


@pytest.mark.parametrize("kpi", ["relief_within_8h", "first_supplies_within_3h", "hazard_rescued_alive",
                                 "relief_relieved_at_end", "trips_delivered"])
def test_more_relief_and_more_rescued_are_better(kpi):
    from sim.experiments.selection import larger_is_better

    assert larger_is_better(kpi)


def test_a_comparisons_verdict_never_rounds_a_share_below_100_percent_up_to_100():
    from sim.experiments.compare import _pct

    assert (_pct(0.998), _pct(1.0), _pct(0.0), _pct(0.001), _pct(0.5)) == ("99.8", "100", "0", "0.1", "50")
