"""Clearing debris off the roads: lanes to cut-off zones, then the corridors, then the rest.

Every blocked street is a work site for road crews (``road_repair``) and
army engineer units, who clear it at their own rate
(:func:`sim.hazards.earthquake.debris_work_min`). :class:`RouteClearing`
orders the work:

1. **Emergency lanes** [BJ12, CN13] — when command finds affected zones cut
   off, the fastest route from the nearest depot that would open if its
   blocked streets were cleared; its streets go ahead of all other debris.
2. **Corridors** [TZ] — the level-1 rescue corridors
   (:mod:`sim.world.corridors`), each from its depot outwards.
3. **The rest** by road class, arterials first (the site's own priority).

Army teams named as engineers (``road_clearing.engineers``) take road work
only and dig out nobody; the other army teams then take no road work.
:meth:`RouteClearing.figures` reports what was cleared and when each
corridor reopened.
"""
from __future__ import annotations

import math

import numpy as np

from sim.world.road_layers import REPORT_HOURS

__all__ = ["RouteClearing", "SiteWork", "nearest_sources", "queue_site_work", "dedicate_engineers", "URGENT",
           "CORRIDOR"]

#: Priority of a street on an emergency lane to a cut-off zone.
URGENT = 1e6
#: Priority of a street on a corridor, less its distance from the corridor's depot in km.
CORRIDOR = 1e5


class SiteWork:
    """One work site and whether it is done (several crews may be sent to it)."""

    def __init__(self, world, site):
        self.world = world
        self.site = site
        self.done = False
        self.urgent = False
        self.priority = site.priority
        self.done_min = math.inf
        self.cleared_by = ""
        self.length_km = 0.0

    def finish(self, team_kind: str = "") -> None:
        if not self.done:
            self.done = True
            self.done_min = self.world.env.now
            self.cleared_by = team_kind
            c = self.site.on_done
            if c is None:
                return
            if self.site.team_kind == "pumping":
                self.world.road_layers.pump_clear(c.edges, c.cause)
            else:
                self.world.road_layers.set("hazard", c.edges, c.speed_factor, c.cause)

    def is_done(self) -> bool:
        return self.done


def queue_site_work(world, work: SiteWork, priority: float) -> None:
    site = work.site
    given_to = {}
    team = world.work.assign(site.team_kind, site.node, site.work_min, site.team_kind, "", priority,
                             lambda: work.finish(given_to.get("kind", "")), skip=work.is_done,
                             not_before_min=site.available_min, work_min_by_kind=site.work_min_by_kind)
    if not team:
        world.rescue.unassigned_sites += 1
    else:
        given_to["kind"] = team.kind


def dedicate_engineers(world, team_ids) -> None:
    """The named army teams clear roads only: they take no rescue work."""
    ids = set(team_ids)
    engineers = [t for t in world.teams if t.team_id in ids]
    world.work.dedicate(engineers, "road_repair")
    for team in engineers:
        team.fetch_work_from(None)


def nearest_sources(router, sources: list[int], targets: list[int]) -> list[int | None]:
    """Per target node, the source node (of ``sources``) with the shortest travel time to it
    on ``router``'s roads, the first in ``sources`` on a tie (also when none reaches it);
    ``None`` without sources. Each source's times are read at the targets only (a sweep over
    the crossroads they need: the same numbers as its whole tree)."""
    if not sources:
        return [None] * len(targets)
    at = np.asarray(targets, dtype=np.int64)
    minutes = np.stack([router.times_from(n, at=at) for n in sources])       # [source, target]
    return [sources[k] for k in np.argmin(minutes, axis=0).tolist()]


