"""The count of trapped people: freed by neighbours, rescued by teams, dead, waiting."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RescueLedger"]


@dataclass
class RescueLedger:
    """People trapped by the hazard and what became of them. Teams' rescues are
    whole people (each drawn alive or dead when reached); what neighbours free
    is an expected value over the self-rescue profile."""

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
        return {"trapped": self.trapped, "self_rescued_alive": round(self.self_rescued_alive, 1),
                "self_rescued_dead": round(self.self_rescued_dead, 1), "rescued_alive": self.rescued_alive,
                "rescued_dead": self.rescued_dead, "awaiting_rescue_at_end": round(self.awaiting, 1),
                "unassigned_sites": self.unassigned_sites}
