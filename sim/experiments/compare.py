"""Paired before/after comparisons: what an investment buys, with its uncertainty.

A capability assessor asks: with a new depot (pre-positioned stock, more
teams, satellite phones), do the first district supplies reach the affected
sites within 3 h, and the affected people get relief within 8 h and 12 h —
and how sure are we? :func:`compare` runs ``replications`` of the baseline
("before") and of the variant ("after") as one batch (:mod:`sim.experiments.batch`), so
replication *i* of both uses the same seed: the same hazard, the same hit
zones, the same reporting delays (common random numbers). The comparison is
therefore **paired** by replication:

* for every KPI: the mean before and after with their 95 % confidence
  intervals, the mean paired difference (after − before) with its 95 %
  interval, and the paired t-test p-value (``scipy.stats.ttest_rel``); for
  shares also the Wilcoxon signed-rank p-value. The intervals are those of
  :mod:`sim.experiments.statistics` (Student t for continuous KPIs; for shares
  the union of t and an expanded BCa bootstrap, and a Clopper–Pearson bound
  where a share does not vary), chosen by measured coverage;
* a verdict per planning line — the scenario's targets and the 3 h supply and
  8 h / 12 h relief lines — such as ``after: first supplies within 3 h at 94 %
  of sites [92–96 %], before 71 % [68–74 %]``, the change with its interval
  and what it says (a gain, a loss, or no clear change), and the chance the
  line is met in a run before and after, with its interval
  (:mod:`sim.experiments.targets`);
* ``comparison.json``, ``comparison.csv`` (one row per KPI) and
  ``comparison.png`` (coverage and relief curves with 95 % bands) next to the
  batch's files (``batch.json``, ``results.parquet``, ``runs/``), so an
  interrupted comparison resumes with ``--resume``.

Only pairs where both runs succeeded are compared.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.curves import CURVE_STEP_H
from sim.analysis.kpis import is_share, kpi_range
from sim.analysis.metrics import RELIEF_LINES_H
from sim.errors import InputError
from sim.experiments.results import BATCH_FILE, kpi_columns, read_results
from sim.experiments.statistics import paired_statistics, small_sample_note, target_met
from sim.experiments.targets import SECTIONS, line_column, met_sentence, planning_lines, targets_hours
from sim.experiments.sweep import Variant
from sim.files import atomic_write

__all__ = ["compare", "Comparison", "planning_verdicts", "format_verdicts",
           "load_variant", "BEFORE", "AFTER"]

BEFORE, AFTER = "before", "after"


@dataclass
class Comparison:
    """A finished comparison: the statistics, the verdicts and where they were written."""

    out_dir: Path
    baseline: dict
    variant: dict
    replications: int
    pairs: int
    kpis: list[dict]
    verdicts: list[dict]
    failed: list[dict] = field(default_factory=list)
    baseline_arg: str = ""
    curves_before: dict = field(default_factory=dict)     # curve column -> array [pairs, grid]
    curves_after: dict = field(default_factory=dict)
    curve_step_h: float = CURVE_STEP_H
    supply_lines_h: list = field(default_factory=list)
    relief_lines_h: list = field(default_factory=list)
    precision: object = None                               # a PrecisionResult with --precision
    #: Where the variant differs from the baseline in the disaster, the world or the
    #: targets rather than in resources (:func:`world_differences`).
    notes: list = field(default_factory=list)

    def failure_lines(self) -> list[str]:
        if not self.failed:
            return []
        lines = [f"{len(self.failed)} of {2 * self.replications} runs failed (left out of the pairs):"]
        for f in self.failed:
            lines.append(f"  {f['variant']}, replication {f['replication']} (seed {f['seed']}): {f['error']}")
        lines.append("rerun one alone to see the full error: sim run SCENARIO --seed SEED "
                     f"(e.g. sim run {self.baseline_arg} --seed {self.failed[0]['seed']})")
        return lines


# ------------------------------------------------------------ what to compare
def load_variant(baseline_path: Path, variant_path: Path | None):
    """(before, after, description of the variant) for ``sim compare BASELINE [VARIANT]``."""
    from sim.scenarios import load_scenario
    from sim.scenarios.interventions import apply_interventions
    from sim.scenarios.overlays import is_overlay_file, load_overlay

    baseline = load_scenario(baseline_path)
    if variant_path is None:
        if not baseline.interventions:
            raise InputError(f"{baseline_path}: has no interventions to compare against; give a VARIANT "
                             "scenario file or an overlay file with an 'interventions:' list")
        before = baseline.model_copy(deep=True)
        before.interventions = []
        after = apply_interventions(baseline)
        return before, after, {"kind": "own interventions", "file": str(baseline_path),
                               "base_dir": baseline_path.parent}
    if is_overlay_file(variant_path):
        from functools import partial

        from sim.world.places import world_findings

        _, after = load_overlay(variant_path, baseline, partial(world_findings, base_dir=baseline_path.parent))
        return baseline, after, {"kind": "overlay", "file": str(variant_path), "base_dir": baseline_path.parent}
    after = load_scenario(variant_path)
    return baseline, after, {"kind": "scenario", "file": str(variant_path), "base_dir": variant_path.parent}


#: Settings that make the disaster, the world and how a run is judged — not resources an
#: investment buys. A variant that changes them compares two different worlds: replication
#: *i* of both shares its seed, not its disaster.
WORLD_SECTIONS = {"region": "the region", "duration": "the run's length", "hazard": "the hazard",
                  "impact": "the impact", "outages": "the outages", "needs": "the needs model",
                  "season": "the season", "item_weights_kg": "the items' weights", "targets": "the targets"}
#: Hazard settings an investment or the response changes, not the disaster: a seismic retrofit of
#: bridges, a larger sewer network, an earlier warning, a better forecast, pre-positioning, pumps,
#: acting on the rapid intensity report, road crews, engineers and corridors (dotted: a field of a
#: hazard setting).
INVESTMENT_HAZARD_FIELDS = ("bridge_fragility_factor", "segment_fragility_factor", "drainage_mm_per_h",
                            "warning_lead", "forecast", "prepositioning", "pumping_sites", "intensity_report",
                            "road_clearing.road_crew_m3_per_h", "road_clearing.army_crew_m3_per_h",
                            "road_clearing.engineers", "road_clearing.corridors")


def world_differences(before, after, before_dir: Path | str, after_dir: Path | str,
                      region_hashes: tuple[dict, dict] | None = None) -> list[str]:
    """One note per world setting (:data:`WORLD_SECTIONS`) in which ``after`` differs from
    ``before``, naming the differing fields: the comparison's change is then not only what
    resources buy. A region is compared by its files' contents (SHA-256, ``region_hashes``
    as the batch recorded them, else read here), not their paths."""
    from sim.experiments.batch_identity import region_files_sha256

    if region_hashes is None:
        region_hashes = (region_files_sha256(before.region, before_dir),
                         region_files_sha256(after.region, after_dir))
    notes = []
    for section, words in WORLD_SECTIONS.items():
        b, a = (getattr(s, section) for s in (before, after))
        b, a = (v.model_dump(mode="json") if hasattr(v, "model_dump") else v for v in (b, a))
        if section == "region":
            b, a = _with_file_hashes(b, region_hashes[0]), _with_file_hashes(a, region_hashes[1])
        elif section == "hazard" and b.get("type") == a.get("type"):
            b, a = (_without_fields(d, INVESTMENT_HAZARD_FIELDS) for d in (b, a))
        elif section == "targets":             # a preset's name is its times: compare the times
            b, a = ({k: v for k, v in d.items() if k != "preset"} for d in (b, a))
        if b == a:
            continue
        fields = _differing_fields(b, a)
        shown = ", ".join(fields[:4]) + (f" and {len(fields) - 4} more" if len(fields) > 4 else "")
        tail = ("the verdicts judge both sides by the baseline's targets" if section == "targets" else
                "the pairs share their seeds, not one world, so the change is the two worlds' as well "
                "as any resources'")
        notes.append(f"the variant changes {words} ({shown}): {tail}")
    return notes


def _without_fields(doc: dict, fields) -> dict:
    """``doc`` without the (dotted) ``fields``."""
    out = dict(doc)
    for path in fields:
        head, _, rest = path.partition(".")
        if not rest:
            out.pop(head, None)
        elif isinstance(out.get(head), dict):
            out[head] = _without_fields(out[head], [rest])
    return out


def _with_file_hashes(region: dict, hashes: dict[str, str]) -> dict:
    def swap(value):
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return hashes.get(value, value) if isinstance(value, str) else value
    return swap(region)


def _differing_fields(before, after, prefix: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in [*before, *(k for k in after if k not in before)]:
            if before.get(key) != after.get(key):
                out += _differing_fields(before.get(key), after.get(key), f"{prefix}{key}.")
        return out
    return [prefix.rstrip(".") or "its value"]


# ------------------------------------------------------------ statistics
def _p_text(p) -> str:
    if p is None or not math.isfinite(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _none(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def _pairs(df: pd.DataFrame) -> pd.DataFrame:
    ok = df[df["status"] == "ok"]
    before = ok[ok["variant"] == BEFORE].set_index("replication")
    after = ok[ok["variant"] == AFTER].set_index("replication")
    common = before.index.intersection(after.index).sort_values()
    return before.loc[common], after.loc[common]


def kpi_statistics(before: pd.DataFrame, after: pd.DataFrame) -> list[dict]:
    kpis = [k for k in kpi_columns(before) if k in after.columns]
    both = pd.concat([before, after])
    return [{"kpi": k, "share": is_share(k), **paired_statistics(before[k].to_numpy(float), after[k].to_numpy(float),
                                                                share=is_share(k), value_range=kpi_range(k, both))}
            for k in kpis]


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def _pct(x) -> str:
    """A share in whole percent, with a decimal where whole percent would read 0 or 100 but the
    share is not (99.8 % is not 100 %)."""
    if x is None or not math.isfinite(x):
        return "–"
    whole = f"{100 * x:.0f}"
    return f"{100 * x:.1f}" if whole in ("0", "100") and 0.0 < x < 1.0 else whole


def _reading(s: dict) -> str:
    """What the paired interval says about the change."""
    low, high = s["diff_ci_low"], s["diff_ci_high"]
    if not (math.isfinite(low) and math.isfinite(high)):
        return "too few pairs for an interval"
    if s["diff_method"] == "bound":
        return f"the same in all {s['n_pairs']} pairs; the interval is what {s['n_pairs']} pairs can rule out"
    if low > 0:
        return "a gain"
    if high < 0:
        return "a loss"
    return "no clear change"


def planning_verdicts(stats_by_kpi: dict[str, dict], targets, before: pd.DataFrame,
                      after: pd.DataFrame) -> list[dict]:
    """One verdict per planning line (scenario targets, then the 3 h / 8 h / 12 h lines)."""
    verdicts = []
    for target, hours, is_target in planning_lines(targets_hours(targets)):
        _, words, unit = SECTIONS[target]
        column = line_column(target, hours)
        s = stats_by_kpi.get(column)
        if s is None:
            continue
        met_b = target_met(before[column].to_numpy(float))
        met_a = target_met(after[column].to_numpy(float))
        if not _finite(s["before_mean"]) and not _finite(s["after_mean"]):
            text = (f"{words} within {hours:g} h: nothing to judge on either side (no run has {unit.removeprefix('of ')}"
                    " to judge it by)")
            change = "no change to judge"
        else:
            text = (f"after: {words} within {hours:g} h at {_pct(s['after_mean'])} % {unit} "
                    f"[{_pct(s['after_ci_low'])}–{_pct(s['after_ci_high'])} %], before {_pct(s['before_mean'])} % "
                    f"[{_pct(s['before_ci_low'])}–{_pct(s['before_ci_high'])} %]")
            change = (f"change {100 * s['diff_mean']:+.1f} points [{100 * s['diff_ci_low']:+.1f}, "
                      f"{100 * s['diff_ci_high']:+.1f}]: {_reading(s)}" if _finite(s["diff_ci_low"]) else
                      f"change {100 * s['diff_mean']:+.1f} points" if _finite(s["diff_mean"]) else
                      "no change to judge: one side has nothing to judge")
        met_lines = [f"after: {met_sentence(target, hours, met_a)}",
                     f"before: {met_sentence(target, hours, met_b)}"]
        verdicts.append({"target": target, "within_h": hours, "planning_target": is_target, "kpi": column,
                         "before_mean": s["before_mean"], "after_mean": s["after_mean"],
                         "diff_mean": s["diff_mean"], "diff_ci_low": s["diff_ci_low"],
                         "diff_ci_high": s["diff_ci_high"], "p_value_t": s["p_value_t"],
                         "runs_meeting_target_before": met_b["met"], "runs_meeting_target_after": met_a["met"],
                         "chance_met_before": met_b, "chance_met_after": met_a,
                         "text": text, "detail": change, "met": met_lines})
    return verdicts


def format_verdicts(comparison: Comparison) -> list[str]:
    """The console lines of a comparison."""
    note = small_sample_note(comparison.pairs)
    lines = [f"{comparison.variant['name']} vs {comparison.baseline['name']}: {comparison.pairs} paired "
             f"replications" + (f" ({note})" if note else "")]
    lines += [f"  note: {n}" for n in comparison.notes]
    for v in comparison.verdicts:
        mark = "target" if v["planning_target"] else "line"
        lines.append(f"  [{mark}] {v['text']}")
        lines.append(f"           {v['detail']}")
        for met in v["met"]:
            lines.append(f"           {met}")
    if comparison.precision is not None:
        from sim.experiments.precision import format_precision

        lines.append(f"  {format_precision(comparison.precision)}")
    others = [name for name in ("comparison.csv", "comparison.png", "report.html")
              if (comparison.out_dir / name).exists()]
    lines.append(f"  written: {', '.join([str(comparison.out_dir / 'comparison.json'), *others])}")
    return lines


# ------------------------------------------------------------ the command
def compare(baseline_path: Path | str, variant_path: Path | str | None = None, *, replications: int = 20,
            workers: int | None = None, scheduler: str | None = None, out_dir: Path | str | None = None,
            resume: bool = False, progress: bool = False, plotter=None, precision: float | None = None,
            max_replications: int | None = None) -> Comparison:
    """Run the paired batch of ``baseline_path`` before/after and write the comparison.

    ``variant_path`` is a scenario file, an overlay file (only an
    ``interventions:`` list, applied to the baseline), or ``None`` (the
    baseline's own interventions, against the baseline without them). Both
    sides run with the baseline's replication seeds. ``plotter`` (e.g.
    :func:`sim.report.comparison.write_comparison_plot`) draws the comparison's
    plots and returns their file names, listed in ``comparison.json``.
    With ``precision``, ``replications`` is the first round and pairs are added
    in rounds until the paired differences of the headline KPIs are that
    precise (:mod:`sim.experiments.precision`), up to ``max_replications``.
    """
    from sim.experiments import precision as rounds
    from sim.experiments.batch import run_batch

    if precision is not None:
        rounds.check_precision(precision, replications, max_replications or rounds.DEFAULT_MAX)
    if replications < 2:
        raise InputError(f"--replications {replications}: a comparison's intervals need at least 2 pairs")
    baseline_path = Path(baseline_path)
    variant_path = None if variant_path is None else Path(variant_path)
    before, after, about = load_variant(baseline_path, variant_path)
    if out_dir is None:
        tail = variant_path.stem if variant_path is not None else "interventions"
        out_dir = Path("out") / f"{baseline_path.stem}-vs-{tail}"
    out_dir = Path(out_dir)
    variants = [Variant(BEFORE, {"scenario": str(baseline_path)}, before, baseline_path.parent.resolve()),
                Variant(AFTER, {about["kind"]: about["file"]}, after, Path(about["base_dir"]).resolve())]
    batches = []

    def run_round(n: int, again: bool) -> None:
        batches.append(run_batch(before, replications=n, variants=variants, out_dir=out_dir, workers=workers,
                                 scheduler=scheduler, resume=again, base_dir=baseline_path.parent,
                                 scenario_file=str(baseline_path), progress=progress))

    precise = None
    if precision is None:
        run_round(replications, resume)
    else:
        headline = rounds.precision_kpis(targets_hours(before.targets))
        precise = rounds.run_until_precise(run_round, lambda: _difference_intervals(out_dir, headline),
                                           precision=precision, initial=replications,
                                           max_replications=max_replications or rounds.DEFAULT_MAX,
                                           resume=resume, out_dir=out_dir)
        replications = precise.replications
    batch = batches[-1]
    df = read_results(out_dir)
    b, a = _pairs(df)
    kpis = kpi_statistics(b, a)
    verdicts = planning_verdicts({k["kpi"]: k for k in kpis}, before.targets, b, a)
    comparison = Comparison(
        out_dir=out_dir, replications=replications, pairs=len(b), kpis=kpis, verdicts=verdicts, precision=precise,
        failed=batch.failed, baseline_arg=str(baseline_path),
        baseline={"name": before.name, "file": str(baseline_path)},
        variant={"name": after.name if about["kind"] == "scenario" else f"{before.name} + {about['kind']}",
                 "kind": about["kind"], "file": about["file"]})
    recorded = {v["name"]: v.get("region_files") for v in json.loads((out_dir / BATCH_FILE).read_text())["variants"]}
    hashes = (recorded[BEFORE], recorded[AFTER]) if all(recorded.get(k) is not None for k in (BEFORE, AFTER)) else None
    comparison.notes = world_differences(before, after, baseline_path.parent, about["base_dir"], hashes)
    if len(b):
        comparison.curves_before, comparison.curves_after = _curves(b), _curves(a)
    comparison.supply_lines_h = sorted({3.0, *(m / 60 for m in before.targets.district_supplies)})
    comparison.relief_lines_h = sorted({*RELIEF_LINES_H, *(m / 60 for m in before.targets.basic_relief)})
    plots = plotter(comparison) if plotter is not None else []
    _write(comparison, plots)
    return comparison


def _difference_intervals(out_dir: Path, kpis: list[str]) -> dict:
    """The paired-difference interval of each headline KPI, with its parts (what a comparison's
    precision judges): the interval :func:`paired_statistics` reports."""
    from sim.experiments.statistics import difference_parts

    b, a = _pairs(read_results(out_dir))
    out = {}
    for kpi in kpis:
        if kpi in b.columns and kpi in a.columns:
            out[f"change in {kpi}"] = difference_parts(b[kpi].to_numpy(float), a[kpi].to_numpy(float),
                                                       share=is_share(kpi),
                                                       value_range=kpi_range(kpi, pd.concat([b, a])))
    return out


def _curves(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    out = {}
    for column in ("curve_first_supplies", "curve_relief"):
        lists = [np.asarray(v, float) for v in rows[column]]
        n = min(len(v) for v in lists)
        out[column] = np.vstack([v[:n] for v in lists])
    return out


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return _none(float(value))
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, Path):
        return str(value)
    return value


def _write(comparison: Comparison, plots: list[str]) -> None:
    out = comparison.out_dir
    doc = {"baseline": comparison.baseline, "variant": comparison.variant,
           "replications": comparison.replications, "pairs": comparison.pairs,
           "seeds": "common random numbers: replication i of both uses the seed in batch.json",
           "verdicts": comparison.verdicts, "kpis": comparison.kpis, "failed": comparison.failed,
           "plots": plots, "batch": "batch.json", "results": "results.parquet",
           "notes": [note for note in [small_sample_note(comparison.pairs)] if note] + comparison.notes}
    if comparison.precision is not None:
        doc["precision"] = "precision.json"
    with atomic_write(out / "comparison.json") as tmp:
        tmp.write_text(json.dumps(_clean(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    with atomic_write(out / "comparison.csv") as tmp:
        _csv_frame(comparison.kpis).to_csv(tmp, index=False, float_format="%.6g")


def _csv_frame(kpis: list[dict]) -> pd.DataFrame:
    """The rows of ``comparison.csv``: one per KPI, each interval's method next to it
    (``before_method``, ``after_method``, ``diff_method``: the sides' own, as one side may vary
    while the other does not)."""
    frame = pd.DataFrame(kpis)
    columns = list(frame.columns)
    for side in ("before", "after", "diff"):
        method, high = f"{side}_method", f"{side}_ci_high"
        if method in columns and high in columns:
            columns.remove(method)
            columns.insert(columns.index(high) + 1, method)
    return frame[columns]
