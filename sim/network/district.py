"""The built-in district: a seeded synthetic world the size of Tongzhou.

``build_district(seed)`` returns the road graph, 22 township areas, 658
community zones holding 1.84 million people, two district depots (Taihu in the
south, Songzhuang in the north), a city depot outside the district, 19
shelters and the "1+10+22+30" rescue forces, sized after the figures of the
Tongzhou emergency plan [TZ] and the 2020 census (see DOMAIN.md).

The roads are laid out by :mod:`sim.network.district_roads`. Positions are
synthetic: this is a world of the district's size and structure, not a map.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from sim.network.district_roads import (
    CORE_RADIUS_M,
    CORE_XY,
    ORIGIN_LONLAT,
    SIDE_M,
    build_roads,
    is_urban,
)
from sim.network.graph import RoadGraph

__all__ = ["District", "build_district", "township_reserves", "DEFAULT_DISTRICT_SEED", "POPULATION", "N_ZONES",
           "N_TOWNSHIPS", "TOWNSHIP_RESERVE_SHARE"]

DEFAULT_DISTRICT_SEED = 2030
POPULATION = 1_840_000        # 2020 census, about 1.84 million residents
N_ZONES = 658                 # communities and villages [TZ]
N_TOWNSHIPS = 22              # townships and streets [TZ]
N_SHELTERS = 19               # district-level shelters [TZ]
SHELTERED_SHARE = 0.10        # shelter area sized for 10 % of residents at 1.8 m2 each

_M_PER_DEG_LAT = 111_320.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * np.cos(np.radians(ORIGIN_LONLAT[1] + SIDE_M / 2 / _M_PER_DEG_LAT))


def to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Local frame (m) → lon/lat (degrees)."""
    return (ORIGIN_LONLAT[0] + np.asarray(x) / _M_PER_DEG_LON,
            ORIGIN_LONLAT[1] + np.asarray(y) / _M_PER_DEG_LAT)


@dataclass
class District:
    """The built-in world: road graph, population and the plan's resources.

    ``zones`` columns: zone_id, township, lon, lat, node (graph index),
    population, vulnerable_share. ``townships`` columns: township, name,
    lon, lat, node. ``depots``, ``shelters`` and ``teams`` are scenario-format
    dicts (see :mod:`sim.scenarios.models`), ready to write into a YAML file.
    """

    seed: int
    graph: RoadGraph
    zones: pd.DataFrame
    townships: pd.DataFrame
    depots: list[dict] = field(default_factory=list)
    shelters: list[dict] = field(default_factory=list)
    teams: list[dict] = field(default_factory=list)
    river_lonlat: np.ndarray | None = None
    boundary_lonlat: np.ndarray | None = None


@lru_cache(maxsize=4)
def build_district(seed: int = DEFAULT_DISTRICT_SEED) -> District:
    """Generate the built-in district (deterministic for a seed; ~1 s).

    The result is cached per seed; its graph is shared, so callers that change
    road state must work on ``district.graph.copy()``.
    """
    streams = np.random.SeedSequence(seed).spawn(4)
    rng_roads, rng_town, rng_zones, rng_fac = (np.random.default_rng(s) for s in streams)
    roads = build_roads(rng_roads)
    lon, lat = to_lonlat(roads.x, roads.y)
    graph = RoadGraph.from_segments(
        roads.u, roads.v, _segment_length_m(roads), roads.speed_kmh, road_class=roads.road_class,
        is_bridge=roads.is_bridge, is_tunnel=roads.is_tunnel, lon=lon, lat=lat,
        elevation_m=roads.elevation_m, name="district",
    )
    inside = np.flatnonzero((roads.x >= 0) & (roads.x <= SIDE_M) & (roads.y >= 0) & (roads.y <= SIDE_M))
    tree_inside = cKDTree(np.column_stack([roads.x[inside], roads.y[inside]]))

    def nearest_node(x, y):
        return inside[tree_inside.query(np.column_stack([x, y]))[1]]

    town_xy = _township_centres(rng_town)
    townships = pd.DataFrame({
        "township": [f"T{i + 1:02d}" for i in range(N_TOWNSHIPS)],
        "lon": to_lonlat(*town_xy.T)[0], "lat": to_lonlat(*town_xy.T)[1],
        "node": nearest_node(*town_xy.T),
        "urban": is_urban(town_xy[:, 0], town_xy[:, 1]),
    })
    zones = _zones(rng_zones, town_xy, nearest_node)
    townships["population"] = zones.groupby("township")["population"].sum().reindex(
        townships["township"]).fillna(0).astype(int).to_numpy()
    depots, shelters, teams = _facilities(rng_fac, town_xy, townships, roads)
    rl = to_lonlat(roads.river_xy[:, 0], roads.river_xy[:, 1])
    corners = np.array([[0, 0], [SIDE_M, 0], [SIDE_M, SIDE_M], [0, SIDE_M], [0, 0]])
    return District(seed=seed, graph=graph, zones=zones, townships=townships, depots=depots,
                    shelters=shelters, teams=teams, river_lonlat=np.column_stack(rl),
                    boundary_lonlat=np.column_stack(to_lonlat(corners[:, 0], corners[:, 1])))


