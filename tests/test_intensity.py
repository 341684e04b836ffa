"""Intensity attenuation: the published relations, and the physics any relation must obey."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.hazards.intensity import (
    RELATIONS,
    AxisRelation,
    attenuation_for,
    median_intensity,
    pga_g_from_intensity,
    site_offsets_km,
)
from sim.scenarios.hazard_models import Attenuation, Earthquake

WANG = RELATIONS["wang2000-north-china"]
YU = RELATIONS["yu2013-east"]
magnitudes = st.floats(4.0, 9.0)
distances = st.floats(0.0, 400.0)
angles = st.floats(0.0, 2 * math.pi)


def quake(**kw):
    base = dict(type="earthquake", magnitude=7.0, epicenter=(116.7, 39.9), strike_deg=45.0)
    return Earthquake(**{**base, **kw})


def test_wang2000_axes_are_the_published_eastern_china_relation():
    m, r = 7.0, 30.0
    assert WANG.long_axis.intensity(m, r) == pytest.approx(6.046 + 1.480 * m - 2.081 * math.log(r + 25))
    assert WANG.short_axis.intensity(m, r) == pytest.approx(2.617 + 1.435 * m - 1.441 * math.log(r + 7))


def test_yu2013_uses_log10_and_both_axes_share_the_epicentral_intensity():
    m = 7.5
    assert YU.long_axis.intensity(m, 50.0) == pytest.approx(5.7123 + 1.3626 * m - 4.2903 * math.log10(75.0))
    assert YU.long_axis.intensity(m, 0.0) == pytest.approx(YU.short_axis.intensity(m, 0.0), abs=1e-3)


def test_site_on_an_axis_lies_on_that_isoseismal():
    m, i = 7.5, 8.0
    ra = WANG.long_axis.radius_km(m, i)
    rb = WANG.short_axis.radius_km(m, i)
    assert ra > rb > 0
    assert WANG.intensity(m, ra, 0.0) == pytest.approx(i, abs=1e-9)
    assert WANG.intensity(m, 0.0, rb) == pytest.approx(i, abs=1e-9)


def test_epicentre_has_the_epicentral_intensity():
    for m in (4.0, 6.5, 8.0):
        assert WANG.intensity(m, 0.0, 0.0) == pytest.approx(WANG.epicentral_intensity(m))


@settings(max_examples=150, deadline=None)
@given(m1=magnitudes, dm=st.floats(0.0, 2.0), r=distances, theta=angles)
def test_larger_magnitude_never_lowers_intensity_at_a_site(m1, dm, r, theta):
    x, y = r * math.cos(theta), r * math.sin(theta)
    for rel in (WANG, YU):
        assert rel.intensity(m1 + dm, x, y) >= rel.intensity(m1, x, y) - 1e-9


@settings(max_examples=150, deadline=None)
@given(m=magnitudes, r1=distances, dr=st.floats(0.0, 300.0), theta=angles)
def test_intensity_falls_with_distance_along_any_azimuth(m, r1, dr, theta):
    c, s = math.cos(theta), math.sin(theta)
    for rel in (WANG, YU):
        near = rel.intensity(m, r1 * c, r1 * s)
        far = rel.intensity(m, (r1 + dr) * c, (r1 + dr) * s)
        assert far <= near + 1e-9


@settings(max_examples=150, deadline=None)
@given(m=magnitudes, r=st.floats(0.1, 400.0))
def test_isoseismals_are_elongated_along_the_strike(m, r):
    for rel in (WANG, YU):
        assert rel.intensity(m, r, 0.0) >= rel.intensity(m, 0.0, r) - 1e-9


def test_site_offsets_follow_the_strike_direction():
    h = quake(strike_deg=90.0)  # strike due east
    along, across = site_offsets_km(h.epicenter, h.strike_deg, [117.0, 116.7], [39.9, 40.2])
    assert along[0] == pytest.approx(25.6, abs=0.3) and abs(across[0]) < 0.05   # 0.3° east
    assert abs(along[1]) < 0.05 and abs(across[1]) == pytest.approx(33.4, abs=0.3)  # 0.3° north


def test_scenario_intensity_is_higher_along_the_fault_than_across_it():
    h = quake(magnitude=7.0, strike_deg=45.0)
    ne, nw = median_intensity(h, [116.7 + 0.4, 116.7 - 0.4], [39.9 + 0.3, 39.9 + 0.3])
    assert ne > nw


def test_custom_relation_reproduces_a_named_one():
    custom = Attenuation(relation="custom", long_axis=(6.046, 1.480, 2.081, 25.0),
                         short_axis=(2.617, 1.435, 1.441, 7.0))
    rel = attenuation_for(custom)
    assert rel.intensity(7.2, 40.0, 15.0) == pytest.approx(WANG.intensity(7.2, 40.0, 15.0))
    lg = attenuation_for(Attenuation(relation="custom", log_base="10", long_axis=(5.7123, 1.3626, 4.2903, 25),
                                     short_axis=(3.6588, 1.3626, 3.5406, 13)))
    assert lg.intensity(7.2, 40.0, 15.0) == pytest.approx(YU.intensity(7.2, 40.0, 15.0))


def test_attenuation_section_refuses_half_given_coefficients():
    with pytest.raises(ValidationError, match="needs both"):
        Attenuation(relation="custom", long_axis=(6.0, 1.5, 2.0, 25.0))
    with pytest.raises(ValidationError, match="only read with relation 'custom'"):
        Attenuation(long_axis=(6.0, 1.5, 2.0, 25.0), short_axis=(2.6, 1.4, 1.4, 7.0))
    with pytest.raises(ValidationError, match="must be > 0"):
        Attenuation(relation="custom", long_axis=(6.0, 1.5, -2.0, 25.0), short_axis=(2.6, 1.4, 1.4, 7.0))
    with pytest.raises(ValueError):
        AxisRelation(1.0, 1.0, 1.0, 5.0, log_base="2")


def test_pga_follows_the_gb17742_2020_instrumental_scale():
    pga_mps2 = pga_g_from_intensity([6.0, 7.0, 8.0, 9.0, 10.0]) * 9.80665
    # Class centres the 2020 scale lists: 0.653, 1.35, 2.79, 5.77, 11.9 m/s².
    np.testing.assert_allclose(pga_mps2, [0.653, 1.35, 2.79, 5.77, 11.9], rtol=0.01)
    assert np.all(np.diff(pga_mps2) > 0)
