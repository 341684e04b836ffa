"""Read DIMACS ``.gr`` road graphs (plain or ``.gr.xz``) into a :class:`RoadGraph`.

Two dialects of the same line format are understood:

* **9th DIMACS Implementation Challenge** (shortest paths): a ``p sp N M``
  header, then ``M`` arc lines ``a u v w``. Arcs are directed, so each becomes
  one oneway edge; ``w`` is the arc's travel time and is kept as the edge's
  travel time, read as **seconds**.
* **PACE 2016** (tree width): a ``p tw N M`` header, then ``M`` lines ``u v``.
  Edges are undirected and carry no weight (topology only), so each edge gets
  a seeded uniform weight in seconds drawn from ``weight_range_s``; the graph's
  ``name`` says so (e.g. ``"NY (PACE-2016 topology; weights uniform 10-100 s,
  seed 0)"``) so benchmarks can report it.

Node ids are 1..N in both; they become ``node_ids`` (index ``i`` is DIMACS
node ``i + 1``). Lines starting with ``c`` are comments. The files carry no
coordinates, so ``lon``/``lat`` are NaN.

**How a weight becomes an edge.** ``RoadGraph`` computes travel time as
``length_m / (speed_kmh * speed_factor)``. A weight of ``w`` seconds is stored
as ``length_m = w`` and ``speed_kmh = SECONDS_SPEED_KMH`` (3.6 km/h = 1 m/s,
nudged by one ulp so that ``free_flow_time_min() == w / 60`` exactly in
floating point). So "metres" are seconds here; only travel times are meaningful.
"""
from __future__ import annotations

import lzma
import os
import re
import warnings
from pathlib import Path

import numpy as np

from sim.errors import InputError, Problem
from sim.network.graph import KMH_TO_M_PER_MIN, RoadGraph
from sim.network.limits import MAX_GRAPH_EDGES, MAX_GRAPH_NODES, MAX_STREAM_BYTES, region_file

__all__ = ["read_dimacs", "SECONDS_SPEED_KMH"]

#: Speed (km/h) that turns ``length_m = w`` into a travel time of ``w`` seconds:
#: 3.6 km/h, rounded so that ``SECONDS_SPEED_KMH * KMH_TO_M_PER_MIN == 60.0``.
SECONDS_SPEED_KMH: float = 60.0 / KMH_TO_M_PER_MIN
assert SECONDS_SPEED_KMH * KMH_TO_M_PER_MIN == 60.0

_XZ_MAGIC = b"\xfd7zXZ\x00"
_HEADER = re.compile(rb"^\s*p\s+(sp|tw)\s+(\d{1,20})\s+(\d{1,20})\s*$")
#: Bytes of the lines before the header (comments).
_MAX_PREAMBLE_BYTES = 2**20
#: Bytes an arc or edge line may take on average ("a 23947347 23947346 999999" is 26).
_MAX_RECORD_BYTES = 64
#: Bytes of comment lines among the data.
_MAX_COMMENT_BYTES = 2**20
#: Nodes a graph may have beyond the ends of its arcs (isolated nodes).
_ISOLATED_NODES = 1_000_000
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FORMS = {
    # kind: (fields per data line, line prefix, what a line looks like, what M counts)
    "sp": (3, "a", "a U V W", "arcs"),
    "tw": (2, "", "U V", "edges"),
}


