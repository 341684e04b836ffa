"""How large a region may be: the limits of the region readers, and the check every region file passes.

A scenario's region files are named by path, and a path may point anywhere.
Before a reader opens one, :func:`region_file` checks that it is a regular
file (a FIFO would block ``open()``, ``/dev/zero`` would never end) of at
most the reader's size. Sizes a file *declares* (a DIMACS header's node and
arc counts) are checked against these limits and against the file before
anything is allocated, and compressed files are decompressed as a stream
that stops at the size the header allows.

Error messages say where (file, line) and what was expected; they never
quote the file's content, which may be anything the path points at.
"""
from __future__ import annotations

from pathlib import Path

from sim.errors import InputError
from sim.files import Refused, input_file

__all__ = ["MAX_GRAPH_NODES", "MAX_GRAPH_EDGES", "MAX_TABLE_BYTES", "MAX_STREAM_BYTES", "MAX_ZONES",
           "MAX_ZONE_POPULATION", "MAX_ZONES_BYTES", "MAX_EDGE_LENGTH_M", "MAX_SPEED_KMH", "region_file"]

#: Nodes of a road graph: the full USA graph of the 9th DIMACS challenge has 23.9 million.
MAX_GRAPH_NODES = 25_000_000
#: Edges (arcs) of a road graph: the same graph has 58 million arcs.
MAX_GRAPH_EDGES = 60_000_000
#: Files read whole into tables (CSV, GraphML): 512 MB.
MAX_TABLE_BYTES = 512 * 2**20
#: Files read as a stream (DIMACS, OSM XML and PBF, compressed or not): 2 GB on disk.
MAX_STREAM_BYTES = 2 * 2**30
#: Zones of a region: each zone is an agent that command plans for at every re-plan.
MAX_ZONES = 100_000
#: People in one zone: a zone is a community or village (Beijing has 22 million people in all).
MAX_ZONE_POPULATION = 10_000_000
#: A zones CSV.
MAX_ZONES_BYTES = 64 * 2**20
#: One road edge between two crossroads: 1,000 km (longer is a unit mix-up: km or cm for m).
MAX_EDGE_LENGTH_M = 1_000_000.0
#: A road's free-flow speed: 300 km/h (faster is a unit mix-up, m/h for km/h).
MAX_SPEED_KMH = 300.0


def region_file(path: Path | str, what: str, max_bytes: int) -> int:
    """Size of the region file ``path`` after :func:`sim.files.input_file` checked it."""
    try:
        return input_file(path, max_bytes=max_bytes, what=what)
    except Refused as refused:
        raise InputError(str(refused)) from None
