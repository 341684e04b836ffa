"""The statistics of replications: every interval and p-value the project reports.

``sim results`` (means per variant), ``sim compare`` (paired differences,
the chance a target is met), ``--precision`` (half-widths), the selection of
the best variant and the comparison plot's bands all take their figures from
here. Each method was chosen by its measured coverage
(``benchmarks/coverage_study.py``; the table is in the README):

* **The mean of a KPI, and the mean paired difference** (after − before,
  replication by replication): the union of the Student t interval and the
  *expanded* BCa bootstrap interval. BCa is the bias-corrected and
  accelerated bootstrap (Efron 1987, JASA 82:171), computed by
  ``scipy.stats.bootstrap`` with :data:`BOOTSTRAP_RESAMPLES` resamples from
  the fixed seed :data:`BOOTSTRAP_SEED` (same values, same interval). A
  bootstrap interval is too narrow in small samples; the expansion
  (Hesterberg 2015, The American Statistician 69:371, "expanded percentile
  interval") raises its level so that for normal data it would match the t
  interval: z = sqrt(n / (n − 1)) · t(n − 1). The t part keeps the coverage
  where the values are close to normal; the bootstrap part follows the skew
  of bounded, zero-inflated or lumpy KPIs (shares piled up at 100 %,
  percentiles of a few sites' times), where the t interval alone misses the
  mean on one side. From :data:`BOOTSTRAP_MIN_N` replications on; below
  that, t alone. A KPI with a natural range (:func:`sim.analysis.kpis.kpi_range`:
  shares, times, counts) has its interval clipped to it, its differences to
  [lo − hi, hi − lo]. The p-value is the paired t-test's
  (``scipy.stats.ttest_rel``).
* **A KPI without spread** (the same value c in every replication: 100 %
  in all n runs, 15.3 h in every run, no person left unrelieved for want of
  trucks in any run, or an A/A comparison's zero difference in every pair):
  the t interval would be the point c, right only if the KPI is *always* c.
  With 95 % confidence the KPI differs from c in at most u = 1 − 0.05^(1/n)
  of the runs (the one-sided Clopper–Pearson 1934 bound for 0 of n,
  Biometrika 26:404; about 3/n, the "rule of three" of Hanley &
  Lippman-Hand 1983, JAMA 249:1743), and it lies in its
  natural range [lo, hi] (:func:`sim.analysis.kpis.kpi_range`: a share in
  [0, 1], a time in [0, the run's length], a count of people or sites in
  [0, the run's total]; a difference in [lo − hi, hi − lo]), so the mean,
  E[X] = c + P(X ≠ c)·E[X − c | X ≠ c], lies in
  [c − u·(c − lo), c + u·(hi − c)] (method code ``bound``). It is wide on
  purpose: 10 runs at 100 % say the mean is above 74 %, 100 runs above
  97 %. A KPI without a known range gets the point and the method code
  ``point-no-range``: no coverage is claimed for it.
* **A KPI that moves in a single run** (one value of n off the most
  frequent value c, fewer than :data:`RARE_JUMPS`): the t and BCa intervals
  see one jump and cannot tell a rare small one from a rare deep one, and
  miss the mean on the side of the jumps (people not relieved for want of
  trucks, 0 in most runs; relief within 8 h, 100 % in most runs with rare
  deep shortfalls: 60–77 % coverage over such subsets in the small world of
  the coverage study). The same argument with the one-sided Clopper–Pearson
  bound for m = 1 of n, p = the 95 % quantile of Beta(m + 1, n − m)
  (0.39 at n = 10), gives [c − p·(c − lo), c + p·(hi − c)], joined to the
  t+bca interval (method code ``t+bca+bound``). One value off the mode
  (``RARE_JUMPS`` = 2) is the smallest rule that brings every KPI kind of
  the coverage study to its target; it costs width: 9 runs at 100 % and one
  at 80 % give [61 %, 100 %]. Like the bootstrap, from
  :data:`BOOTSTRAP_MIN_N` replications on (below, where coverage is not
  measured and the outputs say the intervals are wide, t alone).
* **The chance a target is met**: the share of replications in which it was
  met (100 % of sites or of people) with its Clopper–Pearson interval,
  ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")``; its
  coverage is at least 95 % for every true chance (the Wilson 1927 score
  interval is narrower but covers only 84 % at n = 5 when the chance is near
  100 %, where plans that nearly meet a target sit; Brown, Cai & DasGupta
  2001, Statistical Science 16:101).

Limits: every interval is for the population of disasters the scenario's
random draws describe, at 95 %. Replications are independent; the paired
methods assume replication i of both variants shares its seed (common random
numbers). Coverage below :data:`SMALL_SAMPLE` replications is lower and
below 5 unmeasured, so the outputs flag small samples. A KPI with a rare far
mode whose runs otherwise vary (the city supplies' median: about 15, 38 or
62 h) is covered less than 95 % until the runs include that mode (87 % at
n = 5 in the coverage study: five runs in one cluster show neither spread
nor skew; the distribution-free bound from the runs' extremes, Wilks 1941,
would cover it but is 17 to 350 times wider at n = 5); a count
the run's row holds no bound for gets no bound (``point-no-range``); the
upper limit of a count is the largest total among the runs at hand.
"""
from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

