"""A batch's results folder, and its KPI table.

The folder ``sim batch`` and ``sim compare`` write::

    OUT/
      batch.json                 what ran: scenario and its hash, sweep, seeds, code version, times
      results.parquet            every replication's row, sorted by variant (sweep order), replication
      runs/v000/r00000.parquet   one row per (variant, replication), written atomically
      runs/v000/r00001.parquet
      ...

A row holds ``variant``, ``variant_values`` (JSON of the swept values),
``replication``, ``seed``, ``status`` (``ok`` or ``error``), ``error`` (the
error of a failed replication), ``wall_s`` (the run's own wall time, s), the
KPI columns of :mod:`sim.analysis.kpis` and the curve columns ``curve_*``.

:func:`kpi_table` summarises a results table per variant and KPI: how many
replications succeeded, the mean with its 95 % confidence interval (from
:mod:`sim.experiments.statistics`), min and max; :func:`results_tables` adds
the chance each target line is met (:mod:`sim.experiments.targets`), and
:func:`format_results` prints both as aligned text, CSV, JSON or Markdown —
the headline KPIs first (:data:`HEADLINE_KPIS`), shares as percentages.
:func:`read_results` reads a folder's ``results.parquet``, or — for a batch
that was interrupted — whatever complete per-replication files it holds.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.kpis import is_share, kpi_range
from sim.errors import InputError
from sim.experiments.statistics import mean_interval, small_sample_note

__all__ = ["read_results", "kpi_columns", "ordered_kpis", "unit_of", "kpi_table", "results_tables",
           "batch_targets", "batch_variant_targets", "missing_runs", "format_results", "format_kpi_table", "replication_path", "IDENTITY_COLUMNS",
           "WALL_COLUMNS", "BATCH_FILE", "RESULTS_FILE", "RUNS_DIR", "FORMATS", "HEADLINE_KPIS", "TABLE_COLUMNS"]

#: How a time the preset sets no target for (the 12 h relief line of tongzhou-2030) is marked.
_LINE = " (a reference line, not a target)"

BATCH_FILE = "batch.json"
RESULTS_FILE = "results.parquet"
RUNS_DIR = "runs"
#: Columns every row has, in this order, before the KPI columns.
IDENTITY_COLUMNS = ("variant", "variant_values", "replication", "seed", "status", "error", "wall_s")
#: Columns that differ between two runs of the same batch (timings).
WALL_COLUMNS = ("wall_s",)
FORMATS = ("table", "csv", "json", "markdown")
#: The KPIs the console shows after a batch.
HEADLINE_KPIS = ("first_supplies_within_3h", "first_supplies_p50_h", "relief_within_8h", "relief_within_12h",
                 "truck_utilisation")

#: Columns of :func:`kpi_table`.
TABLE_COLUMNS = ("variant", "kpi", "unit", "n", "failed", "mean", "ci_low", "ci_high", "min", "max", "method")

_REPLICATION_FILE = re.compile(r"^r(\d{5,})\.parquet$")


def replication_path(out_dir: Path | str, variant_index: int, replication: int) -> Path:
    """Where the row of replication ``replication`` of variant ``variant_index`` is kept."""
    return Path(out_dir) / RUNS_DIR / f"v{variant_index:03d}" / f"r{replication:05d}.parquet"


def _replication_files(folder: Path) -> list[Path]:
    files = []
    for variant_dir in sorted((folder / RUNS_DIR).glob("v[0-9][0-9][0-9]")):
        files.extend(sorted(p for p in variant_dir.iterdir() if _REPLICATION_FILE.match(p.name)))
    return files


def read_results(folder: Path | str) -> pd.DataFrame:
    """The rows of a results folder (``results.parquet``, else its complete replication files)."""
    folder = Path(folder)
    if not folder.is_dir():
        what = "a file, not a folder" if folder.exists() else "no such folder"
        raise InputError(f"{folder}: {what}; give the --out folder of a sim batch or sim compare")
    path = folder / RESULTS_FILE
    if path.exists():
        if not path.is_file():
            raise InputError(f"{path}: not a file; rerun the batch with --resume")
        try:
            df = pd.read_parquet(path)
        except Exception as error:  # noqa: BLE001 - any unreadable file is the same user problem
            raise InputError(f"{path}: cannot read it ({error}); rerun the batch with --resume") from None
        _check_rows(df, path)
        return df
    frames = []
    for file in _replication_files(folder):
        try:
            frames.append(pd.read_parquet(file))
        except Exception:  # noqa: BLE001 - a damaged file is left out, as --resume would
            continue
    if not frames:
        raise InputError(f"{folder}: holds no results; run 'sim batch SCENARIO --out {folder}' first")
    order = _variant_order(folder)
    df = pd.concat(frames, ignore_index=True)
    df["_order"] = df["variant"].map(order).fillna(len(order))
    return df.sort_values(["_order", "replication"], kind="stable").drop(columns="_order").reset_index(drop=True)


def _check_rows(df: pd.DataFrame, path: Path) -> None:
    """Refuse a results table that is not as a batch writes it: the identity columns
    readers group by, KPI columns of numbers, curves as lists of numbers."""
    remedy = "not as sim writes it: rerun the batch with --resume (after removing it)"
    missing = [c for c in ("variant", "replication", "seed", "status") if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; {remedy}")
    if df.empty:
        raise InputError(f"{path}: holds no rows (a batch writes one per replication); {remedy}")
    for column in df.columns:
        if column in IDENTITY_COLUMNS:
            continue
        if column.startswith("curve_"):
            bad = next((v for v in df[column] if v is not None and not _numbers(v)), None)
            if bad is not None:
                raise InputError(f"{path}: column {column} should hold lists of numbers; {remedy}")
        elif not (pd.api.types.is_numeric_dtype(df[column]) or df[column].isna().all()):
            raise InputError(f"{path}: column {column} should hold numbers; {remedy}")


def _numbers(value) -> bool:
    try:
        return np.asarray(value, dtype=float).ndim == 1
    except (TypeError, ValueError):
        return False


def _batch_record(folder: Path) -> dict | None:
    """``batch.json`` of ``folder`` (checked: :class:`~sim.experiments.folder_docs.BatchRecord`), if any."""
    from sim.experiments.folder_docs import BatchRecord, read_json_doc

    path = folder / BATCH_FILE
    if not path.exists():
        return None
    return read_json_doc(path, BatchRecord, "rerun the batch into a new folder")


def missing_runs(folder: Path | str, df: pd.DataFrame) -> str | None:
    """What an interrupted batch or comparison lacks — the runs its ``batch.json`` plans that the
    rows ``df`` do not hold — as one line, or ``None`` when every run is there."""
    doc = _batch_record(Path(folder)) or {}
    names = [v["name"] for v in doc.get("variants", [])]
    replications = doc.get("replications")
    if not names or not isinstance(replications, int) or replications < 1:
        return None
    have = set(zip(df["variant"].tolist(), df["replication"].astype(int).tolist()))
    expected = len(names) * replications
    held = sum((name, r) in have for name in names for r in range(replications))
    if held >= expected:
        return None
    none = [name for name in names if not any((name, r) in have for r in range(replications))]
    tail = f"; no run of {', '.join(none)}" if none else ""
    return (f"{folder}: incomplete: {held:,} of the {expected:,} runs planned ({len(names):,} variant(s) × "
            f"{replications:,}){tail}; the figures are of the runs held — finish it by running the same command "
            "again with --resume")


def _variant_order(folder: Path) -> dict[str, int]:
    doc = _batch_record(folder) or {}
    return {v["name"]: v["index"] for v in doc.get("variants", [])}


def kpi_columns(df: pd.DataFrame) -> list[str]:
    """The KPI columns of a results table (numeric, not identity, not curves)."""
    return [c for c in df.columns if c not in IDENTITY_COLUMNS and not c.startswith("curve_")
            and pd.api.types.is_numeric_dtype(df[c])]


def ordered_kpis(df: pd.DataFrame, all_kpis: bool = False) -> list[str]:
    """The headline KPIs present in ``df``, then (with ``all_kpis``) every other KPI column."""
    columns = kpi_columns(df)
    head = [k for k in HEADLINE_KPIS if k in columns]
    return head + [k for k in columns if k not in head] if all_kpis else head


def unit_of(kpi: str) -> str:
    """``%`` for shares (shown as percentages), ``h`` for hours, else empty."""
    if is_share(kpi):
        return "%"
    return "h" if kpi.endswith("_h") else ""


def kpi_table(df: pd.DataFrame, kpis: list[str] | None = None) -> pd.DataFrame:
    """Per variant and KPI: ``n`` (successful replications with a value), ``failed``
    (replications that raised), ``mean``, ``ci_low``, ``ci_high`` (95 %, by
    :func:`sim.experiments.statistics.mean_interval`), ``min``, ``max``, the interval's
    ``method`` and the KPI's ``unit``. Values are as in the results (shares as fractions)."""
    kpis = kpi_columns(df) if kpis is None else [k for k in kpis if k in df.columns]
    rows = []
    for variant, group in df.groupby("variant", sort=False):
        ok = group[group["status"] == "ok"]
        failed = int((group["status"] != "ok").sum())
        for kpi in kpis:
            values = ok[kpi].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            interval = mean_interval(values, share=is_share(kpi), value_range=kpi_range(kpi, ok))
            rows.append({"variant": variant, "kpi": kpi, "unit": unit_of(kpi), "n": len(values), "failed": failed,
                         "mean": interval.mean, "ci_low": interval.low, "ci_high": interval.high,
                         "min": float(values.min()) if len(values) else math.nan,
                         "max": float(values.max()) if len(values) else math.nan, "method": interval.method})
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def results_tables(df: pd.DataFrame, all_kpis: bool = False, targets_h: dict | None = None,
                   variant_targets_h: dict | None = None):
    """The KPI table (headline KPIs, or every KPI with ``all_kpis``) and the targets-met table:
    each variant judged by its own targets (``variant_targets_h``: those that differ from
    ``targets_h``, the scenario's)."""
    from sim.experiments.targets import met_table, planning_lines

    own = {name: planning_lines(hours) for name, hours in (variant_targets_h or {}).items()}
    return kpi_table(df, ordered_kpis(df, all_kpis)), met_table(df, planning_lines(targets_h), own)


