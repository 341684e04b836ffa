"""Matplotlib figures without global state: a :class:`~matplotlib.figure.Figure`
on its own Agg canvas, laid out so titles and labels are never clipped, and
written atomically. Nothing here touches ``pyplot`` or the backend, so writing
outputs from a notebook leaves its inline plots alone.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.ticker as mticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.files import atomic_write

__all__ = ["new_figure", "save_figure", "hours_axis", "share_axis", "draw_target_lines", "TARGET_LINE_COLORS"]

#: Colours of the planning-target lines, by hours.
TARGET_LINE_COLORS = {3.0: "#d62728", 4.0: "#ff7f0e", 6.0: "#8c564b", 8.0: "#d62728", 12.0: "#ff7f0e"}


def new_figure(width: float, height: float, *, dpi: int = 110, nrows: int = 1, ncols: int = 1, **subplots):
    """A figure on an Agg canvas with constrained layout, and its axes."""
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, **subplots)
    return fig, axes


def save_figure(fig: Figure, path: Path | str) -> str:
    """Write ``fig`` as PNG to ``path`` atomically; returns the file name."""
    path = Path(path)
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format="png")
    return path.name


def hours_axis(ax, duration_h: float, label: str) -> None:
    """An x axis in hours spanning the whole run, ticks on whole hours (every 6 h or 12 h on long runs)."""
    ax.set_xlim(0, duration_h)
    step = 1 if duration_h <= 12 else 3 if duration_h <= 24 else 6 if duration_h <= 72 else 12
    ax.xaxis.set_major_locator(mticker.MultipleLocator(step))
    ax.set_xlabel(label)


def share_axis(ax, ylabel: str) -> None:
    """A y axis of shares from 0 to 100 %."""
    ax.set_ylim(0, 1.0)
    ax.yaxis.set_major_locator(mticker.MultipleLocator(0.2))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def draw_target_lines(ax, lines_h, horizon_h: float) -> int:
    """Dashed vertical lines at the target hours, labelled above the axes; labels of lines
    closer than 6 % of the axis go on a second row. Returns the rows of labels used."""
    rows, last_x, row = 0, None, 0
    for h in sorted(lines_h):
        if h > horizon_h:
            continue
        color = TARGET_LINE_COLORS.get(float(h), "#9467bd")
        ax.axvline(h, color=color, ls="--", lw=1.2)
        x = h / horizon_h
        row = 1 - row if last_x is not None and x - last_x < 0.06 else 0
        last_x = x
        rows = max(rows, row + 1)
        ax.text(h, 1.01 + 0.06 * row, f"{h:g} h", color=color, ha="center", va="bottom", fontsize=8,
                transform=ax.get_xaxis_transform())
    return rows
