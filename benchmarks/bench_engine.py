"""Engine benchmark: wall time and event rate of one scenario run.

Runs a scenario (default: the default scenario) and a bare SimPy timeout loop
in the same process, and prints the run's wall time, the simulated events
(events SimPy scheduled), events per second of the simulation phase, and the
ratio of that rate to the bare loop's. ``--json OUT`` writes
``{"scenario", "wall_s", "build_s", "simulate_s", "events", "events_per_s",
"bare_simpy_events_per_s", "ratio", "skeleton_events_per_s", "skeleton_ratio", ...}``.
The skeleton is the engine's process structure (trucks, a priority trip
store, loading bays, timeouts) without any model work: its ratio to the bare
loop is the ceiling the engine's ratio can approach.

Usage: python benchmarks/bench_engine.py [SCENARIO] [--repeats N] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.engine.simulation import run  # noqa: E402
from sim.scenarios import DEFAULT_SCENARIO, builtin_scenario_path, load_scenario  # noqa: E402


def bare_simpy_rate(n_processes: int = 100, steps: int = 2_000) -> float:
    """Events per second of processes that only yield timeouts."""
    env = simpy.Environment()

    def ticker(env, k):
        for _ in range(steps):
            yield env.timeout(1.0 + (k % 7) * 0.1)

    for k in range(n_processes):
        env.process(ticker(env, k))
    t = time.perf_counter()
    env.run()
    wall = time.perf_counter() - t
    return next(env._eid) / wall


def skeleton_rate(n_trucks: int = 40, n_trips: int = 20_000) -> float:
    """Events per second of the engine's process structure with no model work:
    trucks taking trips from a priority store at a loading bay, loading,
    driving and unloading as bare timeouts. The ceiling of the engine's rate."""
    env = simpy.Environment()
    bays = simpy.Resource(env, capacity=4)
    trips = simpy.PriorityStore(env)

    def drive(minutes):
        yield env.timeout(minutes)

    def truck():
        while True:
            with bays.request() as bay:
                yield bay
                yield trips.get()
                yield env.timeout(20.0)
            yield env.process(drive(15.0))
            yield env.timeout(15.0)
            yield env.process(drive(15.0))

    def orders():
        for i in range(n_trips):
            yield trips.put(simpy.PriorityItem((i,), i))
            yield env.timeout(0.5)

    for _ in range(n_trucks):
        env.process(truck())
    env.process(orders())
    t = time.perf_counter()
    env.run(until=n_trips * 0.5 + 1_000)
    return next(env._eid) / (time.perf_counter() - t)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", help="scenario file or built-in name")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args(argv)
    name = args.scenario or DEFAULT_SCENARIO
    path = Path(name) if Path(name).exists() else builtin_scenario_path(name)
    scenario = load_scenario(path)
    first = run(scenario, base_dir=path.parent)  # warm caches (numba, district) once
    runs = [run(scenario, base_dir=path.parent) for _ in range(args.repeats)]
    wall = statistics.median(r.wall_s for r in runs)
    sim_s = statistics.median(r.simulate_s for r in runs)
    build_s = statistics.median(r.wall_s - r.simulate_s for r in runs)
    events = runs[0].simpy_events
    rate = events / sim_s if sim_s > 0 else float("inf")
    bare = statistics.median(bare_simpy_rate() for _ in range(3))
    skeleton = statistics.median(skeleton_rate() for _ in range(3))
    result = {"scenario": scenario.name, "wall_s": round(wall, 3), "first_run_wall_s": round(first.wall_s, 3),
              "build_s": round(build_s, 3), "simulate_s": round(sim_s, 3), "events": events,
              "events_per_s": round(rate), "bare_simpy_events_per_s": round(bare), "ratio": round(rate / bare, 3),
              "skeleton_events_per_s": round(skeleton), "skeleton_ratio": round(skeleton / bare, 3),
              "cores": os.cpu_count(), "repeats": args.repeats}
    print(f"scenario       {result['scenario']}")
    print(f"wall           {wall:.2f} s (first run {first.wall_s:.2f} s; build {build_s:.2f} s, "
          f"simulate {sim_s:.2f} s)")
    print(f"events         {events:,} SimPy events, {rate:,.0f} per second of simulation")
    print(f"bare SimPy     {bare:,.0f} events per second")
    print(f"ratio          {result['ratio']:.3f} of bare SimPy's event rate")
    print(f"skeleton       {skeleton:,.0f} events per second ({result['skeleton_ratio']:.2f} of bare): the engine's "
          "process structure with no model work, the ceiling for the ratio")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
