"""Which depot serves which zone: the scenario's ``policy.dispatch``.

A truck ready at depot *d* may take a zone's need only if *d* is the right
depot for it now:

* ``priority_nearest`` (default) — **earliest arrival**: *d*'s truck would
  arrive no later than any other depot's could, plus one planning interval
  (``replan_every``) of slack. Another depot's arrival counts its wait for a
  ready truck (its idle trucks now, else its first truck back), its loading
  time and its driving time; only depots that can send and hold some of the
  zone's open items compete. A near depot with a long queue so loses to a
  farther one with idle trucks, and no depot sits on stock beside need for
  longer than the slack because another *might* come.
* ``nearest`` — the nearest depot (by current travel time) that can send and
  holds some of the zone's open items; no account of queues.
* ``lp`` — the depot a transportation problem assigns: per item, minimal
  unit-minutes of travel from the depots' stock to the zones' open need, with
  a penalty on unmet need above any route (``scipy.optimize.linprog``,
  HiGHS; the constraint matrix is totally unimodular so the optimum is
  integral). The plan is solved again when it may have changed (reports,
  stock, roads, depots held or released), at most once a minute.

Every rule returns a boolean mask over zones for the asking depot.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy.optimize import linprog
from scipy.sparse import coo_array

__all__ = ["can_send", "earliest_arrival", "nearest_depot", "transport_plan", "lp_assignment", "could_serve",
           "service_area_lists", "awaiting_first_batches", "earliest_arrival_eligible", "cut_off_lacking"]


def can_send(depot) -> bool:
    """Whether a depot can send anything now: it has trucks and is not held back."""
    return not depot.blocked and depot.spec.trucks.count > 0


def earliest_arrival(asking: int, arrival_min: np.ndarray, slack_min: float) -> np.ndarray:
    """Zones for which depot ``asking`` arrives no later than the best other depot + ``slack_min``.

    ``arrival_min[e, z]``: when depot ``e``'s next truck would reach zone ``z``
    (``inf`` where it cannot serve it).
    """
    mine = arrival_min[asking]
    if arrival_min.shape[0] == 1:
        return np.isfinite(mine)
    others = np.delete(arrival_min, asking, axis=0).min(axis=0)
    return np.isfinite(mine) & (mine <= others + slack_min)


def nearest_depot(asking: int, travel_min: np.ndarray) -> np.ndarray:
    """Zones whose nearest serving depot (``travel_min[e, z]``, ``inf`` where it
    cannot serve) is ``asking``; ties go to the lower depot index."""
    best = np.argmin(travel_min, axis=0)
    return np.isfinite(travel_min[asking]) & (best == asking)


def transport_plan(travel_min: np.ndarray, supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Per item, the depot-to-zone flows of the transportation problem
    (``supply[e, i]``, ``demand[z, i]``; ``travel_min[e, z]`` ``inf`` where
    depot ``e`` cannot serve zone ``z``); returns ``flow[e, z, i]``."""
    n_depots, n_zones = travel_min.shape
    flow = np.zeros((n_depots, n_zones, supply.shape[1]))
    usable = np.isfinite(travel_min)
    if not usable.any():
        return flow
    penalty = 10.0 * (float(travel_min[usable].max()) + 1.0)
    for i in range(supply.shape[1]):
        s, d = supply[:, i], demand[:, i]
        pairs = np.argwhere(usable & (s[:, None] > 0) & (d[None, :] > 0))
        if not len(pairs):
            continue
        n_x = len(pairs)
        cost = np.concatenate([travel_min[pairs[:, 0], pairs[:, 1]], np.full(n_zones, penalty)])
        a_eq = coo_array((np.ones(n_x + n_zones), (np.concatenate([pairs[:, 1], np.arange(n_zones)]),
                                                    np.arange(n_x + n_zones))), shape=(n_zones, n_x + n_zones))
        a_ub = coo_array((np.ones(n_x), (pairs[:, 0], np.arange(n_x))), shape=(n_depots, n_x + n_zones))
        res = linprog(cost, A_ub=a_ub.tocsr(), b_ub=s, A_eq=a_eq.tocsr(), b_eq=d, bounds=(0, None), method="highs")
        if res.status != 0:
            raise RuntimeError(f"transportation problem for item {i} failed: {res.message}")
        flow[pairs[:, 0], pairs[:, 1], i] = np.floor(res.x[:n_x] + 1e-6)
    return flow


def lp_assignment(asking: int, flow: np.ndarray) -> np.ndarray:
    """Zones the transportation plan sends anything to from depot ``asking``."""
    return flow[asking].sum(axis=1) > 0


