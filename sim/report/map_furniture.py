"""What every map needs to be read away from the screen: lon/lat axes with
their units at the right aspect, a scale bar, township labels and a legend
whose classes are the planning lines (:mod:`sim.report.time_classes`)."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["lonlat_axes", "scale_bar", "township_labels", "township_centres", "nice_length_km"]

_KM_PER_DEG_LAT = 111.32


def lonlat_axes(ax, mean_lat: float, title: str) -> None:
    """Equal-distance aspect at ``mean_lat``, axis labels in degrees, a title."""
    ax.set_aspect(1 / math.cos(math.radians(mean_lat)))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(title)


def nice_length_km(span_km: float) -> float:
    """A round bar length of about a fifth of ``span_km`` (1, 2 or 5 × 10^k km)."""
    target = max(span_km / 5.0, 1e-3)
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target) if target >= power else power


def scale_bar(ax, mean_lat: float) -> None:
    """A black-and-white scale bar in the lower right corner, labelled in km."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km_per_deg = _KM_PER_DEG_LAT * math.cos(math.radians(mean_lat))
    length = nice_length_km((x1 - x0) * km_per_deg)
    deg = length / km_per_deg
    right, bottom = x1 - 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    height = 0.008 * (y1 - y0)
    for k in range(2):
        ax.add_patch(_rect(right - deg + k * deg / 2, bottom, deg / 2, height, "black" if k == 0 else "white"))
    ax.text(right - deg / 2, bottom + 2.5 * height, f"{length:g} km", ha="center", va="bottom", fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1}, zorder=20)


def _rect(x, y, w, h, color):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=color, edgecolor="black", linewidth=0.8, zorder=20)


def township_centres(zones) -> list[tuple[str, float, float]]:
    """(township, lon, lat) at the population-weighted centre of its zones."""
    if "township" not in zones or zones["township"].isna().all():
        return []
    out = []
    for town, group in zones.dropna(subset=["township"]).groupby("township", sort=True):
        w = group["population"].to_numpy(dtype=float) + 1e-9
        out.append((str(town), float(np.average(group["lon"], weights=w)), float(np.average(group["lat"], weights=w))))
    return out


def township_labels(ax, zones) -> None:
    """Each township's id at the centre of its zones."""
    for town, lon, lat in township_centres(zones):
        ax.text(lon, lat, town, ha="center", va="center", fontsize=7, color="#333333", weight="bold", zorder=15,
                bbox={"facecolor": "white", "edgecolor": "#999999", "alpha": 0.6, "pad": 0.8, "lw": 0.5})
