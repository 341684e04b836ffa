"""Road state with several causes at once, one layer per cause.

An earthquake's debris, a flooded underpass, a drill's road closure: each
cause writes its own **layer** of speed factors, and an edge's state is the
minimum over the layers, so a road outage ending never reopens a bridge the
earthquake broke. Every change goes through :class:`RoadLayers.set`, which
updates traffic (re-routing the vehicles whose route it touches), logs a
``road`` event and keeps the closed road length over time.
"""
from __future__ import annotations

import numpy as np

__all__ = ["RoadLayers"]


class RoadLayers:
    """Speed factors by cause; the road state is their minimum."""

    def __init__(self, env, graph, traffic, log):
        self.env = env
        self.graph = graph
        self.traffic = traffic
        self.log = log
        self.layers: dict[str, np.ndarray] = {}
        self.first_edge = np.unique(graph.segment, return_index=True)[1]
        self.closed_km: list[tuple[float, float]] = [(0.0, 0.0)]
        self.pumped = np.zeros(graph.n_edges, dtype=bool)   # kept clear by pumps: the hazard no longer floods them

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
        arr = self.layers.setdefault(layer, np.ones(self.graph.n_edges))
        arr[edges] = factors
        combined = np.min(np.stack([a[edges] for a in self.layers.values()]), axis=0)
        self.traffic.set_speed_factor(edges, combined, cause or layer)
        g = self.graph
        closed = self.first_edge[g.speed_factor[self.first_edge] == 0.0]
        km = float(g.length_m[closed].sum()) / 1000.0
        now = self.env.now
        if self.closed_km[-1][0] == now:
            self.closed_km[-1] = (now, km)
        else:
            self.closed_km.append((now, km))
        self.log.add(now, "road", agent=layer, item=cause or layer, amount=len(edges))
