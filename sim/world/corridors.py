"""Level-1 rescue corridors: the routes crews clear of debris before other streets.

The district plan [TZ] builds "one level-1 evacuation and rescue corridor per
township by 2030". A corridor is the fastest route before the disaster from
a supplying depot to a township: to its hub — a street-tier depot — or,
without hubs, to its most populous zone. :func:`plan_corridors` lays them out
on the road graph as it stands before the hazard strikes:

* ``"auto"`` — one corridor per street-tier depot (the township hubs), from
  the district depot nearest to it in travel time; if the scenario has no
  street-tier depots, one per township, to its most populous zone, from the
  district depot nearest to that zone. Without district depots, city depots
  supply the corridors, and without those any depot.
* a list — each ``{id, from_depot, to_depot | to_township}`` as written.

A corridor's township is the township of its end zone (for a hub, the zone
nearest to it). Ends no road connects are left out with a warning.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Corridor", "plan_corridors", "SUPPLY_TIERS"]

#: Depot tiers that supply corridors, in order of preference.
SUPPLY_TIERS = ("district", "city")


@dataclass(frozen=True)
class Corridor:
    """One corridor on the road graph: ``edges`` in driving order from ``source_node``."""

    corridor_id: str
    township: str
    from_depot: str
    to: str                     # the depot or zone it leads to
    source_node: int
    target_node: int
    edges: np.ndarray
    segments: np.ndarray        # road segments on the route, in driving order
    length_km: float


def _suppliers(depots) -> list:
    for tier in SUPPLY_TIERS:
        chosen = [d for d in depots if d.tier == tier]
        if chosen:
            return chosen
    return list(depots)


def _route(router, graph, corridor_id, township, depot, to, target) -> Corridor | None:
    route = router.route(depot.node, target)
    if route is None:
        return None
    _, first = np.unique(graph.segment[route.edges], return_index=True)
    segments = graph.segment[route.edges][np.sort(first)]
    return Corridor(corridor_id, township, depot.depot_id, to, int(depot.node), int(target),
                    np.asarray(route.edges, dtype=np.int64), segments.astype(np.int64), route.length_m / 1000.0)


def _nearest_zone(router, zones, node: int):
    times = router.times_from(node)[[z.node for z in zones]]
    return zones[int(np.argmin(times))] if np.isfinite(times).any() else None


def _auto_ends(zones, depots, router) -> list[tuple[str, str, str, int]]:
    """(id, township, what it leads to, node) of the automatic corridors."""
    hubs = [d for d in depots if d.tier == "street"]
    if hubs:
        ends = []
        for hub in hubs:
            zone = _nearest_zone(router, zones, hub.node) if zones else None
            ends.append((f"corridor-{hub.depot_id}", zone.township if zone is not None else "", hub.depot_id,
                         int(hub.node)))
        return ends
    ends = []
    for township in sorted({z.township for z in zones}):
        members = [z for z in zones if z.township == township]
        top = max(members, key=lambda z: (z.population, -z.index))
        ends.append((f"corridor-{township}" if township else "corridor", township, top.zone_id, int(top.node)))
    return ends


def plan_corridors(spec, zones, depots, router) -> tuple[list[Corridor], list[str]]:
    """The scenario's corridors (``spec``: ``"auto"`` or a list of corridor sections) and warnings.

    ``router`` must answer for the road state before the hazard; ``zones``
    and ``depots`` are the world's agents.
    """
    graph = router.graph
    corridors: list[Corridor] = []
    warnings: list[str] = []
    if spec == "auto":
        suppliers = [d for d in _suppliers(depots) if d.tier != "street"] or _suppliers(depots)
        if not suppliers:
            return [], []
        for corridor_id, township, to, node in _auto_ends(zones, depots, router):
            times = router.table(np.array([d.node for d in suppliers]), np.array([node]))[:, 0]
            depot = suppliers[int(np.argmin(times))]
            corridor = _route(router, graph, corridor_id, township, depot, to, node) \
                if np.isfinite(times).any() else None
            if corridor is None:
                warnings.append(f"corridor {corridor_id}: no road leads from any supplying depot to {to}")
            else:
                corridors.append(corridor)
        return corridors, warnings
    by_id = {d.depot_id: d for d in depots}
    for c in spec:
        depot = by_id[c.from_depot]
        if c.to_depot is not None:
            to, node = c.to_depot, int(by_id[c.to_depot].node)
            zone = _nearest_zone(router, zones, node) if zones else None
            township = zone.township if zone is not None else ""
        else:
            members = [z for z in zones if z.township == c.to_township]
            top = max(members, key=lambda z: (z.population, -z.index))
            to, node, township = top.zone_id, int(top.node), c.to_township
        corridor = _route(router, graph, c.id, township, depot, to, node)
        if corridor is None:
            warnings.append(f"corridor {c.id}: no road leads from depot {c.from_depot} to {to}")
        else:
            corridors.append(corridor)
    return corridors, warnings
