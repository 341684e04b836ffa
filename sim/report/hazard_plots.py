"""Plots of what the hazard did, for the drill team's briefing.

* ``earthquake_intensity.png`` — intensity at every road node, damaged
  bridges by damage state and streets blocked by debris (a map with
  townships and a scale bar);
* ``rainfall_depth.png`` — water depth over time at the worst points, and the
  road length closed;
* ``outages_timeline.png`` — what was down, when, over the whole run;
* ``closed_roads.png`` — road length closed over the whole run, in km, and by
  road class at the start and at the end.

Figures come from ``summary.json``'s ``hazard`` section and the run's world;
nothing is recomputed.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.ticker as mticker
import numpy as np
from matplotlib.collections import LineCollection

from sim.report.figures import draw_target_lines, hours_axis, new_figure, save_figure
from sim.report.map_furniture import lonlat_axes, scale_bar, township_labels
from sim.report.road_closures import closed_km_by_class

__all__ = ["plot_hazard", "closed_roads_figure", "outages_figure", "earthquake_figure", "RUN_CLOCK_LABEL",
           "OUTAGE_COLORS"]

RUN_CLOCK_LABEL = "hours since the start of the run"
OUTAGE_COLORS = {"roads": "#8c564b", "power": "#ff7f0e", "comms": "#9467bd", "water": "#1f77b4",
                 "no_outside_support": "#7f7f7f"}
_STATE_COLORS = {1: "#fdae61", 2: "#f46d43", 3: "#d73027", 4: "#67001f"}   # Hazus damage states
_STATE_NAMES = {1: "slight", 2: "moderate", 3: "extensive", 4: "complete"}
_CLASS_ORDER = ("expressway", "arterial", "collector", "local", "rural")
_CLASS_COLORS = {"expressway": "#c0392b", "arterial": "#e6a23c", "collector": "#7f7f7f", "local": "#bdbdbd",
                 "rural": "#dfc27d"}


def _segments(graph, segs):
    first = np.unique(graph.segment, return_index=True)[1]
    e = first[np.asarray(segs, dtype=np.int64)]
    return np.stack([np.column_stack([graph.lon[graph.tails[e]], graph.lat[graph.tails[e]]]),
                     np.column_stack([graph.lon[graph.heads[e]], graph.lat[graph.heads[e]]])], axis=1)


def _earthquake(run, zones, out: Path) -> str | None:
    hz = run.world.hazard
    if getattr(hz, "node_intensity", None) is None:
        return None
    fig = earthquake_figure(run.world.graph, hz, run.scenario.hazard, zones,
                            f"Shaking, damaged bridges and blocked streets — {run.scenario.name}")
    return save_figure(fig, out / "earthquake_intensity.png")


def earthquake_figure(g, hz, sp, zones, title: str):
    """Intensity at every node, streets blocked by debris, bridges by damage state and the epicentre of
    ``sp``; the colour bar lies under the map, so the title has the map's full width."""
    fig, ax = new_figure(9.5, 8.5)
    sc = ax.scatter(g.lon, g.lat, c=hz.node_intensity, s=2, cmap="YlOrRd", vmin=6, vmax=11, zorder=1)
    fig.colorbar(sc, ax=ax, location="bottom", shrink=0.6, pad=0.01, aspect=40).set_label(
        "intensity (Chinese scale, degrees)")
    blocked = getattr(hz, "blocked_segments", np.empty(0))
    if len(blocked):
        ax.add_collection(LineCollection(_segments(g, blocked), colors="black", linewidths=1.0, zorder=2,
                                         label=f"street blocked by debris ({len(blocked)} segments)"))
    states = getattr(hz, "bridge_damage_state", None)
    if states is not None:
        for state, color in _STATE_COLORS.items():
            segs = np.flatnonzero(states == state)
            if len(segs):
                mid = _segments(g, segs).mean(axis=1)
                ax.scatter(mid[:, 0], mid[:, 1], marker="s", s=60, color=color, edgecolor="black", zorder=4,
                           label=f"bridge, {_STATE_NAMES[state]} damage ({len(segs)})")
    ax.scatter([sp.epicenter[0]], [sp.epicenter[1]], marker="*", s=300, color="#7f0000", zorder=5,
               label=f"epicentre M{sp.magnitude:g}")
    mean_lat = float(np.nanmean(g.lat))
    lonlat_axes(ax, mean_lat, title)
    ax.autoscale()
    township_labels(ax, zones)
    scale_bar(ax, mean_lat)
    ax.legend(loc="lower left", fontsize=7)
    return fig


def _km_axis(ax) -> None:
    ax.set_ylabel("road length closed (km)")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(mticker.MaxNLocator(nbins=6, min_n_ticks=3))
    ax.yaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    ax.grid(alpha=0.3)


def _closed_over_time(ax, hazard: dict, duration_h: float) -> None:
    by_class = hazard.get("closed_road_km_by_class_over_time")
    if by_class:
        classes = [c for c in (*_CLASS_ORDER, *sorted(by_class)) if c in by_class]
        grid = np.unique(np.concatenate([[0.0, duration_h], *[np.asarray(by_class[c])[:, 0] for c in classes]]))
        stacks = []
        for c in dict.fromkeys(classes):
            series = np.asarray(by_class[c], dtype=float)
            k = np.searchsorted(series[:, 0], grid, side="right") - 1
            stacks.append(np.where(k >= 0, series[np.maximum(k, 0), 1], 0.0))
        ax.stackplot(grid, stacks, step="post", labels=list(dict.fromkeys(classes)),
                     colors=[_CLASS_COLORS.get(c, "#999999") for c in dict.fromkeys(classes)])
    else:
        series = np.asarray(hazard.get("closed_road_km_over_time") or [[0.0, 0.0]], dtype=float)
        t = np.append(series[:, 0], duration_h)
        km = np.append(series[:, 1], series[-1, 1])
        ax.step(t, km, where="post", color="#1f77b4", lw=2, label="all road classes")
    hours_axis(ax, duration_h, RUN_CLOCK_LABEL)
    _km_axis(ax)
    ax.legend(loc="lower left", fontsize=7)


