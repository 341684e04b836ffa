"""Dispatch policies: which depot sends what to which zone.

A policy sees the zones whose needs command knows of (their open need: need
not yet delivered or on its way), the depots with their available stock, and
the current travel time from every depot to every zone. It returns orders
``(depot, zone, items)``; command turns orders into truckloads.

* ``nearest`` — zones in the order their reports arrived; each item from the
  nearest depot that still has it, then the next nearest.
* ``priority_nearest`` — every zone that has had nothing yet first gets a
  **first batch** (up to one truckload of its mix of items); then the rest of
  the need is allocated, **rationed** in proportion to need when stock is
  short (so a shortage is shared rather than starving the last zones
  reported), and only as many truckloads per depot as it can load within the
  planning horizon (two re-planning intervals), so stock is not promised
  long before a truck can carry it. Zones that have had no supplies yet come first, then zones with
  more vulnerable affected people; each zone is served by
  the depot whose truck would arrive **earliest**: the depot's backlog of
  ordered truckloads × its dispatch interval (the slower of its loading bays
  and its fleet's round trips), plus loading and driving time. So a near
  depot with a long queue loses to a farther one with idle trucks.
* ``lp`` — a transportation problem per item, solved by
  ``scipy.optimize.linprog`` (HiGHS): minimise unit-minutes of travel plus a
  penalty per unit of unmet need larger than any route, so as much need as
  stock allows is met and, among such plans, the one closest to the depots.
  (The constraint matrix is totally unimodular, so the optimum is integral.)

A depot that cannot reach a zone now (``inf`` travel time), has no trucks, or
is held back (no outside support) is never chosen for it (:func:`can_send`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_array

__all__ = ["Order", "plan_orders", "POLICIES"]


@dataclass
class Order:
    depot: object
    zone: object
    items: dict[str, float]


class _Pool:
    """Depot stock and truck backlogs as a plan allocates them."""

    def __init__(self, depots, times, unit_kg=None):
        self.depots = depots
        self.times = times
        self.unit_kg = unit_kg
        self.avail = [{item: d.available(item) for item in d.stock} for d in depots]
        self.backlog = [float(d.backlog) for d in depots]
        self.orders: dict[tuple[int, int], dict[str, float]] = {}
        # Per plan, once: which depots can serve each zone, and (zone-major
        # lists) the travel time, dispatch interval and loading time of each.
        open_depot = np.array([can_send(d) for d in depots], dtype=bool)
        usable = np.isfinite(times) & open_depot[:, None]
        self._usable = [[di for di, ok in enumerate(row) if ok] for row in usable.T.tolist()]
        self._times_t = times.T.tolist()
        if unit_kg is not None and len(depots):
            load = np.array([d.spec.load_time * d.slowdown for d in depots])
            bays = np.array([d.spec.loading_bays for d in depots], dtype=float)
            trucks = np.array([max(d.spec.trucks.count, 1) for d in depots], dtype=float)
            unload = np.array([d.spec.unload_time for d in depots])
            with np.errstate(invalid="ignore"):
                cycle = load[:, None] + unload[:, None] + 2.0 * times
                interval = np.maximum((load / bays)[:, None], cycle / trucks[:, None])
            self._interval_t = interval.T.tolist()
            self._load = load.tolist()

    def ranked(self, zi: int) -> list[int]:
        """Usable depots for zone ``zi``: by travel time, or by estimated
        arrival when unit weights are known (see the module docstring)."""
        usable, t = self._usable[zi], self._times_t[zi]
        if self.unit_kg is None:
            return sorted(usable, key=lambda di: (t[di], di))
        interval, backlog, load = self._interval_t[zi], self.backlog, self._load
        return sorted(usable, key=lambda di: (backlog[di] * interval[di] + load[di] + t[di], di))

    def take(self, zi: int, want: dict[str, float], ranked: list[int]) -> dict[str, float]:
        """Allocate ``want`` to zone ``zi`` from the ranked depots; returns what was got."""
        got: dict[str, float] = {}
        added: dict[int, float] = {}
        for item, amount in want.items():
            left = amount
            for di in ranked:
                if left <= 0:
                    break
                take = min(left, self.avail[di].get(item, 0.0))
                if take > 0:
                    self.avail[di][item] -= take
                    left -= take
                    cell = self.orders.setdefault((di, zi), {})
                    cell[item] = cell.get(item, 0.0) + take
                    got[item] = got.get(item, 0.0) + take
                    if self.unit_kg is not None:
                        added[di] = added.get(di, 0.0) + take * self.unit_kg[item]
        for di, kg in added.items():
            self.backlog[di] += math.ceil(kg / self.depots[di].spec.trucks.payload_kg)
        return got

    def total_available(self, item: str) -> float:
        return sum(a.get(item, 0.0) for a, d in zip(self.avail, self.depots) if can_send(d))

    def result(self, zones) -> list[Order]:
        return [Order(self.depots[di], zones[zi], items) for (di, zi), items in self.orders.items()]


def can_send(depot) -> bool:
    """Whether a depot can send anything now: it has trucks and is not held back."""
    return not depot.blocked and depot.spec.trucks.count > 0


def _greedy(zones, open_needs, depots, times, order, unit_kg=None) -> list[Order]:
    """Fill each zone's open need in ``order``."""
    pool = _Pool(depots, times, unit_kg)
    for zi in order:
        pool.take(zi, open_needs[zi], pool.ranked(zi))
    return pool.result(zones)


