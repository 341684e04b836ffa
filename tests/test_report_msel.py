"""The exercise event list (HSEEP MSEL form) and timeline.md: built from the
run's events, aggregated so a controller can read it, people whole, outages
of every kind starting and ending, on the run's clock."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_folders import run_folder

from sim.report import msel_roads, msel_rows
from sim.report.msel import MSEL_COLUMNS, in_order, msel_frame, msel_injects
from sim.report.msel_rows import BLOCK_H, _first

M8_DEBRIS_HOURS = [7.25, 7.53, 7.59, 7.62, 7.64, 7.66, 14.45, 15.23, 16.24, 21.34, 21.93, 22.68, 23.34, 28.17, 28.88,
                   29.41, 30.23, 35.04, 35.75, 36.47, 37.21, 42.14, 43.0, 44.1, 47.9, 49.2, 50.3, 51.0, 55.5, 56.1,
                   58.0, 60.2, 61.7, 63.3, 65.0, 68.4, 70.9]


def _road_state(lengths_km, closures, still):
    """A road state (:class:`~sim.world.road_layers.RoadLayers`) of one edge per segment, with its
    finished ``closures`` and the segments ``still`` closed."""
    graph = SimpleNamespace(segment=np.arange(len(lengths_km)), length_m=np.asarray(lengths_km, dtype=float) * 1000)
    return SimpleNamespace(graph=graph, closures=closures, still_closed=lambda: still)


def _m8_roads():
    """The road state of :func:`_m8_like`: 443.168 km closed by the earthquake, two bridges of 1 km
    repaired at 6 h, a segment of 0.36 km cleared at each debris clearance, the rest closed."""
    n = len(M8_DEBRIS_HOURS)
    lengths = [1.0, 1.0, *[0.36] * n, 443.168 - 2.0 - 0.36 * n]
    closures = [(k, 0.0, 360.0, "earthquake damage", "bridge repaired (moderate damage)") for k in (0, 1)]
    closures += [(2 + k, 0.0, h * 60, "earthquake damage", "debris cleared") for k, h in enumerate(M8_DEBRIS_HOURS)]
    return _road_state(lengths, closures, [(len(lengths) - 1, 0.0, "earthquake damage")])


def _m8_like():
    """A summary, zones and events shaped like the M8 run's (37 debris clearances, fractional rescues)."""
    rows = [(0.0, "road", "hazard", "", "earthquake damage", 3950.0),
            (360.0, "road", "hazard", "", "bridge repaired (moderate damage)", 2.0),
            (360.0, "road", "hazard", "", "bridge repaired (moderate damage)", 2.0)]
    rows += [(h * 60, "road", "hazard", "", "debris cleared", 2.0) for h in M8_DEBRIS_HOURS]
    rows += [(10.8, "report", "", "Z1", "", 2566.0), (10.8, "order", "taihu", "Z1", "", 4999.8),
             (36.0, "depart", "taihu/truck-01", "Z1", "", 0.0), (61.6, "deliver", "taihu/truck-01", "Z1", "water_l", 9.0),
             (61.6, "first_supply", "taihu", "Z1", "", 0.0), (2432.0, "first_supply", "taihu", "Z2", "", 0.0),
             (61.6, "relieved", "", "Z1", "", 775.4)]
    rows += [(510.0 + 7 * k, "rescue", "", "Z1", "alive", 3.4356) for k in range(200)]
    rows += [(95.0, "stuck", "taihu/truck-02", "Z2", "", 0.0)]
    events = pd.DataFrame(rows, columns=["time_min", "kind", "agent", "zone", "item", "amount"]).sort_values("time_min")
    zones = pd.DataFrame({"zone_id": ["Z1", "Z2"], "township": ["T01", "T02"], "affected": [1000, 2000],
                          "hit_h": [0.0, 0.0], "first_supply_h": [1.03, 40.53], "relief_h": [np.nan, np.nan]})
    series = [[0.0, 443.168]] + [[h, 443.168 - 0.36 * (k + 1)] for k, h in enumerate(M8_DEBRIS_HOURS)]
    summary = {"scenario": "M8", "seed": 1679, "run": {"duration_h": 72.0},
               "targets": {"preset": "tongzhou-2030", "district_supplies_h": [3.0], "city_supplies_h": [],
                           "basic_relief_h": [8.0]},
               "verdicts": [{"target": "district_supplies", "within_h": 3.0, "share": 0.5, "met": False}],
               "kpi": {"affected_sites": 2, "first_supplies": {"within": {"3h": 0.5, "4h": 0.5, "6h": 0.5}},
                       "relief": {"people_affected": 3000, "people_needing_relief": 1000, "displaced": 1500,
                                  "within": {"8h": 0.7754, "12h": 0.7754},
                                  "without_shelter_place": 0},
                       "unmet_need_at_end": {"water_l": 3808957.0}},
               "hazard": {"magnitude": 8.0, "epicentral_intensity": 11.19, "trapped": 85123, "bridges_closed": 11,
                          "road_segments_blocked": 1960, "closed_road_km_over_time": series,
                          "rescue": {"rescued_alive": 592.4, "awaiting_rescue_at_end": 15961.1}}}
    return summary, zones, events


