"""Customization of a CCH: travel times on its arcs for the roads' current state.

The hierarchy of :mod:`sim.routing.cch_contraction` fixes which arcs exist;
customization gives each arc, in each direction, a travel time in minutes
such that every shortest route is an up-then-down walk over arcs
(Dibbelt, Strasser & Wagner 2016, "Customizable Contraction Hierarchies",
ACM JEA 21(1), Sec. 5):

* **Basic customization** starts every arc at its fastest road (``inf`` if
  none is open) and then, bottom-up, relaxes every *lower triangle*
  ``{y, x, z}`` with ``y < x < z``: ``x → z`` may go ``x → y → z``. Triangles
  are enumerated per middle node ``x`` from the arcs below it, as in
  RoutingKit, so no triangle list is stored. Afterwards an arc's time is the
  shortest route between its ends through lower-ranked crossroads only;
  ``up_edge``/``down_edge`` name the fastest road between its ends,
  ``up_via``/``down_via`` the lower triangle its time comes from, as the
  triangle's arc into the arc's lower end (``-1``: the road), and
  ``up_other``/``down_other`` that triangle's other arc — all a route needs
  to be unpacked into roads without searching. The results live in two
  blocks per customization, times ``float64[2, arcs]`` and the rest
  ``int32[6, arcs]``, written in place, so a route query takes few arguments
  and a full customization allocates nothing.
* **Partial customization** after some roads changed recomputes only the arcs
  those roads carry, then, in rising arc order, every arc whose lower
  triangle contains a recomputed arc whose time changed *and* whose old time
  was tight there or whose new time beats or ties it (a tie may move it to an
  earlier triangle) — the partial updates of Dibbelt, Strasser & Wagner.
  Recomputing an arc from scratch (its roads plus all its lower
  triangles) makes closures (times going up) as exact as reopenings.
  Triangles are tried in the same order as in a full customization, so even
  ties resolve the same way: the result is bit for bit what a full
  customization gives. Both directions of the triangle relation are listed
  once per hierarchy by :func:`triangles` (a full customization enumerates
  triangles per node; a partial update touches few of them and reads
  lists instead of merging neighbourhoods, about twice as fast): each arc's lower triangles as
  pairs of arcs, and per node ``y`` the top arc of each pair of its upward
  arcs, so a changed arc finds the triangles it is a side of by position.
  An arc's id rises with its lower endpoint and every triangle's top has a
  higher lower endpoint than its sides, so the arcs to recompute are swept
  in rising id from a bitset.
* **Perfect customization** (top-down over *upper and intermediate*
  triangles) turns every arc time into the true shortest time between its
  ends; an arc whose time drops is never needed by a query and is pruned.
  :func:`pruned_arcs` keeps the rest for PHAST sweeps (:mod:`sim.routing.phast`)
  and for routes and tables (:mod:`sim.routing.cch_query`).

Kernels are numba-compiled lazily and cached on disk; arrays in, arrays out.
Times are float64 minutes, ``inf`` for a closed connection; the road times
must be >= 0 (never NaN).
Like every kernel module here it is self-contained — its small binary
search over an upward list is its own — because numba's disk cache
notices changes to the defining file only.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["customize_full", "customize_partial", "triangles", "perfect_times", "pruned_arcs",
           "arc_after", "UP_EDGE", "DOWN_EDGE", "UP_VIA", "DOWN_VIA", "UP_OTHER", "DOWN_OTHER"]

#: Rows of the customization's int32 block (``arc_int``), one entry per arc.
UP_EDGE, DOWN_EDGE, UP_VIA, DOWN_VIA, UP_OTHER, DOWN_OTHER = range(6)


@njit(cache=True)
def customize_full(up_offsets, up_head, down_offsets, down_tail, down_arc, slot_offsets,
                   slot_edges, weight_min, arc_time, arc_int):
    """Basic customization from scratch, written into ``arc_time``/``arc_int``.

    ``arc_time`` float64[2, arcs]: per arc ``x → y`` (``x < y``) the time
    upward (row 0) and downward (row 1) in minutes. ``arc_int`` int32[6,
    arcs], rows :data:`UP_EDGE`, :data:`DOWN_EDGE` — the fastest road edge in
    each direction (``-1``: none) — :data:`UP_VIA`, :data:`DOWN_VIA` — the
    lower triangle ``{y, x, y'}`` that gives the time, as its arc ``y → x``
    (``-1``: the road) — and :data:`UP_OTHER`, :data:`DOWN_OTHER` — that
    triangle's other arc ``y → y'`` (``-1`` with the road), so unpacking a
    route needs no search.
    """
    n_nodes = up_offsets.shape[0] - 1
    n_arcs = up_head.shape[0]
    up_time, down_time = arc_time[0], arc_time[1]
    up_edge, down_edge = arc_int[UP_EDGE], arc_int[DOWN_EDGE]
    up_via, down_via = arc_int[UP_VIA], arc_int[DOWN_VIA]
    up_other, down_other = arc_int[UP_OTHER], arc_int[DOWN_OTHER]
    arc_time[:] = np.inf
    arc_int[:] = -1
    for a in range(n_arcs):
        for k in range(slot_offsets[2 * a], slot_offsets[2 * a + 1]):
            e = slot_edges[k]
            if weight_min[e] < up_time[a]:
                up_time[a] = weight_min[e]
                up_edge[a] = e
        for k in range(slot_offsets[2 * a + 1], slot_offsets[2 * a + 2]):
            e = slot_edges[k]
            if weight_min[e] < down_time[a]:
                down_time[a] = weight_min[e]
                down_edge[a] = e
    arc_to = np.empty(n_nodes, np.int64)
    for x in range(n_nodes):
        for a in range(up_offsets[x], up_offsets[x + 1]):
            arc_to[up_head[a]] = a
        for j in range(down_offsets[x], down_offsets[x + 1]):
            yx = down_arc[j]
            y_to_x = up_time[yx]
            x_to_y = down_time[yx]
            for yz in range(yx + 1, up_offsets[down_tail[j] + 1]):
                xz = arc_to[up_head[yz]]
                t = x_to_y + up_time[yz]
                if t < up_time[xz]:
                    up_time[xz] = t
                    up_via[xz] = yx
                    up_other[xz] = yz
                t = down_time[yz] + y_to_x
                if t < down_time[xz]:
                    down_time[xz] = t
                    down_via[xz] = yx
                    down_other[xz] = yz


@njit(cache=True)
def triangles(up_offsets, up_head, down_offsets, down_tail, down_arc):
    """The lower triangles of every arc, both ways round, for partial updates.

    A lower triangle ``{y, x, z}`` (``y < x < z``) of arc ``x → z`` has sides
    ``y → x`` and ``y → z``: a pair of ``y``'s upward arcs, as every pair of
    them is (their heads form a clique). Returns
    ``(lower_offsets, lower_sides, pair_offsets, pair_top)``:

    * ``lower_offsets`` int64[arcs + 1], ``lower_sides`` int32[triangles, 2]
      — the sides ``(y → x, y → z)`` of each arc's lower triangles, ``y``
      rising, the order in which :func:`customize_full` relaxes them;
    * ``pair_offsets`` int64[nodes + 1], ``pair_top`` int32[triangles] — per
      node ``y`` the top arc ``x → z`` of each pair of its upward arcs
      ``y → x``, ``y → z`` at positions ``i < j`` in its list, pairs in
      rising ``(i, j)`` (:func:`_first_pair` finds those with ``i`` first).

    Triangles are enumerated per middle node as in :func:`customize_full`
    (Dibbelt, Strasser & Wagner 2016). Both lists hold one entry per
    triangle: on the district's 1.78 M triangles, 23 MB, built in ~20 ms.
    """
    n_nodes = up_offsets.shape[0] - 1
    n_arcs = up_head.shape[0]
    pair_offsets = np.zeros(n_nodes + 1, np.int64)
    for y in range(n_nodes):
        d = up_offsets[y + 1] - up_offsets[y]
        pair_offsets[y + 1] = pair_offsets[y] + d * (d - 1) // 2
    pair_top = np.empty(pair_offsets[n_nodes], np.int32)
    lower_offsets = np.zeros(n_arcs + 1, np.int64)
    arc_to = np.empty(n_nodes, np.int64)
    for x in range(n_nodes):
        for a in range(up_offsets[x], up_offsets[x + 1]):
            arc_to[up_head[a]] = a
        for j in range(down_offsets[x], down_offsets[x + 1]):
            yx = down_arc[j]
            y = down_tail[j]
            t = _first_pair(pair_offsets[y], up_offsets[y + 1] - up_offsets[y],
                            yx - up_offsets[y])
            for yz in range(yx + 1, up_offsets[y + 1]):
                xz = arc_to[up_head[yz]]
                pair_top[t] = xz
                t += 1
                lower_offsets[xz + 1] += 1
    for a in range(n_arcs):
        lower_offsets[a + 1] += lower_offsets[a]
    # The pairs in rising y give each arc its lower triangles in rising y.
    lower_sides = np.empty((lower_offsets[n_arcs], 2), np.int32)
    fill = lower_offsets[:n_arcs].copy()
    t = 0
    for y in range(n_nodes):
        for yx in range(up_offsets[y], up_offsets[y + 1]):
            for yz in range(yx + 1, up_offsets[y + 1]):
                xz = pair_top[t]
                t += 1
                lower_sides[fill[xz], 0] = yx
                lower_sides[fill[xz], 1] = yz
                fill[xz] += 1
    return lower_offsets, lower_sides, pair_offsets, pair_top


@njit(cache=True)
def customize_partial(up_offsets, up_tail, slot_offsets, slot_edges, edge_slot, lower_offsets,
                      lower_sides, pair_offsets, pair_top, weight_min, changed_edges, arc_time,
                      arc_int, queued):
    """Update a basic customization (``arc_time``, ``arc_int`` as
    :func:`customize_full` writes them) in place after ``changed_edges`` changed.

    ``lower_offsets`` … ``pair_top``: the hierarchy's :func:`triangles`.
    ``queued`` (uint64[ceil(arcs / 64)], a bitset of the arcs to recompute,
    all zero on entry and on return) is scratch. Returns the number of arcs
    recomputed.
    """
    up_time, down_time = arc_time[0], arc_time[1]
    up_edge, down_edge = arc_int[UP_EDGE], arc_int[DOWN_EDGE]
    up_via, down_via = arc_int[UP_VIA], arc_int[DOWN_VIA]
    up_other, down_other = arc_int[UP_OTHER], arc_int[DOWN_OTHER]
    pending = 0
    word = queued.shape[0]
    for e in changed_edges:
        slot = edge_slot[e]
        if slot >= 0:
            pending += _queue(queued, slot >> 1)
            word = min(word, slot >> 7)
    recomputed = 0
    while pending > 0:
        # The lowest queued arc: arcs queued from here on are higher ones.
        bits = queued[word]
        if bits == 0:
            word += 1
            continue
        lowest = bits & (~bits + np.uint64(1))
        queued[word] = bits ^ lowest
        a = (word << 6) + int(np.log2(np.float64(lowest)))
        pending -= 1
        recomputed += 1
        old_up, old_down = up_time[a], down_time[a]
        new_up, new_down = np.inf, np.inf
        new_up_edge, new_down_edge = -1, -1
        new_up_via, new_down_via = -1, -1
        new_up_other, new_down_other = -1, -1
        for k in range(slot_offsets[2 * a], slot_offsets[2 * a + 1]):
            if weight_min[slot_edges[k]] < new_up:
                new_up = weight_min[slot_edges[k]]
                new_up_edge = slot_edges[k]
        for k in range(slot_offsets[2 * a + 1], slot_offsets[2 * a + 2]):
            if weight_min[slot_edges[k]] < new_down:
                new_down = weight_min[slot_edges[k]]
                new_down_edge = slot_edges[k]
        # Lower triangles {y, x, z} in rising y; only a strictly faster one
        # wins, as in a full customization.
        for t in range(lower_offsets[a], lower_offsets[a + 1]):
            yx, yz = lower_sides[t, 0], lower_sides[t, 1]
            t_up = down_time[yx] + up_time[yz]
            if t_up < new_up:
                new_up, new_up_via, new_up_other = t_up, yx, yz
            t_down = down_time[yz] + up_time[yx]
            if t_down < new_down:
                new_down, new_down_via, new_down_other = t_down, yx, yz
        up_time[a], down_time[a] = new_up, new_down
        up_edge[a], down_edge[a] = new_up_edge, new_down_edge
        up_via[a], down_via[a] = new_up_via, new_down_via
        up_other[a], down_other[a] = new_up_other, new_down_other
        if new_up == old_up and new_down == old_down:
            continue
        # The triangles a = x → z is a side of, one with each other upward
        # arc x → w of x: for w < z the lower triangle {x, w, z} of top
        # w → z (upward w → x → z, downward z → x → w), for w > z the lower
        # triangle {x, z, w} of top z → w (upward z → x → w, downward
        # w → x → z).
        first, end = up_offsets[up_tail[a]], up_offsets[up_tail[a] + 1]
        i = a - first
        pairs = pair_offsets[up_tail[a]]
        for p in range(first, a):
            top = pair_top[_first_pair(pairs, end - first, p - first) + (i - (p - first) - 1)]
            if _touched(old_up, new_up, down_time[p], up_time[top]) or \
                    _touched(old_down, new_down, up_time[p], down_time[top]):
                pending += _queue(queued, top)
        t = _first_pair(pairs, end - first, i)
        for p in range(a + 1, end):
            top = pair_top[t]
            t += 1
            if _touched(old_down, new_down, up_time[p], up_time[top]) or \
                    _touched(old_up, new_up, down_time[p], down_time[top]):
                pending += _queue(queued, top)
    return recomputed


@njit(cache=True)
def _first_pair(first, degree, i):
    """Position in ``pair_top`` of the pair ``(i, i + 1)`` of a node whose
    pairs start at ``first`` and that has ``degree`` upward arcs."""
    return first + i * (2 * degree - i - 1) // 2


@njit(cache=True)
def _queue(queued, arc):
    """Set ``arc``'s bit in the bitset ``queued``: 1 if it was clear, else 0."""
    bit = np.uint64(1) << np.uint64(arc & 63)
    if queued[arc >> 6] & bit:
        return 0
    queued[arc >> 6] |= bit
    return 1


@njit(cache=True)
def arc_after(up_offsets, up_head, first, x, z):
    """Arc ``x → z`` among arcs ``first..`` of ``x`` (binary search over the upward
    arcs sorted by head); ``-1`` if absent. Customization and path unpacking use it."""
    lo, hi = first, up_offsets[x + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if up_head[mid] < z:
            lo = mid + 1
        else:
            hi = mid
    if lo < up_offsets[x + 1] and up_head[lo] == z:
        return lo
    return -1


@njit(cache=True)
def _touched(old_time, new_time, other_time, top_time):
    """Whether a triangle leg going ``old → new`` may change its top arc:
    the old route through it was the top's time, or the new one beats or
    ties it (a tie may move the top's triangle to an earlier one, as a full
    customization would pick it)."""
    old_route = old_time + other_time
    new_route = new_time + other_time
    return (old_route == top_time and old_route < np.inf) or new_route < top_time or (
        new_route == top_time and new_route < np.inf)


@njit(cache=True)
def perfect_times(up_offsets, up_head, down_offsets, down_tail, down_arc, up_time, down_time):
    """Perfect customization: the shortest time between the ends of every arc.

    Takes basic times, returns new arrays ``(up_time, down_time)``. Triangles
    are visited top-down by middle node, so each top arc is final when used.
    """
    n_nodes = up_offsets.shape[0] - 1
    up = up_time.copy()
    down = down_time.copy()
    arc_to = np.empty(n_nodes, np.int64)
    for x in range(n_nodes - 1, -1, -1):
        for a in range(up_offsets[x], up_offsets[x + 1]):
            arc_to[up_head[a]] = a
        for j in range(down_offsets[x], down_offsets[x + 1]):
            yx = down_arc[j]
            for yz in range(yx + 1, up_offsets[down_tail[j] + 1]):
                xz = arc_to[up_head[yz]]
                t = up[yz] + down[xz]      # y → z → x
                if t < up[yx]:
                    up[yx] = t
                t = up[xz] + down[yz]      # x → z → y
                if t < down[yx]:
                    down[yx] = t
                t = up[yx] + up[xz]        # y → x → z
                if t < up[yz]:
                    up[yz] = t
                t = down[xz] + down[yx]    # z → x → y
                if t < down[yz]:
                    down[yz] = t
    return up, down


@njit(cache=True)
def pruned_arcs(up_offsets, up_head, head_depth, arc_time, up_perfect, down_perfect):
    """The arcs queries need after perfect customization, in both directions.

    An arc is kept in a direction if it is open there and its basic time
    (``arc_time``, rows up and down) equals its perfect one: every shortest
    route is an up-then-down walk over kept arcs (an arc whose perfect time
    is lower has a faster route between its ends through a higher node).
    Returns ``(offsets, head, head_depth, time_min, arc)``:
    row 0 the upward arcs kept, row 1 the downward ones, each a CSR over the
    lower endpoints (``offsets`` int64[2, nodes + 1]) with the arc's head,
    the head's depth in the elimination tree (from ``head_depth``), its time
    and its id in the hierarchy; rows are padded to the longer one.
    """
    n_nodes = up_offsets.shape[0] - 1
    offsets = np.zeros((2, n_nodes + 1), np.int64)
    for d in range(2):
        basic = arc_time[d]
        perfect = up_perfect if d == 0 else down_perfect
        for x in range(n_nodes):
            kept = 0
            for a in range(up_offsets[x], up_offsets[x + 1]):
                if perfect[a] < np.inf and perfect[a] == basic[a]:
                    kept += 1
            offsets[d, x + 1] = offsets[d, x] + kept
    width = max(offsets[0, n_nodes], offsets[1, n_nodes])
    head = np.zeros((2, width), np.int32)
    depth = np.zeros((2, width), head_depth.dtype)
    time_min = np.full((2, width), np.inf)
    arc = np.zeros((2, width), np.int32)
    for d in range(2):
        basic = arc_time[d]
        perfect = up_perfect if d == 0 else down_perfect
        k = 0
        for a in range(up_head.shape[0]):
            if perfect[a] < np.inf and perfect[a] == basic[a]:
                head[d, k] = up_head[a]
                depth[d, k] = head_depth[a]
                time_min[d, k] = basic[a]
                arc[d, k] = a
                k += 1
    return offsets, head, depth, time_min, arc
