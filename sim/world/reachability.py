"""Which affected zones no depot can reach, from when and until when.

A zone is **cut off** while no depot with trucks can reach its road node over
the open roads (with no trucks at all, no zone is: the roads are not what stops
supplies, and the world warns of the missing fleet) (closed roads have speed factor 0: a collapsed bridge, debris,
a flooded underpass, a drill's closure). The check is a graph search from all
depots at once over the open edges (a compiled kernel on the graph's CSR
arrays), run once when the hazard has struck and again whenever a road closes, or a road
reopens while some zone is cut off. The result is a list of episodes per
zone, reported in ``summary.json`` warnings: what the run actually faced,
not what the roads were before the disaster.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["Reachability", "reached_over_open_roads"]


class Reachability:
    """Cut-off episodes of the affected zones (see the module docstring)."""

    def __init__(self, graph, depots, zones):
        self.graph = graph
        self.sources = np.unique([d.node for d in depots if d.spec.trucks.count > 0]).astype(np.int64)
        self.zones = [z for z in zones if z.is_affected]
        self.zone_nodes = np.array([z.node for z in self.zones], dtype=np.int64)
        self.episodes: dict[str, list[list[float]]] = {}     # zone id -> [[from_min, until_min or inf], ...]
        self._cut = np.zeros(len(self.zones), dtype=bool)
        self._closed = np.zeros(graph.n_edges, dtype=bool)   # speed factor == 0, as of graph epoch _closed_at
        self._closed_at: int | None = None
        self.checks = 0
        self.first_check_min: float | None = None
        self.reachable: np.ndarray | None = None             # nodes some depot reaches, at the last check
        self.reachable_version = 0                           # bumped when a check changes the reached nodes
        # Since the search that gave ``reachable``: whether an edge out of a reached node closed
        # (then search again), and the edges that reopened (the search grows from them).
        self._reached_edge_closed = False
        self._reopened_edges: list[np.ndarray] = []

    @property
    def any_cut_off(self) -> bool:
        return bool(self._cut.any())

    def cut_off_zone_indices(self) -> list[int]:
        """Indices (in the world's zone list) of the affected zones cut off now."""
        return [self.zones[k].index for k in np.flatnonzero(self._cut)]

    def roads_changed(self, now: float) -> None:
        """Check again if a road closed, or a road reopened while a zone is cut off."""
        newly_closed, reopened = self._update_closed()
        if newly_closed or (reopened and self.any_cut_off) or self.checks == 0:
            self.check(now)

    def check(self, now: float) -> None:
        """Recompute which zones are cut off at ``now``."""
        self.checks += 1
        if self.first_check_min is None:
            self.first_check_min = now
        self._update_closed()
        if not len(self.zones) or not len(self.sources):
            return                      # without trucks the roads cut nobody off: there is nothing to drive
        reachable = self._reachable_nodes()
        if reachable is not self.reachable and (self.reachable is None
                                                or not np.array_equal(reachable, self.reachable)):
            self.reachable_version += 1
        self.reachable = reachable
        cut = ~reachable[self.zone_nodes]
        for k in np.flatnonzero(cut & ~self._cut):
            self.episodes.setdefault(self.zones[k].zone_id, []).append([now, math.inf])
        for k in np.flatnonzero(~cut & self._cut):
            self.episodes[self.zones[k].zone_id][-1][1] = now
        self._cut = cut

    def _update_closed(self) -> tuple[bool, bool]:
        """Bring the closed-edge mask up to date; returns whether some edge closed and
        whether some edge reopened since the last look. When the graph changed once since
        then, only the edges of that change are looked at (a change touches a few edges of
        tens of thousands), else all of them."""
        g = self.graph
        if self._closed_at is not None and g.epoch == self._closed_at:
            return False, False
        edges = g.last_changed_edges
        if self._closed_at is not None and g.epoch == self._closed_at + 1 and edges is not None:
            closed = g.speed_factor[edges] == 0.0
            was_closed = self._closed[edges]
            self._closed[edges] = closed
        else:
            edges = np.arange(g.n_edges)
            closed = g.speed_factor == 0.0
            was_closed = self._closed
            self._closed = closed
        self._closed_at = g.epoch
        newly_closed, reopened = closed & ~was_closed, was_closed & ~closed
        any_closed, any_reopened = bool(newly_closed.any()), bool(reopened.any())
        if self.reachable is not None:
            if any_closed and self.reachable[g.tails[edges[newly_closed]]].any():
                self._reached_edge_closed = True
            if any_reopened and not self._reached_edge_closed:
                self._reopened_edges.append(edges[reopened])
        return any_closed, any_reopened

    def _reachable_nodes(self) -> np.ndarray:
        """Nodes some depot reaches now. Closing an edge out of a node the last search did not
        reach changes nothing, and reopening one only adds the nodes reached through it, so
        unless an edge out of a reached node closed since, the last result grows from the
        reopened edges instead of searching the whole graph again."""
        g = self.graph
        if self.reachable is None or self._reached_edge_closed:
            reached = reached_over_open_roads(g.offsets, g.heads, g.speed_factor, self.sources)
        elif self._reopened_edges:
            reached = self.reachable.copy()
            edges = np.concatenate(self._reopened_edges)
            edges = edges[reached[g.tails[edges]] & (g.speed_factor[edges] > 0.0)]
            grow_reached_over_open_roads(g.offsets, g.heads, g.speed_factor, reached, g.heads[edges].astype(np.int64))
        else:
            reached = self.reachable
        self._reached_edge_closed = False
        self._reopened_edges = []
        return reached

    def warnings(self, people_of: dict[str, int]) -> list[str]:
        """Lines for ``summary.json``: zones cut off once the hazard struck, and later."""
        if not self.episodes:
            return []
        at_start = sorted(z for z, eps in self.episodes.items() if eps[0][0] <= self.first_check_min)
        later = sorted(z for z in self.episodes if z not in at_start)
        out = []
        if at_start and len(at_start) == len(self.zones):
            out.append("no affected site can be reached by truck from any depot once the hazard has struck: "
                       + _listing(at_start, self.episodes, people_of))
        elif at_start:
            people = sum(people_of.get(z, 0) for z in at_start)
            out.append(f"{len(at_start)} affected zone(s) ({people:,} people) cannot be reached by truck from any "
                       f"depot once the hazard has struck: " + _listing(at_start, self.episodes, people_of))
        if later:
            people = sum(people_of.get(z, 0) for z in later)
            out.append(f"{len(later)} affected zone(s) ({people:,} people) were cut off by road from every depot "
                       "later in the run: " + _listing(later, self.episodes, people_of))
        return out


@njit(cache=True)
def reached_over_open_roads(offsets, heads, speed_factor, sources):
    """Nodes reached from any of ``sources`` over the edges with ``speed_factor > 0``, on
    the graph's CSR arrays (edges of node ``v``: ``offsets[v]`` to ``offsets[v + 1]``):
    a bool per node, the sources included."""
    reached = np.zeros(len(offsets) - 1, dtype=np.bool_)
    grow_reached_over_open_roads(offsets, heads, speed_factor, reached, sources)
    return reached


@njit(cache=True)
def grow_reached_over_open_roads(offsets, heads, speed_factor, reached, sources):
    """Mark in ``reached`` (a bool per node, in place) the nodes reached from any of
    ``sources`` over the edges with ``speed_factor > 0``, not searching on from nodes
    already marked."""
    n_nodes = len(offsets) - 1
    to_visit = np.empty(n_nodes, dtype=np.int64)
    n_to_visit = 0
    for s in sources:
        if not reached[s]:
            reached[s] = True
            to_visit[n_to_visit] = s
            n_to_visit += 1
    while n_to_visit > 0:
        n_to_visit -= 1
        u = to_visit[n_to_visit]
        for e in range(offsets[u], offsets[u + 1]):
            if speed_factor[e] > 0.0:
                v = heads[e]
                if not reached[v]:
                    reached[v] = True
                    to_visit[n_to_visit] = v
                    n_to_visit += 1


def _h(minutes: float) -> str:
    return "the end" if not math.isfinite(minutes) else f"{minutes / 60:.1f} h"


def _listing(zone_ids: list[str], episodes: dict, people_of: dict, limit: int = 10) -> str:
    parts = []
    for z in zone_ids[:limit]:
        spans = "; ".join(f"{_h(a)} to {_h(b)}" for a, b in episodes[z])
        parts.append(f"{z} ({people_of.get(z, 0):,} people, {spans})")
    more = f" … and {len(zone_ids) - limit} more" if len(zone_ids) > limit else ""
    return ", ".join(parts) + more
