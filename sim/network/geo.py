"""Distances on the Earth and coordinates in metres, for the road-graph readers.

Everything here treats the Earth as a sphere of radius :data:`EARTH_RADIUS_M`
(the IUGG mean radius). Over the tens of kilometres of a city or county the
sphere is within 0.5 % of the ellipsoid, far below the uncertainty of a
disaster-time travel speed.

* :func:`haversine_m` — great-circle distance, used for OSM segment lengths.
* :func:`earth_centred_xyz_m` / :func:`chord_to_arc_m` — Earth-centred x, y, z in
  metres. The straight-line (chord) distance between two such points grows
  monotonically with their great-circle distance, so a k-d tree on them finds
  the exact nearest node anywhere on the globe (used by :mod:`sim.network.snap`).
* :class:`LocalProjection` — a local equirectangular projection to metres
  around a reference point, for planar work such as hazard footprints: within
  about 25 km of the reference latitude its distances are within 0.5 % of the
  great-circle distance at mid latitudes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["EARTH_RADIUS_M", "haversine_m", "earth_centred_xyz_m", "chord_to_arc_m", "LocalProjection"]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres between points given in degrees.

    Accepts scalars or arrays (broadcast); returns a float or an array.
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return float(d) if d.ndim == 0 else d


def earth_centred_xyz_m(lon, lat) -> np.ndarray:
    """Earth-centred Cartesian coordinates (metres, shape ``(n, 3)``) of points in degrees."""
    lon = np.radians(np.atleast_1d(np.asarray(lon, dtype=np.float64)))
    lat = np.radians(np.atleast_1d(np.asarray(lat, dtype=np.float64)))
    cos_lat = np.cos(lat)
    return EARTH_RADIUS_M * np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def chord_to_arc_m(chord_m):
    """Great-circle distance (m) of two points whose Earth-centred chord is ``chord_m``."""
    chord_m = np.asarray(chord_m, dtype=np.float64)
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.clip(chord_m / (2 * EARTH_RADIUS_M), 0.0, 1.0))
    return float(d) if d.ndim == 0 else d


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection to metres around ``(lon0, lat0)`` (degrees).

    ``x`` points east and ``y`` north, both in metres from the reference point;
    east-west distances are scaled by ``cos(lat0)``. The error grows with the
    distance from ``lat0`` (about ``tan(lat0) * Δlat`` in relative terms: 0.2 %
    at 25 km from it at 40° N), so centre it on the area of interest, e.g.
    with :meth:`around`.
    """

    lon0: float
    lat0: float

    @classmethod
    def around(cls, lon, lat) -> "LocalProjection":
        """A projection centred on the mean of the given points."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        if lon.size == 0 or not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            raise ValueError("a local projection needs at least one point with finite lon/lat")
        # Mean of longitudes via unit vectors, so a graph across ±180° centres correctly.
        lon0 = float(np.degrees(np.arctan2(np.sin(np.radians(lon)).mean(), np.cos(np.radians(lon)).mean())))
        return cls(lon0, float(lat.mean()))

    @property
    def _m_per_rad_x(self) -> float:
        return EARTH_RADIUS_M * float(np.cos(np.radians(self.lat0)))

    def to_xy_m(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Project degrees to metres east (x) and north (y) of the reference point."""
        dlon = (np.asarray(lon, dtype=np.float64) - self.lon0 + 180.0) % 360.0 - 180.0
        x = np.radians(dlon) * self._m_per_rad_x
        y = np.radians(np.asarray(lat, dtype=np.float64) - self.lat0) * EARTH_RADIUS_M
        return x, y

    def to_lonlat(self, x_m, y_m) -> tuple[np.ndarray, np.ndarray]:
        """Inverse of :meth:`to_xy_m`."""
        lon = self.lon0 + np.degrees(np.asarray(x_m, dtype=np.float64) / self._m_per_rad_x)
        lat = self.lat0 + np.degrees(np.asarray(y_m, dtype=np.float64) / EARTH_RADIUS_M)
        return (lon + 180.0) % 360.0 - 180.0, lat
