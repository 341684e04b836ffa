"""Snap places given in lon/lat (depots, shelters, incidents) to road-graph nodes.

A scenario says "the depot is at 116.40 E, 39.90 N"; vehicles drive between
graph nodes, so every such place is attached to its nearest node. A
:class:`Snapper` builds one k-d tree over the graph's nodes (kept for the graph:
its copies and the next snapper on it share the tree, and the points it has
snapped) and answers any number of look-ups in O(log n) each.

Places snap to nodes of the network's largest strongly connected part (by
default): a node that trucks can reach but not leave — a one-way dead end
where an extract was cut out of a larger map — is never chosen, so every
place can be driven to and back from (the usual practice, e.g. OSMnx's
``largest_component(strongly=True)``).

The tree holds Earth-centred x, y, z coordinates in metres rather than a map
projection: the straight-line distance between two such points increases
monotonically with their great-circle distance, so the node found is the exact
great-circle nearest node (no projection distortion, anywhere on the globe),
and the distance returned is the great-circle (haversine) distance in metres.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.network.geo import chord_to_arc_m, earth_centred_xyz_m
from sim.network.graph import RoadGraph

__all__ = ["Snapper", "largest_strong_component"]


def largest_strong_component(graph: RoadGraph) -> np.ndarray:
    """Node indices of the graph's largest strongly connected component."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import connected_components

    if graph.n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    adjacency = csr_array((np.ones(graph.n_edges, dtype=np.int8), (graph.tails, graph.heads)),
                          shape=(graph.n_nodes, graph.n_nodes))
    _, label = connected_components(adjacency, directed=True, connection="strong")
    return np.flatnonzero(label == np.bincount(label).argmax()).astype(np.int64)


_TREES: dict = {}      # (ids of the graph's static arrays, strongly connected) -> (arrays kept alive, look-up)
_TREES_SIZE = 4


def _lookup_for(graph: RoadGraph, strongly_connected: bool):
    """The nodes places may snap to, a k-d tree over them and the points snapped so far
    (``(lon, lat) -> (node, distance_m)``), kept per graph: its copies share the static
    arrays, and every run of a scenario snaps the same places to the same graph."""
    arrays = (graph.tails, graph.heads, graph.lon, graph.lat)
    key = (*(id(a) for a in arrays), graph.n_nodes, bool(strongly_connected))
    hit = _TREES.get(key)
    if hit is not None:
        return hit[1]
    nodes = largest_strong_component(graph) if strongly_connected else np.arange(graph.n_nodes)
    nodes.flags.writeable = False
    lookup = (nodes, cKDTree(earth_centred_xyz_m(graph.lon[nodes], graph.lat[nodes])), {})
    if len(_TREES) >= _TREES_SIZE:
        _TREES.pop(next(iter(_TREES)))
    _TREES[key] = (arrays, lookup)     # the arrays kept alive: their ids stay unique
    return lookup


class Snapper:
    """Nearest-node look-up for a :class:`RoadGraph` with coordinates.

    Parameters
    ----------
    graph : RoadGraph
        Must have finite ``lon``/``lat`` for every node (``graph.has_coordinates``);
        DIMACS graphs, for one, have none.

    Raises
    ------
    ValueError
        If the graph has no coordinates.
    """

    def __init__(self, graph: RoadGraph, *, strongly_connected: bool = True):
        if not graph.has_coordinates:
            missing = int((~(np.isfinite(graph.lon) & np.isfinite(graph.lat))).sum())
            raise ValueError(
                f"graph {graph.name!r} has no coordinates for {missing} of its {graph.n_nodes} nodes, "
                "so places cannot be snapped to it; give the places as node ids instead, "
                "or read the graph from a source with coordinates (OSM, CSV, GraphML with lon/lat)"
            )
        self.graph = graph
        self._nodes, self._tree, self._snapped = _lookup_for(graph, strongly_connected)

    def snap(self, lon: float, lat: float, *, max_distance_m: float | None = None) -> tuple[int, float]:
        """The node nearest to one point and its great-circle distance.

        Parameters
        ----------
        lon, lat : float
            Degrees (WGS 84).
        max_distance_m : float, optional
            Raise ``ValueError`` if the nearest node is farther than this.

        Returns
        -------
        (node_index, distance_m)
        """
        if max_distance_m is None:
            key = (float(lon), float(lat))
            hit = self._snapped.get(key)
            if hit is None:
                idx, dist = self.snap_many([lon], [lat])
                hit = self._snapped[key] = (int(idx[0]), float(dist[0]))
            return hit
        idx, dist = self.snap_many([lon], [lat], max_distance_m=max_distance_m)
        return int(idx[0]), float(dist[0])

    def snap_many(self, lons, lats, *, max_distance_m: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The nearest node to each point: ``(int64 indices, float64 distances_m)``.

        Ties between equidistant nodes go to either. ``max_distance_m`` applies
        to every point; the error names the first point beyond it.
        """
        lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
        lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
        if lons.shape != lats.shape or lons.ndim != 1:
            raise ValueError(f"lons and lats must be 1-d and of one length, "
                             f"got shapes {lons.shape} and {lats.shape}")
        valid = np.isfinite(lons) & np.isfinite(lats) & (np.abs(lats) <= 90) & (np.abs(lons) <= 360)
        bad = np.flatnonzero(~valid)
        if len(bad):
            i = bad[0]
            raise ValueError(f"point {i}: (lon={lons[i]}, lat={lats[i]}) is not a valid position in degrees")
        if len(lons) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        chord_m, idx = self._tree.query(earth_centred_xyz_m(lons, lats))
        dist_m = np.atleast_1d(chord_to_arc_m(chord_m))
        idx = self._nodes[np.asarray(idx, dtype=np.int64)]
        if max_distance_m is not None:
            far = np.flatnonzero(dist_m > max_distance_m)
            if len(far):
                i = far[0]
                raise ValueError(
                    f"point (lon={lons[i]}, lat={lats[i]}) is {dist_m[i]:.1f} m from the nearest node "
                    f"(id {self.graph.node_ids[idx[i]]}) of graph {self.graph.name!r}, "
                    f"more than max_distance_m={max_distance_m:g}; is it inside the road network's area?"
                )
        return idx, dist_m
