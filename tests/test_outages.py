"""Outage windows as the engine applies them: layered, for every start time, on their own streams."""
from __future__ import annotations

import numpy as np
import pytest
from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

from sim.api import run
from sim.scenarios import builtin_scenario_path, load_scenario
from sim.world.world import build_world


def line_scenario(tmp_path, zones=(("Z1", 3, 100, 0.2),), **extra):
    region = line_world(tmp_path, n=3, length_m=10_000, speed_kmh=60)
    region["zones"] = {"csv": write_zones(tmp_path, list(zones))}
    depots = extra.pop("depots", [depot("d1", 1)])
    doc = scenario_doc(region, depots, impact=everywhere_impact(0.5), **extra)
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def crew(team_id, node, outside=False):
    return {"id": team_id, "kind": "lifeline_repair", "base": {"node": node}, "mobilize": "10min",
            "outside": outside}


def restored_at(result):
    ev = result.events_frame()
    return list(ev.loc[ev["kind"] == "power_restored", "time_min"]), list(ev.loc[ev["kind"] == "power_restored",
                                                                                 "item"])


# --------------------------------------------------------------- no outside support
def test_a_held_back_outside_crew_is_not_given_work_a_local_crew_can_do(tmp_path):
    outages = {"power": [{"start": "0h", "end": "48h", "slowdown": 2}],
               "no_outside_support": {"start": "0h", "end": "24h"}}
    scenario, base = line_scenario(tmp_path, outages=outages,
                                   teams=[crew("outside-crew", 1, outside=True), crew("local-crew", 3)])
    times, by = restored_at(run(scenario, base_dir=base))
    # The local crew takes it: reported 30, order 5, drive 20 km at 60 km/h, work 240.
    assert by == ["lifeline_repair"] and times == [pytest.approx(30 + 5 + 20 + 240)]


def test_no_outside_support_holds_outside_teams_back_whenever_it_starts(tmp_path):
    outages = {"power": [{"start": "2h", "end": "48h", "slowdown": 2}],
               "no_outside_support": {"start": "1h", "end": "10h"}}
    scenario, base = line_scenario(tmp_path, outages=outages, teams=[crew("outside-crew", 1, outside=True)])
    result = run(scenario, base_dir=base)
    times, by = restored_at(result)
    # The only crew is held back from 1 h to 10 h: it starts at 10 h and works 240 min.
    assert by == ["lifeline_repair"] and times == [pytest.approx(600 + 240)]
    ev = result.events_frame()
    starts = ev.loc[(ev["kind"] == "task_start") & ev["agent"].str.startswith("outside-crew"), "time_min"]
    assert not ((starts >= 60) & (starts < 600)).any()


def test_trips_queued_at_the_city_depot_do_not_leave_inside_the_window(tmp_path):
    outages = {"no_outside_support": {"start": "1h", "end": "10h"}}
    zones = [(f"Z{k}", 3, 2000, 0.2) for k in range(1, 6)]
    city = depot("city", 1, tier="city", water=1_000_000, food=1_000_000, trucks=1, payload=3000)
    district = depot("district", 2, water=1_000_000, food=1_000_000, trucks=2, payload=3000, bays=2)
    scenario, base = line_scenario(tmp_path, zones=zones, outages=outages, depots=[city, district])
    result = run(scenario, base_dir=base)
    ev = result.events_frame()
    city_departs = ev.loc[(ev["kind"] == "load") & ev["agent"].str.startswith("city/"), "time_min"]
    assert len(city_departs) > 0
    assert not ((city_departs >= 60) & (city_departs < 600)).any()
    # The district depot goes on serving inside the window.
    inside = ev[(ev["kind"] == "deliver") & (ev["agent"] == "district") & (ev["time_min"] < 600)]
    assert len(inside) > 0
    assert result.summary()["supply_audit"]["balanced"]


# --------------------------------------------------------------- power
def test_overlapping_power_windows_restore_power_only_when_the_last_ends(tmp_path):
    outages = {"power": [{"start": "0h", "end": "5h", "slowdown": 2}, {"start": "2h", "end": "10h", "slowdown": 3}]}
    scenario, base = line_scenario(tmp_path, outages=outages)
    result = run(scenario, base_dir=base)
    times, by = restored_at(result)
    assert times == [pytest.approx(600.0)] and by == ["window end"]
    d = result.world.depots[0]
    assert d.slowdown == 1.0 and not d.power.is_off


