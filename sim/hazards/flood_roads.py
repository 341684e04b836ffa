"""Which roads the water slows or closes, and when: the rainfall's road changes.

An edge stands in the deeper water of its two end nodes (bridge decks stay
dry); its speed factor follows the depth–disruption function of Pregnolato et
al. (2017) (:mod:`sim.hazards.depth_speed`), rounded to
``depth_speed.factor_step``. :func:`road_changes` emits a
:class:`~sim.hazards.timeline.RoadChange` only when an edge's rounded factor
changes — cause ``"rainfall: water rising"`` when factors fall, ``"rainfall:
water receding"`` when they rise — and the closed kilometres at every step of
the ponding run (:mod:`sim.hazards.ponding`). The steps are walked in one
compiled pass (:func:`_factor_changes`).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from sim.hazards.depth_speed import factor_steps, quantised_factor
from sim.hazards.timeline import RoadChange
from sim.network.graph import RoadGraph

__all__ = ["road_changes", "flood_factor_table"]


def _edge_weight_km(graph: RoadGraph) -> np.ndarray:
    """Length of each edge in km, shared between the directions of its segment."""
    directions = np.bincount(graph.segment, minlength=graph.n_segments)
    return graph.length_m / directions[graph.segment] / 1000.0


def flood_factor_table(graph, curve, peak):
    """The edges the water can slow (``touched``: not bridges, their deeper end's peak
    depth below free flow), each one's free-flow speed group, the depth thresholds of all
    groups (mm, ascending) and ``table[g, j]``: the speed factor of group ``g`` at a depth
    with ``j`` thresholds at or below it (:func:`~sim.hazards.depth_speed.factor_steps`)."""
    tails, heads = graph.tails.astype(np.int64), graph.heads.astype(np.int64)
    kw = dict(step=float(curve.factor_step), closed_depth_mm=float(curve.closed_depth_mm),
              applies_as=curve.applies_as)
    edge_peak_mm = 1000.0 * np.maximum(peak[tails], peak[heads])
    touched = np.flatnonzero(~graph.is_bridge & (quantised_factor(edge_peak_mm, graph.speed_kmh, **kw) < 1.0))
    if len(touched) == 0:
        return touched, np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 1))
    speeds, group = np.unique(graph.speed_kmh[touched], return_inverse=True)
    steps = [factor_steps(float(s), **kw) for s in speeds]
    thresholds_mm = np.unique(np.concatenate([d for d, _ in steps]))
    lower_bound_mm = np.concatenate([[-np.inf], thresholds_mm])
    table = np.array([f[np.searchsorted(d, lower_bound_mm, side="right")] for d, f in steps])
    return touched, group, thresholds_mm, table


def road_changes(graph, curve, times, depth, column, peak):
    """Road changes whenever an edge's rounded speed factor changes; closed km at every step.

    The factor of an edge is a step function of the deeper of its two end
    nodes (:func:`~sim.hazards.depth_speed.factor_steps`, one per free-flow
    speed). Every node's depth is placed between the thresholds of all speeds
    when it changes; an edge can only change in a step where one of its end
    nodes crossed a threshold, so only those edges are looked at
    (:func:`_factor_changes`, a compiled pass over the steps).

    ``depth[t, column[node]]`` is the depth (m) of a node at ``times[t]``; a node
    with ``column[node] == depth.shape[1]`` has no column and stays dry.
    """
    tails, heads = graph.tails.astype(np.int64), graph.heads.astype(np.int64)
    touched, group, thresholds_mm, table = flood_factor_table(graph, curve, peak)
    if len(touched) == 0:
        return [], np.zeros(len(times))
    step, edge, factor, falls = _factor_changes(depth, thresholds_mm, table, group.astype(np.int64),
                                                column[tails[touched]], column[heads[touched]])
    # One change per step and direction, its edges in index order.
    new_step = np.ones(len(step), dtype=bool)
    new_step[1:] = step[1:] != step[:-1]
    new_change = new_step.copy()
    new_change[1:] |= falls[1:] != falls[:-1]
    changes = [RoadChange(float(times[step[a]]), touched[edge[a:b]], factor[a:b],
                          cause="rainfall: water rising" if falls[a] else "rainfall: water receding")
               for a, b in _runs(new_change)]
    # Closed km after each step with changes, carried over the steps without.
    weight = _edge_weight_km(graph)[touched]
    state = np.ones(len(touched))
    closed_at = np.zeros(len(times))
    for a, b in _runs(new_step):
        state[edge[a:b]] = factor[a:b]
        closed_at[step[a]] = weight[state == 0.0].sum()
    changed = np.zeros(len(times), dtype=bool)
    changed[step] = True
    last_change = np.maximum.accumulate(np.where(changed, np.arange(len(times)), 0))
    return changes, closed_at[last_change]


def _runs(starts: np.ndarray):
    """``(first, end)`` of the runs of entries that begin where ``starts`` is true."""
    first = np.flatnonzero(starts)
    return zip(first.tolist(), np.append(first[1:], len(starts)).tolist())


@njit(cache=True)
def _factor_changes(depth, thresholds_mm, table, group, tail_column, head_column):
    """Every change of an edge's rounded speed factor, step by step.

    ``depth[t, c]`` is the depth (m) in column ``c`` at step ``t``, and column
    ``depth.shape[1]`` (outside ``depth``) is dry at every step; edge ``e``
    joins columns ``tail_column[e]`` and ``head_column[e]``; its factor is
    ``table[group[e], j]`` for the deeper end, ``j`` being the number of
    ``thresholds_mm`` at or below that depth (in mm), and 1 before the first
    step. Returns ``(step, edge, factor, falls)``, one entry per change: in
    each step first the edges whose factor falls, then those whose factor
    rises, each in edge order.
    """
    n_steps, n_wet_columns = depth.shape
    n_columns = n_wet_columns + 1
    n_edges = len(tail_column)
    # The columns with edges and the edges of each.
    first_edge = np.zeros(n_columns + 1, dtype=np.int64)
    for e in range(n_edges):
        first_edge[tail_column[e] + 1] += 1
        first_edge[head_column[e] + 1] += 1
    for c in range(n_columns):
        first_edge[c + 1] += first_edge[c]
    edges_of = np.empty(2 * n_edges, dtype=np.int64)
    filled = first_edge[:n_columns].copy()
    for e in range(n_edges):
        for c in (tail_column[e], head_column[e]):
            edges_of[filled[c]] = e
            filled[c] += 1
    columns = np.flatnonzero(first_edge[1:n_wet_columns + 1] > first_edge[:n_wet_columns])
    band = np.zeros(n_columns, dtype=np.int64)      # thresholds at or below the depth now
    band[n_wet_columns] = _thresholds_at_or_below(thresholds_mm, 0.0)
    for c in columns:
        band[c] = _thresholds_at_or_below(thresholds_mm, depth[0, c])

    state = np.ones(n_edges)
    looked_at = np.zeros(n_edges, dtype=np.bool_)
    candidates = np.empty(n_edges, dtype=np.int64)
    q = np.empty(n_edges)
    out_step = np.empty(16, dtype=np.int64)
    out_edge = np.empty(16, dtype=np.int64)
    out_factor = np.empty(16)
    out_falls = np.empty(16, dtype=np.bool_)
    n_out = 0
    for t in range(1, n_steps):
        n_candidates = 0
        for c in columns:
            if depth[t, c] == depth[t - 1, c]:
                continue
            j = _thresholds_at_or_below(thresholds_mm, depth[t, c])
            if j == band[c]:
                continue
            band[c] = j
            for p in range(first_edge[c], first_edge[c + 1]):
                e = edges_of[p]
                if not looked_at[e]:
                    looked_at[e] = True
                    candidates[n_candidates] = e
                    n_candidates += 1
        if n_candidates == 0:
            continue
        edges = np.sort(candidates[:n_candidates])
        for i in range(n_candidates):
            e = edges[i]
            looked_at[e] = False
            q[i] = table[group[e], max(band[tail_column[e]], band[head_column[e]])]
        if n_out + n_candidates > len(out_step):
            size = 2 * (n_out + n_candidates)
            out_step = _grown(out_step, size)
            out_edge = _grown(out_edge, size)
            out_factor = _grown(out_factor, size)
            out_falls = _grown(out_falls, size)
        for falls in (True, False):
            for i in range(n_candidates):
                e = edges[i]
                if (q[i] < state[e]) if falls else (q[i] > state[e]):
                    out_step[n_out], out_edge[n_out], out_factor[n_out], out_falls[n_out] = t, e, q[i], falls
                    n_out += 1
        for i in range(n_candidates):
            state[edges[i]] = q[i]
    return out_step[:n_out], out_edge[:n_out], out_factor[:n_out], out_falls[:n_out]


@njit(cache=True)
def _thresholds_at_or_below(thresholds_mm, depth_m):
    """How many of the ascending ``thresholds_mm`` lie at or below ``depth_m`` (as mm; NaN above all),
    i.e. ``np.searchsorted(thresholds_mm, 1000.0 * depth_m, side="right")``."""
    x = 1000.0 * np.float64(depth_m)
    lo, hi = 0, len(thresholds_mm)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < thresholds_mm[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True)
def _grown(values, size):
    out = np.empty(size, dtype=values.dtype)
    out[:len(values)] = values
    return out
