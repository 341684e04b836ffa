"""Extreme rainfall: waterlogged streets, closed underpasses, pumping work, displaced residents.

:func:`rainfall_outcome` turns a ``Rainfall`` scenario section into a
:class:`~sim.hazards.timeline.HazardOutcome` for one run:

1. **Rain** — the hyetograph (``hyetograph_mm`` per ``interval`` from
   ``start``, or a named storm of :mod:`sim.hazards.design_storms`, which
   brings its own interval and also starts at ``start``) times
   ``rain_factor``, spread over the nodes by a spatial factor: a Gaussian
   storm cell ``1 + (center_factor − 1)·exp(−d²/2σ²)`` around ``storm_center``
   (σ = ``storm_radius``) times the factor of the township each node lies in
   (that of the nearest zone, from ``township_factor``).
2. **Ponding** — water depth per node every ``step_min`` by the storage–
   drainage model of :mod:`sim.hazards.ponding`. The drainage capacity of each
   node is ``drainage_mm_per_h`` times a lognormal factor of mean 1 and
   coefficient of variation ``drainage_spread`` (blocked and silted inlets; an
   assumption), drawn from the run's generator.
3. **Roads** — an edge's speed factor follows the depth of the deeper of its
   end nodes (:mod:`sim.hazards.flood_roads`); the run goes on after the rain
   until every node is dry (at most :data:`TAIL_MAX_MIN`), so every closed
   edge ends reopened (unless the drainage capacity is zero: then only
   pumping reopens roads).
4. **Pumping** — the flooded points at least ``closed_depth_mm`` deep are
   grouped into clusters (connected on the road graph); the
   ``pumping_sites`` clusters with the most depth × duration become
   ``pumping`` work sites at their deepest node, available when the
   water there first reaches that depth. Assumption: a crew sets up in
   :data:`PUMP_SETUP_MIN` and removes :data:`PUMP_RATE_M3_PER_H`; the volume is
   the peak depth over a ponded street footprint of :data:`POND_FOOTPRINT_M2`
   per node. When the work is done the cluster's roads reopen (``on_done``
   sets factor 1): the crew has pumped out the ponded volume, and the model
   does not re-flood a pumped point. Engines should apply later ``"water
   receding"`` changes as ``max(current, new)`` so a pumped road is not slowed
   again by the gravity-only recession of the timeline.
5. **People** — per zone, from the depth at the zone's node (the nearest node
   outside underpasses and tunnels, where nobody lives; assumptions, in
   the absence of a published Beijing relation): residents are *affected* in
   the share ``clip((d − 0.05 m)/0.25 m, 0, 1)`` (from kerb-deep water to
   impassable streets) and *displaced* in the share
   ``clip((d − 0.15 m)/0.5 m, 0, 1) × min(1, hours above 0.15 m / 6 h)``
   (water over door sills, for long), drawn as nested binomials. A zone's
   ``impact_time_min`` is when its water first reaches 0.05 m.
6. **Warning** — ``figures["warning_min"]`` = ``start − warning_lead``
   (clamped at 0), with ``figures["prepositioning"]``, so the engine can
   pre-position forces and supplies after the warning.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from sim.hazards import flood_roads
from sim.hazards.design_storms import design_storm
from sim.hazards.ponding import ponding_terrain, rain_per_step, simulate_ponding
from sim.hazards.timeline import HazardOutcome, RoadChange, WorkSite
from sim.network.geo import LocalProjection
from sim.network.graph import RoadGraph

if TYPE_CHECKING:
    from sim.scenarios.hazard_models import Rainfall

__all__ = ["rainfall_outcome", "storm_hyetograph", "node_rain_factor", "TAIL_MAX_MIN"]

#: Longest the model keeps draining after the rain, minutes.
TAIL_MAX_MIN = 5 * 1440.0
#: Depth from which residents are affected / displaced, m (assumptions, see module docstring).
AFFECTED_DEPTH_M = 0.05
AFFECTED_FULL_M = 0.30
DISPLACED_DEPTH_M = 0.15
DISPLACED_SPAN_M = 0.50
DISPLACED_FULL_H = 6.0
#: Depth counted as a flooded node in the figures (water over the kerb and door sills), m.
FLOODED_DEPTH_M = 0.15
#: Ponded street footprint per flooded node (a 100 m stretch of a 15 m street), m².
POND_FOOTPRINT_M2 = 1_500.0
#: Water one pumping crew removes (a few mobile pumps of some hundred m³/h each), m³/h.
PUMP_RATE_M3_PER_H = 800.0
#: Crew-minutes to set up pumps and hoses at a site.
PUMP_SETUP_MIN = 30.0
#: Nodes whose depth series the outcome keeps for plots.
WORST_POINTS = 10

_STREAMS = ("drainage", "people")
_OUTSIDE_TUNNELS: dict = {}   # ids of a graph's node and tunnel arrays -> (those arrays, (outside nodes, tree, xy))
_OUTSIDE_TUNNELS_SIZE = 4


def storm_hyetograph(hazard: Rainfall) -> tuple[float, np.ndarray, str | None]:
    """``(interval_min, mm per interval, design storm name)`` of the scenario's rain, × ``rain_factor``."""
    if hazard.design_storm is not None:
        storm = design_storm(hazard.design_storm)
        interval, mm, name = storm.interval_min, np.array(storm.hyetograph_mm), storm.name
    else:
        interval, mm, name = float(hazard.interval), np.asarray(hazard.hyetograph_mm, dtype=float), None
    return interval, mm * float(hazard.rain_factor), name


