"""What a scenario's world holds, in the counts a planner checks first.

``describe(scenario)`` loads the region, places the agents and returns the
figures ``sim info`` prints: road nodes, edges, segments and bridges,
connected components, zones, population, depots and stock, shelter capacity
and teams. ``draw_map`` writes the region map.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import connected_components

from sim.errors import InputError
from sim.network.dimacs import SECONDS_SPEED_KMH
from sim.network.graph import RoadClass
from sim.network.sources import load_region
from sim.world.places import resolve_places

__all__ = ["describe", "format_description", "map_target", "MAP_FORMATS"]

#: File types the region map can be written as.
MAP_FORMATS = (".png", ".pdf", ".svg")


def map_target(value: str) -> Path:
    """The ``--map`` file: a .png, .pdf or .svg whose folder can be written; one line if not."""
    from sim.files import Refused, make_folder

    path = Path(value)
    if path.suffix.lower() not in MAP_FORMATS:
        raise InputError(f"--map {value}: the map is drawn as {', '.join(MAP_FORMATS)}; name the file "
                         "e.g. map.png")
    if path.is_dir():
        raise InputError(f"--map {value}: is a folder; name the map file, e.g. {path / 'map.png'}")
    try:
        make_folder(path.parent, "folder for the map")
    except Refused as refused:
        raise InputError(str(refused)) from None
    return path


def describe(scenario, base_dir: Path | str = ".", map_path: Path | str | None = None) -> dict:
    """Figures of the scenario's world (and its map if ``map_path`` is given)."""
    region = load_region(scenario.region, base_dir)
    g = region.graph
    places = resolve_places(scenario, g)
    csr = g.to_scipy_csr()
    n_weak, _ = connected_components(csr, directed=True, connection="weak")
    n_strong, labels = connected_components(csr, directed=True, connection="strong")
    largest = np.bincount(labels).max() if g.n_nodes else 0
    first = np.unique(g.segment, return_index=True)[1]
    # A DIMACS graph's weights are travel times (its "metres" are seconds at 3.6 km/h).
    times_only = bool(len(g.speed_kmh)) and bool(np.all(g.speed_kmh == SECONDS_SPEED_KMH))
    km_by_class = {RoadClass(c).name.lower(): round(float(g.length_m[first][g.road_class[first] == c].sum()) / 1000, 1)
                   for c in np.unique(g.road_class)}
    zones = region.zones
    pop = int(zones["population"].sum())
    vulnerable = int(round(float((zones["population"] * zones["vulnerable_share"]).sum())))
    stock = Counter()
    for d in scenario.depots:
        stock.update(d.stock.as_dict(nonzero=True))
    shelter_area = sum(s.area_m2 for s in scenario.shelters)
    # Whole places per shelter, as the run counts them (sim.agents.shelter.Shelter.capacity).
    shelter_places = sum(int(s.area_m2 / scenario.needs.shelter_m2 + 1e-9) for s in scenario.shelters)
    teams = Counter()
    crews = Counter()
    for t in scenario.teams:
        teams[t.kind] += 1
        crews[t.kind] += t.count
    info = {
        "scenario": scenario.name,
        "network": {
            "name": g.name, "nodes": g.n_nodes, "edges": g.n_edges, "segments": g.n_segments,
            "bridges": int(len(np.unique(g.segment[g.is_bridge]))),
            "tunnels_underpasses": int(len(np.unique(g.segment[g.is_tunnel]))),
            "road_km": None if times_only else round(float(g.length_m[first].sum()) / 1000, 1),
            "road_km_by_class": {} if times_only else km_by_class,
            **({"driving_h": round(float(g.length_m[first].sum()) / 3600, 1)} if times_only else {}),
            "weak_components": int(n_weak), "strong_components": int(n_strong),
            "largest_component_nodes": int(largest),
        },
        "zones": {"count": int(len(zones)), "townships": int(zones["township"].nunique()),
                  "population": pop, "vulnerable_people": vulnerable},
        "depots": [{"id": d.id, "tier": d.tier, "node": int(g.node_ids[places[d.id].node]),
                    "snap_m": round(places[d.id].snap_m, 1), "stock": d.stock.as_dict(nonzero=True),
                    "trucks": d.trucks.count, "payload_kg": d.trucks.payload_kg} for d in scenario.depots],
        "stock_total": dict(stock),
        "shelters": {"count": len(scenario.shelters), "area_m2": shelter_area,
                     "capacity_people": shelter_places,
                     "capacity_share_of_population": round(shelter_places / pop, 4) if pop else None},
        "teams": {"entries": sum(teams.values()), "by_kind": dict(teams), "crews_by_kind": dict(crews),
                  "people": sum(t.count * t.size for t in scenario.teams)},
    }
    if map_path is not None:
        from sim.files import atomic_write
        from sim.report.region_map import plot_region_map

        if not g.has_coordinates:
            raise InputError(f"--map {map_path}: the road graph {g.name!r} has no coordinates (lon/lat) to draw; "
                             "leave --map out")

        river = region.district.river_lonlat if region.district is not None else None
        with atomic_write(Path(map_path), keep_suffix=True) as tmp:
            plot_region_map(tmp, g, zones,
                            depots=[(d.id, d.tier, places[d.id].node) for d in scenario.depots],
                            shelters=[(s.id, s.area_m2, places[s.id].node) for s in scenario.shelters],
                            river_lonlat=river, title=scenario.name)
        info["map"] = str(map_path)
    return info


