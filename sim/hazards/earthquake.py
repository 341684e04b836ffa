"""An earthquake: shaking, broken bridges, blocked streets, displaced and trapped people.

:func:`earthquake_outcome` turns an ``Earthquake`` scenario section into a
:class:`~sim.hazards.timeline.HazardOutcome` for one run:

1. **Shaking** — the intensity at every road node and zone centre from an
   elliptical attenuation relation for eastern China, long axis on the fault
   strike (:mod:`sim.hazards.intensity`), plus an optional normal site scatter
   of standard deviation ``attenuation.sigma`` drawn per site.
2. **Bridges** — each bridge segment gets a Hazus damage state from one
   uniform draw against its fragility curves (:mod:`sim.hazards.fragility`),
   with medians scaled by ``bridge_fragility_factor`` and the per-segment
   ``segment_fragility_factor`` of a retrofit. Moderate damage halves the
   speed, extensive and complete damage close the bridge; a second
   :class:`RoadChange` reopens it after a Hazus restoration time. Because the
   draw is one uniform per bridge, a retrofit on the same seed never leaves
   more bridges damaged.
3. **Streets** — a street segment is blocked by collapse debris with a
   probability from the building collapse rate around it; it closes at the
   shock and a ``road_repair`` :class:`WorkSite` reopens it when cleared. The
   blockage is drawn per 100 m stretch; the site holds
   ``road_clearing.debris_m3_per_m`` per metre of the stretches expected blocked
   given that one is (:func:`~sim.hazards.fragility.blocked_length_m`); a road
   crew clears ``road_crew_m3_per_h`` and an army engineer crew
   ``army_crew_m3_per_h`` (:func:`debris_work_min`; sources in
   :mod:`sim.scenarios.hazard_response`).
4. **People** — per zone, residents are spread over the five damage grades of
   their buildings (one multinomial draw). Residents of slightly damaged or
   worse buildings are *affected*. Of these, residents of **uninhabitable**
   dwellings are *displaced*: the Hazus-MH displaced-household weights by
   damage state (FEMA Earthquake Technical Manual, ch. 14; multi-family
   housing: moderate 0, extensive 0.9, complete 1 — ``uninhabitable``). Of
   the affected still at home, ``outdoor_share`` sleep outdoors for
   ``outdoor_nights`` nights where the shaking reached ``outdoor_from``, and
   the rest are without water and power where it reached
   ``lifelines_lost_from``, until ``lifelines_restored_after`` (assumptions,
   in the scenario). Part of the occupants of destroyed buildings are
   trapped; each zone with trapped people is a ``sar`` work site.
   :func:`~sim.hazards.fragility.survival_probability` tells the engine how
   many are still alive when a team reaches them.
5. **Communications** (with a ``comms_damage`` section) — each zone's
   networks go down at the shock with a probability rising linearly with its
   intensity (:func:`comms_down_share`, one uniform per zone) and come back
   after ``restored_after``: a :class:`~sim.hazards.timeline.CommsDown`
   window that :class:`sim.world.comms.Comms` applies as an outage.

Random draws come from independent child streams of the run's generator (one
per concept), so changing one input — a retrofit, the zone table — does not
shift the draws of the others.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.hazards.fragility import (
    BRIDGE_CLASS_BY_ROAD,
    BRIDGE_SPEED_FACTOR,
    DAMAGE_STATES,
    HAZUS_BRIDGES,
    TRAPPED_SHARE_OF_COLLAPSE,
    building_damage_distribution,
    damage_state_from_uniform,
    blocked_length_m,
    debris_blockage_probability,
    exceedance_probabilities,
    occupancy_at,
    repair_time_min,
    sa10_g_from_pga_g,
    survival_probability,
)
from sim.hazards.intensity import (
    INTENSITY_MAX,
    attenuation_for,
    median_intensity,
    pga_g_from_intensity,
    site_offsets_km,
)
from sim.hazards.timeline import CommsDown, HazardOutcome, RoadChange, WorkSite
from sim.network.geo import LocalProjection
from sim.network.graph import RoadClass, RoadGraph

__all__ = ["earthquake_outcome", "intensity_at", "survival_probability", "debris_work_min", "comms_down_share"]

#: Crew-minutes of search-and-rescue work per trapped person (assumption:
#: light rescue of one person from a collapsed low-rise house, about 2 h).
SAR_CREW_MIN_PER_TRAPPED = 120.0

#: :data:`~sim.hazards.fragility.BRIDGE_SPEED_FACTOR` indexed by damage state.
_BRIDGE_SPEED_FACTOR_BY_STATE = np.array([BRIDGE_SPEED_FACTOR[s] for s in range(len(BRIDGE_SPEED_FACTOR))])

_MEDIAN_INTENSITY: dict = {}     # (sites, epicentre, strike, magnitude, relation) -> median intensity
_MEDIAN_INTENSITY_SIZE = 8

_STREAMS = ("node_scatter", "zone_scatter", "bridge_state", "bridge_repair", "debris", "people", "comms")


def intensity_at(hazard, lon, lat) -> np.ndarray:
    """Median intensity of the earthquake at the given sites (for maps; no scatter)."""
    return median_intensity(hazard, lon, lat)


def earthquake_outcome(hazard, graph: RoadGraph, zone_lon, zone_lat, zone_population,
                       rng: np.random.Generator, *, zone_node=None,
                       zone_vulnerable_share=None) -> HazardOutcome:
    """Everything one earthquake does to the road graph and the zones.

    Parameters
    ----------
    hazard : Earthquake
        The scenario section (``sim.scenarios.hazard_models.Earthquake``).
    graph : RoadGraph
        Needs node ``lon``/``lat``; its state is not changed.
    zone_lon, zone_lat, zone_population : arrays of one value per zone
        Zone centres (degrees) and residents (people).
    rng : numpy.random.Generator
        The run's seeded generator; the same seed gives the same outcome.
    zone_node : int array, optional
        Graph node of each zone (where its SAR work site is); by default the
        node nearest to the zone centre.
    zone_vulnerable_share : array, optional
        Share of elderly-alone and disabled residents; raises the priority of
        the zone's SAR site and gives ``outcome.displaced_vulnerable``.

    Returns
    -------
    HazardOutcome
        With ``figures`` (JSON scalars) and, as extra attributes for plots,
        ``node_intensity``, ``zone_intensity``, ``bridge_damage_state`` (per
        segment id, −1 where not a bridge), ``blocked_segments`` and
        ``zone_damage_distribution`` (zones × 5 building grades).
    """
    if not graph.has_coordinates:
        raise ValueError(f"graph {graph.name!r} has nodes without lon/lat; the earthquake model needs coordinates")
    zone_lon, zone_lat, population = (np.atleast_1d(np.asarray(a, dtype=float))
                                      for a in (zone_lon, zone_lat, zone_population))
    n_zones = len(population)
    if not (len(zone_lon) == len(zone_lat) == n_zones):
        raise ValueError(f"zone_lon, zone_lat and zone_population differ in length "
                         f"({len(zone_lon)}, {len(zone_lat)}, {n_zones})")
    if np.any(~np.isfinite(population) | (population < 0)):
        raise ValueError("zone_population must be finite and >= 0")
    vulnerable = (np.zeros(n_zones) if zone_vulnerable_share is None
                  else np.broadcast_to(np.asarray(zone_vulnerable_share, dtype=float), (n_zones,)))
    streams = dict(zip(_STREAMS, rng.spawn(len(_STREAMS))))
    t0 = float(hazard.time)
    relation = attenuation_for(hazard.attenuation)
    sigma = float(hazard.attenuation.sigma)

    # 1. Shaking at nodes and zone centres.
    node_i = _site_intensity(hazard, relation, graph.lon, graph.lat, sigma, streams["node_scatter"])
    zone_i = _site_intensity(hazard, relation, zone_lon, zone_lat, sigma, streams["zone_scatter"])

    # Segments: one representative edge each; intensity at the segment is the
    # mean of its two end nodes.
    n_seg = graph.n_segments
    seg_ids, first_edge = np.unique(graph.segment, return_index=True)
    seg_i = 0.5 * (node_i[graph.tails[first_edge]] + node_i[graph.heads[first_edge]])
    seg_len = graph.length_m[first_edge]
    seg_class = graph.road_class[first_edge]
    seg_bridge = graph.is_bridge[first_edge]

    # 2. Bridges (uniforms are drawn for every segment id so draws never shift).
    u_state = streams["bridge_state"].random(n_seg)[seg_ids]
    u_repair = streams["bridge_repair"].random(n_seg)[seg_ids]
    bridge_state = np.zeros(len(seg_ids), dtype=np.int8)
    if seg_bridge.any():
        b = np.flatnonzero(seg_bridge)
        medians = np.array([HAZUS_BRIDGES[BRIDGE_CLASS_BY_ROAD[RoadClass(int(c))]].medians_g
                            for c in seg_class[b]])
        factor = np.full(len(b), float(hazard.bridge_fragility_factor))
        for seg, f in hazard.segment_fragility_factor.items():
            factor[seg_ids[b] == int(seg)] *= float(f)
        sa = sa10_g_from_pga_g(pga_g_from_intensity(seg_i[b]))
        p = exceedance_probabilities(sa, medians * factor[:, None], beta=0.6)
        bridge_state[b] = damage_state_from_uniform(u_state[b], p)
    repair_min = repair_time_min(bridge_state, u_repair)

    # 3. Debris on streets (bridges and expressways carry no frontage).
    seg_dist = building_damage_distribution(seg_i, hazard.fortified_share)
    p_block = debris_blockage_probability(seg_dist[:, 4], seg_len, seg_class)
    p_block[seg_bridge] = 0.0
    blocked = streams["debris"].random(n_seg)[seg_ids] < p_block
    debris_len = blocked_length_m(seg_dist[:, 4], seg_len, seg_class)

    road_changes, work_sites = _road_effects(graph, seg_ids, seg_len, seg_class, bridge_state, repair_min,
                                             blocked, debris_len, t0, hazard.road_clearing)

    # 4. People.
    zone_dist = building_damage_distribution(zone_i, hazard.fortified_share)
    affected, displaced, trapped = _people(population, zone_dist, occupancy_at(hazard.clock_hour),
                                           hazard.uninhabitable, streams["people"])
    outdoors, outdoors_until, no_lifelines, lifelines_until = _at_home(hazard, affected, displaced, zone_i, t0)
    if zone_node is None:
        zone_node = _nearest_nodes(graph, zone_lon, zone_lat)
    zone_node = np.asarray(zone_node, dtype=np.int64)
    for z in np.flatnonzero(trapped > 0):
        work_sites.append(WorkSite(
            site_id=f"eq-sar-{z}", team_kind="sar", node=int(zone_node[z]), zone=int(z),
            work_min=float(trapped[z]) * SAR_CREW_MIN_PER_TRAPPED, available_min=t0,
            priority=float(trapped[z]) * (1.0 + float(vulnerable[z])),
            cause=f"{int(trapped[z])} people trapped in collapsed buildings"))

    closed = blocked | np.isin(bridge_state, [s for s, f in BRIDGE_SPEED_FACTOR.items() if f == 0.0])
    is_b = seg_bridge
    outcome = HazardOutcome(
        road_changes=road_changes,
        affected=affected.astype(float), displaced=displaced.astype(float), trapped=trapped.astype(float),
        outdoors=outdoors.astype(float), outdoors_until_min=outdoors_until,
        no_lifelines=no_lifelines.astype(float), lifelines_until_min=lifelines_until,
        impact_time_min=np.full(n_zones, t0), work_sites=work_sites,
        figures={
            "relation": relation.name,
            "magnitude": float(hazard.magnitude),
            "epicentral_intensity": round(relation.epicentral_intensity(hazard.magnitude), 2),
            "max_zone_intensity": round(float(zone_i.max()), 2) if n_zones else None,
            "max_node_intensity": round(float(node_i.max()), 2),
            "bridges": int(is_b.sum()),
            "bridges_down": {name: int(np.sum(bridge_state[is_b] == k + 1)) for k, name in enumerate(DAMAGE_STATES)},
            "bridges_closed": int(np.sum(closed & is_b)),
            "road_segments_blocked": int(blocked.sum()),
            "closed_road_km": round(float(seg_len[closed].sum()) / 1000.0, 3),
            "affected": int(affected.sum()),
            "displaced": int(displaced.sum()),
            "outdoors": int(outdoors.sum()),
            "without_lifelines": int(no_lifelines.sum()),
            "trapped": int(trapped.sum()),
        },
    )
    if hazard.comms_damage is not None:
        outcome.comms_down = _comms_down(hazard.comms_damage, zone_i, t0, streams["comms"])
        outcome.figures["zones_without_comms"] = int(outcome.comms_down.zone_down.sum())
    outcome.node_intensity = node_i
    outcome.zone_intensity = zone_i
    outcome.bridge_damage_state = _per_segment(n_seg, seg_ids, np.where(is_b, bridge_state, -1), -1)
    outcome.blocked_segments = seg_ids[blocked]
    outcome.zone_damage_distribution = zone_dist
    outcome.displaced_vulnerable = displaced * vulnerable
    return outcome


def comms_down_share(spec, intensity) -> np.ndarray:
    """Share of zones whose networks the shaking takes down at ``intensity``: 0 up to
    ``spec.down_from``, rising linearly to 1 at ``spec.all_down_from`` (a
    ``CommsDamage`` section; assumption, sources there)."""
    low, high = float(spec.down_from), float(spec.all_down_from)
    return np.clip((np.asarray(intensity, dtype=float) - low) / (high - low), 0.0, 1.0)


def _comms_down(spec, zone_i, t0: float, rng) -> CommsDown:
    """The zones whose networks go down at the shock: one uniform per zone against
    :func:`comms_down_share`, so a weaker shake on the same seed never takes more down."""
    down = rng.random(len(zone_i)) < comms_down_share(spec, zone_i)
    return CommsDown(start=t0, end=t0 + float(spec.restored_after), delay_factor=float(spec.delay_factor),
                     loss_share=float(spec.loss_share), zone_down=down)


def _site_intensity(hazard, relation, lon, lat, sigma, rng) -> np.ndarray:
    median = _median_site_intensity(hazard, relation, lon, lat)
    scatter = rng.standard_normal(len(median))  # always drawn, so sigma does not shift streams
    return np.clip(median + sigma * scatter, 0.0, INTENSITY_MAX)


def _median_site_intensity(hazard, relation, lon, lat) -> np.ndarray:
    """Median intensity at the sites (read-only), kept for the last few earthquakes and sets
    of sites: every run of a scenario shakes the same road nodes and zone centres alike."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    key = (lon.tobytes(), lat.tobytes(), lon.shape, tuple(float(v) for v in hazard.epicenter),
           float(hazard.strike_deg), float(hazard.magnitude), relation)
    median = _MEDIAN_INTENSITY.get(key)
    if median is None:
        along, across = site_offsets_km(hazard.epicenter, hazard.strike_deg, lon, lat)
        median = relation.intensity(hazard.magnitude, along, across)
        median.flags.writeable = False
        if len(_MEDIAN_INTENSITY) >= _MEDIAN_INTENSITY_SIZE:
            _MEDIAN_INTENSITY.pop(next(iter(_MEDIAN_INTENSITY)))
        _MEDIAN_INTENSITY[key] = median
    return median


