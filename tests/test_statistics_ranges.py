"""Natural ranges of KPIs (sim.analysis.kpis.kpi_range) and how they reach the intervals
of ``sim results``, ``sim compare`` and ``--precision``."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.kpis import RUN_DURATION, flatten_kpis, kpi_limits, kpi_range
from sim.experiments.compare import kpi_statistics
from sim.experiments.results import kpi_table

U10 = 1 - 0.05 ** (1 / 10)          # one-sided Clopper–Pearson bound for 0 of 10


def _rows(n: int = 10, **columns) -> pd.DataFrame:
    base = {"relief_people_affected": np.linspace(900, 1000, n), "relief_people_needing_relief": np.full(n, 600.0),
            "relief_needing_by_condition_no_lifelines": np.full(n, 400.0), "affected_sites": np.full(n, 7.0),
            "sites_needing_relief": np.full(n, 6.0), RUN_DURATION: np.full(n, 24.0)}
    base.update({k: np.broadcast_to(np.asarray(v, float), (n,)).copy() for k, v in columns.items()})
    return pd.DataFrame(base)


def test_the_run_length_is_a_column_of_every_row():
    row = flatten_kpis({"kpi": {"affected_sites": 3}, "run": {"duration_h": 72.0, "wall_s": 1.5}})
    assert row[RUN_DURATION] == 72.0 and "run_wall_s" not in row
    assert RUN_DURATION not in flatten_kpis({"kpi": {"affected_sites": 3}})


@pytest.mark.parametrize("column, expected", [
    ("first_supplies_within_3h", (0.0, 1.0)),                          # shares
    ("truck_utilisation", (0.0, 1.0)),
    ("relief_relieved_at_day_2d", (0.0, 1.0)),
    ("city_supplies_p50_h", (0.0, 24.0)),                              # times since the hit
    ("first_supplies_township_p95_h", (0.0, 24.0)),
    ("relief_limited_by_trucks", (0.0, 600.0)),                        # people needing relief
    ("relief_without_lifelines", (0.0, 1000.0)),                       # people affected, the largest total
    ("relief_relieved_by_condition_12h_no_lifelines", (0.0, 400.0)),    # the people of that condition
    ("relief_relieved_by_condition_4_5h_outdoors", (0.0, 600.0)),       # no condition total: all needing
    ("zones_never_reached", (0.0, 6.0)),                               # sites
    ("sites_needing_relief", (0.0, 7.0)),
    ("relief_person_days_without_needs", (0.0, 1000.0)),               # people affected × days
])
def test_kpis_have_their_natural_range(column, expected):
    assert kpi_range(column, _rows()) == pytest.approx(expected)


@pytest.mark.parametrize("column", ["unmet_water_l", "trips_delivered", "relief_people_affected", "affected_sites",
                                    "hazard_rescued_alive", "shelters_full", RUN_DURATION, "something_new"])
def test_kpis_without_a_bound_in_the_row_have_no_known_range(column):
    assert _no_upper(kpi_range(column, _rows()))


def test_without_the_total_in_the_rows_a_kpi_has_no_known_range():
    rows = _rows().drop(columns=[RUN_DURATION])       # a results folder from before the column
    assert _no_upper(kpi_range("city_supplies_p50_h", rows))
    rows = _rows()
    rows[RUN_DURATION] = np.nan
    assert _no_upper(kpi_range("city_supplies_p50_h", rows))
    limits = kpi_limits("relief_limited_by_trucks", {"relief_people_needing_relief": [10.0, np.nan]})
    assert list(limits[0]) == [0.0, 0.0] and limits[1][0] == 10.0 and math.isnan(limits[1][1])


def test_results_give_a_time_without_spread_its_bound_and_say_when_a_kpi_has_no_range():
    df = _rows(city_supplies_p50_h=15.3, trips_delivered=120.0)
    df.insert(0, "variant", "base")
    df.insert(1, "status", "ok")
    table = kpi_table(df, ["city_supplies_p50_h", "trips_delivered"]).set_index("kpi")
    city = table.loc["city_supplies_p50_h"]
    assert city["method"] == "bound"
    assert (city["ci_low"], city["ci_high"]) == pytest.approx((15.3 - U10 * 15.3, 15.3 + U10 * (24 - 15.3)))
    trips = table.loc["trips_delivered"]
    assert (trips["ci_low"], trips["ci_high"], trips["method"]) == (120.0, 120.0, "point-no-range")


def test_a_comparison_bounds_counts_and_times_that_do_not_move():
    before = _rows(relief_limited_by_trucks=0.0, city_supplies_p50_h=15.3, unmet_water_l=0.0)
    after = _rows(relief_limited_by_trucks=0.0, city_supplies_p50_h=15.3, unmet_water_l=0.0)
    stats = {s["kpi"]: s for s in kpi_statistics(before, after)}
    trucks = stats["relief_limited_by_trucks"]
    assert trucks["diff_mean"] == 0 and trucks["diff_method"] == "bound"
    assert (trucks["diff_ci_low"], trucks["diff_ci_high"]) == pytest.approx((-600 * U10, 600 * U10))
    assert (trucks["after_ci_low"], trucks["after_ci_high"]) == pytest.approx((0.0, 600 * U10))
    city = stats["city_supplies_p50_h"]
    assert (city["diff_ci_low"], city["diff_ci_high"]) == pytest.approx((-24 * U10, 24 * U10))
    unmet = stats["unmet_water_l"]
    assert (unmet["diff_ci_low"], unmet["diff_ci_high"], unmet["diff_method"]) == (0.0, 0.0, "point-no-range")


def _no_upper(value_range) -> bool:
    """No known upper limit: only the floor every KPI of a run has (never negative)."""
    return value_range[0] == 0.0 and math.isnan(value_range[1])


def test_an_interval_of_a_kpi_without_a_known_range_stops_at_zero():
    # Unmet tents of 8 runs: mostly 0, a few large; the t interval alone would reach below 0.
    from sim.experiments.statistics import mean_interval

    values = np.array([0, 0, 0, 0, 0, 0, 24, 120], dtype=float)
    interval = mean_interval(values, value_range=kpi_range("unmet_tent", _rows()))
    assert interval.low == 0.0 and interval.high > values.mean()
