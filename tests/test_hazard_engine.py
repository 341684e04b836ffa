"""Hazards and outages as the engine applies them."""
from __future__ import annotations

import math

import numpy as np
import pytest
from worlds import (
    depot,
    everywhere_impact,
    line_world,
    scenario_doc,
    write_scenario,
    write_zones,
)

from sim.api import run
from sim.scenarios import builtin_scenario_path, load_scenario
from sim.world.world import build_world


def line_scenario(tmp_path, **extra):
    region = line_world(tmp_path, n=3, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    depots = extra.pop("depots", [depot("d1", 1)])
    doc = scenario_doc(region, depots, impact=everywhere_impact(0.5), **extra)
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def test_comms_outage_delays_the_report_and_so_the_first_supply(tmp_path):
    comms = {"comms": [{"start": "0h", "end": "12h", "delay_factor": 3}]}
    scenario, base = line_scenario(tmp_path, outages=comms)
    zone = run(scenario, base_dir=base).world.zones[0]
    # report 30 × 3 = 90, then order 5 × 3 (the depot is in the area too) + load 20 + drive 20 + unload 15.
    assert zone.report_min == pytest.approx(90.0)
    assert zone.first_supply_min == pytest.approx(160.0)


def test_lost_report_arrives_after_the_network_is_back(tmp_path):
    comms = {"comms": [{"start": "0h", "end": "6h", "loss_share": 1.0}]}
    scenario, base = line_scenario(tmp_path, outages=comms)
    zone = run(scenario, base_dir=base).world.zones[0]
    assert zone.report_min == pytest.approx(360.0 + 30.0)


def test_satellite_phone_zone_reports_through_a_comms_outage(tmp_path):
    comms = {"comms": [{"start": "0h", "end": "12h", "delay_factor": 3, "loss_share": 1.0}]}
    scenario, base = line_scenario(tmp_path, outages=comms,
                                   interventions=[{"type": "sat_phones", "agents": ["Z1"]}])
    zone = run(scenario, base_dir=base).world.zones[0]
    assert zone.report_min == pytest.approx(30.0)


def test_comms_outage_never_makes_first_supplies_earlier():
    base = load_scenario(builtin_scenario_path("three_outages"))
    without = base.model_copy(deep=True)
    without.outages.comms = []
    for seed in (1, 2):
        a = run(without, seed=seed).summary()["kpi"]["first_supplies"]
        b = run(base, seed=seed).summary()["kpi"]["first_supplies"]
        for line, share in a["within"].items():
            assert b["within"][line] <= share, (seed, line)
        assert b["p50_h"] >= a["p50_h"]


def test_power_outage_doubles_loading_at_a_depot_without_backup(tmp_path):
    power = {"power": [{"start": "0h", "end": "12h", "slowdown": 2}]}
    scenario, base = line_scenario(tmp_path, outages=power)
    zone = run(scenario, base_dir=base).world.zones[0]
    assert zone.first_supply_min == pytest.approx(90.0 + 20.0)


def test_backup_power_keeps_a_depot_loading_at_full_speed(tmp_path):
    power = {"power": [{"start": "0h", "end": "12h", "slowdown": 2}]}
    scenario, base = line_scenario(tmp_path, outages=power, depots=[depot("d1", 1, backup_power=True)])
    assert run(scenario, base_dir=base).world.zones[0].first_supply_min == pytest.approx(90.0)


def test_lifeline_repair_crew_restores_power_before_the_window_ends(tmp_path):
    power = {"power": [{"start": "0h", "end": "48h", "slowdown": 2}]}
    team = {"id": "power-crew", "kind": "lifeline_repair", "base": {"node": 1}, "mobilize": "10min"}
    scenario, base = line_scenario(tmp_path, outages=power, teams=[team])
    result = run(scenario, base_dir=base)
    restored = result.events_frame().query("kind == 'power_restored'")
    # The crew is mobilised by 10 min; the fault is reported at 30 min and the
    # order reaches the crew 5 min later (order_delay); it is on site at once
    # (same node) and works 240 min.
    assert list(restored["item"]) == ["lifeline_repair"]
    assert restored["time_min"].iloc[0] == pytest.approx(30 + 5 + 240)


def test_no_outside_support_holds_back_the_city_depot(tmp_path):
    window = {"no_outside_support": {"start": "0h", "end": "10h"}}
    scenario, base = line_scenario(tmp_path, outages=window, depots=[depot("city", 1, tier="city")])
    zone = run(scenario, base_dir=base).world.zones[0]
    # The depot heard of the need at 35 min; its truck loads when the window ends at 600:
    # load 20 + drive 20 + unload 15.
    assert zone.first_supply_min == pytest.approx(600.0 + 20.0 + 20.0 + 15.0)


def test_water_outage_adds_drinking_water_need_every_day(tmp_path):
    water = {"water": [{"start": "0h", "end": "48h", "extra_water_l": 2}]}
    scenario, base = line_scenario(tmp_path, outages=water)
    zone = run(scenario, base_dir=base).world.zones[0]
    # 50 people in need, each 3 L a day and 2 L more without piped water: day 1 and day 2.
    assert zone.need_by(1.0)["water_l"] == 50 * (3 + 2)
    assert zone.need_by(24 * 60 + 1.0)["water_l"] == 2 * 50 * (3 + 2)


def test_road_outage_closes_roads_for_its_window_only(tmp_path):
    roads = {"roads": [{"start": "0h", "end": "5h", "closed_share": 1.0}]}
    scenario, base = line_scenario(tmp_path, outages=roads)
    result = run(scenario, base_dir=base)
    zone = result.world.zones[0]
    # The depot hears of the need at 35 min but cannot reach the zone until the roads reopen
    # at 300; a waiting truck then loads at once: load 20 + drive 20 + unload 15.
    assert zone.first_supply_min == pytest.approx(300.0 + 20.0 + 20.0 + 15.0)
    assert (result.world.graph.speed_factor == 1.0).all()


def test_an_outage_ending_does_not_reopen_a_road_the_hazard_closed(tmp_path):
    scenario, base = line_scenario(tmp_path)
    world = build_world(scenario, base_dir=base)
    layers = world.road_layers
    edges = np.arange(world.graph.n_edges)
    layers.set("hazard", edges[:2], 0.0)
    layers.set("road-outage-1", edges, 0.0)
    layers.set("road-outage-1", edges, 1.0)
    assert list(world.graph.speed_factor[:2]) == [0.0, 0.0]
    assert (world.graph.speed_factor[2:] == 1.0).all()


def test_the_closed_road_length_follows_every_change_of_the_roads(tmp_path):
    """The closed length (in total and by class) after each change equals the length of the
    segments closed on the graph then, whether the roads changed through the layers, several
    times at one moment, or behind their back."""
    region = line_world(tmp_path, n=12)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5))
    world = build_world(load_scenario(write_scenario(tmp_path, doc)), base_dir=tmp_path)
    layers, graph = world.road_layers, world.graph
    rng = np.random.default_rng(7)
    first = np.unique(graph.segment, return_index=True)[1]

    def agrees():
        closed = first[graph.speed_factor[first] == 0.0]
        assert layers.closed_km[-1][1] == pytest.approx(graph.length_m[closed].sum() / 1000.0, abs=1e-12)
        assert layers.closed_km_by_class[-1][1].sum() == pytest.approx(graph.length_m[closed].sum() / 1000.0)

    for step in range(40):
        edges = rng.choice(graph.n_edges, size=rng.integers(1, 4), replace=False)
        if step % 7 == 3:                                  # behind the layers' back
            other = rng.choice(graph.n_edges, size=2, replace=False)
            world.traffic.set_speed_factor(other, np.zeros(2), "drill")
        layers.set(rng.choice(["hazard", "road-outage-1"]), edges, rng.choice([0.0, 0.5, 1.0]))
        agrees()
    layers.set("hazard", np.array([], dtype=np.int64), 0.0)   # no change at all
    agrees()


