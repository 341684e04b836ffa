"""Run a world in SimPy for the scenario's duration.

:func:`run` builds the world (:func:`sim.world.world.build_world`), starts the
depots' reserves, schedules the hazard's changes and work
(:mod:`sim.engine.hazard_schedule`) and the outage windows
(:mod:`sim.engine.outages`), sends the displaced to shelters, starts the command
centre and runs SimPy until the scenario's duration. The result is a
:class:`Run`: the world in its final state, its event log, and how long the
run took — and, when the scenario has neighbours' mutual-aid requests, the
same scenario and seed run without them (common random numbers), to tell
what sending them cost the region's own targets. KPIs are computed from it by :mod:`sim.analysis`.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import simpy

from sim.agents.shelter import evacuate
from sim.engine.hazard_schedule import apply_outcome
from sim.engine.outages import schedule_outages
from sim.world.world import World, build_world

__all__ = ["Run", "run"]


@dataclass
class Run:
    """A finished run: the world in its final state and how long it took."""

    world: World
    wall_s: float
    simpy_events: int
    simulate_s: float = 0.0
    #: The same scenario and seed without neighbours' requests (only when it has any):
    #: what sending them cost the region's own targets.
    without_requests: "Run | None" = None

    @property
    def scenario(self):
        return self.world.scenario

    @property
    def seed(self) -> int:
        return self.world.seed

    def events_frame(self):
        return self.world.log.to_frame()


def run(scenario, *, seed: int | None = None, base_dir: Path | str = ".", progress: bool = False) -> Run:
    """Run ``scenario`` once and return the finished :class:`Run`."""
    started = time.perf_counter()
    original = scenario
    world = build_world(scenario, seed=seed, base_dir=base_dir)
    env, scenario = world.env, world.scenario
    for d in world.depots:
        d.start_reserves(scenario.duration)
    if world.hazard is not None:
        apply_outcome(world, world.hazard)
    schedule_outages(world)
    comms = world.outages.comms
    evacuate(env, world.zones, world.shelters, scenario.command.warning_delay, world.log,
             comms.warning_arrival if comms is not None else None)
    # Displaced people no public shelter has room for need relief tents in their zone.
    world.needs.tents_for[:] = np.ceil(np.array([z.unsheltered_final for z in world.zones], dtype=float)
                                       / world.needs.tent_people)
    world.command.start()
    env.process(_watch_reachability(world))
    simulating = time.perf_counter()
    _run_until(env, scenario.duration, progress)
    done = time.perf_counter()
    without = None
    if world.aid_requests:
        plain = original.model_copy(update={"mutual_aid": original.mutual_aid.model_copy(update={"requests": []})})
        without = run(plain, seed=world.seed, base_dir=base_dir)
    return Run(world=world, wall_s=done - started, simpy_events=_scheduled_events(env),
               simulate_s=done - simulating, without_requests=without)


def _watch_reachability(world):
    """Check which zones are cut off once the hazard has struck, then on road
    changes, and tell command (idle trucks look again; cut-off zones it knows
    of get their lanes cleared)."""
    env = world.env
    yield env.timeout(0)
    world.reachability.check(env.now)
    world.command.roads_changed(world.reachability.cut_off_zone_indices())
    while True:
        yield world.traffic.roads_changed
        world.reachability.roads_changed(env.now)
        world.command.roads_changed(world.reachability.cut_off_zone_indices())


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
