"""Routing starts warm: importing compiles nothing, a second process loads the
compiled kernels from numba's disk cache instead of compiling them again."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_LIST_KERNELS = """
from numba.core.registry import CPUDispatcher
from sim.routing import (cch_contraction, cch_customize, cch_query, kernels, phast,
                         point_to_point)
MODULES = (kernels, point_to_point, cch_contraction, cch_customize, cch_query, phast)
KERNELS = {f"{m.__name__}.{name}": obj for m in MODULES
           for name, obj in vars(m).items() if isinstance(obj, CPUDispatcher)}
"""

_IMPORT_ONLY = """
import json
import sim, sim.routing
""" + _LIST_KERNELS + """
print(json.dumps({name: len(k.signatures) for name, k in KERNELS.items()}))
"""

_FIRST_QUERIES = """
import json
import numpy as np
from sim.network.graph import RoadGraph
from sim.routing import Router
""" + _LIST_KERNELS + """
graph = RoadGraph.from_segments([0, 1, 2, 3], [1, 2, 3, 0], [100.0, 200.0, 300.0, 400.0], 50.0)
router = Router(graph)
router.times_from(0)
router.times_to_many(1, [2, 3])
router.table([2, 3], [0, 1])  # no cached tree: the parallel kernel
router.table([3], [0])  # one uncached source: the serial kernel
router.route(3, 1)
router.route(0, 2)
cch = Router(graph.copy(), algorithm="cch")  # order, contract, customize in full
cch.times_from(0)
cch.times_to(1)
cch.table([2, 3], [0, 1])
cch.route(3, 1)
cch.set_speed_factor([0], 0.5)  # partial customization
cch.route(0, 2)
line = RoadGraph.from_segments(np.arange(299), np.arange(1, 300), 100.0, 50.0)
assert len(Router(line, algorithm="cch").route(0, 299).edges) == 299  # lengths > 128 edges
stats = {name: (sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values()))
         for name, k in KERNELS.items() if k.signatures}
print(json.dumps({"stats": stats}))
"""


def run_python(code: str, cache_dir: Path | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
        env["SIM_CACHE_DIR"] = str(cache_dir / "sim")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_sim_and_routing_compiles_no_kernel():
    compiled = run_python(_IMPORT_ONLY)
    assert len(compiled) >= 16
    assert compiled == {name: 0 for name in compiled}


def test_a_second_process_loads_every_kernel_from_the_disk_cache(tmp_path):
    first = run_python(_FIRST_QUERIES, cache_dir=tmp_path)
    second = run_python(_FIRST_QUERIES, cache_dir=tmp_path)
    # Public kernels the queries used (their helpers are compiled into them).
    used = {"sim.routing.kernels.shortest_path_tree", "sim.routing.kernels.times_to_targets",
            "sim.routing.kernels.travel_time_table", "sim.routing.kernels.travel_time_table_serial",
            "sim.routing.kernels.path_edges_in_tree", "sim.routing.point_to_point.point_to_point",
            "sim.routing.cch_contraction.chordal_supergraph",
            "sim.routing.cch_contraction.downward_arcs", "sim.routing.cch_contraction.edge_slots",
            "sim.routing.cch_customize.customize_full", "sim.routing.cch_customize.customize_partial",
            "sim.routing.phast.one_to_all", "sim.routing.cch_query.shortest_route",
            "sim.routing.cch_query.travel_time_table"}
    assert used <= set(first["stats"]) and used <= set(second["stats"])
    assert all(misses > 0 for hits, misses in (first["stats"][k] for k in used)), first
    for name in used:
        hits, misses = second["stats"][name]
        assert misses == 0 and hits > 0, f"{name} was compiled again: {second['stats']}"
