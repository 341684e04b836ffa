"""A map of the region: roads by class, river and bridges, depots, shelters
and zone populations — what an exercise designer pins on the wall."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection

from sim.network.graph import RoadClass, RoadGraph
from sim.report.figures import new_figure, save_figure
from sim.report.map_furniture import lonlat_axes, scale_bar, township_labels

__all__ = ["draw_roads", "plot_region_map", "ROAD_STYLE"]

#: Colour and line width of each road class.
ROAD_STYLE = {
    RoadClass.RURAL: ("#d9d9d9", 0.3),
    RoadClass.LOCAL: ("#c8c8c8", 0.3),
    RoadClass.COLLECTOR: ("#a0a0a0", 0.6),
    RoadClass.ARTERIAL: ("#e6a23c", 1.1),
    RoadClass.EXPRESSWAY: ("#c0392b", 2.0),
}


def _segment_lines(graph: RoadGraph, edges: np.ndarray) -> np.ndarray:
    return np.stack([np.column_stack([graph.lon[graph.tails[edges]], graph.lat[graph.tails[edges]]]),
                     np.column_stack([graph.lon[graph.heads[edges]], graph.lat[graph.heads[edges]]])], axis=1)


def draw_roads(ax, graph: RoadGraph, *, closed=None) -> None:
    """Draw each road segment once, styled by class (minor roads first)."""
    first = np.unique(graph.segment, return_index=True)[1]
    cls = graph.road_class[first]
    for c in sorted(ROAD_STYLE, key=lambda c: -int(c)):
        m = cls == c
        if not m.any():
            continue
        color, width = ROAD_STYLE[c]
        ax.add_collection(LineCollection(_segment_lines(graph, first[m]), colors=color, linewidths=width,
                                         zorder=1 + (4 - int(c)) * 0.1, label=f"{c.name.lower()} road"))
    if closed is not None:
        ce = first[np.flatnonzero(closed[first])]
        if len(ce):
            ax.add_collection(LineCollection(_segment_lines(graph, ce), colors="black", linewidths=1.6, zorder=3,
                                             label="closed"))
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
    fig, ax = new_figure(10, 9)
    if river_lonlat is not None:
        ax.plot(river_lonlat[:, 0], river_lonlat[:, 1], color="#4f94cd", lw=4, alpha=0.6, zorder=0.5,
                label="river")
    draw_roads(ax, graph)
    pop = zones["population"].to_numpy()
    sc = ax.scatter(zones["lon"], zones["lat"], s=4 + 60 * pop / max(pop.max(), 1), c=pop, cmap="viridis",
                    alpha=0.75, edgecolor="none", zorder=5)
    fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.01).set_label("zone population (people)")
    for i, (sid, cap, node) in enumerate(shelters):
        ax.scatter(graph.lon[node], graph.lat[node], marker="^", s=70, color="#2e8b57", edgecolor="black",
                   zorder=6, label="shelter" if i == 0 else None)
    for did, tier, node in depots:
        ax.scatter(graph.lon[node], graph.lat[node], marker="*", s=260,
                   color="#d62728" if tier == "city" else "#ff7f0e", edgecolor="black", zorder=7)
        ax.annotate(f"{did} ({tier})", (graph.lon[node], graph.lat[node]), xytext=(6, 6),
                    textcoords="offset points", fontsize=8, weight="bold", zorder=8)
    mean_lat = float(np.nanmean(graph.lat))
    lonlat_axes(ax, mean_lat, title or graph.name)
    township_labels(ax, zones)
    scale_bar(ax, mean_lat)
    ax.legend(loc="lower left", fontsize=7, framealpha=0.9)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path)
    return path
