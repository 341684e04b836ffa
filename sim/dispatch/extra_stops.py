"""Stops of a tour other than zones: township reserves, cut-off zones, neighbours' requests.

:class:`ExtraStops` is the part of :class:`sim.dispatch.planner.TourPlanner` that
finds them for the truck asking at a depot, over the planner's arrays and its
command (``c``):

* **township reserves** as transshipment destinations of district and city
  depots (:mod:`sim.dispatch.transshipment`): a township's first batch, then
  its reserve's shortfall once its requests have gone up, to the district or
  city depot whose truck would arrive no later than any other's plus the
  planning interval;
* **cut-off zones** no truck can reach, by a last-mile mode from where the
  depot's trucks can go (:class:`sim.world.last_mile.LastMileAccess`);
* **neighbours' requests** (:class:`sim.world.mutual_aid.AidRequest`) to the
  depot they were made to.

Each stop comes as ``(stop, units per item, xy, minutes from the depot,
urgency tier, deadline)``.
"""
from __future__ import annotations

import math

import numpy as np

from sim.dispatch.eligibility import cut_off_lacking
from sim.dispatch.transshipment import hub_shortfall
from sim.dispatch.urgency import FIRST_BATCH, RELIEF
from sim.scenarios.items import ITEMS

__all__ = ["ExtraStops"]

#: :meth:`ExtraStops._extra_arrays` of no stops.
_NO_EXTRA_ARRAYS = (np.empty((0, len(ITEMS))), np.empty((0, 2)), np.empty(0), np.empty(0, dtype=np.int64), np.empty(0))


