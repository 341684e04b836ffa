"""The command centre: learns of needs from reports and gives trucks their tours.

Command knows of a zone's needs only when the zone's report arrives: at the
zone's hit time plus a reporting delay drawn per zone from the scenario's
triangular ``command.report_delay`` (longer when communications are down).
A depot hears of the need ``order_delay`` later (longer for a depot cut off
by a communications outage). With a warning and ``prepositioning``, the
zones the forecast puts in danger count as reported when the warning is
issued.

Dispatch is **pulled by the trucks**: a truck standing at a free loading bay
asks for its next tour, and command builds it on the spot
(:mod:`sim.dispatch.tours`) from the zones its depot should serve now
(:mod:`sim.dispatch.eligibility`) in order of urgency
(:mod:`sim.dispatch.urgency`). Nothing is promised long before a truck can
carry it, so stock is never locked in a queue while another zone lacks it,
and loads are as full as the waiting need allows. Stock is reserved for a
tour when it is built and leaves the depot when loading ends. Idle trucks
wait for a signal: a depot hears of new need, stock arrives, the roads
change, a depot is released, or every ``replan_every`` while need is open.

Volunteer crews are sent to help distribute at the reported zones with the
most affected people.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import simpy

from sim.agents.team import Task
from sim.dispatch.idle_stock import IdleStockWatch
from sim.dispatch.planner import TourPlanner, can_send
from sim.dispatch.tours import TourRules
from sim.dispatch.work import crow_flight_min
from sim.network.geo import LocalProjection
from sim.scenarios.items import ITEMS

__all__ = ["Command", "can_send"]

HELP_SHIFT_MIN = 360.0
HELPER_KINDS = ("volunteer", "distribution")
#: Deadlines when the scenario names no target of that kind (the [TZ] targets).
DEFAULT_FIRST_SUPPLY_MIN, DEFAULT_RELIEF_MIN = 180.0, 480.0


class Command:
    """See the module docstring."""

    def __init__(self, env: simpy.Environment, scenario, zones, depots, teams, router, log, rng_reporting, work,
                 needs, serves=None):
        self.env = env
        self.scenario = scenario
        self.policy = scenario.policy.dispatch
        self.zones = zones
        self.depots = depots
        self.teams = teams
        self._helpers = [t for t in teams if t.kind in HELPER_KINDS]     # teams that help distribute
        self.router = router
        self.log = log
        self.work = work              # hands tasks to teams (sim.dispatch.work.WorkAssigner)
        self.needs = needs            # what every zone needs when (sim.world.needs.NeedsTable)
        self.lookahead_min = float(scenario.policy.lookahead)
        self.comms = None             # communications outages (sim.world.comms.Comms)
        self.on_cut_off = None        # called with known zones no depot can reach (route clearing)
        self.last_mile = None         # modes for zones no truck reaches (sim.world.last_mile.LastMileAccess)
        self.items = ITEMS
        weights = scenario.item_weights_kg.model_dump()
        self.unit_kg = np.array([weights[i] for i in ITEMS], dtype=float)
        tours = scenario.policy.tours
        self.rules = TourRules(max_stops=tours.max_stops, max_detour_min=tours.max_detour,
                               max_tour_min=tours.max_tour, min_drop_kg=tours.min_drop_kg,
                               first_batch_kg=tours.first_batch_kg, first_batch_share=tours.first_batch_share,
                               keep_for_first_batches=tours.keep_for_first_batches,
                               keep_stock_for_first_batches=tours.keep_stock_for_first_batches,
                               deadline_margin_min=tours.deadline_margin,
                               first_batch_min_kg=float(scenario.targets.first_batch.min_kg))
        targets = scenario.targets
        self.first_deadline_min = min(targets.district_supplies, default=DEFAULT_FIRST_SUPPLY_MIN)
        self.relief_deadline_min = min(targets.basic_relief, default=DEFAULT_RELIEF_MIN)
        n = len(zones)
        self.known_min = np.full(n, math.inf)
        self.visible_at = np.full((len(depots), n), math.inf)    # when each depot hears of each zone
        self.hit_min = np.array([z.hit_time_min for z in zones], dtype=float)
        self.vulnerable = np.array([z.vulnerable_affected for z in zones], dtype=float)
        self.zone_node = np.array([z.node for z in zones], dtype=np.int64)
        self.escalation_delay_min = float(scenario.command.escalation_delay)
        graph = router.graph
        self.projection = None
        if graph.has_coordinates and n:
            proj = self.projection = LocalProjection.around(graph.lon, graph.lat)
            zone_xy = np.column_stack(proj.to_xy_m(graph.lon[self.zone_node], graph.lat[self.zone_node])) / 1e3
            nodes = np.array([d.node for d in depots], dtype=np.int64)
            depot_xy = np.column_stack(proj.to_xy_m(graph.lon[nodes], graph.lat[nodes])) / 1e3
        else:
            zone_xy, depot_xy = np.zeros((n, 2)), np.zeros((len(depots), 2))
        self.planner = TourPlanner(self, np.ones((len(depots), n), dtype=bool) if serves is None else serves,
                                   zone_xy, depot_xy)
        self.depot_index = {id(d): k for k, d in enumerate(depots)}
        self._serving = [np.flatnonzero(column).tolist() for column in self.planner.serves.T]
        self.reported: list = []
        self.helped: set[str] = set()
        self.cut_off: set[int] = set()            # zone indices no depot can reach now
        self.tour_seq = 0
        self._travel_epoch = -1
        self._back = np.zeros((len(depots), n), dtype=bool)       # zones that can drive back to each depot
        self._back_at = np.full(len(depots), -1)                  # the router's open_roads_epoch of each row
        self._depot_nodes = np.array([d.node for d in depots], dtype=np.int64)
        self._travel_nodes = np.concatenate([self.zone_node, self._depot_nodes])  # what travel() reads
        self.order_delay_min = float(scenario.command.order_delay)
        self.idle_stock = IdleStockWatch()
        self._stock_times: list[float] = []
        self._stock_held: list[dict[str, float]] = []
        self._version = 0                          # bumped on every change that can give a truck work
        self._nothing_for: dict[int, int] = {}     # depot index -> version at which it had nothing
        rd = scenario.command.report_delay
        if rd.high > rd.low:
            self.report_delay_min = rng_reporting.triangular(rd.low, rd.mode, rd.high, size=n)
        else:
            self.report_delay_min = np.full(n, rd.low)
        for k, d in enumerate(depots):
            d.on_stock_arrival = self._stock_arrived
            d.on_stock_change = functools.partial(self.planner.stock_changed, k)
            d.on_fleet_change = functools.partial(self.planner.fleet_changed, k)

    # ------------------------------------------------------------ reports
    def start(self) -> None:
        self._refresh_need()
        self._log_stock()
        for zone in self.zones:
            if zone.is_affected:
                self.env.process(self._report(zone))
        self.env.process(self._periodic())

    def _log_stock(self) -> None:
        """Record the stock depots not held back hold now (what limited relief, afterwards: stock
        a depot holds without a truck to carry it is a want of trucks, not of stock)."""
        avail = self.planner.avail()
        held_units = np.zeros(len(ITEMS))
        for k, depot in enumerate(self.depots):
            if not depot.blocked:
                held_units += np.maximum(avail[k], 0.0)
        held = dict(zip(ITEMS, held_units.tolist()))
        self._stock_times.append(self.env.now)
        self._stock_held.append(held)

    def stock_at(self, t_min: float) -> dict[str, float]:
        """Stock held by depots not held back, at the last planning tick before ``t_min``."""
        k = int(np.searchsorted(self._stock_times, t_min, side="right")) - 1
        return self._stock_held[k] if k >= 0 else {}

    def _refresh_need(self) -> None:
        """What every zone needs by ``lookahead`` from now (rations fall due daily)."""
        self.planner.refresh_need(self.env.now)

    def preposition(self, zones, warning_min: float, expected=None, kind: str = "forecast") -> None:
        """On a warning, treat the zones the forecast puts in danger as reported:
        their first batches leave before the hazard reaches them. ``expected``
        maps zones the hazard will not reach (false alarms) to the need and hit
        time the forecast expects there. ``kind`` names the event logged per zone
        (``forecast``; ``intensity_report`` for an earthquake's rapid estimate)."""
        self.env.process(self._warned(zones, warning_min, expected or {}, kind))

    def withdraw_forecast(self, zone_indices) -> None:
        """The forecast's false alarms are known: nothing more goes to those zones."""
        p = self.planner
        for z in zone_indices:
            p.forecast_need[z] = np.minimum(p.forecast_need[z], p.delivered[z] + p.en_route[z])
        self._refresh_need()
        self.need_changed()

    def _warned(self, zones, warning_min: float, expected: dict, kind: str):
        yield self.env.timeout(max(warning_min - self.env.now, 0.0))
        for z, (need, hit_min) in expected.items():
            self.planner.forecast_need[z] = need
            self.hit_min[z] = hit_min
        if expected:
            self._refresh_need()
        for zone in zones:
            if zone.mark_reported(self.env.now):
                self.log.add(self.env.now, kind, zone=zone.zone_id, amount=zone.affected)
                self._known(zone)

    def _report(self, zone):
        yield self.env.timeout(zone.hit_time_min)
        now, delay = self.env.now, self.report_delay_min[zone.index]
        arrival = self.comms.report_arrival(zone, now, delay) if self.comms is not None else now + delay
        yield self.env.timeout(arrival - now)
        self.log.add(self.env.now, "report", zone=zone.zone_id, amount=zone.affected)
        if zone.mark_reported(self.env.now):      # not already known from a forecast
            self._known(zone)

    def _known(self, zone) -> None:
        """Command knows of ``zone``'s needs now; each depot hears of them after the order delay."""
        now = self.env.now
        self.reported.append(zone)
        self.known_min[zone.index] = now
        if self.comms is None:
            delays = [self.order_delay_min] * len(self.depots)
        else:
            delays = [self.comms.order_delay(k, now, self.order_delay_min) for k in range(len(self.depots))]
        self.visible_at[:, zone.index] = [now + delay for delay in delays]
        for k in self._serving[zone.index]:                   # the depots whose area holds the zone
            self.env.timeout(delays[k]).callbacks.append(functools.partial(self._tell, self.depots[k]))
        self.planner.lp_dirty = True
        if zone.index in self.cut_off and self.on_cut_off is not None:
            self.on_cut_off([zone])
        self._send_helpers()

    def _tell(self, depot, _event) -> None:
        """The order reaches ``depot``: its idle trucks look for work."""
        self._changed()
        depot.signal_work()

    def _changed(self) -> None:
        self._version += 1
        self.planner.lp_dirty = True

    def need_changed(self) -> None:
        """Something changed that may give idle trucks work: tell every depot that may
        have some now (district and city depots always: they also restock reserves and
        serve neighbours' requests and cut-off zones)."""
        self._changed()
        waiting = np.array([d.has_truck_waiting() for d in self.depots])
        if waiting.any():
            for k in np.flatnonzero(self.planner.may_have_work(self.env.now, waiting)).tolist():
                self.depots[k].signal_work()

    def add_aid_request(self, request) -> None:
        """A neighbour's request (:class:`sim.world.mutual_aid.AidRequest`): its depot's trucks
        may carry it from the time it arrives."""
        graph = self.router.graph
        request.xy_km = (np.array(self.projection.to_xy_m(graph.lon[[request.node]], graph.lat[[request.node]]))
                         .ravel() / 1e3 if self.projection is not None else np.zeros(2))
        self.planner.add_request(request)
        self.env.process(self._aid_requested(request))

    def _aid_requested(self, request):
        yield self.env.timeout(request.at_min)
        self.log.add(self.env.now, "aid_request", agent=self.depots[request.depot_index].depot_id,
                     zone=request.zone_id, amount=float(request.asked.sum()))
        self.need_changed()

    def _stock_arrived(self, depot) -> None:
        """Stock came into ``depot``: work for its own trucks only."""
        self._changed()
        depot.signal_work()

    def roads_changed(self, cut_off_zones=()) -> None:
        """The roads changed; ``cut_off_zones`` (indices) are those no depot can reach now."""
        newly = {int(k) for k in cut_off_zones} - self.cut_off
        self.cut_off = {int(k) for k in cut_off_zones}
        if newly and self.on_cut_off is not None:
            known = [self.zones[k] for k in sorted(newly) if self.known_min[k] < math.inf]
            if known:
                self.on_cut_off(known)
        self.need_changed()

    def _periodic(self):
        interval = float(self.scenario.policy.replan_every)
        while True:
            yield self.env.timeout(interval)
            self._refresh_need()
            self._log_stock()
            if self.reported and np.any(self.planner.open_need()[self.known_min < math.inf] > 1e-9):
                self.planner.escalate(self.env.now, force=True)
                self.need_changed()
                self._watch_idle_stock(interval)      # the trucks just woken have not moved yet
            else:
                self.idle_stock.nothing_open()

    def _watch_idle_stock(self, interval: float) -> None:
        """Record any depot that has stayed idle beside need it should serve for a
        planning interval: idle trucks, a free bay, stock of an item that a zone the
        dispatch rules give it now (:meth:`TourPlanner.zones_for`) still lacks, with
        nothing on the way. A reserve's truck and stock held back for the first batches of
        communities that have not reported (:meth:`TourPlanner.held_for_first_batches`)
        are not idle."""
        now = self.env.now
        planner = self.planner
        open_need, avail = planner.open_need(), planner.avail()
        for k, depot in enumerate(self.depots):
            lacking = None
            if depot.idle_trucks and can_send(depot) and depot.bays.count < depot.bays.capacity:
                lacking = planner.unsent_need(depot, k, now, open_need, avail)
            self.idle_stock.observe(depot.depot_id, now, interval, lacking, ITEMS, planner.tours_sent[k])

    def travel(self, depots=None) -> np.ndarray:
        """Minutes from every depot to every zone now (``[depot, zone]``); ``inf`` where
        the truck could not also drive back. Rows are worked out for the depots asked
        for (a boolean mask or indices; all by default) and kept until the roads
        change; rows not asked for yet read ``inf``."""
        self._new_epoch()
        asked = ~self._travel_done if depots is None else np.asarray(depots)
        missing = np.flatnonzero(asked & ~self._travel_done) if asked.dtype == bool else asked[~self._travel_done[asked]]
        n_zones = len(self.zones)
        for k in missing.tolist():
            node = self.depots[k].node
            # Only the zones' and depots' times: the router sweeps just the crossroads they need.
            out = self.router.times_from(node, at=self._travel_nodes)
            if self._back_at[k] != self.router.open_roads_epoch:     # no road opened or closed since: kept
                back = self._back[k]
                if self._back_at[k] < self.router.closed_roads_epoch:
                    back[:] = np.isfinite(self.router.times_to(node, at=self.zone_node))
                elif not back.all():
                    # Roads only opened since: a zone that could drive back still can; the others are asked.
                    ask = np.flatnonzero(~back)
                    back[ask] = np.isfinite(self.router.times_to(node, at=self.zone_node[ask]))
                self._back_at[k] = self.router.open_roads_epoch
            self._travel[k] = np.where(self._back[k], out[:n_zones], math.inf)
            self._depot_travel[k] = out[n_zones:]
            self._travel_done[k] = True
        return self._travel

    def depot_travel(self, depots) -> np.ndarray:
        """Minutes from every depot to every depot now (``[depot, depot]``), the rows of
        ``depots`` (as :meth:`travel` takes them) worked out; other rows may read ``inf``."""
        self.travel(depots)
        return self._depot_travel

    def _new_epoch(self) -> None:
        if self._travel_epoch == self.router.epoch:
            return
        n = len(self.depots)
        self._travel = np.full((n, len(self.zones)), math.inf)
        self._depot_travel = np.full((n, n), math.inf)
        self._travel_done = np.zeros(n, dtype=bool)
        self._travel_epoch = self.router.epoch

    def next_tour(self, depot):
        """Build and commit the next tour of a truck ready at ``depot``'s bay, or ``None``."""
        if not can_send(depot):
            return None
        now = self.env.now
        d = self.depot_index[id(depot)]
        if self._nothing_for.get(d) == self._version:
            return None
        tour = self.planner.next_tour(depot, d, now)
        if tour is None:
            self._nothing_for[d] = self._version
        else:
            self._changed()
        return tour

    def leg_min(self, a, b) -> float:
        """Minutes a truck drives from stop ``a`` to stop ``b`` now (``inf``: no way): the time
        of the route it would drive, summed road by road, whatever the router has cached."""
        if a.node == b.node:
            return 0.0
        route = self.router.route(a.node, b.node)
        return math.inf if route is None else route.time_min

    def drop_abandoned(self, drop) -> None:
        """A truck could not reach a drop's destination: its need is open again."""
        self.planner.on_abandoned(drop)
        self.log.add(self.env.now, "abandon", zone=drop.zone.zone_id, item=drop.purpose, amount=drop.weight_kg)
        self.need_changed()

    def on_delivered(self, drop, depot) -> None:
        """A drop was unloaded at its zone (or into a township reserve's stock)."""
        self.planner.on_delivered(drop, depot)      # less need and less on its way: no new work

    # ------------------------------------------------------------ helpers
    def _send_helpers(self) -> None:
        helpers = self._helpers
        if not any(t.waiting < t.spec.count for t in helpers):
            return                                   # no helper team can take more work now
        # Zones with affected people only: a warning's false alarm (dry, nobody affected) has
        # nobody to distribute to, and its relief never comes.
        waiting = sorted((z for z in self.reported if z.zone_id not in self.helped and z.relief_min == math.inf
                          and z.is_affected), key=lambda z: (-z.affected, z.index))
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
