"""Road graphs from CSV tables, networkx graphs and GraphML files."""
from __future__ import annotations

import re

from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.network.geo import haversine_m
from sim.network.graph import CLASS_SPEED_KMH, RoadClass, RoadGraph
from sim.network.readers import from_networkx, read_csv, read_graphml

NODES = """id,lon,lat,elevation_m
101,116.300,39.900,50
205,116.310,39.900,52
37,116.310,39.910,
9000000001,116.300,39.910,48
"""

EDGES = """u,v,length_m,speed_kmh,oneway,bridge,class
101,205,850,60,no,no,arterial
205,37,1110,,yes,TRUE,collector
37,9000000001,860,,1,0,
9000000001,101,1110,20,false,yes,local
"""


def write_pair(tmp_path: Path, nodes: str = NODES, edges: str = EDGES) -> tuple[Path, Path]:
    n, e = tmp_path / "nodes.csv", tmp_path / "edges.csv"
    n.write_text(nodes)
    e.write_text(edges)
    return n, e


def directed_edges(g: RoadGraph) -> Counter:
    """Multiset of (tail id, head id, length, speed, class, bridge, tunnel)."""
    return Counter(
        (int(g.node_ids[t]), int(g.node_ids[h]), round(float(L), 6), round(float(s), 6),
         int(c), bool(b), bool(tu))
        for t, h, L, s, c, b, tu in zip(g.tails, g.heads, g.length_m, g.speed_kmh, g.road_class,
                                         g.is_bridge, g.is_tunnel)
    )


def one_error(fn, *args, **kw) -> str:
    with pytest.raises(InputError) as exc:
        fn(*args, **kw)
    assert len(exc.value.lines) == 1, exc.value.lines
    return exc.value.lines[0]


# ====================================================================== CSV
def test_csv_two_way_rows_give_two_edges_and_oneway_rows_one(tmp_path):
    g = read_csv(*write_pair(tmp_path))
    assert g.n_nodes == 4 and g.n_segments == 4
    assert g.n_edges == 2 + 1 + 1 + 2
    pairs = Counter((int(g.node_ids[t]), int(g.node_ids[h])) for t, h in zip(g.tails, g.heads))
    assert pairs == Counter({(101, 205): 1, (205, 101): 1, (205, 37): 1, (37, 9000000001): 1,
                             (9000000001, 101): 1, (101, 9000000001): 1})


def test_csv_keeps_arbitrary_node_ids_and_their_coordinates(tmp_path):
    g = read_csv(*write_pair(tmp_path))
    assert list(g.node_ids) == [101, 205, 37, 9000000001]
    i = g.index_of(37)
    assert (g.lon[i], g.lat[i]) == (116.31, 39.91)
    assert list(g.elevation_m) == [50, 52, 0, 48]  # blank elevation → 0


def test_csv_blank_speed_takes_the_class_speed_and_flags_parse(tmp_path):
    g = read_csv(*write_pair(tmp_path))
    by_pair = {(int(g.node_ids[t]), int(g.node_ids[h])): e for e, (t, h) in enumerate(zip(g.tails, g.heads))}
    e = by_pair[(205, 37)]
    assert g.speed_kmh[e] == CLASS_SPEED_KMH[RoadClass.COLLECTOR] and g.is_bridge[e]
    e = by_pair[(37, 9000000001)]  # blank class → local
    assert g.road_class[e] == RoadClass.LOCAL and g.speed_kmh[e] == CLASS_SPEED_KMH[RoadClass.LOCAL]
    assert g.speed_kmh[by_pair[(101, 205)]] == 60 and not g.is_bridge[by_pair[(101, 205)]]
    assert g.is_bridge[by_pair[(9000000001, 101)]] and g.is_bridge[by_pair[(101, 9000000001)]]


def test_csv_optional_columns_may_be_left_out(tmp_path):
    g = read_csv(*write_pair(tmp_path, "id,lon,lat\n1,10,50\n2,10.01,50\n", "u,v,length_m\n1,2,716\n"))
    assert g.n_edges == 2 and np.all(g.speed_kmh == CLASS_SPEED_KMH[RoadClass.LOCAL])
    assert not g.is_bridge.any() and np.all(g.elevation_m == 0)


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("True", True), ("1", True), ("yes", True), ("YES", True),
    ("false", False), ("0", False), ("no", False), ("", False),
])
def test_csv_oneway_accepts_true_false_1_0_yes_no(tmp_path, text, expected):
    g = read_csv(*write_pair(tmp_path, "id,lon,lat\n1,10,50\n2,10.01,50\n",
                             f"u,v,length_m,oneway\n1,2,716,{text}\n"))
    assert g.n_edges == (1 if expected else 2)


