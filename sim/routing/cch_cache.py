"""Where a road graph's CCH comes from: memory, the disk cache, or a fresh build.

Ordering a road graph by nested dissection costs seconds on a city
(:mod:`sim.routing.cch_order`), while everything built from the order takes
milliseconds. The order and the contracted hierarchy depend only on which
crossroads the roads join, so they are kept

* **in memory**, per ``heads`` array: every Router on the same graph, or on
  its copies (``RoadGraph.copy()`` shares the static arrays), shares one
  :class:`~sim.routing.cch_contraction.CCHStructure`;
* **on disk**, per graph, under ``$SIM_CACHE_DIR`` or
  ``$XDG_CACHE_HOME/sim/cch`` (default ``~/.cache/sim/cch``): one ``.npz``
  file named by a BLAKE2 hash of the graph's structure (node count, edge
  tails and heads) and of the order's version, so later runs and batch
  workers load it instead of ordering again. Only graphs of at least
  :data:`DISK_CACHE_MIN_NODES` nodes are written (smaller ones build faster
  than they load).

A file is written to a temporary name and renamed, so a reader never sees a
half-written one. It stores its own key and a checksum of its arrays; a file
that does not match either (truncated, corrupt, another graph's, an older
format) is never used: it is rebuilt and replaced, with one warning line. A
cache directory that cannot be written is not an error — the hierarchy is
then simply rebuilt next time.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
import warnings
import weakref
from pathlib import Path

import numpy as np

from .cch_contraction import CCHStructure, build_structure
from .cch_order import ORDER_VERSION, nested_dissection_rank

__all__ = ["DISK_CACHE_MIN_NODES", "cache_directory", "graph_key", "hierarchy_for"]

#: Graphs smaller than this are not written to the disk cache.
DISK_CACHE_MIN_NODES = 2000
_FORMAT = "cch-1"
_STORED = ("rank", "up_offsets", "up_head", "parent")

_in_memory: dict[int, tuple[weakref.ref, CCHStructure, float]] = {}


def cache_directory() -> Path:
    """The directory of the disk cache (see the module doc); not created here."""
    explicit = os.environ.get("SIM_CACHE_DIR")
    if explicit:
        return Path(explicit) / "cch"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sim" / "cch"


def graph_key(n_nodes: int, tails: np.ndarray, heads: np.ndarray) -> str:
    """Hash of a graph's structure and of the order's version (hex, 32 chars)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{_FORMAT}/{ORDER_VERSION}/{n_nodes}/{len(tails)}".encode())
    digest.update(np.ascontiguousarray(tails, dtype=np.int32).tobytes())
    digest.update(np.ascontiguousarray(heads, dtype=np.int32).tobytes())
    return digest.hexdigest()


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for name in _STORED:
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()


def hierarchy_for(n_nodes: int, tails: np.ndarray, heads: np.ndarray,
                  *, use_disk: bool | None = None) -> tuple[CCHStructure, float]:
    """The CCH structure of a graph and the seconds its preprocessing took.

    The seconds are those of the build that made it (ordering and
    contraction), also when it now comes from memory or disk.
    """
    key_id = id(heads)
    entry = _in_memory.get(key_id)
    if entry is not None and entry[0]() is heads and entry[1].n_nodes == n_nodes:
        return entry[1], entry[2]
    if use_disk is None:
        use_disk = n_nodes >= DISK_CACHE_MIN_NODES
    structure, seconds = None, 0.0
    path = None
    if use_disk:
        key = graph_key(n_nodes, tails, heads)
        path = cache_directory() / f"{key}.npz"
        loaded = _load(path, key, n_nodes)
        if loaded is not None:
            rank, up_offsets, up_head, parent, seconds = loaded
            structure = build_structure(n_nodes, tails, heads, rank,
                                        contracted=(up_offsets, up_head, parent))
    if structure is None:
        start = time.perf_counter()
        rank = nested_dissection_rank(n_nodes, tails, heads)
        structure = build_structure(n_nodes, tails, heads, rank)
        seconds = time.perf_counter() - start
        if path is not None:
            _save(path, key, structure, seconds)
    _in_memory[key_id] = (weakref.ref(heads), structure, seconds)
    weakref.finalize(heads, _in_memory.pop, key_id, None)
    return structure, seconds


def _load(path: Path, key: str, n_nodes: int):
    """The stored arrays, or ``None`` (absent, or unusable: warned once)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None  # absent, or the cache directory is unusable: build
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in (*_STORED, "key", "checksum", "seconds")}
    except Exception as exc:  # noqa: BLE001 - any unreadable file is rebuilt
        _warn(path, f"unreadable ({type(exc).__name__})")
        return None
    if str(arrays["key"]) != key:
        _warn(path, "made for another graph or version")
        return None
    if str(arrays["checksum"]) != _checksum(arrays):
        _warn(path, "checksum mismatch")
        return None
    rank, up_offsets, up_head, parent = (arrays[name] for name in _STORED)
    if len(rank) != n_nodes or len(up_offsets) != n_nodes + 1 or len(parent) != n_nodes:
        _warn(path, "wrong size")
        return None
    return (rank.astype(np.int32), up_offsets.astype(np.int64), up_head.astype(np.int32),
            parent.astype(np.int32), float(arrays["seconds"]))


def _warn(path: Path, reason: str) -> None:
    warnings.warn(f"routing: preprocessing cache {path} is {reason}; rebuilding it",
                  RuntimeWarning, stacklevel=4)


def _save(path: Path, key: str, structure: CCHStructure, seconds: float) -> None:
    arrays = {name: getattr(structure, name) for name in _STORED}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, key=np.array(key), checksum=np.array(_checksum(arrays)),
                         seconds=np.array(seconds), **arrays)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full cache directory: rebuild next time

