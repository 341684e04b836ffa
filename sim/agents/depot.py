"""A reserve depot: stock, loading bays and a truck fleet.

A depot holds three kinds of reserve [BJ14]: **physical** stock on hand at
t = 0, **agreement** stock held by suppliers that arrives after a lead time,
and **production capacity** that adds stock at a rate after a start-up delay.
Its trucks load at its loading bays (a SimPy ``Resource``): a truck at a
free bay asks command for a tour; stock is reserved for the tour then (so two
tours never promise the same units) and leaves the depot when loading ends.
A truck with nothing to do waits, off the bays, for the depot's signal that
there may be work.

Without power and without ``backup_power``, loading takes ``slowdown`` times
longer (:mod:`sim.agents.power`). While "no outside support" holds a depot
back, its trucks take no tours.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from sim.agents.power import PowerSupply

__all__ = ["Depot"]


class Depot:
    """Stock, loading bays and fleet state of one depot (see module docstring)."""

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
        self.returned: dict[str, float] = {}       # brought back undelivered by its trucks
        self.trucked_in: dict[str, float] = {}     # unloaded from other depots' trucks (transshipment)
        self.first_district_in_min = math.inf      # a first batch of district or city stock moved in (reserves)
        self.first_batch = None                    # what a first batch holds (sim.agents.first_batch.FirstBatchRule)
        self.district_in_kg = 0.0                 # kg of the first batch's items moved in from district tiers
        self.bays = simpy.Resource(env, capacity=spec.loading_bays)
        self.power = PowerSupply(on_change=self._fleet_changed)    # loading slows: the fleet's pace changes
        self.blocked = False          # no outside support: the depot cannot send
        self._released = env.event()
        self._waiting: deque = deque()            # events of trucks waiting for work, first come first
        self.idle_trucks = 0          # trucks waiting for work
        self._available = None        # (items, available units) until the stock changes
        self.on_stock_change = None   # called with no arguments when available units change (set by command)
        self._back_min: dict[str, float] = {}     # truck id -> expected return from its tour
        self.on_stock_arrival = None  # callback set by command
        self.on_fleet_change = None   # called with no arguments when whether, when or how fast a truck could load changes

    @property
    def slowdown(self) -> float:
        return self.power.slowdown

    # --------------------------------------------------- fleet state
    def signal_work(self) -> None:
        """There may be work: wake the truck that has waited longest. A truck that
        finds work signals again, so the idle trucks come one after another for
        as long as there is work."""
        while self._waiting:
            event = self._waiting.popleft()
            if not event.triggered:
                event.succeed()
                return

    def has_truck_waiting(self) -> bool:
        """Whether a truck waits for work (a :meth:`signal_work` now would wake one)."""
        return any(not event.triggered for event in self._waiting)

    def wait_for_work(self):
        """An idle truck waits on this event (see :meth:`signal_work`); it calls
        :meth:`back_to_work` when woken."""
        self.idle_trucks += 1
        self._fleet_changed()
        event = self.env.event()
        self._waiting.append(event)
        return event

    def back_to_work(self) -> None:
        self.idle_trucks -= 1
        self._fleet_changed()

    def truck_out(self, truck_id: str, back_min: float) -> None:
        self._back_min[truck_id] = back_min
        self._fleet_changed()

    def truck_back(self, truck_id: str) -> None:
        self._back_min.pop(truck_id, None)
        self._fleet_changed()

    def _fleet_changed(self) -> None:
        if self.on_fleet_change is not None:
            self.on_fleet_change()

    def trucks_home(self) -> int:
        """Trucks at the depot (not out on a tour, the one asking included)."""
        return self.spec.trucks.count - len(self._back_min)

    def ready_in_min(self, now: float) -> float:
        """How long until one of the depot's trucks could start loading: 0 with a
        truck waiting for work, else until its first truck is expected back."""
        return max(self.ready_at_min() - now, 0.0)

    def ready_at_min(self) -> float:
        """When one of the depot's trucks could start loading (run minutes): ``-inf`` with
        one at the depot, else when its first truck out is expected back; ``inf``
        without trucks. Changes only when :attr:`on_fleet_change` is called."""
        if self.spec.trucks.count == 0:
            return math.inf
        if self.idle_trucks or len(self._back_min) < self.spec.trucks.count:
            return -math.inf
        return min(self._back_min.values())

    def next_truck_in_min(self, now: float) -> float:
        """How long until a truck other than the one at the bay could start loading: 0 with
        another at the depot, else until the first truck out is expected back (``inf``: none)."""
        if self.trucks_home() >= 2:
            return 0.0
        return self._first_back_in_min(now) if self._back_min else math.inf

    def _first_back_in_min(self, now: float) -> float:
        return max(min(self._back_min.values()) - now, 0.0)

    # --------------------------------------------------- no outside support
    def hold(self) -> None:
        """Hold the depot back: its trucks take no tours until :meth:`release`."""
        self.blocked = True
        self._fleet_changed()

    def release(self) -> None:
        self.blocked = False
        self._fleet_changed()
        event, self._released = self._released, self.env.event()
        event.succeed()
        self.signal_work()

    def until_released(self):
        """An event a truck waits on while the depot is held back."""
        return self._released

    # --------------------------------------------------- stock
    def available(self, item: str) -> float:
        return self.stock.get(item, 0.0) - self.reserved.get(item, 0.0)

    def _stock_changed(self) -> None:
        self._available = None
        if self.on_stock_change is not None:
            self.on_stock_change()

    def available_units(self, items) -> np.ndarray:
        """:meth:`available` of each of ``items`` (kept until the stock changes)."""
        if self._available is None or self._available[0] is not items:
            self._available = (items, np.array([self.available(i) for i in items]))
        return self._available[1]

    def reserve(self, items: dict[str, float]) -> None:
        self._stock_changed()
        for item, amount in items.items():
            if amount > self.available(item) + 1e-9:
                raise RuntimeError(f"depot {self.depot_id}: reserving {amount} {item} with "
                                   f"{self.available(item)} available")
            self.reserved[item] += amount

    def take(self, items: dict[str, float]) -> None:
        """Reserved units leave the depot onto a truck."""
        for item, amount in items.items():
            self.stock[item] -= amount
            self.reserved[item] -= amount

    def return_load(self, items: dict[str, float]) -> None:
        """A truck brings back items it could not deliver."""
        self._stock_changed()
        for item, amount in items.items():
            self.stock[item] = self.stock.get(item, 0.0) + amount
            self.returned[item] = self.returned.get(item, 0.0) + amount
            self.log.add(self.env.now, "returned", agent=self.depot_id, item=item, amount=amount)
        if self.on_stock_arrival is not None:
            self.on_stock_arrival(self)

    def add_stock(self, item: str, amount: float, source: str) -> None:
        self._stock_changed()
        self.stock[item] = self.stock.get(item, 0.0) + amount
        self.reserved.setdefault(item, 0.0)
        self.arrived[item] = self.arrived.get(item, 0.0) + amount
        self.log.add(self.env.now, "stock_arrival", agent=self.depot_id, item=item, amount=amount)
        if self.on_stock_arrival is not None:
            self.on_stock_arrival(self)

    # ------------------------------------------------------- transfers
    def send_transfer(self, items: dict[str, float]) -> dict[str, float]:
        """Stock leaves for another depot: as much of ``items`` as is not promised
        to tours; returns what left."""
        self._stock_changed()
        sent = {}
        for item, amount in items.items():
            n = min(float(amount), max(self.available(item), 0.0))
            if n > 0:
                self.stock[item] -= n
                self.sent_away[item] = self.sent_away.get(item, 0.0) + n
                sent[item] = n
        return sent

    def receive_transfer(self, items: dict[str, float], source: str, source_tier: str = "",
                         by_truck: bool = False) -> None:
        """Stock moved from depot ``source`` (of tier ``source_tier``) arrives — unloaded from one
        of its trucks (``by_truck``: the units were on the truck, not on their way as a transfer)."""
        self._stock_changed()
        if source_tier in ("district", "city") and self.first_district_in_min == math.inf:
            # The district's first batch for the reserve's township: a token transfer is not it.
            self.district_in_kg += self.first_batch.kg(items) if self.first_batch is not None else 0.0
            if self.first_batch is None or self.first_batch.complete_transfer(self.district_in_kg):
                self.first_district_in_min = self.env.now
        for item, amount in items.items():
            self.stock[item] = self.stock.get(item, 0.0) + amount
            self.reserved.setdefault(item, 0.0)
            if by_truck:
                self.trucked_in[item] = self.trucked_in.get(item, 0.0) + amount
            else:
                self.moved_in[item] = self.moved_in.get(item, 0.0) + amount
            self.log.add(self.env.now, "transship_in" if by_truck else "transfer_in", agent=self.depot_id,
                         zone=source, item=item, amount=amount)
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