def read_dimacs(
    path: str | os.PathLike,
    *,
    weight_seed: int = 0,
    weight_range_s: tuple[float, float] = (10, 100),
) -> RoadGraph:
    """Read a DIMACS shortest-path (``p sp``) or PACE-2016 (``p tw``) graph.

    Parameters
    ----------
    path : str or path-like
        A ``.gr`` file, or ``.gr.xz`` (recognised by its xz magic bytes too).
    weight_seed : int
        Seed of the weights given to the unweighted edges of a ``p tw`` file.
    weight_range_s : (low, high)
        Edge weights of a ``p tw`` file are uniform on ``[low, high)`` seconds.
        Ignored for ``p sp`` files, whose arcs carry their own weights.

    Returns
    -------
    RoadGraph
        Travel time of an edge at free flow is its weight / 60 minutes.

    Raises
    ------
    InputError
        ``FILE:LINE: message`` for a missing file, a pipe or device, a wrong
        header, a header declaring more nodes or arcs than a road graph may
        have (:mod:`sim.network.limits`) or than the file can hold, a
        malformed line, a node id outside 1..N, a negative weight, or a line
        count that does not match the header (a truncated file). Messages
        never quote the file's content.
    """
    lo, hi = (float(x) for x in weight_range_s)
    if not (0 <= lo <= hi and np.isfinite(hi)):
        raise ValueError(f"weight_range_s={weight_range_s!r} must be (low, high) with 0 <= low <= high")
    fname = str(path)
    lines = _read_lines(fname)

    # --- header --------------------------------------------------------
    h = next((i for i, line in enumerate(lines) if _is_data(line)), None)
    if h is None:
        raise InputError(Problem(fname, max(len(lines), 1), None, "",
                                 "no 'p sp N M' or 'p tw N M' header: the file is empty or all comments"))
    header = lines[h].split()
    if (len(header) != 4 or header[0] != "p" or header[1] not in _FORMS
            or not header[2].isdigit() or not header[3].isdigit()):
        raise InputError(Problem(fname, h + 1, None, "",
                                 "expected a header 'p sp N M' (DIMACS arcs) or 'p tw N M' "
                                 "(PACE-2016 edges) with whole numbers N and M"))
    kind, n_nodes, n_records = header[1], int(header[2]), int(header[3])
    n_fields, prefix, shape, noun = _FORMS[kind]
    _check_declared_sizes(fname, h + 1, n_nodes, n_records, noun)

    # --- data lines ----------------------------------------------------
    body = lines[h + 1:]
    data = [line for line in body if _is_data(line)]
    if len(data) == len(body):
        line_no = None  # record i is on line h + 2 + i
    else:
        line_no = np.array([h + 2 + j for j, line in enumerate(body) if _is_data(line)], dtype=np.int64)

    def line_of(i: int) -> int:
        return int(h + 2 + i if line_no is None else line_no[i])

    if len(data) > n_records:
        raise InputError(Problem(fname, line_of(n_records), None, "",
                                 f"more {noun} than the {n_records} declared in the header"))
    values = _parse_numbers(data, n_fields, prefix)
    if values is None:  # some line is malformed: find it, slowly
        for i, line in enumerate(data):
            tokens = line.split()
            ok = (len(tokens) == n_fields + bool(prefix) and (not prefix or tokens[0] == prefix)
                  and all(_NUMBER.fullmatch(t) for t in tokens[bool(prefix):]))
            if not ok:
                hint = "; is the file truncated?" if i == len(data) - 1 else ""
                raise InputError(Problem(fname, line_of(i), None, "",
                                         f"expected a line '{shape}' of {n_fields} numbers{hint}"))
        raise AssertionError("unparseable DIMACS data but no bad line found")  # pragma: no cover
    if len(data) < n_records:
        raise InputError(Problem(fname, max(len(lines), 1), None, "",
                                 f"the file ends after {len(data)} of the {n_records} {noun} declared "
                                 f"in the header (line {h + 1}); is it truncated?"))
    values = values.reshape(-1, n_fields)

    ends = values[:, :2]
    bad = ~((ends >= 1) & (ends <= n_nodes) & (ends == np.floor(ends)))
    rows = np.flatnonzero(bad.any(axis=1))
    if len(rows):
        i = int(rows[0])
        col = int(np.flatnonzero(bad[i])[0])
        raise InputError(Problem(fname, line_of(i), None, "",
                                 f"node id {'uv'[col]} must be a whole number in 1..{n_nodes}, the nodes "
                                 "the header declares"))
    u = ends[:, 0].astype(np.int64) - 1
    v = ends[:, 1].astype(np.int64) - 1

    stem = Path(fname).name
    for suffix in (".xz", ".gr"):
        stem = stem.removesuffix(suffix)
    if kind == "sp":
        weight_s = values[:, 2]
        rows = np.flatnonzero(~(np.isfinite(weight_s) & (weight_s >= 0)))
        if len(rows):
            i = int(rows[0])
            raise InputError(Problem(fname, line_of(i), None, "", "arc weight w must be a finite number >= 0"))
        oneway = np.ones(len(u), dtype=bool)
        name = stem
    else:
        weight_s = np.random.default_rng(weight_seed).uniform(lo, hi, size=len(u)) if hi > lo \
            else np.full(len(u), lo)
        oneway = np.zeros(len(u), dtype=bool)
        name = f"{stem} (PACE-2016 topology; weights uniform {lo:g}-{hi:g} s, seed {weight_seed})"

    return RoadGraph.from_segments(
        u, v, weight_s, np.full(len(u), SECONDS_SPEED_KMH),
        oneway=oneway, node_ids=np.arange(1, n_nodes + 1, dtype=np.int64),
        n_nodes=n_nodes, name=name,
    )


