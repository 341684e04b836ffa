"""Level-1 rescue corridors: laid out before the hazard, cleared before other debris, reported."""
from __future__ import annotations

import numpy as np
import pytest
from test_road_clearing_rates import QUAKE, debris_site, segment_edges
from worlds import depot, scenario_doc, write_network, write_scenario, write_zones

import sim.engine.road_clearing as rc
import sim.hazards
from sim.api import run
from sim.errors import InputError
from sim.hazards.timeline import HazardOutcome, RoadChange
from sim.scenarios import load_scenario
from sim.world.corridors import plan_corridors
from sim.world.world import build_world


def branching_region(tmp_path, zones):
    """Depot at 1. The fastest way to 3 is 1-2-3 (1-2 a bridge); a 10 km detour 1-8-3 keeps 3 reachable
    when 2-3 is blocked. Side streets 1-4-5 and 1-6-7."""
    nodes = [(i, 116.5 + 0.01 * i, 39.8) for i in range(1, 9)]
    edges = [(1, 2, 1000, 60, False, True), (2, 3, 1000, 60), (1, 4, 1000, 60), (4, 5, 1000, 60), (1, 6, 1000, 60),
             (6, 7, 1000, 60), (1, 8, 5000, 60), (8, 3, 5000, 60)]
    return {"network": write_network(tmp_path, nodes, edges), "zones": {"csv": write_zones(tmp_path, zones)}}


def corridor_scenario(tmp_path, road_clearing=None, depots=None, zones=(("Z", 3, 100, 0.1),)):
    hazard = {**QUAKE, **({"road_clearing": road_clearing} if road_clearing is not None else {})}
    doc = scenario_doc(branching_region(tmp_path, list(zones)), depots or [depot("d", 1)], duration="24h",
                       hazard=hazard,
                       teams=[{"id": "crew", "kind": "road_repair", "base": {"node": 1}, "mobilize": "0min"}])
    return load_scenario(write_scenario(tmp_path, doc))


def run_with_debris(tmp_path, monkeypatch, road_clearing=None, bridge_until_min=None):
    scenario = corridor_scenario(tmp_path, road_clearing)

    def outcome(hazard, graph, zones, rng):
        on_corridor, corridor_site = debris_site(graph, 2, 3, priority=1.0)       # a rural street's priority
        side_a, site_a = debris_site(graph, 4, 5, priority=5.0)                   # an arterial's
        side_b, site_b = debris_site(graph, 6, 7, priority=4.0)
        changes = [RoadChange(0.0, np.concatenate([on_corridor, side_a, side_b]), 0.0, cause="debris")]
        if bridge_until_min is not None:
            bridge = segment_edges(graph, 1, 2)
            changes += [RoadChange(0.0, bridge, 0.0, cause="earthquake damage"),
                        RoadChange(bridge_until_min, bridge, 1.0, cause="bridge repaired (extensive damage)")]
        return HazardOutcome(road_changes=changes, work_sites=[site_a, site_b, corridor_site])

    monkeypatch.setattr(sim.hazards, "hazard_outcome", outcome)
    return run(scenario, base_dir=tmp_path)


def cleared_order(result) -> list[str]:
    ev = result.events_frame()
    return list(ev[(ev.kind == "road") & (ev.item == "debris cleared")]["time_min"])


def test_the_corridor_is_cleared_before_debris_of_higher_road_classes(tmp_path, monkeypatch):
    result = run_with_debris(tmp_path, monkeypatch)
    corridor = result.summary()["hazard"]["corridors"][0]
    assert corridor["blocked_segments"] == 1
    first_cleared_h = cleared_order(result)[0] / 60.0
    assert corridor["reopened_h"] == pytest.approx(first_cleared_h, abs=1e-3)


def test_without_corridor_priority_the_corridor_waits_for_the_arterials(tmp_path, monkeypatch):
    monkeypatch.setattr(rc.RouteClearing, "prioritise_corridors", lambda self: None)
    result = run_with_debris(tmp_path, monkeypatch)
    corridor = result.summary()["hazard"]["corridors"][0]
    assert corridor["reopened_h"] == pytest.approx(cleared_order(result)[-1] / 60.0, abs=1e-3)


def test_a_corridor_reopens_only_when_its_closed_bridge_is_repaired(tmp_path, monkeypatch):
    later = run_with_debris(tmp_path, monkeypatch, bridge_until_min=600.0)
    corridors = later.summary()["hazard"]["corridors"]
    assert corridors[0]["closed_bridges"] == 1
    # The crew reaches the corridor's debris over the bridge once it is repaired, then clears it.
    debris_cleared_h = cleared_order(later)[0] / 60.0
    assert debris_cleared_h > 10.0
    assert corridors[0]["reopened_h"] == pytest.approx(debris_cleared_h, abs=1e-3)
    never = run_with_debris(tmp_path, monkeypatch, bridge_until_min=2 * 1440.0)
    assert never.summary()["hazard"]["corridors"][0]["reopened_h"] is None


