"""The ponding model: surplus runoff fills low ground first and drains at the sewer capacity."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.hazards.ponding import _pond_through_rain, ponding_terrain, rain_per_step, simulate_ponding
from sim.network.graph import RoadGraph

SPACING_M = 150.0
M_PER_DEG_LAT = 111_320.0


def town(n=15, *, dip_at=(4, 4), dip_m=4.0, slope_per_km=0.5, valley_row=11, valley_m=2.5, flat=False):
    """An n×n street grid, 150 m apart, sloping east, with an underpass dip and a valley along one row.

    Returns the graph and the node indices of the dip and of the valley row.
    """
    idx = np.arange(n * n).reshape(n, n)                 # idx[row, col]; row = north, col = east
    col, row = np.meshgrid(np.arange(n), np.arange(n))
    x, y = col.ravel() * SPACING_M, row.ravel() * SPACING_M
    lat0, lon0 = 39.9, 116.7
    lat = lat0 + y / M_PER_DEG_LAT
    lon = lon0 + x / (M_PER_DEG_LAT * np.cos(np.radians(lat0)))
    if flat:
        elev = np.full(n * n, 20.0)
    else:
        elev = 20.0 - slope_per_km * x / 1000.0 - valley_m * np.exp(-((y - valley_row * SPACING_M) / 200.0) ** 2)
    dip = idx[dip_at]
    around = [idx[dip_at[0] + dr, dip_at[1] + dc] for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))]
    if not flat:
        elev[dip] -= dip_m
        elev[around] -= dip_m / 2
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    is_tunnel = np.isin(u, [dip, *around]) & np.isin(v, [dip, *around])
    graph = RoadGraph.from_segments(u, v, np.full(len(u), SPACING_M), road_class=np.full(len(u), 1),
                                    is_tunnel=is_tunnel, lon=lon, lat=lat, elevation_m=elev, name="town")
    return graph, int(dip), idx[min(valley_row, n - 1)]


GRAPH, DIP, VALLEY = town()
TERRAIN = ponding_terrain(GRAPH, 400.0)
STEP = 10.0


def run(rain_mm, drainage=36.0, terrain=TERRAIN, **kw):
    return simulate_ponding(terrain, np.asarray(rain_mm, dtype=float), step_min=STEP, drainage_mm_per_h=drainage,
                            **kw)


def dense(result, n_steps, n_nodes=GRAPH.n_nodes):
    """Depth [t, node] over ``n_steps`` + 1 times (a run that ended early is dry afterwards)."""
    d = result.node_depth_m(n_nodes)
    assert len(d) <= n_steps + 1
    return np.vstack([d, np.zeros((n_steps + 1 - len(d), n_nodes))])


def burst(mm_per_h=100.0, hours=1.0, dry_hours=0.0):
    per_step = mm_per_h * STEP / 60.0
    return np.concatenate([np.full(int(hours * 60 / STEP), per_step), np.zeros(int(dry_hours * 60 / STEP))])


@settings(max_examples=60, deadline=None)
@given(rain=st.lists(st.floats(0.0, 80.0), min_size=1, max_size=12), interval=st.sampled_from([5.0, 10.0, 15.0, 60.0]),
       step=st.sampled_from([5.0, 10.0, 15.0, 25.0]))
def test_rain_per_step_keeps_the_storm_total(rain, interval, step):
    per_step = rain_per_step(rain, interval, step)
    assert per_step.sum() == pytest.approx(sum(rain), abs=1e-9)
    assert len(per_step) * step >= interval * len(rain) - 1e-9
    assert np.all(per_step >= 0)


def test_underpass_fills_first_and_deepest():
    result = run(burst(60.0, 1.0))
    peak = result.peak_depth_m(GRAPH.n_nodes)
    assert int(np.argmax(peak)) == DIP
    first_wet = np.argmax(result.node_depth_m(GRAPH.n_nodes) > 0, axis=0)
    wet = peak > 0
    assert first_wet[DIP] == first_wet[wet].min()
    # The riverside valley is wetter than the slope above it.
    slope_nodes = np.arange(GRAPH.n_nodes)[(GRAPH.lat - GRAPH.lat.min()) * 111_320 < 5 * SPACING_M]
    assert peak[VALLEY].mean() > peak[slope_nodes].mean()


def test_flat_ground_holds_exactly_the_surplus_and_drains_at_the_capacity():
    """On level ground every bowl is flat: depth = c·(r − D) while it rains, falling c·D per hour after."""
    graph, _, _ = town(9, flat=True)
    terrain = ponding_terrain(graph, 300.0)
    c, d_cap = 0.8, 36.0
    result = simulate_ponding(terrain, burst(96.0, 1.0), step_min=STEP, drainage_mm_per_h=d_cap, runoff_coefficient=c)
    depth = result.node_depth_m(graph.n_nodes)
    expected_peak = c * (96.0 - d_cap) / 1000.0
    assert depth.max() == pytest.approx(expected_peak, rel=1e-6)
    assert np.allclose(depth[6], expected_peak, rtol=1e-6)  # after 1 h, everywhere
    assert depth[6 + 6] == pytest.approx(np.full(graph.n_nodes, expected_peak - c * d_cap / 1000.0), abs=1e-7)
    assert result.dry_min == pytest.approx(60.0 + 60.0 * expected_peak / (c * d_cap / 1000.0), abs=STEP)


def test_a_dip_collects_its_whole_neighbourhood_and_drains_at_the_capacity():
    """A single deep node gathers the surplus of all k nodes within the radius: depth = k·c·(r − D)·t."""
    graph, dip, _ = town(11, dip_at=(5, 5), dip_m=6.0, slope_per_km=0.0, valley_m=0.0)
    terrain = ponding_terrain(graph, 320.0)
    k = int((terrain.neighbours[dip] < graph.n_nodes).sum())
    assert k == 13                                            # grid points within 320 m of a 150 m grid
    c = 0.8
    result = simulate_ponding(terrain, burst(50.0, 0.5, dry_hours=3.0), step_min=STEP, drainage_mm_per_h=36.0,
                              runoff_coefficient=c, tail_max_min=0.0)
    depth = result.node_depth_m(graph.n_nodes)[:, dip]
    peak = k * c * (50.0 - 36.0) * 0.5 / 1000.0
    assert depth[3] == pytest.approx(peak, rel=1e-6)
    assert depth[3 + 6] == pytest.approx(peak - c * 36.0 / 1000.0, rel=1e-6)


def test_water_recedes_after_the_rain_stops():
    result = run(burst(110.0, 2.0, dry_hours=1.0), tail_max_min=6 * 60.0)
    depth = result.node_depth_m(GRAPH.n_nodes)
    peak_t = int(np.argmax(depth.max(axis=1)))
    assert peak_t <= 2 * 60 / STEP
    assert np.all(depth[-1] <= depth[peak_t])
    assert depth[-1].max() < depth[peak_t].max()
    assert np.all(np.diff(depth[peak_t + 1:], axis=0) <= 1e-12)     # no rain: never rising


def test_long_dry_tail_drains_everything():
    result = run(burst(110.0, 2.0), tail_max_min=10 * 1440.0)
    assert result.dry_min is not None
    assert not result.depth_m[-1].any()


def test_no_rain_no_water():
    result = run(np.zeros(12))
    assert len(result.nodes) == 0
    assert result.dry_min == 12 * STEP
    # Rain the drains carry away leaves no water either.
    assert not run(np.full(12, 30.0 * STEP / 60.0), drainage=36.0).depth_m.any()


hyetographs = st.lists(st.floats(0.0, 30.0), min_size=1, max_size=18).map(np.array)


@settings(max_examples=40, deadline=None)
@given(rain=hyetographs, scale=st.floats(1.0, 3.0), drainage=st.floats(5.0, 60.0))
def test_more_rain_never_gives_less_water_anywhere_at_any_time(rain, scale, drainage):
    steps = len(rain) + 40 * 6
    small = dense(run(rain, drainage, tail_max_min=40 * 60.0), steps)
    large = dense(run(rain * scale, drainage, tail_max_min=40 * 60.0), steps)
    assert np.all(large >= small - 1e-9)


@settings(max_examples=40, deadline=None)
@given(rain=hyetographs, drainage=st.floats(5.0, 60.0), more=st.floats(0.0, 40.0))
def test_more_drainage_never_gives_more_water(rain, drainage, more):
    steps = len(rain) + 40 * 6
    low = dense(run(rain, drainage, tail_max_min=40 * 60.0), steps)
    high = dense(run(rain, drainage + more, tail_max_min=40 * 60.0), steps)
    assert np.all(high <= low + 1e-9)


@settings(max_examples=25, deadline=None)
@given(rain=hyetographs, spread=st.lists(st.floats(0.2, 3.0), min_size=GRAPH.n_nodes, max_size=GRAPH.n_nodes))
def test_a_wetter_node_factor_never_gives_less_water(rain, spread):
    factor = np.asarray(spread)
    steps = len(rain) + 40 * 6
    base = dense(run(rain, 20.0, node_rain_factor=factor, tail_max_min=40 * 60.0), steps)
    wetter = dense(run(rain, 20.0, node_rain_factor=factor * 1.5, tail_max_min=40 * 60.0), steps)
    assert np.all(wetter >= base - 1e-9)


def test_terrain_is_cached_per_graph_and_radius_and_shared_by_copies():
    terrain = ponding_terrain(GRAPH, 400.0)     # other tests may have filled the small cache
    assert ponding_terrain(GRAPH, 400.0) is terrain
    assert ponding_terrain(GRAPH.copy(), 400.0) is terrain
    assert ponding_terrain(GRAPH, 250.0) is not terrain


def test_relative_height_is_height_above_the_lowest_node_within_the_radius():
    assert TERRAIN.rel_height_m[DIP] == 0.0
    assert np.all(TERRAIN.rel_height_m >= 0.0)
    level = np.array([0.5, 2.5])
    rows = np.array([DIP, DIP])
    assert TERRAIN.level(TERRAIN.storage(level, rows), rows) == pytest.approx(level)


def test_graph_without_coordinates_is_refused():
    graph = RoadGraph.from_segments([0], [1], [100.0])
    with pytest.raises(ValueError, match="lon/lat"):
        ponding_terrain(graph, 300.0)


# The compiled steps against the numpy model they replaced (re-implemented here): the same
# nodes, depth (float32, bit for bit), times and drying time on small random terrains and storms.

def _numpy_ponding(terrain, rain_mm, *, step_min, drainage_mm_per_h, runoff_coefficient=0.8, node_rain_factor=None,
                   tail_max_min=5 * 1440.0):
    from scipy.sparse import csr_matrix

    n = terrain.n_nodes
    rain_m = np.asarray(rain_mm, dtype=np.float64) / 1000.0
    factor = np.ones(n) if node_rain_factor is None else np.broadcast_to(
        np.asarray(node_rain_factor, dtype=np.float64), (n,))
    drain_m = np.broadcast_to(np.asarray(drainage_mm_per_h, dtype=np.float64), (n,)) * step_min / 60.0 / 1000.0
    c = float(runoff_coefficient)
    total_surplus = np.zeros(n + 1)
    for r in rain_m[rain_m > 0]:
        total_surplus[:n] += c * np.maximum(factor * r - drain_m, 0.0)
    upper = terrain.level(total_surplus[terrain.neighbours].sum(axis=1), np.arange(n))
    rows = np.flatnonzero(upper > terrain.rel_height_m + 1e-12)
    nbr, rel_h = terrain.neighbours[rows], terrain.rel_height_m[rows]
    drain_rows, factor_rows = drain_m[rows], factor[rows]
    k = terrain.sorted_height_m.shape[1]
    base = np.arange(len(rows)) * k
    height, storage = terrain.sorted_height_m[rows].ravel(), terrain.breakpoint_storage[rows].ravel()
    below = terrain.below_sum_m[rows]
    count, volume, level = np.ones(len(rows), dtype=np.int64), np.zeros(len(rows)), np.zeros(len(rows))
    inflow_of = csr_matrix((np.ones(nbr.size), nbr.ravel(), np.arange(0, nbr.size + 1, k)), shape=(len(rows), n + 1))
    n_rain = len(rain_m)
    depth = np.zeros((n_rain + 1, len(rows)), dtype=np.float32)
    surplus = np.zeros(n + 1)
    for t in range(n_rain if len(rows) else 0):
        r = rain_m[t]
        if r > 0:
            surplus[:n] = c * np.maximum(factor * r - drain_m, 0.0)
            inflow = inflow_of @ surplus
            wet = np.flatnonzero(inflow > 0)
            if len(wet):
                volume[wet] += inflow[wet]
                rising = wet
                while len(rising):
                    nxt = count[rising]
                    more = nxt < k
                    more[more] = storage[base[rising[more]] + nxt[more]] <= volume[rising[more]]
                    rising = rising[more]
                    count[rising] += 1
                level[wet] = (volume[wet] + below[wet, count[wet]]) / count[wet]
        drop = c * np.maximum(drain_rows - factor_rows * r, 0.0)
        falling = np.flatnonzero((drop > 0) & (level > 0))
        if len(falling):
            level[falling] = np.maximum(level[falling] - drop[falling], 0.0)
            sinking = falling
            while len(sinking):
                top = count[sinking] - 1
                out = top >= 1
                out[out] = height[base[sinking[out]] + top[out]] > level[sinking[out]]
                sinking = sinking[out]
                count[sinking] -= 1
            volume[falling] = count[falling] * level[falling] - below[falling, count[falling]]
        depth[t + 1] = np.maximum(level - rel_h, 0.0)
    fall = c * drain_rows
    above = np.maximum(level - rel_h, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps_to_dry = np.where(above > 0, np.ceil(above / fall), 0.0)
    n_tail = int(min(steps_to_dry.max(initial=0.0) + 1, int(np.ceil(tail_max_min / step_min))))
    steps = np.arange(1, n_tail + 1)[:, None]
    depth = np.concatenate([depth, np.maximum(np.maximum(level - steps * fall, 0.0) - rel_h, 0.0).astype(np.float32)])
    wet_rows = np.flatnonzero(depth.any(axis=1))
    last_wet = int(wet_rows[-1]) if len(wet_rows) else 0
    if last_wet == len(depth) - 1 and last_wet > 0:
        dry_min = None
    else:
        end = max(last_wet + 1, n_rain)
        depth, dry_min = depth[:end + 1], end * float(step_min)
    return np.arange(len(depth)) * float(step_min), rows, depth, dry_min, level


@st.composite
def small_terrains(draw):
    """A chain of 2–40 nodes scattered over a square of 300 m to 2 km, some heights on a coarse grid
    (ties and flats)."""
    n = draw(st.integers(2, 40))
    side = draw(st.sampled_from([300.0, 800.0, 2000.0]))
    xy = np.array(draw(st.lists(st.tuples(st.floats(0.0, side), st.floats(0.0, side)), min_size=n, max_size=n)))
    elev = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.25, 3.0, 7.5]) | st.floats(-5.0, 10.0),
                                  min_size=n, max_size=n)))
    lat = 39.9 + xy[:, 1] / M_PER_DEG_LAT
    lon = 116.7 + xy[:, 0] / (M_PER_DEG_LAT * np.cos(np.radians(39.9)))
    graph = RoadGraph.from_segments(np.arange(n - 1), np.arange(1, n), np.full(n - 1, 100.0), lon=lon, lat=lat,
                                    elevation_m=elev, name="random")
    return ponding_terrain(graph, draw(st.sampled_from([150.0, 400.0, 900.0, 3000.0])))


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(data=st.data(), terrain=small_terrains(),
       rain=st.lists(st.sampled_from([0.0, 0.0, 1.0, 6.0]) | st.floats(0.0, 40.0), min_size=1, max_size=30),
       step=st.sampled_from([5.0, 10.0, 15.0]), runoff=st.sampled_from([1.0, 0.8]) | st.floats(0.05, 1.0),
       tail=st.sampled_from([0.0, 30.0, 600.0, 5 * 1440.0]))
def test_compiled_steps_give_the_numpy_model_bit_for_bit(data, terrain, rain, step, runoff, tail):
    n = terrain.n_nodes
    per_node = st.lists(st.sampled_from([0.0, 10.0, 36.0]) | st.floats(0.5, 80.0), min_size=n, max_size=n)
    drainage = data.draw(st.sampled_from([0.0, 36.0]) | st.floats(0.5, 80.0) | per_node.map(np.array))
    factor = data.draw(st.none() | st.lists(st.sampled_from([0.0, 1.0, 2.0]) | st.floats(0.0, 3.0),
                                            min_size=n, max_size=n).map(np.array))
    kw = dict(step_min=step, drainage_mm_per_h=drainage, runoff_coefficient=runoff, node_rain_factor=factor,
              tail_max_min=tail)
    times, nodes, depth, dry_min, level = _numpy_ponding(terrain, rain, **kw)
    result = simulate_ponding(terrain, np.asarray(rain), **kw)
    assert result.dry_min == dry_min
    for got, want in ((result.times_min, times), (result.nodes, nodes), (result.depth_m, depth)):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes()
    # The levels (float64) after the rain too, which the float32 depth may round alike.
    factor = np.ones(n) if factor is None else factor
    drain_m = np.broadcast_to(np.asarray(drainage, dtype=np.float64), (n,)) * step / 60.0 / 1000.0
    rain_depth = np.zeros((len(rain) + 1, len(nodes)), dtype=np.float32)
    got_level, _ = _pond_through_rain(np.asarray(rain) / 1000.0, float(runoff), np.asarray(factor, dtype=np.float64),
                                      drain_m, nodes, terrain.neighbours, terrain.rel_height_m[nodes],
                                      terrain.sorted_height_m, terrain.below_sum_m, terrain.breakpoint_storage,
                                      rain_depth)
    assert got_level.tobytes() == level.tobytes()


@pytest.mark.parametrize("tail_min", [10.0, 60.0, 120.0])
def test_a_run_cut_off_still_wet_keeps_every_step_of_its_tail(tail_min):
    # A heavy hour on slow drains: the water outlasts the tail, so the run keeps the rain's
    # steps and every tail step, and says it never dried; as the numpy model has it.
    rain = burst(120.0, 1.0)
    kw = dict(step_min=STEP, drainage_mm_per_h=4.0, tail_max_min=tail_min)
    times, nodes, depth, dry_min, _ = _numpy_ponding(TERRAIN, rain, **kw)
    result = simulate_ponding(TERRAIN, rain, **kw)
    assert dry_min is None and result.dry_min is None
    assert len(result.depth_m) == len(rain) + 1 + int(np.ceil(tail_min / STEP))
    assert result.depth_m[-1].any()
    for got, want in ((result.times_min, times), (result.nodes, nodes), (result.depth_m, depth)):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes()
