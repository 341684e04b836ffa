"""Scheduling a world change at a time (:func:`sim.engine.timers.at`)."""
from __future__ import annotations

import simpy

from sim.engine.timers import at


def test_actions_run_at_their_times_in_the_order_they_were_scheduled():
    """A change due later runs at its time; changes due at the same time run in the order
    they were scheduled; a change whose time has passed runs at once, before anything
    else of the same moment that was scheduled after it."""
    env = simpy.Environment()
    ran = []

    def later(label):
        return lambda: ran.append((label, env.now))

    def schedule():
        yield env.timeout(10.0)
        at(env, 30.0, later("c"))
        at(env, 25.0, later("b"))
        at(env, 30.0, later("d"))
        at(env, 5.0, later("past"))                 # already passed at 10 min: at once
        at(env, 10.0, later("now"))
        env.timeout(0.0).callbacks.append(lambda _e: ran.append(("plain timeout", env.now)))

    env.process(schedule())
    at(env, 0.0, later("start"))
    env.run()
    assert ran == [("start", 0.0), ("past", 10.0), ("now", 10.0), ("plain timeout", 10.0),
                   ("b", 25.0), ("c", 30.0), ("d", 30.0)]
