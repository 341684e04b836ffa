"""Depth → speed: the Pregnolato et al. (2017) depth–disruption function as a speed factor."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.hazards.depth_speed import (
    CLOSED_DEPTH_MM,
    PREGNOLATO_2017,
    factor_steps,
    pregnolato_speed_kmh,
    quantised_factor,
    speed_factor,
)

DEPTHS_MM = np.linspace(0.0, 500.0, 2001)
MODES = ("speed_cap", "relative")


def test_published_coefficients_and_values():
    """v = 0.0009 w² − 0.5529 w + 86.9448 (km/h, w in mm): 86.9 km/h dry, about 2 km/h at 300 mm."""
    assert PREGNOLATO_2017 == (0.0009, -0.5529, 86.9448)
    v = pregnolato_speed_kmh([0.0, 100.0, 200.0, 300.0])
    assert v == pytest.approx([86.9448, 40.6548, 12.3648, 2.0748], abs=1e-9)
    assert CLOSED_DEPTH_MM == 300.0


def test_safe_speed_never_rises_with_depth_beyond_the_parabola_minimum():
    v = pregnolato_speed_kmh(DEPTHS_MM)
    assert np.all(np.diff(v) <= 1e-12)
    assert v.min() >= 0.0


@settings(max_examples=60, deadline=None)
@given(free_flow=st.floats(5.0, 130.0), closed=st.floats(50.0, 600.0), mode=st.sampled_from(MODES),
       step=st.sampled_from([0.05, 0.1, 0.2, 0.25]))
def test_factor_is_one_dry_zero_when_closed_and_never_rises_with_depth(free_flow, closed, mode, step):
    for f in (speed_factor(DEPTHS_MM, free_flow, closed_depth_mm=closed, applies_as=mode),
              quantised_factor(DEPTHS_MM, free_flow, step=step, closed_depth_mm=closed, applies_as=mode)):
        assert f[0] == 1.0
        assert np.all((f >= 0.0) & (f <= 1.0))
        assert np.all(np.diff(f) <= 1e-12)
        assert np.all(f[DEPTHS_MM >= closed] == 0.0)
        assert np.all(f[DEPTHS_MM < closed] > 0.0)


def test_default_closes_roads_at_300_mm():
    f = speed_factor([0.0, 299.9, 300.0, 1000.0], 50.0)
    assert f[0] == 1.0 and f[1] > 0.0 and f[2] == 0.0 and f[3] == 0.0


def test_speed_cap_leaves_slow_lanes_alone_in_shallow_water():
    """A 25 km/h lane is not slowed at 100 mm (safe speed 40.7 km/h) but is at 200 mm (12.4 km/h)."""
    f = speed_factor([100.0, 200.0], 25.0, applies_as="speed_cap")
    assert f[0] == 1.0
    assert f[1] == pytest.approx(12.3648 / 25.0)
    # An expressway faster than the dry-road speed of the fit scales with the curve.
    assert speed_factor(100.0, 120.0) == pytest.approx(40.6548 / 86.9448)


def test_relative_mode_scales_every_road_alike():
    f = speed_factor([100.0, 100.0], [25.0, 90.0], applies_as="relative")
    assert f[0] == f[1] == pytest.approx(40.6548 / 86.9448)


def test_quantised_factor_takes_steps_and_keeps_open_roads_open():
    q = quantised_factor(DEPTHS_MM, 60.0, step=0.1)
    open_ = q[DEPTHS_MM < 300.0]
    assert np.allclose(open_ * 10, np.round(open_ * 10))
    assert open_.min() == pytest.approx(0.1)
    assert len(np.unique(q)) <= 11


@pytest.mark.parametrize("kwargs, message", [
    (dict(applies_as="halved"), "applies_as"),
    (dict(closed_depth_mm=0.0), "closed_depth_mm"),
])
def test_bad_arguments_are_refused_with_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        speed_factor(10.0, 50.0, **kwargs)
    with pytest.raises(ValueError, match="step"):
        quantised_factor(10.0, 50.0, step=0.0)


@settings(max_examples=30, deadline=None)
@given(free_flow=st.floats(5.0, 130.0), mode=st.sampled_from(MODES), step=st.sampled_from([0.05, 0.1, 0.2, 0.3]))
def test_step_function_is_the_rounded_factor(free_flow, mode, step):
    """Away from exact half steps, the thresholds give round(factor / step) · step (at least one step)."""
    depths, factors = factor_steps(free_flow, step=step, applies_as=mode)
    assert np.all(np.diff(depths) >= 0) and np.all(np.diff(factors) <= 0) and factors[-1] == 0.0
    w = np.random.default_rng(7).uniform(0.0, 320.0, 5000)
    f = speed_factor(w, free_flow, applies_as=mode)
    direct = np.where(w >= 300.0, 0.0, np.clip(np.maximum(step, np.round(f / step) * step), 0.0, 1.0))
    off_tie = np.abs(f / step - np.floor(f / step) - 0.5) > 1e-9
    assert np.allclose(quantised_factor(w, free_flow, step=step, applies_as=mode)[off_tie], direct[off_tie])


@settings(max_examples=40, derandomize=True, database=None, deadline=None)
@given(free_flow=st.sampled_from([30.0, 50.0, 86.9448, 120.0]) | st.floats(5.0, 130.0),
       closed=st.sampled_from([300.0, 150.0]) | st.floats(50.0, 600.0), mode=st.sampled_from(MODES),
       step=st.sampled_from([0.05, 0.1, 0.2, 0.25]))
def test_factor_steps_are_kept_and_handed_out_as_copies(free_flow, closed, mode, step):
    from sim.hazards.depth_speed import _factor_steps

    fresh = _factor_steps.__wrapped__(free_flow, step, closed, mode)
    first = factor_steps(free_flow, step=step, closed_depth_mm=closed, applies_as=mode)
    first[0][:] = -1.0
    first[1][:] = -1.0
    again = factor_steps(free_flow, step=step, closed_depth_mm=closed, applies_as=mode)
    for got, want in zip(again, fresh):
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
