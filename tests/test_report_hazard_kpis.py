"""Hazard KPIs in batch rows (and so in comparisons): rescued alive, trapped
awaiting rescue at the end, bridges closed, closed km at the peak and at the end."""
from __future__ import annotations

from sim.analysis.kpis import HAZARD_KPIS, flatten_kpis

M8_HAZARD = {"bridges_closed": 11, "closed_road_km_peak": 443.168,
             "closed_road_km_over_time": [[0.0, 443.168], [66.15, 430.1], [70.26, 429.924]],
             "rescue": {"trapped": 85123, "rescued_alive": 592.4, "awaiting_rescue_at_end": 15961.1}}


def test_hazard_figures_become_columns():
    row = flatten_kpis({"kpi": {"affected_sites": 658}, "hazard": M8_HAZARD})
    assert {k: row[k] for k in HAZARD_KPIS} == {
        "hazard_rescued_alive": 592.4, "hazard_awaiting_rescue_at_end": 15961.1, "hazard_bridges_closed": 11.0,
        "hazard_closed_road_km_peak": 443.168, "hazard_closed_road_km_at_end": 429.924}


def test_a_run_without_a_hazard_has_the_columns_at_zero():
    row = flatten_kpis({"kpi": {"affected_sites": 191}, "hazard": {}})
    assert {k: row[k] for k in HAZARD_KPIS} == dict.fromkeys(HAZARD_KPIS, 0.0)


def test_new_relief_figures_become_columns_without_a_change():
    row = flatten_kpis({"kpi": {"relief": {"displaced_by_stay": {"shelter": 10, "relatives": 20, "in_place": 5}}},
                        "hazard": {}})
    assert row["relief_displaced_by_stay_relatives"] == 20.0
