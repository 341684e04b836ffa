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
replications succeeded, the mean with its 95 % confidence interval (Student
t over replications; clipped to [0, 1] for shares), min and max. :func:`read_results` reads a folder's
``results.parquet``, or — for a batch that was interrupted — whatever
complete per-replication files it holds.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.kpis import is_share
from sim.errors import InputError
from sim.experiments.statistics import mean_ci

__all__ = ["read_results", "kpi_columns", "kpi_table", "format_kpi_table",
           "replication_path", "IDENTITY_COLUMNS", "WALL_COLUMNS", "BATCH_FILE", "RESULTS_FILE", "RUNS_DIR",
           "FORMATS", "HEADLINE_KPIS"]

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
        raise InputError(f"{folder}: no such folder; give the --out folder of a sim batch or sim compare")
    path = folder / RESULTS_FILE
    if path.exists():
        try:
            return pd.read_parquet(path)
        except Exception as error:  # noqa: BLE001 - any unreadable file is the same user problem
            raise InputError(f"{path}: cannot read it ({error}); rerun the batch with --resume") from None
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


def _variant_order(folder: Path) -> dict[str, int]:
    try:
        doc = json.loads((folder / BATCH_FILE).read_text())
        return {v["name"]: v["index"] for v in doc.get("variants", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def kpi_columns(df: pd.DataFrame) -> list[str]:
    """The KPI columns of a results table (numeric, not identity, not curves)."""
    return [c for c in df.columns if c not in IDENTITY_COLUMNS and not c.startswith("curve_")
            and pd.api.types.is_numeric_dtype(df[c])]


def kpi_table(df: pd.DataFrame, kpis: list[str] | None = None) -> pd.DataFrame:
    """Per variant and KPI: ``n`` (successful replications with a value), ``failed``
    (replications that raised), ``mean``, ``ci_low``, ``ci_high`` (95 %), ``min``, ``max``."""
    kpis = kpi_columns(df) if kpis is None else [k for k in kpis if k in df.columns]
    rows = []
    for variant, group in df.groupby("variant", sort=False):
        ok = group[group["status"] == "ok"]
        failed = int((group["status"] != "ok").sum())
        for kpi in kpis:
            values = ok[kpi].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            mean, low, high = mean_ci(values)
            if is_share(kpi):
                low, high = max(low, 0.0), min(high, 1.0)
            rows.append({"variant": variant, "kpi": kpi, "n": len(values), "failed": failed, "mean": mean,
                         "ci_low": low, "ci_high": high,
                         "min": float(values.min()) if len(values) else math.nan,
                         "max": float(values.max()) if len(values) else math.nan})
    return pd.DataFrame(rows, columns=["variant", "kpi", "n", "failed", "mean", "ci_low", "ci_high", "min", "max"])


def _num(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.4g}"


def _ci(low: float, high: float) -> str:
    return "–" if not (math.isfinite(low) and math.isfinite(high)) else f"[{_num(low)}, {_num(high)}]"


def format_kpi_table(table: pd.DataFrame, fmt: str = "table") -> str:
    """``table`` (from :func:`kpi_table`) as ``table`` (aligned text), ``csv``, ``json`` or ``markdown``."""
    if fmt == "csv":
        return table.to_csv(index=False, float_format="%.6g")
    if fmt == "json":
        records = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                   for r in table.to_dict(orient="records")]
        return json.dumps(records, indent=2)
    if fmt == "markdown":
        lines = ["| variant | KPI | n | mean | 95 % CI | min | max |", "|---|---|---:|---:|---|---:|---:|"]
        for r in table.itertuples(index=False):
            lines.append(f"| {r.variant} | {r.kpi} | {r.n} | {_num(r.mean)} | {_ci(r.ci_low, r.ci_high)} | "
                         f"{_num(r.min)} | {_num(r.max)} |")
        return "\n".join(lines) + "\n"
    if fmt != "table":
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    out = []
    width = max([len("KPI"), *(len(k) for k in table["kpi"])]) if len(table) else 3
    for variant, group in table.groupby("variant", sort=False):
        n = int(group["n"].max()) if len(group) else 0
        failed = int(group["failed"].iloc[0]) if len(group) else 0
        out.append(f"{variant}: {n} replication{'s' if n != 1 else ''}"
                   + (f", {failed} failed" if failed else ""))
        out.append(f"  {'KPI':<{width}}  {'mean':>10}  {'95 % CI':<24}  {'min':>10}  {'max':>10}")
        for r in group.itertuples(index=False):
            out.append(f"  {r.kpi:<{width}}  {_num(r.mean):>10}  {_ci(r.ci_low, r.ci_high):<24}  "
                       f"{_num(r.min):>10}  {_num(r.max):>10}")
    return "\n".join(out) + "\n"