N_OK = "id,lon,lat\n1,10,50\n2,10.01,50\n3,10.02,50\n"
E_HEAD = "u,v,length_m,speed_kmh,oneway,bridge,class\n"


@pytest.mark.parametrize("nodes, edges, which, line, fragment", [
    (N_OK, E_HEAD + "1,2,716,,,,\n2,3,-5,,,,\n", "edges", 3, "length_m: must be a number of metres from 0"),
    (N_OK, E_HEAD + "1,2,1e308,,,,\n", "edges", 2, "length_m: must be a number of metres from 0 to 1,000,000"),
    (N_OK, E_HEAD + "1,2,716,1e308,,,\n", "edges", 2, "speed_kmh: must be a number of km/h above 0 and at most 300"),
    (N_OK, E_HEAD + "1,2,abc,,,,\n", "edges", 2, "length_m: must be a number"),
    (N_OK, E_HEAD + "1,2,716,0,,,\n", "edges", 2, "speed_kmh: must be a number of km/h above 0"),
    (N_OK, E_HEAD + "1,2,716,fast,,,\n", "edges", 2, "speed_kmh: must be a number of km/h above 0"),
    (N_OK, E_HEAD + "1,2,716,,maybe,,\n", "edges", 2, "oneway: must be one of true/false"),
    (N_OK, E_HEAD + "1,2,716,,,sometimes,\n", "edges", 2, "bridge: must be one of true/false"),
    (N_OK, E_HEAD + "1,2,716,,,,motorwayish\n", "edges", 2, "class: must be a road class"),
    (N_OK, E_HEAD + "1,2,716,,,,\n\n2,99,5,,,,\n", "edges", 4, "v: must be a node id of"),
    (N_OK, E_HEAD + "1.5,2,716,,,,\n", "edges", 2, "u: must be a whole-number node id"),
    (N_OK, "u,v,speed_kmh\n1,2,50\n", "edges", 1, "missing column length_m"),
    (N_OK, "", "edges", 1, "empty file"),
    (N_OK, E_HEAD, "edges", 2, "no edges"),
    (N_OK, E_HEAD + "1,2,716,,,,,extra\n", "edges", 2, "8 fields, but the header has 7"),
    (N_OK, E_HEAD + "1,2,716,,,,\n2,3,5,,,,,extra\n", "edges", 3, "8 fields, but the header has 7"),
    (N_OK, E_HEAD + "1,2,716,,,,\n\"2,3,5,,,,\n", "edges", 3, 'a quote (") opens a value here that no quote closes'),
    ('id,lon,lat\n1,10,50\n2,"10.01,50\n', E_HEAD + "1,2,716,,,,\n", "nodes", 3,
     'a quote (") opens a value here that no quote closes'),
    ("id,lon,lat\n", E_HEAD + "1,2,716,,,,\n", "nodes", 2, "no nodes"),
    ("id,lon\n1,10\n", E_HEAD + "1,2,716,,,,\n", "nodes", 1, "missing column lat"),
    ("id,lon,lat\n1,200,50\n2,10,50\n", E_HEAD + "1,2,716,,,,\n", "nodes", 2,
     "lon: must be a number in -180..180"),
    ("id,lon,lat\n1,10,50\n2,10,north\n", E_HEAD + "1,2,716,,,,\n", "nodes", 3, "lat: must be a number in -90..90"),
    ("id,lon,lat\n1,10,50\n1,10.1,50\n", E_HEAD + "1,2,716,,,,\n", "nodes", 3,
     "id: this node id is listed before, on line 2"),
    ("id,lon,lat\nA,10,50\n", E_HEAD + "1,2,716,,,,\n", "nodes", 2, "id: must be a whole-number node id"),
])
def test_bad_csv_is_one_line_naming_file_line_and_column(tmp_path, nodes, edges, which, line, fragment):
    n, e = write_pair(tmp_path, nodes, edges)
    msg = one_error(read_csv, n, e)
    assert re.match(rf"{re.escape(str(n if which == 'nodes' else e))}:{line}(:\d+)?: ", msg), msg
    assert fragment in msg, msg


