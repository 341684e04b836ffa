"""Which zone comes first: urgency by the deadline each zone is closest to missing.

Every open need has a deadline from the planning targets: a zone that has had
no supplies from a district or city depot must get its **first batch** within
the district-supplies target of being hit (3 h [TZ]); its people's first-day
needs must be on site within the relief target (8 h [TZ]); later needs
(tomorrow's rations) are due when they arise. Zones are served in three
tiers — first batches, then relief, then resupply — and within a tier by
**least slack** (deadline minus the estimated arrival of this truck): the
earliest-deadline-first rule, which meets every deadline whenever any order
can (Jackson 1955; Liu & Layland 1973). Zones that can no longer make their
deadline come after those that still can, oldest deadline first, so a lost
cause does not make a savable zone late too. Ties go to the zone with more
vulnerable affected people.

Kernels built into another kernel's code (:func:`_urgency_order`,
:func:`_tiers_and_deadlines`) are not also called from Python: Python calls thin entry
kernels (:func:`urgency_order`'s, :func:`tiers_and_deadlines`). One that was both, loaded
from numba's disk cache, once failed to hand its array back to Python ("'descr' is
NULL") in one CI run of several.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["urgency_order", "tiers_and_deadlines", "ranked_candidates", "FIRST_BATCH", "RELIEF", "RESUPPLY"]

FIRST_BATCH, RELIEF, RESUPPLY = 0, 1, 2


def urgency_order(tier: np.ndarray, deadline_min: np.ndarray, arrival_min: np.ndarray,
                  vulnerable: np.ndarray) -> np.ndarray:
    """Row indices in urgency order (see the module docstring): by tier, then those that
    can still make their deadline by slack and those that cannot by deadline, then more
    vulnerable people first, ties in row order."""
    return _urgency_order_entry(np.ascontiguousarray(tier, dtype=np.int64),
                                np.ascontiguousarray(deadline_min, dtype=float),
                                np.ascontiguousarray(arrival_min, dtype=float),
                                np.ascontiguousarray(vulnerable, dtype=float))


@njit(cache=True)
def _urgency_order_entry(tier, deadline_min, arrival_min, vulnerable):
    """:func:`_urgency_order` called from Python (see the module docstring's note on kernels)."""
    return _urgency_order(tier, deadline_min, arrival_min, vulnerable)


@njit(cache=True)
def _urgency_order(tier, deadline_min, arrival_min, vulnerable):
    """:func:`urgency_order` as ``np.lexsort((-vulnerable, key, late, tier))`` orders it, in one
    stable merge sort on the composite key (NaN after every number, as numpy sorts it); the
    merge moves the keys with the rows instead of looking them up."""
    n = tier.shape[0]
    group = np.empty(n, dtype=np.int64)
    key = np.empty(n)
    fewer = np.empty(n)                               # -vulnerable: more vulnerable people first
    for r in range(n):
        slack = deadline_min[r] - arrival_min[r]
        late = slack < 0
        key[r] = deadline_min[r] if late else slack
        group[r] = 2 * tier[r] + (1 if late else 0)
        fewer[r] = -vulnerable[r]
    order = np.arange(n)
    spare_order = np.empty(n, dtype=np.int64)
    spare_group = np.empty(n, dtype=np.int64)
    spare_key = np.empty(n)
    spare_fewer = np.empty(n)
    width = 1
    while width < n:                                  # bottom-up merges of sorted runs
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j = lo, mid
            for k in range(lo, hi):
                # Take from the left run unless the right one's row comes strictly first.
                if i < mid and (j >= hi or not _before(group[j], key[j], fewer[j], group[i], key[i], fewer[i])):
                    src = i
                    i += 1
                else:
                    src = j
                    j += 1
                spare_order[k], spare_group[k], spare_key[k], spare_fewer[k] = order[src], group[src], key[src], fewer[src]
        order, spare_order = spare_order, order
        group, spare_group = spare_group, group
        key, spare_key = spare_key, key
        fewer, spare_fewer = spare_fewer, fewer
        width *= 2
    return order


@njit(cache=True, inline="always")
def _float_before(x, y):
    """``x`` sorts before ``y`` as numpy sorts floats (NaN last)."""
    return x < y or (y != y and x == x)


@njit(cache=True, inline="always")
def _before(group_a, key_a, fewer_a, group_b, key_b, fewer_b):
    """Row a strictly before row b by (group, key, fewer); equal rows keep their order."""
    if group_a != group_b:
        return group_a < group_b
    if _float_before(key_a, key_b):
        return True
    if _float_before(key_b, key_a):
        return False
    return _float_before(fewer_a, fewer_b)


@njit(cache=True)
def tiers_and_deadlines(rows, first_done, first_en_route, first_day_need, delivered, en_route, hit_min,
                        first_deadline_min, relief_deadline_min, resupply_due_min):
    """:func:`_tiers_and_deadlines` called from Python (see the module docstring's note on kernels)."""
    return _tiers_and_deadlines(rows, first_done, first_en_route, first_day_need, delivered, en_route, hit_min,
                                first_deadline_min, relief_deadline_min, resupply_due_min)


@njit(cache=True)
def _tiers_and_deadlines(rows, first_done, first_en_route, first_day_need, delivered, en_route, hit_min,
                         first_deadline_min, relief_deadline_min, resupply_due_min):
    """The tier and deadline of each zone of ``rows``: its **first batch** (due
    ``first_deadline_min`` after its hit) while it has had no first supplies
    (``first_done``) and none is on its way (``first_en_route``); **relief** (due
    ``relief_deadline_min`` after its hit) while some of its first day's need is neither
    delivered nor on its way; else **resupply**, due at ``resupply_due_min``."""
    n_items = first_day_need.shape[1]
    tier = np.empty(rows.shape[0], dtype=np.int64)
    deadline = np.empty(rows.shape[0])
    for k in range(rows.shape[0]):
        z = rows[k]
        if not first_done[z] and first_en_route[z] == 0:
            tier[k], deadline[k] = FIRST_BATCH, hit_min[z] + first_deadline_min
            continue
        first_day_open = False
        for i in range(n_items):
            if first_day_need[z, i] - delivered[z, i] - en_route[z, i] > 1e-9:
                first_day_open = True
                break
        if first_day_open:
            tier[k], deadline[k] = RELIEF, hit_min[z] + relief_deadline_min
        else:
            tier[k], deadline[k] = RESUPPLY, resupply_due_min
    return tier, deadline


@njit(cache=True)
def ranked_candidates(rows, first_done, first_en_route, first_day_need, delivered, en_route, hit_min,
                      first_deadline_min, relief_deadline_min, resupply_due_min, depot_min, vulnerable, open_need,
                      zone_xy, extra_need, extra_xy, extra_min, extra_tier, extra_deadline, leave_min, first_only):
    """A truck's candidates in urgency order, in one pass: the zones ``rows`` (their tiers and
    deadlines by :func:`tiers_and_deadlines`, the depot's minutes ``depot_min[z]``, their
    ``vulnerable`` people, ``open_need`` and ``zone_xy``) followed by other stops (the
    ``extra_*`` arrays, row for row; no vulnerable people), ordered by :func:`urgency_order`
    with arrivals ``leave_min`` plus the minutes from the depot — with ``first_only``, first
    batches alone. Returns ``(order, need, xy_km, depot_min, tier, due_min, round_trip)``:
    ``order`` indexes the zones then the other stops; the rest are in that order,
    ``due_min`` the deadline (``inf`` for resupply) and ``round_trip`` true for zones."""
    zone_tier, zone_deadline = _tiers_and_deadlines(rows, first_done, first_en_route, first_day_need, delivered,
                                                    en_route, hit_min, first_deadline_min, relief_deadline_min,
                                                    resupply_due_min)
    n_rows = rows.shape[0]
    n = n_rows + extra_tier.shape[0]
    tier = np.empty(n, dtype=np.int64)
    deadline = np.empty(n)
    minutes = np.empty(n)
    people = np.zeros(n)
    for k in range(n_rows):
        tier[k], deadline[k] = zone_tier[k], zone_deadline[k]
        minutes[k] = depot_min[rows[k]]
        people[k] = vulnerable[rows[k]]
    for j in range(extra_tier.shape[0]):
        tier[n_rows + j], deadline[n_rows + j] = extra_tier[j], extra_deadline[j]
        minutes[n_rows + j] = extra_min[j]
    arrival = np.empty(n)
    for k in range(n):
        arrival[k] = leave_min + minutes[k]
    order = _urgency_order(tier, deadline, arrival, people)
    if first_only:
        order = order[tier[order] == FIRST_BATCH]
    m = order.shape[0]
    n_items = open_need.shape[1]
    need = np.empty((m, n_items))
    xy = np.empty((m, 2))
    out_min = np.empty(m)
    out_tier = np.empty(m, dtype=np.int64)
    due = np.empty(m)
    round_trip = np.empty(m, dtype=np.bool_)
    for p in range(m):
        k = order[p]
        if k < n_rows:
            z = rows[k]
            need[p] = open_need[z]
            xy[p] = zone_xy[z]
        else:
            need[p] = extra_need[k - n_rows]
            xy[p] = extra_xy[k - n_rows]
        out_min[p], out_tier[p] = minutes[k], tier[k]
        due[p] = np.inf if tier[k] == RESUPPLY else deadline[k]
        round_trip[p] = k < n_rows
    return order, need, xy, out_min, out_tier, due, round_trip
