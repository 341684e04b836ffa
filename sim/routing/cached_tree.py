"""A shortest-path tree as the Router keeps it between road changes (:class:`sim.routing.router.Router`).

A tree may be partial (final up to its radius), carry times only, or come
from a restricted sweep that knows the times at a few nodes and sweeps the
whole tree when first read in full.
"""
from __future__ import annotations

import numpy as np

__all__ = ["CachedTree", "read_only", "SOME_MAX_NODES"]

#: Nodes outside a restricted sweep's targets a tree answers by restricted sweeps
#: of their own (a few dozen crossroads' ancestors each) before it sweeps whole.
SOME_MAX_NODES = 32


def read_only(array: np.ndarray) -> np.ndarray:
    """``array``, made read-only in place (arrays handed out from a cache)."""
    array.flags.writeable = False
    return array


class CachedTree:
    """A cached (partial) shortest-path tree; final where ``time_min <= radius_min``.

    ``pred_edge`` is ``None`` when the algorithm's trees carry times only. A
    tree from a restricted sweep (:meth:`CCHSearch.tree_at`) is made with
    ``time_min=None``: it knows the times at the sweep's targets
    (``swept_min[position[node]]`` where ``position[node] >= 0``) and sweeps
    the whole tree (``whole()``, same times bit for bit) when ``time_min`` is
    first read. A few other nodes (at most :data:`SOME_MAX_NODES` over the
    tree's life) are answered by restricted sweeps of their own
    (``some(nodes)``, same times bit for bit) instead: a depot's times at the
    zones, then at the crossroads where porters take over for cut-off zones,
    cost two small sweeps, not a small one and a whole one.
    """

    __slots__ = ("_time_min", "pred_edge", "radius_min", "_swept_min", "_position", "_whole", "_some",
                 "_more")

    def __init__(self, time_min, pred_edge, radius_min, swept_min=None, position=None,
                 whole=None, some=None):
        self._time_min = None if time_min is None else read_only(time_min)
        self.pred_edge = None if pred_edge is None else read_only(pred_edge)
        self.radius_min = radius_min
        self._swept_min, self._position, self._whole = swept_min, position, whole
        self._some = some
        self._more: dict[int, float] = {}   # node -> time, from some()

    @property
    def time_min(self) -> np.ndarray:
        if self._time_min is None:
            self._time_min = read_only(self._whole())
            self._whole = None
        return self._time_min

    def time_at(self, node: int):
        """The time at ``node`` (a numpy float), sweeping the whole tree only if
        neither the restricted sweep nor a few more (``some``) reach it."""
        if self._position is None:
            return self.time_min[node]
        i = self._position[node]
        return self._swept_min[i] if i >= 0 else self.times_at(np.array([node], dtype=np.int64))[0]

    def times_at(self, nodes: np.ndarray) -> np.ndarray:
        """float64[len(nodes)] (a new array), as :meth:`time_at` for each."""
        if self._position is not None:
            i = self._position[nodes]
            if len(i) == 0 or i.min() >= 0:
                return self._swept_min[i]
            outside = i < 0
            missing = nodes[outside].tolist()
            if self._time_min is None and self._found_more(missing):
                out = np.empty(len(nodes))
                out[~outside] = self._swept_min[i[~outside]]
                out[outside] = [self._more[v] for v in missing]
                return out
        return self.time_min[nodes]

    def _found_more(self, nodes: list[int]) -> bool:
        """Whether ``nodes`` have times from ``some`` (asking it for those new to it),
        while the tree's nodes answered so stay within :data:`SOME_MAX_NODES`."""
        if self._some is None:
            return False
        new = [v for v in dict.fromkeys(nodes) if v not in self._more]
        if not new:
            return True
        if len(self._more) + len(new) > SOME_MAX_NODES:
            return False
        self._more.update(zip(new, self._some(np.array(new, dtype=np.int64)).tolist()))
        return True