def batch_targets(folder: Path | str) -> dict | None:
    """The scenario's targets (hours) recorded in a folder's ``batch.json``, if any."""
    return (_batch_record(Path(folder)) or {}).get("targets")


def batch_variant_targets(folder: Path | str) -> dict:
    """The targets (hours) of the variants whose targets differ from the scenario's (a sweep of
    ``targets``), recorded in a folder's ``batch.json``."""
    return (_batch_record(Path(folder)) or {}).get("variant_targets") or {}


# ------------------------------------------------------------ formats
def _num(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.4g}"


def _pct_text(value: float) -> str:
    """A share as a percentage with one decimal, more where one would round to 0 or 100."""
    if value is None or not math.isfinite(value):
        return "–"
    pct = 100 * value
    decimals = 1
    while decimals < 4 and 0 < abs(value) < 1 and round(pct, decimals) in (0.0, 100.0, -100.0):
        decimals += 1
    return f"{pct:.{decimals}f}"


def _value(value: float, unit: str) -> str:
    if unit == "%":
        text = _pct_text(value)
        return text if text == "–" else f"{text} %"
    if unit == "h":
        return "–" if value is None or not math.isfinite(value) else f"{value:.2f} h"
    return _num(value)


def _interval(low: float, high: float, unit: str) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "–"
    if unit == "%":
        return f"[{_pct_text(low)}–{_pct_text(high)} %]"
    if unit == "h":
        return f"[{low:.2f}–{high:.2f} h]"
    return f"[{_num(low)}, {_num(high)}]"


