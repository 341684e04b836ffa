"""The disk cache of the contraction hierarchy's preprocessing.

Written once per road network (atomically, keyed by a hash of its structure
and the order's version), loaded by later runs without ordering again, and
never trusted blindly: a corrupt, truncated or foreign file is rebuilt with
exactly one warning line. Every test uses its own temporary cache directory.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import sim.routing.cch_cache as cache
from sim.routing import Router
from test_routing_cch import grid_graph

SIDE = 48  # 2,304 nodes: above the disk cache's threshold


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    return tmp_path / "cache" / "cch"


def build(graph):
    """A hierarchy as a new process would get it (nothing in memory)."""
    cache._in_memory.clear()
    return cache.hierarchy_for(graph.n_nodes, graph.tails, graph.heads)


def no_ordering(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("ordered again instead of loading the cache")

    monkeypatch.setattr(cache, "nested_dissection_rank", fail)


def test_the_first_build_writes_one_file_that_later_builds_load(cache_dir, monkeypatch):
    graph = grid_graph(SIDE)
    assert graph.n_nodes >= cache.DISK_CACHE_MIN_NODES
    first, seconds = build(graph)
    files = list(cache_dir.iterdir())
    assert [f.name for f in files] == [cache.graph_key(graph.n_nodes, graph.tails,
                                                       graph.heads) + ".npz"]
    no_ordering(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again, seconds_again = build(graph)
    assert seconds_again == seconds > 0
    for name, array in first.arrays().items():
        np.testing.assert_array_equal(getattr(again, name), array, name)


def test_routers_on_copies_of_a_graph_share_one_hierarchy(monkeypatch):
    graph = grid_graph(SIDE)
    one = Router(graph, algorithm="cch")
    no_ordering(monkeypatch)
    cache_misses = cache._load
    monkeypatch.setattr(cache, "_load", lambda *a: pytest.fail("read the disk again"))
    two = Router(graph.copy(), algorithm="cch")
    assert two._search.structure is one._search.structure
    monkeypatch.setattr(cache, "_load", cache_misses)


def test_xdg_cache_home_is_used_without_sim_cache_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SIM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_directory() == tmp_path / "xdg" / "sim" / "cch"
    build(grid_graph(SIDE))
    assert len(list((tmp_path / "xdg" / "sim" / "cch").glob("*.npz"))) == 1


def test_the_key_follows_the_structure_not_the_road_state():
    graph = grid_graph(SIDE)
    key = cache.graph_key(graph.n_nodes, graph.tails, graph.heads)
    slowed = graph.copy()
    slowed.set_speed_factor(np.arange(10), 0.0)
    assert cache.graph_key(slowed.n_nodes, slowed.tails, slowed.heads) == key
    other = grid_graph(SIDE - 1)
    assert cache.graph_key(other.n_nodes, other.tails, other.heads) != key
    assert cache.graph_key(graph.n_nodes + 1, graph.tails, graph.heads) != key


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "garbage", "empty"])
def test_a_corrupt_file_is_rebuilt_with_one_warning_and_never_used(cache_dir, damage):
    graph = grid_graph(SIDE)
    first, _ = build(graph)
    (path,) = cache_dir.iterdir()
    data = bytearray(path.read_bytes())
    if damage == "flip a byte":
        # A byte inside the stored arrays (the archive's zip headers stay intact).
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 3]
    elif damage == "garbage":
        data = bytearray(b"not a numpy archive" * 100)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rebuilt, _ = build(graph)
    assert len(caught) == 1, [str(w.message) for w in caught]
    message = str(caught[0].message)
    assert str(path) in message and "rebuilding" in message and "\n" not in message
    for name, array in first.arrays().items():
        np.testing.assert_array_equal(getattr(rebuilt, name), array, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(graph)  # the file was replaced by a good one


def test_another_graphs_file_under_this_name_is_rebuilt(cache_dir):
    graph, other = grid_graph(SIDE), grid_graph(SIDE + 1)
    build(other)
    (other_path,) = cache_dir.iterdir()
    key = cache.graph_key(graph.n_nodes, graph.tails, graph.heads)
    other_path.rename(cache_dir / f"{key}.npz")
    with pytest.warns(RuntimeWarning, match="another graph"):
        structure, _ = build(graph)
    assert structure.n_nodes == graph.n_nodes


def test_an_unwritable_cache_directory_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("in the way")
    monkeypatch.setenv("SIM_CACHE_DIR", str(blocker))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        structure, _ = build(grid_graph(SIDE))
        router = Router(grid_graph(SIDE), algorithm="cch")
    assert structure.n_nodes == SIDE * SIDE
    assert router.travel_time_min(0, SIDE * SIDE - 1) == pytest.approx(2 * (SIDE - 1))


def test_no_temporary_files_are_left_behind(cache_dir):
    build(grid_graph(SIDE))
    build(grid_graph(SIDE + 2))
    assert sorted(p.suffix for p in cache_dir.iterdir()) == [".npz", ".npz"]
    assert not [p for p in cache_dir.iterdir() if p.name.startswith(".tmp-")]