class ExtraStops:
    """Stops other than zones (see the module docstring)."""

    def _extra_stops(self, d: int, open_need, avail, now: float) -> list:
        """Stops other than zones for depot ``d``: township reserves (for district and city
        depots) and neighbours' requests it sends to, as ``(stop, units per item, xy,
        minutes from the depot, urgency tier, deadline)``."""
        c = self.c
        out = []
        hub_rows = [] if self.local[d] else self._hub_rows(d, open_need, avail, now)
        if hub_rows:
            row = c.depot_travel([d])[d]
            for h, short, tier, due in hub_rows:
                out.append((self.hub_stops[h], short, self.depot_xy[h], float(row[h]), tier, due))
        if c.last_mile is not None and c.cut_off:
            out += self._last_mile_stops(d, open_need, avail, now)
        for j, request in enumerate(self.requests):
            if request.depot_index != d:
                continue
            need = request.open(now, self.request_en_route[j]) * (avail[d] > 1e-9)
            minutes = self._minutes_from(d, [request.node])[0]
            if need.sum() > 1e-9 and math.isfinite(minutes):
                out.append((request, need, request.xy_km, minutes, RELIEF, request.due_min))
        return out

    def _extra_arrays(self, extra: list) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """``extra`` (:meth:`_extra_stops`) as arrays, row for row — ``(units[stop, item],
        xy[stop, 2], minutes from the depot, tier, deadline)`` — and the stops themselves."""
        stops = np.empty(len(extra), dtype=object)
        if not extra:
            return _NO_EXTRA_ARRAYS, stops
        stops[:] = [stop for stop, *_ in extra]
        need, xy, minutes, tier, deadline = (np.array(column) for column in list(zip(*extra))[1:])
        return (need.astype(float), xy.astype(float), minutes.astype(float), tier.astype(np.int64),
                deadline.astype(float)), stops

    def _last_mile_stops(self, d: int, open_need, avail, now: float) -> list:
        """Known zones no truck can reach that a last-mile mode reaches from where depot ``d``'s
        trucks can go (:class:`sim.world.last_mile.LastMileAccess`)."""
        c = self.c
        rows = cut_off_lacking(self._cut_zones(), c.known_min, c.visible_at[d], self.serves[d], bool(self.local[d]),
                               self.escalated_at, open_need, avail[d], float(now))
        if not len(rows):
            return []
        tier, deadline = self._tiers(rows, now)
        found = [(stop, row, t, due) for row, t, due in zip(rows.tolist(), tier.tolist(), deadline.tolist())
                 if (stop := c.last_mile.stop_for(c.zones[row], d, now)) is not None]
        if not found:
            return []
        reach = self._minutes_from(d, [stop.node for stop, *_ in found])
        return [(stop, open_need[row], self.zone_xy[row], minutes, t, due)
                for (stop, row, t, due), minutes in zip(found, reach) if math.isfinite(minutes)]

    def _cut_zones(self) -> np.ndarray:
        """The zones no truck can reach now, ascending (kept while the set is the same)."""
        c = self.c
        if self._cut_of is not c.cut_off:
            self._cut_of, self._cut = c.cut_off, np.array(sorted(c.cut_off), dtype=np.int64)
        return self._cut

    def local_last_mile_work(self, now: float, depots: np.ndarray) -> np.ndarray:
        """Of the township and community reserves ``depots`` (indices), whether each has a
        zone of its own area no truck can reach that a last-mile mode could take something
        to (:func:`~sim.dispatch.eligibility.cut_off_lacking`)."""
        c = self.c
        out = np.zeros(len(depots), dtype=bool)
        if c.last_mile is None or not c.cut_off:
            return out
        open_need, avail, cut = self.open_need(), self.avail(), self._cut_zones()
        for k, d in enumerate(depots.tolist()):
            out[k] = len(cut_off_lacking(cut, c.known_min, c.visible_at[d], self.serves[d], True, self.escalated_at,
                                         open_need, avail[d], float(now))) > 0
        return out

    def _minutes_from(self, d: int, nodes: list[int]) -> list[float]:
        """Depot ``d``'s driving minutes to road ``nodes`` now, read at just those nodes (no
        whole tree for a few crossroads: the same numbers)."""
        return self.c.router.times_from(self.c.depots[d].node, at=np.array(nodes, dtype=np.int64)).tolist()

    def add_request(self, request) -> None:
        """A neighbour's request (:class:`sim.world.mutual_aid.AidRequest`) to serve from its depot."""
        self.requests.append(request)
        self.request_en_route.append(np.zeros(len(ITEMS)))

    def _hub_rows(self, d: int, open_need, avail, now: float) -> list:
        """Township reserves as transshipment destinations of district depot ``d``:
        ``(hub index, units per item, urgency tier, deadline)``. A township no district
        supplies have reached yet gets its **first batch** (its known zones' first-day
        need, up to ``policy.tours.first_batch_kg``, whatever the reserve holds or has
        sent); after that a reserve gets its shortfall, once the township's requests
        have escalated, of the items ``d`` holds enough of for every zone it knows of
        (scarce items go direct). Among district and city depots, a reserve
        goes to one whose truck would arrive no later than any other's plus the
        planning interval (as :func:`~sim.dispatch.eligibility.earliest_arrival`)."""
        c = self.c
        if not self.hubs:
            return []
        hubs = self._hub_index
        reached = self._hub_district_in() | self.hub_district_delivered | (self.hub_first_en_route[hubs] > 0)
        # The first batch restocks the reserve with its township's first day, whatever
        # the reserve has sent already; later drops fill its shortfall. Scarce stock is
        # not moved into a reserve for relief: an item of which depot d holds less than
        # the open need of every zone it knows of goes where it is needed, direct,
        # instead of into one township's reserve where it may wait while others lack it.
        short, ok, first_hit = hub_shortfall(*self.hubs_of_zone, hubs, c.visible_at[d], c.known_min, float(now), reached,
                                             self.escalated_at, np.ascontiguousarray(open_need), self.first_day_need,
                                             c.hit_min, np.ascontiguousarray(avail), self.hub_incoming, d)
        if not ok.any():
            return []
        ok[ok] = self._nearest_district(d, hubs[ok], now)
        due = np.where(reached, c.relief_deadline_min, c.first_deadline_min)
        deadline = first_hit + due
        return [(int(h), short[j], RELIEF if reached[j] else FIRST_BATCH, float(deadline[j]))
                for j, h in enumerate(hubs) if ok[j]]

    def _hub_district_in(self) -> np.ndarray:
        """Per hub, whether district or city stock has moved into its reserve (once in, always
        in); looked at again only after some depot's stock changed (stock moving in does)."""
        known = self._hub_in
        if self._hub_in_version != self._stock_version:
            for j in np.flatnonzero(~known).tolist():
                known[j] = self.c.depots[self.hubs[j]].first_district_in_min < math.inf
            self._hub_in_version = self._stock_version
        return known

    def _nearest_district(self, d: int, hubs: np.ndarray, now: float) -> np.ndarray:
        """For each hub, whether district depot ``d`` would arrive there within the slack
        of the earliest other district or city depot that can send."""
        slack = self._slack_min
        sends, wait, load = self._fleet_now(now)
        rivals = ~self.local & sends & (wait <= slack)
        rivals[d] = False
        travel = self.c.depot_travel(rivals | (np.arange(len(rivals)) == d))[:, hubs]
        mine = travel[d] + load[d]
        best = np.full(len(hubs), math.inf)
        for e in np.flatnonzero(rivals).tolist():
            best = np.minimum(best, wait[e] + load[e] + travel[e])
        return np.isfinite(mine) & (mine <= best + slack)
