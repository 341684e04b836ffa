"""The count of trapped people: freed by neighbours, rescued by teams, dead, waiting."""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["RescueLedger", "whole_people"]


def whole_people(values: list[float], total: int) -> list[int]:
    """``values`` (expected numbers of people that add up to ``total``) as whole people that add
    up to ``total`` exactly: each rounded down, and the people left over given one each to the
    values with the largest fractions (largest remainder, Hamilton's method; ties to the first)."""
    floors = [math.floor(v + 1e-9) for v in values]
    left = int(total) - sum(floors)
    order = sorted(range(len(values)), key=lambda k: (-(values[k] - floors[k]), k))
    for k in order[:max(left, 0)]:
        floors[k] += 1
    for k in [k for k in reversed(order) if floors[k] > 0][:max(-left, 0)]:    # rounding noise above the total
        floors[k] -= 1
    return floors


@dataclass
class RescueLedger:
    """People trapped by the hazard and what became of them. Teams' rescues are
    whole people (each drawn alive or dead when reached); what neighbours free
    is an expected value over the self-rescue profile, kept so while the run goes
    on and reported in whole people (:meth:`as_dict`)."""

    trapped: int = 0
    self_rescued_alive: float = 0.0
    self_rescued_dead: float = 0.0
    rescued_alive: int = 0              # by teams
    rescued_dead: int = 0               # by teams
    unassigned_sites: int = 0           # work no team of a capable kind exists for

    @property
    def awaiting(self) -> float:
        return max(0.0, self.trapped - self.self_rescued_alive - self.self_rescued_dead - self.rescued_alive
                   - self.rescued_dead)

    def as_dict(self) -> dict:
        """The figures of ``summary.json``, in whole people that add up to the trapped: the
        neighbours' expected rescues (alive, dead) and those still awaiting rescue are rounded
        by largest remainder over the people the teams did not reach (:func:`whole_people`)."""
        alive, dead, awaiting = whole_people(
            [self.self_rescued_alive, self.self_rescued_dead, self.awaiting],
            max(self.trapped - self.rescued_alive - self.rescued_dead, 0))
        return {"trapped": self.trapped, "self_rescued_alive": alive, "self_rescued_dead": dead,
                "rescued_alive": self.rescued_alive, "rescued_dead": self.rescued_dead,
                "dead_when_freed": dead + self.rescued_dead,
                "awaiting_rescue_at_end": awaiting, "unassigned_sites": self.unassigned_sites}

    def awaiting_alive(self, survival: float) -> int:
        """Of those still awaiting rescue, how many the survival curve expects alive (``survival``:
        its value at the end, for people trapped since the hazard struck), in whole people."""
        return int(round(self.as_dict()["awaiting_rescue_at_end"] * survival))
