"""GeoJSON for QGIS: RFC 7946 FeatureCollections in WGS 84 lon/lat, read back
with geopandas and shapely; and which roads were closed, from when until when."""
from __future__ import annotations

import json
import math
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_folders import run_folder
from shapely.geometry import shape

from sim.engine.outages import ROAD_OUTAGE, ROAD_OUTAGE_ENDED
from sim.hazards.timeline import HazardOutcome, RoadChange, WorkSite
from sim.network.graph import RoadClass
from sim.report.geojson import _value, closure_features, feature_properties
from sim.report.road_closures import _class_names, closed_km_by_class, closure_table


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return run_folder(tmp_path_factory)


def _positions(geometry):
    c = geometry["coordinates"]
    return [c] if geometry["type"] == "Point" else list(c)


@pytest.mark.parametrize("name", ["zones.geojson", "roads_closed.geojson", "facilities.geojson"])
def test_files_are_rfc7946_feature_collections_in_lon_lat(folder, name):
    doc = json.loads((folder / name).read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc     # RFC 7946 §4: WGS 84 only, no crs member
    assert doc["features"]
    lons, lats = [], []
    for f in doc["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict)
        assert f["geometry"]["type"] in ("Point", "LineString")
        for lon, lat in _positions(f["geometry"]):
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            lons.append(lon)
            lats.append(lat)
        assert shape(f["geometry"]).is_valid
    assert 116 < np.mean(lons) < 117.5 and 39.5 < np.mean(lats) < 40.5           # longitude first (§3.1.1)
    west, south, east, north = doc["bbox"]                                       # §5
    assert west == min(lons) and east == max(lons) and south == min(lats) and north == max(lats)
    text = (folder / name).read_text()
    assert "NaN" not in text and "Infinity" not in text


def test_zones_read_back_with_every_kpi_of_zones_csv(folder):
    zones = pd.read_csv(folder / "zones.csv", dtype={"zone_id": str})
    frame = gpd.read_file(folder / "zones.geojson")
    assert frame.crs.to_epsg() == 4326 and len(frame) == len(zones)
    assert set(zones.columns) - {"lon", "lat"} <= set(frame.columns)
    assert {"first_supply_class", "relief_class"} <= set(frame.columns)
    merged = frame.merge(zones, on="zone_id", suffixes=("", "_csv"))
    # zones.csv keeps a longitude to the decimetre (zones.geojson rounds to 6 decimals).
    assert np.allclose(merged.geometry.x, merged["lon"], rtol=0, atol=6e-7)
    assert np.allclose(merged.geometry.y, merged["lat"], rtol=0, atol=6e-7)
    assert "e+" not in (folder / "zones.csv").read_text()
    assert np.allclose(merged["affected"], merged["affected_csv"])
    assert set(frame.loc[frame["affected"] == 0, "first_supply_class"]) <= {"not affected"}


def test_closed_roads_read_back_with_times_and_cause(folder):
    frame = gpd.read_file(folder / "roads_closed.geojson")
    assert frame.crs.to_epsg() == 4326 and (frame.geometry.geom_type == "LineString").all()
    assert {"segment", "road_class", "length_m", "bridge", "cause", "closed_from_h", "closed_until_h",
            "reopened"} <= set(frame.columns)
    outage = frame[frame["cause"] == "road outage"]
    assert len(outage) and (outage["closed_from_h"] == 0).all() and (outage["closed_until_h"] == 24).all()
    assert (outage["reopened"] == "outage ended").all()
    summary = json.loads((folder / "summary.json").read_text())
    peak = summary["hazard"]["closed_road_km_peak"]
    assert outage["length_m"].sum() / 1000 == pytest.approx(peak, abs=1e-3)     # summary.json rounds to metres


def test_facilities_are_depots_shelters_and_team_bases(folder):
    frame = gpd.read_file(folder / "facilities.geojson")
    assert set(frame["facility"]) == {"depot", "shelter", "team_base"}
    scenario = json.loads((folder / "scenario.json").read_text())
    assert sorted(frame.loc[frame["facility"] == "depot", "id"]) == sorted(d["id"] for d in scenario["depots"])
    assert (frame.loc[frame["facility"] == "shelter", "capacity_people"] > 0).all()


def _stub_run():
    """Five segments as the road state recorded them: a bridge repaired on schedule at 6 h, debris
    cleared by crews at 12.5 h, debris left at the end, a bridge whose repair is due after the end
    of the run, and a road outage from 2 h to 4 h."""
    lon, lat = np.array([116.0, 116.01, 116.02, 116.03]), np.array([39.8, 39.8, 39.8, 39.8])
    graph = SimpleNamespace(segment=np.array([0, 0, 1, 1, 2, 2, 3, 4]), tails=np.array([0, 1, 1, 2, 2, 3, 0, 3]),
                            heads=np.array([1, 0, 2, 1, 3, 2, 3, 0]), lon=lon, lat=lat,
                            road_class=np.array([1, 1, 3, 3, 3, 3, 0, 3]),
                            length_m=np.array([900.0] * 2 + [400.0] * 4 + [200.0, 300.0]),
                            is_bridge=np.array([True, True, False, False, False, False, True, False]))
    hazard = HazardOutcome(work_sites=[WorkSite("eq-debris-1", "road_repair", 1, 60.0,
                                                on_done=RoadChange(0.0, np.array([2, 3]), 1.0, "debris cleared"),
                                                cause="collapse debris blocks the street"),
                                       WorkSite("eq-debris-2", "road_repair", 2, 60.0,
                                                on_done=RoadChange(0.0, np.array([5, 4]), 1.0, "debris cleared"),
                                                cause="collapse debris blocks the street")])
    closures = [(0, 0.0, 360.0, "earthquake damage", "bridge repaired (extensive damage)"),
                (4, 120.0, 240.0, ROAD_OUTAGE, ROAD_OUTAGE_ENDED),
                (1, 0.0, 750.0, "earthquake damage", "debris cleared")]
    open_now = [(2, 0.0, "earthquake damage"), (3, 0.0, "earthquake damage")]
    layers = SimpleNamespace(closures=closures, still_closed=lambda: open_now)
    world = SimpleNamespace(graph=graph, hazard=hazard, road_layers=layers)
    return SimpleNamespace(world=world, scenario=SimpleNamespace(duration=72 * 60.0))


def test_closure_table_reads_the_recorded_closures_with_their_causes():
    table = closure_table(_stub_run()).set_index("segment")
    assert table.loc[0, "closed_until_h"] == 6.0 and table.loc[0, "reopened"] == "repaired on schedule"
    assert bool(table.loc[0, "bridge"]) and table.loc[0, "road_class"] == "arterial"
    assert table.loc[1, "reopened"] == "cleared by crews" and table.loc[1, "closed_until_h"] == 12.5
    assert table.loc[1, "cause"] == "collapse debris blocks the street"
    # Every edge of a work site carries its cause (here the site's second edge comes first).
    assert table.loc[2, "reopened"] == "still closed at the end"
    assert table.loc[2, "cause"] == "collapse debris blocks the street"
    assert table.loc[3, "reopened"] == "still closed at the end" and math.isnan(table.loc[3, "closed_until_h"])
    assert table.loc[3, "cause"] == "earthquake damage"
    assert table.loc[4, "cause"] == "road outage" and table.loc[4, "reopened"] == "outage ended"
    at_start = closed_km_by_class(table.reset_index(), 0.0)
    assert closed_km_by_class(table.reset_index(), 3.0) == {"arterial": 0.9, "local": 1.1, "expressway": 0.2}
    assert closed_km_by_class(table.reset_index(), 12.0) == {"local": 0.8, "expressway": 0.2}
    at_end = closed_km_by_class(table.reset_index(), 72.0)
    assert at_start == {"arterial": 0.9, "local": 0.8, "expressway": 0.2}
    assert at_end == {"local": 0.4, "expressway": 0.2}


@pytest.mark.parametrize("scenario", ["extreme_rainfall", "m8_earthquake", "three_outages"])
def test_closures_add_up_to_the_closed_length_the_summary_reports(scenario):
    """Roads pumped dry or cleared by crews are not still closed: at every moment the table's
    closures sum to the summary's closed length over time (the same road state)."""
    from sim.api import run

    result = run(scenario)
    table = closure_table(result)
    hazard = result.summary()["hazard"]
    series = np.array(hazard["closed_road_km_over_time"])
    # Between the series' times (kept to 0.001 h); each class's km is rounded to metres.
    times = series[:, 0]
    between = (times[:-1] + times[1:]) / 2
    for row in [*range(1, len(between), max(len(between) // 40, 1)), len(between) - 1]:
        expected = series[row, 1]
        assert sum(closed_km_by_class(table, float(between[row])).values()) == pytest.approx(expected, abs=5e-3)
    still = table["reopened"] == "still closed at the end"
    assert table.loc[still, "length_m"].sum() / 1000 == pytest.approx(series[-1, 1], abs=1e-3)
    # The rainfall's water alone (before pumping crews) is its own figure, within the run.
    assert "closed_road_km" not in hazard or not isinstance(hazard["closed_road_km"], list)
    assert all(h <= result.scenario.duration / 60 for h, _ in hazard.get("flood_closed_road_km", []))
    for hours, figures in hazard["closed_road_km_at"].items():
        assert sum(closed_km_by_class(table, float(hours[:-1])).values()) == pytest.approx(figures["all"], abs=5e-3)


_FLOATS = st.one_of(st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e-300, 0.1]), st.floats())
_CELLS = st.one_of(st.none(), st.text(max_size=3), _FLOATS, st.integers(-2**40, 2**40), st.booleans(),
                   st.dictionaries(st.sampled_from(["water_l", "tent", 3]), st.one_of(_FLOATS, st.integers(0, 9))))


@st.composite
def _frames(draw):
    """Frames with columns of every kind a zones or closures table holds, and some it might."""
    n = draw(st.integers(0, 6))
    kinds = draw(st.lists(st.sampled_from(["float", "float32", "int", "uint8", "bool", "str", "string", "Int64",
                                           "object"]),
                          min_size=0, max_size=8))
    columns = {}
    for k, kind in enumerate(kinds):
        if kind == "float":
            values = pd.Series(draw(st.lists(_FLOATS, min_size=n, max_size=n)), dtype="float64")
        elif kind == "float32":
            values = pd.Series(draw(st.lists(st.one_of(st.sampled_from([math.nan, -math.inf]), st.floats(width=32)),
                                             min_size=n, max_size=n)), dtype="float32")
        elif kind in ("int", "uint8", "Int64"):
            bound = 255 if kind == "uint8" else 2**40
            cells = draw(st.lists(st.integers(0 if kind == "uint8" else -bound, bound), min_size=n, max_size=n))
            if kind == "Int64" and n:
                cells[0] = None
            values = pd.Series(cells, dtype={"int": "int64", "uint8": "uint8", "Int64": "Int64"}[kind])
        elif kind == "bool":
            values = pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        elif kind in ("str", "string"):
            values = pd.Series(draw(st.lists(st.one_of(st.none(), st.text(max_size=4)), min_size=n, max_size=n)),
                               dtype=kind)
        else:
            values = pd.Series(draw(st.lists(_CELLS, min_size=n, max_size=n)), dtype=object)
        columns[f"{kind}_{k}"] = values
    return pd.DataFrame(columns, index=range(n))


@settings(max_examples=300, deadline=None)
@given(frame=_frames(), skip_first=st.booleans())
def test_feature_properties_are_each_cell_converted_on_its_own(frame, skip_first):
    """Whole-column conversion gives what converting each cell of ``to_dict`` gives: the same
    values of the same JSON types (NaN, ±inf and missing text as null, numpy scalars as Python ones)."""
    skip = tuple(frame.columns[:1]) if skip_first else ()
    expected = [{key: _value(v) for key, v in row.items() if key not in skip}
                for row in frame.to_dict(orient="records")]
    got = feature_properties(frame, skip=skip)
    assert json.dumps(got, allow_nan=False) == json.dumps(expected, allow_nan=False)
    assert got == expected


def test_closure_features_keep_coordinates_rounded_and_properties_typed():
    closures = closure_table(_stub_run())
    features = closure_features(closures)
    for k, (f, row) in enumerate(zip(features, closures.to_dict(orient="records"))):
        assert f["id"] == k + 1
        assert f["geometry"]["coordinates"] == [[round(float(row["lon0"]), 6), round(float(row["lat0"]), 6)],
                                                [round(float(row["lon1"]), 6), round(float(row["lat1"]), 6)]]
        assert json.dumps(f["properties"]) == json.dumps({key: _value(v) for key, v in row.items()
                                                         if key not in ("lon0", "lat0", "lon1", "lat1")})


def test_road_classes_of_closures_are_named_as_the_graph_names_them():
    codes = np.array([int(c) for c in RoadClass] * 3, dtype=np.int8)[::-1]
    assert _class_names(codes) == [RoadClass(int(c)).name.lower() for c in codes]
    assert _class_names(codes[:0]) == []
