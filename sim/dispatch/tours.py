"""Building a truck's tour: which zones, in which order, with which load.

A truck standing at a free loading bay asks for work (:mod:`sim.dispatch.command`).
Among the zones its depot should serve now (:mod:`sim.dispatch.eligibility`),
in the order of their urgency (:mod:`sim.dispatch.urgency`), the tour starts
at the most urgent zone whose need is worth a trip and carries what that zone
still needs — a full truckload when the need is that large. If room is left,
further zones are added by **insertion** (the construction heuristic of
vehicle routing; Rosenkrantz, Stearns & Lewis 1977; Solomon 1987): the most
urgent candidate whose cheapest insertion into the tour adds at most
``policy.tours.max_detour`` and keeps the tour within ``max_tour`` and
``max_stops`` goes in where it adds the fewest minutes. Small needs therefore
travel together instead of as crumbs on a truck each, and a zone whose
remaining need is a top-up (less than ``min_drop_kg``) only starts a tour
when nothing larger is waiting.

Each drop's load is the zone's open need in proportion (whole units), cut to
the room left (:func:`compose_load`), so a load relieves whole people — a
day's water and food for N of them — rather than a sliver of every item. A
zone's **first batch** is at most ``policy.tours.first_batch_kg`` and at most
``first_batch_share`` of the vehicle's payload: enough to reach every site
early — a 1.5 t township truck as well as a 10 t district truck carries first
batches for several sites — the rest following on later tours.

**Deadlines on the tour.** A stop's place on a tour decides when it is
served: the fifth stop is handed its load after four others. Each candidate
carries the deadline of its tier (a first batch within the first-supplies
target, relief within the relief target; resupply has none). An insertion is
taken only where it keeps every stop that would be served on time still on
time — the time-window feasibility test of Solomon's (1987) insertion
heuristic, applied to the planning targets — and a stop is not put on a tour
that would serve it late when the depot's next truck, driving straight to
it, would serve it on time: it waits for that truck instead. A stop that no
truck can serve on time any more has no deadline to keep and goes where it
adds least. A hand-over time counts the drive (the depot's route to the
first stop, then the legs between stops), the unload at each stop before it
(the first drop the depot's ``unload_time``, further drops
:data:`EXTRA_DROP_UNLOAD_FACTOR` of it), from when the truck leaves the bay.

Travel between stops is estimated for choosing where a candidate would go
(straight-line distance times the depot's own minutes per kilometre on its
real routes); the place chosen is then checked on the roads' times now
(``leg_min``, the router's): if the roads make a stop with a deadline late
that the estimate kept on time — a river between two villages a kilometre
apart — the next cheapest place is tried, and failing that the candidate
waits for another truck. So a stop planned on time is handed its load on
time unless the roads change while the truck is out; the truck drives the
fastest route when it goes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from sim.agents.vehicle import EXTRA_DROP_UNLOAD_FACTOR

__all__ = ["Drop", "Tour", "TourRules", "Candidates", "compose_load", "build_tour", "PURPOSES"]

#: What a drop is for, by urgency tier.
PURPOSES = ("first_batch", "relief", "resupply")


@dataclass
class Drop:
    """Items for one zone on a tour, and what they are for (one of :data:`PURPOSES`)."""

    zone: object
    items: dict[str, float]
    weight_kg: float
    purpose: str
    #: ``items`` as units per item of the items the tour was built over, in their order (read-only).
    units: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass
class Tour:
    """One truckload and its stops, in driving order."""

    tour_id: int
    depot_id: str
    drops: list[Drop] = field(default_factory=list)
    planned_min: float = 0.0          # estimated driving time of the whole tour

    @property
    def weight_kg(self) -> float:
        return sum(d.weight_kg for d in self.drops)

    @property
    def items(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for d in self.drops:
            for item, n in d.items.items():
                out[item] = out.get(item, 0.0) + n
        return out


@dataclass(frozen=True)
class TourRules:
    """The tour limits of ``policy.tours`` (minutes and kilograms)."""

    max_stops: int = 5
    max_detour_min: float = 30.0
    max_tour_min: float = 480.0
    min_drop_kg: float = 100.0
    first_batch_kg: float = 2000.0
    first_batch_share: float = 0.25
    keep_for_first_batches: int = 1
    deadline_margin_min: float = 0.0

    def first_batch_cap_kg(self, payload_kg: float) -> float:
        """A zone's first batch on a vehicle of ``payload_kg``, at most."""
        return min(self.first_batch_kg, self.first_batch_share * payload_kg)


