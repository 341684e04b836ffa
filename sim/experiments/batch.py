"""Batches: many replications of a scenario and its variants, resumable on disk.

An exercise designer runs a scenario 100 times, or sweeps it
(:mod:`sim.experiments.sweep`), and reads the spread of the KPIs. Replication *i* of
every variant runs with ``replication_seed(scenario.seed, i)``: common random
numbers, so variants differ only by what the sweep changed, and the seeds do
not depend on how many replications are run.

Every finished replication is one row in its own Parquet file, written under
a temporary name and renamed when complete (layout in :mod:`sim.experiments.results`).
So an interrupted batch (Ctrl-C, a killed process, a lost machine) loses at
most the replications that were running; ``--resume`` runs only the missing
ones and gives exactly the rows an uninterrupted batch gives. On resume:

* a replication counts as done only if its file (at its exact name) reads
  back as a complete row of the same variant, replication and seed with
  ``status="ok"``: temporary files, damaged files, files under other names
  (copies) and failed replications are run again;
* ``batch.json`` must describe the same scenario (SHA-256 of its canonical
  JSON) and the same variants, or the folder is refused.

Without ``--resume`` a folder holding any part of a batch is refused, so
rows of another scenario are never taken for this one's
(:mod:`sim.experiments.batch_folder`). The folder is locked while a batch
writes into it (:class:`~sim.files.FolderLock`): a second batch (or
``--resume``) into it refuses at once instead of removing the first one's
temporary files.

Sizes are bounded up front: at most :data:`MAX_REPLICATIONS` replications,
:data:`~sim.experiments.sweep.MAX_VARIANTS` variants and
:data:`MAX_BATCH_RUNS` runs in all, and :data:`MAX_WORKERS_PER_CPU` local
workers per CPU.

At the end, ``results.parquet`` is built by streaming the per-replication
files (in batches of rows, so memory stays flat), sorted by variant in sweep
order and replication, and ``batch.json`` records the run.
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.experiments.executors import (
    BatchAborted,
    connect_dask,
    dask_workers,
    default_workers,
    iter_dask,
    iter_in_process,
    iter_processes,
)
from sim.experiments.batch_folder import check_folder, remove_temporaries, replications_beyond
from sim.experiments.batch_identity import batch_identity, code_text, code_version, per_region
from sim.experiments.results import (
    BATCH_FILE,
    IDENTITY_COLUMNS,
    RESULTS_FILE,
    replication_path,
)
from sim.experiments.sweep import (
    Variant,
    parse_sweep,
    sweep_variants,
)
from sim.files import FolderLock, Refused, atomic_write, make_folder
from sim.world.streams import replication_seed

__all__ = ["run_batch", "BatchResult", "Variant", "BatchAborted", "row_table", "format_failures",
           "code_version", "MAX_REPLICATIONS", "MAX_BATCH_RUNS", "MAX_WORKERS_PER_CPU"]

#: Replications per variant: confidence intervals narrow as 1/sqrt(n), so
#: 10,000 is far past any use, and a run of the default scenario takes seconds.
MAX_REPLICATIONS = 10_000
#: Runs of one batch (variants × replications): one file each in runs/.
MAX_BATCH_RUNS = 100_000
#: Local worker processes per CPU: each holds its own copy of the road graph.
MAX_WORKERS_PER_CPU = 2

#: Rows per write when results.parquet is assembled.
_ASSEMBLE_ROWS = 256
_IDENTITY_TYPES = {"variant": pa.string(), "variant_values": pa.string(), "replication": pa.int64(),
                   "seed": pa.int64(), "status": pa.string(), "error": pa.string(), "wall_s": pa.float64()}


@dataclass
class BatchResult:
    """What a finished batch did and where its results are."""

    out_dir: Path
    variants: list[Variant]
    replications: int
    seeds: list[int]
    already_done: int
    ran: int
    failed: list[dict] = field(default_factory=list)
    wall_s: float = 0.0
    executor: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def results_path(self) -> Path:
        return self.out_dir / RESULTS_FILE

    @property
    def total(self) -> int:
        return len(self.variants) * self.replications


# ------------------------------------------------------------ rows and files
def row_table(row: dict) -> pa.Table:
    """A one-row Arrow table of ``row``: identity columns typed, KPIs float64, curves list<float64>."""
    fields, arrays = [], []
    for name in IDENTITY_COLUMNS:
        fields.append(pa.field(name, _IDENTITY_TYPES[name]))
        arrays.append(pa.array([row.get(name)], type=_IDENTITY_TYPES[name]))
    for name, value in row.items():
        if name in _IDENTITY_TYPES:
            continue
        if isinstance(value, (list, tuple)):
            kind = pa.list_(pa.float64())
        else:
            kind = pa.float64()
            value = math.nan if value is None else float(value)
        fields.append(pa.field(name, kind))
        arrays.append(pa.array([value], type=kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _write_row(path: Path, row: dict) -> None:
    with atomic_write(path) as tmp:
        pq.write_table(row_table(row), tmp)


def _is_done(path: Path, variant: Variant, replication: int, seed: int) -> bool:
    if not path.is_file():
        return False
    try:
        t = pq.read_table(path, columns=["variant", "replication", "seed", "status"]).to_pylist()
    except Exception:  # noqa: BLE001 - damaged or partial: run it again
        return False
    return len(t) == 1 and t[0] == {"variant": variant.name, "replication": replication, "seed": seed,
                                    "status": "ok"}


def _assemble(out_dir: Path, files: list[Path]) -> None:
    """Stream ``files`` (one row each, in order) into ``results.parquet`` with one unified schema."""
    fields: dict[str, pa.Field] = {name: pa.field(name, kind) for name, kind in _IDENTITY_TYPES.items()}
    for file in files:
        for f in pq.read_schema(file):
            fields.setdefault(f.name, f)
    schema = pa.schema(list(fields.values()))

    def conform(table: pa.Table) -> pa.Table:
        columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
                   else pa.nulls(table.num_rows, type=f.type) for f in schema]
        return pa.Table.from_arrays(columns, schema=schema)

    with atomic_write(out_dir / RESULTS_FILE) as tmp:
        with pq.ParquetWriter(tmp, schema) as writer:
            for start in range(0, len(files), _ASSEMBLE_ROWS):
                chunk = [conform(pq.read_table(f)) for f in files[start:start + _ASSEMBLE_ROWS]]
                writer.write_table(pa.concat_tables(chunk))
            if not files:
                writer.write_table(schema.empty_table())


# ------------------------------------------------------------ batch.json
def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _write_batch_json(out_dir: Path, doc: dict) -> None:
    with atomic_write(out_dir / BATCH_FILE) as tmp:
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")


# ------------------------------------------------------------ the batch
def run_batch(scenario, *, replications: int = 20, sweep=(), variants: list[Variant] | None = None,
              out_dir: Path | str, workers: int | None = None, scheduler: str | None = None,
              resume: bool = False, base_dir: Path | str = ".", scenario_file: str | None = None,
              progress: bool = False) -> BatchResult:
    """Run ``replications`` of every variant of ``scenario`` into ``out_dir``.

    Parameters
    ----------
    scenario
        The validated base scenario; its ``seed`` gives the replication seeds.
    sweep
        ``PATH=V1,V2,...`` strings or :class:`~sim.experiments.sweep.SweepAxis`; their
        cartesian product are the variants (:func:`sim.experiments.sweep.sweep_variants`).
    variants
        Instead of ``sweep``: the variants to run (as :mod:`sim.experiments.compare` does).
    workers
        Local worker processes (default: the machine's CPUs); ``1`` runs in
        this process.
    scheduler
        ``tcp://HOST:PORT`` of a Dask scheduler: run on its workers instead.
    resume
        Continue the batch in ``out_dir``: run only what is missing.

    Raises
    ------
    InputError
        Bad sweep, folder of another batch, unreachable scheduler.
    BatchAborted
        A worker died; the finished replications are kept.
    """
    _check_sizes(replications, workers)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: is a file, not a folder; choose another --out")
    axes = [parse_sweep(s) if isinstance(s, str) else s for s in sweep]
    if variants is None:
        variants = sweep_variants(scenario, axes, base_dir)
    if len({v.name for v in variants}) != len(variants):
        raise ValueError(f"variant names must be unique: {[v.name for v in variants]}")
    if len(variants) * replications > MAX_BATCH_RUNS:
        raise InputError(f"{len(variants):,} variants x {replications:,} replications = "
                         f"{len(variants) * replications:,} runs; at most {MAX_BATCH_RUNS:,} runs in one batch: "
                         "each run is one file in the results folder")
    _check_worlds(variants)
    seeds = [replication_seed(scenario.seed, i) for i in range(replications)]
    identity = batch_identity(scenario, variants, axes)
    try:
        make_folder(out_dir, "--out folder")
        with FolderLock(out_dir, "batch"):
            return _run_locked(scenario, replications, variants, axes, seeds, identity, out_dir, workers,
                               scheduler, resume, scenario_file, progress)
    except Refused as refused:
        raise InputError(str(refused)) from None


def _check_worlds(variants: list[Variant]) -> None:
    """Refuse what ``sim run`` refuses about a variant's world — a place off the road graph
    or farther than the snap limit, a bridge, zone or township its region does not have —
    before any replication runs or the folder is made (else every replication fails alike
    and the batch reads as failed runs). With several variants each line names its own."""
    from sim.network.sources import load_region
    from sim.scenarios.loader import locate_problems
    from sim.world.places import world_findings

    regions = per_region(variants, lambda v: load_region(v.scenario.region, v.base_dir))
    problems = []
    for v, region in zip(variants, regions):
        findings = world_findings(v.scenario, v.base_dir, region)
        if findings:
            located = locate_problems(v.scenario, findings).problems
            problems += located if len(variants) == 1 else [_in_variant(p, v.name) for p in located]
    if problems:
        raise InputError(list(dict.fromkeys(problems)))


def _in_variant(problem, name: str):
    suffix = f" (variant {name})"
    return replace(problem, message=problem.message + suffix) if hasattr(problem, "message") else problem + suffix


def _check_sizes(replications: int, workers: int | None) -> None:
    if not isinstance(replications, int) or isinstance(replications, bool) or replications < 1:
        raise InputError(f"--replications: replications must be 1 or more, got {replications!r}")
    if replications > MAX_REPLICATIONS:
        raise InputError(f"--replications {replications:,}: at most {MAX_REPLICATIONS:,} replications per "
                         "variant: intervals narrow as 1/sqrt(n), and each replication is a whole run")
    if workers is not None:
        most = MAX_WORKERS_PER_CPU * default_workers()
        if workers < 1:
            raise InputError(f"--workers must be 1 or more, got {workers}")
        if workers > most:
            raise InputError(f"--workers {workers:,}: at most {most} on this machine ({MAX_WORKERS_PER_CPU} per "
                             "CPU): each worker is a process with its own copy of the road graph")


def _run_locked(scenario, replications, variants, axes, seeds, identity, out_dir, workers, scheduler, resume,
                scenario_file, progress) -> BatchResult:
    previous = check_folder(out_dir, identity, resume)
    remove_temporaries(out_dir)

    started, clock = _now(), time.perf_counter()
    expected = [(vi, rep, seeds[rep]) for vi in range(len(variants)) for rep in range(replications)]
    todo = [t for t in expected if not _is_done(replication_path(out_dir, t[0], t[1]), variants[t[0]], t[1], t[2])]
    already_done = len(expected) - len(todo)

    client = connect_dask(scheduler) if scheduler and todo else None
    try:
        if client is not None:
            executor = {"kind": "dask", "scheduler": scheduler, "workers": dask_workers(client)}
            rows = iter_dask(variants, todo, client)
        else:
            n = min(workers or default_workers(), max(1, len(todo)))
            executor = {"kind": "in-process" if n == 1 else "processes", "workers": n}
            rows = iter_in_process(variants, todo) if n == 1 else iter_processes(variants, todo, n)
        code = code_version()
        warnings = []
        if previous and isinstance(previous.get("code"), dict) and previous["code"] != code:
            warnings.append(f"resuming a batch started with other code ({code_text(previous['code'])}; now "
                            f"{code_text(code)}): its rows may differ from a batch run with one version")
        beyond = replications_beyond(out_dir, len(variants), replications)
        if beyond:
            warnings.append(f"the folder keeps {len(beyond):,} run(s) of replications past the {replications:,} "
                            f"asked for (up to --replications {max(beyond) + 1:,}); the results hold the first "
                            f"{replications:,} only: resume with --replications {max(beyond) + 1:,} to include them")
        doc = {**identity, "scenario_file": scenario_file, "seed": scenario.seed, "replications": replications,
               "seeds": seeds, "code": code, "executor": executor, "started": started,
               "finished": None, "wall_s": None,
               "first_started": (previous or {}).get("first_started") or started,
               "curve_step_h": _curve_step_h(), "targets": _targets_h(scenario),
               "variant_targets": _variant_targets_h(scenario, variants), "warnings": warnings}
        _write_batch_json(out_dir, doc)
        index_of = {v.name: i for i, v in enumerate(variants)}
        ran = 0
        bar = _progress_bar(len(todo), progress)
        try:
            for row in rows:
                _write_row(replication_path(out_dir, index_of[row["variant"]], row["replication"]), row)
                ran += 1
                bar.update(1)
        finally:
            bar.close()
    finally:
        if client is not None:
            client.close()

    files = [replication_path(out_dir, vi, rep) for vi, rep, _ in expected]
    failed = _failures(files)
    _assemble(out_dir, files)
    wall = time.perf_counter() - clock
    doc.update(finished=_now(), wall_s=round(wall, 3),
               rows={"ok": len(expected) - len(failed), "error": len(failed)}, failed=failed,
               already_done=already_done, ran=ran)
    _write_batch_json(out_dir, doc)
    return BatchResult(out_dir=out_dir, variants=variants, replications=replications, seeds=seeds,
                       already_done=already_done, ran=ran, failed=failed, wall_s=wall, executor=executor,
                       warnings=warnings)


def _curve_step_h() -> float:
    from sim.analysis.curves import CURVE_STEP_H

    return CURVE_STEP_H


def _targets_h(scenario) -> dict:
    """The scenario's targets in hours, for the targets-met table of ``sim results``."""
    from sim.experiments.targets import targets_hours

    return targets_hours(scenario.targets)


def _variant_targets_h(scenario, variants) -> dict:
    """The targets (hours) of each variant whose targets differ from the scenario's (a sweep of
    ``targets``): each variant is judged by its own."""
    base = _targets_h(scenario)
    own = {v.name: _targets_h(v.scenario) for v in variants}
    return {name: hours for name, hours in own.items() if hours != base}


def _failures(files: list[Path]) -> list[dict]:
    failed = []
    for file in files:
        t = pq.read_table(file, columns=["variant", "replication", "seed", "status", "error"]).to_pylist()[0]
        if t["status"] != "ok":
            failed.append({k: t[k] for k in ("variant", "replication", "seed", "error")})
    return failed


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="rep", desc="replications", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True, smoothing=0.1)


def format_failures(result: BatchResult, scenario_arg: str) -> list[str]:
    """Lines naming each failed replication, its seed and the command that reruns it."""
    if not result.failed:
        return []
    lines = [f"{len(result.failed)} of {result.total} replications failed:"]
    several = len(result.variants) > 1
    for f in result.failed:
        where = f"variant {f['variant']}, " if several else ""
        lines.append(f"  {where}replication {f['replication']} (seed {f['seed']}): {f['error']}")
    lines.append("rerun one alone to see the full error:")
    for f in result.failed[:10]:
        note = f"   # variant {f['variant']}" if several else ""
        lines.append(f"  sim run {scenario_arg} --seed {f['seed']}{note}")
    if len(result.failed) > 10:
        lines.append(f"  … and {len(result.failed) - 10} more (seeds in {result.out_dir / BATCH_FILE})")
    return lines
