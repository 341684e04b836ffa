"""Schedule the outage windows the world's outage plan resolved.

Road outages close their segments on their own road layer and reopen them at
the window's end; power outages slow the depots and shelters they cover until
the window ends or a ``lifeline_repair`` crew restores their supply; "no
outside support" blocks city depots and holds back outside teams.
Communications and water outages act through the world's
:class:`~sim.world.comms.Comms` and the zones' needs and need no scheduling.
"""
from __future__ import annotations

from sim.engine.timers import at

__all__ = ["schedule_outages", "POWER_RESTORE_CREW_MIN"]

#: Crew-minutes to restore power to a depot or shelter (assumption: a mobile
#: generator or a repaired feeder within about four hours of work).
POWER_RESTORE_CREW_MIN = 240.0


def schedule_outages(world) -> None:
    """Schedule every window of ``world.outages`` (see the module docstring)."""
    env = world.env
    for k, closure in enumerate(world.outages.road_closures):
        layer = f"road-outage-{k + 1}"
        at(env, closure.start_min, lambda c=closure, n=layer: world.road_layers.set(n, c.edges, 0.0, "road outage"))
        at(env, closure.end_min, lambda c=closure, n=layer: world.road_layers.set(n, c.edges, 1.0, "road reopened"))
    for cut in world.outages.power_cuts:
        _power_window(world, cut.window, cut.sites)
    if world.outages.no_outside_support is not None:
        _no_outside_support(world, world.outages.no_outside_support)


def _power_window(world, w, down) -> None:
    env = world.env
    for agent in down:
        state = {"restored": False}

        def cut(a=agent):
            a.slowdown = w.slowdown

        def restore(a=agent, st=state, by="window end"):
            if not st["restored"]:
                st["restored"] = True
                a.slowdown = 1.0
                world.log.add(env.now, "power_restored", agent=getattr(a, "depot_id", getattr(a, "shelter_id", "")),
                              item=by)

        at(env, w.start, cut)
        at(env, w.end, restore)
        at(env, w.start + world.scenario.command.report_delay.mode,
           lambda a=agent, r=restore: world.work.assign("lifeline_repair", a.node, POWER_RESTORE_CREW_MIN,
                                                        "power", "", 1.0, lambda: r(by="lifeline_repair")))


def _no_outside_support(world, w) -> None:
    env = world.env
    city = [d for d in world.depots if d.tier == "city"]

    def block():
        for d in city:
            d.blocked = True

    def unblock():
        for d in city:
            d.blocked = False
        world.command.request_plan()

    at(env, w.start, block)
    at(env, w.end, unblock)
    for t in world.teams:
        if t.spec.outside and w.start <= 0.0:
            t.blocked_until = w.end