def test_columns_are_the_hseep_msel_fields_in_order():
    frame = msel_frame(msel_injects(*_m8_like(), {"hazard": {"type": "earthquake"}}, _m8_roads()))
    assert list(frame.columns) == list(MSEL_COLUMNS) == [
        "Inject No.", "Scenario Time", "Hour", "Event Synopsis", "Inject Text", "Delivery Mode", "From",
        "To (Player)", "Expected Player Action", "Objective / Core Capability", "Notes"]
    assert list(frame["Inject No."]) == list(range(1, len(frame) + 1))
    assert frame["Hour"].is_monotonic_increasing
    assert frame.notna().all().all() and (frame[list(MSEL_COLUMNS[3:10])] != "").all().all()


def test_debris_clearance_is_grouped_by_six_hour_block_with_km():
    frame = msel_frame(msel_injects(*_m8_like(), None, _m8_roads()))
    debris = frame[frame["Event Synopsis"].str.contains("cleared debris")]
    blocks = {int(h // BLOCK_H) for h in M8_DEBRIS_HOURS}
    assert len(debris) == len(blocks) < len(M8_DEBRIS_HOURS)
    first = debris.iloc[0]["Event Synopsis"]
    assert first.startswith("road-repair crews cleared debris at 6 sites between H+07:15 and H+07:40: 2.2 km reopened")
    assert not frame["Event Synopsis"].str.contains("edges").any()


def test_onset_names_segments_and_bridges_not_edges():
    frame = msel_frame(msel_injects(*_m8_like(), None, _m8_roads()))
    onset = frame[frame["Event Synopsis"].str.startswith("roads: earthquake damage")].iloc[0]
    assert onset["Event Synopsis"] == ("roads: earthquake damage: 443 km of road closed, 1,960 street segments "
                                       "blocked, 11 bridges closed")
    assert "3950" not in " ".join(frame["Event Synopsis"]) and "3,950" not in " ".join(frame["Event Synopsis"])


def test_onset_tells_people_affected_from_people_needing_relief():
    frame = msel_frame(msel_injects(*_m8_like(), None, _m8_roads()))
    onset = frame.iloc[0]["Event Synopsis"]
    assert "3,000 people affected, 1,000 of them needing relief on the first day" in onset
    assert "3,000 people need" not in onset


def test_counts_read_as_words():
    frame = msel_frame(msel_injects(*_m8_like(), None, _m8_roads()))
    stuck = frame[frame["Event Synopsis"].str.startswith("a vehicle cannot reach")].iloc[0]
    assert stuck["Inject Text"].endswith("(1 such report in the run).")


def test_people_are_whole():
    frame = msel_frame(msel_injects(*_m8_like(), None, _m8_roads()))
    text = " ".join(frame["Event Synopsis"]) + " " + " ".join(frame["Inject Text"])
    assert "592.4" not in text and "15961.1" not in text
    assert "15,961 trapped people still awaiting rescue at the end of the run" in text
    rescued = frame[frame["Event Synopsis"].str.contains("rescued alive by teams so far")]["Event Synopsis"]
    assert all(s.split()[0].replace(",", "").isdigit() for s in rescued)


def test_first_supplies_once_per_township_on_the_run_clock():
    frame = msel_frame(msel_injects(*_m8_like(), None, _m8_roads()))
    towns = frame[frame["Event Synopsis"].str.startswith("first supplies reach township")]
    assert list(towns["Event Synopsis"]) == ["first supplies reach township T01", "first supplies reach township T02"]
    assert list(towns["Hour"]) == [pytest.approx(1.03, abs=0.01), pytest.approx(40.53, abs=0.01)]


def test_target_lines_say_where_the_run_stands():
    frame = msel_frame(msel_injects(*_m8_like(), None, _m8_roads()))
    line = frame[frame["Hour"] == 3.0]["Event Synopsis"].tolist()
    assert "— 3 h target line: 50.0 % of affected sites have first supplies (any reserve tier) — target NOT MET —" in line


def test_target_line_judged_per_township_reads_the_township_measure():
    summary, zones, events = _m8_like()
    summary["verdicts"] = [{"target": "district_supplies", "within_h": 3.0, "share": 1.0, "met": True,
                            "site": "township"}]
    summary["kpi"]["first_supplies_township"] = {"townships": 2, "within": {"3h": 1.0, "4h": 1.0, "6h": 1.0}}
    line = msel_frame(msel_injects(summary, zones, events, None, _road_state([], [], []))).query("Hour == 3.0")["Event Synopsis"].tolist()
    assert "— 3 h target line: 100.0 % of affected townships have first district supplies — target MET —" in line


def test_first_supplies_are_named_by_what_they_measure():
    frame = msel_frame(msel_injects(*_m8_like(), None, _m8_roads()))
    town = frame[frame["Event Synopsis"] == "first supplies reach township T01"].iloc[0]
    assert town["Inject Text"] == ("Township T01: first supplies (any reserve tier) arrived at Z1 from taihu "
                                   "(1 of its affected sites supplied by the end).")
    shares = frame[frame["Event Synopsis"].str.contains("affected sites have their first supplies")]
    assert list(shares["Event Synopsis"]) == [f"{p}% of affected sites have their first supplies (any reserve tier)"
                                              for p in (25, 50, 75, 100)]
    assert not frame["Inject Text"].str.contains("district supplies").any()


def test_relief_shares_are_of_the_people_needing_relief():
    frame = msel_frame(msel_injects(*_m8_like(), None, _m8_roads()))
    relieved = frame[frame["Event Synopsis"].str.contains("relieved") & ~frame["Event Synopsis"].str.startswith("—")]
    assert list(relieved["Event Synopsis"]) == [f"{p}% of the people needing relief relieved" for p in (25, 50, 75)]
    assert "of the 1,000 people needing relief have what they need for their first day" in relieved.iloc[-1]["Inject Text"]
    line = frame[frame["Hour"] == 8.0]["Event Synopsis"].tolist()
    assert "— 8 h target line: 77.5 % of the people needing relief relieved —" in line


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return run_folder(tmp_path_factory)


def test_outages_of_every_kind_start_and_end_in_the_run(folder):
    frame = pd.read_csv(folder / "msel.csv")
    synopses = " | ".join(frame["Event Synopsis"])
    for name in ("road outage", "power outage", "communications outage", "water outage", "no outside support"):
        assert f"{name} begins" in synopses
    assert "communications outage ends" in synopses
    assert frame["Hour"].max() <= 72.0
    # Each kind's end asks for what that outage held back (only the networks hold reports back).
    ends = frame[frame["Event Synopsis"].str.contains(" ends")]
    actions = dict(zip(ends["Event Synopsis"].str.split(" ends").str[0], ends["Expected Player Action"]))
    assert "collect the reports held back" in actions["communications outage"]
    assert len(actions) >= 3 and len(set(actions.values())) == len(actions)
    assert not [a for name, a in actions.items() if name != "communications outage" and "reports" in a]


def test_msel_xlsx_and_timeline_md_hold_the_same_injects(folder):
    csv = pd.read_csv(folder / "msel.csv")
    xlsx = pd.read_excel(folder / "msel.xlsx", sheet_name="MSEL")
    assert list(xlsx.columns) == list(MSEL_COLUMNS) and len(xlsx) == len(csv)
    assert list(xlsx["Event Synopsis"]) == list(csv["Event Synopsis"])
    timeline = (folder / "timeline.md").read_text()
    rows = [line for line in timeline.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == len(csv)
    assert "run's clock" in timeline


def test_relief_shares_agree_with_the_target_lines(folder):
    """Every zone of the drill is hit at the start, so a share of the people needing relief is reached by
    the 8 h line exactly when it is within the summary's share at 8 h."""
    import json

    summary = json.loads((folder / "summary.json").read_text())
    within = summary["kpi"]["relief"]["within"]
    frame = pd.read_csv(folder / "msel.csv")
    shares = frame[frame["Event Synopsis"].str.endswith("% of the people needing relief relieved")
                   & ~frame["Event Synopsis"].str.startswith("—")]
    assert len(shares)
    for synopsis, hour in zip(shares["Event Synopsis"], shares["Hour"]):
        share = int(synopsis.split("%")[0]) / 100
        for line in (8.0, 12.0):
            assert (hour <= line) == (share <= within[f"{line:g}h"] + 1e-9), (synopsis, hour, within)


def test_outage_windows_count_with_separators_and_the_noun_in_its_number(folder):
    import json
    import re

    outages = json.loads((folder / "summary.json").read_text())["hazard"]["outages"]
    assert {o["kind"] for o in outages} == {"roads", "power", "comms", "water", "no_outside_support"}
    for o in outages:
        assert not re.search(r"\d{4}", o["what"]), o["what"]
        assert not re.search(r"(?<![\d,])1 (city depots|road segments|zones|depots|outside teams|teams)\b",
                             o["what"]), o["what"]
    synopses = " | ".join(pd.read_csv(folder / "msel.csv")["Event Synopsis"])
    for o in outages:
        assert o["what"] in synopses


def test_msel_xlsx_holds_the_table_with_a_bold_header_wrapped_cells_and_fixed_widths(tmp_path):
    """The workbook a controller prints: every inject's cells as in ``msel.csv``, the header
    bold, body cells wrapped and top-aligned, the columns at their widths, the header frozen."""
    from openpyxl import load_workbook

    from sim.report.msel import _write_xlsx

    frame = msel_frame(msel_injects(*_m8_like(), {"hazard": {"type": "earthquake"}}, _m8_roads()))
    assert len(frame) > 10
    _write_xlsx(frame, tmp_path / "msel.xlsx")
    ws = load_workbook(tmp_path / "msel.xlsx")["MSEL"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(frame.columns)
    assert [list(r) for r in rows[1:]] == [list(r) for r in frame.itertuples(index=False)]
    assert all(cell.font.bold for cell in ws[1])
    assert all(cell.alignment.wrap_text and cell.alignment.vertical == "top"
               for row in ws.iter_rows(min_row=2) for cell in row)
    widths = [ws.column_dimensions[ws.cell(row=1, column=k + 1).column_letter].width for k in range(len(frame.columns))]
    assert widths == [8, 11, 7, 50, 60, 16, 22, 26, 40, 30, 30]
    assert ws.freeze_panes == "A2"


@settings(max_examples=150, deadline=None)
@given(kinds=st.lists(st.one_of(st.none(), st.sampled_from(["report", "order", "stuck"])), max_size=12),
       dtype=st.sampled_from([object, "str", "string"]), kind=st.sampled_from(["report", "stuck", "deliver"]))
def test_the_first_event_of_a_kind_is_the_first_row_the_kind_selects(kinds, dtype, kind):
    """Found by position, not by selecting every event of the kind: the same row, or none."""
    events = pd.DataFrame({"time_min": np.arange(len(kinds), dtype=float) * 7.5,
                           "kind": pd.Series(kinds, dtype=dtype), "zone": [f"Z{k}" for k in range(len(kinds))]},
                          index=np.arange(len(kinds)) * 3 + 1)
    rows = events[events["kind"] == kind]
    got = _first(events, kind)
    if rows.empty:
        assert got is None
    else:
        want = rows.iloc[0]
        assert got.name == want.name and got.equals(want) and got.dtype == want.dtype


def test_each_township_s_first_supplies_are_its_zone_supplied_first_the_first_listed_on_ties():
    events = pd.DataFrame([(120.0, "first_supply", "d1", "Z2", "", 0.0), (120.0, "first_supply", "d2", "Z1", "", 0.0),
                           (60.0, "first_supply", "d3", "Z4", "", 0.0), (30.0, "first_supply", "d4", "Z4", "", 0.0),
                           (90.0, "first_supply", "d5", "Z5", "", 0.0)],
                          columns=["time_min", "kind", "agent", "zone", "item", "amount"])
    zones = pd.DataFrame({"zone_id": ["Z1", "Z2", "Z3", "Z4", "Z5", "Z6"],
                          "township": ["T02", "T02", "T02", "T01", None, "T03"],
                          "affected": [5, 5, 5, 5, 5, 0], "hit_h": [0.0] * 6})
    got = [(i.time_h, i.synopsis, i.text) for i in msel_rows.township_supplies(events, zones)]
    assert got == [(1.0, "first supplies reach township T01",
                    ("Township T01: first supplies (any reserve tier) arrived at Z4 from d3 "
                     "(1 of its affected sites supplied by the end).")),
                   (2.0, "first supplies reach township T02",
                    ("Township T02: first supplies (any reserve tier) arrived at Z1 from d2 "
                     "(2 of its affected sites supplied by the end)."))]


def test_later_road_changes_are_grouped_by_block_and_cause_in_that_order():
    rows = [(0.0, "road", "hazard", "", "damage", 1.0), (0.0, "road", "hazard", "", "flood", 1.0),
            (0.0, "road", "hazard", "", None, 1.0), (400.0, "road", "crew", "", "debris cleared", 1.0),
            (380.0, "road", "hazard", "", "bridge repaired (minor)", 1.0),
            (390.0, "road", "road-outage-1", "", "outage", 1.0), (420.0, "road", "crew", "", None, 1.0),
            (410.0, "road", "crew", "", "debris cleared", 1.0), (30.0, "road", "crew", "", "debris cleared", 1.0)]
    events = pd.DataFrame(rows, columns=["time_min", "kind", "agent", "zone", "item", "amount"]).sort_values(
        "time_min", kind="stable")
    got = [(i.time_h, i.synopsis.split(":")[0]) for i in msel_roads.road_changes(events, {}, _road_state([], [], []))]
    assert got == [(0.0, "roads"), (0.0, "roads"), (0.5, "road-repair crews cleared debris at 1 site"),
                   (380 / 60, "1 bridge repaired (minor)"),
                   (400 / 60, "road-repair crews cleared debris at 2 sites between H+06")]


def _pre_positioned():
    """Two zones hit at 50 h: Z1 supplied and relieved at 38 h (pre-positioned), Z2 at 51 h."""
    rows = [(38 * 60.0, "first_supply", "hub-T01", "Z1", "", 0.0), (38 * 60.0, "relieved", "", "Z1", "", 300.0),
            (51 * 60.0, "first_supply", "taihu", "Z2", "", 0.0), (51 * 60.0, "relieved", "", "Z2", "", 100.0)]
    events = pd.DataFrame(rows, columns=["time_min", "kind", "agent", "zone", "item", "amount"])
    zones = pd.DataFrame({"zone_id": ["Z1", "Z2"], "township": ["T01", "T02"], "affected": [500, 200],
                          "hit_h": [50.0, 50.0]})
    summary = {"kpi": {"relief": {"people_needing_relief": 400}}}
    return events, zones, summary


def test_supplies_before_a_sites_hit_are_marked_pre_positioned_and_count_from_its_hit():
    events, zones, summary = _pre_positioned()
    towns = {i.synopsis: i for i in msel_rows.township_supplies(events, zones)}
    assert set(towns) == {"pre-positioned first supplies reach township T01", "first supplies reach township T02"}
    assert "12.0 h before it was hit" in towns["pre-positioned first supplies reach township T01"].text
    shares = {i.synopsis: i.time_h for i in msel_rows.coverage_shares(events, zones, summary)}
    # 75 % of the people needing relief (300 of 400) are relieved at Z1's hit, not 12 h before it.
    assert shares["75% of the people needing relief relieved"] == 50.0
    assert shares["100% of the people needing relief relieved"] == 51.0
    assert shares["50% of affected sites have their first supplies (any reserve tier)"] == 50.0


def test_power_restored_in_one_block_gives_the_range_of_its_times():
    events = pd.DataFrame([(290.0, "power_restored", "hub-T10", "", "", 0.0),
                           (338.0, "power_restored", "hub-T08", "", "", 0.0)],
                          columns=["time_min", "kind", "agent", "zone", "item", "amount"])
    (inject,) = msel_rows.power_restored(events)
    assert inject.time_h == pytest.approx(290 / 60)
    assert inject.synopsis == "power restored at hub-T10, hub-T08 between H+04:50 and H+05:38"


def test_the_hazard_onset_comes_before_a_road_inject_of_the_same_minute():
    # zones.csv gives the hit at 4 decimals (50.1667 h); the road event is at 3010 min (50.16667 h).
    onset = msel_rows.Inject(50.1667, "onset", "", "", "", "", "", "", "", order=0)
    road = msel_rows.Inject(3010 / 60, "road", "", "", "", "", "", "", "", order=1)
    assert [i.synopsis for i in in_order([road, onset])] == ["onset", "road"]


def test_a_bridge_that_was_only_slowed_is_back_to_full_speed_not_repaired_from_closed():
    what = msel_roads._road_phrase("bridge repaired (moderate damage)", 2)[0]
    assert what == "2 bridges slowed by moderate damage back to full speed (never closed)"
    assert msel_roads._road_phrase("bridge repaired (extensive damage)", 1)[0] == "1 bridge repaired (extensive damage)"


def test_onset_says_how_many_communities_lost_their_networks_when_the_quake_took_some_down():
    summary, *rest = _m8_like()
    assert "communities without telephone networks" not in msel_frame(
        msel_injects(summary, *rest, None, _m8_roads())).iloc[0]["Event Synopsis"]
    summary["hazard"]["zones_without_comms"] = 1499
    onset = msel_frame(msel_injects(summary, *rest, None, _m8_roads())).iloc[0]["Event Synopsis"]
    assert "1,499 communities without telephone networks" in onset


def test_the_rapid_intensity_report_inject_says_how_many_zones_it_puts_at_its_intensity_and_made_known():
    # Five zones at IX or more; two had reported by then, so three events make the others known.
    summary, zones, events = _m8_like()
    summary["hazard"]["intensity_report"] = {"from_intensity": 9.0, "zones_at_or_above": 5}
    pushed = pd.DataFrame([(60.0, "intensity_report", "", z, "", 500.0) for z in ("Z1", "Z2", "Z3")],
                          columns=events.columns)
    events = pd.concat([events, pushed]).sort_values("time_min", kind="stable")
    frame = msel_frame(msel_injects(summary, zones, events, None, _m8_roads()))
    inject = frame[frame["Event Synopsis"].str.startswith("rapid intensity report")].iloc[0]
    assert inject["Event Synopsis"] == ("rapid intensity report: 3 worst-shaken zones not heard of yet treated as "
                                        "reported")
    assert inject["Hour"] == 1.0
    assert "5 affected zones are at intensity IX or more, 3 of them not heard of yet." in inject["Inject Text"]


def test_the_first_report_says_how_many_of_its_affected_need_relief_on_their_first_day():
    summary, zones, events = _m8_like()
    zones["needing_relief"] = [700, 1500]
    frame = msel_frame(msel_injects(summary, zones, events, None, _m8_roads()))
    inject = frame[frame["Event Synopsis"].str.startswith("first report of needs")].iloc[0]
    assert inject["Inject Text"] == "Community Z1 reports 2,566 people affected, 700 of them in need of relief on " \
                                    "their first day."


def test_nothing_comes_after_the_end_of_play():
    # A run cut short before the hazard reaches anyone (hit at 50 h, a 1 h run): no onset inject at
    # 50 h after "end of the run"; the run's own injects stop at its end.
    summary, zones, events = _m8_like()
    summary["run"]["duration_h"] = 1.0
    zones["hit_h"] = [50.0, 50.0]
    frame = msel_frame(msel_injects(summary, zones, events, None, _m8_roads()))
    assert frame["Hour"].max() == 1.0
    assert frame.iloc[-1]["Event Synopsis"].startswith("end of the run")
    assert not frame["Event Synopsis"].str.startswith("major disaster").any()


def test_the_warning_says_how_many_zones_the_forecast_puts_under_water():
    summary, zones, events = _m8_like()
    flagged = pd.DataFrame([(0.0, "forecast", "", z, "", 500.0) for z in ("Z1", "Z2")], columns=events.columns)
    events = pd.concat([flagged, events]).sort_values("time_min", kind="stable")
    frame = msel_frame(msel_injects(summary, zones, events, None, _m8_roads()))
    inject = frame[frame["Event Synopsis"].str.startswith("warning issued")].iloc[0]
    assert inject["Event Synopsis"] == "warning issued: 2 forecast zones treated as reported"
    assert inject["Inject Text"].endswith("the forecast puts 2 zones under water.")
