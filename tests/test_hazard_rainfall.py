"""The rainfall model end to end: design storms, road timeline, pumping, people, and the district."""
from __future__ import annotations

import json
import typing

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.hazards.design_storms import DESIGN_STORMS, design_storm
from sim.hazards.flood_roads import road_changes
from sim.hazards.rainfall import rainfall_outcome
from sim.network.graph import RoadGraph
from sim.scenarios.hazard_models import DepthSpeedCurve, Rainfall

SPACING_M = 150.0
M_PER_DEG_LAT = 111_320.0


def town(n=15, dip_at=(4, 4)):
    """An n×n grid 150 m apart sloping east, a riverside valley along row 11, an underpass dip at ``dip_at``."""
    idx = np.arange(n * n).reshape(n, n)
    col, row = np.meshgrid(np.arange(n), np.arange(n))
    x, y = col.ravel() * SPACING_M, row.ravel() * SPACING_M
    lat = 39.9 + y / M_PER_DEG_LAT
    lon = 116.7 + x / (M_PER_DEG_LAT * np.cos(np.radians(39.9)))
    elev = 20.0 - 0.5 * x / 1000.0 - 2.5 * np.exp(-((y - 11 * SPACING_M) / 200.0) ** 2)
    dip = idx[dip_at]
    around = [idx[dip_at[0] + dr, dip_at[1] + dc] for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))]
    elev[dip] -= 4.0
    elev[around] -= 2.0
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    is_tunnel = np.isin(u, [dip, *around]) & np.isin(v, [dip, *around])
    is_bridge = np.zeros(len(u), dtype=bool)
    is_bridge[np.flatnonzero((u == idx[11, 7]) | (v == idx[11, 7]))[:1]] = True
    road_class = np.where(np.arange(len(u)) % 3 == 0, 0, 3)
    graph = RoadGraph.from_segments(u, v, np.full(len(u), SPACING_M), road_class=road_class, is_tunnel=is_tunnel,
                                    is_bridge=is_bridge, lon=lon, lat=lat, elevation_m=elev, name="town")
    return graph, int(dip), idx


GRAPH, DIP, IDX = town()
# Zones: one snapped to the underpass, one on the riverside, one up the slope.
ZONE_NODE = np.array([DIP, IDX[11, 3], IDX[2, 1], IDX[11, 10]])
ZONE_POP = np.array([3_000.0, 4_000.0, 2_500.0, 1_000.0])


def storm(**kw) -> Rainfall:
    spec = dict(type="rainfall", hyetograph_mm=[5, 20, 90, 30, 5], interval="1h", start="2h", ponding_radius="400m")
    spec.update(kw)
    return Rainfall.model_validate(spec)


def run(hazard=None, seed=3, graph=GRAPH, **kw):
    return rainfall_outcome(hazard or storm(), graph, ZONE_NODE, ZONE_POP, np.random.default_rng(seed), **kw)


OUTCOME = run()


def replay(outcome, n_edges):
    """Speed factor of every edge after each road change, in order."""
    state = np.ones(n_edges)
    for change in outcome.road_changes:
        state[change.edges] = change.speed_factor
        yield change, state.copy()


# ----------------------------------------------------------------- design storms
def test_design_storms_carry_the_published_figures():
    """7·21 (2012): 170 mm city average in 20 h, 100.3 mm/h peak; 23·7 (2023): 331 mm in 83 h, 111.8 mm/h."""
    s2012, s2023 = design_storm("beijing-2012-07-21"), design_storm("beijing-2023-07-31")
    assert s2012.total_mm == pytest.approx(170.0) and s2012.peak_mm_per_h == pytest.approx(100.3)
    assert s2012.duration_min == 20 * 60 and s2012.figures["max_station_mm"] == 460.0
    assert np.cumsum(s2012.hyetograph_mm)[11] / 170.0 > 0.9        # most rain before 22:00 (163.7 mm at 20 stations)
    assert s2023.total_mm == pytest.approx(331.0) and s2023.peak_mm_per_h == pytest.approx(111.8)
    assert s2023.duration_min == 83 * 60 and s2023.figures["max_station_mm"] == 744.8
    assert int(np.argmax(s2023.hyetograph_mm)) == 38                 # 31 July 10:00-11:00


