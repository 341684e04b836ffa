"""Carriers of the last mile: porters, boats and helicopters (:mod:`sim.scenarios.last_mile`).

A truck unloads a cut-off zone's drop at a transfer point (the reachable road
node nearest to the zone, or a helicopter's base depot); the mode's fleet
carries it on in trips of at most its payload, one carrier per trip (a SimPy
resource of ``count``): hand-over, the way there at the mode's speed, the
drop at the zone, the way back. Units in carriers' hands count as in transit
in the supply audit.
"""
from __future__ import annotations

import math

import numpy as np
import simpy

__all__ = ["LastMileFleet", "split_trips"]


def split_trips(units: np.ndarray, unit_kg: np.ndarray, payload_kg: float) -> list[np.ndarray]:
    """Whole units per trip: each item's units shared out in turn, from the trip where the
    previous item's left off (as even as whole units allow), in the fewest such trips none
    heavier than ``payload_kg``; a unit heavier than that on its own (a 35 kg tent for a 25 kg
    porter) is carried alone, one trip each, after the others."""
    units = np.asarray(units, dtype=float)
    alone = unit_kg > payload_kg + 1e-9
    rest = np.where(alone, 0.0, units)
    trips = _even_trips(rest, unit_kg, payload_kg) if float(rest @ unit_kg) > 0 else []
    for i in np.flatnonzero(alone & (units > 0)).tolist():
        one = np.zeros_like(units)
        one[i] = 1.0
        trips += [one] * int(units[i])
    return trips


def _even_trips(units: np.ndarray, unit_kg: np.ndarray, payload_kg: float) -> list[np.ndarray]:
    """:func:`split_trips` of units each no heavier than ``payload_kg``: ``n`` trips from
    the weight's ceiling up, until the heaviest fits (at the latest when every item's share,
    rounded up, fits)."""
    n = max(1, math.ceil(float(units @ unit_kg) / payload_kg - 1e-9))
    while True:
        base = np.floor(units / n)
        extra = units - base * n                       # ``extra[i]`` trips take one more unit of item i,
        start = np.concatenate(([0.0], np.cumsum(extra)[:-1])) % n   # each item's from where the last left off
        trips = base + ((np.arange(n)[:, None] - start) % n < extra)  # [trip, item]
        if float((trips @ unit_kg).max()) <= payload_kg + 1e-9:
            return list(trips[trips.any(axis=1)])
        n += 1


class LastMileFleet:
    """One mode's carriers (see the module docstring)."""

    def __init__(self, env: simpy.Environment, mode: str, spec, items: tuple, unit_kg: np.ndarray, log):
        self.env = env
        self.mode = mode
        self.spec = spec
        self.items = items
        self.unit_kg = unit_kg
        self.log = log
        self.carriers = simpy.Resource(env, capacity=spec.count)
        self.in_hand = np.zeros(len(items))         # units carried now (in transit)
        self.delivered = np.zeros(len(items))
        self.zones: set[str] = set()
        self.trips = 0

    def carry(self, zone, items: dict[str, float], distance_km: float, depot_id: str, depot_tier: str) -> None:
        """Take over ``items`` for ``zone`` at the transfer point, ``distance_km`` away from it."""
        units = np.array([items.get(i, 0.0) for i in self.items])
        self.in_hand += units
        for trip in split_trips(units, self.unit_kg, self.spec.payload_kg):
            self.env.process(self._trip(zone, trip, distance_km, depot_id, depot_tier))

    def _trip(self, zone, units: np.ndarray, distance_km: float, depot_id: str, depot_tier: str):
        one_way = 60.0 * distance_km / self.spec.speed_kmh
        with self.carriers.request() as carrier:
            yield carrier
            yield self.env.timeout(self.spec.hand_over + one_way)
            self.in_hand -= units
            self.delivered += units
            self.trips += 1
            self.zones.add(zone.zone_id)
            self.log.add(self.env.now, "last_mile", agent=self.mode, zone=zone.zone_id,
                         amount=float(units @ self.unit_kg))
            zone.receive(self.env.now, {i: float(n) for i, n in zip(self.items, units) if n > 0}, depot_id,
                         depot_tier)
            yield self.env.timeout(one_way)

    def figures(self) -> dict:
        return {"carriers": self.spec.count, "zones": len(self.zones), "trips": self.trips,
                "kg": round(float(self.delivered @ self.unit_kg), 3)}
