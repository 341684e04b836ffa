"""Output folders the report tests share, each made once per test session:
a run of the four-outages drill (outages of every kind, road closures), a
two-replication batch and a two-pair comparison of the baseline."""
from __future__ import annotations

from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parents[1]
_MADE: dict[str, Path] = {}


def run_folder(factory) -> Path:
    """``sim run four_outages`` written into a folder (report.html included)."""
    if "run" not in _MADE:
        out = factory.mktemp("four_outages")
        sim.run("four_outages").write(out)
        _MADE["run"] = out
    return _MADE["run"]


def batch_folder(factory) -> Path:
    if "batch" not in _MADE:
        out = factory.mktemp("batch")
        sim.run_batch("baseline_normal_traffic", replications=2, workers=1, out_dir=out)
        _MADE["batch"] = out
    return _MADE["batch"]


def comparison_folder(factory) -> Path:
    if "comparison" not in _MADE:
        out = factory.mktemp("comparison")
        sim.compare("baseline_normal_traffic", ROOT / "scenarios" / "overlays" / "southeast_depot.yaml",
                    replications=2, workers=1, out_dir=out)
        _MADE["comparison"] = out
    return _MADE["comparison"]
