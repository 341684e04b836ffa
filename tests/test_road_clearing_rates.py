"""Debris clearing at published rates: a road crew and an army engineer unit, each at its own rate."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hazard_earthquake import GRAPH, SANHE_PINGGU_1679, ZONE_LAT, ZONE_LON, ZONE_POP
from worlds import depot, scenario_doc, write_network, write_scenario, write_zones

import sim.hazards
from sim.api import run
from sim.dispatch.work import WorkAssigner
from sim.hazards.earthquake import debris_work_min, earthquake_outcome
from sim.hazards.timeline import HazardOutcome, RoadChange, WorkSite
from sim.scenarios import load_scenario
from sim.scenarios.hazard_models import Earthquake
from sim.scenarios.hazard_response import RoadClearing

QUAKE = {"type": "earthquake", "magnitude": 7.0, "epicenter": [116.5, 39.8]}
DEBRIS_M3 = 800.0


def segment_edges(graph, a, b):
    ia, ib = graph.index_of(a), graph.index_of(b)
    return np.flatnonzero(((graph.tails == ia) & (graph.heads == ib)) | ((graph.tails == ib) & (graph.heads == ia)))


def debris_site(graph, a, b, m3=DEBRIS_M3, priority=1.0):
    edges = segment_edges(graph, a, b)
    by_kind = debris_work_min(m3, RoadClearing())
    return edges, WorkSite(site_id=f"debris-{a}-{b}", team_kind="road_repair", node=int(graph.index_of(a)),
                           work_min=by_kind["road_repair"], work_min_by_kind=by_kind,
                           on_done=RoadChange(0.0, edges, 1.0, cause="debris cleared"), priority=priority)


def line_scenario(tmp_path, teams, road_clearing=None, trapped_zone=False):
    """Depot at 1, a zone at 3; the street 2-3 is blocked."""
    nodes = [(i, 116.5 + 0.01 * i, 39.8) for i in range(1, 4)]
    region = {"network": write_network(tmp_path, nodes, [(1, 2, 1000, 60), (2, 3, 1000, 60)]),
              "zones": {"csv": write_zones(tmp_path, [("Z", 3, 100, 0.1)])}}
    hazard = {**QUAKE, **({"road_clearing": road_clearing} if road_clearing else {})}
    doc = scenario_doc(region, [depot("d", 1)], duration="24h", hazard=hazard, teams=teams)
    return load_scenario(write_scenario(tmp_path, doc)), tmp_path


def run_line(tmp_path, monkeypatch, teams, road_clearing=None, trapped=0):
    scenario, base = line_scenario(tmp_path, teams, road_clearing)

    def outcome(hazard, graph, zones, rng):
        edges, site = debris_site(graph, 2, 3)
        sites = [site]
        if trapped:
            sites.append(WorkSite(site_id="sar", team_kind="sar", node=int(graph.index_of(3)), work_min=120.0,
                                  zone=0, priority=float(trapped)))
        return HazardOutcome(road_changes=[RoadChange(0.0, edges, 0.0, cause="debris")], work_sites=sites,
                             affected=np.array([50.0]), displaced=np.array([float(trapped)]),
                             trapped=np.array([float(trapped)]), impact_time_min=np.zeros(1),
                             no_lifelines=np.array([50.0 - trapped]))

    monkeypatch.setattr(sim.hazards, "hazard_outcome", outcome)
    return run(scenario, base_dir=base)


def task_minutes(result, label="road_repair"):
    ev = result.events_frame()
    starts = ev[(ev.kind == "task_start") & (ev.item == label)]
    ends = ev[(ev.kind == "task_end") & (ev.item == label)]
    return ends["time_min"].to_numpy() - starts["time_min"].to_numpy()[:len(ends)]


@pytest.mark.parametrize("kind, rate", [("road_repair", 486.0), ("army", 852.0)])
def test_each_crew_kind_clears_the_debris_at_its_own_rate(tmp_path, monkeypatch, kind, rate):
    team = {"id": "crew", "kind": kind, "base": {"node": 2}, "mobilize": "0min"}
    clearing = {"engineers": ["crew"]} if kind == "army" else None
    result = run_line(tmp_path, monkeypatch, [team], clearing)
    # The crew stands at the site: the task is the work alone, debris over the crew's rate.
    assert task_minutes(result) == pytest.approx([60.0 * DEBRIS_M3 / rate])


def test_an_army_engineer_unit_opens_the_street_sooner_than_a_road_crew(tmp_path, monkeypatch):
    road = run_line(tmp_path / "road", monkeypatch,
                    [{"id": "crew", "kind": "road_repair", "base": {"node": 2}, "mobilize": "0min"}])
    army = run_line(tmp_path / "army", monkeypatch,
                    [{"id": "crew", "kind": "army", "base": {"node": 2}, "mobilize": "0min"}], {"engineers": ["crew"]})
    assert army.world.zones[0].first_supply_min < road.world.zones[0].first_supply_min


@pytest.fixture(autouse=True)
def _folders(tmp_path):
    for name in ("road", "army"):
        (tmp_path / name).mkdir()


def test_army_engineers_clear_roads_and_dig_out_nobody(tmp_path, monkeypatch):
    team = {"id": "eng", "kind": "army", "base": {"node": 2}, "mobilize": "0min"}
    engineers = run_line(tmp_path / "road", monkeypatch, [team], {"engineers": ["eng"]}, trapped=5)
    assert len(task_minutes(engineers, "road_repair")) == 1 and len(task_minutes(engineers, "rescue")) == 0
    # Not named as engineers, the same army team digs out the trapped first.
    rescuers = run_line(tmp_path / "army", monkeypatch, [team], None, trapped=5)
    assert len(task_minutes(rescuers, "rescue")) > 0


def fake_team(team_id, kind):
    return SimpleNamespace(team_id=team_id, kind=kind, base_node=0, spec=SimpleNamespace(count=1), waiting=0,
                           held_until=0.0)


def test_named_engineers_take_road_work_only_and_other_army_teams_none_of_it():
    eng, infantry, crew = fake_team("eng", "army"), fake_team("inf", "army"), fake_team("crew", "road_repair")
    work = WorkAssigner(SimpleNamespace(now=0.0), [eng, infantry, crew], SimpleNamespace(has_coordinates=False))
    assert {t.team_id for t in work.capable("road_repair")} == {"eng", "inf", "crew"}
    work.dedicate([eng], "road_repair")
    assert {t.team_id for t in work.capable("road_repair")} == {"eng", "crew"}
    assert {t.team_id for t in work.capable("sar")} == {"inf"}


def test_minutes_from_the_bases_worked_out_in_one_go_are_those_of_one_node_at_a_time():
    from sim.dispatch.work import crow_flight_min

    rng = np.random.default_rng(5)
    teams = [fake_team(f"t{k}", "road_repair") for k in range(7)]
    for team in teams:
        team.base_node = int(rng.integers(GRAPH.n_nodes))
    nodes = rng.choice(GRAPH.n_nodes, size=30, replace=False)
    ahead = WorkAssigner(SimpleNamespace(now=0.0), teams, GRAPH)
    ahead.expect_work_at(np.concatenate([nodes, nodes[:5]]))
    one_by_one = WorkAssigner(SimpleNamespace(now=0.0), teams, GRAPH)
    bases = [t.base_node for t in teams]
    for node in nodes.tolist():
        want = crow_flight_min(GRAPH, bases, [node])[:, 0]
        assert ahead._crow_flight_from_bases_min(node).tobytes() == want.tobytes()
        assert one_by_one._crow_flight_from_bases_min(node).tobytes() == want.tobytes()


def test_debris_sites_hold_the_debris_of_their_length_and_take_each_kind_its_time():
    hazard = Earthquake(**SANHE_PINGGU_1679, road_clearing=RoadClearing(debris_m3_per_m=10.0, road_crew_m3_per_h=500.0,
                                                                         army_crew_m3_per_h=1000.0))
    outcome = earthquake_outcome(hazard, GRAPH, ZONE_LON, ZONE_LAT, ZONE_POP, np.random.default_rng(1))
    debris = [s for s in outcome.work_sites if s.team_kind == "road_repair"]
    assert debris
    for site in debris:
        # The debris lies on the blocked 100 m stretches: at least one (or the street, if shorter), at most it all.
        length_m = float(GRAPH.length_m[site.on_done.edges[0]])
        debris_m = site.work_min_by_kind["road_repair"] * 500.0 / (60.0 * 10.0)
        assert min(length_m, 100.0) - 1e-6 <= debris_m <= length_m + 1e-6
        assert f"({10.0 * debris_m:,.0f} m³)" in site.cause
        assert site.work_min_by_kind["army"] == pytest.approx(site.work_min_by_kind["road_repair"] / 2)
        assert site.work_min == site.work_min_by_kind["road_repair"]


def test_work_goes_to_the_team_that_would_start_it_soonest():
    # No coordinates: no travel estimate; cost = held back + queued tasks per crew x a shift.
    held = fake_team("held", "road_repair")
    held.held_until = 300.0                                   # 300 - 100 = 200 min still held back
    queued = fake_team("queued", "road_repair")
    queued.waiting, queued.spec = 1, SimpleNamespace(count=2)  # half a shift: 240 min
    work = WorkAssigner(SimpleNamespace(now=100.0), [held, queued], SimpleNamespace(has_coordinates=False))
    assert work._choose([held, queued], node=0) is held
    held.held_until = 400.0                                   # 300 min > 240 min
    assert work._choose([held, queued], node=0) is queued
    # Work whose crew-minutes differ by kind: the queue counts in tasks of that length, plus this one.
    assert work._choose([held, queued], node=0, by_kind={"road_repair": 60.0}) is queued   # 300 + 60 vs 90


def replaced_choose(teams, now, travel, crews, by_kind=None):
    """``WorkAssigner._choose`` before the loop: the cost of every team as arrays, the
    first least."""
    queued = np.array([t.waiting for t in teams], dtype=float) / crews
    held = np.maximum(np.array([t.held_until for t in teams], dtype=float) - now, 0.0)
    if by_kind is None:
        cost = held + queued * 480.0 + travel
    else:
        cost = held + (queued + 1.0) * np.array([by_kind[t.kind] for t in teams]) + travel
    return teams[int(np.argmin(cost))]


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["road_repair", "army"]), st.integers(0, 4), st.integers(1, 3),
                          st.sampled_from([0.0, 50.0, 100.0, 300.0]), st.sampled_from([0.0, 5.0, 12.5, 30.0])),
                min_size=1, max_size=6),
       st.booleans())
def test_team_choice_is_the_first_least_cost_as_the_array_computation_gave(rows, with_kinds):
    """Held back, queue per crew and travel: ties (equal costs are common here) go to the
    first team, as ``np.argmin`` gave them."""
    teams = []
    for k, (kind, waiting, crews, held_until, _) in enumerate(rows):
        team = fake_team(f"t{k}", kind)
        team.waiting, team.spec, team.held_until = waiting, SimpleNamespace(count=crews), held_until
        teams.append(team)
    travel = np.array([r[4] for r in rows])
    work = WorkAssigner(SimpleNamespace(now=100.0), teams, SimpleNamespace(has_coordinates=False))
    work._from_bases_min[7] = travel
    by_kind = {"road_repair": 60.0, "army": 30.0} if with_kinds else None
    crews = np.array([float(r[2]) for r in rows])
    assert work._choose(teams, node=7, by_kind=by_kind) is replaced_choose(teams, 100.0, travel, crews, by_kind)


def test_team_choice_weighs_the_minutes_from_the_bases_to_the_last_bit():
    """The minutes from the bases the choice keeps per node as Python floats are the
    float64 minutes: travel times a few nanominutes apart still decide, the first
    call for a node and every later one."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = int(rng.integers(2, 8))
        teams = [fake_team(f"t{k}", "road_repair") for k in range(n)]
        travel = 10.0 + rng.permutation(n) * 1e-9 + rng.uniform(0.0, 1e-12, n)
        work = WorkAssigner(SimpleNamespace(now=0.0), teams, SimpleNamespace(has_coordinates=False))
        work._from_bases_min[3] = travel
        want = replaced_choose(teams, 0.0, travel, np.ones(n))
        assert work._choose(teams, node=3) is want
        assert work._choose(teams, node=3) is want
