"""Compiled point-to-point routes: bidirectional Dijkstra on the road graph.

When a single truck asks for its way from a depot to one shelter, searching
the whole city from the depot is wasteful. This kernel grows two searches at
once — forward from the start over the roads leaving each crossroads, backward
from the destination over the roads entering it — and stops as soon as the
two frontiers together cannot improve on the best meeting point found, which
typically settles a small fraction of the nodes a one-to-all search touches.

The backward search reads the reverse CSR built once by the Router: edges
entering node ``v`` are ``in_edges[in_offsets[v]:in_offsets[v+1]]`` and their
tails are ``in_tails`` (same positions). Weights are the same per-edge travel
times in minutes as in :mod:`sim.routing.kernels` (``inf`` = closed), looked up
through ``in_edges`` so that a closure needs no second weight array.

Each frontier is an indexed 4-ary heap (see :mod:`sim.routing.kernels`):
:func:`heap_pop` and :func:`heap_improve` live here so that this module is
self-contained (numba's disk cache only notices changes to the defining file).
Inputs are trusted; the Router validates them. Compiled lazily, cached on disk.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["point_to_point", "heap_pop", "heap_improve"]


# --------------------------------------------------------------- the heap
@njit(cache=True)
def heap_pop(heap_node, heap_time_min, slot, size):
    """Remove the frontier node with the least time.

    ``size`` (uint64) must be > 0. Returns ``(node, time_min, new_size)``.
    """
    one = np.uint64(1)
    four = np.uint64(4)
    node = heap_node[0]
    time_min = heap_time_min[0]
    size -= one
    if size > np.uint64(0):
        last = heap_node[size]
        last_time = heap_time_min[size]
        i = np.uint64(0)
        while True:
            first_child = four * i + one
            if first_child >= size:
                break
            best = first_child
            best_time = heap_time_min[first_child]
            end = min(first_child + four, size)
            c = first_child + one
            while c < end:
                if heap_time_min[c] < best_time:
                    best_time = heap_time_min[c]
                    best = c
                c += one
            if best_time >= last_time:
                break
            moved = heap_node[best]
            heap_node[i] = moved
            heap_time_min[i] = best_time
            slot[moved] = np.uint32(i + one)
            i = best
        heap_node[i] = last
        heap_time_min[i] = last_time
        slot[last] = np.uint32(i + one)
    return node, time_min, size


@njit(cache=True)
def heap_improve(heap_node, heap_time_min, slot, size, node, time_min):
    """Queue ``node`` at ``time_min``, or move it up if already queued.

    ``time_min`` must not exceed the node's current heap time. Returns the new
    ``size`` (uint64).
    """
    one = np.uint64(1)
    two = np.uint64(2)
    held = slot[node]
    if held == np.uint32(0):
        i = size
        size += one
    else:
        i = np.uint64(held) - one
    while i > np.uint64(0):
        parent = (i - one) >> two
        if heap_time_min[parent] <= time_min:
            break
        moved = heap_node[parent]
        heap_node[i] = moved
        heap_time_min[i] = heap_time_min[parent]
        slot[moved] = np.uint32(i + one)
        i = parent
    heap_node[i] = np.uint32(node)
    heap_time_min[i] = time_min
    slot[node] = np.uint32(i + one)
    return size


# ------------------------------------------------------------- the route
@njit(cache=True)
def point_to_point(offsets, heads, tails, in_offsets, in_tails, in_edges, weight_min,
                   source, target):
    """Bidirectional Dijkstra: a shortest route ``source → target``.

    A forward search from ``source`` over outgoing edges and a backward search
    from ``target`` over incoming edges (the reverse CSR: edges entering node
    ``v`` are ``in_edges[in_offsets[v]:in_offsets[v+1]]``, their tails in
    ``in_tails``) advance alternately, the one with the nearer frontier first,
    until the two frontiers together cannot beat the best meeting found.

    Returns
    -------
    time_min : float
        Travel time of the route in minutes, summed edge by edge from the
        source; ``inf`` if ``target`` is unreachable.
    edges : int64[k]
        Edge ids of the route in driving order (empty if unreachable or
        ``source == target``).
    """
    if source == target:
        return 0.0, np.empty(0, np.int64)
    n_nodes = offsets.shape[0] - 1
    fwd_time = np.full(n_nodes, np.inf)
    bwd_time = np.full(n_nodes, np.inf)
    fwd_pred = np.full(n_nodes, -1, np.int32)
    bwd_succ = np.full(n_nodes, -1, np.int32)
    fwd_node = np.empty(n_nodes, np.uint32)
    fwd_key = np.empty(n_nodes, np.float64)
    fwd_slot = np.zeros(n_nodes, np.uint32)
    bwd_node = np.empty(n_nodes, np.uint32)
    bwd_key = np.empty(n_nodes, np.float64)
    bwd_slot = np.zeros(n_nodes, np.uint32)
    fwd_time[source] = 0.0
    bwd_time[target] = 0.0
    fwd_size = heap_improve(fwd_node, fwd_key, fwd_slot, np.uint64(0), source, 0.0)
    bwd_size = heap_improve(bwd_node, bwd_key, bwd_slot, np.uint64(0), target, 0.0)
    best = np.inf
    meet = -1
    while fwd_size > np.uint64(0) and bwd_size > np.uint64(0):
        if fwd_key[0] + bwd_key[0] >= best:
            break
        if fwd_key[0] <= bwd_key[0]:
            u, t_u, fwd_size = heap_pop(fwd_node, fwd_key, fwd_slot, fwd_size)
            for e in range(offsets[u], offsets[u + 1]):
                v = heads[e]
                t_v = t_u + weight_min[e]
                if t_v < fwd_time[v]:
                    fwd_time[v] = t_v
                    fwd_pred[v] = e
                    fwd_size = heap_improve(fwd_node, fwd_key, fwd_slot, fwd_size, v, t_v)
                    if t_v + bwd_time[v] < best:
                        best = t_v + bwd_time[v]
                        meet = v
        else:
            u, t_u, bwd_size = heap_pop(bwd_node, bwd_key, bwd_slot, bwd_size)
            for j in range(in_offsets[u], in_offsets[u + 1]):
                e = in_edges[j]
                v = in_tails[j]
                t_v = t_u + weight_min[e]
                if t_v < bwd_time[v]:
                    bwd_time[v] = t_v
                    bwd_succ[v] = e
                    bwd_size = heap_improve(bwd_node, bwd_key, bwd_slot, bwd_size, v, t_v)
                    if t_v + fwd_time[v] < best:
                        best = t_v + fwd_time[v]
                        meet = v
    if meet < 0:
        return np.inf, np.empty(0, np.int64)
    # The route: the forward tree's path source → meet, then the backward
    # tree's path meet → target.
    n_head_part = 0
    v = meet
    while v != source:
        v = tails[fwd_pred[v]]
        n_head_part += 1
    n_tail_part = 0
    v = meet
    while v != target:
        v = heads[bwd_succ[v]]
        n_tail_part += 1
    edges = np.empty(n_head_part + n_tail_part, np.int64)
    v = meet
    for k in range(n_head_part - 1, -1, -1):
        e = fwd_pred[v]
        edges[k] = e
        v = tails[e]
    v = meet
    for k in range(n_head_part, n_head_part + n_tail_part):
        e = bwd_succ[v]
        edges[k] = e
        v = heads[e]
    time_min = 0.0
    for e in edges:
        time_min += weight_min[e]
    return time_min, edges
