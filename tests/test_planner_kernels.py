"""The planner's numba kernels against the numpy code each one replaced.

* :func:`sim.dispatch.eligibility.earliest_arrival_served` gives the same
  ``mine[d, z]`` as :func:`~sim.dispatch.eligibility.earliest_arrival_all`
  fed the way ``TourPlanner._mine`` used to feed it: ``inf`` outside ``serve``,
  ``ready + travel`` as the others see a depot, ``load + travel`` as it asks;
  :func:`~sim.dispatch.eligibility.earliest_arrival_eligible` the zones the
  planner used to take from it: heard of, servable, reachable and the depot's.
* ``sim.dispatch.transshipment.hub_demand`` gives the demand, "has zones" and
  earliest hit per township reserve that ``TourPlanner._hub_rows`` used to work
  out with matrix products over the heard zones (re-implemented here).
* ``sim.dispatch.transshipment.hub_shortfall`` gives the shortfall per township
  reserve and item, and which reserves want a drop, that ``TourPlanner._hub_rows``
  used to work out with numpy from ``hub_demand`` (re-implemented here).
* ``sim.dispatch.tour_insertion._most_urgent_insertion`` picks the same row, position and
  minutes as the numpy code it replaced: cheapest insertion per row on the
  straight-line matrix, masked by the deadline test, first row in urgency order
  that fits (re-implemented here).
* ``sim.dispatch.tours.compose_load`` gives the load the numpy code it replaced
  gave (re-implemented here).
* ``sim.dispatch.eligibility.could_serve`` gives the ``could`` / ``visible`` /
  ``asks`` masks ``TourPlanner.zones_for`` used to build with numpy over the
  column subset of open, heard zones (every zone for the ``lp`` policy),
  also re-implemented here.
* ``sim.dispatch.escalation.any_waiting`` says whether a zone still waits for its
  request to go up as ``Escalation.escalate`` found it with numpy masks.
* ``sim.dispatch.eligibility.cut_off_lacking`` finds the cut-off zones a depot
  may send to by a last-mile mode that ``TourPlanner._last_mile_stops`` found
  with numpy masks (re-implemented here).
* ``sim.dispatch.urgency.urgency_order`` is the ``np.lexsort`` over tier,
  lateness, slack or deadline and vulnerable people it replaced (with ``nan``,
  ``±inf`` and ``-0.0`` among the times and counts).
* ``sim.dispatch.urgency.ranked_candidates`` gives the candidates, in the order and
  with the arrays, that ``TourPlanner.next_tour`` assembled with numpy from the zones'
  tiers, the other stops and ``urgency_order`` (re-implemented here).

Cases are small random arrays (1-6 depots or reserves, 1-30 zones, the
scenario's items) drawn with ``inf`` entries, ties with ``now`` and between
depots, zeros, need at the 1e-9 threshold, and all-true / all-false masks.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.dispatch.eligibility import could_serve as _could_serve_kernel
from sim.dispatch.eligibility import (
    cut_off_lacking,
    earliest_arrival_all,
    earliest_arrival_eligible,
    earliest_arrival_served,
    service_area_lists,
)
from sim.dispatch.escalation import any_waiting
from sim.dispatch.tour_insertion import _keep_loadable, _most_urgent_insertion
from sim.dispatch.tours import compose_load
from sim.dispatch.transshipment import hub_demand as _hub_demand_kernel
from sim.dispatch.transshipment import hub_shortfall as _hub_shortfall_kernel
from sim.dispatch.urgency import (
    FIRST_BATCH,
    RELIEF,
    RESUPPLY,
    ranked_candidates,
    tiers_and_deadlines,
    urgency_order,
)
from sim.scenarios.items import DEFAULT_UNIT_WEIGHT_KG, ITEMS

KERNEL_SETTINGS = dict(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
INF = math.inf
N_ITEMS = len(ITEMS)

depot_counts = st.integers(1, 6)
zone_counts = st.integers(1, 30)
# Minutes: a few shared values so that ties are common, any finite value, and inf.
minutes = st.one_of(st.sampled_from([0.0, 1.0, 2.0, 15.0, 60.0, INF]),
                    st.floats(0.0, 600.0, allow_nan=False, allow_infinity=False))
moments = st.one_of(st.sampled_from([0.0, 15.0, 60.0]), st.floats(0.0, 600.0, allow_nan=False))
slacks = st.one_of(st.sampled_from([0.0, 1.0, 15.0]), st.floats(0.0, 60.0, allow_nan=False))
# Units: the planner's needs are whole (ceil'd) units; some at the 1e-9 threshold for the masks.
whole_units = st.sampled_from([0.0, 0.0, 1.0, 2.0, 3.0, 10.0, 40.0])
units_near_threshold = st.sampled_from([0.0, 0.0, 0.4e-9, 1e-9, 2e-9, 1.0, 3.0])


def masks(shape):
    """Boolean arrays of ``shape``: random, all true or all false."""
    return st.one_of(arrays(np.bool_, shape),
                     st.just(np.ones(shape, dtype=bool)),
                     st.just(np.zeros(shape, dtype=bool)))


def floats_of(shape, elements):
    return arrays(np.float64, shape, elements=elements)


# ---------------------------------------------------------------- earliest arrival

@st.composite
def arrival_cases(draw, times=minutes, slack=slacks):
    n, m = draw(depot_counts), draw(zone_counts)
    return dict(serve=draw(masks((n, m))), travel=draw(floats_of((n, m), times)),
                ready=draw(floats_of(n, times)), load=draw(floats_of(n, times)), slack=draw(slack))


def served(case):
    return earliest_arrival_served(case["serve"], case["travel"], case["ready"], case["load"], case["slack"])


def replaced_earliest_arrival(serve, travel, ready, load, slack):
    """``TourPlanner._mine`` before the kernel: masked sums into :func:`earliest_arrival_all`."""
    arrival = np.where(serve, ready[:, None] + travel, INF)
    asking = np.where(serve, load[:, None] + travel, INF)
    return earliest_arrival_all(asking, arrival, slack)


@settings(max_examples=200, **KERNEL_SETTINGS)
@given(arrival_cases())
def test_earliest_arrival_served_gives_the_zones_earliest_arrival_all_gave(case):
    mine = served(case)
    assert mine.shape == case["travel"].shape and mine.dtype == bool
    np.testing.assert_array_equal(mine, replaced_earliest_arrival(**case))


@settings(max_examples=150, **KERNEL_SETTINGS)
@given(arrival_cases(times=st.sampled_from([0.0, 1.0, INF]), slack=st.sampled_from([0.0, 1.0])))
def test_earliest_arrival_served_breaks_ties_and_unreachable_zones_as_earliest_arrival_all(case):
    """Few distinct minutes and whole-minute slack: arrivals tie between depots and
    with the asking depot's own arrival plus the slack, and many are ``inf``."""
    np.testing.assert_array_equal(served(case), replaced_earliest_arrival(**case))


