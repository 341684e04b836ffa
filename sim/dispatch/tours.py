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
it, would serve it sooner: it waits for that truck instead. The estimate counts the drive (the
depot's real route to the first stop, then straight-line legs), the unload
at each stop before it (the first drop the depot's ``unload_time``, further
drops :data:`EXTRA_DROP_UNLOAD_FACTOR` of it), from when the truck leaves
the bay.

Travel between stops is estimated for choosing (straight-line distance times
the depot's own minutes per kilometre on its real routes); the truck drives
the fastest route when it goes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.agents.vehicle import EXTRA_DROP_UNLOAD_FACTOR

__all__ = ["Drop", "Tour", "TourRules", "Candidates", "compose_load", "build_tour", "PURPOSES"]

#: What a drop is for, by urgency tier.
PURPOSES = ("first_batch", "relief", "resupply")
#: Candidates whose insertion is costed at once (see :func:`_most_urgent_insertion`).
INSERTION_BLOCK = 64


@dataclass
class Drop:
    """Items for one zone on a tour, and what they are for (one of :data:`PURPOSES`)."""

    zone: object
    items: dict[str, float]
    weight_kg: float
    purpose: str


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

    def hand_over_min(self, stops: list[int], min_per_km: float) -> np.ndarray:
        """Estimated hand-over time (run minutes) at each of ``stops`` in driving order."""
        legs_km = np.hypot(*np.diff(self.xy_km[stops], axis=0).T) if len(stops) > 1 else np.zeros(0)
        drive = self.depot_min[stops[0]] + np.concatenate([[0.0], np.cumsum(legs_km * min_per_km)])
        unload = self.unload_min * (1.0 + EXTRA_DROP_UNLOAD_FACTOR * np.arange(len(stops)))
        return self.leave_min + drive + unload


def compose_load(need, avail, unit_kg, room_kg: float) -> np.ndarray:
    """Whole units of ``need`` within ``room_kg`` and the ``avail``able stock (arrays over items).

    The units keep the need's proportions (so a load covers whole people); room
    an item's shortage leaves is filled with the other items' remaining need,
    heaviest units first.
    """
    want = np.floor(np.minimum(need, np.maximum(avail, 0.0)) + 1e-9)
    total = float(want @ unit_kg)
    if total <= 0 or room_kg <= 0:
        return np.zeros_like(want)
    load = np.floor(want * min(1.0, room_kg / total) + 1e-9)
    room = room_kg - float(load @ unit_kg)
    for i in np.argsort(-unit_kg, kind="stable"):
        extra = min(want[i] - load[i], math.floor((room + 1e-9) / unit_kg[i]))
        if extra > 0:
            load[i] += extra
            room -= extra * unit_kg[i]
    return load


def _insertion_matrix(path_xy: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """``[point, edge]``: km added by putting each point of ``xy`` into each edge of the
    closed path ``path_xy`` (depot, stops…, depot)."""
    a, b = path_xy[:-1], path_xy[1:]                                      # [e, 2]
    ab = np.hypot(*(a - b).T)                                             # [e]
    ap = np.hypot(xy[:, None, 0] - a[None, :, 0], xy[:, None, 1] - a[None, :, 1])
    pb = np.hypot(xy[:, None, 0] - b[None, :, 0], xy[:, None, 1] - b[None, :, 1])
    return ap + pb - ab[None, :]


def _insertion_costs(path_xy: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every point of ``xy``: km added by its cheapest insertion into the
    closed path ``path_xy`` (depot, stops…, depot), and the edge it goes in."""
    added = _insertion_matrix(path_xy, xy)
    edge = np.argmin(added, axis=1)
    return added[np.arange(len(xy)), edge], edge


def build_tour(tour_id: int, depot_id: str, depot_xy_km: np.ndarray, cand: Candidates, avail: np.ndarray,
               unit_kg: np.ndarray, items: tuple, payload_kg: float, rules: TourRules,
               min_per_km: float, drivable=None) -> Tour | None:
    """The tour of one truck (see the module docstring), or ``None`` when there is nothing to carry.

    ``drivable(zone_a, zone_b)`` says whether the roads lead from one zone to
    another now (one-way streets, closures); a stop goes in only between stops
    it can be driven from and to (the depot legs are the candidates' own).
    Between two stops the depot can drive to and back from (``cand.round_trip``)
    there is always a way, through the depot, so only legs to or from other
    stops are asked.
    """
    if not len(cand):
        return None
    avail = np.array(avail, dtype=float)
    first_cap = np.where(cand.tier == 0, rules.first_batch_cap_kg(payload_kg), payload_kg)
    carry_kg = np.minimum(np.minimum(cand.need, np.maximum(avail, 0.0)[None, :]) @ unit_kg, first_cap)
    worth = carry_kg >= min(rules.min_drop_kg, payload_kg)
    pool = np.flatnonzero(worth) if worth.any() else np.flatnonzero(carry_kg >= float(unit_kg.min()))
    if not len(pool):
        return None
    first = int(pool[0])                                 # rows come in urgency order
    tour = Tour(tour_id, depot_id)
    room = payload_kg
    drop = _drop(cand, first, avail, unit_kg, items, room, rules, payload_kg)
    if drop is None:
        return None
    tour.drops.append(drop)
    room -= drop.weight_kg
    stops = [first]
    open_rows = carry_kg > 0
    open_rows[first] = False
    tour.planned_min = 2.0 * float(cand.depot_min[first])
    if cand.due_min is not None:
        # When each candidate would be served straight from the depot, by this truck and by the next.
        alone_min = cand.leave_min + cand.depot_min + cand.unload_min
        next_leave = cand.leave_min if cand.next_leave_min is None else cand.next_leave_min
        next_alone_min = next_leave + cand.depot_min + cand.unload_min
    while room >= min(rules.min_drop_kg, payload_kg) and len(stops) < rules.max_stops and open_rows.any():
        path = np.vstack([depot_xy_km, cand.xy_km[stops], depot_xy_km])
        windows = None if cand.due_min is None else _Windows(cand, stops, min_per_km, alone_min, next_alone_min)
        found = _most_urgent_insertion(path, cand.xy_km, open_rows, min_per_km, tour.planned_min, rules, windows)
        if found is None:
            break
        k, position, added_min = found
        open_rows[k] = False
        if drivable is not None and not _legs_drivable(cand, stops, position, k, drivable):
            continue
        drop = _drop(cand, k, avail, unit_kg, items, room, rules, payload_kg)
        if drop is None:
            continue
        stops.insert(position, k)
        tour.drops.insert(position, drop)
        room -= drop.weight_kg
        tour.planned_min += added_min
    return tour


class _Windows:
    """Which insertions keep the tour's deadlines (see the module docstring): the stops'
    slack now, and the least slack of the stops served on time from each position on."""

    def __init__(self, cand: Candidates, stops: list[int], min_per_km: float, alone_min: np.ndarray,
                 next_alone_min: np.ndarray):
        self.cand, self.stops, self.min_per_km = cand, stops, min_per_km
        self.alone_min, self.next_alone_min = alone_min, next_alone_min
        self.hand_over = cand.hand_over_min(stops, min_per_km)
        slack = cand.due_min[stops] - self.hand_over
        on_time = np.where(slack >= 0, slack, np.inf)
        # least_slack[p]: the least slack among the on-time stops at position p or later.
        self.least_slack = np.concatenate([np.minimum.accumulate(on_time[::-1])[::-1], [np.inf]])

    def feasible(self, block: np.ndarray, added_min: np.ndarray) -> np.ndarray:
        """``[row, position]``: whether inserting each row of ``block`` before the stop at each
        position (``added_min``: minutes of driving it adds there) keeps the deadlines."""
        cand, stops = self.cand, self.stops
        extra_unload = EXTRA_DROP_UNLOAD_FACTOR * cand.unload_min
        keeps_others = added_min + extra_unload <= self.least_slack[None, :]
        # The new stop's own hand-over: first, straight from the depot; later, after the stop before it.
        prev = cand.xy_km[stops]
        leg_min = np.hypot(cand.xy_km[block, None, 0] - prev[None, :, 0],
                           cand.xy_km[block, None, 1] - prev[None, :, 1]) * self.min_per_km
        own = np.concatenate([self.alone_min[block][:, None], self.hand_over[None, :] + leg_min + extra_unload],
                             axis=1)
        due = self.cand.due_min[block][:, None]
        # A stop goes on late only if the depot's next truck would not serve it sooner.
        keeps_own = (own <= due) | (own <= self.next_alone_min[block][:, None])
        return keeps_others & keeps_own


def _most_urgent_insertion(path_xy: np.ndarray, xy: np.ndarray, open_rows: np.ndarray, min_per_km: float,
                           planned_min: float, rules: TourRules,
                           windows: _Windows | None = None) -> tuple[int, int, float] | None:
    """The most urgent open row whose cheapest insertion keeps the tour within its limits
    (and its deadlines, with ``windows``): (row, position in the stops, minutes added),
    or ``None``.

    Rows come in urgency order, so they are tried in blocks from the most
    urgent on; most tours find their next stop in the first block.
    """
    rows = np.flatnonzero(open_rows)
    for start in range(0, len(rows), INSERTION_BLOCK):
        block = rows[start:start + INSERTION_BLOCK]
        if windows is None:
            added_km, edge = _insertion_costs(path_xy, xy[block])
            added_min = added_km * min_per_km
        else:
            added = _insertion_matrix(path_xy, xy[block]) * min_per_km
            added = np.where(windows.feasible(block, added), added, np.inf)
            edge = np.argmin(added, axis=1)
            added_min = added[np.arange(len(block)), edge]
        fits = (added_min <= rules.max_detour_min) & (planned_min + added_min <= rules.max_tour_min)
        if fits.any():
            j = int(np.argmax(fits))
            return int(block[j]), int(edge[j]), float(added_min[j])
    return None


def _legs_drivable(cand: Candidates, stops: list[int], position: int, k: int, drivable) -> bool:
    """Whether stop ``k`` inserted before ``stops[position]`` can be driven to and from."""
    before = stops[position - 1] if position > 0 else None
    after = stops[position] if position < len(stops) else None
    return ((before is None or _leg_drivable(cand, before, k, drivable))
            and (after is None or _leg_drivable(cand, k, after, drivable)))


def _leg_drivable(cand: Candidates, a: int, b: int, drivable) -> bool:
    if cand.round_trip is not None and cand.round_trip[a] and cand.round_trip[b]:
        return True                     # there and back from the depot: at worst through the depot
    return drivable(cand.zones[a], cand.zones[b])


def _drop(cand: Candidates, row: int, avail: np.ndarray, unit_kg: np.ndarray, items: tuple, room_kg: float,
          rules: TourRules, payload_kg: float) -> Drop | None:
    tier = int(cand.tier[row])
    cap = min(room_kg, rules.first_batch_cap_kg(payload_kg)) if tier == 0 else room_kg
    load = compose_load(cand.need[row], avail, unit_kg, cap)
    if not load.any():
        return None
    avail -= load
    return Drop(cand.zones[row], {items[i]: float(n) for i, n in enumerate(load) if n > 0},
                float(load @ unit_kg), PURPOSES[tier])
