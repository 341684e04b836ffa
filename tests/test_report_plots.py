"""Plots a drill team can be handed: time axes over the whole run, units and
labels everywhere, closed roads in km by road class, maps with a scale bar,
townships and classes tied to the planning lines — and no global matplotlib state."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from sim.report.hazard_plots import closed_roads_figure, outages_figure
from sim.report.run_plots import coverage_figure, first_supply_map_figure, relief_figure
from sim.report.time_classes import relief_classes, supply_classes

# Closed road length of the M8 run: 443 km at the start, cleared to 430 km over 72 h.
M8_CLOSED = [[0.0, 443.168], [7.248, 442.946], [14.4, 440.1], [28.2, 436.0], [40.5, 433.2], [66.0, 429.924]]


def _zones(first_h, relief_h, towns=("T01", "T02")):
    n = len(first_h)
    return pd.DataFrame({"zone_id": [f"Z{k}" for k in range(n)], "township": [towns[k % len(towns)] for k in range(n)],
                         "lon": 116.6 + 0.01 * np.arange(n), "lat": 39.8 + 0.005 * np.arange(n),
                         "population": 1000, "affected": 500, "first_supply_h": first_h,
                         "first_district_supply_h": first_h, "first_city_supply_h": np.nan, "relief_h": relief_h,
                         "hit_h": 0.0})


def _inside(fig, artist) -> bool:
    """Whether ``artist`` is drawn within the figure (not clipped at its edges)."""
    fig.canvas.draw()
    box = artist.get_window_extent(fig.canvas.get_renderer())
    return box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.width + 0.5 and box.y1 <= fig.bbox.height + 0.5


def test_coverage_axis_spans_a_72_hour_run_so_the_last_site_at_40_5_hours_shows():
    zones = _zones([1.0, 2.5, 40.5], [5.0, 20.0, np.nan])
    fig = coverage_figure(zones, 72.0, "Affected sites reached — a long title that must fit inside the figure")
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 72.0)
    x, y = ax.lines[0].get_data()
    assert y[np.searchsorted(x, 40.5)] == pytest.approx(1.0)     # the 100 % step is on the axis
    assert ax.get_xlabel() == "hours since the zone was hit" and "%" in ax.get_yticklabels()[-1].get_text()
    assert _inside(fig, ax.title)


def test_coverage_lines_are_labelled_by_the_zone_time_that_feeds_them():
    zones = _zones([1.0, 2.0, 2.5, 5.0], [np.nan] * 4)
    zones["first_district_supply_h"] = [2.0, 4.0, np.nan, 5.0]
    zones["first_city_supply_h"] = [np.nan, np.nan, np.nan, 30.0]
    fig = coverage_figure(zones, 72.0, "First supplies", township_h=np.array([1.5, 4.5]))
    ax = fig.axes[0]
    lines = dict(zip([t.get_text() for t in ax.get_legend().get_texts()], ax.lines))
    assert list(lines) == ["first supplies at each community (any reserve tier)",
                           "first district supplies at each community (district or city depot)",
                           "first city supplies at each community",
                           "first district supplies in each township (share of townships)"]
    assert [_at(lines["first supplies at each community (any reserve tier)"], h) for h in (3, 6)] == [0.75, 1.0]
    district = lines["first district supplies at each community (district or city depot)"]
    assert [_at(district, h) for h in (3, 4, 6)] == [0.25, 0.5, 0.75]
    assert _at(lines["first city supplies at each community"], 40) == 0.25
    assert [_at(lines["first district supplies in each township (share of townships)"], h) for h in (3, 6)] == [0.5, 1]
    assert not any("district-or-higher" in label for label in lines)


def test_relief_axis_spans_the_run():
    zones = _zones([1.0, 2.0], [8.0, 24.8])
    fig = relief_figure(np.array([480.0, 1488.0]), np.array([500.0, 1000.0]), zones, 1000, 96.0, "relief")
    assert fig.axes[0].get_xlim() == (0.0, 96.0)
    x, y = fig.axes[0].lines[0].get_data()
    assert y[np.searchsorted(x, 24.8)] == pytest.approx(1.0)


def _at(line, hours: float) -> float:
    """The value of a post-step line at ``hours``."""
    x, y = line.get_data()
    return float(y[np.searchsorted(x, hours, side="right") - 1])


def test_relief_curve_is_a_share_of_the_people_needing_relief():
    zones = _zones([1.0, 2.0], [8.0, np.nan])                    # 1,000 affected, 800 of them needing relief
    fig = relief_figure(np.array([300.0, 480.0]), np.array([200.0, 400.0]), zones, 800, 72.0, "relief")
    people, _sites = fig.axes[0].lines[:2]
    assert _at(people, 8.0) == pytest.approx(0.5) and _at(people, 5.0) == pytest.approx(0.25) and _at(people, 4.0) == 0.0
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "people needing relief relieved", "sites needing relief fully relieved"]


def test_relief_curve_of_a_run_reads_the_summarys_shares_at_the_relief_lines():
    from sim.analysis.clock import relieved_since_hit
    from sim.api import run

    result = run("three_outages")
    summary, zones = result.summary(), result.zones_frame()
    relief = summary["kpi"]["relief"]
    assert relief["people_needing_relief"] < relief["people_affected"]
    sites = zones[(zones["affected"] > 0) & (zones["needing_relief"] > 0)]
    fig = relief_figure(*relieved_since_hit(result), sites, relief["people_needing_relief"],
                        summary["run"]["duration_h"], "relief")
    for line, share in relief["within"].items():
        assert _at(fig.axes[0].lines[0], float(line.removesuffix("h"))) == pytest.approx(share, abs=1e-6)


def test_closed_roads_in_km_by_class_with_distinct_labels_from_zero():
    closures = pd.DataFrame({"segment": [1, 2, 3], "road_class": ["arterial", "local", "local"],
                             "length_m": [2000.0, 500.0, 300.0], "bridge": [True, False, False],
                             "cause": ["earthquake damage"] * 3, "closed_from_h": [0.0, 0.0, 0.0],
                             "closed_until_h": [np.nan, 10.0, np.nan],
                             "reopened": ["still closed at the end", "repaired on schedule", "cleared by crews"]})
    fig = closed_roads_figure({"closed_road_km_over_time": M8_CLOSED}, closures, 72.0,
                              "Closed roads — M8 earthquake on the Sanhe-Pinggu fault, winter night")
    over_time, by_class = fig.axes
    fig.canvas.draw()
    labels = [t.get_text() for t in over_time.get_yticklabels() if t.get_text()]
    assert len(labels) == len(set(labels)) >= 3
    assert over_time.get_ylim()[0] == 0 and "km" in over_time.get_ylabel()
    assert over_time.get_xlim() == (0.0, 72.0)
    assert [t.get_text() for t in by_class.get_yticklabels()] == ["arterial", "local"]
    start, end = by_class.containers
    assert [b.get_width() for b in start] == pytest.approx([2.0, 0.8])
    assert [b.get_width() for b in end] == pytest.approx([2.0, 0.0])    # cleared and repaired ones are open
    assert _inside(fig, over_time.title)


def test_closed_roads_stack_by_class_when_the_summary_has_them():
    hazard = {"closed_road_km_over_time": M8_CLOSED,
              "closed_road_km_by_class_over_time": {"local": [[0.0, 400.0], [40.0, 390.0]],
                                                    "arterial": [[0.0, 43.0]]}}
    fig = closed_roads_figure(hazard, pd.DataFrame(columns=["closed_from_h", "closed_until_h", "reopened",
                                                            "road_class", "length_m"]), 72.0, "t")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["arterial", "local"]


def test_outages_axis_spans_the_run_and_names_each_window():
    fig = outages_figure([{"kind": "comms", "start_h": 0.0, "end_h": 24.0, "what": "94 zones"},
                          {"kind": "water", "start_h": 0.0, "end_h": 48.0, "what": "80 zones"}], 72.0, "down")
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 72.0) and ax.get_xlabel() == "hours since the start of the run"
    assert any("comms: 94 zones (0–24 h)" in t.get_text() for t in ax.texts)


def test_first_supply_map_has_axis_labels_townships_scale_bar_and_target_classes(tmp_path):
    from worlds import line_world

    from sim.network.readers import read_csv

    region = line_world(tmp_path, n=4)
    graph = read_csv(tmp_path / "nodes.csv", tmp_path / "edges.csv")
    zones = _zones([2.0, 3.5, np.nan, 30.0], [6.0, np.nan, np.nan, 40.0])
    fig = first_supply_map_figure(graph, zones, [("d1", "district", 116.6, 39.8)], [("s1", 116.7, 39.8)],
                                  "First-supply time by zone")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "longitude (°E)" and ax.get_ylabel() == "latitude (°N)"
    texts = [t.get_text() for t in ax.texts]
    assert {"T01", "T02"} <= set(texts)
    assert any(t.endswith(" km") for t in texts)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "first supplies ≤ 3 h (within the 3 h line) (1 sites)" in legend
    assert "first supplies never supplied (1 sites)" in legend
    assert "district depot" in legend and "shelter" in legend
    assert isinstance(fig.canvas, FigureCanvasAgg)


def test_time_classes_are_cut_at_the_planning_lines():
    s = supply_classes()
    assert s.edges_h == (3.0, 4.0, 6.0, 12.0, 24.0)
    assert s.label([2.9, 3.0, 3.1, 40.5, np.nan]) == ["≤ 3 h (within the 3 h line)", "≤ 3 h (within the 3 h line)",
                                                       "3–4 h", "> 24 h", "never supplied"]
    assert relief_classes().edges_h == (8.0, 12.0, 24.0, 48.0)


def test_writing_outputs_leaves_matplotlib_global_state_alone(tmp_path):
    """A notebook's backend stays; pyplot is never imported by writing a run's outputs."""
    code = textwrap.dedent(f"""
        import sys, matplotlib
        matplotlib.use("pdf")
        import sim
        from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones
        from pathlib import Path
        tmp = Path({str(tmp_path)!r})
        region = line_world(tmp, n=3)
        region["zones"] = {{"csv": write_zones(tmp, [("Z1", 3, 100, 0.2)])}}
        path = write_scenario(tmp, scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5)))
        sim.run(path).write(tmp / "out")
        assert matplotlib.get_backend() == "pdf", matplotlib.get_backend()
        assert "matplotlib.pyplot" not in sys.modules
        print("ok")
    """)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=Path(__file__).parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"



def test_earthquake_map_title_is_clear_of_the_colour_bar():
    from types import SimpleNamespace

    from sim.report.hazard_plots import earthquake_figure

    lon, lat = np.meshgrid(np.linspace(116.5, 116.85, 40), np.linspace(39.72, 39.99, 40))
    graph = SimpleNamespace(lon=np.append(lon.ravel(), 116.39), lat=np.append(lat.ravel(), 39.895))   # M8's extent
    hazard = SimpleNamespace(node_intensity=np.linspace(8, 10.5, lon.size + 1), blocked_segments=np.empty(0),
                             bridge_damage_state=None)
    spec = SimpleNamespace(epicenter=(117.0, 40.0), magnitude=8.0)
    zones = _zones([1.0, 2.0], [np.nan, np.nan])
    fig = earthquake_figure(graph, hazard, spec, zones, "Shaking, damaged bridges and blocked streets — M8 earthquake "
                                                        "on the Sanhe-Pinggu fault, winter night")
    ax, bar = fig.axes
    assert _inside(fig, ax.title)
    renderer = fig.canvas.get_renderer()
    assert not ax.title.get_window_extent(renderer).overlaps(bar.get_window_extent(renderer))
    assert bar.get_xlabel() == "intensity (Chinese scale, degrees)"


def test_target_line_labels_take_rows_so_close_lines_do_not_meet():
    from sim.report.figures import label_rows

    assert label_rows((3.0, 4.0, 6.0), 72.0) == {3.0: 0, 4.0: 1, 6.0: 2}
    assert label_rows((3.0, 4.0, 6.0), 6.0) == {3.0: 0, 4.0: 0, 6.0: 0}
    fig = coverage_figure(_zones([1.0, 2.0], [np.nan, np.nan]), 72.0, "First supplies")
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in ("3 h", "4 h", "6 h")]
    assert len(boxes) == 3
    assert not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    assert _inside(fig, ax.title)


def test_report_chart_labels_of_close_target_lines_sit_on_rows_apart():
    from sim.report import html_figures as hf

    fig = hf.coverage_chart([("first supplies", np.array([1.0, 5.0]), np.ones(2), "#1f77b4")], 72.0,
                            (3.0, 4.0, 6.0, 8.0, 12.0), "First supplies", "share")
    labels = [(a.x, a.yshift or 0) for a in fig.layout.annotations if a.text.endswith(" h")]
    assert len(labels) == 5
    assert all(a.xanchor == "center" for a in fig.layout.annotations if a.text.endswith(" h"))
    for k, (x, row) in enumerate(labels):
        for x2, row2 in labels[k + 1:]:
            assert row != row2 or abs(x - x2) >= 0.04 * 72.0, (x, x2)
