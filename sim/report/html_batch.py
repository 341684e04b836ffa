"""``report.html`` of a batch (``sim batch``) or a comparison (``sim compare``).

Read from the results folder: ``results.parquet`` and ``batch.json`` for a
batch, with ``comparison.json`` for a comparison. Means and intervals are
the experiments' own (:func:`sim.experiments.results.kpi_table`, the
``kpis`` and ``verdicts`` of ``comparison.json``, and
:func:`sim.experiments.statistics.mean_ci` for the curve bands, through
:func:`sim.report.comparison.curve_band`); nothing is estimated here.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.kpis import HAZARD_KPIS, is_share
from sim.errors import InputError
from sim.experiments.results import BATCH_FILE, HEADLINE_KPIS, kpi_table, missing_runs, read_results
from sim.experiments.targets import met_chance
from sim.report import html_figures as hf
from sim.report.comparison import SIDE_COLORS, curve_band
from sim.report.html_page import Page, esc, figure_html, num, pct, table

__all__ = ["write_batch_report", "write_comparison_report", "batch_verdict_rows", "comparison_verdict_rows",
           "REPORT_FILE", "COMPARISON_FILE"]

REPORT_FILE = "report.html"
COMPARISON_FILE = "comparison.json"
_LINES = (("first supplies (any reserve tier)", "first_supplies", 3.0), ("basic relief", "relief", 8.0),
          ("basic relief", "relief", 12.0))


def _value(value, share: bool) -> dict:
    return {"text": pct(value) if share else num(value), "value": value, "cls": "n"}


def _change(value, share: bool) -> dict:
    if not (isinstance(value, (int, float)) and math.isfinite(value)):
        return {"text": "–", "value": None, "cls": "n"}
    return {"text": f"{100 * value:+.1f} points" if share else f"{value:+,.2f}", "value": value, "cls": "n"}


def _p(value) -> dict:
    if not (isinstance(value, (int, float)) and math.isfinite(value)):
        return {"text": "–", "value": None, "cls": "n"}
    return {"text": "< 0.001" if value < 0.001 else f"{value:.3f}", "value": value, "cls": "n"}


def _ci(low, high, share: bool) -> str:
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (low, high)):
        return "–"
    return f"{pct(low)} – {pct(high)}" if share else f"{num(low)} – {num(high)}"


def _change_ci(low, high, share: bool) -> str:
    """A change's interval, in points for a share (as the change itself is)."""
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (low, high)):
        return "–"
    return f"{100 * low:+.1f} – {100 * high:+.1f} points" if share else f"{low:+,.2f} – {high:+,.2f}"


def _curves(rows: pd.DataFrame, column: str) -> np.ndarray | None:
    lists = [np.asarray(v, float) for v in rows[column] if v is not None and len(v)]
    if not lists:
        return None
    n = min(len(v) for v in lists)
    return np.vstack([v[:n] for v in lists])


def _band_section(groups: list[tuple[str, pd.DataFrame]], step_h: float, colors=None) -> str:
    out = []
    for column, lines, title, ylabel in (
            ("curve_first_supplies", (3.0, 4.0, 6.0), "First supplies at each community (any reserve tier)",
             "share of the sites needing relief"),
            ("curve_relief", (8.0, 12.0), "Basic-living relief", "share of the people needing relief")):
        series = []
        for label, rows in groups:
            curves = _curves(rows, column) if column in rows else None
            if curves is not None:
                series.append((f"{label} (n = {curves.shape[0]})", *curve_band(curves)))
        if series:
            fig = hf.band_chart(series, step_h, lines, f"{title}: mean over replications with 95 % bands", ylabel,
                                **({"colors": colors} if colors else {}))
            out.append(figure_html(fig, column.replace("_", "-")))
    return "\n".join(out) or "<p>No successful replication.</p>"


def batch_verdict_rows(table_df: pd.DataFrame, df: pd.DataFrame) -> list[list]:
    """Per variant and planning line: mean share [95 % CI] and in how many runs 100 % was reached."""
    rows = []
    ok = df[df["status"] == "ok"]
    for variant, group in table_df.groupby("variant", sort=False):
        by_kpi = group.set_index("kpi")
        for words, section, hours in _LINES:
            column = f"{section}_within_{hours:g}h"
            if column not in by_kpi.index:
                continue
            r = by_kpi.loc[column]
            values = ok.loc[ok["variant"] == variant, column].to_numpy(float)
            met = int((values >= 1.0).sum())
            rows.append([variant, words, f"{hours:g} h", _value(r["mean"], True), _ci(r["ci_low"], r["ci_high"], True),
                         {"text": f"{met} of {len(values)}", "value": met,
                          "cls": "met" if len(values) and met == len(values) else "notmet"}])
    return rows


