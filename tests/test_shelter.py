"""Evacuation to shelters: the distances of all zones in one call are the per-zone ones to the bit."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.agents.shelter import CIRCUITY, WALK_KMH, Shelter, _shelter_distances_m, evacuate
from sim.network.geo import haversine_m


def _places(rng, n_zones: int, n_shelters: int):
    """Zones and shelters around a city, some shelters on the same spot (ties) and a zone without coordinates."""
    s_lon = rng.uniform(116.0, 116.5, n_shelters)
    s_lat = rng.uniform(39.7, 40.1, n_shelters)
    s_lon[1::4], s_lat[1::4] = s_lon[0], s_lat[0]
    z_lon = rng.uniform(115.9, 116.6, n_zones)
    z_lat = rng.uniform(39.6, 40.2, n_zones)
    z_lon[2], z_lat[2] = s_lon[0], s_lat[0]
    z_lon[-1] = np.nan
    return z_lon, z_lat, s_lon, s_lat


@pytest.mark.parametrize("seed", range(5))
def test_the_distances_and_order_of_all_zones_are_each_zone_s_own_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    z_lon, z_lat, s_lon, s_lat = _places(rng, 40, 13)
    zones = [SimpleNamespace(lon=float(x), lat=float(y)) for x, y in zip(z_lon, z_lat)]
    dist_m, order = _shelter_distances_m(zones, s_lon, s_lat)
    for k, zone in enumerate(zones):
        expected = haversine_m(zone.lon, zone.lat, s_lon, s_lat)
        np.testing.assert_array_equal(dist_m[k], expected)
        assert order[k] == np.argsort(expected, kind="stable").tolist()


class _Env:
    """Records the walks ``evacuate`` starts (zone, shelter, people, arrival)."""

    def __init__(self):
        self.walks = []

    def process(self, walk):
        args = walk.gi_frame.f_locals
        self.walks.append((args["zone"].zone_id, args["shelter"].shelter_id, args["people"], args["arrive_min"]))


class _Log:
    def __init__(self):
        self.rows = []

    def add(self, *args, **kwargs):
        self.rows.append((args, kwargs))


def _world(seed: int):
    rng = np.random.default_rng(seed)
    z_lon, z_lat, s_lon, s_lat = _places(rng, 30, 9)
    zones = []
    for k, (x, y) in enumerate(zip(z_lon, z_lat)):
        zone = SimpleNamespace(zone_id=f"z{k}", index=k, lon=float(x), lat=float(y),
                               seeking_shelter=int(rng.integers(0, 900)), hit_time_min=float(rng.integers(0, 3) * 7.5),
                               unsheltered=None)
        zone.left_without_place = lambda people, zone=zone: setattr(zone, "unsheltered", people)
        zones.append(zone)
    zones[-1].seeking_shelter, zones[-1].hit_time_min = 50, -1.0   # the zone without coordinates goes first
    shelters = [Shelter(SimpleNamespace(id=f"s{k}", area_m2=float(rng.uniform(500, 4000))), k, float(x), float(y), 1.8)
                for k, (x, y) in enumerate(zip(s_lon, s_lat))]
    return zones, shelters


def _evacuate_zone_by_zone(env, zones, shelters, warning_delay_min, log):
    """The allotment with one distance call per zone (the reference)."""
    s_lon = np.array([s.lon for s in shelters])
    s_lat = np.array([s.lat for s in shelters])
    hit = sorted((z for z in zones if z.seeking_shelter > 0), key=lambda z: (z.hit_time_min, z.index))
    for zone in hit:
        left = zone.seeking_shelter
        dist = haversine_m(zone.lon, zone.lat, s_lon, s_lat)
        for si in np.argsort(dist, kind="stable"):
            if left == 0:
                break
            shelter = shelters[si]
            n = min(left, shelter.room)
            if n <= 0:
                continue
            shelter.allot(n)
            left -= n
            walk_min = dist[si] * CIRCUITY / (WALK_KMH * 1000 / 60)
            env.walks.append((zone.zone_id, shelter.shelter_id, n, zone.hit_time_min + warning_delay_min + walk_min))
        zone.left_without_place(left)
        if left:
            log.add(zone.hit_time_min, "no_shelter", zone=zone.zone_id, amount=left)


@pytest.mark.parametrize("seed", range(4))
def test_evacuation_allots_and_walks_as_zone_by_zone(seed):
    runs = []
    for evacuation in (evacuate, _evacuate_zone_by_zone):
        zones, shelters = _world(seed)
        env, log = _Env(), _Log()
        evacuation(env, zones, shelters, 20.0, log)
        runs.append((env.walks, log.rows, [z.unsheltered for z in zones], [s.allotted for s in shelters]))
    assert runs[0][0] and runs[0][1]          # some walk, some find no place
    assert any(np.isnan(w[3]) for w in runs[0][0])   # the zone without coordinates walks too
    walks = [[(*w[:3], type(w[3]), float(w[3]).hex()) for w in walks] for walks, *_ in runs]
    assert walks[0] == walks[1]
    assert runs[0][1:] == runs[1][1:]
