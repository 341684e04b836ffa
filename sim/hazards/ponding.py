"""Where rain water stands: a storage–drainage model of urban ponding on the road nodes.

Urban waterlogging happens where rain falls faster than the sewers take it and
the surplus runs over the surface into the nearest low ground — underpasses,
riverside streets, old courtyards below the street — until the rain eases and
the sewers drain it. This module models exactly that, per road node, at a fixed
time step:

1. **Surplus runoff.** A node's footprint receives rain ``f·r`` (``r`` from
   the hyetograph, ``f`` a spatial factor) and sheds ``c·f·r`` (runoff
   coefficient ``c``). The drainage takes the runoff of rain up to ``D``
   mm/h — a sewer designed for a storm of ``D`` mm/h carries ``c·D`` — and the
   rest, ``c·(f·r − D)⁺``, runs off over the surface. This is the rational
   method (Q = c·i·A) with a capacity. The scenario default of 36 mm/h is of
   the order of the one-hour storm of a one-year return period, the low end of
   the 1–3 year design standard of older Chinese urban sewers (GB 50014-2006
   before its 2014 revision); ponding in Beijing's streets is indeed reported
   against hourly intensity (You et al. 2013, *Meteorological Monthly* 39(8),
   doi:10.7519/j.issn.1000-0526.2013.08.012).
2. **Local fill.** Surface water travels a short way in a city (kerbs,
   buildings and walls stop it), so each node looks at its own neighbourhood:
   the nodes within ``radius_m``. The surplus of the whole neighbourhood fills
   it from its lowest point up, as a bowl (each node standing for an equal
   footprint): the water level ``W`` above the neighbourhood's lowest node
   solves Σⱼ max(0, W − hⱼ) = stored volume, with ``hⱼ`` the heights of the
   neighbourhood's nodes above its lowest one. The node's depth is
   ``max(0, W − hᵢ)``: the node's own height above the lowest ground within the
   radius (a "height above nearest drainage" proxy after Nobre et al. 2011,
   J. Hydrology 404, 13–29, with the local minimum as the drain) decides how
   soon it floods. Underpasses (dips of metres) and riverside nodes fill first;
   a node on a slope stays dry until its whole neighbourhood is under water.
3. **Recession.** Ponded water drains through the inlets where it stands: in
   any step the level falls by the spare capacity ``c·(D − f·r)⁺`` — after the
   rain, by ``c·D`` per hour, so a metre of water in an underpass takes about
   35 h to drain by gravity at the defaults (which is why pumping crews
   matter; see :mod:`sim.hazards.rainfall`).

Every step is a composition of monotone maps (add a non-negative inflow,
invert an increasing storage curve, subtract a non-negative drain, clip at
zero), so more rain never gives less water anywhere at any time, and more
drainage never gives more — the tests check both.

Each node's neighbourhood is its own bowl, so the model is a per-node proxy
(overlapping bowls count the same surplus more than once) and not a volume-
conserving surface-flow model: no river flooding, no flow between
neighbourhoods. The neighbourhoods and storage curves are numpy; the steps
run in compiled kernels (numba) that visit only the bowls getting water or
holding some, so the built-in district (about 19k nodes) runs a 72 h storm at
10 min steps in some tens of milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.spatial import cKDTree

from sim.network.geo import LocalProjection
from sim.network.graph import RoadGraph

__all__ = ["PondingTerrain", "PondingRun", "ponding_terrain", "rain_per_step", "simulate_ponding"]

_FAR_M = 1.0e6            # height padding for absent neighbours: never reached by water
_CACHE: dict = {}         # (id of static arrays, radius) -> (arrays kept alive, terrain)
_CACHE_SIZE = 4


@dataclass(frozen=True)
class PondingTerrain:
    """The neighbourhood of every node within ``radius_m`` and its storage curve.

    Attributes
    ----------
    neighbours : int64[n, k]
        Nodes within the radius (the node itself included), padded with ``n``.
    rel_height_m : float64[n]
        Height of each node above the lowest node within the radius (≥ 0).
    sorted_height_m : float64[n, k]
        Heights of each neighbourhood above its lowest node, ascending, padded
        with a far height.
    below_sum_m : float64[n, k + 1]
        ``below_sum_m[i, m]`` = sum of the ``m`` lowest heights of row ``i``.
    breakpoint_storage : float64[n, k]
        Volume (node footprints × m) stored when the level reaches each height.
    """

    radius_m: float
    neighbours: np.ndarray
    rel_height_m: np.ndarray
    sorted_height_m: np.ndarray
    below_sum_m: np.ndarray
    breakpoint_storage: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.rel_height_m)

    def storage(self, level_m: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Volume (node footprints × m) in the bowls of ``rows`` at water level ``level_m``."""
        h = self.sorted_height_m[rows]
        m = (h < level_m[:, None]).sum(axis=1)
        return m * level_m - self.below_sum_m[rows, m]

    def level(self, volume: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Water level (m above the lowest node) holding ``volume`` in the bowls of ``rows``."""
        m = (self.breakpoint_storage[rows] <= volume[:, None]).sum(axis=1)
        m = np.maximum(m, 1)
        return (volume + self.below_sum_m[rows, m]) / m


@dataclass
class PondingRun:
    """Water depth over time at the nodes that can get wet.

    ``times_min`` are minutes from the start of the rain (first entry 0, all
    dry); ``depth_m[t, c]`` is the depth at node ``nodes[c]`` at ``times_min[t]``;
    every other node stays dry. ``dry_min`` is when the last water drained
    (``None`` if some was still standing when the run stopped).
    """

    times_min: np.ndarray
    nodes: np.ndarray
    depth_m: np.ndarray
    dry_min: float | None

    def node_depth_m(self, n_nodes: int) -> np.ndarray:
        """Depth at every node, ``[t, node]`` (dense; for tests and small graphs)."""
        out = np.zeros((len(self.times_min), n_nodes))
        out[:, self.nodes] = self.depth_m
        return out

    def peak_depth_m(self, n_nodes: int) -> np.ndarray:
        """Highest depth reached at every node."""
        out = np.zeros(n_nodes)
        if len(self.nodes):
            out[self.nodes] = self.depth_m.max(axis=0)
        return out


def ponding_terrain(graph: RoadGraph, radius_m: float) -> PondingTerrain:
    """The neighbourhoods and storage curves of ``graph`` for ``radius_m`` (cached per graph)."""
    if not radius_m > 0:
        raise ValueError(f"radius_m (={radius_m}) must be > 0")
    if not graph.has_coordinates:
        raise ValueError(f"graph {graph.name!r} has nodes without lon/lat; the ponding model needs coordinates")
    key = (id(graph.lon), id(graph.lat), id(graph.elevation_m), graph.n_nodes, float(radius_m))
    hit = _CACHE.get(key)
    if hit is not None:
        return hit[1]
    terrain = _build_terrain(graph.lon, graph.lat, graph.elevation_m, float(radius_m))
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = ((graph.lon, graph.lat, graph.elevation_m), terrain)   # keep the arrays alive: ids stay unique
    return terrain


def _build_terrain(lon, lat, elevation_m, radius_m) -> PondingTerrain:
    n = len(lon)
    elevation_m = np.asarray(elevation_m, dtype=np.float64)
    if not np.isfinite(elevation_m).all():
        raise ValueError("node elevation_m must be finite for the ponding model")
    proj = LocalProjection.around(lon, lat)
    xy = np.column_stack(proj.to_xy_m(lon, lat))
    tree = cKDTree(xy)
    k = int(tree.query_ball_point(xy, radius_m, return_length=True).max())
    _, nbr = tree.query(xy, k=max(k, 1), distance_upper_bound=radius_m)
    nbr = np.asarray(nbr, dtype=np.int64).reshape(n, -1)
    present = nbr < n
    elev = np.where(present, elevation_m[np.minimum(nbr, n - 1)], np.inf)
    lowest = elev.min(axis=1)
    heights = np.where(present, elev - lowest[:, None], _FAR_M)
    order = np.argsort(heights, axis=1, kind="stable")
    sorted_h = np.take_along_axis(heights, order, axis=1)
    finite = np.where(sorted_h < _FAR_M, sorted_h, 0.0)
    below = np.zeros((n, sorted_h.shape[1] + 1))
    np.cumsum(finite, axis=1, out=below[:, 1:])
    m = np.arange(sorted_h.shape[1])
    breakpoints = np.where(sorted_h < _FAR_M, m * sorted_h - below[:, :-1], np.inf)
    return PondingTerrain(radius_m=radius_m, neighbours=nbr, rel_height_m=elevation_m - lowest,
                          sorted_height_m=sorted_h, below_sum_m=below, breakpoint_storage=breakpoints)


def rain_per_step(hyetograph_mm, interval_min: float, step_min: float) -> np.ndarray:
    """Rain (mm) in each model step from rain per hyetograph interval.

    Intensity is uniform within an interval; the cumulative rain is sampled at
    the step boundaries, so the total is kept exactly when the steps cover the
    storm (the last step may run past its end).
    """
    rain = np.asarray(hyetograph_mm, dtype=np.float64)
    if interval_min <= 0 or step_min <= 0:
        raise ValueError(f"interval_min (={interval_min}) and step_min (={step_min}) must be > 0")
    if np.any(~np.isfinite(rain) | (rain < 0)):
        raise ValueError("hyetograph values must be finite and >= 0 mm")
    duration = interval_min * len(rain)
    n_steps = int(np.ceil(duration / step_min - 1e-9))
    edges_t = np.arange(n_steps + 1) * step_min
    cumulative = np.concatenate([[0.0], np.cumsum(rain)])
    at = np.interp(np.minimum(edges_t, duration), np.arange(len(rain) + 1) * interval_min, cumulative)
    return np.maximum(np.diff(at), 0.0)


def simulate_ponding(terrain: PondingTerrain, rain_mm: np.ndarray, *, step_min: float,
                     drainage_mm_per_h, runoff_coefficient: float = 0.8, node_rain_factor=None,
                     tail_max_min: float = 5 * 1440.0) -> PondingRun:
    """Water depth at every node, step by step, from rain per step.

    Parameters
    ----------
    terrain : PondingTerrain
        From :func:`ponding_terrain`.
    rain_mm : array
        Rain in each step (mm), e.g. from :func:`rain_per_step`.
    step_min : float
        The model step, minutes.
    drainage_mm_per_h : float or float[n]
        Rain intensity the drainage carries away, per node or for all.
    runoff_coefficient : float
        Share of rain that runs off (0 < c ≤ 1).
    node_rain_factor : float[n], optional
        Spatial factor on the rain at each node (default 1).
    tail_max_min : float
        How long after the rain to keep draining at most; the run stops
        earlier once every node is dry.
    """
    n = terrain.n_nodes
    rain_mm = np.asarray(rain_mm, dtype=np.float64)
    if not 0 < runoff_coefficient <= 1:
        raise ValueError(f"runoff_coefficient (={runoff_coefficient}) must be in (0, 1]")
    factor = np.ones(n) if node_rain_factor is None else np.broadcast_to(
        np.asarray(node_rain_factor, dtype=np.float64), (n,))
    drain_m = np.broadcast_to(np.asarray(drainage_mm_per_h, dtype=np.float64), (n,)) * step_min / 60.0 / 1000.0
    if np.any(factor < 0) or np.any(drain_m < 0):
        raise ValueError("rain factors and drainage capacities must be >= 0")
    factor = np.ascontiguousarray(factor)
    c = float(runoff_coefficient)
    rain_m = rain_mm / 1000.0

    # Nodes that could ever get wet: fill every bowl with all surplus and no drain.
    total_surplus = _storm_surplus_m(rain_m, c, factor, drain_m)
    all_rows = np.arange(n)
    upper = terrain.level(total_surplus[terrain.neighbours].sum(axis=1), all_rows)
    rows = np.flatnonzero(upper > terrain.rel_height_m + 1e-12)
    rel_h = terrain.rel_height_m[rows]

    # One array of zeros for the rain and the longest tail, written in place: the rows past the
    # tail the water needs are never written, so their pages are never touched (nor copied).
    n_rain = len(rain_m)
    n_tail_max = int(np.ceil(tail_max_min / step_min))
    depth = np.zeros((n_rain + 1 + n_tail_max, len(rows)), dtype=np.float32)

    # The rain: step by step (inflow, then drain through the spare capacity).
    level, last_wet = _pond_through_rain(rain_m, c, factor, drain_m, rows, terrain.neighbours, rel_h,
                                         terrain.sorted_height_m, terrain.below_sum_m, terrain.breakpoint_storage,
                                         depth[:n_rain + 1])

    # After the rain every level falls at c·D per step: the tail in closed form.
    fall = c * drain_m[rows]
    above = np.maximum(level - rel_h, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps_to_dry = np.where(above > 0, np.ceil(above / fall), 0.0)
    n_tail = int(min(steps_to_dry.max(initial=0.0) + 1, n_tail_max))
    depth = depth[:n_rain + 1 + n_tail]
    last_wet_in_tail = _drain_after_rain(level, fall, rel_h, depth[n_rain + 1:])
    if last_wet_in_tail:
        last_wet = n_rain + last_wet_in_tail
    # Dry from the step after the last wet one (never before the rain ends).
    if last_wet == len(depth) - 1 and last_wet > 0:
        dry_min = None
    else:
        end = max(last_wet + 1, n_rain)
        depth, dry_min = depth[:end + 1], end * float(step_min)
    return PondingRun(times_min=np.arange(len(depth)) * float(step_min), nodes=rows, depth_m=depth, dry_min=dry_min)


@njit(cache=True)
def _at_least_zero(x):
    """``np.maximum(x, 0.0)`` of one value (NaN stays NaN, −0 stays −0)."""
    return 0.0 if 0.0 > x else x


@njit(cache=True)
def _storm_surplus_m(rain_m, c, factor, drain_m):
    """Surplus runoff (m) of every node summed over the rainy steps in order, with a dry padding node at the end."""
    n = len(factor)
    total = np.zeros(n + 1)
    for t in range(len(rain_m)):
        r = rain_m[t]
        if r > 0:
            for i in range(n):
                total[i] += c * _at_least_zero(factor[i] * r - drain_m[i])
    return total


@njit(cache=True)
def _pond_through_rain(rain_m, c, factor, drain_m, rows, neighbours, rel_h, sorted_height, below_sum,
                       breakpoint_storage, depth):
    """Steps the bowls of ``rows`` through the rain, writing ``depth[t + 1]`` after step ``t``.

    Each bowl keeps its volume, its level and the number of its nodes at or
    below the level (``count``), so volume = count·level − (sum of their
    heights). The level moves a little per step, so the count is advanced or
    retreated a node at a time instead of searching the whole bowl. A bowl's
    inflow is its neighbourhood's surplus summed in neighbour order; only the
    bowls around a node with surplus are summed (the others get none). A dry
    bowl (level 0) neither drains nor holds water: its depth stays 0.

    Returns the levels after the rain and the last step with water anywhere (0 if none).
    """
    n, k = neighbours.shape
    n_bowls = len(rows)
    first_bowl, bowl_of = _bowls_of_nodes(neighbours, rows)
    count = np.ones(n_bowls, dtype=np.int64)
    volume = np.zeros(n_bowls)
    level = np.zeros(n_bowls)
    surplus = np.zeros(n + 1)
    receiving = np.zeros(n_bowls, dtype=np.bool_)
    inflow_bowls = np.empty(n_bowls, dtype=np.int64)
    last_wet = 0
    for t in range(len(rain_m) if n_bowls else 0):
        r = rain_m[t]
        if r > 0:
            any_surplus = False
            for j in range(n):
                s = c * _at_least_zero(factor[j] * r - drain_m[j])
                surplus[j] = s
                any_surplus |= s > 0
            n_inflow = 0
            for j in range(n if any_surplus else 0):
                if surplus[j] > 0:
                    for p in range(first_bowl[j], first_bowl[j + 1]):
                        b = bowl_of[p]
                        if not receiving[b]:
                            receiving[b] = True
                            inflow_bowls[n_inflow] = b
                            n_inflow += 1
            for q in range(n_inflow):
                b = inflow_bowls[q]
                receiving[b] = False
                row = rows[b]
                inflow = 0.0
                for m in range(k):
                    inflow += surplus[neighbours[row, m]]
                if inflow > 0:
                    volume[b] += inflow
                    while count[b] < k and breakpoint_storage[row, count[b]] <= volume[b]:
                        count[b] += 1
                    level[b] = (volume[b] + below_sum[row, count[b]]) / count[b]
        for b in range(n_bowls):
            if level[b] == 0.0:
                continue
            row = rows[b]
            drop = c * _at_least_zero(drain_m[row] - factor[row] * r)
            if drop > 0 and level[b] > 0:
                level[b] = _at_least_zero(level[b] - drop)
                while count[b] - 1 >= 1 and sorted_height[row, count[b] - 1] > level[b]:
                    count[b] -= 1
                volume[b] = count[b] * level[b] - below_sum[row, count[b]]
            d = np.float32(_at_least_zero(level[b] - rel_h[b]))
            depth[t + 1, b] = d
            if d != 0:
                last_wet = t + 1
    return level, last_wet


@njit(cache=True)
def _bowls_of_nodes(neighbours, rows):
    """The bowls (positions in ``rows``) each node lies in: those of node ``j`` are
    ``bowl_of[first_bowl[j]:first_bowl[j + 1]]``."""
    n, k = neighbours.shape
    first_bowl = np.zeros(n + 1, dtype=np.int64)
    for b in range(len(rows)):
        for m in range(k):
            j = neighbours[rows[b], m]
            if j < n:
                first_bowl[j + 1] += 1
    for j in range(n):
        first_bowl[j + 1] += first_bowl[j]
    bowl_of = np.empty(first_bowl[n], dtype=np.int64)
    filled = first_bowl[:n].copy()
    for b in range(len(rows)):
        for m in range(k):
            j = neighbours[rows[b], m]
            if j < n:
                bowl_of[filled[j]] = b
                filled[j] += 1
    return first_bowl, bowl_of


@njit(cache=True)
def _drain_after_rain(level, fall, rel_h, depth):
    """Writes ``depth[s - 1]``, the depth ``s`` steps after the rain with every level falling by
    ``fall`` per step, into ``depth`` of zeros; returns the last of those steps with water
    anywhere (0 if none). A bowl's depth never rises again once it is 0, so it is followed
    only until then."""
    last_wet = 0
    for b in range(len(level)):
        for s in range(1, depth.shape[0] + 1):
            d = np.float32(_at_least_zero(_at_least_zero(level[b] - s * fall[b]) - rel_h[b]))
            if d == 0:
                break
            depth[s - 1, b] = d
            last_wet = max(last_wet, s)
    return last_wet
