"""Routing speed: the numba Router against scipy's C Dijkstra, in one process.

Four operations dispatch leans on, each timed for the Router and for
``scipy.sparse.csgraph.dijkstra`` on the same graph, the same seeded sources
and targets, in the same run:

* ``one_to_all``          — times from one node to every node;
* ``one_to_many_1000``    — one source to 1,000 targets (the Router stops once
                            all are settled; scipy has no early exit);
* ``table_50x700``        — a 50 × 700 travel-time table (scipy:
                            ``dijkstra(csr, indices=sources)[:, targets]``);
* ``table_after_closure`` — close 1 % of the edges, then a new 50 × 700 table.
                            Router: ``set_speed_factor`` + ``table``; scipy:
                            recompute edge times, rebuild the CSR matrix, Dijkstra.

Every repeat uses fresh sources (so no Router cache can answer) and checks that
both agree. Medians are reported with the ratio numba/scipy (< 1: numba is
faster). Compile time (or disk-cache load time) of the kernels is measured
separately on a toy graph and never mixed into the figures. networkx runs
one one-to-all search for scale.

Usage::

    python benchmarks/bench_routing.py --graph NY [--json OUT] [--repeats N]

``--graph`` is ``district`` (the built-in district), one of the DIMACS
topologies ``NY``, ``BAY``, ``COL``, ``FLA`` in ``--data-dir``, or a path to a
``.gr``/``.gr.xz`` file. DIMACS PACE files carry topology only: their edges get
seeded uniform weights of 10-100 s (the graph name printed says so).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "road-graphs"
DIMACS_NAMES = ("NY", "BAY", "COL", "FLA")
N_MANY, N_TABLE_SOURCES, N_TABLE_TARGETS, CLOSED_SHARE = 1000, 50, 700, 0.01


class UsageError(Exception):
    """A problem the user can fix (exit code 2)."""


def load_graph(which: str, data_dir: Path):
    """The road graph to measure and a line saying where its weights come from."""
    if which == "district":
        try:
            from sim.network.district import build_district
        except ImportError as exc:
            raise UsageError(
                f"--graph district needs sim.network.district.build_district, which is not "
                f"available ({exc}); use a DIMACS graph instead") from None
        graph = build_district().graph
        return graph, "district free-flow times: segment length / road-class speed"
    path = data_dir / f"{which}.gr.xz" if which in DIMACS_NAMES else Path(which)
    if not path.exists():
        raise UsageError(f"--graph {which}: no file {path}; expected district, "
                         f"{', '.join(DIMACS_NAMES)} (in --data-dir) or a .gr/.gr.xz path")
    from sim.errors import InputError
    from sim.network.dimacs import read_dimacs

    try:
        graph = read_dimacs(path, weight_seed=0, weight_range_s=(10, 100))
    except InputError as exc:
        raise UsageError(str(exc)) from None
    if "weights uniform" in graph.name:  # a PACE topology: the reader drew seeded weights
        return graph, f"{graph.name} (seeded, not real travel times)"
    return graph, f"{graph.name}: arc weights from the file, read as seconds"


def warm_up() -> tuple[float, bool]:
    """Compile (or load from the disk cache) every kernel on a toy graph.

    Returns the seconds it took and whether all came from the disk cache.
    """
    from sim.network.graph import RoadGraph
    from sim.routing import Router, kernels, point_to_point

    toy = RoadGraph.from_segments([0, 1, 2, 3], [1, 2, 3, 0], [100.0, 200.0, 300.0, 400.0], 50.0)
    start = time.perf_counter()
    router = Router(toy)
    router.times_from(0)
    router.times_to_many(1, [2, 3])
    router.table([2, 3], [0, 1])
    router.table([3], [0])
    router.route(2, 0)
    router.route(0, 2)
    seconds = time.perf_counter() - start
    dispatchers = [kernels.shortest_path_tree, kernels.times_to_targets,
                   kernels.travel_time_table, kernels.travel_time_table_serial,
                   kernels.path_edges_in_tree, point_to_point.point_to_point]
    from_cache = all(sum(d.stats.cache_misses.values()) == 0 for d in dispatchers)
    return seconds, from_cache


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def check(got, want, what: str) -> None:
    if not np.allclose(got, want, rtol=1e-9, atol=0, equal_nan=False) or \
            not np.array_equal(np.isinf(got), np.isinf(want)):
        raise AssertionError(f"{what}: numba and scipy disagree")


def run(graph, repeats: int, seed: int) -> tuple[list[dict], dict]:
    """Time the four operations; returns the result rows and extra figures."""
    from scipy.sparse.csgraph import dijkstra

    from sim.routing import Router, kernels

    router = Router(graph)
    csr = graph.to_scipy_csr(router.weight_min)
    rng = np.random.default_rng(seed)
    n, m = graph.n_nodes, graph.n_edges
    times = {op: ([], []) for op in ("one_to_all", "one_to_many_1000", "table_50x700",
                                     "table_after_closure")}
    serial_table_s = []
    for _ in range(repeats):
        s = int(rng.integers(n))
        a, got = timed(router.times_from, s)
        b, want = timed(dijkstra, csr, True, s)
        check(got, want, "one_to_all")
        times["one_to_all"][0].append(a), times["one_to_all"][1].append(b)

        s, targets = int(rng.integers(n)), rng.integers(0, n, N_MANY)
        a, got = timed(router.times_to_many, s, targets)
        b, want = timed(lambda: dijkstra(csr, True, s)[targets])
        check(got, want, "one_to_many_1000")
        times["one_to_many_1000"][0].append(a), times["one_to_many_1000"][1].append(b)

        sources, targets = rng.integers(0, n, N_TABLE_SOURCES), rng.integers(0, n, N_TABLE_TARGETS)
        a, got = timed(router.table, sources, targets)
        b, want = timed(lambda: dijkstra(csr, True, sources)[:, targets])
        check(got, want, "table_50x700")
        times["table_50x700"][0].append(a), times["table_50x700"][1].append(b)
        c, serial = timed(kernels.travel_time_table_serial, router._search.offsets,
                          router._search.heads, router.weight_min.copy(), sources, targets)
        np.testing.assert_array_equal(serial, got)
        serial_table_s.append(c)

        closed = rng.choice(m, max(1, int(CLOSED_SHARE * m)), replace=False)
        old = graph.speed_factor[closed].copy()
        sources, targets = rng.integers(0, n, N_TABLE_SOURCES), rng.integers(0, n, N_TABLE_TARGETS)
        a, got = timed(lambda: (router.set_speed_factor(closed, 0.0),
                                router.table(sources, targets))[1])

        def scipy_after_closure():
            return dijkstra(graph.to_scipy_csr(router.weight_min), True, sources)[:, targets]

        b, want = timed(scipy_after_closure)
        check(got, want, "table_after_closure")
        times["table_after_closure"][0].append(a), times["table_after_closure"][1].append(b)
        router.set_speed_factor(closed, old)

    rows = []
    for op, (numba_s, scipy_s) in times.items():
        a, b = statistics.median(numba_s), statistics.median(scipy_s)
        rows.append({"op": op, "numba_s": a, "scipy_s": b, "ratio": a / b})
    extra = {"table_50x700_serial_numba_s": statistics.median(serial_table_s)}
    extra["networkx_one_to_all_s"] = networkx_one_to_all(graph, router.weight_min,
                                                         int(rng.integers(n)))
    return rows, extra


def networkx_one_to_all(graph, weight_min, source: int) -> float:
    """Seconds for one networkx one-to-all search (graph building not counted)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    open_ = np.isfinite(weight_min)
    g.add_weighted_edges_from(zip(graph.tails[open_].tolist(), graph.heads[open_].tolist(),
                                  weight_min[open_].tolist()))
    seconds, _ = timed(nx.single_source_dijkstra_path_length, g, source)
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", default="NY",
                        help="district, NY, BAY, COL, FLA, or a .gr/.gr.xz path")
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    parser.add_argument("--repeats", type=int, default=5, help="repeats per operation (median)")
    parser.add_argument("--seed", type=int, default=1, help="seed of sources, targets, closures")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    try:
        if args.repeats < 1:
            raise UsageError(f"--repeats {args.repeats} must be >= 1")
        wall = time.perf_counter()
        graph, weights = load_graph(args.graph, args.data_dir)
        compile_s, from_cache = warm_up()
    except UsageError as exc:
        print(f"bench_routing: {exc}", file=sys.stderr)
        return 2
    cores = os.cpu_count()
    print(f"graph   {args.graph}: {graph.n_nodes:,} nodes, {graph.n_edges:,} directed edges, "
          f"{cores} cores")
    print(f"weights {weights}")
    origin = "loaded from the disk cache" if from_cache else "compiled"
    print(f"compile {compile_s:.2f} s ({origin}; not included below)")
    rows, extra = run(graph, args.repeats, args.seed)
    print(f"\nmedians of {args.repeats} repeats, fresh sources each time")
    print(f"{'operation':<22}{'numba s':>10}{'scipy s':>10}{'numba/scipy':>13}")
    for row in rows:
        print(f"{row['op']:<22}{row['numba_s']:>10.4f}{row['scipy_s']:>10.4f}{row['ratio']:>13.2f}")
    print(f"\n50x700 table on one thread (numba): {extra['table_50x700_serial_numba_s']:.4f} s")
    print(f"networkx one-to-all (one source, for scale): {extra['networkx_one_to_all_s']:.3f} s")
    print(f"benchmark wall time {time.perf_counter() - wall:.1f} s")
    if args.json:
        args.json.write_text(json.dumps({
            "graph": args.graph, "nodes": graph.n_nodes, "edges": graph.n_edges, "cores": cores,
            "weights": weights, "compile_s": compile_s, "compile_from_cache": from_cache,
            "results": rows, "extra": extra}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
