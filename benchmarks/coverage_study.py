"""Coverage of the intervals ``sim compare`` reports, and what common random numbers buy.

1. **A pool with a known effect.** ``--pool`` paired replications of a world
   before and after an investment, run as one batch on common random numbers
   (resumable: ``--pool-dir`` keeps it, so a rerun only adds what is
   missing). ``--world baseline``: ``baseline_normal_traffic`` before and
   after the south-east depot overlay (the built-in district, a few seconds
   a run). ``--world small``: seven zones on a line road with two depots,
   before and after three more trucks (under half a second a run).
2. **The truth** is the pool's: each KPI's mean before and after, the mean
   paired difference, and the share of runs in which each target line is
   met.
3. **Coverage.** ``--draws`` random subsets of n = 5, 10 and 20 pairs
   (without replacement, seeded) play the role of an assessor's comparison;
   every method's 95 % interval is computed on each, and its coverage is the
   share of intervals that contain the truth. ``main`` is Student t for every
   KPI with shares clipped to [0, 1] and no interval for the chance a target
   is met (the project's earlier intervals); ``now`` is
   :mod:`sim.experiments.statistics` as ``sim compare`` calls it — each KPI
   over its natural range (:func:`sim.analysis.kpis.kpi_range`, from the
   subset's own runs of both variants) — called on many subsets at once
   (the same method; the bootstrap then draws other resamples than for one
   subset alone). With 1,000 draws a coverage is known to about ±1.4 points
   (95 %); subsets of a finite pool make the intervals very slightly
   conservative (by the factor 1 − n/pool on the variance).
4. **Per KPI kind** the table shows the lowest coverage over the KPIs of that
   kind (and which KPI it is); KPIs constant over the whole pool are
   covered trivially and left out. Counts and times (``continuous KPI``)
   are apart from KPIs without a known range (stock unmet, trips, the
   totals themselves): those get the point when a subset does not move,
   and the outputs say so (method ``point-no-range``) instead of claiming
   coverage.
5. **Variance reduction** of common random numbers per headline KPI:
   (Var before + Var after) / Var(after − before), the factor by which
   pairing on the same seeds shrinks the variance of the difference against
   independent runs (Law 2015, Simulation Modeling and Analysis, 5th ed.,
   §11.2), with a 95 % bootstrap interval, over all pairs and over the pairs
   in which both runs are below 100 %.

6. **Candidates** (``--candidates johnson,wilks``): methods weighed against
   ``now`` on the same subsets, with their coverage and their width against
   ``now``'s — how a change of method is chosen.
7. **Which sites flip** (``--flips PAIRS``): the first pairs run again with
   each site's first supply and its depot, to tell the sites an added depot
   supplies in time from those the dispatch reshuffles (:func:`flip_study`).

Usage::

    python benchmarks/coverage_study.py [--world baseline|small] [--pool 1000] [--draws 1000]
                                        [--workers N] [--pool-dir DIR] [--json OUT]
                                        [--candidates johnson,wilks] [--flips PAIRS]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sim.analysis.kpis import RUN_DURATION

SIZES = (5, 10, 20)
HEADLINE = ("first_supplies_within_3h", "first_supplies_within_4h", "first_supplies_within_6h",
            "relief_within_8h", "relief_within_12h", "first_supplies_p50_h", "truck_utilisation")
TARGET_PREFIXES = ("first_supplies_within_", "city_supplies_within_", "relief_within_")
_ROWS = 200      # subsets per call of the interval functions (bounds the bootstrap's memory)

SMALL_NODES = [(i, 116.5 + 0.05 * i, 39.8) for i in range(1, 9)]
SMALL_ZONES = [(f"Z{i}", i, 800 + 150 * i) for i in range(2, 9)]
SMALL_SCENARIO = """\
name: coverage study line world
seed: 11
duration: 24h
region:
  network: {csv: {nodes: nodes.csv, edges: edges.csv}}
  zones: {csv: zones.csv}
  snap_limit: 50km
