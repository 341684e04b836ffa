"""Restricted PHAST sweeps against full ones: µs per tree from the depots.

The dispatcher asks for the travel times from each depot to the zones and
depots (:meth:`sim.dispatch.command.Command.travel`). A full PHAST tree
(:func:`sim.routing.phast.one_to_all`) sweeps every node; a restricted one
(:func:`sim.routing.phast.one_to_some`, RPHAST: Delling, Goldberg & Werneck
2011, ATMOS) only the zones' and depots' elimination-tree ancestors. This
script builds a scenario's world, then times both kernels from every depot,
from and into, interleaved, each ``--repeats`` times:

* ``warm`` — back to back (the arcs stay in the processor's caches);
* ``cold`` — after reading ``--evict-mb`` of other memory, as between the
  trees of a run, where the simulation's own work evicts the arcs.

It reports the node and arc counts of both sweeps and the median thread CPU
time per tree. Both sweeps must agree at the targets bit for bit (checked).

Usage: python benchmarks/bench_rphast.py [SCENARIO] [--repeats N] [--evict-mb MB]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np


def main() -> int:
    from sim.errors import InputError
    from sim.routing import phast
    from sim.scenarios import builtin_scenario_path, load_scenario
    from sim.world.world import build_world

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="extreme_rainfall")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--evict-mb", type=float, default=16.0)
    args = parser.parse_args()

    try:
        scenario = load_scenario(builtin_scenario_path(args.scenario))
    except InputError as err:
        print("\n".join(err.lines), file=sys.stderr)
        return 2
    world = build_world(scenario)
    search = world.router._search
    s = search.structure
    targets = np.array([z.node for z in world.zones] + [d.node for d in world.depots], np.int64)
    sweep = phast.restricted_sweep(s.parent, s.rank, targets)
    nodes = sweep.nodes.astype(np.int64)
    arcs = int(np.sum(s.up_offsets[nodes + 1] - s.up_offsets[nodes]))
    print(f"{args.scenario}: {s.n_nodes:,} nodes, {s.n_arcs:,} arcs; {len(targets)} targets: "
          f"restricted sweep {len(nodes):,} nodes ({len(nodes) / s.n_nodes:.0%}), "
          f"{arcs:,} arcs ({arcs / s.n_arcs:.0%})")

    scratch = np.empty(s.n_nodes)
    other = np.ones(int(args.evict_mb * 2**20 / 8))
    sources = [int(s.rank[d.node]) for d in world.depots]
    timings = {(kind, cache): [] for kind in ("full", "restricted") for cache in ("warm", "cold")}
    for _ in range(args.repeats):
        for into in (False, True):
            sweep_arcs = search._sweep_arcs()[1 if into else 0]
            for source in sources:
                for cache in ("warm", "cold"):
                    if cache == "cold":
                        other.sum()
                    t = time.thread_time_ns()
                    full = phast.one_to_all(s.parent, *sweep_arcs, s.rank, source, scratch)
                    timings["full", cache].append(time.thread_time_ns() - t)
                    if cache == "cold":
                        other.sum()
                    t = time.thread_time_ns()
                    some = phast.one_to_some(s.parent, *sweep_arcs, sweep.nodes, sweep.target_rank,
                                             source, scratch)
                    timings["restricted", cache].append(time.thread_time_ns() - t)
                    assert np.array_equal(full[targets], some)
    for (kind, cache), ns in timings.items():
        print(f"  {kind:10s} {cache}: {statistics.median(ns) / 1e3:6.0f} µs per tree "
              f"(median of {len(ns)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
