"""Where a record and a cell of a CSV table are in its file, so a problem is located to its character.

The table readers (:mod:`sim.network.readers`, the zones table of
:mod:`sim.network.sources`) find a bad cell by its row and its column's name.
A row is a record of the file: it starts on a later line than its position
says when blank lines or values quoted across lines come before it
(:func:`record_start_lines`), and a cell may sit on a later line of its own
record. :func:`with_cell_columns` turns a problem at a record's first line into
one at the line and character column its value starts at
(``FILE:LINE:COL: COLUMN: message``), as problems in a scenario file are. The
file is read again only when there are problems to locate. Columns count
characters from 1 (a byte-order mark is not one); a quoted value starts at its
quote, spaces before a value are skipped, as the readers skip them.
"""
from __future__ import annotations

import csv
from dataclasses import replace

from sim.errors import Problem

__all__ = ["record_start_lines", "at_record_lines", "with_cell_columns"]

#: Lines of one record read to find its cells (a value quoted across more is not looked into).
MAX_RECORD_LINES = 1000
#: Problems located to their cell (the first; an error prints 20).
MAX_LOCATED = 50


def record_start_lines(file, *, skip_blank: bool) -> list[int] | None:
    """The line each record after the header starts on (``skip_blank``: blank lines are no
    records, as a table read so skips them); ``None`` if the file cannot be read as CSV."""
    try:
        with open(file, encoding="utf-8-sig", errors="replace", newline="") as f:
            reader = csv.reader(f)
            starts, start = [], 1
            for record in reader:
                blank = not record or (len(record) == 1 and not record[0].strip())
                if not (skip_blank and blank):
                    starts.append(start)
                start = reader.line_num + 1
    except (OSError, csv.Error):
        return None
    return starts[1:]


def at_record_lines(problems: list[Problem], file: str, row_line, *, skip_blank: bool) -> list[Problem]:
    """``problems`` of ``file`` whose line is ``row_line(row)`` for the table's ``row`` (the
    row's position as if every record were one line) moved to the line the record starts on."""
    starts = record_start_lines(file, skip_blank=skip_blank)
    if not starts:
        return problems
    out = []
    for p in problems:
        row = None if p.file != file or p.line is None or p.line < 2 else row_line(p.line)
        out.append(replace(p, line=starts[row]) if row is not None and 0 <= row < len(starts) else p)
    return out


def with_cell_columns(problems: list[Problem]) -> list[Problem]:
    """``problems`` with the line and character column each one's cell starts at: those that
    name the first line of a record below the header and a column the header has (``"lon,lat"``:
    its first); the rest as they are."""
    wanted: dict[str, set[int]] = {}
    for p in problems[:MAX_LOCATED]:
        if p.line is not None and p.line > 1 and p.col is None and p.path:
            wanted.setdefault(p.file, set()).add(p.line)
    texts = {file: _lines_of(file, lines) for file, lines in wanted.items()}
    out = []
    for p in problems:
        lines = texts.get(p.file, {})
        where = None
        if p.line in lines and 1 in lines and p.col is None and p.path:
            where = _cell_at(lines[1], lines, p.line, p.path.split(",")[0])
        out.append(p if where is None else replace(p, line=where[0], col=where[1]))
    return out


def _cell_at(header: str, lines: dict[int, str], start: int, column: str) -> tuple[int, int] | None:
    """(line, column) at which the value of ``column`` starts in the record starting at line
    ``start``, whose lines ``lines`` holds."""
    try:
        names = [name.strip().lower() for name in next(csv.reader([header]))]
    except (csv.Error, StopIteration):
        return None
    if column.lower() not in names:
        return None
    index = names.index(column.lower())
    text, line = "", start
    while line in lines and line - start < MAX_RECORD_LINES:
        text += lines[line] + "\n"
        if not _open_quote(text):
            break
        line += 1
    starts = _field_starts(text)
    if index >= len(starts):
        return None
    at = starts[index]
    while at < len(text) and text[at] in " \t":
        at += 1
    before = text[:at]
    newline = before.rfind("\n")
    return start + before.count("\n"), at - newline


def _open_quote(text: str) -> bool:
    return text.count('"') % 2 == 1


def _field_starts(record: str) -> list[int]:
    starts, quoted = [0], False
    for i, ch in enumerate(record):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            starts.append(i + 1)
        elif ch == "\n" and not quoted:
            break
    return starts


def _lines_of(file: str, lines: set[int]) -> dict[int, str]:
    """The header and the lines from each wanted line on, as far as a record may reach."""
    wanted = {1}
    for line in lines:
        wanted.update(range(line, line + MAX_RECORD_LINES))
    last, out = max(lines) + MAX_RECORD_LINES, {}
    try:
        with open(file, encoding="utf-8-sig", errors="replace", newline="") as f:
            for number, text in enumerate(f, start=1):
                if number in wanted:
                    out[number] = text.rstrip("\r\n")
                if number >= last:
                    break
    except OSError:
        return {}
    return out