def test_scenario_names_are_the_shipped_design_storms():
    names = typing.get_args(typing.get_args(Rainfall.model_fields["design_storm"].annotation)[0])
    assert set(names) == set(DESIGN_STORMS)
    with pytest.raises(KeyError, match="beijing-2012-07-21"):
        design_storm("london-1666")


def test_storm_centre_factor_needs_a_centre():
    with pytest.raises(ValidationError, match="storm_center"):
        storm(center_factor=2.0)


# ----------------------------------------------------------------- road timeline
def test_no_rain_no_changes():
    outcome = run(storm(hyetograph_mm=[0.0, 0.0, 0.0]))
    assert outcome.road_changes == [] and outcome.work_sites == []
    assert outcome.figures["max_depth_m"] == 0.0 and outcome.figures["closed_road_km_peak"] == 0.0
    assert outcome.affected.sum() == 0 and outcome.displaced.sum() == 0


def test_rain_the_drains_carry_makes_no_changes():
    assert run(storm(hyetograph_mm=[20.0, 30.0, 20.0], drainage_spread=0.0)).road_changes == []


def test_same_seed_same_outcome():
    a, b = run(seed=11), run(seed=11)
    assert a.figures == b.figures
    assert len(a.road_changes) == len(b.road_changes)
    for x, y in zip(a.road_changes, b.road_changes):
        assert x.time_min == y.time_min and x.cause == y.cause
        assert np.array_equal(x.edges, y.edges) and np.array_equal(x.speed_factor, y.speed_factor)
    assert np.array_equal(a.displaced, b.displaced) and np.array_equal(a.affected, b.affected)
    assert [s.site_id for s in a.work_sites] == [s.site_id for s in b.work_sites]


def test_underpass_closes_and_every_closed_edge_reopens():
    closed_ever = np.zeros(GRAPH.n_edges, dtype=bool)
    for _, state in replay(OUTCOME, GRAPH.n_edges):
        closed_ever |= state == 0.0
    tunnel = np.flatnonzero(GRAPH.is_tunnel)
    assert closed_ever[tunnel].all()
    final = list(replay(OUTCOME, GRAPH.n_edges))[-1][1]
    assert np.all(final == 1.0)
    last = {}
    for change in OUTCOME.road_changes:
        last.update(zip(change.edges.tolist(), change.speed_factor.tolist()))
    assert all(last[e] == 1.0 for e in np.flatnonzero(closed_ever))


def test_changes_are_real_changes_in_steps_in_time_order():
    state = np.ones(GRAPH.n_edges)
    times = [c.time_min for c in OUTCOME.road_changes]
    assert times == sorted(times) and times[0] >= 120.0
    for change in OUTCOME.road_changes:
        before = state[change.edges]
        assert np.all(change.speed_factor != before)
        if change.cause == "rainfall: water rising":
            assert np.all(change.speed_factor < before)
        else:
            assert change.cause == "rainfall: water receding" and np.all(change.speed_factor > before)
        assert np.allclose(change.speed_factor * 10, np.round(change.speed_factor * 10))
        state[change.edges] = change.speed_factor
    changed = np.unique(np.concatenate([c.edges for c in OUTCOME.road_changes]))
    assert not GRAPH.is_bridge[changed].any()
    assert len(changed) < GRAPH.n_edges / 3