@settings(max_examples=150, **KERNEL_SETTINGS)
@given(arrival_cases(), st.data())
def test_earliest_arrival_served_over_a_wider_service_area_gives_the_same_zones(case, data):
    """The planner walks the pairs of the depots' whole service areas (``serves``) and
    finds ``serve`` inside them: the zones are the same as over ``serve``'s own pairs."""
    wider = case["serve"] | data.draw(masks(case["serve"].shape))
    mine = earliest_arrival_served(case["serve"], case["travel"], case["ready"], case["load"], case["slack"],
                                   areas=service_area_lists(wider))
    np.testing.assert_array_equal(mine, served(case))


@settings(max_examples=200, **KERNEL_SETTINGS)
@given(arrival_cases(), st.data())
def test_eligible_is_the_heard_reachable_served_zones_earliest_arrival_gave(case, data):
    """The planner's one pass from ``could`` and ``visible``: the zones that
    ``visible & serve & earliest_arrival_served(serve)`` gave, ``serve`` being ``could``
    where the travel time is finite (``case["serve"]`` plays ``could``; travel has ``inf``)."""
    could = case["serve"]
    visible = could & data.draw(masks(could.shape))
    serve = could & np.isfinite(case["travel"])
    expected = visible & serve & earliest_arrival_served(serve, case["travel"], case["ready"], case["load"],
                                                         case["slack"])
    wider = could | data.draw(masks(could.shape))
    eligible = earliest_arrival_eligible(could, visible, case["travel"], case["ready"], case["load"],
                                         float(case["slack"]), *service_area_lists(wider))
    np.testing.assert_array_equal(eligible, expected)


@settings(max_examples=100, **KERNEL_SETTINGS)
@given(st.integers(1, 6).flatmap(lambda n: st.integers(1, 30).flatmap(lambda m: masks((n, m)))))
def test_service_area_lists_are_each_depots_zones_in_ascending_order(serves):
    offsets, zones = service_area_lists(serves)
    assert offsets[0] == 0 and offsets[-1] == len(zones) == serves.sum()
    for d in range(serves.shape[0]):
        np.testing.assert_array_equal(zones[offsets[d]:offsets[d + 1]], np.flatnonzero(serves[d]))


