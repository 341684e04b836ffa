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

Both kinds of walk keep their times *by depth* along the root path: the
heads of a node's upward arcs are its ancestors, so an arc's head depth
(precomputed) says where its time goes, and a walk's scratch is a few
hundred entries that stay in the first-level cache — no per-node array, no
reset, a route costs its search space and its own length, never O(nodes).
A route's arcs are unpacked on a stack preallocated by the caller, and one
compiled call returns its edges, crossroads, time and length.

Walks read either the basic customization's arcs, or only those a perfect
customization keeps (:func:`sim.routing.cch_customize.pruned_arcs`, made
once a road state has served enough queries): every shortest route is an
up-then-down walk over the kept arcs, and with fewer arcs fewer crossroads
are reached at all, so a district route's walks cost about half as much.
Kept arcs carry their ids in the hierarchy, so routes are unpacked through
the basic customization either way. Whichever arcs are walked, a route's
crossroads, time and length do not change beyond ties between equally fast
routes.

Queries read the basic customization of :mod:`sim.routing.cch_customize`,
whose row numbers (``UP_VIA``, ...) they import: numba's disk cache notices
changes to the defining file only, so a change there must also touch this
file. Node ids inside the kernels are ranks. Compiled lazily, cached on
disk; nothing here recurses (numba's disk cache cannot load a recursive
function).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from sim.routing.cch_customize import (DOWN_EDGE, DOWN_OTHER, DOWN_VIA, UP_EDGE, UP_OTHER,
                                       UP_VIA)

__all__ = ["shortest_route", "sum_gathered", "travel_time_table", "walk_rows"]


@njit(cache=True)
def _climb(parent, start, depth_start, nodes, times):
    """Write the root path of ``start`` by depth into ``nodes``; times ``inf``."""
    x = start
    for k in range(depth_start, -1, -1):
        nodes[k] = x
        times[k] = np.inf
        x = parent[x]


@njit(cache=True)
def _relax(up_offsets, head_depth, arc_time, x, t_x, times, via_arc):
    """Relax the upward arcs of ``x`` (time ``t_x``) into its ancestors, held by depth."""
    for a in range(up_offsets[x], up_offsets[x + 1]):
        t = t_x + arc_time[a]
        h = head_depth[a]
        if t < times[h]:
            times[h] = t
            via_arc[h] = a


