"""Routing speed: the Router's contraction hierarchy against scipy (and RoutingKit).

Medians over repeats with fresh sources, targets and closures; every ratio
divides by scipy's Dijkstra (``scipy.sparse.csgraph.dijkstra``) measured in
the same run, and every answer is checked against it (relative 1e-9):

* ``one_to_all`` — PHAST on the arcs a perfect customization keeps, as the
  Router queries once a road state has served 1,000 trees or 5,000 walks
  (``_basic``: on all arcs with the basic customization, as before that;
  ``_dijkstra``: ``algorithm="dijkstra"``), against one tree;
* ``route_with_path`` — ``Router.route`` on the arcs kept (``_basic``: on all
  arcs), against one scipy tree;
* ``one_to_many_1000``, ``table_50x700`` — on the arcs kept (``_basic``: on
  all arcs), against scipy's trees from the sources;
* ``partial_bridge`` — customization after closing one bridge both ways (a
  random two-way segment where no edge is flagged a bridge), against one tree;
* ``partial_400m`` — after closing every edge with an end within 400 m of a
  random crossroads (without coordinates: its 170 nearest in time, what
  400 m holds in the district);
* ``full_1pct`` — full customization after closing 1 % of the edges at
  random (``+perfect``: with the perfect customization; ``auto_1pct``: as the
  Router chooses);
* preprocessing (order + contraction) from scratch and from the disk cache.

With ``routingkit-cch`` installed (``pip install '.[bench]'``) RoutingKit's
CCH, built on the same order, is timed too (its binding takes Python lists;
converting them counts in its times). ``--m8`` runs the M8 scenario warm once
per algorithm and reports the share of wall time spent inside the Router.

Usage: ``python benchmarks/bench_routing.py --graph NY [--json OUT]
[--repeats N] [--m8]``. ``--graph`` is ``district``, a DIMACS topology
``NY``, ``BAY``, ``COL``, ``FLA`` from ``--data-dir`` (default
``../shared/data/road-graphs``; a missing file is one line and exit 2), or a
``.gr``/``.gr.xz`` path. DIMACS PACE files carry topology only: their edges
get seeded uniform weights of 10-100 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DATA_DIR = REPO.parent / "shared" / "data" / "road-graphs"
DIMACS_NAMES = ("NY", "BAY", "COL", "FLA")
N_MANY, N_SOURCES, N_TARGETS, CLOSED_SHARE = 1000, 50, 700, 0.01
RADIUS_M, NODES_IN_RADIUS = 400.0, 170
TREES_PER_REPEAT, N_PAIRS = 5, 100
TARGETS = {"one_to_all": 0.1, "route_with_path": 0.005, "table_50x700": 0.05,
           "partial_bridge": 0.05, "partial_400m": 0.2, "full_1pct": 5.0}


class UsageError(Exception):
    """A problem the user can fix (exit code 2)."""


def load_graph(which: str, data_dir: Path):
    """The road graph to measure and a line saying where its weights come from."""
    if which == "district":
        try:
            from sim.network.district import build_district
        except ImportError as exc:
            raise UsageError(f"--graph district needs sim.network.district ({exc})") from None
        return build_district().graph, "district free-flow times: length / road-class speed"
    path = data_dir / f"{which}.gr.xz" if which in DIMACS_NAMES else Path(which)
    if not path.exists():
        raise UsageError(f"--graph {which}: no file {path}; the DIMACS graphs live in "
                         f"../shared/data/road-graphs (or pass --data-dir)")
    from sim.errors import InputError
    from sim.network.dimacs import read_dimacs

    try:
        graph = read_dimacs(path, weight_seed=0, weight_range_s=(10, 100))
    except InputError as exc:
        raise UsageError(str(exc)) from None
    return graph, f"{graph.name} (seeded, not real travel times)"


def median_s(fn, args_list) -> float:
    times = []
    for args in args_list:
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def check(got, want, what: str) -> None:
    got, want = np.asarray(got, float), np.asarray(want, float)
    if not (np.array_equal(np.isinf(got), np.isinf(want))
            and np.allclose(got[np.isfinite(want)], want[np.isfinite(want)], rtol=1e-9, atol=0)):
        raise AssertionError(f"{what}: the Router and scipy disagree")


def closure_near(graph, rng) -> np.ndarray:
    """Edges with an end within 400 m of a random node (or its nearest nodes)."""
    centre = int(rng.integers(graph.n_nodes))
    if graph.has_coordinates:
        from sim.network.geo import haversine_m

        near = haversine_m(graph.lon[centre], graph.lat[centre], graph.lon, graph.lat) <= RADIUS_M
    else:
        from scipy.sparse.csgraph import dijkstra

        times = dijkstra(graph.to_scipy_csr(), True, centre, limit=np.inf)
        near = np.zeros(graph.n_nodes, bool)
        near[np.argsort(times, kind="stable")[:NODES_IN_RADIUS]] = True
    return np.flatnonzero(near[graph.tails] | near[graph.heads])


def bridge_edges(graph, rng) -> np.ndarray:
    segments = np.unique(graph.segment[graph.is_bridge]) if graph.is_bridge.any() else None
    while True:
        seg = rng.choice(segments) if segments is not None else graph.segment[rng.integers(graph.n_edges)]
        edges = np.flatnonzero(graph.segment == seg)
        if len(edges) == 2:
            return edges


def customization_s(router, edges, factor, *, full=False, perfect=False) -> float:
    """Seconds the hierarchy takes to take in a change (undone afterwards):
    partial or full as it chooses (or ``full``), with the perfect
    customization PHAST then uses if ``perfect``. Kept full customizations
    are forgotten first, so a full one is always computed, not copied, and
    the earlier state's perfect customization is released first (freeing
    its arrays takes a few ms on New York)."""
    from sim.routing import cch

    search = router._search
    search.drop_perfect()
    old = router.graph.speed_factor[edges].copy()
    router.set_speed_factor(edges, factor)
    search.perfect = perfect or "auto"
    cch.forget_reusable()  # a customization made afresh, not a copy of one kept earlier
    start = time.perf_counter()
    search.customize(full=full)
    if perfect:
        search.sweep_arc_count()
    seconds = time.perf_counter() - start
    search.perfect = "auto"
    router.set_speed_factor(edges, old)
    search.customize()
    search.sweep_arc_count()
    return seconds


def route_walk_arcs(search, rng, n: int, pairs: int = 200) -> float:
    """Mean arcs a route's two walks read on the arcs the search reads now:
    from both ends up to the root, the arcs of every crossroads reached."""
    from sim.routing.cch_query import walk_rows

    search.walk_arc_count()  # customized, and pruned if due
    offsets, depth, time_min, arc_id = search._walks
    rows = walk_rows(offsets, depth)[:2]
    structure = search.structure
    parent, rank, up_head = structure.parent, structure.rank, structure.up_head
    total = 0
    for _ in range(pairs):
        for side, v in enumerate(rng.integers(0, n, 2)):
            row, times = rows[side], time_min[side]
            reached = {int(rank[v])}
            x = int(rank[v])
            while x >= 0:
                if x in reached:
                    total += int(row[x + 1] - row[x])
                    for a in range(row[x], row[x + 1]):
                        if np.isfinite(times[a]):
                            reached.add(int(up_head[arc_id[side, a] if arc_id.shape[1] else a]))
                x = int(parent[x])
    return total / pairs


def run(graph, repeats: int, seed: int, rk) -> tuple[list[dict], dict]:
    from scipy.sparse.csgraph import dijkstra

    from sim.routing import Router

    router = Router(graph, algorithm="cch")
    dijkstra_router = Router(graph, algorithm="dijkstra")
    search = router._search
    csr = graph.to_scipy_csr(router.weight_min)
    rng = np.random.default_rng(seed)
    n, m = graph.n_nodes, graph.n_edges
    ours, ref, theirs = {}, {}, {}

    def node():
        return int(rng.integers(n))

    scipy_one = []
    for _ in range(repeats):
        for s in [node() for _ in range(TREES_PER_REPEAT)]:
            start = time.perf_counter()
            want = dijkstra(csr, True, s)
            scipy_one.append(time.perf_counter() - start)
            for op, perfect in (("one_to_all", True), ("one_to_all_basic", False)):
                search.perfect = perfect
                search.sweep_arc_count()  # customized before timing
                ours.setdefault(op, []).append(median_s(router.times_from, [(s,)]))
                check(router.times_from(s), want, op)
                router.clear_cache()
            ours.setdefault("one_to_all_dijkstra", []).append(
                median_s(dijkstra_router.times_from, [(s,)]))
        pairs = [(node(), node()) for _ in range(N_PAIRS)]
        s, many = node(), rng.integers(0, n, N_MANY)
        sources, targets = rng.integers(0, n, N_SOURCES), rng.integers(0, n, N_TARGETS)
        start = time.perf_counter()
        want_table = dijkstra(csr, True, sources)[:, targets]
        ref.setdefault("table_50x700", []).append(time.perf_counter() - start)
        ref.setdefault("table_50x700_basic", []).append(ref["table_50x700"][-1])
        for suffix, perfect in (("", True), ("_basic", False)):
            search.perfect = perfect
            search.walk_arc_count()  # customized before timing
            router.clear_cache()
            ours.setdefault("route_with_path" + suffix, []).append(median_s(router.route, pairs))
            route = router.route(pairs[0][0], pairs[0][1])
            check([np.inf if route is None else route.time_min],
                  [dijkstra(csr, True, pairs[0][0])[pairs[0][1]]], "route")
            ours.setdefault("one_to_many_1000" + suffix, []).append(
                median_s(router.times_to_many, [(s, many)]))
            check(router.times_to_many(s, many), dijkstra(csr, True, s)[many], "one_to_many")
            ours.setdefault("table_50x700" + suffix, []).append(
                median_s(router.table, [(sources, targets)]))
            check(router.table(sources, targets), want_table, "table_50x700")
        search.perfect = "auto"
        bridge, near = bridge_edges(graph, rng), closure_near(graph, rng)
        ours.setdefault("partial_bridge", []).append(customization_s(router, bridge, 0.0))
        ours.setdefault("partial_400m", []).append(customization_s(router, near, 0.0))
        closed = rng.choice(m, max(1, int(CLOSED_SHARE * m)), replace=False)
        ours.setdefault("full_1pct", []).append(customization_s(router, closed, 0.0, full=True))
        ours.setdefault("full_1pct+perfect", []).append(
            customization_s(router, closed, 0.0, full=True, perfect=True))
        ours.setdefault("auto_1pct", []).append(customization_s(router, closed, 0.0))
        if rk is not None:
            rk.measure(theirs, graph, router, pairs, sources, targets, bridge, near, closed)
    one = statistics.median(scipy_one)
    rows = []
    for op, times in ours.items():
        reference = statistics.median(ref[op]) if op in ref else one
        row = {"op": op, "router_s": statistics.median(times), "scipy_s": reference}
        row["ratio"] = row["router_s"] / reference
        if op in TARGETS:
            row.update(target=TARGETS[op], met=row["ratio"] <= TARGETS[op])
        if op in theirs:
            row["routingkit_s"] = statistics.median(theirs[op])
            row["vs_routingkit"] = row["router_s"] / row["routingkit_s"]
        rows.append(row)
    s = search.structure
    walked = {}
    for perfect in (False, True):
        search.perfect = perfect
        walked[perfect] = route_walk_arcs(search, rng, n)
    extra = {"scipy_one_to_all_s": one, "cch_arcs": s.n_arcs, "arcs_per_edge": s.n_arcs / m,
             "arcs_per_segment": s.n_arcs / graph.n_segments, "triangles": s.n_triangles(),
             "sweep_arcs_after_perfect": search.sweep_arc_count(),
             "walk_arcs_after_perfect": search.walk_arc_count(),
             "route_walk_arcs": walked[False], "route_walk_arcs_after_perfect": walked[True],
             "customizations": dict(search.stats)}
    return rows, extra


def preprocessing(graph) -> dict:
    """Seconds to order and contract from scratch, and to load the result back."""
    from unittest import mock

    from sim.routing import cch_cache

    seconds = []
    with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"SIM_CACHE_DIR": tmp}):
        for _ in range(2):  # the first builds and writes, the second reads
            cch_cache._in_memory.clear()
            start = time.perf_counter()
            cch_cache.hierarchy_for(graph.n_nodes, graph.tails, graph.heads, use_disk=True)
            seconds.append(time.perf_counter() - start)
    return {"preprocessing_s": seconds[0], "load_from_disk_s": seconds[1]}

def warm_up() -> float:
    """Compile (or load from numba's disk cache) every kernel on a toy graph."""
    from sim.network.graph import RoadGraph
    from sim.routing import Router

    toy = RoadGraph.from_segments([0, 1, 2, 3], [1, 2, 3, 0], [100.0, 200.0, 300.0, 400.0], 50.0)
    start = time.perf_counter()
    for algorithm in ("cch", "dijkstra"):
        router = Router(toy.copy(), algorithm=algorithm)
        router.times_from(0), router.times_to(1), router.times_to_many(1, [2, 3])
        router.table([2, 3], [0, 1]), router.route(2, 0)
        router.set_speed_factor([0], 0.5)
        router.route(0, 2)
    return time.perf_counter() - start


class RoutingKit:
    """RoutingKit's CCH through ``routingkit-cch``, on the Router's order.

    Weights are integer milliseconds (RoutingKit's metric is unsigned);
    a closed road gets RoutingKit's infinity.
    """

    INF = 2**31 - 1

    def __init__(self, module, version: str):
        self.rk, self.version, self.graph = module, version, None

    @classmethod
    def create(cls):
        try:
            import routingkit_cch
            from importlib.metadata import version
        except ImportError:
            return None
        return cls(routingkit_cch, version("routingkit-cch"))

    def _weights(self, weight_min) -> list:
        ms = np.where(np.isfinite(weight_min), np.round(weight_min * 60_000), self.INF)
        return ms.astype(np.int64).tolist()

    def _prepare(self, graph, router) -> None:
        search = router._search
        self.graph = graph
        self.cch = self.rk.CCH(search.structure.order.tolist(), graph.tails.tolist(),
                               graph.heads.tolist(), False)
        self.base = self._weights(router.weight_min)
        self.metric = self.rk.CCHMetric(self.cch, self.base)
        self.updater = self.rk.CCHMetricPartialUpdater(self.cch)

    def measure(self, theirs, graph, router, pairs, sources, targets, bridge, near, closed):
        if self.graph is not graph:
            self._prepare(graph, router)
        query = self.rk.CCHQuery(self.metric)
        theirs.setdefault("route_with_path", []).append(
            median_s(lambda s, t: query.run(int(s), int(t)).arc_path, pairs))
        start = time.perf_counter()
        many = self.rk.CCHOneToMany(self.metric, targets.tolist())
        for s in sources.tolist():
            many.distances_from(s)
        theirs.setdefault("table_50x700", []).append(time.perf_counter() - start)
        del query, many
        for op, edges in (("partial_bridge", bridge), ("partial_400m", near)):
            start = time.perf_counter()
            self.updater.apply(self.metric, {int(e): self.INF for e in edges})
            theirs.setdefault(op, []).append(time.perf_counter() - start)
            self.updater.apply(self.metric, {int(e): self.base[e] for e in edges})
        weights = list(self.base)
        for e in closed.tolist():
            weights[e] = self.INF
        start = time.perf_counter()
        self.metric.reset(weights)
        theirs.setdefault("full_1pct", []).append(time.perf_counter() - start)
        self.metric.reset(self.base)


def m8_routing_share() -> dict:
    """Wall time of a warm M8 run and the part spent inside the Router, per algorithm."""
    import sim.routing.router as router_module
    from sim.scenarios import builtin_scenario_path, load_scenario

    try:
        from sim.engine.simulation import run as run_scenario  # the engine as a package
    except ImportError:
        from sim.engine import run as run_scenario

    path = builtin_scenario_path("m8_earthquake")
    scenario = load_scenario(path)
    spent = {"s": 0.0, "depth": 0}
    Router = router_module.Router
    wrapped = {}
    for name in ("__init__", "route", "travel_time_min", "times_from", "times_to",
                 "times_to_many", "table", "set_speed_factor", "clear_cache"):
        wrapped[name] = getattr(Router, name)
        setattr(Router, name, _clocked(wrapped[name], spent))
    wrapped["weight_min"] = Router.weight_min
    Router.weight_min = property(_clocked(Router.weight_min.fget, spent))
    saved = router_module.AUTO_CCH_MIN_NODES
    shares = {}
    try:
        for algorithm, min_nodes in (("dijkstra", 2**62), ("cch", saved)):
            router_module.AUTO_CCH_MIN_NODES = min_nodes
            run_scenario(scenario, base_dir=path.parent)  # warm: district, kernels, hierarchy
            spent["s"] = 0.0
            result = run_scenario(scenario, base_dir=path.parent)
            shares[algorithm] = {"wall_s": result.wall_s, "routing_s": spent["s"],
                                 "share": spent["s"] / result.wall_s}
    finally:
        router_module.AUTO_CCH_MIN_NODES = saved
        for name, original in wrapped.items():
            setattr(Router, name, original)
    return shares


def _clocked(method, spent):
    def clocked(*args, **kwargs):
        spent["depth"] += 1
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent["depth"] -= 1
            if spent["depth"] == 0:
                spent["s"] += time.perf_counter() - start
    return clocked


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", default="NY",
                        help="district, NY, BAY, COL, FLA, or a .gr/.gr.xz path")
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    parser.add_argument("--repeats", type=int, default=5, help="repeats per operation (median)")
    parser.add_argument("--seed", type=int, default=1, help="seed of sources, targets, closures")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--m8", action="store_true",
                        help="also measure the routing share of a warm M8 run")
    args = parser.parse_args(argv)
    try:
        if args.repeats < 1:
            raise UsageError(f"--repeats {args.repeats} must be >= 1")
        wall = time.perf_counter()
        graph, weights = load_graph(args.graph, args.data_dir)
    except UsageError as exc:
        print(f"bench_routing: {exc}", file=sys.stderr)
        return 2
    compile_s = warm_up()
    rk = RoutingKit.create()
    print(f"graph   {args.graph}: {graph.n_nodes:,} nodes, {graph.n_edges:,} directed edges, "
          f"{os.cpu_count()} cores")
    print(f"weights {weights}")
    print(f"compile {compile_s:.2f} s (kernels, not included below); RoutingKit: "
          f"{'routingkit-cch ' + rk.version if rk else 'not installed'}")
    prep = preprocessing(graph)
    rows, extra = run(graph, args.repeats, args.seed, rk)
    extra.update(prep)
    print(f"\nmedians of {args.repeats} repeats; ratio = Router / scipy "
          f"(one scipy one-to-all: {extra['scipy_one_to_all_s'] * 1e3:.1f} ms)")
    print(f"{'operation':<22}{'Router ms':>11}{'ratio':>9}{'target':>8}{'RoutingKit ms':>15}")
    for r in rows:
        target = f"{r['target']:g}" + ("" if r["met"] else "!") if "target" in r else ""
        theirs = f"{r['routingkit_s'] * 1e3:.3f}" if "routingkit_s" in r else ""
        print(f"{r['op']:<22}{r['router_s'] * 1e3:>11.3f}{r['ratio']:>9.4f}{target:>8}{theirs:>15}")
    print(f"\nCCH: {extra['cch_arcs']:,} arcs ({extra['arcs_per_edge']:.2f} per directed edge, "
          f"{extra['arcs_per_segment']:.2f} per segment), {extra['triangles']:,} triangles; "
          f"PHAST sweeps {extra['sweep_arcs_after_perfect']:,} arcs after perfect customization")
    print(f"a route's two walks read {extra['route_walk_arcs']:,.0f} arcs on average, "
          f"{extra['route_walk_arcs_after_perfect']:,.0f} on the arcs perfect customization keeps")
    print(f"preprocessing {prep['preprocessing_s']:.2f} s (order + contraction), "
          f"from the disk cache {prep['load_from_disk_s']:.3f} s")
    if args.m8:
        extra["m8"] = m8_routing_share()
        for algorithm, share in extra["m8"].items():
            print(f"M8 run, warm, {algorithm:<8}: wall {share['wall_s']:.2f} s, in the Router "
                  f"{share['routing_s']:.2f} s ({100 * share['share']:.1f} %)")
    print(f"benchmark wall time {time.perf_counter() - wall:.1f} s")
    if args.json:
        args.json.write_text(json.dumps({
            "graph": args.graph, "nodes": graph.n_nodes, "edges": graph.n_edges,
            "cores": os.cpu_count(), "weights": weights, "compile_s": compile_s,
            "routingkit": rk.version if rk else None, "repeats": args.repeats,
            "results": rows, "extra": extra}, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
