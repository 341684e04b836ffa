"""Engine benchmark: warm wall time of each shipped scenario and where it goes.

For each scenario (default: every shipped one) a first run warms the caches
(numba kernels, the built-in district, the routing hierarchy) and what the
process then holds is moved out of the garbage collector's reach, as a
batch's worker processes do after their first replication
(:func:`sim.experiments.executors.settle_heap`; a full collection otherwise
walks it, ~0.1 s, in whichever run it happens to fall); then ``--repeats``
warm runs, each followed by writing its outputs without plots or
``report.html`` (:func:`sim.report.outputs.write_outputs`), give the **warm
wall time** (median; run plus outputs). Further instrumented runs
split that time by the code it is spent in, timing the entry points of each
part (a call inside another part's call counts for the inner part only):

* ``planning`` — the command centre (:class:`sim.dispatch.command.Command`:
  ``next_tour`` and the helpers that build tours, eligibility, urgency,
  need bookkeeping, sending helpers);
* ``routing`` — :class:`sim.routing.Router` (trees, routes, customization);
* ``task_assignment`` — :class:`sim.dispatch.work.WorkAssigner` and
  :class:`sim.dispatch.rescue.RescueCoordinator`;
* ``needs`` — the needs model (:class:`sim.world.needs.NeedsTable`: what a
  zone needs when, whom a delivery relieves);
* ``outputs`` — :func:`sim.report.outputs.write_outputs` without plots;
* ``simpy_and_rest`` — everything else: SimPy's event loop, the agents'
  processes, building the world (outside routing).

Shares come from the instrumented runs (the timing wrappers add a few per
cent), the wall time from the plain ones, with the process's CPU time beside
it (on a machine shared with other work, the CPU time is close to what the
wall time would be on an idle one). Every wall time is also given as a ratio
to a fixed bare SimPy workload (100 processes × 2,000 timeouts) measured in
the same process, so figures from a loaded machine compare.

Usage: python benchmarks/bench_engine.py [SCENARIO ...] [--repeats N] [--json OUT]
"""
from __future__ import annotations

import argparse
import functools
import gc
import inspect
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.api import run  # noqa: E402
from sim.errors import InputError  # noqa: E402
from sim.experiments.executors import settle_heap  # noqa: E402
from sim.report.outputs import write_outputs  # noqa: E402
from sim.scenarios import BUILTIN_SCENARIOS, builtin_scenario_path, load_scenario  # noqa: E402

#: Warm wall-time targets on 2 cores, without plots (seconds).
TARGETS_S = {"m8_earthquake": 1.0, "extreme_rainfall": 0.7, "baseline_normal_traffic": 0.15}
#: Largest share of a warm M8 run spent planning.
PLANNING_SHARE_TARGET = 0.20
PARTS = ("planning", "routing", "task_assignment", "needs", "outputs", "simpy_and_rest")


def bare_simpy(n_processes: int = 100, steps: int = 2_000) -> tuple[float, int]:
    """Seconds and events of processes that only yield timeouts (the reference workload)."""
    env = simpy.Environment()

    def ticker(env, k):
        for _ in range(steps):
            yield env.timeout(1.0 + (k % 7) * 0.1)

    for k in range(n_processes):
        env.process(ticker(env, k))
    t = time.perf_counter()
    env.run()
    return time.perf_counter() - t, next(env._eid)


class Split:
    """Exclusive wall time per part: a timed call inside another timed call counts for the inner one."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list] = []          # [part, seconds spent in timed calls inside]
        self._undo: list[tuple] = []

    def timed(self, part: str, fn):
        stack, seconds = self._stack, self.seconds

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            stack.append([part, 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                _, inner = stack.pop()
                took = time.perf_counter() - started
                seconds[part] += took - inner
                if stack:
                    stack[-1][1] += took
        return wrapper

    def wrap_class(self, cls, part: str) -> None:
        """Time every plain method of ``cls`` (not generators: their bodies run as SimPy processes)."""
        for name, member in list(vars(cls).items()):
            if name.startswith("__") or not inspect.isfunction(member) or inspect.isgeneratorfunction(member):
                continue
            self._undo.append((cls, name, member))
            setattr(cls, name, self.timed(part, member))

    def restore(self) -> None:
        for cls, name, member in reversed(self._undo):
            setattr(cls, name, member)
        self._undo.clear()


def instrumented(split: Split):
    from sim.dispatch.command import Command
    from sim.dispatch.rescue import RescueCoordinator
    from sim.dispatch.work import WorkAssigner
    from sim.routing.router import Router
    from sim.world.needs import NeedsTable

    split.wrap_class(Command, "planning")
    split.wrap_class(Router, "routing")
    split.wrap_class(WorkAssigner, "task_assignment")
    split.wrap_class(RescueCoordinator, "task_assignment")
    split.wrap_class(NeedsTable, "needs")


def run_and_write(scenario, base_dir: Path, out: Path, split: Split | None = None) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds of this process, and the run."""
    started, cpu = time.perf_counter(), time.process_time()
    result = run(scenario, base_dir=base_dir)
    if split is not None:
        split.timed("outputs", write_outputs)(result, out, plots=False, report=False)
    else:
        write_outputs(result, out, plots=False, report=False)
    return time.perf_counter() - started, time.process_time() - cpu, result


