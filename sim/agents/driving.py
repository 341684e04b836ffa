"""Driving over a road graph whose roads close, flood and reopen.

A moving agent (truck or team crew) drives the current fastest route as one
SimPy timeout. When the state of an edge on its remaining route changes, the
world interrupts it; it finishes the edge it is on and re-routes from that
node (so it never teleports, and never drives through a road that closed
ahead of it). An agent that can reach nothing from where it stands waits at
its node, reports ``stuck`` once, and tries again whenever the roads change.
A route is only re-planned when it is affected: improvements elsewhere (a
road reopening off-route) are taken at the agent's next departure.
"""
from __future__ import annotations

import math

import numpy as np
import simpy

__all__ = ["Traffic"]


class _Leg:
    __slots__ = ("agent", "edges", "nodes", "cum_min", "start_min", "process")

    def __init__(self, agent, edges, nodes, cum_min, start_min, process):
        self.agent = agent
        self.edges = edges
        self.nodes = nodes
        self.cum_min = cum_min
        self.start_min = start_min
        self.process = process


class Traffic:
    """Moves agents over the road graph and re-routes them when roads change."""

    def __init__(self, env: simpy.Environment, router, log, leg_factor=None):
        self.env = env
        self.router = router
        self.log = log
        self.leg_factor = leg_factor      # agent id -> factor of its next drive's time (None: the roads' times)
        self.moving: dict[str, _Leg] = {}
        self.roads_changed = env.event()
        self.busy_drive_min = 0.0
        # Whether an edge is in the change being applied: True only within set_speed_factor.
        self._in_change = np.zeros(router.graph.n_edges, dtype=bool)

    def set_speed_factor(self, edges: np.ndarray, factors: np.ndarray, cause: str = "") -> None:
        """Change road state now and interrupt the agents whose route it touches."""
        self.router.set_speed_factor(edges, factors)
        if len(edges):
            changed = self._in_change
            changed[edges] = True
            try:
                now = self.env.now
                for agent, leg in list(self.moving.items()):
                    if not changed[leg.edges].any():      # the change is off the route: no edge to find
                        continue
                    k = int(leg.cum_min.searchsorted(now - leg.start_min))
                    ahead = leg.edges[k:]
                    if len(ahead) and changed[ahead].any():
                        # One interrupt per leg: a second change in the same instant
                        # finds the agent already re-routing from the end of its edge.
                        del self.moving[agent]
                        leg.process.interrupt(cause or "road change")
            finally:
                changed[edges] = False
        event, self.roads_changed = self.roads_changed, self.env.event()
        event.succeed()

    def can_reach(self, src: int, dst: int) -> bool:
        """Whether the roads lead from ``src`` to ``dst`` now."""
        return src == dst or math.isfinite(self.router.travel_time_min(src, dst))

    def drive(self, agent: str, src: int, dst: int):
        """Drive ``agent`` from ``src`` to ``dst``; returns minutes driven. The agent's own
        process runs it (``yield from``): a road change ahead interrupts that process, and
        the interrupt lands here, in the drive."""
        env = self.env
        node = src
        started = env.now
        reported_stuck = False
        while node != dst:
            route = self.router.route(node, dst)
            if route is None or not math.isfinite(route.time_min):
                if not reported_stuck:
                    self.log.add(env.now, "stuck", agent=agent, amount=node)
                    reported_stuck = True
                yield self.roads_changed
                continue
            if reported_stuck:
                self.log.add(env.now, "unstuck", agent=agent, amount=node)
                reported_stuck = False
            cum = np.cumsum(self.router.weight_min[route.edges])
            drive_min = route.time_min
            if self.leg_factor is not None:
                factor = self.leg_factor(agent)
                if factor != 1.0:
                    cum, drive_min = cum * factor, drive_min * factor
            leg = _Leg(agent, route.edges, route.nodes, cum, env.now, env.active_process)
            self.moving[agent] = leg
            try:
                yield env.timeout(drive_min)
                node = dst
            except simpy.Interrupt:
                elapsed = env.now - leg.start_min
                k = min(int(np.searchsorted(cum, elapsed, side="left")), len(cum) - 1)
                rest = cum[k] - elapsed
                if rest > 0:
                    yield env.timeout(rest)     # not interrupted again: the leg left self.moving
                node = int(route.nodes[k + 1])
                self.log.add(env.now, "reroute", agent=agent, amount=node)
                continue
            finally:
                if self.moving.get(agent) is leg:
                    del self.moving[agent]
        driven = env.now - started
        self.busy_drive_min += driven
        return driven