@njit(cache=True)
def _block_sum(values, index, lo, n):
    """numpy's pairwise summation of ``values[index[lo:lo + n]]`` for ``n <= 128``:
    in order below 8 values, else eight running sums added as a tree."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += values[index[i]]
        return res
    r0, r1 = values[index[lo]], values[index[lo + 1]]
    r2, r3 = values[index[lo + 2]], values[index[lo + 3]]
    r4, r5 = values[index[lo + 4]], values[index[lo + 5]]
    r6, r7 = values[index[lo + 6]], values[index[lo + 7]]
    i = 8
    while i < n - n % 8:
        r0 += values[index[lo + i]]
        r1 += values[index[lo + i + 1]]
        r2 += values[index[lo + i + 2]]
        r3 += values[index[lo + i + 3]]
        r4 += values[index[lo + i + 4]]
        r5 += values[index[lo + i + 5]]
        r6 += values[index[lo + i + 6]]
        r7 += values[index[lo + i + 7]]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += values[index[lo + i]]
        i += 1
    return res


@njit(cache=True)
def sum_gathered(values, index):
    """``np.sum(values[index])`` bit for bit, without the gathered copy.

    numpy adds pairwise: blocks of up to 128 values (:func:`_block_sum`),
    longer runs split in two halves (a multiple of 8 first) and the halves'
    sums added. The halving runs on an explicit stack, in the same order,
    because numba's disk cache cannot hold a recursive function (a cached
    one crashes when loaded, numba 0.68).
    """
    n = index.shape[0]
    if n <= 128:
        return 0.0 + _block_sum(values, index, 0, n)
    # Frames (lo, n, phase): 0 = left half to do, 1 = right half to do,
    # 2 = add them; ``left`` keeps the left half's sum meanwhile.
    lo_of = np.empty(64, np.int64)
    n_of = np.empty(64, np.int64)
    phase = np.empty(64, np.int8)
    left = np.empty(64)
    top = 0
    lo_of[0], n_of[0], phase[0] = 0, n, 0
    result = 0.0
    while top >= 0:
        lo, size = lo_of[top], n_of[top]
        if size <= 128:
            result = _block_sum(values, index, lo, size)
            top -= 1
            continue
        half = size // 2
        half -= half % 8
        if phase[top] == 0:
            phase[top] = 1
            top += 1
            lo_of[top], n_of[top], phase[top] = lo, half, 0
        elif phase[top] == 1:
            left[top] = result
            phase[top] = 2
            top += 1
            lo_of[top], n_of[top], phase[top] = lo + half, size - half, 0
        else:
            result = left[top] + result
            top -= 1
    return 0.0 + result


@njit(cache=True)
def walk_rows(arc_offsets, arc_depth):
    """The upward and downward rows of a walk's arcs: ``(up_offsets,
    down_offsets, up_depth, down_depth)``; a single row serves both."""
    last = arc_offsets.shape[0] - 1
    return arc_offsets[0], arc_offsets[last], arc_depth[0], arc_depth[last]


@njit(cache=True)
def shortest_route(node_info, arc_offsets, arc_depth, arc_time, arc_id, up_tail, arc_int,
                   weight_min, road_heads, road_length_m, source_node, target_node, walk_time,
                   walk_int, work):
    """A shortest route between road nodes ``source_node`` and ``target_node``.

    ``node_info`` int32[3, nodes]: elimination-tree parent and depth by rank,
    and the rank of every road node. The arcs walked, row 0 upward from the
    source and row 1 downward into the target (a single row of ``arc_offsets``
    and ``arc_depth`` serves both; see :func:`walk_rows`): ``arc_offsets``
    int64[rows, nodes + 1] a CSR over lower endpoints, ``arc_depth`` the
    depth of each arc's head, ``arc_time`` float64[2, ...] its time and
    ``arc_id`` int32[2, ...] its id in the hierarchy (no columns: the arcs
    are the hierarchy's own). ``arc_int``: the basic customization's roads
    and triangles (:func:`sim.routing.cch_customize.customize_full`);
    ``road_heads``/``road_length_m``: the road graph's edge heads and
    lengths. Scratch, any contents on entry: ``walk_time`` float64[2, depths]
    and ``walk_int`` int64[4, depths] (each side's times, crossroads and
    arcs by depth in the elimination tree) and ``work`` int64[2 * nodes + 2 *
    depths + 2] (the unpacking stack, then the edges). A route costs the two
    root paths and its own length, never O(nodes).

    Returns ``(status, time_min, length_m, n_edges, path)``: status 0 for a
    route — its time summed edge by edge in driving order, its length as
    ``np.sum`` adds it, and ``path`` int64[2 * n_edges + 1] holding its road
    edges, then its crossroads — 1 if ``target_node`` is unreachable, 2 if
    unpacking failed (never with a consistent customization; the caller then
    asks Dijkstra).
    """
    parent, depth, rank = node_info[0], node_info[1], node_info[2]
    up_offsets, down_offsets, up_depth, down_depth = walk_rows(arc_offsets, arc_depth)
    up_time, down_time = arc_time[0], arc_time[1]
    source, target = rank[source_node], rank[target_node]
    if source == target:
        path = np.empty(1, np.int64)
        path[0] = source_node
        return 0, 0.0, 0.0, 0, path
    no_path = np.empty(0, np.int64)
    fwd_time, bwd_time = walk_time[0], walk_time[1]
    fwd_node, bwd_node = walk_int[0], walk_int[1]
    fwd_arc, bwd_arc = walk_int[2], walk_int[3]
    d_source, d_target = depth[source], depth[target]
    _climb(parent, source, d_source, fwd_node, fwd_time)
    _climb(parent, target, d_target, bwd_node, bwd_time)
    fwd_time[d_source] = 0.0
    bwd_time[d_target] = 0.0
    top = min(d_source, d_target)  # depth of the lowest common ancestor
    while top >= 0 and fwd_node[top] != bwd_node[top]:
        top -= 1
    if top < 0:  # different trees of the elimination forest
        return 1, np.inf, np.inf, 0, no_path
    # Below the common ancestors each side walks up alone, in rising rank.
    for k in range(d_source, top, -1):
        if fwd_time[k] < np.inf:
            _relax(up_offsets, up_depth, up_time, fwd_node[k], fwd_time[k], fwd_time, fwd_arc)
    for k in range(d_target, top, -1):
        if bwd_time[k] < np.inf:
            _relax(down_offsets, down_depth, down_time, bwd_node[k], bwd_time[k], bwd_time,
                   bwd_arc)
    # On the common ancestors: the best meeting so far, and no relaxing from
    # a side whose time already reaches it.
    best, meet = np.inf, -1
    for k in range(top, -1, -1):
        t_fwd, t_bwd = fwd_time[k], bwd_time[k]
        if t_fwd + t_bwd < best:
            best, meet = t_fwd + t_bwd, k
        if t_fwd < best:
            _relax(up_offsets, up_depth, up_time, fwd_node[k], t_fwd, fwd_time, fwd_arc)
        if t_bwd < best:
            _relax(down_offsets, down_depth, down_time, fwd_node[k], t_bwd, bwd_time, bwd_arc)
    if meet < 0:
        return 1, np.inf, np.inf, 0, no_path
    n_nodes = parent.shape[0]
    stack = work[:work.shape[0] - n_nodes]
    buffer = work[work.shape[0] - n_nodes:]
    # The route's arcs on the stack (entries 2 * arc + 1 driven up, 2 * arc
    # driven down), the first to drive on top: meet ↓ target, reversed, then
    # source ↑ meet.
    own_ids = arc_id.shape[1] == 0
    size = 0
    k = meet
    while k != d_target:
        a = bwd_arc[k] if own_ids else arc_id[1, bwd_arc[k]]
        stack[size] = 2 * a
        size += 1
        k = depth[up_tail[a]]
    for i in range(size // 2):
        stack[i], stack[size - 1 - i] = stack[size - 1 - i], stack[i]
    k = meet
    while k != d_source:
        a = fwd_arc[k] if own_ids else arc_id[0, fwd_arc[k]]
        stack[size] = 2 * a + 1
        size += 1
        k = depth[up_tail[a]]
    # Unpack depth first: a shortcut x → z through the lower triangle
    # {y, x, z} is x → y → z driven up, z → y → x driven down; its arcs
    # y → x (via) and y → z (other) come from the customization. Lower ends
    # fall at every step, so the stack never outgrows the route's arcs plus
    # the nodes (and a route longer than the nodes has a zero-time cycle:
    # both are checked and left to Dijkstra).
    n_edges = 0
    while size > 0:
        size -= 1
        entry = stack[size]
        a = entry >> 1
        up = (entry & 1) == 1
        via = arc_int[UP_VIA, a] if up else arc_int[DOWN_VIA, a]
        if via < 0:
            road = arc_int[UP_EDGE, a] if up else arc_int[DOWN_EDGE, a]
            if road < 0 or n_edges == buffer.shape[0]:
                return 2, np.inf, np.inf, 0, no_path
            buffer[n_edges] = road
            n_edges += 1
            continue
        other = arc_int[UP_OTHER, a] if up else arc_int[DOWN_OTHER, a]
        if other < 0 or size + 2 > stack.shape[0]:
            return 2, np.inf, np.inf, 0, no_path
        if up:   # x → y (via, down), then y → z (other, up)
            stack[size] = 2 * other + 1
            stack[size + 1] = 2 * via
        else:    # z → y (other, down), then y → x (via, up)
            stack[size] = 2 * via + 1
            stack[size + 1] = 2 * other
        size += 2
    path = np.empty(2 * n_edges + 1, np.int64)
    path[n_edges] = source_node
    time_min = 0.0
    for i in range(n_edges):
        e = buffer[i]
        path[i] = e
        time_min += weight_min[e]
        path[n_edges + 1 + i] = road_heads[e]
    return 0, time_min, sum_gathered(road_length_m, path[:n_edges]), n_edges, path


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
def travel_time_table(parent, depth, max_depth, pre, size, arc_offsets, arc_depth, arc_time,
                      sources, targets):
    """``table[i, j]``: shortest time from rank ``sources[i]`` to ``targets[j]``.

    ``depth``/``max_depth``: depths in the elimination tree; ``pre``/``size``:
    preorder index and subtree size of every rank; ``arc_offsets``,
    ``arc_depth``, ``arc_time``: the arcs walked, as :func:`shortest_route`
    takes them.
    """
    table = np.full((sources.shape[0], targets.shape[0]), np.inf)
    if sources.shape[0] == 0 or targets.shape[0] == 0:
        return table
    up_offsets, down_offsets, up_depth, down_depth = walk_rows(arc_offsets, arc_depth)
    by_pre = np.argsort(pre[targets], kind="mergesort")
    sorted_targets = targets[by_pre]
    target_keys = pre[sorted_targets]
    bwd = _walks_together(parent, depth, max_depth, pre, size, down_offsets, down_depth,
                          arc_time[1], sorted_targets, target_keys)
    source_order = np.argsort(pre[sources], kind="mergesort")
    sorted_sources = sources[source_order]
    fwd = _walks_together(parent, depth, max_depth, pre, size, up_offsets, up_depth,
                          arc_time[0], sorted_sources, pre[sorted_sources])
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
