"""The world of one run, complete when built.

:func:`build_world` turns a validated scenario into a :class:`World`: the
road graph with its own state and router, the zones hit by the impact or the
hazard, depots with their trucks, shelters, teams, the command centre, the
road-state layers, what every outage window covers for this run, and the
event log every agent writes. Nothing is filled in later: :mod:`sim.engine`
only schedules the world's changes and runs SimPy.

Agents reach each other only through the world's small interfaces: traffic
(drive, road changes), depot queues, zone deliveries, team task queues.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import simpy

from sim.agents.depot import Depot
from sim.agents.first_batch import FirstBatchRule
from sim.agents.driving import Traffic
from sim.agents.shelter import Shelter
from sim.agents.team import Team
from sim.agents.vehicle import Truck
from sim.agents.zone import Zone
from sim.dispatch.command import Command
from sim.dispatch.rescue import RESCUE_KINDS, RescueCoordinator
from sim.dispatch.work import WorkAssigner
from sim.network.geo import LocalProjection
from sim.network.sources import load_region
from sim.scenarios.items import ITEMS
from sim.scenarios.resources import LOCAL_TIERS
from sim.world.conditions import build_needs, water_outage_warnings
from sim.world.event_log import EventLog
from sim.world.impact import ZoneImpact, impact_from_spec
from sim.world.needs import NeedsTable
from sim.world.outage_plan import OutagePlan, plan_outages
from sim.world.last_mile import build_last_mile
from sim.world.mutual_aid import AidRequest, schedule_inbound
from sim.world.places import aid_exit_key, resolve_places
from sim.world.reachability import Reachability
from sim.world.rescue_ledger import RescueLedger
from sim.world.service_areas import service_areas
from sim.world.road_layers import RoadLayers
from sim.world.streams import stream
from sim.world.travel_variation import TravelTimeVariation

__all__ = ["World", "build_world"]


@dataclass
class World:
    """Everything a run simulates; built fresh for every run by :func:`build_world`."""

    env: simpy.Environment
    scenario: object
    seed: int
    graph: object
    router: object
    traffic: Traffic
    zone_table: object
    zones: list[Zone]
    depots: list[Depot]
    trucks: list[Truck]
    shelters: list[Shelter]
    teams: list[Team]
    command: Command
    work: WorkAssigner
    log: EventLog
    places: dict
    road_layers: RoadLayers
    outages: OutagePlan
    needs: NeedsTable
    rescue: RescueLedger
    reachability: Reachability
    rescue_coordinator: RescueCoordinator | None = None
    district: object | None = None
    hazard: object | None = None              # the HazardOutcome, if any
    road_clearing: object | None = None       # debris work and corridors (sim.engine.road_clearing)
    hazard_figures: dict = field(default_factory=dict)
    base_dir: Path = Path(".")                # the folder the scenario's file names are relative to
    warnings: list[str] = field(default_factory=list)
    #: Township and community reserves standing for their own area, which the disaster did not reach.
    reserves_outside_affected_area: list[str] = field(default_factory=list)
    aid_requests: list = field(default_factory=list)   # neighbours' requests (sim.world.mutual_aid)
    last_mile: object | None = None           # porters, boats, helicopters (sim.world.last_mile)


def _impact(scenario, graph, zone_table, seed: int):
    """People hit per zone: the ``impact`` section and the hazard model, merged."""
    from sim.hazards import hazard_outcome

    impact = ZoneImpact.none(len(zone_table))
    if scenario.impact is not None:
        impact = impact.merge(impact_from_spec(scenario.impact, zone_table, stream(seed, "impact")))
    outcome = hazard_outcome(scenario.hazard, graph, zone_table, stream(seed, "hazard"))
    if outcome is not None:
        n = len(zone_table)
        as_int = lambda a: np.zeros(n, dtype=np.int64) if a is None else np.round(a).astype(np.int64)  # noqa: E731
        until = lambda a: None if a is None else np.asarray(a, dtype=float)  # noqa: E731
        impact = impact.merge(ZoneImpact(
            as_int(outcome.affected), as_int(outcome.displaced), as_int(outcome.trapped),
            np.zeros(n) if outcome.impact_time_min is None else np.asarray(outcome.impact_time_min, float),
            as_int(outcome.outdoors), until(outcome.outdoors_until_min), as_int(outcome.no_lifelines),
            until(outcome.lifelines_until_min)))
    return impact, outcome


def build_world(scenario, *, seed: int | None = None, base_dir: Path | str = ".") -> World:
    """The world of one run of ``scenario`` (``seed`` overrides the scenario's)."""
    from sim.routing import Router
    from sim.scenarios.interventions import apply_interventions

    if scenario.interventions:
        scenario = apply_interventions(scenario)
    seed = scenario.seed if seed is None else int(seed)
    region = load_region(scenario.region, base_dir)
    graph = region.graph.copy()
    # Trees from every depot and team base stay cached while the roads hold.
    router = Router(graph, max_cached_trees=len(scenario.depots) + len(scenario.teams) + 16)
    places = resolve_places(scenario, graph, region.zones["zone_id"].to_numpy(),
                            region.zones["township"].to_numpy() if "township" in region.zones else None)
    env = simpy.Environment()
    log = EventLog()
    cv = scenario.policy.travel_time_cv
    traffic = Traffic(env, router, log, leg_factor=TravelTimeVariation(seed, cv) if cv > 0 else None)
    zt = region.zones
    zones = [Zone(str(r.zone_id), i, int(r.node), str(r.township), int(r.population), float(r.vulnerable_share),
                  log, float(r.lon), float(r.lat))
             for i, r in enumerate(zt.itertuples(index=False))]
    impact, outcome = _impact(scenario, graph, zt, seed)
    needs = build_needs(scenario, impact, zt, ITEMS)
    needs.tent_people = scenario.needs.tent_people
    first_batch = FirstBatchRule.of(scenario)
    for z in zones:
        z.first_batch = first_batch
        if impact.affected[z.index] > 0:
            z.hit(impact.affected[z.index], impact.displaced[z.index], impact.trapped[z.index],
                  impact.time_min[z.index], needs.zone(z.index))
    depots = [Depot(env, spec, places[spec.id].node, log) for spec in scenario.depots]
    for depot in depots:
        depot.first_batch = first_batch
    teams = [Team(spec, places[spec.id].node, traffic) for spec in scenario.teams]
    work = WorkAssigner(env, teams, graph, scenario.command.order_delay)
    command = Command(env, scenario, zones, depots, teams, router, log, stream(seed, "reporting"), work, needs,
                      service_areas(depots, zt, graph))
    trucks = [Truck(f"{d.depot_id}/truck-{k + 1:02d}", d, d.spec.trucks.payload_kg, traffic, command)
              for d in depots for k in range(d.spec.trucks.count)]
    shelters = [Shelter(spec, places[spec.id].node, float(graph.lon[places[spec.id].node]),
                        float(graph.lat[places[spec.id].node]), scenario.needs.shelter_m2)
                for spec in scenario.shelters]
    outages = plan_outages(scenario, graph, zt, zones, depots, shelters, teams, seed,
                           comms_down=outcome.comms_down if outcome is not None else None)
    command.comms = work.comms = outages.comms
    world = World(env=env, scenario=scenario, seed=seed, graph=graph, router=router, traffic=traffic,
                  zone_table=zt, zones=zones, depots=depots, trucks=trucks, shelters=shelters, teams=teams,
                  command=command, work=work, log=log, places=places,
                  road_layers=RoadLayers(env, graph, traffic, log), outages=outages, needs=needs,
                  rescue=RescueLedger(trapped=int(sum(z.trapped for z in zones))),
                  reachability=Reachability(graph, depots, zones),
                  district=region.district, hazard=outcome,
                  hazard_figures=dict(outcome.figures) if outcome is not None else {}, base_dir=Path(base_dir))
    world.rescue_coordinator = _rescue_coordinator(world)
    world.warnings.extend(_reachability_warnings(world))
    world.reserves_outside_affected_area = _outside_affected_area(world, own_area=True)
    world.warnings.extend(water_outage_warnings(scenario, impact, zt))
    world.aid_requests = _aid_requests(world)
    world.last_mile = command.last_mile = build_last_mile(env, scenario, graph, depots, world.reachability,
                                                          command.unit_kg, log)
    if world.last_mile is not None:
        world.last_mile.start(command)
        base = world.last_mile.base_index
        if base is not None and depots[base].tier in LOCAL_TIERS:
            world.warnings.append(f"the helicopters are based at {depots[base].depot_id}, a township or community "
                                  "reserve: they fly only to cut-off zones of its own area")
    world.warnings.extend(schedule_inbound(env, scenario, depots, log, float(scenario.duration)))
    return world


def _aid_requests(world: World) -> list[AidRequest]:
    """Neighbours' requests of the scenario, handed to command."""
    from sim.scenarios.checks import aid_depot_id

    index = {d.depot_id: k for k, d in enumerate(world.depots)}
    out = []
    for k, spec in enumerate(world.scenario.mutual_aid.requests):
        depot = index[aid_depot_id(world.scenario, spec.depot, inbound=False)]
        request = AidRequest(k, spec, world.places[aid_exit_key(k)].node, depot, ITEMS, world.log)
        world.command.add_aid_request(request)
        out.append(request)
    return out


def _rescue_coordinator(world: World) -> RescueCoordinator:
    """Rescue crews fetch their next zone from the coordinator (:mod:`sim.dispatch.rescue`)."""
    hazard = world.scenario.hazard
    graph, zones = world.graph, world.zones
    if graph.has_coordinates:
        proj = LocalProjection.around(graph.lon, graph.lat)
        zx, zy = proj.to_xy_m(graph.lon[[z.node for z in zones]], graph.lat[[z.node for z in zones]])
        zone_xy = np.column_stack([zx, zy]) / 1e3

        node_km: dict[int, tuple[float, float]] = {}

        def node_xy(node: int):
            xy = node_km.get(node)
            if xy is None:
                x, y = proj.to_xy_m(graph.lon[node], graph.lat[node])
                xy = node_km[node] = (float(x) / 1e3, float(y) / 1e3)
            return xy
    else:
        zone_xy = np.zeros((len(zones), 2))

        def node_xy(node: int):
            return 0.0, 0.0
    coordinator = RescueCoordinator(world.env, zones, zone_xy, node_xy,
                                    lambda z: stream(world.seed, "rescue", z), world.rescue, world.log,
                                    float(getattr(hazard, "rescue_crew_time", 120.0)),
                                    int(getattr(hazard, "max_crews_per_site", 4)))
    for team in world.teams:
        if team.kind in RESCUE_KINDS:
            team.fetch_work_from(lambda t, node: coordinator.next_task(t, node, world.work.next_seq(),
                                                                       world.traffic.can_reach),
                                 coordinator.work_signal)
    return coordinator


def _outside_affected_area(world: World, *, own_area: bool) -> list[str]:
    """Ids of the depots whose service area holds no affected zone (none when no zone is
    affected): with ``own_area``, the township and community reserves among them that have zones
    of their own to serve; without, the others."""
    affected = [z.index for z in world.zones if z.is_affected]
    if not affected:
        return []
    serves = world.command.planner.serves
    return [d.depot_id for d, area in zip(world.depots, serves) if not area[affected].any()
            and (d.spec.tier in LOCAL_TIERS and bool(area.any())) == own_area]


def _reachability_warnings(world: World) -> list[str]:
    """Depots and shelters the road network leaves unconnected before the disaster
    (which zones the run cuts off is :class:`~sim.world.reachability.Reachability`'s)."""
    warnings = []
    depot_nodes = np.array([d.node for d in world.depots])
    affected = [z for z in world.zones if z.is_affected]
    if affected and not any(d.spec.trucks.count > 0 for d in world.depots):
        warnings.append("no depot has a truck: no supplies reach the affected zones by road, whatever the roads "
                        "(give depots[].trucks.count)")
    unserved = [z for z in affected if not world.command.planner.serves[:, z.index].any()]
    if unserved:
        shown = ", ".join(z.zone_id for z in unserved[:5]) + (f" and {len(unserved) - 5} more"
                                                              if len(unserved) > 5 else "")
        warnings.append(f"{len(unserved)} affected zone(s) lie in no depot's service area, so nothing is sent "
                        f"there: {shown} (add a district or city depot, or a reserve serving them)")
    if affected:
        # A township or community reserve whose zones the disaster did not reach takes no part, as
        # planned (World.reserves_outside_affected_area); a district or city depot whose service area
        # holds no affected zone, or a reserve whose area holds no zone at all, is worth a warning.
        idle = _outside_affected_area(world, own_area=False)
        if idle:
            shown = ", ".join(idle[:8]) + (f" and {len(idle) - 8} more" if len(idle) > 8 else "")
            warnings.append(f"{len(idle)} depot(s) serve no affected zone (their service areas hold none), so their "
                            f"stock and trucks take no part in the response: {shown} (a reserve serves its own area "
                            "only; to use one, move it or widen its serves)")
        zone_nodes = np.array([z.node for z in affected])
        t = world.router.table(depot_nodes, zone_nodes)
        for d, row in zip(world.depots, t):
            if not np.isfinite(row).any():
                warnings.append(f"depot {d.depot_id} cannot reach any affected zone, even before the disaster")
        # One-way streets into a zone with no way out: a truck sent there could not come back.
        back = np.isfinite(world.router.table(zone_nodes, depot_nodes)).any(axis=1)
        trapped = [z.zone_id for z, there, out in zip(affected, np.isfinite(t).any(axis=0), back) if there and not out]
        if trapped:
            shown = ", ".join(trapped[:5]) + (f" and {len(trapped) - 5} more" if len(trapped) > 5 else "")
            warnings.append(f"{len(trapped)} affected zone(s) can be driven to but not back from to any depot "
                            f"(one-way streets), even before the disaster, so no truck is sent there: {shown}")
    if world.shelters:
        t = world.router.table(depot_nodes, np.array([s.node for s in world.shelters]))
        for s, col in zip(world.shelters, t.T):
            if not np.isfinite(col).any():
                warnings.append(f"shelter {s.shelter_id} cannot be reached from any depot, even before the disaster")
    return warnings
