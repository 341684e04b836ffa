"""Checks at the Router's door: the graph it is given and the nodes it is asked about.

The compiled kernels trust their inputs (an out-of-range node would read
someone else's memory, a NaN length would poison every time downstream), so
everything a caller hands the Router is checked here first. Each failure is a
``ValueError`` whose message names the offending node or edge and its value.
"""
from __future__ import annotations

import numpy as np

__all__ = ["check_graph", "node_index", "node_indices"]


def check_graph(graph) -> None:
    """Raise ``ValueError`` unless ``graph`` is a well-formed, non-empty road graph.

    Checks the CSR structure (offsets, tails and heads agree and are in range),
    that every ``length_m`` is finite and >= 0, every ``speed_kmh`` finite and
    > 0, and every ``speed_factor`` in [0, 1]. O(edges), once per Router.
    """
    name = getattr(graph, "name", "graph")
    offsets = np.asarray(graph.offsets)
    n_nodes = len(offsets) - 1
    if n_nodes <= 0:
        raise ValueError(f"graph {name!r} has no nodes; routing needs at least one")
    n_edges = len(graph.heads)
    if offsets[0] != 0 or offsets[-1] != n_edges or np.any(np.diff(offsets) < 0):
        raise ValueError(
            f"graph {name!r}: offsets must rise from 0 to n_edges={n_edges}, "
            f"got {offsets[0]}..{offsets[-1]}"
        )
    for label, nodes in (("heads", graph.heads), ("tails", graph.tails)):
        nodes = np.asarray(nodes)
        if len(nodes) != n_edges:
            raise ValueError(
                f"graph {name!r}: {label} has {len(nodes)} entries for {n_edges} edges")
        bad = np.flatnonzero((nodes < 0) | (nodes >= n_nodes))
        if len(bad):
            raise ValueError(
                f"graph {name!r}: edge {bad[0]}: {label[:-1]} node {nodes[bad[0]]} "
                f"out of range 0..{n_nodes - 1}"
            )
    csr_tails = np.repeat(np.arange(n_nodes), np.diff(offsets))
    bad = np.flatnonzero(np.asarray(graph.tails) != csr_tails)
    if len(bad):
        raise ValueError(
            f"graph {name!r}: edge {bad[0]} has tail {graph.tails[bad[0]]} but sits in the "
            f"CSR row of node {csr_tails[bad[0]]}"
        )
    checks = (
        ("length_m", graph.length_m, lambda a: np.isfinite(a) & (a >= 0), "a finite number >= 0"),
        ("speed_kmh", graph.speed_kmh, lambda a: np.isfinite(a) & (a > 0), "a finite number > 0"),
        ("speed_factor", graph.speed_factor, lambda a: (a >= 0) & (a <= 1), "in [0, 1]"),
    )
    for label, values, ok, wanted in checks:
        values = np.asarray(values, dtype=np.float64)
        if len(values) != n_edges:
            raise ValueError(
                f"graph {name!r}: {label} has {len(values)} values for {n_edges} edges")
        bad = np.flatnonzero(~ok(values))
        if len(bad):
            raise ValueError(
                f"graph {name!r}: edge {bad[0]}: {label}={values[bad[0]]} must be {wanted}")


def node_index(value, n_nodes: int, role: str = "node") -> int:
    """``value`` as a node index in ``0..n_nodes-1``, else ``ValueError``.

    ``role`` names the argument in the message (``"source"``, ``"target"``).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{role} must be an integer node index 0..{n_nodes - 1}, got {value!r}")
    index = int(value)
    if not 0 <= index < n_nodes:
        raise ValueError(f"{role} node {index} out of range 0..{n_nodes - 1}")
    return index


def node_indices(values, n_nodes: int, role: str = "nodes") -> np.ndarray:
    """``values`` as an int64 array of node indices in ``0..n_nodes-1``, else ``ValueError``."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{role} must be a 1-d sequence of node indices, got shape {array.shape}")
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise ValueError(f"{role} must be integer node indices, got dtype {array.dtype}")
    bad = np.flatnonzero((array < 0) | (array >= n_nodes))
    if len(bad):
        raise ValueError(f"{role}[{bad[0]}]: node {array[bad[0]]} out of range 0..{n_nodes - 1}")
    # Always the same array type (int64, C order, writable): a read-only or
    # strided array would make numba compile one more kernel specialization.
    return np.require(array, dtype=np.int64, requirements=["C", "W"])
