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

When only the times at a fixed set of targets are wanted — a depot's
zones — the sweep can be *restricted* (RPHAST: Delling, Goldberg & Werneck
2011, "Faster batched shortest paths in road networks", ATMOS) to the
targets' ancestors in the elimination tree: every arc a node's time is
taken over leads to an ancestor, so that node set is closed under the
sweep's reads and is found once per hierarchy and target set
(:func:`restricted_sweep`). :func:`one_to_some` then reads the same arcs in
the same order as :func:`one_to_all` for those nodes and gives the same
times bit for bit, with less work (on the district, 27 % of the nodes and
65 % of the arcs for the 681 zone and depot nodes).

Limits: a sweep touches every node (of its set) and every sweep arc from
them whatever the source, so PHAST pays off for whole trees or many
targets, not for a few (see :mod:`sim.routing.cch_query` for those).
Compiled lazily, cached on disk.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

__all__ = ["RestrictedSweep", "one_to_all", "one_to_some", "restricted_sweep"]


@njit(cache=True)
def _upward_search(parent, up_offsets, up_head, search_time, source, time_min):
    """Times up the elimination tree from rank ``source`` into ``time_min`` (only
    the source's ancestors are written); returns the ancestors, highest first."""
    x = source
    n_up = 0
    while x >= 0:
        time_min[x] = np.inf
        n_up += 1
        x = parent[x]
    time_min[source] = 0.0
    ancestors = np.empty(n_up, np.int64)
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
    return ancestors


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
    ancestors = _upward_search(parent, up_offsets, up_head, search_time, source, time_min)
    n_up = ancestors.shape[0]
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


class RestrictedSweep(NamedTuple):
    """The nodes a restricted sweep visits for a set of targets (rank space).

    ``nodes`` int32: the targets and all their elimination-tree ancestors,
    highest rank first; ``target_rank`` int64: each target's rank, in the
    order the targets were given (repeats allowed).
    """

    nodes: np.ndarray
    target_rank: np.ndarray


def restricted_sweep(parent, rank, targets) -> RestrictedSweep:
    """The ancestor-closed node set of RPHAST (Delling, Goldberg & Werneck
    2011) for road nodes ``targets``: a property of the elimination tree
    alone, so it serves every road state and both perfect and basic arcs."""
    target_rank = np.ascontiguousarray(rank[np.asarray(targets, dtype=np.int64)], dtype=np.int64)
    return RestrictedSweep(_ancestor_closure(parent, target_rank), target_rank)


@njit(cache=True)
def _ancestor_closure(parent, target_rank):
    inside = np.zeros(parent.shape[0], np.bool_)
    count = 0
    for i in range(target_rank.shape[0]):
        x = target_rank[i]
        while x >= 0 and not inside[x]:  # stops where an earlier target's walk joined
            inside[x] = True
            count += 1
            x = parent[x]
    nodes = np.empty(count, np.int32)
    k = 0
    for v in range(parent.shape[0] - 1, -1, -1):
        if inside[v]:
            nodes[k] = v
            k += 1
    return nodes


@njit(cache=True)
def one_to_some(parent, up_offsets, up_head, search_time, sweep_offsets, sweep_head,
                sweep_time, sweep_nodes, target_rank, source, scratch):
    """Shortest times from rank ``source`` to some targets by a restricted sweep.

    The arguments are :func:`one_to_all`'s, with ``sweep_nodes`` and
    ``target_rank`` from :func:`restricted_sweep` in place of ``rank``. The
    sweep visits only ``sweep_nodes``: each node's upward arcs lead to its
    ancestors, which are in the set and swept before it, so its time is
    :func:`one_to_all`'s bit for bit (same arcs, same order, same minimum).
    The source's ancestors inside the set are the highest of them (the set
    is ancestor-closed), so they are met in the same order as in the full
    sweep.

    Returns float64[len(target_rank)] in minutes, ``inf`` where unreachable.
    """
    time_min = scratch
    ancestors = _upward_search(parent, up_offsets, up_head, search_time, source, time_min)
    n_up = ancestors.shape[0]
    one = np.uint64(1)
    next_up = 0
    for i in range(sweep_nodes.shape[0]):
        v = np.uint64(sweep_nodes[i])
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
    out = np.empty(target_rank.shape[0])
    for i in range(target_rank.shape[0]):
        out[i] = time_min[np.uint64(target_rank[i])]
    return out
