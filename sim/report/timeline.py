"""The exercise timeline: what happened when, in words a drill team uses.

``timeline.md`` lists the run's milestones in time order — the first report,
order, departure and delivery; each township's first supplies; when a quarter,
half, three quarters and all of the affected sites had supplies and when the
same shares of people were relieved; roads closing and reopening, power
restored, warnings and forecasts, people rescued — with the 3 h / 8 h / 12 h
target lines marked, so an exercise designer can turn a run into injects.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["timeline_rows", "write_timeline"]

SHARES = (0.25, 0.5, 0.75, 1.0)


def _first(events: pd.DataFrame, kind: str):
    rows = events[events["kind"] == kind]
    return None if rows.empty else rows.iloc[0]


def _share_times(times_h: np.ndarray, weights: np.ndarray) -> dict[float, float]:
    """Hours at which each share of ``weights`` had been reached (by sorted time)."""
    ok = np.isfinite(times_h)
    order = np.argsort(times_h[ok], kind="stable")
    t, cum = times_h[ok][order], np.cumsum(weights[ok][order]) / max(weights.sum(), 1)
    out = {}
    for share in SHARES:
        k = np.searchsorted(cum, share - 1e-9)
        if k < len(t):
            out[share] = float(t[k])
    return out


def timeline_rows(run, summary: dict, zones: pd.DataFrame) -> list[tuple[float, str]]:
    """``(hour, what happened)`` rows in time order."""
    ev = run.events_frame().sort_values("time_min", kind="stable")
    rows: list[tuple[float, str]] = []
    for kind, text in (("forecast", "warning issued: forecast zones treated as reported"),
                       ("report", "first report of needs reaches the command centre ({zone})"),
                       ("order", "first delivery ordered ({agent} → {zone})"),
                       ("depart", "first truck leaves ({agent})"),
                       ("deliver", "first delivery unloaded ({zone}, from {agent})")):
        row = _first(ev, kind)
        if row is not None:
            rows.append((row["time_min"] / 60, text.format(zone=row["zone"], agent=row["agent"])))
    affected = zones[zones["affected"] > 0]
    if len(affected):
        # The run's clock: when supplies were on site, before the zone was hit or after.
        first_min = {z.zone_id: z.first_supply_min for z in run.world.zones}
        first = affected["zone_id"].map(first_min).to_numpy(dtype=float) / 60
        for share, h in _share_times(first, np.ones(len(affected))).items():
            rows.append((h, f"{share:.0%} of affected sites have their first district supplies"))
        towns = affected.assign(at=first).groupby("township")["at"].min()
        for town, h in towns.items():
            if np.isfinite(h):
                rows.append((float(h), f"first supplies reach township {town}"))
        rel = ev[ev["kind"] == "relieved"]
        if not rel.empty:
            people = rel["amount"].to_numpy()
            total = affected["affected"].sum()
            cum = np.cumsum(people) / max(total, 1)
            times = rel["time_min"].to_numpy() / 60
            for share in SHARES:
                k = np.searchsorted(cum, share - 1e-9)
                if k < len(times):
                    rows.append((float(times[k]), f"{share:.0%} of affected people relieved"))
    for _, row in ev[ev["kind"] == "road"].iterrows():
        rows.append((row["time_min"] / 60, f"roads: {row['item']} ({int(row['amount'])} edges)"))
    for _, row in ev[ev["kind"] == "power_restored"].iterrows():
        rows.append((row["time_min"] / 60, f"power restored at {row['agent']} ({row['item']})"))
    rescue = ev[(ev["kind"] == "rescue") & (ev["item"] == "alive")]
    if not rescue.empty:
        alive = rescue["amount"].cumsum().to_numpy()
        hours = rescue["time_min"].to_numpy() / 60
        for mark in (6, 12, 24, 48, 72):
            k = np.searchsorted(hours, mark, side="right")
            if k:
                rows.append((float(mark), f"{alive[k - 1]:,.0f} trapped people rescued alive by teams so far"))
    stuck = _first(ev, "stuck")
    if stuck is not None:
        rows.append((stuck["time_min"] / 60, f"a vehicle cannot reach its destination ({stuck['agent']})"))
    if len(affected) and (affected["hit_h"].fillna(0) == 0).all():   # target clocks start with the run
        for h, label in ((3.0, "3 h target line"), (8.0, "8 h target line"), (12.0, "12 h target line")):
            rows.append((h, f"— {label} —"))
    rows.sort(key=lambda r: r[0])
    return _merge_road_rows(rows)


def _merge_road_rows(rows):
    """Collapse runs of road changes at the same hour into one line."""
    out: list[tuple[float, str]] = []
    for h, text in rows:
        if out and text.startswith("roads:") and out[-1][1].startswith("roads:") and abs(out[-1][0] - h) < 0.5:
            continue
        out.append((h, text))
    return out


def write_timeline(run, summary: dict, zones: pd.DataFrame, path: Path) -> None:
    """Write the timeline as Markdown to ``path``."""
    rows = timeline_rows(run, summary, zones)
    lines = [f"# Exercise timeline — {summary['scenario']} (seed {summary['seed']})", "",
             "Hours since the start of the run. Targets: first district supplies within 3 h, "
             "basic-living relief within 8 h and 12 h of a zone being hit.", "",
             "| hour | what happened |", "|---:|---|"]
    lines += [f"| {h:.2f} | {text} |" for h, text in rows]
    Path(path).write_text("\n".join(lines) + "\n")