def test_no_corridors_when_the_scenario_lists_none(tmp_path, monkeypatch):
    result = run_with_debris(tmp_path, monkeypatch, road_clearing={"corridors": []})
    assert "corridors" not in result.summary()["hazard"]
    assert result.summary()["hazard"]["road_clearing"]["debris_sites"] == 3


def test_automatic_corridors_lead_to_each_townships_most_populous_zone(tmp_path):
    scenario = corridor_scenario(tmp_path, depots=[depot("d", 1), depot("far", 8)])
    zones = [("A-small", 5, 50, 0.1), ("A-big", 3, 500, 0.1), ("B", 7, 80, 0.1)]
    (tmp_path / "zones.csv").write_text("zone_id,township,node,population,vulnerable_share\n"
                                        + "".join(f"{z},{'TA' if z.startswith('A') else 'TB'},{n},{p},{v}\n"
                                                  for z, n, p, v in zones))
    world = build_world(scenario, base_dir=tmp_path)
    corridors, warnings = plan_corridors("auto", world.zones, world.depots, world.router)
    assert warnings == []
    assert [(c.corridor_id, c.township, c.from_depot, c.to) for c in corridors] == [
        ("corridor-TA", "TA", "d", "A-big"), ("corridor-TB", "TB", "d", "B")]
    g = world.graph
    assert list(g.tails[corridors[0].edges[:1]]) == [g.index_of(1)]
    assert list(g.heads[corridors[0].edges[-1:]]) == [g.index_of(3)]


def test_with_township_hubs_the_automatic_corridors_lead_to_the_hubs(tmp_path):
    scenario = corridor_scenario(tmp_path, depots=[depot("d", 1), depot("hub", 7, tier="street"),
                                                   depot("city", 8, tier="city")])
    world = build_world(scenario, base_dir=tmp_path)
    corridors, _ = plan_corridors("auto", world.zones, world.depots, world.router)
    assert [(c.corridor_id, c.from_depot, c.to, c.township) for c in corridors] == [
        ("corridor-hub", "d", "hub", "T01")]


def test_listed_corridors_are_laid_out_as_written(tmp_path):
    listed = [{"id": "east", "from_depot": "d", "to_depot": "hub"}, {"id": "t1", "from_depot": "d",
                                                                      "to_township": "T01"}]
    scenario = corridor_scenario(tmp_path, {"corridors": listed},
                                 depots=[depot("d", 1), depot("hub", 7, tier="street")])
    world = build_world(scenario, base_dir=tmp_path)
    corridors, _ = plan_corridors(scenario.hazard.road_clearing.corridors, world.zones, world.depots, world.router)
    assert [(c.corridor_id, c.to) for c in corridors] == [("east", "hub"), ("t1", "Z")]


def problems(tmp_path, road_clearing) -> list[str]:
    with pytest.raises(InputError) as info:
        corridor_scenario(tmp_path, road_clearing)
    return info.value.lines


def test_a_corridor_from_an_unknown_depot_is_a_located_error(tmp_path):
    lines = problems(tmp_path, {"corridors": [{"id": "c", "from_depot": "nowhere", "to_township": "T01"}]})
    assert len(lines) == 1
    assert ":" in lines[0] and "hazard.road_clearing.corridors[0].from_depot: no depot with id 'nowhere'" in lines[0]


def test_a_corridor_needs_exactly_one_end(tmp_path):
    lines = problems(tmp_path, {"corridors": [{"id": "c", "from_depot": "d"}]})
    assert any("hazard.road_clearing.corridors[0]: give exactly one of 'to_depot' or 'to_township'" in line
               for line in lines)


def test_engineers_must_be_army_teams_of_the_scenario(tmp_path):
    lines = problems(tmp_path, {"engineers": ["crew", "ghost"]})
    assert [line.split(": ", 1)[1] for line in lines] == [
        "hazard.road_clearing.engineers[0]: team 'crew' is a road_repair team; engineers are army teams "
        "(road_repair teams clear roads anyway)",
        "hazard.road_clearing.engineers[1]: no team with id 'ghost'"]


def test_a_corridor_to_an_unknown_township_is_refused_with_the_townships(tmp_path):
    scenario = corridor_scenario(tmp_path, {"corridors": [{"id": "c", "from_depot": "d", "to_township": "T9"}]})
    with pytest.raises(InputError) as info:
        build_world(scenario, base_dir=tmp_path)
    assert "hazard.road_clearing.corridors[0].to_township: no zone belongs to township 'T9'" in info.value.lines[0]
