"""Replications until precise: rounds of replications until the headline intervals are narrow.

``sim batch SCENARIO --precision 0.02`` (and ``sim compare ... --precision
0.02``) asks for 95 % intervals no wider than ±0.02 — two points of a share —
on the headline KPIs: the shares of the planning lines (first district
supplies within 3 h, relief within 8 h and 12 h, and the scenario's own
targets). A batch judges each variant's mean; a comparison judges the paired
difference, which is what an assessor reads.

**Stopping rule** — the sequential procedure for an absolute precision of
Law (2015, Simulation Modeling and Analysis, 5th ed., §9.4.1), after Chow &
Robbins (1965, Annals of Mathematical Statistics 36:457): run n₀
replications (``--replications``, 10 unless given); while the half-width
δ(n) of some headline interval is above γ, estimate the replications it
needs — the least i at which the interval *as reported*
(:func:`projected_half_width`) would be that
narrow: t(i − 1)·S/√i <= γ for a t or t+bca interval (Law's approximation,
S the current standard deviation, the union's ratio to t held); for a KPI
without spread the Clopper–Pearson bound for 0 of i, u·(range) wide with
u = 1 − 0.05^(1/i); for a KPI that moves in one run the t+bca part joined
to the bound for 1 of i, which falls like 1/i, not 1/√i — and run the next
round up to that number, at most doubling n per round and never beyond
``--max-replications``. Rounds run as one resumable batch (the folder
keeps every replication file; ``--resume`` continues from the last round),
and ``precision.json`` records each round's half-widths.

Limits: the intervals after a data-dependent stop cover slightly less than a
fixed-n interval, most when n₀ is small (Law recommends n₀ >= 10); the
estimate of the replications needed is only as good as the current variance
(and, for the one-run bound, holds the values off the mode at their count:
the fewest that method could need; a new jump in the next round widens or
removes the bound, and that round measures again).
A share that is 100 % in every run needs about 3/γ runs (the "rule of three":
about 75 for ±0.02 on a mean, 150 on a difference) before its bound is that
narrow.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sim.errors import InputError
from sim.experiments.statistics import CONFIDENCE, Interval, IntervalParts, half_width
from sim.files import atomic_write

__all__ = ["PRECISION_FILE", "DEFAULT_INITIAL", "DEFAULT_MAX", "PrecisionResult", "check_precision",
           "precision_kpis", "replications_needed", "variant_intervals", "run_until_precise",
           "run_batch_until_precise", "format_precision", "projected_half_width"]

PRECISION_FILE = "precision.json"
#: First round when ``--precision`` is given without ``--replications``.
DEFAULT_INITIAL = 10
#: ``--max-replications`` unless given.
DEFAULT_MAX = 200


@dataclass
class PrecisionResult:
    """The rounds of a run until precise, and whether the precision was reached."""

    precision: float
    max_replications: int
    replications: int = 0
    met: bool = False
    rounds: list[dict] = field(default_factory=list)
    #: Every headline KPI undefined in every replication (no site or person needing relief):
    #: there is nothing to make precise, and more replications would not change that.
    undefined: bool = False

    @property
    def widest(self) -> tuple[str, float] | None:
        """The headline interval with the largest half-width in the last round."""
        if not self.rounds or not self.rounds[-1]["half_widths"]:
            return None
        label, value = max(self.rounds[-1]["half_widths"].items(), key=lambda kv: _key(kv[1]))
        return label, value


def projected_half_width(parts: IntervalParts, i: int, confidence: float = CONFIDENCE) -> float:
    """The half-width the method of ``parts.interval`` would report from ``i`` values like these.

    Each part of the interval follows its own law, the current estimates held
    (as Law's 2015 §9.4.1 approximation holds the standard deviation): the t
    (or t+bca) part keeps its mean and shrinks by t(i − 1)/√i against
    t(n − 1)/√n; the bound of a KPI without spread is the Clopper–Pearson
    bound for 0 of i, u = 1 − 0.05^(1/i), over the range; the bound joined to
    a KPI that moves in m < :data:`~sim.experiments.statistics.RARE_JUMPS` runs is the bound for m of i
    (the values off the mode held at m: the fewest replications that method
    could need; the next round measures again). The union is clipped to the
    range, as reported.
    """
    from scipy import stats

    iv, n = parts.interval, parts.n
    if n < 2 or not (math.isfinite(iv.low) and math.isfinite(iv.high)):
        return math.nan
    if i == n:
        return half_width(iv)
    level = 0.5 + confidence / 2
    shrink = (stats.t.ppf(level, i - 1) / math.sqrt(i)) / (stats.t.ppf(level, n - 1) / math.sqrt(n))
    low = iv.mean - (iv.mean - parts.t_low) * shrink
    high = iv.mean + (parts.t_high - iv.mean) * shrink
    if iv.method == "t+bca+bound" or iv.method == "bound":
        off = parts.off if iv.method == "t+bca+bound" else 0
        p_up = float(stats.beta.ppf(confidence, off + 1, i - off))
        c, lo, hi = parts.mode, parts.low_limit, parts.high_limit
        low = min(low, c - p_up * max(c - lo, 0.0))
        high = max(high, c + p_up * max(hi - c, 0.0))
    if math.isfinite(parts.low_limit) and math.isfinite(parts.high_limit):
        low, high = max(low, parts.low_limit), min(high, parts.high_limit)
    return (high - low) / 2


def _key(value: float) -> float:
    return math.inf if value is None or not math.isfinite(value) else value


def check_precision(precision: float, initial: int, max_replications: int) -> None:
    """Refuse a precision outside (0, 1), a first round below 2, a maximum below the first round."""
    if not (isinstance(precision, (int, float)) and math.isfinite(precision) and 0 < precision < 1):
        raise InputError(f"--precision {precision}: give the half-width the headline shares need, "
                         "between 0 and 1 (0.02 is ±2 points)")
    if initial < 2:
        raise InputError(f"--replications {initial}: an interval needs at least 2 replications")
    if max_replications < initial:
        raise InputError(f"--max-replications {max_replications}: must be at least the first round "
                         f"(--replications {initial})")


def precision_kpis(targets_h: dict | None = None) -> list[str]:
    """The headline KPIs ``--precision`` judges: the columns of the planning lines."""
    from sim.experiments.targets import line_column, planning_lines

    return list(dict.fromkeys(line_column(t, h) for t, h, _ in planning_lines(targets_h)))


def replications_needed(interval: Interval, n: int, precision: float, confidence: float = CONFIDENCE,
                        parts: IntervalParts | None = None) -> int:
    """Replications at which ``interval`` (from ``n`` values) would have half-width ``precision``:
    the least i at which :func:`projected_half_width` of its method
    is at most ``precision`` (``n`` if it already is).

    ``parts`` (:func:`~sim.experiments.statistics.mean_parts`,
    :func:`~sim.experiments.statistics.difference_parts`) is what the interval is made of; a
    ``t``, ``t+bca`` or ``bound`` interval can do without, a ``t+bca+bound`` one cannot (its
    t+bca part is hidden in the union).
    """
    if parts is None:
        parts = _parts_of(interval, n, confidence)
    hw = half_width(interval)
    if not math.isfinite(hw) or n < 2:
        return n + 1
    if hw <= precision:
        return n

    def narrow(i: int) -> bool:
        return projected_half_width(parts, i, confidence) <= precision

    # Every part's half-width falls as i grows: double, then bisect for the least i.
    low, high = n, n + 1
    while not narrow(high):
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if narrow(middle) else (middle, high)
    return high


def _parts_of(interval: Interval, n: int, confidence: float) -> IntervalParts:
    """The parts of a ``t``, ``t+bca`` or ``bound`` interval, read off the interval itself."""
    nan = math.nan
    if interval.method == "bound":
        # [c − u·(c − lo), c + u·(hi − c)] with u = 1 − (1 − confidence)^(1/n): the range, read back.
        u = 1.0 - (1.0 - confidence) ** (1.0 / n)
        c = interval.mean
        return IntervalParts(interval, n, c, c, c, 0, c - (c - interval.low) / u, c + (interval.high - c) / u)
    if interval.method == "t+bca+bound":
        raise ValueError("a t+bca+bound interval needs its parts to be projected (mean_parts, difference_parts)")
    return IntervalParts(interval, n, interval.low, interval.high, interval.mean, 0, nan, nan)


def variant_intervals(out_dir: Path, kpis: list[str]) -> dict[str, IntervalParts]:
    """Each variant's interval for each headline KPI (what a batch's precision judges), with its parts."""
    from sim.analysis.kpis import is_share, kpi_range
    from sim.experiments.results import read_results
    from sim.experiments.statistics import mean_parts

    df = read_results(out_dir)
    ok = df[df["status"] == "ok"]
    out = {}
    for variant, group in ok.groupby("variant", sort=False):
        for kpi in kpis:
            if kpi in group:
                out[f"{variant}: {kpi}"] = mean_parts(group[kpi].to_numpy(float), share=is_share(kpi),
                                                      value_range=kpi_range(kpi, group))
    return out


def run_until_precise(run_round: Callable[[int, bool], object],
                      measure: Callable[[], dict[str, IntervalParts | tuple[Interval, int]]], *,
                      precision: float, initial: int, max_replications: int, resume: bool = False,
                      out_dir: Path | None = None) -> PrecisionResult:
    """Run rounds until every headline half-width is at most ``precision``.

    ``run_round(n, resume)`` brings the batch to ``n`` replications (a resumable
    batch: only what is missing runs); ``measure()`` gives, per headline label,
    its current interval with its parts
    (:class:`~sim.experiments.statistics.IntervalParts`), or, for a ``t``,
    ``t+bca`` or ``bound`` interval, the pair (interval, number of values).
    """
    check_precision(precision, initial, max_replications)
    result = PrecisionResult(precision=precision, max_replications=max_replications)
    n = max(initial, _recorded(out_dir)) if resume else initial
    n = min(n, max_replications)
    while True:
        run_round(n, resume or bool(result.rounds))
        intervals = {label: _as_parts(entry) for label, entry in measure().items()}
        widths = {label: half_width(parts.interval) for label, parts in intervals.items()}
        result.replications = n
        result.met = bool(widths) and all(_key(w) <= precision for w in widths.values())
        needed = max([replications_needed(parts.interval, parts.n, precision, parts=parts)
                      for parts in intervals.values()], default=n + 1)
        result.rounds.append({"replications": n, "half_widths": widths, "needed": needed})
        result.undefined = bool(intervals) and all(parts.n == 0 for parts in intervals.values())
        _record(out_dir, result)
        if result.met or result.undefined or n >= max_replications:
            return result
        n = min(max_replications, max(n + 1, min(2 * n, needed)))


def _as_parts(entry) -> IntervalParts:
    if isinstance(entry, IntervalParts):
        return entry
    interval, n = entry
    return _parts_of(interval, n, CONFIDENCE)


def run_batch_until_precise(scenario, *, precision: float, replications: int | None = None,
                            max_replications: int | None = None, out_dir: Path | str, resume: bool = False,
                            **batch_kwargs):
    """:func:`sim.experiments.batch.run_batch` in rounds until every variant's headline
    means are ``precision`` precise; returns the last round's batch and the :class:`PrecisionResult`."""
    from sim.experiments.batch import run_batch
    from sim.experiments.targets import targets_hours

    out_dir = Path(out_dir)
    batches = []

    def run_round(n: int, again: bool) -> None:
        batches.append(run_batch(scenario, replications=n, out_dir=out_dir, resume=again, **batch_kwargs))

    kpis = precision_kpis(targets_hours(scenario.targets))
    result = run_until_precise(run_round, lambda: variant_intervals(out_dir, kpis), precision=precision,
                               initial=replications or DEFAULT_INITIAL,
                               max_replications=max_replications or DEFAULT_MAX, resume=resume, out_dir=out_dir)
    return batches[-1], result


