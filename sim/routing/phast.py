"""One-to-all travel times by PHAST on a customized CCH.

PHAST (Delling, Goldberg, Nowatzyk & Werneck 2011, "PHAST: Hardware-
accelerated shortest path trees", JPDC 73(7)) answers "how long from this
depot to every crossroads" with no priority queue at all: an upward search
from the source in the hierarchy, then one *sweep* over all nodes from the
highest rank down, each taking the best of its arcs from higher nodes. In a
CCH the upward search is a walk up the elimination tree (every upward
neighbour of a node is an ancestor), and because nodes are numbered by rank
the sweep reads the arcs in storage order and the times of higher nodes
from the same array (no indirection beyond the arc heads); one gather at the
end puts the times back in road-node order (a scatter in the sweep measured
~25 % slower on DIMACS New York). Nothing is filled in O(nodes) before the
sweep: it starts every node at ``inf`` except the source's ancestors.

The sweep arcs can be all arcs with their basic times, or only those kept
after perfect customization (:func:`sim.routing.cch_customize.pruned_arcs`):
both give exact times. The same kernel computes times *into* a target by
swapping the directions (upward search on downward times, sweep on upward
times).

Limits: the sweep touches every node and every sweep arc whatever the
source, so PHAST pays off for whole trees, not for a few targets (see
:mod:`sim.routing.cch_query` for those). Compiled lazily, cached on disk.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["one_to_all"]


@njit(cache=True)
def one_to_all(parent, up_offsets, up_head, search_time, sweep_offsets, sweep_head,
               sweep_time, rank, source, scratch):
    """Shortest times from rank ``source`` to every node, in road-node order.

    Parameters
    ----------
    parent : int32[n]
        Elimination-tree parents (rank space).
    up_offsets, up_head, search_time :
        The upward search's arcs by lower endpoint and their times (upward
        for a tree from a source, downward for a tree into a target): all
        arcs, or those a perfect customization keeps.
    sweep_offsets, sweep_head, sweep_time :
        Arcs of the sweep by lower endpoint, with the time of the opposite
        direction (from the higher end down).
    rank : int32[n]
        Rank of each road node (the answer is gathered back through it).
    source : int
        Rank of the source.
    scratch : float64[n]
        Work space for the times in rank order (any contents).

    Returns float64[n] in minutes, ``inf`` where unreachable.
    """
    n_nodes = parent.shape[0]
    time_min = scratch
    # Only the source's ancestors carry a time before the sweep (no O(n) fill).
    x = source
    n_up = 0
    while x >= 0:
        time_min[x] = np.inf
        n_up += 1
        x = parent[x]
    time_min[source] = 0.0
    ancestors = np.empty(n_up, np.int64)  # highest first
    x = source
    for i in range(n_up - 1, -1, -1):
        ancestors[i] = x
        t_x = time_min[x]
        if t_x < np.inf:
            for a in range(up_offsets[x], up_offsets[x + 1]):
                t = t_x + search_time[a]
                if t < time_min[up_head[a]]:
                    time_min[up_head[a]] = t
        x = parent[x]
    # The sweep, highest rank first. Unsigned indices spare numba's
    # negative-index checks in the inner loop (~15 % on DIMACS New York).
    one = np.uint64(1)
    next_up = 0
    v = np.uint64(n_nodes)
    while v > 0:
        v -= one
        if next_up < n_up and ancestors[next_up] == v:
            t_v = time_min[v]
            next_up += 1
        else:
            t_v = np.inf
        k = np.uint64(sweep_offsets[v])
        end = np.uint64(sweep_offsets[v + one])
        while k < end:
            t = time_min[np.uint64(sweep_head[k])] + sweep_time[k]
            if t < t_v:
                t_v = t
            k += one
        time_min[v] = t_v
    # Back to road-node order: a gather (reads scattered, writes in order).
    out = np.empty(n_nodes)
    for i in range(n_nodes):
        out[i] = time_min[np.uint64(rank[i])]
    return out
