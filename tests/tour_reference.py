"""The tour builder before its insertion loop was compiled, kept as the reference the
property test in ``tests/test_tour_builder.py`` compares :func:`sim.dispatch.tours.build_tour`
with: the same tours, loads and planned minutes, and the same road legs asked for in the
same order (the router's state depends on the queries it answered)."""
from __future__ import annotations

import numpy as np

from sim.agents.vehicle import EXTRA_DROP_UNLOAD_FACTOR
from sim.dispatch.tour_insertion import (
    _compose_load,
    _keep_loadable,
    _most_urgent_insertion,
)
from sim.dispatch.tours import PURPOSES, Candidates, Drop, Tour, TourRules


def reference_build_tour(tour_id: int, depot_id: str, depot_xy_km: np.ndarray, cand: Candidates, avail: np.ndarray,
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
    roads = None if leg_min is None else _RoadLegs(cand, leg_min)
    exact = windows and roads is not None
    hand_over = np.array([alone_min[first]]) if exact else np.empty(0)    # on the roads, in tour order
    while room >= min(rules.min_drop_kg, payload_kg) and len(stops) < rules.max_stops and open_rows.any():
        k, position, added_min = _most_urgent_insertion(
            np.array(stops, dtype=np.int64), xy, depot_xy, open_rows, min_per_km, tour.planned_min,
            rules.max_detour_min, rules.max_tour_min, windows, due, alone_min, next_alone_min, depot_min,
            cand.leave_min, cand.unload_min, EXTRA_DROP_UNLOAD_FACTOR, exact, hand_over)
        if k < 0:
            break
        open_rows[k] = False
        if exact:
            placed = _keeps_deadlines(cand, roads, stops, hand_over, k, position, added_min, xy, depot_xy,
                                      min_per_km, tour.planned_min, rules, due, next_alone_min)
            if placed is None:
                continue
            position, added_min, times = placed
        elif roads is not None and not _legs_drivable(cand, stops, position, k, roads):
            continue
        drop = _drop(cand, need, k, avail, unit_kg, heaviest_first, items, room, rules, payload_kg)
        if drop is None:
            continue
        stops.insert(position, k)
        tour.drops.insert(position, drop)
        room -= drop.weight_kg
        tour.planned_min += added_min
        if exact:
            hand_over = times
        _keep_loadable(open_rows, need, avail)     # zones that lack only what the truck no longer has drop out
    return tour


class _RoadLegs:
    """Minutes by road between the candidates' stops (``leg_min``), asked once per pair."""

    def __init__(self, cand: Candidates, leg_min):
        self.cand, self.leg_min, self.known = cand, leg_min, {}

    def __call__(self, a: int, b: int) -> float:
        minutes = self.known.get((a, b))
        if minutes is None:
            minutes = self.known[(a, b)] = float(self.leg_min(self.cand.zones[a], self.cand.zones[b]))
        return minutes


def _road_hand_over(cand: Candidates, roads: _RoadLegs, stops: list[int]) -> np.ndarray:
    """When each of ``stops`` is handed its load, in that order, on the roads: the depot's
    route to the first, road legs between them, the unloads before each (``inf`` past a
    leg the roads do not allow)."""
    times = np.empty(len(stops))
    clock = cand.leave_min + float(cand.depot_min[stops[0]])
    for j, row in enumerate(stops):
        if j:
            clock += roads(stops[j - 1], row)
        times[j] = clock + cand.unload_min * (1.0 + EXTRA_DROP_UNLOAD_FACTOR * j)
    return times


def _keeps_deadlines(cand: Candidates, roads: _RoadLegs, stops: list[int], hand_over: np.ndarray, k: int,
                     position: int, added_min: float, xy: np.ndarray, depot_xy: np.ndarray, min_per_km: float,
                     planned_min: float, rules: TourRules, due: np.ndarray, next_alone_min: np.ndarray):
    """Where stop ``k`` goes on the tour ``stops`` by the roads' times: the place the
    straight-line estimate chose (``position``, adding ``added_min``) if on the roads it
    keeps every stop that is served on time on time and serves ``k`` on time (or no truck
    of the depot could), else the next cheapest place by the estimate that does, within
    the tour's limits; ``(position, minutes added by the estimate, hand-over times)``, or
    ``None``."""
    def check(at: int):
        new = stops[:at] + [k] + stops[at:]
        times = _road_hand_over(cand, roads, new)
        if not np.isfinite(times).all():
            return None
        for j in range(at + 1, len(new)):
            if hand_over[j - 1] <= due[new[j]] < times[j]:
                return None                       # served on time, made late
        if times[at] > due[k] and next_alone_min[k] <= due[k]:
            return None                           # the next truck would be on time
        return times

    times = check(position)
    if times is not None:
        return position, added_min, times
    ends = [depot_xy] + [xy[s] for s in stops] + [depot_xy]
    order = sorted((float(np.hypot(*(xy[k] - ends[e])) + np.hypot(*(xy[k] - ends[e + 1]))
                          - np.hypot(*(ends[e] - ends[e + 1]))) * min_per_km, e)
                   for e in range(len(stops) + 1) if e != position)
    for minutes, at in order:
        if minutes > rules.max_detour_min or planned_min + minutes > rules.max_tour_min:
            break
        times = check(at)
        if times is not None:
            return at, minutes, times
    return None


def _legs_drivable(cand: Candidates, stops: list[int], position: int, k: int, roads: _RoadLegs) -> bool:
    """Whether stop ``k`` inserted before ``stops[position]`` can be driven to and from."""
    before = stops[position - 1] if position > 0 else None
    after = stops[position] if position < len(stops) else None
    return ((before is None or _leg_drivable(cand, before, k, roads))
            and (after is None or _leg_drivable(cand, k, after, roads)))


def _leg_drivable(cand: Candidates, a: int, b: int, roads: _RoadLegs) -> bool:
    if cand.round_trip is not None and cand.round_trip[a] and cand.round_trip[b]:
        return True                     # there and back from the depot: at worst through the depot
    return bool(np.isfinite(roads(a, b)))


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
