"""Snapping lon/lat places to graph nodes, and the geodesy helpers behind it."""
from __future__ import annotations

import lzma

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.network.dimacs import read_dimacs
from sim.network.geo import EARTH_RADIUS_M, LocalProjection, haversine_m
from sim.network.graph import RoadGraph
from sim.network.snap import Snapper

BEIJING = (116.40, 39.90)


def graph_at(lons, lats) -> RoadGraph:
    n = len(lons)
    u = np.arange(n - 1) if n > 1 else np.zeros(0, int)
    return RoadGraph.from_segments(u, u + 1, np.ones(len(u)), lon=lons, lat=lats, n_nodes=n,
                                   node_ids=np.arange(100, 100 + n))


def scatter(rng, n, centre=BEIJING, radius_km=25.0):
    """Random points within about radius_km of centre."""
    dlat = rng.uniform(-1, 1, n) * radius_km / 111.2
    dlon = rng.uniform(-1, 1, n) * radius_km / (111.2 * np.cos(np.radians(centre[1])))
    return centre[0] + dlon, centre[1] + dlat


# ------------------------------------------------------------------ geo
def test_haversine_of_one_degree_of_latitude():
    assert haversine_m(0, 0, 0, 1) == pytest.approx(np.pi * EARTH_RADIUS_M / 180)
    assert haversine_m(116.4, 39.9, 116.4, 39.9) == 0.0
    d = haversine_m(np.array([0.0, 10.0]), 0, np.array([1.0, 10.0]), 0)
    assert d.shape == (2,) and d[1] == 0


def test_local_projection_is_within_half_a_percent_over_50_km():
    rng = np.random.default_rng(1)
    lon, lat = scatter(rng, 2000)
    proj = LocalProjection.around(lon, lat)
    x, y = proj.to_xy_m(lon, lat)
    i, j = rng.integers(0, 2000, (2, 2000))
    keep = i != j
    planar = np.hypot(x[i] - x[j], y[i] - y[j])[keep]
    sphere = haversine_m(lon[i], lat[i], lon[j], lat[j])[keep]
    assert np.max(np.abs(planar / sphere - 1)) < 0.005
    back_lon, back_lat = proj.to_lonlat(x, y)
    assert np.allclose(back_lon, lon) and np.allclose(back_lat, lat)


def test_local_projection_centres_across_the_antimeridian():
    proj = LocalProjection.around([179.9, -179.9], [0.0, 0.0])
    assert abs(abs(proj.lon0) - 180) < 1e-9
    x, _ = proj.to_xy_m([179.9, -179.9], [0, 0])
    assert abs(x[1] - x[0]) == pytest.approx(haversine_m(179.9, 0, -179.9, 0))


# ------------------------------------------------------------------ snap
def test_a_node_position_snaps_to_that_node_at_distance_zero():
    rng = np.random.default_rng(2)
    lon, lat = scatter(rng, 50)
    s = Snapper(graph_at(lon, lat))
    for i in (0, 17, 49):
        idx, d = s.snap(lon[i], lat[i])
        assert idx == i and d == pytest.approx(0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 60), st.integers(0, 2**32 - 1), st.floats(-60, 60), st.floats(-179, 179))
def test_snap_many_matches_brute_force_nearest_by_haversine(n_nodes, seed, lat0, lon0):
    rng = np.random.default_rng(seed)
    lon, lat = scatter(rng, n_nodes, centre=(lon0, lat0))
    qlon, qlat = scatter(rng, 40, centre=(lon0, lat0), radius_km=30)
    idx, dist = Snapper(graph_at(lon, lat)).snap_many(qlon, qlat)
    brute = haversine_m(qlon[:, None], qlat[:, None], lon[None, :], lat[None, :])
    best = brute.min(axis=1)
    # the node found is a nearest one (ties may go either way) ...
    assert np.allclose(brute[np.arange(40), idx], best, rtol=1e-9, atol=1e-6)
    # ... and its distance is the haversine distance (well within the required 0.5 %)
    assert np.allclose(dist, best, rtol=1e-9, atol=1e-6)


