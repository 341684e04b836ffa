"""Supplies sent on a warning, apart from first supplies after the hit.

A zone's first-supply time runs from its hit, and supplies on site before the
hit count as there at once (:mod:`sim.analysis.clock`), so a pre-positioned
site meets the 3 h target at 0 h. This module says how much of that came
before the hit, and what went to zones the warning flagged that never
flooded (:mod:`sim.hazards.forecast`):

* ``sites_supplied_before_hit`` / ``sites_first_supplied_after_hit`` —
  sites (zones needing relief) whose first batch (any reserve tier,
  :mod:`sim.agents.first_batch`) came before their hit, and after it;
* ``deliveries_before_hit``, ``kg_before_hit`` — deliveries (one per item
  unloaded) that reached sites before their hit, and their weight;
* ``zones_never_flooded_supplied``, ``kg_to_zones_never_flooded`` — flagged
  zones that stayed dry and received supplies, and the weight they received
  (waste);
* the warning's ``hits``, ``misses`` and ``false_alarms``.
"""
from __future__ import annotations

import math

import numpy as np

from sim.analysis.events import column_at, rows_of_kinds

__all__ = ["prepositioning_kpis"]


def prepositioning_kpis(run) -> dict:
    """``{"prepositioned": {...}}`` for the summary's ``kpi`` section; empty if no warning was acted on."""
    w = run.world
    table = w.hazard_figures.get("forecast")
    if table is None:
        return {}
    weights = run.scenario.item_weights_kg.model_dump()
    sites = [z for z in w.zones if z.is_affected and z.needs_relief]
    before = [z for z in sites if z.first_supply_min < z.hit_time_min]
    after = [z for z in sites if z.hit_time_min <= z.first_supply_min < math.inf]
    log = w.log
    (delivered,) = rows_of_kinds(log, "deliver")
    zone_ids = np.asarray(column_at(log.zone, delivered), dtype=object)
    times = np.asarray(column_at(log.time_min, delivered), dtype=float)
    kg = (np.asarray(column_at(log.amount, delivered), dtype=float)
          * np.array([weights.get(i, 0.0) for i in column_at(log.item, delivered)]))
    by_id = {z.zone_id: z for z in w.zones}
    hit = np.array([by_id[z].hit_time_min for z in zone_ids], dtype=float)
    affected = np.array([by_id[z].is_affected for z in zone_ids], dtype=bool)
    early = affected & (times < hit)
    dry = ~affected
    return {"prepositioned": {
        "zones_flagged": table["zones_flagged"], "hits": table["hits"], "misses": table["misses"],
        "false_alarms": table["false_alarms"],
        "sites_supplied_before_hit": len(before),
        "sites_first_supplied_after_hit": len(after),
        "deliveries_before_hit": int(early.sum()),
        "kg_before_hit": round(float(kg[early].sum()), 3),
        "zones_never_flooded_supplied": len(set(zone_ids[dry])),
        "kg_to_zones_never_flooded": round(float(kg[dry].sum()), 3),
    }}