def _check_declared_sizes(fname: str, line: int, n_nodes: int, n_records: int, noun: str) -> None:
    """Refuse a header whose sizes no road graph has or the file cannot hold, before allocating."""
    if n_nodes == 0:
        raise InputError(Problem(fname, line, None, "", "the header declares 0 nodes; a road graph needs at "
                                                         "least one"))
    if n_nodes > MAX_GRAPH_NODES:
        raise InputError(Problem(fname, line, None, "", f"the header declares {n_nodes:,} nodes; at most "
                                                         f"{MAX_GRAPH_NODES:,} (the full USA road graph has 23.9 "
                                                         "million)"))
    if n_records > MAX_GRAPH_EDGES:
        raise InputError(Problem(fname, line, None, "", f"the header declares {n_records:,} {noun}; at most "
                                                         f"{MAX_GRAPH_EDGES:,} (the full USA road graph has 58 "
                                                         "million arcs)"))
    if n_nodes > 2 * n_records + _ISOLATED_NODES:
        raise InputError(Problem(fname, line, None, "", f"the header declares {n_nodes:,} nodes but only "
                                                         f"{n_records:,} {noun}; a road graph's nodes are the "
                                                         f"ends of its {noun} (at most {_ISOLATED_NODES:,} "
                                                         "others)"))


def _read_lines(fname: str) -> list[str]:
    """The file's lines, read (and decompressed) no further than its header allows."""
    region_file(fname, "DIMACS graph file (.gr or .gr.xz)", MAX_STREAM_BYTES)
    try:
        with open(fname, "rb") as raw:
            compressed = raw.read(len(_XZ_MAGIC)) == _XZ_MAGIC or fname.endswith(".xz")
            raw.seek(0)
            with (lzma.open(raw) if compressed else raw) as stream:
                raw_text = _read_declared(fname, stream)
    except FileNotFoundError:
        raise InputError(Problem(fname, None, None, "", "no such file")) from None
    except (lzma.LZMAError, EOFError):
        raise InputError(Problem(fname, None, None, "", "not a valid xz file; is it truncated?")) from None
    except OSError as exc:
        raise InputError(Problem(fname, None, None, "", f"cannot read: {(exc.strerror or 'error').lower()}")) \
            from None
    try:
        text = raw_text.decode("ascii")
    except UnicodeDecodeError as exc:
        line = raw_text.count(b"\n", 0, exc.start) + 1
        raise InputError(Problem(fname, line, None, "", "not a DIMACS text file (a byte that is not ASCII "
                                                         "text)")) from None
    return text.splitlines()


def _read_declared(fname: str, stream) -> bytes:
    """Everything up to the header, then at most what the header's record count can take."""
    preamble = []
    size = 0
    while True:
        line = stream.readline(_MAX_PREAMBLE_BYTES + 1)
        preamble.append(line)
        size += len(line)
        if not line or _is_data(line.decode("ascii", "replace")):
            break
        if size > _MAX_PREAMBLE_BYTES:
            raise InputError(Problem(fname, len(preamble), None, "", "no 'p sp N M' or 'p tw N M' header in "
                                                                     "the first megabyte of the file"))
    header = _HEADER.match(preamble[-1])
    if header is None:
        return b"".join(preamble)       # the parser reports what is wrong with the header line
    n_records = int(header.group(3))
    if n_records > MAX_GRAPH_EDGES:
        return b"".join(preamble)       # refused by the parser before anything else is read
    limit = n_records * _MAX_RECORD_BYTES + _MAX_COMMENT_BYTES
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise InputError(Problem(fname, len(preamble), None, "",
                                 f"the file holds more data than the {n_records:,} lines the header declares "
                                 f"(at most {_MAX_RECORD_BYTES} bytes each); is the header wrong?"))
    return b"".join(preamble) + body


def _is_data(line: str) -> bool:
    s = line.lstrip()
    return bool(s) and s[0] != "c"


def _parse_numbers(data: list[str], n_fields: int, prefix: str) -> np.ndarray | None:
    """All numbers of the data lines, or None if any line is malformed."""
    width = n_fields + bool(prefix)
    for tokens in map(str.split, data):
        if len(tokens) != width or (prefix and tokens[0] != prefix):
            return None
    if prefix:
        joined = "\n".join(line.lstrip()[len(prefix):] for line in data)
    else:
        joined = "\n".join(data)
    if not joined.strip():
        values = np.zeros(0)
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # older numpy warns instead of raising
                values = np.fromstring(joined, dtype=np.float64, sep=" ")
        except ValueError:
            return None
    if len(values) != n_fields * len(data):
        return None
    return values
