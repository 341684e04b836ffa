"""The exercise timeline: the event list (:mod:`sim.report.msel`) in Markdown.

``timeline.md`` holds the same injects as ``msel.csv``, in time order on the
run's clock, so an exercise designer can read the run and turn it into a
drill: the hazard and what it closed, outage windows starting and ending, the
first report, order, departure and delivery, each township's first supplies,
when 25/50/75/100 % of sites had supplies and of people were relieved, road
work grouped by 6-hour block, people rescued, shelters full, stock arriving,
the 3 h / 8 h / 12 h lines with where the run stood, and the end.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.report.msel import MSEL_COLUMNS, msel_injects

__all__ = ["timeline_rows", "timeline_markdown", "write_timeline"]


def timeline_rows(run, summary: dict, zones: pd.DataFrame) -> list[tuple[float, str]]:
    """``(hour on the run's clock, event synopsis)`` rows in time order."""
    return [(i.time_h, i.synopsis) for i in msel_injects(summary, zones, run.events_frame(),
                                                          run.scenario.model_dump(mode="json"),
                                                          run.world.road_layers)]


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def timeline_markdown(frame: pd.DataFrame, summary: dict) -> str:
    """The MSEL table ``frame`` as the Markdown document ``timeline.md``."""
    lines = [f"# Exercise timeline — {summary['scenario']} (seed {summary['seed']})", "",
             "Master Scenario Events List of the run. Times are on the run's clock (hours since the start of the "
             "run); the targets — first supplies within 3 h (at each community from a reserve of any tier, or "
             "first district supplies in each township), basic-living relief within 8 h and 12 h — run from each "
             "zone's hit. Routine road work is grouped by 6-hour block; people are whole.", "",
             "| " + " | ".join(MSEL_COLUMNS) + " |",
             "|" + "|".join("---:" if c in ("Inject No.", "Hour") else "---" for c in MSEL_COLUMNS) + "|"]
    for row in frame.itertuples(index=False):
        values = list(row)
        values[2] = f"{values[2]:.2f}"
        lines.append("| " + " | ".join(_cell(v) for v in values) + " |")
    return "\n".join(lines) + "\n"


def write_timeline(frame: pd.DataFrame, summary: dict, path: Path) -> None:
    """Write ``timeline.md`` (from the MSEL table) to ``path``."""
    Path(path).write_text(timeline_markdown(frame, summary), encoding="utf-8")