targets: {preset: tongzhou-2030}
needs: {water_l: 3, food_ration: 1, bedding: 0}
impact: {area: {everywhere: true}, zone_share: 0.7, affected_share: 0.3, spread: 0.3}
command: {report_delay: {low: 10min, mode: 40min, high: 2h}, order_delay: 5min}
policy: {dispatch: priority_nearest}
depots:
  - {id: d1, tier: district, at: {node: 1}, stock: {water_l: 20000, food_ration: 8000},
     trucks: {count: 2, payload_kg: 1500}, loading_bays: 1, load_time: 20min, unload_time: 15min}
  - {id: d2, tier: district, at: {node: 8}, stock: {water_l: 20000, food_ration: 8000},
     trucks: {count: 1, payload_kg: 1500}, loading_bays: 1, load_time: 20min, unload_time: 15min}
"""
SMALL_OVERLAY = "interventions:\n  - {type: add_trucks, depot: d2, count: 3}\n"


def small_world(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nodes.csv").write_text("id,lon,lat\n" + "".join(f"{i},{x},{y}\n" for i, x, y in SMALL_NODES))
    (folder / "edges.csv").write_text("u,v,length_m,speed_kmh,oneway,bridge,class\n" + "".join(
        f"{i},{i + 1},12000,40,false,false,local\n" for i in range(1, len(SMALL_NODES))))
    (folder / "zones.csv").write_text("zone_id,township,node,population,vulnerable_share\n" + "".join(
        f"{z},T01,{n},{p},0.2\n" for z, n, p in SMALL_ZONES))
    (folder / "scenario.yaml").write_text(SMALL_SCENARIO)
    (folder / "more_trucks.yaml").write_text(SMALL_OVERLAY)
    return folder / "scenario.yaml", folder / "more_trucks.yaml"


def world_files(world: str, folder: Path) -> tuple[Path, Path]:
    """The baseline scenario and the overlay of a world (the small one written into ``folder``)."""
    if world == "small":
        return small_world(folder / "world")
    return (REPO / "scenarios" / "baseline_normal_traffic.yaml",
            REPO / "scenarios" / "overlays" / "southeast_depot.yaml")


def run_pool(world: str, pairs: int, workers: int, folder: Path):
    """Before and after rows (aligned by replication) of ``pairs`` paired replications."""
    from sim.experiments.batch import run_batch
    from sim.experiments.compare import AFTER, BEFORE, load_variant
    from sim.experiments.results import BATCH_FILE, read_results
    from sim.experiments.sweep import Variant

    baseline, overlay = world_files(world, folder)
    before, after, _ = load_variant(baseline, overlay)
    variants = [Variant(BEFORE, {"scenario": str(baseline)}, before, baseline.parent.resolve()),
                Variant(AFTER, {"overlay": str(overlay)}, after, baseline.parent.resolve())]
    out = folder / "pool"
    run_batch(before, replications=pairs, variants=variants, out_dir=out, workers=workers,
              resume=(out / BATCH_FILE).exists(), base_dir=baseline.parent, scenario_file=str(baseline))
    df = read_results(out)
    ok = df[df["status"] == "ok"].copy()
    if RUN_DURATION not in ok or ok[RUN_DURATION].isna().any():
        # Rows written before batches recorded the run's length: it is the scenario's.
        lengths = {BEFORE: before.duration / 60, AFTER: after.duration / 60}
        filled = ok["variant"].map(lengths)
        ok[RUN_DURATION] = ok[RUN_DURATION].fillna(filled) if RUN_DURATION in ok else filled
    b = ok[ok["variant"] == BEFORE].set_index("replication")
    a = ok[ok["variant"] == AFTER].set_index("replication")
    common = b.index.intersection(a.index).sort_values()
    return b.loc[common], a.loc[common], before.name


# ------------------------------------------------------------ methods
def main_method(x: np.ndarray, share: bool, difference: bool, low_limit, high_limit):
    """Intervals as computed before this study: Student t; shares clipped to [0, 1]."""
    from sim.experiments.statistics import t_interval

    _, low, high = t_interval(x)
    if share and not difference:
        low, high = np.clip(low, 0, 1), np.clip(high, 0, 1)
    return low, high


def now_method(x: np.ndarray, share: bool, difference: bool, low_limit, high_limit):
    """:func:`sim.experiments.statistics.bounded_interval` over each subset's range (NaN: none)."""
    from sim.experiments.statistics import bounded_interval

    _, low, high, _ = bounded_interval(x, low_limit, high_limit)
    return low, high