# ---------------------------------------------------------------- township reserve demand

@st.composite
def hub_cases(draw):
    n_hubs, m = draw(depot_counts), draw(zone_counts)
    heard_mask = draw(masks(m))
    return dict(hub_area=draw(masks((n_hubs, m))), heard=np.flatnonzero(heard_mask),
                reached=draw(masks(n_hubs)),
                escalated_at=draw(floats_of(m, st.one_of(st.sampled_from([0.0, 15.0, INF]), moments))),
                now=draw(st.sampled_from([0.0, 15.0, 60.0])),
                open_need=draw(floats_of((m, N_ITEMS), whole_units)),
                first_day_need=draw(floats_of((m, N_ITEMS), whole_units)),
                hit_min=draw(floats_of(m, minutes)))


def _hub_demand(hub_area, heard, reached, escalated_at, now, open_need, first_day_need, hit_min):
    """The kernel fed each zone's reserves as the planner feeds them."""
    return _hub_demand_kernel(*service_area_lists(hub_area.T), hub_area.shape[0], heard, reached, escalated_at, now,
                              open_need, first_day_need, hit_min)


def hub_shortfall(hub_area, hubs, heard_at, known_min, now, reached, escalated_at, open_need, first_day_need, hit_min,
                  avail, hub_incoming, asking):
    """The kernel fed each zone's reserves as the planner feeds them."""
    return _hub_shortfall_kernel(*service_area_lists(hub_area.T), hubs, heard_at, known_min, now, reached,
                                 escalated_at, open_need, first_day_need, hit_min, avail, hub_incoming, asking)


def replaced_hub_demand(hub_area, heard, reached, escalated_at, now, open_need, first_day_need, hit_min):
    """``TourPlanner._hub_rows`` before the kernel: a reserve counts the heard zones of
    its township, once reached only those whose request has escalated; demand is the
    matrix product with first-day need (before) or open need (after)."""
    seen = hub_area[:, heard]                                            # [hub, heard zone]
    zones = np.where(reached[:, None], seen & (escalated_at[heard] <= now)[None, :], seen)
    demand = np.empty((hub_area.shape[0], open_need.shape[1]))
    demand[reached] = zones[reached].astype(float) @ open_need[heard]
    demand[~reached] = zones[~reached].astype(float) @ first_day_need[heard]
    has_zones = zones.any(axis=1)
    # ``initial`` only for an empty ``heard``, which the planner returns on before this.
    first_hit = np.where(zones, hit_min[heard][None, :], INF).min(axis=1, initial=INF)
    return demand, has_zones, first_hit


@settings(max_examples=200, **KERNEL_SETTINGS)
@given(hub_cases())
def test_hub_demand_is_first_day_need_before_reach_and_escalated_open_need_after(case):
    demand, _, _ = _hub_demand(**case)
    assert demand.shape == (case["hub_area"].shape[0], N_ITEMS)
    np.testing.assert_array_equal(demand, replaced_hub_demand(**case)[0])   # whole units: exact sums


@settings(max_examples=150, **KERNEL_SETTINGS)
@given(hub_cases())
def test_hub_has_zones_exactly_when_some_heard_zone_of_its_township_counts(case):
    _, has_zones, _ = _hub_demand(**case)
    np.testing.assert_array_equal(has_zones, replaced_hub_demand(**case)[1])


@settings(max_examples=150, **KERNEL_SETTINGS)
@given(hub_cases())
def test_hub_first_hit_is_the_earliest_hit_among_its_counted_zones_else_inf(case):
    _, _, first_hit = _hub_demand(**case)
    np.testing.assert_array_equal(first_hit, replaced_hub_demand(**case)[2])


@st.composite
def shortfall_cases(draw):
    n_depots, m = draw(depot_counts), draw(zone_counts)
    hubs = np.flatnonzero(draw(masks(n_depots)))
    return dict(hub_area=draw(masks((len(hubs), m))), hubs=hubs.astype(np.int64),
                heard_at=draw(floats_of(m, st.one_of(st.sampled_from([0.0, 15.0, INF]), moments))),
                known_min=draw(floats_of(m, st.sampled_from([0.0, 15.0, INF]))),
                now=draw(st.sampled_from([0.0, 15.0, 60.0])), reached=draw(masks(len(hubs))),
                escalated_at=draw(floats_of(m, st.one_of(st.sampled_from([0.0, 15.0, INF]), moments))),
                open_need=draw(floats_of((m, N_ITEMS), whole_units)),
                first_day_need=draw(floats_of((m, N_ITEMS), whole_units)),
                hit_min=draw(floats_of(m, minutes)),
                avail=draw(floats_of((n_depots, N_ITEMS), st.sampled_from([-2.0, 0.0, 1e-9, 1.0, 5.0, 40.0, 500.0]))),
                hub_incoming=draw(floats_of((n_depots, N_ITEMS), whole_units)),
                asking=draw(st.integers(0, n_depots - 1)))


