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
batches for several sites — the rest following on later tours; never less,
though, than the first batch the targets count (``targets.first_batch.min_kg``,
:mod:`sim.agents.first_batch`) where the vehicle carries that much. A zone
stays among the first batches until a drop that completes its first batch is
on its way: a token drop does not take it off.

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

from sim.agents.vehicle import EXTRA_DROP_UNLOAD_FACTOR
from sim.dispatch.tour_insertion import (
    _ASKS_LEGS,
    _DONE,
    _EXACT,
    _LEGS,
    _NO_ROADS,
    _compose_load,
    _grow,
)

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
    keep_stock_for_first_batches: bool = True
    deadline_margin_min: float = 0.0
    first_batch_min_kg: float = 0.0      # what the targets count as a first batch (targets.first_batch.min_kg)

    def first_batch_cap_kg(self, payload_kg: float) -> float:
        """A zone's first batch on a vehicle of ``payload_kg``, at most — never less than the
        first batch the targets count, as far as the vehicle carries it."""
        return max(min(self.first_batch_kg, self.first_batch_share * payload_kg),
                   min(self.first_batch_min_kg, payload_kg))


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


def build_tour(tour_id: int, depot_id: str, depot_xy_km: np.ndarray, cand: Candidates, avail: np.ndarray,
               unit_kg: np.ndarray, items: tuple, payload_kg: float, rules: TourRules,
               min_per_km: float, leg_min=None, heaviest_first: np.ndarray | None = None,
               kept: np.ndarray | None = None) -> Tour | None:
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
    checked on the roads' times (:func:`_keeps_deadlines`). ``kept``: units by item that
    only first batches may take (relief and resupply drops leave them in the depot).
    """
    if not len(cand):
        return None
    avail = np.array(avail, dtype=float)
    kept = np.zeros_like(avail) if kept is None else np.ascontiguousarray(kept, dtype=float)
    need = np.ascontiguousarray(cand.need, dtype=float)
    unit_kg = np.ascontiguousarray(unit_kg, dtype=float)
    if heaviest_first is None:
        heaviest_first = np.argsort(-unit_kg, kind="stable")
    first_cap = np.where(cand.tier == 0, rules.first_batch_cap_kg(payload_kg), payload_kg)
    usable = np.where((cand.tier == 0)[:, None], avail[None, :], (avail - kept)[None, :])
    carry_kg = np.minimum(np.minimum(need, np.maximum(usable, 0.0)) @ unit_kg, first_cap)
    worth = carry_kg >= min(rules.min_drop_kg, payload_kg)
    pool = np.flatnonzero(worth) if worth.any() else np.flatnonzero(carry_kg >= float(unit_kg.min()))
    if not len(pool):
        return None
    first = int(pool[0])                                 # rows come in urgency order
    tour = Tour(tour_id, depot_id)
    room = payload_kg
    drop = _drop(cand, need, first, avail, kept, unit_kg, heaviest_first, items, room, rules, payload_kg)
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
            np.array(stops, dtype=np.int64), xy, depot_xy, open_rows, need, avail, kept, unit_kg, heaviest_first, rows,
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


def _drop(cand: Candidates, need: np.ndarray, row: int, avail: np.ndarray, kept: np.ndarray, unit_kg: np.ndarray,
          heaviest_first: np.ndarray, items: tuple, room_kg: float, rules: TourRules,
          payload_kg: float) -> Drop | None:
    """Candidate ``row``'s drop (:func:`compose_load` of its ``need`` within the room and the
    tier's cap; beyond the ``kept`` units unless a first batch), taken out of ``avail``;
    ``None`` if not a whole unit fits."""
    tier = int(cand.tier[row])
    cap = min(room_kg, rules.first_batch_cap_kg(payload_kg)) if tier == 0 else room_kg
    load = _compose_load(need[row], avail if tier == 0 else avail - kept, unit_kg, float(cap), heaviest_first)
    if not load.any():
        return None
    avail -= load
    load.setflags(write=False)
    return Drop(cand.zones[row], {items[i]: n for i, n in enumerate(load.tolist()) if n > 0},
                float(load @ unit_kg), PURPOSES[tier], units=load)
