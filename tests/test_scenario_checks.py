"""Semantic checks of a scenario, checks against the road graph, and interventions."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

from sim.errors import InputError
from sim.network.graph import RoadGraph
from sim.scenarios.checks import check_scenario
from sim.scenarios.region_checks import check_against_graph, check_zone_ids
from sim.scenarios.interventions import apply_interventions
from sim.scenarios.loader import load_scenario_text, locate_problems
from sim.scenarios.models import Scenario

BASE = {
    "name": "checks", "duration": "24h",
    "region": {"network": {"builtin": "district"}, "zones": {"builtin": "district"}},
    "depots": [{"id": "south", "tier": "district", "at": {"node": 10},
                "stock": {"water_l": 10000, "food_ration": 5000, "bedding": 2000},
                "trucks": {"count": 4, "payload_kg": 5000}}],
}


def scenario(**sections) -> Scenario:
    return Scenario.model_validate({**BASE, **sections})


def depot(depot_id: str, node: int = 11, **fields) -> dict:
    return {"id": depot_id, "tier": "street", "at": {"node": node}, "stock": {"water_l": 100},
            "trucks": {"count": 1, "payload_kg": 1000}, **fields}


def findings(s: Scenario) -> dict[tuple, str]:
    return dict(check_scenario(s))


# ---------------------------------------------------------------- ids
def test_valid_scenario_has_no_findings():
    assert check_scenario(scenario()) == []


def test_duplicate_id_across_depots_and_shelters_is_found_at_the_second():
    found = findings(scenario(shelters=[{"id": "south", "at": {"node": 3}, "area_m2": 100}]))
    assert list(found) == [("shelters", 0, "id")]
    assert "id 'south' is already used by the depot at depots[0]" in found[("shelters", 0, "id")]


def test_duplicate_id_between_a_team_and_an_added_depot_blames_the_intervention():
    found = findings(scenario(teams=[{"id": "t1", "kind": "sar", "base": {"node": 4}}],
                              interventions=[{"type": "add_depot", "depot": depot("t1")}]))
    assert list(found) == [("interventions", 0, "depot", "id")]
    assert "already used by the team at teams[0]" in found[("interventions", 0, "depot", "id")]


# -------------------------------------------------------------- needs
def test_need_with_no_stock_anywhere_is_an_error_at_the_need():
    found = findings(scenario(needs={"tent": 0.2}))
    assert list(found) == [("needs", "tent")]
    assert "needs 0.2 tent, but no depot stocks tent" in found[("needs", "tent")]


def test_default_need_without_stock_names_the_condition_that_needs_it():
    s = Scenario.model_validate({**BASE, "depots": [depot("south", stock={"water_l": 10, "food_ration": 10})]})
    found = findings(s)[("needs", "by_condition", "public_shelter", "bedding")]
    assert "each person in a public shelter needs 1 bedding" in found and "needs.by_condition.public_shelter.bedding: 0" \
        in found


@pytest.mark.parametrize("reserve", [
    {"agreement": {"stock": {"tent": 10}, "lead_time": "12h"}},
    {"production": {"rate_per_h": {"tent": 5}, "delay": "6h"}},
])
def test_agreement_or_production_stock_satisfies_a_need(reserve):
    base_depot = {**BASE["depots"][0], **reserve, "trucks": {"count": 4, "payload_kg": 5000}}
    assert check_scenario(scenario(needs={"tent": 0.2}, depots=[base_depot])) == []


def test_depot_added_by_an_intervention_counts_as_stock():
    tents = depot("east", stock={"tent": 50})
    assert check_scenario(scenario(needs={"tent": 0.2},
                                   interventions=[{"type": "add_depot", "depot": tents}])) == []


# ------------------------------------------------------------ payload
def test_truck_payload_below_one_unit_of_a_stocked_item_is_an_error():
    heavy = {**BASE["depots"][0], "stock": {"water_l": 10, "food_ration": 10, "bedding": 10, "tent": 3},
             "trucks": {"count": 2, "payload_kg": 30}}
    found = findings(scenario(depots=[heavy]))
    assert list(found) == [("depots", 0, "trucks", "payload_kg")]
    assert "a truck carries 30 kg, less than one unit of tent (35 kg)" in found[("depots", 0, "trucks", "payload_kg")]


def test_lighter_unit_weight_fixes_the_payload_error():
    heavy = {**BASE["depots"][0], "stock": {"water_l": 10, "food_ration": 10, "bedding": 10, "tent": 3},
             "trucks": {"count": 2, "payload_kg": 30}}
    assert check_scenario(scenario(depots=[heavy], item_weights_kg={"tent": 25})) == []


# ------------------------------------------------------ interventions
def test_interventions_naming_unknown_depots_are_errors():
    found = findings(scenario(interventions=[
        {"type": "add_trucks", "depot": "suoth", "count": 2},
        {"type": "prestock", "from_depot": "south", "to_depot": "nowhere", "stock": {"water_l": 5}, "lead": "6h"},
    ]))
    assert "no depot with id 'suoth'; did you mean 'south'?" in found[("interventions", 0, "depot")]
    assert "no depot with id 'nowhere'" in found[("interventions", 1, "to_depot")]


def test_prestock_cannot_move_more_than_the_depot_holds():
    found = findings(scenario(interventions=[
        {"type": "add_depot", "depot": depot("east")},
        {"type": "prestock", "from_depot": "south", "to_depot": "east", "stock": {"water_l": 6000}, "lead": "6h"},
        {"type": "prestock", "from_depot": "south", "to_depot": "east", "stock": {"water_l": 6000}, "lead": "6h"},
    ]))
    assert list(found) == [("interventions", 2, "stock", "water_l")]
    assert "moves 6000 water_l but depot 'south' holds 4000" in found[("interventions", 2, "stock", "water_l")]


def test_prestock_to_the_same_depot_is_an_error():
    found = findings(scenario(interventions=[
        {"type": "prestock", "from_depot": "south", "to_depot": "south", "stock": {"water_l": 5}, "lead": "1h"}]))
    assert list(found) == [("interventions", 0, "to_depot")]


def test_retrofit_without_an_earthquake_is_an_error():
    found = findings(scenario(interventions=[{"type": "retrofit", "bridges": "all", "fragility_factor": 1.5}]))
    assert "the hazard is 'none'" in found[("interventions", 0, "type")]


def test_intervention_model_errors_are_plain():
    text = textwrap.dedent("""\
        name: x
        duration: 1h
        region: {network: {builtin: district}, zones: {builtin: district}}
        depots: [{id: d, tier: city, at: {node: 1}, stock: {water_l: 1, food_ration: 1, bedding: 1},
                  trucks: {count: 1, payload_kg: 100}}]
        interventions:
          - {type: add_trucks, depot: d, count: 0}
          - {type: retrofit, bridges: some, fragility_factor: 0.8}
          - {type: sat_phones, agents: everyone}
          - {type: prestock, from_depot: d, to_depot: d, stock: {water_l: 1}, lead: 6}
    """)
    with pytest.raises(InputError) as info:
        load_scenario_text(text, "iv.yaml")
    assert info.value.lines == [
        "iv.yaml:7:41: interventions[0].count: must be 1 or more, got 0",
        "iv.yaml:8:31: interventions[1].bridges: write 'all' or a list of bridge segment ids such as "
        "[12, 40], not 'some'",
        "iv.yaml:8:55: interventions[1].fragility_factor: must be more than 1, got 0.8",
        "iv.yaml:9:32: interventions[2].agents: write one of all_depots, all_teams, all_zones or a list "
        "of ids, not 'everyone'",
        "iv.yaml:10:77: interventions[3].lead: a duration needs a unit: write '6min' or '6h' "
        "(units: s, min, h, d), not a bare number",
    ]


# --------------------------------------------------- against the graph
def small_graph() -> RoadGraph:
    """Four nodes with source ids 100..103 in a line; segment 1 is a bridge."""
    return RoadGraph.from_segments(
        u=np.array([0, 1, 2]), v=np.array([1, 2, 3]), length_m=np.array([100.0, 100.0, 100.0]),
        is_bridge=np.array([False, True, False]), lon=np.array([116.60, 116.61, 116.62, 116.63]),
        lat=np.full(4, 39.9), node_ids=np.array([100, 101, 102, 103]), name="small")


def fake_snap(distance_m: float):
    calls = []

    def snap(lon, lat):
        calls.append((lon, lat))
        return 0, distance_m
    snap.calls = calls
    return snap


GRAPH_SCENARIO = """\
name: on the graph
duration: 24h
region:
  network: {builtin: district}
  zones: {builtin: district}
  snap_limit: 500m
