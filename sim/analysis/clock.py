"""The target clock: time since a zone was hit — the one rule every KPI uses.

The plans' targets run from the disaster: first district supplies on site
within 3 h, basic living relieved within 8 h. A zone's clock starts when the
zone is hit — t = 0 for an earthquake or a stated impact, later for a zone a
rainstorm floods after some hours or an impact with a ``start``. Supplies
that reach a zone before it is hit (pre-positioned on a warning) count as
there at once (0 h). KPIs, coverage curves, plots and comparisons all measure
with :func:`since_hit_min`; reports that speak of the run's own clock (the
exercise timeline) use the absolute times and say so.
"""
from __future__ import annotations

import numpy as np

from sim.analysis.events import column_at, rows_of_kinds

__all__ = ["since_hit_min", "relieved_since_hit"]


def since_hit_min(time_min, hit_min) -> np.ndarray:
    """Minutes from the hit to ``time_min`` (0 if it happened before the hit;
    ``inf`` stays ``inf``: it never happened)."""
    return np.maximum(np.asarray(time_min, dtype=float) - np.asarray(hit_min, dtype=float), 0.0)


def relieved_since_hit(run) -> tuple[np.ndarray, np.ndarray]:
    """People relieved by minutes since their zone was hit: sorted times and the
    cumulative people relieved by each (from the run's ``relieved`` events)."""
    log = run.world.log
    (rows,) = rows_of_kinds(log, "relieved")
    hit = {z.zone_id: z.hit_time_min for z in run.world.zones}
    t = since_hit_min(column_at(log.time_min, rows), [hit[z] for z in column_at(log.zone, rows)])
    people = np.asarray(column_at(log.amount, rows), dtype=float)
    order = np.argsort(t, kind="stable")
    return t[order], np.cumsum(people[order])
