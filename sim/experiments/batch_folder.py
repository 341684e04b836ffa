"""A batch's results folder: what it may already hold, and its batch.json.

A batch writes into a folder of its own (layout in
:mod:`sim.experiments.results`). Before it writes, :func:`check_folder`
decides whether the folder may be used:

* without ``--resume``, a folder holding any part of a batch (``batch.json``,
  ``results.parquet``, replication files) is refused, so rows of another
  scenario are never taken for this one's;
* with ``--resume``, ``batch.json`` must be a batch record (a damaged or
  foreign file is one line, not a traceback) of the same scenario and
  variants; replication files without a ``batch.json`` are refused.

The caller holds the folder's lock (:class:`~sim.files.FolderLock`) while it
checks and writes, so :func:`remove_temporaries` only removes files of
batches that were killed.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from sim.errors import InputError
from sim.files import RUN_MANIFEST
from sim.experiments.results import BATCH_FILE, RESULTS_FILE, RUNS_DIR, replication_path

__all__ = ["check_folder", "remove_temporaries", "replications_beyond", "MAX_RECORD_BYTES"]

#: Largest batch.json read back (100,000 runs' seeds and failures fit well within).
MAX_RECORD_BYTES = 64 * 2**20
#: A kept row's file name (:func:`~sim.experiments.results.replication_path`).
_ROW_FILE = re.compile(r"^r(\d{5,})\.parquet$")


def _holds_batch_files(out_dir: Path) -> bool:
    return (any((out_dir / RUNS_DIR).glob("v*/*.parquet")) or (out_dir / RESULTS_FILE).exists()
            or (out_dir / BATCH_FILE).exists())


def _read_batch_record(path: Path) -> dict:
    """batch.json as written by a batch, or one line saying it is not one."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            raise ValueError
        old = json.loads(path.read_text(encoding="utf-8"))
        if not (isinstance(old, dict) and isinstance(old.get("scenario_sha256"), str)
                and isinstance(old.get("variants", []), list)
                and all(isinstance(v, dict) for v in old.get("variants", []))):
            raise ValueError
    except (OSError, ValueError, RecursionError):
        raise InputError(f"{path}: cannot read it as a batch record (damaged or not written by sim batch); "
                         "choose another --out") from None
    return old


def check_folder(out_dir: Path, identity: dict, resume: bool) -> dict | None:
    """The earlier batch.json if the folder may be (resumed) into; refuse it otherwise."""
    path = out_dir / BATCH_FILE
    held = [name for name in (RUN_MANIFEST, "summary.json") if (out_dir / name).exists()]
    if held:
        raise InputError(f"{out_dir}: holds a run's files ({held[-1]}); a batch's results would mix with them: "
                         "choose another --out")
    if not resume:
        if path.exists():
            raise InputError(f"{out_dir}: already holds a batch ({BATCH_FILE}); pass --resume to continue it, "
                             "or choose another --out")
        if _holds_batch_files(out_dir):
            raise InputError(f"{out_dir}: holds results of an earlier batch but no {BATCH_FILE}, so they "
                             "cannot be checked against this scenario; choose another --out")
        return None
    if not path.exists():
        if _holds_batch_files(out_dir):
            raise InputError(f"{out_dir}: holds replication files but no {BATCH_FILE}, so it cannot be "
                             "checked against this scenario; choose another --out")
        return None
    old = _read_batch_record(path)
    old_hash = old["scenario_sha256"]
    if old_hash != identity["scenario_sha256"]:
        other = str(old.get("scenario"))[:80]
        raise InputError(f"{path}: this folder holds a batch of another scenario ({other!r}, "
                         f"sha256 {old_hash[:12]}…, this one is {identity['scenario_sha256'][:12]}…); "
                         "resume it with the same scenario file, or choose another --out")
    mine = [(v["name"], v["scenario_sha256"]) for v in identity["variants"]]
    theirs = [(v.get("name"), v.get("scenario_sha256")) for v in old.get("variants", [])]
    if mine != theirs:
        names = ", ".join(str(v.get("name")) for v in old.get("variants", [])[:10]) or "none"
        raise InputError(f"{path}: this folder holds a batch of other variants ({names}); resume it with "
                         "the same --sweep (or variant), or choose another --out")
    for now, then in zip(identity["variants"], old.get("variants", [])):
        before = then.get("region_files")          # absent in batches written before it was recorded
        if isinstance(before, dict):
            changed = sorted(name for name, digest in now["region_files"].items() if before.get(name) != digest)
            if changed:
                raise InputError(f"{path}: {changed[0]} has changed since this batch ran (its SHA-256 differs): "
                                 "resuming would pool two worlds in one table; run the batch into another --out")
    return old


def remove_temporaries(out_dir: Path) -> None:
    """Temporary files of killed batches (the caller holds the folder's lock)."""
    runs = out_dir / RUNS_DIR
    if runs.is_dir():
        for tmp in runs.glob("v*/.r*.parquet.*.tmp"):
            tmp.unlink(missing_ok=True)
    for name in (RESULTS_FILE, BATCH_FILE):
        for tmp in out_dir.glob(f".{name}.*.tmp"):
            tmp.unlink(missing_ok=True)


def replications_beyond(out_dir: Path, variant_count: int, replications: int) -> list[int]:
    """The replication numbers, ``replications`` and past, of rows kept in ``out_dir`` for the
    batch's variants (by an earlier batch that asked for more)."""
    beyond = []
    for vi in range(variant_count):
        folder = replication_path(out_dir, vi, 0).parent
        if folder.is_dir():
            beyond.extend(n for p in folder.iterdir()
                          if (m := _ROW_FILE.match(p.name)) and (n := int(m.group(1))) >= replications)
    return beyond
