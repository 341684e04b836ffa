"""KPIs against the planning targets, and the supply audit.

Everything here is computed from a finished :class:`~sim.engine.simulation.Run`: the
zones' final states and the event log. Times are reported in hours since the
zone was hit: t = 0 for an earthquake or a stated impact; for rainfall, when
the zone's water first reached the flooding threshold.

* **First supplies**: share of affected sites (zones) whose first delivery
  from a district-or-higher depot arrived within each supply line (3 h, 4 h,
  6 h and any scenario target), with p50/p95 hours over sites (sites never
  reached count as later than any line; percentiles that fall on them are
  ``null``).
* **Relief**: share of affected *people* relieved within each relief line
  (8 h, 12 h and any target), and zone relief times.
* **Supply audit**: per item, initial stock + arrivals = delivered + in
  transit (on trucks, or moving between depots) + remaining stock. A run whose audit does not balance is a bug and
  raises :class:`SupplyAuditError`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.clock import relieved_since_hit, since_hit_min
from sim.analysis.mutual_aid import mutual_aid_figures
from sim.analysis.prepositioning import prepositioning_kpis
from sim.analysis.relief import relief_figures
from sim.hazards.fragility import survival_probability
from sim.scenarios.items import ITEMS

__all__ = ["summarize", "zones_frame", "supply_audit", "unmet_need", "SupplyAuditError", "SUPPLY_LINES_H",
           "RELIEF_LINES_H"]

SUPPLY_LINES_H = (3.0, 4.0, 6.0)
RELIEF_LINES_H = (8.0, 12.0)


class SupplyAuditError(RuntimeError):
    """Stock was created or lost: initial + arrivals ≠ delivered + in transit + remaining."""


def _h(minutes: float):
    return None if not math.isfinite(minutes) else round(minutes / 60.0, 4)


def _since_hit_hours(zones, time: str) -> list:
    """Hours from each zone's hit to its ``time`` attribute (:func:`sim.analysis.clock.since_hit_min`),
    indexed by zone index."""
    minutes = since_hit_min([getattr(z, time) for z in zones], [z.hit_time_min for z in zones]).tolist()
    out = [None] * len(zones)
    for z, m in zip(zones, minutes):
        out[z.index] = _h(m)
    return out


def _label(hours: float) -> str:
    return f"{hours:g}h"


def _percentile_h(minutes: np.ndarray, q: float):
    if len(minutes) == 0:
        return None
    v = np.percentile(minutes, q, method="inverted_cdf")
    return _h(float(v))


def township_first_supplies(world, sites) -> np.ndarray:
    """Minutes from each township's first hit until district or city supplies were in the township:
    at one of its communities, or moved into a township reserve serving it (one value per township
    with sites needing relief)."""
    serves = world.command.planner.serves
    towns: dict[str, list] = {}
    for z in sites:
        towns.setdefault(z.township, []).append(z)
    out = []
    for town in sorted(towns):
        zones = towns[town]
        hit = min(z.hit_time_min for z in zones)
        first = min(z.first_district_supply_min for z in zones)
        served = serves[:, [z.index for z in zones]].any(axis=1)
        for k, depot in enumerate(world.depots):
            if depot.tier == "street" and served[k]:
                first = min(first, depot.first_district_in_min)
        out.append(float(since_hit_min(first, hit)))
    return np.array(out, dtype=float)


def unmet_need(world, zones, t_min: float) -> dict[str, float]:
    """Units due by ``t_min`` and not received, per item over ``zones``: each zone's
    :meth:`~sim.agents.zone.Zone.unmet`, summed in zone order, the needs of every zone
    worked out at once."""
    table = world.needs
    need = table.need_by(t_min).tolist()
    out: dict[str, float] = {}
    for z in zones:
        for item, due in zip(table.items, need[z.index]):
            if due > 0:
                out[item] = out.get(item, 0.0) + max(due - z.received.get(item, 0.0), 0.0)
    return out


def supply_audit(run) -> dict:
    """Per-item balance of the run's stock (see module docstring)."""
    w = run.world
    items: dict[str, dict] = {}
    for item in ITEMS:
        initial = sum(d.initial.get(item, 0.0) for d in w.depots)
        arrivals = sum(d.arrived.get(item, 0.0) for d in w.depots)
        delivered = sum(z.received.get(item, 0.0) for z in w.zones) + sum(
            r.delivered[ITEMS.index(item)] for r in w.aid_requests)             # + handed to neighbours
        in_transit = sum(t.load.get(item, 0.0) for t in w.trucks) + sum(
            d.sent_away.get(item, 0.0) - d.moved_in.get(item, 0.0) for d in w.depots)   # + moves between depots
        if w.last_mile is not None:                                                  # + in carriers' hands
            in_transit += float(w.last_mile.in_hand()[ITEMS.index(item)])
        remaining = sum(d.stock.get(item, 0.0) for d in w.depots)
        if not any((initial, arrivals, delivered, in_transit, remaining)):
            continue
        lhs, rhs = initial + arrivals, delivered + in_transit + remaining
        items[item] = {"initial": initial, "arrivals": arrivals, "delivered": delivered,
                       "in_transit": in_transit, "remaining": remaining,
                       "balanced": bool(abs(lhs - rhs) <= 1e-6 * max(1.0, lhs)
                                        and min(delivered, in_transit, remaining) >= -1e-6)}
    return {"balanced": all(v["balanced"] for v in items.values()), "items": items}