def replaced_hub_shortfall(hub_area, hubs, heard_at, known_min, now, reached, escalated_at, open_need,
                           first_day_need, hit_min, avail, hub_incoming, asking):
    """``TourPlanner._hub_rows`` before the kernel: heard zones, demand, what a reached
    reserve holds and has coming, only the asking depot's items, scarce items direct."""
    heard = np.flatnonzero((heard_at <= now) & (known_min < INF))
    if not len(heard):
        return np.zeros((len(hubs), N_ITEMS)), np.zeros(len(hubs), dtype=bool)
    demand, has_zones, _ = replaced_hub_demand(hub_area, heard, reached, escalated_at, now, open_need,
                                               first_day_need, hit_min)
    held = np.where(reached[:, None], np.maximum(avail[hubs], 0.0), 0.0)
    short = np.maximum(demand - held - hub_incoming[hubs], 0.0) * (avail[asking] > 1e-9)[None, :]
    scarce = avail[asking] < open_need[heard].sum(axis=0) - 1e-9
    short[np.ix_(reached, scarce)] = 0.0
    return short, (short.sum(axis=1) > 1e-9) & has_zones


@settings(max_examples=200, **KERNEL_SETTINGS)
@given(shortfall_cases())
def test_hub_shortfall_is_what_the_reserve_lacks_of_what_the_depot_holds_and_not_scarce(case):
    short, wanted, _ = hub_shortfall(**case)
    expected_short, expected_wanted = replaced_hub_shortfall(**case)
    np.testing.assert_array_equal(short, expected_short)
    np.testing.assert_array_equal(wanted, expected_wanted)


# ---------------------------------------------------------------- tour insertion

@st.composite
def insertion_cases(draw):
    m = draw(st.integers(2, 25))
    n_stops = draw(st.integers(1, min(5, m - 1)))
    stops = np.array(draw(st.permutations(range(m)))[:n_stops], dtype=np.int64)
    open_rows = draw(masks(m))
    open_rows[stops] = False
    coordinate = st.one_of(st.sampled_from([0.0, 1.0, 5.0]), st.floats(-40.0, 40.0, allow_nan=False))
    depot_min = draw(floats_of(m, st.floats(0.0, 120.0, allow_nan=False)))
    leave, unload = draw(st.sampled_from([0.0, 30.0])), draw(st.sampled_from([0.0, 10.0, 15.0]))
    next_leave = draw(st.sampled_from([leave, leave + 20.0, INF]))
    return dict(stops=stops, xy=draw(floats_of((m, 2), coordinate)), depot_xy=draw(floats_of(2, coordinate)),
                open_rows=open_rows, min_per_km=draw(st.sampled_from([1.0, 2.0, 2.7])),
                planned_min=draw(st.sampled_from([0.0, 60.0, 400.0])),
                max_detour_min=draw(st.sampled_from([5.0, 30.0, 120.0])), max_tour_min=480.0,
                windows=draw(st.booleans()),
                due_min=draw(floats_of(m, st.one_of(st.sampled_from([INF, 60.0, 180.0]),
                                                    st.floats(0.0, 300.0, allow_nan=False)))),
                alone_min=leave + depot_min + unload, next_alone_min=next_leave + depot_min + unload,
                depot_min=depot_min, leave_min=leave, unload_min=unload, extra_unload_factor=0.5,
                known_hand_over=draw(st.booleans()),
                hand_over_known=np.sort(draw(floats_of(n_stops, st.floats(0.0, 300.0, allow_nan=False)))))