def debris_work_min(debris_m3, clearing) -> dict[str, float]:
    """Crew-minutes to clear ``debris_m3`` of debris, per team kind that clears roads."""
    return {"road_repair": 60.0 * debris_m3 / float(clearing.road_crew_m3_per_h),
            "army": 60.0 * debris_m3 / float(clearing.army_crew_m3_per_h)}


def _road_effects(graph, seg_ids, seg_len, seg_class, bridge_state, repair_min, blocked, debris_len, t0, clearing):
    """Closures and slow-downs at the shock, bridge reopenings, debris work sites (each holding
    ``debris_m3_per_m`` on its segment's ``debris_len`` metres: the stretches blocked)."""
    factor = _BRIDGE_SPEED_FACTOR_BY_STATE[bridge_state]
    factor[blocked] = 0.0
    hit = np.flatnonzero(factor < 1.0)
    edges_of = _segment_edge_lookup(graph)
    changes: list[RoadChange] = []
    if len(hit):
        seg_factor = _per_segment(graph.n_segments, seg_ids, factor, 1.0)
        edges = np.sort(np.concatenate(edges_of(seg_ids[hit])))
        changes.append(RoadChange(t0, edges, seg_factor[graph.segment[edges]], cause="earthquake damage"))
    for i in np.flatnonzero(bridge_state >= 2):
        if factor[i] < 1.0:
            changes.append(RoadChange(t0 + float(repair_min[i]), edges_of(seg_ids[i:i + 1])[0], 1.0,
                                      cause=f"bridge repaired ({DAMAGE_STATES[int(bridge_state[i]) - 1]} damage)"))
    changes.sort(key=lambda c: c.time_min)
    # One debris site per blocked segment (thousands in a strong shock): the per-segment
    # values are taken out of the arrays in one go, as Python numbers.
    sites: list[WorkSite] = []
    rows = np.flatnonzero(blocked)
    m3_per_m = float(clearing.debris_m3_per_m)
    rural = int(RoadClass.RURAL)
    edges_of_rows = edges_of(seg_ids[rows])
    first_node = graph.tails[[edges[0] for edges in edges_of_rows]].tolist()
    for seg, length_m, road_class, node, edges in zip(seg_ids[rows].tolist(), debris_len[rows].tolist(),
                                                      seg_class[rows].tolist(), first_node, edges_of_rows):
        debris_m3 = m3_per_m * length_m
        by_kind = debris_work_min(debris_m3, clearing)
        sites.append(WorkSite(
            site_id=f"eq-debris-{seg}", team_kind="road_repair", node=node,
            work_min=by_kind["road_repair"], work_min_by_kind=by_kind,
            on_done=RoadChange(t0, edges, 1.0, cause="debris cleared"), available_min=t0,
            priority=float(rural - road_class + 1),
            cause=f"collapse debris blocks the street ({debris_m3:,.0f} m³)"))
    return changes, sites