def _segment_length_m(roads) -> np.ndarray:
    return np.hypot(roads.x[roads.u] - roads.x[roads.v], roads.y[roads.u] - roads.y[roads.v])


def _spread_points(rng, n, sampler, min_dist_m):
    """``n`` points from ``sampler(k)`` with no two closer than ``min_dist_m``."""
    pts = np.empty((0, 2))
    while len(pts) < n:
        cand = sampler(4 * n)
        for p in cand:
            if len(pts) == 0 or np.min(np.hypot(*(pts - p).T)) >= min_dist_m:
                pts = np.vstack([pts, p])
                if len(pts) == n:
                    break
    return pts


def _township_centres(rng) -> np.ndarray:
    """6 street offices in the urban core, 16 towns over the rest."""
    def core(k):
        r = CORE_RADIUS_M * 0.8 * np.sqrt(rng.random(k))
        a = rng.uniform(0, 2 * np.pi, k)
        return np.column_stack([CORE_XY[0] + r * np.cos(a), CORE_XY[1] + r * np.sin(a)])

    def rest(k):
        p = rng.uniform(1_500, SIDE_M - 1_500, size=(k, 2))
        return p[~is_urban(p[:, 0], p[:, 1])]

    return np.vstack([_spread_points(rng, 6, core, 3_000), _spread_points(rng, 16, rest, 5_000)])


def _zones(rng, town_xy, nearest_node) -> pd.DataFrame:
    """658 community zones: dense urban communities and rural villages."""
    n_urban = 300
    n_rural = N_ZONES - n_urban

    def urban(k):
        r = CORE_RADIUS_M * np.sqrt(rng.random(k))
        a = rng.uniform(0, 2 * np.pi, k)
        return np.column_stack([CORE_XY[0] + r * np.cos(a), CORE_XY[1] + r * np.sin(a)])

    def rural(k):
        # Villages cluster around the towns.
        t = town_xy[6:][rng.integers(0, len(town_xy) - 6, k)]
        p = t + rng.normal(0, 2_800, size=(k, 2))
        p = p[(p >= 300).all(1) & (p <= SIDE_M - 300).all(1)]
        return p[~is_urban(p[:, 0], p[:, 1])]

    xy = np.vstack([_spread_points(rng, n_urban, urban, 250), _spread_points(rng, n_rural, rural, 450)])
    kind = np.array(["community"] * n_urban + ["village"] * n_rural)
    raw = np.concatenate([rng.lognormal(np.log(3_600), 0.45, n_urban), rng.lognormal(np.log(1_700), 0.55, n_rural)])
    pop = _round_to_total(raw / raw.sum() * POPULATION, POPULATION)
    mean_vuln = np.where(kind == "community", 0.16, 0.24)
    conc = 40.0
    vuln = rng.beta(mean_vuln * conc, (1 - mean_vuln) * conc)
    town = cKDTree(town_xy).query(xy)[1]
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    order = np.lexsort((xy[:, 0], town))
    zones = pd.DataFrame({
        "township": [f"T{t + 1:02d}" for t in town[order]],
        "kind": kind[order],
        "lon": lon[order], "lat": lat[order],
        "node": nearest_node(xy[order, 0], xy[order, 1]),
        "population": pop[order],
        "vulnerable_share": np.round(vuln[order], 4),
    })
    zones.insert(0, "zone_id", [f"Z{i + 1:03d}" for i in range(len(zones))])
    return zones