def johnson_method(x: np.ndarray, share: bool, difference: bool, low_limit, high_limit):
    """A candidate (at every n): ``now`` joined to Johnson's (1978, JASA 73:536) skew-corrected
    t interval, x̄ + μ̂₃/(6·s²·n) ± t(n − 1)·s/√n (μ̂₃ the unbiased third central moment)."""
    from scipy import stats

    low, high = now_method(x, share, difference, low_limit, high_limit)
    n = x.shape[1]
    if n < 3:
        return low, high
    mean = x.mean(axis=1)
    s2 = x.var(axis=1, ddof=1)
    m3 = n / ((n - 1) * (n - 2)) * ((x - mean[:, None]) ** 3).sum(axis=1)
    with np.errstate(all="ignore"):
        centre = mean + np.where(s2 > 0, m3 / (6 * s2 * n), 0.0)
    half = stats.t.ppf(0.975, n - 1) * np.sqrt(s2 / n)
    j_low, j_high = centre - half, centre + half
    lo = np.where(np.isfinite(low_limit), np.fmin(low_limit, x.min(axis=1)), -np.inf)
    hi = np.where(np.isfinite(high_limit), np.fmax(high_limit, x.max(axis=1)), np.inf)
    return np.minimum(low, np.clip(j_low, lo, hi)), np.maximum(high, np.clip(j_high, lo, hi))


def wilks_method(x: np.ndarray, share: bool, difference: bool, low_limit, high_limit):
    """A candidate for small samples: below ``SMALL_SAMPLE`` replications, ``now`` joined to the
    distribution-free bound of a mean in a known range [lo, hi] from the sample's extremes: with
    95 % at most q of the distribution lies outside [min, max] (q the 95 % quantile of
    Beta(2, n − 1); Wilks 1941, Ann. Math. Stat. 12:91), so the mean lies in
    [min − q·(min − lo), max + q·(hi − max)]."""
    from scipy import stats

    from sim.experiments.statistics import SMALL_SAMPLE

    low, high = now_method(x, share, difference, low_limit, high_limit)
    n = x.shape[1]
    if n >= SMALL_SAMPLE:
        return low, high
    known = np.isfinite(low_limit) & np.isfinite(high_limit)
    q = stats.beta.ppf(0.95, 2, n - 1)
    a, b = x.min(axis=1), x.max(axis=1)
    lo, hi = np.fmin(low_limit, a), np.fmax(high_limit, b)
    return np.where(known, np.minimum(low, a - q * (a - lo)), low), \
        np.where(known, np.maximum(high, b + q * (hi - b)), high)


#: Methods the study can weigh against ``now`` (``--candidates``).
CANDIDATES = {"johnson": johnson_method, "wilks": wilks_method}


