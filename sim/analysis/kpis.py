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

The run's length (``summary["run"]["duration_h"]``) is the column
``run_duration_h``: it is what bounds every time KPI.

**Natural ranges.** :func:`kpi_range` gives the range [low, high] a KPI
cannot leave, as the statistics of replications need it for a KPI that does
not move (:func:`sim.experiments.statistics.bounded_interval`): shares lie in
[0, 1] (``relief_relieved_at_day_*`` too); times since the hit (``*_h``) in
[0, ``run_duration_h``]; counts in [0, the tightest total of the same run that
holds them] — sites in ``affected_sites`` or ``sites_needing_relief``, the
townships with sites needing relief in the region's townships
(``first_supplies_township_townships_in_region``), people in ``relief_people_affected``, ``relief_displaced`` (those
in public shelters or with relatives), ``relief_people_needing_relief``, the
people of their condition (``relief_needing_by_condition_public_shelter`` in
``relief_displaced_public_shelter``, ``_outdoors`` in ``relief_outdoors``, …)
or the people of their condition needing relief; the sheltered in the
displaced going to public shelters and in the shelters' places
(``shelters_capacity_people``), whichever is less; person-days in people
affected × days run. A KPI whose bound the row does not carry (stock left unmet, trips,
kilograms, trapped people, closed kilometres, the totals themselves) has no
known range (``None``), and the statistics say so instead of claiming a
coverage they cannot keep.
"""
from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["flatten_kpis", "hazard_kpis", "is_share", "within_column", "kpi_limits", "kpi_range",
           "SECTION_ALIASES", "HAZARD_KPIS", "RUN_DURATION"]

#: The column of the run's length, hours (what bounds every time KPI).
RUN_DURATION = "run_duration_h"
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
    duration = (summary.get("run") or {}).get("duration_h")
    if duration is not None:
        out[RUN_DURATION] = float(duration)
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
    """Whether a KPI column is a share in [0, 1] (``*_within_*``, ``*utilisation*``, ``relief_relieved_at_end``,
    ``relief_relieved_at_day_*``)."""
    return ("_within_" in column or "utilisation" in column or column.endswith("relieved_at_end")
            or "relieved_at_day_" in column)


def within_column(section: str, hours: float) -> str:
    """The column of ``section`` (``first_supplies``, ``city_supplies``, ``relief``) within ``hours``."""
    return _column([section, "within", f"{hours:g}h"])


# ------------------------------------------------------------ natural ranges
_AFFECTED = "relief_people_affected"
_NEEDING = "relief_people_needing_relief"
_DISPLACED = "relief_displaced"
_PUBLIC = "relief_displaced_public_shelter"
_CAPACITY = "shelters_capacity_people"
_SITES = "sites_needing_relief"
_DAYS = "run days"        # the run's length in days: run_duration_h / 24
#: The column of the people of each condition (``kpi.relief``), who bound those of it needing relief.
_CONDITION_PEOPLE = {"public_shelter": _PUBLIC, "relatives": "relief_displaced_with_relatives",
                     "outdoors": "relief_outdoors", "no_lifelines": "relief_without_lifelines",
                     "home": "relief_at_home_with_lifelines"}
#: KPI (a full match) → the bounds of its upper limit in the same run, each the product of its
#: factors (columns, or _DAYS); the limit is the least of the bounds the rows hold, the lower
#: limit is 0. Checked in order, after the shares; ``None``: no known range. A KPI that matches
#: none has no known range. ``{people_of_condition}`` is the column of the matched condition's people.
_UPPER: tuple[tuple[re.Pattern, tuple | None], ...] = tuple((re.compile(p), u) for p, u in (
    (RUN_DURATION, None),                                               # a setting, not a KPI
    (r".+_h", ((RUN_DURATION,),)),                                      # times since the hit
    ("sites_needing_relief", (("affected_sites",),)),
    # Townships with sites needing relief: of the region's townships; each holds one such site at least.
    ("first_supplies_township_townships", (("first_supplies_township_townships_in_region",), (_SITES,))),
    ("|".join(("first_supplies_sites_never_supplied", "zones_never_reached",
               "prepositioned_sites_.+")), ((_SITES,),)),
    ("|".join(("relief_people_needing_relief", "relief_displaced", "relief_outdoors", "relief_without_lifelines",
               "relief_at_home_with_lifelines")), ((_AFFECTED,),)),
    ("relief_displaced_.+", ((_DISPLACED,), (_AFFECTED,))),             # public shelter + relatives = displaced
    ("relief_without_shelter_place", ((_PUBLIC,), (_DISPLACED,), (_AFFECTED,))),
    # Sheltered: of the displaced going to public shelters, in the shelters' places.
    ("relief_sheltered|shelters_sheltered_people", ((_PUBLIC,), (_CAPACITY,), (_DISPLACED,), (_AFFECTED,))),
    ("relief_needing_by_condition_(?P<condition>.+)", (("{people_of_condition}",), (_NEEDING,))),
    ("relief_limited_by_.+", ((_NEEDING,),)),
    (r"relief_relieved_by_condition_\d+(?:_\d+)?h_(?P<condition>.+)",
     (("relief_needing_by_condition_{condition}",), ("{people_of_condition}",), (_NEEDING,))),
    ("relief_person_days_without_needs", ((_AFFECTED, _DAYS),)),
))


def kpi_limits(column: str, rows) -> tuple[np.ndarray, np.ndarray] | None:
    """Per run of ``rows`` (a results table, or a mapping of column to values): the
    lowest and highest value ``column`` can take in that run (see the module
    docstring), or ``None`` for a KPI without a known range. Where a KPI has several
    bounds (the sheltered: the displaced going to public shelters, the shelters'
    places), the least the run holds; a run that holds none of its totals has NaN limits."""
    size = len(next(iter(rows.values()))) if isinstance(rows, dict) else len(rows)
    if is_share(column):
        return np.zeros(size), np.ones(size)
    for pattern, bounds in _UPPER:
        match = pattern.fullmatch(column)
        if match is None:
            continue
        if bounds is None:
            return None
        groups = match.groupdict()
        if "condition" in groups:
            groups["people_of_condition"] = _CONDITION_PEOPLE.get(groups["condition"], "")
        high = None
        for factors in bounds:
            bound = np.ones(size)
            for factor in factors:
                factor, scale = (RUN_DURATION, 1 / 24) if factor == _DAYS else (factor.format(**groups), 1.0)
                if factor not in rows:
                    break
                bound = bound * np.asarray(rows[factor], dtype=float) * scale
            else:
                high = bound if high is None else np.fmin(high, bound)
        return None if high is None else (np.zeros(size), high)
    return None


def kpi_range(column: str, rows) -> tuple[float, float]:
    """The range [low, high] ``column`` cannot leave in any run of ``rows`` (the widest of
    :func:`kpi_limits` over the runs); without a known upper limit (no known range, or no
    run holds its total) ``(0, nan)``: a run's KPIs — amounts, counts, hours, km, shares —
    are never negative.

    The totals of counts vary between runs (the people affected, say); the upper limit
    is then the largest total among ``rows``."""
    limits = kpi_limits(column, rows)
    if limits is None:
        return 0.0, math.nan
    low, high = limits
    low, high = low[np.isfinite(low)], high[np.isfinite(high)]
    if not len(low) or not len(high):
        return 0.0, math.nan
    return float(low.min()), float(high.max())
