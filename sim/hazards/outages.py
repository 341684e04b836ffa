"""The "three outages" (roads, power, communications) and the fourth (water).

The plans ask every township to drill once a year for an extreme case in
which roads, power and communications are cut at once — "three outages" —
with water as the fourth, and **no outside support** for a while [TZ, BJ25].
The scenario's ``outages`` section gives each as time windows over an area
(listed townships, a circle or everywhere). This module decides, for one
run, *what* each window covers:

* **roads** — a seeded share ``closed_share`` of the road segments with an
  end inside the area closes at the window's start and reopens at its end;
* **power** — depots and shelters inside the area without ``backup_power``
  work ``slowdown`` times slower (loading, admitting people) until the window
  ends or a ``lifeline_repair`` crew restores their supply;
* **communications** — reports from zones and orders to depots inside the
  area take ``delay_factor`` times longer, a share ``loss_share`` of reports
  is lost and re-sent when the network is back, and warnings reach people
  later; agents with a satellite phone are not affected;
* **water** — affected people at home in the area are without lifelines
  until the window ends (or the impact's own restoration, if later) and
  need ``extra_water_l`` more drinking water a day for as long;
* **no outside support** — city depots and teams marked ``outside`` cannot
  send anything in the window.

The world records these decisions (:mod:`sim.world.outage_plan`) and the run
schedules them (:mod:`sim.engine.outages`); they are
kept apart so a test can check exactly what an outage covers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.network.areas import points_in_area, zones_in_area

__all__ = ["RoadClosure", "road_closures", "window_days", "zones_hit_by"]


@dataclass(frozen=True)
class RoadClosure:
    """Edges closed from ``start_min`` to ``end_min`` by a road outage."""

    start_min: float
    end_min: float
    edges: np.ndarray
    segments: np.ndarray


def road_closures(windows, graph, node_township, rngs) -> list[RoadClosure]:
    """The road segments each road outage closes: a seeded ``closed_share`` of the
    segments with an end inside its area.

    ``node_township`` gives the township of every node (for township areas);
    ``rngs[k]`` is the generator of window ``k``. It draws one uniform per road
    segment of the whole graph, whatever the area, so a larger share or a wider
    area closes a superset of the segments a smaller one closes.
    """
    closures = []
    n_segments = int(graph.segment.max()) + 1 if graph.n_edges else 0
    for window, rng in zip(windows, rngs):
        node_in = points_in_area(window.area, graph.lon, graph.lat, node_township)
        edge_in = node_in[graph.tails] | node_in[graph.heads]
        draw = rng.random(n_segments)
        segments = np.unique(graph.segment[edge_in])
        chosen = segments[draw[segments] < window.closed_share]
        edges = np.flatnonzero(np.isin(graph.segment, chosen))
        closures.append(RoadClosure(window.start, window.end, edges, chosen))
    return closures


def window_days(window) -> float:
    return (window.end - window.start) / 1440.0


def zones_hit_by(window, zones) -> np.ndarray:
    return zones_in_area(window.area, zones)
