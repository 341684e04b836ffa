"""A rescue or support team: crews that mobilise, travel, work and return.

A team of ``count`` crews shares one task queue. After the alert, each crew
mobilises (the team's ``mobilize`` time), then takes tasks in priority order:
it drives to the task's node, works there for the task's crew-minutes, applies
the task's effect (a road reopened, water pumped, people rescued, hands to
distribute supplies) and takes the next task — or drives back to base when
none is waiting. Some work a free crew fetches itself before looking at the
queue (``pull``: rescue crews choosing where lives are saved,
:mod:`sim.dispatch.rescue`). Command fills the queues; a team never reads
another agent's state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import simpy

__all__ = ["Task", "Team"]


@dataclass(order=True)
class Task:
    """Work at a node: ``work_min`` crew-minutes; hooks run at start and end."""

    priority: float
    seq: int
    node: int = field(compare=False)
    work_min: float = field(compare=False)
    label: str = field(compare=False, default="")
    zone: str = field(compare=False, default="")
    kind: str = field(compare=False, default="")                 # the kind of work (who can do it)
    on_start: Callable | None = field(compare=False, default=None)
    on_done: Callable | None = field(compare=False, default=None)
    skip: Callable | None = field(compare=False, default=None)   # true once the work is no longer needed
    not_before_min: float = field(compare=False, default=0.0)    # a pre-positioned crew waits on site until then


class Team:
    """One team of the scenario (``spec``: :class:`sim.scenarios.models.Team`)."""

    def __init__(self, spec, base_node: int, traffic, alert_min: float = 0.0):
        self.spec = spec
        self.team_id: str = spec.id
        self.kind: str = spec.kind
        self.base_node = base_node
        self.traffic = traffic
        self.env = traffic.env
        self.log = traffic.log
        self.tasks = simpy.PriorityStore(self.env)
        self.busy_min = 0.0
        self.tasks_done = 0
        self.held_until = 0.0       # no outside support: an outside team takes no task until then
        self._released = self.env.event()
        self._in_task: dict[int, float] = {}
        self._incoming = 0
        self.pull = None              # (team, node) -> Task or None: work the team fetches itself (rescue)
        self.pull_signal = None       # () -> event that succeeds when there may be such work
        self.crews = [self.env.process(self._crew(k, alert_min)) for k in range(spec.count)]

    def fetch_work_from(self, pull, signal=None) -> None:
        """Work the team fetches itself besides its queue: ``pull(team, node)`` gives a task
        or ``None``, ``signal()`` an event that succeeds when there may be one; ``None``:
        only queued work."""
        self.pull, self.pull_signal = pull, signal

    def expect(self) -> None:
        """A task is on its way to the team (counted in :attr:`waiting`)."""
        self._incoming += 1

    def assign(self, task: Task, expected: bool = False) -> None:
        if expected:
            self._incoming -= 1
        self.tasks.put(task)

    # --------------------------------------------------- no outside support
    @property
    def held(self) -> bool:
        return self.env.now < self.held_until

    def hold(self, until_min: float) -> list[Task]:
        """Hold the team back until ``until_min``: its crews finish the task in
        hand and take no other; returns the tasks that were waiting, taken off
        its queue so they can go to other teams."""
        self.held_until = max(self.held_until, float(until_min))
        waiting = list(self.tasks.items)
        self.tasks.items.clear()
        return waiting

    def release(self) -> None:
        self.held_until = min(self.held_until, self.env.now)
        event, self._released = self._released, self.env.event()
        event.succeed()

    @property
    def waiting(self) -> int:
        """Tasks queued or on their way to the team."""
        return len(self.tasks.items) + self._incoming

    def _crew(self, k: int, alert_min: float):
        env = self.env
        crew_id = f"{self.team_id}#{k + 1}"
        yield env.timeout(max(alert_min - env.now, 0.0) + self.spec.mobilize)
        node = self.base_node
        while True:
            while self.held:
                yield self._released
            task = self.pull(self, node) if self.pull is not None else None
            if task is None:
                if not self.tasks.items and node != self.base_node:
                    self._in_task[k] = env.now
                    yield from self.traffic.drive(crew_id, node, self.base_node)
                    node = self.base_node
                    self.busy_min += env.now - self._in_task.pop(k)
                task = yield from self._wait_for_task()
                if task is None:
                    continue                       # pulled work appeared: look again
            while self.held:
                yield self._released
            if task.skip is not None and task.skip():
                continue
            self._in_task[k] = env.now
            self.log.add(env.now, "task_start", agent=crew_id, zone=task.zone, item=task.label)
            yield from self.traffic.drive(crew_id, node, task.node)
            node = task.node
            if task.not_before_min > env.now:
                yield env.timeout(task.not_before_min - env.now)
            if task.on_start is not None:
                task.on_start()
            yield env.timeout(task.work_min)
            if task.on_done is not None:
                task.on_done()
            self.log.add(env.now, "task_end", agent=crew_id, zone=task.zone, item=task.label)
            self.tasks_done += 1
            self.busy_min += env.now - self._in_task.pop(k)

    def _wait_for_task(self):
        """The next queued task; ``None`` if pulled work appears first."""
        get = self.tasks.get()
        if self.pull_signal is None:
            return (yield get)
        wake = self.pull_signal()
        result = yield get | wake
        if get in result:
            return result[get]
        get.cancel()
        return None

    def busy_until(self, now: float) -> float:
        """Crew-minutes spent on tasks up to ``now``, counting tasks under way."""
        return self.busy_min + sum(now - t for t in self._in_task.values())
