"""Schedule a hazard's outcome onto a running world.

The hazard's road changes become SimPy events on the ``hazard`` road layer
(:mod:`sim.world.road_layers`); its work sites become team tasks: road crews
and army engineers clearing debris lift the earthquake's closure on that
street, lanes to cut-off zones and the level-1 corridors first
(:mod:`sim.engine.road_clearing`, :mod:`sim.world.corridors`), rescue crews
dig out the trapped (:mod:`sim.engine.rescue`), a ``pumping`` crew clears a
flooded cluster and keeps it clear for the rest of the storm. Sites are
handed over once they are reported (the command's modal report delay after
they can first be worked).

With ``prepositioning: true`` a rainfall warning sends pumping crews to the
forecast worst points before the water rises, and first batches to the
zones the warning flags: a noisy estimate of the zones that flood, drawn
with the scenario's forecast skill (:mod:`sim.hazards.forecast`). Flagged
zones that will not flood are expected to need what a flooding zone of
their size needs; command learns they stayed dry when the rain ends.

With an ``intensity_report``, an earthquake's rapid intensity estimate
does the same for the zones it puts at ``from_intensity`` or more: ``after``
the shock they count as reported, whether or not their own reports got
through.
"""
from __future__ import annotations

import numpy as np

from sim.dispatch.work import CAPABLE_KINDS
from sim.engine.rescue import schedule_rescue
from sim.engine.road_clearing import RouteClearing, dedicate_engineers, queue_site_work
from sim.engine.timers import at
from sim.engine.transfers import schedule_prestock
from sim.hazards.forecast import expected_need, flag_zones, forecast_figures
from sim.world.corridors import plan_corridors
from sim.world.streams import stream

__all__ = ["apply_outcome"]


def apply_outcome(world, outcome) -> None:
    """Schedule a hazard outcome's road changes and hand its work sites to teams."""
    layers = world.road_layers
    env = world.env
    for change in outcome.road_changes:
        at(env, change.time_min, lambda c=change: layers.set_hazard(c.edges, c.speed_factor, c.cause))
    report = world.scenario.command.report_delay.mode
    schedule_rescue(world, [s for s in outcome.work_sites if s.team_kind == "sar"], report)
    clearing = _road_clearing(world, outcome)
    warning = outcome.figures.get("warning_min")
    schedule_prestock(world, None if warning is None else float(warning))
    preposition = bool(getattr(world.scenario.hazard, "prepositioning", False)) and warning is not None
    world.work.expect_work_at([s.node for s in outcome.work_sites if s.team_kind != "sar"])
    for site in outcome.work_sites:
        ready = site.available_min + report
        if preposition and site.team_kind == "pumping":
            work = clearing.add(site)
            at(env, min(float(warning), ready), lambda w=work: queue_site_work(world, w, w.priority))
            continue
        if site.team_kind == "sar":
            continue
        else:
            work = clearing.add(site)
            at(env, ready, lambda w=work: queue_site_work(world, w, w.priority))
    world.warnings.extend(_work_nobody_can_do(world, outcome))
    lead = getattr(world.scenario.hazard, "warning_lead", None)
    rain_start = outcome.figures.get("rain_start_min")
    if warning is not None and lead is not None and rain_start is not None and float(lead) > float(rain_start):
        world.warnings.append(f"the warning lead ({float(lead) / 60:g} h) reaches back before the run's start: the "
                              f"warning is issued at the start, {float(rain_start) / 60:g} h before the rain (give "
                              "hazard.warning_lead at most the rain's start, or start the rain later)")
    clearing.prioritise_corridors()
    if clearing.works:
        world.command.on_cut_off = clearing.request
    world.road_clearing = clearing
    if preposition:
        _preposition(world, float(warning), outcome.figures.get("rain_end_min"))
    _act_on_intensity(world, outcome)


#: What each kind of hazard work site is, for warnings.
_WORK_NAMES = {"road_repair": "debris or bridge work sites", "pumping": "flooded points to pump",
               "sar": "rescue sites", "lifeline_repair": "lifeline repair sites"}


