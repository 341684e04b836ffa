"""Batch throughput: replications of a scenario with 1 and with 2 worker processes.

Runs ``sim batch`` (:func:`sim.experiments.batch.run_batch`) twice into temporary folders:
first with 1 worker (in this process), then with 2 worker processes, and
reports

* ``one_worker_s``, ``two_workers_s`` — wall time of each whole batch (pool
  start-up, scenario loading, runs, Parquet files and ``results.parquet``);
* ``speedup`` — ``one_worker_s / two_workers_s`` (target ≥ 1.7 on 2 cores);
* ``overhead_per_replication_s`` — with 1 worker, batch wall time per
  replication minus the mean of the runs' own ``wall_s``: what the batch
  machinery adds to each run (target < 0.5 s);
* ``extrapolated_1000_two_workers_s`` — the 2-worker batch's time per
  replication times 1,000: how long an assessor waits for 1,000
  replications (target for the default M8 scenario: 10 minutes);
* ``peak_rss_mb`` — the largest resident memory of this process and of the
  worker processes.

The first run of each process builds the built-in district and loads numba's
cached kernels; both count, as they do for users. Both batches run the same
seeds, and the script checks that their rows are equal.

Usage::

    python benchmarks/bench_batch.py [SCENARIO] [--replications 200] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: 1,000 replications of the default scenario on 2 workers within 10 minutes.
THOUSAND_TARGET_S = 600.0


def timed_batch(scenario, path: Path, replications: int, workers: int, out: Path):
    from sim.experiments.batch import run_batch

    started = time.perf_counter()
    run_batch(scenario, replications=replications, out_dir=out, workers=workers, base_dir=path.parent,
              scenario_file=str(path))
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", help="scenario file (default: the default built-in scenario)")
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the figures to this JSON file")
    args = parser.parse_args(argv)

    import pandas as pd

    from sim.errors import InputError
    from sim.experiments.results import RESULTS_FILE, WALL_COLUMNS
    from sim.scenarios import builtin_scenario_path, load_scenario

    path = Path(args.scenario) if args.scenario else builtin_scenario_path()
    try:
        scenario = load_scenario(path)
    except InputError as err:
        print("\n".join(err.lines), file=sys.stderr)
        return 2
    n = args.replications
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        one = timed_batch(scenario, path, n, 1, Path(tmp) / "one")
        two = timed_batch(scenario, path, n, 2, Path(tmp) / "two")
        rows_one = pd.read_parquet(Path(tmp) / "one" / RESULTS_FILE)
        rows_two = pd.read_parquet(Path(tmp) / "two" / RESULTS_FILE)
    failed = int((rows_one["status"] != "ok").sum())
    same = rows_one.drop(columns=list(WALL_COLUMNS)).equals(rows_two.drop(columns=list(WALL_COLUMNS)))
    mean_run = float(rows_one["wall_s"].mean())
    thousand = two / n * 1000
    rss = {who: resource.getrusage(which).ru_maxrss / 1024
           for who, which in (("self", resource.RUSAGE_SELF), ("workers", resource.RUSAGE_CHILDREN))}
    result = {
        "replications": n,
        "one_worker_s": round(one, 3),
        "two_workers_s": round(two, 3),
        "speedup": round(one / two, 3),
        "overhead_per_replication_s": round(one / n - mean_run, 4),
        "mean_run_wall_s": round(mean_run, 4),
        "extrapolated_1000_two_workers_s": round(thousand, 1),
        "target_1000_two_workers_s": THOUSAND_TARGET_S,
        "peak_rss_mb": {who: round(mb, 1) for who, mb in rss.items()},
        "cpus": os.cpu_count(),
        "scenario": scenario.name,
        "rows_equal": same,
        "failed_replications": failed,
    }
    print(f"{scenario.name}: {n} replications")
    print(f"  1 worker   {one:8.1f} s   (mean run {mean_run:.2f} s, batch overhead "
          f"{result['overhead_per_replication_s']:.3f} s per replication; target < 0.5 s)")
    print(f"  2 workers  {two:8.1f} s   speed-up {result['speedup']:.2f}x (target >= 1.7x on 2 cores)")
    print(f"  1,000 replications on 2 workers: {thousand / 60:.1f} min extrapolated "
          f"(target for the default scenario <= {THOUSAND_TARGET_S / 60:.0f} min)")
    print(f"  peak memory: this process {rss['self']:.0f} MB, a worker at most {rss['workers']:.0f} MB")
    print(f"  rows of both batches equal: {same}" + (f"; {failed} replications failed" if failed else ""))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if same and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
