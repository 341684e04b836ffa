"""Read the drivable road network of an OpenStreetMap extract into a :class:`RoadGraph`.

Two file kinds are read:

* ``.osm.pbf`` (any name ending in ``.pbf``) through ``pyrosm`` — the ``osm``
  extra, ``pip install 'sim-dispatch[osm]'``;
* ``.osm`` XML, also ``.osm.gz`` / ``.osm.bz2``, with the standard library's
  expat parser (streamed, so line numbers can be given for bad input).

Both produce the same graph from the same data:

* **Which ways.** Ways with a car ``highway`` tag (:data:`DRIVABLE_HIGHWAYS`:
  motorway down to residential, living_street, unclassified and road),
  not ``area=yes``, not closed to cars (the most specific of ``motorcar``,
  ``motor_vehicle``, ``vehicle``, ``access`` is not ``no``/``private``) and not
  a parking, driveway or private ``service``. This is OSMnx's and pyrosm's
  ``drive`` network: service roads and tracks are left out.
* **Edges.** Every pair of consecutive nodes of a way is one road segment
  (no simplification, no splitting needed). Nodes are the OSM nodes used by
  those segments, ordered by OSM id, which become ``node_ids``. Segments whose
  node is missing from the extract (ways cut at its border) are dropped.
* **Direction.** ``oneway=yes/true/1`` keeps the way's direction,
  ``oneway=-1/reverse`` reverses it; ``junction=roundabout/circular`` and
  ``highway=motorway`` are oneway unless ``oneway=no``. Anything else
  (including ``reversible``/``alternating``) is two-way.
* **Speed.** ``maxspeed`` in km/h (``"50"``, ``"50 km/h"``), mph or knots; of
  several values (``"50;30"``) the lowest. Zone codes (``"RU:urban"``),
  ``"none"``, ``"walk"`` and the like fall back to the class speed
  :data:`CLASS_SPEED_KMH` of ``RoadClass.parse(highway)``.
* **Bridges and tunnels.** Any ``bridge``/``tunnel`` value but ``no`` (``yes``,
  ``viaduct``, ``building_passage``…) sets ``is_bridge``/``is_tunnel``.
* **Length.** Haversine distance between the two nodes (:mod:`sim.network.geo`).
"""
from __future__ import annotations

import bz2
import gzip
import re
import xml.parsers.expat
from pathlib import Path
from typing import Mapping

import numpy as np

from sim.errors import InputError, Problem
from sim.network.geo import haversine_m
from sim.network.graph import CLASS_SPEED_KMH, RoadClass, RoadGraph
from sim.network.limits import MAX_GRAPH_EDGES, MAX_GRAPH_NODES, MAX_STREAM_BYTES, region_file

__all__ = ["read_osm", "DRIVABLE_HIGHWAYS", "is_drivable", "oneway_direction", "parse_maxspeed_kmh"]

#: ``highway`` values of roads a car (or a relief truck) can drive.
DRIVABLE_HIGHWAYS = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link",
    "unclassified", "residential", "living_street", "road",
})
_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
_CLOSED_ACCESS = frozenset({"no", "private"})
_EXCLUDED_SERVICE = frozenset({
    "emergency_access", "parking", "parking_aisle", "private", "alley", "driveway",
})
#: The way tags the reader looks at.
WAY_TAGS = ("highway", "oneway", "junction", "maxspeed", "bridge", "tunnel", "area", "service") + _ACCESS_KEYS

_MAXSPEED = re.compile(r"^(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?$")
_UNIT_KMH = {None: 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}
_PIP_HINT = "pip install 'sim-dispatch[osm]'"


# ---------------------------------------------------------------- tag rules
def is_drivable(tags: Mapping[str, str | None]) -> bool:
    """Whether a way with these tags belongs to the drivable network (see module doc)."""
    if tags.get("highway") not in DRIVABLE_HIGHWAYS or tags.get("area") == "yes":
        return False
    for key in _ACCESS_KEYS:
        value = tags.get(key)
        if value is not None:
            if any(part.strip() in _CLOSED_ACCESS for part in value.split(";")):
                return False
            break
    return tags.get("service") not in _EXCLUDED_SERVICE


def oneway_direction(tags: Mapping[str, str | None]) -> int:
    """``1`` oneway along the way, ``-1`` against it, ``0`` two-way."""
    value = (tags.get("oneway") or "").strip().lower()
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value in ("no", "false", "0"):
        return 0
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return 1
    return 0


def parse_maxspeed_kmh(value: str | None) -> float | None:
    """A ``maxspeed`` tag in km/h, or ``None`` when it gives no usable number."""
    if value is None or not isinstance(value, str):
        return None
    speeds = []
    for part in value.split(";"):
        m = _MAXSPEED.match(part.strip().lower())
        if m:
            kmh = float(m.group(1)) * _UNIT_KMH[m.group(2)]
            if kmh > 0:
                speeds.append(kmh)
    return min(speeds) if speeds else None