def node_rain_factor(hazard: Rainfall, graph: RoadGraph, zone_node=None, zone_township=None) -> np.ndarray:
    """Spatial factor on the rain at every node: storm cell × township factor."""
    factor = np.ones(graph.n_nodes)
    if hazard.storm_center is not None:
        proj = LocalProjection(*map(float, hazard.storm_center))
        x, y = proj.to_xy_m(graph.lon, graph.lat)
        sigma = float(hazard.storm_radius)
        factor *= 1.0 + (float(hazard.center_factor) - 1.0) * np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    if hazard.township_factor:
        if zone_node is None or zone_township is None:
            raise ValueError("township_factor needs the zones' townships (zone_township) and nodes (zone_node)")
        zone_township = np.asarray(zone_township).astype(str)
        unknown = sorted(set(hazard.township_factor) - set(zone_township))
        if unknown:
            raise ValueError(f"township_factor names townships {unknown} that no zone belongs to; "
                             f"the townships are {sorted(set(zone_township))}")
        zone_node = np.asarray(zone_node, dtype=np.int64)
        proj = LocalProjection.around(graph.lon, graph.lat)
        xy = np.column_stack(proj.to_xy_m(graph.lon, graph.lat))
        nearest_zone = cKDTree(xy[zone_node]).query(xy)[1]
        per_zone = np.array([float(hazard.township_factor.get(t, 1.0)) for t in zone_township])
        factor *= per_zone[nearest_zone]
    return factor


