"""A relief truck: load a tour at its depot, drive it stop by stop, return.

Each truck is a SimPy process. It waits for a free loading bay at its depot,
asks command for a tour (:mod:`sim.dispatch.tours`) and, if there is one,
loads it (the depot's load time, slower without power) and leaves the bay;
if there is none it leaves the bay to other trucks and waits for the depot's
signal that there may be work. A tour has one or more drops: the truck
drives the current fastest route to each zone's distribution point in turn
(re-routing when its route changes, see :mod:`sim.agents.driving`), unloads
there (the depot's unload time for the first drop; half of it for each
further, smaller drop; faster with a volunteer crew helping at the zone),
hands the items to the zone — or, on a transshipment drop, into a township
reserve's stock, or to a neighbouring region at its hand-over point — and
finally drives back. A stop that roads
closed since the tour was planned can no longer reach is skipped: its need
goes back to command and its items back into the depot's stock.
"""
from __future__ import annotations

__all__ = ["Truck", "HELPER_UNLOAD_FACTOR", "EXTRA_DROP_UNLOAD_FACTOR"]

#: Unloading with a volunteer crew at the zone takes this share of the time.
HELPER_UNLOAD_FACTOR = 0.5
#: A further drop of a multi-drop tour takes this share of the unload time
#: (assumption: part of a load, handed over at a community point).
EXTRA_DROP_UNLOAD_FACTOR = 0.5


class Truck:
    """One truck of a depot's fleet."""

    def __init__(self, truck_id: str, depot, payload_kg: float, traffic, command):
        self.truck_id = truck_id
        self.depot = depot
        self.payload_kg = payload_kg
        self.traffic = traffic
        self.env = traffic.env
        self.log = traffic.log
        self.command = command
        self.node = depot.node
        self.load: dict[str, float] = {}
        self.busy_min = 0.0
        self.trips_done = 0
        self.tours_done = 0
        self.tour_started: float | None = None
        self.process = self.env.process(self.run())

    def run(self):
        env, depot = self.env, self.depot
        while True:
            while depot.blocked:                  # no outside support: the fleet stays in
                yield depot.until_released()
            bay = depot.bays.request()
            yield bay
            tour = self.command.next_tour(depot)
            if tour is None:
                depot.bays.release(bay)
                yield depot.wait_for_work()
                depot.back_to_work()
                continue
            depot.signal_work()                   # the next idle truck may find work too
            self.tour_started = started = env.now
            depot.truck_out(self.truck_id, started + depot.load_time_min() + tour.planned_min
                            + depot.spec.unload_time * len(tour.drops))
            self.log.add(env.now, "load", agent=self.truck_id, zone=tour.drops[0].zone.zone_id,
                         amount=tour.weight_kg)
            yield env.timeout(depot.load_time_min())
            depot.take(tour.items)
            self.load = tour.items
            depot.bays.release(bay)
            for k, drop in enumerate(tour.drops):
                zone = drop.zone
                if k and not self.traffic.can_reach(self.node, zone.node):
                    self.command.drop_abandoned(drop)      # cut off since the tour was planned
                    continue
                self.log.add(env.now, "depart", agent=self.truck_id, zone=zone.zone_id)
                yield from self.traffic.drive(self.truck_id, self.node, zone.node)
                self.node = zone.node
                self.log.add(env.now, "arrive", agent=self.truck_id, zone=zone.zone_id)
                unload = depot.spec.unload_time * (EXTRA_DROP_UNLOAD_FACTOR if k else 1.0)
                yield env.timeout(unload * (HELPER_UNLOAD_FACTOR if zone.helpers > 0 else 1.0))
                for item, n in drop.items.items():
                    self.load[item] -= n
                # A zone, a township reserve (into its stock) or a neighbour's hand-over point.
                zone.receive(env.now, drop.items, depot.depot_id, depot.tier)
                self.command.on_delivered(drop, depot)
                self.trips_done += 1
            yield from self.traffic.drive(self.truck_id, self.node, depot.node)
            self.node = depot.node
            left = {i: n for i, n in self.load.items() if n > 0}
            if left:
                depot.return_load(left)                    # drops that could not be reached
            self.load = {}
            self.log.add(env.now, "return", agent=self.truck_id)
            depot.truck_back(self.truck_id)
            self.tours_done += 1
            self.busy_min += env.now - started
            self.tour_started = None

    def busy_until(self, now: float) -> float:
        """Minutes spent on tours up to ``now``, counting a tour under way."""
        return self.busy_min + (now - self.tour_started if self.tour_started is not None else 0.0)