def test_m8_earthquake_runs_balances_and_reports_its_figures():
    summary = run(load_scenario(builtin_scenario_path("m8_earthquake"))).summary()
    hz = summary["hazard"]
    assert summary["supply_audit"]["balanced"]
    assert hz["bridges_closed"] > 0 and hz["road_segments_blocked"] > 0
    r = hz["rescue"]
    assert r["trapped"] == hz["trapped"]
    assert r["self_rescued_alive"] + r["self_rescued_dead"] + r["rescued_alive"] + r["rescued_dead"] \
        + r["awaiting_rescue_at_end"] == \
        pytest.approx(r["trapped"], abs=0.5)
    assert summary["kpi"]["relief"]["people_affected"] == hz["affected"]
    assert hz["closed_road_km_over_time"][0] == [0.0, pytest.approx(hz["closed_road_km"], abs=1e-3)]
    assert hz["closed_road_km_peak"] >= hz["closed_road_km"] - 1e-6


def test_retrofitting_bridges_never_leaves_more_bridges_down():
    base = load_scenario(builtin_scenario_path("m8_earthquake"))
    retro = base.model_copy(deep=True)
    retro.hazard.bridge_fragility_factor = 2.0
    a = build_world(base).hazard.figures
    b = build_world(retro).hazard.figures
    assert b["bridges_closed"] <= a["bridges_closed"]
    assert sum(b["bridges_down"].values()) <= sum(a["bridges_down"].values())