def rainfall_outcome(hazard: Rainfall, graph: RoadGraph, zone_node, zone_population, rng: np.random.Generator, *,
                     step_min: float = 10.0, zone_township=None) -> HazardOutcome:
    """Everything one rainstorm does to the road graph and the zones.

    Parameters
    ----------
    hazard : Rainfall
        The scenario section (``sim.scenarios.hazard_models.Rainfall``).
    graph : RoadGraph
        Needs node ``lon``/``lat`` and ``elevation_m``; its state is not changed.
    zone_node, zone_population : arrays of one value per zone
        Graph node of each zone and its residents (people).
    rng : numpy.random.Generator
        The run's seeded generator; the same seed gives the same outcome.
    step_min : float
        Model time step, minutes.
    zone_township : array of str, optional
        Township of each zone; needed only for ``township_factor``.

    Returns
    -------
    HazardOutcome
        ``figures`` (JSON values): ``total_rain_mm`` and
        ``peak_intensity_mm_per_h`` of the hyetograph, ``max_node_rain_mm``
        with the spatial factor, ``max_depth_m``, ``flooded_nodes_peak``
        (nodes at least :data:`FLOODED_DEPTH_M` deep at once),
        ``closed_road_km_peak`` and ``closed_road_km`` ([hour, km] on the
        whole hours), ``all_dry_min``, ``displaced``, ``affected``,
        ``warning_min``, ``prepositioning`` and counts. Extra attributes for
        plots: ``depth_times_min`` (T), ``worst_nodes`` (k) and
        ``worst_depth_m`` (k × T) at the deepest points, ``node_peak_depth_m``
        and ``node_rain_factor`` (per node).
    """
    if not step_min > 0:
        raise ValueError(f"step_min (={step_min}) must be > 0")
    zone_node = np.atleast_1d(np.asarray(zone_node, dtype=np.int64))
    population = np.atleast_1d(np.asarray(zone_population, dtype=float))
    if len(zone_node) != len(population):
        raise ValueError(f"zone_node and zone_population differ in length ({len(zone_node)}, {len(population)})")
    if np.any(~np.isfinite(population) | (population < 0)):
        raise ValueError("zone_population must be finite and >= 0")
    if np.any((zone_node < 0) | (zone_node >= graph.n_nodes)):
        raise ValueError(f"zone_node has node indices outside 0..{graph.n_nodes - 1}")
    streams = dict(zip(_STREAMS, rng.spawn(len(_STREAMS))))
    t0 = float(hazard.start)
    curve = hazard.depth_speed

    # 1-2. Rain and ponding.
    interval, hyetograph, storm_name = storm_hyetograph(hazard)
    factor = node_rain_factor(hazard, graph, zone_node, zone_township)
    drainage = float(hazard.drainage_mm_per_h) * _lognormal_mean_one(
        streams["drainage"].standard_normal(graph.n_nodes), float(hazard.drainage_spread))
    terrain = ponding_terrain(graph, float(hazard.ponding_radius))
    run = simulate_ponding(terrain, rain_per_step(hyetograph, interval, step_min), step_min=step_min,
                           drainage_mm_per_h=drainage, runoff_coefficient=float(hazard.runoff_coefficient),
                           node_rain_factor=factor, tail_max_min=TAIL_MAX_MIN)
    times = t0 + run.times_min
    depth = run.depth_m
    column = np.full(graph.n_nodes, depth.shape[1], dtype=np.int64)   # nodes outside the run: dry, no column
    column[run.nodes] = np.arange(len(run.nodes))
    peak = run.peak_depth_m(graph.n_nodes)

    # 3. Roads.
    road_changes, closed_km = flood_roads.road_changes(graph, curve, times, depth, column, peak)

    # 4. Pumping.
    work_sites = _pumping_sites(graph, curve, times, depth, column, peak, step_min, int(hazard.pumping_sites))

    # 5. People (homes are not in underpasses: a zone snapped to one reads the nearest other node).
    zone_depth = _node_series_m(depth, column, _housing_nodes(graph, zone_node))
    affected, displaced, impact = _people(population, zone_depth, times, step_min, streams["people"])

    # 6. Figures.
    hours = np.arange(np.ceil(times[0] / 60.0), np.floor(times[-1] / 60.0) + 1)
    at_hour = np.searchsorted(times, hours * 60.0, side="right") - 1
    worst = np.argsort(-peak, kind="stable")[:WORST_POINTS]
    worst = worst[peak[worst] > 0]
    flooded = _flooded_per_step(depth, peak[run.nodes])
    rain_end = t0 + interval * len(hyetograph)
    outcome = HazardOutcome(
        road_changes=road_changes, affected=affected.astype(float), displaced=displaced.astype(float),
        trapped=np.zeros(len(population)), impact_time_min=impact, work_sites=work_sites,
        # Affected residents still at home are cut off by the water, without mains water and power
        # until ``lifelines_restored_after`` from the water reaching them.
        no_lifelines=(affected - displaced).astype(float),
        lifelines_until_min=np.asarray(impact, dtype=float) + float(hazard.lifelines_restored_after),
        figures={
            "relation": curve.relation,
            "design_storm": storm_name,
            "total_rain_mm": round(float(hyetograph.sum()), 3),
            "max_node_rain_mm": round(float(hyetograph.sum() * factor.max()), 3),
            "peak_intensity_mm_per_h": round(float(hyetograph.max(initial=0.0) * 60.0 / interval), 3),
            "rain_start_min": t0,
            "rain_end_min": rain_end,
            "drainage_mm_per_h": float(hazard.drainage_mm_per_h),
            "max_depth_m": round(float(peak.max(initial=0.0)), 3),
            "flooded_nodes_peak": int(flooded.max(initial=0)),
            "closed_road_km_peak": round(float(closed_km.max(initial=0.0)), 3),
            # The water alone, hour by hour (roads pumped clear count as flooded; cut at the run's
            # end by the summary): what the road state, closed_road_km_over_time, starts from.
            "flood_closed_road_km": [[float(h), round(float(closed_km[i]), 3)] for h, i in zip(hours, at_hour)],
            "road_changes": len(road_changes),
            "all_dry_min": None if run.dry_min is None else t0 + float(run.dry_min),
            "pumping_sites": len(work_sites),
            "displaced": int(displaced.sum()),
            "affected": int(affected.sum()),
            "warning_min": max(0.0, t0 - float(hazard.warning_lead)),
            "prepositioning": bool(hazard.prepositioning),
        },
    )
    outcome.depth_times_min = times
    outcome.worst_nodes = worst
    outcome.worst_depth_m = _node_series_m(depth, column, worst).T.astype(float)
    outcome.node_peak_depth_m = peak
    outcome.node_rain_factor = factor
    return outcome