def test_closed_km_figures_match_the_timeline():
    figures = OUTCOME.figures
    peak = 0.0
    km_per_edge = SPACING_M / 2 / 1000.0
    for _, state in replay(OUTCOME, GRAPH.n_edges):
        peak = max(peak, (state == 0.0).sum() * km_per_edge)
    assert figures["closed_road_km_peak"] == pytest.approx(peak, abs=1e-3)
    series = np.array(figures["flood_closed_road_km"])
    assert series[0, 0] == 2.0 and np.all(np.diff(series[:, 0]) == 1.0)
    assert series[:, 1].max() <= figures["closed_road_km_peak"] + 1e-9
    assert series[-1, 1] == 0.0
    json.dumps(figures)


@settings(max_examples=12, deadline=None)
@given(scale=st.floats(1.0, 2.5), rain=st.lists(st.floats(0.0, 80.0), min_size=1, max_size=6))
def test_more_rain_never_less_flooding(scale, rain):
    small = run(storm(hyetograph_mm=rain), seed=5)
    large = run(storm(hyetograph_mm=rain, rain_factor=scale), seed=5)
    assert np.all(large.node_peak_depth_m >= small.node_peak_depth_m - 1e-6)
    for key in ("max_depth_m", "flooded_nodes_peak", "closed_road_km_peak"):
        assert large.figures[key] >= small.figures[key] - 1e-6


@settings(max_examples=12, deadline=None)
@given(drainage=st.floats(10.0, 60.0), more=st.floats(0.0, 40.0))
def test_more_drainage_never_more_flooding(drainage, more):
    low = run(storm(drainage_mm_per_h=drainage), seed=5)
    high = run(storm(drainage_mm_per_h=drainage + more), seed=5)
    assert np.all(high.node_peak_depth_m <= low.node_peak_depth_m + 1e-6)
    assert high.figures["closed_road_km_peak"] <= low.figures["closed_road_km_peak"] + 1e-9


# ----------------------------------------------------------------- pumping, people, warning
def test_pumping_sites_at_the_worst_points_reopen_their_roads():
    sites = OUTCOME.work_sites
    assert 1 <= len(sites) <= 20
    site = sites[0]
    assert site.team_kind == "pumping" and site.node == DIP
    assert [s.priority for s in sites] == sorted((s.priority for s in sites), reverse=True)
    assert site.work_min > 30.0
    # Available when the water at the underpass reaches the closure depth.
    k = list(OUTCOME.worst_nodes).index(DIP)
    first = OUTCOME.depth_times_min[np.argmax(OUTCOME.worst_depth_m[k] >= 0.3)]
    assert site.available_min == pytest.approx(first)
    assert np.all(site.on_done.speed_factor == 1.0)
    touching = np.flatnonzero((GRAPH.tails == DIP) | (GRAPH.heads == DIP))
    assert set(touching) <= set(site.on_done.edges.tolist())
    assert len(run(storm(pumping_sites=0)).work_sites) == 0


def test_residents_of_flooded_low_ground_are_affected_and_displaced():
    affected, displaced = OUTCOME.affected, OUTCOME.displaced
    assert np.all(displaced <= affected) and np.all(affected <= ZONE_POP)
    assert affected[1] > 0                                # riverside zone
    assert affected[2] == 0 and displaced[2] == 0         # up the slope
    assert displaced[0] < ZONE_POP[0]                     # nobody lives in the underpass
    assert OUTCOME.figures["affected"] == int(affected.sum())
    assert OUTCOME.impact_time_min[1] > 120.0 and OUTCOME.impact_time_min[2] == 120.0


def test_more_rain_displaces_more_people():
    wet = run(storm(rain_factor=3.0))
    assert wet.displaced.sum() > OUTCOME.displaced.sum()
    assert wet.affected.sum() >= OUTCOME.affected.sum()


@pytest.mark.parametrize("start, lead, expected", [("2h", "12h", 0.0), ("20h", "12h", 480.0), ("3h", "1h", 120.0)])
def test_warning_is_issued_the_lead_time_before_the_rain(start, lead, expected):
    outcome = run(storm(start=start, warning_lead=lead, prepositioning=True, hyetograph_mm=[1.0]))
    assert outcome.figures["warning_min"] == expected
    assert outcome.figures["prepositioning"] is True