def _work_nobody_can_do(world, outcome) -> list[str]:
    """A warning per kind of the hazard's work that no team of the scenario can do: the roads it
    closed stay closed, the water stays, the trapped wait for their neighbours only."""
    kinds = {team.kind for team in world.teams}
    counts: dict[str, int] = {}
    for site in outcome.work_sites:
        counts[site.team_kind] = counts.get(site.team_kind, 0) + 1
    out = []
    for kind, n in counts.items():
        able = CAPABLE_KINDS.get(kind, (kind,))
        if not kinds & set(able):
            out.append(f"{n:,} {_WORK_NAMES.get(kind, kind + ' sites')} and no team that can work them "
                       f"({' or '.join(able)}): they wait to the end of the run (add teams of those kinds)")
    return out


def _road_clearing(world, outcome) -> RouteClearing:
    """The order of debris work: corridors laid out on the roads before the hazard, engineers named."""
    plan = getattr(world.scenario.hazard, "road_clearing", None)
    if plan is None or not any(s.team_kind == "road_repair" for s in outcome.work_sites):
        return RouteClearing(world)
    corridors, warnings = plan_corridors(plan.corridors, world.zones, world.depots, world.router)
    world.warnings.extend(warnings)
    if plan.engineers is not None:
        dedicate_engineers(world, plan.engineers)
    clearing = RouteClearing(world, corridors)
    clearing.record_closures(outcome.road_changes)
    return clearing


def _act_on_intensity(world, outcome) -> None:
    """An earthquake's ``intensity_report``: ``after`` the shock, the zones the estimate puts
    at ``from_intensity`` or more count as reported (see the module docstring)."""
    report = getattr(world.scenario.hazard, "intensity_report", None)
    intensity = getattr(outcome, "zone_intensity", None)
    if report is None or intensity is None:
        return
    shaken = [z for z in world.zones if z.is_affected and intensity[z.index] >= float(report.from_intensity)]
    # What the estimate says, for reports: those of these zones not heard of by then are made known
    # (one ``intensity_report`` event each).
    world.hazard_figures["intensity_report"] = {"from_intensity": float(report.from_intensity),
                                                "zones_at_or_above": len(shaken)}
    at_min = float(world.scenario.hazard.time) + float(report.after)
    if at_min >= float(world.scenario.duration):
        world.warnings.append(f"the rapid intensity report comes at {at_min / 60:g} h, at or after the run's end "
                              f"({float(world.scenario.duration) / 60:g} h): it makes no zone known (give "
                              "hazard.intensity_report.after a shorter time)")
    elif not shaken:
        world.warnings.append(f"the rapid intensity report puts no affected zone at intensity "
                              f"{float(report.from_intensity):g} or more: it makes no zone known (lower "
                              "hazard.intensity_report.from_intensity)")
    if shaken:
        world.command.preposition(shaken, at_min, kind="intensity_report")


def _preposition(world, warning_min: float, rain_end_min) -> None:
    """First batches to the zones the warning flags (see the module docstring)."""
    zones = world.zones
    floods = np.array([z.is_affected and z.hit_time_min > warning_min for z in zones], dtype=bool)
    skill = getattr(world.scenario.hazard, "forecast", None)
    hit_rate = 1.0 if skill is None else float(skill.hit_rate)
    false_alarm_rate = 0.0 if skill is None else float(skill.false_alarm_rate)
    uniforms = stream(world.seed, "forecast").random(len(zones))
    flagged = flag_zones(floods, uniforms, hit_rate, false_alarm_rate)
    dry = flagged & ~np.array([z.is_affected for z in zones], dtype=bool)
    world.hazard_figures["forecast"] = forecast_figures(floods, flagged & (floods | dry), hit_rate, false_alarm_rate)
    expected = {}
    if dry.any():
        need = expected_need([z.population for z in zones], floods, world.needs.first_day_need())
        flood_at = float(np.median([z.hit_time_min for z in zones if floods[z.index]])) if floods.any() \
            else warning_min
        expected = {int(k): (need[k], flood_at) for k in np.flatnonzero(dry)}
    warned = [z for z in zones if flagged[z.index] and (floods[z.index] or dry[z.index])]
    if warned:
        world.command.preposition(warned, warning_min, expected)
    if expected and rain_end_min is not None:
        at(world.env, float(rain_end_min), lambda: world.command.withdraw_forecast(sorted(expected)))
