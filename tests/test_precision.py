"""Replications until precise: the projection follows the half-width of the method reported."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.experiments.precision import projected_half_width, replications_needed, run_until_precise
from sim.experiments.statistics import (
    Interval,
    difference_parts,
    half_width,
    mean_interval,
    mean_parts,
    paired_statistics,
)


def _one_of(i: int, p: float) -> float:
    """P(at least 2 of i runs off the mode) when each is with chance p: the confidence of the
    Clopper–Pearson bound p for 1 of i (the 95 % quantile of Beta(2, i − 1) is the p where it is 0.95)."""
    return 1 - (1 - p) ** i - i * p * (1 - p) ** (i - 1)


def test_the_hand_computed_bound_for_one_of_i():
    # 1 − 0.8^22 − 22·0.2·0.8^21 = 1 − 0.007379 − 0.040577 = 0.952 ≥ 0.95; at 21: 0.942 < 0.95.
    assert _one_of(22, 0.2) == pytest.approx(0.95204, abs=1e-5) and _one_of(21, 0.2) == pytest.approx(0.94235, abs=1e-5)
    assert stats.beta.ppf(0.95, 2, 21) < 0.2 < stats.beta.ppf(0.95, 2, 20)
    # 1 − 0.9^46 − 46·0.1·0.9^45 = 0.95197; at 45: 0.94761.
    assert _one_of(46, 0.1) >= 0.95 > _one_of(45, 0.1)


def test_a_share_that_moves_in_one_run_is_sized_by_its_bound_for_one_of_i():
    # Nine runs at 100 %, one at 80 %: [1 − 0.394, 1] (t+bca+bound), half-width 0.197. Its lower end is
    # the bound 1 − p(1 of i), which falls like 1/i, not like 1/√i: ±0.1 needs p ≤ 0.2, i = 22
    # (hand-computed above). Sized as a t interval of that half-width it asked for 32.
    parts = mean_parts(np.r_[np.ones(9), 0.8], share=True)
    assert parts.interval.method == "t+bca+bound" and half_width(parts.interval) == pytest.approx(0.19708, abs=1e-5)
    assert replications_needed(parts.interval, 10, 0.1, parts=parts) == 22
    # ±0.05 needs p ≤ 0.1: i = 46 (t-sized: 120).
    assert replications_needed(parts.interval, 10, 0.05, parts=parts) == 46
    # What the method reports with one run of i at 80 % agrees: just above at 21 and 45, within at 22 and 46.
    for i, precision in ((22, 0.1), (46, 0.05)):
        assert half_width(mean_interval(np.r_[np.ones(i - 1), 0.8], share=True)) <= precision
        assert half_width(mean_interval(np.r_[np.ones(i - 2), 0.8], share=True)) > precision


def test_a_change_that_moves_in_one_pair_is_sized_by_its_bound_over_minus_1_to_1():
    # The same in nine pairs, −20 points in one: the bound is 0 ± p(1 of i)·1, half-width p itself.
    before, after = np.ones(10), np.r_[np.ones(9), 0.8]
    parts = difference_parts(before, after, share=True)
    s = paired_statistics(before, after, share=True)
    assert parts.interval == (s["diff_mean"], s["diff_ci_low"], s["diff_ci_high"], s["diff_method"])
    assert parts.interval.method == "t+bca+bound" and half_width(parts.interval) == pytest.approx(0.39416, abs=1e-5)
    assert replications_needed(parts.interval, 10, 0.2, parts=parts) == 22      # t-sized: 32
    assert replications_needed(parts.interval, 10, 0.1, parts=parts) == 46      # t-sized: 120


def test_a_projection_to_the_same_n_is_the_reported_half_width():
    rng = np.random.default_rng(7)
    for values, share in ((np.r_[np.ones(9), 0.8], True), (rng.beta(5, 2, 12), True), (np.ones(10), True),
                          (rng.normal(3, 1, 8), False)):
        parts = mean_parts(values, share=share)
        assert projected_half_width(parts, len(values)) == half_width(parts.interval)


@pytest.mark.parametrize("n", [5, 10, 40])
def test_the_bound_of_a_kpi_without_spread_is_projected_exactly(n):
    # 100 % in every run: [1 − u, 1], u = 1 − 0.05^(1/i), the half-width u/2 at every i.
    parts = mean_parts(np.ones(n), share=True)
    for i in (n + 1, 2 * n, 74, 200):
        assert projected_half_width(parts, i) == pytest.approx(half_width(mean_interval(np.ones(i), share=True)))
    # A time: 15.3 h in every run of 72 h, half-width u·72/2 = 36u; ±1 h needs u ≤ 1/36:
    # i ≥ ln 0.05 / ln(35/36) = 106.3.
    time = mean_parts(np.full(n, 15.3), value_range=(0.0, 72.0))
    assert replications_needed(time.interval, n, 1.0, parts=time) == 107
    assert replications_needed(time.interval, n, 1.0) == 107         # read off the interval alone


def test_the_next_round_runs_what_the_one_run_bound_needs_not_what_t_would():
    # 29 runs at 100 %, one at 80 %: half-width 0.0743; ±0.05 needs 46 (the bound for 1 of 46 is
    # 0.0990 ≤ 0.1). Sized as a t interval it needed 64, so the round went to 60 (doubling).
    rounds = {30: np.r_[np.ones(29), 0.8], 46: np.r_[np.ones(44), 0.9, 0.9]}
    ran = []

    def measure():
        return {"x": mean_parts(rounds[ran[-1]], share=True)}

    result = run_until_precise(lambda n, again: ran.append(n), measure, precision=0.05, initial=30,
                               max_replications=500)
    assert ran == [30, 46] and result.met
    assert result.rounds[0]["needed"] == 46


def test_t_intervals_keep_laws_projection():
    # Half-width 0.05 at n = 10 from t: S = 0.05·√10 / 2.2622 = 0.06990; the least i with
    # t(i − 1)·S/√i ≤ 0.02: 2.0096·0.06990/√50 = 0.01986, 2.0106·0.06990/√49 = 0.02008.
    iv = Interval(0.5, 0.45, 0.55, "t")
    sd = 0.05 * math.sqrt(10) / stats.t.ppf(0.975, 9)
    need = replications_needed(iv, 10, 0.02)
    assert stats.t.ppf(0.975, need - 1) * sd / math.sqrt(need) <= 0.02 < \
        stats.t.ppf(0.975, need - 2) * sd / math.sqrt(need - 1)
    assert need == 50


def test_a_t_bca_bound_interval_without_its_parts_is_refused():
    with pytest.raises(ValueError, match="needs its parts"):
        replications_needed(Interval(0.98, 0.6, 1.0, "t+bca+bound"), 10, 0.05)


def test_a_comparison_sizes_its_rounds_by_the_changes_it_reports(tmp_path):
    import json

    from test_batch import random_world

    from sim.experiments.compare import _difference_intervals, compare

    (tmp_path / "world").mkdir()
    world = random_world(tmp_path / "world")
    out = tmp_path / "c"
    comparison = compare(world, world, replications=5, max_replications=10, precision=0.001, workers=1, out_dir=out)
    doc = json.loads((out / "precision.json").read_text())
    assert [r["replications"] for r in doc["rounds"]] == [5, 10] and comparison.pairs == 10
    # An A/A comparison: every change is 0 in every pair, the bound over [−1, 1], half-width
    # u = 1 − 0.05^(1/n); ±0.001 needs ln 0.05 / ln 0.999 = 2,994.2 → 2,995 pairs.
    parts = _difference_intervals(out, ["first_supplies_within_3h"])["change in first_supplies_within_3h"]
    assert parts.interval.method == "bound" and parts.n == 10
    assert doc["rounds"][-1]["needed"] == replications_needed(parts.interval, 10, 0.001, parts=parts) == 2995


def test_headline_shares_undefined_in_every_run_stop_after_the_first_round():
    # Nobody needs relief: every share is undefined; rounds of one more run each went on to the maximum.
    from sim.experiments.precision import format_precision

    ran = []
    result = run_until_precise(lambda n, again: ran.append(n),
                               lambda: {"x": mean_parts(np.full(ran[-1], np.nan), share=True)},
                               precision=0.05, initial=10, max_replications=200)
    assert ran == [10] and result.undefined and not result.met
    assert format_precision(result) == ("precision ±0.05 cannot be judged: the headline shares are undefined in all "
                                        "10 replications (no site or person needing relief, or no replication "
                                        "finished), and more would not change that")
