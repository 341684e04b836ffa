"""Seismic intensity at a site: elliptical attenuation on the fault strike.

Chinese practice describes how shaking fades with distance by two relations
fitted to isoseismal maps, one along the long axis of the isoseismals (parallel
to the fault strike) and one along the short axis:

    I_long  = a_L + b_L·M − c_L·log(R + r0_L)
    I_short = a_S + b_S·M − c_S·log(R + r0_S)

with I the intensity on the Chinese scale (GB/T 17742), M the surface-wave
magnitude and R the epicentral distance in km. Each relation, read backwards,
gives the semi-axis of the isoseismal ellipse of intensity I; a site has the
intensity of the ellipse through it, ``(x/A(I))² + (y/B(I))² = 1`` with x
along and y across the strike. This module solves that equation for every site
at once (bisection: the left side grows with I) and converts intensity to peak
ground acceleration (:func:`pga_g_from_intensity`).

Relations shipped (``Attenuation.relation``):

``wang2000-north-china`` (default)
    Wang Suyun, Yu Yanxiang, Gao Ajia, Yan Xiujie (2000), "Development of
    attenuation relations for ground motion in China" (汪素云, 俞言祥, 高阿甲,
    阎秀杰, 中国分区地震动衰减关系的确定, 中国地震 16(2):99–106), eastern-China
    region, fitted to the isoseismals of 68 M 5.0–7.9 earthquakes up to 1990,
    three quarters of them in North China (as summarised by a later Jiangsu
    study, 地震地磁观测与研究, html.rhhz.net/dzdczz/html/55929.htm), natural log:
    long axis  a=6.046, b=1.480, c=2.081, r0=25 km;
    short axis a=2.617, b=1.435, c=1.441, r0=7 km.
    The coefficients were checked against the same relation as coded in the
    rapid-assessment system ``semicloud/cas`` (class ``M01``, 华东: 6.046,
    1.48, −2.08, 25 / 2.617, 1.435, −1.441, 7), which rounds c_L to 2.08.
``yu2013-east``
    Yu Yanxiang, Li Shanyou, Xiao Liang (2013), "Development of ground motion
    attenuation relations for the new seismic hazard map of China", 震灾防御技术
    8(1), the relation behind GB 18306-2015 for the eastern strong-earthquake
    region, log10: long a=5.7123, b=1.3626, c=4.2903, r0=25 km; short
    a=3.6588, b=1.3626, c=3.5406, r0=13 km; σ = 0.5826. The r0 pair was read
    from a flattened copy of the paper's Table 1; it is the pair for which both
    axes give the same epicentral intensity (both −0.285 + 1.3626·M), which
    supports the reading.

The relations use epicentral distance with a near-source term r0, so the
focal depth does not enter. Outside M 5–8 they are extrapolations.
Validation against the 1679 Sanhe–Pinggu M8 earthquake (epicentral XI,
Beijing VIII) is in ``tests/test_hazard_earthquake.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.network.geo import LocalProjection, haversine_m

__all__ = [
    "AxisRelation", "EllipticalAttenuation", "RELATIONS", "attenuation_for",
    "site_offsets_km", "median_intensity", "pga_g_from_intensity", "INTENSITY_MAX",
]

#: The Chinese scale ends at XII; computed intensities are clipped to [0, 12].
INTENSITY_MAX = 12.0

_G = 9.80665


@dataclass(frozen=True)
class AxisRelation:
    """``I = a + b·M − c·log(R + r0_km)`` along one axis of the isoseismals."""

    a: float
    b: float
    c: float
    r0_km: float
    log_base: str = "e"  # "e" (ln) or "10" (lg)

    def __post_init__(self):
        if not (self.c > 0 and self.r0_km > 0):
            raise ValueError(f"attenuation needs c > 0 and r0 > 0, got c={self.c}, r0={self.r0_km}")
        if self.log_base not in ("e", "10"):
            raise ValueError(f"log_base must be 'e' or '10', got {self.log_base!r}")

    def _log(self, x):
        return np.log(x) if self.log_base == "e" else np.log10(x)

    def _exp(self, x):
        return np.exp(x) if self.log_base == "e" else np.power(10.0, x)

    def intensity(self, magnitude, r_km):
        """Intensity at epicentral distance ``r_km`` along this axis."""
        return self.a + self.b * magnitude - self.c * self._log(np.asarray(r_km, dtype=float) + self.r0_km)

    def radius_km(self, magnitude, intensity):
        """Semi-axis (km) of the isoseismal of ``intensity``; ≤ 0 above the epicentral value."""
        with np.errstate(over="ignore"):
            return self._exp((self.a + self.b * magnitude - np.asarray(intensity, dtype=float)) / self.c) - self.r0_km


@dataclass(frozen=True)
class EllipticalAttenuation:
    """A pair of axis relations combined on the isoseismal ellipse."""

    name: str
    long_axis: AxisRelation
    short_axis: AxisRelation

    def epicentral_intensity(self, magnitude: float) -> float:
        """Intensity at R = 0: the lower of the two axis values (both radii must be ≥ 0)."""
        i0 = min(self.long_axis.intensity(magnitude, 0.0), self.short_axis.intensity(magnitude, 0.0))
        return float(np.clip(i0, 0.0, INTENSITY_MAX))

    def intensity(self, magnitude: float, along_km, across_km, iterations: int = 60) -> np.ndarray:
        """Median intensity at sites ``along_km`` / ``across_km`` from the epicentre.

        The ellipse's semi-major axis is the larger of the two axis radii at
        that intensity and lies along the strike, so isoseismals are never
        elongated across the fault even where the two fitted relations cross
        near the epicentre.
        """
        x = np.abs(np.asarray(along_km, dtype=float))
        y = np.abs(np.asarray(across_km, dtype=float))
        x, y = np.broadcast_arrays(x, y)
        i_hi = self.epicentral_intensity(magnitude)
        lo = np.full(x.shape, -10.0)
        hi = np.full(x.shape, i_hi)
        inside = self._inside(magnitude, x, y, hi)
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            ok = self._inside(magnitude, x, y, mid)
            lo = np.where(ok, mid, lo)
            hi = np.where(ok, hi, mid)
        out = np.where(inside, i_hi, lo)
        return np.clip(out, 0.0, INTENSITY_MAX)

    def _inside(self, magnitude, x, y, intensity):
        """True where the site lies inside (or on) the isoseismal of ``intensity``."""
        ra = self.long_axis.radius_km(magnitude, intensity)
        rb = self.short_axis.radius_km(magnitude, intensity)
        major = np.maximum(ra, rb)
        minor = np.minimum(ra, rb)
        with np.errstate(divide="ignore", invalid="ignore"):
            qx = np.where(x > 0, (x / np.where(major > 0, major, np.nan)) ** 2, 0.0)
            qy = np.where(y > 0, (y / np.where(minor > 0, minor, np.nan)) ** 2, 0.0)
        # A radius ≤ 0 (intensity above the epicentral value on that axis) only
        # admits sites with no offset along that axis.
        qx = np.where((x > 0) & ~(major > 0), np.inf, qx)
        qy = np.where((y > 0) & ~(minor > 0), np.inf, qy)
        return np.nan_to_num(qx + qy, nan=np.inf) <= 1.0


RELATIONS: dict[str, EllipticalAttenuation] = {
    "wang2000-north-china": EllipticalAttenuation(
        "wang2000-north-china",
        long_axis=AxisRelation(6.046, 1.480, 2.081, 25.0, "e"),
        short_axis=AxisRelation(2.617, 1.435, 1.441, 7.0, "e"),
    ),
    "yu2013-east": EllipticalAttenuation(
        "yu2013-east",
        long_axis=AxisRelation(5.7123, 1.3626, 4.2903, 25.0, "10"),
        short_axis=AxisRelation(3.6588, 1.3626, 3.5406, 13.0, "10"),
    ),
}


def attenuation_for(model) -> EllipticalAttenuation:
    """The relation an ``Attenuation`` scenario section names (or its custom coefficients)."""
    if model.relation == "custom":
        if model.long_axis is None or model.short_axis is None:
            raise ValueError("relation 'custom' needs both 'long_axis' and 'short_axis' as [a, b, c, r0_km]")
        return EllipticalAttenuation(
            "custom",
            long_axis=AxisRelation(*map(float, model.long_axis), log_base=model.log_base),
            short_axis=AxisRelation(*map(float, model.short_axis), log_base=model.log_base),
        )
    try:
        return RELATIONS[model.relation]
    except KeyError:
        raise ValueError(f"unknown attenuation relation {model.relation!r}; "
                         f"use one of {', '.join(RELATIONS)} or 'custom'") from None


def site_offsets_km(epicenter, strike_deg: float, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Distances (km) of sites along and across the strike from the epicentre.

    The epicentral distance is the great-circle distance
    (:func:`sim.network.geo.haversine_m`); its direction is the azimuth in a
    local projection centred on the epicentre. ``strike_deg`` is clockwise from
    north, like a compass bearing.
    """
    lon0, lat0 = float(epicenter[0]), float(epicenter[1])
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    r_km = np.asarray(haversine_m(lon0, lat0, lon, lat), dtype=float) / 1000.0
    east, north = LocalProjection(lon0, lat0).to_xy_m(lon, lat)
    azimuth = np.arctan2(east, north)  # clockwise from north
    rel = azimuth - np.radians(strike_deg)
    return r_km * np.cos(rel), r_km * np.sin(rel)


def median_intensity(hazard, lon, lat) -> np.ndarray:
    """Median intensity of an ``Earthquake`` scenario at the given sites (no scatter)."""
    relation = attenuation_for(hazard.attenuation)
    along, across = site_offsets_km(hazard.epicenter, hazard.strike_deg, lon, lat)
    return relation.intensity(hazard.magnitude, along, across)


def pga_g_from_intensity(intensity) -> np.ndarray:
    """Peak ground acceleration (g) of an intensity, GB/T 17742-2020 Appendix A.

    The standard's instrumental intensity from PGA is
    ``I_A = 3.17·lg(PGA) + 6.59`` (PGA in m/s², the vector sum of the three
    components), so ``PGA = 10^((I − 6.59)/3.17)``: 0.65 m/s² at VI,
    2.79 m/s² at VIII, 5.77 m/s² at IX — the class centres the standard lists.
    """
    pga_mps2 = np.power(10.0, (np.asarray(intensity, dtype=float) - 6.59) / 3.17)
    return pga_mps2 / _G
