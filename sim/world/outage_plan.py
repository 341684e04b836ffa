"""What each of the scenario's outage windows covers in this run.

Decided once, when the world is built (:mod:`sim.hazards.outages` holds the
rules): the road segments each road outage closes, the depots and shelters
each power outage leaves without power, who each communications outage cuts
off (:class:`~sim.world.comms.Comms`; with the networks an earthquake took
down), the zones each water outage leaves
without piped water (their people's needs: :mod:`sim.world.conditions`), and who
"no outside support" holds back. :mod:`sim.engine.outages` schedules these
decisions; the ``timeline`` rows describe them for reports.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sim.hazards.outages import RoadClosure, road_closures, zones_hit_by
from sim.network.areas import node_townships, points_in_area
from sim.world.comms import Comms
from sim.world.streams import stream

__all__ = ["OutagePlan", "PowerCut", "plan_outages"]


@dataclass
class PowerCut:
    """A power window and the depots and shelters it leaves without power."""

    window: object
    sites: list                        # Depot or Shelter agents without backup power inside the area


@dataclass
class OutagePlan:
    """Every outage window of the scenario, resolved for this run."""

    road_closures: list[RoadClosure] = field(default_factory=list)
    power_cuts: list[PowerCut] = field(default_factory=list)
    comms: Comms | None = None
    no_outside_support: object | None = None
    timeline: list[dict] = field(default_factory=list)


def _count(n: int, one: str, many: str | None = None) -> str:
    """``1,450 road segments``, ``1 city depot``: the number with thousands separators and the noun in its
    number."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def plan_outages(scenario, graph, zone_table, zones, depots, shelters, teams, seed: int,
                 comms_down=None) -> OutagePlan:
    """Resolve the scenario's ``outages`` section for one run (see the module docstring), with
    ``comms_down`` (:class:`~sim.hazards.timeline.CommsDown`, the networks a hazard took down)
    as one more communications window after the scenario's."""
    outages = scenario.outages
    plan = OutagePlan()
    windows = [*outages.roads, *outages.power, *outages.comms, *outages.water]
    node_town = None           # township of every node, for township areas (nearest zone centre)
    if graph.has_coordinates and any(w.area.townships for w in windows):
        node_town = node_townships(graph, zone_table)

    def towns(nodes) -> list:
        return [""] * len(nodes) if node_town is None else [node_town[n] for n in nodes]

    depot_towns, shelter_towns = towns([d.node for d in depots]), towns([s.node for s in shelters])
    plan.road_closures = road_closures(outages.roads, graph, node_town,
                                       [stream(seed, "road_outages", k) for k in range(len(outages.roads))])
    for closure in plan.road_closures:
        plan.timeline.append({"kind": "roads", "start_h": closure.start_min / 60, "end_h": closure.end_min / 60,
                              "what": f"{_count(len(closure.segments), 'road segment')} closed"})
    sites = [*depots, *shelters]
    for w in outages.power:
        inside = points_in_area(w.area, [graph.lon[a.node] for a in sites], [graph.lat[a.node] for a in sites],
                                list(depot_towns) + list(shelter_towns))
        down = [a for a, hit in zip(sites, inside) if hit and not a.spec.backup_power]
        plan.power_cuts.append(PowerCut(w, down))
        plan.timeline.append({"kind": "power", "start_h": w.start / 60, "end_h": w.end / 60,
                              "what": f"{_count(len(down), 'depot or shelter', 'depots and shelters')} "
                                      "without power and backup"})
    comms_windows = [*outages.comms, *([comms_down] if comms_down is not None else [])]
    if comms_windows:
        team_towns = towns([t.base_node for t in teams])
        rngs = [stream(seed, "comms_outages", k) for k in range(len(outages.comms))]
        if comms_down is not None:
            rngs.append(stream(seed, "hazard_comms"))      # its own stream: the windows' draws stay as they were
        plan.comms = Comms(comms_windows, zone_table, scenario.sat_phone_zones, depots, teams, graph.lon, graph.lat,
                           depot_towns, team_towns, rngs, runner=scenario.command.runner)
        for w, zin, din, tin in zip(comms_windows, plan.comms.zone_in, plan.comms.depot_in, plan.comms.team_in):
            cause = " (the hazard's damage)" if w is comms_down else ""
            cut = (int(zin.sum()), int(din.sum()), int(tin.sum()))
            what = (f"{_count(cut[0], 'zone')}, {_count(cut[1], 'depot')} and {_count(cut[2], 'team')} without "
                    f"communications{cause}" if any(cut) else
                    f"networks down{cause}, but every zone, depot and team there has a satellite phone")
            plan.timeline.append({"kind": "comms", "start_h": w.start / 60, "end_h": w.end / 60, "what": what})
    for w in outages.water:
        hit = zones_hit_by(w, zone_table)
        plan.timeline.append({"kind": "water", "start_h": w.start / 60, "end_h": w.end / 60,
                              "what": f"{_count(int(hit.sum()), 'zone')} without piped water"})
    if outages.no_outside_support is not None:
        w = outages.no_outside_support
        plan.no_outside_support = w
        n_city = sum(d.tier == "city" for d in depots)
        plan.timeline.append({"kind": "no_outside_support", "start_h": w.start / 60, "end_h": w.end / 60,
                              "what": f"{_count(n_city, 'city depot')} and "
                                      f"{_count(sum(t.spec.outside for t in teams), 'outside team')} held back"})
    return plan
