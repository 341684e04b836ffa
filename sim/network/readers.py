"""Road graphs from a pair of CSV tables, and (re-exported) from networkx and GraphML.

These are the hand-made and exchanged formats: a node table and an edge
table typed into a spreadsheet, or a graph someone built in networkx or
OSMnx, saved as GraphML (:mod:`sim.network.graphml`). (OpenStreetMap
extracts are read by :mod:`sim.network.osm`, DIMACS benchmark graphs by
:mod:`sim.network.dimacs`.)

**CSV.** ``nodes.csv`` has columns ``id, lon, lat`` and optionally
``elevation_m``; ``edges.csv`` has ``u, v, length_m`` and optionally
``speed_kmh`` (blank → the class speed), ``oneway``, ``bridge``, ``tunnel``
(``true/false/1/0/yes/no``, blank → false) and ``class`` (a
:class:`RoadClass` name, an OSM highway tag or 0-4; blank → local). Node ids
are arbitrary integers, kept as ``node_ids``; ``u``/``v`` name them. A row
with ``oneway`` true is one directed edge u→v, otherwise a two-way road. Other
columns are ignored. Every bad value is reported as
``FILE:LINE:COL: COLUMN: must be ...`` with the row's line in the file and
the character its value starts at (never the value itself: a region path may point at any file, and its content is
not for the terminal).
"""
from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, Problem
from sim.network.csv_cells import at_record_lines, with_cell_columns
from sim.network.graph import CLASS_SPEED_KMH, RoadClass, RoadGraph
from sim.network.graphml import ROAD_CLASS_HINT, road_class_code, from_networkx, read_graphml
from sim.network.limits import (
    MAX_EDGE_LENGTH_M,
    MAX_GRAPH_EDGES,
    MAX_GRAPH_NODES,
    MAX_SPEED_KMH,
    MAX_TABLE_BYTES,
    region_file,
)

__all__ = ["from_networkx", "read_graphml", "read_csv", "table_read_problem"]

_BOOL = {"true": True, "1": True, "yes": True, "y": True, "t": True,
         "false": False, "0": False, "no": False, "n": False, "f": False, "": False}


# ======================================================================= CSV
def read_csv(nodes_csv, edges_csv, *, name: str | None = None) -> RoadGraph:
    """Read a road graph from a node table and an edge table (see module doc).

    Raises
    ------
    InputError
        One line per bad column (its first bad row): missing file or column,
        empty table, a value that is not a number/flag/class, a negative
        length, a non-positive speed, a duplicate node id, an edge naming a
        node id not in ``nodes_csv``.
    """
    nodes_file, edges_file = str(nodes_csv), str(edges_csv)
    nodes = _read_table(nodes_file, ("id", "lon", "lat"), ("elevation_m",), "node", MAX_GRAPH_NODES)
    edges = _read_table(edges_file, ("u", "v", "length_m"),
                        ("speed_kmh", "oneway", "bridge", "tunnel", "class"), "edge", MAX_GRAPH_EDGES)
    problems: list[Problem] = []

    ids = _integers(nodes, "id", nodes_file, problems)
    lon = _numbers(nodes, "lon", nodes_file, problems, "must be a number in -180..180",
                   lambda x: abs(x) <= 180)
    lat = _numbers(nodes, "lat", nodes_file, problems, "must be a number in -90..90",
                   lambda x: abs(x) <= 90)
    elevation = (_numbers(nodes, "elevation_m", nodes_file, problems, "must be a number (or blank for 0)",
                          blank=0.0) if "elevation_m" in nodes else None)
    if ids is not None and pd.Index(ids).has_duplicates:
        i = int(np.flatnonzero(pd.Index(ids).duplicated())[0])
        first = _line(nodes, int(np.flatnonzero(ids == ids[i])[0]))
        problems.append(Problem(nodes_file, _line(nodes, i), None, "id",
                                f"this node id is listed before, on line {first}; ids must be unique"))

    u = _integers(edges, "u", edges_file, problems)
    v = _integers(edges, "v", edges_file, problems)
    length_m = _numbers(edges, "length_m", edges_file, problems,
                        f"must be a number of metres from 0 to {MAX_EDGE_LENGTH_M:,.0f}",
                        lambda x: (x >= 0) & (x <= MAX_EDGE_LENGTH_M))
    road_class = _classes(edges, edges_file, problems)
    speed_kmh = np.full(len(edges), np.nan) if "speed_kmh" not in edges else _numbers(
        edges, "speed_kmh", edges_file, problems,
        f"must be a number of km/h above 0 and at most {MAX_SPEED_KMH:g} (or blank for the class speed)",
        lambda x: (x > 0) & (x <= MAX_SPEED_KMH), blank=np.nan)
    flags = {col: _flags(edges, col, edges_file, problems) for col in ("oneway", "bridge", "tunnel")}

    if not problems:  # map node ids to indices
        u_pos, v_pos = pd.Index(ids).get_indexer(u), pd.Index(ids).get_indexer(v)
        for col, pos in (("u", u_pos), ("v", v_pos)):
            _first_bad(edges, col, edges_file, pos < 0, problems,
                       f"must be a node id of {nodes_file}; add the node there or correct the edge")
    if problems:
        for file in (nodes_file, edges_file):      # rows below a value quoted across lines start further down
            problems = at_record_lines(problems, file, lambda line: line - 2, skip_blank=False)
        raise InputError(with_cell_columns(sorted(problems, key=lambda p: (p.file != nodes_file, p.line or 0))))

    class_speed = np.array([CLASS_SPEED_KMH[c] for c in RoadClass])[road_class]
    speed_kmh = np.where(np.isnan(speed_kmh), class_speed, speed_kmh)
    if name is None:
        name = Path(nodes_file).resolve().parent.name or "graph"
    return RoadGraph.from_segments(
        u_pos, v_pos, length_m, speed_kmh, oneway=flags["oneway"], road_class=road_class,
        is_bridge=flags["bridge"], is_tunnel=flags["tunnel"], lon=lon, lat=lat,
        elevation_m=elevation, node_ids=ids, name=name,
    )


