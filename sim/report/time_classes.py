"""Classes of first-supply and relief times tied to the planning lines.

A map or a legend shows a zone's time in classes whose edges are the
planning lines (3 h / 4 h / 6 h for first supplies, 8 h / 12 h for relief)
and two longer marks, so a drill team sees at once which sites made the 3 h
line. The same classes colour the PNG maps, the HTML map and the
``*_class`` properties of ``zones.geojson``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analysis.metrics import RELIEF_LINES_H, SUPPLY_LINES_H

__all__ = ["TimeClasses", "supply_classes", "relief_classes", "NOT_AFFECTED"]

NOT_AFFECTED = "not affected"
_PALETTE = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#7f0000", "#67001f")


@dataclass(frozen=True)
class TimeClasses:
    """Upper edges (hours) of the classes, their labels and colours; the last class is 'never'."""

    edges_h: tuple[float, ...]
    labels: tuple[str, ...]
    colors: tuple[str, ...]
    never: str

    def index(self, hours) -> np.ndarray:
        """Class index of each time (``len(edges_h)`` + 1 = never; NaN and inf are never)."""
        h = np.asarray(hours, dtype=float)
        k = np.searchsorted(np.asarray(self.edges_h), np.where(np.isfinite(h), h, np.inf), side="left")
        return np.where(np.isfinite(h), k, len(self.labels) - 1)

    def label(self, hours) -> list[str]:
        return [self.labels[k] for k in self.index(hours)]


def _classes(lines_h, marks_h, what: str, never: str) -> TimeClasses:
    edges = tuple(sorted({*map(float, lines_h), *map(float, marks_h)}))
    labels = [f"≤ {edges[0]:g} h ({what})"]
    for lo, hi in zip(edges, edges[1:]):
        labels.append(f"{lo:g}–{hi:g} h")
    labels.append(f"> {edges[-1]:g} h")
    labels.append(never)
    colors = _PALETTE[:len(edges) + 1] + ("#000000",)
    if len(colors) < len(labels):
        colors = tuple(np.resize(np.array(_PALETTE), len(labels) - 1)) + ("#000000",)
    return TimeClasses(edges, tuple(labels), colors, never)


def supply_classes(target_lines_h=()) -> TimeClasses:
    """First-supply classes: the 3 h / 4 h / 6 h lines (and any target), 12 h, 24 h."""
    lines = sorted({*SUPPLY_LINES_H, *map(float, target_lines_h)})
    return _classes(lines, (12.0, 24.0), f"within the {lines[0]:g} h line", "never supplied")


def relief_classes(target_lines_h=()) -> TimeClasses:
    """Relief classes: the 8 h / 12 h lines (and any target), 24 h, 48 h."""
    lines = sorted({*RELIEF_LINES_H, *map(float, target_lines_h)})
    return _classes(lines, (24.0, 48.0), f"within the {lines[0]:g} h line", "not relieved by the end")

