"""The exact shortest-path search behind the Router: Dijkstra on CSR arrays.

A :class:`DijkstraSearch` holds what does not change during a run — the CSR
structure of the road graph and, built on first need, its reverse — and a
reference to the Router's per-edge travel times in minutes, which the Router
updates in place when roads close or reopen. It chooses a kernel per question:
a one-to-all tree (from a source, or into a target on the reverse graph), an
early-exit one-to-many search, a parallel table, or a bidirectional
point-to-point search.

:class:`sim.routing.cch.CCHSearch` implements the same methods on a
customizable contraction hierarchy; the Router picks one of the two.

The reverse CSR depends on the static structure only, so it is cached per
``heads`` array: graph copies made with ``RoadGraph.copy()`` share their static
arrays and therefore one reverse CSR.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import kernels, point_to_point

__all__ = ["DijkstraSearch", "ReverseCSR", "reverse_csr"]

#: Tables with fewer sources than this run on one thread: starting the thread
#: pool costs more than it saves for one or two searches.
MIN_SOURCES_FOR_PARALLEL_TABLE = 2


class ReverseCSR:
    """Edges grouped by head node: the ones entering ``v`` are
    ``in_edges[in_offsets[v]:in_offsets[v+1]]``, their tails ``in_tails``."""

    __slots__ = ("in_offsets", "in_edges", "in_tails")

    def __init__(self, n_nodes: int, tails: np.ndarray, heads: np.ndarray):
        order = np.argsort(heads, kind="stable")
        self.in_offsets = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(heads, minlength=n_nodes), out=self.in_offsets[1:])
        self.in_edges = order.astype(np.int32)
        self.in_tails = np.ascontiguousarray(tails[order], dtype=np.int32)


_reverse_by_heads: dict[int, tuple[weakref.ref, ReverseCSR]] = {}


def reverse_csr(n_nodes: int, tails: np.ndarray, heads: np.ndarray) -> ReverseCSR:
    """The reverse CSR of a graph, built once per ``heads`` array and shared."""
    key = id(heads)
    entry = _reverse_by_heads.get(key)
    if entry is not None and entry[0]() is heads:
        return entry[1]
    reverse = ReverseCSR(n_nodes, tails, heads)
    _reverse_by_heads[key] = (weakref.ref(heads), reverse)
    weakref.finalize(heads, _reverse_by_heads.pop, key, None)
    return reverse


class DijkstraSearch:
    """Exact searches over one road graph's static structure.

    Parameters
    ----------
    offsets : int64[n + 1]
    tails, heads : int32[m]
    weight_min : float64[m]
        Travel time per edge in minutes (``inf`` = closed). Held by reference:
        the owner updates it in place and then calls :meth:`weights_changed`.
    """

    #: Trees carry predecessor edges, so routes can be read from them.
    paths_from_trees = True
    #: No sweep restricted to some targets (:meth:`CCHSearch.tree_at`): whole trees only.
    restricted_sweeps = False

    def __init__(self, offsets, tails, heads, weight_min):
        self.offsets = offsets
        self.tails = tails
        self.heads = heads
        self.weight_min = weight_min
        self._reverse: ReverseCSR | None = None

    @property
    def n_nodes(self) -> int:
        return len(self.offsets) - 1

    def weights_changed(self, edge_ids: np.ndarray | None) -> None:
        """Hook after ``weight_min`` changed (``None``: possibly everywhere).

        Dijkstra reads the weights afresh on every search, so nothing to do.
        """

    def tree(self, source: int) -> tuple[np.ndarray, np.ndarray, float]:
        """``(time_min[n], pred_edge[n], radius_min=inf)`` from ``source``."""
        time_min, pred_edge = kernels.shortest_path_tree(
            self.offsets, self.heads, self.weight_min, source)
        return time_min, pred_edge, np.inf

    def tree_to(self, source: int, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """A partial tree from ``source``, final at least for ``targets`` (non-empty)."""
        time_min, pred_edge, radius_min = kernels.times_to_targets(
            self.offsets, self.heads, self.weight_min, source, targets)
        return time_min, pred_edge, float(radius_min)

    def tree_into(self, target: int) -> tuple[np.ndarray, np.ndarray]:
        """``(time_min[n], next_edge[n])`` towards ``target``: the shortest time
        from every node to ``target`` and the first edge of that route (-1 at
        the target and where unreachable) — a one-to-all search on the reverse
        graph."""
        rev = self._reverse_csr()
        time_min, pred_rev = kernels.shortest_path_tree(
            rev.in_offsets, rev.in_tails, self.weight_min[rev.in_edges], target)
        next_edge = np.full(len(time_min), -1, dtype=np.int64)
        reached = pred_rev >= 0
        next_edge[reached] = rev.in_edges[pred_rev[reached]]
        return time_min, next_edge

    def path_into(self, next_edge: np.ndarray, source: int, target: int) -> np.ndarray:
        """Edge ids of the route ``source → target`` read from :meth:`tree_into`."""
        edges = []
        node = source
        heads = self.heads
        while node != target:
            e = int(next_edge[node])
            edges.append(e)
            node = int(heads[e])
        return np.asarray(edges, dtype=np.int64)

    def _reverse_csr(self) -> ReverseCSR:
        if self._reverse is None:
            self._reverse = reverse_csr(self.n_nodes, self.tails, self.heads)
        return self._reverse

    def table(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """float64[len(sources), len(targets)] of shortest times in minutes."""
        if len(sources) >= MIN_SOURCES_FOR_PARALLEL_TABLE:
            table = kernels.travel_time_table
        else:
            table = kernels.travel_time_table_serial
        return table(self.offsets, self.heads, self.weight_min, sources, targets)

    def route(self, source: int, target: int) -> tuple[float, np.ndarray]:
        """``(time_min, edge ids in driving order)``; ``(inf, [])`` if unreachable."""
        rev = self._reverse_csr()
        time_min, edges = point_to_point.point_to_point(
            self.offsets, self.heads, self.tails, rev.in_offsets, rev.in_tails, rev.in_edges,
            self.weight_min, source, target)
        return float(time_min), edges

    def path_in_tree(self, pred_edge: np.ndarray, source: int, target: int) -> np.ndarray:
        """Edge ids of the tree path ``source → target`` (target final and reachable)."""
        return kernels.path_edges_in_tree(pred_edge, self.tails, source, target)
