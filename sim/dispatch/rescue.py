"""Rescue crews where lives are saved: each free crew goes where it gains most survivors per hour.

Search-and-rescue crews (kinds ``sar``, ``fire_rescue``, ``army``) dig out,
one person at a time, the trapped whom neighbours cannot free. When a crew
is free it chooses the zone where its next hour saves the most lives: the
chance that the next person it reaches there is still alive — the survival
curve at the crew's arrival plus half the extrication time
(:func:`sim.hazards.fragility.survival_probability`) — per hour of driving
and work. A zone takes at most ``max_crews_per_site`` crews at once and never
more crews than people still to reach (diminishing returns), so crews spread
over the zones instead of herding to one. Crews with a home township
(``team.township``) work its zones first while any there still has people to
reach ("first on scene" [TZ, BJ25]). Crews re-decide after every person, so
they move on when a zone is done or a better one appears.

A person is booked when extricated, alive or dead: the zone's *k*-th person
reached is alive if the *k*-th uniform of the zone's own random stream is
below the survival probability then — on common random numbers an earlier
rescue is never a worse one.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from sim.agents.team import Task
from sim.hazards.fragility import survival_probability

__all__ = ["RescueCoordinator", "RESCUE_KINDS"]

RESCUE_KINDS = ("sar", "fire_rescue", "army")
#: Average crew speed used to choose between zones (straight-line km per hour, assumption).
CHOICE_SPEED_KMH = 20.0


class RescueCoordinator:
    """Which zone a free rescue crew works next (see the module docstring)."""

    def __init__(self, env, zones, zone_xy_km: np.ndarray, node_xy_km, stream_for, ledger, log,
                 crew_min_per_person: float, max_crews_per_site: int):
        self.env = env
        self.zones = zones
        self.zone_xy = zone_xy_km
        self.node_xy = node_xy_km                 # callable: node index -> (x, y) km
        self.stream_for = stream_for              # callable: zone index -> numpy Generator
        self.ledger = ledger
        self.log = log
        self.crew_min = float(crew_min_per_person)
        self.max_crews = int(max_crews_per_site)
        n = len(zones)
        self.to_reach = np.zeros(n, dtype=np.int64)      # people teams must still reach, not yet assigned
        self.crews_at = np.zeros(n, dtype=np.int64)
        self.reached = np.zeros(n, dtype=np.int64)
        self.hit_min = np.array([z.hit_time_min for z in zones], dtype=float)
        self.township = np.array([z.township for z in zones], dtype=object)
        self._in_township: dict[str, np.ndarray] = {}    # township -> which zones lie in it
        self._streams: dict[int, np.random.Generator] = {}
        self._work = env.event()

    # ------------------------------------------------------------------ sites
    def open_site(self, zone_index: int, people: int) -> None:
        """``people`` trapped in zone ``zone_index`` await teams (once the site is reported)."""
        if people > 0:
            self.to_reach[zone_index] += int(people)
            event, self._work = self._work, self.env.event()
            event.succeed()

    def work_signal(self):
        """Succeeds when a new site opens (crews waiting for other work wake up)."""
        return self._work

    @property
    def people_to_reach(self) -> int:
        return int(self.to_reach.sum())

    # ------------------------------------------------------------------ choice
    def next_task(self, team, node: int, seq: int, reachable=None) -> Task | None:
        """The rescue task of a free crew of ``team`` standing at ``node``, or ``None``."""
        if team.kind not in RESCUE_KINDS or not self.to_reach.any():
            return None
        now = self.env.now
        open_ = (self.to_reach > 0) & (self.crews_at < self.max_crews)
        if not open_.any():
            return None
        home = team.spec.township
        if home is not None:
            own = open_ & self._zones_in(home)
            if own.any():
                open_ = own
        rows = np.flatnonzero(open_)
        x, y = self.node_xy(node)
        km = np.hypot(self.zone_xy[rows, 0] - x, self.zone_xy[rows, 1] - y)
        drive_min = km / CHOICE_SPEED_KMH * 60.0
        alive = np.asarray(survival_probability(now + drive_min + self.crew_min / 2 - self.hit_min[rows]))
        gain_per_h = alive / ((drive_min + self.crew_min) / 60.0)
        for k in np.lexsort((rows, -gain_per_h)):
            z = int(rows[k])
            if reachable is not None and not reachable(node, self.zones[z].node):
                continue
            return self._assign(z, seq)
        return None

    def _zones_in(self, township: str) -> np.ndarray:
        mask = self._in_township.get(township)
        if mask is None:
            mask = self._in_township[township] = self.township == township
        return mask

    def _assign(self, z: int, seq: int) -> Task:
        zone = self.zones[z]
        self.to_reach[z] -= 1
        self.crews_at[z] += 1

        def done():
            self.crews_at[z] -= 1
            self._book(z)

        return Task(priority=0.0, seq=seq, node=zone.node, work_min=self.crew_min, label="rescue",
                    kind="sar", zone=zone.zone_id, on_done=done)

    def _book(self, z: int) -> None:
        """One person extricated from zone ``z`` now: alive or dead by the zone's stream."""
        now = self.env.now
        rng = self._streams.get(z)
        if rng is None:
            rng = self._streams[z] = self.stream_for(z)
        p_alive = float(survival_probability(now - self.hit_min[z]))
        alive = bool(rng.random() < p_alive)
        self.reached[z] += 1
        if alive:
            self.ledger.rescued_alive += 1
        else:
            self.ledger.rescued_dead += 1
        self.log.add(now, "rescue", zone=self.zones[z].zone_id, item="alive" if alive else "dead", amount=1.0)

    def expected_alive_if_reached_at(self, t_min: float, z: int) -> float:
        return float(survival_probability(t_min - self.hit_min[z]))


def self_rescue(trapped: float, share: float, time_constant_min: float, step_min: float = 10.0,
                horizon_min: float = 4320.0) -> tuple[float, float]:
    """Expected people freed alive and dead by neighbours: ``share`` of ``trapped``,
    freed over time with cumulative profile 1 − exp(−t/τ), each alive with the
    survival probability when freed (midpoint rule on ``step_min`` steps)."""
    if trapped <= 0 or share <= 0:
        return 0.0, 0.0
    alive_share, freed_share = _self_rescue_shares(float(time_constant_min), float(step_min), float(horizon_min))
    total = trapped * share * freed_share
    alive = trapped * share * alive_share
    return alive, total - alive


@lru_cache(maxsize=64)
def _self_rescue_shares(time_constant_min: float, step_min: float, horizon_min: float) -> tuple[float, float]:
    """Of the people neighbours free: the share freed alive and the share freed at all
    within ``horizon_min`` (zones hit at one time share them)."""
    t = np.arange(0.0, horizon_min + step_min, step_min)
    freed = np.diff(1.0 - np.exp(-t / time_constant_min))
    alive_share = float((freed * np.asarray(survival_probability(t[:-1] + step_min / 2))).sum())
    return alive_share, 1.0 - math.exp(-horizon_min / time_constant_min)