def _people(population, dist, occupancy, weights, rng):
    """Residents by damage grade (one multinomial draw per zone), then affected ⊇
    displaced (uninhabitable dwellings, ``weights`` for moderate / extensive /
    complete damage) and trapped (occupants of destroyed buildings)."""
    pop = np.rint(population).astype(np.int64)
    p = np.clip(dist, 0.0, None)
    p = p / np.maximum(p.sum(axis=1, keepdims=True), 1e-300)
    by_grade = rng.multinomial(pop, p)                            # [zone, grade 0..4]
    moderate, extensive, complete = by_grade[:, 2], by_grade[:, 3], by_grade[:, 4]
    displaced = (rng.binomial(moderate, weights.moderate) + rng.binomial(extensive, weights.extensive)
                 + rng.binomial(complete, weights.complete))
    affected = by_grade[:, 1:].sum(axis=1)
    trapped = rng.binomial(complete, min(max(occupancy * TRAPPED_SHARE_OF_COLLAPSE, 0.0), 1.0))
    return affected, displaced, np.minimum(trapped, displaced)


def _at_home(hazard, affected, displaced, zone_intensity, t0: float):
    """The affected still at home: sleeping outdoors (first nights) and without
    lifelines, with when each condition ends (see the module docstring)."""
    home = affected - displaced
    shaken = zone_intensity >= hazard.outdoor_from
    outdoors = np.where(shaken, np.floor(home * hazard.outdoor_share + 0.5), 0).astype(np.int64)
    no_lifelines = np.where(zone_intensity >= hazard.lifelines_lost_from, home - outdoors, 0).astype(np.int64)
    n = len(affected)
    return (outdoors, np.full(n, t0 + hazard.outdoor_nights * 1440.0), no_lifelines,
            np.full(n, t0 + float(hazard.lifelines_restored_after)))


def _nearest_nodes(graph: RoadGraph, lon, lat) -> np.ndarray:
    if len(lon) == 0:
        return np.zeros(0, dtype=np.int64)
    proj = LocalProjection.around(graph.lon, graph.lat)
    tree = cKDTree(np.column_stack(proj.to_xy_m(graph.lon, graph.lat)))
    _, idx = tree.query(np.column_stack(proj.to_xy_m(lon, lat)))
    return np.asarray(idx, dtype=np.int64)


def _segment_edge_lookup(graph: RoadGraph):
    """``edges_of(segments)``: the directed edges of each of ``segments`` (an array), one
    int64 array per segment, O(log E) per segment."""
    order = np.argsort(graph.segment, kind="stable").astype(np.int64)
    sorted_seg = graph.segment[order]

    def edges_of(segments):
        first = np.searchsorted(sorted_seg, segments).tolist()
        end = np.searchsorted(sorted_seg, segments + 1).tolist()
        return [order[lo:hi].copy() for lo, hi in zip(first, end)]

    return edges_of


def _per_segment(n_seg, seg_ids, values, fill):
    out = np.full(n_seg, fill, dtype=np.asarray(values).dtype)
    out[seg_ids] = values
    return out
