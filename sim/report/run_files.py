"""The files a run writes besides its tables: the exercise event list, the
timeline, GeoJSON, plots and the scenario as run.

Called by :func:`sim.report.outputs.write_outputs` after ``zones.csv`` and
``events.parquet``; ``report.html`` is written from the finished folder by
:func:`sim.report.html_run.write_run_report`.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.files import atomic_write
from sim.report.geojson import write_geojson
from sim.report.msel import msel_frame, msel_injects, write_msel
from sim.report.road_closures import closure_table
from sim.report.timeline import write_timeline

__all__ = ["write_run_files", "SCENARIO_FILE"]

#: The scenario as run (JSON, also valid YAML: ``sim run out/NAME/scenario.json`` runs it again).
SCENARIO_FILE = "scenario.json"


def scenario_as_run(run) -> dict:
    """The scenario of ``run`` as it ran, to run again from anywhere: its seed the run's (a
    ``--seed`` included) and the region's files named by absolute paths (a scenario names
    them relative to its own folder, which the output folder is not)."""
    scenario = run.scenario.model_dump(mode="json")
    scenario["seed"] = int(run.seed)
    base = Path(run.world.base_dir).resolve()
    region = scenario["region"]
    files = [(region["network"], key) for key in ("osm", "graphml", "dimacs")]
    files += [(region["network"]["csv"], key) for key in ("nodes", "edges")] if region["network"].get("csv") else []
    files += [(region["zones"], "csv")]
    for section, key in files:
        if section.get(key):
            section[key] = str(base / section[key])
    return scenario


def write_run_files(run, summary: dict, zones: pd.DataFrame, events: pd.DataFrame, out: Path, *,
                    plots: bool = True) -> list[str]:
    """Write ``scenario.json``, ``msel.csv``/``.xlsx``, ``timeline.md``, the GeoJSON files and (with
    ``plots``) the PNG plots into ``out``; returns the names of the plots."""
    out = Path(out)
    scenario = scenario_as_run(run)
    with atomic_write(out / SCENARIO_FILE) as tmp:
        tmp.write_text(json.dumps(scenario, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    frame = msel_frame(msel_injects(summary, zones, events, scenario, run.world.road_layers))
    write_msel(frame, out)
    with atomic_write(out / "timeline.md") as tmp:
        write_timeline(frame, summary, tmp)
    closures = closure_table(run)
    if run.world.graph.has_coordinates:      # GeoJSON and maps place things by lon/lat
        write_geojson(out, zones, summary, closures, run)
    if not plots:
        return []
    from sim.report.hazard_plots import plot_hazard
    from sim.report.run_plots import plot_run

    return plot_run(run, summary, zones, out) + plot_hazard(run, summary, zones, closures, out)
