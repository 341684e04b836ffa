"""The tour builder's compiled insertion loop against the Python loop it replaced.

:func:`sim.dispatch.tours.build_tour` grows a tour stop by stop in one compiled
step (:func:`sim.dispatch.tour_insertion._grow`) that asks for the road legs it needs and
is called again once they are known. It must build the tours the Python loop
of ``tests/tour_reference.py`` built — the same stops in the same order, the
same loads, weights, purposes and planned minutes — and ask for the same road
legs in the same order (the router's caches and its switch to a perfect
customization follow the queries it answered, so a different order could
change later routes). Cases are random candidates with and without deadlines,
with and without road legs (some legs impassable), there-and-back flags,
ties in positions and times, scarce stock and small trucks.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.dispatch.tours import Candidates, TourRules, build_tour
from sim.scenarios.items import DEFAULT_UNIT_WEIGHT_KG, ITEMS
from tests.tour_reference import reference_build_tour

UNIT_KG = np.array([DEFAULT_UNIT_WEIGHT_KG[item] for item in ITEMS], dtype=float)


@st.composite
def tour_cases(draw):
    n = draw(st.sampled_from([9, 1, 4, 14]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    units = draw(st.sampled_from([20, 80, 400]))
    need = np.where(rng.random((n, len(ITEMS))) < 0.4, rng.integers(0, units, (n, len(ITEMS))), 0).astype(float)
    avail = np.where(rng.random(len(ITEMS)) < 0.7, rng.integers(0, 3000, len(ITEMS)), 0).astype(float)
    grid = draw(st.sampled_from([1.0, 2.5, 7.0]))        # coarse grids give ties in distances
    xy = np.round(rng.random((n, 2)) * 20.0 / grid) * grid
    depot_min = np.round(rng.random(n) * 60.0) + 5.0
    leave = float(draw(st.sampled_from([0.0, 20.0, 95.5])))
    unload = float(draw(st.sampled_from([0.0, 15.0])))
    next_leave = None if draw(st.booleans()) else leave + float(draw(st.sampled_from([0.0, 10.0, 120.0])))
    margin = float(draw(st.sampled_from([0, 15])))
    # Some deadlines exactly when the next truck straight from the depot would hand over.
    next_due = (leave if next_leave is None else next_leave) + depot_min + unload + margin
    due = None
    if draw(st.booleans()):
        due = np.where(rng.random(n) < 0.2, math.inf, np.round(rng.random(n) * 300.0))
        due = np.where(rng.random(n) < 0.3, next_due, due)
    round_trip = None if draw(st.booleans()) else rng.random(n) < 0.6
    cand = Candidates(list(range(100, 100 + n)), need, rng.integers(0, 3, n), xy, depot_min, due, leave, unload,
                      next_leave, round_trip)
    rules = TourRules(max_stops=draw(st.sampled_from([5, 1, 3, 6])), max_detour_min=float(draw(st.sampled_from([90, 0, 10, 30, 300]))),
                      max_tour_min=float(draw(st.sampled_from([60, 480, 2000]))),
                      min_drop_kg=float(draw(st.sampled_from([0, 50, 100, 400]))),
                      first_batch_kg=float(draw(st.sampled_from([200, 2000]))),
                      first_batch_share=float(draw(st.sampled_from([0.1, 0.25, 1.0]))),
                      deadline_margin_min=margin)
    legs = np.where(rng.random((n, n)) < 0.1, math.inf, np.round(rng.random((n, n)) * 40.0, 1))
    with_roads = draw(st.sampled_from([True, True, False]))
    return dict(cand=cand, avail=avail, payload_kg=float(draw(st.sampled_from([500, 10000, 10000]))), rules=rules,
                min_per_km=float(draw(st.sampled_from([1.0, 1.7, 3.0]))), legs=legs if with_roads else None)


def _built(builder, case):
    asked = []

    def leg_min(a, b):
        asked.append((a, b))
        return case["legs"][a - 100, b - 100]

    tour = builder(7, "d", np.array([3.0, 4.0]), case["cand"], case["avail"], UNIT_KG, ITEMS, case["payload_kg"],
                   case["rules"], case["min_per_km"], leg_min=None if case["legs"] is None else leg_min)
    return tour, asked


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tour_cases())
def test_the_compiled_insertion_loop_builds_the_tours_of_the_python_loop(case):
    tour, asked = _built(build_tour, case)
    expected, expected_asked = _built(reference_build_tour, case)
    assert asked == expected_asked
    if expected is None:
        assert tour is None
        return
    assert tour.planned_min == expected.planned_min
    assert [(d.zone, d.items, d.weight_kg, d.purpose) for d in tour.drops] == \
        [(d.zone, d.items, d.weight_kg, d.purpose) for d in expected.drops]
    for drop, reference in zip(tour.drops, expected.drops):
        np.testing.assert_array_equal(drop.units, reference.units)
        assert not drop.units.flags.writeable


def test_places_the_estimate_ties_are_tried_in_tour_order():
    """Two stops and a candidate at one spot: every place on the tour adds nothing by the
    straight-line estimate. The road from the candidate (102) to the first stop (101) is
    closed, so the first place fails on the roads; of the tied others the earlier one is
    taken."""
    need = np.zeros((3, len(ITEMS)))
    need[:, 0] = 10.0
    cand = Candidates([100, 101, 102], need, np.full(3, 1), np.full((3, 2), 5.0), np.full(3, 10.0),
                      np.full(3, math.inf), 0.0, 5.0, None, np.zeros(3, dtype=bool))
    legs = np.full((3, 3), 4.0)
    legs[2, 1] = math.inf
    case = dict(cand=cand, avail=np.full(len(ITEMS), 100.0), payload_kg=10_000.0, rules=TourRules(min_drop_kg=0.0),
                min_per_km=2.0, legs=legs)
    tour, asked = _built(build_tour, case)
    assert [d.zone for d in tour.drops] == [101, 102, 100]
    assert (tour, asked) == _built(reference_build_tour, case)
