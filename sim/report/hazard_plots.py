"""Plots of what the hazard did, for the drill team's briefing.

* ``earthquake_intensity.png`` — intensity at every road node, damaged
  bridges by damage state and streets blocked by debris;
* ``rainfall_depth.png`` — water depth over time at the worst points, and the
  share of road length closed;
* ``outages_timeline.png`` — what was down, when;
* ``closed_roads.png`` — road length closed over time, for any hazard.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from sim.report.run_plots import save_figure  # noqa: E402

__all__ = ["plot_hazard"]

_STATE_COLORS = {1: "#fdae61", 2: "#f46d43", 3: "#d73027", 4: "#67001f"}   # Hazus damage states
_STATE_NAMES = {1: "slight", 2: "moderate", 3: "extensive", 4: "complete"}


def _segments(graph, segs):
    first = np.unique(graph.segment, return_index=True)[1]
    e = first[np.asarray(segs, dtype=np.int64)]
    return np.stack([np.column_stack([graph.lon[graph.tails[e]], graph.lat[graph.tails[e]]]),
                     np.column_stack([graph.lon[graph.heads[e]], graph.lat[graph.heads[e]]])], axis=1)


def _earthquake(run, out: Path) -> str | None:
    hz = run.world.hazard
    g = run.world.graph
    if getattr(hz, "node_intensity", None) is None:
        return None
    fig, ax = plt.subplots(figsize=(9.5, 8.5), dpi=110)
    sc = ax.scatter(g.lon, g.lat, c=hz.node_intensity, s=2, cmap="YlOrRd", vmin=6, vmax=11, zorder=1)
    fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.01).set_label("intensity (Chinese scale)")
    blocked = getattr(hz, "blocked_segments", np.empty(0))
    if len(blocked):
        ax.add_collection(LineCollection(_segments(g, blocked), colors="black", linewidths=1.0, zorder=2,
                                         label=f"blocked by debris ({len(blocked)})"))
    states = getattr(hz, "bridge_damage_state", None)
    if states is not None:
        for state, color in _STATE_COLORS.items():
            segs = np.flatnonzero(states == state)
            if len(segs):
                mid = _segments(g, segs).mean(axis=1)
                ax.scatter(mid[:, 0], mid[:, 1], marker="s", s=60, color=color, edgecolor="black", zorder=4,
                           label=f"bridge {_STATE_NAMES[state]} ({len(segs)})")
    sp = run.scenario.hazard
    ax.scatter([sp.epicenter[0]], [sp.epicenter[1]], marker="*", s=300, color="#7f0000", zorder=5,
               label=f"epicentre M{sp.magnitude:g}")
    ax.set_aspect(1 / np.cos(np.radians(np.nanmean(g.lat))))
    ax.autoscale()
    ax.set_title(f"Shaking, damaged bridges and blocked streets — {run.scenario.name}")
    ax.legend(loc="lower left", fontsize=7)
    return save_figure(fig, out / "earthquake_intensity.png")


def _rainfall(run, out: Path) -> str | None:
    hz = run.world.hazard
    times = getattr(hz, "depth_times_min", None)
    depth = getattr(hz, "worst_depth_m", None)
    if times is None or depth is None:
        return None
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8.5, 6.5), dpi=110, sharex=True)
    for k, row in enumerate(np.atleast_2d(depth)):
        a1.plot(np.asarray(times) / 60, np.asarray(row) * 1000, lw=1.2, label=f"point {k + 1}" if k < 5 else None)
    a1.axhline(300, color="#d62728", ls="--", lw=1, label="impassable (300 mm)")
    a1.set_ylabel("water depth (mm)")
    a1.legend(fontsize=7, ncol=3)
    a1.set_title("Water at the worst flooded points (as forecast, before pumping)")
    _closed_axis(a2, run)
    return save_figure(fig, out / "rainfall_depth.png")


def _closed_axis(ax, run) -> None:
    layers = run.world.road_layers
    series = np.array(layers.closed_km if layers is not None else [(0.0, 0.0)])
    g = run.world.graph
    total = float(g.length_m[np.unique(g.segment, return_index=True)[1]].sum()) / 1000
    horizon = run.scenario.duration / 60
    t = np.append(series[:, 0] / 60, horizon)
    share = np.append(series[:, 1], series[-1, 1]) / total
    ax.step(t, share, where="post", color="#1f77b4", lw=2)
    ax.set_ylabel("road length closed")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=1))
    ax.set_xlabel("hours since the event")
    ax.set_xlim(0, horizon)
    ax.grid(alpha=0.3)


def _closed_roads(run, out: Path) -> str | None:
    if run.world.road_layers is None or len(run.world.road_layers.closed_km) <= 1:
        return None
    fig, ax = plt.subplots(figsize=(8, 3.5), dpi=110)
    _closed_axis(ax, run)
    ax.set_title(f"Closed roads — {run.scenario.name}")
    return save_figure(fig, out / "closed_roads.png")


def _outages(run, out: Path) -> str | None:
    rows = run.world.outages.timeline
    if not rows:
        return None
    colors = {"roads": "#8c564b", "power": "#ff7f0e", "comms": "#9467bd", "water": "#1f77b4",
              "no_outside_support": "#7f7f7f"}
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(rows) + 1.5), dpi=110)
    for k, row in enumerate(rows):
        ax.barh(k, row["end_h"] - row["start_h"], left=row["start_h"], color=colors.get(row["kind"], "grey"),
                edgecolor="black", height=0.6)
        ax.text(row["end_h"] + 0.5, k, f"{row['kind'].replace('_', ' ')}: {row['what']}", va="center",
                fontsize=8, color="black")
    for h, c in ((3, "#d62728"), (8, "#ff7f0e"), (12, "#8c564b")):
        ax.axvline(h, color=c, ls="--", lw=1)
    ax.set_yticks([])
    ax.set_xlim(0, run.scenario.duration / 60)
    ax.set_xlabel("hours since the event")
    ax.set_title(f"What was down — {run.scenario.name}")
    return save_figure(fig, out / "outages_timeline.png")


def plot_hazard(run, out: Path) -> list[str]:
    """Write the hazard plots that apply to ``run``; returns their file names."""
    kind = run.scenario.hazard.type
    written = []
    for maker in ((_earthquake,) if kind == "earthquake" else (_rainfall,) if kind == "rainfall" else ()):
        name = maker(run, out)
        if name:
            written.append(name)
    for maker in (_closed_roads, _outages):
        name = maker(run, out)
        if name:
            written.append(name)
    return written