def replaced_insertion(stops, xy, depot_xy, open_rows, min_per_km, planned_min, max_detour_min, max_tour_min,
                       windows, due_min, alone_min, next_alone_min, depot_min, leave_min, unload_min,
                       extra_unload_factor, known_hand_over, hand_over_known):
    """``tour_insertion._most_urgent_insertion`` before the kernel (numpy, all open rows at once); with
    ``known_hand_over`` the stops' hand-over times are ``hand_over_known`` (on the roads)."""
    path = np.vstack([depot_xy, xy[stops], depot_xy])
    a, b = path[:-1], path[1:]
    rows = np.flatnonzero(open_rows)
    if not len(rows):
        return -1, -1, INF
    p = xy[rows]
    km = (np.hypot(p[:, None, 0] - a[None, :, 0], p[:, None, 1] - a[None, :, 1])
          + np.hypot(p[:, None, 0] - b[None, :, 0], p[:, None, 1] - b[None, :, 1])) - np.hypot(*(a - b).T)[None, :]
    if not windows:
        edge = np.argmin(km, axis=1)
        added = km[np.arange(len(rows)), edge] * min_per_km
    else:
        legs = np.hypot(*np.diff(xy[stops], axis=0).T) if len(stops) > 1 else np.zeros(0)
        drive = depot_min[stops[0]] + np.concatenate([[0.0], np.cumsum(legs * min_per_km)])
        hand_over = leave_min + drive + unload_min * (1.0 + extra_unload_factor * np.arange(len(stops)))
        if known_hand_over:
            hand_over = hand_over_known
        slack = due_min[stops] - hand_over
        on_time = np.where(slack >= 0, slack, INF)
        least = np.concatenate([np.minimum.accumulate(on_time[::-1])[::-1], [INF]])
        minutes = km * min_per_km
        extra = extra_unload_factor * unload_min
        leg = np.hypot(p[:, None, 0] - xy[stops][None, :, 0], p[:, None, 1] - xy[stops][None, :, 1]) * min_per_km
        own = np.concatenate([alone_min[rows][:, None], hand_over[None, :] + leg + extra], axis=1)
        ok = ((minutes + extra <= least[None, :])
              & ((own <= due_min[rows][:, None]) | (next_alone_min[rows] > due_min[rows])[:, None]))
        minutes = np.where(ok, minutes, INF)
        edge = np.argmin(minutes, axis=1)
        added = minutes[np.arange(len(rows)), edge]
    fits = (added <= max_detour_min) & (planned_min + added <= max_tour_min)
    if not fits.any():
        return -1, -1, INF
    j = int(np.argmax(fits))
    return int(rows[j]), int(edge[j]), float(added[j])


@settings(max_examples=300, **KERNEL_SETTINGS)
@given(insertion_cases())
def test_the_insertion_kernel_picks_the_row_position_and_minutes_the_numpy_code_picked(case):
    assert _most_urgent_insertion(**case) == replaced_insertion(**case)


def replaced_compose_load(need, avail, unit_kg, room_kg):
    """``tours.compose_load`` before the kernel."""
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


@settings(max_examples=300, **KERNEL_SETTINGS)
@given(need=floats_of(N_ITEMS, st.one_of(whole_units, st.floats(0.0, 50_000.0, allow_nan=False))),
       avail=floats_of(N_ITEMS, st.one_of(st.sampled_from([-5.0, 0.0, 1.0, 1e9]), st.floats(0.0, 50_000.0))),
       room=st.one_of(st.sampled_from([0.0, 0.3, 100.0, 1_500.0, 10_000.0]), st.floats(0.0, 20_000.0)),
       weights=st.booleans())
def test_compose_load_gives_the_load_the_numpy_code_gave(need, avail, room, weights):
    unit_kg = np.array([DEFAULT_UNIT_WEIGHT_KG[i] for i in ITEMS]) if weights else np.linspace(0.25, 4.0, N_ITEMS)
    np.testing.assert_array_equal(compose_load(need, avail, unit_kg, room),
                                  replaced_compose_load(need, avail, unit_kg, room))


# ---------------------------------------------------------------- could / visible / asks

def _could_serve(visible_at, now, open_need, avail, sends, serves, local, escalated_at):
    """The kernel fed the service areas as the planner feeds them (:func:`service_area_lists`)."""
    return _could_serve_kernel(visible_at, now, open_need, avail, sends, *service_area_lists(serves), local,
                               escalated_at)


@st.composite
def could_serve_cases(draw):
    n, m = draw(depot_counts), draw(zone_counts)
    now = draw(st.sampled_from([0.0, 15.0, 60.0]))
    return dict(visible_at=draw(floats_of((n, m), st.one_of(st.sampled_from([0.0, 15.0, 60.0, INF]), moments))),
                now=now,
                open_need=draw(floats_of((m, N_ITEMS), units_near_threshold)),
                avail=draw(floats_of((n, N_ITEMS), st.sampled_from([-1.0, 0.0, 0.0, 0.4e-9, 2e-9, 1.0, 5.0]))),
                sends=draw(masks(n)), serves=draw(masks((n, m))), local=draw(masks(n)),
                escalated_at=draw(floats_of(m, st.one_of(st.sampled_from([0.0, 15.0, 60.0, INF]), moments))))


