"""Road changes keep the edges and speed factors they are given as int64 and float64 arrays of one shape."""
from __future__ import annotations

import numpy as np
import pytest

from sim.hazards.timeline import RoadChange


def _reference_arrays(edges, speed_factor):
    """Edges and factors as the plain conversion makes them: any edges to int64 (at least 1-D),
    the factor broadcast to the edges' shape as a new float64 array."""
    edges = np.atleast_1d(np.asarray(edges, dtype=np.int64))
    factor = np.asarray(speed_factor, dtype=np.float64)
    factor = np.full(edges.shape, factor) if factor.ndim == 0 else np.broadcast_to(factor, edges.shape).copy()
    return edges, factor


_EDGES = [np.array([3, 1, 4], dtype=np.int64), np.array([7], dtype=np.int64), np.zeros(0, dtype=np.int64),
          np.array([3, 1, 4], dtype=np.int32), [2, 9], 5, np.int64(6), np.arange(12, dtype=np.int64)[::3],
          np.array([[1, 2], [3, 4]], dtype=np.int64), np.array([3, 1, 4], dtype=">i8")]
_FACTORS = [1.0, 0.0, 0.35, -0.0, float("nan"), 0, 1, np.float64(0.5), np.float32(0.1), np.array(0.25),
            "factor array", "factor array float32", "factor array strided", "one factor array"]


def _factor(kind, shape, rng):
    if kind == "factor array":
        return rng.random(shape)
    if kind == "factor array float32":
        return rng.random(shape).astype(np.float32)
    if kind == "factor array strided":
        return rng.random((*shape[:-1], 2 * shape[-1]))[..., ::2] if len(shape) else rng.random(shape)
    if kind == "one factor array":
        return rng.random(1)
    return kind


@pytest.mark.parametrize("edges", _EDGES, ids=lambda e: f"{type(e).__name__}-{getattr(e, 'dtype', '')}")
@pytest.mark.parametrize("speed_factor", _FACTORS, ids=str)
def test_road_change_arrays_are_the_plain_conversion_bit_for_bit(edges, speed_factor):
    rng = np.random.default_rng(7)
    shape = np.atleast_1d(np.asarray(edges)).shape
    factor = _factor(speed_factor, shape, rng)
    want_edges, want_factor = _reference_arrays(edges, factor)
    change = RoadChange(12.5, edges, factor, cause="test")
    assert change.edges.dtype == want_edges.dtype and change.edges.shape == want_edges.shape
    assert change.edges.tobytes() == want_edges.tobytes()
    assert change.speed_factor.dtype == want_factor.dtype and change.speed_factor.shape == want_factor.shape
    assert change.speed_factor.tobytes() == want_factor.tobytes()
    assert change.speed_factor.flags.writeable and change.speed_factor.flags.c_contiguous


def test_road_change_factors_are_its_own_copy():
    """A change never shares its factors with the caller's array (the caller may reuse it)."""
    factor = np.array([0.5, 0.25])
    change = RoadChange(0.0, np.array([1, 2], dtype=np.int64), factor, cause="test")
    factor[:] = 0.0
    assert change.speed_factor.tolist() == [0.5, 0.25]


def test_road_change_refuses_factors_of_another_shape():
    with pytest.raises(ValueError):
        RoadChange(0.0, np.array([1, 2, 3], dtype=np.int64), np.array([0.5, 0.25]), cause="test")