def plan_nearest(zones, open_needs, depots, times, unit_kg) -> list[Order]:
    order = sorted(range(len(zones)), key=lambda i: (zones[i].report_min, zones[i].index))
    return _greedy(zones, open_needs, depots, times, order)


def priority_key(zone) -> tuple:
    """Unserved zones first, then more vulnerable affected people, then report time."""
    return (zone.first_supply_min < math.inf, -zone.vulnerable_affected, zone.report_min, zone.index)


def plan_priority_nearest(zones, open_needs, depots, times, unit_kg, horizon_min: float = 60.0) -> list[Order]:
    order = sorted(range(len(zones)), key=lambda i: priority_key(zones[i]))
    pool = _Pool(depots, times, unit_kg)
    left = [dict(n) for n in open_needs]
    # Pass 1: a first batch — at most one truckload of its mix — for every
    # zone that has had nothing yet and has nothing on the way.
    for zi in order:
        zone = zones[zi]
        if zone.first_supply_min < math.inf or any(
                abs(left[zi].get(i, 0.0) - n) > 1e-9 for i, n in zone.need.items() if n > 0):
            continue
        ranked = pool.ranked(zi)
        if not ranked:
            continue
        kg = sum(a * unit_kg[i] for i, a in left[zi].items())
        scale = min(1.0, depots[ranked[0]].spec.trucks.payload_kg / kg) if kg > 0 else 1.0
        want = {i: max(math.floor(a * scale), 1.0) for i, a in left[zi].items()}
        for item, amount in pool.take(zi, want, ranked).items():
            left[zi][item] -= amount
    # Pass 2: the rest, rationed in proportion to need when stock is short,
    # and only as many truckloads as each depot can dispatch before the next
    # plans: stock stays unpromised for zones whose reports are still to come.
    cap = [depot_horizon_loads(d, horizon_min) for d in depots]
    ration = {}
    for item in {i for need in left for i in need}:
        wanted = sum(need.get(item, 0.0) for need in left)
        ration[item] = min(1.0, pool.total_available(item) / wanted) if wanted > 0 else 1.0
    for zi in order:
        if all(pool.backlog[di] >= cap[di] for di in range(len(depots))):
            break                       # every depot has a full horizon of loads
        want = {i: math.floor(a * ration[i] + 1e-9) for i, a in left[zi].items() if a > 1e-9}
        want = {i: a for i, a in want.items() if a > 0}
        if want:
            pool.take(zi, want, [di for di in pool.ranked(zi) if pool.backlog[di] < cap[di]])
    return pool.result(zones)


def depot_horizon_loads(depot, horizon_min: float) -> float:
    """Truckloads a depot's bays can load within ``horizon_min`` (at least one)."""
    spec = depot.spec
    return max(1.0, math.ceil(horizon_min * spec.loading_bays / (spec.load_time * depot.slowdown)))


def plan_lp(zones, open_needs, depots, times, unit_kg) -> list[Order]:
    items = sorted({item for need in open_needs for item in need})
    usable = np.isfinite(times) & np.array([can_send(d) for d in depots], dtype=bool)[:, None]
    penalty = 10.0 * (np.nanmax(np.where(usable, times, 0.0)) + 1.0)
    orders: dict[tuple[int, int], dict[str, float]] = {}
    for item in items:
        demand = np.array([need.get(item, 0.0) for need in open_needs])
        supply = np.array([max(d.available(item), 0.0) for d in depots])
        pairs = np.argwhere(usable & (supply[:, None] > 0) & (demand[None, :] > 0))
        if len(pairs) == 0:
            continue
        nz = len(zones)
        n_x = len(pairs)
        cost = np.concatenate([times[pairs[:, 0], pairs[:, 1]], np.full(nz, penalty)])
        # Equalities: each zone's shipments + unmet = demand.
        rows = np.concatenate([pairs[:, 1], np.arange(nz)])
        cols = np.arange(n_x + nz)
        a_eq = coo_array((np.ones(n_x + nz), (rows, cols)), shape=(nz, n_x + nz)).tocsr()
        # Inequalities: each depot ships at most its stock.
        a_ub = coo_array((np.ones(n_x), (pairs[:, 0], np.arange(n_x))), shape=(len(depots), n_x + nz)).tocsr()
        res = linprog(cost, A_ub=a_ub, b_ub=supply, A_eq=a_eq, b_eq=demand, bounds=(0, None), method="highs")
        if res.status != 0:
            raise RuntimeError(f"transportation LP for {item} failed: {res.message}")
        x = np.floor(res.x[:n_x] + 1e-6)
        for (di, zi), amount in zip(pairs, x):
            if amount > 0:
                orders.setdefault((int(di), int(zi)), {})[item] = float(min(amount, supply[di]))
    return [Order(depots[di], zones[zi], it) for (di, zi), it in orders.items()]


POLICIES = {"nearest": plan_nearest, "priority_nearest": plan_priority_nearest, "lp": plan_lp}


def plan_orders(policy: str, zones, open_needs, depots, times, unit_kg: dict[str, float],
                horizon_min: float = 60.0) -> list[Order]:
    """Orders by the named policy (see module docstring)."""
    if policy == "priority_nearest":
        return plan_priority_nearest(zones, open_needs, depots, times, unit_kg, horizon_min)
    return POLICIES[policy](zones, open_needs, depots, times, unit_kg)
