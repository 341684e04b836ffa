"""A relief truck: load at its depot, drive, unload at a zone, return.

Each truck is a SimPy process that takes the next trip from its depot's
priority queue, waits for a loading bay, loads (the depot's load time, slower
without power), drives the current fastest route to the zone's distribution
point (re-routing when its route changes, see :mod:`sim.agents.driving`),
unloads (faster with a volunteer team helping at the zone), hands the items to
the zone and drives back. Trip model: **one zone per trip** (a truckload
for one community); the first trips of every zone are queued before second
trips under the ``priority_nearest`` and ``lp`` policies.
"""
from __future__ import annotations

from sim.agents.depot import Depot

__all__ = ["Truck", "HELPER_UNLOAD_FACTOR"]

#: Unloading with a volunteer crew at the zone takes this share of the time.
HELPER_UNLOAD_FACTOR = 0.5


class Truck:
    """One truck of a depot's fleet."""

    def __init__(self, truck_id: str, depot: Depot, payload_kg: float, traffic, on_delivered):
        self.truck_id = truck_id
        self.depot = depot
        self.payload_kg = payload_kg
        self.traffic = traffic
        self.env = traffic.env
        self.log = traffic.log
        self.node = depot.node
        self.load: dict[str, float] = {}
        self.busy_min = 0.0
        self.trips_done = 0
        self.trip_started: float | None = None
        self.on_delivered = on_delivered
        self.process = self.env.process(self.run())

    def run(self):
        env, depot = self.env, self.depot
        while True:
            while depot.blocked:                  # no outside support: the fleet stays in
                yield depot.until_released()
            # A truck takes its next trip only once it stands at a free bay, so
            # trips ordered later with a higher priority are not stuck behind
            # trips already claimed by trucks queueing for a bay.
            with depot.bays.request() as bay:
                yield bay
                trip = (yield depot.trips.get()).item
                depot.trip_taken()
                self.trip_started = started = env.now
                self.log.add(env.now, "load", agent=self.truck_id, zone=trip.zone.zone_id, amount=trip.weight_kg)
                yield env.timeout(depot.load_time_min())
                depot.take(trip.items)
                self.load = dict(trip.items)
            self.log.add(env.now, "depart", agent=self.truck_id, zone=trip.zone.zone_id)
            yield env.process(self.traffic.drive(self.truck_id, self.node, trip.zone.node))
            self.node = trip.zone.node
            self.log.add(env.now, "arrive", agent=self.truck_id, zone=trip.zone.zone_id)
            unload = depot.spec.unload_time * (HELPER_UNLOAD_FACTOR if trip.zone.helpers > 0 else 1.0)
            yield env.timeout(unload)
            delivered, self.load = self.load, {}
            trip.zone.receive(env.now, delivered, depot.depot_id, depot.tier)
            self.on_delivered(trip)
            self.trips_done += 1
            yield env.process(self.traffic.drive(self.truck_id, self.node, depot.node))
            self.node = depot.node
            self.log.add(env.now, "return", agent=self.truck_id)
            self.busy_min += env.now - started
            self.trip_started = None

    def busy_until(self, now: float) -> float:
        """Minutes spent on trips up to ``now``, counting a trip under way."""
        return self.busy_min + (now - self.trip_started if self.trip_started is not None else 0.0)
