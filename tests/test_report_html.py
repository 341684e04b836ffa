"""report.html of a run, a batch and a comparison: one self-contained file,
checked in a real browser (headless Chromium): it loads with no console error
and no network request, its verdict table shows the numbers of summary.json
(results.parquet, comparison.json), and its screenshot is not blank.

The browser is Debian's ``chromium`` driven by Playwright. Without it the
browser tests skip — except where ``SIM_REQUIRE_BROWSER=1`` (set by
``.ci/run``), where a missing browser is a failure.
"""
from __future__ import annotations

import html
import io
import json
import os
import re
import shutil

import numpy as np
import pytest
from report_folders import batch_folder, comparison_folder, run_folder

from sim.experiments.results import kpi_table, read_results

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAX_BYTES = 10_000_000


def _chromium() -> str | None:
    for name in (os.environ.get("SIM_CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return {"run": run_folder(tmp_path_factory), "batch": batch_folder(tmp_path_factory),
            "comparison": comparison_folder(tmp_path_factory)}


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if executable is None or sync_playwright is None:
        missing = "Debian's chromium" if executable is None else "the playwright package"
        if os.environ.get("SIM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{missing} is not installed, and SIM_REQUIRE_BROWSER=1 requires the browser tests")
        pytest.skip(f"{missing} is not installed (apt-get install chromium); the browser tests run in CI")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, path):
    """Load ``path``; returns the page, console messages and page errors, and every request made."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    messages, requests = [], []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('.plot .main-svg').length > 0", timeout=30_000)
    return page, messages, requests


def _cells(page, table_id: str) -> list[list[str | None]]:
    return page.eval_on_selector_all(f"#{table_id} tbody tr",
                                     "rows => rows.map(r => [...r.cells].map(c => c.dataset.value ?? null))")


def _not_blank(png: bytes) -> None:
    from PIL import Image

    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    colours = len(np.unique(image.reshape(-1, 3), axis=0))
    assert colours > 50 and image.std() > 10, (colours, image.std())


def _check_loaded(page, messages, requests, folder, name):
    assert [m for m in messages if m[0] in ("error", "pageerror", "warning")] == []
    assert requests == [(folder / "report.html").as_uri()]          # nothing but the file itself
    png = page.screenshot()
    (folder / f"screenshot-{name}.png").write_bytes(png)
    _not_blank(png)
    assert page.eval_on_selector_all(".plot .main-svg", "s => s.length") >= 2


def test_run_report_in_the_browser(browser, folders):
    folder = folders["run"]
    page, messages, requests = _open(browser, folder / "report.html")
    _check_loaded(page, messages, requests, folder, "run")
    summary = json.loads((folder / "summary.json").read_text())
    rows = _cells(page, "verdicts")
    assert len(rows) == len(summary["verdicts"]) > 0
    for row, verdict in zip(rows, summary["verdicts"]):
        assert json.loads(row[1]) == verdict["within_h"]
        assert json.loads(row[2]) == verdict["share"]
        assert json.loads(row[4]) == verdict["met"]
    text = page.inner_text("#verdicts")
    for verdict in summary["verdicts"]:
        assert f"{100 * verdict['share']:.1f} %" in text
    assert "[TZ] Tongzhou 2026–2030 emergency plan" in text
    page.close()


def test_batch_report_in_the_browser(browser, folders):
    folder = folders["batch"]
    page, messages, requests = _open(browser, folder / "report.html")
    _check_loaded(page, messages, requests, folder, "batch")
    table = kpi_table(read_results(folder)).set_index(["variant", "kpi"])
    rows = _cells(page, "verdicts")
    labels = page.eval_on_selector_all("#verdicts tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")
    assert len(rows) == 3
    for row, label in zip(rows, labels):
        hours = label[2].removesuffix(" h")
        section = "first_supplies" if label[1] == "first supplies (any reserve tier)" else "relief"
        assert json.loads(row[3]) == pytest.approx(table.loc[(label[0], f"{section}_within_{hours}h"), "mean"], abs=0)
    page.close()


def test_comparison_report_in_the_browser(browser, folders):
    folder = folders["comparison"]
    page, messages, requests = _open(browser, folder / "report.html")
    _check_loaded(page, messages, requests, folder, "comparison")
    verdicts = json.loads((folder / "comparison.json").read_text())["verdicts"]
    rows = _cells(page, "verdicts")
    assert len(rows) == len(verdicts) > 0
    for row, v in zip(rows, verdicts):
        assert json.loads(row[2]) == v["before_mean"] and json.loads(row[3]) == v["after_mean"]
        assert json.loads(row[4]) == v["diff_mean"]
    page.close()


@pytest.mark.parametrize("kind", ["run", "batch", "comparison"])
def test_report_is_one_self_contained_file(folders, kind):
    path = folders[kind] / "report.html"
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size <= MAX_BYTES
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=""", text)
    assert not re.search(r"""url\(\s*['"]?https?:""", text)
    assert text.count("<script>") >= 2 and "Plotly.newPlot" in text


