"""``report.html`` of one run, written from its output folder.

Everything on the page is read from the files the run wrote —
``summary.json``, ``zones.csv``, ``events.parquet``, ``msel.csv``, the GeoJSON
files and ``scenario.json`` — plus the road graph for the map (the run's own,
or loaded again from the scenario's region by ``sim report``), so the page
shows the figures of the files it sits next to. What a drill team sees first:
the verdict against each target with its source, then the key figures.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.kpis import flatten_kpis
from sim.errors import InputError
from sim.report import html_figures as hf
from sim.report.html_map import run_map
from sim.report.html_page import Page, figure_html, num, pct, table, target_source
from sim.report.html_sections import (
    all_figures_section,
    key_figures,
    msel_section,
    scenario_section,
    supply_audit_section,
    warnings_section,
)
from sim.report.run_plots import SUPPLY_CURVES, TOWNSHIP_LABEL

__all__ = ["write_run_report", "read_run_folder", "build_run_page", "all_figures_section", "verdict_rows",
           "relief_curves", "supply_curves", "township_points", "RunFolder", "REPORT_FILE"]

REPORT_FILE = "report.html"
_REQUIRED = ("summary.json", "zones.csv", "events.parquet")
#: The columns of zones.csv the report reads: ids and numbers.
_ZONE_IDS = ("zone_id", "township")
_ZONE_NUMBERS = ("lon", "lat", "affected", "needing_relief", "hit_h", "first_supply_h", "relief_h")


@dataclass
class RunFolder:
    """The files of a run's output folder."""

    path: Path
    summary: dict
    zones: pd.DataFrame
    events: pd.DataFrame
    msel: pd.DataFrame | None
    closures: list[dict]
    facilities: list[dict]
    scenario: dict | None


def _geojson(path: Path) -> list[dict]:
    if not path.exists():
        return []
    doc = json.loads(path.read_text(encoding="utf-8"))
    features = doc.get("features") if isinstance(doc, dict) else None
    if not (isinstance(features, list) and all(isinstance(f, dict) for f in features)):
        raise ValueError("not a GeoJSON FeatureCollection")
    return features


def read_run_folder(folder: Path | str) -> RunFolder:
    """Read a run's output folder; :class:`InputError` if it holds no run."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder; give the --out folder of a sim run")
    missing = [name for name in _REQUIRED if not (folder / name).exists()]
    if missing:
        raise InputError(f"{folder}: holds no run (missing {', '.join(missing)}); run 'sim run SCENARIO --out "
                         f"{folder}' first")
    from sim.experiments.folder_docs import RunSummary, read_json_doc

    remedy = f"run the scenario again (sim run SCENARIO --out {folder})"
    summary = read_json_doc(folder / "summary.json", RunSummary, remedy)
    readers = {"zones.csv": lambda p: pd.read_csv(p, dtype={"zone_id": str, "township": str}),
               "events.parquet": pd.read_parquet,
               "msel.csv": lambda p: pd.read_csv(p) if p.exists() else None,
               "scenario.json": lambda p: json.loads(p.read_text(encoding="utf-8")) if p.exists() else None,
               "roads_closed.geojson": _geojson, "facilities.geojson": _geojson}
    read = {}
    for name, reader in readers.items():
        try:
            read[name] = reader(folder / name)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{folder / name}: cannot read it ({error}); {remedy}") from None
    zones, events, msel, scenario = read["zones.csv"], read["events.parquet"], read["msel.csv"], read["scenario.json"]
    closures, facilities = read["roads_closed.geojson"], read["facilities.geojson"]
    missing = [c for c in (*_ZONE_IDS, *_ZONE_NUMBERS) if c not in zones.columns]
    wordy = [c for c in _ZONE_NUMBERS if c in zones.columns and not pd.api.types.is_numeric_dtype(zones[c])]
    if missing or wordy:
        what = f"missing column(s) {', '.join(missing)}" if missing else f"column {wordy[0]} should hold numbers"
        raise InputError(f"{folder / 'zones.csv'}: {what}; not as sim writes it: {remedy}")
    return RunFolder(folder, summary, zones, events, msel, closures, facilities, scenario)


def verdict_rows(summary: dict) -> list[list]:
    """One row per target: what, within, share reached, required, verdict, source."""
    words = {"district_supplies": ("first supplies at each community (any reserve tier)", "of affected sites"),
             "city_supplies": ("first city supplies on site", "of affected sites"),
             "basic_relief": ("basic-living relief", "of the people needing relief")}
    source = target_source(summary.get("targets", {}).get("preset"))
    rows = []
    for v in summary.get("verdicts", []):
        what, unit = words.get(v["target"], (v["target"].replace("_", " "), ""))
        if v["target"] == "district_supplies" and v.get("site") == "township":
            what, unit = "first district supplies in each township", "of affected townships"
        rows.append([what, {"text": f"{v['within_h']:g} h", "value": v["within_h"]},
                     {"text": f"{pct(v['share'])} {unit}", "value": v["share"], "cls": "n"},
                     "100 %", _met_cell(v["met"]), source])
    return rows


def _met_cell(met: bool | None) -> dict:
    """A verdict's cell: met, not met, or nothing to judge (no affected site, nobody needing relief)."""
    if met is None:
        return {"text": "n/a (nothing to judge)", "value": None, "cls": "n"}
    return {"text": "MET" if met else "NOT MET", "value": bool(met), "cls": "met" if met else "notmet"}


