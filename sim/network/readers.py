"""Road graphs from networkx, GraphML and a pair of CSV tables.

These are the hand-made and exchanged formats: a graph someone built in
networkx or OSMnx, saved as GraphML, or typed into a spreadsheet as a node
table and an edge table. (OpenStreetMap extracts are read by
:mod:`sim.network.osm`, DIMACS benchmark graphs by :mod:`sim.network.dimacs`.)

**CSV.** ``nodes.csv`` has columns ``id, lon, lat`` and optionally
``elevation_m``; ``edges.csv`` has ``u, v, length_m`` and optionally
``speed_kmh`` (blank → the class speed), ``oneway``, ``bridge``, ``tunnel``
(``true/false/1/0/yes/no``, blank → false) and ``class`` (a
:class:`RoadClass` name, an OSM highway tag or 0-4; blank → local). Node ids
are arbitrary integers, kept as ``node_ids``; ``u``/``v`` name them. A row
with ``oneway`` true is one directed edge u→v, otherwise a two-way road. Other
columns are ignored. Every bad value is reported as
``FILE:LINE: COLUMN: 'VALUE' must be ...`` with the row's line in the file.

**networkx / GraphML.** Attribute names of this package or of OSMnx are
understood: node ``lon``/``x``, ``lat``/``y``, ``elevation_m``/``elevation``,
``node_id``; edge ``length_m``/``length`` (measured from the coordinates if
absent), ``speed_kmh``/``speed_kph``/``maxspeed``, ``road_class``/``highway``,
``is_bridge``/``bridge``, ``is_tunnel``/``tunnel``. An undirected graph's edges
are two-way roads. In a directed graph, an edge u→v and an edge v→u with the
same attributes are one two-way road (one segment, so closing it closes both
directions, as in :meth:`RoadGraph.to_networkx` output and OSMnx graphs); every
other edge is a oneway road.
"""
from __future__ import annotations

import csv
import math
import re
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, Problem
from sim.network.geo import haversine_m
from sim.network.graph import CLASS_SPEED_KMH, RoadClass, RoadGraph
from sim.network.osm import parse_maxspeed_kmh

__all__ = ["from_networkx", "read_graphml", "read_csv"]

_BOOL = {"true": True, "1": True, "yes": True, "y": True, "t": True,
         "false": False, "0": False, "no": False, "n": False, "f": False, "": False}
_CLASS_HINT = "use expressway/arterial/collector/local/rural, an OSM highway tag, or 0-4"


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
    nodes = _read_table(nodes_file, ("id", "lon", "lat"), ("elevation_m",), "node")
    edges = _read_table(edges_file, ("u", "v", "length_m"),
                        ("speed_kmh", "oneway", "bridge", "tunnel", "class"), "edge")
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
                                f"node id {ids[i]} is listed twice (first on line {first}); "
                                "ids must be unique"))

    u = _integers(edges, "u", edges_file, problems)
    v = _integers(edges, "v", edges_file, problems)
    length_m = _numbers(edges, "length_m", edges_file, problems, "must be a number >= 0", lambda x: x >= 0)
    road_class = _classes(edges, edges_file, problems)
    speed_kmh = np.full(len(edges), np.nan) if "speed_kmh" not in edges else _numbers(
        edges, "speed_kmh", edges_file, problems, "must be a number > 0 (or blank for the class speed)",
        lambda x: x > 0, blank=np.nan)
    flags = {col: _flags(edges, col, edges_file, problems) for col in ("oneway", "bridge", "tunnel")}

    if not problems:  # map node ids to indices
        u_pos, v_pos = pd.Index(ids).get_indexer(u), pd.Index(ids).get_indexer(v)
        for col, pos in (("u", u_pos), ("v", v_pos)):
            _first_bad(edges, col, edges_file, pos < 0, problems,
                       f"is not a node id of {nodes_file}; add the node there or correct the edge")
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.file != nodes_file, p.line or 0)))

    class_speed = np.array([CLASS_SPEED_KMH[c] for c in RoadClass])[road_class]
    speed_kmh = np.where(np.isnan(speed_kmh), class_speed, speed_kmh)
    if name is None:
        name = Path(nodes_file).resolve().parent.name or "graph"
    return RoadGraph.from_segments(
        u_pos, v_pos, length_m, speed_kmh, oneway=flags["oneway"], road_class=road_class,
        is_bridge=flags["bridge"], is_tunnel=flags["tunnel"], lon=lon, lat=lat,
        elevation_m=elevation, node_ids=ids, name=name,
    )