def format_description(info: dict) -> str:
    """``sim info`` text: one figure per line, grouped."""
    n, z, sh, tm = info["network"], info["zones"], info["shelters"], info["teams"]
    lines = [
        f"scenario      {info['scenario']}",
        f"road graph    {n['name']}: {n['nodes']:,} nodes, {n['edges']:,} directed edges, "
        f"{n['segments']:,} road segments, " + (f"{n['road_km']:,} km" if n["road_km"] is not None else
                                                  f"lengths unknown (travel times only: {n['driving_h']:,} h)"),
        *(["              " + ", ".join(f"{k} {v:,} km" for k, v in n["road_km_by_class"].items())]
          if n["road_km_by_class"] else []),
        f"bridges       {n['bridges']}   underpass segments {n['tunnels_underpasses']}",
        f"components    {n['strong_components']} strongly connected ({n['largest_component_nodes']:,} nodes "
        f"in the largest), {n['weak_components']} weakly connected",
        f"zones         {z['count']} in {z['townships']} townships, population {z['population']:,} "
        f"({z['vulnerable_people']:,} vulnerable)",
        f"depots        {len(info['depots'])}",
    ]
    for d in info["depots"]:
        stock = ", ".join(f"{k} {v:,.0f}" for k, v in d["stock"].items())
        lines.append(f"  {d['id']:<12} {d['tier']:<9} node {d['node']:<6} snap {d['snap_m']:>5.0f} m  "
                     f"{d['trucks']} trucks x {d['payload_kg']:,.0f} kg  {stock}")
    lines.append("stock total   " + ", ".join(f"{k} {v:,.0f}" for k, v in info["stock_total"].items()))
    share = sh["capacity_share_of_population"]
    lines.append(f"shelters      {sh['count']}, {sh['area_m2']:,.0f} m2, room for {sh['capacity_people']:,} "
                 + (f"people ({100 * share:.1f} % of residents)" if share is not None else "people (no residents)"))
    lines.append(f"teams         {tm['entries']} teams, {tm['people']:,} people: "
                 + ", ".join(f"{k} {v} ({tm['crews_by_kind'][k]} crews)" for k, v in tm["by_kind"].items()))
    if "map" in info:
        lines.append(f"map           {info['map']}")
    return "\n".join(lines)