def test_bad_csv_reports_each_bad_column_once(tmp_path):
    n, e = write_pair(tmp_path, N_OK, E_HEAD + "1,2,-1,,,,\n2,3,-2,-9,,,\n")
    with pytest.raises(InputError) as exc:
        read_csv(n, e)
    assert [line.split(": ")[0:2] for line in exc.value.lines] == [
        [f"{e}:2:5", "length_m"], [f"{e}:3:8", "speed_kmh"]]


def test_missing_csv_file_is_an_input_error(tmp_path):
    assert "no such file" in one_error(read_csv, tmp_path / "nodes.csv", tmp_path / "edges.csv")


# ================================================================= networkx
def test_networkx_round_trip_preserves_edges_and_two_way_segments(tmp_path):
    g = read_csv(*write_pair(tmp_path))
    back = from_networkx(g.to_networkx())
    # to_networkx exports length and speed only, so compare those
    strip = lambda c: Counter({k[:4]: v for k, v in c.items()})  # noqa: E731
    assert strip(directed_edges(back)) == strip(directed_edges(g))
    assert back.n_segments == g.n_segments
    assert list(back.node_ids) == list(g.node_ids)
    assert np.allclose(back.lon, g.lon) and np.allclose(back.lat, g.lat)


def test_undirected_networkx_edges_are_two_way_roads():
    G = nx.Graph()
    G.add_edge(1, 2, length_m=100.0)
    G.add_edge(2, 3, length_m=50.0, speed_kmh=30)
    g = from_networkx(G)
    assert g.n_edges == 4 and g.n_segments == 2


def test_directed_networkx_edge_without_reverse_is_oneway():
    G = nx.DiGraph()
    G.add_edge("a", "b", length_m=100.0)
    G.add_edge("b", "c", length_m=100.0)
    G.add_edge("c", "b", length_m=100.0)
    g = from_networkx(G)
    assert g.n_edges == 3 and g.n_segments == 2
    assert list(g.node_ids) == [0, 1, 2]  # string node names → positions
    separate = from_networkx(G, merge_two_way=False)
    assert separate.n_segments == 3


def test_reverse_edges_with_different_attributes_stay_separate_segments():
    G = nx.MultiDiGraph()
    G.add_edge(1, 2, length_m=100.0)
    G.add_edge(2, 1, length_m=120.0)
    G.add_edge(1, 2, length_m=100.0)
    G.add_edge(2, 1, length_m=100.0)
    assert from_networkx(G).n_segments == 3


def test_osmnx_style_attributes_are_understood():
    G = nx.MultiDiGraph(name="osmnx-ish")
    G.add_node(11, x=24.94, y=60.17)
    G.add_node(12, x=24.95, y=60.17)
    G.add_node(13, x=24.95, y=60.18)
    G.add_edge(11, 12, length=556.5, highway=["primary", "secondary"], maxspeed="30 mph", bridge="yes")
    G.add_edge(12, 13, highway="residential", tunnel="building_passage")  # no length: measured
    g = from_networkx(G)
    assert g.name == "osmnx-ish" and list(g.node_ids) == [11, 12, 13]
    e0 = int(np.flatnonzero(g.node_ids[g.tails] == 11)[0])
    assert g.road_class[e0] == RoadClass.ARTERIAL and g.is_bridge[e0]
    assert g.speed_kmh[e0] == pytest.approx(30 * 1.609344)
    e1 = int(np.flatnonzero(g.node_ids[g.tails] == 12)[0])
    assert g.is_tunnel[e1] and g.speed_kmh[e1] == CLASS_SPEED_KMH[RoadClass.LOCAL]
    assert g.length_m[e1] == pytest.approx(haversine_m(24.95, 60.17, 24.95, 60.18))


