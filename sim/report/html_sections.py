"""Sections of the HTML reports that are tables of ``summary.json`` and the event list.

Key figures read whole summary sections, so a figure added to
``kpi.relief`` or ``hazard`` (displaced by where they stay, township hubs,
closed km by road class) shows up here without a change.
"""
from __future__ import annotations

import pandas as pd
import yaml

from sim.analysis.kpis import is_share
from sim.report.html_page import esc, num, pct, share_pct, table

__all__ = ["key_figures", "hazard_kpis", "msel_section", "supply_audit_section", "all_figures_section",
           "scenario_section"]


def _cell(value, share: bool = False) -> dict:
    return {"text": pct(value) if share else num(value), "value": value, "cls": "n"}


def _flat(prefix: str, value, rows: list, share_keys=()) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(f"{prefix}: {str(k).replace('_', ' ')}" if prefix else str(k).replace("_", " "), v, rows, share_keys)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) or value is None:
        rows.append([prefix, _cell(value, share=any(s in prefix for s in share_keys))])
    elif isinstance(value, list):
        rows.append([prefix, {"text": f"{len(value):,}" + (f": {', '.join(map(str, value[:12]))}"
                                                             + (" …" if len(value) > 12 else "") if value else ""),
                              "value": len(value), "cls": "n"}])


def hazard_kpis(hazard: dict) -> list[list]:
    """Rescued alive, trapped awaiting rescue at the end, bridges closed, communities whose networks
    went down, closed km at the peak and at the end."""
    rows = []
    rescue = hazard.get("rescue") or {}
    for label, value in (("trapped people rescued alive by teams", rescue.get("rescued_alive")),
                         ("trapped people awaiting rescue at the end", rescue.get("awaiting_rescue_at_end")),
                         ("bridges closed", hazard.get("bridges_closed")),
                         ("communities whose networks the shaking took down", hazard.get("zones_without_comms")),
                         ("closed road length at the peak (km)", hazard.get("closed_road_km_peak")),
                         ("closed road length at the end (km)",
                          (hazard.get("closed_road_km_over_time") or [[None, None]])[-1][1])):
        if value is not None:
            rows.append([label, {"text": f"{value:,.0f}" if "people" in label else num(value, 1), "value": value,
                                 "cls": "n"}])
    return rows


def key_figures(summary: dict) -> str:
    k = summary["kpi"]
    rows: list = [["affected sites", _cell(k["affected_sites"])]]
    _flat("first supplies", {key: v for key, v in k["first_supplies"].items()}, rows, ("within",))
    _flat("relief", k["relief"], rows, ("within", "relieved at end", "relieved at day"))
    _flat("shelters", k.get("shelters", {}), rows)
    _flat("unmet need at the end", k.get("unmet_need_at_end", {}), rows)
    rows += hazard_kpis(summary.get("hazard", {}))
    return "<h3>Key figures</h3>" + table(["figure", "value"], rows, table_id="key-figures")


def warnings_section(summary: dict) -> str:
    """``summary.json``'s warnings, as the console prints them: what the run could not do, what the
    scenario leaves out or what takes no part."""
    warnings = [w for w in summary.get("warnings", []) if isinstance(w, str)]
    if not warnings:
        return "<p class=\"note\">No warnings.</p>"
    return ('<ul id="warnings">' + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>")


def msel_section(msel: pd.DataFrame | None) -> str:
    if msel is None or msel.empty:
        return "<p>No event list was written for this run.</p>"
    note = (f"<p class=\"note\">{len(msel)} injects, as in msel.csv / msel.xlsx and timeline.md. Times are on the "
            "run's clock (hours since the start of the run); the targets run from each zone's hit.</p>")
    rows = [[str(v) if pd.notna(v) else "" for v in row] for row in msel.itertuples(index=False)]
    return note + '<div class="scroll">' + table(list(msel.columns), rows, table_id="msel") + "</div>"


def supply_audit_section(summary: dict) -> str:
    audit = summary.get("supply_audit", {})
    rows = []
    for item, a in audit.get("items", {}).items():
        rows.append([item] + [_cell(a[c]) for c in ("initial", "arrivals", "delivered", "in_transit", "remaining")]
                    + [{"text": "yes" if a["balanced"] else "NO", "value": bool(a["balanced"]),
                        "cls": "met" if a["balanced"] else "notmet"}])
    head = (f"<p>Initial stock + arrivals = delivered + in transit + remaining, per item: "
            f"<b>{'balanced' if audit.get('balanced') else 'NOT BALANCED'}</b>.</p>")
    return head + table(["item", "initial", "arrivals", "delivered", "in transit", "remaining", "balanced"], rows,
                        table_id="supply-audit")


def all_figures_section(flat: dict[str, float]) -> str:
    """Every KPI column of the run (as in results.parquet), shares in % as in the key figures, with
    two decimals (more where they would read 0 % or 100 %); ``data-value`` holds the exact value."""
    rows = [[k, {"text": share_pct(v) if is_share(k) else num(v), "value": v, "cls": "n"}] for k, v in flat.items()]
    return ("<details><summary>Show all " + str(len(rows)) + " KPI columns</summary>"
            + table(["KPI column (as in results.parquet)", "value"], rows, table_id="all-kpis")
            + "<p class=\"note\">Shares (first supplies and relief within a time, relieved at the end and at each "
              "day, utilisation) in % of their sites, people or hours.</p></details>")


def scenario_section(scenario: dict | None) -> str:
    if not scenario:
        return "<p>The scenario as run was not saved with this run.</p>"
    text = yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True, width=110)
    return ("<p class=\"note\">As saved in scenario.json (valid YAML: run it again with "
            "<code>sim run scenario.json</code>).</p><details><summary>Show the scenario</summary><pre>"
            + esc(text) + "</pre></details>")
