"""Point-to-point routes and travel-time tables on a customized CCH.

Elimination-tree queries (Dibbelt, Strasser & Wagner 2016, Sec. 6.2; Bauer,
Columbus, Rutter & Wagner 2016): in a CCH every upward neighbour of a node is
one of its ancestors in the elimination tree, so the upward search from a
crossroads is a walk to the root relaxing each ancestor's arcs once — no
priority queue, no stall-on-demand. A route ``s → t`` walks up from both
ends in rising rank and takes the best ``forward(x) + backward(x)`` over the
common ancestors ``x`` of ``s`` and ``t``, no longer relaxing from a side
whose time already reaches the best meeting found. Its arcs are then
*unpacked* into road edges through the lower triangle (or the road) each
arc's time came from, as the customization recorded it.

A table ``sources × targets`` makes one upward walk per source and per
target and meets them at their common ancestors (the many-to-many idea of
Knopp, Sanders, Schultes, Schulz & Wagner 2007, with the elimination tree in
place of buckets). Numbering the elimination tree in preorder makes the
starts below any node a contiguous run once sorted, so all walks advance
together — each node's arcs are relaxed once for the whole run below it, in
a loop that vectorizes — and a source meets, at each of its ancestors, the
run of targets below that ancestor. Walks are kept by *depth* along their
root path, so no per-node scratch is needed.

Queries read the basic times of :mod:`sim.routing.cch_customize`. The
per-node scratch arrays of a route query are the caller's (all ``inf`` on
entry and on return) so that a query costs only its search space, never
O(nodes). All node ids here are ranks. Compiled lazily, cached on disk.
Like every kernel module here it is self-contained — its small binary
search over an upward list is its own — because numba's disk cache
notices changes to the defining file only.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from sim.routing.cch_customize import arc_after

__all__ = ["shortest_route", "travel_time_table"]


@njit(cache=True)
def _relax_arcs(up_offsets, up_head, arc_time, x, dist, via_arc):
    """Relax the upward arcs of ``x`` (its time is ``dist[x]``)."""
    t_x = dist[x]
    for a in range(up_offsets[x], up_offsets[x + 1]):
        u = up_head[a]
        t = t_x + arc_time[a]
        if t < dist[u]:
            dist[u] = t
            via_arc[u] = a


@njit(cache=True)
def _forget(parent, start, dist):
    x = start
    while x >= 0:
        dist[x] = np.inf
        x = parent[x]


@njit(cache=True)
def _unpack(arc, upward, up_offsets, up_head, up_tail, up_edge, down_edge, up_via, down_via,
            edges, n_edges):
    """Append the road edges of one arc driven up (or down) to ``edges``.

    Returns ``(edges, count)`` — ``edges`` grown if it was full — with
    ``count = -1`` if an arc has neither road nor triangle (never on a
    finite route of a consistent customization).
    """
    stack_arc = np.empty(128, np.int64)
    stack_up = np.empty(128, np.bool_)
    stack_arc[0], stack_up[0] = arc, upward
    depth = 1
    while depth > 0:
        depth -= 1
        a, up = stack_arc[depth], stack_up[depth]
        via = up_via[a] if up else down_via[a]
        if via < 0:
            road = up_edge[a] if up else down_edge[a]
            if road < 0:
                return edges, -1
            if n_edges == edges.shape[0]:
                grown = np.empty(2 * n_edges, np.int64)
                grown[:n_edges] = edges
                edges = grown
            edges[n_edges] = road
            n_edges += 1
            continue
        # Triangle y < x < z with arcs y → x (via) and y → z.
        yz = arc_after(up_offsets, up_head, via + 1, up_tail[via], up_head[a])
        if yz < 0:
            return edges, -1
        if up:   # x → y → z
            first, first_up, second, second_up = via, False, yz, True
        else:    # z → y → x
            first, first_up, second, second_up = yz, False, via, True
        if depth + 2 > stack_arc.shape[0]:
            grown_arc = np.empty(2 * stack_arc.shape[0], np.int64)
            grown_up = np.empty(2 * stack_arc.shape[0], np.bool_)
            grown_arc[:depth] = stack_arc[:depth]
            grown_up[:depth] = stack_up[:depth]
            stack_arc, stack_up = grown_arc, grown_up
        stack_arc[depth], stack_up[depth] = second, second_up
        stack_arc[depth + 1], stack_up[depth + 1] = first, first_up
        depth += 2
    return edges, n_edges


@njit(cache=True)
def shortest_route(parent, up_offsets, up_head, up_tail, up_time, down_time, up_edge,
                   down_edge, up_via, down_via, weight_min, source, target, fwd_dist, bwd_dist,
                   fwd_arc, bwd_arc):
    """A shortest route between ranks ``source`` and ``target``.

    Returns ``(time_min, edges, ok)``: the route's time summed edge by edge in
    driving order (``inf`` if unreachable), its road edge ids, and ``False``
    only if unpacking failed (the caller then falls back to Dijkstra).
    """
    if source == target:
        return 0.0, np.empty(0, np.int64), True
    # Both walks in rising rank; on common ancestors, record the best meeting
    # and stop relaxing from a side that can no longer beat it.
    fwd_dist[source] = 0.0
    bwd_dist[target] = 0.0
    best, meet = np.inf, -1
    x, y = source, target
    while x >= 0 or y >= 0:
        common = x == y
        if common:
            t = fwd_dist[x] + bwd_dist[x]
            if t < best:
                best, meet = t, x
        if x >= 0 and (y < 0 or x <= y) and fwd_dist[x] < best:
            _relax_arcs(up_offsets, up_head, up_time, x, fwd_dist, fwd_arc)
        if y >= 0 and (x < 0 or y <= x) and bwd_dist[y] < best:
            _relax_arcs(up_offsets, up_head, down_time, y, bwd_dist, bwd_arc)
        if common:
            x = parent[x]
            y = x
        elif x >= 0 and (y < 0 or x < y):
            x = parent[x]
        else:
            y = parent[y]
    edges = np.empty(0, np.int64)
    ok = True
    if meet >= 0:
        # Arcs source ↑ meet (collected backwards) and meet ↓ target.
        n_up, v = 0, meet
        while v != source:
            v = up_tail[fwd_arc[v]]
            n_up += 1
        n_down, v = 0, meet
        while v != target:
            v = up_tail[bwd_arc[v]]
            n_down += 1
        arcs = np.empty(n_up + n_down, np.int64)
        v = meet
        for k in range(n_up - 1, -1, -1):
            arcs[k] = fwd_arc[v]
            v = up_tail[arcs[k]]
        v = meet
        for k in range(n_up, n_up + n_down):
            arcs[k] = bwd_arc[v]
            v = up_tail[arcs[k]]
        buffer = np.empty(64, np.int64)
        n_edges = 0
        for k in range(n_up + n_down):
            buffer, n_edges = _unpack(arcs[k], k < n_up, up_offsets, up_head, up_tail, up_edge,
                                      down_edge, up_via, down_via, buffer, n_edges)
            if n_edges < 0:
                ok = False
                break
        if ok:
            edges = buffer[:n_edges].copy()
    _forget(parent, source, fwd_dist)
    _forget(parent, target, bwd_dist)
    if meet < 0 or not ok:
        return np.inf, edges, ok
    time_min = 0.0
    for e in edges:
        time_min += weight_min[e]
    return time_min, edges, True


@njit(cache=True)
def _walks_together(parent, depth, max_depth, pre, size, up_offsets, head_depth, arc_time,
                    starts, keys):
    """Upward walks from all ``starts`` (sorted by ``keys`` = their preorder
    index) at once: ``times[k, j]`` is the time found between ``starts[j]``
    and its ancestor at depth ``k``.

    The walks through a node are those of the starts in its subtree — a run
    ``lo..hi`` of the sorted starts — so each node's arcs are relaxed once
    for all of them, in a loop over that run that vectorizes.
    """
    n_nodes = parent.shape[0]
    times = np.full((max_depth + 1, starts.shape[0]), np.inf)
    seen = np.zeros(n_nodes, np.uint8)
    n_shared = 0
    for j in range(starts.shape[0]):
        times[depth[starts[j]], j] = 0.0
        x = starts[j]
        while x >= 0 and seen[x] == 0:
            seen[x] = 1
            n_shared += 1
            x = parent[x]
    nodes = np.empty(n_shared, np.int64)
    k = 0
    for j in range(starts.shape[0]):
        x = starts[j]
        while x >= 0 and seen[x] == 1:
            seen[x] = 2
            nodes[k] = x
            k += 1
            x = parent[x]
    nodes.sort()
    for x in nodes:
        lo = np.searchsorted(keys, pre[x])
        hi = np.searchsorted(keys, pre[x] + size[x])
        row = times[depth[x]]
        for a in range(up_offsets[x], up_offsets[x + 1]):
            w = arc_time[a]
            if w < np.inf:
                up = times[head_depth[a]]
                for j in range(lo, hi):
                    up[j] = min(up[j], row[j] + w)
    return times


@njit(cache=True)
def travel_time_table(parent, depth, max_depth, pre, size, up_offsets, head_depth, up_time,
                      down_time, sources, targets):
    """``table[i, j]``: shortest time from rank ``sources[i]`` to ``targets[j]``.

    ``depth``/``max_depth``: depths in the elimination tree; ``pre``/``size``:
    preorder index and subtree size of every rank; ``head_depth``: depth of
    every arc's head.
    """
    table = np.full((sources.shape[0], targets.shape[0]), np.inf)
    if sources.shape[0] == 0 or targets.shape[0] == 0:
        return table
    by_pre = np.argsort(pre[targets], kind="mergesort")
    sorted_targets = targets[by_pre]
    target_keys = pre[sorted_targets]
    bwd = _walks_together(parent, depth, max_depth, pre, size, up_offsets, head_depth,
                          down_time, sorted_targets, target_keys)
    source_order = np.argsort(pre[sources], kind="mergesort")
    sorted_sources = sources[source_order]
    fwd = _walks_together(parent, depth, max_depth, pre, size, up_offsets, head_depth,
                          up_time, sorted_sources, pre[sorted_sources])
    row = np.empty(targets.shape[0])
    for i in range(sources.shape[0]):
        row[:] = np.inf
        x = sorted_sources[i]
        while x >= 0:
            k = depth[x]
            f = fwd[k, i]
            if f < np.inf:
                # The targets below x meet this source at x.
                lo = np.searchsorted(target_keys, pre[x])
                hi = np.searchsorted(target_keys, pre[x] + size[x])
                down = bwd[k]
                for j in range(lo, hi):
                    row[j] = min(row[j], f + down[j])
            x = parent[x]
        out = table[source_order[i]]
        for j in range(targets.shape[0]):
            out[by_pre[j]] = row[j]
    return table
