"""The earthquake model end to end: a validation case and the physics of its outcome."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.hazards.earthquake import (
    earthquake_outcome,
    intensity_at,
    survival_probability,
)
from sim.network.graph import RoadClass, RoadGraph
from sim.scenarios.hazard_models import Attenuation, Earthquake

SANHE_PINGGU_1679 = dict(type="earthquake", magnitude=8.0, epicenter=(117.0, 40.0), strike_deg=45.0)
BEIJING = (116.40, 39.91)


def grid_graph(n=24, lon0=116.60, lat0=39.80, step=0.01, bridge_every=5, seed=7):
    """An n×n street grid east of Beijing, mixed road classes, every k-th segment a bridge."""
    rng = np.random.default_rng(seed)
    idx = np.arange(n * n).reshape(n, n)
    lon = lon0 + step * np.tile(np.arange(n), n)
    lat = lat0 + step * np.repeat(np.arange(n), n)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    length = np.full(len(u), step * 90_000.0)
    road_class = rng.integers(0, 5, len(u))
    is_bridge = np.arange(len(u)) % bridge_every == 0
    return RoadGraph.from_segments(u, v, length, road_class=road_class, is_bridge=is_bridge, lon=lon, lat=lat)


GRAPH = grid_graph()
ZONE_LON = np.linspace(116.62, 116.82, 12)
ZONE_LAT = np.linspace(39.82, 40.02, 12)
ZONE_POP = np.full(12, 20_000.0)


def run(seed=1, graph=GRAPH, **kw):
    hazard = Earthquake(**{**SANHE_PINGGU_1679, **kw})
    return earthquake_outcome(hazard, graph, ZONE_LON, ZONE_LAT, ZONE_POP, np.random.default_rng(seed))


@pytest.mark.parametrize("relation", ["wang2000-north-china", "yu2013-east"])
def test_1679_sanhe_pinggu_earthquake_is_reproduced_within_one_degree(relation):
    """1679 Sanhe–Pinggu M8.0, epicentre 40.0°N 117.0°E, Xiadian fault striking NE (45°).

    Published: epicentral intensity XI (Chinese catalogue of historical
    earthquakes), Beijing city VIII (Grossi/RMS 2007; "Beijing is in an
    intensity-VIII zone" in the 12th five-year plan).
    Model (median, no scatter):
      wang2000-north-china — epicentral 11.19, Beijing (116.40E, 39.91N) 8.56;
      yu2013-east          — epicentral 10.62, Beijing 8.37.
    """
    hazard = Earthquake(**SANHE_PINGGU_1679, attenuation=Attenuation(relation=relation))
    epicentral, beijing = intensity_at(hazard, [117.0, BEIJING[0]], [40.0, BEIJING[1]])
    expected = {"wang2000-north-china": (11.19, 8.56), "yu2013-east": (10.62, 8.37)}[relation]
    assert (epicentral, beijing) == pytest.approx(expected, abs=0.01)
    assert abs(epicentral - 11) <= 1.0
    assert abs(beijing - 8) <= 1.0


def test_same_seed_gives_the_same_outcome_and_another_seed_may_not():
    a, b, c = run(seed=5, attenuation=Attenuation(sigma=0.5)), run(seed=5, attenuation=Attenuation(sigma=0.5)), \
        run(seed=6, attenuation=Attenuation(sigma=0.5))
    assert a.figures == b.figures
    np.testing.assert_array_equal(a.node_intensity, b.node_intensity)
    np.testing.assert_array_equal(a.trapped, b.trapped)
    assert [(r.time_min, r.edges.tolist(), r.speed_factor.tolist()) for r in a.road_changes] == \
        [(r.time_min, r.edges.tolist(), r.speed_factor.tolist()) for r in b.road_changes]
    assert [w.site_id for w in a.work_sites] == [w.site_id for w in b.work_sites]
    assert not np.array_equal(a.node_intensity, c.node_intensity)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31), factor=st.floats(1.0, 4.0), magnitude=st.floats(6.5, 8.5))
def test_retrofit_never_leaves_more_bridges_down_on_the_same_seed(seed, factor, magnitude):
    before = run(seed=seed, magnitude=magnitude)
    after = run(seed=seed, magnitude=magnitude, bridge_fragility_factor=factor)
    bridges = before.bridge_damage_state >= 0
    assert np.all(after.bridge_damage_state[bridges] <= before.bridge_damage_state[bridges])
    assert after.figures["bridges_closed"] <= before.figures["bridges_closed"]
    for k in (1, 2, 3, 4):  # bridges in state k or worse
        assert np.sum(after.bridge_damage_state >= k) <= np.sum(before.bridge_damage_state >= k)


def test_retrofit_of_listed_bridges_only_helps_those_bridges():
    before = run(seed=11)
    hit = np.flatnonzero(before.bridge_damage_state >= 3)
    assert len(hit) > 2
    listed = {int(s): 50.0 for s in hit[:2]}
    after = run(seed=11, segment_fragility_factor=listed)
    assert np.all(after.bridge_damage_state[hit[:2]] == 0)
    np.testing.assert_array_equal(np.delete(after.bridge_damage_state, hit[:2]),
                                  np.delete(before.bridge_damage_state, hit[:2]))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31), magnitude=st.floats(5.0, 9.0), hour=st.floats(0.0, 23.9),
       fortified=st.floats(0.0, 1.0))
def test_people_counts_nest_trapped_within_displaced_within_affected_within_residents(seed, magnitude, hour,
                                                                                      fortified):
    o = run(seed=seed, magnitude=magnitude, clock_hour=hour, fortified_share=fortified)
    assert np.all(o.trapped <= o.displaced)
    assert np.all(o.displaced <= o.affected)
    assert np.all(o.affected <= ZONE_POP)
    assert np.all(o.trapped >= 0)


def test_a_small_earthquake_far_away_damages_nothing():
    o = run(magnitude=4.0, epicenter=(118.6, 41.2))  # ~180 km north-east
    assert o.figures["max_node_intensity"] < 4.0
    assert o.figures["bridges_closed"] == 0 and sum(o.figures["bridges_down"].values()) == 0
    assert o.figures["road_segments_blocked"] == 0 and o.figures["closed_road_km"] == 0
    assert o.affected.sum() == o.displaced.sum() == o.trapped.sum() == 0
    assert o.road_changes == [] and o.work_sites == []


def test_closed_bridges_reopen_after_their_repair_time_and_debris_sites_reopen_streets():
    o = run(seed=3)
    first = o.road_changes[0]
    assert first.time_min == 0.0 and first.cause == "earthquake damage"
    closed_edges = set(first.edges[first.speed_factor == 0.0].tolist())
    reopenings = [r for r in o.road_changes[1:] if r.cause.startswith("bridge repaired")]
    assert reopenings and all(r.time_min > 0 and np.all(r.speed_factor == 1.0) for r in reopenings)
    debris = [w for w in o.work_sites if w.team_kind == "road_repair"]
    assert len(debris) == o.figures["road_segments_blocked"] > 0
    for site in debris:
        edges = site.on_done.edges
        assert set(edges.tolist()) <= closed_edges
        assert len(set(GRAPH.segment[edges].tolist())) == 1 and len(edges) == 2  # both directions
        assert np.all(site.on_done.speed_factor == 1.0)
        assert site.node in (GRAPH.tails[edges[0]], GRAPH.heads[edges[0]])
    assert not any(GRAPH.is_bridge[w.on_done.edges].any() for w in debris)


def test_trapped_people_become_sar_sites_with_work_in_proportion():
    o = run(seed=2, clock_hour=3.0)
    sar = {w.site_id: w for w in o.work_sites if w.team_kind == "sar"}
    zones = np.flatnonzero(o.trapped > 0)
    assert len(sar) == len(zones) > 0
    per_person = {w.work_min / o.trapped[int(sid.rsplit("-", 1)[1])] for sid, w in sar.items()}
    assert len(per_person) == 1
    assert all(0 <= w.node < GRAPH.n_nodes for w in sar.values())


def test_night_shock_traps_more_people_than_a_daytime_one():
    night = sum(run(seed=s, clock_hour=2.0).trapped.sum() for s in range(3))
    day = sum(run(seed=s, clock_hour=14.0).trapped.sum() for s in range(3))
    assert night > day


def test_figures_are_plain_json_and_intensity_arrays_ride_on_the_outcome():
    o = run(seed=4, attenuation=Attenuation(sigma=0.3))
    json.dumps(o.figures)
    assert set(o.figures) >= {"epicentral_intensity", "max_zone_intensity", "bridges_down", "road_segments_blocked",
                              "closed_road_km", "displaced", "trapped"}
    assert o.node_intensity.shape == (GRAPH.n_nodes,)
    assert o.zone_intensity.shape == ZONE_POP.shape
    assert o.figures["epicentral_intensity"] == pytest.approx(11.19, abs=0.01)


def test_zone_sites_use_the_given_zone_nodes():
    hazard = Earthquake(**SANHE_PINGGU_1679)
    nodes = np.arange(12) * 3
    o = earthquake_outcome(hazard, GRAPH, ZONE_LON, ZONE_LAT, ZONE_POP, np.random.default_rng(2), zone_node=nodes)
    for w in o.work_sites:
        if w.team_kind == "sar":
            assert w.node == nodes[int(w.site_id.rsplit("-", 1)[1])]


def test_graph_without_coordinates_is_refused_with_the_reason():
    g = RoadGraph.from_segments([0], [1], [100.0], road_class=[RoadClass.LOCAL])
    with pytest.raises(ValueError, match="lon/lat"):
        earthquake_outcome(Earthquake(**SANHE_PINGGU_1679), g, [116.7], [39.9], [10.0], np.random.default_rng(0))


def test_survival_curve_is_exported_for_the_engine():
    assert survival_probability(30.0) == pytest.approx(0.993)


def test_the_segment_edge_lookup_gives_each_segment_s_edges_as_one_search_per_segment_did():
    from sim.hazards.earthquake import _segment_edge_lookup

    rng = np.random.default_rng(3)
    order = np.argsort(GRAPH.segment, kind="stable")
    sorted_seg = GRAPH.segment[order]
    segments = rng.choice(GRAPH.n_segments, size=40, replace=False)
    got = _segment_edge_lookup(GRAPH)(segments)
    for segment, edges in zip(segments, got):
        lo, hi = np.searchsorted(sorted_seg, [segment, segment + 1])
        want = order[lo:hi].astype(np.int64)
        assert edges.dtype == np.int64 and np.array_equal(edges, want)


def test_median_intensity_kept_for_a_scenario_is_the_one_computed_afresh():
    from sim.hazards.earthquake import _median_site_intensity
    from sim.hazards.intensity import attenuation_for, site_offsets_km

    quake = Earthquake(**SANHE_PINGGU_1679)
    relation = attenuation_for(quake.attenuation)
    along, across = site_offsets_km(quake.epicenter, quake.strike_deg, GRAPH.lon, GRAPH.lat)
    want = relation.intensity(quake.magnitude, along, across)
    first = _median_site_intensity(quake, relation, GRAPH.lon, GRAPH.lat)
    again = _median_site_intensity(quake, relation, GRAPH.lon.copy(), GRAPH.lat.copy())
    assert np.array_equal(first, want) and again is first and not first.flags.writeable
    other = _median_site_intensity(Earthquake(**{**SANHE_PINGGU_1679, "magnitude": 7.0}), relation,
                                   GRAPH.lon, GRAPH.lat)
    assert (other < first).any()


def _reference_debris_sites(graph, seg_ids, seg_len, seg_class, blocked, t0, clearing):
    """The debris work sites made one blocked segment at a time, each value read from the arrays."""
    from sim.hazards.earthquake import _segment_edge_lookup, debris_work_min
    from sim.hazards.timeline import RoadChange, WorkSite

    edges_of = _segment_edge_lookup(graph)
    sites = []
    rows = np.flatnonzero(blocked)
    for i, edges in zip(rows.tolist(), edges_of(seg_ids[rows])):
        debris_m3 = float(clearing.debris_m3_per_m) * float(seg_len[i])
        by_kind = debris_work_min(debris_m3, clearing)
        sites.append(WorkSite(
            site_id=f"eq-debris-{int(seg_ids[i])}", team_kind="road_repair", node=int(graph.tails[edges[0]]),
            work_min=by_kind["road_repair"], work_min_by_kind=by_kind,
            on_done=RoadChange(t0, edges, 1.0, cause="debris cleared"), available_min=t0,
            priority=float(RoadClass.RURAL - int(seg_class[i]) + 1),
            cause=f"collapse debris blocks the street ({debris_m3:,.0f} m³)"))
    return sites


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), share=st.floats(0.0, 1.0), m3_per_m=st.floats(0.01, 20.0),
       road_crew=st.floats(5.0, 500.0), t0=st.floats(0.0, 1440.0))
def test_debris_sites_are_those_made_one_segment_at_a_time(seed, share, m3_per_m, road_crew, t0):
    """Every field of every debris site, bit for bit, on random blockages, lengths and clearing rates."""
    from sim.hazards.earthquake import _road_effects
    from sim.scenarios.hazard_models import RoadClearing

    rng = np.random.default_rng(seed)
    graph = grid_graph(n=int(rng.integers(2, 12)), seed=int(rng.integers(0, 100)))
    seg_ids, first_edge = np.unique(graph.segment, return_index=True)
    seg_len = graph.length_m[first_edge] * rng.uniform(0.1, 3.0, len(seg_ids))
    seg_class = graph.road_class[first_edge]
    bridge_state = np.zeros(len(seg_ids), dtype=np.int8)
    blocked = rng.random(len(seg_ids)) < share
    clearing = RoadClearing(debris_m3_per_m=m3_per_m, road_crew_m3_per_h=road_crew)
    _, sites = _road_effects(graph, seg_ids, seg_len, seg_class, bridge_state, np.zeros(len(seg_ids)), blocked,
                             seg_len, t0, clearing)
    want = _reference_debris_sites(graph, seg_ids, seg_len, seg_class, blocked, t0, clearing)
    assert len(sites) == len(want)
    for got, ref in zip(sites, want):
        for name in ("site_id", "team_kind", "node", "work_min", "work_min_by_kind", "available_min", "priority",
                     "cause", "zone"):
            a, b = getattr(got, name), getattr(ref, name)
            assert type(a) is type(b) and repr(a) == repr(b), name
        assert got.on_done.time_min == ref.on_done.time_min and got.on_done.cause == ref.on_done.cause
        assert got.on_done.edges.tobytes() == ref.on_done.edges.tobytes()
        assert got.on_done.speed_factor.tobytes() == ref.on_done.speed_factor.tobytes()
