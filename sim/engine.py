"""Build the world from a scenario and run it in SimPy.

Data flows one way: a validated :class:`~sim.scenarios.models.Scenario` →
:class:`World` (road graph with its own state, router, zones hit by the
impact or hazard, depots with trucks, shelters, teams, command) → a SimPy run
for the scenario's duration → :class:`Run` (final agent states and the event
log) → :mod:`sim.metrics`. Agents reach each other only through the world's
small interfaces: traffic (drive, road changes), depot queues, zone
deliveries, team task queues.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import simpy

from .agents.command import Command
from .agents.depot import Depot
from .agents.driving import Traffic
from .agents.shelter import Shelter, evacuate
from .agents.team import Team
from .agents.vehicle import Truck
from .agents.zone import Zone
from .events import EventLog
from .hazard_effects import RoadLayers, apply_outages, apply_outcome, depot_and_shelter_townships
from .impact import ZoneImpact, impact_from_spec
from .network.sources import load_region
from .places import resolve_places
from .rng import stream

__all__ = ["World", "Run", "build_world", "run"]


@dataclass
class World:
    """Everything a run simulates; built fresh for every run."""

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
    log: EventLog
    places: dict
    warnings: list[str] = field(default_factory=list)
    hazard_figures: dict = field(default_factory=dict)
    district: object | None = None
    hazard: object | None = None              # the HazardOutcome, if any
    road_layers: object | None = None
    comms: object | None = None
    rescue: dict = field(default_factory=dict)
    outage_timeline: list = field(default_factory=list)
    depot_townships: list = field(default_factory=list)
    shelter_townships: list = field(default_factory=list)


@dataclass
class Run:
    """A finished run: the world in its final state and how long it took."""

    world: World
    wall_s: float
    simpy_events: int
    simulate_s: float = 0.0

    @property
    def scenario(self):
        return self.world.scenario

    @property
    def seed(self) -> int:
        return self.world.seed

    def summary(self) -> dict:
        from .metrics import summarize

        return summarize(self)

    def zones_frame(self):
        from .metrics import zones_frame

        return zones_frame(self)

    def events_frame(self):
        return self.world.log.to_frame()


def _impact(scenario, graph, zone_table, seed: int):
    """People hit per zone: the ``impact`` section and the hazard model, merged."""
    from .hazards import hazard_outcome

    impact = ZoneImpact.none(len(zone_table))
    if scenario.impact is not None:
        impact = impact.merge(impact_from_spec(scenario.impact, zone_table, stream(seed, "impact")))
    outcome = hazard_outcome(scenario.hazard, graph, zone_table, stream(seed, "hazard"))
    if outcome is not None:
        n = len(zone_table)
        as_int = lambda a: np.zeros(n, dtype=np.int64) if a is None else np.round(a).astype(np.int64)  # noqa: E731
        impact = impact.merge(ZoneImpact(
            as_int(outcome.affected), as_int(outcome.displaced), as_int(outcome.trapped),
            np.zeros(n) if outcome.impact_time_min is None else np.asarray(outcome.impact_time_min, float)))
    return impact, outcome


def build_world(scenario, *, seed: int | None = None, base_dir: Path | str = ".") -> World:
    """The world of one run of ``scenario`` (``seed`` overrides the scenario's)."""
    from .routing import Router
    from .scenarios.interventions import apply_interventions

    if scenario.interventions:
        scenario = apply_interventions(scenario)
    seed = scenario.seed if seed is None else int(seed)
    region = load_region(scenario.region, base_dir)
    graph = region.graph.copy()
    # Trees from every depot and team base stay cached while the roads hold.
    router = Router(graph, max_cached_trees=len(scenario.depots) + len(scenario.teams) + 16)
    places = resolve_places(scenario, graph, region.zones["zone_id"].to_numpy())
    env = simpy.Environment()
    log = EventLog()
    traffic = Traffic(env, router, log)
    zt = region.zones
    zones = [Zone(str(r.zone_id), i, int(r.node), str(r.township), int(r.population), float(r.vulnerable_share),
                  log, float(r.lon), float(r.lat))
             for i, r in enumerate(zt.itertuples(index=False))]
    impact, outcome = _impact(scenario, graph, zt, seed)
    per_person = scenario.needs.per_person()
    for z in zones:
        if impact.affected[z.index] > 0:
            z.hit(impact.affected[z.index], impact.displaced[z.index], impact.trapped[z.index],
                  impact.time_min[z.index], per_person)
    depots = [Depot(env, spec, places[spec.id].node, log) for spec in scenario.depots]
    teams = [Team(spec, places[spec.id].node, traffic) for spec in scenario.teams]
    command = Command(env, scenario, zones, depots, teams, router, log, stream(seed, "reporting"))
    trucks = [Truck(f"{d.depot_id}/truck-{k + 1:02d}", d, d.spec.trucks.payload_kg, traffic, command.on_delivered)
              for d in depots for k in range(d.spec.trucks.count)]
    shelters = [Shelter(spec, places[spec.id].node, float(graph.lon[places[spec.id].node]),
                        float(graph.lat[places[spec.id].node]), scenario.needs.shelter_m2)
                for spec in scenario.shelters]
    world = World(env=env, scenario=scenario, seed=seed, graph=graph, router=router, traffic=traffic,
                  zone_table=zt, zones=zones, depots=depots, trucks=trucks, shelters=shelters, teams=teams,
                  command=command, log=log, places=places, district=region.district, hazard=outcome,
                  hazard_figures=dict(outcome.figures) if outcome is not None else {})
    world.road_layers = RoadLayers(world)
    if scenario.outages.power or any(w.area.townships for w in _windows(scenario.outages)):
        world.depot_townships, world.shelter_townships = depot_and_shelter_townships(world)
    world.warnings.extend(_reachability_warnings(world))
    return world


def _windows(outages):
    return [*outages.roads, *outages.power, *outages.comms, *outages.water]


def _reachability_warnings(world: World) -> list[str]:
    """Affected zones, shelters and depots that no depot can reach at the start."""
    warnings = []
    depot_nodes = np.array([d.node for d in world.depots])
    affected = [z for z in world.zones if z.is_affected]
    if affected:
        t = world.router.table(depot_nodes, np.array([z.node for z in affected]))
        cut_off = [z.zone_id for z, col in zip(affected, t.T) if not np.isfinite(col).any()]
        if cut_off:
            warnings.append(f"{len(cut_off)} affected zone(s) cannot be reached from any depot at the start: "
                            + ", ".join(cut_off[:10]) + (" …" if len(cut_off) > 10 else ""))
        for d, row in zip(world.depots, t):
            if not np.isfinite(row).any():
                warnings.append(f"depot {d.depot_id} cannot reach any affected zone")
    if world.shelters:
        t = world.router.table(depot_nodes, np.array([s.node for s in world.shelters]))
        for s, col in zip(world.shelters, t.T):
            if not np.isfinite(col).any():
                warnings.append(f"shelter {s.shelter_id} cannot be reached from any depot")
    return warnings


def run(scenario, *, seed: int | None = None, base_dir: Path | str = ".", progress: bool = False) -> Run:
    """Run ``scenario`` once and return the finished :class:`Run`."""
    started = time.perf_counter()
    world = build_world(scenario, seed=seed, base_dir=base_dir)
    env, scenario = world.env, world.scenario
    for d in world.depots:
        d.start_reserves(scenario.duration)
    if world.hazard is not None:
        apply_outcome(world, world.hazard)
    apply_outages(world)
    world.command.comms = world.comms
    evacuate(env, world.zones, world.shelters, scenario.command.warning_delay, world.log,
             world.comms.warning_factor if world.comms is not None else None)
    world.command.start()
    simulating = time.perf_counter()
    _run_until(env, scenario.duration, progress)
    done = time.perf_counter()
    return Run(world=world, wall_s=done - started, simpy_events=_scheduled_events(env),
               simulate_s=done - simulating)


def _run_until(env: simpy.Environment, until_min: float, progress: bool) -> None:
    if not progress:
        env.run(until=until_min)
        return
    from tqdm import tqdm

    step = 60.0
    with tqdm(total=round(until_min / 60, 1), unit="h", desc="simulated", file=sys.stderr,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} h [{elapsed}<{remaining}]") as bar:
        t = 0.0
        while t < until_min:
            t = min(t + step, until_min)
            env.run(until=t)
            bar.update(round(step / 60, 1) if t < until_min else bar.total - bar.n)


def _scheduled_events(env: simpy.Environment) -> int:
    """How many events SimPy scheduled in the run (its internal event id)."""
    counter = getattr(env, "_eid", None)
    if counter is None:
        return -1
    return int(next(counter))