#: The columns of a batch's KPI tables: the interval's method beside it (``t``, ``t+bca``, ``bound``,
#: ``t+bca+bound``, ``point-no-range``: see the README's Statistics).
_KPI_HEADER = ["variant", "KPI", "mean", "95 % CI", "interval method", "min", "max", "n"]


def _kpi_rows(table_df: pd.DataFrame, kpis) -> list[list]:
    rows = []
    for r in table_df[table_df["kpi"].isin(list(kpis))].itertuples(index=False):
        share = is_share(r.kpi)
        rows.append([r.variant, r.kpi, _value(r.mean, share), _ci(r.ci_low, r.ci_high, share), r.method,
                     _value(r.min, share), _value(r.max, share), r.n])
    return rows


_METHOD_NOTE = ("<p class=\"note\">Interval methods: <code>t</code> Student t; <code>t+bca</code> its union with "
                "the expanded BCa bootstrap; <code>bound</code> a KPI with the same value in every run (or pair): "
                "what n runs can rule out over its natural range, the one-sided Clopper–Pearson bound on how often "
                "it differs; <code>t+bca+bound</code> a KPI that moves in one run, the interval joined to that bound; "
                "<code>point-no-range</code> the same value in every run and no known range: no coverage claimed. "
                "Below 5 runs, t alone for a KPI that moves. See the README's Statistics.</p>")


def _sweep_text(axis) -> str:
    """``depots[0].trucks.count = 10, 20``: one axis of a sweep as ``batch.json`` records it."""
    if isinstance(axis, dict) and "path" in axis:
        return f"{axis['path']} = {', '.join(map(str, axis.get('values') or []))}"
    return str(axis)


def _scenario_text(path: str | None) -> str:
    if not path or not Path(path).is_file():
        return "<p>The scenario file is no longer where the batch found it.</p>"
    return (f"<p class=\"note\">{esc(path)}</p><details><summary>Show the scenario</summary><pre>"
            + esc(Path(path).read_text(encoding="utf-8")) + "</pre></details>")


def _batch_doc(folder: Path) -> dict:
    from sim.experiments.folder_docs import BatchRecord, read_json_doc

    path = folder / BATCH_FILE
    return read_json_doc(path, BatchRecord, "rerun the batch into a new folder") if path.exists() else {}


def write_batch_report(folder: Path | str, path: Path | str | None = None) -> Path:
    """Write ``report.html`` of the batch in ``folder`` (or to ``path``); returns its path."""
    folder = Path(folder)
    df = read_results(folder)
    doc = _batch_doc(folder)
    table_df = kpi_table(df)
    step_h = float(doc.get("curve_step_h", 0.25))
    variants = list(dict.fromkeys(df["variant"]))
    failed = int((df["status"] != "ok").sum())
    incomplete = missing_runs(folder, df)
    page = Page(f"Batch: {doc.get('scenario', folder.name)}",
                [f"{len(variants)} variant(s) × {doc.get('replications', df['replication'].nunique())} replications on "
                 f"common random numbers (seed {doc.get('seed', '–')}); {len(df):,} runs held; {failed} failed; code "
                 f"{doc.get('code', {}).get('version', '–')} {doc.get('code', {}).get('git_commit', '') or ''}",
                 "Sweep: " + ("; ".join(map(_sweep_text, doc.get("sweep") or [])) or "none"),
                 *([f"Warning: {incomplete}"] if incomplete else [])])
    page.section("verdict", "Planning lines per variant",
                 table(["variant", "target", "within", "mean share", "95 % CI", "runs with 100 %"],
                       batch_verdict_rows(table_df, df), table_id="verdicts")
                 + "<p class=\"note\">A target is met in a run only if 100 % of the sites (supplies) or people "
                   "(relief) make it.</p>")
    headline = [*HEADLINE_KPIS, *HAZARD_KPIS]
    page.section("kpis", "Key figures per variant",
                 table(_KPI_HEADER, _kpi_rows(table_df, headline), table_id="key-figures") + _METHOD_NOTE)
    page.section("curves", "Coverage over time",
                 _band_section([(v, df[(df["variant"] == v) & (df["status"] == "ok")]) for v in variants], step_h))
    page.section("all", "Every KPI", "<details><summary>Show all KPI columns</summary>"
                 + table(_KPI_HEADER, _kpi_rows(table_df, table_df["kpi"].unique()), table_id="all-kpis")
                 + _METHOD_NOTE + "</details>")
    variants_doc = doc.get("variants") or []
    page.section("scenario", "The scenario as run",
                 table(["variant", "values"], [[v.get("name"), json.dumps(v.get("values"))] for v in variants_doc])
                 + _scenario_text(doc.get("scenario_file")))
    return page.write(Path(path) if path is not None else folder / REPORT_FILE)


