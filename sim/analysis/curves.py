"""A run's coverage curves on a fixed hour grid.

The share of *sites needing relief* whose first district-or-higher supplies
had arrived, and the share of the *people needing relief* relieved (from the run's
``relieved`` events, as ``relief_within_8h``), at every :data:`CURVE_STEP_H`
from 0 to the end of the run. A batch stores them as the list columns
``curve_first_supplies`` and ``curve_relief``; element ``k`` is the share at
``k * CURVE_STEP_H`` hours.
"""
from __future__ import annotations

import math

import numpy as np

from sim.analysis.clock import relieved_since_hit, since_hit_min

__all__ = ["coverage_curves", "curve_hours", "CURVE_STEP_H", "CURVE_COLUMNS"]

#: Step of the curve grid, hours.
CURVE_STEP_H = 0.25
#: The list columns holding a replication's curves.
CURVE_COLUMNS = ("curve_first_supplies", "curve_relief")


def curve_hours(duration_h: float) -> np.ndarray:
    """The grid of the curves of a run lasting ``duration_h`` hours."""
    return np.arange(int(math.floor(duration_h / CURVE_STEP_H + 1e-9)) + 1) * CURVE_STEP_H


def coverage_curves(run) -> dict[str, list[float]]:
    """First-supply and relief curves of a finished run on the :func:`curve_hours` grid.

    Measured on the target clock (:mod:`sim.analysis.clock`) and counted as
    :func:`sim.analysis.metrics.summarize` counts its shares (in minutes,
    ``<=`` the line), so the curve at 3 h equals ``first_supplies_within_3h``.
    """
    grid_min = curve_hours(run.scenario.duration / 60.0) * 60.0
    affected = [z for z in run.world.zones if z.is_affected and z.needs_relief]
    first = np.sort(since_hit_min([z.first_supply_min for z in affected], [z.hit_time_min for z in affected]))
    sites = (np.searchsorted(first, grid_min, side="right") / len(first)) if len(first) \
        else np.full(len(grid_min), np.nan)
    people = float(sum(z.needing_first_day for z in affected))
    t_min, cumulative = relieved_since_hit(run)
    cumulative = np.concatenate([[0.0], cumulative])
    relief = cumulative[np.searchsorted(t_min, grid_min, side="right")] / people if people > 0 \
        else np.full(len(grid_min), np.nan)
    return {"curve_first_supplies": [float(v) for v in np.round(sites, 6)],
            "curve_relief": [float(v) for v in np.round(relief, 6)]}
