"""The exercise event list in the HSEEP Master Scenario Events List form.

``msel.csv`` (and ``msel.xlsx``) hold one inject per row, built from the
run's events by :mod:`sim.report.msel_rows`, numbered in time order:

| column | content |
|---|---|
| ``Inject No.`` | 1, 2, … in time order |
| ``Scenario Time`` | ``H+hh:mm`` on the run's clock (hours since the start of the run) |
| ``Hour`` | the same in decimal hours |
| ``Event Synopsis`` | what happened, in a line |
| ``Inject Text`` | the message as the sender would give it to the players |
| ``Delivery Mode`` | phone call, radio, situation report, controller briefing or note, … |
| ``From`` | the simulated sender (a township, a depot's truck, traffic police, exercise control) |
| ``To (Player)`` | the players who receive it (the command centre, logistics, operations) |
| ``Expected Player Action`` | what the players are expected to do |
| ``Objective / Core Capability`` | the capability exercised (Logistics and Supply Chain Management, Mass Care Services, …) |
| ``Notes`` | the clock and where the figures come from |

Times are on the run's clock; the planning targets run from each zone's hit
(:mod:`sim.analysis.clock`), which is the same clock when every zone is hit
at the start. ``timeline.md`` is the same list in Markdown.
"""
from __future__ import annotations

from copy import copy
from pathlib import Path

import pandas as pd

from sim.files import atomic_write
from sim.report import msel_rows as rows_of
from sim.report.msel_roads import road_changes

__all__ = ["msel_injects", "msel_frame", "write_msel", "in_order", "MSEL_COLUMNS"]

MSEL_COLUMNS = ("Inject No.", "Scenario Time", "Hour", "Event Synopsis", "Inject Text", "Delivery Mode", "From",
                "To (Player)", "Expected Player Action", "Objective / Core Capability", "Notes")


def msel_injects(summary: dict, zones: pd.DataFrame, events: pd.DataFrame,
                 scenario: dict | None, roads) -> list[rows_of.Inject]:
    """Every inject of the run, in time order (ties in a fixed order of kinds). ``roads``, the
    run's :class:`~sim.world.road_layers.RoadLayers`, gives the road injects their km from each
    segment's closures (:func:`sim.report.msel_roads.road_changes`)."""
    events = events.sort_values("time_min", kind="stable")
    duration_h = float(summary["run"]["duration_h"])
    injects = [
        *rows_of.hazard_onset(summary, zones, scenario),
        *rows_of.outage_windows(summary, scenario, duration_h),
        *road_changes(events, summary, roads),
        *rows_of.command_chain(events, summary, zones),
        *rows_of.township_supplies(events, zones),
        *rows_of.coverage_shares(events, zones, summary),
        *rows_of.target_lines(summary, zones),
        *rows_of.stock_arrivals(events),
        *rows_of.stuck_vehicles(events),
        *rows_of.power_restored(events),
        *rows_of.shelters(events, summary),
        *rows_of.rescues(events, summary, duration_h),
        *rows_of.end_of_run(summary, duration_h),
    ]
    # Nothing after the end of play: a run cut short of the hazard's onset has no onset inject.
    return in_order([i for i in injects if i.time_h <= duration_h + 1e-9])


def in_order(injects) -> list:
    """Injects by time, then ``order``: hours to 4 decimals, as zones.csv gives the hit times the
    hazard's onset is read from, so an inject at the same minute as the onset comes after it."""
    return sorted(injects, key=lambda i: (round(i.time_h, 4), i.order))


def msel_frame(injects) -> pd.DataFrame:
    """The injects as the MSEL table (:data:`MSEL_COLUMNS`)."""
    return pd.DataFrame([(k + 1, rows_of.run_clock(i.time_h), round(i.time_h, 2), i.synopsis, i.text, i.mode,
                          i.sender, i.player, i.action, i.objective, i.notes) for k, i in enumerate(injects)],
                        columns=list(MSEL_COLUMNS))


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "MSEL"
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    widths = {"Inject No.": 8, "Scenario Time": 11, "Hour": 7, "Event Synopsis": 50, "Inject Text": 60,
              "Delivery Mode": 16, "From": 22, "To (Player)": 26, "Expected Player Action": 40,
              "Objective / Core Capability": 30, "Notes": 30}
    for k, name in enumerate(frame.columns):
        ws.column_dimensions[ws.cell(row=1, column=k + 1).column_letter].width = widths.get(name, 15)
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    body = [cell for row in ws.iter_rows(min_row=2) for cell in row]
    if body:
        body[0].alignment = Alignment(wrap_text=True, vertical="top")
        for cell in body[1:]:                   # the same style ids, not looked up in the workbook per cell
            cell._style = copy(body[0]._style)
    ws.freeze_panes = "A2"
    with atomic_write(path) as tmp:
        wb.save(tmp)


def write_msel(frame: pd.DataFrame, out: Path) -> list[str]:
    """Write ``msel.csv`` and ``msel.xlsx`` into ``out``; returns their names."""
    out = Path(out)
    with atomic_write(out / "msel.csv") as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8")
    _write_xlsx(frame, out / "msel.xlsx")
    return ["msel.csv", "msel.xlsx"]
