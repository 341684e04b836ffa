"""Handing work on site to the team that would start it soonest.

Hazards and outages create work at road nodes — debris to clear, a flooded
point to pump, people to dig out, a depot's power to restore, hands to help
distribute. :class:`WorkAssigner` queues each piece with the capable team
(:data:`CAPABLE_KINDS`) whose crews would start it first: how long the team
is still held back ("no outside support"), its queue length per crew times a
shift, plus a straight-line travel estimate from its base. Work whose
crew-minutes differ by team kind (debris: a road crew or an army engineer
unit) goes to the team that would finish it first, its queue counted in
tasks of that length, and takes that kind's crew-minutes. Teams can be
dedicated to one kind of work (army engineers to roads): they take no other,
and the other teams of their kind take none of it. A task reaches the team
after the command's ``order_delay`` (longer for a team cut off by a
communications outage, :mod:`sim.world.comms`).
"""
from __future__ import annotations

import math

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
        self._crew_count = [float(t.spec.count) for t in teams]
        self._dedicated: dict[int, str] = {}          # team -> the only kind of work it takes
        self._left_out: dict[str, set[int]] = {}      # kind of work -> teams that take none of it
        self._by_kind: dict[int, dict[str, float]] = {}   # task seq -> crew-minutes by team kind
        self._capable: dict[str, tuple] = {}            # kind of work -> the teams that take it
        self._from_bases_min: dict[int, np.ndarray] = {}   # node -> straight-line minutes from every base

    def capable(self, kind: str) -> list:
        return list(self._capable_of(kind))

    def _capable_of(self, kind: str) -> tuple:
        teams = self._capable.get(kind)
        if teams is None:
            left_out = self._left_out.get(kind, set())
            teams = self._capable[kind] = tuple(
                t for t in self.teams if t.kind in CAPABLE_KINDS.get(kind, (kind,))
                and self._dedicated.get(id(t), kind) == kind and id(t) not in left_out)
        return teams

    def _crow_flight_from_bases_min(self, node: int) -> np.ndarray:
        """Straight-line minutes from every team's base to ``node`` (:func:`crow_flight_min`);
        kept for the run, as bases and nodes stay where they are."""
        travel_min = self._from_bases_min.get(node)
        if travel_min is None:
            travel_min = self._from_bases_min[node] = crow_flight_min(self.graph, self._base, [node])[:, 0]
        return travel_min

    def expect_work_at(self, nodes) -> None:
        """Work will be queued at ``nodes``: their straight-line minutes from every base are
        worked out now, in one go."""
        new = [n for n in np.unique(np.asarray(nodes, dtype=np.int64)).tolist() if n not in self._from_bases_min]
        if new:
            travel_min = crow_flight_min(self.graph, self._base, new)
            for k, node in enumerate(new):
                self._from_bases_min[node] = travel_min[:, k]

    def dedicate(self, teams, kind: str) -> None:
        """``teams`` take only ``kind`` work; other teams of their kinds take none of it."""
        chosen = {id(t) for t in teams}
        for t in teams:
            self._dedicated[id(t)] = kind
        kinds = {t.kind for t in teams}
        self._left_out.setdefault(kind, set()).update(
            id(t) for t in self.teams if t.kind in kinds and id(t) not in chosen)
        self._capable.clear()

    def next_seq(self) -> int:
        self.task_seq += 1
        return self.task_seq

    def _choose(self, teams, node: int, by_kind: dict[str, float] | None = None):
        """The team of ``teams`` whose crews would start (with ``by_kind``: finish) work at
        ``node`` first; ties to the first. A loop, not arrays: a kind of work has a few
        capable teams (three for debris on M8)."""
        now = self.env.now
        from_bases = self._crow_flight_from_bases_min(node).tolist()
        best, best_cost = None, math.inf
        for t in teams:
            k = self._index[id(t)]
            queued = t.waiting / self._crew_count[k]
            held = max(t.held_until - now, 0.0)
            if by_kind is None:
                cost = held + queued * SHIFT_MIN + from_bases[k]
            else:
                cost = held + (queued + 1.0) * by_kind[t.kind] + from_bases[k]
            if best is None or cost < best_cost:
                best, best_cost = t, cost
        return best

    def send(self, team, task: Task) -> None:
        """Give ``task`` to ``team`` once the order reaches it."""
        delay = self.order_delay_min
        if self.comms is not None:
            delay = self.comms.task_delay(self._index[id(team)], self.env.now, delay)
        if delay <= 0:
            team.assign(task)
            return

        team.expect()
        self.env.timeout(delay).callbacks.append(lambda _arrived: team.assign(task, expected=True))

    def assign(self, kind: str, node: int, work_min: float, label: str, zone: str, priority: float, on_done,
               skip=None, not_before_min: float = 0.0, work_min_by_kind: dict[str, float] | None = None):
        """Queue work at ``node`` with the capable team that would start it soonest (finish it
        first, when ``work_min_by_kind`` gives its crew-minutes by team kind); the team, or
        ``None`` if no team can do it."""
        teams = self._capable_of(kind)
        if not teams:
            return None
        by_kind = None if work_min_by_kind is None else {t.kind: work_min_by_kind.get(t.kind, work_min)
                                                         for t in teams}
        team = self._choose(teams, node, by_kind)
        task = Task(priority=-priority, seq=self.next_seq(), node=node,
                    work_min=work_min if by_kind is None else by_kind[team.kind], label=label, zone=zone,
                    kind=kind, on_done=on_done, skip=skip, not_before_min=not_before_min)
        if by_kind is not None:
            self._by_kind[task.seq] = by_kind
        self.send(team, task)
        return team

    def hand_over(self, tasks: list[Task]) -> None:
        """Tasks taken back from a team that is held back go to the capable team
        that would start them soonest."""
        for task in tasks:
            teams = self._capable_of(task.kind)
            if not teams:
                continue
            known = self._by_kind.get(task.seq)
            by_kind = None if known is None else {t.kind: known.get(t.kind, task.work_min) for t in teams}
            team = self._choose(teams, task.node, by_kind)
            if by_kind is not None:
                task.work_min = by_kind[team.kind]
            self.send(team, task)
