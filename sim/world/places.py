"""Where the scenario's depots, shelters and teams stand on the road graph.

Scenario locations are either a node id of the source data or a lon/lat. This
module checks them against the graph (:func:`sim.scenarios.region_checks.check_against_graph`:
an unknown node, a snap farther than ``region.snap_limit``), raising every
problem as a located input error (``FILE:LINE:COL: depots[0].at.node: ...``),
then resolves each to a graph node and records how far a lon/lat was snapped.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.network.graph import RoadGraph

__all__ = ["Place", "resolve_places", "check_world", "world_findings", "aid_exit_key"]


@dataclass(frozen=True)
class Place:
    """A scenario agent's position: graph node index and snap distance (m)."""

    agent_id: str
    node: int
    snap_m: float


def _snap_function(graph: RoadGraph):
    if graph.has_coordinates:
        from sim.network.snap import Snapper

        return Snapper(graph).snap

    def no_coordinates(lon, lat):
        return -1, float("inf")

    return no_coordinates


def resolve_places(scenario, graph: RoadGraph, zone_ids=(), townships=None) -> dict[str, Place]:
    """Every depot, shelter and team location as a graph node; raises located errors (also for
    township ids no zone belongs to, when ``townships`` — the zones' townships — is given)."""
    from sim.scenarios.region_checks import check_against_graph, check_townships, check_zone_ids
    from sim.scenarios.loader import locate_problems

    snap = _snap_function(graph)
    problems = check_against_graph(scenario, graph, snap)
    if len(zone_ids):
        problems += check_zone_ids(scenario, zone_ids)
    if townships is not None:
        problems += check_townships(scenario, townships)
    if problems:
        raise locate_problems(scenario, problems)
    places: dict[str, Place] = {}
    for agent, loc in [*((d, d.at) for d in scenario.depots), *((s, s.at) for s in scenario.shelters),
                       *((t, t.base) for t in scenario.teams)]:
        if loc.node is not None:
            places[agent.id] = Place(agent.id, graph.index_of(loc.node), 0.0)
        else:
            node, dist = snap(*loc.lonlat)
            places[agent.id] = Place(agent.id, int(node), float(dist))
    for k, request in enumerate(scenario.mutual_aid.requests):
        key = aid_exit_key(k)
        if request.exit.node is not None:
            places[key] = Place(key, graph.index_of(request.exit.node), 0.0)
        else:
            node, dist = snap(*request.exit.lonlat)
            places[key] = Place(key, int(node), float(dist))
    return places


def aid_exit_key(k: int) -> str:
    """The key of mutual-aid request ``k``'s hand-over node among the places."""
    return f"mutual_aid.requests[{k}].exit"


def check_world(scenario, base_dir: Path | str = ".") -> None:
    """Load the scenario's region and check every location against it
    (what ``sim validate`` adds to the schema checks)."""
    from sim.network.sources import load_region
    from sim.scenarios.interventions import apply_interventions

    applied = apply_interventions(scenario) if scenario.interventions else scenario
    region = load_region(applied.region, base_dir)
    resolve_places(applied, region.graph, region.zones["zone_id"].to_numpy())


def world_findings(scenario, base_dir: Path | str = ".", region=None) -> list:
    """What :func:`check_world` and the township check refuse about ``scenario`` (its own
    interventions not applied, so paths point into its file), as ``(path, message)``
    findings: locations off the road graph, retrofitted bridges that are none, ids of
    zones and townships its region does not have. ``region``: the scenario's region,
    loaded already (else it is loaded here, which may raise)."""
    from sim.network.sources import load_region
    from sim.scenarios.region_checks import check_against_graph, check_townships, check_zone_ids

    if region is None:
        region = load_region(scenario.region, base_dir)
    zones = region.zones
    findings = check_against_graph(scenario, region.graph, _snap_function(region.graph))
    findings += check_zone_ids(scenario, zones["zone_id"].to_numpy())
    townships = sorted(set(zones["township"].astype(str)) - {""}) if "township" in zones else []
    return findings + check_townships(scenario, townships)
