"""Reported figures: the natural ranges of KPIs that do not move, each interval's method in
every output, shares in % everywhere, and rescue figures in whole people."""
from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from worlds import depot, line_world, scenario_doc, write_scenario, write_zones

from sim.analysis.kpis import is_share, kpi_range
from sim.experiments.results import format_kpi_table, kpi_table, unit_of
from sim.experiments.statistics import paired_statistics

N = 4
U4 = 1 - 0.05 ** (1 / N)            # one-sided Clopper–Pearson bound for 0 of 4


def _rows(n: int = N, **columns) -> pd.DataFrame:
    """Rows like M8's: 1.7 M affected, 1.1 M needing relief, 642,000 displaced of whom
    257,000 go to public shelters with 175,270 places, 385,000 to relatives."""
    base = {"variant": "base", "status": "ok", "relief_people_affected": 1_724_443.0,
            "relief_people_needing_relief": 1_111_831.0, "relief_displaced": 642_185.0,
            "relief_displaced_public_shelter": 256_863.0, "relief_displaced_with_relatives": 385_322.0,
            "relief_outdoors": 324_704.0, "relief_without_lifelines": 757_554.0,
            "relief_at_home_with_lifelines": 0.0, "shelters_capacity_people": 175_270.0,
            "affected_sites": 658.0, "sites_needing_relief": 658.0, "run_duration_h": 72.0,
            "first_supplies_township_townships_in_region": 22.0}
    base.update(columns)
    return pd.DataFrame({k: np.full(n, v) if not isinstance(v, str) else [v] * n for k, v in base.items()})


# ------------------------------------------------------------ 1. natural ranges
@pytest.mark.parametrize("column, high", [
    ("relief_sheltered", 175_270.0),                             # the shelters' places, not all affected
    ("shelters_sheltered_people", 175_270.0),
    ("relief_without_shelter_place", 256_863.0),                 # the displaced going to public shelters
    ("relief_displaced_public_shelter", 642_185.0),              # the displaced
    ("relief_displaced_with_relatives", 642_185.0),
    ("relief_needing_by_condition_relatives", 385_322.0),        # the people of that condition
    ("relief_needing_by_condition_public_shelter", 256_863.0),
    ("relief_needing_by_condition_outdoors", 324_704.0),
    ("relief_needing_by_condition_no_lifelines", 757_554.0),
    ("relief_needing_by_condition_home", 0.0),
    ("relief_relieved_by_condition_8h_relatives", 385_322.0),    # without its needing column: the condition's people
    ("relief_limited_by_trucks", 1_111_831.0),                   # unchanged: people needing relief
    ("relief_people_needing_relief", 1_724_443.0),               # unchanged: people affected
    ("first_supplies_township_townships", 22.0),                 # the region's townships, not its sites
])
def test_counts_are_bounded_by_the_tightest_total_the_row_holds(column, high):
    assert kpi_range(column, _rows()) == pytest.approx((0.0, high))


def test_the_sheltered_are_bounded_by_the_lesser_of_places_and_people_seeking_them_run_by_run():
    rows = _rows(n=2)
    rows["shelters_capacity_people"] = [300_000.0, 100.0]         # run 0: fewer seek a place than there are
    assert kpi_range("relief_sheltered", rows) == pytest.approx((0.0, 256_863.0))
    # A results folder without the shelters' columns keeps the other bounds.
    assert kpi_range("relief_sheltered", _rows().drop(columns="shelters_capacity_people")) == \
        pytest.approx((0.0, 256_863.0))
    # Without the condition's people, those needing relief bound those of it relieved (as before).
    assert kpi_range("relief_relieved_by_condition_8h_relatives",
                     _rows().drop(columns="relief_displaced_with_relatives")) == pytest.approx((0.0, 1_111_831.0))


def test_a_batch_of_identical_runs_keeps_the_sheltered_within_the_shelters_places():
    # M8, 4 identical replications: every place taken in every run gave [82,880, 992,384].
    rows = _rows(relief_sheltered=175_270.0, relief_needing_by_condition_relatives=0.0)
    table = kpi_table(rows, ["relief_sheltered", "relief_needing_by_condition_relatives"]).set_index("kpi")
    sheltered = table.loc["relief_sheltered"]
    assert sheltered["method"] == "bound"
    assert (sheltered["ci_low"], sheltered["ci_high"]) == pytest.approx((175_270 * (1 - U4), 175_270.0))
    relatives = table.loc["relief_needing_by_condition_relatives"]
    assert relatives["ci_high"] == pytest.approx(U4 * 385_322.0)


def test_each_side_of_a_comparison_names_its_own_interval_method(tmp_path):
    from sim.experiments.compare import Comparison, _write

    before = np.array([1.0, 1.0, 1.0, 0.99848])               # varies: a t interval
    after = np.ones(4)                                        # the same in every run: the bound
    s = paired_statistics(before, after, share=True)
    assert (s["before_method"], s["after_method"]) == ("t", "bound")
    assert s["after_ci_low"] == pytest.approx(1 - U4)
    comparison = Comparison(out_dir=tmp_path, baseline={"name": "b"}, variant={"name": "a"}, replications=4,
                            pairs=4, kpis=[{"kpi": "first_supplies_within_6h", "share": True, **s}], verdicts=[])
    _write(comparison, [])
    row = pd.read_csv(tmp_path / "comparison.csv").iloc[0]
    assert (row["before_method"], row["after_method"], row["diff_method"]) == ("t", "bound", "t")
    columns = list(pd.read_csv(tmp_path / "comparison.csv").columns)
    assert columns.index("before_method") == columns.index("before_ci_high") + 1
    assert "mean_method" not in columns
    doc = json.loads((tmp_path / "comparison.json").read_text())
    assert doc["kpis"][0]["before_method"] == "t" and doc["kpis"][0]["after_method"] == "bound"


