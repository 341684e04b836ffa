"""The statistics of replications: means with confidence intervals, paired differences.

One place for every interval the project reports: :func:`mean_ci` for a
variant's mean over replications (``sim results``), :func:`paired_statistics`
for a before/after comparison on common random numbers (``sim compare``).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["mean_ci", "paired_statistics"]


def mean_ci(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and its ``confidence`` interval (Student t); NaN interval for fewer than 2 values."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    if np.all(x == x[0]):
        value = float(x[0])   # no spread: the interval is the value (and no rounding noise)
        return (value, value, value) if len(x) >= 2 else (value, math.nan, math.nan)
    mean = float(x.mean())
    sem = float(x.std(ddof=1)) / math.sqrt(len(x))
    if sem == 0.0:            # a spread too small for floating point
        return mean, mean, mean
    low, high = stats.t.interval(confidence, len(x) - 1, loc=mean, scale=sem)
    return mean, float(low), float(high)



def paired_statistics(before: np.ndarray, after: np.ndarray, share: bool = False) -> dict:
    """Means with 95 % CIs, the paired difference with its 95 % CI, and p-values."""
    from scipy import stats

    before, after = np.asarray(before, float), np.asarray(after, float)
    keep = np.isfinite(before) & np.isfinite(after)
    before, after = before[keep], after[keep]
    diff = after - before
    n = len(diff)
    b, a, d = mean_ci(before), mean_ci(after), mean_ci(diff)
    if share:
        b = (b[0], max(b[1], 0.0), min(b[2], 1.0)) if n >= 2 else b
        a = (a[0], max(a[1], 0.0), min(a[2], 1.0)) if n >= 2 else a
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
            "before_mean": b[0], "before_ci_low": b[1], "before_ci_high": b[2],
            "after_mean": a[0], "after_ci_low": a[1], "after_ci_high": a[2],
            "diff_mean": d[0], "diff_ci_low": d[1], "diff_ci_high": d[2],
            "p_value_t": p_t, "p_value_wilcoxon": p_w if share else math.nan}