def replaced_masks(visible_at, now, open_need, avail, sends, serves, local, escalated_at, lp):
    """``TourPlanner.zones_for`` before the kernel: the columns (every zone for ``lp``,
    else zones with open need some depot has heard of) and, over them, ``could``,
    ``visible`` and the depots whose travel it asked for."""
    heard = visible_at <= now
    if lp:
        cols = np.arange(visible_at.shape[1])
    else:
        cols = np.flatnonzero((open_need.sum(axis=1) > 1e-9) & heard.any(axis=0))
    need = open_need[cols]
    visible = heard[:, cols] & (need.sum(axis=1) > 1e-9)[None, :]
    holds = ((need > 1e-9).astype(float) @ (avail > 1e-9).T.astype(float)).T > 0   # [depot, zone]
    allowed = serves[:, cols] & (local[:, None] | (escalated_at[cols] <= now)[None, :])
    could = holds & sends[:, None] & allowed
    wanted = (could & visible).any(axis=0)
    asks = (could & wanted[None, :]).any(axis=1)
    return cols, could, visible, asks


@settings(max_examples=200, **KERNEL_SETTINGS)
@given(could_serve_cases())
def test_could_serve_is_sends_allowed_and_holds_a_lacking_item_over_every_zone(case):
    """The kernel's ``could`` covers every zone, as the ``lp`` computation did; on the
    other policies' columns it is therefore their ``could`` too."""
    could, _, _ = _could_serve(**case)
    _, could_all, _, _ = replaced_masks(**case, lp=True)
    np.testing.assert_array_equal(could, could_all)
    cols, could_cols, _, _ = replaced_masks(**case, lp=False)
    np.testing.assert_array_equal(could[:, cols], could_cols)


@settings(max_examples=200, **KERNEL_SETTINGS)
@given(could_serve_cases())
def test_visible_is_the_replaced_visible_within_could_and_only_on_heard_open_zones(case):
    """``visible`` is the old mask narrowed to ``could`` (the planner only ever used
    ``visible & could``), and nothing off the heard zones with open need."""
    _, visible, _ = _could_serve(**case)
    cols, could_cols, visible_cols, _ = replaced_masks(**case, lp=False)
    np.testing.assert_array_equal(visible[:, cols], visible_cols & could_cols)
    assert not np.delete(visible, cols, axis=1).any()
    _, could_all, visible_all, _ = replaced_masks(**case, lp=True)
    np.testing.assert_array_equal(visible, visible_all & could_all)


@settings(max_examples=200, **KERNEL_SETTINGS)
@given(could_serve_cases())
def test_asks_are_the_depots_that_could_serve_a_zone_some_depot_sees(case):
    _, _, asks = _could_serve(**case)
    for lp in (False, True):
        np.testing.assert_array_equal(asks, replaced_masks(**case, lp=lp)[3])


# ---------------------------------------------------------------- cut-off zones for the last mile

@settings(max_examples=200, **KERNEL_SETTINGS)
@given(could_serve_cases(), st.data())
def test_cut_off_lacking_are_the_rows_the_numpy_code_found(case, data):
    """``TourPlanner._last_mile_stops`` before the kernel: the cut-off zones known, heard of
    and served by the depot, escalated unless it is local, lacking an item it holds."""
    m = case["visible_at"].shape[1]
    d = data.draw(st.integers(0, case["visible_at"].shape[0] - 1), label="depot")
    cut = np.array(sorted(data.draw(st.sets(st.integers(0, m - 1)), label="cut")), dtype=np.int64)
    known_min = data.draw(floats_of(m, st.one_of(st.sampled_from([0.0, 15.0, 60.0, INF]), moments)), label="known")
    now, open_need, avail = case["now"], case["open_need"], case["avail"]
    may = (known_min[cut] <= now) & (case["visible_at"][d, cut] <= now) & case["serves"][d, cut]
    if not case["local"][d]:
        may &= case["escalated_at"][cut] <= now
    kept = cut[may]
    expected = kept[((open_need[kept] > 1e-9) & (avail[d] > 1e-9)[None, :]).any(axis=1)]
    rows = cut_off_lacking(cut, known_min, case["visible_at"][d], case["serves"][d], bool(case["local"][d]),
                           case["escalated_at"], open_need, avail[d], float(now))
    np.testing.assert_array_equal(rows, expected)


