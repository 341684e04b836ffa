"""GeoJSON for GIS (QGIS, ArcGIS, geopandas): what a run did, on the map.

RFC 7946 FeatureCollections in WGS 84 longitude/latitude (no ``crs``
member), coordinates to 6 decimals (about 0.1 m), each with a ``bbox``:

* ``zones.geojson`` — one Point per zone with every column of ``zones.csv``
  as properties, plus ``first_supply_class`` and ``relief_class`` (the
  classes of :mod:`sim.report.time_classes`, tied to the planning lines);
* ``roads_closed.geojson`` — one LineString per closure of a road segment
  (:mod:`sim.report.road_closures`): ``segment``, ``road_class``,
  ``length_m``, ``bridge``, ``cause``, ``closed_from_h``, ``closed_until_h``
  (run clock: scheduled reopening, end of the outage or when crews cleared
  it; null when still closed at the end), ``reopened``;
* ``facilities.geojson`` — one Point per depot (``tier``, stock at the start
  and the end, trucks), shelter (capacity, people sheltered at the end) and
  team base (team ``kind``, crews), with ``facility`` saying which.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.files import atomic_write
from sim.report.time_classes import relief_classes, supply_classes

__all__ = ["feature_collection", "feature_properties", "zones_features", "closure_features", "facility_features",
           "write_geojson", "GEOJSON_FILES"]

GEOJSON_FILES = ("zones.geojson", "roads_closed.geojson", "facilities.geojson")
_DIGITS = 6


def _value(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not math.isfinite(float(v)) else float(v)
    if v is None or (not isinstance(v, (str, list, dict)) and pd.isna(v)):
        return None
    if isinstance(v, dict):
        return {str(k): _value(x) for k, x in v.items()}
    return v


def _is_numeric(dtype) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind in "biuf"


def _numeric_values(column: pd.Series) -> list:
    """:func:`_value` of every cell of a boolean, integer or float column, converted whole."""
    values = column.to_numpy()
    out = values.tolist()
    if values.dtype.kind == "f":
        for k in np.flatnonzero(~np.isfinite(values)).tolist():
            out[k] = None
    return out


def _text_values(column: pd.Series) -> list:
    """:func:`_value` of every cell of a text column (``str`` or ``string``): the text, missing as ``None``."""
    out = column.tolist()
    for k in np.flatnonzero(column.isna().to_numpy()).tolist():
        out[k] = None
    return out


def _whole_column(dtype) -> bool:
    return _is_numeric(dtype) or isinstance(dtype, pd.StringDtype)


def feature_properties(frame: pd.DataFrame, skip=()) -> list[dict]:
    """Each row of ``frame`` as a feature's properties, every column but ``skip``: the
    cells as JSON values (:func:`_value`), numeric and text columns converted whole."""
    names = [name for name in frame.columns if name not in skip]
    if not names:
        return [{} for _ in range(len(frame))]
    whole = {name: frame[name] for name in names if _whole_column(frame[name].dtype)}
    boxed = frame[[n for n in names if n not in whole]].to_dict(orient="list") if len(whole) < len(names) else {}
    columns = [[_value(v) for v in boxed[n]] if n in boxed else
               _numeric_values(whole[n]) if _is_numeric(whole[n].dtype) else _text_values(whole[n]) for n in names]
    return [dict(zip(names, row)) for row in zip(*columns)]


def _rounded(column: pd.Series) -> list[float]:
    """A coordinate column as floats rounded to :data:`_DIGITS` decimals (as :func:`_point` rounds)."""
    return [round(v, _DIGITS) for v in column.to_numpy(dtype=float).tolist()]


def _point(lon, lat) -> dict:
    return {"type": "Point", "coordinates": [round(float(lon), _DIGITS), round(float(lat), _DIGITS)]}


def feature_collection(features: list[dict]) -> dict:
    """A FeatureCollection with its ``bbox`` (west, south, east, north)."""
    coords = []
    for f in features:
        c = f["geometry"]["coordinates"]
        coords.extend(c if f["geometry"]["type"] == "LineString" else [c])
    doc = {"type": "FeatureCollection", "features": features}
    if coords:
        a = np.asarray(coords, dtype=float)
        doc["bbox"] = [round(float(v), _DIGITS) for v in (a[:, 0].min(), a[:, 1].min(), a[:, 0].max(), a[:, 1].max())]
    return doc


def zones_features(zones: pd.DataFrame, summary: dict) -> list[dict]:
    targets = summary.get("targets", {})
    supply = supply_classes(targets.get("district_supplies_h", ()))
    relief = relief_classes(targets.get("basic_relief_h", ()))
    affected = zones["affected"].to_numpy(dtype=float) > 0
    first = supply.label(zones["first_supply_h"].astype(float))
    relieved = relief.label(zones["relief_h"].astype(float))
    ids = [str(v) for v in zones["zone_id"].tolist()]
    lon, lat = (_rounded(zones[c]) for c in ("lon", "lat"))
    features = []
    for k, props in enumerate(feature_properties(zones, skip=("lon", "lat"))):
        props["first_supply_class"] = first[k] if affected[k] else "not affected"
        props["relief_class"] = relieved[k] if affected[k] else "not affected"
        point = {"type": "Point", "coordinates": [lon[k], lat[k]]}
        features.append({"type": "Feature", "id": ids[k], "geometry": point, "properties": props})
    return features


def closure_features(closures: pd.DataFrame) -> list[dict]:
    ends = ("lon0", "lat0", "lon1", "lat1")
    lon0, lat0, lon1, lat1 = (_rounded(closures[c]) for c in ends)
    features = []
    for k, props in enumerate(feature_properties(closures, skip=ends)):
        line = [[lon0[k], lat0[k]], [lon1[k], lat1[k]]]
        features.append({"type": "Feature", "id": k + 1, "geometry": {"type": "LineString", "coordinates": line},
                         "properties": props})
    return features


def facility_features(run) -> list[dict]:
    """Depots, shelters and team bases of the run's world."""
    w = run.world
    g = w.graph
    features = []

    def add(fid: str, node: int, props: dict) -> None:
        features.append({"type": "Feature", "id": fid, "geometry": _point(g.lon[node], g.lat[node]),
                         "properties": {key: _value(v) for key, v in props.items()}})

    for d in w.depots:
        add(f"depot:{d.depot_id}", d.node, {
            "facility": "depot", "id": d.depot_id, "tier": d.tier, "trucks": sum(t.depot is d for t in w.trucks),
            "stock_at_start": {i: a for i, a in d.initial.items() if a}, "stock_at_end": {i: a for i, a in d.stock.items() if a}})
    for s in w.shelters:
        add(f"shelter:{s.shelter_id}", s.node, {"facility": "shelter", "id": s.shelter_id, "capacity_people": s.capacity,
                                                "sheltered_at_end": s.arrived})
    for t in w.teams:
        add(f"team_base:{t.team_id}", t.base_node, {"facility": "team_base", "id": t.team_id, "kind": t.kind,
                                                    "crews": t.spec.count})
    return features


def write_geojson(out: Path, zones: pd.DataFrame, summary: dict, closures: pd.DataFrame, run) -> list[str]:
    """Write the three GeoJSON files into ``out``; returns their names."""
    docs = {"zones.geojson": feature_collection(zones_features(zones, summary)),
            "roads_closed.geojson": feature_collection(closure_features(closures)),
            "facilities.geojson": feature_collection(facility_features(run))}
    for name, doc in docs.items():
        with atomic_write(Path(out) / name) as tmp:
            tmp.write_text(json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")),
                           encoding="utf-8")
    return list(docs)
