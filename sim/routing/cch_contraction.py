"""The metric-independent part of a customizable contraction hierarchy (CCH).

A contraction hierarchy ranks the crossroads and adds *shortcuts* so that
every shortest route can be found by going only "up" in rank from both ends.
A *customizable* one (Dibbelt, Strasser & Wagner 2016, "Customizable
Contraction Hierarchies", ACM JEA 21(1)) adds shortcuts without looking at
travel times: contracting node ``v`` (lowest rank first) links all of its
higher-ranked neighbours into a clique. The result is the *chordal
supergraph* of the road graph under the order; it depends only on which
crossroads are joined by a road, so roads can close, slow down and reopen
while this structure stays the same — only the weights (the
*customization*, :mod:`sim.routing.cch_customize`) change.

Everything here is in *rank space*: node ``r`` is the crossroads of rank
``r`` (``order[r]`` in the road graph, ``rank[v]`` the other way round), and
each undirected CCH arc ``{x, y}`` with ``x < y`` is stored once, in the
upward CSR of ``x``:

* ``up_offsets``/``up_head``/``up_tail`` — arcs ``x → y`` grouped by ``x``,
  heads sorted ascending; an arc's id is its position. Arc ids therefore
  rise with the lower endpoint, which is the order customization needs.
* ``down_offsets``/``down_tail``/``down_arc`` — the same arcs grouped by
  their upper endpoint ``y``, tails ascending, with the arc id of each.
* ``parent`` — the elimination tree: the lowest upward neighbour of each
  node (``-1`` at a root). The upward neighbours of a node are all its
  ancestors in this tree, so an upward search is a walk to the root.
* ``edge_slot`` — the CCH arc and direction that carries each road edge:
  ``2 * arc`` if the edge runs upward (``x → y``), ``2 * arc + 1`` if
  downward, ``-1`` for a self-loop (never on a shortest route). Parallel
  edges share a slot; ``slot_offsets``/``slot_edges`` list the edges of each.

The supergraph is built in one pass over the nodes in rank order: a node's
upward neighbours are its own higher neighbours plus those of its children in
the elimination tree (minus itself), the symbolic-factorization recurrence of
sparse Cholesky. Kernels are numba-compiled lazily and cached on disk; they
trust their inputs (the order is a permutation; nodes are in range).
Like every kernel module here it is self-contained — its small binary
search over an upward list is its own — because numba's disk cache
notices changes to the defining file only.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numba import njit

__all__ = ["CCHStructure", "build_structure", "elimination_depth", "preorder",
           "search_space_arcs", "subtree_first_rank"]


@dataclass(frozen=True, eq=False)
class CCHStructure:
    """The chordal supergraph of a road graph under an order (see module doc)."""

    rank: np.ndarray          # int32[n]: rank of road node v
    order: np.ndarray         # int32[n]: road node of rank r
    parent: np.ndarray        # int32[n]: elimination-tree parent (rank space), -1 at a root
    up_offsets: np.ndarray    # int64[n + 1]
    up_head: np.ndarray       # int32[arcs]
    up_tail: np.ndarray       # int32[arcs]
    down_offsets: np.ndarray  # int64[n + 1]
    down_tail: np.ndarray     # int32[arcs]
    down_arc: np.ndarray      # int32[arcs]
    edge_slot: np.ndarray     # int32[edges]
    slot_offsets: np.ndarray  # int64[2 * arcs + 1]
    slot_edges: np.ndarray    # int32[edges that are not self-loops]

    @property
    def n_nodes(self) -> int:
        return len(self.rank)

    @property
    def n_arcs(self) -> int:
        return len(self.up_head)

    def n_triangles(self) -> int:
        """Lower triangles of all arcs: pairs of upward neighbours of every node."""
        degree = np.diff(self.up_offsets)
        return int(np.sum(degree * (degree - 1) // 2))

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def build_structure(n_nodes: int, tails: np.ndarray, heads: np.ndarray, rank: np.ndarray,
                    contracted=None) -> CCHStructure:
    """The CCH of the directed road graph ``tails[e] → heads[e]`` under ``rank``.

    ``contracted`` = ``(up_offsets, up_head, parent)`` from an earlier
    :func:`chordal_supergraph` of the same graph and rank skips that step.
    """
    rank = np.ascontiguousarray(rank, dtype=np.int32)
    tails = np.ascontiguousarray(tails, dtype=np.int32)
    heads = np.ascontiguousarray(heads, dtype=np.int32)
    if contracted is None:
        contracted = chordal_supergraph(n_nodes, tails, heads, rank)
    up_offsets, up_head, parent = contracted
    order = np.empty(n_nodes, dtype=np.int32)
    order[rank] = np.arange(n_nodes, dtype=np.int32)
    up_tail, down_offsets, down_tail, down_arc = downward_arcs(up_offsets, up_head)
    edge_slot = edge_slots(up_offsets, up_head, tails, heads, rank)
    slot_offsets, slot_edges = edges_by_slot(edge_slot, 2 * len(up_head))
    return CCHStructure(rank, order, parent, up_offsets, up_head, up_tail, down_offsets,
                        down_tail, down_arc, edge_slot, slot_offsets, slot_edges)


@njit(cache=True)
def chordal_supergraph(n_nodes, tails, heads, rank):
    """Upward CSR (heads sorted) and elimination-tree parents of the contraction."""
    # Higher-ranked neighbours of each rank, from both directions of every edge.
    degree = np.zeros(n_nodes + 1, np.int64)
    for e in range(tails.shape[0]):
        a, b = rank[tails[e]], rank[heads[e]]
        if a != b:
            degree[min(a, b) + 1] += 1
    for r in range(n_nodes):
        degree[r + 1] += degree[r]
    higher = np.empty(degree[n_nodes], np.int32)
    fill = degree[:n_nodes].copy()
    for e in range(tails.shape[0]):
        a, b = rank[tails[e]], rank[heads[e]]
        if a != b:
            lo = min(a, b)
            higher[fill[lo]] = max(a, b)
            fill[lo] += 1
    # Upward sets in rank order; children's sets are merged into their parent.
    capacity = 2 * higher.shape[0] + 16
    up = np.empty(capacity, np.int32)
    start = np.zeros(n_nodes + 1, np.int64)
    first_child = np.full(n_nodes, -1, np.int32)
    next_sibling = np.full(n_nodes, -1, np.int32)
    parent = np.full(n_nodes, -1, np.int32)
    seen_by = np.full(n_nodes, -1, np.int32)
    used = 0
    for r in range(n_nodes):
        start[r] = used
        need = used + (degree[r + 1] - degree[r])
        c = first_child[r]
        while c >= 0:
            need += start[c + 1] - start[c]
            c = next_sibling[c]
        if need > capacity:
            capacity = max(2 * capacity, need)
            grown = np.empty(capacity, np.int32)
            grown[:used] = up[:used]
            up = grown
        for k in range(degree[r], degree[r + 1]):
            y = higher[k]
            if seen_by[y] != r:
                seen_by[y] = r
                up[used] = y
                used += 1
        c = first_child[r]
        while c >= 0:
            for k in range(start[c], start[c + 1]):
                y = up[k]
                if y != r and seen_by[y] != r:
                    seen_by[y] = r
                    up[used] = y
                    used += 1
            c = next_sibling[c]
        start[r + 1] = used
        if used > start[r]:
            up[start[r]:used] = np.sort(up[start[r]:used])
            p = up[start[r]]
            parent[r] = p
            next_sibling[r] = first_child[p]
            first_child[p] = r
    return start, up[:used].copy(), parent


@njit(cache=True)
def downward_arcs(up_offsets, up_head):
    """``up_tail`` and the arcs grouped by upper endpoint (tails ascending)."""
    n_nodes = up_offsets.shape[0] - 1
    n_arcs = up_head.shape[0]
    up_tail = np.empty(n_arcs, np.int32)
    down_offsets = np.zeros(n_nodes + 1, np.int64)
    for x in range(n_nodes):
        for a in range(up_offsets[x], up_offsets[x + 1]):
            up_tail[a] = x
            down_offsets[up_head[a] + 1] += 1
    for y in range(n_nodes):
        down_offsets[y + 1] += down_offsets[y]
    fill = down_offsets[:n_nodes].copy()
    down_tail = np.empty(n_arcs, np.int32)
    down_arc = np.empty(n_arcs, np.int32)
    for a in range(n_arcs):  # ascending tails: each down list comes out sorted
        y = up_head[a]
        down_tail[fill[y]] = up_tail[a]
        down_arc[fill[y]] = a
        fill[y] += 1
    return up_tail, down_offsets, down_tail, down_arc


@njit(cache=True)
def find_arc(up_offsets, up_head, x, y):
    """Arc id of ``x → y`` (``x < y``) by binary search, ``-1`` if absent."""
    lo, hi = up_offsets[x], up_offsets[x + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if up_head[mid] < y:
            lo = mid + 1
        else:
            hi = mid
    if lo < up_offsets[x + 1] and up_head[lo] == y:
        return lo
    return -1


@njit(cache=True)
def edge_slots(up_offsets, up_head, tails, heads, rank):
    """The CCH arc and direction of every road edge (see module doc)."""
    slot = np.empty(tails.shape[0], np.int32)
    for e in range(tails.shape[0]):
        a, b = rank[tails[e]], rank[heads[e]]
        if a == b:
            slot[e] = -1
        elif a < b:
            slot[e] = 2 * find_arc(up_offsets, up_head, a, b)
        else:
            slot[e] = 2 * find_arc(up_offsets, up_head, b, a) + 1
    return slot


@njit(cache=True)
def edges_by_slot(edge_slot, n_slots):
    """CSR of the road edges carried by each slot, edge ids ascending."""
    offsets = np.zeros(n_slots + 1, np.int64)
    for e in range(edge_slot.shape[0]):
        if edge_slot[e] >= 0:
            offsets[edge_slot[e] + 1] += 1
    for s in range(n_slots):
        offsets[s + 1] += offsets[s]
    fill = offsets[:n_slots].copy()
    edges = np.empty(offsets[n_slots], np.int32)
    for e in range(edge_slot.shape[0]):
        s = edge_slot[e]
        if s >= 0:
            edges[fill[s]] = e
            fill[s] += 1
    return offsets, edges


@njit(cache=True)
def search_space_arcs(parent, up_offsets):
    """Arcs relaxed by the upward search from each rank (its ancestors' arcs)."""
    n_nodes = parent.shape[0]
    arcs = np.zeros(n_nodes, np.int64)
    for r in range(n_nodes - 1, -1, -1):
        arcs[r] = up_offsets[r + 1] - up_offsets[r]
        if parent[r] >= 0:
            arcs[r] += arcs[parent[r]]
    return arcs


@njit(cache=True)
def elimination_depth(parent):
    """Depth of every rank in the elimination tree (roots at 0)."""
    n_nodes = parent.shape[0]
    depth = np.zeros(n_nodes, np.int32)
    for r in range(n_nodes - 1, -1, -1):
        if parent[r] >= 0:
            depth[r] = depth[parent[r]] + 1
    return depth


@njit(cache=True)
def subtree_first_rank(parent):
    """The lowest rank in the subtree of every rank in the elimination forest."""
    n_nodes = parent.shape[0]
    first = np.arange(n_nodes).astype(np.int32)
    for r in range(n_nodes):  # children rank below their parent
        p = parent[r]
        if p >= 0 and first[r] < first[p]:
            first[p] = first[r]
    return first


@njit(cache=True)
def preorder(parent):
    """Preorder index and subtree size of every rank in the elimination forest.

    The ranks in the subtree of ``r`` are exactly those whose index lies in
    ``pre[r] .. pre[r] + size[r] - 1``.
    """
    n_nodes = parent.shape[0]
    size = np.ones(n_nodes, np.int64)
    for r in range(n_nodes):  # children rank below their parent
        if parent[r] >= 0:
            size[parent[r]] += size[r]
    pre = np.empty(n_nodes, np.int64)
    next_free = np.empty(n_nodes, np.int64)
    next_root = 0
    for r in range(n_nodes - 1, -1, -1):
        p = parent[r]
        if p < 0:
            pre[r] = next_root
            next_root += size[r]
        else:
            pre[r] = next_free[p]
            next_free[p] += size[r]
        next_free[r] = pre[r] + 1
    return pre, size
