"""Handing work on site to the team that would start it soonest.

Hazards and outages create work at road nodes — debris to clear, a flooded
point to pump, people to dig out, a depot's power to restore, hands to help
distribute. :class:`WorkAssigner` queues each piece with the capable team
(:data:`CAPABLE_KINDS`) whose crews would start it first: how long the team
is still held back ("no outside support"), its queue length per crew times a
shift, plus a straight-line travel estimate from its base. A task reaches the
team after the command's ``order_delay`` (longer for a team cut off by a
communications outage, :mod:`sim.world.comms`).
"""
from __future__ import annotations

import numpy as np

from sim.agents.team import Task
from sim.network.geo import haversine_m

__all__ = ["WorkAssigner", "CAPABLE_KINDS", "SHIFT_MIN", "crow_flight_min"]

#: Which team kinds can do each kind of work.
CAPABLE_KINDS = {
    "road_repair": ("road_repair", "army"),
    "sar": ("sar", "fire_rescue", "army"),
    "pumping": ("pumping", "fire_rescue"),
    "lifeline_repair": ("lifeline_repair",),
    "distribution_help": ("volunteer", "distribution"),
}
#: A crew's shift: long work is split into shifts so several crews share it.
SHIFT_MIN = 480.0


def crow_flight_min(graph, sources, targets, speed_kmh: float = 30.0) -> np.ndarray:
    """Rough travel times (min) for choosing among teams: straight-line
    distance at ``speed_kmh``; the crew's real route is found when it drives.
    Falls back to 0 (no preference) on graphs without coordinates."""
    if not graph.has_coordinates:
        return np.zeros((len(sources), len(targets)))
    s, t = np.asarray(sources), np.asarray(targets)
    d = haversine_m(graph.lon[s][:, None], graph.lat[s][:, None], graph.lon[t][None, :], graph.lat[t][None, :])
    return np.atleast_2d(d) / (speed_kmh * 1000 / 60)


class WorkAssigner:
    """Queues work with teams (see the module docstring)."""

    def __init__(self, env, teams, graph, order_delay_min: float = 0.0):
        self.env = env
        self.teams = teams
        self.graph = graph
        self.order_delay_min = float(order_delay_min)
        self.comms = None                  # communications outages (sim.world.comms.Comms), if any
        self.task_seq = 0
        self._index = {id(t): k for k, t in enumerate(teams)}
        self._base = np.array([t.base_node for t in teams], dtype=np.int64)

    def capable(self, kind: str) -> list:
        return [t for t in self.teams if t.kind in CAPABLE_KINDS.get(kind, (kind,))]

    def next_seq(self) -> int:
        self.task_seq += 1
        return self.task_seq

    def _choose(self, teams, node: int):
        now = self.env.now
        travel = crow_flight_min(self.graph, self._base[[self._index[id(t)] for t in teams]], [node])[:, 0]
        cost = [t.hold_left_min(now) + (t.waiting / t.spec.count) * SHIFT_MIN + travel[k]
                for k, t in enumerate(teams)]
        return teams[int(np.argmin(cost))]

    def send(self, team, task: Task) -> None:
        """Give ``task`` to ``team`` once the order reaches it."""
        delay = self.order_delay_min
        if self.comms is not None:
            delay = self.comms.task_delay(self._index[id(team)], self.env.now, delay)
        if delay <= 0:
            team.assign(task)
            return

        def deliver():
            yield self.env.timeout(delay)
            team.assign(task, expected=True)

        team.expect()
        self.env.process(deliver())

    def assign(self, kind: str, node: int, work_min: float, label: str, zone: str, priority: float, on_done,
               skip=None, not_before_min: float = 0.0) -> bool:
        """Queue work at ``node`` with the capable team that would start it soonest;
        ``False`` if no team can do it."""
        teams = self.capable(kind)
        if not teams:
            return False
        self.send(self._choose(teams, node), Task(
            priority=-priority, seq=self.next_seq(), node=node, work_min=work_min, label=label, zone=zone,
            kind=kind, on_done=on_done, skip=skip, not_before_min=not_before_min))
        return True

    def hand_over(self, tasks: list[Task]) -> None:
        """Tasks taken back from a team that is held back go to the capable team
        that would start them soonest."""
        for task in tasks:
            teams = self.capable(task.kind)
            if teams:
                self.send(self._choose(teams, task.node), task)
