"""Apply a hazard's outcome and the scenario's outages to a running world.

Road state has several causes at once — an earthquake's debris, a flooded
underpass, a drill's road closure. Each cause writes its own **layer** of
speed factors and an edge's state is the minimum over layers, so a road
outage ending never reopens a bridge the earthquake broke. Work sites become
team tasks: a ``road_repair`` crew clearing debris lifts the earthquake layer
on that street, a ``sar`` crew rescues the trapped (alive in proportion to
the survival curve at the time it finishes; the scenario's
``self_rescue_share`` of the trapped is freed by neighbours within the first
hour), a ``pumping`` crew clears a flooded cluster and keeps it clear for the
rest of the storm, a ``lifeline_repair`` crew restores a depot's power. With
``prepositioning: true`` a rainfall warning sends pumping crews to the
forecast worst points before the water rises. Communications outages change
when reports and orders arrive; no outside support blocks city depots and
outside teams.
"""
from __future__ import annotations

import math

import numpy as np

from .hazards.outages import node_townships, points_in_area, road_closures, window_days, zones_hit_by
from .rng import stream

__all__ = ["RoadLayers", "apply_outcome", "apply_outages", "Comms", "CAPABLE_KINDS"]

#: Which team kinds can do each kind of work.
CAPABLE_KINDS = {
    "road_repair": ("road_repair", "army"),
    "sar": ("sar", "fire_rescue", "army"),
    "pumping": ("pumping", "fire_rescue"),
    "lifeline_repair": ("lifeline_repair",),
}
#: A crew's shift: long work is split into shifts so several crews share it.
SHIFT_MIN = 480.0
#: When neighbours and township teams have dug out those they can (assumption:
#: within the first hour, the window in which most self/mutual rescue happens).
SELF_RESCUE_MIN = 60.0
#: Crew-minutes to restore power to a depot or shelter (assumption: a mobile
#: generator or a repaired feeder within about four hours of work).
POWER_RESTORE_CREW_MIN = 240.0


class RoadLayers:
    """Speed factors by cause; the road state is their minimum."""

    def __init__(self, world):
        self.world = world
        self.layers: dict[str, np.ndarray] = {}
        graph = world.graph
        self.first_edge = np.unique(graph.segment, return_index=True)[1]
        self.closed_km: list[tuple[float, float]] = [(0.0, 0.0)]
        self.pumped = np.zeros(graph.n_edges, dtype=bool)   # kept clear by pumps: the hazard no longer floods them

    def set_hazard(self, edges, factors, cause: str) -> None:
        """A hazard change, except on edges that pumping crews keep clear."""
        edges = np.asarray(edges, dtype=np.int64)
        factors = np.broadcast_to(np.asarray(factors, dtype=np.float64), edges.shape)
        keep = ~self.pumped[edges]
        if keep.any():
            self.set("hazard", edges[keep], factors[keep], cause)

    def pump_clear(self, edges, cause: str) -> None:
        self.set("hazard", edges, 1.0, cause)
        self.pumped[np.asarray(edges, dtype=np.int64)] = True

    def set(self, layer: str, edges: np.ndarray, factors, cause: str = "") -> None:
        edges = np.asarray(edges, dtype=np.int64)
        m = self.world.graph.n_edges
        arr = self.layers.setdefault(layer, np.ones(m))
        arr[edges] = factors
        combined = np.min(np.stack([a[edges] for a in self.layers.values()]), axis=0)
        self.world.traffic.set_speed_factor(edges, combined, cause or layer)
        g = self.world.graph
        closed = self.first_edge[g.speed_factor[self.first_edge] == 0.0]
        km = float(g.length_m[closed].sum()) / 1000.0
        now = self.world.env.now
        if self.closed_km[-1][0] == now:
            self.closed_km[-1] = (now, km)
        else:
            self.closed_km.append((now, km))
        self.world.log.add(now, "road", agent=layer, item=cause or layer, amount=len(edges))


def _at(env, time_min: float, action):
    def proc():
        if time_min > env.now:
            yield env.timeout(time_min - env.now)
        action()
    return env.process(proc())


