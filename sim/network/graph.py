"""The road graph: a directed graph of road segments in compressed sparse rows.

A ``RoadGraph`` is what vehicles and teams drive on. Every road segment of the
source data becomes one directed edge per direction it can be driven (a oneway
street is one edge, a two-way street two). Edges are stored sorted by their
tail node, so the edges leaving node ``u`` are ``offsets[u]:offsets[u+1]`` and
their heads are ``heads[offsets[u]:offsets[u+1]]`` — the CSR layout that
``scipy.sparse.csgraph`` and the numba routing kernels both read without copies.

The static attributes (length, free-flow speed, class, bridge and tunnel flags,
node coordinates and elevation) never change during a run. The **state** of a
road is its ``speed_factor`` in [0, 1]: 1 is free flow, 0.3 a flooded street
crawled through, 0 a closed road. Hazards, outages and repair teams change the
state through :meth:`RoadGraph.set_speed_factor`, which bumps ``epoch`` so that
routing caches know exactly when their answers went stale.

Travel time of an edge = ``length_m / (speed_kmh * speed_factor)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

__all__ = ["RoadClass", "RoadGraph", "CLASS_SPEED_KMH"]


class RoadClass(IntEnum):
    """Functional road class, from expressway down to a village lane."""

    EXPRESSWAY = 0
    ARTERIAL = 1
    COLLECTOR = 2
    LOCAL = 3
    RURAL = 4

    @classmethod
    def parse(cls, value: "str | int | RoadClass") -> "RoadClass":
        """Accept a name (``"arterial"``, OSM-style ``"primary"``) or a number."""
        if isinstance(value, (int, np.integer)):
            return cls(int(value))
        key = str(value).strip().lower()
        if key in _CLASS_ALIASES:
            return _CLASS_ALIASES[key]
        raise ValueError(
            f"unknown road class {value!r}; expected one of "
            f"{', '.join(c.name.lower() for c in cls)} or an OSM highway tag"
        )


_CLASS_ALIASES: dict[str, RoadClass] = {
    "expressway": RoadClass.EXPRESSWAY, "motorway": RoadClass.EXPRESSWAY,
    "motorway_link": RoadClass.EXPRESSWAY, "trunk": RoadClass.EXPRESSWAY,
    "trunk_link": RoadClass.EXPRESSWAY,
    "arterial": RoadClass.ARTERIAL, "primary": RoadClass.ARTERIAL,
    "primary_link": RoadClass.ARTERIAL,
    "collector": RoadClass.COLLECTOR, "secondary": RoadClass.COLLECTOR,
    "secondary_link": RoadClass.COLLECTOR, "tertiary": RoadClass.COLLECTOR,
    "tertiary_link": RoadClass.COLLECTOR,
    "local": RoadClass.LOCAL, "residential": RoadClass.LOCAL,
    "living_street": RoadClass.LOCAL, "unclassified": RoadClass.LOCAL,
    "service": RoadClass.LOCAL, "road": RoadClass.LOCAL,
    "rural": RoadClass.RURAL, "track": RoadClass.RURAL,
}

#: Free-flow speed by class where the source data gives none (km/h). Urban
#: design speeds of the Chinese road classes (CJJ 37-2012: expressway 60-100,
#: arterial 40-60, secondary 30-50, branch 20-40), rounded to typical values.
CLASS_SPEED_KMH: dict[RoadClass, float] = {
    RoadClass.EXPRESSWAY: 80.0,
    RoadClass.ARTERIAL: 50.0,
    RoadClass.COLLECTOR: 40.0,
    RoadClass.LOCAL: 25.0,
    RoadClass.RURAL: 30.0,
}

_CLASS_SPEED_ARRAY = np.array([CLASS_SPEED_KMH[c] for c in sorted(CLASS_SPEED_KMH)], dtype=np.float64)

KMH_TO_M_PER_MIN = 1000.0 / 60.0


@dataclass
class RoadGraph:
    """A directed road graph in CSR form with a mutable per-edge state.

    Build one with :meth:`from_segments` (or a reader: :mod:`sim.network.readers`,
    :mod:`sim.network.osm`, :mod:`sim.network.dimacs`)
    rather than by hand: it validates every array and sorts edges into CSR.

    Attributes
    ----------
    offsets : int64[n_nodes + 1]
        CSR row pointers: edges leaving node ``u`` are ``offsets[u]:offsets[u+1]``.
    tails, heads : int32[n_edges]
        Tail and head node of each directed edge (edge id = position).
    length_m, speed_kmh : float64[n_edges]
        Length in metres and free-flow speed in km/h.
    road_class : int8[n_edges]
        :class:`RoadClass` values.
    is_bridge, is_tunnel : bool[n_edges]
    segment : int32[n_edges]
        The road segment each edge came from; both directions of a two-way
        street share one segment id, so a closure can close the road.
    lon, lat, elevation_m : float64[n_nodes]
    node_ids : int64[n_nodes]
        Node ids of the source data (what scenarios write as ``{node: ID}``).
    speed_factor : float64[n_edges]
        The mutable state: 1 = free flow, 0 = closed.
    epoch : int
        Bumped by every state change.
    last_changed_edges : int64[k] or None
        The edge ids the change that made the current ``epoch`` set (None when
        unknown, e.g. after :meth:`reset_state`): a reader that saw the state
        at ``epoch - 1`` brings its own derived state up to date at just these
        edges instead of over the whole graph.
    """

    offsets: np.ndarray
    tails: np.ndarray
    heads: np.ndarray
    length_m: np.ndarray
    speed_kmh: np.ndarray
    road_class: np.ndarray
    is_bridge: np.ndarray
    is_tunnel: np.ndarray
    segment: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    elevation_m: np.ndarray
    node_ids: np.ndarray
    name: str = "graph"
    meta: dict = field(default_factory=dict)
    speed_factor: np.ndarray = field(default=None)  # type: ignore[assignment]
    epoch: int = 0
    last_changed_edges: np.ndarray | None = field(default=None, repr=False, compare=False)
    _index_of_id: dict[int, int] | None = field(default=None, repr=False)
    _coordinates_of: tuple | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.speed_factor is None:
            self.speed_factor = np.ones(len(self.heads), dtype=np.float64)

    # ------------------------------------------------------------------ build
    @classmethod
    def from_segments(
        cls,
        u: np.ndarray,
        v: np.ndarray,
        length_m: np.ndarray,
        speed_kmh: np.ndarray | None = None,
        *,
        oneway: np.ndarray | None = None,
        road_class: np.ndarray | None = None,
        is_bridge: np.ndarray | None = None,
        is_tunnel: np.ndarray | None = None,
        lon: np.ndarray | None = None,
        lat: np.ndarray | None = None,
        elevation_m: np.ndarray | None = None,
        node_ids: np.ndarray | None = None,
        n_nodes: int | None = None,
        name: str = "graph",
    ) -> "RoadGraph":
        """Build a graph from road segments between node indices ``0..n-1``.

        Each segment ``(u[i], v[i])`` becomes the edge u→v and, unless
        ``oneway[i]``, also v→u. Missing speeds come from the road class
        (:data:`CLASS_SPEED_KMH`). Raises ``ValueError`` naming the first bad
        segment for out-of-range nodes, negative/NaN lengths, non-positive or
        NaN speeds.
        """
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        k = len(u)
        if len(v) != k:
            raise ValueError(f"u and v differ in length ({k} vs {len(v)})")
        if n_nodes is None:
            if lon is not None:
                n_nodes = len(lon)
            elif node_ids is not None:
                n_nodes = len(node_ids)
            else:
                n_nodes = int(max(u.max(initial=-1), v.max(initial=-1)) + 1)
        if n_nodes <= 0:
            raise ValueError("a road graph needs at least one node")
        for arr, label in ((u, "u"), (v, "v")):
            bad = np.flatnonzero((arr < 0) | (arr >= n_nodes))
            if len(bad):
                raise ValueError(
                    f"segment {bad[0]}: node index {label}={arr[bad[0]]} out of range 0..{n_nodes - 1}"
                )
        length_m = _float_array(length_m, k, "length_m")
        bad = np.flatnonzero(~np.isfinite(length_m) | (length_m < 0))
        if len(bad):
            raise ValueError(f"segment {bad[0]}: length_m={length_m[bad[0]]} must be a finite number >= 0")
        road_class = (
            np.full(k, RoadClass.LOCAL, dtype=np.int8)
            if road_class is None
            else np.asarray(road_class, dtype=np.int8)
        )
        if len(road_class) != k:
            raise ValueError(f"road_class has {len(road_class)} values for {k} segments")
        bad = np.flatnonzero((road_class < 0) | (road_class > max(RoadClass)))
        if len(bad):
            raise ValueError(f"segment {bad[0]}: road_class={road_class[bad[0]]} is not a RoadClass (0..{max(RoadClass)})")
        if speed_kmh is None:
            speed_kmh = _CLASS_SPEED_ARRAY[road_class]
        speed_kmh = _float_array(speed_kmh, k, "speed_kmh")
        bad = np.flatnonzero(~np.isfinite(speed_kmh) | (speed_kmh <= 0))
        if len(bad):
            raise ValueError(f"segment {bad[0]}: speed_kmh={speed_kmh[bad[0]]} must be a finite number > 0")
        oneway = np.zeros(k, dtype=bool) if oneway is None else np.asarray(oneway, dtype=bool)
        is_bridge = np.zeros(k, dtype=bool) if is_bridge is None else np.asarray(is_bridge, dtype=bool)
        is_tunnel = np.zeros(k, dtype=bool) if is_tunnel is None else np.asarray(is_tunnel, dtype=bool)
        for arr, label in ((oneway, "oneway"), (is_bridge, "is_bridge"), (is_tunnel, "is_tunnel")):
            if len(arr) != k:
                raise ValueError(f"{label} has {len(arr)} values for {k} segments")

        back = ~oneway
        seg = np.concatenate([np.arange(k), np.flatnonzero(back)])
        tails = np.concatenate([u, v[back]])
        heads = np.concatenate([v, u[back]])
        order = np.lexsort((heads, tails))
        tails, heads, seg = tails[order], heads[order], seg[order]
        offsets = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(tails, minlength=n_nodes), out=offsets[1:])

        def node_array(a, default):
            if a is None:
                return np.full(n_nodes, default, dtype=np.float64)
            a = np.asarray(a, dtype=np.float64)
            if len(a) != n_nodes:
                raise ValueError(f"node array has {len(a)} entries for {n_nodes} nodes")
            return a

        return cls(
            offsets=offsets,
            tails=tails.astype(np.int32),
            heads=heads.astype(np.int32),
            length_m=length_m[seg],
            speed_kmh=speed_kmh[seg],
            road_class=road_class[seg],
            is_bridge=is_bridge[seg],
            is_tunnel=is_tunnel[seg],
            segment=seg.astype(np.int32),
            lon=node_array(lon, np.nan),
            lat=node_array(lat, np.nan),
            elevation_m=node_array(elevation_m, 0.0),
            node_ids=(np.arange(n_nodes, dtype=np.int64) if node_ids is None
                      else np.asarray(node_ids, dtype=np.int64)),
            name=name,
        )

    # ------------------------------------------------------------ properties
    @property
    def n_nodes(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_edges(self) -> int:
        return len(self.heads)

    @property
    def n_segments(self) -> int:
        return int(self.segment.max()) + 1 if self.n_edges else 0

    @property
    def has_coordinates(self) -> bool:
        """Every node has a finite lon/lat (worked out once for the arrays the graph holds)."""
        known = self._coordinates_of
        if known is None or known[0] is not self.lon or known[1] is not self.lat:
            known = (self.lon, self.lat, bool(np.isfinite(self.lon).all() and np.isfinite(self.lat).all()))
            self._coordinates_of = known
        return known[2]

    def free_flow_time_min(self) -> np.ndarray:
        """Travel time of every edge at free flow, in minutes."""
        return self.length_m / (self.speed_kmh * KMH_TO_M_PER_MIN)

    def travel_time_min(self) -> np.ndarray:
        """Travel time of every edge now, in minutes (``inf`` where closed, even at 0 m)."""
        speed = self.speed_kmh * self.speed_factor * KMH_TO_M_PER_MIN
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.length_m / speed
        t[~(speed > 0)] = np.inf
        return t

    def edges_from(self, node: int) -> np.ndarray:
        """Edge ids leaving ``node``."""
        return np.arange(self.offsets[node], self.offsets[node + 1])

    def segment_edges(self, segments: np.ndarray) -> np.ndarray:
        """All directed edges of the given road segments (both directions)."""
        return np.flatnonzero(np.isin(self.segment, np.asarray(segments)))

    # ------------------------------------------------------------- node ids
    def index_of(self, node_id: int) -> int:
        """Internal index of a source-data node id; ``KeyError`` if unknown."""
        if self._index_of_id is None:
            self._index_of_id = {int(n): i for i, n in enumerate(self.node_ids)}
        try:
            return self._index_of_id[int(node_id)]
        except KeyError:
            raise KeyError(f"node {node_id} is not in graph {self.name!r}") from None

    # ----------------------------------------------------------------- state
    def set_speed_factor(self, edge_ids, factors) -> None:
        """Set the speed factor of some edges; O(k). Bumps :attr:`epoch`.

        ``factors`` is a scalar or one value per edge, each in [0, 1]. An
        empty ``edge_ids`` changes nothing (and keeps the epoch).
        """
        edge_ids = np.atleast_1d(np.asarray(edge_ids))
        if edge_ids.size == 0:
            return
        if edge_ids.dtype.kind not in "iu":
            raise ValueError(f"edge ids must be integers, got dtype {edge_ids.dtype}")
        factors = np.asarray(factors, dtype=np.float64)
        if factors.shape != edge_ids.shape:
            factors = np.broadcast_to(factors, edge_ids.shape)
        # min/max decide whether all ids and factors are valid (a NaN factor fails both
        # comparisons); the offending element is looked for only when one is not.
        if not (edge_ids.min() >= 0 and edge_ids.max() < self.n_edges):
            bad = np.flatnonzero((edge_ids < 0) | (edge_ids >= self.n_edges))
            raise ValueError(f"edge id {edge_ids[bad[0]]} out of range 0..{self.n_edges - 1}")
        if not (factors.min() >= 0 and factors.max() <= 1):
            bad = np.flatnonzero(~((factors >= 0) & (factors <= 1)))
            raise ValueError(
                f"edge {edge_ids[bad[0]]}: speed factor {factors[bad[0]]} outside [0, 1]"
            )
        self.speed_factor[edge_ids] = factors
        self.epoch += 1
        self.last_changed_edges = edge_ids.astype(np.int64)

    def reset_state(self) -> None:
        """Back to free flow on every edge (bumps the epoch)."""
        self.speed_factor[:] = 1.0
        self.epoch += 1
        self.last_changed_edges = None

    def copy(self) -> "RoadGraph":
        """A graph sharing the static arrays with its own state (cheap)."""
        g = RoadGraph(**{f: getattr(self, f) for f in _STATIC_FIELDS}, name=self.name, meta=dict(self.meta))
        g.speed_factor = self.speed_factor.copy()
        g.epoch = self.epoch
        return g

    # ---------------------------------------------------------------- export
    def to_scipy_csr(self, weights: np.ndarray | None = None):
        """A ``scipy.sparse.csr_array`` of the given per-edge weights.

        Parallel edges are reduced to their minimum and closed (``inf``) edges
        dropped, as ``scipy.sparse.csgraph`` expects.
        """
        import scipy.sparse as sp

        w = self.travel_time_min() if weights is None else np.asarray(weights, dtype=np.float64)
        keep = np.isfinite(w)
        t, h, w = self.tails[keep], self.heads[keep], w[keep]
        # Reduce parallel edges to their minimum (scipy would sum duplicates).
        order = np.lexsort((w, h, t))
        t, h, w = t[order], h[order], w[order]
        first = np.ones(len(t), dtype=bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        t, h, w = t[first], h[first], w[first]
        # Explicit zeros would vanish from a sparse matrix; scipy treats
        # stored zeros as edges only when explicit, so keep them explicit.
        m = sp.csr_array((w, (t, h)), shape=(self.n_nodes, self.n_nodes))
        return m

    def to_networkx(self, weight: str = "time_min"):
        """A ``networkx.MultiDiGraph`` keyed by edge id, with every edge attribute
        (``length_m``, ``speed_kmh``, ``time_min`` now, ``road_class``, ``bridge``,
        ``tunnel``, ``segment``) and node ``lon``, ``lat``, ``elevation_m``, ``node_id``."""
        import networkx as nx

        g = nx.MultiDiGraph(name=self.name)
        g.add_nodes_from(
            (i, {"lon": float(self.lon[i]), "lat": float(self.lat[i]), "elevation_m": float(self.elevation_m[i]),
                 "node_id": int(self.node_ids[i])}) for i in range(self.n_nodes))
        tt = self.travel_time_min()
        g.add_edges_from(
            (int(self.tails[e]), int(self.heads[e]), e,
             {"length_m": float(self.length_m[e]), "speed_kmh": float(self.speed_kmh[e]), "time_min": float(tt[e]),
              "road_class": int(self.road_class[e]), "bridge": bool(self.is_bridge[e]),
              "tunnel": bool(self.is_tunnel[e]), "segment": int(self.segment[e])})
            for e in range(self.n_edges))
        return g


_STATIC_FIELDS = (
    "offsets", "tails", "heads", "length_m", "speed_kmh", "road_class", "is_bridge",
    "is_tunnel", "segment", "lon", "lat", "elevation_m", "node_ids",
)


def _float_array(a, k: int, label: str) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(k, float(a))
    if len(a) != k:
        raise ValueError(f"{label} has {len(a)} values for {k} segments")
    return a
