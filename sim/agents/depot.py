"""A reserve depot: stock, loading bays, a truck fleet and its trip queue.

A depot holds three kinds of reserve [BJ14]: **physical** stock on hand at
t = 0, **agreement** stock held by suppliers that arrives after a lead time,
and **production capacity** that adds stock at a rate after a start-up delay.
Command reserves stock for a trip when it orders it (so two orders never
promise the same units); the units stay on the depot's books until a truck
loads them at one of the depot's loading bays (a SimPy ``Resource``).

Without power and without ``backup_power``, loading takes ``slowdown`` times
longer (:mod:`sim.agents.power`). While "no outside support" holds a depot
back, its trucks take no trips and the trips queued at it are handed back to
command to be planned elsewhere.
"""
from __future__ import annotations

import simpy

from sim.agents.power import PowerSupply

__all__ = ["Depot", "Trip"]


class Trip:
    """One truckload ordered by command: items for one zone from one depot."""

    __slots__ = ("trip_id", "depot_id", "zone", "items", "weight_kg", "zone_trip_no")

    def __init__(self, trip_id: int, zone, items: dict[str, float], weight_kg: float, zone_trip_no: int,
                 depot_id: str = ""):
        self.trip_id = trip_id
        self.depot_id = depot_id
        self.zone = zone
        self.items = items
        self.weight_kg = weight_kg
        self.zone_trip_no = zone_trip_no


class Depot:
    """Stock and loading of one depot (see module docstring)."""

    def __init__(self, env: simpy.Environment, spec, node: int, log):
        self.env = env
        self.spec = spec
        self.depot_id: str = spec.id
        self.tier: str = spec.tier
        self.node = node
        self.log = log
        self.initial: dict[str, float] = spec.stock.as_dict()
        self.stock: dict[str, float] = dict(self.initial)
        self.reserved: dict[str, float] = {item: 0.0 for item in self.stock}
        self.arrived: dict[str, float] = {item: 0.0 for item in self.stock}
        self.sent_away: dict[str, float] = {}      # moved to other depots (transfers)
        self.moved_in: dict[str, float] = {}       # received from other depots
        self.bays = simpy.Resource(env, capacity=spec.loading_bays)
        self.trips = simpy.PriorityStore(env)
        self.power = PowerSupply()
        self.backlog = 0              # truckloads ordered and not yet taken by a truck
        self.blocked = False          # no outside support: the depot cannot send
        self._released = env.event()
        self.on_stock_arrival = None  # callback set by command

    @property
    def slowdown(self) -> float:
        return self.power.slowdown

    # --------------------------------------------------- no outside support
    def hold(self) -> list:
        """Hold the depot back: trucks take no trips; returns the queued trips,
        taken off the queue with their stock unreserved."""
        self.blocked = True
        queued = [item.item for item in self.trips.items]
        self.trips.items.clear()
        for trip in queued:
            self.cancel_trip(trip)
        return queued

    def cancel_trip(self, trip) -> None:
        """A trip ordered here will not leave: its stock goes back on offer."""
        self.unreserve(trip.items)
        self.backlog -= 1

    def trip_ordered(self) -> None:
        self.backlog += 1

    def trip_taken(self) -> None:
        self.backlog -= 1

    def release(self) -> None:
        self.blocked = False
        event, self._released = self._released, self.env.event()
        event.succeed()

    def until_released(self):
        """An event a truck waits on while the depot is held back."""
        return self._released

    def available(self, item: str) -> float:
        return self.stock.get(item, 0.0) - self.reserved.get(item, 0.0)

    def reserve(self, items: dict[str, float]) -> None:
        for item, amount in items.items():
            if amount > self.available(item) + 1e-9:
                raise RuntimeError(f"depot {self.depot_id}: reserving {amount} {item} with "
                                   f"{self.available(item)} available")
            self.reserved[item] += amount

    def unreserve(self, items: dict[str, float]) -> None:
        """Stock promised to a trip that will not leave goes back on offer."""
        for item, amount in items.items():
            self.reserved[item] -= amount

    def take(self, items: dict[str, float]) -> None:
        """Reserved units leave the depot onto a truck."""
        for item, amount in items.items():
            self.stock[item] -= amount
            self.reserved[item] -= amount

    def add_stock(self, item: str, amount: float, source: str) -> None:
        self.stock[item] = self.stock.get(item, 0.0) + amount
        self.reserved.setdefault(item, 0.0)
        self.arrived[item] = self.arrived.get(item, 0.0) + amount
        self.log.add(self.env.now, "stock_arrival", agent=self.depot_id, item=item, amount=amount)
        if self.on_stock_arrival is not None:
            self.on_stock_arrival(self)

    # ------------------------------------------------------- transfers
    def send_transfer(self, items: dict[str, float]) -> dict[str, float]:
        """Stock leaves for another depot: as much of ``items`` as is not promised
        to trips; returns what left."""
        sent = {}
        for item, amount in items.items():
            n = min(float(amount), max(self.available(item), 0.0))
            if n > 0:
                self.stock[item] -= n
                self.sent_away[item] = self.sent_away.get(item, 0.0) + n
                sent[item] = n
        return sent

    def receive_transfer(self, items: dict[str, float], source: str) -> None:
        """Stock moved from depot ``source`` arrives."""
        for item, amount in items.items():
            self.stock[item] = self.stock.get(item, 0.0) + amount
            self.reserved.setdefault(item, 0.0)
            self.moved_in[item] = self.moved_in.get(item, 0.0) + amount
            self.log.add(self.env.now, "transfer_in", agent=self.depot_id, zone=source, item=item, amount=amount)
        if self.on_stock_arrival is not None:
            self.on_stock_arrival(self)

    # ------------------------------------------------------- reserve modes
    def start_reserves(self, until_min: float) -> None:
        if self.spec.agreement is not None:
            self.env.process(self._agreement(self.spec.agreement))
        if self.spec.production is not None:
            self.env.process(self._production(self.spec.production, until_min))

    def _agreement(self, agreement):
        yield self.env.timeout(agreement.lead_time)
        for item, amount in agreement.stock.as_dict(nonzero=True).items():
            self.add_stock(item, amount, "agreement")

    def _production(self, production, until_min: float):
        """Hourly batches at ``rate_per_h`` from ``delay`` until ``until`` (or the run's end)."""
        yield self.env.timeout(production.delay)
        stop = min(production.until if production.until is not None else until_min, until_min)
        rates = production.rate_per_h.as_dict(nonzero=True)
        while self.env.now + 60.0 <= stop + 1e-9:
            yield self.env.timeout(60.0)
            for item, rate in rates.items():
                self.add_stock(item, rate, "production")

    def load_time_min(self) -> float:
        return self.spec.load_time * self.slowdown