def _capable_teams(world, kind: str):
    return [t for t in world.teams if t.kind in CAPABLE_KINDS.get(kind, (kind,))]


def _assign(world, kind: str, node: int, work_min: float, label: str, zone: str, priority: float, on_done,
            skip=None, not_before_min: float = 0.0):
    """Queue work at ``node`` with the capable team that would start it soonest."""
    from .agents.team import Task

    from .agents.command import crow_flight_min

    teams = _capable_teams(world, kind)
    if not teams:
        return False
    travel = crow_flight_min(world.graph, [t.base_node for t in teams], [node])[:, 0]
    team = teams[int(np.argmin([(t.waiting / t.spec.count) * SHIFT_MIN + travel[k] for k, t in enumerate(teams)]))]
    world.command.task_seq += 1
    team.assign(Task(priority=-priority, seq=world.command.task_seq, node=node, work_min=work_min,
                     label=label, zone=zone, on_done=on_done, skip=skip, not_before_min=not_before_min))
    return True


def apply_outcome(world, outcome) -> None:
    """Schedule a hazard outcome's road changes and hand its work sites to teams."""
    layers = world.road_layers
    env = world.env
    for change in outcome.road_changes:
        _at(env, change.time_min, lambda c=change: layers.set_hazard(c.edges, c.speed_factor, c.cause))
    zone_of_node = {z.node: z for z in world.zones}
    trapped = int(sum(z.trapped for z in world.zones))
    self_share = float(getattr(world.scenario.hazard, "self_rescue_share", 0.0))
    world.rescue = {"trapped": trapped, "self_rescued": 0.0, "rescued_alive": 0.0, "rescued_dead": 0.0,
                    "unassigned_sites": 0}
    if self_share > 0:
        from .hazards.fragility import survival_probability

        alive = float(survival_probability(SELF_RESCUE_MIN))
        world.rescue["self_rescued"] = trapped * self_share * alive
        world.rescue["rescued_dead"] += trapped * self_share * (1 - alive)
    report = world.scenario.command.report_delay.mode
    clearing = RouteClearing(world)
    warning = outcome.figures.get("warning_min")
    preposition = bool(getattr(world.scenario.hazard, "prepositioning", False)) and warning is not None
    for site in outcome.work_sites:
        ready = site.available_min + report
        if preposition and site.team_kind == "pumping":
            work = clearing.add(site)
            _at(env, min(float(warning), ready), lambda w=work: _queue_work(world, w, w.priority))
            continue
        if site.team_kind == "sar":
            zone = zone_of_node.get(site.node)
            left = 1.0 - self_share
            if left > 0:
                _at(env, ready, lambda s=site, z=zone, f=left: _queue_rescue(world, s, z, f))
        else:
            work = clearing.add(site)
            _at(env, ready, lambda w=work: _queue_work(world, w, w.priority))
    if clearing.works:
        world.command.on_cut_off = clearing.request
    if preposition:
        warned = [z for z in world.zones if z.is_affected and z.hit_time_min > float(warning)]
        if warned:
            world.command.preposition(warned, float(warning))


class _Work:
    """One work site and whether it is done (several crews may be sent to it)."""

    def __init__(self, world, site):
        self.world = world
        self.site = site
        self.done = False
        self.urgent = False
        self.priority = site.priority

    def finish(self) -> None:
        if not self.done:
            self.done = True
            c = self.site.on_done
            if c is None:
                return
            if self.site.team_kind == "pumping":
                self.world.road_layers.pump_clear(c.edges, c.cause)
            else:
                self.world.road_layers.set("hazard", c.edges, c.speed_factor, c.cause)

    def is_done(self) -> bool:
        return self.done


def _queue_work(world, work: _Work, priority: float) -> None:
    site = work.site
    if not _assign(world, site.team_kind, site.node, site.work_min, site.team_kind, "", priority, work.finish,
                   skip=work.is_done, not_before_min=site.available_min):
        world.rescue["unassigned_sites"] += 1


