"""Where the scenario's depots, shelters and teams stand on the road graph.

Scenario locations are either a node id of the source data or a lon/lat. This
module resolves every one to a graph node once, records how far each lon/lat
was snapped, and turns an unknown node or a too-distant snap into a located
input error (``FILE:LINE:COL: depots[0].at: ...``).
"""
from __future__ import annotations

from dataclasses import dataclass

from .network.graph import RoadGraph

__all__ = ["Place", "resolve_places"]


@dataclass(frozen=True)
class Place:
    """A scenario agent's position: graph node index and snap distance (m)."""

    agent_id: str
    node: int
    snap_m: float


def resolve_places(scenario, graph: RoadGraph) -> dict[str, Place]:
    """Resolve every depot, shelter and team location; raise located errors."""
    from .network.snap import Snapper
    from .scenarios.loader import locate_problems

    snapper = Snapper(graph) if graph.has_coordinates else None
    places: dict[str, Place] = {}
    problems: list[tuple[tuple, str]] = []
    limit = scenario.region.snap_limit
    groups = (("depots", "at"), ("shelters", "at"), ("teams", "base"))
    for section, key in groups:
        for i, agent in enumerate(getattr(scenario, section)):
            loc = getattr(agent, key)
            path = (section, i, key)
            if loc.node is not None:
                try:
                    places[agent.id] = Place(agent.id, graph.index_of(loc.node), 0.0)
                except KeyError:
                    problems.append((path + ("node",), f"node {loc.node} is not in the road graph "
                                     f"({graph.n_nodes} nodes); use a node id of the network file or a lonlat"))
                continue
            if snapper is None:
                problems.append((path + ("lonlat",), "the road graph has no coordinates; give a node id"))
                continue
            node, dist = snapper.snap(*loc.lonlat)
            if dist > limit:
                problems.append((path + ("lonlat",), f"{dist:.0f} m from the nearest road node, farther than "
                                 f"region.snap_limit ({limit:.0f} m); move it onto the network or raise the limit"))
                continue
            places[agent.id] = Place(agent.id, int(node), float(dist))
    if problems:
        raise locate_problems(scenario, problems)
    return places