def test_power_supply_is_layered_by_window():
    from sim.agents.power import PowerSupply

    p = PowerSupply()
    p.cut("a", 2.0)
    p.cut("b", 3.0)
    assert p.slowdown == 3.0
    assert p.end("a") is False and p.slowdown == 3.0
    assert p.end("b") is True and p.slowdown == 1.0
    p.cut("c", 2.0)
    assert p.repair() is True and not p.is_off
    p.cut("d", 4.0)                       # a later window cuts the repaired site again
    assert p.slowdown == 4.0


# --------------------------------------------------------------- communications
def test_a_delayed_report_never_arrives_after_one_lost_and_resent(tmp_path):
    delayed = {"comms": [{"start": "0h", "end": "1h", "delay_factor": 4}]}
    lost = {"comms": [{"start": "0h", "end": "1h", "loss_share": 1.0}]}
    scenario, base = line_scenario(tmp_path, outages=delayed)
    a = run(scenario, base_dir=base).world.zones[0].report_min
    scenario, base = line_scenario(tmp_path, outages=lost)
    b = run(scenario, base_dir=base).world.zones[0].report_min
    # Delayed: 30 × 4 = 120 > the window's end + 30 = 90, so the message gets through at 90.
    assert a == pytest.approx(90.0) and b == pytest.approx(90.0)


def test_a_runner_carries_a_lost_report_to_the_nearest_depot_whose_phones_work(tmp_path):
    """A 12 h outage over everything; depot d2 has a satellite phone. The runner leaves an hour
    after the report (30 min) would have gone and walks the straight line × 1.3 at 5 km/h."""
    from sim.network.geo import haversine_m

    comms = {"comms": [{"start": "0h", "end": "12h", "loss_share": 1.0}]}
    phone = depot("d2", 2, sat_phone=True)
    scenario, base = line_scenario(tmp_path, outages=comms, depots=[depot("d1", 1), phone])
    world = run(scenario, base_dir=base).world
    g, zone = world.graph, world.zones[0]
    km = float(haversine_m(g.lon[zone.node], g.lat[zone.node], g.lon[world.depots[1].node],
                           g.lat[world.depots[1].node])) / 1000
    assert zone.report_min == pytest.approx(30 + 60 + km * 1.3 / 5 * 60)
    assert zone.report_min < 12 * 60
    # Without runners, or with no depot whose phones work, the report waits for the network.
    scenario, base = line_scenario(tmp_path, outages=comms, depots=[depot("d1", 1), phone],
                                   command={"report_delay": "30min", "order_delay": "5min", "runner": None})
    assert run(scenario, base_dir=base).world.zones[0].report_min == pytest.approx(12 * 60 + 30)
    scenario, base = line_scenario(tmp_path, outages=comms, depots=[depot("d1", 1), depot("d2", 2)])
    assert run(scenario, base_dir=base).world.zones[0].report_min == pytest.approx(12 * 60 + 30)


def test_people_in_a_zone_command_has_not_heard_of_are_limited_by_reports_whatever_the_roads(tmp_path):
    """The report is lost until 12 h and the roads to the zone are closed until 24 h: at the
    8 h line nothing could be sent to a zone command does not know of."""
    outages = {"comms": [{"start": "0h", "end": "12h", "loss_share": 1.0}],
               "roads": [{"start": "0h", "end": "24h", "closed_share": 1.0}]}
    scenario, base = line_scenario(tmp_path, outages=outages,
                                   command={"report_delay": "30min", "order_delay": "5min", "runner": None})
    limited = run(scenario, base_dir=base).summary()["kpi"]["relief"]["limited_by"]
    assert limited["reports"] == 50 and limited["roads"] == 0, limited


def test_overlapping_comms_windows_hold_a_lost_report_until_both_are_over(tmp_path):
    comms = {"comms": [{"start": "0h", "end": "2h", "loss_share": 1.0}, {"start": "1h", "end": "5h"}]}
    scenario, base = line_scenario(tmp_path, outages=comms)
    assert run(scenario, base_dir=base).world.zones[0].report_min == pytest.approx(300.0 + 30.0)