class RouteClearing:
    """Clear a way to zones no depot can reach (emergency lanes [BJ12, CN13]).

    When command finds affected zones cut off, this finds, for each, the
    fastest route from the nearest depot that would open if the blocked
    streets on it were cleared, and sends road-repair crews to those streets
    ahead of all other debris.
    """

    URGENT = 1e6

    def __init__(self, world):
        self.world = world
        self.works: dict[int, _Work] = {}      # road segment -> debris work
        self.asked: set[str] = set()

    def add(self, site) -> _Work:
        work = _Work(self.world, site)
        if site.on_done is not None and len(site.on_done.edges):
            self.works[int(self.world.graph.segment[site.on_done.edges[0]])] = work
        return work

    def request(self, zones) -> None:
        from .routing import Router

        zones = [z for z in zones if z.zone_id not in self.asked]
        pending = [seg for seg, w in self.works.items() if not w.done]
        if not zones or not pending:
            return
        g = self.world.graph
        cleared = g.copy()
        cleared.speed_factor[np.isin(g.segment, pending)] = 1.0
        router = Router(cleared)
        depots = [d.node for d in self.world.depots if not d.blocked]
        for zone in zones:
            self.asked.add(zone.zone_id)
            best = min(depots, key=lambda n: router.times_from(n)[zone.node], default=None)
            route = None if best is None else router.route(best, zone.node)
            if route is None:
                continue
            for seg in np.unique(g.segment[route.edges]):
                work = self.works.get(int(seg))
                if work is not None and not work.done and not work.urgent:
                    work.urgent = True
                    _queue_work(self.world, work, self.URGENT)


def _queue_rescue(world, site, zone, share: float = 1.0) -> None:
    """Split the team share of a zone's rescue into shifts; each rescues its
    part of the trapped, alive with the survival probability when it ends."""
    from .hazards.fragility import survival_probability

    n_shifts = max(1, math.ceil(site.work_min * share / SHIFT_MIN))
    trapped = (zone.trapped if zone is not None else 0) * share
    per_shift = trapped / n_shifts
    hit = zone.hit_time_min if zone is not None else 0.0
    zone_id = zone.zone_id if zone is not None else ""

    def rescued():
        alive = per_shift * float(survival_probability(world.env.now - hit))
        world.rescue["rescued_alive"] += alive
        world.rescue["rescued_dead"] += per_shift - alive
        world.log.add(world.env.now, "rescue", zone=zone_id, item="alive", amount=alive)

    for _ in range(n_shifts):
        if not _assign(world, "sar", site.node, site.work_min * share / n_shifts, "sar", zone_id, site.priority,
                       rescued):
            world.rescue["unassigned_sites"] += 1
            return


class Comms:
    """When reports and orders arrive under communications outages."""

    def __init__(self, world, windows, rng):
        self.windows = windows
        zones = world.zone_table
        sat_all = world.scenario.sat_phone_zones == "all"
        sat = set() if sat_all else set(world.scenario.sat_phone_zones)
        self.zone_in = [zones_hit_by(w, zones) & ~np.array([sat_all or z in sat for z in zones["zone_id"]])
                        for w in windows]
        depot_town = world.depot_townships
        self.depot_in = [points_in_area(w.area, [world.graph.lon[d.node] for d in world.depots],
                                        [world.graph.lat[d.node] for d in world.depots], depot_town)
                         & ~np.array([d.spec.sat_phone for d in world.depots]) for w in windows]
        self.lost = [rng.random(len(zones)) < w.loss_share for w in windows]

    def report_arrival(self, zone, now: float, delay: float) -> float:
        arrival = now + delay
        for k, w in enumerate(self.windows):
            if self.zone_in[k][zone.index] and w.start <= now < w.end:
                arrival = w.end + delay if self.lost[k][zone.index] else max(arrival, now + delay * w.delay_factor)
        return arrival

    def order_delay(self, depot_index: int, now: float, delay: float) -> float:
        out = delay
        for k, w in enumerate(self.windows):
            if self.depot_in[k][depot_index] and w.start <= now < w.end:
                out = max(out, delay * w.delay_factor)
        return out

    def warning_factor(self, zone, now: float) -> float:
        f = 1.0
        for k, w in enumerate(self.windows):
            if self.zone_in[k][zone.index] and w.start <= now < w.end:
                f = max(f, w.delay_factor)
        return f


