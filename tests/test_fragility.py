"""Fragility of bridges and streets, building damage, and survival of the trapped."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.hazards.fragility import (
    BRIDGE_RESTORATION_DAYS,
    HAZUS_BRIDGES,
    building_damage_distribution,
    damage_state_from_uniform,
    debris_blockage_probability,
    exceedance_probabilities,
    mean_damage_index,
    occupancy_at,
    repair_time_min,
    sa10_g_from_pga_g,
    survival_probability,
)
from sim.network.graph import RoadClass

HWB17 = np.array(HAZUS_BRIDGES["HWB17"].medians_g)


def test_hazus_medians_are_table_7_9():
    assert HAZUS_BRIDGES["HWB17"].medians_g == (0.25, 0.35, 0.45, 0.70)
    assert HAZUS_BRIDGES["HWB19"].medians_g == (0.50, 0.80, 1.10, 1.70)
    assert HAZUS_BRIDGES["HWB23"].medians_g == (0.90, 0.90, 1.10, 1.50)
    assert all(b.beta == 0.6 for b in HAZUS_BRIDGES.values())


def test_median_demand_gives_half_probability():
    p = exceedance_probabilities(HWB17, HWB17)
    np.testing.assert_allclose(np.diag(p), 0.5)


@settings(max_examples=200, deadline=None)
@given(a=st.floats(1e-4, 5.0), b=st.floats(1e-4, 5.0), cls=st.sampled_from(sorted(HAZUS_BRIDGES)))
def test_fragility_is_monotone_in_demand_and_ordered_across_states(a, b, cls):
    lo, hi = sorted((a, b))
    p = exceedance_probabilities([lo, hi], HAZUS_BRIDGES[cls].medians_g)
    assert np.all(p[1] >= p[0])                       # more shaking, more damage
    assert np.all(np.diff(p, axis=1) <= 1e-15)        # P(≥ slight) ≥ … ≥ P(complete)
    assert np.all((0 <= p) & (p <= 1))


@settings(max_examples=200, deadline=None)
@given(u=st.floats(0.0, 0.999999), sa=st.floats(1e-3, 4.0), factor=st.floats(1.0, 5.0))
def test_stronger_bridge_on_the_same_draw_is_never_worse(u, sa, factor):
    weak = damage_state_from_uniform([u], exceedance_probabilities(sa, HWB17))
    strong = damage_state_from_uniform([u], exceedance_probabilities(sa, HWB17 * factor))
    assert strong[0] <= weak[0]


def test_fragility_refuses_decreasing_medians():
    with pytest.raises(ValueError, match="non-decreasing"):
        exceedance_probabilities(0.3, [0.5, 0.4, 0.6, 0.7])


def test_spectral_conversion_follows_the_gb50011_spectrum():
    assert sa10_g_from_pga_g(1.0) == pytest.approx(2.25 * 0.55 ** 0.9)


def test_repair_times_follow_hazus_restoration_and_grow_with_damage():
    rng = np.random.default_rng(3)
    n = 20000
    means = []
    for state, (mean_days, sd_days) in BRIDGE_RESTORATION_DAYS.items():
        t = repair_time_min(np.full(n, state), rng.random(n)) / 1440.0
        assert t.min() >= 0.1 * mean_days - 1e-9
        if state >= 3:  # the floor barely touches these
            assert t.mean() == pytest.approx(mean_days, rel=0.05)
        means.append(t.mean())
    assert means == sorted(means)
    assert repair_time_min(np.zeros(3, dtype=int), [0.1, 0.5, 0.9]).tolist() == [0, 0, 0]


def test_debris_never_blocks_expressways_and_grows_with_length_and_collapse():
    p = debris_blockage_probability([0.3, 0.3, 0.3, 0.6], [100, 100, 400, 100],
                                    [RoadClass.EXPRESSWAY, RoadClass.LOCAL, RoadClass.LOCAL, RoadClass.LOCAL])
    assert p[0] == 0.0
    assert p[1] == pytest.approx(0.15)
    assert p[2] > p[1] and p[3] > p[1]


def test_building_damage_rows_are_distributions_with_the_scale_mean_damage_index():
    intensities = np.array([6.0, 7.0, 8.0, 9.0, 10.0, 11.0])
    dist = building_damage_distribution(intensities)
    np.testing.assert_allclose(dist.sum(axis=1), 1.0)
    mean_index = dist @ np.arange(5) / 4.0
    np.testing.assert_allclose(mean_index, [0.05, 0.205, 0.405, 0.605, 0.805, 0.955])
    # VIII: "a few severely damaged, most moderately or slightly".
    assert dist[2, 4] == pytest.approx(0.027, abs=0.001)
    assert 0.1 < dist[2, 3] < 0.45 and dist[2, 1] + dist[2, 2] > 0.5


def test_no_building_damage_below_intensity_five():
    dist = building_damage_distribution([0.0, 3.0, 5.0], fortified_share=0.3)
    np.testing.assert_allclose(dist[:, 0], 1.0)


@settings(max_examples=150, deadline=None)
@given(i1=st.floats(0.0, 12.0), i2=st.floats(0.0, 12.0), share=st.floats(0.0, 1.0))
def test_more_shaking_never_lessens_building_damage(i1, i2, share):
    lo, hi = sorted((i1, i2))
    cum = np.cumsum(building_damage_distribution([lo, hi], share)[:, ::-1], axis=1)  # P(≥ grade)
    assert np.all(cum[1] >= cum[0] - 1e-12)


def test_code_designed_buildings_collapse_less():
    ordinary = building_damage_distribution(9.0, 0.0)[0, 4]
    mixed = building_damage_distribution(9.0, 0.8)[0, 4]
    assert mixed < ordinary
    assert mean_damage_index(8.5) == pytest.approx(0.505)


def test_more_people_are_home_at_night():
    assert occupancy_at(2.0) == pytest.approx(0.9)
    assert occupancy_at(14.0) == pytest.approx(0.5)
    assert occupancy_at(7.0) == pytest.approx(0.7)


def test_survival_follows_the_tangshan_rescue_record():
    days = np.array([30.0, 12 * 60, 36 * 60, 60 * 60, 84 * 60, 108 * 60])
    np.testing.assert_allclose(survival_probability(days), [0.993, 0.81, 0.537, 0.367, 0.19, 0.074], rtol=1e-9)
    assert survival_probability(0.0) == 1.0
    assert survival_probability(7 * 1440.0) < 0.074


@settings(max_examples=150, deadline=None)
@given(t1=st.floats(0.0, 20 * 1440.0), t2=st.floats(0.0, 20 * 1440.0))
def test_survival_never_rises_with_time(t1, t2):
    lo, hi = sorted((t1, t2))
    assert 0.0 <= survival_probability(hi) <= survival_probability(lo) <= 1.0


@pytest.mark.parametrize("seed", range(4))
def test_debris_blockage_reads_the_share_of_each_road_class_as_the_per_segment_lookup_did(seed):
    from sim.hazards.fragility import BLOCKAGE_SHARE_PER_100M

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 50))
    p_collapse, length_m = rng.random(n), rng.uniform(0, 800, n)
    road_class = rng.integers(0, len(RoadClass), n).astype(np.int8)
    share = np.array([BLOCKAGE_SHARE_PER_100M[RoadClass(int(c))] for c in road_class])
    want = 1.0 - (1.0 - np.clip(share * p_collapse, 0.0, 1.0)) ** np.maximum(length_m / 100.0, 0.0)
    assert np.array_equal(debris_blockage_probability(p_collapse, length_m, road_class), want)


def test_debris_blockage_refuses_a_number_that_is_no_road_class():
    with pytest.raises(ValueError, match="not a valid RoadClass"):
        debris_blockage_probability([0.3], [100], [len(RoadClass)])


def _survival_afresh(t_min):
    """The survival curve with its tail always worked out (the oracle for the curve that
    works it out only where some time lies beyond the last point)."""
    from sim.hazards.fragility import _LOG_P, _SURVIVAL_T_MIN, _TAIL_RATE

    t = np.maximum(np.asarray(t_min, dtype=float), 0.0)
    log_p = np.interp(t, _SURVIVAL_T_MIN, _LOG_P)
    log_p = np.where(t > _SURVIVAL_T_MIN[-1], _LOG_P[-1] + _TAIL_RATE * (t - _SURVIVAL_T_MIN[-1]), log_p)
    p = np.exp(log_p)
    return float(p) if p.ndim == 0 else p


@pytest.mark.parametrize("seed", range(4))
def test_survival_is_the_curve_worked_out_in_full_for_scalars_and_arrays(seed):
    rng = np.random.default_rng(seed)
    for t in (rng.uniform(-60, 6000, 25), rng.uniform(-60, 12000, 25), np.zeros(0)):
        assert survival_probability(t).tobytes() == _survival_afresh(t).tobytes()
    for t in rng.uniform(-60, 12000, 20).tolist() + [6480.0, 0.0]:
        got = survival_probability(t)
        assert isinstance(got, float) and got == _survival_afresh(t)


def test_debris_covers_the_stretches_the_blockage_draw_blocks_not_the_whole_street():
    # n stretches of 100 m, each blocked with probability q: given one is, E[K] = n q / (1 - (1 - q)^n).
    from sim.hazards.fragility import _unit_blockage, blocked_length_m
    from sim.network.graph import RoadClass

    local = int(RoadClass.LOCAL)
    p_collapse = 0.3
    q = float(_unit_blockage(p_collapse, [local])[0])
    got = blocked_length_m([p_collapse], [500.0], [local])[0]
    assert got == pytest.approx(100 * 5 * q / (1 - (1 - q) ** 5))
    rng = np.random.default_rng(7)
    k = rng.binomial(5, q, size=400_000)
    assert got == pytest.approx(100 * k[k >= 1].mean(), rel=0.01)       # Monte Carlo oracle
    # Never more than the street, never less than one stretch (or the street, if shorter).
    lengths = np.array([30.0, 100.0, 250.0, 2_000.0])
    for p in (1e-9, 0.01, 0.5, 1.0):
        m = blocked_length_m(np.full(4, p), lengths, np.full(4, local))
        assert np.all(m <= lengths + 1e-9) and np.all(m >= np.minimum(lengths, 100.0) - 1e-9)