def _read_table(file: str, required: tuple[str, ...], optional: tuple[str, ...], noun: str) -> pd.DataFrame:
    """All cells as stripped strings; blank rows dropped; index = row position (line = index + 2)."""
    expected = ",".join(required) + "".join(f"[,{c}]" for c in optional)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            df = pd.read_csv(file, dtype=str, keep_default_na=False, skip_blank_lines=False,
                             skipinitialspace=True, encoding="utf-8-sig", index_col=False)
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            _raise_ragged_row(file)  # pandas drops the extra fields of the first rows
    except FileNotFoundError:
        raise InputError(Problem(file, None, None, "", "no such file")) from None
    except pd.errors.EmptyDataError:
        raise InputError(Problem(file, 1, None, "", f"empty file; expected a header line '{expected}' "
                                                    f"and one {noun} per line")) from None
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise InputError(Problem(file, int(m.group(2)), None, "",
                                     f"{m.group(3)} fields, but the header has {m.group(1)}")) from None
        raise InputError(Problem(file, None, None, "", f"not a readable CSV file: {exc}")) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise InputError(Problem(file, None, None, "", f"cannot read: {exc}")) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "road_class" in df and "class" not in df:
        df = df.rename(columns={"road_class": "class"})
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(Problem(file, 1, None, "", f"missing column{'s' * (len(missing) > 1)} "
                                                    f"{', '.join(missing)}; the header must be '{expected}' "
                                                    f"(it is '{','.join(df.columns)}')"))
    df = df.apply(lambda col: col.str.strip())
    df = df[(df != "").any(axis=1)]
    if df.empty:
        raise InputError(Problem(file, 2, None, "", f"no {noun}s below the header line"))
    return df


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
        problems.append(Problem(file, _line(df, i), None, col, f"{df[col].iloc[i]!r} {message}"))
    return bool(len(rows))


def _integers(df, col, file, problems) -> np.ndarray | None:
    s = df[col]
    if _first_bad(df, col, file, ~s.str.fullmatch(r"[+-]?\d{1,18}").to_numpy(), problems,
                  "must be an integer node id"):
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
        codes[value] = _parse_class(value) if value else int(RoadClass.LOCAL)
    mapped = df["class"].map(codes)
    _first_bad(df, "class", file, mapped.isna().to_numpy(), problems,
               f"is not a road class; {_CLASS_HINT}")
    return mapped.fillna(int(RoadClass.LOCAL)).to_numpy(dtype=np.int8)


def _parse_class(value) -> int | None:
    try:
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            value = int(value)
        return int(RoadClass.parse(value))
    except ValueError:
        return None


# ================================================================== networkx
def from_networkx(G, *, name: str | None = None, merge_two_way: bool = True) -> RoadGraph:
    """A :class:`RoadGraph` from a networkx graph of any of the four kinds.

    Parameters
    ----------
    G : networkx.Graph, DiGraph, MultiGraph or MultiDiGraph
        Attributes as in the module doc; strings (as GraphML gives them) are parsed.
    name : str, optional
        Defaults to ``G.graph["name"]``, else ``"graph"``.
    merge_two_way : bool
        In a directed graph, make reciprocal edges with equal attributes one
        two-way road segment (default); if False every edge is its own oneway segment.

    Raises
    ------
    InputError
        Naming the node or edge with a missing or unusable attribute.
    """
    return _from_networkx(G, "<networkx graph>", name, merge_two_way)


def read_graphml(path, *, name: str | None = None, merge_two_way: bool = True) -> RoadGraph:
    """Read a GraphML file (e.g. written by networkx or OSMnx) via :func:`from_networkx`."""
    import xml.etree.ElementTree as ET

    import networkx as nx

    file = str(path)
    try:
        G = nx.read_graphml(file)
    except FileNotFoundError:
        raise InputError(Problem(file, None, None, "", "no such file")) from None
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        raise InputError(Problem(file, line, None if col is None else col + 1, "",
                                 f"malformed XML: {str(exc).split(':')[0]}")) from None
    except (nx.NetworkXError, ValueError, KeyError) as exc:
        raise InputError(Problem(file, None, None, "", f"not a readable GraphML graph: {exc}")) from None
    if name is None:
        name = G.graph.get("name") or re.sub(r"\.graphml$", "", Path(file).name)
    return _from_networkx(G, file, name, merge_two_way)