def test_run_report_shows_the_hazard_kpis_and_the_event_list(folders):
    text = (folders["run"] / "report.html").read_text(encoding="utf-8")
    assert 'id="msel"' in text and "Expected Player Action" in text
    assert "closed road length at the peak (km)" in text
    assert 'id="supply-audit"' in text and "The scenario as run" in text


def test_run_report_lists_every_warning_of_the_summary(folders):
    # Four outages: the zones no truck can reach and the porters who reach them.
    text = (folders["run"] / "report.html").read_text(encoding="utf-8")
    warnings = json.loads((folders["run"] / "summary.json").read_text(encoding="utf-8"))["warnings"]
    assert warnings and f"Warnings ({len(warnings)})" in text
    listed = text[text.index('<ul id="warnings">'):]
    for warning in warnings:
        assert html.escape(warning, quote=True) in listed[:listed.index("</ul>")]


def test_comparison_report_gives_the_chance_each_target_is_met_and_changes_of_shares_in_points(folders):
    from sim.experiments.targets import met_chance

    text = (folders["comparison"] / "report.html").read_text(encoding="utf-8")
    verdicts = json.loads((folders["comparison"] / "comparison.json").read_text(encoding="utf-8"))["verdicts"]
    assert "chance it is met after / before" in text
    # A share's change and its interval both in points (the interval read "-0.9 % – 2.2 %").
    share = next(k for k in json.loads((folders["comparison"] / "comparison.json").read_text(encoding="utf-8"))["kpis"]
                 if k["kpi"] == "first_supplies_within_3h")
    assert f"{100 * share['diff_ci_low']:+.1f} – {100 * share['diff_ci_high']:+.1f} points" in text
    for v in verdicts:
        assert html.escape(f"{met_chance(v['chance_met_after'])} / {met_chance(v['chance_met_before'])}") in text


def test_batch_rows_carry_the_hazard_kpis(folders):
    df = read_results(folders["batch"])
    for column in ("hazard_rescued_alive", "hazard_awaiting_rescue_at_end", "hazard_bridges_closed",
                   "hazard_closed_road_km_peak", "hazard_closed_road_km_at_end"):
        assert column in df.columns and (df[column] == 0).all()       # no hazard in the baseline
    kpis = {k["kpi"] for k in json.loads((folders["comparison"] / "comparison.json").read_text())["kpis"]}
    assert "hazard_rescued_alive" in kpis and "hazard_closed_road_km_peak" in kpis


def _share_at(curve, hours: float) -> float:
    """A coverage curve ``(label, times_h, weights, colour)`` read as a share at ``hours``."""
    from sim.report.run_plots import step_curve

    _label, times, weights, _colour = curve
    x, y = step_curve(np.asarray(times, float), np.asarray(weights, float), float(np.sum(weights)), 72.0)
    return float(y[np.searchsorted(x, hours, side="right") - 1])


