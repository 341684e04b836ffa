"""What a hazard does to the world, as a timeline of changes.

A hazard model is a function of the scenario and a seeded random generator
that returns a :class:`HazardOutcome`: time-stamped changes of road state
(:class:`RoadChange`), the people it displaces, traps and leaves in need per
zone, and the work it creates for teams (:class:`WorkSite`: debris to clear, a
flooded point to pump, a lifeline to repair). The engine applies road changes
as SimPy events and hands work sites to the command centre; when a team
finishes a work site, the engine applies the site's ``on_done`` road change.

Keeping hazards as pure functions (no SimPy inside) makes them testable on
their own and lets a before/after comparison share the same draws.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["RoadChange", "WorkSite", "CommsDown", "HazardOutcome"]


@dataclass(frozen=True)
class RoadChange:
    """At ``time_min``, set the speed factor of ``edges`` (0 closes them)."""

    time_min: float
    edges: np.ndarray
    speed_factor: np.ndarray
    cause: str

    def __post_init__(self):
        # Hazard models make thousands of changes per run, nearly all from an int64 edge array and
        # a float or a float64 array of one factor per edge: those take the short way.
        edges = self.edges
        if not (type(edges) is np.ndarray and edges.dtype == np.int64 and edges.ndim == 1):
            edges = np.atleast_1d(np.asarray(edges, dtype=np.int64))
        factor = self.speed_factor
        if type(factor) is float:
            factor_value = factor
            factor = np.empty(edges.shape)
            factor.fill(factor_value)
        elif type(factor) is np.ndarray and factor.dtype == np.float64 and factor.shape == edges.shape:
            factor = factor.copy()
        else:
            factor = np.asarray(factor, dtype=np.float64)
            factor = (np.full(edges.shape, factor) if factor.ndim == 0
                      else np.broadcast_to(factor, edges.shape).copy())
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "speed_factor", factor)


@dataclass(frozen=True)
class WorkSite:
    """Work a team of ``team_kind`` must do at ``node`` before ``on_done`` applies.

    ``work_min`` is crew-minutes of work on site (two crews halve it);
    ``work_min_by_kind`` gives it per team kind where crews work at different
    rates (a road crew and an army engineer unit clearing debris).
    ``available_min`` is when the site can first be worked (e.g. water must
    stop rising before pumping helps). ``priority`` orders sites of one kind
    (higher first). ``zone`` is the index of the zone the work is for (its row
    in the zone table; -1 for work on the roads): several zones may share a
    road node, so a site names its zone rather than leaving it to the node.
    """

    site_id: str
    team_kind: str
    node: int
    work_min: float
    on_done: RoadChange | None = None
    available_min: float = 0.0
    priority: float = 0.0
    cause: str = ""
    zone: int = -1
    work_min_by_kind: dict[str, float] | None = None


@dataclass(frozen=True)
class CommsDown:
    """The zones whose networks a hazard took down, from ``start`` until ``end`` (minutes).

    It acts as a communications outage window (:class:`sim.world.comms.Comms`)
    over the zones of ``zone_down`` (one flag per zone) and the depots and
    teams standing in them: reports lost with ``loss_share``, orders and tasks
    ``delay_factor`` times slower.
    """

    start: float
    end: float
    delay_factor: float
    loss_share: float
    zone_down: np.ndarray


@dataclass
class HazardOutcome:
    """Everything a hazard did, for one run.

    Per-zone arrays are aligned with the world's zone table.
    """

    road_changes: list[RoadChange] = field(default_factory=list)
    affected: np.ndarray | None = None       # people the hazard affected
    displaced: np.ndarray | None = None      # of whom without a habitable home
    trapped: np.ndarray | None = None        # of whom trapped in collapsed buildings
    outdoors: np.ndarray | None = None       # of the affected at home: sleeping outdoors
    outdoors_until_min: np.ndarray | None = None
    no_lifelines: np.ndarray | None = None   # of the affected at home: without water and power
    lifelines_until_min: np.ndarray | None = None
    impact_time_min: np.ndarray | None = None  # when each zone is hit (default 0)
    work_sites: list[WorkSite] = field(default_factory=list)
    figures: dict = field(default_factory=dict)   # the hazard's own figures for summary.json
    comms_down: CommsDown | None = None      # networks the hazard took down