def _notes(table: pd.DataFrame) -> list[str]:
    notes = {variant: small_sample_note(int(group["n"].max()))
             for variant, group in table.groupby("variant", sort=False)}
    if len(set(notes.values())) == 1:
        return [next(iter(notes.values()))] if next(iter(notes.values()), None) else []
    return [f"{variant}: {note}" for variant, note in notes.items() if note]


def _shown(value: float, unit: str) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(100 * value, 6) if unit == "%" else value


def _records(table: pd.DataFrame, met: pd.DataFrame) -> list[dict]:
    """Rows for CSV and JSON: KPIs, then the chance each target is met; shares in percent."""
    notes = {v: small_sample_note(int(g["n"].max())) or "" for v, g in table.groupby("variant", sort=False)}
    records = []
    for r in table.itertuples(index=False):
        records.append({"variant": r.variant, "kpi": r.kpi, "unit": r.unit, "n": r.n, "failed": r.failed,
                        **{k: _shown(getattr(r, k), r.unit) for k in ("mean", "ci_low", "ci_high", "min", "max")},
                        "method": r.method, "note": notes.get(r.variant, "")})
    for r in met.itertuples(index=False):
        records.append({"variant": r.variant, "kpi": f"target_met_{r.kpi}", "unit": "% of runs", "n": r.runs,
                        "failed": None, "mean": _shown(r.share, "%"), "ci_low": _shown(r.low, "%"),
                        "ci_high": _shown(r.high, "%"), "min": None, "max": None, "method": "clopper-pearson",
                        "note": notes.get(r.variant, "")})
    return records


