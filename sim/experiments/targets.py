"""The chance a plan meets its targets: in how many replications a target line was met.

A target is met in a run only if 100 % of the sites (first supplies: every
community needing relief, or every township where the scenario's
``targets.site`` is ``township``) or of the people needing relief make it
within the line. Over replications the
share of runs that met it estimates the chance that the plan meets the
target in a disaster drawn from the scenario — "the plan meets the 3 h
target in 62 % [48–74 %] of plausible disasters" — with the Clopper–Pearson
interval of :func:`sim.experiments.statistics.target_met`.

The lines judged are the scenario's targets (as recorded in ``batch.json``;
a variant of a sweep over ``targets`` by its own) and the standard planning lines: first supplies per community within 3 h,
relief within 8 h and 12 h. A scenario whose first supplies are judged per
township has its district-supplies lines judged on the township measure
(``township_supplies``).
"""
from __future__ import annotations

import pandas as pd

from sim.analysis.kpis import within_column
from sim.analysis.metrics import RELIEF_LINES_H
from sim.experiments.statistics import target_met

__all__ = ["planning_lines", "targets_hours", "line_column", "met_table", "met_words", "met_chance",
           "met_sentence", "STANDARD_LINES", "SECTIONS"]

#: Planning lines every comparison and results table judges, besides the scenario's own targets.
STANDARD_LINES = (("district_supplies", 3.0), *(("basic_relief", h) for h in RELIEF_LINES_H))
#: target -> (KPI section, what arrives, of what)
SECTIONS = {"district_supplies": ("first_supplies", "first supplies (any reserve tier)", "of communities"),
            "township_supplies": ("first_supplies_township", "first district supplies", "of townships"),
            "city_supplies": ("city_supplies", "first city supplies", "of communities"),
            "basic_relief": ("relief", "people relieved", "of the people needing relief")}
_MET_WORDS = {"district_supplies": "first supplies (any reserve tier) reach every community within {h:g} h",
              "township_supplies": "first district supplies reach every township within {h:g} h",
              "city_supplies": "first city supplies reach every community within {h:g} h",
              "basic_relief": "everyone needing relief is relieved within {h:g} h"}


def targets_hours(targets) -> dict[str, list[float]]:
    """A scenario's :class:`~sim.scenarios.models.Targets` as hours per target; district
    supplies judged per township (``targets.site: township``) under ``township_supplies``."""
    hours = {name: [m / 60 for m in getattr(targets, name, [])] for name in ("district_supplies", "city_supplies",
                                                                            "basic_relief")}
    if getattr(targets, "site", "community") == "township":
        hours["township_supplies"] = hours.pop("district_supplies")
    return hours


def planning_lines(targets_h: dict | None = None) -> list[tuple[str, float, bool]]:
    """``(target, hours, is_a_target)``: the scenario's targets, then the standard lines."""
    targets_h = targets_h or {}
    lines = [(name, float(h), True) for name in SECTIONS for h in targets_h.get(name, [])]
    for target, hours in STANDARD_LINES:
        if not any(t == target and h == hours for t, h, _ in lines):
            lines.append((target, hours, False))
    return lines


def line_column(target: str, hours: float) -> str:
    return within_column(SECTIONS[target][0], hours)


def met_table(df: pd.DataFrame, lines: list[tuple[str, float, bool]],
              variant_lines: dict | None = None) -> pd.DataFrame:
    """Per variant and line: ``runs``, ``met``, ``share`` met and its 95 % interval; a variant
    in ``variant_lines`` (its own targets: a sweep of ``targets``) is judged by its lines."""
    rows = []
    for variant, group in df.groupby("variant", sort=False):
        ok = group[group["status"] == "ok"]
        for target, hours, is_target in (variant_lines or {}).get(variant, lines):
            column = line_column(target, hours)
            if column not in ok.columns:
                continue
            met = target_met(ok[column].to_numpy(float))
            rows.append({"variant": variant, "target": target, "within_h": hours, "planning_target": is_target,
                         "kpi": column, **met})
    return pd.DataFrame(rows, columns=["variant", "target", "within_h", "planning_target", "kpi", "runs", "met",
                                       "share", "low", "high"])


def _pct(x: float) -> str:
    return f"{100 * x:.0f}"


def met_words(target: str, hours: float) -> str:
    """``first supplies (any reserve tier) reach every community within 3 h``."""
    return _MET_WORDS[target].format(h=hours)


def met_chance(met: dict) -> str:
    """``20 % [6–44 %]``: the chance a target is met, with its interval."""
    if not met["runs"]:
        return "no runs"
    return f"{_pct(met['share'])} % [{_pct(met['low'])}–{_pct(met['high'])} %]"


def met_sentence(target: str, hours: float, met: dict) -> str:
    """``everyone needing relief is relieved within 8 h in 4 of 20 runs: 20 % [6–44 %]``."""
    if not met["runs"]:
        return f"{met_words(target, hours)}: no runs"
    return f"{met_words(target, hours)} in {met['met']} of {met['runs']} runs: {met_chance(met)}"
