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
from numba import njit

from sim.agents.team import Task
from sim.hazards.fragility import SURVIVAL_LOG_CURVE, survival_probability

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
        self._nowhere = np.zeros(n, dtype=bool)          # the home zones of a crew without a township
        self._streams: dict[int, np.random.Generator] = {}
        self._drive_min_by_node: dict[int, np.ndarray] = {}   # node -> choice drive minutes to every zone
        self._none_passed = np.zeros(n, dtype=bool)            # read only: no zone passed over
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
        if team.kind not in RESCUE_KINDS:
            return None
        home = team.spec.township
        rows, log_alive, hours = _open_sites(self.to_reach, self.crews_at, self.max_crews,
                                             self._nowhere if home is None else self._zones_in(home),
                                             self._drive_min_from(node), float(self.env.now), self.crew_min,
                                             self.hit_min, *SURVIVAL_LOG_CURVE)
        if not len(rows):
            return None
        # exp in numpy, as in survival_probability: numpy may use its own exp, not the C library's.
        alive = np.exp(log_alive)
        passed = self._none_passed                      # the zones this crew cannot reach: none yet
        while (k := _best_site(alive, hours, passed)) >= 0:
            z = int(rows[k])
            if reachable is None or reachable(node, self.zones[z].node):
                return self._assign(z, seq)
            if passed is self._none_passed:
                passed = np.zeros(len(rows), dtype=bool)
            passed[k] = True
        return None

    def _drive_min_from(self, node: int) -> np.ndarray:
        """Minutes of a crew's drive from ``node`` to every zone as the choice estimates them
        (straight line at :data:`CHOICE_SPEED_KMH`); kept for the run, as nodes and zones stay
        where they are and crews stand at few nodes (bases and zones)."""
        drive_min = self._drive_min_by_node.get(node)
        if drive_min is None:
            x, y = self.node_xy(node)
            drive_min = self._drive_min_by_node[node] = _drive_min(self.zone_xy, float(x), float(y))
        return drive_min

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
        p_alive = float(np.exp(_log_survival(float(now - self.hit_min[z]), *SURVIVAL_LOG_CURVE)))
        alive = bool(rng.random() < p_alive)
        self.reached[z] += 1
        if alive:
            self.ledger.rescued_alive += 1
        else:
            self.ledger.rescued_dead += 1
        self.log.add(now, "rescue", zone=self.zones[z].zone_id, item="alive" if alive else "dead", amount=1.0)

    def expected_alive_if_reached_at(self, t_min: float, z: int) -> float:
        return float(survival_probability(t_min - self.hit_min[z]))


@njit(cache=True)
def _drive_min(zone_xy, x, y):
    """Minutes of the choice's drive from ``(x, y)`` km to every zone of ``zone_xy[Z, 2]`` km:
    the straight line at :data:`CHOICE_SPEED_KMH`."""
    drive_min = np.empty(zone_xy.shape[0])
    for z in range(zone_xy.shape[0]):
        drive_min[z] = math.hypot(zone_xy[z, 0] - x, zone_xy[z, 1] - y) / CHOICE_SPEED_KMH * 60.0
    return drive_min


@njit(cache=True)
def _open_sites(to_reach, crews_at, max_crews, home, drive_min_to, now, crew_min, hit_min, knots_min, log_p,
                tail_rate_per_min):
    """The zones a free crew may choose at ``now``, ``drive_min_to[Z]`` minutes away
    (:func:`_drive_min`): people still to reach and fewer than ``max_crews`` crews, only
    those of ``home`` while any of them is open. Returns the zones in row order, the log of
    the survival chance of the next person the crew reaches in each (reached after its drive
    plus half the extrication time) and the hours of its drive and work there."""
    n = len(to_reach)
    open_rows = np.empty(n, dtype=np.int64)
    home_rows = np.empty(n, dtype=np.int64)
    n_open = n_home = 0
    for z in range(n):
        if to_reach[z] > 0 and crews_at[z] < max_crews:
            open_rows[n_open] = z
            n_open += 1
            if home[z]:
                home_rows[n_home] = z
                n_home += 1
    rows = home_rows[:n_home] if n_home else open_rows[:n_open]
    log_alive = np.empty(len(rows))
    hours = np.empty(len(rows))
    for k in range(len(rows)):
        z = rows[k]
        drive_min = drive_min_to[z]
        log_alive[k] = _log_survival(now + drive_min + crew_min / 2 - hit_min[z], knots_min, log_p,
                                     tail_rate_per_min)
        hours[k] = (drive_min + crew_min) / 60.0
    return rows, log_alive, hours


@njit(cache=True)
def _best_site(alive, hours, passed):
    """The index of the site where a crew saves most lives per hour, ``alive / hours``, of
    those not ``passed``; the first of equals (a ``nan`` after any number); −1 if all are passed."""
    best, best_gain = -1, np.nan
    for k in range(len(alive)):
        if passed[k]:
            continue
        gain = alive[k] / hours[k]
        if best < 0 or gain > best_gain or (best_gain != best_gain and gain == gain):
            best, best_gain = k, gain
    return best


@njit(cache=True)
def _log_survival(t_min, knots_min, log_p, tail_rate_per_min):
    """The log of :func:`~sim.hazards.fragility.survival_probability` at ``t_min`` from its
    curve (:data:`~sim.hazards.fragility.SURVIVAL_LOG_CURVE`), in numpy's arithmetic: the
    time clipped at 0, ``np.interp`` between the knots, the tail rate beyond the last."""
    t = 0.0 if t_min < 0.0 else t_min
    last = len(knots_min) - 1
    if t != t:
        return t
    if t < knots_min[0]:
        return log_p[0]
    if t > knots_min[last]:
        return log_p[last] + tail_rate_per_min * (t - knots_min[last])
    j = last
    while knots_min[j] > t:
        j -= 1
    if knots_min[j] == t:
        return log_p[j]
    slope = (log_p[j + 1] - log_p[j]) / (knots_min[j + 1] - knots_min[j])
    return slope * (t - knots_min[j]) + log_p[j]


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
