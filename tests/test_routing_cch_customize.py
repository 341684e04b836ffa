"""Partial customization of a CCH equals a full one bit for bit.

The kernels of :mod:`sim.routing.cch_customize` are driven directly: a
hierarchy of a random small road graph or of the New York extract, weights
drawn from a few values (many equal routes, so ties between triangles are
common) with closed roads (``inf``), then random changes. After each change
the partial update must leave every time and every road, via and other arc
exactly as a full customization from scratch writes them — the route
unpacking follows those arcs, so a tie broken another way would change routes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.routing import cch_customize
from sim.routing.cch_cache import hierarchy_for
from test_routing_oracles import ROUTING_SETTINGS, road_graphs

NY_EXTRACT = Path(__file__).resolve().parent / "data" / "ny_extract.gr.xz"

#: Road times to draw from: few distinct values make equal routes common.
TIMES = np.array([0.0, 0.5, 1.0, 1.0, 1.5, 2.0, 3.0, np.inf])


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "cache"))


class Customization:
    """A structure's full and partially updated customizations side by side."""

    def __init__(self, structure, weight_min):
        self.s = s = structure
        self.weight_min = weight_min
        self.triangles = cch_customize.triangles(s.up_offsets, s.up_head, s.down_offsets,
                                                 s.down_tail, s.down_arc)
        self.queued = np.zeros((s.n_arcs + 63) // 64, np.uint64)
        self.arc_time, self.arc_int = self.full()

    def full(self):
        s = self.s
        arc_time, arc_int = np.empty((2, s.n_arcs)), np.empty((6, s.n_arcs), np.int32)
        cch_customize.customize_full(s.up_offsets, s.up_head, s.down_offsets, s.down_tail,
                                     s.down_arc, s.slot_offsets, s.slot_edges, self.weight_min,
                                     arc_time, arc_int)
        return arc_time, arc_int

    def change(self, edges, times) -> None:
        self.weight_min[edges] = times
        s = self.s
        cch_customize.customize_partial(s.up_offsets, s.up_tail, s.slot_offsets, s.slot_edges,
                                        s.edge_slot, *self.triangles, self.weight_min,
                                        np.asarray(edges, np.int64), self.arc_time,
                                        self.arc_int, self.queued)
        assert not self.queued.any()

    def assert_equals_full(self) -> None:
        arc_time, arc_int = self.full()
        np.testing.assert_array_equal(self.arc_time.view(np.int64), arc_time.view(np.int64))
        np.testing.assert_array_equal(self.arc_int, arc_int)


def changes(data, rng_seed: int, n_edges: int, max_changes: int, max_edges: int):
    """Random changes: a few edges to new times from :data:`TIMES`, or slower,
    or all closed ones reopened."""
    rng = np.random.default_rng(rng_seed)
    for _ in range(data.draw(st.integers(1, max_changes), label="changes")):
        k = data.draw(st.integers(1, max_edges), label="edges")
        edges = rng.integers(0, n_edges, k)
        yield edges, rng.choice(TIMES, k)


# --------------------------------------------------------- the triangles
@settings(max_examples=100, **ROUTING_SETTINGS)
@given(road_graphs(max_nodes=30, max_segments=80))
def test_triangles_list_every_lower_triangle_in_rising_lowest_node(graph):
    s, _ = hierarchy_for(graph.n_nodes, graph.tails, graph.heads, use_disk=False)
    lower_offsets, lower_sides, pair_offsets, pair_top = cch_customize.triangles(
        s.up_offsets, s.up_head, s.down_offsets, s.down_tail, s.down_arc)
    arc = {(int(s.up_tail[a]), int(s.up_head[a])): a for a in range(s.n_arcs)}
    for a in range(s.n_arcs):
        x, z = int(s.up_tail[a]), int(s.up_head[a])
        want = [(arc[y, x], arc[y, z]) for y in range(x) if (y, x) in arc and (y, z) in arc]
        got = [tuple(p) for p in lower_sides[lower_offsets[a]:lower_offsets[a + 1]]]
        assert got == want
    for y in range(s.n_nodes):
        heads = s.up_head[s.up_offsets[y]:s.up_offsets[y + 1]]
        pairs = [(heads[i], heads[j]) for i in range(len(heads)) for j in range(i + 1, len(heads))]
        tops = pair_top[pair_offsets[y]:pair_offsets[y + 1]]
        assert [(s.up_tail[t], s.up_head[t]) for t in tops] == pairs


# ------------------------------------------------- partial equals full
@settings(max_examples=200, **ROUTING_SETTINGS)
@given(road_graphs(max_nodes=30, max_segments=80), st.integers(0, 2**32 - 1), st.data())
def test_partial_customization_equals_a_full_one_bit_for_bit(graph, seed, data):
    if graph.n_edges == 0:
        return
    s, _ = hierarchy_for(graph.n_nodes, graph.tails, graph.heads, use_disk=False)
    rng = np.random.default_rng(seed)
    custom = Customization(s, rng.choice(TIMES, graph.n_edges))
    for edges, times in changes(data, seed, graph.n_edges, 8, max(1, graph.n_edges // 3)):
        custom.change(edges, times)
        custom.assert_equals_full()


@pytest.fixture(scope="module")
def ny_hierarchy():
    from sim.network.dimacs import read_dimacs

    ny = read_dimacs(NY_EXTRACT, weight_seed=0)
    structure, _ = hierarchy_for(ny.n_nodes, ny.tails, ny.heads, use_disk=False)
    return ny, structure


@settings(max_examples=10, **ROUTING_SETTINGS)
@given(st.integers(0, 2**32 - 1), st.data())
def test_partial_customization_of_the_ny_extract_equals_a_full_one(ny_hierarchy, seed, data):
    ny, s = ny_hierarchy
    rng = np.random.default_rng(seed)
    weights = ny.length_m / 500.0
    # Rounded times tie often; some roads start closed.
    weights = np.where(rng.random(ny.n_edges) < 0.5, np.round(weights), weights)
    weights[rng.random(ny.n_edges) < 0.02] = np.inf
    custom = Customization(s, weights)
    for edges, times in changes(data, seed, ny.n_edges, 3, 400):
        custom.change(edges, times)
        custom.assert_equals_full()