def test_snap_distance_is_within_half_a_percent_of_haversine_at_city_scale():
    rng = np.random.default_rng(3)
    lon, lat = scatter(rng, 5000)
    qlon, qlat = scatter(rng, 500)
    idx, dist = Snapper(graph_at(lon, lat)).snap_many(qlon, qlat)
    true = haversine_m(qlon, qlat, lon[idx], lat[idx])
    assert np.all(np.abs(dist - true) <= 0.005 * true + 1e-6)


def test_snap_returns_plain_python_scalars():
    s = Snapper(graph_at([116.0, 116.1], [40.0, 40.0]))
    idx, d = s.snap(116.09, 40.0)
    assert type(idx) is int and type(d) is float and idx == 1


def test_max_distance_names_the_distance_and_the_limit():
    s = Snapper(graph_at([116.0, 116.01], [40.0, 40.0]))
    assert s.snap(116.0, 40.0, max_distance_m=10)[0] == 0
    with pytest.raises(ValueError) as exc:
        s.snap(116.0, 40.1, max_distance_m=500)
    msg = str(exc.value)
    assert "11119" in msg and "max_distance_m=500" in msg and "id 100" in msg
    with pytest.raises(ValueError, match="max_distance_m=1000"):
        s.snap_many([116.0, 116.0], [40.0, 41.0], max_distance_m=1000)


def test_graph_without_coordinates_cannot_be_snapped_to(tmp_path):
    p = tmp_path / "g.gr.xz"
    p.write_bytes(lzma.compress(b"p tw 3 2\n1 2\n2 3\n"))
    with pytest.raises(ValueError, match="no coordinates"):
        Snapper(read_dimacs(p))


def test_invalid_points_and_empty_queries():
    s = Snapper(graph_at([116.0, 116.01], [40.0, 40.0]))
    with pytest.raises(ValueError, match="not a valid position"):
        s.snap(116.0, 95.0)
    with pytest.raises(ValueError, match="not a valid position"):
        s.snap_many([116.0, np.nan], [40.0, 40.0])
    idx, dist = s.snap_many([], [])
    assert idx.shape == dist.shape == (0,)


def test_places_snap_to_the_part_of_the_network_trucks_can_leave_again():
    """A node reachable only one way (a dead end where an extract was cut) is never a place's node."""
    # 0 <-> 1 <-> 2 form the strongly connected part; 3 is entered from 2 one-way and has no way out.
    g = RoadGraph.from_segments([0, 1, 2], [1, 2, 3], [100.0, 100.0, 100.0], 30.0,
                                oneway=np.array([False, False, True]),
                                lon=np.array([24.930, 24.931, 24.932, 24.940]),
                                lat=np.array([60.169, 60.169, 60.169, 60.169]))
    node, _ = Snapper(g).snap(24.9401, 60.169)
    assert node == 2
    node, _ = Snapper(g, strongly_connected=False).snap(24.9401, 60.169)
    assert node == 3


def test_snappers_on_a_graph_and_its_copies_share_one_tree_and_snap_alike():
    rng = np.random.default_rng(11)
    lon, lat = scatter(rng, 200, centre=(116.4, 39.9))
    g = graph_at(lon, lat)
    first, second = Snapper(g), Snapper(g.copy())
    assert second._tree is first._tree
    points = scatter(rng, 30, centre=(116.4, 39.9))
    for a, b in zip(first.snap_many(*points), second.snap_many(*points)):
        assert np.array_equal(a, b)
    for lon, lat in zip(*points):
        idx, dist = first.snap_many([lon], [lat])
        assert first.snap(lon, lat) == second.snap(lon, lat) == (int(idx[0]), float(dist[0]))