@dataclass
class Candidates:
    """Zones a depot may serve now, in urgency order (arrays aligned by row)."""

    zones: list                 # Zone agents
    need: np.ndarray            # [n, items] open need, units
    tier: np.ndarray            # [n] index into PURPOSES
    xy_km: np.ndarray           # [n, 2] zone positions on a local plane
    depot_min: np.ndarray       # [n] minutes from the depot
    due_min: np.ndarray | None = None   # [n] hand-over deadline (run minutes; inf: none); None: no deadlines
    leave_min: float = 0.0      # when the truck leaves the bay (run minutes)
    unload_min: float = 0.0     # the depot's unload time for a tour's first drop
    next_leave_min: float | None = None   # when the depot's next truck could leave (None: as this one)
    round_trip: np.ndarray | None = None  # [n] the depot's trucks can drive there and back now (None: unknown)

    def __len__(self) -> int:
        return len(self.zones)


def compose_load(need, avail, unit_kg, room_kg: float) -> np.ndarray:
    """Whole units of ``need`` within ``room_kg`` and the ``avail``able stock (arrays over items).

    The units keep the need's proportions (so a load covers whole people); room
    an item's shortage leaves is filled with the other items' remaining need,
    heaviest units first.
    """
    unit_kg = np.ascontiguousarray(unit_kg, dtype=float)
    return _compose_load(np.ascontiguousarray(need, dtype=float), np.ascontiguousarray(avail, dtype=float),
                         unit_kg, float(room_kg), np.argsort(-unit_kg, kind="stable"))


@njit(cache=True)
def _compose_load(need, avail, unit_kg, room_kg, heaviest_first):
    n = need.shape[0]
    want = np.empty(n)
    total = 0.0
    for i in range(n):
        want[i] = np.floor(min(need[i], max(avail[i], 0.0)) + 1e-9)
        total += want[i] * unit_kg[i]
    load = np.zeros(n)
    if total <= 0 or room_kg <= 0:
        return load
    share = min(1.0, room_kg / total)
    loaded = 0.0
    for i in range(n):
        load[i] = np.floor(want[i] * share + 1e-9)
        loaded += load[i] * unit_kg[i]
    room = room_kg - loaded
    for i in heaviest_first:
        extra = min(want[i] - load[i], np.floor((room + 1e-9) / unit_kg[i]))
        if extra > 0:
            load[i] += extra
            room -= extra * unit_kg[i]
    return load


