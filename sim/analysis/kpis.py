"""A run's KPIs as one flat row.

A batch keeps one row per replication, so the nested ``summary["kpi"]``
document of :func:`sim.analysis.metrics.summarize` is flattened into columns. The
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

The hazard's outcome (the summary's ``hazard`` section, which every run's
summary has) is added as ``hazard_*`` columns, zero when the hazard did not
trap anybody or close anything, so a retrofit, more
rescue teams or satellite phones show in batches and comparisons:
``hazard_rescued_alive`` (trapped people rescued alive by teams),
``hazard_awaiting_rescue_at_end`` (trapped people still waiting at the end),
``hazard_bridges_closed``, ``hazard_closed_road_km_peak`` and
``hazard_closed_road_km_at_end``.
"""
from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["flatten_kpis", "hazard_kpis", "is_share", "within_column", "SECTION_ALIASES", "HAZARD_KPIS"]

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
    if "hazard" in summary:
        out.update(hazard_kpis(summary))
    return out


#: The hazard columns of a batch row.
HAZARD_KPIS = ("hazard_rescued_alive", "hazard_awaiting_rescue_at_end", "hazard_bridges_closed",
               "hazard_closed_road_km_peak", "hazard_closed_road_km_at_end")


def hazard_kpis(summary: dict) -> dict[str, float]:
    """The :data:`HAZARD_KPIS` of a run, read from ``summary["hazard"]``."""
    hazard = summary.get("hazard") or {}
    rescue = hazard.get("rescue") or {}
    series = hazard.get("closed_road_km_over_time") or []
    values = (rescue.get("rescued_alive"), rescue.get("awaiting_rescue_at_end"), hazard.get("bridges_closed"),
              hazard.get("closed_road_km_peak"), series[-1][1] if series else None)
    return {name: float(v) if v is not None else 0.0 for name, v in zip(HAZARD_KPIS, values)}


def is_share(column: str) -> bool:
    """Whether a KPI column is a share in [0, 1] (``*_within_*``, ``*utilisation*``, ``*_at_end``)."""
    return "_within_" in column or "utilisation" in column or column.endswith("relieved_at_end")


def within_column(section: str, hours: float) -> str:
    """The column of ``section`` (``first_supplies``, ``city_supplies``, ``relief``) within ``hours``."""
    return _column([section, "within", f"{hours:g}h"])
