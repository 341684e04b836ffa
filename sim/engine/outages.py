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

__all__ = ["schedule_outages", "POWER_RESTORE_CREW_MIN", "ROAD_OUTAGE", "ROAD_OUTAGE_ENDED"]

#: Causes of a road outage's changes, as the road events and closures name them.
ROAD_OUTAGE, ROAD_OUTAGE_ENDED = "road outage", "road reopened"

#: Crew-minutes to restore power to a depot or shelter (assumption: a mobile
#: generator or a repaired feeder within about four hours of work).
POWER_RESTORE_CREW_MIN = 240.0


def schedule_outages(world) -> None:
    """Schedule every window of ``world.outages`` (see the module docstring)."""
    env = world.env
    for k, closure in enumerate(world.outages.road_closures):
        layer = f"road-outage-{k + 1}"
        at(env, closure.start_min, lambda c=closure, n=layer: world.road_layers.set(n, c.edges, 0.0, ROAD_OUTAGE))
        at(env, closure.end_min, lambda c=closure, n=layer: world.road_layers.set(n, c.edges, 1.0, ROAD_OUTAGE_ENDED))
    for k, cut in enumerate(world.outages.power_cuts):
        _power_window(world, k, cut.window, cut.sites)
    if world.outages.no_outside_support is not None:
        _no_outside_support(world, world.outages.no_outside_support)


def _site_id(site) -> str:
    return getattr(site, "depot_id", None) or getattr(site, "shelter_id", "")


def _power_window(world, key: int, w, down) -> None:
    """Cut the sites' power for the window (layered over other windows) and send
    a lifeline-repair crew to each once the cut is reported."""
    env = world.env

    def cut():
        for site in down:
            site.power.cut(key, w.slowdown)

    def end():
        for site in down:
            if site.power.end(key):
                world.log.add(env.now, "power_restored", agent=_site_id(site), item="window end")

    def repaired(site):
        if site.power.repair():
            world.log.add(env.now, "power_restored", agent=_site_id(site), item="lifeline_repair")

    at(env, w.start, cut)
    at(env, w.end, end)
    for site in down:
        at(env, w.start + world.scenario.command.report_delay.mode,
           lambda s=site: world.work.assign("lifeline_repair", s.node, POWER_RESTORE_CREW_MIN, "power", "", 1.0,
                                            lambda: repaired(s), skip=lambda: not s.power.is_off))


def _no_outside_support(world, w) -> None:
    """City depots and outside teams are held back for the window, whenever it
    starts: the depots' trucks take no tours, tasks queued with the teams go to
    local teams, and neither takes new work until the end."""
    env = world.env
    city = [d for d in world.depots if d.tier == "city"]
    outside = [t for t in world.teams if t.spec.outside]

    def hold():
        for d in city:
            d.hold()
        for t in outside:
            world.work.hand_over(t.hold(w.end))

    def release():
        for d in city:
            d.release()
        for t in outside:
            t.release()
        world.command.need_changed()

    at(env, w.start, hold)
    at(env, w.end, release)
