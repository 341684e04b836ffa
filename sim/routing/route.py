"""What a route query answers, and the travel time of a road edge.

:class:`Route` is the Router's answer to "how does a truck get from here to
there": the crossroads passed, the road edges driven, minutes and metres.
:func:`edge_time_min` turns a road's length, free-flow speed and current
speed factor into the minutes every routing algorithm works with.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network.graph import KMH_TO_M_PER_MIN

__all__ = ["Route", "edge_time_min"]


@dataclass(frozen=True, eq=False)
class Route:
    """A shortest route: the crossroads passed and the road edges driven.

    Attributes
    ----------
    nodes : int64[k + 1]
        Node indices from source to target (just ``[source]`` if they coincide).
    edges : int64[k]
        Edge ids in driving order; edge ``edges[i]`` goes ``nodes[i] → nodes[i+1]``.
    time_min : float
        Travel time in minutes at the road state the route was computed for.
    length_m : float
        Length in metres.
    """

    nodes: np.ndarray
    edges: np.ndarray
    time_min: float
    length_m: float

    @property
    def source(self) -> int:
        return int(self.nodes[0])

    @property
    def target(self) -> int:
        return int(self.nodes[-1])


def edge_time_min(length_m, speed_kmh, speed_factor) -> np.ndarray:
    """Travel time of edges in minutes: ``length / (speed * factor)``; ``inf`` if closed.

    Same arithmetic as ``RoadGraph.travel_time_min``, except that a factor of
    0 closes the edge even when it is zero metres long (where the plain
    formula gives 0/0 = NaN).
    """
    speed_m_per_min = (np.asarray(speed_kmh, dtype=np.float64)
                       * np.asarray(speed_factor, dtype=np.float64) * KMH_TO_M_PER_MIN)
    with np.errstate(divide="ignore", invalid="ignore"):
        time_min = np.divide(np.asarray(length_m, dtype=np.float64), speed_m_per_min)
    return np.where(speed_m_per_min > 0, time_min, np.inf)
