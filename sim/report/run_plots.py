"""Plots of a run against the planning targets, over the whole run.

* ``first_supply_coverage.png`` — share of the sites needing relief with first
  supplies from any reserve tier, from a district or city depot and from a
  city depot, and of the townships with first district supplies, over time,
  with the 3 h / 4 h / 6 h lines;
* ``relief_over_time.png`` — share of the people needing relief relieved (and
  of the sites needing relief fully relieved) over time, with the 8 h / 12 h
  lines, as ``kpi.relief.within`` counts them;
* ``first_supply_map.png`` — zones in classes of first supplies (any reserve
  tier) tied to the planning lines, depots, shelters, township labels and a
  scale bar.

Curves are on the target clock (:mod:`sim.analysis.clock`): hours since each
zone was hit, over the run's whole duration.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.analysis.clock import relieved_since_hit
from sim.analysis.metrics import RELIEF_LINES_H, SUPPLY_LINES_H, township_first_supplies
from sim.report.figures import draw_target_lines, hours_axis, new_figure, save_figure, share_axis
from sim.report.map_furniture import lonlat_axes, scale_bar, township_labels
from sim.report.region_map import draw_roads
from sim.report.time_classes import NOT_AFFECTED, supply_classes

__all__ = ["plot_run", "step_curve", "coverage_figure", "relief_figure", "first_supply_map_figure",
           "SINCE_HIT_LABEL", "SUPPLY_CURVES", "TOWNSHIP_LABEL"]

SINCE_HIT_LABEL = "hours since the zone was hit"


def step_curve(times_h: np.ndarray, weights: np.ndarray, total: float, horizon_h: float):
    """x, y of a cumulative step curve of ``weights`` reached at ``times_h`` (share of ``total``)."""
    ok = np.isfinite(times_h)
    order = np.argsort(times_h[ok], kind="stable")
    t = np.concatenate([[0.0], times_h[ok][order], [horizon_h]])
    y = np.concatenate([[0.0], np.cumsum(weights[ok][order]), [weights[ok].sum()]]) / max(total, 1)
    return t, y


def _hours(column) -> np.ndarray:
    h = column.astype(float).to_numpy()
    return np.where(np.isnan(h), np.inf, h)


def _share_over_time(ax, lines_h, duration_h: float, ylabel: str, title: str, legend_loc: str) -> None:
    """Target lines, hours since the hit over the whole run, shares in %, title and legend."""
    rows = draw_target_lines(ax, lines_h, duration_h)
    hours_axis(ax, duration_h, SINCE_HIT_LABEL)
    share_axis(ax, ylabel)
    ax.set_title(title, pad=6 + 14 * max(rows, 1))
    ax.legend(loc=legend_loc, fontsize=8)


#: The per-community lines of ``first_supply_coverage.png``: (label, zones.csv column, colour).
SUPPLY_CURVES = (("first supplies at each community (any reserve tier)", "first_supply_h", "#1f77b4"),
                 ("first district supplies at each community (district or city depot)", "first_district_supply_h",
                  "#ff7f0e"),
                 ("first city supplies at each community", "first_city_supply_h", "#9467bd"))
TOWNSHIP_LABEL = "first district supplies in each township (share of townships)"


def coverage_figure(sites, duration_h: float, title: str, supply_lines_h=SUPPLY_LINES_H, township_h=None):
    """Share of the sites whose first supplies had arrived, over the whole run: one line per
    :data:`SUPPLY_CURVES` column in ``sites``, and with ``township_h`` (hours from each township's hit to
    its first district supplies, :func:`sim.analysis.metrics.township_first_supplies`) the share of
    townships."""
    fig, ax = new_figure(8, 4.5)
    for label, column, color in SUPPLY_CURVES:
        if column not in sites:
            continue
        times = _hours(sites[column])
        x, y = step_curve(times, np.ones(len(times)), len(times), duration_h)
        ax.step(x, y, where="post", color=color, lw=2, label=label)
    if township_h is not None and len(township_h):
        times = np.asarray(township_h, dtype=float)
        x, y = step_curve(times, np.ones(len(times)), len(times), duration_h)
        ax.step(x, y, where="post", color="#d62728", lw=1.5, ls="--", label=TOWNSHIP_LABEL)
    _share_over_time(ax, supply_lines_h, duration_h, "share of the sites (townships) needing relief", title,
                     "lower right")
    return fig


def relief_figure(t_min: np.ndarray, cumulative: np.ndarray, sites, people_needing_relief: float, duration_h: float,
                  title: str, relief_lines_h=RELIEF_LINES_H):
    """Share of the people needing relief relieved (``cumulative`` people by ``t_min`` minutes since the hit,
    as :func:`sim.analysis.clock.relieved_since_hit` gives them) and of the sites needing relief fully
    relieved, over the whole run."""
    fig, ax = new_figure(8, 4.5)
    x, y = step_curve(np.asarray(t_min) / 60, np.diff(np.asarray(cumulative), prepend=0.0), people_needing_relief,
                      duration_h)
    ax.step(x, y, where="post", color="#2ca02c", lw=2, label="people needing relief relieved")
    relief = _hours(sites["relief_h"])
    x, y = step_curve(relief, np.ones(len(relief)), len(relief), duration_h)
    ax.step(x, y, where="post", color="#17becf", lw=1.5, ls=":", label="sites needing relief fully relieved")
    _share_over_time(ax, relief_lines_h, duration_h, "share of the people / sites needing relief", title,
                     "upper left")
    return fig


def first_supply_map_figure(graph, zones, depots, shelters, title: str, target_lines_h=()):
    """Zones by first-supply class (the planning lines), depots, shelters, townships, a scale bar.

    ``depots`` are ``(id, tier, lon, lat)``, ``shelters`` ``(id, lon, lat)``.
    """
    fig, ax = new_figure(9.5, 8.5)
    draw_roads(ax, graph)
    classes = supply_classes(target_lines_h)
    affected = zones["affected"] > 0
    ax.scatter(zones.loc[~affected, "lon"], zones.loc[~affected, "lat"], s=6, color="#bbbbbb", zorder=4,
               label=NOT_AFFECTED)
    index = classes.index(zones.loc[affected, "first_supply_h"].astype(float))
    lon, lat = zones.loc[affected, "lon"].to_numpy(), zones.loc[affected, "lat"].to_numpy()
    for k, (label, color) in enumerate(zip(classes.labels, classes.colors)):
        m = index == k
        marker = "x" if label == classes.never else "o"
        ax.scatter(lon[m], lat[m], s=26, color=color, marker=marker, edgecolor="black" if marker == "o" else None,
                   linewidths=0.3 if marker == "o" else 1.2, zorder=5,
                   label=f"first supplies {label} ({int(m.sum())} sites)")
    tiers_shown: set[str] = set()
    for did, tier, dlon, dlat in depots:
        ax.scatter(dlon, dlat, marker="*", s=260, color="#d62728" if tier == "city" else "#ff7f0e",
                   edgecolor="black", zorder=7, label=None if tier in tiers_shown else f"{tier} depot")
        tiers_shown.add(tier)
        ax.annotate(f"{did} ({tier})", (dlon, dlat), xytext=(6, 6), textcoords="offset points", fontsize=8,
                    weight="bold")
    for i, (_sid, slon, slat) in enumerate(shelters):
        ax.scatter(slon, slat, marker="^", s=60, color="#2e8b57", edgecolor="black", zorder=6,
                   label="shelter" if i == 0 else None)
    mean_lat = float(np.nanmean(graph.lat))
    lonlat_axes(ax, mean_lat, title)
    ax.autoscale()
    township_labels(ax, zones)
    scale_bar(ax, mean_lat)
    ax.legend(loc="lower left", fontsize=7, framealpha=0.9)
    return fig


def plot_run(run, summary: dict, zones, out: Path) -> list[str]:
    """Write the run's plots into ``out``; returns their file names."""
    affected = zones[zones["affected"] > 0]
    if len(affected) == 0:
        return []
    duration_h = run.scenario.duration / 60
    name = summary["scenario"]
    targets = summary["targets"]
    supply_lines = sorted({*SUPPLY_LINES_H, *targets["district_supplies_h"], *targets["city_supplies_h"]})
    relief_lines = sorted({*RELIEF_LINES_H, *targets["basic_relief_h"]})
    sites = affected[affected["needing_relief"] > 0]
    needing = [z for z in run.world.zones if z.is_affected and z.needs_relief]
    township_h = township_first_supplies(run.world, needing) / 60.0
    written = [save_figure(coverage_figure(sites, duration_h, f"First supplies — {name}", supply_lines, township_h),
                           out / "first_supply_coverage.png")]
    t_min, cumulative = relieved_since_hit(run)
    needing = summary["kpi"]["relief"]["people_needing_relief"]
    written.append(save_figure(relief_figure(t_min, cumulative, sites, needing, duration_h,
                                             f"Basic-living relief — {name}", relief_lines),
                               out / "relief_over_time.png"))
    g = run.world.graph
    if not g.has_coordinates:                  # a map needs lon/lat
        return written
    depots = [(d.depot_id, d.tier, float(g.lon[d.node]), float(g.lat[d.node])) for d in run.world.depots]
    shelters = [(s.shelter_id, float(g.lon[s.node]), float(g.lat[s.node])) for s in run.world.shelters]
    written.append(save_figure(first_supply_map_figure(g, zones, depots, shelters,
                                                       f"First-supply time by zone — {name}",
                                                       targets["district_supplies_h"]),
                               out / "first_supply_map.png"))
    return written
