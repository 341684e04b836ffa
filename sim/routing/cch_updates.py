"""When a road change is customized in full or partially, and what customizing keeps.

The bookkeeping around :mod:`sim.routing.cch_customize`'s kernels for
:class:`sim.routing.cch.CCHSearch`:

* whether a change is customized in full or partially
  (:func:`customizes_in_full`, by :data:`FULL_SHARE` and :data:`FULL_MIN_EDGES`);
* full customizations of the road states searches start from, kept
  process-wide for reuse (:data:`REUSE_MAX_ENTRIES`, :data:`REUSE_MAX_BYTES`):
  a search for a road state seen before copies one instead of customizing;
  :func:`forget_reusable` drops them;
* the triangle lists of each hierarchy, made at its first partial
  customization and shared by its searches.

The functions read the constants and the kept list from this module when
called: patch them here, not on :mod:`sim.routing.cch`.
"""
from __future__ import annotations

import threading
import weakref

import numpy as np

from . import cch_customize

__all__ = ["FULL_SHARE", "FULL_MIN_EDGES", "REUSE_MAX_BYTES", "REUSE_MAX_ENTRIES",
           "customizes_in_full", "forget_reusable"]

#: A change of more than ``FULL_SHARE`` of the road edges plus
#: ``FULL_MIN_EDGES`` is customized in full, smaller ones partially. On the
#: district (59,180 edges, a full customization ~11-13 ms) the rainfall's
#: partial updates cost about as much as a full one at ~700 changed edges
#: (~23,000 arcs recomputed), and about half at ~250.
FULL_SHARE = 0.01
FULL_MIN_EDGES = 16


def customizes_in_full(n_changed: int, n_edges: int) -> bool:
    """Whether a change of ``n_changed`` road edges is customized in full."""
    return n_changed > FULL_SHARE * n_edges + FULL_MIN_EDGES


# The triangle lists of each hierarchy (cch_customize.triangles; 23 MB for the
# district), made at its first partial customization and shared by its searches.
_triangles: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_triangles_lock = threading.Lock()


def _triangles_of(structure) -> tuple[np.ndarray, ...]:
    with _triangles_lock:
        lists = _triangles.get(structure)
        if lists is None:
            s = structure
            lists = cch_customize.triangles(s.up_offsets, s.up_head, s.down_offsets,
                                            s.down_tail, s.down_arc)
            _triangles[structure] = lists
        return lists


#: Full customizations kept for reuse (process-wide, newest last), at most
#: this many and this many bytes: a Router made for a road state seen before
#: — every Router of a replication starts from the same state — copies it
#: instead of customizing. Only the states searches start from (or are set
#: to whole) are kept, not those a run's road changes lead to: those differ
#: from replication to replication, and a run of the extreme rainfall makes
#: a dozen, which would push the shared start out of the list.
REUSE_MAX_ENTRIES = 4
REUSE_MAX_BYTES = 48 * 2**20

_reusable: list[tuple] = []  # (weakref to structure, weight_min, arc_time, arc_int)
_reusable_lock = threading.Lock()  # Dask may run replications in threads


def forget_reusable() -> None:
    """Drop every kept full customization (benchmarks time fresh ones)."""
    with _reusable_lock:
        _reusable.clear()


def _reuse(structure, weight_min, arc_time, arc_int) -> bool:
    """Copy a kept full customization made for exactly these weights, if any."""
    with _reusable_lock:
        for k in range(len(_reusable) - 1, -1, -1):
            ref, weights, times, ints = _reusable[k]
            if ref() is structure and np.array_equal(weights, weight_min):
                arc_time[...] = times
                arc_int[...] = ints
                _reusable.append(_reusable.pop(k))
                return True
    return False


def _keep(structure, weight_min, arc_time, arc_int) -> None:
    size = weight_min.nbytes + arc_time.nbytes + arc_int.nbytes
    if size > REUSE_MAX_BYTES:
        return
    entry = (weakref.ref(structure), weight_min.copy(), arc_time.copy(), arc_int.copy())
    with _reusable_lock:
        _reusable.append(entry)
        total = 0
        for k in range(len(_reusable) - 1, -1, -1):  # newest first
            ref, weights, times, ints = _reusable[k]
            total += weights.nbytes + times.nbytes + ints.nbytes
            if ref() is None or total > REUSE_MAX_BYTES or len(_reusable) - k > REUSE_MAX_ENTRIES:
                del _reusable[k]