def measure(name: str, repeats: int, tmp: Path) -> dict:
    path = builtin_scenario_path(name)
    scenario = load_scenario(path)
    out = tmp / name
    first_s, _, _ = run_and_write(scenario, path.parent, out)
    settle_heap()
    try:
        return _measure_warm(name, scenario, path, out, repeats, first_s)
    finally:
        gc.unfreeze()


def _measure_warm(name: str, scenario, path: Path, out: Path, repeats: int, first_s: float) -> dict:
    plain = [run_and_write(scenario, path.parent, out) for _ in range(repeats)]
    wall = statistics.median(s for s, _, _ in plain)
    cpu = statistics.median(c for _, c, _ in plain)
    result = plain[0][2]
    split = Split()
    instrumented(split)
    try:
        shares = []
        for _ in range(max(1, repeats // 2)):
            split.seconds.clear()
            total, _, _ = run_and_write(scenario, path.parent, out, split)
            timed = dict(split.seconds)
            timed["simpy_and_rest"] = max(total - sum(timed.values()), 0.0)
            shares.append({p: timed.get(p, 0.0) / total for p in PARTS})
    finally:
        split.restore()
    share = {p: statistics.median(s[p] for s in shares) for p in PARTS}
    return {"scenario": name, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "first_run_s": round(first_s, 3),
            "build_s": round(statistics.median(r.wall_s - r.simulate_s for _, _, r in plain), 3),
            "simpy_events": result.simpy_events,
            "split_share": {p: round(v, 4) for p, v in share.items()},
            "split_s": {p: round(v * wall, 3) for p, v in share.items()},
            "target_s": TARGETS_S.get(name)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", help="built-in scenario names (default: all)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args(argv)
    names = args.scenarios or list(BUILTIN_SCENARIOS)
    try:
        for name in names:
            builtin_scenario_path(name)
    except InputError as err:
        print("\n".join(err.lines), file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_engine_") as tmp:
        for name in names:
            rows.append(measure(name, args.repeats, Path(tmp)))
            ref_s, ref_events = statistics.median(bare_simpy() for _ in range(3))
            rows[-1]["bare_simpy_s"] = round(ref_s, 4)
            rows[-1]["wall_over_bare_simpy"] = round(rows[-1]["wall_s"] / ref_s, 2)
    print(f"{'scenario':<26}{'warm wall':>10}{'cpu':>8}{'/ bare':>8}{'target':>8}   "
          + "  ".join(f"{p:>15}" for p in PARTS))
    for r in rows:
        target = f"{r['target_s']:.2f}" if r["target_s"] else "–"
        parts = "  ".join(f"{r['split_s'][p]:>8.3f} {100 * r['split_share'][p]:>4.0f}%" for p in PARTS)
        print(f"{r['scenario']:<26}{r['wall_s']:>9.3f}s{r['cpu_s']:>7.3f}s{r['wall_over_bare_simpy']:>8.1f}"
              f"{target:>8}   {parts}")
    m8 = next((r for r in rows if r["scenario"] == "m8_earthquake"), None)
    if m8:
        print(f"planning share of a warm M8 run {100 * m8['split_share']['planning']:.0f} % "
              f"(target ≤ {100 * PLANNING_SHARE_TARGET:.0f} %)")
    print(f"bare SimPy reference: {ref_events:,} events; wall / bare = the run's wall time in reference workloads")
    if args.json:
        Path(args.json).write_text(json.dumps({"cores": os.cpu_count(), "repeats": args.repeats,
                                               "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
