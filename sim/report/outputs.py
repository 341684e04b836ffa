"""Write a run's outputs: summary.json, zones.csv, events.parquet, timeline.md, plots.

Every file is written under a temporary name in the output folder and renamed
into place when complete, so an interrupted or failed run never leaves a
half-written file behind (a previous run's file stays whole until replaced).
"""
from __future__ import annotations

from pathlib import Path

from sim.analysis.metrics import summarize, zones_frame
from sim.files import atomic_write, write_json

__all__ = ["write_outputs"]


def write_outputs(run, out_dir: Path | str, *, plots: bool = True) -> dict:
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
    from sim.report.timeline import write_timeline

    with atomic_write(out / "timeline.md") as tmp:
        write_timeline(run, summary, zones, tmp)
    if plots:
        from sim.report.hazard_plots import plot_hazard
        from sim.report.run_plots import plot_run

        summary["plots"] = plot_run(run, summary, zones, out) + plot_hazard(run, out)
    write_json(out / "summary.json", summary)
    return summary
