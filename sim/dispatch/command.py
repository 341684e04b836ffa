"""The command centre: learns of needs from reports, orders deliveries.

Command knows of a zone's needs only when the zone's report arrives: at the
zone's hit time plus a reporting delay drawn per zone from the scenario's
triangular ``command.report_delay`` (longer when communications are down).
It then plans with the scenario's policy (:mod:`sim.dispatch.policies`) over every
zone whose need is still open, reserving depot stock for each order, and
splits each order into truckloads that reach the depot's queue after the
``order_delay``. It re-plans when new reports arrive, when stock arrives at a
depot (agreement or production reserves), and every ``replan_every`` while
needs remain open. Volunteer crews are sent to help distribute at the zones
with the most affected people. With a warning and ``prepositioning``, the
zones the forecast puts in danger count as reported when the warning is
issued (a perfect forecast: forecast errors are not modelled).
"""
from __future__ import annotations

import math

import numpy as np
import simpy

from sim.agents.depot import Trip
from sim.agents.team import Task
from sim.dispatch.policies import plan_orders, priority_key
from sim.dispatch.truckloads import split_into_truckloads
from sim.dispatch.work import crow_flight_min

__all__ = ["Command"]

HELP_SHIFT_MIN = 360.0
MIN_PLAN_INTERVAL_MIN = 1.0
HELPER_KINDS = ("volunteer", "distribution")