def _from_networkx(G, source: str, name: str | None, merge_two_way: bool) -> RoadGraph:
    nodes = list(G.nodes(data=True))
    if not nodes:
        raise InputError(Problem(source, None, None, "", "the graph has no nodes"))
    index = {node: i for i, (node, _) in enumerate(nodes)}

    def fail(path, message):
        raise InputError(Problem(source, None, None, path, message))

    def node_values(keys):
        present = [_first(d, keys) for _, d in nodes]
        if all(x is None for x in present):
            return None
        for (node, _), x in zip(nodes, present):
            if _as_float(x) is None:
                fail(f"node {node}", f"{keys[0]}={x!r} must be a number" if x is not None
                     else f"has no {'/'.join(keys)} attribute while other nodes have one")
        return np.array([_as_float(x) for x in present])

    lon, lat = node_values(("lon", "x")), node_values(("lat", "y"))
    elevation = node_values(("elevation_m", "elevation"))
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else \
        ((a, b, None, d) for a, b, d in G.edges(data=True))
    tails, heads, attrs = [], [], []
    for a, b, _, d in edges:
        where, t, h = f"edge {a}->{b}", index[a], index[b]
        length = _first(d, ("length_m", "length"))
        if length is None and (lon is None or lat is None):
            fail(where, "has no length_m (or length) attribute and the nodes no lon/lat to measure it")
        length_m = haversine_m(lon[t], lat[t], lon[h], lat[h]) if length is None else _as_float(length)
        if length_m is None or not length_m >= 0:
            fail(where, f"length_m={length!r} must be a number >= 0")
        cls = _edge_class(d, where, fail)
        speed = _first(d, ("speed_kmh", "speed_kph"))
        kmh = _as_float(speed) if speed is not None else _min_maxspeed(d.get("maxspeed"))
        if speed is not None and (kmh is None or not kmh > 0):
            fail(where, f"speed_kmh={speed!r} must be a number > 0")
        if kmh is None:
            kmh = CLASS_SPEED_KMH[RoadClass(cls)]
        tails.append(t)
        heads.append(h)
        attrs.append((float(length_m), float(kmh), cls, _as_flag(_first(d, ("is_bridge", "bridge"))),
                      _as_flag(_first(d, ("is_tunnel", "tunnel")))))

    tails, heads, oneway, attrs = _pair_two_way(tails, heads, attrs, G.is_directed(), merge_two_way)
    columns = [np.array(col) for col in zip(*attrs)] if attrs else [np.zeros(0)] * 5
    return RoadGraph.from_segments(
        np.array(tails, np.int64), np.array(heads, np.int64), columns[0], columns[1], oneway=oneway,
        road_class=columns[2].astype(np.int8), is_bridge=columns[3].astype(bool),
        is_tunnel=columns[4].astype(bool), lon=lon, lat=lat, elevation_m=elevation,
        node_ids=_node_ids(nodes), n_nodes=len(nodes),
        name=name if name is not None else (G.graph.get("name") or "graph"),
    )


def _first(d: dict, keys: tuple[str, ...]):
    """The value of the first of ``keys`` that ``d`` has (not None)."""
    return next((d[k] for k in keys if d.get(k) is not None), None)


def _pair_two_way(tails, heads, attrs, directed: bool, merge: bool):
    """Edges → segments with oneway flags; reciprocal equal directed edges make one two-way segment."""
    if not (directed and merge):
        return tails, heads, np.full(len(tails), directed), attrs
    waiting: dict[tuple, list[int]] = defaultdict(list)  # (tail, head, attrs) → unmatched edge ids
    partner = [-1] * len(tails)
    for e, (t, h, a) in enumerate(zip(tails, heads, attrs)):
        back = waiting.get((h, t, a))
        if t != h and back:
            f = back.pop()
            partner[f], partner[e] = e, f
        else:
            waiting[(t, h, a)].append(e)
    keep = [e for e in range(len(tails)) if partner[e] < 0 or e < partner[e]]
    return ([tails[e] for e in keep], [heads[e] for e in keep],
            np.array([partner[e] < 0 for e in keep], bool), [attrs[e] for e in keep])


def _node_ids(nodes) -> np.ndarray:
    explicit = [d.get("node_id") for _, d in nodes]
    for candidates in (explicit, [n for n, _ in nodes]):
        ints = [_as_int(x) for x in candidates]
        if all(x is not None for x in ints) and len(set(ints)) == len(ints):
            return np.array(ints, dtype=np.int64)
    return np.arange(len(nodes), dtype=np.int64)


def _edge_class(d, where, fail) -> int:
    if d.get("road_class") is not None:
        cls = _parse_class(d["road_class"])
        if cls is None:
            fail(where, f"road_class={d['road_class']!r} is not a road class; {_CLASS_HINT}")
        return cls
    highway = d.get("highway")
    if isinstance(highway, (list, tuple)):  # OSMnx-simplified edges carry lists
        highway = highway[0] if highway else None
    cls = _parse_class(highway) if highway is not None else None
    return int(RoadClass.LOCAL) if cls is None else cls


def _min_maxspeed(value) -> float | None:
    values = value if isinstance(value, (list, tuple)) else [value]
    speeds = [s for s in (parse_maxspeed_kmh(str(x)) for x in values if x is not None) if s is not None]
    return min(speeds) if speeds else None


def _as_float(x) -> float | None:
    if isinstance(x, bool):
        return None
    try:
        val = float(x)
    except (TypeError, ValueError):
        return None
    return val if not math.isinf(val) else None


def _as_int(x) -> int | None:
    if isinstance(x, (bool, float)) or x is None:
        return None
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, str) and re.fullmatch(r"[+-]?\d{1,18}", x.strip()):
        return int(x)
    return None


def _as_flag(x) -> bool:
    if x is None:
        return False
    if isinstance(x, (list, tuple)):
        return any(_as_flag(y) for y in x)
    if isinstance(x, (bool, np.bool_, int, float, np.number)):
        return bool(x) and not (isinstance(x, float) and math.isnan(x))
    return str(x).strip().lower() not in ("", "no", "false", "0", "nan", "none")
