"""Which zones each depot serves first: the four tiers of the reserve system.

The plans describe reserves at four levels — district, street/township,
community, household [TZ] (city, district, street [BJ14]) — with the lower
levels serving their own area first and unified dispatch across levels when
an event exceeds one [BJ14, TZ]. A depot's service area is its ``serves``
setting, or by tier: a **street** (township) reserve serves the zones of the
township it stands in; a **community** reserve serves its own zone (the zone
nearest to it); **district** and **city** depots serve every zone. Dispatch
(:mod:`sim.dispatch.command`) lets district and city depots take a zone's
need only when the reserves of its own area cannot cover it (escalation).
"""
from __future__ import annotations

import numpy as np

from sim.network.areas import node_townships
from sim.network.geo import haversine_m
from sim.scenarios.resources import LOCAL_TIERS

__all__ = ["service_areas", "LOCAL_TIERS"]



def service_areas(depots, zone_table, graph) -> np.ndarray:
    """``serves[depot, zone]``: whether each depot serves each zone (see the module docstring)."""
    n_zones = len(zone_table)
    serves = np.zeros((len(depots), n_zones), dtype=bool)
    towns = zone_table["township"].astype(str).to_numpy() if "township" in zone_table else np.full(n_zones, "")
    ids = zone_table["zone_id"].astype(str).to_numpy()
    node_town = None
    for k, depot in enumerate(depots):
        area = depot.spec.serves
        if area is not None and area.townships is not None:
            serves[k] = np.isin(towns, area.townships)
        elif area is not None:
            serves[k] = np.isin(ids, area.zones)
        elif depot.tier == "street":
            if node_town is None and graph.has_coordinates and n_zones:
                node_town = node_townships(graph, zone_table)
            serves[k] = towns == (node_town[depot.node] if node_town is not None else "")
        elif depot.tier == "community" and n_zones:
            lon, lat = zone_table["lon"].to_numpy(float), zone_table["lat"].to_numpy(float)
            nearest = int(np.argmin(haversine_m(lon, lat, graph.lon[depot.node], graph.lat[depot.node])))
            serves[k, nearest] = True
        else:
            serves[k] = True
    return serves