def _verdict_section(summary: dict) -> str:
    lines = ("<p class=\"note\">A target is met only if 100 % of the affected sites (supplies) or of the people "
             "needing relief (relief) make it. Times run from when each zone was hit.</p>")
    return table(["target", "within", "reached", "required", "verdict", "source"], verdict_rows(summary),
                 table_id="verdicts") + lines + key_figures(summary)


def relief_curves(rf: RunFolder) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """People needing relief relieved (as ``kpi.relief.within`` counts them: from the ``relieved`` events,
    hours since each zone's hit, of ``people_needing_relief``) and sites fully relieved (of the sites
    needing relief), as ``(label, times_h, weights, colour)``."""
    sites = rf.zones[(rf.zones["affected"] > 0) & (rf.zones["needing_relief"] > 0)]
    rel = rf.events[rf.events["kind"] == "relieved"]
    hit_h = rf.zones.set_index("zone_id")["hit_h"].astype(float).fillna(0.0)
    since_hit = np.maximum(rel["time_min"].to_numpy(float) / 60 - rel["zone"].map(hit_h).fillna(0.0).to_numpy(), 0.0)
    people = rel["amount"].to_numpy(float)
    needing = float(rf.summary["kpi"]["relief"]["people_needing_relief"])
    relief = sites["relief_h"].astype(float).fillna(np.inf).to_numpy()
    return [("people needing relief relieved", np.append(since_hit, np.inf),
             np.append(people, max(needing - people.sum(), 0.0)), "#2ca02c"),
            ("sites needing relief fully relieved", relief, np.ones(len(relief)), "#17becf")]


def supply_curves(rf: RunFolder) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """First supplies at the sites needing relief (the sites ``kpi.first_supplies`` counts), one line per
    :data:`sim.report.run_plots.SUPPLY_CURVES`, as ``(label, times_h, weights, colour)``."""
    sites = rf.zones[(rf.zones["affected"] > 0) & (rf.zones["needing_relief"] > 0)]
    ones = np.ones(len(sites))
    return [(label, sites[column].astype(float).fillna(np.inf).to_numpy(), ones, color)
            for label, column, color in SUPPLY_CURVES if column in sites]