def test_m8_zones_cut_off_by_debris_are_reached_again_through_cleared_lanes():
    scenario = load_scenario(builtin_scenario_path("m8_earthquake"))
    result = run(scenario)
    episodes = result.world.reachability.episodes
    assert episodes, "the M8 debris cuts some zones off"
    assert all(math.isfinite(until) for spans in episodes.values() for _, until in spans)
    zones = {z.zone_id: z for z in result.world.zones}
    assert all(math.isfinite(zones[z].first_supply_min) for z in episodes)


def test_a_zone_hit_later_by_the_hazard_keeps_its_hit_time():
    from sim.world.impact import ZoneImpact

    none = ZoneImpact.none(3)
    rain = ZoneImpact(np.array([0, 5, 9]), np.zeros(3, int), np.zeros(3, int), np.array([0.0, 600.0, 900.0]))
    stated = ZoneImpact(np.array([0, 0, 4]), np.zeros(3, int), np.zeros(3, int), np.array([0.0, 0.0, 30.0]))
    merged = none.merge(rain).merge(stated)
    assert list(merged.time_min) == [0.0, 600.0, 30.0]
    assert list(merged.affected) == [0, 5, 9]


def test_prepositioning_on_the_rainfall_warning_brings_first_supplies_forward():
    with_pre = load_scenario(builtin_scenario_path("extreme_rainfall"))
    without = with_pre.model_copy(deep=True)
    without.hazard.prepositioning = False
    a = run(without)
    b = run(with_pre)
    assert min(z.hit_time_min for z in a.world.zones if z.is_affected) > 0   # zones flood during the storm
    fa, fb = a.summary()["kpi"]["first_supplies"], b.summary()["kpi"]["first_supplies"]
    assert fb["within"]["3h"] >= fa["within"]["3h"] and fb["p50_h"] <= fa["p50_h"]
    flagged = b.summary()["kpi"]["prepositioned"]
    assert (b.events_frame()["kind"] == "forecast").sum() == flagged["zones_flagged"]
    assert flagged["hits"] + flagged["misses"] == a.summary()["kpi"]["affected_sites"]


def test_a_run_ended_before_the_water_rises_reports_no_flooded_roads_or_road_changes():
    # The shipped storm floods roads from ~50 h; a 1 h run sees none of it, so its summary gives
    # neither the storm's road changes to 158 h nor its peak of closed roads.
    scenario = load_scenario(builtin_scenario_path("extreme_rainfall"))
    hazard = run(scenario.model_copy(update={"duration": 60.0})).summary()["hazard"]
    assert hazard["road_changes"] == 0 and hazard["closed_road_km_peak"] == 0.0
    assert hazard["flood_closed_road_km"] == []


def test_hazard_work_no_team_can_do_and_a_warning_lead_before_the_start_are_warned_of():
    # Without pumping or fire-rescue teams the storm's flooded points wait to the end; a warning
    # lead of 150 h before a rain that starts at 12 h is issued at the start, not 138 h before it.
    scenario = load_scenario(builtin_scenario_path("extreme_rainfall"))
    teams = [t for t in scenario.teams if t.kind not in ("pumping", "fire_rescue")]
    hazard = scenario.hazard.model_copy(update={"warning_lead": 150 * 60.0})
    warnings = run(scenario.model_copy(update={"duration": 60.0, "teams": teams, "hazard": hazard})
                   ).summary()["warnings"]
    assert "20 flooded points to pump and no team that can work them (pumping or fire_rescue): they wait to the end " \
           "of the run (add teams of those kinds)" in warnings
    assert any(w.startswith("the warning lead (150 h) reaches back before the run's start: the warning is issued at "
                            "the start, 12 h before the rain") for w in warnings)
    shipped = run(scenario.model_copy(update={"duration": 60.0})).summary()["warnings"]
    assert not [w for w in shipped if "no team that can work them" in w or "warning lead" in w]


def test_volunteers_help_distribute_only_where_people_were_affected():
    # The shipped storm's warning flags 44 zones that stay dry: nobody there to distribute to,
    # and their relief never comes, so volunteers sent there waited out their shifts (40 of
    # the 60 shifts from 50.8 h).
    result = run(load_scenario(builtin_scenario_path("extreme_rainfall")))
    events = result.events_frame()
    helped = set(events.loc[(events["kind"] == "task_start") & (events["item"] == "distribution_help"), "zone"])
    affected = result.zones_frame().set_index("zone_id")["affected"]
    assert helped and all(affected[z] > 0 for z in helped)