def build_tour(tour_id: int, depot_id: str, depot_xy_km: np.ndarray, cand: Candidates, avail: np.ndarray,
               unit_kg: np.ndarray, items: tuple, payload_kg: float, rules: TourRules,
               min_per_km: float, leg_min=None, heaviest_first: np.ndarray | None = None) -> Tour | None:
    """The tour of one truck (see the module docstring), or ``None`` when there is nothing to carry.

    ``heaviest_first``: the items by unit weight, heaviest first, ties in item order
    (worked out from ``unit_kg`` if not given). ``leg_min(zone_a, zone_b)``: minutes
    by road from one zone to another now (``inf`` where one-way streets or closures
    leave no way). A stop goes in only
    between stops it can be driven from and to (the depot legs are the
    candidates' own). Between two stops the depot can drive to and back from
    (``cand.round_trip``) there is always a way, through the depot, so without
    deadlines only legs to or from other stops are asked. With deadlines, an
    insertion that puts a stop with a deadline on or behind the new one is
    checked on the roads' times (:func:`_keeps_deadlines`).
    """
    if not len(cand):
        return None
    avail = np.array(avail, dtype=float)
    need = np.ascontiguousarray(cand.need, dtype=float)
    unit_kg = np.ascontiguousarray(unit_kg, dtype=float)
    if heaviest_first is None:
        heaviest_first = np.argsort(-unit_kg, kind="stable")
    first_cap = np.where(cand.tier == 0, rules.first_batch_cap_kg(payload_kg), payload_kg)
    carry_kg = np.minimum(np.minimum(need, np.maximum(avail, 0.0)[None, :]) @ unit_kg, first_cap)
    worth = carry_kg >= min(rules.min_drop_kg, payload_kg)
    pool = np.flatnonzero(worth) if worth.any() else np.flatnonzero(carry_kg >= float(unit_kg.min()))
    if not len(pool):
        return None
    first = int(pool[0])                                 # rows come in urgency order
    tour = Tour(tour_id, depot_id)
    room = payload_kg
    drop = _drop(cand, need, first, avail, unit_kg, heaviest_first, items, room, rules, payload_kg)
    if drop is None:
        return None
    tour.drops.append(drop)
    room -= drop.weight_kg
    stops = [first]
    open_rows = carry_kg > 0
    open_rows[first] = False
    tour.planned_min = 2.0 * float(cand.depot_min[first])
    windows = cand.due_min is not None
    xy = np.ascontiguousarray(cand.xy_km, dtype=float)
    depot_min = np.ascontiguousarray(cand.depot_min, dtype=float)
    if windows:
        # When each candidate would be served straight from the depot, by this truck and by the next.
        due = np.ascontiguousarray(cand.due_min, dtype=float) - rules.deadline_margin_min
        alone_min = cand.leave_min + depot_min + cand.unload_min
        next_leave = cand.leave_min if cand.next_leave_min is None else cand.next_leave_min
        next_alone_min = next_leave + depot_min + cand.unload_min
    else:
        due = alone_min = next_alone_min = depot_min
    depot_xy = np.asarray(depot_xy_km, dtype=float)
    mode = _NO_ROADS if leg_min is None else (_EXACT if windows else _LEGS)
    # Per candidate: deadline, hand-over straight from the depot by this and by the next
    # truck, minutes from the depot, tier, there-and-back.
    rows = np.array([due, alone_min, next_alone_min, depot_min, cand.tier,
                     np.zeros(len(cand)) if cand.round_trip is None else cand.round_trip], dtype=float)
    limits = np.array([min(rules.min_drop_kg, payload_kg), rules.max_stops, rules.first_batch_cap_kg(payload_kg),
                       min_per_km, rules.max_detour_min, rules.max_tour_min, cand.leave_min, cand.unload_min,
                       EXTRA_DROP_UNLOAD_FACTOR])
    hand_over = np.array([alone_min[first]]) if mode == _EXACT else np.empty(0)    # on the roads, in tour order
    legs = _KnownLegs()
    while True:
        status, k, position, added_min, times, load, asked = _grow(
            np.array(stops, dtype=np.int64), xy, depot_xy, open_rows, need, avail, unit_kg, heaviest_first, rows,
            hand_over, legs.pairs, legs.minutes, legs.count, windows, mode, room, tour.planned_min, limits)
        if status == _ASKS_LEGS:
            for a, b in asked.tolist():
                minutes = float(leg_min(cand.zones[a], cand.zones[b]))
                legs.add(a, b, math.inf if math.isnan(minutes) else minutes)
            continue
        if status == _DONE:
            return tour
        load.setflags(write=False)
        drop = Drop(cand.zones[k], {items[i]: n for i, n in enumerate(load.tolist()) if n > 0},
                    float(load @ unit_kg), PURPOSES[int(cand.tier[k])], units=load)
        stops.insert(position, k)
        tour.drops.insert(position, drop)
        room -= drop.weight_kg
        tour.planned_min += added_min
        if mode == _EXACT:
            hand_over = times


