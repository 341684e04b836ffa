"""A run's KPIs as one flat row, and its coverage curves on a fixed hour grid.

A batch keeps one row per replication, so the nested ``summary["kpi"]``
document of :func:`sim.metrics.summarize` is flattened into columns. The
rule is generic, so a KPI added to the summary becomes a column without a
change here:

* nested keys are joined with ``_``: ``kpi.first_supplies.within.3h`` →
  ``first_supplies_within_3h``, ``kpi.first_supplies.p50_h`` →
  ``first_supplies_p50_h``, ``kpi.relief.within.8h`` → ``relief_within_8h``,
  ``kpi.team_utilisation.sar`` → ``team_utilisation_sar``;
* the section ``unmet_need_at_end`` is shortened to ``unmet``:
  ``unmet_water_l``, ``unmet_food_ration``;
* a list becomes its length (``zones_never_reached`` → how many zones);
  ``true``/``false`` become 1/0; text is left out;
* characters other than letters, digits and ``_`` become ``_``
  (``within.4.5h`` → ``within_4_5h``);
* every value is a float64; a KPI the summary reports as ``null`` (a
  percentile that falls on never-supplied sites) is NaN.

With the default targets the columns are: ``affected_sites``,
``first_supplies_within_{3h,4h,6h}``, ``first_supplies_{p50_h,p95_h,max_h}``,
``first_supplies_sites_never_supplied``, ``city_supplies_within_{3h,4h,6h}``,
``city_supplies_{p50_h,p95_h}``, ``relief_people_affected``,
``relief_within_{8h,12h}``, ``relief_relieved_at_end``,
``relief_zone_relief_{p50_h,p95_h}``, ``relief_displaced``,
``relief_sheltered``, ``relief_without_shelter_place``,
``zones_never_reached``, ``unmet_<item>``, ``truck_utilisation``,
``trips_delivered``, ``team_utilisation_<kind>``.

Curves (:func:`coverage_curves`): the share of affected *sites* whose first
district-or-higher supplies had arrived, and the share of affected *people*
relieved (from the run's ``relieved`` events, as ``relief_within_8h``), at
every :data:`CURVE_STEP_H` from 0 to the end of the run. They are stored as
the list columns ``curve_first_supplies`` and ``curve_relief``; element ``k``
is the share at ``k * CURVE_STEP_H`` hours.
"""
from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["flatten_kpis", "coverage_curves", "curve_hours", "is_share", "within_column", "CURVE_STEP_H",
           "CURVE_COLUMNS", "SECTION_ALIASES"]

#: Step of the curve grid, hours.
CURVE_STEP_H = 0.25
#: The list columns holding a replication's curves.
CURVE_COLUMNS = ("curve_first_supplies", "curve_relief")
#: Summary sections whose column prefix is shortened.
SECTION_ALIASES = {"unmet_need_at_end": "unmet"}

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def _column(parts: list[str]) -> str:
    return _UNSAFE.sub("_", "_".join(parts))


def flatten_kpis(summary: dict) -> dict[str, float]:
    """``summary["kpi"]`` as ``{column: float}`` (see the module docstring for the names)."""
    out: dict[str, float] = {}

    def walk(value, parts: list[str]) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                name = SECTION_ALIASES.get(key, key) if not parts else key
                walk(child, [*parts, str(name)])
        elif isinstance(value, (list, tuple)):
            out[_column(parts)] = float(len(value))
        elif isinstance(value, bool):
            out[_column(parts)] = 1.0 if value else 0.0
        elif value is None:
            out[_column(parts)] = math.nan
        elif isinstance(value, (int, float, np.integer, np.floating)):
            out[_column(parts)] = float(value)
        # text is not a KPI: left out

    walk(summary.get("kpi", {}), [])
    return out


def is_share(column: str) -> bool:
    """Whether a KPI column is a share in [0, 1] (``*_within_*``, ``*utilisation*``, ``*_at_end``)."""
    return "_within_" in column or "utilisation" in column or column.endswith("relieved_at_end")


def within_column(section: str, hours: float) -> str:
    """The column of ``section`` (``first_supplies``, ``city_supplies``, ``relief``) within ``hours``."""
    return _column([section, "within", f"{hours:g}h"])


def curve_hours(duration_h: float) -> np.ndarray:
    """The grid of the curves of a run lasting ``duration_h`` hours."""
    return np.arange(int(math.floor(duration_h / CURVE_STEP_H + 1e-9)) + 1) * CURVE_STEP_H


def coverage_curves(run) -> dict[str, list[float]]:
    """First-supply and relief curves of a finished run on the :func:`curve_hours` grid.

    Computed as :func:`sim.metrics.summarize` counts its shares (in minutes,
    ``<=`` the line), so the curve at 3 h equals ``first_supplies_within_3h``.
    """
    grid_min = curve_hours(run.scenario.duration / 60.0) * 60.0
    affected = [z for z in run.world.zones if z.is_affected]
    first = np.sort(np.array([z.first_supply_min for z in affected], dtype=float))
    if len(first):
        sites = np.searchsorted(first, grid_min, side="right") / len(first)
    else:
        sites = np.full(len(grid_min), np.nan)
    people = float(sum(z.affected for z in affected))
    events = run.events_frame()
    relieved = events[events["kind"] == "relieved"]
    t_min = relieved["time_min"].to_numpy(dtype=float)
    order = np.argsort(t_min, kind="stable")
    cumulative = np.concatenate([[0.0], np.cumsum(relieved["amount"].to_numpy(dtype=float)[order])])
    if people > 0:
        relief = cumulative[np.searchsorted(t_min[order], grid_min, side="right")] / people
    else:
        relief = np.full(len(grid_min), np.nan)
    return {"curve_first_supplies": [float(v) for v in np.round(sites, 6)],
            "curve_relief": [float(v) for v in np.round(relief, 6)]}