def _read_table(file: str, required: tuple[str, ...], optional: tuple[str, ...], noun: str,
                max_rows: int) -> pd.DataFrame:
    """All cells as stripped strings; blank rows dropped; index = row position (line = index + 2)."""
    expected = ",".join(required) + "".join(f"[,{c}]" for c in optional)
    region_file(file, f"{noun} table (CSV)", MAX_TABLE_BYTES)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            df = pd.read_csv(file, dtype=str, keep_default_na=False, skip_blank_lines=False,
                             skipinitialspace=True, encoding="utf-8-sig", index_col=False)
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            _raise_ragged_row(file)  # pandas drops the extra fields of the first rows
    except _READ_ERRORS as exc:
        raise table_read_problem(file, exc, expected, noun) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "road_class" in df and "class" not in df:
        df = df.rename(columns={"road_class": "class"})
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(Problem(file, 1, None, "", f"missing column{'s' * (len(missing) > 1)} "
                                                    f"{', '.join(missing)}; the header must be '{expected}'"))
    df = df.apply(lambda col: col.str.strip())
    df = df[(df != "").any(axis=1)]
    if df.empty:
        raise InputError(Problem(file, 2, None, "", f"no {noun}s below the header line"))
    if len(df) > max_rows:
        raise InputError(Problem(file, None, None, "", f"{len(df):,} {noun}s; a road graph has at most "
                                                       f"{max_rows:,} (the full USA road graph has 23.9 million "
                                                       "nodes and 58 million arcs)"))
    return df


_READ_ERRORS = (OSError, pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError)


def table_read_problem(file: str, exc: Exception, expected: str, noun: str) -> InputError:
    """The one line for a CSV table pandas could not read (never quoting the file)."""
    if isinstance(exc, FileNotFoundError):
        return InputError(Problem(file, None, None, "", "no such file"))
    if isinstance(exc, pd.errors.EmptyDataError):
        return InputError(Problem(file, 1, None, "", f"empty file; expected a header line '{expected}' and one "
                                                     f"{noun} per line"))
    if isinstance(exc, pd.errors.ParserError):
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            return InputError(Problem(file, int(m.group(2)), None, "",
                                      f"{m.group(3)} fields, but the header has {m.group(1)}"))
        m = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if m:       # pandas counts the lines from 0, the header included
            return InputError(Problem(file, int(m.group(1)) + 1, None, "",
                                      'a quote (") opens a value here that no quote closes; close it or remove it'))
        return InputError(Problem(file, None, None, "", f"not a readable CSV file; expected a header line "
                                                        f"'{expected}' and one {noun} per line"))
    if isinstance(exc, UnicodeDecodeError):
        return InputError(Problem(file, None, None, "", "not a UTF-8 text file; save the table as UTF-8 CSV"))
    return InputError(Problem(file, None, None, "", f"cannot read: {(exc.strerror or 'error').lower()}"))


def _raise_ragged_row(file: str) -> None:
    with open(file, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        width = len(next(reader))
        for row in reader:
            if row and len(row) != width:
                raise InputError(Problem(file, reader.line_num, None, "",
                                         f"{len(row)} fields, but the header has {width}"))


def _line(df: pd.DataFrame, i: int) -> int:
    return int(df.index[i]) + 2


def _first_bad(df, col, file, bad, problems, message) -> bool:
    rows = np.flatnonzero(bad)
    if len(rows):
        i = int(rows[0])
        problems.append(Problem(file, _line(df, i), None, col, message))
    return bool(len(rows))


def _integers(df, col, file, problems) -> np.ndarray | None:
    s = df[col]
    if _first_bad(df, col, file, ~s.str.fullmatch(r"[+-]?\d{1,18}").to_numpy(), problems,
                  "must be a whole-number node id"):
        return None
    return s.astype(np.int64).to_numpy()


def _numbers(df, col, file, problems, rule: str, valid=None, blank: float | None = None) -> np.ndarray:
    """Column ``col`` as floats; the first value that is not finite and ``valid`` is a problem."""
    s = df[col]
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(x) & (True if valid is None else valid(x))
    if blank is not None:
        is_blank = (s == "").to_numpy()
        ok |= is_blank
        x = np.where(is_blank, blank, x)
    _first_bad(df, col, file, ~ok, problems, rule)
    return x


def _flags(df, col, file, problems) -> np.ndarray:
    if col not in df:
        return np.zeros(len(df), dtype=bool)
    lower = df[col].str.lower()
    _first_bad(df, col, file, ~lower.isin(_BOOL).to_numpy(), problems,
               "must be one of true/false/1/0/yes/no (or blank for false)")
    return lower.isin([k for k, v in _BOOL.items() if v]).to_numpy()


def _classes(df, file, problems) -> np.ndarray:
    if "class" not in df:
        return np.full(len(df), RoadClass.LOCAL, dtype=np.int8)
    codes: dict[str, int] = {}
    for value in df["class"].unique():
        codes[value] = road_class_code(value) if value else int(RoadClass.LOCAL)
    mapped = df["class"].map(codes)
    _first_bad(df, "class", file, mapped.isna().to_numpy(), problems,
               f"must be a road class; {ROAD_CLASS_HINT}")
    return mapped.fillna(int(RoadClass.LOCAL)).to_numpy(dtype=np.int8)
