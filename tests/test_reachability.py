"""Zones cut off from every depot: warned about as the run faces them, with when and for how long."""
from __future__ import annotations

import numpy as np
import pytest
from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

from sim.api import run
from sim.cli import main
from sim.scenarios import load_scenario
from sim.world.reachability import reached_over_open_roads


def two_zone_world(tmp_path, roads):
    """Depot at node 1; Z1 at node 2 (10 km), Z2 at node 3 (20 km); the road outage area is a
    circle round node 3 (only the segment 2-3 touches it)."""
    region = line_world(tmp_path, n=3, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 100, 0.2), ("Z2", 3, 300, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5), outages={"roads": roads})
    return write_scenario(tmp_path, doc)


def near_z2(start, end):
    return [{"start": start, "end": end, "closed_share": 1.0,
             "area": {"around": {"center": [116.8, 39.8], "radius": "2km"}}}]


def test_a_zone_cut_off_from_the_start_is_warned_with_its_span(tmp_path):
    path = two_zone_world(tmp_path, near_z2("0h", "5h"))
    summary = run(load_scenario(path), base_dir=tmp_path).summary()
    (line,) = [w for w in summary["warnings"] if "cannot be reached" in w]
    assert line.startswith("1 affected zone(s) (150 people) cannot be reached by truck from any depot once the hazard")
    assert "Z2 (150 people, 0.0 h to 5.0 h)" in line and "Z1" not in line


def test_a_zone_cut_off_later_is_warned_with_when_and_for_how_long(tmp_path):
    path = two_zone_world(tmp_path, near_z2("2h", "7h"))
    summary = run(load_scenario(path), base_dir=tmp_path).summary()
    assert not any("cannot be reached" in w for w in summary["warnings"])
    (line,) = [w for w in summary["warnings"] if "later in the run" in w]
    assert "Z2 (150 people, 2.0 h to 7.0 h)" in line


def test_a_run_where_no_affected_site_can_be_reached_says_so_on_the_console(tmp_path, capsys):
    everything = [{"start": "0h", "end": "30h", "closed_share": 1.0}]
    path = two_zone_world(tmp_path, everything)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-plots"]) == 0
    out = capsys.readouterr().out
    assert "warning: no affected site can be reached by truck from any depot once the hazard has struck" in out
    assert "Z1 (50 people, 0.0 h to the end)" in out and "Z2 (150 people, 0.0 h to the end)" in out


def test_an_unknown_township_is_a_located_error_in_the_python_api_too(tmp_path):
    """sim.run refuses a township no zone belongs to (in an area or a team's home), before running."""
    import pytest

    from sim.errors import InputError

    region = line_world(tmp_path, n=3, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 100, 0.2)])}
    impact = {"area": {"townships": ["T99"]}, "zone_share": 1.0, "affected_share": 0.5, "spread": 0.0}
    doc = scenario_doc(region, [depot("d1", 1)], impact=impact,
                       teams=[{"id": "sar", "kind": "sar", "base": {"node": 1}, "township": "T42"}])
    with pytest.raises(InputError) as err:
        run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    lines = err.value.lines
    assert any("impact.area.townships[0]: no zone belongs to township 'T99'" in line for line in lines)
    assert any("teams[0].township: no zone belongs to township 'T42'" in line for line in lines)


def _reached_scipy(n_nodes, tails, heads, speed_factor, sources):
    """The reach in scipy, through one virtual source linked to every depot (the way
    the kernel replaced): the oracle for ``reached_over_open_roads``."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import breadth_first_order

    reachable = np.zeros(n_nodes + 1, dtype=bool)
    if not len(sources):
        return reachable[:n_nodes]
    open_edge = speed_factor > 0.0
    rows = np.concatenate([tails[open_edge], np.full(len(sources), n_nodes)])
    cols = np.concatenate([heads[open_edge], sources])
    adjacency = csr_array((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n_nodes + 1, n_nodes + 1))
    reachable[breadth_first_order(adjacency, n_nodes, directed=True, return_predecessors=False)] = True
    return reachable[:n_nodes]


@pytest.mark.parametrize("seed", range(8))
def test_the_reach_kernel_equals_a_breadth_first_search_in_scipy(seed):
    rng = np.random.default_rng(seed)
    n_nodes, n_edges = int(rng.integers(1, 60)), int(rng.integers(0, 150))
    tails = np.sort(rng.integers(0, n_nodes, size=n_edges))
    heads = rng.integers(0, n_nodes, size=n_edges).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=n_nodes))]).astype(np.int64)
    speed_factor = rng.choice([0.0, 0.5, 1.0], size=n_edges)
    sources = np.unique(rng.integers(0, n_nodes, size=int(rng.integers(0, 4)))).astype(np.int64)
    got = reached_over_open_roads(offsets, heads, speed_factor, sources)
    assert np.array_equal(got, _reached_scipy(n_nodes, tails, heads, speed_factor, sources))