def test_storm_centre_rains_harder_near_its_centre():
    centre = (float(GRAPH.lon[IDX[11, 3]]), float(GRAPH.lat[IDX[11, 3]]))
    cell = run(storm(storm_center=centre, storm_radius="500m", center_factor=2.5))
    assert cell.node_rain_factor[IDX[11, 3]] == pytest.approx(2.5)
    assert cell.node_rain_factor[IDX[0, 14]] < 1.01
    assert np.all(cell.node_peak_depth_m >= OUTCOME.node_peak_depth_m - 1e-6)
    assert cell.node_peak_depth_m[IDX[11, 3]] > OUTCOME.node_peak_depth_m[IDX[11, 3]]


def test_township_factor_applies_to_the_nodes_of_its_zones():
    townships = np.array(["T01", "T02", "T03", "T02"])
    outcome = run(storm(township_factor={"T02": 2.0}), zone_township=townships)
    assert outcome.node_rain_factor[IDX[11, 3]] == 2.0 and outcome.node_rain_factor[IDX[2, 1]] == 1.0
    with pytest.raises(ValueError, match="zone_township"):
        run(storm(township_factor={"T02": 2.0}))
    with pytest.raises(ValueError, match="T09"):
        run(storm(township_factor={"T09": 2.0}), zone_township=townships)


def test_plot_series_at_the_worst_points():
    assert OUTCOME.worst_nodes[0] == DIP
    assert OUTCOME.worst_depth_m.shape == (len(OUTCOME.worst_nodes), len(OUTCOME.depth_times_min))
    assert OUTCOME.worst_depth_m[0].max() == pytest.approx(OUTCOME.figures["max_depth_m"], abs=1e-3)
    assert OUTCOME.depth_times_min[0] == 120.0


# ----------------------------------------------------------------- the built-in district
def test_2012_storm_on_the_built_in_district():
    """The 7·21 design storm closes the district's underpasses for hours; the model runs well under 2 s."""
    from sim.network.district import build_district

    district = build_district()
    zones = district.zones
    hazard = Rainfall(type="rainfall", design_storm="beijing-2012-07-21")
    rainfall_outcome(hazard, district.graph, zones.node.to_numpy(), zones.population.to_numpy(),
                     np.random.default_rng(0))   # warm the terrain cache
    outcome = rainfall_outcome(hazard, district.graph, zones.node.to_numpy(), zones.population.to_numpy(),
                               np.random.default_rng(0))
    f = outcome.figures
    print(f"\n2012 storm on the district: peak closed {f['closed_road_km_peak']} km, "
          f"flooded nodes {f['flooded_nodes_peak']}, max depth {f['max_depth_m']} m, displaced {f['displaced']}, "
          f"affected {f['affected']}, road changes {f['road_changes']}, pumping sites {f['pumping_sites']}, "
          f"all dry at {f['all_dry_min'] / 60:.1f} h")
    assert 5.0 < f["closed_road_km_peak"] < 200.0
    assert f["flooded_nodes_peak"] > 0 and f["pumping_sites"] > 0
    tunnel_nodes = np.unique(np.concatenate([district.graph.tails[district.graph.is_tunnel],
                                             district.graph.heads[district.graph.is_tunnel]]))
    assert np.isin(outcome.worst_nodes, tunnel_nodes).mean() >= 0.5     # underpasses are the worst points
    json.dumps(f)

    hazard_2023 = Rainfall(type="rainfall", design_storm="beijing-2023-07-31")
    outcome_2023 = rainfall_outcome(hazard_2023, district.graph, zones.node.to_numpy(), zones.population.to_numpy(),
                                    np.random.default_rng(0))
    assert outcome_2023.figures["total_rain_mm"] > f["total_rain_mm"]    # 83 h of rain at 10 min steps


