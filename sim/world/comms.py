"""Communications under outage windows: when reports, orders, tasks and warnings arrive.

Inside a comms window's area a message takes ``delay_factor`` times longer
to get through, but never longer than until the network is back (the window's
end) plus its normal delay; a seeded share ``loss_share`` of zone reports is
lost and re-sent when the network is back — unless a runner gets it through
first: after ``command.runner.after`` without news the community sends one on
foot or by bicycle (``speed_kmh``, the straight line times ``detour_factor``) to
the nearest depot whose communications work at the runner's arrival (outside
every window then on, or with a satellite phone), which passes the report on
with the normal delay (assumptions, in the scenario's ``command.runner``).
An earthquake's :class:`~sim.hazards.timeline.CommsDown` acts as one more
window, over the zones it took down and the depots and teams whose nearest
zone centre is one of them. Windows over the same agent are
layered: the network is down for an agent while any window covering it is
on. Agents with a satellite phone (zones listed in ``sat_phone_zones``,
depots and teams with ``sat_phone: true``) are not affected. Each window
draws its lost reports from its own random stream, one draw per zone.
"""
from __future__ import annotations

import numpy as np
from sim.hazards.timeline import CommsDown
from sim.network.areas import nearest_zones, points_in_area, zones_in_area
from sim.network.geo import haversine_m

__all__ = ["Comms"]


class Comms:
    """When messages arrive under communications outages (see the module docstring)."""

    def __init__(self, windows, zone_table, sat_phone_zones, depots, teams, lon, lat, depot_townships,
                 team_townships, rngs, runner=None):
        self.windows = windows
        self.runner = runner
        # Where runners start and may go (their ways are worked out for a zone when it needs one).
        self._zone_lonlat = (np.asarray(zone_table["lon"], float), np.asarray(zone_table["lat"], float))
        self._depot_lonlat = (lon[[d.node for d in depots]], lat[[d.node for d in depots]])
        sat_all = sat_phone_zones == "all"
        sat = set() if sat_all else set(sat_phone_zones)
        with_phone = np.array([sat_all or z in sat for z in zone_table["zone_id"]], dtype=bool)
        self.zone_in = [(w.zone_down if isinstance(w, CommsDown) else zones_in_area(w.area, zone_table))
                        & ~with_phone for w in windows]
        self.depot_in = self._points_in(windows, depots, lon, lat, depot_townships)
        self.team_in = self._points_in(windows, teams, lon, lat, team_townships)
        self.lost = [rng.random(len(zone_table)) < w.loss_share for w, rng in zip(windows, rngs)]

    def _points_in(self, windows, agents, lon, lat, townships):
        if not agents:
            return [np.zeros(0, dtype=bool) for _ in windows]
        nodes = [a.node if hasattr(a, "node") else a.base_node for a in agents]
        phone = np.array([bool(a.spec.sat_phone) for a in agents], dtype=bool)
        nearest_zone = None
        masks = []
        for w in windows:
            if isinstance(w, CommsDown):
                if nearest_zone is None:     # an agent shares the networks of its nearest zone centre
                    nearest_zone = nearest_zones(lon[nodes], lat[nodes], *self._zone_lonlat)
                inside = w.zone_down[nearest_zone]
            else:
                inside = points_in_area(w.area, lon[nodes], lat[nodes], townships)
            masks.append(inside & ~phone)
        return masks

    def _down(self, masks, index: int, now: float) -> tuple[list[int], float]:
        """Windows covering agent ``index`` that are on at ``now``, and when the
        network is back for it (the end of the run of overlapping windows)."""
        active = [k for k, w in enumerate(self.windows) if masks[k][index] and w.start <= now < w.end]
        if not active:
            return [], now
        back = max(self.windows[k].end for k in active)
        extended = True
        while extended:                      # a window starting before the others end extends the outage
            extended = False
            for k, w in enumerate(self.windows):
                if masks[k][index] and w.start <= back < w.end:
                    back, extended = w.end, True
        return active, back

    def _arrival(self, masks, index: int, now: float, delay: float, lost: bool = False) -> float:
        active, back = self._down(masks, index, now)
        if not active:
            return now + delay
        if lost:
            return back + delay
        factor = max(self.windows[k].delay_factor for k in active)
        return min(now + delay * factor, back + delay)

    def report_arrival(self, zone, now: float, delay: float) -> float:
        """When a zone's report sent at ``now`` reaches the command centre."""
        active, _ = self._down(self.zone_in, zone.index, now)
        lost = any(self.lost[k][zone.index] for k in active)
        arrival = self._arrival(self.zone_in, zone.index, now, delay, lost)
        if lost and self.runner is not None:
            arrival = min(arrival, self._runner_arrival(zone.index, now, delay))
        return arrival

    def _runner_arrival(self, zone_index: int, now: float, delay: float) -> float:
        """When a runner sent after ``runner.after`` of silence gets the report through: at the
        nearest depot whose communications work when the runner arrives, plus the normal delay."""
        r = self.runner
        (zone_lon, zone_lat), (depot_lon, depot_lat) = self._zone_lonlat, self._depot_lonlat
        km = haversine_m(zone_lon[zone_index], zone_lat[zone_index], depot_lon, depot_lat) / 1000.0
        walk_min = np.atleast_1d(km) * r.detour_factor / r.speed_kmh * 60.0
        best = np.inf
        for d in np.argsort(walk_min, kind="stable").tolist():
            there = now + r.after + float(walk_min[d])
            if there >= best:
                break
            if not self._down(self.depot_in, d, there)[0]:
                best = there
        return best + delay

    def order_delay(self, depot_index: int, now: float, delay: float) -> float:
        """How long an order sent at ``now`` takes to reach depot ``depot_index``."""
        return self._arrival(self.depot_in, depot_index, now, delay) - now

    def task_delay(self, team_index: int, now: float, delay: float) -> float:
        """How long a task sent at ``now`` takes to reach team ``team_index``."""
        return self._arrival(self.team_in, team_index, now, delay) - now

    def warning_arrival(self, zone, now: float, delay: float) -> float:
        """When a warning published at ``now`` reaches the people of ``zone``."""
        return self._arrival(self.zone_in, zone.index, now, delay)