def _by_class_bars(ax, closures, duration_h: float) -> None:
    start_h = float(closures["closed_from_h"].min()) if len(closures) else 0.0
    start = closed_km_by_class(closures, start_h)
    end = closed_km_by_class(closures, duration_h)
    classes = [c for c in _CLASS_ORDER if c in start or c in end] + \
        sorted(c for c in {*start, *end} if c not in _CLASS_ORDER)
    y = np.arange(len(classes))
    ax.barh(y + 0.2, [start.get(c, 0.0) for c in classes], height=0.4, color="#d62728",
            label=f"at {start_h:g} h (first closures)")
    ax.barh(y - 0.2, [end.get(c, 0.0) for c in classes], height=0.4, color="#7f7f7f",
            label=f"at the end ({duration_h:g} h)")
    for k, c in enumerate(classes):
        for dy, value in ((0.2, start.get(c, 0.0)), (-0.2, end.get(c, 0.0))):
            ax.text(value, k + dy, f" {value:,.1f}", va="center", fontsize=7)
    ax.set_yticks(y, classes)
    ax.invert_yaxis()
    ax.set_xlabel("road length closed (km)")
    ax.set_title("by road class", fontsize=10)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=4))
    ax.margins(x=0.25)
    ax.legend(loc="lower right", fontsize=7)


def closed_roads_figure(hazard: dict, closures, duration_h: float, title: str):
    """Closed road length (km) over the whole run, and by road class at the start and the end."""
    fig, (a1, a2) = new_figure(11, 4.2, ncols=2, width_ratios=(2.2, 1))
    _closed_over_time(a1, hazard, duration_h)
    a1.set_title(title)
    _by_class_bars(a2, closures, duration_h)
    return fig


def _rainfall(run, summary, out: Path) -> str | None:
    hz = run.world.hazard
    times = getattr(hz, "depth_times_min", None)
    depth = getattr(hz, "worst_depth_m", None)
    if times is None or depth is None:
        return None
    duration_h = run.scenario.duration / 60
    fig, (a1, a2) = new_figure(9, 6.5, nrows=2, sharex=True)
    for k, row in enumerate(np.atleast_2d(depth)):
        a1.plot(np.asarray(times) / 60, np.asarray(row) * 1000, lw=1.2, label=f"point {k + 1}" if k < 5 else None)
    a1.axhline(300, color="#d62728", ls="--", lw=1, label="impassable (300 mm)")
    a1.set_ylabel("water depth (mm)")
    a1.legend(fontsize=7, ncol=3)
    a1.set_title("Water at the worst flooded points (as forecast, before pumping)")
    a1.grid(alpha=0.3)
    _closed_over_time(a2, summary.get("hazard", {}), duration_h)
    return save_figure(fig, out / "rainfall_depth.png")


def outages_figure(outages: list[dict], duration_h: float, title: str):
    """One bar per outage window over the whole run, with the 3 h / 8 h / 12 h marks."""
    fig, ax = new_figure(10, 0.6 * len(outages) + 1.8)
    for k, row in enumerate(outages):
        ax.barh(k, row["end_h"] - row["start_h"], left=row["start_h"], color=OUTAGE_COLORS.get(row["kind"], "grey"),
                edgecolor="black", height=0.6)
        label = f"{row['kind'].replace('_', ' ')}: {row['what']} ({row['start_h']:g}–{row['end_h']:g} h)"
        inside = row["end_h"] + 0.02 * duration_h < 0.6 * duration_h
        ax.text(row["end_h"] + 0.5 if inside else row["start_h"] + 0.5, k, label, va="center", fontsize=8,
                color="black" if inside else "white")
    rows = draw_target_lines(ax, (3.0, 8.0, 12.0), duration_h)
    ax.set_yticks([])
    ax.set_ylim(len(outages) - 0.4, -0.6)
    hours_axis(ax, duration_h, RUN_CLOCK_LABEL)
    ax.set_title(title, pad=6 + 14 * max(rows, 1))
    ax.grid(axis="x", alpha=0.3)
    return fig


def plot_hazard(run, summary: dict, zones, closures, out: Path) -> list[str]:
    """Write the hazard plots that apply to ``run``; returns their file names."""
    kind = run.scenario.hazard.type
    duration_h = run.scenario.duration / 60
    hazard = summary.get("hazard", {})
    written = []
    if kind == "earthquake":
        written.append(_earthquake(run, zones, out))
    elif kind == "rainfall":
        written.append(_rainfall(run, summary, out))
    if len(hazard.get("closed_road_km_over_time") or []) > 1:
        fig = closed_roads_figure(hazard, closures, duration_h, f"Closed roads — {run.scenario.name}")
        written.append(save_figure(fig, out / "closed_roads.png"))
    if hazard.get("outages"):
        fig = outages_figure(hazard["outages"], duration_h, f"What was down — {run.scenario.name}")
        written.append(save_figure(fig, out / "outages_timeline.png"))
    return [w for w in written if w]

