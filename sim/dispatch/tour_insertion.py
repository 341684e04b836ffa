"""The compiled steps of a tour (:func:`sim.dispatch.tours.build_tour`): a drop's load, the most
urgent insertion by the straight-line estimate, and the next stop placed with its road
check and load, asking for the road legs it needs (kept in one module: numba's disk cache
does not follow a compiled call into another module)."""
from __future__ import annotations

import numpy as np
from numba import njit

#: How :func:`_grow` checks an insertion on the roads: not at all (no ``leg_min``), that its
#: legs can be driven (no deadlines), or that it keeps the deadlines (:func:`_keeps_deadlines`).
_NO_ROADS, _LEGS, _EXACT = 0, 1, 2
#: What :func:`_grow` returns: a stop placed, road legs to look up first, or the tour done.
_PLACED, _ASKS_LEGS, _DONE = 0, 1, 2


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


@njit(cache=True)
def _grow(stops, xy, depot_xy, open_rows, need, avail, kept, unit_kg, heaviest_first, rows, hand_over, leg_pairs,
          leg_minutes, n_legs, windows, mode, room_kg, planned_min, limits):
    """Add the next stop to the tour ``stops`` (see :func:`build_tour`): the most urgent open
    row whose insertion fits (:func:`_most_urgent_insertion`), passes the road check of
    ``mode`` and gets a whole unit (:func:`_compose_load` within the room and its tier's
    cap; a relief or resupply load beyond the ``kept`` units). Rows tried and turned down are
    closed in ``open_rows``; the load placed is taken out of ``avail`` and rows left with
    nothing loadable are closed (:func:`_keep_loadable`).

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
        load = _compose_load(need[k], avail if tier[k] == 0 else avail - kept, unit_kg, cap_kg, heaviest_first)
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
