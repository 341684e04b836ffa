"""A map of the region: roads by class, river and bridges, depots, shelters
and zone populations — what an exercise designer pins on the wall."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from sim.network.graph import RoadClass, RoadGraph  # noqa: E402

__all__ = ["draw_roads", "plot_region_map"]

_ROAD_STYLE = {
    RoadClass.RURAL: ("#d9d9d9", 0.3),
    RoadClass.LOCAL: ("#c8c8c8", 0.3),
    RoadClass.COLLECTOR: ("#a0a0a0", 0.6),
    RoadClass.ARTERIAL: ("#e6a23c", 1.1),
    RoadClass.EXPRESSWAY: ("#c0392b", 2.0),
}


def draw_roads(ax, graph: RoadGraph, *, edge_colors=None, closed=None) -> None:
    """Draw each road segment once, styled by class (minor roads first)."""
    first = np.unique(graph.segment, return_index=True)[1]
    t, h = graph.tails[first], graph.heads[first]
    cls = graph.road_class[first]
    for c in sorted(_ROAD_STYLE, key=lambda c: -int(c)):
        m = cls == c
        if not m.any():
            continue
        segs = np.stack([np.column_stack([graph.lon[t[m]], graph.lat[t[m]]]),
                         np.column_stack([graph.lon[h[m]], graph.lat[h[m]]])], axis=1)
        color, width = _ROAD_STYLE[c]
        ax.add_collection(LineCollection(segs, colors=color, linewidths=width, zorder=1 + (4 - int(c)) * 0.1,
                                         label=c.name.lower()))
    if closed is not None:
        ce = np.flatnonzero(closed[first])
        if len(ce):
            segs = np.stack([np.column_stack([graph.lon[t[ce]], graph.lat[t[ce]]]),
                             np.column_stack([graph.lon[h[ce]], graph.lat[h[ce]]])], axis=1)
            ax.add_collection(LineCollection(segs, colors="black", linewidths=1.6, zorder=3, label="closed"))
    bridges = first[graph.is_bridge[first]]
    if len(bridges):
        mx = (graph.lon[graph.tails[bridges]] + graph.lon[graph.heads[bridges]]) / 2
        my = (graph.lat[graph.tails[bridges]] + graph.lat[graph.heads[bridges]]) / 2
        ax.scatter(mx, my, marker="s", s=22, facecolor="white", edgecolor="#1f4e79", linewidths=1.2,
                   zorder=4, label=f"bridge ({len(bridges)})")
    ax.autoscale()


def plot_region_map(path: Path | str, graph: RoadGraph, zones, *, depots=(), shelters=(),
                    river_lonlat=None, title: str = "") -> Path:
    """Write the region map to ``path`` (PNG).

    ``depots`` and ``shelters`` are sequences of ``(id, tier_or_capacity, node)``.
    """
    fig, ax = plt.subplots(figsize=(10, 9), dpi=110)
    if river_lonlat is not None:
        ax.plot(river_lonlat[:, 0], river_lonlat[:, 1], color="#4f94cd", lw=4, alpha=0.6, zorder=0.5,
                label="river")
    draw_roads(ax, graph)
    pop = zones["population"].to_numpy()
    sc = ax.scatter(zones["lon"], zones["lat"], s=4 + 60 * pop / max(pop.max(), 1), c=pop, cmap="viridis",
                    alpha=0.75, edgecolor="none", zorder=5)
    cb = fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.01)
    cb.set_label("zone population")
    for i, (sid, cap, node) in enumerate(shelters):
        ax.scatter(graph.lon[node], graph.lat[node], marker="^", s=70, color="#2e8b57", edgecolor="black",
                   zorder=6, label="shelter" if i == 0 else None)
    for did, tier, node in depots:
        ax.scatter(graph.lon[node], graph.lat[node], marker="*", s=260,
                   color="#d62728" if tier == "city" else "#ff7f0e", edgecolor="black", zorder=7)
        ax.annotate(f"{did} ({tier})", (graph.lon[node], graph.lat[node]), xytext=(6, 6),
                    textcoords="offset points", fontsize=8, weight="bold", zorder=8)
    ax.set_aspect(1 / np.cos(np.radians(np.nanmean(graph.lat))))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(title or graph.name)
    ax.legend(loc="lower left", fontsize=7, framealpha=0.9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