# ---------------------------------------------------------------- zones waiting for escalation

@settings(max_examples=200, **KERNEL_SETTINGS)
@given(could_serve_cases(), st.data())
def test_any_waiting_is_the_numpy_codes_check_of_unescalated_known_zones_with_open_need(case, data):
    """``Escalation.escalate`` before the kernel: some zone known by ``now``, with a reserve
    of its own, no request gone up and more than 1e-9 units open."""
    m = case["visible_at"].shape[1]
    known_min = data.draw(floats_of(m, st.one_of(st.sampled_from([0.0, 15.0, 60.0, INF]), moments)), label="known")
    has_local = data.draw(masks(m), label="has_local")
    now, open_need, escalated_at = case["now"], case["open_need"], case["escalated_at"]
    unescalated = np.flatnonzero((known_min <= now) & has_local & np.isinf(escalated_at))
    expected = bool(len(unescalated)) and bool((open_need[unescalated].sum(axis=1) > 1e-9).any())
    assert any_waiting(known_min, float(now), has_local, escalated_at, open_need) == expected


# ---------------------------------------------------------------- loadable rows

@settings(max_examples=200, **KERNEL_SETTINGS)
@given(st.integers(1, 30).flatmap(lambda m: floats_of((m, N_ITEMS), st.sampled_from(
           [0.0, 0.4e-9, 1e-9, 0.5, 0.999999999, 1.0, 2.5, 40.0]))),
       floats_of(N_ITEMS, st.sampled_from([-3.0, -0.0, 0.0, 0.5, 0.999999999, 1.0, 7.0, 1e6])))
def test_loadable_rows_are_the_rows_the_numpy_code_found(need, avail):
    open_rows = np.arange(len(need)) % 3 != 1
    rows = np.flatnonzero(open_rows)
    replaced = open_rows.copy()
    replaced[rows] = (np.floor(np.minimum(need[rows], np.maximum(avail, 0.0)[None, :]) + 1e-9) > 0).any(axis=1)
    _keep_loadable(open_rows, need, avail)
    np.testing.assert_array_equal(open_rows, replaced)


# ---------------------------------------------------------------- tiers and deadlines

@st.composite
def tier_cases(draw):
    m = draw(zone_counts)
    return dict(rows=np.flatnonzero(draw(masks(m))).astype(np.int64), first_done=draw(masks(m)),
                first_en_route=draw(arrays(np.int64, m, elements=st.integers(0, 2))),
                first_day_need=draw(floats_of((m, N_ITEMS), whole_units)),
                delivered=draw(floats_of((m, N_ITEMS), units_near_threshold)),
                en_route=draw(floats_of((m, N_ITEMS), units_near_threshold)),
                hit_min=draw(floats_of(m, moments)), first_deadline_min=180.0, relief_deadline_min=480.0,
                resupply_due_min=draw(moments))


def replaced_tiers(rows, first_done, first_en_route, first_day_need, delivered, en_route, hit_min,
                   first_deadline_min, relief_deadline_min, resupply_due_min):
    """``TourPlanner._tiers`` before the kernel."""
    first_day_open = (first_day_need[rows] - delivered[rows] - en_route[rows] > 1e-9).any(axis=1)
    tier = np.where(~first_done[rows] & (first_en_route[rows] == 0), FIRST_BATCH,
                    np.where(first_day_open, RELIEF, RESUPPLY))
    hit = hit_min[rows]
    deadline = np.where(tier == FIRST_BATCH, hit + first_deadline_min,
                        np.where(tier == RELIEF, hit + relief_deadline_min, resupply_due_min))
    return tier, deadline


@settings(max_examples=200, **KERNEL_SETTINGS)
@given(tier_cases())
def test_tiers_and_deadlines_are_those_the_numpy_code_gave(case):
    tier, deadline = tiers_and_deadlines(**case)
    expected_tier, expected_deadline = replaced_tiers(**case)
    np.testing.assert_array_equal(tier, expected_tier)
    np.testing.assert_array_equal(deadline, expected_deadline)
    assert tier.dtype == expected_tier.dtype and deadline.dtype == expected_deadline.dtype


# ---------------------------------------------------------------- urgency order

