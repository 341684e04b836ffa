"""The event log's rows of given kinds and their columns, picked without turning whole columns into arrays.

The summary of a run reads a few kinds of event (``deliver``, ``shelter``,
``relieved``) out of a log of tens of thousands; converting every column to
an array to keep a fraction of it cost more than the figures themselves.
"""
from __future__ import annotations

import numpy as np

__all__ = ["rows_of_kinds", "column_at"]


def rows_of_kinds(log, *kinds: str) -> list[list[int]]:
    """For each of ``kinds``, the indices of the log's rows of that kind, in log order."""
    kind = np.asarray(log.kind, dtype=object)
    return [np.flatnonzero(kind == k).tolist() for k in kinds]


def column_at(column: list, rows: list[int]) -> list:
    """The entries of a log column (one of the log's lists) at ``rows``."""
    return [column[e] for e in rows]
