"""Where a batch's replications run: in this process, a local process pool, or Dask.

Every executor takes the batch's variants and its to-do list of
``(variant_index, replication, seed)`` tasks and yields one row per task
(:func:`run_replication`) as tasks finish, in whatever order they finish.
The caller writes each row to disk at once, so nothing accumulates in memory
however many replications a batch has; at most a few tasks per worker are
submitted ahead.

* **in-process** (``workers=1``): a plain loop; the built-in district is
  built once (it is cached per process).
* **local processes** (``workers=N``): a ``ProcessPoolExecutor`` of ``N``
  fresh (spawned) interpreters. Each worker receives the variants once, in
  its initializer, and reuses its cached district and numba's on-disk
  compiled kernels across replications; numba runs one thread per worker
  (the routing table is parallel in-process, but with a worker per core more
  threads only compete). Workers ignore Ctrl-C: the parent stops them, and
  finished rows are already on disk.
* **Dask** (``scheduler="tcp://HOST:PORT"``): the variants are scattered to
  every worker once, then one task per replication is submitted; each task
  returns its row to this process, which writes the files. So the workers
  need the same ``sim`` version and the scenario's input files (at the same
  path), but no access to the output folder. Rows equal a local run's: a
  row depends only on the scenario, the seed and the code.

In both local executors, after a process's first replication the objects it
keeps for the rest of the batch (the district, the routing hierarchy, the
compiled kernels, the modules) are moved out of the garbage collector's
reach (``gc.freeze``): a full collection then no longer walks them, which
took about 0.2 s of every M8 replication (0.06 s after). Objects are still
freed when nothing refers to them; the in-process loop gives the heap back
to the collector (``gc.unfreeze``) when it ends. Dask workers are left as
they are.

A replication that raises an ``Exception`` becomes a row with
``status="error"`` and the error's text; the other replications go on. A
worker that dies (killed, out of memory) stops the batch with
:class:`BatchAborted`: its finished rows are kept, and ``--resume`` runs the
rest.
"""
from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Iterable, Iterator

__all__ = ["run_replication", "iter_in_process", "iter_processes", "iter_dask", "connect_dask",
           "BatchAborted", "Task", "CONNECT_TIMEOUT_S", "default_workers", "settle_heap"]

#: ``(variant_index, replication, seed)``
Task = tuple[int, int, int]
#: How long to try reaching a Dask scheduler before giving up, s.
CONNECT_TIMEOUT_S = 5.0
#: How long to wait for a reachable scheduler to have a worker, s.
WORKER_WAIT_S = 60.0


_ADDRESS = re.compile(r"^(tcp|tls)://([^\s/:\[\]]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$")


class BatchAborted(RuntimeError):
    """The batch could not go on (a worker died); finished replications are kept."""


def default_workers() -> int:
    """Worker processes for a local batch: the machine's CPUs."""
    return max(1, os.cpu_count() or 1)


def _error_text(error: BaseException) -> str:
    from sim.errors import InputError

    if isinstance(error, InputError):
        return "; ".join(error.lines)
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def run_replication(variant, replication: int, seed: int) -> dict:
    """The row of one replication: identity, status, wall time, KPIs and curves.

    Never raises an ``Exception``: a failed run gives ``status="error"``.
    """
    from sim.analysis.curves import coverage_curves
    from sim.analysis.kpis import flatten_kpis
    from sim.analysis.metrics import summarize
    from sim.engine.simulation import run

    row = {"variant": variant.name, "variant_values": json.dumps(variant.values, ensure_ascii=False),
           "replication": int(replication), "seed": int(seed), "status": "ok", "error": None}
    started = time.perf_counter()
    try:
        result = run(variant.scenario, seed=seed, base_dir=variant.base_dir)
        kpis = flatten_kpis(summarize(result))
        curves = coverage_curves(result)
    except Exception as error:  # noqa: BLE001 - recorded in the row, the batch goes on
        row.update(status="error", error=_error_text(error), wall_s=time.perf_counter() - started)
        return row
    row["wall_s"] = float(result.wall_s)
    row.update(kpis)
    row.update(curves)
    return row


# ------------------------------------------------------------ in-process
def iter_in_process(variants, tasks: Iterable[Task]) -> Iterator[dict]:
    settled = False
    try:
        for variant_index, replication, seed in tasks:
            row = run_replication(variants[variant_index], replication, seed)
            if not settled:
                settle_heap()
                settled = True
            yield row
    finally:
        if settled:
            gc.unfreeze()