def _is_set(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("", "no", "false", "0")


# ---------------------------------------------------------------- reading
def read_osm(path, *, name: str | None = None) -> RoadGraph:
    """Read the drivable roads of an ``.osm.pbf`` or ``.osm`` (XML) file.

    Parameters
    ----------
    path : str or path-like
        ``*.pbf`` is read with pyrosm; anything else (``.osm``, ``.osm.gz``,
        ``.osm.bz2``, ``.xml``) as OSM XML.
    name : str, optional
        Graph name; defaults to the file name without its extensions.

    Raises
    ------
    InputError
        Missing file, a pipe or device, pyrosm not installed (for ``.pbf``),
        malformed XML or node coordinates (``FILE:LINE:COL``), more nodes or
        road segments than a road graph may have (:mod:`sim.network.limits`),
        or no drivable road in the file. Messages never quote the file.
    """
    fname = str(path)
    region_file(fname, "OpenStreetMap file (.osm, .osm.gz, .osm.bz2 or .osm.pbf)", MAX_STREAM_BYTES)
    if name is None:
        name = re.sub(r"(\.osm)?(\.pbf|\.xml)?(\.gz|\.bz2)?$", "", Path(fname).name) or Path(fname).name
    if fname.lower().endswith(".pbf"):
        network = _read_pbf(fname)
    else:
        network = _read_xml(fname)
    return _build_graph(fname, name, *network)


def _read_pbf(fname: str):
    try:
        import pyrosm
    except ImportError:
        raise InputError(Problem(fname, None, None, "", f"reading .osm.pbf needs pyrosm: {_PIP_HINT} "
                                                        "(or give an .osm XML file)")) from None
    try:
        osm = pyrosm.OSM(fname)
        result = osm.get_network(network_type="driving", nodes=True, extra_attributes=["junction"])
    except Exception:  # noqa: BLE001 - pyrosm raises many kinds on a corrupt file
        raise InputError(Problem(fname, None, None, "", "cannot read as OSM PBF: not an OpenStreetMap "
                                                        "protocol-buffer extract, or a damaged one")) from None
    nodes, edges = result if isinstance(result, tuple) else (None, result)
    if nodes is None or edges is None or len(edges) == 0:
        raise _no_roads(fname)
    import pandas as pd

    way_codes, way_ids = pd.factorize(edges["id"])
    first = edges.drop_duplicates("id")
    columns = {key: first[key].to_numpy(dtype=object) if key in first else None for key in WAY_TAGS}
    way_tags = [
        {key: (str(col[i]) if col is not None and isinstance(col[i], str) else None)
         for key, col in columns.items()}
        for i in range(len(first))
    ]
    return (nodes["id"].to_numpy(np.int64), nodes["lon"].to_numpy(np.float64),
            nodes["lat"].to_numpy(np.float64), edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64),
            np.asarray(way_codes, np.int64), way_tags)