def covered(method, x: np.ndarray, truth: float, share: bool, difference: bool,
            low_limit: np.ndarray, high_limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per subset: whether the method's interval holds the truth, and the interval's width."""
    hits, widths = [], []
    for start in range(0, len(x), _ROWS):
        rows = slice(start, start + _ROWS)
        low, high = method(x[rows], share, difference, low_limit[rows], high_limit[rows])
        tol = 1e-9 * max(1.0, abs(truth))
        hits.append((low <= truth + tol) & (truth - tol <= high))
        widths.append(high - low)
    return np.concatenate(hits), np.concatenate(widths)


def off_mode(x: np.ndarray) -> np.ndarray:
    """Per row: how many values differ from the row's most frequent value."""
    s = np.sort(x, axis=1)
    run = np.ones(s.shape, dtype=int)          # length of the run of equal values ending at each place
    for j in range(1, s.shape[1]):
        run[:, j] = np.where(s[:, j] == s[:, j - 1], run[:, j - 1] + 1, 1)
    return s.shape[1] - run.max(axis=1)


def pair_limits(kpi: str, b, a) -> tuple[np.ndarray, np.ndarray] | None:
    """Per pair: the widest of the KPI's limits in its two runs (``None``: no known range)."""
    from sim.analysis.kpis import kpi_limits

    lb, la = kpi_limits(kpi, b), kpi_limits(kpi, a)
    if lb is None or la is None:
        return None
    return np.fmin(lb[0], la[0]), np.fmax(lb[1], la[1])


def subset_limits(limits, subsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each subset's range as ``sim compare`` finds it in its runs (NaN: no known range)."""
    if limits is None:
        nan = np.full(len(subsets), np.nan)
        return nan, nan.copy()
    with np.errstate(all="ignore"):
        return np.fmin.reduce(limits[0][subsets], axis=1), np.fmax.reduce(limits[1][subsets], axis=1)


def met_covered(x: np.ndarray, truth: float) -> np.ndarray:
    from sim.experiments.statistics import met_mask, proportion_ci

    n = x.shape[1]
    counts = met_mask(x).sum(axis=1)
    table = {k: proportion_ci(k, n)[1:] for k in range(n + 1)}
    return np.array([table[k][0] <= truth <= table[k][1] for k in counts])


# ------------------------------------------------------------ the study
def kind_of(kpi: str, values: np.ndarray, what: str, bounded: bool = True) -> str:
    from sim.analysis.kpis import is_share

    if not is_share(kpi):
        kind = "continuous KPI" if bounded else "continuous KPI without a known range"
        return f"{kind}, mean" if what != "diff" else f"{kind}, paired difference"
    if what == "diff":
        zeros = np.mean(values == 0)
        return "share, zero-inflated difference" if zeros >= 0.2 else "share, paired difference"
    at_bound = np.mean((values <= 0) | (values >= 1 - 1e-9))
    return "share piled at 0 % or 100 %, mean" if at_bound >= 0.25 else "share, mean"


def coverage_study(b, a, draws: int, seed: int = 1, candidates: tuple[str, ...] = ()) -> list[dict]:
    from sim.analysis.kpis import is_share
    from sim.experiments.results import kpi_columns

    rng = np.random.default_rng(seed)
    rows = []
    kpis = [k for k in kpi_columns(b) if k in a.columns and k != RUN_DURATION]
    for kpi in kpis:
        before, after = b[kpi].to_numpy(float), a[kpi].to_numpy(float)
        keep = np.isfinite(before) & np.isfinite(after)
        before, after = before[keep], after[keep]
        limits = pair_limits(kpi, b, a)
        if limits is not None:
            limits = limits[0][keep], limits[1][keep]
        pool = len(before)
        share = is_share(kpi)
        series = {"before": before, "after": after, "diff": after - before}
        for n in SIZES:
            if pool < 4 * n:
                continue
            subsets = np.array([rng.choice(pool, n, replace=False) for _ in range(draws)])
            lo, hi = subset_limits(limits, subsets)
            for what, values in series.items():
                if np.ptp(values) == 0:
                    continue
                truth = float(values.mean())
                x = values[subsets]
                low_limit, high_limit = (lo - hi, hi - lo) if what == "diff" else (lo, hi)
                jumps = off_mode(x)
                row = {"kpi": kpi, "what": what, "n": n, "kind": kind_of(kpi, values, what, limits is not None),
                       "truth": truth, "range": limits is not None, "still": float(np.mean(jumps == 0))}
                hits, widths = {}, {}
                methods = [("main", main_method), ("now", now_method)] + [(c, CANDIDATES[c]) for c in candidates]
                for name, method in methods:
                    hits[name], widths[name] = covered(method, x, truth, share, what == "diff", low_limit, high_limit)
                    row[name] = float(hits[name].mean())
                    # The price: the mean and median width of the intervals.
                    row[f"{name}_width_mean"] = float(np.nanmean(widths[name]))
                    row[f"{name}_width_median"] = float(np.nanmedian(widths[name]))
                # Share and coverage (now) of the subsets in which 0, 1, 2, 3 values differ from the subset's mode.
                row["by_jumps"] = {str(m): [float(np.mean(jumps == m)), float(hits["now"][jumps == m].mean())]
                                   for m in range(4) if np.any(jumps == m)}
                rows.append(row)
            if kpi.startswith(TARGET_PREFIXES):
                for what, values in (("before", before), ("after", after)):
                    truth = float(np.mean(values >= 1 - 1e-9))
                    if 0 < truth < 1:
                        rows.append({"kpi": kpi, "what": f"{what} met", "n": n, "truth": truth,
                                     "kind": "chance a target is met", "main": None,
                                     "now": float(met_covered(values[subsets], truth).mean())})
    return rows


def summary(rows: list[dict], candidates: tuple[str, ...] = ()) -> list[dict]:
    out = []
    for kind in dict.fromkeys(r["kind"] for r in rows):
        for n in SIZES:
            group = [r for r in rows if r["kind"] == kind and r["n"] == n]
            if not group:
                continue
            entry = {"kind": kind, "n": n, "kpis": len(group)}
            for name in ("main", "now", *candidates):
                have = [r for r in group if r.get(name) is not None]
                if have:
                    worst = min(have, key=lambda r: r[name])
                    entry[name] = worst[name]
                    entry[f"{name}_worst"] = f"{worst['kpi']} ({worst['what']})"
                    widths = [r[f"{name}_width_mean"] / r["now_width_mean"] for r in have
                              if r.get("now_width_mean") and np.isfinite(r["now_width_mean"])]
                    if name != "main" and widths:
                        # The price against ``now``: the median over the kind's KPIs of the mean width's ratio.
                        entry[f"{name}_width_vs_now"] = float(np.median(widths))
            out.append(entry)
    return out


def variance_reduction(b, a, seed: int = 1) -> list[dict]:
    from scipy import stats

    from sim.analysis.kpis import is_share

    def factor(x, y, axis=-1):
        """Variance of the difference of independent runs over that of paired runs."""
        var_d = np.var(y - x, axis=axis, ddof=1)
        return (np.var(x, axis=axis, ddof=1) + np.var(y, axis=axis, ddof=1)) / var_d

    rows = []
    for kpi in HEADLINE:
        if kpi not in b or kpi not in a:
            continue
        x, y = b[kpi].to_numpy(float), a[kpi].to_numpy(float)
        keep = np.isfinite(x) & np.isfinite(y)
        x, y = x[keep], y[keep]
        row = {"kpi": kpi, "pairs": len(x), "before_mean": float(x.mean()), "after_mean": float(y.mean())}
        below = (x < 1 - 1e-9) & (y < 1 - 1e-9)
        masks = [("all", np.ones(len(x), bool))] + ([("below_100", below)] if is_share(kpi) else [])
        for label, mask in masks:
            xs, ys = x[mask], y[mask]
            row[f"{label}_pairs"] = int(mask.sum())
            if len(xs) < 10 or np.var(ys - xs) == 0:
                row[label] = row[f"{label}_low"] = row[f"{label}_high"] = None
                continue
            with np.errstate(all="ignore"):
                ci = stats.bootstrap((xs, ys), factor, paired=True, vectorized=True, method="percentile",
                                     n_resamples=2000, rng=np.random.default_rng(seed)).confidence_interval
            row[label], row[f"{label}_low"], row[f"{label}_high"] = float(factor(xs, ys)), ci.low, ci.high
        rows.append(row)
    return rows


# ------------------------------------------------------------ which sites flip
def world_variants(world: str, folder: Path):
    """The before and after scenarios of a world, and the folder their files are relative to."""
    from sim.experiments.compare import load_variant

    baseline, overlay = world_files(world, folder)
    before, after, _ = load_variant(baseline, overlay)
    return before, after, baseline.parent


def site_outcomes(result) -> dict:
    """Per site needing relief: hit and report times, first supply (minutes since the hit) and its depot."""
    events = result.events_frame()
    first = events[events["kind"] == "first_supply"]
    supplier = dict(zip(first["zone"], first["agent"]))
    return {z.zone_id: {"hit": z.hit_time_min, "report": z.report_min, "first": z.first_supply_min - z.hit_time_min,
                        "supplier": supplier.get(z.zone_id, "")}
            for z in result.world.zones if z.is_affected and z.needs_relief}


def flip_study(world: str, pairs: int, folder: Path, line_h: float = 3.0) -> dict:
    """Which sites cross the first-supplies line between before and after on common random numbers.

    Replications 0 … ``pairs`` − 1 of the pool's seeds run again, before and
    after, keeping each site's first supply and its depot. A site that crosses
    the line is a *direct* gain when a depot the investment adds or changes supplies it,
    else a gain or loss of the *dispatch reacting* (the same depot earlier or
    later, or another depot). The change in the share is direct + reacting;
    the factor of common random numbers is shown for the runs as they are and
    with the reacting flips taken out (after = before + direct gains).
    """
    import sim
    from sim.world.streams import replication_seed

    before, after, base = world_variants(world, folder)
    old = {d.id: d.model_dump() for d in before.depots}
    added = {d.id for d in after.depots if old.get(d.id) != d.model_dump()}      # added or changed
    line = 60 * line_h
    per_run, shifts = [], {"direct gain": [], "reacting gain": [], "reacting loss": []}
    same_depot_losses: dict[str, int] = {}
    draws_differ = moved = 0
    for rep in range(pairs):
        seed = replication_seed(before.seed, rep)
        b = site_outcomes(sim.run(before, seed=seed, base_dir=base))
        a = site_outcomes(sim.run(after, seed=seed, base_dir=base))
        draws_differ += any(b[z]["hit"] != a[z]["hit"] or b[z]["report"] != a[z]["report"] for z in b) \
            or set(a) != set(b)
        count = {"sites": len(b), "in_before": 0, "direct": 0, "reacting_gain": 0, "reacting_loss": 0}
        for z, zb in b.items():
            za = a[z]
            count["in_before"] += zb["first"] <= line
            moved += za["supplier"] not in added and za["first"] != zb["first"]
            if za["first"] <= line < zb["first"]:
                kind = "direct" if za["supplier"] in added else "reacting_gain"
                count[kind] += 1
                shifts["direct gain" if kind == "direct" else "reacting gain"].append(zb["first"] - za["first"])
            elif zb["first"] <= line < za["first"]:
                count["reacting_loss"] += 1
                shifts["reacting loss"].append(za["first"] - zb["first"])
                if za["supplier"] == zb["supplier"]:
                    same_depot_losses[za["supplier"]] = same_depot_losses.get(za["supplier"], 0) + 1
        per_run.append(count)
    sites = np.array([r["sites"] for r in per_run], float)
    share = np.array([r["in_before"] for r in per_run]) / sites
    direct = np.array([r["direct"] for r in per_run]) / sites
    reacting = np.array([r["reacting_gain"] - r["reacting_loss"] for r in per_run]) / sites
    gains = np.array([r["direct"] + r["reacting_gain"] for r in per_run]) / sites

    def factor(x, y):
        var_d = np.var(y - x, ddof=1)
        return float((np.var(x, ddof=1) + np.var(y, ddof=1)) / var_d) if var_d > 0 else None

    return {"pairs": pairs, "line_h": line_h, "added_depots": sorted(added), "draws_differ_in": int(draws_differ),
            "sites_mean": float(sites.mean()),
            "per_run": {k: [float(np.mean([r[k] for r in per_run])), float(np.std([r[k] for r in per_run], ddof=1))]
                        for k in ("direct", "reacting_gain", "reacting_loss")},
            "other_sites_moved_per_run": moved / pairs,
            "shift_min_p10_p50_p90": {k: np.percentile(v, [10, 50, 90]).tolist() for k, v in shifts.items() if v},
            "var_direct": float(np.var(direct, ddof=1)), "var_reacting": float(np.var(reacting, ddof=1)),
            "cov2": float(2 * np.cov(direct, reacting)[0, 1]),
            "factor": factor(share, share + direct + reacting),
            "factor_without_reacting": factor(share, share + direct),
            "factor_without_losses": factor(share, share + gains),
            "losses": int(sum(r["reacting_loss"] for r in per_run)),
            "losses_same_depot": dict(sorted(same_depot_losses.items(), key=lambda kv: -kv[1]))}


def print_flips(f: dict) -> None:
    print(f"\nSites crossing the {f['line_h']:g} h first-supplies line, before → after ({f['pairs']} pairs, "
          f"about {f['sites_mean']:.0f} sites a run; depots added or changed: "
          f"{', '.join(f['added_depots']) or 'none'})")
    print(f"  pairs whose hit or report times differ: {f['draws_differ_in']}")
    for k, label in (("direct", "gains supplied by an added or changed depot"),
                     ("reacting_gain", "gains, dispatch reacting"), ("reacting_loss", "losses, dispatch reacting")):
        mean, sd = f["per_run"][k]
        print(f"  {label}: {mean:.2f} ± {sd:.2f} sites a run")
    print("  sites not supplied by an added or changed depot whose first supply moved: "
          f"{f['other_sites_moved_per_run']:.1f} a run")
    for k, (p10, p50, p90) in f["shift_min_p10_p50_p90"].items():
        print(f"  {k}: moved {p50:.0f} min (p10 {p10:.0f}, p90 {p90:.0f})")
    print(f"  Var(change) = Var(direct) {f['var_direct']:.3g} + Var(reacting) {f['var_reacting']:.3g} "
          f"+ 2 Cov {f['cov2']:.3g}")
    def x(v):
        return "–" if v is None else f"{v:.2f}×"

    same = f["losses_same_depot"]
    print(f"  losses at the same depot as before: {sum(same.values())} of {f['losses']} "
          f"({', '.join(f'{k} {v}' for k, v in same.items())})")
    print(f"  factor of common random numbers {x(f['factor'])}; without the reacting flips "
          f"{x(f['factor_without_reacting'])}; without the losses {x(f['factor_without_losses'])}")


# ------------------------------------------------------------ printing
def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def print_tables(world: str, pairs: int, draws: int, table: list[dict], vrf: list[dict],
                 candidates: tuple[str, ...] = ()) -> None:
    print(f"Coverage of 95 % intervals ({world}: {pairs} pairs give the truth; {draws} subsets per n); "
          "lowest over the KPIs of each kind")
    print("| KPI kind | KPIs | " + " | ".join(f"n = {n} main | n = {n} now" for n in SIZES) + " |")
    print("|---|---:|" + "---:|---:|" * len(SIZES))
    for kind in dict.fromkeys(r["kind"] for r in table):
        cells = []
        for n in SIZES:
            entry = next((r for r in table if r["kind"] == kind and r["n"] == n), None)
            cells += [_pct(entry.get("main")) if entry else "–", _pct(entry.get("now")) if entry else "–"]
        count = max(r["kpis"] for r in table if r["kind"] == kind)
        print(f"| {kind} | {count} | " + " | ".join(cells) + " |")
    print("\nlowest (now):")
    for r in table:
        print(f"  {r['kind']}, n = {r['n']}: {_pct(r.get('now'))} {r.get('now_worst', '')}")
    for name in candidates:
        print(f"\nCandidate {name} (lowest coverage; median over the kind's KPIs of its mean width / now's)")
        print("| KPI kind | " + " | ".join(f"n = {n} now | n = {n} {name} | width" for n in SIZES) + " |")
        print("|---|" + "---:|---:|---:|" * len(SIZES))
        for kind in dict.fromkeys(r["kind"] for r in table):
            cells = []
            for n in SIZES:
                entry = next((r for r in table if r["kind"] == kind and r["n"] == n), None) or {}
                ratio = entry.get(f"{name}_width_vs_now")
                cells += [_pct(entry.get("now")), _pct(entry.get(name)), "–" if ratio is None else f"{ratio:.2f}×"]
            print(f"| {kind} | " + " | ".join(cells) + " |")
        for r in table:
            if name in r:
                print(f"  {r['kind']}, n = {r['n']}: {_pct(r.get(name))} {r.get(f'{name}_worst', '')}")
    print("\nVariance reduction of common random numbers: (Var before + Var after) / Var(after − before)")
    print("| KPI | before | after | all pairs | pairs both below 100 % |")
    print("|---|---:|---:|---|---|")
    for r in vrf:
        cells = []
        for label in ("all", "below_100"):
            if label not in r:
                cells.append("(not a share)")
            elif r[label] is None:
                cells.append(f"– ({r[f'{label}_pairs']} pairs)")
            else:
                cells.append(f"{r[label]:.1f}× [{r[f'{label}_low']:.1f}–{r[f'{label}_high']:.1f}] "
                             f"({r[f'{label}_pairs']} pairs)")
        print(f"| {r['kpi']} | {r['before_mean']:.4g} | {r['after_mean']:.4g} | " + " | ".join(cells) + " |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", choices=("baseline", "small"), default="baseline")
    parser.add_argument("--pool", type=int, default=1000, metavar="PAIRS", help="paired replications (1000)")
    parser.add_argument("--draws", type=int, default=1000, help="subsets per sample size (1000)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pool-dir", type=Path, metavar="DIR", help="keep the pool here (default: a temporary "
                        "folder); a rerun resumes it")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every figure to this JSON file")
    parser.add_argument("--flips", type=int, default=0, metavar="PAIRS",
                        help="also run this many pairs again and count the sites crossing the 3 h line (0)")
    parser.add_argument("--candidates", default="", metavar="NAMES",
                        help=f"comma-separated methods to weigh against now: {', '.join(CANDIDATES)}")
    args = parser.parse_args(argv)
    candidates = tuple(c for c in args.candidates.split(",") if c)
    unknown = [c for c in candidates if c not in CANDIDATES]
    if unknown:
        parser.error(f"--candidates {','.join(unknown)}: not a candidate ({', '.join(CANDIDATES)})")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coverage_") as tmp:
        folder = args.pool_dir or Path(tmp)
        b, a, name = run_pool(args.world, args.pool, args.workers, folder)
    pool_s = time.perf_counter() - started
    rows = coverage_study(b, a, args.draws, candidates=candidates)
    table = summary(rows, candidates)
    vrf = variance_reduction(b, a)
    print_tables(f"{args.world} ({name})", len(b), args.draws, table, vrf, candidates)
    flips = None
    if args.flips:
        with tempfile.TemporaryDirectory(prefix="flips_") as tmp:
            flips = flip_study(args.world, args.flips, Path(tmp))
        print_flips(flips)
    print(f"\npool {pool_s:.0f} s, study {time.perf_counter() - started - pool_s:.0f} s")
    if args.json:
        doc = {"world": args.world, "scenario": name, "pairs": len(b), "draws": args.draws, "sizes": SIZES,
               "summary": table, "coverage": rows, "variance_reduction": vrf, "flips": flips}
        args.json.write_text(json.dumps(doc, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
