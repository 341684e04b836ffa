"""Choosing the best of several variants on one KPI, with a stated confidence.

An assessor sweeping investments (``sim batch --sweep ...``) asks which one
is best on a chosen KPI, and how sure that is. ``sim results DIR --select
KPI`` answers with the procedure of **Nelson & Matejcik (1995)**, "Using
common random numbers for indifference-zone selection and multiple
comparisons in simulation", Management Science 41:1935, in its Bonferroni
form, which is valid for any correlation the common random numbers induce
between variants (their second procedure assumes a common correlation and
may be liberal otherwise), together with **multiple comparisons with the
best** (MCB; Hsu 1984, Annals of Statistics 12:1136):

* k variants, n replications each on common random numbers; X̄ᵢ the mean of
  variant i and Sᵢⱼ² the sample variance of the paired differences
  Xᵢ − Xⱼ over the replications;
* t = the 1 − α/(k − 1) quantile of Student t with n − 1 degrees of freedom
  (Bonferroni over the k − 1 comparisons with the best), wᵢⱼ = t·Sᵢⱼ/√n;
* the selected variant is the one with the best mean; the MCB intervals for
  μᵢ − max_{j≠i} μⱼ (larger is better; mirrored when smaller is better),
  [min(0, min_{j≠i} (X̄ᵢ − X̄ⱼ − wᵢⱼ)), max(0, min_{j≠i} (X̄ᵢ − X̄ⱼ + wᵢⱼ))],
  hold together with probability at least 1 − α = 95 %. A variant whose
  upper end is 0 because min_{j≠i} (X̄ᵢ − X̄ⱼ + wᵢⱼ) is below 0 is not the
  best (one exactly at 0 — identical runs, as variants all at 100 % give —
  is tied with the best and stays a contender); the selected variant's
  lower end says how far from the best it can be;
* indifference zone δ: with N = max(n, ⌈maxᵢⱼ (t·Sᵢⱼ/δ)²⌉) replications per
  variant (Nelson & Matejcik's second stage, the current n as first stage),
  the selection is correct with probability at least 95 % whenever the best
  variant's mean exceeds every other by δ or more. If N <= n the batch
  already gives that guarantee; otherwise it says how many to run.

Limits: the guarantee assumes means that are close to normal over
replications (shares that sit at 100 % in most runs are not); the
Bonferroni constant is conservative for many variants. Kim & Nelson's (2001)
fully sequential procedure would need fewer replications but decides
replication by replication, which a finished batch cannot.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.analysis.kpis import is_share
from sim.errors import InputError
from sim.experiments.statistics import CONFIDENCE, small_sample_note

__all__ = ["Selection", "select_best", "best_of", "larger_is_better", "format_selection", "selection_extra",
           "DEFAULT_INDIFFERENCE"]

#: Indifference zone for shares unless given: one point.
DEFAULT_INDIFFERENCE = 0.01
_SMALLER = ("_h", "unmet_", "never", "without_", "limited_by_", "awaiting_", "_closed", "closed_road", "_dead",
            "blocked", "unassigned", "shelters_full")


def larger_is_better(kpi: str) -> bool:
    """Hours, unmet need, never-reached and unsheltered counts, people not relieved (by what
    limited them), people awaiting rescue or dead, closed roads and bridges, full shelters:
    smaller is better; else larger."""
    return not (kpi.endswith("_h") or any(part in kpi for part in _SMALLER[1:]))


@dataclass
class Selection:
    """The outcome of :func:`select_best`."""

    kpi: str
    larger_is_better: bool
    replications: int
    best: str
    means: dict[str, float]
    mcb: dict[str, tuple[float, float]]            # variant -> interval for its mean minus the best other's
    ruled_out: list[str]
    contenders: list[str]
    within: float                                   # the selected variant is at most this far from the best
    indifference: float | None
    needed: int | None                              # replications per variant for the indifference zone
    confidence: float = CONFIDENCE
    notes: list[str] = field(default_factory=list)


def _kpi_or_error(df: pd.DataFrame, kpi: str) -> None:
    from sim.experiments.results import kpi_columns

    columns = kpi_columns(df)
    if kpi not in columns:
        close = difflib.get_close_matches(kpi, columns, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; KPIs: {', '.join(columns[:8])}, …"
        raise InputError(f"--select {kpi}: no such KPI in the results{hint}")


def best_of(x, confidence: float = CONFIDENCE) -> dict:
    """Multiple comparisons with the best on common random numbers, larger is better.

    ``x`` is replications × variants (row i: replication i of every variant).
    Returns the ``means``, the Bonferroni constant ``t`` (Student t at
    1 − α/(k − 1), n − 1 degrees of freedom), ``s`` (k × k standard deviations
    of the paired differences), and ``low``, ``high``: simultaneous intervals
    for each mean minus the best other mean (Hsu 1984 MCB with Nelson &
    Matejcik's 1995 Bonferroni half-widths w = t·s/√n; see the module
    docstring); ``upper``: ``high`` before it is
    joined to 0 (below 0: worse than the best other, not tied with it).
    """
    from scipy import stats

    x = np.asarray(x, dtype=float)
    n, k = x.shape
    means = x.mean(axis=0)
    s = (x[:, :, None] - x[:, None, :]).std(axis=0, ddof=1)
    t = float(stats.t.ppf(1 - (1 - confidence) / (k - 1), n - 1))
    w = t * s / math.sqrt(n)
    gap = means[:, None] - means[None, :]
    off = ~np.eye(k, dtype=bool)
    low = np.array([min(0.0, float(np.min((gap[i] - w[i])[off[i]]))) for i in range(k)])
    upper = np.array([float(np.min((gap[i] + w[i])[off[i]])) for i in range(k)])
    return {"means": means, "t": t, "s": s, "low": low, "high": np.maximum(upper, 0.0), "upper": upper}


def _why_missing(df: pd.DataFrame, ok: pd.DataFrame, kpi: str, variants: list) -> str:
    """Why replications lack ``kpi``: failed runs, or variants in which it has no value (a time to
    first supplies where no site was supplied)."""
    failed = int((df["status"] != "ok").sum())
    empty = [v for v in variants if ok.loc[ok["variant"] == v, kpi].isna().any()]
    parts = [f"{failed} run{'s' * (failed != 1)} failed"] if failed else []
    if empty:
        shown = ", ".join(str(v) for v in empty[:3]) + (f" and {len(empty) - 3} more" if len(empty) > 3 else "")
        parts.append(f"{kpi} has no value in some runs of variant{'s' * (len(empty) > 1)} {shown} (nothing it "
                     "measures happened there)")
    return f" ({'; '.join(parts)})" if parts else ""


def select_best(df: pd.DataFrame, kpi: str, *, larger: bool | None = None, indifference: float | None = None,
                confidence: float = CONFIDENCE) -> Selection:
    """Select the best variant of a results table on ``kpi`` (see the module docstring)."""
    _kpi_or_error(df, kpi)
    larger = larger_is_better(kpi) if larger is None else larger
    if indifference is None and is_share(kpi):
        indifference = DEFAULT_INDIFFERENCE
    if indifference is not None and not (math.isfinite(indifference) and indifference > 0):
        raise InputError(f"--indifference {indifference}: must be a positive difference of the KPI")
    ok = df[df["status"] == "ok"]
    wide = ok.pivot_table(index="replication", columns="variant", values=kpi, sort=False, dropna=False)
    order = [v for v in dict.fromkeys(df["variant"]) if v in wide.columns]
    wide = wide[order].dropna()
    k, n = len(order), len(wide)
    if k < 2:
        raise InputError(f"--select {kpi}: choosing the best needs at least 2 variants (a --sweep); "
                         f"this folder holds {k}")
    if n < 2:
        raise InputError(f"--select {kpi}: choosing the best needs at least 2 replications in which every "
                         f"variant has a value of it; this folder has {n}{_why_missing(df, ok, kpi, order)}")
    sign = 1.0 if larger else -1.0
    mcb = best_of(wide.to_numpy(float) * sign, confidence)        # larger is better from here on
    means, low, high = mcb["means"], mcb["low"], mcb["high"]
    best = int(np.argmax(means))
    # Not the best: its mean is below the best other's by more than the interval allows
    # (upper end below 0); a variant tied with the best (identical runs) is a contender.
    ruled_out = [order[i] for i in range(k) if mcb["upper"][i] < 0]
    contenders = [v for v in order if v not in ruled_out]
    t, s = mcb["t"], mcb["s"]
    needed = None
    if indifference is not None:
        needed = max(n, int(math.ceil(float(np.max((t * s / indifference) ** 2)))))
    notes = [note for note in [small_sample_note(n)] if note]
    intervals = {v: (float(lo), float(hi)) if larger else (-float(hi), -float(lo))
                 for v, lo, hi in zip(order, low, high)}
    return Selection(kpi=kpi, larger_is_better=larger, replications=n, best=order[best],
                     means={v: float(m) * sign for v, m in zip(order, means)},
                     mcb=intervals, ruled_out=ruled_out, contenders=contenders, within=float(-low[best]),
                     indifference=indifference, needed=needed, confidence=confidence, notes=notes)


def _amount(value: float, kpi: str) -> str:
    if is_share(kpi):
        points = f"{100 * value:.2g}"
        return f"{points} point" + ("" if points == "1" else "s")
    return f"{value:.3g} h" if kpi.endswith("_h") else f"{value:.4g}"


def _mean(value: float, kpi: str) -> str:
    if is_share(kpi):
        return f"{100 * value:.1f} %"
    return f"{value:.2f} h" if kpi.endswith("_h") else f"{value:.4g}"


def format_selection(sel: Selection) -> list[str]:
    """The lines ``sim results --select`` prints."""
    pct = f"{100 * sel.confidence:.0f} %"
    direction = "higher" if sel.larger_is_better else "lower"
    lines = [f"best on {sel.kpi} ({direction} is better), {len(sel.means)} variants × {sel.replications} "
             f"replications on common random numbers:",
             f"  selected: {sel.best} (mean {_mean(sel.means[sel.best], sel.kpi)})"]
    if sel.within <= 0:
        lines.append(f"  with {pct} confidence it is the best (or tied with the best)")
    else:
        lines.append(f"  with {pct} confidence it is the best or within {_amount(sel.within, sel.kpi)} of the best")
    if sel.ruled_out:
        lines.append(f"  not the best: {'; '.join(sel.ruled_out)}")
    others = [v for v in sel.contenders if v != sel.best]
    if others:
        lines.append(f"  cannot be ruled out: {'; '.join(others)}")
    if sel.needed is not None:
        zone = _amount(sel.indifference, sel.kpi)
        if sel.needed <= sel.replications:
            lines.append(f"  the chance this selection is right is at least {pct} if the best leads by {zone} "
                         "or more")
        else:
            lines.append(f"  for a {pct} chance of choosing the best when it leads by {zone} or more, run "
                         f"{sel.needed} replications per variant (--replications {sel.needed} --resume)")
    lines.append("  (Nelson & Matejcik 1995, Bonferroni; intervals for each mean minus the best other's, "
                 "Hsu 1984 MCB)")
    for v in sel.means:
        low, high = sel.mcb[v]
        lines.append(f"    {v}: {_mean(sel.means[v], sel.kpi)}, [{_signed(low, sel.kpi)}, {_signed(high, sel.kpi)}]")
    return lines + [f"  {note}" for note in sel.notes]


def _signed(value: float, kpi: str) -> str:
    return f"{100 * value:+.1f}" if is_share(kpi) else f"{value:+.3g}"


def selection_extra(sel: Selection) -> dict:
    """What :func:`sim.experiments.results.format_results` appends for a selection, per format."""
    lines = format_selection(sel)
    doc = {"kpi": sel.kpi, "larger_is_better": sel.larger_is_better, "replications": sel.replications,
           "confidence": sel.confidence, "selected": sel.best, "within_of_best": sel.within,
           "not_the_best": sel.ruled_out, "contenders": sel.contenders, "means": sel.means,
           "mcb": {v: list(iv) for v, iv in sel.mcb.items()}, "indifference": sel.indifference,
           "replications_for_indifference": sel.needed, "notes": sel.notes,
           "method": "Nelson & Matejcik (1995), Bonferroni, with Hsu (1984) MCB intervals"}
    return {"table": "\n".join(lines) + "\n", "markdown": "\n" + "\n".join(f"    {line}" for line in lines) + "\n",
            "json": {"selection": doc}}
