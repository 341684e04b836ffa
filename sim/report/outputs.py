"""Write a run's outputs: summary.json, zones.csv, events.parquet, the event list, GeoJSON, plots, report.html.

Every file is written under a temporary name in the output folder and renamed
into place when complete, so an interrupted or failed run never leaves a
half-written file behind (a previous run's file stays whole until replaced).
"""
from __future__ import annotations

from pathlib import Path

from sim.analysis.metrics import summarize, zones_frame
from sim.files import atomic_write, write_json

__all__ = ["write_outputs"]


def write_outputs(run, out_dir: Path | str, *, plots: bool = True, report: bool = True) -> dict:
    """Write every output of ``run`` into ``out_dir``; returns the summary."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(run)
    zones = zones_frame(run)
    events = run.events_frame()
    with atomic_write(out / "zones.csv") as tmp:
        zones.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_write(out / "events.parquet") as tmp:
        events.to_parquet(tmp, index=False)
    from sim.report.run_files import write_run_files

    written = write_run_files(run, summary, zones, events, out, plots=plots)
    if plots:
        summary["plots"] = written
    write_json(out / "summary.json", summary)
    if report:
        from sim.report.html_run import write_run_report

        write_run_report(out, graph=run.world.graph)
    return summary
