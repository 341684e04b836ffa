"""Checks against the region: what a scenario names must exist in its road graph and zones.

A ``{node: ID}`` must be a node of the road graph and a ``{lonlat}`` lie within
``region.snap_limit`` of one (:func:`check_against_graph`, run once the graph is
built); zone ids a scenario names must be among the zones (:func:`check_zone_ids`),
and townships among the zones' townships (:func:`check_townships`). Findings are
``(path, message)`` as in :mod:`sim.scenarios.checks`.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator

from sim.scenarios.checks import Finding, _agents, _all_interventions, _did_you_mean
from sim.scenarios.interventions import AddShelter, Retrofit, SatPhones
from sim.scenarios.models import Location, Scenario

__all__ = ["check_against_graph", "check_zone_ids", "check_townships", "names_townships"]

#: ``snap(lon, lat) -> (node_index, distance_m)``, e.g. ``Snapper(graph).snap``.
SnapFunction = Callable[[float, float], "tuple[int, float]"]


def _locations(s: Scenario) -> Iterator[tuple[tuple, Location]]:
    for path, kind, agent in _agents(s):
        yield path + (("base",) if kind == "team" else ("at",)), agent.base if kind == "team" else agent.at
    for k, request in enumerate(s.mutual_aid.requests):
        yield ("mutual_aid", "requests", k, "exit"), request.exit


def _metres(m: float) -> str:
    if m >= 1000:
        return f"{m / 1000:.1f} km"
    return f"{m:.0f} m" if m >= 10 else f"{m:.1f} m"     # a snap of 0.3 m past a limit of 0 m is not "0 m"


def check_against_graph(scenario: Scenario, graph, snap: SnapFunction) -> list[Finding]:
    """Problems of ``scenario`` on the road graph it will run on.

    Parameters
    ----------
    scenario : Scenario
        The loaded scenario (interventions applied or not).
    graph : RoadGraph
        Needs ``index_of(node_id)`` (``KeyError`` if unknown) and ``name``;
        bridge segment ids are checked if it has ``segment`` and ``is_bridge``.
    snap : callable
        ``snap(lon, lat) -> (node_index, distance_m)``, e.g.
        ``sim.network.snap.Snapper(graph).snap``.

    Returns
    -------
    list of (path, message)
        ``{node: ID}`` not in the graph; ``{lonlat}`` farther than
        ``region.snap_limit`` from the nearest node; retrofitted bridge ids
        that are not bridges.
    """
    findings: list[Finding] = []
    limit_m = scenario.region.snap_limit
    graph_name = getattr(graph, "name", "graph")
    located = getattr(graph, "has_coordinates", True)
    if not located:
        findings += _needs_coordinates(scenario, graph_name)
    for path, location in _locations(scenario):
        if location.node is None and not located:
            continue                                    # said by _needs_coordinates
        if location.node is not None:
            try:
                graph.index_of(location.node)
            except KeyError:
                findings.append((path + ("node",), f"node {location.node} is not in the road graph "
                                                   f"{graph_name!r}; check the id or use lonlat"))
        else:
            lon, lat = location.lonlat
            _, distance_m = snap(lon, lat)
            if distance_m > limit_m:
                findings.append((path + ("lonlat",),
                                 f"[{lon:g}, {lat:g}] is {_metres(distance_m)} from the nearest road node, "
                                 f"farther than region.snap_limit ({_metres(limit_m)}); check the "
                                 "coordinates (longitude first) or raise snap_limit"))
    if hasattr(graph, "segment") and hasattr(graph, "is_bridge"):
        import numpy as np

        all_segments = set(np.unique(graph.segment).tolist())
        bridges = set(np.unique(graph.segment[graph.is_bridge]).tolist())
        for path, iv in _all_interventions(scenario):
            if isinstance(iv, Retrofit) and iv.bridges != "all":
                for j, segment in enumerate(iv.bridges):
                    if segment not in bridges:
                        what = "is not a bridge" if segment in all_segments else "does not exist"
                        findings.append((path + ("bridges", j),
                                         f"road segment {segment} {what} in the road graph {graph_name!r}"))
    return findings


def _needs_coordinates(s: Scenario, graph_name: str) -> list[Finding]:
    """What a scenario asks of a road graph without coordinates (a DIMACS graph without its
    ``.co`` file, GraphML without x/y) that needs them: places by lon/lat, walks to shelters,
    straight-line ways (last mile, runners), circles, the hazard models."""
    lacking = f"the road graph {graph_name!r} has no coordinates (lon/lat)"
    out: list[Finding] = []
    for path, location in _locations(s):
        if location.node is None:
            out.append((path + ("lonlat",), f"{lacking} to place this by; give a node id"))
    if s.shelters:
        out.append((("shelters",), f"{lacking}: the displaced walk to shelters by the straight line; leave "
                                   "shelters out or give a road graph with coordinates"))
    if s.hazard.type != "none":
        out.append((("hazard", "type"), f"the {s.hazard.type} model places its hazard by coordinates, and {lacking}; "
                                        "state the impact instead (impact:)"))
    if s.impact is not None and s.impact.area.around is not None:
        out.append((("impact", "area", "around"), f"a circle needs coordinates, and {lacking}; give townships or "
                                                  "everywhere: true"))
    for kind in ("roads", "power", "comms", "water"):
        for i, window in enumerate(getattr(s.outages, kind)):
            if window.area.around is not None:
                out.append((("outages", kind, i, "area", "around"),
                            f"a circle needs coordinates, and {lacking}; give everywhere: true"))
            elif window.area.townships is not None and kind != "water":
                out.append((("outages", kind, i, "area", "townships"),
                            f"roads, depots and shelters take the township of their nearest zone, which needs "
                            f"coordinates, and {lacking}; give everywhere: true"))
    if any(getattr(s.last_mile, mode) is not None for mode in ("porters", "boats", "helicopters")):
        out.append((("last_mile",), f"porters, boats and helicopters go by the straight line, and {lacking}; "
                                    "leave last_mile out"))
    if s.command.runner is not None and any(w.loss_share > 0 for w in s.outages.comms):
        out.append((("command", "runner"), f"a runner goes by the straight line, and {lacking}; set runner: null"))
    return out


def check_zone_ids(scenario: Scenario, zone_ids) -> list[Finding]:
    """``sat_phones`` ids that are neither a depot, team nor one of ``zone_ids`` (a shelter has no part
    in the communications model), and ``serves`` zone ids of depots that are not zones."""
    shelters = {s.id for s in scenario.shelters} | {iv.shelter.id for _, iv in _all_interventions(scenario)
                                                    if isinstance(iv, AddShelter)}
    agents = {a.id for _, kind, a in _agents(scenario) if kind != "shelter"}
    agents |= {a.id for a in (*scenario.depots, *scenario.teams)}
    zones = set(zone_ids)
    findings = []
    for path, iv in _all_interventions(scenario):
        if isinstance(iv, SatPhones) and isinstance(iv.agents, list):
            for j, agent in enumerate(iv.agents):
                if agent in shelters:
                    findings.append((path + ("agents", j),
                                     f"{agent!r} is a shelter: shelters send no reports or orders in this model, so "
                                     "a satellite phone there changes nothing; list depots, teams or zones"))
                elif agent not in agents and agent not in zones:
                    findings.append((path + ("agents", j),
                                     f"{agent!r} is not a depot, team or zone id"
                                     f"{_did_you_mean(agent, agents | zones)}"))
    for path, kind, depot in _agents(scenario):
        serves = getattr(depot, "serves", None) if kind == "depot" else None
        if serves is not None and serves.zones is not None:
            for j, zone in enumerate(serves.zones):
                if zone not in zones:
                    findings.append((path + ("serves", "zones", j), f"{zone!r} is not a zone id"
                                                                    f"{_did_you_mean(zone, zones)}"))
    return findings


def _corridor_townships(s: Scenario) -> Iterator[tuple[tuple, str]]:
    """(path, township id) of every corridor that leads to a township."""
    plan = getattr(s.hazard, "road_clearing", None)
    if plan is None or plan.corridors == "auto":
        return
    for j, corridor in enumerate(plan.corridors):
        if corridor.to_township is not None:
            yield ("hazard", "road_clearing", "corridors", j, "to_township"), corridor.to_township


def _township_lists(s: Scenario) -> Iterator[tuple[tuple, list[str]]]:
    """(path, township ids) of every area that lists townships."""
    if s.impact is not None and s.impact.area.townships:
        yield ("impact", "area", "townships"), s.impact.area.townships
    for kind in ("roads", "power", "comms", "water"):
        for i, window in enumerate(getattr(s.outages, kind)):
            if window.area.townships:
                yield ("outages", kind, i, "area", "townships"), window.area.townships
    window = s.outages.no_outside_support
    if window is not None and window.area.townships:
        yield ("outages", "no_outside_support", "area", "townships"), window.area.townships
    for path, kind, depot in _agents(s):
        serves = getattr(depot, "serves", None) if kind == "depot" else None
        if serves is not None and serves.townships:
            yield path + ("serves", "townships"), serves.townships


def names_townships(scenario: Scenario) -> bool:
    """Whether the scenario names any township (in an area, a rain factor, a depot's service area or a
    team's home)."""
    hazard = scenario.hazard
    return any(True for _ in _township_lists(scenario)) or any(True for _ in _corridor_townships(scenario)) \
        or (hazard.type == "rainfall" and bool(hazard.township_factor)) \
        or any(getattr(a, "township", None) for a in scenario.teams)


def check_townships(scenario: Scenario, townships) -> list[Finding]:
    """Township ids the scenario names (areas, ``township_factor``, teams' home townships) that no zone
    belongs to."""
    known = sorted({str(t) for t in townships if str(t)})
    listing = ", ".join(known[:12]) + (f", … ({len(known)} in all)" if len(known) > 12 else "")
    hint = f"the townships are {listing}" if known else "the zones have no township column"

    def unknown(name: str) -> str:
        close = difflib.get_close_matches(name, known, n=1)
        guess = f" (did you mean {close[0]!r}?)" if close else ""
        return f"no zone belongs to township {name!r}{guess}; {hint}"

    findings: list[Finding] = []
    for path, names in _township_lists(scenario):
        findings.extend((path + (j,), unknown(name)) for j, name in enumerate(names) if name not in known)
    for path, _, agent in _agents(scenario):
        home = getattr(agent, "township", None)
        if home is not None and home not in known:
            findings.append((path + ("township",), unknown(home)))
    hazard = scenario.hazard
    if hazard.type == "rainfall":
        findings.extend((("hazard", "township_factor", name), unknown(name))
                        for name in hazard.township_factor if name not in known)
    findings.extend((path, unknown(name)) for path, name in _corridor_townships(scenario) if name not in known)
    return findings
