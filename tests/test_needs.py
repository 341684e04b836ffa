"""The needs table by hand: rations that recur, reserves that delay them, conditions
that end, deliveries shared among groups, tents as places."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.world.needs import DAY_MIN, NeedsTable

ITEMS = ("water_l", "food_ration", "bedding", "tent", "warm_clothing")
W, F, B, T, C = range(len(ITEMS))
H = 60.0


def table(groups, hit_min=0.0, tent_people=6):
    """One zone; ``groups`` is a list of dicts: condition, people, per (item -> units),
    first_day, until_min, place."""
    n = len(groups)
    per = np.zeros((1, n, len(ITEMS)))
    for g, spec in enumerate(groups):
        for item, units in spec.get("per", {}).items():
            per[0, g, ITEMS.index(item)] = units
    t = NeedsTable(ITEMS, np.array([[g["people"] for g in groups]]), per,
                   np.array([g.get("first_day", 0) for g in groups], dtype=float),
                   np.array([[g.get("until_min", np.inf) for g in groups]]),
                   np.array([g.get("place", False) for g in groups]), np.array([hit_min]),
                   [g["condition"] for g in groups], [g.get("first_day", 0) > 0 for g in groups])
    t.tent_people = tent_people
    return t


def received(**units):
    out = np.zeros((1, len(ITEMS)))
    for item, n in units.items():
        out[0, ITEMS.index(item)] = n
    return out


AT_HOME = {"condition": "no_lifelines", "people": 10, "per": {"water_l": 3, "food_ration": 1}}


def test_daily_rations_fall_due_at_the_hit_and_every_day_after():
    t = table([AT_HOME], hit_min=2 * H)
    water = [t.need_by(2 * H + m)[0, W] for m in (-1, 0, DAY_MIN - 1, DAY_MIN, 2 * DAY_MIN)]
    assert water == [0, 30, 30, 60, 90]
    assert t.need_by(2 * H + DAY_MIN)[0, F] == 20


def test_a_three_day_reserve_means_no_need_before_day_3():
    t = table([{**AT_HOME, "first_day": 3}])
    assert t.need_by(3 * DAY_MIN - 1e-3)[0].sum() == 0
    assert t.needing(3 * DAY_MIN - 1e-3)[0, 0] == 0
    assert t.need_by(3 * DAY_MIN)[0, W] == 30
    assert t.needing(3 * DAY_MIN)[0, 0] == 10
    assert not t.first_day_needing[0, 0]


def test_a_group_needs_nothing_more_once_it_leaves_its_condition():
    t = table([{**AT_HOME, "until_min": 1.5 * DAY_MIN}])       # water back after 36 h
    assert t.need_by(3 * DAY_MIN)[0, W] == 60                    # rations of days 0 and 1 only
    assert t.needing(DAY_MIN)[0, 0] == 10
    assert t.needing(1.5 * DAY_MIN)[0, 0] == 0


def test_a_group_in_its_condition_at_the_hit_needs_first_day_relief_even_if_it_ends_that_day():
    t = table([{**AT_HOME, "until_min": 6 * H}])
    assert t.first_day_needing[0, 0]
    assert t.needing(np.inf, first_day_only=True)[0, 0] == 10


SHELTER = {"condition": "public_shelter", "people": 10, "place": True,
           "per": {"water_l": 3, "food_ration": 1, "warm_clothing": 1}}


def test_deliveries_go_item_by_item_to_the_displaced_first():
    t = table([SHELTER, AT_HOME])
    # 45 L: the displaced take their 30 L though they lack coats and places; 15 L relieve 5 at home.
    got = t.covered(0.0, received(water_l=45, food_ration=20), np.zeros(1), first_day_only=True)
    assert got[0].tolist() == [0, 5]
    # Coats and shelter places arrive: the displaced are relieved, nobody at home loses their water.
    got = t.covered(0.0, received(water_l=45, food_ration=20, warm_clothing=10), np.array([10.0]),
                    first_day_only=True)
    assert got[0].tolist() == [10, 5]


def test_displaced_need_a_place_in_a_shelter_or_a_tent():
    t = table([SHELTER])
    supplies = dict(water_l=30, food_ration=10, warm_clothing=10)
    assert t.covered(0.0, received(**supplies), np.array([4.0]))[0, 0] == 4
    # One tent houses six: 4 in the shelter + 6 in one tent.
    assert t.covered(0.0, received(**supplies, tent=1), np.array([4.0]))[0, 0] == 10


def test_first_day_need_counts_the_tents_set_for_the_unsheltered_whenever_they_are_set():
    t = table([AT_HOME])
    before = t.first_day_need().copy()
    assert before[0, ITEMS.index("water_l")] == 30 and before[0, ITEMS.index("tent")] == 0
    t.tents_for[:] = 4                     # set once the shelters are full, before command plans
    after = t.first_day_need()
    assert after[0, ITEMS.index("tent")] == 4
    np.testing.assert_array_equal(np.delete(after, ITEMS.index("tent"), axis=1),
                                  np.delete(before, ITEMS.index("tent"), axis=1))


def test_a_tent_given_as_a_place_is_not_given_again():
    outdoors = {"condition": "outdoors", "people": 6, "per": {"tent": 1 / 6}}
    t = table([{**SHELTER, "people": 6}, outdoors])
    got = t.covered(0.0, received(water_l=18, food_ration=6, warm_clothing=6, tent=1), np.zeros(1))
    assert got[0].tolist() == [6, 0]
    got = t.covered(0.0, received(water_l=18, food_ration=6, warm_clothing=6, tent=2), np.zeros(1))
    assert got[0].tolist() == [6, 6]


def test_supplies_that_arrive_before_the_hit_are_weighed_against_the_hit_s_needs():
    t = table([AT_HOME], hit_min=6 * H)
    # A tenth of the first day's needs, delivered before the zone floods, relieves one person, not ten.
    got = t.covered(1 * H, received(water_l=3, food_ration=1), np.zeros(1), first_day_only=True)
    assert got[0, 0] == 1


def test_needs_to_date_count_every_day_s_rations():
    t = table([AT_HOME])
    day2 = received(water_l=60, food_ration=20)
    assert t.covered(DAY_MIN - 1e-6, received(water_l=30, food_ration=10), np.zeros(1))[0, 0] == 10
    # At 24 h the second day's rations are due: 30 L cover two days for five people.
    assert t.covered(DAY_MIN, received(water_l=30, food_ration=10), np.zeros(1))[0, 0] == 5
    assert t.covered(DAY_MIN, day2, np.zeros(1))[0, 0] == 10
    # The first-day view never asks for the second day's rations.
    assert t.covered(2 * DAY_MIN, received(water_l=30, food_ration=10), np.zeros(1), first_day_only=True)[0, 0] == 10


def test_needs_on_a_grid_of_times_equal_needs_at_each_time():
    t = table([SHELTER, AT_HOME], hit_min=30.0)
    times = np.array([0.0, 30.0, 30 + DAY_MIN, 30 + 2.5 * DAY_MIN])
    grid = t.need_by(times)
    for k, m in enumerate(times):
        assert grid[k] == pytest.approx(t.need_by(m))


def test_people_short_are_counted_in_persons_needs():
    t = table([{**AT_HOME, "people": 50}])
    # At 24 h, 300 L are due and 150 L came: 50 persons' water is missing, not 25 persons' two days.
    assert t.short(DAY_MIN, received(water_l=150, food_ration=100), np.zeros(1))[0, 0] == 50
    assert t.short(DAY_MIN, received(water_l=250, food_ration=100), np.zeros(1))[0, 0] == 17
    assert t.short(DAY_MIN - 1, received(water_l=150, food_ration=50), np.zeros(1))[0, 0] == 0
    assert t.short(0.0, received(), np.zeros(1))[0, 0] == 50


def test_displaced_without_a_place_are_short_whatever_arrived():
    t = table([SHELTER])
    supplies = received(water_l=30, food_ration=10, warm_clothing=10)
    assert t.short(0.0, supplies, np.array([7.0]))[0, 0] == 3
    assert t.short(0.0, received(water_l=30, food_ration=10, warm_clothing=4), np.array([10.0]))[0, 0] == 6


@pytest.mark.parametrize("seed", range(6))
def test_one_zone_s_shares_equal_the_table_s_arrays_for_that_zone(seed):
    # The single-zone path (a zone updating its relief at each delivery) against the array
    # path over several zones and times: the same people covered and short, group by group.
    rng = np.random.default_rng(seed)
    n_zones, n_groups = 4, 6
    per = rng.choice([0.0, 0.5, 1.0, 3.0], size=(n_zones, n_groups, len(ITEMS)))
    people = rng.integers(0, 400, size=(n_zones, n_groups))
    t = NeedsTable(ITEMS, people, per, rng.choice([0.0, 3.0], size=n_groups),
                   np.where(rng.random((n_zones, n_groups)) < 0.3, 2 * DAY_MIN, np.inf),
                   rng.random(n_groups) < 0.4, rng.choice([0.0, 120.0], size=n_zones),
                   ["public_shelter"] * n_groups, [False] * n_groups)
    t.tent_people = 6
    got = rng.integers(0, 900, size=(n_zones, len(ITEMS))).astype(float)
    sheltered = rng.integers(0, 300, size=n_zones).astype(float)
    for when in (0.0, 200.0, 1.5 * DAY_MIN, 4 * DAY_MIN):
        for first_day_only in (True, False):
            covered = t.covered(np.full(n_zones, when), got, sheltered, first_day_only=first_day_only, per_zone=True)
            short = t.short(np.full(n_zones, when), got, sheltered, per_zone=True)
            for z in range(n_zones):
                one = t.zone(z)
                assert one.covered(when, got[z:z + 1], sheltered[z:z + 1], first_day_only=first_day_only)[0] \
                    == pytest.approx(covered[z])
                assert one.short(when, got[z:z + 1], sheltered[z:z + 1])[0] == pytest.approx(short[z])


def _random_table(rng, n_zones: int, n_groups: int) -> NeedsTable:
    """A table with groups of nobody, groups that leave their condition, reserves, places and tents."""
    per = rng.choice([0.0, 0.5, 1.0, 3.0], size=(n_zones, n_groups, len(ITEMS)))
    people = rng.integers(0, 400, size=(n_zones, n_groups)) * (rng.random((n_zones, n_groups)) < 0.8)
    t = NeedsTable(ITEMS, people, per, rng.choice([0.0, 1.0, 3.0], size=n_groups),
                   np.where(rng.random((n_zones, n_groups)) < 0.3, rng.uniform(0, 3 * DAY_MIN), np.inf),
                   rng.random(n_groups) < 0.5, rng.choice([0.0, 120.0, 900.0], size=n_zones),
                   ["public_shelter"] * n_groups, [False] * n_groups)
    t.tent_people = int(rng.integers(1, 8))
    return t


@pytest.mark.parametrize("seed", range(6))
def test_a_zone_s_first_day_relieved_are_the_covered_of_its_groups_needing_first_day_relief(seed):
    # What a zone counts at each delivery against the people covered on the first day (the
    # table's array path) summed over its groups with first-day needs.
    rng = np.random.default_rng(300 + seed)
    n_zones, n_groups = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    t = _random_table(rng, n_zones, n_groups)
    for when in rng.uniform(-100.0, 2 * DAY_MIN, size=5):
        got = rng.integers(0, 900, size=(n_zones, len(ITEMS))).astype(float)
        sheltered = rng.integers(0, 300, size=n_zones).astype(float)
        covered = t.covered(np.full(n_zones, when), got, sheltered, first_day_only=True, per_zone=True)
        for z in range(n_zones):
            want = int(covered[z][t.first_day_needing[z]].sum())
            assert t.zone(z).first_day_relieved(when, got[z].tolist(), sheltered[z]) == want


@pytest.mark.parametrize("seed", range(6))
def test_a_zone_s_first_day_relieved_from_its_own_arrays_equal_those_from_lists(seed):
    # The count a zone asks with the float arrays it keeps (received[1, I], sheltered[1])
    # against the count from a list of units and a number of people, at times before the
    # hit, in the first day and after it.
    rng = np.random.default_rng(400 + seed)
    n_zones, n_groups = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    t = _random_table(rng, n_zones, n_groups)
    for when in np.concatenate([[-1.0, 0.0, 120.0, 900.0, DAY_MIN, DAY_MIN + 900.0],
                                rng.uniform(-100.0, 2 * DAY_MIN, size=6)]):
        got = rng.integers(0, 900, size=(n_zones, len(ITEMS))).astype(float)
        sheltered = rng.integers(0, 300, size=n_zones)
        for z in range(n_zones):
            one = t.zone(z)
            assert one.first_day_relieved_of(when, got[z:z + 1].copy(), np.array([float(sheltered[z])])) == \
                one.first_day_relieved(when, got[z].tolist(), int(sheltered[z]))


@pytest.mark.parametrize("seed", range(6))
def test_a_zone_counts_its_relieved_at_each_delivery_as_the_table_does_from_what_it_received(seed):
    # A zone's relieved, relief time and log after every delivery and shelter arrival against
    # the table's count from the zone's received units listed in the table's item order and
    # its sheltered people (how the zone asked before it kept them in arrays).
    from sim.agents.zone import Zone
    from sim.world.event_log import EventLog

    rng = np.random.default_rng(500 + seed)
    n_zones, n_groups = int(rng.integers(1, 4)), int(rng.integers(1, 7))
    t = _random_table(rng, n_zones, n_groups)
    for z in range(n_zones):
        one, log = t.zone(z), EventLog()
        zone = Zone(f"Z{z}", z, 0, "T01", 2000, 0.1, log)
        zone.hit(1000, 200, 10, float(one.hit_min[0]), one)
        want, want_log, now = 0, [], float(one.hit_min[0]) - 60.0
        for _ in range(20):
            now += float(rng.choice([0.0, 30.0, 600.0]))
            if rng.random() < 0.25:
                zone.shelter_arrival(now, int(rng.integers(0, 400)), "s1")
            else:
                items = {str(item): float(rng.choice([0.5, 3.0, 40.0, 200.0, 2000.0]))
                         for item in rng.choice(list(ITEMS) + ["diesel_l"], size=int(rng.integers(1, 4)),
                                                replace=False)}
                zone.receive(now, items, "d1", str(rng.choice(["district", "city", "township"])))
            if want < zone.needing_first_day:
                relieved = one.first_day_relieved(now, [zone.received.get(i, 0.0) for i in one.items], zone.sheltered)
                if relieved > want:
                    want_log.append((now, relieved - want))
                    want = relieved
            assert zone.relieved == want
        got_log = [(time, amount) for time, kind, amount in zip(log.time_min, log.kind, log.amount)
                   if kind == "relieved"]
        assert got_log == want_log
        everyone = want_log and want >= zone.needing_first_day > 0
        assert zone.relief_min == (want_log[-1][0] if everyone else math.inf)


def _share_out_numpy(t, need, received, sheltered):
    """The share-out in numpy over ``need[..., Z, G, I]`` (the arithmetic the kernel replaced):
    the oracle for :func:`sim.world.needs_kernels._share_out_rows`."""
    left = np.array(received, dtype=float, copy=True)
    shelter_left = np.array(sheltered, dtype=float, copy=True)
    tent = t.items.index("tent")
    covered, short = np.zeros(need.shape[:-1]), np.zeros(need.shape[:-1])
    for g in range(need.shape[-2]):
        people = t.people[:, g]
        take = np.minimum(need[..., g, :], np.clip(left, 0.0, None))
        left = left - take
        per = need[..., g, :] / np.maximum(people, 1)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            can = np.where(per > 0, np.floor(take / np.where(per > 0, per, 1.0) + 1e-9), np.inf)
            daily = t.per_person[:, g, :]
            missing = np.where(daily > 0, np.ceil((need[..., g, :] - take) / np.where(daily > 0, daily, 1.0) - 1e-9),
                               0.0)
        n = np.minimum(people, np.min(can, axis=-1))
        lacking = np.max(missing, axis=-1)
        if t.needs_place[g]:
            tents = np.floor(np.clip(left[..., tent], 0.0, None) + 1e-9)
            placed = np.minimum(people, shelter_left + tents * t.tent_people)
            in_shelter = np.minimum(placed, shelter_left)
            shelter_left = shelter_left - in_shelter
            left[..., tent] -= np.ceil((placed - in_shelter) / t.tent_people - 1e-9)
            n = np.minimum(n, placed)
            lacking = np.maximum(lacking, people - placed)
        covered[..., g] = n
        short[..., g] = np.minimum(people, lacking)
    return covered, short


@pytest.mark.parametrize("seed", range(8))
def test_the_share_out_kernel_equals_the_numpy_share_out_on_grids_of_times(seed):
    # Times × zones at once (the analysis' relief curves), with groups of nobody, groups that
    # left their condition, reserves, places and tents: bit for bit the numpy arithmetic.
    rng = np.random.default_rng(100 + seed)
    n_zones, n_groups, n_times = int(rng.integers(1, 6)), int(rng.integers(1, 7)), int(rng.integers(1, 5))
    t = _random_table(rng, n_zones, n_groups)
    at = rng.uniform(-100.0, 5 * DAY_MIN, size=(n_times, n_zones))
    got = rng.integers(0, 900, size=(n_times, n_zones, len(ITEMS))).astype(float)
    sheltered = rng.integers(0, 300, size=(n_times, n_zones)).astype(float)
    for first_day_only in (True, False):
        need = t.group_need_by(t._zone_times(at, first_day_only, per_zone=True), per_zone=True)
        want_covered, want_short = _share_out_numpy(t, need, got, sheltered)
        assert np.array_equal(t.covered(at, got, sheltered, first_day_only=first_day_only, per_zone=True),
                              want_covered)
        if not first_day_only:
            assert np.array_equal(t.short(at, got, sheltered, per_zone=True), want_short)
            needing, short = t.needing_and_short(at, got, sheltered, per_zone=True)
            assert np.array_equal(needing, t.needing(at, per_zone=True)) and np.array_equal(short, want_short)


def _group_need_by_numpy(t, t_min, per_zone):
    """Units due per group by ``t_min`` in numpy (the arithmetic the kernel replaced)."""
    t_min = np.asarray(t_min, dtype=float)
    tz = t_min[..., None] if per_zone else t_min[..., None, None]
    with np.errstate(invalid="ignore"):                  # zones never hit: inf − inf
        horizon = np.minimum(tz - t.hit_min[:, None], t.until_min - t.hit_min[:, None] - 1e-9)
    start = t.first_day * DAY_MIN
    rations = np.where(horizon >= start, np.floor((horizon - start) / DAY_MIN) + 1.0, 0.0)
    reached = t_min >= t.hit_min if per_zone else t_min[..., None] >= t.hit_min
    units = np.where(t.consumable, rations[..., None], reached.astype(float)[..., :, None, None])
    return t.people[..., None] * t.per_person * units


@pytest.mark.parametrize("seed", range(6))
def test_the_need_kernel_equals_the_numpy_need_for_scalars_grids_and_times_per_zone(seed):
    rng = np.random.default_rng(200 + seed)
    n_zones, n_groups = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    per = rng.choice([0.0, 0.5, 1.0, 3.0], size=(n_zones, n_groups, len(ITEMS)))
    t = NeedsTable(ITEMS, rng.integers(0, 400, size=(n_zones, n_groups)), per, rng.choice([0.0, 1.0, 3.0], size=n_groups),
                   np.where(rng.random((n_zones, n_groups)) < 0.3, rng.uniform(0, 3 * DAY_MIN), np.inf),
                   rng.random(n_groups) < 0.5, rng.choice([0.0, 120.0, np.inf], size=n_zones),
                   ["public_shelter"] * n_groups, [False] * n_groups)
    for t_min, per_zone in ((float(rng.uniform(-100, 5 * DAY_MIN)), False),
                            (rng.uniform(-100, 5 * DAY_MIN, size=4), False),
                            (rng.uniform(-100, 5 * DAY_MIN, size=n_zones), True),
                            (rng.uniform(-100, 5 * DAY_MIN, size=(3, n_zones)), True)):
        assert np.array_equal(t.group_need_by(t_min, per_zone), _group_need_by_numpy(t, t_min, per_zone))


@pytest.mark.parametrize("seed", range(8))
def test_the_need_in_all_is_the_groups_need_summed_over_the_groups_to_the_bit(seed):
    # need_by adds the groups' units in one pass; numpy summed the [..., Z, G, I] grid over G.
    rng = np.random.default_rng(600 + seed)
    n_zones, n_groups = int(rng.integers(1, 6)), int(rng.integers(1, 13))
    t = _random_table(rng, n_zones, n_groups)
    t.per_person[:] = rng.choice([0.0, 0.1, 0.5, 1.0 / 3.0, 3.0], size=t.per_person.shape)
    t.tents_for[:] = rng.integers(0, 5, size=n_zones)
    tent = ITEMS.index("tent")
    for t_min, per_zone in ((float(rng.uniform(-100, 5 * DAY_MIN)), False),
                            (rng.uniform(-100, 5 * DAY_MIN, size=4), False),
                            (rng.uniform(-100, 5 * DAY_MIN, size=n_zones), True),
                            (rng.uniform(-100, 5 * DAY_MIN, size=(3, n_zones)), True)):
        expected = t.group_need_by(t_min, per_zone).sum(axis=-2)
        times = np.asarray(t_min) if per_zone else np.asarray(t_min)[..., None]
        expected[..., tent] += np.where(times >= t.hit_min, t.tents_for, 0.0)
        got = t.need_by(t_min, per_zone)
        assert got.shape == expected.shape and np.array_equal(got, expected)
        assert np.array_equal(np.signbit(got), np.signbit(expected))


@pytest.mark.parametrize("seed", range(6))
def test_the_whole_table_s_need_equals_each_zone_s_own_view_to_the_bit(seed):
    # The run's end figures ask the table once for every zone instead of each zone's view in turn.
    rng = np.random.default_rng(400 + seed)
    n_zones, n_groups = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    t = _random_table(rng, n_zones, n_groups)
    t.tents_for[:] = rng.integers(0, 5, size=n_zones)
    for when in rng.uniform(-100.0, 5 * DAY_MIN, size=5):
        whole = t.need_by(when)
        for z in range(n_zones):
            assert np.array_equal(whole[z], t.zone(z).need_by(when)[0])


@pytest.mark.parametrize("seed", range(8))
def test_needing_and_short_row_by_row_equal_the_whole_grid_of_units_due(seed):
    # The relief curves' kernel fills the units due one time of every zone at a time; the
    # table's array path works out the whole grid [..., Z, G, I] first: the same people to the bit,
    # with zones never hit, times before the hit and deliveries broadcast over the times.
    rng = np.random.default_rng(500 + seed)
    n_zones, n_groups = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    t = _random_table(rng, n_zones, n_groups)
    t.hit_min[rng.random(n_zones) < 0.2] = np.inf
    t.people[:, 0] = rng.integers(0, 3, size=n_zones)              # half a litre a day for one person
    t.per_person[:, 0] = 0.0
    t.per_person[:, 0, W] = 0.5
    t.first_day[0], t.needs_place[0] = 0.0, False
    t.per_person[:, -1] = 0.0                                       # needs nothing delivered, maybe a place
    t.needs_place[-1] = bool(seed % 2)
    at = rng.uniform(-100.0, 5 * DAY_MIN, size=(int(rng.integers(1, 4)), int(rng.integers(2, 4)), n_zones))
    at[0, 0] = np.where(np.isfinite(t.hit_min), t.hit_min, 0.0)                 # at the hit
    at[-1, -1] = np.where(np.isfinite(t.until_min[:, 0]), t.until_min[:, 0], 0.0)   # as a group leaves
    for got, sheltered in ((rng.integers(0, 900, size=at.shape + (len(ITEMS),)).astype(float),
                            rng.integers(0, 300, size=at.shape).astype(float)),
                           (rng.integers(0, 900, size=(n_zones, len(ITEMS))).astype(float), 40.0)):
        t_z = t._zone_times(at, False, per_zone=True)
        need = t.group_need_by(t_z, per_zone=True)
        needing, short = t.needing_and_short(at, got, sheltered, per_zone=True)
        assert needing.dtype == np.int64 and np.array_equal(needing, t._needing(t_z, need, False))
        assert np.array_equal(short, t._share_out_need(need, got, sheltered)[1])


@settings(max_examples=60)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 6), st.integers(1, 12))
def test_needing_and_short_of_zones_whose_state_repeats_equal_the_whole_grid_of_units_due(seed, n_zones, n_groups,
                                                                                         n_rows):
    # Rows repeat a zone's time, or its deliveries and shelter, cross a day or a group's leaving, or go
    # back in time: the people needing and short of a zone whose state did not change are those of its
    # previous row.
    rng = np.random.default_rng(seed)
    t = _random_table(rng, n_zones, n_groups)
    t.hit_min[rng.random(n_zones) < 0.2] = np.inf
    since_hit = np.sort(0.5 * DAY_MIN * rng.integers(-1, 7, size=(n_rows, n_zones))
                        + rng.choice([-30.0, 0.0, 30.0], size=(n_rows, n_zones)), axis=0)
    back = rng.random(n_rows) < 0.2                                            # rows back in time
    since_hit[back] = since_hit[::-1][back]
    at = np.where(np.isfinite(t.hit_min), t.hit_min, 0.0) + since_hit
    leaving = rng.random(at.shape) < 0.2                                       # as the first group leaves
    leaves_at = np.where(np.isfinite(t.until_min[:, 0]), t.until_min[:, 0], 0.0)
    at[leaving] = np.broadcast_to(leaves_at, at.shape)[leaving]
    arrived = rng.integers(0, 300, size=(n_rows, n_zones, len(ITEMS))) * (rng.random((n_rows, n_zones, 1)) < 0.4)
    got = np.cumsum(arrived, axis=0).astype(float)
    got[rng.random(got.shape) < 0.1] = -0.0
    sheltered = np.cumsum(rng.integers(0, 100, size=(n_rows, n_zones)) * (rng.random((n_rows, n_zones)) < 0.3),
                          axis=0).astype(float)
    t_z = t._zone_times(at, False, per_zone=True)
    need = t.group_need_by(t_z, per_zone=True)
    needing, short = t.needing_and_short(at, got, sheltered, per_zone=True)
    assert np.array_equal(needing, t._needing(t_z, need, False))
    want = t._share_out_need(need, got, sheltered)[1]
    assert np.array_equal(short, want) and np.array_equal(np.signbit(short), np.signbit(want))