class Command:
    """See module docstring."""

    def __init__(self, env: simpy.Environment, scenario, zones, depots, teams, router, log, rng_reporting, work):
        self.env = env
        self.scenario = scenario
        self.policy = scenario.policy.dispatch
        self.zones = zones
        self.depots = depots
        self.teams = teams
        self.router = router
        self.log = log
        self.unit_kg = scenario.item_weights_kg.model_dump()
        self.reported: list = []
        self.waiting_zones = 0        # reported zones with need no order covers yet
        self._covered: set[str] = set()   # zones whose whole need is delivered or on its way
        self.assigned: dict[str, dict[str, float]] = {}
        self.zone_trips: dict[str, int] = {}
        self.trip_seq = 0
        self.work = work              # hands tasks to teams (sim.dispatch.work.WorkAssigner)
        self.helped: set[str] = set()
        self.comms = None             # communications outages (sim.world.comms.Comms)
        self.on_cut_off = None        # called with zones no depot can reach (route clearing)
        self._plan_pending = False
        self._last_plan_min = -math.inf
        rd = scenario.command.report_delay
        n = len(zones)
        if rd.high > rd.low:
            self.report_delay_min = rng_reporting.triangular(rd.low, rd.mode, rd.high, size=n)
        else:
            self.report_delay_min = np.full(n, rd.low)
        for d in depots:
            d.on_stock_arrival = lambda depot: self.request_plan()

    # ------------------------------------------------------------ reports
    def start(self) -> None:
        for zone in self.zones:
            if zone.is_affected:
                self.env.process(self._report(zone))
        self.env.process(self._periodic())

    def preposition(self, zones, warning_min: float) -> None:
        """On a warning, treat the zones the forecast puts in danger as reported:
        their first batches leave before the hazard reaches them."""
        self.env.process(self._warned(zones, warning_min))

    def _warned(self, zones, warning_min: float):
        yield self.env.timeout(max(warning_min - self.env.now, 0.0))
        for zone in zones:
            if zone.mark_reported(self.env.now):
                self.log.add(self.env.now, "forecast", zone=zone.zone_id, amount=zone.affected)
                self.reported.append(zone)
        self.request_plan()

    def _report(self, zone):
        yield self.env.timeout(zone.hit_time_min)
        now, delay = self.env.now, self.report_delay_min[zone.index]
        arrival = self.comms.report_arrival(zone, now, delay) if self.comms is not None else now + delay
        yield self.env.timeout(arrival - now)
        self.log.add(self.env.now, "report", zone=zone.zone_id, amount=zone.affected)
        if zone.mark_reported(self.env.now):      # not already known from a forecast
            self.reported.append(zone)
            self.request_plan()

    def request_plan(self) -> None:
        """Plan after every event of this instant has been processed, and at
        most once per ``MIN_PLAN_INTERVAL_MIN`` (reports arriving within a
        minute are planned together, as a dispatcher would)."""
        if not self._plan_pending:
            self._plan_pending = True
            self.env.process(self._plan_soon())

    def _plan_soon(self):
        wait = max(0.0, self._last_plan_min + MIN_PLAN_INTERVAL_MIN - self.env.now)
        yield self.env.timeout(wait)
        self._plan_pending = False
        self.plan()

    def _periodic(self):
        while True:
            yield self.env.timeout(self.scenario.policy.replan_every)
            if self.waiting_zones:
                self.plan()

    # ----------------------------------------------------------- planning
    def _times(self, sources: list[int], targets: list[int]) -> np.ndarray:
        """Travel times now, ``[source, target]``, from the router's cached trees."""
        cols = np.array(targets, dtype=np.int64)
        return np.stack([self.router.times_from(s)[cols] for s in sources]) if sources \
            else np.empty((0, len(cols)))

    def plan(self) -> None:
        self._last_plan_min = self.env.now
        needs, open_zones = [], []
        for z in self.reported:
            if z.zone_id in self._covered:
                continue
            need = z.open_need(self.assigned.get(z.zone_id, {}))
            if need:
                needs.append(need)
                open_zones.append(z)
            else:                       # received or on its way: stays so (needs only grow before the run)
                self._covered.add(z.zone_id)
        if open_zones:
            times = self._times([d.node for d in self.depots], [z.node for z in open_zones])
            if self.on_cut_off is not None:
                cut = [z for z, col in zip(open_zones, times.T) if not np.isfinite(col).any()]
                if cut:
                    self.on_cut_off(cut)
            left = {z.zone_id: dict(n) for z, n in zip(open_zones, needs)}
            for order in plan_orders(self.policy, open_zones, needs, self.depots, times, self.unit_kg,
                                     2 * self.scenario.policy.replan_every):
                self._order(order)
                rest = left[order.zone.zone_id]
                for item, amount in order.items.items():
                    rest[item] -= amount
        else:
            left = {}
        self.waiting_zones = sum(1 for rest in left.values() if any(a > 1e-9 for a in rest.values()))
        self._send_helpers()

    def _order(self, order) -> None:
        depot, zone = order.depot, order.zone
        depot.reserve(order.items)
        got = self.assigned.setdefault(zone.zone_id, {})
        for item, amount in order.items.items():
            got[item] = got.get(item, 0.0) + amount
        delay = self.scenario.command.order_delay
        if self.comms is not None:
            delay = self.comms.order_delay(self.depots.index(depot), self.env.now, delay)
        for load in split_into_truckloads(order.items, self.unit_kg, depot.spec.trucks.payload_kg):
            self.trip_seq += 1
            no = self.zone_trips.get(zone.zone_id, 0) + 1
            self.zone_trips[zone.zone_id] = no
            weight = sum(n * self.unit_kg[i] for i, n in load.items())
            trip = Trip(self.trip_seq, zone, load, weight, no, depot.depot_id)
            depot.trip_ordered()
            self.log.add(self.env.now, "order", agent=depot.depot_id, zone=zone.zone_id, amount=weight)
            if self.policy == "nearest":
                priority = (self.trip_seq,)
            else:
                priority = (no,) + priority_key(zone)[1:] + (self.trip_seq,)
            self.env.process(self._queue_trip(depot, simpy.PriorityItem(priority, trip), delay))

    def _queue_trip(self, depot, item, delay: float):
        if delay > 0:
            yield self.env.timeout(delay)
        if depot.blocked:                     # held back while the order was on its way
            depot.cancel_trip(item.item)
            self.trips_returned([item.item])
            return
        yield depot.trips.put(item)

    def on_delivered(self, trip) -> None:
        got = self.assigned[trip.zone.zone_id]
        for item, amount in trip.items.items():
            got[item] -= amount

    def trips_returned(self, trips) -> None:
        """Trips that will not leave (their depot is held back): their need is
        open again and is planned afresh."""
        for trip in trips:
            got = self.assigned[trip.zone.zone_id]
            for item, amount in trip.items.items():
                got[item] -= amount
            self._covered.discard(trip.zone.zone_id)
            self.log.add(self.env.now, "cancel", agent=trip.depot_id, zone=trip.zone.zone_id, amount=trip.weight_kg)
        if trips:
            self.request_plan()

    # ------------------------------------------------------------ helpers
    def _send_helpers(self) -> None:
        helpers = [t for t in self.teams if t.kind in HELPER_KINDS]
        if not helpers:
            return
        waiting = sorted((z for z in self.reported if z.zone_id not in self.helped and z.relief_min == math.inf),
                         key=lambda z: (-z.affected, z.index))
        if not waiting:
            return
        times = crow_flight_min(self.router.graph, [t.base_node for t in helpers], [z.node for z in waiting])
        for j, zone in enumerate(waiting):
            free = [i for i, t in enumerate(helpers) if t.waiting < t.spec.count and math.isfinite(times[i, j])]
            if not free:
                break
            team = helpers[min(free, key=lambda i: times[i, j])]
            self.helped.add(zone.zone_id)
            self.work.send(team, _help_task(self.work.next_seq(), zone))


def _help_task(seq: int, zone):
    return Task(priority=-zone.affected, seq=seq, node=zone.node, work_min=HELP_SHIFT_MIN,
                label="distribution_help", kind="distribution_help", zone=zone.zone_id,
                on_start=zone.helper_arrived, on_done=zone.helper_left)