@st.composite
def urgency_cases(draw):
    m = draw(st.integers(0, 40))
    times = st.sampled_from([0.0, -0.0, 30.0, 180.0, 480.0, 1e-9, -1e-9, math.inf, -math.inf, math.nan]) | moments
    return dict(tier=draw(arrays(np.int64, m, elements=st.integers(0, 2))), deadline_min=draw(floats_of(m, times)),
                arrival_min=draw(floats_of(m, times)),
                vulnerable=draw(floats_of(m, st.sampled_from([0.0, -0.0, 1.0, 2.5, 40.0, math.nan]))))


@settings(max_examples=300, **KERNEL_SETTINGS)
@given(urgency_cases())
def test_urgency_order_is_the_lexsort_it_replaced(case):
    with np.errstate(invalid="ignore"):
        slack = case["deadline_min"] - case["arrival_min"]
    late = slack < 0
    expected = np.lexsort((-case["vulnerable"], np.where(late, case["deadline_min"], slack), late, case["tier"]))
    np.testing.assert_array_equal(urgency_order(**case), expected)


# ---------------------------------------------------------------- ranked candidates

@st.composite
def candidate_cases(draw):
    case = draw(tier_cases())
    m = len(case["hit_min"])
    k = draw(st.integers(0, 4))
    minutes = st.sampled_from([0.0, 30.0, 180.0, 480.0, INF]) | moments
    case.update(depot_min=draw(floats_of(m, minutes)),
                vulnerable=draw(floats_of(m, st.sampled_from([0.0, 1.0, 2.5, 40.0]))),
                open_need=draw(floats_of((m, N_ITEMS), whole_units)),
                zone_xy=draw(floats_of((m, 2), st.sampled_from([-3.5, 0.0, 1.25, 7.0]))),
                extra_need=draw(floats_of((k, N_ITEMS), whole_units)),
                extra_xy=draw(floats_of((k, 2), st.sampled_from([-1.0, 0.0, 2.0]))),
                extra_tier=draw(arrays(np.int64, k, elements=st.sampled_from([FIRST_BATCH, RELIEF]))),
                leave_min=draw(moments), first_only=draw(st.booleans()))
    # Other stops often tie with a zone (same minutes, same deadline): then fewer vulnerable people go last.
    zone_min = [float(v) for v in case["depot_min"]]
    zone_due = [float(h + d) for h in case["hit_min"] for d in (case["first_deadline_min"], case["relief_deadline_min"])]
    case["extra_min"] = draw(floats_of(k, st.sampled_from(zone_min) | minutes))
    case["extra_deadline"] = draw(floats_of(k, st.sampled_from(zone_due + [INF]) | moments))
    return case


def replaced_assembly(case):
    """``TourPlanner.next_tour``'s candidates before the kernel: ``(order, need, xy, depot_min,
    tier, due, round_trip)``."""
    rows = case["rows"]
    tier, deadline = replaced_tiers(**{key: case[key] for key in (
        "rows", "first_done", "first_en_route", "first_day_need", "delivered", "en_route", "hit_min",
        "first_deadline_min", "relief_deadline_min", "resupply_due_min")})
    n_extra = len(case["extra_tier"])
    need = np.vstack([case["open_need"][rows], case["extra_need"]])
    xy = np.vstack([case["zone_xy"][rows], case["extra_xy"]])
    depot_min = np.concatenate([case["depot_min"][rows], case["extra_min"]])
    tier = np.concatenate([tier, case["extra_tier"]])
    deadline = np.concatenate([deadline, case["extra_deadline"]])
    vulnerable = np.concatenate([case["vulnerable"][rows], np.zeros(n_extra)])
    round_trip = np.concatenate([np.ones(len(rows), dtype=bool), np.zeros(n_extra, dtype=bool)])
    arrival = case["leave_min"] + depot_min
    ranked = urgency_order(tier, deadline, arrival, vulnerable)
    if case["first_only"]:
        ranked = ranked[tier[ranked] == FIRST_BATCH]
    due = np.where(tier == RESUPPLY, math.inf, deadline)
    return ranked, need[ranked], xy[ranked], depot_min[ranked], tier[ranked], due[ranked], round_trip[ranked]


@settings(max_examples=300, **KERNEL_SETTINGS)
@given(candidate_cases())
def test_ranked_candidates_are_those_the_numpy_assembly_gave(case):
    got = ranked_candidates(**case)
    for name, value, expected in zip(("order", "need", "xy", "depot_min", "tier", "due", "round_trip"), got,
                                     replaced_assembly(case)):
        np.testing.assert_array_equal(value, expected, err_msg=name)
        assert value.dtype == expected.dtype, name