def _met(share: float | None) -> bool | None:
    """Whether a target line is met: every site or person within it; ``None`` when there
    is nothing to judge (no affected site, nobody needing relief)."""
    return None if share is None else share >= 1.0


def _cut_short_warnings(w, sites, targets, duration_min: float) -> list[str]:
    """What the end of the run cuts short, so a reader does not take it for a failure of the
    plan: sites struck at or after the end, sites struck less than a target's time before
    it (their window runs past the end: counted as not met unless served by then), and
    neighbours' requests due after the end."""
    out = []
    late = [z for z in sites if z.hit_time_min >= duration_min]
    if late:
        first_h = min(z.hit_time_min for z in late) / 60
        out.append(f"{len(late)} site(s) needing relief are struck at or after the end of the run (from "
                   f"{first_h:.1f} h; the run ends at {duration_min / 60:g} h): they count as not served — make the "
                   "duration cover the hazard and the target times after it")
    for what, lines in (("first supplies", targets.district_supplies), ("relief", targets.basic_relief)):
        if not lines:
            continue
        window = max(lines)
        cut = [z for z in sites if duration_min - window < z.hit_time_min < duration_min]
        if cut:
            out.append(f"{len(cut)} site(s) are struck less than {window / 60:g} h before the end of the run: their "
                       f"{what} window runs past it, and they count as not met unless served by the end")
    for request in w.aid_requests:
        if request.due_min > duration_min:
            out.append(f"the aid request of {request.region} is due at {request.due_min / 60:g} h, after the run "
                       f"ends ({duration_min / 60:g} h): it is judged on what was handed over by the end")
    return out