def comparison_verdict_rows(comparison: dict) -> list[list]:
    """One row per planning line of ``comparison.json``: before, after, change, p, runs with 100 %."""
    rows = []
    for v in comparison.get("verdicts", []):
        rows.append([v["target"].replace("_", " ") + ("" if v.get("planning_target") else " (line)"),
                     f"{v['within_h']:g} h", _value(v["before_mean"], True), _value(v["after_mean"], True),
                     _change(v.get("diff_mean"), True), _p(v.get("p_value_t")),
                     {"text": f"{v['runs_meeting_target_after']} / {v['runs_meeting_target_before']}",
                      "value": v["runs_meeting_target_after"], "cls": "n"},
                     " / ".join(met_chance(v[side]) if isinstance(v.get(side), dict) else "–"
                                for side in ("chance_met_after", "chance_met_before")),
                     v.get("text", "") + "; " + v.get("detail", "")])
    return rows


def _comparison_kpi_rows(comparison: dict, kpis=None) -> list[list]:
    rows = []
    for k in comparison.get("kpis", []):
        if kpis is not None and k["kpi"] not in kpis:
            continue
        share = bool(k.get("share")) or is_share(k["kpi"])
        # A comparison.json from before each side had its method: its mean_method was the after side's.
        methods = " / ".join(str(k.get(m) or "–") for m in ("before_method", "after_method", "diff_method")) \
            if "after_method" in k else f"– / {k.get('mean_method') or '–'} / {k.get('diff_method') or '–'}"
        rows.append([k["kpi"], _value(k["before_mean"], share), _ci(k["before_ci_low"], k["before_ci_high"], share),
                     _value(k["after_mean"], share), _ci(k["after_ci_low"], k["after_ci_high"], share),
                     _change(k["diff_mean"], share), _change_ci(k["diff_ci_low"], k["diff_ci_high"], share),
                     methods, _p(k.get("p_value_t")), k.get("n_pairs")])
    return rows


def write_comparison_report(folder: Path | str, path: Path | str | None = None) -> Path:
    """Write ``report.html`` of the comparison in ``folder`` (or to ``path``); returns its path."""
    folder = Path(folder)
    source = folder / COMPARISON_FILE
    if not source.exists():
        raise InputError(f"{folder}: holds no comparison (no {COMPARISON_FILE}); run 'sim compare' first")
    from sim.experiments.folder_docs import ComparisonRecord, read_json_doc

    comparison = read_json_doc(source, ComparisonRecord, "run the comparison again (sim compare)")
    df = read_results(folder)
    doc = _batch_doc(folder)
    before, after = comparison["baseline"], comparison["variant"]
    page = Page(f"Before / after: {after['name']} vs {before['name']}",
                [f"{comparison['pairs']} paired replications (common random numbers) of {comparison['replications']}; "
                 f"before: {before.get('file', '')}; after: {after.get('kind', '')} {after.get('file', '')}",
                 *(f"Note: {note}" for note in comparison.get("notes", []) if isinstance(note, str))])
    page.section("verdict", "Verdict per planning line",
                 table(["target", "within", "before", "after", "change", "p (paired t)",
                        "runs with 100 % after / before", "chance it is met after / before [95 % CI]", "in words"],
                       comparison_verdict_rows(comparison), table_id="verdicts"))
    header = ["KPI", "before", "95 % CI", "after", "95 % CI", "change", "95 % CI",
              "interval methods (before / after / change)", "p (paired t)", "pairs"]
    page.section("kpis", "Key figures", table(header, _comparison_kpi_rows(comparison, [*HEADLINE_KPIS, *HAZARD_KPIS]),
                                               table_id="key-figures") + _METHOD_NOTE)
    ok = df[df["status"] == "ok"]
    common = set(ok.loc[ok["variant"] == "before", "replication"]) & set(ok.loc[ok["variant"] == "after", "replication"])
    paired = ok[ok["replication"].isin(common)]
    page.section("curves", "Coverage over time, before and after",
                 _band_section([(f"{side}: {info['name']}", paired[paired["variant"] == side])
                                for side, info in (("before", before), ("after", after))],
                               float(doc.get("curve_step_h", 0.25)), colors=(SIDE_COLORS["before"], SIDE_COLORS["after"])))
    page.section("all", "Every KPI", "<details><summary>Show all KPIs</summary>"
                 + table(header, _comparison_kpi_rows(comparison), table_id="all-kpis") + _METHOD_NOTE
                 + "</details>")
    page.section("scenario", "The scenarios as run", _scenario_text(before.get("file"))
                 + (_scenario_text(after.get("file")) if after.get("file") != before.get("file") else ""))
    return page.write(Path(path) if path is not None else folder / REPORT_FILE)

