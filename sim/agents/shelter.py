"""Emergency shelters and the displaced people walking to them.

A shelter's capacity is its area divided by the shelter standard
(``needs.shelter_m2``, 1.8 m² per person [TZ]). When a zone is hit, its
displaced people who seek a public shelter (the others stay with relatives
or friends, :mod:`sim.world.conditions`) set off once the warning has been published
(``command.warning_delay``) and walk to the nearest shelter that still has
room, splitting over the next nearest when it fills; places are allotted in
the order zones were hit (ties by zone order). Walking time = straight-line
distance × a road circuity factor of 1.3 (Ballou, Rahardja & Sakai 2002
measured 1.2–1.4 for road networks) at 4 km/h, a loaded evacuee's pace.
People for whom no shelter has room need a place in a relief tent delivered
to their zone (:mod:`sim.world.needs`). A shelter without power (and no backup) admits each group
``slowdown`` times slower than its 30-minute registration; a communications
outage delays the warning (see :mod:`sim.world.comms`).
"""
from __future__ import annotations

import numpy as np

from sim.agents.power import PowerSupply
from sim.network.geo import haversine_m

__all__ = ["Shelter", "evacuate", "WALK_KMH", "CIRCUITY"]

WALK_KMH = 4.0
#: Registering a group at a shelter; without power it takes ``slowdown`` times longer.
ADMISSION_MIN = 30.0
CIRCUITY = 1.3


class Shelter:
    def __init__(self, spec, node: int, lon: float, lat: float, m2_per_person: float):
        self.spec = spec
        self.shelter_id: str = spec.id
        self.node = node
        self.lon = lon
        self.lat = lat
        self.capacity = int(spec.area_m2 / m2_per_person + 1e-9)
        self.allotted = 0
        self.arrived = 0
        self.power = PowerSupply()    # slower registration without power (sim.agents.power)

    @property
    def room(self) -> int:
        return self.capacity - self.allotted

    def allot(self, people: int) -> None:
        """Promise ``people`` places (they are on their way)."""
        self.allotted += people

    def admit(self, people: int) -> None:
        """``people`` arrived and took their places."""
        self.arrived += people


def evacuate(env, zones, shelters: list[Shelter], warning_delay_min: float, log, warning_arrival=None) -> None:
    """Allot shelter places and schedule the walks (see module docstring)."""
    if not shelters:
        for z in zones:
            z.left_without_place(z.seeking_shelter)
        return
    s_lon = np.array([s.lon for s in shelters])
    s_lat = np.array([s.lat for s in shelters])
    hit = sorted((z for z in zones if z.seeking_shelter > 0), key=lambda z: (z.hit_time_min, z.index))
    dist_m, nearest_first = _shelter_distances_m(hit, s_lon, s_lat)
    for zone, dist, order in zip(hit, dist_m, nearest_first):
        left = zone.seeking_shelter
        for si in order:
            if left == 0:
                break
            shelter = shelters[si]
            n = min(left, shelter.room)
            if n <= 0:
                continue
            shelter.allot(n)
            left -= n
            walk_min = dist[si] * CIRCUITY / (WALK_KMH * 1000 / 60)
            warned = (warning_arrival(zone, zone.hit_time_min, warning_delay_min) if warning_arrival
                      else zone.hit_time_min + warning_delay_min)
            env.process(_walk(env, zone, shelter, n, warned + walk_min))
        zone.left_without_place(left)
        if left:
            log.add(zone.hit_time_min, "no_shelter", zone=zone.zone_id, amount=left)


def _shelter_distances_m(zones, s_lon: np.ndarray, s_lat: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """Straight-line metres from each zone to each shelter, ``[Z, S]``, and each zone's
    shelters nearest first (ties in shelter order), in one call for all zones: every
    element is the same :func:`haversine_m` of one zone and one shelter."""
    z_lon = np.array([z.lon for z in zones], dtype=np.float64)
    z_lat = np.array([z.lat for z in zones], dtype=np.float64)
    dist_m = haversine_m(z_lon[:, None], z_lat[:, None], s_lon[None, :], s_lat[None, :])
    return dist_m, np.argsort(dist_m, axis=1, kind="stable").tolist()


def _walk(env, zone, shelter: Shelter, people: int, arrive_min: float):
    yield env.timeout(max(arrive_min - env.now, 0.0))
    if shelter.power.slowdown > 1.0:
        yield env.timeout((shelter.power.slowdown - 1.0) * ADMISSION_MIN)
    shelter.admit(people)
    zone.shelter_arrival(env.now, people, shelter.shelter_id)
