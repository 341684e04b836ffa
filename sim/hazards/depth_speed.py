"""Standing water and vehicle speed: the depth-disruption function of Pregnolato et al. (2017).

Pregnolato, M., Ford, A., Wilkinson, S. M. and Dawson, R. J. (2017), "The
impact of flooding on road transport: a depth-disruption function",
*Transportation Research Part D* 55, 67–81, doi:10.1016/j.trd.2017.06.020,
fitted the highest speed at which a car keeps control in standing water of
depth ``w`` millimetres to video, experimental and safety-literature data
(R² = 0.95)::

    v(w) = 0.0009 w² − 0.5529 w + 86.9448      (km/h, w in mm)

and take a road as impassable from 300 mm (where the curve has fallen to about
2 km/h; its minimum is at w ≈ 307 mm, so beyond that it is held at its minimum
to stay non-increasing).

The engine needs a **speed factor** in [0, 1] per edge (travel time = length /
(free-flow speed × factor)). Two readings of the curve are offered:

``speed_cap`` (default)
    The curve is a *cap* on the speed: a car drives at the lower of the road's
    free-flow speed and v(w), as the paper applies it to a network. Factor =
    min(1, v(w) / min(S, v(0))) for a road of free-flow speed S: a 25 km/h lane
    is not slowed until the water reaches about 150 mm, an expressway is slowed
    from the first millimetres. Roads faster than v(0) = 86.9 km/h scale with
    the curve, so a dry road always has factor 1.
``relative``
    Every road loses the same share of its speed: factor = v(w) / v(0).

Either way the factor is 0 at and beyond ``closed_depth_mm``, 1 on a dry road,
and never rises with depth. :func:`quantised_factor` rounds factors to steps
(0.1 by default) so a slowly rising flood makes a few road changes, not one
per time step; a flooded but open road keeps at least one step.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["PREGNOLATO_2017", "CLOSED_DEPTH_MM", "pregnolato_speed_kmh", "speed_factor", "quantised_factor",
           "factor_steps"]

#: (a, b, c) of v = a·w² + b·w + c, v in km/h, w in mm (Pregnolato et al. 2017).
PREGNOLATO_2017 = (0.0009, -0.5529, 86.9448)
#: Depth from which Pregnolato et al. (2017) take a road as impassable, mm.
CLOSED_DEPTH_MM = 300.0
_A, _B, _C = PREGNOLATO_2017
_VERTEX_MM = -_B / (2 * _A)      # ≈ 307.2 mm, where the fitted parabola turns up again


def pregnolato_speed_kmh(depth_mm) -> np.ndarray:
    """Highest safe speed (km/h) in standing water ``depth_mm`` deep (non-increasing, ≥ 0)."""
    w = np.clip(np.asarray(depth_mm, dtype=np.float64), 0.0, _VERTEX_MM)
    return np.maximum(_A * w * w + _B * w + _C, 0.0)


def speed_factor(depth_mm, free_flow_kmh, *, closed_depth_mm: float = CLOSED_DEPTH_MM,
                 applies_as: str = "speed_cap") -> np.ndarray:
    """Speed factor in [0, 1] of roads of ``free_flow_kmh`` under ``depth_mm`` of water.

    ``applies_as`` is ``"speed_cap"`` or ``"relative"`` (see the module
    docstring). Depth and speed broadcast against each other.
    """
    if closed_depth_mm <= 0:
        raise ValueError(f"closed_depth_mm (={closed_depth_mm}) must be > 0")
    depth = np.asarray(depth_mm, dtype=np.float64)
    factor = _open_road_factor(depth, _reference_kmh(free_flow_kmh, applies_as))
    return np.where(depth >= closed_depth_mm, 0.0, factor)


def factor_steps(free_flow_kmh: float, *, step: float = 0.1, closed_depth_mm: float = CLOSED_DEPTH_MM,
                 applies_as: str = "speed_cap") -> tuple[np.ndarray, np.ndarray]:
    """The rounded speed factor of one road as a step function of depth.

    Returns ``(depths_mm, factors)``: the factor at depth ``w`` is
    ``factors[np.searchsorted(depths_mm, w, side="right")]`` — 1 on a dry
    road, stepping down by ``step`` each time :func:`speed_factor` falls
    through a half step (``(j + ½)·step``; a depth exactly on a threshold takes
    the lower factor), never below ``step`` while open, and 0 from
    ``closed_depth_mm``. The thresholds are found by bisection of the
    continuous factor to machine precision, once per set of arguments (a
    rainfall run asks for the same few speeds again and again).
    """
    if not 0 < step <= 1:
        raise ValueError(f"step (={step}) must be in (0, 1]")
    if closed_depth_mm <= 0:
        raise ValueError(f"closed_depth_mm (={closed_depth_mm}) must be > 0")
    depths, factors = _factor_steps(float(free_flow_kmh), float(step), float(closed_depth_mm), applies_as)
    return depths.copy(), factors.copy()


@lru_cache(maxsize=256)
def _factor_steps(free_flow_kmh: float, step: float, closed_depth_mm: float, applies_as: str):
    """The steps of :func:`factor_steps`, kept per arguments (callers get copies)."""
    reference = float(_reference_kmh(free_flow_kmh, applies_as))
    halves = (np.arange(int(np.floor(1.0 / step + 0.5)) + 1) + 0.5) * step
    halves = halves[halves <= 1.0]                       # the half steps a factor ≤ 1 can cross
    # Depth where the factor falls below each half step: sup{w < closed: f(w) ≥ half}.
    lo, hi = np.zeros(len(halves)), np.full(len(halves), float(closed_depth_mm))
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        above = _open_road_factor(mid, reference) >= halves
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    crossed = _open_road_factor(np.full(len(halves), float(closed_depth_mm)), reference) < halves
    depths = np.sort(hi[crossed])
    counts = len(halves) - np.arange(len(depths) + 1)    # half steps still at or below the factor
    factors = np.clip(np.maximum(step, np.round(counts * step, 10)), 0.0, 1.0)
    return np.append(depths, float(closed_depth_mm)), np.append(factors, 0.0)


def quantised_factor(depth_mm, free_flow_kmh, *, step: float = 0.1, closed_depth_mm: float = CLOSED_DEPTH_MM,
                     applies_as: str = "speed_cap") -> np.ndarray:
    """:func:`speed_factor` rounded to multiples of ``step``; open roads keep at least ``step``.

    Still non-increasing in depth, 1 on a dry road and 0 exactly where the road
    is closed (depth ≥ ``closed_depth_mm``). See :func:`factor_steps`.
    """
    depth, speed = np.broadcast_arrays(np.asarray(depth_mm, dtype=np.float64),
                                       np.asarray(free_flow_kmh, dtype=np.float64))
    out = np.empty(depth.shape)
    for s in np.unique(speed):
        at = speed == s
        depths, factors = factor_steps(float(s), step=step, closed_depth_mm=closed_depth_mm, applies_as=applies_as)
        out[at] = factors[np.searchsorted(depths, depth[at], side="right")]
    return out


def _reference_kmh(free_flow_kmh, applies_as: str):
    """The speed the safe speed is divided by: min(S, v(0)) for a cap, v(0) for relative."""
    if applies_as == "speed_cap":
        reference = np.minimum(np.asarray(free_flow_kmh, dtype=np.float64), _C)
        if np.any(reference <= 0):
            raise ValueError("free_flow_kmh must be > 0")
        return reference
    if applies_as == "relative":
        return _C
    raise ValueError(f"applies_as={applies_as!r}: expected 'speed_cap' or 'relative'")


def _open_road_factor(depth_mm, reference_kmh):
    return np.minimum(1.0, pregnolato_speed_kmh(depth_mm) / reference_kmh)