__all__ = ["CONFIDENCE", "BOOTSTRAP_RESAMPLES", "BOOTSTRAP_SEED", "BOOTSTRAP_MIN_N", "RARE_JUMPS", "SMALL_SAMPLE",
           "Interval", "IntervalParts", "t_interval", "union_interval", "bounded_interval", "share_interval",
           "mean_ci", "mean_interval", "mean_parts", "difference_parts",
           "paired_statistics", "proportion_ci", "target_met", "curve_band", "small_sample_note", "half_width",
           "met_mask"]

CONFIDENCE = 0.95
#: Bootstrap resamples per interval.
BOOTSTRAP_RESAMPLES = 9999
#: Seed of every bootstrap: the same values always give the same interval.
BOOTSTRAP_SEED = 20_240_601
#: Fewest replications for the bootstrap part of an interval.
BOOTSTRAP_MIN_N = 5
#: A row in which at least one but fewer than this many values differ from its most frequent
#: value also gets the Clopper–Pearson bound over its range, joined to its t+bca interval
#: (chosen by the coverage study: 2, one value off the mode, is the smallest that meets the targets).
RARE_JUMPS = 2
#: Below this many replications the outputs say the intervals are wide.
SMALL_SAMPLE = 10
#: Resamples held in memory at once (part of the method: it fixes the order of the draws).
_BOOTSTRAP_BATCH = 1000
#: A share this close to 1 counts as 100 % (summaries round shares to 6 decimals).
_FULL = 1.0 - 1e-9


class Interval(NamedTuple):
    """A point estimate with its interval and the method that gave it."""

    mean: float
    low: float
    high: float
    method: str


class IntervalParts(NamedTuple):
    """What a reported interval is made of, so that its half-width can be followed to more
    replications (:func:`sim.experiments.precision.projected_half_width`)."""

    interval: Interval     # as reported
    n: int                 # values behind it
    t_low: float           # the t (or t+bca) part, clipped to the range; the value itself without spread
    t_high: float
    mode: float            # the most frequent value, and how many values differ from it
    off: int
    low_limit: float       # the range the bound is over (NaN: none known)
    high_limit: float


# ------------------------------------------------------------ vectorised cores
def t_interval(x, confidence: float = CONFIDENCE):
    """Mean and Student t interval along the last axis of ``x`` (rows of equal length, finite).

    A row without spread gets a point interval (its value); one value, NaN bounds.
    """
    from scipy import stats

    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    mean = x.mean(axis=-1)
    if n < 2:
        nan = np.full_like(mean, math.nan)
        return mean, nan, nan.copy()
    spread = np.ptp(x, axis=-1) > 0
    sem = x.std(axis=-1, ddof=1) / math.sqrt(n)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sem
    low = np.where(spread & (sem > 0), mean - half, mean)
    high = np.where(spread & (sem > 0), mean + half, mean)
    # No spread: the value itself, free of rounding noise in the mean.
    first = x[..., 0]
    return np.where(spread, mean, first), np.where(spread, low, first), np.where(spread, high, first)


def _expanded_level(n: int, confidence: float) -> float:
    from scipy import stats

    z = math.sqrt(n / (n - 1)) * stats.t.ppf(0.5 + confidence / 2, n - 1)
    return float(2 * stats.norm.cdf(z) - 1)


