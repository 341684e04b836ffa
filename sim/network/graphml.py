"""Road graphs from networkx graphs and GraphML files.

A graph someone built in networkx or OSMnx, or saved as GraphML. Attribute
names of this package or of OSMnx are understood: node ``lon``/``x``,
``lat``/``y``, ``elevation_m``/``elevation``, ``node_id``; edge
``length_m``/``length`` (measured from the coordinates if absent),
``speed_kmh``/``speed_kph``/``maxspeed``, ``road_class``/``highway``,
``is_bridge``/``bridge``, ``is_tunnel``/``tunnel``. An undirected graph's edges
are two-way roads. In a directed graph, an edge u→v and an edge v→u with the
same attributes are one two-way road (one segment, so closing it closes both
directions, as in :meth:`RoadGraph.to_networkx` output and OSMnx graphs); every
other edge is a oneway road.

Problems with a GraphML file name nodes and edges by their position in the
file (``node #3``) and never quote its values: a region path may point at
any file.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from sim.errors import InputError, Problem
from sim.network.geo import haversine_m
from sim.network.graph import CLASS_SPEED_KMH, RoadClass, RoadGraph
from sim.network.limits import (
    MAX_EDGE_LENGTH_M,
    MAX_GRAPH_EDGES,
    MAX_GRAPH_NODES,
    MAX_SPEED_KMH,
    MAX_TABLE_BYTES,
    region_file,
)
from sim.network.osm import parse_maxspeed_kmh

__all__ = ["from_networkx", "read_graphml", "road_class_code", "ROAD_CLASS_HINT"]

#: How to write a road class, for messages.
ROAD_CLASS_HINT = "use expressway/arterial/collector/local/rural, an OSM highway tag, or 0-4"


def road_class_code(value) -> int | None:
    """A road class code from a class name, an OSM highway tag or a digit 0-4; ``None`` if it is none."""
    try:
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            value = int(value)
        return int(RoadClass.parse(value))
    except ValueError:
        return None


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
    """Read a GraphML file (e.g. written by networkx or OSMnx) via :func:`from_networkx`.

    The graph is named after the file. Problems name nodes and edges by
    their position in the file (``node #3``), never by what the file says.
    """
    import xml.etree.ElementTree as ET

    import networkx as nx

    file = str(path)
    region_file(file, "GraphML file", MAX_TABLE_BYTES)
    try:
        G = nx.read_graphml(file)
    except FileNotFoundError:
        raise InputError(Problem(file, None, None, "", "no such file")) from None
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        raise InputError(Problem(file, line, None if col is None else col + 1, "",
                                 f"malformed XML: {str(exc).split(':')[0]}")) from None
    except (nx.NetworkXError, ValueError, KeyError, TypeError, OSError):
        raise InputError(Problem(file, None, None, "", "not a readable GraphML graph; expected <graphml> with "
                                                       "one <graph> of <node> and <edge> elements")) from None
    if name is None:
        name = re.sub(r"\.graphml$", "", Path(file).name)
    return _from_networkx(G, file, name, merge_two_way, quote=False)


def _from_networkx(G, source: str, name: str | None, merge_two_way: bool, quote: bool = True) -> RoadGraph:
    """``quote``: name nodes and quote values as the graph has them (not for files: content stays unquoted)."""
    nodes = list(G.nodes(data=True))
    if not nodes:
        raise InputError(Problem(source, None, None, "", "the graph has no nodes"))
    if len(nodes) > MAX_GRAPH_NODES or G.number_of_edges() > MAX_GRAPH_EDGES:
        raise InputError(Problem(source, None, None, "", f"{len(nodes):,} nodes and {G.number_of_edges():,} "
                                                         f"edges; a road graph has at most {MAX_GRAPH_NODES:,} "
                                                         f"nodes and {MAX_GRAPH_EDGES:,} edges"))
    index = {node: i for i, (node, _) in enumerate(nodes)}

    def fail(path, message):
        raise InputError(Problem(source, None, None, path, message))

    def node_name(node) -> str:
        return f"node {node}" if quote else f"node #{index[node] + 1}"

    def value(key, x) -> str:
        return f"{key}={x!r}" if quote else key

    def node_values(keys, limit=None):
        present = [_first(d, keys) for _, d in nodes]
        if all(x is None for x in present):
            return None
        for (node, _), x in zip(nodes, present):
            number = _as_float(x)
            if number is None or (limit is not None and abs(number) > limit):
                rule = f"a number in -{limit}..{limit}" if limit is not None else "a finite number"
                fail(node_name(node), f"{value(keys[0], x)} must be {rule}" if x is not None
                     else f"has no {'/'.join(keys)} attribute while other nodes have one")
        return np.array([_as_float(x) for x in present])

    lon, lat = node_values(("lon", "x"), 180), node_values(("lat", "y"), 90)
    elevation = node_values(("elevation_m", "elevation"))
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else \
        ((a, b, None, d) for a, b, d in G.edges(data=True))
    tails, heads, attrs = [], [], []
    for a, b, _, d in edges:
        t, h = index[a], index[b]
        where = f"edge {a}->{b}" if quote else f"edge #{len(tails) + 1} (node #{t + 1} -> node #{h + 1})"
        length = _first(d, ("length_m", "length"))
        if length is None and (lon is None or lat is None):
            fail(where, "has no length_m (or length) attribute and the nodes no lon/lat to measure it")
        length_m = haversine_m(lon[t], lat[t], lon[h], lat[h]) if length is None else _as_float(length)
        if length_m is None or not 0 <= length_m <= MAX_EDGE_LENGTH_M:
            fail(where, f"{value('length_m', length)} must be a number of metres from 0 to {MAX_EDGE_LENGTH_M:,.0f}")
        cls = _edge_class(d, where, fail, value)
        speed = _first(d, ("speed_kmh", "speed_kph"))
        kmh = _as_float(speed) if speed is not None else _min_maxspeed(d.get("maxspeed"))
        if speed is not None and (kmh is None or not 0 < kmh <= MAX_SPEED_KMH):
            fail(where, f"{value('speed_kmh', speed)} must be a number of km/h above 0 and at most {MAX_SPEED_KMH:g}")
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


def _edge_class(d, where, fail, value) -> int:
    if d.get("road_class") is not None:
        cls = road_class_code(d["road_class"])
        if cls is None:
            fail(where, f"{value('road_class', d['road_class'])} must be a road class; {ROAD_CLASS_HINT}")
        return cls
    highway = d.get("highway")
    if isinstance(highway, (list, tuple)):  # OSMnx-simplified edges carry lists
        highway = highway[0] if highway else None
    cls = road_class_code(highway) if highway is not None else None
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
    except (TypeError, ValueError, OverflowError):
        return None
    return val if math.isfinite(val) else None


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
