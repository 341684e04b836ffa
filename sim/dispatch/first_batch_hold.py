"""What a township or community reserve holds back for the first batches of villages that have
not reported: its last trucks and their first batches' stock (a mixin of
:class:`sim.dispatch.planner.TourPlanner`; see
:func:`sim.dispatch.eligibility.awaiting_first_batches`)."""
from __future__ import annotations

import numpy as np

from sim.dispatch.eligibility import awaiting_first_batches

__all__ = ["FirstBatchHold"]

#: No zones.
_NO_ROWS = np.empty(0, dtype=np.int64)


class FirstBatchHold:
    """The planner's view of trucks and stock held for silent villages' first batches."""

    def held_for_first_batches(self, depot, d: int, travel_row: np.ndarray, now: float):
        """What depot ``d`` holds back now for the first batches of the communities it waits for
        (:meth:`awaited`): whether the truck asking is one of its last
        ``keep_for_first_batches`` (first batches only, or wait), and the stock kept out of
        relief and resupply (:meth:`stock_kept`, ``None``: none)."""
        awaited = self.awaited(d, travel_row, now)
        if not len(awaited):
            return False, None
        keep = self.c.rules.keep_for_first_batches
        return 0 < keep >= depot.trucks_home(), self.stock_kept(depot, awaited)

    def unsent_need(self, depot, d: int, now: float, open_need: np.ndarray, avail: np.ndarray):
        """``[zone, item]``: what zones depot ``d`` should serve now (:meth:`zones_for`) lack
        of the stock it could send — not a truck or stock it holds for a silent village's first
        batch (:meth:`held_for_first_batches`) — or ``None`` when that is nothing."""
        rows = self.zones_for(d, now, open_need, avail)
        if not len(rows):
            return None
        keep_truck, kept = self.held_for_first_batches(depot, d, self.c.travel([d])[d], now)
        if keep_truck:
            return None
        held = avail[d] if kept is None else avail[d] - kept
        lacking = np.zeros_like(open_need, dtype=bool)
        lacking[rows] = (open_need[rows] > 1e-9) & (held > 1e-9)[None, :]
        return lacking if lacking.any() else None

    def awaited(self, d: int, travel_row: np.ndarray, now: float) -> np.ndarray:
        """The communities the reserve ``d`` waits for
        (:func:`~sim.dispatch.eligibility.awaiting_first_batches`); none for a district or city
        depot, which answers for a wide area and does not wait for reports."""
        c = self.c
        if not self.local[d] or (c.rules.keep_for_first_batches <= 0 and not c.rules.keep_stock_for_first_batches):
            return _NO_ROWS
        return awaiting_first_batches(self.serves[d], c.visible_at[d], c.hit_min, c.first_deadline_min,
                                      self.first_en_route, travel_row, c.zones, now)

    def stock_kept(self, depot, awaited: np.ndarray) -> np.ndarray | None:
        """Units by item a reserve keeps back from relief and resupply for the first batches of
        the communities it waits for (``awaited``, :meth:`awaited`;
        ``policy.tours.keep_stock_for_first_batches``): each one's first batch as its trucks
        would carry it — its first day's need, cut to the first-batch cap of their payload
        (:meth:`~sim.dispatch.tours.TourRules.first_batch_cap_kg`). ``None``: nothing kept.

        The trucks the reserve keeps (``keep_for_first_batches``) are of no use without the
        stock: with twice the trucks, the township reserves of the M8 earthquake sent their
        stock out as relief to the first villages heard of, and the villages the
        rapid intensity report made known an hour after the shock got their first batches
        from the district and city depots, hours later. The reserve knows each silent
        village's first-day need (an assumption, as it knows which villages were hit)."""
        c = self.c
        if not c.rules.keep_stock_for_first_batches or not len(awaited):
            return None
        need = self.first_day_need[awaited]
        kg = need @ c.unit_kg
        cap_kg = c.rules.first_batch_cap_kg(depot.spec.trucks.payload_kg)
        share = np.minimum(1.0, cap_kg / np.maximum(kg, 1e-9))
        return np.ceil(share @ need - 1e-9)