def settle_heap() -> None:
    """What the process holds after its first replication stays for the batch: out of the
    collector's reach (see the module docstring)."""
    gc.collect()
    gc.freeze()


# ------------------------------------------------------------ local processes
_WORKER_VARIANTS: list = []


def _one_thread_per_worker() -> None:
    """Routing tables are numba-parallel; with a worker per core, more threads only compete."""
    import numba

    numba.set_num_threads(1)


def _init_worker(variants) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C
    _one_thread_per_worker()
    _WORKER_VARIANTS[:] = variants


def _run_task(variant_index: int, replication: int, seed: int) -> dict:
    row = run_replication(_WORKER_VARIANTS[variant_index], replication, seed)
    if not gc.get_freeze_count():
        settle_heap()
    return row


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and terminate the workers (a running replication
    included). The workers are read before ``shutdown``, which forgets them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


def iter_processes(variants, tasks: Iterable[Task], workers: int) -> Iterator[dict]:
    """Rows of ``tasks`` run on a pool of ``workers`` spawned processes."""
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    todo = iter(tasks)
    window = 2 * workers
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(list(variants),))
    try:
        pending = set()

        def refill() -> None:
            while len(pending) < window:
                task = next(todo, None)
                if task is None:
                    return
                pending.add(pool.submit(_run_task, *task))

        with _sigint_ignored():   # workers spawned now ignore Ctrl-C from their first instruction
            refill()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    row = future.result()
                except BrokenProcessPool:
                    raise BatchAborted("a worker process died (killed, or out of memory?); the finished "
                                       "replications are saved: rerun with --resume") from None
                yield row
            refill()
    except BaseException:
        _stop(pool)
        raise
    else:
        pool.shutdown(wait=True)


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore SIGINT while worker processes are spawned, so they inherit the
    ignored disposition (Python installs no Ctrl-C handler in a process that
    starts with SIGINT ignored) and a Ctrl-C during their start-up cannot kill
    them; the parent's own handler is back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# ------------------------------------------------------------ Dask
def connect_dask(address: str, timeout_s: float = CONNECT_TIMEOUT_S):
    """A ``distributed.Client`` of the scheduler at ``address`` with at least one worker.

    Raises :class:`~sim.errors.InputError` (one line) if Dask is not
    installed, or the scheduler cannot be reached within ``timeout_s``.
    """
    from sim.errors import InputError

    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs Dask distributed: pip install 'sim-dispatch[dist]'") from None
    if not _ADDRESS.match(address):
        raise InputError(f"scheduler address {address!r}: write it as tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)")
    try:
        client = Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        reason = "" if "timed out" in text.lower() else f" ({text})"
        raise InputError(f"cannot reach the Dask scheduler at {address} within {timeout_s:g} s{reason}; "
                         "check the address, or start one with 'dask scheduler'") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except (TimeoutError, OSError):
        client.close()
        raise InputError(f"the Dask scheduler at {address} has no workers (waited {WORKER_WAIT_S:g} s); "
                         "start some with 'dask worker " + address + "'") from None
    return client


def _dask_task(variant, replication: int, seed: int) -> dict:
    _one_thread_per_worker()
    return run_replication(variant, replication, seed)


def dask_workers(client) -> int:
    """Threads across the cluster's workers (how many replications run at once)."""
    info = client.scheduler_info()
    return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))


def iter_dask(variants, tasks: Iterable[Task], client) -> Iterator[dict]:
    """Rows of ``tasks`` run as Dask tasks; the rows come back to this process."""
    import uuid

    from distributed import as_completed

    handles = client.scatter(list(variants), broadcast=True, hash=False)
    token = uuid.uuid4().hex[:12]
    todo = iter(tasks)
    window = 2 * dask_workers(client)
    pending: set = set()

    def submit_more() -> list:
        new = []
        while len(pending) < window:
            task = next(todo, None)
            if task is None:
                break
            variant_index, replication, seed = task
            future = client.submit(_dask_task, handles[variant_index], replication, seed, pure=False,
                                   key=f"sim-replication-{token}-v{variant_index}-r{replication}")
            pending.add(future)
            new.append(future)
        return new

    try:
        running = as_completed(submit_more(), loop=client.loop)
        for future in running:
            pending.discard(future)
            try:
                row = future.result()
            except Exception as error:  # noqa: BLE001 - a worker died (KilledWorker) or was lost
                raise BatchAborted(f"a Dask worker failed while running a replication ({_error_text(error)}); "
                                   "the finished replications are saved: rerun with --resume") from None
            yield row
            running.update(submit_more())
    finally:
        if pending:
            client.cancel(list(pending))
        client.cancel(handles)
