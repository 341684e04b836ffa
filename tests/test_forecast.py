"""Imperfect rainstorm warnings: pre-positioning acts on a seeded, noisy estimate of the zones that flood."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_scenario_loader import MINIMAL
from worlds import depot, scenario_doc, write_network, write_scenario, write_zones

import sim.engine.hazard_schedule as schedule
import sim.hazards
from sim.api import run
from sim.errors import InputError
from sim.hazards.forecast import expected_need, flag_zones
from sim.hazards.timeline import HazardOutcome
from sim.scenarios import load_scenario
from sim.scenarios.loader import load_scenario_text

N_ZONES = 10
FLOODS = np.arange(N_ZONES) % 2 == 0          # every other zone floods
FLOOD_MIN = 8 * 60.0
RAIN_END_MIN = 10 * 60.0


def rain_scenario(tmp_path, hit_rate, false_alarm_rate, seed=7, **extra):
    """A depot at node 1, zone k at node k + 2 along a line of 2 km streets."""
    nodes = [(i, 116.5 + 0.02 * i, 39.8) for i in range(1, N_ZONES + 2)]
    edges = [(i, i + 1, 2000, 40) for i in range(1, N_ZONES + 1)]
    region = {"network": write_network(tmp_path, nodes, edges),
              "zones": {"csv": write_zones(tmp_path, [(f"Z{k}", k + 2, 200, 0.1) for k in range(N_ZONES)])}}
    hazard = {"type": "rainfall", "hyetograph_mm": [50], "start": "6h", "warning_lead": "6h", "prepositioning": True,
              "forecast": {"hit_rate": hit_rate, "false_alarm_rate": false_alarm_rate}}
    doc = scenario_doc(region, [depot("d", 1, trucks=4, bays=4)], duration="24h", hazard=hazard, seed=seed,
                       **extra)
    return load_scenario(write_scenario(tmp_path, doc))


def flood_outcome(hazard, graph, zones, rng):
    affected = np.where(FLOODS, 100.0, 0.0)
    return HazardOutcome(affected=affected, displaced=np.zeros(N_ZONES), trapped=np.zeros(N_ZONES),
                         no_lifelines=affected, impact_time_min=np.where(FLOODS, FLOOD_MIN, 0.0),
                         figures={"warning_min": 0.0, "rain_end_min": RAIN_END_MIN})


def run_rain(tmp_path, monkeypatch, hit_rate, false_alarm_rate, seed=7, **extra):
    monkeypatch.setattr(sim.hazards, "hazard_outcome", flood_outcome)
    return run(rain_scenario(tmp_path, hit_rate, false_alarm_rate, seed, **extra), base_dir=tmp_path)


def flagged(result) -> set[str]:
    ev = result.events_frame()
    return set(ev[ev.kind == "forecast"]["zone"])


# ------------------------------------------------------------------ the flags
def test_a_perfect_forecast_flags_exactly_the_zones_that_flood():
    u = np.random.default_rng(1).random(N_ZONES)
    assert list(flag_zones(FLOODS, u, 1.0, 0.0)) == list(FLOODS)


def test_hit_rate_zero_flags_no_flooding_zone_and_false_alarm_one_every_dry_one():
    u = np.random.default_rng(2).random(N_ZONES)
    flags = flag_zones(FLOODS, u, 0.0, 1.0)
    assert not flags[FLOODS].any() and flags[~FLOODS].all()


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.integers(0, 2**32 - 1))
def test_a_better_forecast_never_unflags_a_flooding_zone_on_the_same_draws(h1, h2, f, seed):
    u = np.random.default_rng(seed).random(N_ZONES)
    low, high = sorted((h1, h2))
    assert np.all(flag_zones(FLOODS, u, low, f)[FLOODS] <= flag_zones(FLOODS, u, high, f)[FLOODS])


def test_skill_outside_zero_to_one_and_mismatched_draws_are_refused():
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        flag_zones(FLOODS, np.zeros(N_ZONES), 1.2, 0.0)
    with pytest.raises(ValueError, match="differ in shape"):
        flag_zones(FLOODS, np.zeros(3), 0.5, 0.0)


def test_a_dry_zone_is_expected_to_need_what_a_flooding_zone_of_its_size_needs():
    need = expected_need([100, 300, 200], [True, True, False], [[30.0, 10.0], [90.0, 30.0], [0.0, 0.0]])
    assert need[2] == pytest.approx([60.0, 20.0])


# ------------------------------------------------------------------ in a run
def test_a_perfect_forecast_runs_exactly_as_pre_positioning_on_the_zones_that_flood(tmp_path, monkeypatch):
    perfect = run_rain(tmp_path, monkeypatch, 1.0, 0.0).events_frame()
    monkeypatch.setattr(schedule, "flag_zones", lambda floods, uniforms, h, f: np.asarray(floods, dtype=bool))
    rule = run_rain(tmp_path, monkeypatch, 0.6, 0.3).events_frame()
    assert perfect.equals(rule)


def test_hit_rate_zero_pre_positions_nothing_in_the_zones_that_flood(tmp_path, monkeypatch):
    result = run_rain(tmp_path, monkeypatch, 0.0, 0.0)
    flooded = [z for z in result.world.zones if z.is_affected]
    assert flooded and all(z.first_supply_min >= z.hit_time_min for z in flooded)
    kpi = result.summary()["kpi"]["prepositioned"]
    assert kpi["sites_supplied_before_hit"] == 0 and kpi["kg_before_hit"] == 0.0
    assert kpi["sites_first_supplied_after_hit"] == len(flooded) and kpi["misses"] == len(flooded)


def test_with_a_perfect_forecast_every_site_has_supplies_before_its_hit(tmp_path, monkeypatch):
    result = run_rain(tmp_path, monkeypatch, 1.0, 0.0)
    kpi = result.summary()["kpi"]["prepositioned"]
    assert kpi["sites_supplied_before_hit"] == int(FLOODS.sum()) and kpi["sites_first_supplied_after_hit"] == 0
    assert kpi["kg_before_hit"] > 0 and kpi["kg_to_zones_never_flooded"] == 0.0
    assert result.summary()["kpi"]["first_supplies"]["p95_h"] == 0.0


def test_false_alarms_get_supplies_until_the_rain_ends_and_are_reported_as_waste(tmp_path, monkeypatch):
    result = run_rain(tmp_path, monkeypatch, 1.0, 1.0)
    kpi = result.summary()["kpi"]["prepositioned"]
    dry = {z.zone_id for z in result.world.zones if not z.is_affected}
    assert kpi["false_alarms"] == len(dry) and kpi["zones_never_flooded_supplied"] > 0
    assert kpi["kg_to_zones_never_flooded"] > 0
    ev = result.events_frame()
    orders = ev[(ev.kind == "order") & ev.zone.isin(dry)]
    assert len(orders) and orders["time_min"].max() <= RAIN_END_MIN
    assert result.summary()["supply_audit"]["balanced"]


def test_a_false_alarm_is_served_when_its_expected_hit_falls_within_the_look_ahead_not_at_the_warning(
        tmp_path, monkeypatch):
    # Look-ahead 2 h, every zone flagged, floods at 8 h: the flooding zones' need falls due at
    # the 6 h planning tick, and so does the false alarms' (expected at the flood time the
    # forecast gives them) — not at the warning (0 h), hours before any flooding zone's.
    result = run_rain(tmp_path, monkeypatch, 1.0, 1.0,
                      policy={"dispatch": "priority_nearest", "lookahead": "2h", "replan_every": "30min"})
    ev = result.events_frame()
    dry = {z.zone_id for z in result.world.zones if not z.is_affected}
    orders = ev[ev.kind == "order"]
    first_dry = orders[orders.zone.isin(dry)]["time_min"].min()
    first_flooding = orders[~orders.zone.isin(dry)]["time_min"].min()
    assert first_dry >= FLOOD_MIN - 120.0 and first_flooding >= FLOOD_MIN - 120.0
    assert len(orders[orders.zone.isin(dry)]) > 0


def test_the_same_seed_flags_the_same_zones_and_another_seed_may_not(tmp_path, monkeypatch):
    a = flagged(run_rain(tmp_path, monkeypatch, 0.5, 0.5, seed=3))
    b = flagged(run_rain(tmp_path, monkeypatch, 0.5, 0.5, seed=3))
    others = [flagged(run_rain(tmp_path, monkeypatch, 0.5, 0.5, seed=s)) for s in (4, 5, 6)]
    assert a == b and any(o != a for o in others)


BAD_SKILL = MINIMAL + """\
hazard:
  type: rainfall
  hyetograph_mm: [50]
  prepositioning: true
  forecast: {hit_rate: 1.5, false_alarm_rate: -0.1}
"""


def test_a_forecast_skill_outside_zero_to_one_is_a_located_error():
    with pytest.raises(InputError) as info:
        load_scenario_text(BAD_SKILL, filename="rain.yaml")
    line = len(MINIMAL.splitlines()) + 5
    assert info.value.lines == [f"rain.yaml:{line}:24: hazard.forecast.hit_rate: must be 1 or less, got 1.5",
                                f"rain.yaml:{line}:47: hazard.forecast.false_alarm_rate: must be 0 or more, got -0.1"]