# ----------------------------------------------------------------- road changes: compiled pass
def _numpy_road_changes(graph, curve, times, depth, column, peak):
    """The road changes as the numpy code the compiled pass replaced made them (re-implemented here)."""
    from scipy.sparse import coo_matrix

    from sim.hazards.flood_roads import flood_factor_table
    from sim.hazards.timeline import RoadChange

    closed_km = np.zeros(len(times))
    tails, heads = graph.tails.astype(np.int64), graph.heads.astype(np.int64)
    touched, group, thresholds_mm, table = flood_factor_table(graph, curve, peak)
    if len(touched) == 0:
        return [], closed_km
    index = np.searchsorted(thresholds_mm, 1000.0 * depth.astype(np.float64), side="right").astype(np.int16)
    ct, ch = column[tails[touched]], column[heads[touched]]
    incidence = coo_matrix((np.ones(2 * len(touched)), (np.concatenate([ct, ch]), np.tile(np.arange(len(touched)), 2))),
                           shape=(depth.shape[1], len(touched))).tocsr()
    directions = np.bincount(graph.segment, minlength=graph.n_segments)
    weight = (graph.length_m / directions[graph.segment] / 1000.0)[touched]
    state = np.ones(len(touched))
    changes = []
    crossed = index[1:] != index[:-1]
    seen = np.zeros(len(touched), dtype=bool)
    for t in range(1, len(times)):
        closed_km[t] = closed_km[t - 1]
        nodes = np.flatnonzero(crossed[t - 1])
        if len(nodes) == 0:
            continue
        seen[incidence[nodes].indices] = True
        local = np.flatnonzero(seen)
        seen[local] = False
        q = table[group[local], np.maximum(index[t, ct[local]], index[t, ch[local]])]
        for mask, cause in ((q < state[local], "rainfall: water rising"),
                            (q > state[local], "rainfall: water receding")):
            if mask.any():
                changes.append(RoadChange(float(times[t]), touched[local[mask]], q[mask], cause=cause))
        state[local] = q
        closed_km[t] = weight[state == 0.0].sum()
    return changes, closed_km


# Depths (m) on and around the thresholds of the default curve and of other steps and closures.
depths_m = (st.sampled_from([0.0, 0.0, 0.003, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.45, 0.6])
            | st.floats(0.0, 0.75, width=32))