def summarize(run) -> dict:
    """The ``summary.json`` document of a run."""
    w, sc = run.world, run.scenario
    targets = sc.targets
    affected = [z for z in w.zones if z.is_affected]
    sites = [z for z in affected if z.needs_relief]             # zones needing relief on their first day
    hit = [z.hit_time_min for z in sites]
    first = since_hit_min([z.first_supply_min for z in sites], hit)
    city = since_hit_min([z.first_city_supply_min for z in sites], hit)
    relief = since_hit_min([z.relief_min for z in sites], hit)
    people = int(sum(z.needing_first_day for z in sites))
    supply_lines = sorted(set(SUPPLY_LINES_H) | {m / 60 for m in targets.district_supplies + targets.city_supplies})
    relief_lines = sorted(set(RELIEF_LINES_H) | {m / 60 for m in targets.basic_relief})
    t_rel, cum_rel = relieved_since_hit(run)

    def relieved_by(hours: float) -> int:
        k = np.searchsorted(t_rel, hours * 60, side="right")
        return int(cum_rel[k - 1]) if k > 0 else 0

    def share(x: float, total: int):
        return round(x / total, 6) if total else None

    first_supplies = {
        "within": {_label(h): share(int((first <= h * 60).sum()), len(sites)) for h in supply_lines},
        "p50_h": _percentile_h(first, 50), "p95_h": _percentile_h(first, 95),
        "max_h": _h(float(first.max())) if len(first) else None,
        "sites_never_supplied": int(np.isinf(first).sum()),
    }
    township_first = township_first_supplies(w, sites)
    first_township = {
        "townships": len(township_first),
        "townships_in_region": len({z.township for z in w.zones}),
        "within": {_label(h): share(int((township_first <= h * 60).sum()), len(township_first))
                   for h in supply_lines},
        "p50_h": _percentile_h(township_first, 50), "p95_h": _percentile_h(township_first, 95),
    }
    city_supplies = {
        "within": {_label(h): share(int((city <= h * 60).sum()), len(sites)) for h in supply_lines},
        "p50_h": _percentile_h(city, 50), "p95_h": _percentile_h(city, 95),
    }
    figures = relief_figures(run, relief_lines)
    conditions = figures["people_by_condition"]
    relief_kpi = {
        "people_affected": int(sum(z.affected for z in affected)),
        "people_needing_relief": people,
        "within": {_label(h): share(relieved_by(h), people) for h in relief_lines},
        "relieved_at_end": share(int(sum(z.relieved for z in sites)), people),
        "zone_relief_p50_h": _percentile_h(relief, 50), "zone_relief_p95_h": _percentile_h(relief, 95),
        "displaced": int(sum(z.displaced for z in affected)),
        "displaced_public_shelter": conditions.get("public_shelter", 0),
        "displaced_with_relatives": conditions.get("relatives", 0),
        "outdoors": conditions.get("outdoors", 0),
        "without_lifelines": conditions.get("no_lifelines", 0),
        "at_home_with_lifelines": conditions.get("home", 0),
        "sheltered": int(sum(z.sheltered for z in affected)),
        "without_shelter_place": int(sum(z.unsheltered_final for z in affected)),
        "needing_by_condition": figures["needing_by_condition"],
        "items_needed_first_day": figures["items_needed_first_day"],
        "relieved_by_condition": {line: v["relieved"] for line, v in figures["at_lines"].items()},
        "relieved_at_day": figures["relieved_at_day"],
        "person_days_without_needs": figures["person_days_without_needs"],
        "limited_by": figures["limited_by"],
    }
    verdicts = []
    by_township = targets.site == "township"
    for key, kpi, lines in (("district_supplies", township_first if by_township else first, targets.district_supplies),
                            ("city_supplies", city, targets.city_supplies)):
        for m in lines:
            s = share(int((kpi <= m).sum()), len(kpi))
            verdicts.append({"target": key, "within_h": m / 60, "share": s, "met": _met(s),
                             "site": "township" if key == "district_supplies" and by_township else "community"})
    for m in targets.basic_relief:
        s = share(relieved_by(m / 60), people)
        verdicts.append({"target": "basic_relief", "within_h": m / 60, "share": s, "met": _met(s)})
    aid = None
    if sc.mutual_aid.inbound or w.aid_requests:
        without = summarize(run.without_requests)["verdicts"] if run.without_requests is not None else None
        aid, aid_verdicts = mutual_aid_figures(run, verdicts, without)
        verdicts += aid_verdicts
    duration = sc.duration
    unmet = unmet_need(w, affected, duration - 1e-6)                # rations due at the very end are not late
    trucks = w.trucks
    truck_util = (sum(t.busy_until(duration) for t in trucks) / (len(trucks) * duration)) if trucks else None
    teams_by_kind: dict[str, list] = {}
    for t in w.teams:
        teams_by_kind.setdefault(t.kind, []).append(t)
    team_util = {kind: round(sum(t.busy_until(duration) for t in ts) / (sum(t.spec.count for t in ts) * duration), 6)
                 for kind, ts in sorted(teams_by_kind.items())}
    audit = supply_audit(run)
    warnings = list(w.warnings)
    if not affected:
        warnings.append("no zone was affected (the impact area or the hazard reaches none of the region's zones): "
                        "the targets have nothing to judge")
    warnings += w.reachability.warnings({z.zone_id: z.affected for z in affected})
    if w.last_mile is not None and w.reachability.episodes:
        by_mode = {mode: sorted(set(w.reachability.episodes) & fleet.zones) for mode, fleet in w.last_mile.fleets.items()}
        reached = set().union(*by_mode.values())
        never = sorted(set(w.reachability.episodes) - reached)
        parts = [f"{len(z)} by {mode}" for mode, z in by_mode.items() if z]
        warnings.append(f"of the {len(w.reachability.episodes)} zone(s) no truck could reach, {len(reached)} were "
                        f"reached by other modes ({', '.join(parts) or 'none'}); reached by no other mode: "
                        f"{len(never)}" + (f" ({', '.join(never[:10])}{' …' if len(never) > 10 else ''})" if never
                                            else ""))
    for item in sorted(unmet):
        got = audit["items"].get(item, {})
        if unmet[item] > 0 and got.get("initial", 0.0) + got.get("arrivals", 0.0) <= 0:
            warnings.append(f"no depot held any {item} during the run, so nobody who needs it could be relieved")
    warnings += w.command.idle_stock.warnings()
    warnings += _cut_short_warnings(w, sites, targets, float(duration))
    if targets.city_supplies and affected and not any(d.spec.tier == "city" for d in w.depots):
        warnings.append("the targets judge first city supplies, but no depot is a city depot: those lines are "
                        "missed whatever the logistics")
    if not audit["balanced"]:
        bad = {k: v for k, v in audit["items"].items() if not v["balanced"]}
        raise SupplyAuditError(f"supply audit does not balance: {bad}")
    hazard = dict(w.hazard_figures)
    if "flood_closed_road_km" in hazard:         # the water alone, hour by hour: within the run
        hazard["flood_closed_road_km"] = [p for p in hazard["flood_closed_road_km"] if p[0] * 60 <= duration]
    if "road_changes" in hazard and w.hazard is not None:    # the hazard's road changes within the run
        hazard["road_changes"] = sum(1 for c in w.hazard.road_changes if c.time_min <= duration)
    if w.rescue.trapped > 0:
        hazard["rescue"] = w.rescue.as_dict()
        # Still under the rubble at the end: alive on the survival curve, trapped since the shock.
        struck = float(getattr(w.scenario.hazard, "time", 0.0))
        hazard["rescue"]["awaiting_rescue_alive_at_end"] = w.rescue.awaiting_alive(
            float(survival_probability(duration - struck)))
    series = w.road_layers.closed_km if w.road_layers is not None else []
    if len(series) > 1 or (series and "closed_road_km_peak" in hazard):
        # The road state's peak within the run, not the hazard model's over its whole course.
        hazard["closed_road_km_peak"] = round(max(km for _, km in series), 3)
    if len(series) > 1:
        hazard["closed_road_km_over_time"] = [[round(t / 60, 3), round(km, 3)] for t, km in series]
        hazard.update(w.road_layers.closed_km_figures(duration))
    if w.road_clearing is not None:
        hazard.update(w.road_clearing.figures(duration))
    if w.outages.timeline:
        hazard["outages"] = w.outages.timeline
    return {
        "scenario": sc.name,
        "seed": run.seed,
        "targets": {
            "preset": targets.preset,
            "district_supplies_h": [m / 60 for m in targets.district_supplies],
            "city_supplies_h": [m / 60 for m in targets.city_supplies],
            "basic_relief_h": [m / 60 for m in targets.basic_relief],
        },
        "verdicts": verdicts,
        "kpi": {
            "affected_sites": len(affected),
            "sites_needing_relief": len(sites),
            "first_supplies": first_supplies,
            "first_supplies_township": first_township,
            "city_supplies": city_supplies,
            "relief": relief_kpi,
            "zones_never_reached": sorted(z.zone_id for z in sites if not any(z.received.values())),
            "unmet_need_at_end": {k: round(v, 3) for k, v in sorted(unmet.items())},
            "truck_utilisation": None if truck_util is None else round(truck_util, 6),
            "trips_delivered": int(sum(t.trips_done for t in trucks)),
            "team_utilisation": team_util,
            "shelters": {"capacity_people": int(sum(s.capacity for s in w.shelters)),
                         "sheltered_people": int(sum(s.arrived for s in w.shelters)),
                         "full": sorted(s.shelter_id for s in w.shelters if s.capacity and s.allotted >= s.capacity)},
            **prepositioning_kpis(run),
            **({"last_mile": w.last_mile.figures()} if w.last_mile is not None else {}),
        },
        "hazard": hazard,
        **({"mutual_aid": aid} if aid is not None else {}),
        "warnings": warnings,
        "reserves_outside_affected_area": _took_no_part(w),
        "supply_audit": audit,
        "run": {"duration_h": duration / 60, "wall_s": round(run.wall_s, 3), "event_count": len(w.log),
                "simpy_events": run.simpy_events},
    }