depots:
  - id: south
    tier: district
    at: {node: 100}
    stock: {water_l: 10000, food_ration: 5000, bedding: 2000}
    trucks: {count: 4, payload_kg: 5000}
shelters:
  - {id: s1, at: {lonlat: [116.6, 39.9]}, area_m2: 5000}
teams:
  - {id: t1, kind: sar, base: {node: 999}}
"""


def test_unknown_node_id_is_found_on_the_graph():
    s = load_scenario_text(GRAPH_SCENARIO)
    found = dict(check_against_graph(s, small_graph(), fake_snap(10.0)))
    assert list(found) == [("teams", 0, "base", "node")]
    assert "node 999 is not in the road graph 'small'" in found[("teams", 0, "base", "node")]


def test_lonlat_farther_than_the_snap_limit_is_an_error():
    snap = fake_snap(2400.0)
    s = load_scenario_text(GRAPH_SCENARIO)
    found = dict(check_against_graph(s, small_graph(), snap))
    assert snap.calls == [(116.6, 39.9)]
    message = found[("shelters", 0, "at", "lonlat")]
    assert "is 2.4 km from the nearest road node, farther than region.snap_limit (500 m)" in message


def test_a_snap_under_ten_metres_past_the_limit_is_shown_to_the_decimetre():
    s = load_scenario_text(GRAPH_SCENARIO).model_copy(deep=True)
    s.region.snap_limit = 0.0
    found = dict(check_against_graph(s, small_graph(), fake_snap(0.3)))
    assert "is 0.3 m from the nearest road node, farther than region.snap_limit (0.0 m)" in \
        found[("shelters", 0, "at", "lonlat")]


def test_lonlat_within_the_snap_limit_is_fine():
    s = load_scenario_text(GRAPH_SCENARIO.replace("{node: 999}", "{node: 103}"))
    assert check_against_graph(s, small_graph(), fake_snap(499.0)) == []


def test_graph_findings_are_located_in_the_file():
    s = load_scenario_text(GRAPH_SCENARIO, filename="g.yaml")
    error = locate_problems(s, check_against_graph(s, small_graph(), fake_snap(900.0)))
    assert [line.split(": ")[0] for line in error.lines] == ["g.yaml:14:27", "g.yaml:16:38"]
    assert error.lines[0].startswith("g.yaml:14:27: shelters[0].at.lonlat: [116.6, 39.9] is 900 m")


def test_retrofitted_segments_must_be_bridges_of_the_graph():
    s = load_scenario_text(GRAPH_SCENARIO.replace("{node: 999}", "{node: 103}") + """\
