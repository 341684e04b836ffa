"""``report.html`` of any output folder: a run, a batch or a comparison.

:func:`write_report` tells the three apart by their files
(``comparison.json``; ``results.parquet`` or ``runs/``; ``summary.json``) and
writes the report next to them, or to ``path``. For a run it needs the road
graph for the map: the run's own, or the scenario's region loaded again from
``scenario.json``.
"""
from __future__ import annotations

import json
from pathlib import Path

from sim.errors import InputError

__all__ = ["write_report", "folder_kind", "run_graph"]


def folder_kind(folder: Path) -> str:
    """``comparison``, ``batch`` or ``run``; :class:`InputError` for a folder that holds none."""
    if not folder.is_dir():
        what = "a file, not a folder" if folder.exists() else "no such folder"
        raise InputError(f"{folder}: {what}; give the --out folder of sim run, sim batch or sim compare")
    if (folder / "comparison.json").exists():
        return "comparison"
    if (folder / "results.parquet").exists() or (folder / "runs").is_dir():
        return "batch"
    if (folder / "summary.json").exists():
        return "run"
    raise InputError(f"{folder}: holds no run, batch or comparison (no summary.json, results.parquet or "
                     "comparison.json); run 'sim run SCENARIO --out FOLDER' first")


def run_graph(folder: Path):
    """The road graph of the run in ``folder``, from its ``scenario.json`` (None if it cannot be loaded)."""
    path = folder / "scenario.json"
    if not path.exists():
        return None
    try:
        from sim.network.sources import load_region
        from sim.scenarios.models import Scenario

        scenario = Scenario.model_validate(json.loads(path.read_text(encoding="utf-8")))
        return load_region(scenario.region, folder).graph
    except (InputError, OSError, ValueError):
        return None


def write_report(folder: Path | str, path: Path | str | None = None, *, graph=None) -> Path:
    """Write the report of the run, batch or comparison in ``folder``; returns its path."""
    folder = Path(folder)
    kind = folder_kind(folder)
    if kind == "run":
        from sim.report.html_run import write_run_report

        return write_run_report(folder, graph=graph if graph is not None else run_graph(folder), path=path)
    from sim.report import html_batch

    writer = html_batch.write_comparison_report if kind == "comparison" else html_batch.write_batch_report
    return writer(folder, path=path)