def _lognormal_mean_one(z: np.ndarray, cv: float) -> np.ndarray:
    """exp(σz − σ²/2) with σ² = ln(1 + cv²): mean 1, coefficient of variation ``cv``."""
    sigma = np.sqrt(np.log1p(cv * cv))
    return np.exp(sigma * z - 0.5 * sigma * sigma)


def _node_series_m(depth, column, nodes):
    """Depth ``[t, i]`` at ``nodes[i]``: its column of ``depth``, or zeros for a node with none
    (``column`` = ``depth.shape[1]``: outside the ponding run, dry throughout)."""
    columns = column[nodes]
    has_column = columns < depth.shape[1]
    if has_column.all():
        return depth[:, columns]
    out = np.zeros((depth.shape[0], len(columns)), dtype=depth.dtype)
    out[:, has_column] = depth[:, columns[has_column]]
    return out


def _flooded_per_step(depth, column_peak_m):
    """Columns of ``depth`` at least :data:`FLOODED_DEPTH_M` deep at each step. Only the columns whose
    peak (``column_peak_m``, the highest value of each) reaches that depth are read: no other can count."""
    reaching = np.flatnonzero(column_peak_m >= FLOODED_DEPTH_M)
    return (depth[:, reaching] >= FLOODED_DEPTH_M).sum(axis=1)


def _pumping_sites(graph, curve, times, depth, column, peak, step_min, n_sites):
    """One pumping site per worst flooded cluster (see the module docstring)."""
    threshold = float(curve.closed_depth_mm) / 1000.0
    deep = np.flatnonzero(peak >= threshold)
    if n_sites == 0 or len(deep) == 0:
        return []
    local = np.full(graph.n_nodes, -1, dtype=np.int64)
    local[deep] = np.arange(len(deep))
    a, b = local[graph.tails], local[graph.heads]
    both = (a >= 0) & (b >= 0)
    adj = coo_matrix((np.ones(both.sum()), (a[both], b[both])), shape=(len(deep), len(deep)))
    n_clusters, label = connected_components(adj, directed=False)
    series = _node_series_m(depth, column, deep).astype(np.float64)
    node_score = series.sum(axis=0) * step_min / 60.0                   # m·h of water per node
    score = np.bincount(label, weights=node_score, minlength=n_clusters)
    first = np.argmax(series >= threshold, axis=0)                      # first step at or above the threshold
    # The edges a site reopens: those (bridges aside) with an end in its cluster, looked up
    # among the edges with an end at any deep node.
    node_cluster = np.full(graph.n_nodes, -1, dtype=np.int64)
    node_cluster[deep] = label
    tail_cluster, head_cluster = node_cluster[graph.tails], node_cluster[graph.heads]
    at_deep = np.flatnonzero(((tail_cluster >= 0) | (head_cluster >= 0)) & ~graph.is_bridge)
    tail_cluster, head_cluster = tail_cluster[at_deep], head_cluster[at_deep]
    sites: list[WorkSite] = []
    for k in np.argsort(-score, kind="stable")[:n_sites]:
        members = deep[label == k]
        node = int(members[np.argmax(peak[members])])
        volume_m3 = float(peak[members].sum()) * POND_FOOTPRINT_M2
        edges = at_deep[(tail_cluster == k) | (head_cluster == k)]
        available = float(times[first[label == k].min()])
        sites.append(WorkSite(
            site_id=f"rain-pump-{node}", team_kind="pumping", node=node,
            work_min=PUMP_SETUP_MIN + 60.0 * volume_m3 / PUMP_RATE_M3_PER_H,
            on_done=RoadChange(available, edges, 1.0, cause="pumped dry"), available_min=available,
            priority=float(score[k]),
            cause=f"{len(members)} flooded points up to {peak[node]:.2f} m deep, about {volume_m3:,.0f} m³"))
    return sites


