"""Which zones, nodes and facilities lie inside a scenario area.

A scenario names an area as a list of townships, a circle around a lon/lat,
or everywhere (:class:`sim.scenarios.hazard_models.Area`). Zones carry their
township; a point that is not a zone (a road node, a depot, a shelter) takes
the township of its nearest zone centre.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.network.geo import earth_centred_xyz_m, haversine_m

__all__ = ["zones_in_area", "points_in_area", "nearest_zones", "node_townships"]


def zones_in_area(area, zones: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the zones inside a scenario ``Area``."""
    if area.everywhere:
        return np.ones(len(zones), dtype=bool)
    if area.townships is not None:
        return zones["township"].isin(area.townships).to_numpy()
    lon, lat = area.around.center
    d = haversine_m(zones["lon"].to_numpy(), zones["lat"].to_numpy(), lon, lat)
    return d <= area.around.radius


def points_in_area(area, lon, lat, township=None) -> np.ndarray:
    """Mask of points (depots, shelters, nodes) inside an area.

    For a township area, points take the township of their nearest zone
    (``township`` gives it per point).
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if area.everywhere:
        return np.ones(len(lon), dtype=bool)
    if area.around is not None:
        clon, clat = area.around.center
        return haversine_m(lon, lat, clon, clat) <= area.around.radius
    if township is None:
        raise ValueError("a township area needs the township of every point")
    return np.isin(np.asarray(township), area.townships)


def nearest_zones(lon, lat, zone_lon, zone_lat) -> np.ndarray:
    """Index of the nearest zone centre (``zone_lon``, ``zone_lat``) of every point."""
    from scipy.spatial import cKDTree

    tree = cKDTree(earth_centred_xyz_m(np.asarray(zone_lon, float), np.asarray(zone_lat, float)))
    return tree.query(earth_centred_xyz_m(np.asarray(lon, float), np.asarray(lat, float)))[1]


def node_townships(graph, zones: pd.DataFrame) -> np.ndarray:
    """Township of every graph node: that of its nearest zone centre."""
    nearest = nearest_zones(graph.lon, graph.lat, zones["lon"].to_numpy(), zones["lat"].to_numpy())
    return zones["township"].to_numpy()[nearest]
