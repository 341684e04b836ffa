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

__all__ = ["new_figure", "save_figure", "hours_axis", "share_axis", "draw_target_lines", "label_rows",
           "TARGET_LINE_COLORS"]

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


def label_rows(lines_h, horizon_h: float, min_gap: float = 0.06) -> dict[float, int]:
    """The row of each target line's label within ``horizon_h``: the lowest row whose last label is at
    least ``min_gap`` of the axis away, so no two labels on a row meet (3 h, 4 h and 6 h on a 72 h
    axis take three rows)."""
    rows: dict[float, int] = {}
    last: list[float] = []
    for h in sorted(float(h) for h in lines_h if h <= horizon_h):
        x = h / horizon_h
        row = next((r for r, at in enumerate(last) if x - at >= min_gap), len(last))
        if row == len(last):
            last.append(x)
        last[row] = x
        rows[h] = row
    return rows


def draw_target_lines(ax, lines_h, horizon_h: float) -> int:
    """Dashed vertical lines at the target hours, labelled above the axes in rows (:func:`label_rows`).
    Returns the rows of labels used."""
    rows = label_rows(lines_h, horizon_h)
    for h, row in rows.items():
        color = TARGET_LINE_COLORS.get(h, "#9467bd")
        ax.axvline(h, color=color, ls="--", lw=1.2)
        ax.text(h, 1.01 + 0.06 * row, f"{h:g} h", color=color, ha="center", va="bottom", fontsize=8,
                transform=ax.get_xaxis_transform())
    return max(rows.values(), default=-1) + 1
