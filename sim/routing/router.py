"""Travel times and routes on the road network as it is right now.

Dispatch keeps asking the same few questions: how long does a truck need from
this depot to that shelter, which roads does it take, how far is every
crossroads from a depot, and a depots × shelters table of times for the
assignment step. A :class:`Router` answers them for one :class:`RoadGraph` in
its *current* state — a flooded street is slow, a collapsed bridge is closed —
and is the one place where that state changes during a run: hazards and
repair teams call :meth:`Router.set_speed_factor`, which updates the graph,
bumps its ``epoch`` and patches only the travel times of the edges that
changed.

Answers are exact shortest travel times in minutes. Two algorithms give them,
chosen by the ``algorithm`` keyword as in ``scipy.sparse.csgraph``:

* ``"cch"`` — a customizable contraction hierarchy (:mod:`sim.routing.cch`):
  a metric-independent structure preprocessed once per road network (and
  cached on disk), a *customization* per road state — partial, touching only
  the arcs above the changed roads, when a few roads change — and queries
  that settle a few hundred nodes instead of the whole city;
* ``"dijkstra"`` — Dijkstra's algorithm on the road graph itself
  (:mod:`sim.routing.kernels`, :mod:`sim.routing.point_to_point`): no
  preprocessing, the oracle and the fallback;
* ``"auto"`` (default) — the CCH from :data:`AUTO_CCH_MIN_NODES` nodes on,
  Dijkstra below (where preprocessing would not pay) or if the hierarchy
  cannot be built (it then warns once and falls back).

Answers are cached until the next state change: shortest-path trees per
source (LRU-bounded — one tree costs 8-12 bytes per node; a tree asked for
at a few nodes only is swept over just the nodes they need, and the rest of
it when first read), routes per
source-target pair, and whole tables. Every answer cache is dropped exactly
when the graph's epoch changes, including changes made directly on the
graph, which the Router notices at its next query (it then recomputes all
edge times, O(edges), and finds the changed ones by comparison).

Conventions: nodes are internal indices ``0..n-1``; an unreachable target is
``inf`` minutes (never an error), and :meth:`Router.route` returns ``None``
for it. Arrays handed out from a cache are read-only; copy them to modify.
A Router is not thread-safe.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ._validate import check_graph, node_index, node_indices
from .cached_tree import CachedTree, read_only
from .route import Route, edge_time_min
from .search import DijkstraSearch

__all__ = ["ALGORITHMS", "AUTO_CCH_MIN_NODES", "Route", "Router", "edge_time_min"]

#: The ``algorithm`` keyword's values.
ALGORITHMS = ("auto", "cch", "dijkstra")

#: ``algorithm="auto"`` uses the CCH on graphs with at least this many nodes.
AUTO_CCH_MIN_NODES = 1000


_NOT_CACHED = object()

#: Routes to one target in an epoch after which the Router keeps a whole
#: tree into it (one search then answers every later route to it).
INTO_TREE_AFTER = 8


class Router:
    """Shortest travel times and routes on a road graph's current state.

    Parameters
    ----------
    graph : RoadGraph
        Validated on entry (CSR structure, lengths, speeds, speed factors);
        ``ValueError`` names the first bad edge.
    max_cached_trees : int
        Shortest-path trees kept per epoch (least recently used dropped first).
    max_cached_routes : int
        Point-to-point routes kept per epoch.
    max_cached_tables : int
        Travel-time tables kept per epoch.
    algorithm : {"auto", "cch", "dijkstra"}
        How answers are computed (see the module doc); all are exact.
    """

    def __init__(self, graph, *, max_cached_trees: int = 16, max_cached_routes: int = 1024,
                 max_cached_tables: int = 8, algorithm: str = "auto"):
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
        check_graph(graph)
        self._graph = graph
        self._n_nodes = graph.n_nodes
        self._limits = {"trees": max_cached_trees, "routes": max_cached_routes,
                        "tables": max_cached_tables}
        # The kernels are compiled for exactly these array types (C order,
        # writable); anything else would compile another specialization.
        offsets = np.require(graph.offsets, dtype=np.int64, requirements=["C", "W"])
        tails = np.require(graph.tails, dtype=np.int32, requirements=["C", "W"])
        heads = np.require(graph.heads, dtype=np.int32, requirements=["C", "W"])
        self._length_m = np.require(graph.length_m, dtype=np.float64, requirements=["C", "W"])
        self._weight_min = edge_time_min(graph.length_m, graph.speed_kmh, graph.speed_factor)
        # Updated in place only, so one read-only view serves every caller.
        self._weight_view = self._weight_min.view()
        self._weight_view.setflags(write=False)
        self._search = DijkstraSearch(offsets, tails, heads, self._weight_min)
        if algorithm == "cch" or (algorithm == "auto" and graph.n_nodes >= AUTO_CCH_MIN_NODES):
            from .cch import cch_or_dijkstra

            self._search = cch_or_dijkstra(self._search, strict=algorithm == "cch")
        self._epoch = graph.epoch
        self._open_roads_epoch = graph.epoch
        self._closed_roads_epoch = graph.epoch
        self._trees: OrderedDict[int, CachedTree] = OrderedDict()
        self._routes: OrderedDict[tuple[int, int], Route | None] = OrderedDict()
        self._in_trees: OrderedDict[int, CachedTree] = OrderedDict()
        self._asked_into: dict[int, int] = {}
        self._tables: OrderedDict[tuple[bytes, bytes], np.ndarray] = OrderedDict()
        self._hits = 0
        self._misses = 0

    # ------------------------------------------------------------ the state
    @property
    def graph(self):
        """The road graph routed on.

        Change its state through :meth:`set_speed_factor` (O(k)); changes made
        on the graph directly are noticed too, at O(edges) on the next query.
        """
        return self._graph

    @property
    def algorithm(self) -> str:
        """The algorithm answering queries: ``"cch"`` or ``"dijkstra"``."""
        return "dijkstra" if isinstance(self._search, DijkstraSearch) else "cch"

    @property
    def epoch(self) -> int:
        """The graph's state counter the cached answers belong to."""
        return self._graph.epoch

    @property
    def open_roads_epoch(self) -> int:
        """The epoch in which a road last opened or closed (its time turned finite or
        ``inf``): answers that depend only on which nodes reach which — whether a time
        is finite — hold as long as this stays the same."""
        self._sync()
        return self._open_roads_epoch

    @property
    def closed_roads_epoch(self) -> int:
        """The epoch in which a road last closed (its time turned ``inf``): a node that
        reaches another still does as long as this stays the same (roads only opening,
        slowing or speeding up)."""
        self._sync()
        return self._closed_roads_epoch

    @property
    def weight_min(self) -> np.ndarray:
        """Current travel time of every edge in minutes, ``inf`` where closed.

        A read-only live view: it follows later state changes (copy it to keep
        a snapshot).
        """
        self._sync()
        return self._weight_view

    def set_speed_factor(self, edge_ids, factors) -> None:
        """Change the state of some roads: 1 = free flow, 0 = closed.

        Delegates to ``RoadGraph.set_speed_factor`` (which validates ids and
        factors in [0, 1] and bumps the epoch), then recomputes the travel time
        of just those edges — O(k) — and drops every cached answer.
        """
        in_step = self._graph.epoch == self._epoch
        self._graph.set_speed_factor(edge_ids, factors)
        if not in_step:
            self._sync()
            return
        changed = np.atleast_1d(np.asarray(edge_ids)).ravel()
        g = self._graph
        self._set_weights(changed, edge_time_min(g.length_m[changed], g.speed_kmh[changed], g.speed_factor[changed]))

    def clear_cache(self) -> None:
        """Drop every cached answer (they are dropped on state changes anyway)."""
        self._forget()

    def cache_info(self) -> dict:
        """Cache hits and misses since construction and current cache sizes; for
        the CCH also its customizations (full, partial, arcs recomputed)."""
        info = {"hits": self._hits, "misses": self._misses, "trees": len(self._trees),
                "routes": len(self._routes), "tables": len(self._tables), "epoch": self._epoch,
                "algorithm": self.algorithm}
        stats = getattr(self._search, "stats", None)
        if stats is not None:
            info["customizations"] = dict(stats)
        return info

    # -------------------------------------------------------------- queries
    def travel_time_min(self, source: int, target: int) -> float:
        """Shortest travel time ``source → target`` in minutes; ``inf`` if unreachable. From a
        cached tree when there is one (its sum may differ from a route's in the last bits:
        for the time a truck drives, ask :meth:`route`)."""
        if self._graph.epoch != self._epoch:
            self._sync()
        n = self._n_nodes
        if type(source) is not int or not 0 <= source < n:  # as in route()
            source = node_index(source, n, "source")
        if type(target) is not int or not 0 <= target < n:
            target = node_index(target, n, "target")
        tree = self._trees.get(source)
        if tree is not None:
            self._trees.move_to_end(source)
            time_min = tree.time_at(target)
            if time_min <= tree.radius_min:
                self._hits += 1
                return float(time_min)
        route = self._route(source, target)
        return np.inf if route is None else route.time_min

    def route(self, source: int, target: int) -> Route | None:
        """A shortest route ``source → target``, or ``None`` if the target is unreachable."""
        if self._graph.epoch != self._epoch:
            self._sync()
        n = self._n_nodes
        # Plain ints in range need no more checking (the common case, ~2×
        # faster than node_index); anything else gets node_index's checks.
        if type(source) is not int or not 0 <= source < n:
            source = node_index(source, n, "source")
        if type(target) is not int or not 0 <= target < n:
            target = node_index(target, n, "target")
        return self._route(source, target)

    def times_from(self, source: int, at=None) -> np.ndarray:
        """Shortest travel time in minutes from ``source`` to every node (read-only).

        Returns float64[n]; ``inf`` where unreachable. With ``at`` (node
        indices), only the times at those nodes, float64[len(at)] (a new array):
        the same numbers, from a sweep over only the nodes they need when no
        tree from ``source`` is cached (the tree is cached all the same, and
        completed when other nodes are asked for).
        """
        self._sync()
        source = node_index(source, self._n_nodes, "source")
        if at is not None:
            at = node_indices(at, self._n_nodes, "at")
        tree = self._cached_tree(source)
        if tree is not None and tree.radius_min == np.inf:
            self._hits += 1
            return tree.time_min if at is None else tree.times_at(at)
        self._misses += 1
        if at is None or not self._search.restricted_sweeps:
            tree = self._remember_tree(source, CachedTree(*self._search.tree(source)))
            return tree.time_min if at is None else tree.time_min[at]
        tree = CachedTree(None, None, np.inf, *self._search.tree_at(source, at))
        return self._remember_tree(source, tree).times_at(at)

    def times_to(self, target: int, at=None) -> np.ndarray:
        """Shortest travel time in minutes from every node to ``target`` (read-only).

        Returns float64[n]; ``inf`` where ``target`` cannot be reached. With
        ``at``, only the times from those nodes, as in :meth:`times_from`.
        """
        self._sync()
        target = node_index(target, self._n_nodes, "target")
        if at is not None:
            at = node_indices(at, self._n_nodes, "at")
        hit = self._in_trees.get(target)
        if hit is None:
            self._misses += 1
            if at is None or not self._search.restricted_sweeps:
                hit = CachedTree(*self._search.tree_into(target), np.inf)
            else:
                hit = CachedTree(None, None, np.inf, *self._search.tree_at(target, at, into=True))
            self._in_trees[target] = hit
            self._trim(self._in_trees, "trees")
        else:
            self._hits += 1
        return hit.time_min if at is None else hit.times_at(at)

    def times_to_many(self, source: int, targets) -> np.ndarray:
        """Shortest travel times in minutes from ``source`` to each of ``targets``.

        Returns float64[len(targets)] (a new array); ``inf`` where unreachable.
        The search stops once every target is settled.
        """
        self._sync()
        source = node_index(source, self._n_nodes, "source")
        targets = node_indices(targets, self._n_nodes, "targets")
        if len(targets) == 0:
            return np.empty(0)
        tree = self._cached_tree(source)
        row = None if tree is None else tree.times_at(targets)
        if row is not None and np.all(row <= tree.radius_min):
            self._hits += 1
            return row
        self._misses += 1
        if not self._search.paths_from_trees:
            return self._search.times_to_many(source, targets)
        tree = self._remember_tree(source, CachedTree(*self._search.tree_to(source, targets)))
        return tree.time_min[targets]

    def table(self, sources, targets) -> np.ndarray:
        """Shortest travel times in minutes, ``table[i, j]`` = ``sources[i] → targets[j]``.

        Returns float64[len(sources), len(targets)] (read-only); ``inf`` where
        unreachable.
        """
        self._sync()
        sources = node_indices(sources, self._n_nodes, "sources")
        targets = node_indices(targets, self._n_nodes, "targets")
        key = (sources.tobytes(), targets.tobytes())
        cached = self._tables.get(key)
        if cached is not None:
            self._tables.move_to_end(key)
            self._hits += 1
            return cached
        self._misses += 1
        table = np.empty((len(sources), len(targets)))
        to_search = []
        for i, source in enumerate(sources):
            tree = self._cached_tree(int(source))
            row = None if tree is None else tree.times_at(targets)
            if row is not None and np.all(row <= tree.radius_min):
                table[i] = row
            else:
                to_search.append(i)
        if to_search and len(targets):
            table[to_search] = self._search.table(sources[to_search], targets)
        self._tables[key] = read_only(table)
        self._trim(self._tables, "tables")
        return table

    # ------------------------------------------------------------ internals
    def _sync(self) -> None:
        """Catch up with state changes made on the graph behind the Router's back."""
        if self._graph.epoch != self._epoch:
            g = self._graph
            now = edge_time_min(g.length_m, g.speed_kmh, g.speed_factor)
            changed = np.flatnonzero(now != self._weight_min)
            self._set_weights(changed, now[changed])

    def _set_weights(self, changed: np.ndarray, weight_min: np.ndarray) -> None:
        """The edges ``changed`` take ``weight_min``; the graph's epoch is the Router's now."""
        was_closed, closed = np.isinf(self._weight_min[changed]), np.isinf(weight_min)
        if (was_closed != closed).any():
            self._open_roads_epoch = self._graph.epoch
            if (closed & ~was_closed).any():
                self._closed_roads_epoch = self._graph.epoch
        self._weight_min[changed] = weight_min
        self._search.weights_changed(changed)
        self._epoch = self._graph.epoch
        self._forget()

    def _tree_into(self, target: int):
        """The cached tree into ``target``; built once a target has been asked
        for ``INTO_TREE_AFTER`` routes in this epoch (a depot trucks return to)."""
        hit = self._in_trees.get(target)
        if hit is not None:
            self._in_trees.move_to_end(target)
            return hit
        if not self._search.paths_from_trees:
            return None
        asked = self._asked_into.get(target, 0) + 1
        self._asked_into[target] = asked
        if asked < INTO_TREE_AFTER:
            return None
        hit = self._in_trees[target] = CachedTree(*self._search.tree_into(target), np.inf)
        self._trim(self._in_trees, "trees")
        return hit

    def _forget(self) -> None:
        self._in_trees.clear()
        self._asked_into.clear()
        self._trees.clear()
        self._routes.clear()
        self._tables.clear()

    def _trim(self, cache: OrderedDict, kind: str) -> None:
        while len(cache) > max(self._limits[kind], 0):
            cache.popitem(last=False)

    def _cached_tree(self, source: int) -> CachedTree | None:
        tree = self._trees.get(source)
        if tree is not None:
            self._trees.move_to_end(source)
        return tree

    def _remember_tree(self, source: int, tree: CachedTree) -> CachedTree:
        self._trees[source] = tree
        self._trees.move_to_end(source)
        self._trim(self._trees, "trees")
        return tree

    def _route(self, source: int, target: int) -> Route | None:
        key = (source, target)
        route = self._routes.get(key, _NOT_CACHED)
        if route is not _NOT_CACHED:
            self._routes.move_to_end(key)
            self._hits += 1
            return route
        if self._search.paths_from_trees:
            route = self._route_from_trees(source, target)
        else:  # one compiled call answers it all
            # Trees here carry times only, but asking counts as a use for
            # their LRU order, as it always has (which trees stay cached
            # decides whether a later time is read from a tree or a route).
            if source in self._trees:
                self._trees.move_to_end(source)
            if target in self._in_trees:
                self._in_trees.move_to_end(target)
            self._misses += 1
            found = self._search.route_parts(source, target, self._length_m)
            if found is None:
                route = None
            else:
                time_min, length_m, edges, nodes = found  # read-only already
                route = Route(nodes, edges, time_min, length_m)
        self._routes[key] = route
        if len(self._routes) > self._limits["routes"]:
            self._trim(self._routes, "routes")
        return route

    def _route_from_trees(self, source: int, target: int) -> Route | None:
        """A route read from a cached tree from ``source`` or into ``target``,
        else from a point-to-point search."""
        tree = self._cached_tree(source)
        into = self._tree_into(target)
        if tree is not None and tree.pred_edge is None:
            tree = None
        if into is not None and into.pred_edge is None:
            into = None
        if tree is not None and tree.time_min[target] <= tree.radius_min:
            self._hits += 1
            time_min = float(tree.time_min[target])
            edges = (self._search.path_in_tree(tree.pred_edge, source, target)
                     if np.isfinite(time_min) else None)
        elif into is not None:
            self._hits += 1
            time_min = float(into.time_min[source])
            edges = (self._search.path_into(into.pred_edge, source, target)
                     if np.isfinite(time_min) else None)
        else:
            self._misses += 1
            time_min, edges = self._search.route(source, target)
        return None if not np.isfinite(time_min) else self._make_route(source, edges, time_min)

    def _make_route(self, source: int, edges: np.ndarray, time_min: float) -> Route:
        nodes = np.empty(len(edges) + 1, dtype=np.int64)
        nodes[0] = source
        nodes[1:] = self._graph.heads[edges]
        length_m = float(np.sum(self._graph.length_m[edges]))
        return Route(read_only(nodes), read_only(edges), time_min, length_m)