def _housing_nodes(graph: RoadGraph, zone_node: np.ndarray) -> np.ndarray:
    """``zone_node`` with underpass/tunnel nodes replaced by the nearest node outside them."""
    in_tunnel = _tunnel_nodes(graph)
    moved = in_tunnel[zone_node]
    if not moved.any() or in_tunnel.all():
        return zone_node
    outside, outside_tree, xy = _outside_tunnels(graph)
    out = zone_node.copy()
    out[moved] = outside[outside_tree.query(xy[zone_node[moved]])[1]]
    return out


def _tunnel_nodes(graph: RoadGraph) -> np.ndarray:
    """Whether each node is an end of an underpass or tunnel edge."""
    in_tunnel = np.zeros(graph.n_nodes, dtype=bool)
    in_tunnel[graph.tails[graph.is_tunnel]] = True
    in_tunnel[graph.heads[graph.is_tunnel]] = True
    return in_tunnel


def _outside_tunnels(graph: RoadGraph):
    """``(outside, tree, xy)``: the nodes outside underpasses and tunnels, a KD-tree of their
    positions and every node's position (m), kept per graph: every run of a scenario looks
    up the same ones."""
    arrays = (graph.lon, graph.lat, graph.tails, graph.heads, graph.is_tunnel)
    key = (*map(id, arrays), graph.n_nodes)
    hit = _OUTSIDE_TUNNELS.get(key)
    if hit is not None:
        return hit[1]
    proj = LocalProjection.around(graph.lon, graph.lat)
    xy = np.column_stack(proj.to_xy_m(graph.lon, graph.lat))
    outside = np.flatnonzero(~_tunnel_nodes(graph))
    found = (outside, cKDTree(xy[outside]), xy)
    if len(_OUTSIDE_TUNNELS) >= _OUTSIDE_TUNNELS_SIZE:
        _OUTSIDE_TUNNELS.pop(next(iter(_OUTSIDE_TUNNELS)))
    _OUTSIDE_TUNNELS[key] = (arrays, found)     # keep the arrays alive: ids stay unique
    return found


def _people(population, zone_depth, times, step_min, rng):
    """Affected ⊇ displaced per zone, from the depth series at each zone's node."""
    pop = np.rint(population).astype(np.int64)
    peak = zone_depth.max(axis=0).astype(np.float64) if len(times) else np.zeros(len(pop))
    hours_deep = (zone_depth >= DISPLACED_DEPTH_M).sum(axis=0) * step_min / 60.0
    p_displaced = (np.clip((peak - DISPLACED_DEPTH_M) / DISPLACED_SPAN_M, 0.0, 1.0)
                   * np.minimum(1.0, hours_deep / DISPLACED_FULL_H))
    p_affected = np.maximum(np.clip((peak - AFFECTED_DEPTH_M) / (AFFECTED_FULL_M - AFFECTED_DEPTH_M), 0.0, 1.0),
                            p_displaced)
    displaced = rng.binomial(pop, p_displaced)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(p_displaced < 1, (p_affected - p_displaced) / (1 - p_displaced), 0.0)
    affected = displaced + rng.binomial(pop - displaced, np.clip(q, 0.0, 1.0))
    hit = zone_depth >= AFFECTED_DEPTH_M
    impact = np.where(hit.any(axis=0), times[np.argmax(hit, axis=0)], times[0])
    return affected, displaced, impact.astype(float)