#: How :func:`_grow` checks an insertion on the roads: not at all (no ``leg_min``), that its
#: legs can be driven (no deadlines), or that it keeps the deadlines (:func:`_keeps_deadlines`).
_NO_ROADS, _LEGS, _EXACT = 0, 1, 2
#: What :func:`_grow` returns: a stop placed, road legs to look up first, or the tour done.
_PLACED, _ASKS_LEGS, _DONE = 0, 1, 2


class _KnownLegs:
    """Minutes by road between candidates (rows) looked up for one tour, in the order asked."""

    def __init__(self):
        self.pairs = np.empty((8, 2), dtype=np.int64)
        self.minutes = np.empty(8)
        self.count = 0

    def add(self, a: int, b: int, minutes: float) -> None:
        if self.count == len(self.minutes):
            self.pairs = np.concatenate([self.pairs, np.empty_like(self.pairs)])
            self.minutes = np.concatenate([self.minutes, np.empty_like(self.minutes)])
        self.pairs[self.count] = a, b
        self.minutes[self.count] = minutes
        self.count += 1


@njit(cache=True)
def _grow(stops, xy, depot_xy, open_rows, need, avail, unit_kg, heaviest_first, rows, hand_over, leg_pairs,
          leg_minutes, n_legs, windows, mode, room_kg, planned_min, limits):
    """Add the next stop to the tour ``stops`` (see :func:`build_tour`): the most urgent open
    row whose insertion fits (:func:`_most_urgent_insertion`), passes the road check of
    ``mode`` and gets a whole unit (:func:`_compose_load` within the room and its tier's
    cap). Rows tried and turned down are closed in ``open_rows``; the load placed is taken
    out of ``avail`` and rows left with nothing loadable are closed (:func:`_keep_loadable`).

    ``rows``: per candidate deadline, hand-over straight from the depot by this and by the
    next truck, minutes from the depot, tier, there-and-back (1.0); ``limits``: smallest
    drop (kg), most stops, first-batch cap (kg), minutes per km, most detour, longest tour
    (min), leaving, unloading (run minutes), extra-drop unload factor. Road legs are the
    ``n_legs`` first of ``leg_pairs``/``leg_minutes``; a check that needs others returns
    ``_ASKS_LEGS`` with them, in the order it reads them, having changed nothing: call
    again once they are known.

    Returns ``(status, row, position, minutes added, hand-over times on the roads, load,
    legs asked [m, 2])``."""
    due, alone_min, next_alone_min, depot_min, tier, round_trip = rows[0], rows[1], rows[2], rows[3], rows[4], rows[5]
    min_drop_kg, max_stops, first_cap_kg, min_per_km = limits[0], limits[1], limits[2], limits[3]
    max_detour_min, max_tour_min, leave_min, unload_min, extra = limits[4], limits[5], limits[6], limits[7], limits[8]
    n = stops.shape[0]
    no_times, no_load, no_legs = np.empty(0), np.empty(0), np.empty((0, 2), dtype=np.int64)
    while room_kg >= min_drop_kg and n < max_stops and open_rows.any():
        k, position, added_min = _most_urgent_insertion(
            stops, xy, depot_xy, open_rows, min_per_km, planned_min, max_detour_min, max_tour_min, windows, due,
            alone_min, next_alone_min, depot_min, leave_min, unload_min, extra, mode == _EXACT, hand_over)
        if k < 0:
            break
        times = no_times
        if mode == _EXACT:
            status, position, added_min, times, asked = _keeps_deadlines(
                stops, k, position, added_min, xy, depot_xy, hand_over, due, next_alone_min, depot_min,
                leg_pairs, leg_minutes, n_legs, planned_min, limits)
            if status == _ASKS_LEGS:
                return _ASKS_LEGS, k, position, added_min, no_times, no_load, asked
            open_rows[k] = False
            if status == _DONE:
                continue
        elif mode == _LEGS:
            status, asked = _legs_drivable(stops, k, position, round_trip, leg_pairs, leg_minutes, n_legs)
            if status == _ASKS_LEGS:
                return _ASKS_LEGS, k, position, added_min, no_times, no_load, asked
            open_rows[k] = False
            if status == _DONE:
                continue
        else:
            open_rows[k] = False
        cap_kg = min(room_kg, first_cap_kg) if tier[k] == 0 else room_kg
        load = _compose_load(need[k], avail, unit_kg, cap_kg, heaviest_first)
        if not load.any():
            continue
        avail -= load
        _keep_loadable(open_rows, need, avail)
        return _PLACED, k, position, added_min, times, load, no_legs
    return _DONE, -1, -1, np.inf, no_times, no_load, no_legs