def _read_xml(fname: str):
    node_ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    seg_u: list[int] = []
    seg_v: list[int] = []
    seg_way: list[int] = []
    way_tags: list[dict] = []
    way: dict | None = None  # {"refs": [...], "tags": {...}} while inside <way>
    depth = 0
    parser = xml.parsers.expat.ParserCreate()

    def problem(path: str, message: str) -> InputError:
        return InputError(Problem(fname, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1,
                                  path, message))

    def start(tag: str, attrs: dict) -> None:
        nonlocal way, depth
        depth += 1
        if depth == 1:
            if tag != "osm":
                raise problem("", "not an OSM XML file: expected the root element <osm>")
        elif tag == "node" and depth == 2:
            if attrs.get("visible") == "false":
                return
            try:
                nid = int(attrs["id"])
            except (KeyError, ValueError):
                raise problem("node", "id must be a whole number") from None
            for key, limit in (("lon", 180.0), ("lat", 90.0)):
                try:
                    x = float(attrs[key])
                    ok = abs(x) <= limit
                except (KeyError, ValueError):
                    ok = False
                if not ok:
                    raise problem("node", f"{key} must be a number in -{limit:g}..{limit:g}")
            if len(node_ids) >= MAX_GRAPH_NODES:
                raise problem("node", f"more than {MAX_GRAPH_NODES:,} nodes; a road graph has at most that many "
                                      "(the full USA road graph has 23.9 million)")
            node_ids.append(nid)
            lons.append(float(attrs["lon"]))
            lats.append(float(attrs["lat"]))
        elif tag == "way" and depth == 2:
            way = {"id": attrs.get("id"), "refs": [], "tags": {}}
        elif way is not None and depth == 3:
            if tag == "nd":
                try:
                    way["refs"].append(int(attrs["ref"]))
                except (KeyError, ValueError):
                    raise problem("way", "<nd ref=...> must name a node id (a whole number)") from None
            elif tag == "tag" and attrs.get("k") in WAY_TAGS:
                way["tags"][attrs["k"]] = attrs.get("v")

    def end(tag: str) -> None:
        nonlocal way, depth
        depth -= 1
        if tag == "way" and depth == 1 and way is not None:
            if is_drivable(way["tags"]) and len(way["refs"]) >= 2:
                refs = way["refs"]
                if len(seg_u) + len(refs) > MAX_GRAPH_EDGES:
                    raise problem("way", f"more than {MAX_GRAPH_EDGES:,} road segments; a road graph has at "
                                         "most that many (the full USA road graph has 58 million arcs)")
                seg_u.extend(refs[:-1])
                seg_v.extend(refs[1:])
                seg_way.extend([len(way_tags)] * (len(refs) - 1))
                way_tags.append(way["tags"])
            way = None

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    opener = gzip.open if fname.endswith(".gz") else bz2.open if fname.endswith(".bz2") else open
    try:
        with opener(fname, "rb") as f:
            parser.ParseFile(f)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(Problem(fname, exc.lineno, exc.offset + 1, "",
                                 f"malformed XML: {xml.parsers.expat.ErrorString(exc.code)}")) from None
    except (OSError, EOFError) as exc:
        reason = (exc.strerror or "").lower() if isinstance(exc, OSError) and exc.strerror else \
            "not a complete file of its kind (damaged or truncated?)"
        raise InputError(Problem(fname, None, None, "", f"cannot read: {reason}")) from None
    return (np.array(node_ids, np.int64), np.array(lons), np.array(lats), np.array(seg_u, np.int64),
            np.array(seg_v, np.int64), np.array(seg_way, np.int64), way_tags)


def _no_roads(fname: str) -> InputError:
    return InputError(Problem(fname, None, None, "", "no drivable road in this file (a way tagged highway="
                                                     "motorway/primary/.../residential with its nodes)"))


# ---------------------------------------------------------------- building
def _build_graph(fname, name, node_id, lon, lat, seg_u, seg_v, seg_way, way_tags) -> RoadGraph:
    """Segments (OSM node ids + way index) and way tags → RoadGraph."""
    n_ways = len(way_tags)
    keep_way = np.zeros(n_ways, bool)
    direction = np.zeros(n_ways, np.int8)
    speed = np.full(n_ways, np.nan)
    road_class = np.zeros(n_ways, np.int8)
    bridge = np.zeros(n_ways, bool)
    tunnel = np.zeros(n_ways, bool)
    for w, tags in enumerate(way_tags):
        if not is_drivable(tags):
            continue
        keep_way[w] = True
        direction[w] = oneway_direction(tags)
        road_class[w] = RoadClass.parse(tags["highway"])
        kmh = parse_maxspeed_kmh(tags.get("maxspeed"))
        speed[w] = CLASS_SPEED_KMH[RoadClass(road_class[w])] if kmh is None else kmh
        bridge[w] = _is_set(tags.get("bridge"))
        tunnel[w] = _is_set(tags.get("tunnel"))

    if len(node_id) == 0 or len(seg_way) == 0:
        raise _no_roads(fname)
    # Node ids → positions in the node table; drop segments leaving the extract.
    order = np.argsort(node_id, kind="stable")
    sorted_ids = node_id[order]

    def position(ids):
        pos = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
        return order[pos], sorted_ids[pos] == ids

    pu, fu = position(seg_u)
    pv, fv = position(seg_v)
    keep = keep_way[seg_way] & fu & fv & (seg_u != seg_v)
    if not keep.any():
        raise _no_roads(fname)
    pu, pv, w = pu[keep], pv[keep], seg_way[keep]
    back = direction[w] == -1
    pu[back], pv[back] = pv[back].copy(), pu[back].copy()

    used = np.unique(np.concatenate([pu, pv]))  # node-table positions; ordered by OSM id below
    used = used[np.argsort(node_id[used], kind="stable")]
    index = np.full(len(node_id), -1, np.int64)
    index[used] = np.arange(len(used))
    length_m = haversine_m(lon[pu], lat[pu], lon[pv], lat[pv])
    return RoadGraph.from_segments(
        index[pu], index[pv], np.atleast_1d(length_m), speed[w],
        oneway=direction[w] != 0, road_class=road_class[w], is_bridge=bridge[w], is_tunnel=tunnel[w],
        lon=lon[used], lat=lat[used], node_ids=node_id[used], name=name,
    )
