"""The count of trapped people: freed by neighbours, rescued by teams, dead, waiting."""
from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["RescueLedger"]


@dataclass
class RescueLedger:
    """People trapped by the hazard and what became of them (fractions of people
    are expected values: a shift rescues its share alive with the survival
    probability when it ends)."""

    trapped: int = 0
    self_rescued: float = 0.0
    rescued_alive: float = 0.0
    rescued_dead: float = 0.0
    unassigned_sites: int = 0          # work no team of a capable kind exists for

    @property
    def awaiting(self) -> float:
        return max(0.0, self.trapped - self.self_rescued - self.rescued_alive - self.rescued_dead)

    def as_dict(self) -> dict:
        return asdict(self)
