"""Roads of the built-in district: grid, arterials, ring, radials, river, bridges.

The built-in world is a synthetic district sized after Beijing's Tongzhou
district (about 900 km², east of central Beijing): a street grid whose every
fourth line is a collector and every eighth an arterial, a ring expressway
round the urban core in the north-west, radial expressways towards central
Beijing (west), Yanjiao (east), Tianjin (south-east) and Daxing (south), and
a river crossing the district from north-west to south-east that only the
bridges cross. Ground slopes gently from north-west to south-east, dips along
the river and at underpasses, so rain ponds there first.

It is **not** a map of the real district; it is a world of the same size,
structure and population for drills and benchmarks.

All geometry is built in a local metric frame (x east, y north, metres from
the south-west corner) and georeferenced at the end.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from sim.network.graph import CLASS_SPEED_KMH, RoadClass

SIDE_M = 30_000.0                 # 30 km × 30 km ≈ 900 km²
GRID_N = 136                      # 136² ≈ 18.5k grid nodes, 222 m apart
ORIGIN_LONLAT = (116.50, 39.72)   # south-west corner
CORE_XY = (9_000.0, 19_000.0)     # the urban core (administrative sub-centre)
CORE_RADIUS_M = 7_000.0
RING_RADIUS_M = 5_000.0
EXPRESSWAY_KMH = 90.0
CITY_ACCESS_X_M = -9_000.0        # the west radial runs out of the district to the city depot


@dataclass
class RoadLayout:
    """Road segments and nodes in the local frame, before georeferencing."""

    x: np.ndarray
    y: np.ndarray
    elevation_m: np.ndarray
    u: np.ndarray
    v: np.ndarray
    road_class: np.ndarray
    speed_kmh: np.ndarray
    is_bridge: np.ndarray
    is_tunnel: np.ndarray
    river_xy: np.ndarray          # polyline (k, 2)
    city_node: int                # node at the city end of the west radial


def river_y(x: np.ndarray) -> np.ndarray:
    """The river's centreline as y(x): north-west to south-east, meandering."""
    t = np.asarray(x, dtype=np.float64) / SIDE_M
    return 27_000.0 - 0.85 * t * SIDE_M + 1_400.0 * np.sin(2 * np.pi * 1.3 * t)


def _side_of_river(x, y):
    return y > river_y(x)


