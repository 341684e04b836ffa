"""Write a run's outputs: summary.json, zones.csv, events.parquet, timeline.md, plots.

Every file is written under a temporary name in the output folder and renamed
into place when complete, so an interrupted or failed run never leaves a
half-written file behind (a previous run's file stays whole until replaced).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

__all__ = ["write_outputs", "atomic_write"]


class atomic_write:
    """Context manager yielding a temporary path that becomes ``path`` on success."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)
        return False


def write_json(path: Path, doc: dict) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=2, sort_keys=False, allow_nan=False) + "\n")


def write_outputs(run, out_dir: Path | str, *, plots: bool = True) -> dict:
    """Write every output of ``run`` into ``out_dir``; returns the summary."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = run.summary()
    zones = run.zones_frame()
    events = run.events_frame()
    with atomic_write(out / "zones.csv") as tmp:
        zones.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_write(out / "events.parquet") as tmp:
        events.to_parquet(tmp, index=False)
    from .report.timeline import write_timeline

    with atomic_write(out / "timeline.md") as tmp:
        write_timeline(run, summary, zones, tmp)
    if plots:
        from .report.hazard_plots import plot_hazard
        from .report.run_plots import plot_run

        summary["plots"] = plot_run(run, summary, zones, out) + plot_hazard(run, out)
    write_json(out / "summary.json", summary)
    return summary
