"""The before/after plot of a comparison: coverage and relief curves with 95 % bands.

``comparison.png`` has two panels sharing the time axis (hours since the
event, over the whole run): the share of the sites needing relief whose first
supplies from any reserve tier had arrived, against the 3 h line (and any
other supply target), and the share of the people needing relief relieved,
against the 8 h and 12 h lines. Each
side is the mean curve over replications with its 95 % confidence band at
every point of the curve grid (:func:`sim.experiments.statistics.curve_band`),
before in grey, after in blue.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.experiments.statistics import curve_band
from sim.report.figures import draw_target_lines, hours_axis, new_figure, save_figure, share_axis
from sim.report.run_plots import SINCE_HIT_LABEL

__all__ = ["plot_comparison", "curve_band", "write_comparison_plot", "SIDE_COLORS"]

SIDE_COLORS = {"before": "#7f7f7f", "after": "#1f77b4"}




def _panel(ax, before, after, step_h, lines_h, labels, ylabel, title):
    horizon = (max(before.shape[-1], after.shape[-1]) - 1) * step_h
    for key, curves in (("before", before), ("after", after)):
        hours = np.arange(curves.shape[1]) * step_h
        mean, low, high = curve_band(curves)
        ax.fill_between(hours, low, high, step="post", color=SIDE_COLORS[key], alpha=0.25, lw=0)
        ax.step(hours, mean, where="post", color=SIDE_COLORS[key], lw=2, label=f"{labels[key]} (n = {curves.shape[0]})")
    rows = draw_target_lines(ax, lines_h, horizon)
    hours_axis(ax, horizon, SINCE_HIT_LABEL)
    share_axis(ax, ylabel)
    ax.set_title(title, pad=6 + 14 * max(rows, 1))
    ax.legend(loc="lower right", fontsize=8)


def plot_comparison(before: dict, after: dict, step_h: float, path: Path, *, before_label: str,
                    after_label: str, supply_lines_h=(3.0,), relief_lines_h=(8.0, 12.0)) -> str:
    """Write ``comparison.png``; ``before``/``after`` map ``curve_first_supplies`` and
    ``curve_relief`` to arrays (replications × grid points, ``step_h`` hours apart)."""
    labels = {"before": before_label, "after": after_label}
    fig, axes = new_figure(13, 5, ncols=2)
    _panel(axes[0], before["curve_first_supplies"], after["curve_first_supplies"], step_h, list(supply_lines_h),
           labels, "share of the sites needing relief", "First supplies at each community (any reserve tier)")
    _panel(axes[1], before["curve_relief"], after["curve_relief"], step_h, list(relief_lines_h),
           labels, "share of the people needing relief", "Basic-living relief")
    fig.suptitle("Before / after: mean over paired replications with 95 % bands", fontsize=11)
    return save_figure(fig, path)


def write_comparison_plot(comparison) -> list[str]:
    """Draw ``comparison.png`` of a finished :class:`sim.experiments.compare.Comparison`
    (nothing when no pair succeeded); returns the files written."""
    if not comparison.curves_before:
        return []
    return [plot_comparison(comparison.curves_before, comparison.curves_after, comparison.curve_step_h,
                            comparison.out_dir / "comparison.png",
                            before_label=f"before: {comparison.baseline['name']}",
                            after_label=f"after: {comparison.variant['name']}",
                            supply_lines_h=comparison.supply_lines_h, relief_lines_h=comparison.relief_lines_h)]
