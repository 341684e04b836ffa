"""Plots of a run against the planning targets.

* ``first_supply_coverage.png`` — share of affected sites with first district
  supplies over time, with the 3 h / 4 h / 6 h lines.
* ``relief_over_time.png`` — share of affected people relieved over time, with
  the 8 h / 12 h lines.
* ``first_supply_map.png`` — zones coloured by first-supply time, depots and
  shelters.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.analysis.clock import relieved_since_hit
from sim.analysis.metrics import RELIEF_LINES_H, SUPPLY_LINES_H  # noqa: E402
from sim.report.region_map import draw_roads  # noqa: E402

__all__ = ["plot_run", "step_curve", "draw_target_lines", "style_share_axes", "save_figure"]


def step_curve(times_h: np.ndarray, weights: np.ndarray, total: float, horizon_h: float):
    """x, y of a cumulative step curve of ``weights`` reached at ``times_h`` (share of ``total``)."""
    ok = np.isfinite(times_h)
    order = np.argsort(times_h[ok], kind="stable")
    t = np.concatenate([[0.0], times_h[ok][order], [horizon_h]])
    y = np.concatenate([[0.0], np.cumsum(weights[ok][order]), [weights[ok].sum()]]) / max(total, 1)
    return t, y


#: Colours of the planning-target lines, by hours.
TARGET_LINE_COLORS = {3.0: "#d62728", 4.0: "#ff7f0e", 6.0: "#8c564b", 8.0: "#d62728", 12.0: "#ff7f0e"}


def draw_target_lines(ax, lines_h, horizon_h: float) -> None:
    """Dashed vertical lines at the target hours, labelled above the axes."""
    for h in lines_h:
        if h <= horizon_h:
            color = TARGET_LINE_COLORS.get(float(h), "#9467bd")
            ax.axvline(h, color=color, ls="--", lw=1.2)
            ax.text(h, 1.02, f"{h:g} h", color=color, ha="center", va="bottom", fontsize=9,
                    transform=ax.get_xaxis_transform())


def style_share_axes(ax, title: str, ylabel: str, legend_size=None) -> None:
    """A share-over-time axes: 0–100 %, hours since the zone was hit, grid, legend."""
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("hours since the zone was hit")
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(title, pad=18)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=legend_size)


def save_figure(fig, path: Path) -> str:
    """Lay out, write and close ``fig``; returns the file name."""
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path).name


def _finish(fig, ax, path: Path, title: str, ylabel: str) -> str:
    style_share_axes(ax, title, ylabel)
    return save_figure(fig, path)


def plot_run(run, summary: dict, zones, out: Path) -> list[str]:
    """Write the run's plots into ``out``; returns their file names."""
    affected = zones[zones["affected"] > 0]
    horizon = min(run.scenario.duration / 60, 24.0)
    written = []
    if len(affected) == 0:
        return written
    first = affected["first_supply_h"].astype(float).to_numpy()
    city = affected["first_city_supply_h"].astype(float).to_numpy()
    first = np.where(np.isnan(first), np.inf, first)
    city = np.where(np.isnan(city), np.inf, city)

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for label, times, color in (("first district-or-higher supplies", first, "#1f77b4"),
                                ("first city supplies", city, "#9467bd")):
        x, y = step_curve(times, np.ones(len(times)), len(times), horizon)
        ax.step(x, y, where="post", color=color, lw=2, label=label)
    draw_target_lines(ax, SUPPLY_LINES_H, horizon)
    ax.set_xlim(0, horizon)
    written.append(_finish(fig, ax, out / "first_supply_coverage.png",
                           f"Affected sites reached — {summary['scenario']}", "share of affected sites"))

    relief = affected["relief_h"].astype(float).to_numpy()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    total = affected["affected"].sum()
    t_min, cumulative = relieved_since_hit(run)
    x, y = step_curve(t_min / 60, np.diff(cumulative, prepend=0.0), total, horizon)
    ax.step(x, y, where="post", color="#2ca02c", lw=2, label="people relieved")
    relief = np.where(np.isnan(relief), np.inf, relief)
    x, y = step_curve(relief, np.ones(len(relief)), len(relief), horizon)
    ax.step(x, y, where="post", color="#17becf", lw=1.5, ls=":", label="sites fully relieved")
    draw_target_lines(ax, RELIEF_LINES_H, horizon)
    ax.set_xlim(0, horizon)
    written.append(_finish(fig, ax, out / "relief_over_time.png",
                           f"Basic-living relief — {summary['scenario']}", "share of affected"))

    fig, ax = plt.subplots(figsize=(9, 8.5), dpi=110)
    draw_roads(ax, run.world.graph)
    unaffected = zones[zones["affected"] == 0]
    ax.scatter(unaffected["lon"], unaffected["lat"], s=6, color="#bbbbbb", zorder=4, label="not affected")
    never = ~np.isfinite(first)
    sc = ax.scatter(affected["lon"][~never], affected["lat"][~never], c=first[~never], cmap="RdYlGn_r",
                    vmin=0, vmax=max(6.0, np.nanmax(first[~never]) if (~never).any() else 6.0),
                    s=26, edgecolor="black", linewidths=0.3, zorder=5)
    if never.any():
        ax.scatter(affected["lon"][never], affected["lat"][never], marker="x", color="black", s=30, zorder=6,
                   label="never supplied")
    fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.01).set_label("first-supply time (h)")
    g = run.world.graph
    for d in run.world.depots:
        ax.scatter(g.lon[d.node], g.lat[d.node], marker="*", s=260, color="#ff7f0e", edgecolor="black", zorder=7)
        ax.annotate(d.depot_id, (g.lon[d.node], g.lat[d.node]), xytext=(6, 6), textcoords="offset points",
                    fontsize=8, weight="bold")
    for i, s in enumerate(run.world.shelters):
        ax.scatter(g.lon[s.node], g.lat[s.node], marker="^", s=60, color="#2e8b57", edgecolor="black", zorder=6,
                   label="shelter" if i == 0 else None)
    ax.set_aspect(1 / np.cos(np.radians(np.nanmean(g.lat))))
    ax.set_title(f"First-supply time by zone — {summary['scenario']}")
    ax.legend(loc="lower left", fontsize=7)
    written.append(save_figure(fig, out / "first_supply_map.png"))
    return written