def _round_to_total(values: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``values`` summing exactly to ``total``."""
    floor = np.floor(values).astype(np.int64)
    rest = total - floor.sum()
    floor[np.argsort(-(values - floor), kind="stable")[:rest]] += 1
    return floor


def _loc(x, y) -> dict:
    """A scenario location at local-frame metres ``(x, y)``."""
    lon, lat = to_lonlat(x, y)
    return {"lonlat": [round(float(lon), 5), round(float(lat), 5)]}


def _facilities(rng, town_xy, townships, roads):
    """Depots, shelters and teams of the plan, placed in the world."""
    city_xy = (roads.x[roads.city_node], roads.y[roads.city_node])
    depots = [
        {"id": "taihu", "name": "Taihu district depot (south)", "tier": "district",
         "at": _loc(7_500, 6_000),
         "stock": {"water_l": 250_000, "food_ration": 120_000, "bedding": 40_000, "tent": 3_000,
                   "warm_clothing": 20_000, "medical_kit": 6_000},
         "trucks": {"count": 20, "payload_kg": 5_000}, "loading_bays": 4, "load_time": "20min",
         "unload_time": "15min", "backup_power": True},
        {"id": "songzhuang", "name": "Songzhuang district depot (north)", "tier": "district",
         "at": _loc(15_000, 27_500),
         "stock": {"water_l": 220_000, "food_ration": 100_000, "bedding": 35_000, "tent": 2_500,
                   "warm_clothing": 18_000, "medical_kit": 5_000},
         "trucks": {"count": 20, "payload_kg": 5_000}, "loading_bays": 4, "load_time": "20min",
         "unload_time": "15min", "backup_power": True},
        {"id": "city", "name": "Beijing municipal reserve (outside the district)", "tier": "city",
         "at": {"lonlat": [round(float(v), 5) for v in to_lonlat(*city_xy)]},
         "stock": {"water_l": 600_000, "food_ration": 300_000, "bedding": 80_000, "tent": 8_000,
                   "warm_clothing": 50_000, "medical_kit": 10_000},
         "agreement": {"stock": {"water_l": 500_000, "food_ration": 250_000, "bedding": 60_000},
                       "lead_time": "12h"},
         "trucks": {"count": 30, "payload_kg": 10_000}, "loading_bays": 6, "load_time": "30min",
         "unload_time": "20min", "backup_power": True},
    ]
    # Shelters at the 19 most populous townships, sized for their residents.
    order = np.argsort(-townships["population"].to_numpy(), kind="stable")[:N_SHELTERS]
    shelters = []
    for k, t in enumerate(sorted(order)):
        area = townships["population"].iloc[t] * SHELTERED_SHARE * 1.8 * rng.uniform(0.8, 1.2)
        dx, dy = rng.normal(0, 400, 2)
        shelters.append({"id": f"s{k + 1:02d}", "name": f"Shelter of {townships['township'].iloc[t]}",
                         "at": _loc(town_xy[t, 0] + dx, town_xy[t, 1] + dy),
                         "area_m2": float(round(area, -2)), "backup_power": bool(k % 3 == 0)})
    # Rescue forces "1+10+22+30" [TZ].
    core = _loc(*CORE_XY)
    teams = [{"id": "fire-comprehensive", "kind": "fire_rescue", "base": core, "count": 6, "size": 12,
              "mobilize": "10min"}]
    professional = [("sar", 2), ("road_repair", 2), ("pumping", 2), ("lifeline_repair", 2), ("medical", 2)]
    k = 0
    for kind, n in professional:
        for _ in range(n):
            t = 6 + (k * 5) % 16
            teams.append({"id": f"pro-{kind.replace('_', '-')}-{k + 1:02d}", "kind": kind,
                          "base": _loc(*town_xy[t]), "count": 3, "size": 15,
                          "mobilize": "30min"})
            k += 1
    for t in range(N_TOWNSHIPS):
        teams.append({"id": f"township-T{t + 1:02d}", "kind": "sar", "base": _loc(*town_xy[t]),
                      "count": 1, "size": 20, "mobilize": "15min", "township": f"T{t + 1:02d}"})
    for b in range(30):
        t = b % N_TOWNSHIPS
        dx, dy = rng.normal(0, 800, 2)
        teams.append({"id": f"volunteer-{b + 1:02d}", "kind": "volunteer",
                      "base": _loc(town_xy[t, 0] + dx, town_xy[t, 1] + dy),
                      "count": 1, "size": 15, "mobilize": "45min"})
    depots += township_reserves(town_xy, townships)
    return depots, shelters, teams


#: A township reserve holds a day's water and food for this share of its residents, and bedding
#: and warm clothing for half as many (assumption: the plans ask disaster-prone streets to hold
#: reserves [BJ14] and name a four-tier system [TZ], but give no size).
TOWNSHIP_RESERVE_SHARE = 0.02


def township_reserves(town_xy, townships) -> list[dict]:
    """One street-tier reserve per township [TZ: four tiers; BJ14: street reserves], at its centre,
    serving its own zones, with light trucks for the last mile (sizes: assumptions)."""
    out = []
    for t, row in enumerate(townships.itertuples(index=False)):
        people = int(row.population * TOWNSHIP_RESERVE_SHARE)
        out.append({"id": f"hub-{row.township}", "name": f"Township reserve of {row.township}", "tier": "street",
                    "at": _loc(*town_xy[t]), "serves": {"townships": [row.township]},
                    "stock": {"water_l": 3 * people, "food_ration": people, "bedding": people // 2,
                              "warm_clothing": people // 2, "tent": 20, "medical_kit": people // 50},
                    "trucks": {"count": 3, "payload_kg": 1_500}, "loading_bays": 2, "load_time": "10min",
                    "unload_time": "10min", "backup_power": False})
    return out