def township_points(summary: dict) -> list[tuple[str, list[float], list[float], str]]:
    """The per-township measure at the supply lines (``kpi.first_supplies_township.within``)."""
    within = summary["kpi"].get("first_supplies_township", {}).get("within") or {}
    hours = sorted((float(k.removesuffix("h")), v) for k, v in within.items() if v is not None)
    return [(TOWNSHIP_LABEL, [h for h, _ in hours], [v for _, v in hours], "#d62728")] if hours else []


def _curves_section(rf: RunFolder, duration_h: float) -> str:
    affected = rf.zones[rf.zones["affected"] > 0]
    if affected.empty:
        return "<p>No zone was affected.</p>"
    targets = rf.summary["targets"]
    supply_lines = sorted({3.0, 4.0, 6.0, *targets["district_supplies_h"], *targets["city_supplies_h"]})
    fig1 = hf.coverage_chart(supply_curves(rf), duration_h, supply_lines, "First supplies",
                             "share of the sites (townships) needing relief", points=township_points(rf.summary))
    relief_lines = sorted({8.0, 12.0, *targets["basic_relief_h"]})
    fig2 = hf.coverage_chart(relief_curves(rf), duration_h, relief_lines, "Basic-living relief",
                             "share of the people / sites needing relief")
    return figure_html(fig1, "curve-supplies") + figure_html(fig2, "curve-relief")


def _gantt_bars(events: pd.DataFrame, end_h: float) -> list[tuple]:
    """Trucks' trips (load to return) and crews' tasks as bars; one still under way at the run's
    end (``end_h``) runs to it."""
    bars = []
    ev = events.sort_values("time_min", kind="stable")
    trips = ev[ev["kind"].isin(["load", "return"])]
    for agent, group in trips.groupby("agent", sort=True):
        start = None
        zone = ""
        depot = str(agent).split("/")[0]
        for kind, t, z in zip(group["kind"], group["time_min"] / 60, group["zone"]):
            if kind == "load":
                start, zone = t, z
            elif start is not None:
                bars.append((str(agent), f"trucks: {depot}", float(start), float(t), f"trip to {zone}"))
                start = None
        if start is not None:
            bars.append((str(agent), f"trucks: {depot}", float(start), end_h, f"trip to {zone}, out at the end"))
    tasks = ev[ev["kind"].isin(["task_start", "task_end"])]
    for agent, group in tasks.groupby("agent", sort=True):
        start = None
        for kind, t, item, z in zip(group["kind"], group["time_min"] / 60, group["item"], group["zone"]):
            if kind == "task_start":
                start, task = t, f"{item} {z}".strip()
                crews = f"crews: {item}"
            elif start is not None:
                bars.append((str(agent), f"crews: {item}", float(start), float(t), f"{item} {z}".strip()))
                start = None
        if start is not None:
            bars.append((str(agent), crews, float(start), end_h, f"{task}, under way at the end"))
    return bars


def _operations_section(rf: RunFolder, duration_h: float) -> str:
    bars = _gantt_bars(rf.events, duration_h)
    if not bars:
        return "<p>No truck trip and no team task in this run.</p>"
    trucks = len({b[0] for b in bars if b[1].startswith("trucks")})
    crews = len({b[0] for b in bars if b[1].startswith("crews")})
    note = (f"<p class=\"note\">{trucks} trucks (one bar per trip: loading to return) and {crews} team crews "
            "(one bar per task: driving there and working), on the run's clock.</p>")
    return note + figure_html(hf.gantt_chart(bars, duration_h, "Teams and trucks at work"), "gantt")


#: Hazard figures that count people: shown whole (summary.json keeps the expected values).
PEOPLE_FIGURES = frozenset({"affected", "displaced", "trapped", "self_rescued", "self_rescued_alive",
                            "self_rescued_dead", "rescued_alive", "rescued_dead", "awaiting_rescue_at_end"})


def _hazard_cell(key: str, value: float) -> dict:
    text = f"{round(value):,}" if key in PEOPLE_FIGURES else num(value)
    return {"text": text, "value": value, "cls": "n"}