def apply_outages(world) -> None:
    """Schedule the scenario's outage windows (see :mod:`sim.hazards.outages`)."""
    outages = world.scenario.outages
    env, g = world.env, world.graph
    rng = stream(world.seed, "outages")
    timeline = world.outage_timeline
    for k, closure in enumerate(road_closures(outages, g, world.zone_table, rng)):
        layer = f"road-outage-{k + 1}"
        _at(env, closure.start_min, lambda c=closure, n=layer: world.road_layers.set(n, c.edges, 0.0, "road outage"))
        _at(env, closure.end_min, lambda c=closure, n=layer: world.road_layers.set(n, c.edges, 1.0, "road reopened"))
        timeline.append({"kind": "roads", "start_h": closure.start_min / 60, "end_h": closure.end_min / 60,
                         "what": f"{len(closure.segments)} road segments closed"})
    for w in outages.power:
        _power_window(world, w)
    if outages.comms:
        world.comms = Comms(world, outages.comms, rng)
        for w, zin, din in zip(outages.comms, world.comms.zone_in, world.comms.depot_in):
            timeline.append({"kind": "comms", "start_h": w.start / 60, "end_h": w.end / 60,
                             "what": f"{int(zin.sum())} zones and {int(din.sum())} depots without communications"})
    for w in outages.water:
        hit = zones_hit_by(w, world.zone_table)
        days = max(window_days(w), 1.0)
        for z in world.zones:
            if hit[z.index] and z.is_affected:
                z.add_need("water_l", w.extra_water_l * z.affected * days)
        timeline.append({"kind": "water", "start_h": w.start / 60, "end_h": w.end / 60,
                         "what": f"{int(hit.sum())} zones without piped water"})
    if outages.no_outside_support is not None:
        _no_outside_support(world, outages.no_outside_support)


def _power_window(world, w) -> None:
    env, g = world.env, world.graph
    sites = [(d, "depot") for d in world.depots] + [(s, "shelter") for s in world.shelters]
    lon = [g.lon[a.node] for a, _ in sites]
    lat = [g.lat[a.node] for a, _ in sites]
    town = list(world.depot_townships) + list(world.shelter_townships)
    inside = points_in_area(w.area, lon, lat, town) if sites else np.zeros(0, bool)
    down = [(a, kind) for (a, kind), hit in zip(sites, inside) if hit and not a.spec.backup_power]
    world.outage_timeline.append({"kind": "power", "start_h": w.start / 60, "end_h": w.end / 60,
                                  "what": f"{len(down)} depots/shelters without power and backup"})
    for agent, _kind in down:
        state = {"restored": False}

        def cut(a=agent):
            a.slowdown = w.slowdown

        def restore(a=agent, st=state, by="window end"):
            if not st["restored"]:
                st["restored"] = True
                a.slowdown = 1.0
                world.log.add(env.now, "power_restored", agent=getattr(a, "depot_id", getattr(a, "shelter_id", "")),
                              item=by)

        _at(env, w.start, cut)
        _at(env, w.end, restore)
        _at(env, w.start + world.scenario.command.report_delay.mode,
            lambda a=agent, r=restore: _assign(world, "lifeline_repair", a.node, POWER_RESTORE_CREW_MIN,
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

    _at(env, w.start, block)
    _at(env, w.end, unblock)
    for t in world.teams:
        if t.spec.outside and w.start <= 0.0:
            t.blocked_until = w.end
    world.outage_timeline.append({"kind": "no_outside_support", "start_h": w.start / 60, "end_h": w.end / 60,
                                  "what": f"{len(city)} city depots and "
                                          f"{sum(t.spec.outside for t in world.teams)} outside teams held back"})


def depot_and_shelter_townships(world):
    """Township of each depot and shelter node (for township-area outages)."""
    towns = node_townships(world.graph, world.zone_table) if world.graph.has_coordinates else None
    if towns is None:
        return [""] * len(world.depots), [""] * len(world.shelters)
    return [towns[d.node] for d in world.depots], [towns[s.node] for s in world.shelters]
