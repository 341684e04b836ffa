"""A shortest-path tree as the Router keeps it between road changes (:class:`sim.routing.router.Router`).

A tree may be partial (final up to its radius), carry times only, or come
from a restricted sweep that knows the times at a few nodes and sweeps the
whole tree when first read in full.
"""
from __future__ import annotations

import numpy as np

__all__ = ["CachedTree", "read_only"]


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
    first read.
    """

    __slots__ = ("_time_min", "pred_edge", "radius_min", "_swept_min", "_position", "_whole")

    def __init__(self, time_min, pred_edge, radius_min, swept_min=None, position=None,
                 whole=None):
        self._time_min = None if time_min is None else read_only(time_min)
        self.pred_edge = None if pred_edge is None else read_only(pred_edge)
        self.radius_min = radius_min
        self._swept_min, self._position, self._whole = swept_min, position, whole

    @property
    def time_min(self) -> np.ndarray:
        if self._time_min is None:
            self._time_min = read_only(self._whole())
            self._whole = None
        return self._time_min

    def time_at(self, node: int):
        """The time at ``node`` (a numpy float), sweeping the whole tree only if
        a restricted sweep did not reach it."""
        if self._position is not None:
            i = self._position[node]
            if i >= 0:
                return self._swept_min[i]
        return self.time_min[node]

    def times_at(self, nodes: np.ndarray) -> np.ndarray:
        """float64[len(nodes)] (a new array), as :meth:`time_at` for each."""
        if self._position is not None:
            i = self._position[nodes]
            if len(i) == 0 or i.min() >= 0:
                return self._swept_min[i]
        return self.time_min[nodes]