def _expanded_bca(x: np.ndarray, confidence: float):
    from scipy import stats

    n = x.shape[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # rows without spread: NaN, handled by the caller
        result = stats.bootstrap((x,), np.mean, axis=-1, vectorized=True, method="BCa",
                                 confidence_level=_expanded_level(n, confidence),
                                 n_resamples=BOOTSTRAP_RESAMPLES, batch=_BOOTSTRAP_BATCH,
                                 rng=np.random.default_rng(BOOTSTRAP_SEED))
    return np.asarray(result.confidence_interval.low, float), np.asarray(result.confidence_interval.high, float)


def union_interval(x, confidence: float = CONFIDENCE):
    """Mean, low, high and method code along the last axis of ``x``: the union of the
    Student t interval and the expanded BCa interval (t alone below :data:`BOOTSTRAP_MIN_N`).

    Method codes: ``t+bca`` (the union), ``t`` (too few replications for the
    bootstrap, or a bootstrap that failed), ``point`` (no spread), ``none``
    (one replication).
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    mean, low, high = t_interval(x, confidence)
    method = np.full(mean.shape, "t" if n >= 2 else "none", dtype=object)
    spread = np.ptp(x, axis=-1) > 0
    if n >= 2:
        method[~spread] = "point"
    if n >= BOOTSTRAP_MIN_N and np.any(spread):
        b_low, b_high = _expanded_bca(x[spread], confidence)
        ok = np.isfinite(b_low) & np.isfinite(b_high)
        rows = np.flatnonzero(spread)[ok]
        low[rows] = np.minimum(low[rows], b_low[ok])
        high[rows] = np.maximum(high[rows], b_high[ok])
        method[rows] = "t+bca"
    return mean, low, high, method


def bounded_interval(x, low_limit=math.nan, high_limit=math.nan, confidence: float = CONFIDENCE):
    """:func:`union_interval` of rows of values that lie in [``low_limit``, ``high_limit``]
    (scalars, or one per row; NaN: not known), clipped to what is known of it. A row without
    spread gets the Clopper–Pearson bound over the range (method code ``bound``), or,
    without a known range, its value (method code ``point-no-range``); from
    :data:`BOOTSTRAP_MIN_N` values on, a row with fewer than :data:`RARE_JUMPS`
    values off its mode has the bound for that many joined to its interval
    (method code ``t+bca+bound``)."""
    return _bounded(x, low_limit, high_limit, confidence)[:4]


def _bounded(x, low_limit, high_limit, confidence):
    """:func:`bounded_interval`, and its parts: the t (or t+bca) interval before any bound is
    joined (clipped; the value itself for a row without spread), the mode, how many values
    differ from it, and the range the bound is over."""
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    mean, low, high, method = union_interval(x, confidence)
    lo_limit = np.broadcast_to(np.asarray(low_limit, dtype=float), mean.shape)
    hi_limit = np.broadcast_to(np.asarray(high_limit, dtype=float), mean.shape)
    known = np.isfinite(lo_limit) & np.isfinite(hi_limit)
    if n >= 1:
        # A range is a promise about the values: never one that leaves out a value at hand.
        lo_limit, hi_limit = np.minimum(lo_limit, x.min(axis=-1)), np.maximum(hi_limit, x.max(axis=-1))
    mode, off = _mode(x) if n >= 1 else (mean.copy(), np.zeros(mean.shape, dtype=int))
    if n >= 2:
        # Clipped to what is known of the range: a floor alone (a count: 0) clips too.
        floor = np.where(np.isfinite(lo_limit), lo_limit, -np.inf)
        ceiling = np.where(np.isfinite(hi_limit), hi_limit, np.inf)
        low, high = np.clip(low, floor, ceiling), np.clip(high, floor, ceiling)
    t_low, t_high = low.copy(), high.copy()
    if n >= 2:
        still = np.ptp(x, axis=-1) == 0
        bound = still & known
        if np.any(bound):
            # P(X != c) <= u with 95 % (one-sided Clopper–Pearson bound for 0 of n),
            # and X lies in [lo_limit, hi_limit]: E[X] = c + P(X != c) * E[X - c | X != c].
            u = 1.0 - (1.0 - confidence) ** (1.0 / n)
            c = x[bound][..., 0]
            low[bound] = c - u * np.maximum(c - lo_limit[bound], 0.0)
            high[bound] = c + u * np.maximum(hi_limit[bound] - c, 0.0)
            method[bound] = "bound"
        method[still & ~known] = "point-no-range"
        if RARE_JUMPS > 1 and n >= BOOTSTRAP_MIN_N:
            rare = known & (off >= 1) & (off < RARE_JUMPS)
            if np.any(rare):
                # m of n values off the mode c: P(X != c) <= the one-sided Clopper–Pearson bound for m of n.
                from scipy import stats

                p_up = stats.beta.ppf(confidence, off[rare] + 1, n - off[rare])
                c = mode[rare]
                low[rare] = np.minimum(low[rare], c - p_up * np.maximum(c - lo_limit[rare], 0.0))
                high[rare] = np.maximum(high[rare], c + p_up * np.maximum(hi_limit[rare] - c, 0.0))
                method[rare] = "t+bca+bound"
    return mean, low, high, method, t_low, t_high, mode, off, np.where(known, lo_limit, np.nan), \
        np.where(known, hi_limit, np.nan)


def _mode(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``x``: its most frequent value (the smallest of equals) and how many values differ from it."""
    s = np.sort(x, axis=-1)
    run = np.ones(s.shape, dtype=int)          # length of the run of equal values ending at each place
    for j in range(1, s.shape[-1]):
        run[..., j] = np.where(s[..., j] == s[..., j - 1], run[..., j - 1] + 1, 1)
    end = np.argmax(run, axis=-1)
    mode = np.take_along_axis(s, end[..., None], axis=-1)[..., 0]
    return mode, s.shape[-1] - run.max(axis=-1)


def share_interval(x, *, difference: bool = False, confidence: float = CONFIDENCE):
    """:func:`bounded_interval` of rows of shares in [0, 1] (or, with ``difference``,
    of differences of shares in [−1, 1])."""
    return bounded_interval(x, *((-1.0, 1.0) if difference else (0.0, 1.0)), confidence=confidence)


# ------------------------------------------------------------ one sample
def _finite(values) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[np.isfinite(x)]


def _limits(share: bool, value_range) -> tuple[float, float]:
    if value_range is None:
        return (0.0, 1.0) if share else (math.nan, math.nan)
    lo, hi = value_range
    return float(lo), float(hi)


def mean_interval(values, share: bool = False, confidence: float = CONFIDENCE,
                  value_range: tuple[float, float] | None = None) -> Interval:
    """The mean of ``values`` (non-finite left out) with its interval: :func:`bounded_interval`
    over ``value_range`` (the KPI's natural range, :func:`sim.analysis.kpis.kpi_range`;
    [0, 1] for a ``share`` without one; ``None``: no known range)."""
    return mean_parts(values, share, confidence, value_range).interval


def _parts(x: np.ndarray, low_limit: float, high_limit: float, confidence: float) -> IntervalParts:
    if len(x) == 0:
        nan = math.nan
        return IntervalParts(Interval(nan, nan, nan, "none"), 0, nan, nan, nan, 0, nan, nan)
    m, lo, hi, method, t_lo, t_hi, mode, off, lo_lim, hi_lim = _bounded(x[None, :], low_limit, high_limit,
                                                                        confidence)
    return IntervalParts(Interval(float(m[0]), float(lo[0]), float(hi[0]), str(method[0])), len(x),
                         float(t_lo[0]), float(t_hi[0]), float(mode[0]), int(off[0]), float(lo_lim[0]),
                         float(hi_lim[0]))


def mean_parts(values, share: bool = False, confidence: float = CONFIDENCE,
               value_range: tuple[float, float] | None = None) -> IntervalParts:
    """:func:`mean_interval` with the parts it is made of."""
    return _parts(_finite(values), *_limits(share, value_range), confidence)


def difference_parts(before, after, share: bool = False, confidence: float = CONFIDENCE,
                     value_range: tuple[float, float] | None = None) -> IntervalParts:
    """The interval of the mean paired difference (after − before) that :func:`paired_statistics`
    reports, with its parts; pairs with a non-finite value on either side are left out."""
    before, after = np.asarray(before, float), np.asarray(after, float)
    keep = np.isfinite(before) & np.isfinite(after)
    lo, hi = _limits(share, value_range)
    # Both sides lie in [lo, hi]: their difference in [lo − hi, hi − lo].
    return _parts(after[keep] - before[keep], lo - hi, hi - lo, confidence)


def mean_ci(values, confidence: float = CONFIDENCE, share: bool = False,
            value_range: tuple[float, float] | None = None) -> tuple[float, float, float]:
    """``(mean, low, high)`` of :func:`mean_interval`; NaN bounds for fewer than 2 values."""
    m, lo, hi, _ = mean_interval(values, share, confidence, value_range)
    return m, lo, hi


def half_width(interval: Interval) -> float:
    """Half the width of an interval (NaN without one)."""
    return (interval.high - interval.low) / 2


def paired_statistics(before, after, share: bool = False,
                      value_range: tuple[float, float] | None = None) -> dict:
    """Both means and the paired difference (after − before), each with its 95 % interval,
    and the paired t-test p-value; pairs with a non-finite value on either side are left out.

    ``value_range`` is the range both variants' values lie in (the KPI's natural range,
    :func:`sim.analysis.kpis.kpi_range`; [0, 1] for a ``share`` without one; ``None``:
    no known range); the difference lies in [lo − hi, hi − lo].

    ``p_value_wilcoxon`` (shares only) is the Wilcoxon signed-rank test's; with
    n pairs it cannot fall below 2 / 2**n (0.0625 at n = 5).

    ``before_method``, ``after_method`` and ``diff_method`` are the method codes of the
    three intervals (:func:`bounded_interval`): each side's own, since one side may vary
    (``t``) while the other does not (``bound``).
    """
    from scipy import stats

    before, after = np.asarray(before, float), np.asarray(after, float)
    keep = np.isfinite(before) & np.isfinite(after)
    before, after = before[keep], after[keep]
    diff = after - before
    n = len(diff)
    limits = _limits(share, value_range)
    b, a = mean_interval(before, confidence=CONFIDENCE, value_range=limits), \
        mean_interval(after, confidence=CONFIDENCE, value_range=limits)
    d = difference_parts(before, after, value_range=limits).interval
    p_t = p_w = math.nan
    if n >= 2:
        if np.all(diff == diff[0]):
            p_t = 1.0 if diff[0] == 0 else 0.0
        else:
            p_t = float(stats.ttest_rel(after, before).pvalue)
        if share:
            if np.all(diff == 0):
                p_w = 1.0
            else:
                try:
                    p_w = float(stats.wilcoxon(after, before, zero_method="wilcox").pvalue)
                except ValueError:
                    p_w = math.nan
    return {"n_pairs": n,
            "before_mean": b.mean, "before_ci_low": b.low, "before_ci_high": b.high,
            "after_mean": a.mean, "after_ci_low": a.low, "after_ci_high": a.high,
            "diff_mean": d.mean, "diff_ci_low": d.low, "diff_ci_high": d.high,
            "p_value_t": p_t, "p_value_wilcoxon": p_w if share else math.nan,
            "before_method": b.method, "after_method": a.method, "diff_method": d.method}


# ------------------------------------------------------------ the best of several
# ------------------------------------------------------------ targets met
def met_mask(values) -> np.ndarray:
    """Which replications met a target: the share at 100 % (of sites or of people)."""
    return np.asarray(values, dtype=float) >= _FULL


def proportion_ci(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """``k`` of ``n`` as a share with its Clopper–Pearson interval (NaN for n = 0)."""
    from scipy import stats

    if n <= 0:
        return math.nan, math.nan, math.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence, method="exact")
    return k / n, float(ci.low), float(ci.high)


def target_met(values, confidence: float = CONFIDENCE) -> dict:
    """How often a share reached 100 %: ``runs``, ``met``, ``share`` and its interval."""
    x = _finite(values)
    met = int(met_mask(x).sum())
    share, low, high = proportion_ci(met, len(x), confidence)
    return {"runs": len(x), "met": met, "share": share, "low": low, "high": high}


# ------------------------------------------------------------ curves and notes
def curve_band(curves, confidence: float = CONFIDENCE):
    """Mean of ``curves`` (replications × grid) and its pointwise Student t band in [0, 1]."""
    from scipy import stats

    curves = np.asarray(curves, dtype=float)
    n = np.sum(np.isfinite(curves), axis=0)
    # Points no run has a value at (nothing to judge: no affected site) stay NaN, without warnings.
    total = np.where(np.isfinite(curves), curves, 0.0).sum(axis=0)
    mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    if curves.shape[0] < 2:
        return mean, mean, mean
    squares = np.where(np.isfinite(curves), (curves - mean) ** 2, 0.0).sum(axis=0)
    sem = np.where(n > 1, np.sqrt(squares / np.maximum(n - 1, 1)), np.nan) / np.sqrt(np.maximum(n, 1))
    half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * sem
    return mean, np.clip(mean - half, 0, 1), np.clip(mean + half, 0, 1)


def small_sample_note(n: int) -> str | None:
    """The warning a table carries for ``n`` replications, or ``None``."""
    if n < 2:
        return f"n = {n}: no interval (an interval needs at least 2 replications)"
    if n < SMALL_SAMPLE:
        return f"n = {n}: intervals are wide"
    return None
