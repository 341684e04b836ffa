"""The CCH behind the Router: customized when roads change, queried in microseconds.

A :class:`CCHSearch` answers the same questions as
:class:`~sim.routing.search.DijkstraSearch` — a tree from a source or into a
target, a few targets, a table, a route — on a customizable contraction
hierarchy (Dibbelt, Strasser & Wagner 2016). It owns

* the metric-independent hierarchy of the graph (from memory, the disk cache
  or a fresh nested-dissection build: :mod:`sim.routing.cch_cache`);
* the *customization* — arc times for the current road state — which it
  brings up to date lazily, at the first query after roads changed: a
  partial customization when few roads changed (:data:`FULL_SHARE`), a full
  one otherwise or when it cannot know which, a copy of a kept full one for
  weights seen before (:mod:`sim.routing.cch_updates`,
  :mod:`sim.routing.cch_customize`);
* the choice of query kernel: PHAST sweeps for whole trees
  (:mod:`sim.routing.phast`), restricted to the nodes some targets need
  when only their times are asked for (:meth:`CCHSearch.tree_at`: the same
  times bit for bit), elimination-tree walks for a few targets and
  for tables, and an elimination-tree route with unpacking
  (:mod:`sim.routing.cch_query`), each picked by an estimate of the arcs it
  would touch;
* perfect customization where it pays: it costs about two basic ones
  (~20 ms on the district) and prunes about a third of the arcs in each
  direction; sweeps, routes and tables then read only the arcs kept. A
  sweep's time goes into reading scattered node times more than arcs, so
  sweeps measured only ~5 % faster on DIMACS New York; a route's or a
  table's walks reach fewer crossroads and save ~2-4 µs each on the
  district. It is made once :data:`PERFECT_AFTER_TREES` trees or
  :data:`PERFECT_AFTER_WALKS` walks (two a route, one per source and target
  of a table) were asked for in one road state (a dispatch run changes
  roads every few dozen queries; a long batch of queries in one state is
  where it pays);
* the scratch arrays of route queries (by depth in the elimination tree, and
  the unpacking stack), so that a route never costs O(nodes) nor allocates
  more than its answer.

Answers equal Dijkstra's up to rounding (sums are added in another order:
~1e-15 relative). Trees carry times only; routes come from route queries.
The per-edge travel times are the Router's array, held by reference.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from . import cch_customize, cch_query, phast
from .cch_cache import hierarchy_for
from .cch_contraction import (
    elimination_depth,
    preorder,
    search_space_arcs,
)
from .cch_updates import (  # the public names re-exported
    FULL_MIN_EDGES,
    FULL_SHARE,
    REUSE_MAX_BYTES,
    REUSE_MAX_ENTRIES,
    _keep,
    _reuse,
    _triangles_of,
    customizes_in_full,
    forget_reusable,
)

__all__ = ["CCHSearch", "FULL_SHARE", "FULL_MIN_EDGES", "REUSE_MAX_BYTES", "REUSE_MAX_ENTRIES",
           "cch_or_dijkstra", "customizes_in_full", "forget_reusable"]

#: Trees, or walks up the elimination tree (two a route, one per source and
#: target of a table), asked for in one road state after which queries read
#: only the arcs a perfect customization keeps.
PERFECT_AFTER_TREES = 1000
PERFECT_AFTER_WALKS = 5000

#: Target sets whose restricted sweep (:func:`sim.routing.phast.restricted_sweep`)
#: a search keeps (oldest dropped first).
MAX_RESTRICTED_SWEEPS = 8


class CCHSearch:
    """Exact searches on a customizable contraction hierarchy.

    Parameters
    ----------
    offsets, tails, heads
        The road graph's CSR structure (``tails``/``heads`` int32).
    weight_min : float64[m]
        Travel time per edge in minutes, held by reference: the owner updates
        it in place and then calls :meth:`weights_changed`.
    fallback
        A :class:`~sim.routing.search.DijkstraSearch` on the same arrays,
        asked for a route only if an arc could not be unpacked.
    perfect : bool or "auto"
        Query only the arcs a perfect customization keeps: always, never, or
        (``"auto"``) after :data:`PERFECT_AFTER_TREES` trees or
        :data:`PERFECT_AFTER_WALKS` walks in one road state. Exact either way (sums may differ in the last bits, and a tie
        between equally fast routes may go the other way).
    """

    paths_from_trees = False
    restricted_sweeps = True

    def __init__(self, offsets, tails, heads, weight_min, *, fallback, perfect="auto"):
        n_nodes = len(offsets) - 1
        self.heads = heads
        self.weight_min = weight_min
        self.structure, self.preprocessing_s = hierarchy_for(n_nodes, tails, heads)
        self._perfect = perfect
        self._fallback = fallback
        s = self.structure
        self._search_arcs = float(np.mean(search_space_arcs(s.parent, s.up_offsets))) \
            if n_nodes else 0.0
        self._depth = elimination_depth(s.parent)
        self._max_depth = int(self._depth.max()) if n_nodes else 0
        # Depth of every arc's head: walks keep their times by depth, in a
        # few hundred bytes that stay in the first-level cache.
        self._head_depth = self._depth[s.up_head].astype(
            np.uint16 if self._max_depth < np.iinfo(np.uint16).max else np.int32)
        self._pre, self._size = preorder(s.parent)
        self._sweep_scratch = np.empty(n_nodes)
        self._restricted: dict[bytes, tuple] = {}  # targets -> (RestrictedSweep, position)
        # The customization, written in place (cch_customize.customize_full):
        # times float64[2, arcs] and roads, triangles int32[6, arcs]; the
        # attributes are views of their rows.
        self._arc_time = np.empty((2, s.n_arcs))
        self._arc_int = np.empty((6, s.n_arcs), np.int32)
        self.up_time, self.down_time = self._arc_time
        (self.up_edge, self.down_edge, self.up_via, self.down_via, self.up_other,
         self.down_other) = self._arc_int
        # The arcs queries read: the basic customization's (one row of
        # offsets and head depths serves both directions; the arcs are the
        # hierarchy's own), or those a perfect customization keeps.
        # A tree from a source searches up the upward arcs and sweeps down the
        # downward ones; a tree into a target the other way round.
        self._basic_sweeps = ((s.up_offsets, s.up_head, self.up_time,
                               s.up_offsets, s.up_head, self.down_time),
                              (s.up_offsets, s.up_head, self.down_time,
                               s.up_offsets, s.up_head, self.up_time))
        self._basic_walks = (s.up_offsets.reshape(1, -1), self._head_depth.reshape(1, -1),
                             self._arc_time, np.empty((2, 0), np.int32))
        self._sweeps, self._walks = self._basic_sweeps, self._basic_walks
        self._pruned = False  # whether queries read the kept arcs
        self._kept = None  # (sweeps, walks) on the kept arcs, for this road state
        # A route query's arrays, as few as possible (a compiled call's cost
        # grows with its arguments, more so when its caches are cold).
        depths = self._max_depth + 1
        self._node_info = np.stack([s.parent, self._depth, s.rank]).astype(np.int32)
        self._route_tail = (s.up_tail, self._arc_int, weight_min, heads)
        self._route_args = (self._node_info, *self._walks, *self._route_tail)
        self._route_scratch = (np.empty((2, depths)), np.empty((4, depths), np.int64),
                               np.empty(2 * n_nodes + 2 * depths + 2, np.int64))
        self._queued = np.zeros((s.n_arcs + 63) // 64, np.uint64)  # partial's bitset
        self._pending: list[np.ndarray] | None = None  # None: customize in full
        self._trees = 0  # trees asked for since the last change
        self._walks_asked = 0  # and walks (two a route, one per table source and target)
        self.stats = {"full": 0, "reused": 0, "partial": 0, "arcs_recomputed": 0, "perfect": 0}
        self._customize()

    @property
    def n_nodes(self) -> int:
        return self.structure.n_nodes

    # ----------------------------------------------------------- customizing
    def weights_changed(self, edge_ids: np.ndarray | None) -> None:
        """Note that ``weight_min`` changed at ``edge_ids`` (``None``: anywhere).

        Customization waits for the next query, so a burst of changes costs
        one update.
        """
        if edge_ids is None:
            self._pending = None
        elif self._pending is not None:
            self._pending.append(np.asarray(edge_ids, dtype=np.int64).ravel())

    def customize(self, *, full: bool = False) -> None:
        """Bring the customization up to date now (``full``: from scratch,
        even for weights whose full customization is kept for reuse)."""
        if full:
            self._pending = None
            self._customize(reuse=False)
        else:
            self._ready()

    def _customize(self, reuse: bool = True) -> None:
        s = self.structure
        self._use_basic_arcs()
        self._kept = None
        self._trees = 0
        self._walks_asked = 0
        # Repeated edges are harmless (the kernel queues an arc once).
        changed = None if self._pending is None else (
            np.concatenate(self._pending) if self._pending else np.empty(0, np.int64))
        self._pending = []
        if changed is not None and len(changed) == 0:
            return
        if changed is None or customizes_in_full(len(changed), len(self.weight_min)):
            self.stats["full"] += 1
            if reuse and _reuse(s, self.weight_min, self._arc_time, self._arc_int):
                self.stats["reused"] += 1
                return
            cch_customize.customize_full(s.up_offsets, s.up_head, s.down_offsets, s.down_tail,
                                         s.down_arc, s.slot_offsets, s.slot_edges,
                                         self.weight_min, self._arc_time, self._arc_int)
            if changed is None:
                # Kept: a state a search starts from (or is set to whole), which
                # other searches start from too — every replication's Router. A
                # state a run's road changes lead to is its own; keeping it would
                # cost a copy and push the shared ones out.
                _keep(s, self.weight_min, self._arc_time, self._arc_int)
            return
        recomputed = cch_customize.customize_partial(
            s.up_offsets, s.up_tail, s.slot_offsets, s.slot_edges, s.edge_slot,
            *_triangles_of(s), self.weight_min, changed, self._arc_time, self._arc_int,
            self._queued)
        self.stats["partial"] += 1
        self.stats["arcs_recomputed"] += int(recomputed)

    def _ready(self) -> None:
        if self._pending is None or self._pending:
            self._customize()

    def _use_basic_arcs(self) -> None:
        if self._pruned:
            self._sweeps, self._walks = self._basic_sweeps, self._basic_walks
            self._route_args = (self._node_info, *self._walks, *self._route_tail)
            self._pruned = False

    @property
    def perfect(self):
        """Whether queries read only the arcs a perfect customization keeps:
        ``True``, ``False`` or ``"auto"`` (see the class)."""
        return self._perfect

    @perfect.setter
    def perfect(self, value) -> None:
        self._perfect = value
        if value is False:
            self._use_basic_arcs()

    def _perfect_due(self) -> bool:
        return self._perfect is True or (self._perfect == "auto" and (
            self._trees >= PERFECT_AFTER_TREES or self._walks_asked >= PERFECT_AFTER_WALKS))

    def _query_arcs(self) -> None:
        """Read only the arcs a perfect customization keeps, once due (made
        once per road state, kept while perfect customization is turned off)."""
        if self._pruned or not self._perfect_due():
            return
        if self._kept is None:
            s = self.structure
            up, down = cch_customize.perfect_times(s.up_offsets, s.up_head, s.down_offsets,
                                                   s.down_tail, s.down_arc, self.up_time,
                                                   self.down_time)
            offsets, head, depth, time_min, arc = cch_customize.pruned_arcs(
                s.up_offsets, s.up_head, self._head_depth, self._arc_time, up, down)
            up_arcs = (offsets[0], head[0], time_min[0])
            down_arcs = (offsets[1], head[1], time_min[1])
            self._kept = ((up_arcs + down_arcs, down_arcs + up_arcs),
                          (offsets, depth, time_min, arc))
            self.stats["perfect"] += 1
        self._sweeps, self._walks = self._kept
        self._route_args = (self._node_info, *self._walks, *self._route_tail)
        self._pruned = True

    def drop_perfect(self) -> None:
        """Release the current road state's perfect customization, if any (its
        arrays are freed; on New York that takes a few ms, else paid at the
        next customization)."""
        self._use_basic_arcs()
        self._kept = None

    def _sweep_arcs(self):
        """PHAST's arcs ``(from_source, into_target)``, each the upward search's
        and the sweep's ``(offsets, head, time)``."""
        self._query_arcs()
        return self._sweeps

    def sweep_arc_count(self) -> int:
        """Arcs a tree sweep reads now (fewer once perfect customization pruned)."""
        self._ready()
        offsets = self._sweep_arcs()[0][3]
        return int(offsets[-1])

    def walk_arc_count(self) -> int:
        """Arcs routes and tables walk now, both directions together (fewer
        once perfect customization pruned)."""
        self._ready()
        self._query_arcs()
        offsets = self._walks[0]
        return int(offsets[0, -1] + offsets[-1, -1])

    # --------------------------------------------------------------- queries
    def tree(self, source: int) -> tuple[np.ndarray, None, float]:
        """``(time_min[n], None, inf)``: times from ``source`` by PHAST."""
        return self._phast(source, into=False), None, np.inf

    def tree_into(self, target: int) -> tuple[np.ndarray, None]:
        """``(time_min[n], None)``: times from every node into ``target``."""
        return self._phast(target, into=True), None

    def _phast(self, node: int, *, into: bool) -> np.ndarray:
        self._ready()
        self._trees += 1
        s = self.structure
        arcs = self._sweep_arcs()[1 if into else 0]
        return phast.one_to_all(s.parent, *arcs, s.rank, int(s.rank[node]),
                                self._sweep_scratch)

    def tree_at(self, node: int, targets: np.ndarray, *, into: bool = False):
        """``(time_min[len(targets)], position, whole, some)``: times from ``node``
        (into it, if ``into``) at ``targets`` (int64 road nodes) by one PHAST
        sweep restricted to the targets' elimination-tree ancestors (RPHAST:
        Delling, Goldberg & Werneck 2011, ATMOS); ``position`` int32[n] is each
        node's index in ``targets`` (-1 if not one, read-only); for the other
        nodes' times while the road state lasts, on the same arcs, ``whole()``
        sweeps the whole tree and ``some(nodes)`` makes a restricted sweep of
        its own for a few road ``nodes`` (float64[len(nodes)]). All are equal
        to :meth:`tree`'s or :meth:`tree_into`'s bit for bit. Counts as one
        tree towards perfect customization (``some`` does not)."""
        self._ready()
        self._trees += 1
        s = self.structure
        arcs = self._sweep_arcs()[1 if into else 0]
        sweep, position = self._restricted_sweep(targets)
        rank = int(s.rank[node])
        time_min = phast.one_to_some(s.parent, *arcs, sweep.nodes, sweep.target_rank, rank,
                                     self._sweep_scratch)
        whole = functools.partial(phast.one_to_all, s.parent, *arcs, s.rank, rank,
                                  self._sweep_scratch)
        return time_min, position, whole, functools.partial(self._sweep_some, arcs, rank)

    def _sweep_some(self, arcs, rank: int, nodes: np.ndarray) -> np.ndarray:
        """Times from rank ``rank`` on ``arcs`` (:meth:`_sweep_arcs`' row) at road
        ``nodes`` by a restricted sweep made for them and not kept."""
        s = self.structure
        sweep = phast.restricted_sweep(s.parent, s.rank, nodes)
        return phast.one_to_some(s.parent, *arcs, sweep.nodes, sweep.target_rank, rank,
                                 self._sweep_scratch)

    def _restricted_sweep(self, targets: np.ndarray):
        """The restricted sweep for ``targets`` and their positions, made once per
        target set (a property of the elimination tree, whatever the road state)."""
        key = targets.tobytes()
        found = self._restricted.get(key)
        if found is None:
            s = self.structure
            position = np.full(self.n_nodes, -1, np.int32)
            position[targets] = np.arange(len(targets), dtype=np.int32)
            position.setflags(write=False)
            found = (phast.restricted_sweep(s.parent, s.rank, targets), position)
            if len(self._restricted) >= MAX_RESTRICTED_SWEEPS:
                del self._restricted[next(iter(self._restricted))]
            self._restricted[key] = found
        return found

    def _walks_cheaper(self, n_walks: int, n_sweeps: int) -> bool:
        """Whether ``n_walks`` upward searches beat ``n_sweeps`` PHAST trees."""
        return n_walks * self._search_arcs < n_sweeps * (self.structure.n_arcs + self.n_nodes)

    def times_to_many(self, source: int, targets: np.ndarray) -> np.ndarray:
        """float64[len(targets)]: one source, some targets (walks or one sweep)."""
        if self._walks_cheaper(len(targets) + 1, 1):
            return self.table(np.array([source]), targets)[0]
        return self.tree(source)[0][targets]

    def table(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """float64[len(sources), len(targets)] of shortest times in minutes."""
        self._ready()
        s = self.structure
        if len(sources) and not self._walks_cheaper(len(sources) + len(targets), len(sources)):
            return np.stack([self.tree(int(v))[0][targets] for v in sources])
        self._walks_asked += len(sources) + len(targets)
        self._query_arcs()
        offsets, depth, time_min, _ = self._walks
        return cch_query.travel_time_table(
            s.parent, self._depth, self._max_depth, self._pre, self._size, offsets, depth,
            time_min, s.rank[sources].astype(np.int64), s.rank[targets].astype(np.int64))

    def route(self, source: int, target: int) -> tuple[float, np.ndarray]:
        """``(time_min, edge ids in driving order)``; ``(inf, [])`` if unreachable."""
        found = self.route_parts(source, target, self.weight_min)
        return (np.inf, np.empty(0, np.int64)) if found is None else (found[0], found[2])

    def route_parts(self, source: int, target: int, length_m: np.ndarray):
        """``(time_min, length_m, edges, nodes)`` of a shortest route, ``None`` if
        ``target`` is unreachable; ``length_m`` is float64[edges] (C order),
        summed as ``np.sum`` would. One compiled call, no O(nodes) work."""
        if self._pending is None or self._pending:
            self._customize()
        self._walks_asked += 2
        if not self._pruned and self._perfect_due():
            self._query_arcs()
        status, time_min, length, n_edges, path = cch_query.shortest_route(
            *self._route_args, length_m, source, target, *self._route_scratch)
        if status == 0:
            path.setflags(write=False)  # and so its views
            return time_min, length, path[:n_edges], path[n_edges:]
        return None if status == 1 else self._route_by_dijkstra(source, target, length_m)

    def _route_by_dijkstra(self, source: int, target: int, length_m: np.ndarray):
        """The fallback when an arc could not be unpacked (an inconsistent
        customization, never seen): Dijkstra's route, still exact."""
        time_min, edges = self._fallback.route(source, target)
        if not np.isfinite(time_min):
            return None
        nodes = np.empty(len(edges) + 1, np.int64)
        nodes[0] = source
        nodes[1:] = self.heads[edges]
        edges.setflags(write=False)
        nodes.setflags(write=False)
        return time_min, float(np.sum(length_m[edges])), edges, nodes


def cch_or_dijkstra(dijkstra, *, strict: bool):
    """A CCH search on Dijkstra's arrays; Dijkstra itself if it cannot be built
    (one warning line) and ``strict`` is false."""
    try:
        return CCHSearch(dijkstra.offsets, dijkstra.tails, dijkstra.heads, dijkstra.weight_min,
                         fallback=dijkstra)
    except (ImportError, RuntimeError, MemoryError) as exc:
        if strict:
            raise
        warnings.warn(f"routing: no contraction hierarchy ({type(exc).__name__}: {exc}); "
                      f"using Dijkstra", RuntimeWarning, stacklevel=3)
        return dijkstra
