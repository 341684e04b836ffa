"""The tour of a truck ready at a bay: whose need, from which tier, by which rule.

:class:`TourPlanner` keeps what every zone needs, has been delivered and has
on its way (arrays over zones and items), and builds a tour on the spot for a
truck that asks (:meth:`TourPlanner.next_tour`):

1. **Tiers** (:mod:`sim.world.service_areas`): a township (street) or
   community reserve serves the zones of its own area (when a reserve falls
   short: :mod:`sim.dispatch.escalation`). A district or city
   depot serves a zone with a reserve of its own once that reserve cannot
   cover it (short of stock or vehicles, or cut off from the zone by the
   roads) — the request reaches the district ``command.escalation_delay``
   after the reserve falls short — and at once where the zone has none. A
   township reserve is also a destination for district trucks
   (**transshipment**): the district's first batch for the township, then
   the township's shortfall, dropped into the reserve's stock, which its own
   small vehicles carry the last mile. Such stops, cut-off zones reached by a
   last-mile mode and neighbours' requests: :mod:`sim.dispatch.extra_stops`.
2. **Which depot** among those allowed: the scenario's ``policy.dispatch``
   (:mod:`sim.dispatch.eligibility`).
3. **Which zones first**: urgency by tier and least slack (:mod:`sim.dispatch.urgency`).
4. **The tour**: loads and stops (:mod:`sim.dispatch.tours`).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from sim.dispatch.eligibility import (can_send, could_serve, earliest_arrival_eligible, nearest_depot_all,
                                      service_area_lists, transport_plan)
from sim.dispatch.first_batch_hold import FirstBatchHold
from sim.dispatch.escalation import Escalation
from sim.dispatch.extra_stops import ExtraStops
from sim.dispatch.tours import Candidates, build_tour
from sim.dispatch.transshipment import HubStop
from sim.dispatch.urgency import ranked_candidates, tiers_and_deadlines
from sim.agents.first_batch import FirstBatchRule
from sim.agents.zone import DISTRICT_TIERS
from sim.scenarios.items import ITEMS
from sim.scenarios.resources import LOCAL_TIERS

__all__ = ["TourPlanner", "can_send"]

class TourPlanner(Escalation, ExtraStops, FirstBatchHold):
    """Demand, supply and the tour rules of a run (see the module docstring)."""

    def __init__(self, command, serves: np.ndarray, zone_xy: np.ndarray, depot_xy: np.ndarray):
        self.c = command
        depots = command.depots
        self.serves = serves                                           # [depot, zone]
        self.areas = service_area_lists(serves)                        # the same, as lists of zones
        self.local = np.array([d.tier in LOCAL_TIERS for d in depots])
        self.has_local = serves[self.local].any(axis=0)                # zones with a reserve of their own
        self.has_reserves = bool(self.local.any())
        self.hubs = [k for k, d in enumerate(depots) if d.tier == "street" and d.spec.trucks.count > 0]
        self.hub_stops = {k: HubStop(depots[k], k) for k in self.hubs}
        self.hub_area = serves[self.hubs]                              # [hub, zone]
        self.hubs_of_zone = service_area_lists(self.hub_area.T)        # each zone's township reserves
        self._hub_index = np.array(self.hubs, dtype=np.int64)
        self.hub_district_delivered = np.zeros(len(self.hubs), dtype=bool)   # a district truck reached its area
        self._cut_of, self._cut = None, None                                 # Command.cut_off, as sorted indices
        self._hub_in = np.zeros(len(self.hubs), dtype=bool)                  # district stock moved into its reserve
        self._hub_in_version = -1                                            # the stock version _hub_in was read at
        self.zone_xy, self.depot_xy = np.ascontiguousarray(zone_xy, dtype=float), depot_xy
        self.depot_zone_km = np.hypot(*(depot_xy[:, None, :] - zone_xy[None, :, :]).transpose(2, 0, 1))
        n, k = len(command.zones), len(ITEMS)
        self.need = np.zeros((n, k))
        self.first_day_need = np.zeros((n, k))
        self.delivered = np.zeros((n, k))
        self.en_route = np.zeros((n, k))
        self.hub_incoming = np.zeros((len(depots), k))
        self.forecast_need = np.zeros((n, k))    # flagged by a warning, not flooding: the forecast's need
        self.hub_first_en_route = np.zeros(len(depots), dtype=np.int64)
        self._hub_first_drops: set[int] = set()
        self.tours_sent = np.zeros(len(depots), dtype=np.int64)
        self._need_version = 0                     # bumped whenever the open need changes (whole units: exact)
        self._open_version, self._open = -1, None  # open_need() as of that version
        self.requests: list = []                   # neighbours' requests (sim.world.mutual_aid.AidRequest)
        self.request_en_route: list[np.ndarray] = []
        self._escalated_version = -1
        self._eligible_key = None
        self._eligible = None
        self._could_key, self._could_of = None, None     # _could()'s key and answer
        self._stock_version = 0                    # bumped whenever a depot's available units change
        self._avail_version = -1                   # the stock version self._avail was stacked at
        self._avail = None
        self._stock_stale = np.zeros(len(depots), dtype=bool)    # depots whose available units changed since
        self._min_per_km_at: dict[tuple[int, int], float] = {}   # (depot, router epoch) -> minutes per km
        self.first_en_route = np.zeros(n, dtype=np.int64)   # drops on their way that complete a first batch
        self._first_drops: set[int] = set()                 # those drops (ids)
        self._batch = FirstBatchRule.of(command.scenario)
        self._batch_columns, self._batch_unit_kg = self._batch.columns(ITEMS)
        self._first_done = np.zeros(n, dtype=bool)          # zones that have had first supplies
        for zone in command.zones:
            zone.on_first_supply = functools.partial(self._first_done.__setitem__, zone.index, True)
        self._zone_objects = np.empty(n, dtype=object)      # the zone agents, for indexing by rows
        self._zone_objects[:] = command.zones
        self.district_delivered = np.zeros(n, dtype=bool)   # zones district or city trucks brought a first batch
        self._district_batch_kg = np.zeros(n)                # kg of the batch's items they brought each zone
        self.escalated_at = np.where(self.has_local, math.inf, 0.0)
        self._lp_flow = None
        self.lp_dirty = True
        self._slack_min = float(command.scenario.policy.replan_every)
        self._sends = np.zeros(len(depots), dtype=bool)            # _fleet_now's kept answers per depot
        self._ready_at = np.full(len(depots), math.inf)
        self._fleet_stale = np.ones(len(depots), dtype=bool)       # not asked since its fleet changed
        self._load_time_min = np.array([x.spec.load_time for x in depots], dtype=float)
        self._load_min = self._load_time_min.copy()                # loading time, slower without power
        self._fleet_views = tuple(_read_only(a) for a in (self._sends, self._load_min))   # _fleet_now hands out
        self._heaviest_first = np.argsort(-command.unit_kg, kind="stable")   # items by unit weight (build_tour)

    # ------------------------------------------------------------------ demand
    def refresh_need(self, now: float) -> None:
        needs = self.c.needs
        horizon = now + self.c.lookahead_min
        # A false alarm's expected need falls due as a flooding zone's does: at the hit the
        # forecast expects there, once that is within the look-ahead (not at the warning).
        forecast = np.where((self.c.hit_min <= horizon)[:, None], self.forecast_need, 0.0)
        # Trucks carry whole units: a fraction of a unit due is a whole unit to send.
        self.need = np.ceil(needs.need_by(horizon) + forecast - 1e-9)
        self.first_day_need = np.ceil(needs.first_day_need() + self.forecast_need - 1e-9)
        self._need_version += 1

    def open_need(self) -> np.ndarray:
        """``[zone, item]``: units due by the lookahead and neither delivered nor on their way
        (not to be written to; a new array after need falls due, a tour is loaded or a drop
        abandoned — a delivery moves whole units from on their way to delivered and leaves
        it exactly as it was)."""
        if self._open_version != self._need_version:
            self._open = np.maximum(self.need - self.delivered - self.en_route, 0.0)
            self._open_version = self._need_version
        return self._open

    def avail(self) -> np.ndarray:
        """``[depot, item]``: units each depot holds and has not promised (not to be written
        to; a new array after a depot's available units change — it calls :meth:`stock_changed` —
        with the rows of the depots that changed read again)."""
        if self._avail_version != self._stock_version:
            depots = self.c.depots
            if self._avail is None:
                avail = np.stack([d.available_units(ITEMS) for d in depots])
            else:
                avail = self._avail.copy()
                for k in np.flatnonzero(self._stock_stale).tolist():
                    avail[k] = depots[k].available_units(ITEMS)
            self._stock_stale[:] = False
            self._avail, self._avail_version = avail, self._stock_version
        return self._avail

    def stock_changed(self, d: int) -> None:
        """Depot ``d``'s available units changed (:attr:`sim.agents.depot.Depot.on_stock_change`)."""
        self._stock_version += 1
        self._stock_stale[d] = True

    # ------------------------------------------------------------------ tours
    def next_tour(self, depot, d: int, now: float):
        c = self.c
        open_need = self.open_need()
        avail = self.avail()
        self.escalate(now, open_need, avail)
        rows = self.zones_for(d, now, open_need, avail)
        extra = self._extra_stops(d, open_need, avail, now)
        if not len(rows) and not extra:
            return None
        travel_row = c.travel([d])[d]
        leave_min = now + depot.load_time_min()
        extra_arrays, extra_stops = self._extra_arrays(extra)
        keep_truck, kept = self.held_for_first_batches(depot, d, travel_row, now)
        order, need, xy, depot_min, tier, due, round_trip = ranked_candidates(
            rows, self._first_done, self.first_en_route, self.first_day_need, self.delivered, self.en_route,
            c.hit_min, float(c.first_deadline_min), float(c.relief_deadline_min), float(now + c.lookahead_min),
            travel_row, c.vulnerable, open_need, self.zone_xy, *extra_arrays, leave_min,
            keep_truck)
        if not len(order):
            return None
        stops = self._zone_objects[rows]
        if extra:
            stops = np.concatenate([stops, extra_stops])
        cand = Candidates(stops[order].tolist(), need, tier, xy, depot_min, due, leave_min, depot.spec.unload_time,
                          now + depot.next_truck_in_min(now) + depot.load_time_min(), round_trip)
        tour = build_tour(c.tour_seq + 1, depot.depot_id, self.depot_xy[d], cand, avail[d], c.unit_kg, ITEMS,
                          depot.spec.trucks.payload_kg, c.rules, self._min_per_km(d, travel_row),
                          leg_min=c.leg_min, heaviest_first=self._heaviest_first,
                          kept=kept)
        if tour is None:
            return None
        c.tour_seq += 1
        self.tours_sent[d] += 1
        self._commit(depot, tour, now)
        return tour

    def fleet_changed(self, d: int) -> None:
        """Whether, when or how fast depot ``d``'s trucks could load changed
        (:attr:`sim.agents.depot.Depot.on_fleet_change`)."""
        self._fleet_stale[d] = True

    def _fleet_now(self, now: float):
        """Per depot: whether it can send (:func:`can_send`), how long until one of its
        trucks could start loading (:meth:`~sim.agents.depot.Depot.ready_in_min`) and its
        loading time (the first and last read-only views of kept arrays). A depot is asked
        again only after it reported a change of its fleet."""
        if self._fleet_stale.any():
            depots = self.c.depots
            for k in np.flatnonzero(self._fleet_stale).tolist():
                self._sends[k] = can_send(depots[k])
                self._ready_at[k] = depots[k].ready_at_min()
                self._load_min[k] = self._load_time_min[k] * depots[k].slowdown
            self._fleet_stale[:] = False
        sends, load = self._fleet_views
        return sends, np.maximum(self._ready_at - now, 0.0), load

    def zones_for(self, d: int, now: float, open_need=None, avail=None) -> np.ndarray:
        """Indices of the zones depot ``d`` should serve now: known to it, in its service
        area (escalated, for a district or city depot and a zone with a reserve of its
        own), reachable, lacking something it holds, and its own by the dispatch policy.
        Worked out for every depot at once and kept until something changes."""
        c = self.c
        key = (c._version, now, c.router.epoch)
        if self._eligible_key != key and not self._could(key, now, open_need, avail)[1][d].any():
            return _NO_ROWS                      # its zones are among these: none, whoever else's they are
        return np.flatnonzero(self._eligible_at(key, now)[d])

    def _eligible_at(self, key, now: float) -> np.ndarray:
        """``[depot, zone]``: :meth:`zones_for` of every depot as of ``key``, kept for it."""
        if self._eligible_key != key:
            could, visible, asks, open_need, avail, sends, wait, load = self._could(key, now)
            # Travel times only for the depots that could ask for these zones or compete for them.
            self._eligible = self._mine(self.c.travel(asks), could, visible, open_need, avail, sends, wait, load)
            self._eligible_key = key
        return self._eligible

    def _could(self, key, now: float, open_need=None, avail=None) -> tuple:
        """:func:`could_serve`'s masks as of ``key`` (:meth:`zones_for`'s), with the open need,
        stock and fleet (:meth:`_fleet_now`) they were worked out from, kept for that key:
        ``(could, visible, asks, open_need, avail, sends, wait, load)``."""
        if self._could_key != key:
            open_need = self.open_need() if open_need is None else open_need
            avail = self.avail() if avail is None else avail
            sends, wait, load = self._fleet_now(now)
            could, visible, asks = could_serve(self.c.visible_at, float(now), np.ascontiguousarray(open_need),
                                                np.ascontiguousarray(avail), sends, *self.areas, self.local,
                                                self.escalated_at)
            # The fleet as it is now (_fleet_now hands out views of arrays it updates later).
            self._could_of = (could, visible, asks, open_need, avail, sends.copy(), wait, load.copy())
            self._could_key = key
        return self._could_of

    def may_have_work(self, now: float, waiting: np.ndarray) -> np.ndarray:
        """Per depot with a truck ``waiting`` for work, whether one asking now could get a
        tour: it is a district or city depot (reserves, requests, cut-off zones), it has
        requests of neighbours, zones are its by :meth:`zones_for` — worked out only
        when a reserve's truck waits and such a reserve could serve a zone it has heard
        of (its zones are among those: without any, the travel times need not be) — or a
        zone of its area no truck reaches lacks what it holds and a last-mile mode can
        take it there (:meth:`local_last_mile_work`)."""
        may = ~self.local
        for request in self.requests:
            may[request.depot_index] = True
        asking = waiting & ~may
        if asking.any():
            c = self.c
            key = (c._version, now, c.router.epoch)
            if self._eligible_key == key or self._could(key, now)[1][asking].any():
                may |= self._eligible_at(key, now).any(axis=1)
            # Zones of its own area only porters, boats or a helicopter reach.
            still = np.flatnonzero(waiting & ~may)
            if len(still):
                may[still] |= self.local_last_mile_work(now, still)
        return may & waiting

    def _tiers(self, rows, now: float):
        """Urgency tier and deadline of each zone of ``rows`` (:func:`~sim.dispatch.urgency.tiers_and_deadlines`)."""
        c = self.c
        return tiers_and_deadlines(np.asarray(rows, dtype=np.int64), self._first_done, self.first_en_route,
                                   self.first_day_need, self.delivered, self.en_route, c.hit_min,
                                   float(c.first_deadline_min), float(c.relief_deadline_min),
                                   float(now + c.lookahead_min))

    def _mine(self, travel, could, visible, open_need, avail, sends, wait, load) -> np.ndarray:
        """``[depot, zone]``: of the zones each depot could serve (:func:`could_serve`) and
        can reach, those it has heard of (``visible``) that are its by the scenario's
        policy (:mod:`sim.dispatch.eligibility`), as one of its trucks asking would see it
        (``sends``, ``wait``, ``load``: :meth:`_fleet_now`)."""
        c = self.c
        if c.policy in ("nearest", "lp"):
            serve = could & np.isfinite(travel)
            return visible & serve & self._mine_by_table(travel, serve, open_need, avail, sends)
        slack = self._slack_min
        # A depot competes only if a truck of its own could start within the slack.
        ready = np.where(wait <= slack, wait, math.inf) + load
        return earliest_arrival_eligible(could, visible, travel, ready, load, slack, *self.areas)

    def _mine_by_table(self, travel, serve, open_need, avail, sends) -> np.ndarray:
        """The ``nearest`` and ``lp`` policies' zones of each depot, over the pairs it can serve."""
        c = self.c
        if c.policy == "nearest":
            return nearest_depot_all(np.where(serve, travel, math.inf))
        if self.lp_dirty or self._lp_flow is None:
            supply = np.where(sends[:, None], np.maximum(avail, 0), 0.0)
            known = (c.known_min < math.inf)[:, None]
            self._lp_flow = transport_plan(np.where(serve, travel, math.inf), supply,
                                           np.where(known, open_need, 0.0))
            self.lp_dirty = False
        return self._lp_flow.sum(axis=2) > 0

    def _min_per_km(self, d: int, travel_row: np.ndarray) -> float:
        """The depot's minutes of driving per straight-line kilometre (median over the zones it
        reaches; ``travel_row`` is its row of :meth:`Command.travel`, so kept while the roads
        stay as they are)."""
        key = (d, self.c.router.epoch)
        if key not in self._min_per_km_at:
            km = np.hypot(*(self.zone_xy - self.depot_xy[d]).T)
            ok = np.isfinite(travel_row) & (km > 0.5)
            self._min_per_km_at[key] = float(np.median(travel_row[ok] / km[ok])) if ok.any() else 2.0
        return self._min_per_km_at[key]

    # ------------------------------------------------------------------ bookkeeping
    def _commit(self, depot, tour, now: float) -> None:
        depot.reserve(tour.items)
        self._need_version += 1
        for drop in tour.drops:
            amounts = drop.units                  # built over ITEMS (build_tour)
            stop = drop.zone
            if isinstance(stop, HubStop):
                if drop.purpose == "first_batch" and self._batch.complete_transfer(
                        stop.hub.district_in_kg + self._batch_kg(amounts)):
                    self.hub_first_en_route[-1 - stop.index] += 1
                    self._hub_first_drops.add(id(drop))
                drop.purpose = "transfer"
                self.hub_incoming[-1 - stop.index] += amounts
            elif stop in self.requests:
                drop.purpose = "aid"
                self.request_en_route[self.requests.index(stop)] += amounts
            else:
                self.en_route[stop.index] += amounts
                if drop.purpose == "first_batch" and self._completes_first_batch(stop, amounts):
                    self.first_en_route[stop.index] += 1
                    self._first_drops.add(id(drop))
            self.c.log.add(now, "order", agent=depot.depot_id, zone=stop.zone_id, item=drop.purpose,
                           amount=drop.weight_kg)
        self.lp_dirty = True

    def _settle(self, drop) -> np.ndarray:
        amounts = drop.units                  # built over ITEMS (build_tour)
        stop = drop.zone
        if isinstance(stop, HubStop):
            self.hub_incoming[-1 - stop.index] -= amounts
            if id(drop) in self._hub_first_drops:
                self._hub_first_drops.discard(id(drop))
                self.hub_first_en_route[-1 - stop.index] -= 1
        elif stop in self.requests:
            self.request_en_route[self.requests.index(stop)] -= amounts
        else:
            self.en_route[stop.index] -= amounts
            if id(drop) in self._first_drops:
                self._first_drops.discard(id(drop))
                self.first_en_route[stop.index] -= 1
        self.lp_dirty = True
        return amounts

    def on_delivered(self, drop, depot) -> None:
        amounts = self._settle(drop)
        if drop.zone.index >= 0:
            self.delivered[drop.zone.index] += amounts      # from on its way to delivered: open need as it was
            z = drop.zone.index
            if depot.tier in DISTRICT_TIERS and not self.district_delivered[z]:
                # The zone has had its first district batch once the district's drops hold one.
                self._district_batch_kg[z] += self._batch_kg(amounts)
                others_kg = self._batch_kg(self.delivered[z]) - self._district_batch_kg[z]
                due_kg = max(self.c.zones[z].first_day_batch_kg() - others_kg, 0.0)
                if self._batch.complete(self._district_batch_kg[z], due_kg):
                    self.district_delivered[z] = True
                    self.hub_district_delivered |= self.hub_area[:, z]

    def _batch_kg(self, units: np.ndarray) -> float:
        """Kilograms of the first batch's items in ``units`` (over ITEMS)."""
        return float(units[self._batch_columns] @ self._batch_unit_kg)

    def _completes_first_batch(self, stop, units: np.ndarray) -> bool:
        """Whether a drop of ``units`` at ``stop`` (a zone, or where porters take over for it)
        completes the zone's first batch with what it has had
        (:mod:`sim.agents.first_batch`): only such a drop takes the zone off the first batches."""
        had = self._batch_kg(self.delivered[stop.index]) + self._batch_kg(units)
        return self._batch.complete(had, self.c.zones[stop.index].first_day_batch_kg())

    def on_abandoned(self, drop) -> None:
        self._settle(drop)
        self._need_version += 1


#: :meth:`TourPlanner.zones_for` of a depot with no zones now.
_NO_ROWS = np.empty(0, dtype=np.int64)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` that cannot be written to (``array`` itself still can)."""
    view = array.view()
    view.flags.writeable = False
    return view
