"""Clearing a way to zones no depot can reach (emergency lanes [BJ12, CN13]).

When command finds affected zones cut off, :class:`RouteClearing` finds, for
each, the fastest route from the nearest depot that would open if the blocked
streets on it were cleared, and sends road-repair crews to those streets
ahead of all other debris.
"""
from __future__ import annotations

import numpy as np

__all__ = ["RouteClearing", "SiteWork", "queue_site_work"]


class SiteWork:
    """One work site and whether it is done (several crews may be sent to it)."""

    def __init__(self, world, site):
        self.world = world
        self.site = site
        self.done = False
        self.urgent = False
        self.priority = site.priority

    def finish(self) -> None:
        if not self.done:
            self.done = True
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
    if not world.work.assign(site.team_kind, site.node, site.work_min, site.team_kind, "", priority, work.finish,
                             skip=work.is_done, not_before_min=site.available_min):
        world.rescue.unassigned_sites += 1


class RouteClearing:
    """See the module docstring."""

    URGENT = 1e6

    def __init__(self, world):
        self.world = world
        self.works: dict[int, SiteWork] = {}      # road segment -> debris work
        self.asked: set[str] = set()

    def add(self, site) -> SiteWork:
        work = SiteWork(self.world, site)
        if site.on_done is not None and len(site.on_done.edges):
            self.works[int(self.world.graph.segment[site.on_done.edges[0]])] = work
        return work

    def request(self, zones) -> None:
        from sim.routing import Router

        zones = [z for z in zones if z.zone_id not in self.asked]
        pending = [seg for seg, w in self.works.items() if not w.done]
        if not zones or not pending:
            return
        g = self.world.graph
        cleared = g.copy()
        cleared.speed_factor[np.isin(g.segment, pending)] = 1.0
        router = Router(cleared)
        depots = [d.node for d in self.world.depots if not d.blocked]
        for zone in zones:
            self.asked.add(zone.zone_id)
            best = min(depots, key=lambda n: router.times_from(n)[zone.node], default=None)
            route = None if best is None else router.route(best, zone.node)
            if route is None:
                continue
            for seg in np.unique(g.segment[route.edges]):
                work = self.works.get(int(seg))
                if work is not None and not work.done and not work.urgent:
                    work.urgent = True
                    queue_site_work(self.world, work, self.URGENT)