def earliest_arrival_all(asking_min: np.ndarray, arrival_min: np.ndarray, slack_min: float) -> np.ndarray:
    """:func:`earliest_arrival` for every depot at once: ``asking_min[d, z]`` is depot
    ``d``'s arrival when one of its trucks asks now, ``arrival_min[e, z]`` any depot's
    arrival as the others see it; returns ``mine[d, z]``."""
    n = arrival_min.shape[0]
    if n == 1:
        return np.isfinite(asking_min)
    cols = np.arange(arrival_min.shape[1])
    best = np.argmin(arrival_min, axis=0)
    first = arrival_min[best, cols]
    rest = arrival_min.copy()
    rest[best, cols] = np.inf
    second = rest.min(axis=0)
    others = np.where(best[None, :] == np.arange(n)[:, None], second[None, :], first[None, :])
    return np.isfinite(asking_min) & (asking_min <= others + slack_min)


def nearest_depot_all(travel_min: np.ndarray) -> np.ndarray:
    """:func:`nearest_depot` for every depot at once (``mine[d, z]``)."""
    best = np.argmin(travel_min, axis=0)
    return np.isfinite(travel_min) & (best[None, :] == np.arange(travel_min.shape[0])[:, None])


def service_area_lists(serves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``serves[d, z]`` as lists: depot ``d``'s zones are ``zones[offsets[d]:offsets[d + 1]]``,
    in ascending order; returns ``(offsets, zones)``. The kernels below walk these pairs
    only: a township reserve's few zones, not the whole district."""
    depot, zone = np.nonzero(np.asarray(serves, dtype=bool))
    offsets = np.zeros(serves.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(depot, minlength=serves.shape[0]), out=offsets[1:])
    return offsets, zone.astype(np.int64)


def earliest_arrival_served(serve: np.ndarray, travel_min: np.ndarray, ready_min: np.ndarray,
                            load_min: np.ndarray, slack_min: float, areas=None) -> np.ndarray:
    """:func:`earliest_arrival_all` from its parts, in one pass over the ``[depot, zone]``
    pairs a depot can serve (``serve``): depot ``e``'s arrival as the others see it is
    ``ready_min[e] + travel_min[e, z]``, its own when one of its trucks asks
    ``load_min[e] + travel_min[e, z]``; returns ``mine[d, z]``. The same sums and
    comparisons as :func:`earliest_arrival_all` (ties to the lower depot index), so the
    same zones. ``areas``: :func:`service_area_lists` of any mask that holds ``serve``
    (by default of ``serve`` itself)."""
    offsets, zones = service_area_lists(serve) if areas is None else areas
    serve = np.ascontiguousarray(serve)
    return earliest_arrival_eligible(serve, serve, np.ascontiguousarray(travel_min, dtype=float),
                                     np.asarray(ready_min, dtype=float), np.asarray(load_min, dtype=float),
                                     float(slack_min), offsets, zones)


@njit(cache=True)
def earliest_arrival_eligible(could, visible, travel_min, ready_min, load_min, slack_min, area_offsets, area_zones):
    """:func:`earliest_arrival_served` of ``serve = could & isfinite(travel_min)``, narrowed to
    ``visible`` (the zones the depot has heard of), in one pass: ``eligible[d, z]``. An
    infinite travel time is never the earliest arrival and never the asking depot's, so
    serving it or not gives the same zones."""
    n_depots, n_zones = travel_min.shape
    best = np.full(n_zones, np.inf)                   # per zone: the earliest arrival, its depot, the next
    best_depot = np.zeros(n_zones, dtype=np.int64)
    second = np.full(n_zones, np.inf)
    for e in range(n_depots):                         # depots in index order: ties to the lower index
        for z in area_zones[area_offsets[e]:area_offsets[e + 1]]:
            if could[e, z] and travel_min[e, z] < np.inf:
                arrival = ready_min[e] + travel_min[e, z]
                if arrival < best[z]:
                    best[z], best_depot[z], second[z] = arrival, e, best[z]
                elif arrival < second[z]:
                    second[z] = arrival
    eligible = np.zeros((n_depots, n_zones), dtype=np.bool_)
    for e in range(n_depots):
        for z in area_zones[area_offsets[e]:area_offsets[e + 1]]:
            if visible[e, z] and could[e, z] and travel_min[e, z] < np.inf:
                asking = load_min[e] + travel_min[e, z]
                others = second[z] if e == best_depot[z] else best[z]
                eligible[e, z] = asking < np.inf and asking <= others + slack_min
    return eligible


@njit(cache=True)
def could_serve(visible_at, now, open_need, avail, sends, area_offsets, area_zones, local, escalated_at):
    """The depot-by-zone masks :meth:`sim.dispatch.planner.TourPlanner.zones_for` starts from, in one pass:
    ``could[d, z]`` — depot ``d`` can send, may serve zone ``z`` now (its service area,
    ``area_zones[area_offsets[d]:area_offsets[d + 1]]`` from :func:`service_area_lists`;
    a district or city depot once the zone has no reserve of its own or its request has
    escalated) and holds an item the zone lacks; ``visible[d, z]`` — that, and ``d`` has
    heard of the zone; ``asks[d]`` — ``d`` could serve a zone some depot has heard of
    (whose travel times are needed). Items a depot holds and a zone lacks are compared
    as bit sets (at most 63 items)."""
    n_depots, n_zones = visible_at.shape
    n_items = open_need.shape[1]
    held = np.zeros(n_depots, dtype=np.int64)         # bit i: the depot holds item i
    for e in range(n_depots):
        for i in range(n_items):
            if avail[e, i] > 1e-9:
                held[e] |= np.int64(1) << i
    lacking = np.zeros(n_zones, dtype=np.int64)       # bit i: the zone lacks item i (none without open need)
    for z in range(n_zones):
        total, bits = 0.0, np.int64(0)
        for i in range(n_items):
            total += open_need[z, i]
            if open_need[z, i] > 1e-9:
                bits |= np.int64(1) << i
        if total > 1e-9:
            lacking[z] = bits
    could = np.zeros((n_depots, n_zones), dtype=np.bool_)
    visible = np.zeros((n_depots, n_zones), dtype=np.bool_)
    wanted = np.zeros(n_zones, dtype=np.bool_)
    for e in range(n_depots):
        if not sends[e] or held[e] == 0:
            continue
        for z in area_zones[area_offsets[e]:area_offsets[e + 1]]:
            if (lacking[z] & held[e]) != 0 and (local[e] or escalated_at[z] <= now):
                could[e, z] = True
                if visible_at[e, z] <= now:
                    visible[e, z] = True
                    wanted[z] = True
    asks = np.zeros(n_depots, dtype=np.bool_)
    for e in range(n_depots):
        for z in area_zones[area_offsets[e]:area_offsets[e + 1]]:
            if could[e, z] and wanted[z]:
                asks[e] = True
                break
    return could, visible, asks


@njit(cache=True)
def cut_off_lacking(cut, known_min, heard_at, serves, local, escalated_at, open_need, avail, now):
    """Of the zones ``cut`` (ascending indices) no truck can reach now, those a depot may
    send to by a last-mile mode: known to command and heard of by the depot
    (``heard_at``, its row of ``visible_at``) by ``now``, in its service area
    (``serves``, its row), escalated unless the depot is a ``local`` reserve, and
    lacking an item the depot holds (``avail``, its row); in ascending order."""
    rows = np.empty(cut.shape[0], dtype=np.int64)
    n = 0
    for z in cut:
        if known_min[z] <= now and heard_at[z] <= now and serves[z] and (local or escalated_at[z] <= now):
            for i in range(open_need.shape[1]):
                if open_need[z, i] > 1e-9 and avail[i] > 1e-9:
                    rows[n] = z
                    n += 1
                    break
    return rows[:n]


def awaiting_first_batches(serves, visible_at, hit_min, first_deadline_min: float, first_en_route, travel_row,
                           zones, now: float) -> np.ndarray:
    """Indices of the communities a township or community reserve waits for: of its area
    (``serves``), hit and affected, not heard of yet (``visible_at``, the reserve's row),
    without first supplies or a first batch on its way, still inside their first-supplies
    window and within its trucks' reach now (``travel_row``).

    While there are any, the reserve's last ``policy.tours.keep_for_first_batches``
    trucks leave only with first batches, or wait for them, and it keeps their first
    batches' stock back from relief and resupply (``keep_stock_for_first_batches``;
    :meth:`sim.dispatch.planner.TourPlanner.stock_kept`): a township head does not send
    the whole fleet, or the whole store, to the first village that reports while the
    other villages' reports are coming in (an assumption; a village without affected
    people is not waited for, its all-clear taken as known). Without the trucks, more
    loading bays made first supplies later: every truck left at once with relief for the
    first villages to report, and the next reports waited for the fleet's return.
    District and city depots, answering for a wide area, do not wait for reports."""
    waiting = (serves & (visible_at > now) & (hit_min <= now) & (now < hit_min + first_deadline_min)
               & (first_en_route == 0) & np.isfinite(travel_row))
    rows = np.flatnonzero(waiting)
    return np.array([k for k in rows.tolist() if zones[k].is_affected and zones[k].first_supply_min == math.inf],
                    dtype=np.int64)