def format_results(table: pd.DataFrame, met: pd.DataFrame | None = None, fmt: str = "table",
                   extra: dict | None = None) -> str:
    """The KPI table (from :func:`kpi_table`) and the targets-met table (from
    :func:`sim.experiments.targets.met_table`) as ``table`` (aligned text), ``csv``, ``json``
    or ``markdown``. Shares are shown as percentages (``unit`` ``%``), hours with ``h``.
    ``extra`` maps a format to text appended to it (``json``: a key and its document)."""
    from sim.experiments.targets import met_chance, met_sentence, met_words

    met = met if met is not None else pd.DataFrame(columns=["variant"])
    extra = extra or {}
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "csv":
        return pd.DataFrame(_records(table, met)).to_csv(index=False, float_format="%.6g")
    if fmt == "json":
        doc = {"kpis": [r for r in _records(table, met) if not r["kpi"].startswith("target_met_")],
               "targets_met": [{**r, "unit": "% of runs",
                                **{k: _shown(r[k], "%") for k in ("share", "low", "high")}}
                               for r in met.to_dict(orient="records")],
               "notes": _notes(table), **extra.get("json", {})}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    out = []
    if fmt == "markdown":
        out += ["| variant | KPI | n | mean | 95 % CI | min | max |", "|---|---|---:|---:|---|---:|---:|"]
        for r in table.itertuples(index=False):
            out.append(f"| {r.variant} | {r.kpi} | {r.n} | {_value(r.mean, r.unit)} | "
                       f"{_interval(r.ci_low, r.ci_high, r.unit).strip('[]')} | {_value(r.min, r.unit)} | "
                       f"{_value(r.max, r.unit)} |")
        if len(met):
            out += ["", "| variant | target met in a run | runs | met | chance [95 % CI] |",
                    "|---|---|---:|---:|---|"]
            for r in met.itertuples(index=False):
                words = met_words(r.target, r.within_h) + ("" if r.planning_target else _LINE)
                out.append(f"| {r.variant} | {words} | {r.runs} | {r.met} | {met_chance(r._asdict())} |")
        out += [""] + _notes(table) if _notes(table) else []
        return "\n".join(out) + "\n" + extra.get("markdown", "")
    width = max([len("KPI"), *(len(k) for k in table["kpi"])]) if len(table) else 3
    for variant, group in table.groupby("variant", sort=False):
        n = int(group["n"].max()) if len(group) else 0
        failed = int(group["failed"].iloc[0]) if len(group) else 0
        note = small_sample_note(n)
        out.append(f"{variant}: {n} replication{'s' if n != 1 else ''}" + (f", {failed} failed" if failed else "")
                   + (f" ({note})" if note else ""))
        out.append(f"  {'KPI':<{width}}  {'mean':>10}  {'95 % CI':<22}  {'min':>10}  {'max':>10}")
        for r in group.itertuples(index=False):
            out.append(f"  {r.kpi:<{width}}  {_value(r.mean, r.unit):>10}  "
                       f"{_interval(r.ci_low, r.ci_high, r.unit):<22}  {_value(r.min, r.unit):>10}  "
                       f"{_value(r.max, r.unit):>10}")
        for r in met[met["variant"] == variant].itertuples(index=False):
            out.append(f"  {'target met' if r.planning_target else 'line met (no target)'}: "
                       f"{met_sentence(r.target, r.within_h, r._asdict())}")
    return "\n".join(out) + "\n" + extra.get("table", "")


def format_kpi_table(table: pd.DataFrame, fmt: str = "table") -> str:
    """:func:`format_results` of a KPI table alone."""
    return format_results(table, None, fmt)