def _recorded(out_dir: Path | None) -> int:
    try:
        return int(json.loads((Path(out_dir) / PRECISION_FILE).read_text())["replications"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _record(out_dir: Path | None, result: PrecisionResult) -> None:
    if out_dir is None:
        return
    doc = {"precision": result.precision, "confidence": CONFIDENCE, "max_replications": result.max_replications,
           "replications": result.replications, "met": result.met,
           "rounds": [{**r, "half_widths": {k: (v if math.isfinite(v) else None)
                                            for k, v in r["half_widths"].items()}} for r in result.rounds]}
    with atomic_write(Path(out_dir) / PRECISION_FILE) as tmp:
        tmp.write_text(json.dumps(doc, indent=2) + "\n")


def format_precision(result: PrecisionResult) -> str:
    """One line: reached or not, after how many replications, and the widest interval."""
    widest = result.widest
    tail = f"; widest: {widest[0]} ±{100 * widest[1]:.2f} points" if widest and math.isfinite(widest[1]) else ""
    rounds = len(result.rounds)
    if result.undefined:
        return (f"precision ±{result.precision:g} cannot be judged: the headline shares are undefined in all "
                f"{result.replications} replications (no site or person needing relief, or no replication "
                "finished), and more would not change that")
    if result.met:
        return (f"precision ±{result.precision:g} reached with {result.replications} replications "
                f"({rounds} round{'s' if rounds != 1 else ''}){tail}")
    return (f"precision ±{result.precision:g} not reached at --max-replications {result.max_replications}{tail}; "
            f"the estimate needs {result.rounds[-1]['needed']}: rerun with a larger --max-replications and --resume")
