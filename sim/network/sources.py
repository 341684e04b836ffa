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

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, Problem
from sim.network.csv_cells import record_start_lines, with_cell_columns
from sim.network.graph import RoadGraph
from sim.network.limits import MAX_ZONE_POPULATION, MAX_ZONES, MAX_ZONES_BYTES, region_file

__all__ = ["Region", "load_region", "load_network", "read_zones_csv", "zone_townships", "check_townships_exist"]

ZONE_COLUMNS = ("zone_id", "township", "lon", "lat", "node", "population", "vulnerable_share")
_ZONES_HEADER = "zone_id,population,vulnerable_share,node|lon,lat[,township]"
_ZONE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


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


def _read_zones_table(path: Path) -> pd.DataFrame:
    name = str(path)
    region_file(name, "zones CSV", MAX_ZONES_BYTES)
    try:
        df = pd.read_csv(path, dtype={"zone_id": str, "township": str}, encoding="utf-8-sig")
    except (OSError, pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        from sim.network.readers import table_read_problem

        raise table_read_problem(name, exc, _ZONES_HEADER, "zone") from None
    df.columns = [str(c).strip() for c in df.columns]
    need = {"zone_id", "population", "vulnerable_share"}
    missing = need - set(df.columns)
    if "node" not in df.columns and not {"lon", "lat"} <= set(df.columns):
        missing |= {"node (or lon and lat)"}
    if missing:
        raise InputError(Problem(name, 1, None, "", f"missing column(s) {', '.join(sorted(missing))}; the "
                                                    f"header must be '{_ZONES_HEADER}'"))
    if len(df) > MAX_ZONES:
        raise InputError(Problem(name, None, None, "", f"{len(df):,} zones; at most {MAX_ZONES:,}: each zone is "
                                                       "an agent command plans for at every re-plan"))
    if len(df) == 0:
        raise InputError(Problem(name, 2, None, "", "no zones: the file has its header only; list at least one "
                                                    "zone under it, one per line"))
    if "township" not in df.columns:
        df["township"] = ""
    df["township"] = df["township"].fillna("").astype(str).str.strip()
    return df


def _numbers(column: pd.Series) -> np.ndarray:
    """Each cell as a number (NaN: not one; true/false are not numbers)."""
    if column.dtype == bool:
        return np.full(len(column), np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(float)


def _row_lines(path: Path, n_rows: int) -> list[int]:
    """The line each of the table's ``n_rows`` rows starts on: blank lines, which the table
    skips, and values quoted across lines move a row down the file."""
    lines = record_start_lines(path, skip_blank=True)
    return lines if lines is not None and len(lines) == n_rows else list(range(2, n_rows + 2))


def _refused(path: Path, n_rows: int, problems: list[Problem]) -> InputError:
    """``problems`` found at rows' positions (row k at line k + 2), at their lines in the file."""
    at = _row_lines(path, n_rows)
    return InputError(with_cell_columns([replace(p, line=at[p.line - 2]) for p in problems]))


def _zone_rows(df: pd.DataFrame, name: str, lines: list[int]) -> list[Problem]:
    """Problems of the zones' own columns, one per bad cell (without quoting the cell)."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    # A cell that is not a number makes its whole column text: check each cell's value.
    populations, shares = _numbers(df["population"]), _numbers(df["vulnerable_share"])
    for row, rec, pop, share in zip(lines, df.itertuples(index=False), populations, shares):
        zone_id = rec.zone_id
        if not isinstance(zone_id, str) or not _ZONE_ID.fullmatch(zone_id):
            problems.append(Problem(name, row, None, "zone_id", "must be an id: letters, digits, '_', '.' and '-', "
                                                                "starting with a letter or digit, at most 64"))
        elif zone_id in seen:
            problems.append(Problem(name, row, None, "zone_id", f"this zone id is listed before, on line "
                                                                f"{seen[zone_id]}; zone ids must be unique"))
        else:
            seen[zone_id] = row
        if not (np.isfinite(pop) and pop == int(pop) and 0 <= pop <= MAX_ZONE_POPULATION):
            problems.append(Problem(name, row, None, "population", f"must be a whole number of people, 0 to "
                                                                   f"{MAX_ZONE_POPULATION:,} per zone"))
        if not 0 <= share <= 1:
            problems.append(Problem(name, row, None, "vulnerable_share", "must be a number between 0 and 1"))
        township = rec.township
        if len(township) > 64 or not township.isprintable():
            problems.append(Problem(name, row, None, "township", "must be printable text of at most 64 "
                                                                 "characters"))
    return problems


def read_zones_csv(path: Path, graph: RoadGraph, snap_limit_m: float) -> pd.DataFrame:
    """Read ``zone_id, population, vulnerable_share`` with ``node`` or ``lon, lat``
    (optional ``township``); lon/lat are snapped to the nearest node.

    Zone ids are unique ids, populations whole numbers of at most
    :data:`~sim.network.limits.MAX_ZONE_POPULATION`, at most
    :data:`~sim.network.limits.MAX_ZONES` zones; every problem is one
    ``FILE:LINE:COL: COLUMN: message`` line that never quotes the file.
    """
    name = str(path)
    df = _read_zones_table(path)
    # Rows by their position; the file is read again for their lines only when one is refused.
    lines = list(range(2, len(df) + 2))
    if _zone_rows(df, name, lines):
        raise InputError(with_cell_columns(_zone_rows(df, name, _row_lines(path, len(df)))))
    problems: list[Problem] = []
    if "node" in df.columns:
        nodes = []
        for row, nid in zip(lines, df["node"]):
            try:
                if isinstance(nid, float) and nid != int(nid):
                    raise ValueError
                nodes.append(graph.index_of(int(nid)))
            except (KeyError, ValueError, TypeError, OverflowError):
                problems.append(Problem(name, row, None, "node", "must be a node id of the road graph"))
        if problems:
            raise _refused(path, len(df), problems)
        df["node"] = nodes
        df["lon"], df["lat"] = graph.lon[nodes], graph.lat[nodes]
    else:
        from sim.network.snap import Snapper

        if not graph.has_coordinates:
            raise InputError(Problem(name, 1, None, "lon,lat", f"the road graph {graph.name!r} has no coordinates "
                                                               "(lon/lat) to place zones by; give each zone's node id "
                                                               "in a node column"))

        lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(float)
        lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(float)
        for row, x, y in zip(lines, lon, lat):
            if not (np.isfinite(x) and np.isfinite(y) and abs(x) <= 180 and abs(y) <= 90):
                problems.append(Problem(name, row, None, "lon,lat", "must be a longitude in -180..180 and a "
                                                                    "latitude in -90..90"))
        if problems:
            raise _refused(path, len(df), problems)
        idx, dist = Snapper(graph).snap_many(lon, lat)
        for row, d in zip(lines, dist):
            if d > snap_limit_m:
                problems.append(Problem(name, row, None, "lon,lat",
                                        f"{d:.0f} m from the nearest road node (limit {snap_limit_m:.0f} m)"))
        if problems:
            raise _refused(path, len(df), problems)
        df["node"] = idx
        df["lon"], df["lat"] = lon, lat
    df["population"] = pd.to_numeric(df["population"]).astype(np.int64)
    df["vulnerable_share"] = pd.to_numeric(df["vulnerable_share"]).astype(float)
    return df[list(ZONE_COLUMNS)].reset_index(drop=True)


def zone_townships(region, base_dir: Path | str = ".") -> list[str]:
    """The townships of a region's zones, read without building the road graph."""
    base_dir = Path(base_dir)
    if region.zones.builtin:
        from sim.network.district import DEFAULT_DISTRICT_SEED, build_district

        seed = region.network.seed if region.network.seed is not None else DEFAULT_DISTRICT_SEED
        return sorted(set(build_district(seed).zones["township"].astype(str)))
    return sorted(set(_read_zones_table(_path(base_dir, region.zones.csv))["township"]) - {""})


def check_townships_exist(scenario, base_dir: Path | str = ".") -> None:
    """Refuse township ids of the scenario that no zone of its region belongs to (located lines)."""
    from sim.scenarios.region_checks import check_townships, names_townships
    from sim.scenarios.loader import locate_problems

    if not names_townships(scenario):
        return
    findings = check_townships(scenario, zone_townships(scenario.region, base_dir))
    if findings:
        raise locate_problems(scenario, findings)