@st.composite
def flooded_roads(draw):
    """A small random graph, a depth series at some of its nodes (the others stay dry), a depth-speed curve."""
    n = draw(st.integers(2, 12))
    n_segments = draw(st.integers(1, 20))
    u = np.array(draw(st.lists(st.integers(0, n - 1), min_size=n_segments, max_size=n_segments)))
    v = (u + np.array(draw(st.lists(st.integers(1, n - 1), min_size=n_segments, max_size=n_segments)))) % n
    speed = np.array(draw(st.lists(st.sampled_from([15.0, 30.0, 50.0, 80.0, 100.0, 120.0]),
                                   min_size=n_segments, max_size=n_segments)))
    graph = RoadGraph.from_segments(
        u, v, np.array(draw(st.lists(st.floats(10.0, 900.0), min_size=n_segments, max_size=n_segments))), speed,
        oneway=np.array(draw(st.lists(st.booleans(), min_size=n_segments, max_size=n_segments))),
        is_bridge=np.array(draw(st.lists(st.sampled_from([False, False, True]), min_size=n_segments,
                                         max_size=n_segments))), n_nodes=n)
    nodes = np.flatnonzero(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    n_times = draw(st.integers(1, 25))
    depth = np.zeros((n_times, len(nodes) + 1), dtype=np.float32)     # the last column: the dry one
    for c in range(len(nodes)):
        depth[:, c] = draw(st.lists(depths_m, min_size=n_times, max_size=n_times))
    column = np.full(n, len(nodes), dtype=np.int64)
    column[nodes] = np.arange(len(nodes))
    peak = np.zeros(n)
    if len(nodes):
        peak[nodes] = depth[:, :-1].max(axis=0)
    curve = DepthSpeedCurve(closed_depth_mm=draw(st.sampled_from([300.0, 150.0, 500.0])),
                            applies_as=draw(st.sampled_from(["speed_cap", "relative"])),
                            factor_step=draw(st.sampled_from([0.1, 0.25, 0.05])))
    times = 60.0 + 10.0 * np.arange(n_times)
    return graph, curve, times, depth, column, peak


@settings(max_examples=200, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=flooded_roads())
def test_compiled_road_changes_give_the_numpy_changes(case):
    assert_same_road_changes(road_changes(*case), _numpy_road_changes(*case))


@settings(max_examples=200, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=flooded_roads())
def test_road_changes_read_a_node_without_a_column_as_dry(case):
    """The dry nodes' column left out of the depth (``column`` = its width, as the rainfall
    outcome passes it) gives the changes and closed km of the depth with that column of zeros."""
    graph, curve, times, depth, column, peak = case
    assert_same_road_changes(road_changes(graph, curve, times, depth[:, :-1], column, peak),
                             _numpy_road_changes(*case))


def assert_same_road_changes(found, wanted):
    """The road changes and closed km of ``found`` equal those of ``wanted``, bit for bit."""
    (changes, closed_km), (want_changes, want_closed_km) = found, wanted
    assert closed_km.dtype == want_closed_km.dtype and closed_km.tobytes() == want_closed_km.tobytes()
    assert len(changes) == len(want_changes)
    for got, want in zip(changes, want_changes):
        assert (got.time_min, got.cause) == (want.time_min, want.cause)
        assert got.edges.dtype == want.edges.dtype and np.array_equal(got.edges, want.edges)
        assert got.speed_factor.dtype == want.speed_factor.dtype
        assert got.speed_factor.tobytes() == want.speed_factor.tobytes()


# ----------------------------------------------------------------- outcome: reading the depth without a dry column
@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(n_nodes=st.integers(1, 30), n_times=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_node_series_and_flooded_count_match_the_depth_with_a_dry_column(n_nodes, n_times, seed):
    """Depth series at nodes and the flooded count per step equal, bit for bit, those read from
    the run's depth with a column of zeros appended for the nodes outside the run."""
    from sim.hazards.rainfall import FLOODED_DEPTH_M, _flooded_per_step, _node_series_m

    rng = np.random.default_rng(seed)
    run_nodes = np.flatnonzero(rng.random(n_nodes) < 0.6)
    depth = rng.choice(np.array([0.0, 0.05, 0.1, 0.15, 0.2, 0.6], dtype=np.float32), size=(n_times, len(run_nodes)))
    depth[:, rng.random(len(run_nodes)) < 0.3] += rng.random((n_times, 1)).astype(np.float32) * np.float32(0.3)
    depth[rng.random(depth.shape) < 0.2] = np.float32(FLOODED_DEPTH_M)
    column = np.full(n_nodes, len(run_nodes), dtype=np.int64)
    column[run_nodes] = np.arange(len(run_nodes))
    peak = np.zeros(n_nodes)
    if len(run_nodes):
        peak[run_nodes] = depth.max(axis=0)
    with_dry = np.concatenate([depth, np.zeros((n_times, 1), dtype=depth.dtype)], axis=1)
    for nodes in (np.arange(n_nodes), run_nodes, rng.integers(0, n_nodes, size=7), np.zeros(0, dtype=np.int64)):
        got, want = _node_series_m(depth, column, nodes), with_dry[:, column[nodes]]
        assert got.dtype == want.dtype and got.shape == want.shape and got.tobytes() == want.tobytes()
    got, want = _flooded_per_step(depth, peak[run_nodes]), (with_dry >= FLOODED_DEPTH_M).sum(axis=1)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def _reference_pumping_site_edges(graph, deep, label, k):
    """The edges a pumping site reopens, from a mask of its cluster's nodes over the whole graph."""
    in_cluster = np.zeros(graph.n_nodes, dtype=bool)
    in_cluster[deep[label == k]] = True
    return np.flatnonzero((in_cluster[graph.tails] | in_cluster[graph.heads]) & ~graph.is_bridge)


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(case=flooded_roads(), n_sites=st.integers(0, 6))
def test_pumping_sites_reopen_the_edges_at_their_cluster(case, n_sites):
    """Each site's reopened edges equal those found from a mask of its cluster's nodes over all
    edges, bit for bit."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from sim.hazards.rainfall import _pumping_sites

    graph, curve, times, depth, column, peak = case
    depth = depth[:, :-1]
    sites = _pumping_sites(graph, curve, times, depth, column, peak, 10.0, n_sites)
    deep = np.flatnonzero(peak >= float(curve.closed_depth_mm) / 1000.0)
    if n_sites == 0 or len(deep) == 0:
        assert sites == []
        return
    local = np.full(graph.n_nodes, -1, dtype=np.int64)
    local[deep] = np.arange(len(deep))
    a, b = local[graph.tails], local[graph.heads]
    both = (a >= 0) & (b >= 0)
    adj = coo_matrix((np.ones(both.sum()), (a[both], b[both])), shape=(len(deep), len(deep)))
    _, label = connected_components(adj, directed=False)
    assert 0 < len(sites) <= n_sites
    for site in sites:
        k = label[np.flatnonzero(deep == site.node)[0]]
        want = _reference_pumping_site_edges(graph, deep, label, k)
        assert site.on_done.edges.dtype == want.dtype and site.on_done.edges.tobytes() == want.tobytes()
        assert site.on_done.speed_factor.tobytes() == np.ones(len(want)).tobytes()


def _reference_housing_nodes(graph, zone_node):
    """Zone nodes with underpass/tunnel ends replaced by the nearest other node, the tree built afresh."""
    from scipy.spatial import cKDTree

    from sim.network.geo import LocalProjection

    in_tunnel = np.zeros(graph.n_nodes, dtype=bool)
    in_tunnel[graph.tails[graph.is_tunnel]] = True
    in_tunnel[graph.heads[graph.is_tunnel]] = True
    moved = in_tunnel[zone_node]
    if not moved.any() or in_tunnel.all():
        return zone_node
    proj = LocalProjection.around(graph.lon, graph.lat)
    xy = np.column_stack(proj.to_xy_m(graph.lon, graph.lat))
    outside = np.flatnonzero(~in_tunnel)
    out = zone_node.copy()
    out[moved] = outside[cKDTree(xy[outside]).query(xy[zone_node[moved]])[1]]
    return out


@settings(max_examples=60, derandomize=True, database=None, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), tunnel_share=st.sampled_from([0.0, 0.1, 0.4, 1.0]))
def test_housing_nodes_kept_per_graph_are_those_found_afresh(seed, tunnel_share):
    """Zones snapped to underpass ends read the same nearest outside node, first call or later, as a
    tree built afresh for each call finds; a graph with other tunnel flags is not mixed up with it."""
    from sim.hazards.rainfall import _housing_nodes

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    u = rng.integers(0, n, size=3 * n)
    v = (u + rng.integers(1, n, size=3 * n)) % n
    lon = 116.3 + rng.random(n) * 0.05
    lat = 39.9 + rng.random(n) * 0.05
    graphs = [RoadGraph.from_segments(u, v, np.full(len(u), 100.0), is_tunnel=rng.random(len(u)) < share,
                                      lon=lon, lat=lat, n_nodes=n) for share in (tunnel_share, 0.5)]
    for graph in graphs + graphs:
        zone_node = rng.integers(0, n, size=int(rng.integers(0, 12)))
        got, want = _housing_nodes(graph, zone_node), _reference_housing_nodes(graph, zone_node)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_homes_the_water_cut_off_get_water_and_power_back_after_lifelines_restored_after():
    hit = np.asarray(OUTCOME.impact_time_min, dtype=float)
    assert np.allclose(OUTCOME.lifelines_until_min, hit + 3 * 24 * 60)
