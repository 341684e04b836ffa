"""Scheduling a world change at a given simulated time."""
from __future__ import annotations

__all__ = ["at"]


def at(env, time_min: float, action) -> None:
    """Run ``action()`` at ``time_min`` (at once, as the next step of the event loop, if that
    time has passed): a timeout's callback, not a process of its own."""
    delay = time_min - env.now
    if delay > 0:
        env.timeout(delay).callbacks.append(lambda _due: action())
    else:
        env.process(_at_once(action))


def _at_once(action):
    action()
    yield from ()
