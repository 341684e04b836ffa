"""Load a scenario's region: the road graph and the community zones.

A scenario's ``region`` names where its road graph and zones come from; this
module turns those names into a :class:`RoadGraph` and a zone table, resolving
file paths relative to the scenario file. Zones are the unit the engine
measures: one row per community or village, with its people, the share of
them who are vulnerable (elderly living alone, disabled) and the road node
that supplies are delivered to.

Zone table columns: ``zone_id`` (str), ``township`` (str), ``lon``, ``lat``,
``node`` (graph index), ``population`` (int), ``vulnerable_share`` (0–1).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, Problem
from sim.network.graph import RoadGraph

__all__ = ["Region", "load_region", "load_network", "read_zones_csv"]

ZONE_COLUMNS = ("zone_id", "township", "lon", "lat", "node", "population", "vulnerable_share")


@dataclass
class Region:
    """A loaded region: the graph (shared; copy before changing state),
    the zone table, and the built-in district when the region is built in."""

    graph: RoadGraph
    zones: pd.DataFrame
    district: object | None = None   # sim.network.district.District for builtin regions


def _path(base_dir: Path, name: str) -> Path:
    p = Path(name)
    return p if p.is_absolute() else base_dir / p


def load_network(source, base_dir: Path) -> RoadGraph:
    """The road graph a ``region.network`` section names."""
    if source.builtin:
        from sim.network.district import DEFAULT_DISTRICT_SEED, build_district

        return build_district(source.seed if source.seed is not None else DEFAULT_DISTRICT_SEED).graph
    if source.csv is not None:
        from sim.network.readers import read_csv

        return read_csv(_path(base_dir, source.csv.nodes), _path(base_dir, source.csv.edges))
    if source.graphml:
        from sim.network.readers import read_graphml

        return read_graphml(_path(base_dir, source.graphml))
    if source.osm:
        from sim.network.osm import read_osm

        return read_osm(_path(base_dir, source.osm))
    from sim.network.dimacs import read_dimacs

    return read_dimacs(_path(base_dir, source.dimacs))


def load_region(region, base_dir: Path | str = ".") -> Region:
    """Load the graph and zones of a scenario's ``region`` section."""
    base_dir = Path(base_dir)
    graph = load_network(region.network, base_dir)
    district = None
    if region.network.builtin:
        from sim.network.district import DEFAULT_DISTRICT_SEED, build_district

        district = build_district(region.network.seed if region.network.seed is not None
                                  else DEFAULT_DISTRICT_SEED)
    if region.zones.builtin:
        if district is None:
            raise InputError("region.zones: the built-in zones need the built-in network "
                             "(network: {builtin: district}); give zones as a CSV for other networks")
        zones = district.zones[list(ZONE_COLUMNS)].copy()
    else:
        zones = read_zones_csv(_path(base_dir, region.zones.csv), graph, region.snap_limit)
    return Region(graph=graph, zones=zones, district=district)


def read_zones_csv(path: Path, graph: RoadGraph, snap_limit_m: float) -> pd.DataFrame:
    """Read ``zone_id, population, vulnerable_share`` with ``node`` or ``lon, lat``
    (optional ``township``); lon/lat are snapped to the nearest node."""
    name = str(path)
    try:
        df = pd.read_csv(path, dtype={"zone_id": str, "township": str})
    except FileNotFoundError:
        raise InputError(Problem(name, None, None, "", "file not found")) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, IsADirectoryError) as exc:
        raise InputError(Problem(name, None, None, "", f"cannot read zones CSV: {exc}")) from None
    problems: list[Problem] = []
    need = {"zone_id", "population", "vulnerable_share"}
    missing = need - set(df.columns)
    if "node" not in df.columns and not {"lon", "lat"} <= set(df.columns):
        missing |= {"node (or lon and lat)"}
    if missing:
        raise InputError(Problem(name, 1, None, "", f"missing column(s) {', '.join(sorted(missing))}"))
    for row, rec in enumerate(df.itertuples(index=False), start=2):
        pop = getattr(rec, "population")
        share = getattr(rec, "vulnerable_share")
        if not (isinstance(pop, (int, float, np.integer, np.floating)) and np.isfinite(pop) and pop >= 0):
            problems.append(Problem(name, row, None, "population", f"{pop!r} must be a number >= 0"))
        if not (isinstance(share, (int, float, np.floating)) and 0 <= share <= 1):
            problems.append(Problem(name, row, None, "vulnerable_share", f"{share!r} must be between 0 and 1"))
    if problems:
        raise InputError(problems)
    if "node" in df.columns:
        nodes = []
        for row, nid in enumerate(df["node"], start=2):
            try:
                nodes.append(graph.index_of(int(nid)))
            except (KeyError, ValueError):
                problems.append(Problem(name, row, None, "node", f"node {nid!r} is not in the road graph"))
        if problems:
            raise InputError(problems)
        df["node"] = nodes
        df["lon"], df["lat"] = graph.lon[nodes], graph.lat[nodes]
    else:
        from sim.network.snap import Snapper

        idx, dist = Snapper(graph).snap_many(df["lon"].to_numpy(float), df["lat"].to_numpy(float))
        for row, d in enumerate(dist, start=2):
            if d > snap_limit_m:
                problems.append(Problem(name, row, None, "lon,lat",
                                        f"{d:.0f} m from the nearest road node (limit {snap_limit_m:.0f} m)"))
        if problems:
            raise InputError(problems)
        df["node"] = idx
    if "township" not in df.columns:
        df["township"] = ""
    df["population"] = df["population"].astype(np.int64)
    return df[list(ZONE_COLUMNS)].reset_index(drop=True)