def test_networkx_edge_without_length_or_coordinates_is_an_input_error():
    G = nx.Graph()
    G.add_edge(1, 2)
    assert "edge 1->2: has no length_m" in one_error(from_networkx, G)
    G = nx.Graph()
    G.add_edge(1, 2, length_m=-3)
    assert "length_m=-3 must be a number of metres from 0 to 1,000,000" in one_error(from_networkx, G)
    G = nx.Graph()
    G.add_edge(1, 2, length_m=716, speed_kmh=1e308)
    assert "must be a number of km/h above 0 and at most 300" in one_error(from_networkx, G)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(0, 500)),
                min_size=1, max_size=25), st.booleans())
def test_any_networkx_graph_round_trips_its_directed_edges(edges, directed):
    G = nx.MultiDiGraph() if directed else nx.MultiGraph()
    G.add_nodes_from(range(8))
    for u, v, length in edges:
        G.add_edge(u, v, length_m=float(length))
    g = from_networkx(G)
    expected = Counter()
    for u, v, length in edges:
        expected[(u, v, float(length))] += 1
        if not directed and u != v:
            expected[(v, u, float(length))] += 1
        elif not directed:
            expected[(u, u, float(length))] += 1  # an undirected self-loop is two-way: both "directions"
    got = Counter((int(t), int(h), float(L)) for t, h, L in zip(g.tails, g.heads, g.length_m))
    assert got == expected
    assert g.n_segments == len(edges) if not directed else g.n_segments <= len(edges)