def test_a_team_with_a_satellite_phone_gets_its_task_through_a_comms_outage(tmp_path):
    outages = {"power": [{"start": "0h", "end": "48h", "slowdown": 2}],
               "comms": [{"start": "0h", "end": "12h", "delay_factor": 4}]}
    no_phone, base = line_scenario(tmp_path, outages=outages, teams=[crew("crew", 1)])
    with_phone, _ = line_scenario(tmp_path, outages=outages, teams=[crew("crew", 1)],
                                  interventions=[{"type": "sat_phones", "agents": ["crew", "d1", "Z1"]}])
    t_no, _ = restored_at(run(no_phone, base_dir=base))
    t_phone, _ = restored_at(run(with_phone, base_dir=base))
    # The order to the crew takes 5 × 4 = 20 min without a phone, 5 min with one.
    assert t_no == [pytest.approx(30 + 20 + 240)] and t_phone == [pytest.approx(30 + 5 + 240)]


# --------------------------------------------------------------- random streams
@pytest.fixture(scope="module")
def three_outages():
    return load_scenario(builtin_scenario_path("three_outages"))


def _worlds(base, change):
    variant = base.model_copy(deep=True)
    change(variant)
    return build_world(base), build_world(variant)


def test_widening_the_road_outage_leaves_every_other_draw_unchanged(three_outages):
    def widen(s):
        s.outages.roads[0].area.townships = sorted({*s.outages.roads[0].area.townships, "T01", "T02", "T03"})
    a, b = _worlds(three_outages, widen)
    for la, lb in zip(a.outages.comms.lost, b.outages.comms.lost):
        assert np.array_equal(la, lb)
    assert np.array_equal(a.command.report_delay_min, b.command.report_delay_min)
    assert [z.affected for z in a.zones] == [z.affected for z in b.zones]
    # A wider area closes a superset of the segments.
    assert set(a.outages.road_closures[0].segments) <= set(b.outages.road_closures[0].segments)


def test_changing_the_comms_outage_leaves_the_road_closures_unchanged(three_outages):
    def lose_more(s):
        s.outages.comms[0].loss_share = 0.9
    a, b = _worlds(three_outages, lose_more)
    for ca, cb in zip(a.outages.road_closures, b.outages.road_closures):
        assert np.array_equal(ca.segments, cb.segments)
    assert np.array_equal(a.command.report_delay_min, b.command.report_delay_min)


INVESTMENTS = [
    {"type": "add_depot", "depot": {"id": "east", "tier": "street", "at": {"node": 88},
                                    "stock": {"water_l": 20000}, "trucks": {"count": 2, "payload_kg": 3000}}},
    {"type": "add_teams", "team": {"id": "sar-2", "kind": "sar", "base": {"node": 5}}},
    {"type": "add_trucks", "depot": "taihu", "count": 4},
]


def test_adding_a_depot_and_a_team_changes_no_other_draw(three_outages):
    variant = type(three_outages).model_validate({**three_outages.model_dump(), "interventions": INVESTMENTS})
    a, b = build_world(three_outages), build_world(variant)
    assert len(b.depots) == len(a.depots) + 1 and len(b.teams) == len(a.teams) + 1
    assert np.array_equal(a.command.report_delay_min, b.command.report_delay_min)
    assert [(z.affected, z.displaced, z.hit_time_min) for z in a.zones] == \
        [(z.affected, z.displaced, z.hit_time_min) for z in b.zones]
    for la, lb in zip(a.outages.comms.lost, b.outages.comms.lost):
        assert np.array_equal(la, lb)
    for ca, cb in zip(a.outages.road_closures, b.outages.road_closures):
        assert np.array_equal(ca.segments, cb.segments)


def test_a_stated_impacts_homes_get_water_and_power_back_after_lifelines_restored_after(tmp_path):
    """Without lifelines from the hit until lifelines_restored_after (1 d here), not for the rest of the run."""
    scenario, base = line_scenario(tmp_path, duration="4d")
    scenario = type(scenario).model_validate({**scenario.model_dump(exclude_unset=True),
                                             "impact": {**scenario.impact.model_dump(exclude_unset=True),
                                                        "lifelines_restored_after": "1d"}})
    world = build_world(scenario, base_dir=base)
    needs = world.needs
    water = needs.items.index("water_l")
    day = 24 * 60.0
    # The at-home people's water falls due once a day while without lifelines: on day one only.
    assert needs.need_by(3.9 * day)[0, water] == pytest.approx(needs.need_by(0.5 * day)[0, water])
    scenario = type(scenario).model_validate({**scenario.model_dump(exclude_unset=True),
                                             "impact": {**scenario.impact.model_dump(exclude_unset=True),
                                                        "lifelines_restored_after": "3d"}})
    needs = build_world(scenario, base_dir=base).needs
    assert needs.need_by(3.9 * day)[0, water] == pytest.approx(3 * needs.need_by(0.5 * day)[0, water])