class RouteClearing:
    """See the module docstring."""

    URGENT = URGENT

    def __init__(self, world, corridors=()):
        self.world = world
        self.works: dict[int, SiteWork] = {}      # road segment -> debris work
        self.asked: set[str] = set()
        self.corridors = list(corridors)
        self.reopen_scheduled: dict[int, float] = {}   # segment closed by the hazard -> when it reopens
        self._cleared = None                            # a Router on a copy with pending debris cleared

    def add(self, site) -> SiteWork:
        work = SiteWork(self.world, site)
        if site.on_done is not None and len(site.on_done.edges):
            g = self.world.graph
            edge = site.on_done.edges[0]
            work.length_km = float(g.length_m[edge]) / 1000.0
            self.works[int(g.segment[edge])] = work
        return work

    def prioritise_corridors(self) -> None:
        """Debris on a corridor goes ahead of other streets, nearer its depot first."""
        g = self.world.graph
        for corridor in self.corridors:
            km_to = np.cumsum(g.length_m[corridor.edges]) / 1000.0
            seg = g.segment[corridor.edges]
            for s in corridor.segments:
                work = self.works.get(int(s))
                if work is not None and work.site.team_kind == "road_repair":
                    km = float(km_to[np.argmax(seg == s)])
                    work.priority = max(work.priority, CORRIDOR - km)

    def record_closures(self, road_changes) -> None:
        """When each segment the hazard closes on schedule reopens (``inf``: not within the changes)."""
        g = self.world.graph
        for change in sorted(road_changes, key=lambda c: c.time_min):
            for s, f in zip(g.segment[change.edges].tolist(), change.speed_factor.tolist()):
                if f == 0.0:
                    self.reopen_scheduled.setdefault(s, math.inf)
                elif s in self.reopen_scheduled and math.isinf(self.reopen_scheduled[s]):
                    self.reopen_scheduled[s] = change.time_min

    def request(self, zones) -> None:
        zones = [z for z in zones if z.zone_id not in self.asked]
        pending = [seg for seg, w in self.works.items() if not w.done]
        if not zones or not pending:
            return
        g = self.world.graph
        router = self._cleared_router(pending)
        depots = [d.node for d in self.world.depots if not d.blocked]
        nearest = nearest_sources(router, depots, [zone.node for zone in zones])
        for zone, best in zip(zones, nearest):
            self.asked.add(zone.zone_id)
            route = None if best is None else router.route(best, zone.node)
            if route is None:
                continue
            for seg in np.unique(g.segment[route.edges]):
                work = self.works.get(int(seg))
                if work is not None and not work.done and not work.urgent:
                    work.urgent = True
                    queue_site_work(self.world, work, self.URGENT)

    def _cleared_router(self, pending: list[int]):
        """A router on the roads as they are now but with the debris of the ``pending``
        segments cleared. One is kept for the run: each request changes its roads where
        they differ from the last request's, and the router customizes for those edges
        only (partially, when few: the same times as customizing from scratch, bit for
        bit) instead of from scratch on a new copy of the graph."""
        from sim.routing import Router

        g = self.world.graph
        factor = g.speed_factor.copy()
        factor[np.isin(g.segment, pending)] = 1.0
        if self._cleared is None:
            cleared = g.copy()
            cleared.speed_factor[:] = factor
            self._cleared = Router(cleared)
        else:
            cleared = self._cleared.graph
            changed = np.flatnonzero(cleared.speed_factor != factor)
            if len(changed):
                cleared.set_speed_factor(changed, factor[changed])
        return self._cleared

    # ------------------------------------------------------------ figures
    def figures(self, duration_min: float) -> dict:
        """``road_clearing`` (debris, what crews cleared, by crew kind and by :data:`REPORT_HOURS`) and
        ``corridors`` (each with its blocked segments and when it reopened) for ``summary.json``."""
        debris = [w for w in self.works.values() if w.site.team_kind == "road_repair"]
        if not debris and not self.corridors:
            return {}
        cleared = [w for w in debris if w.done_min <= duration_min]
        by_kind: dict[str, float] = {}
        for w in cleared:
            by_kind[w.cleared_by] = by_kind.get(w.cleared_by, 0.0) + w.length_km
        out = {"road_clearing": {
            "debris_sites": len(debris),
            "debris_km": round(sum(w.length_km for w in debris), 3),
            "cleared_sites": len(cleared),
            "cleared_km": round(sum(w.length_km for w in cleared), 3),
            "cleared_km_by_crew": {k: round(v, 3) for k, v in sorted(by_kind.items())},
            "cleared_km_at": {f"{h:g}h": round(sum(w.length_km for w in cleared if w.done_min <= h * 60), 3)
                              for h in REPORT_HOURS if h * 60 <= duration_min},
        }}
        if self.corridors:
            first = np.unique(self.world.graph.segment, return_index=True)[1]
            out["corridors"] = [self._corridor_figures(c, first, duration_min) for c in self.corridors]
        return out

    def _corridor_figures(self, corridor, first, duration_min: float) -> dict:
        reopen: list[float] = []
        blocked = closed_bridges = 0
        blocked_km = 0.0
        for s in corridor.segments.tolist():
            work = self.works.get(s)
            if work is not None and work.site.team_kind == "road_repair":
                blocked += 1
                blocked_km += work.length_km
                reopen.append(work.done_min)
            elif s in self.reopen_scheduled:
                closed_bridges += int(self.world.graph.is_bridge[first[s]])
                reopen.append(self.reopen_scheduled[s])
        last = max(reopen, default=0.0)
        return {"id": corridor.corridor_id, "township": corridor.township, "from": corridor.from_depot,
                "to": corridor.to, "length_km": round(corridor.length_km, 3), "blocked_segments": blocked,
                "blocked_km": round(blocked_km, 3), "closed_bridges": closed_bridges,
                "reopened_h": round(last / 60.0, 4) if last <= duration_min else None}