@njit(cache=True)
def _leg(a, b, leg_pairs, leg_minutes, n_legs):
    """Minutes by road from row ``a`` to row ``b`` if looked up, else ``nan``."""
    for j in range(n_legs):
        if leg_pairs[j, 0] == a and leg_pairs[j, 1] == b:
            return leg_minutes[j]
    return np.nan


@njit(cache=True)
def _road_hand_over(new, depot_min, leg_pairs, leg_minutes, n_legs, leave_min, unload_min, extra):
    """When each stop of the tour ``new`` is handed its load on the roads, in that order: the
    depot's route to the first, road legs between them, the unloads before each (``inf`` past
    a leg the roads do not allow); ``(times, legs not looked up yet [m, 2])`` — the times
    are worked out only when every leg is known."""
    n = new.shape[0]
    missing = np.empty((max(n - 1, 0), 2), dtype=np.int64)
    n_missing = 0
    for j in range(1, n):
        if np.isnan(_leg(new[j - 1], new[j], leg_pairs, leg_minutes, n_legs)):
            missing[n_missing, 0], missing[n_missing, 1] = new[j - 1], new[j]
            n_missing += 1
    times = np.empty(n)
    if n_missing:
        return times, missing[:n_missing]
    clock = leave_min + depot_min[new[0]]
    for j in range(n):
        if j:
            clock += _leg(new[j - 1], new[j], leg_pairs, leg_minutes, n_legs)
        times[j] = clock + unload_min * (1.0 + extra * j)
    return times, missing[:0]


@njit(cache=True)
def _keeps_deadlines(stops, k, position, added_min, xy, depot_xy, hand_over, due, next_alone_min, depot_min,
                     leg_pairs, leg_minutes, n_legs, planned_min, limits):
    """Where stop ``k`` goes on the tour ``stops`` by the roads' times: the place the
    straight-line estimate chose (``position``, adding ``added_min``) if on the roads it
    keeps every stop that is served on time on time and serves ``k`` on time (or no truck
    of the depot could), else the next cheapest place by the estimate that does, within
    the tour's limits (ties to the earlier place). Returns ``(status, position, minutes
    added by the estimate, hand-over times, legs asked)``: ``_PLACED``, ``_DONE`` (no
    place) or ``_ASKS_LEGS``."""
    min_per_km, max_detour_min, max_tour_min = limits[3], limits[4], limits[5]
    leave_min, unload_min, extra = limits[6], limits[7], limits[8]
    n = stops.shape[0]
    # The estimate's other places, cheapest first: (minutes, place) in ascending order.
    minutes = np.empty(n + 1)
    for e in range(n + 1):
        ax, ay = (depot_xy[0], depot_xy[1]) if e == 0 else (xy[stops[e - 1], 0], xy[stops[e - 1], 1])
        bx, by = (depot_xy[0], depot_xy[1]) if e == n else (xy[stops[e], 0], xy[stops[e], 1])
        minutes[e] = ((np.hypot(xy[k, 0] - ax, xy[k, 1] - ay) + np.hypot(xy[k, 0] - bx, xy[k, 1] - by))
                      - np.hypot(ax - bx, ay - by)) * min_per_km
    places = np.empty(n + 1, dtype=np.int64)
    places[0] = position
    n_places = 1
    for e in range(n + 1):
        if e == position:
            continue
        j = n_places
        while j > 1 and (minutes[places[j - 1]] > minutes[e]
                         or (minutes[places[j - 1]] == minutes[e] and places[j - 1] > e)):
            places[j] = places[j - 1]
            j -= 1
        places[j] = e
        n_places += 1
    new = np.empty(n + 1, dtype=np.int64)
    for p in range(n_places):
        at = places[p]
        if p:
            added_min = minutes[at]
            if added_min > max_detour_min or planned_min + added_min > max_tour_min:
                break
        new[:at] = stops[:at]
        new[at] = k
        new[at + 1:] = stops[at:]
        times, missing = _road_hand_over(new, depot_min, leg_pairs, leg_minutes, n_legs, leave_min, unload_min, extra)
        if missing.shape[0]:
            return _ASKS_LEGS, at, added_min, times, missing
        if not np.isfinite(times).all():
            continue
        kept = True
        for j in range(at + 1, n + 1):
            if hand_over[j - 1] <= due[new[j]] < times[j]:
                kept = False                      # served on time, made late
                break
        if kept and times[at] > due[k] and next_alone_min[k] <= due[k]:
            kept = False                          # the next truck would be on time
        if kept:
            return _PLACED, at, added_min, times, missing
    return _DONE, position, added_min, np.empty(0), np.empty((0, 2), dtype=np.int64)


