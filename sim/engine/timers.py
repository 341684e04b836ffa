"""Scheduling a world change at a given simulated time."""
from __future__ import annotations

__all__ = ["at"]


def at(env, time_min: float, action):
    """Run ``action()`` at ``time_min`` (at once if that time has passed)."""
    def proc():
        if time_min > env.now:
            yield env.timeout(time_min - env.now)
        action()
    return env.process(proc())
