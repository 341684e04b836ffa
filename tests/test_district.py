"""The built-in district: the world DOMAIN.md sizes it after."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from sim.network.district import N_TOWNSHIPS, N_ZONES, POPULATION, build_district
from sim.network.graph import RoadClass

DISTRICT = build_district()


def test_same_seed_gives_an_identical_world_and_another_seed_another():
    again = build_district.__wrapped__(DISTRICT.seed)
    g, h = DISTRICT.graph, again.graph
    for name in ("offsets", "heads", "length_m", "speed_kmh", "road_class", "is_bridge", "lon", "lat",
                 "elevation_m"):
        assert np.array_equal(getattr(g, name), getattr(h, name)), name
    assert DISTRICT.zones.equals(again.zones)
    assert DISTRICT.depots == again.depots and DISTRICT.shelters == again.shelters and DISTRICT.teams == again.teams
    other = build_district.__wrapped__(DISTRICT.seed + 1)
    assert not np.array_equal(other.zones["population"], DISTRICT.zones["population"])


def test_size_and_place_are_those_of_the_district():
    g = DISTRICT.graph
    assert 15_000 <= g.n_nodes <= 25_000
    inside = (g.lon >= 116.5) & (g.lon <= 116.86)
    width_km = (g.lon[inside].max() - g.lon[inside].min()) * 111.32 * np.cos(np.radians(39.86))
    height_km = (g.lat.max() - g.lat.min()) * 111.32
    assert 850 <= width_km * height_km <= 950
    assert 116.3 < g.lon.mean() < 117.0 and 39.7 < g.lat.mean() < 40.0   # east of central Beijing


def test_every_road_class_and_a_single_connected_network():
    g = DISTRICT.graph
    assert set(np.unique(g.road_class)) == set(int(c) for c in RoadClass)
    n, _ = connected_components(g.to_scipy_csr(), directed=True, connection="strong")
    assert n == 1
    assert g.speed_kmh[g.road_class == RoadClass.EXPRESSWAY].min() > g.speed_kmh[g.road_class == RoadClass.LOCAL].max()


def test_the_river_is_crossed_only_by_a_limited_number_of_bridges():
    g = DISTRICT.graph
    bridges = np.unique(g.segment[g.is_bridge])
    assert 10 <= len(bridges) <= 30
    # Closing every bridge cuts the district in two.
    cut = g.copy()
    cut.set_speed_factor(np.flatnonzero(g.is_bridge), 0.0)
    n, labels = connected_components(cut.to_scipy_csr(), directed=True, connection="strong")
    sizes = np.sort(np.bincount(labels))[::-1]
    assert n >= 2 and sizes[1] > 0.1 * g.n_nodes


def test_underpasses_dip_below_the_streets_around_them():
    g = DISTRICT.graph
    under = np.unique(np.concatenate([g.tails[g.is_tunnel], g.heads[g.is_tunnel]]))
    assert len(under) > 0
    around = np.zeros(g.n_nodes)
    count = np.bincount(g.tails, minlength=g.n_nodes)
    np.add.at(around, g.tails, g.elevation_m[g.heads])
    mean_neighbour = around / np.maximum(count, 1)
    assert np.median(g.elevation_m[under] - mean_neighbour[under]) < -0.5


def test_ground_slopes_down_to_the_south_east_and_dips_along_the_river():
    from sim.network.district import _M_PER_DEG_LAT, _M_PER_DEG_LON, ORIGIN_LONLAT
    from sim.network.district_roads import river_y

    g = DISTRICT.graph
    x = (g.lon - ORIGIN_LONLAT[0]) * _M_PER_DEG_LON
    y = (g.lat - ORIGIN_LONLAT[1]) * _M_PER_DEG_LAT
    nw, se = (x < 8_000) & (y > 22_000), (x > 22_000) & (y < 8_000)
    assert g.elevation_m[nw].mean() > g.elevation_m[se].mean() + 5
    off = np.abs(y - river_y(np.clip(x, 0, 30_000)))
    band = (x > 0) & (x < 30_000)
    near, mid = band & (off < 300), band & (off > 1_500) & (off < 2_500)
    assert g.elevation_m[near].mean() < g.elevation_m[mid].mean() - 1


def test_population_townships_and_zones_follow_the_plan():
    z = DISTRICT.zones
    assert len(z) == N_ZONES == 658
    assert z["township"].nunique() == N_TOWNSHIPS == 22
    assert z["population"].sum() == POPULATION == 1_840_000
    assert z["vulnerable_share"].between(0, 1).all() and 0.1 < z["vulnerable_share"].mean() < 0.3
    assert z["node"].between(0, DISTRICT.graph.n_nodes - 1).all()


def test_depots_shelters_and_rescue_forces_follow_the_plan():
    tiers = [d["tier"] for d in DISTRICT.depots]
    assert tiers == ["district", "district", "city"] + ["street"] * 22      # one reserve per township [TZ]
    hubs = [d for d in DISTRICT.depots if d["tier"] == "street"]
    assert sorted(d["serves"]["townships"][0] for d in hubs) == sorted(DISTRICT.zones["township"].unique())
    district_items = sum(sum(d["stock"].values()) for d in DISTRICT.depots if d["tier"] == "district")
    assert district_items >= 800_000                                   # [TZ] 800,000+ items
    assert len(DISTRICT.shelters) == 19
    shelter_people = sum(s["area_m2"] for s in DISTRICT.shelters) / 1.8
    assert shelter_people / POPULATION == pytest.approx(0.10, abs=0.02)
    kinds = [t["kind"] for t in DISTRICT.teams]
    # "1+10+22+30": one comprehensive team, ten professional, 22 township, 30 volunteer brigades.
    assert kinds.count("fire_rescue") == 1
    assert sum(t["id"].startswith("pro-") for t in DISTRICT.teams) == 10
    assert sum(t["id"].startswith("township-") for t in DISTRICT.teams) == 22
    assert kinds.count("volunteer") == 30