@njit(cache=True)
def _legs_drivable(stops, k, position, round_trip, leg_pairs, leg_minutes, n_legs):
    """Whether stop ``k`` inserted before ``stops[position]`` can be driven to and from
    (between two stops the depot can drive to and back from there is always a way, through
    the depot): ``(status, legs asked)``, the leg before ``k`` looked at first."""
    n = stops.shape[0]
    for a, b in ((stops[position - 1] if position > 0 else -1, k), (k, stops[position] if position < n else -1)):
        if a < 0 or b < 0 or (round_trip[a] > 0 and round_trip[b] > 0):
            continue
        minutes = _leg(a, b, leg_pairs, leg_minutes, n_legs)
        if np.isnan(minutes):
            asked = np.empty((1, 2), dtype=np.int64)
            asked[0, 0], asked[0, 1] = a, b
            return _ASKS_LEGS, asked
        if not np.isfinite(minutes):
            return _DONE, np.empty((0, 2), dtype=np.int64)
    return _PLACED, np.empty((0, 2), dtype=np.int64)


@njit(cache=True)
def _keep_loadable(open_rows: np.ndarray, need: np.ndarray, avail: np.ndarray) -> None:
    """Leave open only the ``open_rows`` of ``need`` with a whole unit of some item in
    ``avail`` (as :func:`compose_load` counts it); in place."""
    n_rows, n_items = need.shape
    for r in range(n_rows):
        if open_rows[r]:
            loadable = False
            for i in range(n_items):
                if np.floor(min(need[r, i], max(avail[i], 0.0)) + 1e-9) > 0:
                    loadable = True
                    break
            open_rows[r] = loadable