def _took_no_part(w) -> list[str]:
    """Of the reserves whose zones the disaster did not reach
    (:attr:`~sim.world.world.World.reserves_outside_affected_area`), those that sent no tour and
    moved no stock in or out: a rainfall warning's false alarms in a reserve's area bring it in."""
    outside, tours = set(w.reserves_outside_affected_area), w.command.planner.tours_sent
    return [d.depot_id for k, d in enumerate(w.depots) if d.depot_id in outside and tours[k] == 0
            and not any(v > 0 for amounts in (d.trucked_in, d.moved_in, d.sent_away) for v in amounts.values())]


def zones_frame(run) -> pd.DataFrame:
    """One row per zone: people by condition, times (hours since the hit) and what was delivered."""
    w = run.world
    zones = w.zones
    if not zones:
        return pd.DataFrame()
    table = w.needs
    at = [z.index for z in zones]
    by_condition = {c: table.people[:, [g for g, cc in enumerate(table.group_condition) if cc == c]].sum(axis=1)
                    for c in dict.fromkeys(table.group_condition)}
    need_end = table.need_by(run.scenario.duration - 1e-6)
    columns = {
        "zone_id": [z.zone_id for z in zones], "township": [z.township for z in zones],
        "lon": [z.lon for z in zones], "lat": [z.lat for z in zones], "node": w.graph.node_ids[[z.node for z in zones]].tolist(),
        "population": [z.population for z in zones], "vulnerable_share": [z.vulnerable_share for z in zones],
        "affected": [z.affected for z in zones], "displaced": [z.displaced for z in zones],
        **{c: by_condition[c][at].tolist() for c in ("public_shelter", "relatives", "outdoors", "no_lifelines")},
        "needing_relief": [z.needing_first_day for z in zones], "sheltered": [z.sheltered for z in zones],
        "relieved": [z.relieved for z in zones],
        "hit_h": [_h(z.hit_time_min) if z.is_affected else None for z in zones],
    }
    for name in ("report", "first_supply", "first_district_supply", "first_city_supply", "relief"):
        hours = _since_hit_hours(zones, f"{name}_min")
        columns[f"{name}_h"] = [hours[k] for k in at]
    for item in ITEMS:
        columns[f"need_{item}"] = (need_end[at, table.items.index(item)].tolist() if item in table.items
                                   else [0.0] * len(zones))
        columns[f"delivered_{item}"] = [z.received.get(item, 0.0) for z in zones]
    return pd.DataFrame(columns)