def _hazard_section(rf: RunFolder, duration_h: float) -> str:
    hz = rf.summary.get("hazard", {})
    parts = []
    if hz.get("outages"):
        parts.append(figure_html(hf.outage_chart(hz["outages"], duration_h, "Outage windows"), "outages"))
        parts.append(table(["what", "from (h)", "until (h)", "scope"],
                           [[o["kind"].replace("_", " "), num(o["start_h"]), num(o["end_h"]), o["what"]]
                            for o in hz["outages"]], table_id="outage-windows"))
    if hz.get("closed_road_km_over_time"):
        parts.append(figure_html(hf.closed_km_chart(hz, duration_h, "Closed roads"), "closed-km"))
    scalars = [[k.replace("_", " "), _hazard_cell(k, v)] for k, v in hz.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)]
    nested = [[f"{k.replace('_', ' ')}: {kk.replace('_', ' ')}", _hazard_cell(kk, vv)]
              for k, v in hz.items() if isinstance(v, dict) for kk, vv in v.items()
              if isinstance(vv, (int, float)) and not isinstance(vv, bool)]
    if scalars or nested:
        parts.append(table(["hazard figure (summary.json)", "value"], scalars + nested, table_id="hazard-figures"))
    return "\n".join(parts) or "<p>No hazard, outage or road closure in this run.</p>"


def build_run_page(rf: RunFolder, graph=None) -> Page:
    s = rf.summary
    duration_h = float(s["run"]["duration_h"])
    files = sorted(p.name for p in rf.path.iterdir() if p.is_file() and not p.name.startswith("."))
    page = Page(f"{s['scenario']} — seed {s['seed']}",
                [f"{duration_h:g} h simulated; {s['kpi']['affected_sites']:,} affected sites, "
                 f"{s['kpi']['relief']['people_affected']:,} affected people; targets "
                 f"{s['targets'].get('preset') or 'of the scenario'} ({target_source(s['targets'].get('preset'))})",
                 "Files next to this report: " + ", ".join(f for f in files if f != REPORT_FILE)])
    page.section("verdict", "Verdict against the planning targets", _verdict_section(s))
    page.section("warnings", f"Warnings ({len(s.get('warnings', []))})", warnings_section(s))
    page.section("curves", "Coverage over time", _curves_section(rf, duration_h))
    if "lon" in rf.zones and rf.zones["lon"].notna().any():
        fig = run_map(rf.zones, rf.closures, rf.facilities, graph, s, duration_h, "The district")
        note = "" if graph is not None else "<p class=\"note\">The road network could not be loaded: roads not drawn.</p>"
        page.section("map", "Map", note + figure_html(fig, "map"))
    else:
        page.section("map", "Map", "<p class=\"note\">The road graph has no coordinates (lon/lat): there is "
                                   "nothing to place on a map.</p>")
    page.section("operations", "Teams and trucks", _operations_section(rf, duration_h))
    page.section("hazard", "Hazard, outages and closed roads", _hazard_section(rf, duration_h))
    page.section("timeline", "Exercise timeline (MSEL)", msel_section(rf.msel))
    page.section("audit", "Supply audit", supply_audit_section(s))
    page.section("figures", "Every figure of summary.json", all_figures_section(flatten_kpis(s)))
    page.section("scenario", "The scenario as run", scenario_section(rf.scenario))
    return page


def write_run_report(folder: Path | str, graph=None, path: Path | str | None = None) -> Path:
    """Write ``report.html`` for the run in ``folder`` (to ``path`` if given); returns its path."""
    rf = read_run_folder(folder)
    target = Path(path) if path is not None else rf.path / REPORT_FILE
    written = build_run_page(rf, graph).write(target)
    if path is None:
        from sim.report.outputs import list_as_written

        list_as_written(rf.path, REPORT_FILE)       # the run's own file: the next run into the folder replaces it
    return written