@njit(cache=True)
def _most_urgent_insertion(stops, xy, depot_xy, open_rows, min_per_km, planned_min, max_detour_min, max_tour_min,
                           windows, due_min, alone_min, next_alone_min, depot_min, leave_min, unload_min,
                           extra_unload_factor, known_hand_over, hand_over_known):
    """The most urgent open row (rows come in urgency order) whose cheapest insertion into
    the tour depot → ``stops`` → depot keeps it within ``max_detour_min`` and
    ``max_tour_min`` — and, with ``windows``, its deadlines (see the module docstring):
    ``(row, position in the stops, minutes added)``, or ``(-1, -1, inf)``.

    With ``windows``: each stop's hand-over is estimated from ``leave_min``, the
    depot's route to the first stop (``depot_min``), straight-line legs at
    ``min_per_km`` and the unloads before it (``unload_min``, further drops
    ``extra_unload_factor`` of it); an insertion may not delay a stop served on time
    (hand-over ≤ ``due_min``) past its deadline, and the new stop goes in late only if
    the depot's next truck straight to it (``next_alone_min``) would be late too.
    With ``known_hand_over``, the stops' hand-over times are ``hand_over_known`` (on
    the roads) instead of the estimate; the new stop's own legs are still estimated.
    """
    n = stops.shape[0]
    extra_unload = extra_unload_factor * unload_min
    hand_over = np.empty(n)
    least_slack = np.full(n + 1, np.inf)       # least slack of the on-time stops from each position on
    if windows and known_hand_over:
        hand_over[:] = hand_over_known
    elif windows:
        drive = 0.0
        for j in range(n):
            if j > 0:
                a, b = stops[j - 1], stops[j]
                drive += np.hypot(xy[b, 0] - xy[a, 0], xy[b, 1] - xy[a, 1]) * min_per_km
            hand_over[j] = leave_min + (depot_min[stops[0]] + drive) + unload_min * (1.0 + extra_unload_factor * j)
    if windows:
        for j in range(n - 1, -1, -1):
            slack = due_min[stops[j]] - hand_over[j]
            least_slack[j] = min(least_slack[j + 1], slack if slack >= 0 else np.inf)
    # The tour's edges: depot → stops[0] → … → stops[n-1] → depot.
    ax, ay, bx, by, ab = np.empty(n + 1), np.empty(n + 1), np.empty(n + 1), np.empty(n + 1), np.empty(n + 1)
    for e in range(n + 1):
        if e == 0:
            ax[e], ay[e] = depot_xy[0], depot_xy[1]
        else:
            ax[e], ay[e] = xy[stops[e - 1], 0], xy[stops[e - 1], 1]
        if e == n:
            bx[e], by[e] = depot_xy[0], depot_xy[1]
        else:
            bx[e], by[e] = xy[stops[e], 0], xy[stops[e], 1]
        ab[e] = np.hypot(ax[e] - bx[e], ay[e] - by[e])
    for r in range(open_rows.shape[0]):
        if not open_rows[r]:
            continue
        x, y = xy[r, 0], xy[r, 1]
        best, best_edge = np.inf, 0
        for e in range(n + 1):
            km = (np.hypot(x - ax[e], y - ay[e]) + np.hypot(x - bx[e], y - by[e])) - ab[e]
            if not windows:
                if km < best or e == 0:
                    best, best_edge = km, e
                continue
            minutes = km * min_per_km
            ok = minutes + extra_unload <= least_slack[e]
            if ok:
                if e == 0:
                    own = alone_min[r]
                else:
                    p = stops[e - 1]
                    leg = np.hypot(x - xy[p, 0], y - xy[p, 1]) * min_per_km
                    own = (hand_over[e - 1] + leg) + extra_unload
                ok = own <= due_min[r] or next_alone_min[r] > due_min[r]
            value = minutes if ok else np.inf
            if value < best or e == 0:
                best, best_edge = value, e
        added_min = best * min_per_km if not windows else best
        if added_min <= max_detour_min and planned_min + added_min <= max_tour_min:
            return r, best_edge, added_min
    return -1, -1, np.inf


def _drop(cand: Candidates, need: np.ndarray, row: int, avail: np.ndarray, unit_kg: np.ndarray,
          heaviest_first: np.ndarray, items: tuple, room_kg: float, rules: TourRules,
          payload_kg: float) -> Drop | None:
    """Candidate ``row``'s drop (:func:`compose_load` of its ``need`` within the room and the
    tier's cap), taken out of ``avail``; ``None`` if not a whole unit fits."""
    tier = int(cand.tier[row])
    cap = min(room_kg, rules.first_batch_cap_kg(payload_kg)) if tier == 0 else room_kg
    load = _compose_load(need[row], avail, unit_kg, float(cap), heaviest_first)
    if not load.any():
        return None
    avail -= load
    load.setflags(write=False)
    return Drop(cand.zones[row], {items[i]: n for i, n in enumerate(load.tolist()) if n > 0},
                float(load @ unit_kg), PURPOSES[tier], units=load)
