"""The run's events, aggregated into the injects of an exercise event list.

Each function reads ``summary.json``, the zones table and the event log (and
the scenario as run, for the areas of outages) and returns :class:`Inject`
rows on the run's clock: hours since the start of the run. Routine work is
grouped so a controller can read it — road changes by cause per 6-hour
block, first supplies once per township, shares of sites and people at
25/50/75/100 %, people rescued at fixed marks — and people are whole.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Inject", "BLOCK_H", "SHARES", "command_chain", "township_supplies", "coverage_shares",
           "target_lines", "outage_windows", "rescues", "shelters", "stock_arrivals",
           "stuck_vehicles", "power_restored", "hazard_onset", "end_of_run", "run_clock"]

#: Routine events (road work, power restored) are grouped in blocks of this many hours.
BLOCK_H = 6.0
SHARES = (0.25, 0.5, 0.75, 1.0)

EOC = "district emergency command centre"
LOGISTICS = "logistics section (depots and trucks)"
OPERATIONS = "operations section (teams)"
CONTROL = "exercise control"


@dataclass(frozen=True)
class Inject:
    """One row of the event list (the inject number is given when the list is sorted)."""

    time_h: float
    synopsis: str
    text: str
    mode: str
    sender: str
    player: str
    action: str
    objective: str
    notes: str = ""
    order: int = 50          # ties at the same time: lower first


def _whole(x) -> str:
    return f"{int(round(float(x))):,}"


def _roman(intensity) -> str:
    """An intensity as the scale writes it: 9 → ``IX``; 8.5 → ``8.5``."""
    if intensity is None:
        return "n/a"
    value = float(intensity)
    if not value.is_integer() or not 1 <= value <= 12:
        return f"{value:g}"
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")[int(value) - 1]


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * float(x):.1f} %"


def _first(events: pd.DataFrame, kind: str):
    """The first event of ``kind`` (a row of ``events``), or ``None``."""
    at = np.flatnonzero((events["kind"] == kind).to_numpy(dtype=bool, na_value=False))
    return events.iloc[at[0]] if len(at) else None


def hazard_onset(summary: dict, zones: pd.DataFrame, scenario: dict | None) -> list[Inject]:
    hz = summary.get("hazard", {})
    k = summary["kpi"]
    rl = k["relief"]
    kind = ((scenario or {}).get("hazard") or {}).get("type", "none")
    hit = zones.loc[zones["affected"] > 0, "hit_h"].astype(float)
    t0 = float(hit.min()) if len(hit) and hit.notna().any() else 0.0
    what = {"earthquake": f"M{hz.get('magnitude', '')} earthquake (epicentral intensity "
                          f"{hz.get('epicentral_intensity', 'n/a')})",
            "rainfall": f"extreme rainfall ({hz.get('design_storm', 'design storm')}, "
                        f"{hz.get('total_rain_mm', 'n/a')} mm)"}.get(kind, "major disaster")
    figures = [f"{k['affected_sites']:,} affected sites", f"{rl['people_affected']:,} people affected",
               f"{rl['people_needing_relief']:,} of them needing relief on the first day",
               f"{rl['displaced']:,} displaced"]
    if "trapped" in hz:
        figures.append(f"{_whole(hz['trapped'])} trapped")
    if "bridges_closed" in hz:
        figures.append(f"{hz['bridges_closed']:,} {'bridge' if hz['bridges_closed'] == 1 else 'bridges'} closed")
    if "road_segments_blocked" in hz:
        figures.append(f"{hz['road_segments_blocked']:,} street segments blocked by debris")
    if "zones_without_comms" in hz:
        figures.append(f"{hz['zones_without_comms']:,} communities without telephone networks")
    return [Inject(t0, f"{what}: {', '.join(figures)}",
                   f"{what} strikes the district. First estimates: {', '.join(figures)}.",
                   "controller briefing", CONTROL, EOC,
                   "activate the emergency plan; request situation reports from every township",
                   "Situational Assessment; Operational Coordination",
                   "figures from summary.json (hazard, kpi)", order=0)]


def command_chain(events: pd.DataFrame, summary: dict, zones: pd.DataFrame) -> list[Inject]:
    """The first of each step from report to delivery (and a warning's or an intensity estimate's
    flags): the first community to report says how many of its people need relief on their first
    day (``zones.csv`` ``needing_relief``), not how many were affected."""
    estimate = summary.get("hazard", {}).get("intensity_report", {})
    needing = (dict(zip(zones["zone_id"].astype(str), zones["needing_relief"]))
               if "needing_relief" in zones else {})
    out = []
    for kind, synopsis, text, mode, sender, player, action, objective in (
            ("forecast", "warning issued: {count} forecast zones treated as reported",
             "Meteorological bureau: red rainstorm warning; the forecast puts {count} zones under water.",
             "official warning", "meteorological bureau", EOC, "pre-position first batches and pumps",
             "Planning; Logistics and Supply Chain Management"),
            ("intensity_report", "rapid intensity report: {count} worst-shaken zones not heard of yet treated as "
             "reported",
             "Earthquake agency: rapid intensity estimate; {shaken} affected zones are at intensity {intensity} or "
             "more, {count} of them not heard of yet.",
             "official report", "earthquake agency", EOC, "send first batches before the zones report",
             "Situational Assessment; Logistics and Supply Chain Management"),
            ("report", "first report of needs reaches the command centre ({zone})",
             "Community {zone} reports {amount} people affected{needing}.",
             "phone call", "community {zone}", EOC, "order supplies for {zone}", "Situational Assessment"),
            ("order", "first delivery ordered ({agent} → {zone})", "Command orders {agent} to supply {zone}.",
             "dispatch order", EOC, LOGISTICS, "load and dispatch the first batch",
             "Logistics and Supply Chain Management"),
            ("depart", "first truck leaves ({agent})", "{agent} leaves for {zone}.", "radio", "{agent}", LOGISTICS,
             "track the convoy; confirm the route is open", "Critical Transportation"),
            ("deliver", "first delivery unloaded ({zone}, from {agent})",
             "{agent} confirms delivery at {zone}.", "radio", "{agent}", EOC,
             "record the delivery; plan the next trips", "Logistics and Supply Chain Management")):
        row = _first(events, kind)
        if row is None:
            continue
        fill = {"zone": row["zone"], "agent": row["agent"], "amount": _whole(row["amount"]),
                "count": _whole(int((events["kind"] == kind).sum())),
                "needing": (f", {_whole(needing[str(row['zone'])])} of them in need of relief on their first day"
                            if str(row["zone"]) in needing else ""),
                "shaken": _whole(estimate.get("zones_at_or_above", 0)),
                "intensity": _roman(estimate.get("from_intensity"))}
        out.append(Inject(float(row["time_min"]) / 60, synopsis.format(**fill), text.format(**fill), mode,
                          sender.format(**fill), player, action.format(**fill), objective, "run clock", order=10))
    return out


def _first_supplies(events: pd.DataFrame, zones: pd.DataFrame) -> tuple[list, list, np.ndarray, list, np.ndarray]:
    """The affected zones (``zone_id``, ``township``), the run-clock hour of each one's first supplies
    from any reserve tier (its first ``first_supply`` event; NaN if none), the depot they came from
    and the hour it was hit."""
    first = events[events["kind"] == "first_supply"]
    at_h: dict = {}
    depot: dict = {}
    for zone, t, agent in zip(first["zone"].tolist(), first["time_min"].tolist(), first["agent"].tolist()):
        if zone not in at_h:
            at_h[zone], depot[zone] = float(t) / 60, str(agent)
    affected = np.flatnonzero((zones["affected"] > 0).to_numpy(dtype=bool, na_value=False)).tolist()
    zone_ids, townships = zones["zone_id"].tolist(), zones["township"].tolist()
    missing = zones["township"].isna().tolist()
    ids = [zone_ids[k] for k in affected]
    towns = [None if missing[k] else townships[k] for k in affected]
    hit_h = zones["hit_h"].to_numpy(dtype=float, na_value=0.0)[affected] if len(affected) else np.zeros(0)
    return (ids, towns, np.array([at_h.get(z, np.nan) for z in ids], dtype=float), [depot.get(z) for z in ids],
            hit_h)


def township_supplies(events: pd.DataFrame, zones: pd.DataFrame) -> list[Inject]:
    """Each township's first supplies (any reserve tier), marked as pre-positioned when they came
    before the site was hit."""
    ids, towns, at_h, depots, hit_h = _first_supplies(events, zones)
    first: dict = {}                                     # township -> its zone supplied first
    supplied: dict = {}
    for k in np.flatnonzero(~np.isnan(at_h)).tolist():
        town = towns[k]
        if town is None:
            continue
        supplied[town] = supplied.get(town, 0) + 1
        if town not in first or at_h[k] < at_h[first[town]]:
            first[town] = k
    out = []
    for town in sorted(first):
        k = first[town]
        early_h = float(hit_h[k] - at_h[k])
        ahead = early_h > 0
        out.append(Inject(float(at_h[k]),
                          f"{'pre-positioned ' if ahead else ''}first supplies reach township {town}",
                          f"Township {town}: first supplies (any reserve tier) "
                          f"{f'pre-positioned at {ids[k]}, {early_h:.1f} h before it was hit,' if ahead else f'arrived at {ids[k]}'}"
                          f" from {depots[k]} ({supplied[town]} of its affected sites supplied by the end).", "phone call",
                          f"township {town}", EOC, "confirm receipt; plan distribution to the other sites",
                          "Logistics and Supply Chain Management; Mass Care Services", "run clock", order=30))
    return out


def _share_times(times_h: np.ndarray, weights: np.ndarray, total: float) -> dict[float, float]:
    ok = np.isfinite(times_h)
    order = np.argsort(times_h[ok], kind="stable")
    t, cum = times_h[ok][order], np.cumsum(weights[ok][order]) / max(total, 1)
    out = {}
    for share in SHARES:
        k = np.searchsorted(cum, share - 1e-9)
        if k < len(t):
            out[share] = float(t[k])
    return out


def coverage_shares(events: pd.DataFrame, zones: pd.DataFrame, summary: dict) -> list[Inject]:
    """When 25/50/75/100 % of the affected sites had first supplies and of the people needing relief
    (``kpi.relief.people_needing_relief``, as ``kpi.relief.within`` counts them) were relieved."""
    out = []
    _, _, at_h, _, hit_h = _first_supplies(events, zones)
    # Supplies pre-positioned before a site's hit count from its hit: nobody there needed them sooner.
    note = "run clock; what came before a site was hit counts from its hit"
    for share, h in _share_times(np.maximum(at_h, hit_h), np.ones(len(at_h)), len(at_h)).items():
        out.append(Inject(h, f"{share:.0%} of affected sites have their first supplies (any reserve tier)",
                          f"Logistics: {share:.0%} of the {len(at_h):,} affected sites have received "
                          "their first supplies from a reserve of any tier.", "situation report", LOGISTICS, EOC,
                          "re-prioritise the sites still waiting", "Logistics and Supply Chain Management",
                          note, order=40))
    rel = events[events["kind"] == "relieved"]
    total = float(summary["kpi"]["relief"]["people_needing_relief"])
    zone_hit_h = dict(zip(zones["zone_id"].tolist(), zones["hit_h"].to_numpy(dtype=float, na_value=0.0).tolist()))
    relieved_h = np.maximum(rel["time_min"].to_numpy(float) / 60,
                            np.array([zone_hit_h.get(z, 0.0) for z in rel["zone"].tolist()], dtype=float))
    for share, h in _share_times(relieved_h, rel["amount"].to_numpy(float), total).items():
        out.append(Inject(h, f"{share:.0%} of the people needing relief relieved",
                          f"Mass care: {share:.0%} of the {_whole(total)} people needing relief have what they "
                          "need for their first day: water and food, and bedding, warm clothing or a shelter place "
                          "where their condition calls for it.", "situation report", "mass care section",
                          EOC, "report progress against the relief target", "Mass Care Services", note,
                          order=40))
    return out


def target_lines(summary: dict, zones: pd.DataFrame) -> list[Inject]:
    """The 3 h / 8 h / 12 h lines with where the run stands, when every zone is hit at the start."""
    hit = zones.loc[zones["affected"] > 0, "hit_h"].astype(float).fillna(0.0)
    k = summary["kpi"]
    if len(hit) and not (hit == 0).all():
        return [Inject(float(hit.min()), "target clocks start when each zone is hit (not at the start of the run)",
                       "Exercise control: each site's 3 h and 8 h clocks start when it is hit.",
                       "controller note", CONTROL, EOC, "track each site against its own clock",
                       "Situational Assessment", "target clock: hours since each zone's hit", order=5)]
    out = []
    verdicts = summary.get("verdicts", [])
    met = {(v["target"], float(v["within_h"])): v["met"] for v in verdicts}
    by_township = any(v["target"] == "district_supplies" and v.get("site") == "township" for v in verdicts)
    supplies = (("first_supplies_township", "of affected townships have first district supplies") if by_township
                else ("first_supplies", "of affected sites have first supplies (any reserve tier)"))
    for h, section, words in ((3.0, *supplies),
                              (8.0, "relief", "of the people needing relief relieved"),
                              (12.0, "relief", "of the people needing relief relieved")):
        share = k.get(section, {}).get("within", {}).get(f"{h:g}h")
        target = "basic_relief" if section == "relief" else "district_supplies"
        verdict = {True: " — target MET", False: " — target NOT MET", None: " — no target to judge"}.get(
            met.get((target, h), ""), "")
        out.append(Inject(h, f"— {h:g} h target line: {_pct(share)} {words}{verdict} —",
                          f"Exercise control: the {h:g} h line has passed; {_pct(share)} {words}.",
                          "controller note", CONTROL, EOC, "brief the commander on the gap to the target",
                          "Situational Assessment", "share from summary.json (target clock = run clock here)",
                          order=90))
    return out


_OUTAGE = {"roads": ("road outage", "traffic police", "re-route convoys; request road clearance",
                     "Critical Transportation"),
           "power": ("power outage", "power company",
                     "send lifeline repair crews to depots and shelters without backup power",
                     "Infrastructure Systems"),
           "comms": ("communications outage", "telecom operator",
                     "switch to satellite phones and runners; send liaisons to the cut-off townships",
                     "Operational Communications"),
           "water": ("water outage", "water company", "plan extra drinking water for the affected zones",
                     "Infrastructure Systems; Mass Care Services"),
           "no_outside_support": ("no outside support", "city emergency command",
                                  "plan with district resources only", "Operational Coordination")}


#: What players do when an outage of each kind ends.
_OUTAGE_END = {"roads": "send convoys on the reopened roads; re-plan the routes around the closures",
               "power": "confirm depots and shelters are back at full speed",
               "comms": "resume normal operations; collect the reports held back",
               "water": "scale back the extra drinking water as the mains come back",
               "no_outside_support": "request city depots and outside teams for what is still missing"}


def _areas(scenario: dict | None, kind: str) -> list[str]:
    windows = ((scenario or {}).get("outages") or {}).get(kind)
    if isinstance(windows, dict):
        windows = [windows]
    out = []
    for w in windows or []:
        area = (w or {}).get("area") or {}
        towns = area.get("townships")
        out.append(f" in {', '.join(towns)}" if towns else " everywhere" if area.get("everywhere") else "")
    return out


def outage_windows(summary: dict, scenario: dict | None, duration_h: float) -> list[Inject]:
    out = []
    seen: dict[str, int] = {}
    for row in summary.get("hazard", {}).get("outages", []):
        kind = row["kind"]
        name, sender, action, objective = _OUTAGE.get(kind, (kind.replace("_", " "), "utility", "respond", ""))
        areas = _areas(scenario, kind)
        k = seen.get(kind, 0)
        seen[kind] = k + 1
        where = areas[k] if k < len(areas) else ""
        out.append(Inject(float(row["start_h"]), f"{name} begins{where}: {row['what']}",
                          f"{sender.capitalize()}: {name}{where} — {row['what']}; expected until "
                          f"{run_clock(float(row['end_h']))}.", "phone call", sender, EOC, action, objective,
                          "outage window from summary.json", order=2))
        if float(row["end_h"]) <= duration_h:
            out.append(Inject(float(row["end_h"]), f"{name} ends{where}",
                              f"{sender.capitalize()}: {name}{where} is over.", "phone call", sender, EOC,
                              _OUTAGE_END.get(kind, "resume normal operations"), objective,
                              "outage window from summary.json", order=3))
    return out


def rescues(events: pd.DataFrame, summary: dict, duration_h: float) -> list[Inject]:
    rescue = events[(events["kind"] == "rescue") & (events["item"] == "alive")]
    out = []
    if not rescue.empty:
        alive = rescue["amount"].astype(float).cumsum().to_numpy()
        hours = rescue["time_min"].to_numpy(float) / 60
        for mark in (6, 12, 24, 48, 72, 96):
            k = np.searchsorted(hours, mark, side="right")
            if k and mark <= duration_h:
                out.append(Inject(float(mark), f"{_whole(alive[k - 1])} trapped people rescued alive by teams so far",
                                  f"Search and rescue: {_whole(alive[k - 1])} people dug out alive by teams so far.",
                                  "situation report", "search and rescue teams", EOC,
                                  "assign teams to the sites with most people still trapped",
                                  "Mass Search and Rescue Operations", "run clock", order=70))
    rescue_fig = summary.get("hazard", {}).get("rescue")
    if rescue_fig and rescue_fig.get("awaiting_rescue_at_end") is not None:
        out.append(Inject(duration_h, f"{_whole(rescue_fig['awaiting_rescue_at_end'])} trapped people still awaiting "
                                       "rescue at the end of the run",
                          f"Search and rescue: {_whole(rescue_fig['awaiting_rescue_at_end'])} people still trapped; "
                          f"{_whole(rescue_fig.get('rescued_alive', 0))} rescued alive by teams.",
                          "situation report", "search and rescue teams", EOC, "request outside rescue teams",
                          "Mass Search and Rescue Operations", "from summary.json hazard.rescue", order=95))
    return out


def shelters(events: pd.DataFrame, summary: dict) -> list[Inject]:
    row = _first(events, "no_shelter")
    if row is None:
        return []
    without = summary["kpi"]["relief"].get("without_shelter_place", 0)
    full = summary["kpi"].get("shelters", {}).get("full", [])
    shelters_full = f"{len(full)} {'shelter is' if len(full) == 1 else 'shelters are'} full"
    return [Inject(float(row["time_min"]) / 60, f"shelters full: displaced people of {row['zone']} find no place",
                   f"Shelter management: no shelter place for {_whole(row['amount'])} displaced people of "
                   f"{row['zone']}; by the end {without:,} are without a place and {shelters_full}.",
                   "phone call", "shelter management", EOC, "open emergency shelters; request tents",
                   "Mass Care Services", "first no_shelter event; end figures from summary.json", order=65)]


def stock_arrivals(events: pd.DataFrame) -> list[Inject]:
    arrived = events[events["kind"] == "stock_arrival"]
    out = []
    for (t, depot), group in arrived.groupby(["time_min", "agent"], sort=True):
        items = ", ".join(f"{item} {_whole(a)}" for item, a in zip(group["item"], group["amount"]))
        out.append(Inject(float(t) / 60, f"stock arrives at {depot}: {items}",
                          f"Suppliers deliver to {depot}: {items}.", "phone call", "suppliers", LOGISTICS,
                          "plan the new stock into the next trips", "Logistics and Supply Chain Management",
                          "agreement or production stock", order=55))
    return out


def stuck_vehicles(events: pd.DataFrame) -> list[Inject]:
    stuck = events[events["kind"] == "stuck"]
    if stuck.empty:
        return []
    row = stuck.iloc[0]
    return [Inject(float(row["time_min"]) / 60, f"a vehicle cannot reach its destination ({row['agent']})",
                   f"{row['agent']}: no open route to the destination; waiting for roads to reopen "
                   f"({len(stuck):,} such {'report' if len(stuck) == 1 else 'reports'} in the run).", "radio", str(row["agent"]), LOGISTICS,
                   "find an open route or clear the way", "Critical Transportation", "run clock", order=62)]


def power_restored(events: pd.DataFrame) -> list[Inject]:
    done = events[events["kind"] == "power_restored"].copy()
    if done.empty:
        return []
    done["block"] = np.floor(done["time_min"] / 60 / BLOCK_H).astype(int)
    out = []
    for _, group in done.groupby("block", sort=True):
        names = ", ".join(group["agent"].astype(str))
        first_h, last_h = float(group["time_min"].min()) / 60, float(group["time_min"].max()) / 60
        when = "" if last_h - first_h < 1 / 60 else f" between {run_clock(first_h)} and {run_clock(last_h)}"
        out.append(Inject(first_h, f"power restored at {names}{when}",
                          f"Lifeline repair crews: power back at {names}{when}.", "radio", "lifeline repair crews", EOC,
                          "resume full-speed loading and shelter services", "Infrastructure Systems",
                          f"grouped by {BLOCK_H:g}-hour block", order=64))
    return out


def _target_name(verdict: dict) -> str:
    if verdict["target"] == "district_supplies":
        return ("first district supplies per township" if verdict.get("site") == "township"
                else "first supplies per community (any reserve tier)")
    return {"city_supplies": "first city supplies per community",
            "basic_relief": "basic-living relief"}.get(verdict["target"], verdict["target"].replace("_", " "))


def end_of_run(summary: dict, duration_h: float) -> list[Inject]:
    parts = [f"{_target_name(v)} within {v['within_h']:g} h: {_pct(v['share'])} "
             f"({'n/a' if v['met'] is None else 'MET' if v['met'] else 'NOT MET'})" for v in summary.get("verdicts", [])]
    unmet = {i: a for i, a in summary["kpi"].get("unmet_need_at_end", {}).items() if a > 0}
    shortage = ("; still missing: " + ", ".join(f"{i} {_whole(a)}" for i, a in unmet.items())) if unmet else ""
    return [Inject(duration_h, f"end of the run: {'; '.join(parts)}{shortage}",
                   f"Exercise control: end of play. {'; '.join(parts)}{shortage}.", "controller note", CONTROL,
                   EOC, "hot wash: compare the response with the targets", "Planning",
                   "verdicts and unmet need from summary.json", order=99)]


def run_clock(hours: float) -> str:
    """``H+hh:mm`` on the run's clock."""
    minutes = int(round(hours * 60)) if math.isfinite(hours) else 0
    return f"H+{minutes // 60:02d}:{minutes % 60:02d}"
