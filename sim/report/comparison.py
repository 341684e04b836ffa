"""The before/after plot of a comparison: coverage and relief curves with 95 % bands.

``comparison.png`` has two panels sharing the time axis (hours since the
event): the share of affected sites whose first district supplies had
arrived, against the 3 h line (and any other supply target), and the share of
affected people relieved, against the 8 h and 12 h lines. Each side is the
mean curve over replications with its 95 % confidence band (Student t at
every point of the curve grid, :func:`sim.experiments.statistics.curve_band`), before
in grey, after in blue.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.experiments.statistics import curve_band  # noqa: E402
from sim.report.run_plots import draw_target_lines, style_share_axes  # noqa: E402

__all__ = ["plot_comparison", "curve_band"]

_COLORS = {"before": "#7f7f7f", "after": "#1f77b4"}


def _horizon_h(before: np.ndarray, after: np.ndarray, step_h: float, lines_h) -> float:
    """Until both mean curves level off (at least the last line + 2 h, at most the run)."""
    full = (max(before.shape[-1], after.shape[-1]) - 1) * step_h
    horizon = max(lines_h) + 2.0 if lines_h else 12.0
    for curves in (before, after):
        mean = np.nanmean(curves, axis=0)
        if np.isfinite(mean).any():
            last = np.nanmax(mean)
            reached = np.nonzero(mean >= last - 1e-9)[0]
            if len(reached):
                horizon = max(horizon, reached[0] * step_h + 1.0)
    return min(full, math.ceil(horizon))


def _panel(ax, before, after, step_h, lines_h, labels, ylabel, title):
    horizon = _horizon_h(before, after, step_h, lines_h)
    for key, curves in (("before", before), ("after", after)):
        hours = np.arange(curves.shape[1]) * step_h
        mean, low, high = curve_band(curves)
        ax.fill_between(hours, low, high, step="post", color=_COLORS[key], alpha=0.25, lw=0)
        ax.step(hours, mean, where="post", color=_COLORS[key], lw=2, label=f"{labels[key]} (n = {curves.shape[0]})")
    draw_target_lines(ax, lines_h, horizon)
    ax.set_xlim(0, horizon)
    style_share_axes(ax, title, ylabel, legend_size=8)


def plot_comparison(before: dict, after: dict, step_h: float, path: Path, *, before_label: str,
                    after_label: str, supply_lines_h=(3.0,), relief_lines_h=(8.0, 12.0)) -> str:
    """Write ``comparison.png``; ``before``/``after`` map ``curve_first_supplies`` and
    ``curve_relief`` to arrays (replications × grid points, ``step_h`` hours apart)."""
    labels = {"before": before_label, "after": after_label}
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), dpi=110)
    _panel(axes[0], before["curve_first_supplies"], after["curve_first_supplies"], step_h, list(supply_lines_h),
           labels, "share of affected sites", "First district supplies on site")
    _panel(axes[1], before["curve_relief"], after["curve_relief"], step_h, list(relief_lines_h),
           labels, "share of affected people", "Basic-living relief")
    fig.suptitle("Before / after: mean over paired replications with 95 % bands", fontsize=11)
    fig.tight_layout()
    path = Path(path)
    from sim.files import atomic_write

    with atomic_write(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return path.name


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
