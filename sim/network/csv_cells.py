"""Where a cell of a CSV table starts, so a problem with it is located to its character.

The table readers (:mod:`sim.network.readers`, the zones table of
:mod:`sim.network.sources`) find a bad cell by its row and its column's name;
:func:`with_cell_columns` adds the character column its value starts at
(``FILE:LINE:COL: COLUMN: message``), as problems in a scenario file have. It
reads the file again only when there are problems to locate: the header line
and each problem's line, never more of the file than up to the last of them.
Columns count characters from 1 (a byte-order mark is not one); a quoted value
starts at its quote, spaces before a value are skipped, as the readers skip them.
"""
from __future__ import annotations

import csv
from dataclasses import replace

from sim.errors import Problem

__all__ = ["with_cell_columns"]


def with_cell_columns(problems: list[Problem]) -> list[Problem]:
    """``problems`` with the character column of each one's cell: those that name a line below
    the header and a column the header has (``"lon,lat"``: its first); the rest as they are."""
    wanted: dict[str, set[int]] = {}
    for p in problems:
        if p.line is not None and p.line > 1 and p.col is None and p.path:
            wanted.setdefault(p.file, set()).add(p.line)
    texts = {file: _lines_of(file, {1, *lines}) for file, lines in wanted.items()}
    out = []
    for p in problems:
        lines = texts.get(p.file, {})
        col = None
        if p.line in lines and 1 in lines and p.col is None and p.path:
            col = cell_column(lines[1], lines[p.line], p.path.split(",")[0])
        out.append(p if col is None else replace(p, col=col))
    return out


def cell_column(header: str, row: str, column: str) -> int | None:
    """The 1-based character column at which ``row``'s value of ``column`` starts (``None``:
    the header lacks the column or the row has too few fields)."""
    try:
        names = [name.strip().lower() for name in next(csv.reader([header]))]
    except (csv.Error, StopIteration):
        return None
    if column.lower() not in names:
        return None
    index = names.index(column.lower())
    starts = _field_starts(row)
    if index >= len(starts):
        return None
    start = starts[index]
    while start < len(row) and row[start] in " \t":
        start += 1
    return start + 1


def _field_starts(row: str) -> list[int]:
    starts, quoted = [0], False
    for i, ch in enumerate(row):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            starts.append(i + 1)
    return starts


def _lines_of(file: str, lines: set[int]) -> dict[int, str]:
    last, out = max(lines), {}
    try:
        with open(file, encoding="utf-8-sig", errors="replace", newline="") as f:
            for number, text in enumerate(f, start=1):
                if number in lines:
                    out[number] = text.rstrip("\r\n")
                if number >= last:
                    break
    except OSError:
        return {}
    return out