def test_run_report_relief_curve_reads_the_summarys_shares_at_the_relief_lines(folders):
    from sim.report.html_run import read_run_folder, relief_curves

    rf = read_run_folder(folders["run"])
    relief = rf.summary["kpi"]["relief"]
    assert relief["people_needing_relief"] < relief["people_affected"]
    people = relief_curves(rf)[0]
    assert people[0] == "people needing relief relieved"
    for line, share in relief["within"].items():
        assert _share_at(people, float(line.removesuffix("h"))) == pytest.approx(share, abs=1e-6)


def test_run_report_supply_curves_are_labelled_by_what_feeds_them(folders):
    from sim.report.html_run import read_run_folder, supply_curves, township_points

    rf = read_run_folder(folders["run"])
    curves = {c[0]: c for c in supply_curves(rf)}
    assert list(curves) == ["first supplies at each community (any reserve tier)",
                            "first district supplies at each community (district or city depot)",
                            "first city supplies at each community"]
    kpi = rf.summary["kpi"]
    for line, share in kpi["first_supplies"]["within"].items():
        hours = float(line.removesuffix("h"))
        assert _share_at(curves["first supplies at each community (any reserve tier)"], hours) == pytest.approx(
            share, abs=1e-6)
        assert _share_at(curves["first city supplies at each community"], hours) == pytest.approx(
            kpi["city_supplies"]["within"][line], abs=1e-6)
    sites = rf.zones[(rf.zones["affected"] > 0) & (rf.zones["needing_relief"] > 0)]
    district = curves["first district supplies at each community (district or city depot)"]
    assert np.array_equal(district[1], sites["first_district_supply_h"].astype(float).fillna(np.inf).to_numpy())
    [(label, hours, shares, _colour)] = township_points(rf.summary)
    assert label == "first district supplies in each township (share of townships)"
    assert dict(zip(hours, shares)) == {float(k.removesuffix("h")): v
                                        for k, v in kpi["first_supplies_township"]["within"].items()}


def test_run_report_hazard_table_counts_whole_people():
    from types import SimpleNamespace

    from sim.report.html_run import _hazard_section

    hazard = {"trapped": 77_406.9, "closed_road_km_peak": 443.168,
              "rescue": {"self_rescued": 61_587.5, "awaiting_rescue_at_end": 15_818.4, "rescued_dead": 12.0}}
    text = _hazard_section(SimpleNamespace(summary={"hazard": hazard}), 72.0)
    for shown in ("77,407", "61,588", "15,818", ">12<", "443.17"):
        assert shown in text, shown
    for fraction in ("77,406.90", "61,587.50", "15,818.40"):
        assert fraction not in text


def test_a_trip_or_task_still_under_way_at_the_end_is_drawn_to_the_end():
    import pandas as pd

    from sim.report.html_run import _gantt_bars

    events = pd.DataFrame({"time_min": [10.0, 30.0, 50.0], "kind": ["load", "task_start", "return"],
                           "agent": ["d1/truck-01", "sar-1#1", "d2/truck-01"], "zone": ["Z1", "Z2", ""],
                           "item": ["", "sar", ""], "amount": [0.0, 0.0, 0.0]})
    bars = _gantt_bars(events, 24.0)
    assert ("d1/truck-01", "trucks: d1", 10 / 60, 24.0, "trip to Z1, out at the end") in bars
    assert ("sar-1#1", "crews: sar", 0.5, 24.0, "sar Z2, under way at the end") in bars
    assert len(bars) == 2                   # a return without its load draws nothing


def test_a_batch_reports_its_sweep_as_paths_and_values():
    from sim.report.html_batch import _sweep_text

    assert _sweep_text({"path": "depots[0].trucks.count", "values": [10, 20]}) == "depots[0].trucks.count = 10, 20"