hazard: {type: earthquake, magnitude: 7.5, epicenter: [116.6, 39.9]}
interventions:
  - {type: retrofit, bridges: [1, 0, 7], fragility_factor: 1.5}
""")
    found = dict(check_against_graph(s, small_graph(), fake_snap(0.0)))
    assert found == {("interventions", 0, "bridges", 1): "road segment 0 is not a bridge in the road graph 'small'",
                     ("interventions", 0, "bridges", 2): "road segment 7 does not exist in the road graph 'small'"}
    applied = apply_interventions(s)
    error = locate_problems(applied, check_against_graph(applied, small_graph(), fake_snap(0.0)))
    assert [line.split(": ")[1] for line in error.lines] == ["interventions[0].bridges[1]",
                                                             "interventions[0].bridges[2]"]


def test_added_depot_locations_are_checked_before_and_after_applying():
    s = load_scenario_text(GRAPH_SCENARIO.replace("{node: 999}", "{node: 103}") + """\
interventions:
  - {type: add_depot, depot: {id: east, tier: street, at: {node: 555}, stock: {water_l: 10},
                              trucks: {count: 1, payload_kg: 500}}}
""", filename="g.yaml")
    before = locate_problems(s, check_against_graph(s, small_graph(), fake_snap(0.0))).lines
    after_s = apply_interventions(s)
    after = locate_problems(after_s, check_against_graph(after_s, small_graph(), fake_snap(0.0))).lines
    assert before == after == ["g.yaml:18:66: interventions[0].depot.at.node: node 555 is not in the road "
                               "graph 'small'; check the id or use lonlat"]


def test_sat_phone_ids_that_are_no_agent_must_be_zones():
    s = scenario(interventions=[{"type": "sat_phones", "agents": ["south", "Z001", "Z999"]}])
    assert check_zone_ids(s, ["Z001", "Z002"]) == [
        (("interventions", 0, "agents", 2), "'Z999' is not a depot, team or zone id")]
    assert check_zone_ids(apply_interventions(s), ["Z001", "Z002"]) == [
        (("applied_interventions", 0, "agents", 2), "'Z999' is not a depot, team or zone id")]


# ------------------------------------------------ applying interventions
def test_apply_interventions_overlays_each_kind():
    s = scenario(
        teams=[{"id": "t1", "kind": "sar", "base": {"node": 4}}],
        shelters=[{"id": "s1", "at": {"node": 3}, "area_m2": 100}],
        hazard={"type": "earthquake", "magnitude": 8, "epicenter": [117.05, 40.1]},
        interventions=[
            {"type": "add_depot", "depot": depot("east")},
            {"type": "prestock", "from_depot": "south", "to_depot": "east", "stock": {"water_l": 4000},
             "lead": "12h"},
            {"type": "add_teams", "team": {"id": "t2", "kind": "pumping", "base": {"node": 5}}},
            {"type": "add_trucks", "depot": "south", "count": 6},
            {"type": "add_shelter", "shelter": {"id": "s2", "at": {"node": 6}, "area_m2": 900}},
            {"type": "retrofit", "bridges": "all", "fragility_factor": 1.5},
            {"type": "retrofit", "bridges": [7], "fragility_factor": 2.0},
            {"type": "sat_phones", "agents": "all_depots"},
            {"type": "sat_phones", "agents": ["t2", "Z001"]},
        ])
    assert check_scenario(s) == []
    after = apply_interventions(s)
    assert [d.id for d in after.depots] == ["south", "east"]
    assert after.depots[0].stock.water_l == 6000 and after.depots[1].stock.water_l == 4100
    assert after.depots[0].trucks.count == 10
    assert [t.id for t in after.teams] == ["t1", "t2"] and [sh.id for sh in after.shelters] == ["s1", "s2"]
    assert after.hazard.bridge_fragility_factor == 1.5 and after.hazard.segment_fragility_factor == {7: 2.0}
    assert all(d.sat_phone for d in after.depots)
    assert after.teams[1].sat_phone and not after.teams[0].sat_phone
    assert after.sat_phone_zones == ["Z001"]
    assert after.interventions == [] and len(after.applied_interventions) == 9
    assert after.applied_interventions[1].lead == 12 * 60  # the prestock lead stays on record
    assert after.applied_interventions[0].depot.stock.water_l == 100  # the record is what was written


def test_apply_interventions_leaves_the_before_scenario_unchanged():
    s = scenario(interventions=[{"type": "add_trucks", "depot": "south", "count": 6},
                                {"type": "sat_phones", "agents": "all_zones"}])
    after = apply_interventions(s)
    assert s.depots[0].trucks.count == 4 and len(s.interventions) == 2 and s.sat_phone_zones == []
    assert after.depots[0].trucks.count == 10 and after.sat_phone_zones == "all"


def test_applying_twice_changes_nothing_more():
    s = scenario(interventions=[{"type": "add_trucks", "depot": "south", "count": 6}])
    once = apply_interventions(s)
    assert apply_interventions(once).model_dump() == once.model_dump()


def test_applied_scenario_survives_a_round_trip_through_its_dump():
    s = scenario(interventions=[{"type": "add_depot", "depot": depot("east", load_time="45min")},
                                {"type": "add_trucks", "depot": "east", "count": 1}])
    after = apply_interventions(s)
    again = Scenario.model_validate(after.model_dump())
    assert again.model_dump() == after.model_dump()
    assert check_scenario(again) == []  # the applied depot is not counted twice
    assert again.depots[1].load_time == 45.0 and again.depots[1].trucks.count == 2


def test_sat_phones_for_a_shelter_are_refused_with_the_reason():
    s = scenario(shelters=[{"id": "s1", "at": {"node": 3}, "area_m2": 100}],
                 interventions=[{"type": "sat_phones", "agents": ["s1"]}])
    [(path, message)] = check_zone_ids(s, ["Z001"])
    assert path == ("interventions", 0, "agents", 0)
    assert "'s1' is a shelter" in message and "no reports or orders" in message
