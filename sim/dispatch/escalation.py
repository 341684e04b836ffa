"""When a reserve falls short: a zone's request goes up to the district.

A township (street) or community reserve serves the zones of its own area.
A zone with a reserve of its own becomes the district's and the city's once
that reserve cannot cover it — short of stock, of vehicles to carry it by
the first-supplies target, or of a road to the zone — or once the zone's
relief deadline is one request delay away; the request reaches the district
``command.escalation_delay`` later. :class:`Escalation` is the part of
:class:`sim.dispatch.planner.TourPlanner` that decides it, over the
planner's arrays (``serves``, ``local``, ``has_local``, ``escalated_at``,
needs, stock) and its command (``c``).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from sim.dispatch.eligibility import can_send

__all__ = ["Escalation", "ESTIMATE_DETOUR", "ESTIMATE_SPEED_KMH", "any_waiting"]

#: Escalation's estimate of a reserve's driving: straight line times this, at this speed (assumptions).
ESTIMATE_DETOUR = 1.3
ESTIMATE_SPEED_KMH = 25.0


@njit(cache=True)
def any_waiting(known_min, now, has_local, escalated_at, open_need) -> bool:
    """Whether some zone is still waiting (see :meth:`Escalation.escalate`): reported by
    ``now``, with a reserve of its own (``has_local``), no request gone up
    (``escalated_at`` is ``inf``) and open need (more than 1e-9 units in all)."""
    for z in range(known_min.shape[0]):
        if known_min[z] <= now and has_local[z] and escalated_at[z] == np.inf:
            total = 0.0
            for i in range(open_need.shape[1]):
                total += open_need[z, i]
            if total > 1e-9:
                return True
    return False


class Escalation:
    """Which zones' requests go up to the district (see the module docstring)."""

    def escalate(self, now: float, open_need=None, avail=None, force: bool = False) -> None:
        """Zones whose own reserves fall short — of stock, or of vehicles to carry it in time
        (:meth:`_fleet_short`) — send their request up; it arrives after
        ``command.escalation_delay``. Checked again only after something changed (or with
        ``force``, at every planning tick), and only for zones still **waiting**: with a
        reserve of their own, known, with open need and no request gone up yet. Only the
        reserves serving a waiting zone are weighed."""
        if not self.has_reserves or (not force and self._escalated_version == self.c._version):
            return
        self._escalated_version = self.c._version
        open_need = self.open_need() if open_need is None else open_need
        if not any_waiting(self.c.known_min, float(now), self.has_local, self.escalated_at, open_need):
            return
        known = self.c.known_min <= now                   # a reserve asks only for needs reported to it
        open_known = known & (open_need.sum(axis=1) > 1e-9)
        waiting = self.has_local & open_known & np.isinf(self.escalated_at)
        avail = self.avail() if avail is None else avail
        local = np.flatnonzero(self.local)
        local = local[(self.serves[local] & waiting[None, :]).any(axis=1)]
        demand = (self.serves[local] & known[None, :]).astype(float) @ open_need
        sends = np.array([can_send(self.c.depots[k]) for k in local])
        short = (demand > np.maximum(avail[local], 0.0) + self.hub_incoming[local] + 1e-9).any(axis=1) | ~sends
        short |= self._fleet_short(local, demand, open_known, now) & sends
        able = local[~short]                              # reserves not short: do the roads let them cover?
        covered_by_one = (self.serves[able] & self._reaches(able)).any(axis=0)
        # A zone still lacking its first day when its relief deadline is one request delay
        # away asks for help whatever its reserve holds.
        overdue = self.c.hit_min + self.c.relief_deadline_min - self.c.escalation_delay_min <= now
        open_first_day = (self.first_day_need - self.delivered - self.en_route > 1e-9).any(axis=1)
        newly = waiting & (~covered_by_one | (overdue & open_first_day))
        if newly.any():
            self.escalated_at[newly] = now + self.c.escalation_delay_min
            self.c.env.timeout(self.c.escalation_delay_min).callbacks.append(self._escalation_arrives)

    def _reaches(self, local: np.ndarray) -> np.ndarray:
        """``[reserve, zone]``: whether each of the reserves ``local`` can drive to the zone
        and back now. A reserve the roads cut off from a zone does not cover it: the
        request goes up as if it held nothing."""
        return np.isfinite(self.c.travel(local)[local])

    def _fleet_short(self, local: np.ndarray, demand: np.ndarray, open_known: np.ndarray, now: float) -> np.ndarray:
        """Whether each reserve's own vehicles cannot carry ``demand`` (units per item) to its
        known zones by the first-supplies target: the fleet's payload times the round trips
        that fit before the earliest such deadline (load, drive there and back, unload; at
        least one). The drive is estimated from the straight line: ``ESTIMATE_DETOUR`` times
        the mean distance to those zones at ``ESTIMATE_SPEED_KMH`` (assumptions; an estimate,
        so that a reserve with stock but too few vehicles asks for help as one without
        stock does)."""
        c = self.c
        zones = self.serves[local] & open_known[None, :]
        weight = demand @ c.unit_kg
        count = zones.sum(axis=1)
        mean_km = np.where(count > 0, (zones * self.depot_zone_km[local]).sum(axis=1) / np.maximum(count, 1), 0.0)
        drive = 60.0 * ESTIMATE_DETOUR * mean_km / ESTIMATE_SPEED_KMH
        depots = [c.depots[k] for k in local]
        handling = np.array([d.load_time_min() + d.spec.unload_time for d in depots])
        capacity = np.array([d.spec.trucks.count * d.spec.trucks.payload_kg for d in depots], dtype=float)
        left = np.where(zones, (c.hit_min + c.first_deadline_min)[None, :], np.inf).min(axis=1) - now
        round_trip = handling + 2.0 * drive
        trips = np.where(round_trip > 0, np.maximum(1.0, np.floor(np.maximum(left, 0.0) / np.maximum(round_trip, 1e-9))),
                         1.0)
        return (count > 0) & (weight > capacity * trips + 1e-9)

    def _escalation_arrives(self, _event) -> None:
        """Requests sent up ``command.escalation_delay`` ago reach the district."""
        self.c.need_changed()