def is_urban(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.hypot(x - CORE_XY[0], y - CORE_XY[1]) < CORE_RADIUS_M


def build_roads(rng: np.random.Generator) -> RoadLayout:
    """Lay out the district's roads in the local frame (seeded)."""
    spacing = SIDE_M / (GRID_N - 1)
    jj, ii = np.meshgrid(np.arange(GRID_N), np.arange(GRID_N))
    ii, jj = ii.ravel(), jj.ravel()
    gx = jj * spacing
    gy = ii * spacing
    on_arterial = (ii % 8 == 0) | (jj % 8 == 0)
    jitter = rng.normal(0.0, 18.0, size=(2, len(gx)))
    jitter[:, on_arterial] = 0.0
    gx = gx + jitter[0]
    gy = gy + jitter[1]
    node_id = lambda i, j: i * GRID_N + j  # noqa: E731

    segs_u, segs_v, segs_cls, segs_bridge = [], [], [], []

    def grid_edges(horizontal: bool):
        i, j = np.meshgrid(np.arange(GRID_N), np.arange(GRID_N - 1), indexing="ij")
        i, j = i.ravel(), j.ravel()
        if horizontal:
            a, b, line = node_id(i, j), node_id(i, j + 1), i
        else:
            a, b, line = node_id(j, i), node_id(j + 1, i), i
        cls = np.where(line % 8 == 0, RoadClass.ARTERIAL,
                       np.where(line % 4 == 0, RoadClass.COLLECTOR, RoadClass.LOCAL))
        return a, b, cls, line

    for horizontal in (True, False):
        a, b, cls, line = grid_edges(horizontal)
        mx, my = (gx[a] + gx[b]) / 2, (gy[a] + gy[b]) / 2
        urban = is_urban(mx, my)
        cls = np.where((cls == RoadClass.LOCAL) & ~urban, RoadClass.RURAL, cls)
        crosses = _side_of_river(gx[a], gy[a]) != _side_of_river(gx[b], gy[b])
        bridge = crosses & (line % 16 == 0)
        drop_p = np.where(cls == RoadClass.LOCAL, 0.08, np.where(cls == RoadClass.RURAL, 0.30, 0.0))
        keep = (rng.random(len(a)) >= drop_p) & (~crosses | bridge)
        segs_u.append(a[keep]); segs_v.append(b[keep])
        segs_cls.append(cls[keep]); segs_bridge.append(bridge[keep])

    xs, ys = [gx], [gy]
    n = len(gx)

    def add_polyline(px, py, *, bridge_over_river=True, interchange_every=5):
        """Expressway nodes along a polyline, linked to the grid at interchanges."""
        nonlocal n
        k = len(px)
        ids = np.arange(n, n + k)
        n += k
        xs.append(px); ys.append(py)
        a, b = ids[:-1], ids[1:]
        crosses = _side_of_river(px[:-1], py[:-1]) != _side_of_river(px[1:], py[1:])
        segs_u.append(a); segs_v.append(b)
        segs_cls.append(np.full(len(a), RoadClass.EXPRESSWAY))
        segs_bridge.append(crosses if bridge_over_river else np.zeros(len(a), bool))
        inside = (px >= 0) & (px <= SIDE_M) & (py >= 0) & (py <= SIDE_M)
        ramps = ids[np.arange(k) % interchange_every == 0]
        ramps = ramps[inside[ramps - ids[0]]]
        gi = np.clip(np.rint(ys[-1][ramps - ids[0]] / spacing).astype(int), 0, GRID_N - 1)
        gj = np.clip(np.rint(xs[-1][ramps - ids[0]] / spacing).astype(int), 0, GRID_N - 1)
        # Ramps join on the expressway's side of the river (no ramp is a bridge).
        same_side = (_side_of_river(px[ramps - ids[0]], py[ramps - ids[0]])
                     == _side_of_river(gx[node_id(gi, gj)], gy[node_id(gi, gj)]))
        segs_u.append(ramps[same_side]); segs_v.append(node_id(gi, gj)[same_side])
        segs_cls.append(np.full(same_side.sum(), RoadClass.COLLECTOR))
        segs_bridge.append(np.zeros(same_side.sum(), bool))
        return ids

    # Ring expressway round the core, sampled every ~400 m.
    k_ring = int(2 * np.pi * RING_RADIUS_M / 400)
    th = np.linspace(0, 2 * np.pi, k_ring, endpoint=False)
    ring = add_polyline(CORE_XY[0] + RING_RADIUS_M * np.cos(th), CORE_XY[1] + RING_RADIUS_M * np.sin(th))
    segs_u.append(ring[-1:]); segs_v.append(ring[:1])
    segs_cls.append(np.array([RoadClass.EXPRESSWAY])); segs_bridge.append(np.zeros(1, bool))

    # Radials from the ring outwards (end points in the local frame).
    radials = {
        "west_to_city": (CITY_ACCESS_X_M, CORE_XY[1] + 500.0),
        "east_to_yanjiao": (SIDE_M, CORE_XY[1] + 2_500.0),
        "southeast_to_tianjin": (SIDE_M, 1_500.0),
        "south_to_daxing": (5_500.0, 0.0),
    }
    city_node = -1
    for name, (ex, ey) in radials.items():
        ang = np.arctan2(ey - CORE_XY[1], ex - CORE_XY[0])
        sx, sy = CORE_XY[0] + RING_RADIUS_M * np.cos(ang), CORE_XY[1] + RING_RADIUS_M * np.sin(ang)
        length = np.hypot(ex - sx, ey - sy)
        k = max(int(length / 400), 2)
        t = np.linspace(0, 1, k + 1)
        ids = add_polyline(sx + t * (ex - sx), sy + t * (ey - sy))
        # Join the radial to the nearest ring node.
        ring_xy = np.column_stack([xs[1], ys[1]])
        k = int(np.argmin(np.hypot(ring_xy[:, 0] - sx, ring_xy[:, 1] - sy)))
        joins_across = _side_of_river(ring_xy[k, 0], ring_xy[k, 1]) != _side_of_river(xs[-1][0], ys[-1][0])
        segs_u.append(np.array([ring[k]])); segs_v.append(ids[:1])
        segs_cls.append(np.array([RoadClass.EXPRESSWAY])); segs_bridge.append(np.array([joins_across]))
        if name == "west_to_city":
            city_node = int(ids[-1])

    x = np.concatenate(xs)
    y = np.concatenate(ys)
    u = np.concatenate(segs_u).astype(np.int64)
    v = np.concatenate(segs_v).astype(np.int64)
    road_class = np.concatenate(segs_cls).astype(np.int8)
    is_bridge = np.concatenate(segs_bridge).astype(bool)
    speed = np.array([CLASS_SPEED_KMH[RoadClass(c)] for c in range(len(RoadClass))])[road_class]
    speed = np.where(road_class == RoadClass.EXPRESSWAY, EXPRESSWAY_KMH, speed)
    elevation, underpass_nodes = _ground(x, y, u, v, road_class, rng)
    is_tunnel = np.isin(u, underpass_nodes) & np.isin(v, underpass_nodes) & (road_class != RoadClass.EXPRESSWAY)
    rx = np.linspace(0, SIDE_M, 200)
    layout = RoadLayout(x=x, y=y, elevation_m=elevation, u=u, v=v, road_class=road_class,
                        speed_kmh=speed.astype(np.float64), is_bridge=is_bridge, is_tunnel=is_tunnel,
                        river_xy=np.column_stack([rx, river_y(rx)]), city_node=city_node)
    return _largest_component(layout)


def _largest_component(layout: RoadLayout) -> RoadLayout:
    """Drop the few grid fragments that random lane closures cut off."""
    n = len(layout.x)
    adj = coo_matrix((np.ones(len(layout.u)), (layout.u, layout.v)), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    keep = label == np.bincount(label).argmax()
    new_index = np.cumsum(keep) - 1
    seg = keep[layout.u] & keep[layout.v]
    return RoadLayout(
        x=layout.x[keep], y=layout.y[keep], elevation_m=layout.elevation_m[keep],
        u=new_index[layout.u[seg]], v=new_index[layout.v[seg]], road_class=layout.road_class[seg],
        speed_kmh=layout.speed_kmh[seg], is_bridge=layout.is_bridge[seg], is_tunnel=layout.is_tunnel[seg],
        river_xy=layout.river_xy, city_node=int(new_index[layout.city_node]),
    )


def _ground(x, y, u, v, road_class, rng) -> tuple[np.ndarray, np.ndarray]:
    """Node elevation (m above sea level) and the nodes of underpasses.

    The plain slopes from about 26 m in the north-west to 12 m in the
    south-east (the North China plain east of Beijing), with gentle
    undulation, a valley along the river and underpass dips where arterials
    pass under expressways.
    """
    elev = 26.0 - 9.0 * (x / SIDE_M) - 5.0 * (1.0 - y / SIDE_M)
    centres = rng.uniform(0, SIDE_M, size=(40, 2))
    amp = rng.normal(0.0, 1.2, size=40)
    radius = rng.uniform(1_000, 3_500, size=40)
    for (cx, cy), a, r in zip(centres, amp, radius):
        elev += a * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
    d_river = np.abs(y - river_y(np.clip(x, 0, SIDE_M))) * np.cos(np.arctan(0.85))
    elev -= 3.0 * np.exp(-(d_river / 700.0) ** 2)
    # Underpasses: the grid nodes just beside an expressway ramp, in the urban core.
    ramp_mask = road_class == RoadClass.COLLECTOR
    expressway_nodes = np.unique(np.concatenate([u[road_class == RoadClass.EXPRESSWAY],
                                                 v[road_class == RoadClass.EXPRESSWAY]]))
    is_expressway = np.zeros(len(x), bool)
    is_expressway[expressway_nodes] = True
    ramp = ramp_mask & (is_expressway[u] ^ is_expressway[v])
    ramp_grid_nodes = np.where(is_expressway[u[ramp]], v[ramp], u[ramp])
    urban_ramps = ramp_grid_nodes[is_urban(x[ramp_grid_nodes], y[ramp_grid_nodes])]
    underpass = np.unique(urban_ramps)
    # Each underpass dips 4 m with its immediate grid neighbours 2 m.
    elev[underpass] -= 4.0
    nbr = np.concatenate([v[np.isin(u, underpass)], u[np.isin(v, underpass)]])
    nbr = nbr[~is_expressway[nbr]]
    elev[np.setdiff1d(nbr, underpass)] -= 2.0
    underpass_all = np.union1d(underpass, nbr)
    return elev, underpass_all
