"""Road state with several causes at once, one layer per cause.

An earthquake's debris, a flooded underpass, a drill's road closure: each
cause writes its own **layer** of speed factors, and an edge's state is the
minimum over the layers, so a road outage ending never reopens a bridge the
earthquake broke. Every change goes through :class:`RoadLayers.set`, which
updates traffic (re-routing the vehicles whose route it touches), logs a
``road`` event and keeps the closed road length over time, in total and by
road class (:meth:`RoadLayers.closed_km_figures`), and each segment's closures: from
when until when, and which change closed and which reopened it
(:attr:`RoadLayers.closures`, :meth:`RoadLayers.still_closed`) — read from the road
state itself, so they add up to the closed length over time whatever the causes.
A segment is closed while its first edge's speed factor is 0.
"""
from __future__ import annotations

import numpy as np

from sim.network.graph import RoadClass

__all__ = ["RoadLayers", "REPORT_HOURS"]

#: Hours after the start at which the closed road length is reported.
REPORT_HOURS = (24.0, 72.0)


class RoadLayers:
    """Speed factors by cause; the road state is their minimum."""

    def __init__(self, env, graph, traffic, log):
        self.env = env
        self.graph = graph
        self.traffic = traffic
        self.log = log
        self.layers: dict[str, np.ndarray] = {}
        self._segment_ids, self.first_edge = np.unique(graph.segment, return_index=True)
        self._row_of_segment = _row_lookup(self._segment_ids)
        self._closed = graph.speed_factor[self.first_edge] == 0.0     # per segment, as of graph epoch _closed_at
        self._closed_at = graph.epoch
        self.closed_km: list[tuple[float, float]] = [(0.0, 0.0)]
        self._class = graph.road_class[self.first_edge].astype(np.int64)
        self._km = graph.length_m[self.first_edge] / 1000.0
        self._n_classes = len(RoadClass)
        self.closed_km_by_class: list[tuple[float, np.ndarray]] = [(0.0, np.zeros(self._n_classes))]
        self.pumped = np.zeros(graph.n_edges, dtype=bool)   # kept clear by pumps: the hazard no longer floods them
        self._closed_figures: tuple[float, np.ndarray] | None = None   # (km, km by class) of _closed as last summed
        #: Finished closures: (segment id, closed from min, reopened at min, cause closing, cause reopening).
        self.closures: list[tuple[int, float, float, str, str]] = []
        self._recorded_closed = self._closed.copy()                   # per segment row, as the closures know it
        self._closed_since: dict[int, tuple[float, str]] = {
            row: (0.0, "closed at the start") for row in np.flatnonzero(self._closed).tolist()}

    def set_hazard(self, edges, factors, cause: str) -> None:
        """A hazard change, except on edges that pumping crews keep clear."""
        edges = np.asarray(edges, dtype=np.int64)
        factors = np.broadcast_to(np.asarray(factors, dtype=np.float64), edges.shape)
        keep = ~self.pumped[edges]
        if keep.any():
            self.set("hazard", edges[keep], factors[keep], cause)

    def pump_clear(self, edges, cause: str) -> None:
        self.set("hazard", edges, 1.0, cause)
        self.pumped[np.asarray(edges, dtype=np.int64)] = True

    def set(self, layer: str, edges: np.ndarray, factors, cause: str = "") -> None:
        edges = np.asarray(edges, dtype=np.int64)
        arr = self.layers.get(layer)
        if arr is None:
            arr = self.layers[layer] = np.ones(self.graph.n_edges)
        arr[edges] = factors
        by_layer = [a[edges] for a in self.layers.values()]
        combined = by_layer[0] if len(by_layer) == 1 else np.min(np.stack(by_layer), axis=0)
        self.traffic.set_speed_factor(edges, combined, cause or layer)
        now = self.env.now
        self._record_closures(edges, now, cause or layer)
        km, by_class = self._closed_km(edges)
        if self.closed_km[-1][0] == now:
            self.closed_km[-1] = (now, km)
            self.closed_km_by_class[-1] = (now, by_class)
        else:
            self.closed_km.append((now, km))
            self.closed_km_by_class.append((now, by_class))
        self.log.add(now, "road", agent=layer, item=cause or layer, amount=len(edges))

    def _record_closures(self, edges: np.ndarray, now: float, cause: str) -> None:
        """Start or finish the closure of each segment of ``edges`` that closed or reopened."""
        rows = self._rows(self.graph.segment[edges])
        closed = self.graph.speed_factor[self.first_edge[rows]] == 0.0
        toggled = closed != self._recorded_closed[rows]
        if not toggled.any():
            return
        rows, first = np.unique(rows[toggled], return_index=True)
        closed = closed[toggled][first]
        self._recorded_closed[rows] = closed
        for row, now_closed in zip(rows.tolist(), closed.tolist()):
            if now_closed:
                self._closed_since[row] = (now, cause)
            else:
                since, why = self._closed_since.pop(row)
                self.closures.append((int(self._segment_ids[row]), since, now, why, cause))

    def still_closed(self) -> list[tuple[int, float, str]]:
        """The segments closed now: (segment id, closed since min, cause closing)."""
        return [(int(self._segment_ids[row]), since, why) for row, (since, why) in self._closed_since.items()]

    def _rows(self, segments: np.ndarray) -> np.ndarray:
        """Each segment id's row in the per-segment arrays."""
        if self._row_of_segment is None:
            return np.searchsorted(self._segment_ids, segments)
        return self._row_of_segment[segments - self._segment_ids[0]]

    def _closed_km(self, edges: np.ndarray) -> tuple[float, np.ndarray]:
        """Closed road length now, in total and by road class (km): summed over the closed
        segments again only when some segment closed or reopened since the last sum (most
        changes of a flood only slow roads down)."""
        if self._update_closed_segments(edges) or self._closed_figures is None:
            closed_segments = np.flatnonzero(self._closed)
            km = float(self.graph.length_m[self.first_edge[closed_segments]].sum()) / 1000.0
            by_class = np.bincount(self._class[closed_segments], weights=self._km[closed_segments],
                                   minlength=self._n_classes)
            self._closed_figures = (km, by_class)
        return self._closed_figures

    def _update_closed_segments(self, edges: np.ndarray) -> bool:
        """Bring ``_closed`` (per segment, whether its first edge's speed factor is 0) up to
        date: the segments of ``edges`` looked at again when they were the only change since
        the last look (one epoch of the graph), else all of them. Returns whether some
        segment may have closed or reopened."""
        g = self.graph
        if g.epoch == self._closed_at:
            return False
        one_change = g.epoch == self._closed_at + 1
        self._closed_at = g.epoch
        if not one_change:
            self._closed = g.speed_factor[self.first_edge] == 0.0
            return True
        rows = self._rows(g.segment[edges])
        closed = g.speed_factor[self.first_edge[rows]] == 0.0
        toggled = bool((self._closed[rows] != closed).any())
        self._closed[rows] = closed
        return toggled

    def closed_km_figures(self, duration_min: float) -> dict:
        """Closed road length by road class over the run (``{class: [[hour, km], ...]}``, classes
        that were ever closed) and in total and by class at :data:`REPORT_HOURS` within the run."""
        times = np.array([t for t, _ in self.closed_km_by_class])
        table = np.array([v for _, v in self.closed_km_by_class])
        names = [RoadClass(c).name.lower() for c in range(self._n_classes)]
        ever = [c for c in range(self._n_classes) if table[:, c].max() > 0]
        series = {names[c]: [[round(float(t) / 60, 3), round(float(km), 3)] for t, km in zip(times, table[:, c])]
                  for c in ever}
        at = {}
        for hours in REPORT_HOURS:
            if hours * 60.0 <= duration_min:
                row = table[np.searchsorted(times, hours * 60.0, side="right") - 1]
                at[f"{hours:g}h"] = {"all": round(float(row.sum()), 3),
                                     **{names[c]: round(float(row[c]), 3) for c in ever}}
        return {"closed_road_km_by_class_over_time": series, "closed_road_km_at": at}


def _row_lookup(segment_ids: np.ndarray) -> np.ndarray | None:
    """Row of each segment id in the sorted unique ``segment_ids``, as an array indexed by
    ``id - segment_ids[0]`` (a gather instead of a binary search per changed edge); None when
    the ids are spread too thinly for such an array to pay (then the rows are searched)."""
    if not len(segment_ids):
        return None
    span = int(segment_ids[-1]) - int(segment_ids[0]) + 1
    if span > 4 * len(segment_ids) + 1024:
        return None
    rows = np.zeros(span, dtype=np.int64)
    rows[segment_ids - segment_ids[0]] = np.arange(len(segment_ids))
    return rows