# ================================================================== GraphML
def test_graphml_written_by_networkx_reads_back(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node(5, lon=116.30, lat=39.90)
    G.add_node(6, lon=116.31, lat=39.90)
    G.add_node(7, lon=116.31, lat=39.91)
    G.add_edge(5, 6, length_m=850.0, speed_kmh=60.0, road_class="arterial", is_bridge=True)
    G.add_edge(6, 5, length_m=850.0, speed_kmh=60.0, road_class="arterial", is_bridge=True)
    G.add_edge(6, 7, length_m=1110.0, road_class="expressway")
    path = tmp_path / "city.graphml"
    nx.write_graphml(G, path)
    g = read_graphml(path)
    assert g.name == "city" and list(g.node_ids) == [5, 6, 7]
    assert directed_edges(g) == Counter({
        (5, 6, 850.0, 60.0, 1, True, False): 1, (6, 5, 850.0, 60.0, 1, True, False): 1,
        (6, 7, 1110.0, 80.0, 0, False, False): 1})
    assert g.n_segments == 2
    assert np.allclose(g.lat, [39.90, 39.90, 39.91])


def test_graphml_with_string_attributes_like_osmnx_writes(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("1", x="10.0", y="50.0")
    G.add_node("2", x="10.01", y="50.0")
    G.add_edge("1", "2", length="716.5", highway="secondary", oneway="True", bridge="viaduct", maxspeed="50")
    path = tmp_path / "osmnx.graphml"
    nx.write_graphml(G, path)
    g = read_graphml(path)
    assert list(g.node_ids) == [1, 2] and g.n_edges == 1
    assert g.length_m[0] == 716.5 and g.speed_kmh[0] == 50 and g.is_bridge[0]
    assert g.road_class[0] == RoadClass.COLLECTOR


def test_malformed_graphml_names_the_line(tmp_path):
    path = tmp_path / "bad.graphml"
    path.write_text('<?xml version="1.0"?>\n<graphml>\n<graph>\n<node id="1">\n</graph>\n')
    msg = one_error(read_graphml, path)
    assert msg.startswith(f"{path}:5:") and "malformed XML" in msg
    assert "no such file" in one_error(read_graphml, tmp_path / "nope.graphml")


# ---------------------------------------------------------------- hostile region files
SECRET = "root:$6$saltsalt$5ecretHash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"


def test_no_message_quotes_a_file_the_region_points_at(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text(SECRET)
    good_nodes, good_edges = write_pair(tmp_path)
    cases = [lambda: read_csv(secret, good_edges), lambda: read_csv(good_nodes, secret),
             lambda: read_graphml(secret)]
    for case in cases:
        with pytest.raises(InputError) as info:
            case()
        for line in info.value.lines:
            assert "5ecret" not in line and "saltsalt" not in line and "daemon" not in line, line


@pytest.mark.parametrize("reader", ["nodes", "graphml", "osm", "zones"])
def test_pipes_and_devices_are_refused_before_they_are_opened(tmp_path, reader, monkeypatch):
    import builtins
    import os

    import pandas as pd

    from sim.network.osm import read_osm
    from sim.network.sources import read_zones_csv

    fifo = tmp_path / "region.file"
    os.mkfifo(fifo)

    def no_opening(*args, **kwargs):
        raise AssertionError("the FIFO was opened")
    monkeypatch.setattr(builtins, "open", no_opening)
    monkeypatch.setattr(pd, "read_csv", no_opening)
    call = {"nodes": lambda: read_csv(fifo, tmp_path / "edges.csv"), "graphml": lambda: read_graphml(fifo),
            "osm": lambda: read_osm(fifo), "zones": lambda: read_zones_csv(fifo, None, 1000.0)}[reader]
    with pytest.raises(InputError) as info:
        call()
    assert info.value.lines[0].startswith(f"{fifo}: is not a regular file (a pipe, device or socket)")


def test_graphml_nodes_with_nan_or_out_of_range_coordinates_are_refused(tmp_path):
    for lon, lat, says in ((float("nan"), 39.9, "lon must be a number in -180..180"),
                           (116.3, 500.0, "lat must be a number in -90..90")):
        G = nx.Graph()
        G.add_node(1, lon=116.3, lat=39.9)
        G.add_node(2, lon=lon, lat=lat)
        G.add_edge(1, 2, length_m=10.0)
        path = tmp_path / "g.graphml"
        nx.write_graphml(G, path)
        msg = one_error(read_graphml, path)
        assert msg == f"{path}: node #2: {says}", msg


def zones_file(tmp_path, rows: str) -> Path:
    path = tmp_path / "zones.csv"
    path.write_text("zone_id,township,node,population,vulnerable_share\n" + rows)
    return path


@pytest.mark.parametrize("rows, line, says", [
    ("Z1,T1,1,100,0.2\nZ1,T1,2,50,0.1\n", 3, "zone_id: this zone id is listed before, on line 2"),
    ("Z1,T1,1,1e30,0.2\n", 2, "population: must be a whole number of people, 0 to 10,000,000 per zone"),
    ("Z1,T1,1,12.5,0.2\n", 2, "population: must be a whole number of people"),
    ("Z1,T1,1,-3,0.2\n", 2, "population: must be a whole number of people"),
    ("Z1,T1,1,nan,0.2\n", 2, "population: must be a whole number of people"),
    ("Z1,T1,1,100,1.5\n", 2, "vulnerable_share: must be a number between 0 and 1"),
    ("Z 1,T1,1,100,0.2\n", 2, "zone_id: must be an id"),
    ("Z1,T1,99,100,0.2\n", 2, "node: must be a node id of the road graph"),
])
def test_zones_have_unique_ids_and_bounded_whole_populations(tmp_path, rows, line, says):
    from sim.network.sources import read_zones_csv

    graph = read_csv(*write_pair(tmp_path))
    path = zones_file(tmp_path, rows)
    with pytest.raises(InputError) as info:
        read_zones_csv(path, graph, 1000.0)
    assert len(info.value.lines) == 1 and re.match(rf"{re.escape(str(path))}:{line}:\d+: {re.escape(says)}",
                                                   info.value.lines[0])


def test_more_zones_than_the_limit_are_refused_before_they_are_checked(tmp_path, monkeypatch):
    from sim.network import sources

    monkeypatch.setattr(sources, "MAX_ZONES", 3)
    path = zones_file(tmp_path, "".join(f"Z{i},T1,1,1,0.1\n" for i in range(5)))
    with pytest.raises(InputError) as info:
        sources.read_zones_csv(path, read_csv(*write_pair(tmp_path)), 1000.0)
    assert info.value.lines == [f"{path}: 5 zones; at most 3: each zone is an agent command plans for at every "
                                "re-plan"]


def test_an_xml_entity_bomb_is_refused_without_expanding(tmp_path):
    from sim.network.osm import read_osm

    entities = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    head = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n{entities}]>\n'
    osm, graphml = tmp_path / "bomb.osm", tmp_path / "bomb.graphml"
    osm.write_text(head + '<osm><node id="1" lat="1" lon="1" user="&lol9;"/></osm>\n')
    graphml.write_text(head + '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph '
                              'edgedefault="undirected"><node id="&lol9;"/></graph></graphml>\n')
    for path, reader in ((osm, read_osm), (graphml, read_graphml)):
        msg = one_error(reader, path)
        assert msg.startswith(f"{path}:14:") and "malformed XML" in msg, msg


def test_has_coordinates_follows_the_coordinate_arrays_the_graph_holds():
    g = RoadGraph.from_segments([0, 1], [1, 2], [100.0, 100.0], lon=[116.0, 116.1, 116.2], lat=[40.0, 40.0, 40.0])
    assert g.has_coordinates
    g.lon = np.array([116.0, np.nan, 116.2])
    assert not g.has_coordinates
    g.lon = np.array([116.0, 116.1, 116.2])
    assert g.has_coordinates


@pytest.mark.parametrize("nodes, edges, located", [
    (N_OK, E_HEAD + "1,2,716,,,,\n2,3,-5,,,,\n", "edges.csv:3:5: length_m"),
    (N_OK, E_HEAD + "1,2,716,,,,\n\n2,3, 5,fast,,,\n", "edges.csv:4:8: speed_kmh"),
    (N_OK, E_HEAD + '1,2,716,,,,"motor,wayish"\n', "edges.csv:2:12: class"),
    ("id,lon,lat\n1,10,50\n2,10,north\n", E_HEAD + "1,2,716,,,,\n", "nodes.csv:3:6: lat"),
    ("\ufeffid,lon,lat\n1,10,50\n1,10.1,50\n", E_HEAD + "1,2,716,,,,\n", "nodes.csv:3:1: id"),
    ("ID, Lon ,LAT\n1,10,50\n2,200,50\n", E_HEAD + "1,2,716,,,,\n", "nodes.csv:3:3: lon"),
])
def test_a_bad_cell_is_located_to_the_character_its_value_starts_at(tmp_path, nodes, edges, located):
    n, e = write_pair(tmp_path, nodes, edges)
    msg = one_error(read_csv, n, e)
    assert msg.startswith(f"{tmp_path}/{located}: "), msg


@pytest.mark.parametrize("rows, located", [
    ("Z1,T1,1,100,0.2\n\nZ2,T1,2,-3,0.2\n", "4:9: population"),
    ("Z1,T1,1,100,0.2\n   \nZ2,T1,2,x,0.2\n", "4:9: population"),
    ("Z1,T1,1,100,0.2\nZ2,T1,2,lots,0.2\n", "3:9: population"),
    ("Z1,T1,1,100,True\nZ2,T1,2,100,False\n", "2:13: vulnerable_share"),
])
def test_zone_rows_are_located_by_their_line_in_the_file_and_their_cell(tmp_path, rows, located):
    """Blank lines and values quoted across lines move a row down the file; a cell that is not
    a number flags its own row, not every row of its column."""
    from sim.network.sources import read_zones_csv

    graph = read_csv(*write_pair(tmp_path))
    path = zones_file(tmp_path, rows)
    with pytest.raises(InputError) as info:
        read_zones_csv(path, graph, 1000.0)
    assert info.value.lines[0].startswith(f"{path}:{located}: "), info.value.lines
    assert len(info.value.lines) == (2 if "False" in rows else 1)


def test_a_value_quoted_across_lines_moves_the_rows_below_it_down_the_file(tmp_path):
    from sim.network.sources import read_zones_csv

    graph = read_csv(*write_pair(tmp_path))
    path = zones_file(tmp_path, 'Z1,"T\n1",1,100,0.2\nZ2,T1,2,100,7\n')
    with pytest.raises(InputError) as info:
        read_zones_csv(path, graph, 1000.0)
    assert [line.split(": ")[:2] for line in info.value.lines] == [
        [f"{path}:2:4", "township"], [f"{path}:4:13", "vulnerable_share"]]


def test_a_value_quoted_across_lines_is_located_where_its_record_and_cell_are(tmp_path):
    """Rows after a value quoted across lines start further down the file; a cell after such a
    value in its own record sits on the record's last line."""
    head = "u,v,name,length_m\n"
    n, e = write_pair(tmp_path, N_OK, head + '1,2,"Main\nStreet",716\n2,3,x,-5\n')
    assert one_error(read_csv, n, e).startswith(f"{e}:4:7: length_m: ")
    n, e = write_pair(tmp_path, N_OK, head + '1,2,"Main\nStreet", -5\n')
    assert one_error(read_csv, n, e).startswith(f"{e}:3:10: length_m: ")
