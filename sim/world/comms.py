"""Communications under outage windows: when reports, orders and warnings arrive.

Inside a comms window's area a zone's report takes ``delay_factor`` times
longer, a seeded share ``loss_share`` of reports is lost and re-sent when the
network is back, orders to depots in the area take ``delay_factor`` times
longer, and warnings reach people later. Agents with a satellite phone are
not affected.
"""
from __future__ import annotations

import numpy as np

from sim.network.areas import points_in_area, zones_in_area

__all__ = ["Comms"]


class Comms:
    """When reports and orders arrive under communications outages."""

    def __init__(self, windows, zone_table, sat_phone_zones, depots, depot_lon, depot_lat, depot_townships, rng):
        self.windows = windows
        sat_all = sat_phone_zones == "all"
        sat = set() if sat_all else set(sat_phone_zones)
        with_phone = np.array([sat_all or z in sat for z in zone_table["zone_id"]], dtype=bool)
        self.zone_in = [zones_in_area(w.area, zone_table) & ~with_phone for w in windows]
        depot_phone = np.array([d.spec.sat_phone for d in depots], dtype=bool)
        self.depot_in = [points_in_area(w.area, depot_lon, depot_lat, depot_townships) & ~depot_phone
                         for w in windows]
        self.lost = [rng.random(len(zone_table)) < w.loss_share for w in windows]

    def report_arrival(self, zone, now: float, delay: float) -> float:
        arrival = now + delay
        for k, w in enumerate(self.windows):
            if self.zone_in[k][zone.index] and w.start <= now < w.end:
                arrival = w.end + delay if self.lost[k][zone.index] else max(arrival, now + delay * w.delay_factor)
        return arrival

    def order_delay(self, depot_index: int, now: float, delay: float) -> float:
        out = delay
        for k, w in enumerate(self.windows):
            if self.depot_in[k][depot_index] and w.start <= now < w.end:
                out = max(out, delay * w.delay_factor)
        return out

    def warning_factor(self, zone, now: float) -> float:
        f = 1.0
        for k, w in enumerate(self.windows):
            if self.zone_in[k][zone.index] and w.start <= now < w.end:
                f = max(f, w.delay_factor)
        return f
