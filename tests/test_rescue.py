"""Digging out the trapped: neighbours first, then rescue crews, each zone its own."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from worlds import depot, line_world, scenario_doc, write_scenario, write_zones

from sim.api import run
from sim.scenarios import load_scenario

SELF_SHARE = 0.5


def quake_world(tmp_path, zones):
    region = line_world(tmp_path, n=3, length_m=2000.0)
    region["zones"] = {"csv": write_zones(tmp_path, zones)}
    hazard = {"type": "earthquake", "magnitude": 8.0, "epicenter": [116.7, 39.8], "depth_km": 10,
              "self_rescue_share": SELF_SHARE}
    doc = scenario_doc(region, [depot("d", 1)], hazard=hazard, duration="72h",
                       teams=[{"id": "sar", "kind": "sar", "base": {"node": 2}, "count": 4}])
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def test_two_zones_on_one_road_node_are_each_rescued_for_their_own_trapped(tmp_path):
    scenario, base = quake_world(tmp_path, [("Z1", 2, 300, 0.1), ("Z2", 2, 300, 0.1), ("Z3", 2, 100, 0.1)])
    result = run(scenario, base_dir=base)
    zones = {z.zone_id: z for z in result.world.zones}
    assert zones["Z1"].trapped > 0 and zones["Z2"].trapped > 0 and zones["Z1"].trapped != zones["Z2"].trapped
    events = result.events_frame()
    rescued_in = set(events.loc[events["kind"] == "rescue", "zone"])
    assert {"Z1", "Z2"} <= rescued_in
    ledger = result.world.rescue
    assert ledger.trapped == sum(z.trapped for z in zones.values())
    # Every trapped person is booked once: by neighbours, or by the teams (all sites done in 72 h).
    booked = (ledger.self_rescued_alive + ledger.self_rescued_dead + ledger.rescued_alive + ledger.rescued_dead)
    assert booked == pytest.approx(ledger.trapped, abs=0.5)
    assert ledger.awaiting == pytest.approx(0.0, abs=0.01)      # the tail of self-rescue after 72 h


# ------------------------------------------------------------------ crew choice
class _Ledger:
    rescued_alive = 0
    rescued_dead = 0


def coordinator(hits_min, xy_km, townships=None, max_crews=4, crew_min=120.0):
    import numpy as np
    import simpy
    from types import SimpleNamespace

    from sim.dispatch.rescue import RescueCoordinator
    from sim.world.event_log import EventLog

    env = simpy.Environment()
    zones = [SimpleNamespace(zone_id=f"Z{k}", index=k, node=k, hit_time_min=h,
                             township=(townships or ["T"] * len(hits_min))[k]) for k, h in enumerate(hits_min)]
    coord = RescueCoordinator(env, zones, np.array(xy_km, float), lambda node: (0.0, 0.0),
                              lambda z: np.random.default_rng(z), _Ledger(), EventLog(), crew_min, max_crews)
    return env, coord


def crew(township=None, kind="sar"):
    from types import SimpleNamespace
    return SimpleNamespace(kind=kind, spec=SimpleNamespace(township=township))


def test_a_free_crew_goes_where_its_next_hour_saves_most_lives():
    # Z0 was hit 60 h ago (survival low), Z1 just now: both equally near.
    env, coord = coordinator([-3600.0, 0.0], [[1, 0], [0, 1]])
    coord.open_site(0, 10)
    coord.open_site(1, 10)
    assert coord.next_task(crew(), node=0, seq=1).zone == "Z1"


def test_nearer_wins_when_the_trapped_have_the_same_chance():
    env, coord = coordinator([0.0, 0.0], [[30, 0], [2, 0]])
    coord.open_site(0, 10)
    coord.open_site(1, 10)
    assert coord.next_task(crew(), node=0, seq=1).zone == "Z1"


def test_crews_spread_and_no_zone_takes_more_crews_than_it_can_use():
    env, coord = coordinator([0.0, 0.0, 0.0], [[1, 0], [2, 0], [3, 0]], max_crews=2)
    coord.open_site(0, 10)
    coord.open_site(1, 1)           # one person: one crew at most
    coord.open_site(2, 10)
    zones = [getattr(coord.next_task(crew(), node=0, seq=k), "zone", None) for k in range(6)]
    assert zones.count("Z0") == 2 and zones.count("Z1") == 1 and zones.count("Z2") == 2
    assert zones[-1] is None


def test_township_crews_work_their_own_township_first():
    env, coord = coordinator([0.0, 0.0], [[1, 0], [20, 0]], townships=["T01", "T02"])
    coord.open_site(0, 5)
    coord.open_site(1, 5)
    assert coord.next_task(crew("T02"), node=0, seq=1).zone == "Z1"
    assert coord.next_task(crew(None), node=0, seq=2).zone == "Z0"


def test_a_rescue_is_booked_when_it_happens_alive_or_dead_by_the_zones_stream():
    env, coord = coordinator([0.0], [[1, 0]])
    coord.open_site(0, 3)
    task = coord.next_task(crew(), node=0, seq=1)
    task.on_done()
    assert coord.ledger.rescued_alive + coord.ledger.rescued_dead == 1 and coord.reached[0] == 1


def test_neighbours_free_their_share_over_the_first_day_not_in_the_first_hour():
    from sim.dispatch.rescue import self_rescue
    from sim.hazards.fragility import survival_probability

    alive, dead = self_rescue(1000, 0.8, 360.0, horizon_min=4320.0)
    assert alive + dead == pytest.approx(800, rel=1e-3)
    # Slower than all at once in the first hour, faster than all at the end of day 1.
    assert 800 * float(survival_probability(1440.0)) < alive < 800 * float(survival_probability(60.0))
    early, _ = self_rescue(1000, 0.8, 360.0, horizon_min=360.0)
    assert early == pytest.approx(alive * (1 - math.exp(-1)), rel=0.2)


def _self_rescue_afresh(trapped, share, time_constant_min, step_min=10.0, horizon_min=4320.0):
    """The neighbours' rescue worked out from scratch for one zone (the oracle for the
    shares :func:`sim.dispatch.rescue.self_rescue` keeps per time constant and horizon)."""
    import numpy as np

    from sim.hazards.fragility import survival_probability

    if trapped <= 0 or share <= 0:
        return 0.0, 0.0
    t = np.arange(0.0, horizon_min + step_min, step_min)
    freed = np.diff(1.0 - np.exp(-t / time_constant_min))
    alive_share = float((freed * np.asarray(survival_probability(t[:-1] + step_min / 2))).sum())
    total = trapped * share * (1.0 - math.exp(-horizon_min / time_constant_min))
    alive = trapped * share * alive_share
    return alive, total - alive


@pytest.mark.parametrize("seed", range(4))
def test_neighbours_rescue_of_zones_sharing_a_horizon_is_each_zone_s_own(seed):
    import numpy as np

    from sim.dispatch.rescue import self_rescue

    rng = np.random.default_rng(seed)
    horizons = rng.choice([360.0, 1440.0, 4320.0, 4321.5], size=12)
    for trapped, horizon in zip(rng.integers(0, 500, size=12).tolist(), horizons.tolist()):
        share, tau = float(rng.choice([0.0, 0.5, 1.0])), float(rng.choice([120.0, 360.0]))
        assert self_rescue(trapped, share, tau, horizon_min=horizon) == \
            _self_rescue_afresh(trapped, share, tau, horizon_min=horizon)


# ------------------------------------------------------------------ the compiled choice
# The times a survival chance is asked at: the curve's knots (and either side of them), before
# the hit, the tail beyond 108 h, and any time in between.
_KNOTS_MIN = [0.0, 30.0, 720.0, 2160.0, 3600.0, 5040.0, 6480.0]
_survival_times = st.one_of(
    st.sampled_from(_KNOTS_MIN + [-0.0, -30.0, math.inf, -math.inf, math.nan]),
    st.sampled_from(_KNOTS_MIN).map(lambda t: math.nextafter(t, -math.inf)),
    st.sampled_from(_KNOTS_MIN).map(lambda t: math.nextafter(t, math.inf)),
    st.floats(-600.0, 20 * 1440.0, allow_nan=False))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(times=st.lists(_survival_times, min_size=1, max_size=20))
def test_the_compiled_survival_chance_is_survival_probability_to_the_bit(times):
    # The log chance the kernel works out, put through numpy's exp, against survival_probability
    # on arrays of the lengths a choice asks (numpy's interp is run differently on short ones)
    # and on one time at a time (a rescue booked).
    import numpy as np

    from sim.dispatch.rescue import _log_survival
    from sim.hazards.fragility import SURVIVAL_LOG_CURVE, survival_probability

    log_alive = np.array([_log_survival(t, *SURVIVAL_LOG_CURVE) for t in times])
    np.testing.assert_array_equal(np.exp(log_alive), survival_probability(np.array(times)))
    for t, log_p in zip(times, log_alive):
        want = float(survival_probability(t))
        assert float(np.exp(log_p)) == want or math.isnan(want)


def _choice_by_numpy(coord, team, node, reachable=None):
    """The zones a free crew of ``team`` at ``node`` would take, best first, as
    :meth:`RescueCoordinator.next_task` worked them out in numpy before its kernel (the
    oracle of the compiled choice); empty if none is open."""
    import numpy as np

    from sim.dispatch.rescue import CHOICE_SPEED_KMH
    from sim.hazards.fragility import survival_probability

    if not coord.to_reach.any():
        return []
    open_ = (coord.to_reach > 0) & (coord.crews_at < coord.max_crews)
    if not open_.any():
        return []
    if team.spec.township is not None:
        own = open_ & (coord.township == team.spec.township)
        if own.any():
            open_ = own
    rows = np.flatnonzero(open_)
    x, y = coord.node_xy(node)
    km = np.hypot(coord.zone_xy[rows, 0] - x, coord.zone_xy[rows, 1] - y)
    drive_min = km / CHOICE_SPEED_KMH * 60.0
    alive = np.asarray(survival_probability(coord.env.now + drive_min + coord.crew_min / 2 - coord.hit_min[rows]))
    gain_per_h = alive / ((drive_min + coord.crew_min) / 60.0)
    order = [int(rows[k]) for k in np.lexsort((rows, -gain_per_h))]
    return [z for z in order if reachable is None or reachable(node, coord.zones[z].node)]


@st.composite
def _crew_choices(draw):
    """A coordinator with 1-40 zones (shared places and hit times, so gains tie), sites open,
    full or done, a crew with or without a home township and zones it cannot reach."""
    import numpy as np
    import simpy
    from types import SimpleNamespace

    from sim.dispatch.rescue import RescueCoordinator
    from sim.world.event_log import EventLog

    n = draw(st.integers(1, 40))
    places = st.sampled_from([0.0, 1.0, 2.5, -3.0])
    xy = [[draw(st.one_of(places, st.floats(-40.0, 40.0))), draw(st.one_of(places, st.floats(-40.0, 40.0)))]
          for _ in range(n)]
    hits = [draw(st.one_of(st.sampled_from([0.0, 30.0, 600.0]), st.floats(0.0, 6000.0))) for _ in range(n)]
    townships = [draw(st.sampled_from(["T01", "T02"])) for _ in range(n)]
    now = draw(st.one_of(st.sampled_from([0.0, 600.0, 7000.0]), st.floats(0.0, 15000.0)))
    env = simpy.Environment(initial_time=now)
    zones = [SimpleNamespace(zone_id=f"Z{k}", index=k, node=k, hit_time_min=h, township=t)
             for k, (h, t) in enumerate(zip(hits, townships))]
    crew_at = (draw(st.floats(-40.0, 40.0)), draw(st.floats(-40.0, 40.0)))
    coord = RescueCoordinator(env, zones, np.array(xy, float), lambda node: crew_at,
                              lambda z: np.random.default_rng(z), _Ledger(), EventLog(),
                              draw(st.sampled_from([0.0, 1.0, 120.0])), draw(st.integers(1, 3)))
    coord.to_reach[:] = [draw(st.sampled_from([0, 0, 1, 5])) for _ in range(n)]
    coord.crews_at[:] = [draw(st.integers(0, 3)) for _ in range(n)]
    unreachable = set(draw(st.lists(st.integers(0, n - 1), max_size=n)))
    return coord, crew(draw(st.sampled_from([None, "T01", "T02", "T09"]))), unreachable


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(case=_crew_choices())
def test_the_compiled_choice_of_a_free_crew_is_the_numpy_one(case):
    # The zones in the order the kernels give them (the best of those not yet passed, over and
    # over) against the numpy computation they replaced, and the task next_task makes of the
    # first reachable one.
    import numpy as np

    from sim.dispatch.rescue import _best_site, _drive_min, _open_sites
    from sim.hazards.fragility import SURVIVAL_LOG_CURVE

    coord, team, unreachable = case
    home = coord.township == team.spec.township if team.spec.township else np.zeros(len(coord.zones), bool)
    x, y = coord.node_xy(0)
    rows, log_alive, hours = _open_sites(coord.to_reach, coord.crews_at, coord.max_crews, home,
                                         _drive_min(coord.zone_xy, x, y), float(coord.env.now), coord.crew_min,
                                         coord.hit_min, *SURVIVAL_LOG_CURVE)
    alive, passed, order = np.exp(log_alive), np.zeros(len(rows), dtype=bool), []
    while (k := _best_site(alive, hours, passed)) >= 0:
        order.append(int(rows[k]))
        passed[k] = True
    assert order == _choice_by_numpy(coord, team, 0)

    def reachable(node, to):
        return to not in unreachable

    want = _choice_by_numpy(coord, team, 0, reachable)
    task = coord.next_task(team, node=0, seq=7, reachable=reachable)
    assert (task.zone if task else None) == (f"Z{want[0]}" if want else None)


@njit
def _one_zone_drive_min(zone_xy, x, y, z):
    """The choice's drive to zone ``z`` as the choice's kernel worked it out row by row."""
    return math.hypot(zone_xy[z, 0] - x, zone_xy[z, 1] - y) / 20.0 * 60.0


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(case=_crew_choices(), x=st.floats(-40.0, 40.0), y=st.floats(-40.0, 40.0))
def test_the_drive_minutes_kept_per_node_are_the_choice_s_straight_line_to_the_bit(case, x, y):
    # The minutes the choice works with, kept per node, against the straight line at the
    # choice speed worked out for one zone at a time in a kernel (as the choice did before it
    # kept them; numba's hypot is the C library's, not Python's).
    import numpy as np

    from sim.dispatch.rescue import _drive_min

    coord, team, unreachable = case
    want = np.array([_one_zone_drive_min(coord.zone_xy, x, y, z) for z in range(len(coord.zone_xy))])
    np.testing.assert_array_equal(_drive_min(coord.zone_xy, x, y), want)
    np.testing.assert_array_equal(coord._drive_min_from(3), _drive_min(coord.zone_xy, *coord.node_xy(3)))
    assert coord._drive_min_from(3) is coord._drive_min_from(3)


def test_a_crew_passing_over_zones_it_cannot_reach_leaves_the_next_crew_s_choice_whole():
    # Two choices from one node: the first crew cannot reach the best two zones; the
    # second can reach all and takes the best one.
    import numpy as np
    import simpy
    from types import SimpleNamespace

    from sim.dispatch.rescue import RescueCoordinator
    from sim.world.event_log import EventLog

    zones = [SimpleNamespace(zone_id=f"Z{k}", index=k, node=k, hit_time_min=0.0, township="T01") for k in range(4)]
    coord = RescueCoordinator(simpy.Environment(), zones, np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [4.0, 0.0]]),
                              lambda node: (0.0, 0.0), lambda z: np.random.default_rng(z), _Ledger(), EventLog(),
                              120.0, 4)
    coord.to_reach[:] = 3
    first = coord.next_task(crew(None), node=0, seq=1, reachable=lambda node, to: to >= 2)
    assert first.zone == "Z2"
    assert not coord._none_passed.any()
    assert coord.next_task(crew(None), node=0, seq=2, reachable=lambda node, to: True).zone == "Z0"


def test_the_ledger_counts_the_dead_when_freed_and_the_alive_still_awaiting_rescue():
    from sim.hazards.fragility import survival_probability
    from sim.world.rescue_ledger import RescueLedger

    ledger = RescueLedger(trapped=1000, self_rescued_alive=700.4, self_rescued_dead=99.6, rescued_alive=50,
                          rescued_dead=10)
    figures = ledger.as_dict()
    assert figures["dead_when_freed"] == figures["self_rescued_dead"] + 10 == 110
    assert figures["awaiting_rescue_at_end"] == 140
    assert ledger.awaiting_alive(float(survival_probability(72 * 60))) == round(140 * survival_probability(72 * 60))