def test_the_batch_report_names_each_intervals_method():
    from sim.report.html_batch import _kpi_rows

    rows = _rows(relief_sheltered=175_270.0, trips_delivered=120.0,
                 relief_within_8h=np.array([0.15, 0.16, 0.155, 0.152]))
    table = kpi_table(rows, ["relief_sheltered", "trips_delivered", "relief_within_8h"])
    methods = {r[1]: r for r in _kpi_rows(table, table["kpi"])}
    assert "bound" in methods["relief_sheltered"]
    assert "point-no-range" in methods["trips_delivered"]
    assert "t" in methods["relief_within_8h"]


# ------------------------------------------------------------ 2. shares in %
def test_relief_at_each_day_is_a_share_shown_in_percent():
    assert is_share("relief_relieved_at_day_1d") and is_share("relief_relieved_at_day_3d")
    assert unit_of("relief_relieved_at_day_1d") == "%"
    rows = _rows(relief_relieved_at_day_1d=np.array([0.251052, 0.254895, 0.253, 0.2542]))
    table = kpi_table(rows, ["relief_relieved_at_day_1d"])
    csv = pd.read_csv(io.StringIO(format_kpi_table(table, "csv"))).iloc[0]
    assert csv["unit"] == "%" and csv["mean"] == pytest.approx(100 * 0.2532868, rel=1e-5)
    assert "25.3 %" in format_kpi_table(table, "table")

    from sim.report.html_batch import _kpi_rows

    [row] = _kpi_rows(table, ["relief_relieved_at_day_1d"])
    assert row[2]["text"] == "25.3 %"


def test_every_figure_of_the_run_report_shows_shares_in_percent():
    from sim.report.html_run import all_figures_section

    text = all_figures_section({"relief_within_8h": 0.156445, "relief_relieved_at_day_3d": 0.046472,
                                "first_supplies_within_6h": 0.99996, "truck_utilisation": 0.112613,
                                "trips_delivered": 1688.0, "first_supplies_p50_h": 2.2037})
    for shown in ("15.64 %", "4.65 %", "99.996 %", "11.26 %", ">1,688<", ">2.20<"):
        assert shown in text, shown
    for fraction in (">0.16<", ">0.05<", ">1.00<", ">0.11<"):
        assert fraction not in text, fraction
    assert 'data-value="0.156445"' in text


# ------------------------------------------------------------ 3. whole people
def test_rescue_figures_are_whole_people_that_add_up_to_the_trapped():
    from sim.world.rescue_ledger import RescueLedger

    ledger = RescueLedger(trapped=84_998, self_rescued_alive=61_587.5, self_rescued_dead=6_402.1,
                          rescued_alive=668, rescued_dead=522)
    r = ledger.as_dict()
    parts = ("self_rescued_alive", "self_rescued_dead", "rescued_alive", "rescued_dead", "awaiting_rescue_at_end")
    assert all(isinstance(r[k], int) for k in parts)
    assert sum(r[k] for k in parts) == r["trapped"] == 84_998
    # Largest remainder: .5, .1, .4 → the one person left over goes to the .5.
    assert (r["self_rescued_alive"], r["self_rescued_dead"], r["awaiting_rescue_at_end"]) == (61_588, 6_402, 15_818)
    assert ledger.self_rescued_alive == 61_587.5          # the run's own expected values are untouched


def test_a_runs_summary_and_row_count_whole_people(tmp_path):
    from sim.analysis.kpis import flatten_kpis
    from sim.api import run
    from sim.scenarios import load_scenario

    region = line_world(tmp_path, n=3, length_m=2000.0)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 3000, 0.1), ("Z2", 3, 2000, 0.1)])}
    hazard = {"type": "earthquake", "magnitude": 8.0, "epicenter": [116.7, 39.8], "depth_km": 10,
              "self_rescue_share": 0.5}
    doc = scenario_doc(region, [depot("d", 1)], hazard=hazard, duration="3h",
                       teams=[{"id": "sar", "kind": "sar", "base": {"node": 2}, "count": 1}])
    result = run(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    ledger = result.world.rescue
    assert ledger.trapped > 0 and ledger.self_rescued_alive != math.floor(ledger.self_rescued_alive)
    r = result.summary()["hazard"]["rescue"]
    parts = ("self_rescued_alive", "self_rescued_dead", "rescued_alive", "rescued_dead", "awaiting_rescue_at_end")
    assert all(isinstance(r[k], int) for k in parts), r
    assert sum(r[k] for k in parts) == r["trapped"] == ledger.trapped
    assert abs(r["awaiting_rescue_at_end"] - ledger.awaiting) < 1
    row = flatten_kpis(result.summary())
    assert row["hazard_awaiting_rescue_at_end"] == r["awaiting_rescue_at_end"]
