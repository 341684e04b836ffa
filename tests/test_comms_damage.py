"""An earthquake's damage to communications: which zones' networks go down, and what that delays."""
from __future__ import annotations

import math

import numpy as np
import pytest
from worlds import depot, line_world, scenario_doc, write_scenario, write_zones

from sim.api import run
from sim.errors import InputError
from sim.hazards.earthquake import comms_down_share
from sim.scenarios import load_scenario
from sim.scenarios.hazard_models import CommsDamage

QUAKE = {"type": "earthquake", "magnitude": 8.0, "epicenter": [116.7, 39.8], "depth_km": 10}
REPORT_MIN = 30.0            # scenario_doc's report delay
EARTH_RADIUS_KM = 6371.0088


def test_the_share_of_zones_down_rises_linearly_between_the_two_intensities():
    spec = CommsDamage()          # 0 at VII, 1 at X
    shares = comms_down_share(spec, [5.0, 7.0, 8.5, 9.0, 10.0, 11.5])
    assert shares.tolist() == pytest.approx([0.0, 0.0, 0.5, 2 / 3, 1.0, 1.0])


def test_a_share_that_does_not_rise_is_a_located_error(tmp_path):
    region = line_world(tmp_path, n=3, length_m=2000.0)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 2, 1000, 0.1)])}
    doc = scenario_doc(region, [depot("d", 1)],
                       hazard={**QUAKE, "comms_damage": {"down_from": 9, "all_down_from": 8}})
    with pytest.raises(InputError) as err:
        load_scenario(write_scenario(tmp_path, doc))
    message = str(err.value)
    assert "scenario.yaml:" in message and "hazard.comms_damage" in message
    assert "all_down_from (8) must be above down_from (9)" in message


def _quake_scenario(tmp_path, zones, comms_damage=None, intensity_report=None, quake=QUAKE, **extra):
    region = line_world(tmp_path, n=3, length_m=2000.0)
    region["zones"] = {"csv": write_zones(tmp_path, zones)}
    hazard = dict(quake)
    if comms_damage is not None:
        hazard["comms_damage"] = comms_damage
    if intensity_report is not None:
        hazard["intensity_report"] = intensity_report
    doc = scenario_doc(region, [depot("d", 1, **extra.pop("depot_extra", {}))], hazard=hazard, duration="24h",
                       **extra)
    return load_scenario(write_scenario(tmp_path, doc))


ZONES = [("Z1", 2, 3000, 0.1), ("Z2", 3, 2000, 0.1)]
EVERY_ZONE_DOWN = {"down_from": 5, "all_down_from": 5.01, "restored_after": "10h"}


def test_turning_the_damage_on_draws_nothing_else_anew(tmp_path):
    from sim.world.world import build_world

    off = build_world(_quake_scenario(tmp_path, ZONES), base_dir=tmp_path)
    on = build_world(_quake_scenario(tmp_path, ZONES, comms_damage={}), base_dir=tmp_path)
    assert off.hazard.comms_down is None and on.hazard.comms_down is not None
    for name in ("affected", "displaced", "trapped", "outdoors", "no_lifelines"):
        assert np.array_equal(getattr(off.hazard, name), getattr(on.hazard, name)), name
    assert len(off.hazard.road_changes) == len(on.hazard.road_changes)
    for a, b in zip(off.hazard.road_changes, on.hazard.road_changes):
        assert a.time_min == b.time_min and np.array_equal(a.edges, b.edges)
        assert np.array_equal(a.speed_factor, b.speed_factor)
    # The zones' reporting delays are the same draws: only the downed networks move reports.
    assert off.hazard.figures == {k: v for k, v in on.hazard.figures.items() if k != "zones_without_comms"}


def test_a_weaker_shake_on_the_same_seed_never_takes_more_networks_down():
    from sim.scenarios import builtin_scenario_path
    from sim.world.world import build_world

    m8 = load_scenario(builtin_scenario_path("m8_earthquake"))
    downs = {}
    for magnitude in (7.0, 7.5, 8.0):
        hazard = m8.hazard.model_copy(update={"magnitude": magnitude, "comms_damage": CommsDamage()})
        world = build_world(m8.model_copy(update={"hazard": hazard}))
        downs[magnitude] = world.hazard.comms_down.zone_down
    assert 0 < downs[7.0].sum() < downs[7.5].sum() < downs[8.0].sum() < len(downs[8.0])
    assert not (downs[7.0] & ~downs[7.5]).any() and not (downs[7.5] & ~downs[8.0]).any()


def _known_min(result) -> dict[str, float]:
    return {z.zone_id: float(result.world.command.known_min[z.index]) for z in result.world.zones}


def _walk_min(lon1, lon2, lat, detour=1.3, speed_kmh=5.0) -> float:
    """A runner's walk between two points on one parallel (haversine)."""
    phi = math.radians(lat)
    a = math.cos(phi) ** 2 * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
    return km * detour / speed_kmh * 60.0


def test_reports_from_downed_zones_wait_for_the_network_or_a_runner(tmp_path):
    # Every zone's networks are down for 10 h; the only depot's too: no runner finds working
    # phones, so each report waits for the network and then takes its normal delay.
    down = run(_quake_scenario(tmp_path, ZONES, comms_damage=EVERY_ZONE_DOWN), base_dir=tmp_path)
    assert _known_min(down) == {"Z1": 600.0 + REPORT_MIN, "Z2": 600.0 + REPORT_MIN}
    timeline = [row for row in down.world.outages.timeline if row["kind"] == "comms"]
    assert len(timeline) == 1 and timeline[0]["end_h"] == 10.0
    assert timeline[0]["what"] == "2 zones, 1 depot and 0 teams without communications (the hazard's damage)"
    assert down.summary()["hazard"]["zones_without_comms"] == 2

    # A satellite phone at the depot: after an hour of silence each community's runner walks
    # there (straight line × 1.3 at 5 km/h) and the depot passes the report on.
    phone = run(_quake_scenario(tmp_path, ZONES, comms_damage=EVERY_ZONE_DOWN, depot_extra={"sat_phone": True}),
                base_dir=tmp_path)
    depot_lon = 116.6                                       # node 1 of line_world
    expected = {z: 60.0 + _walk_min(depot_lon, lon, 39.8) + REPORT_MIN for z, lon in (("Z1", 116.7), ("Z2", 116.8))}
    assert _known_min(phone) == pytest.approx(expected, abs=0.05)

    # Satellite phones in every zone: reports arrive as if nothing were down.
    intact = run(_quake_scenario(tmp_path, ZONES), base_dir=tmp_path)
    phones = run(_quake_scenario(tmp_path, ZONES, comms_damage=EVERY_ZONE_DOWN, sat_phone_zones="all"),
                 base_dir=tmp_path)
    assert _known_min(intact) == _known_min(phones) == {"Z1": REPORT_MIN, "Z2": REPORT_MIN}

    # Phones at every zone and the depot: the networks are down, but nobody is without
    # communications, and the outage says so rather than "0 zones, 0 depots and 0 teams".
    everyone = run(_quake_scenario(tmp_path, ZONES, comms_damage=EVERY_ZONE_DOWN, sat_phone_zones="all",
                                   depot_extra={"sat_phone": True}), base_dir=tmp_path)
    assert [row["what"] for row in everyone.world.outages.timeline if row["kind"] == "comms"] == [
        "networks down (the hazard's damage), but every zone, depot and team there has a satellite phone"]


def test_no_zone_below_the_first_intensity_loses_its_network(tmp_path):
    result = run(_quake_scenario(tmp_path, ZONES, comms_damage={"down_from": 11.5, "all_down_from": 12}),
                 base_dir=tmp_path)
    assert result.summary()["hazard"]["zones_without_comms"] == 0
    assert _known_min(result) == {"Z1": REPORT_MIN, "Z2": REPORT_MIN}


# ------------------------------------------------------------------ acting on the rapid intensity report
def _reported_by_intensity(result) -> list[str]:
    events = result.events_frame()
    return sorted(events.loc[events["kind"] == "intensity_report", "zone"])


#: A shake strong enough to affect people, too weak to block the test world's streets.
MODERATE_QUAKE = {"type": "earthquake", "magnitude": 6.0, "epicenter": [117.0, 39.8], "depth_km": 10}


def test_the_rapid_intensity_report_makes_the_worst_shaken_zones_known_before_they_report(tmp_path):
    report = {"after": "10min", "from_intensity": 5}
    result = run(_quake_scenario(tmp_path, ZONES, comms_damage=EVERY_ZONE_DOWN, intensity_report=report,
                                 quake=MODERATE_QUAKE), base_dir=tmp_path)
    # Known from the command's own estimate, whatever the communities' networks do.
    assert _known_min(result) == {"Z1": 10.0, "Z2": 10.0}
    assert _reported_by_intensity(result) == ["Z1", "Z2"]
    first = result.zones_frame().set_index("zone_id")["first_supply_h"].astype(float)
    without = run(_quake_scenario(tmp_path, ZONES, comms_damage=EVERY_ZONE_DOWN, quake=MODERATE_QUAKE),
                  base_dir=tmp_path)
    assert (first < without.zones_frame().set_index("zone_id")["first_supply_h"].astype(float)).all()
    assert (first < 3.0).all()


def test_zones_below_the_reports_intensity_or_already_reported_are_left_as_they_were(tmp_path):
    above_all = run(_quake_scenario(tmp_path, ZONES, intensity_report={"after": "10min", "from_intensity": 12}),
                    base_dir=tmp_path)
    late = run(_quake_scenario(tmp_path, ZONES, intensity_report={"after": "2h", "from_intensity": 5}),
               base_dir=tmp_path)
    assert _known_min(above_all) == _known_min(late) == {"Z1": REPORT_MIN, "Z2": REPORT_MIN}
    assert _reported_by_intensity(above_all) == _reported_by_intensity(late) == []
    # What the estimate said, for the reports: none at XII; both zones at V or more, though neither
    # was made known by it (both had reported by 2 h).
    assert above_all.summary()["hazard"]["intensity_report"] == {"from_intensity": 12.0, "zones_at_or_above": 0}
    assert late.summary()["hazard"]["intensity_report"] == {"from_intensity": 5.0, "zones_at_or_above": 2}
    # A report that can make nothing known says so: no zone at its intensity, or after the run.
    assert [w for w in above_all.summary()["warnings"] if "intensity report" in w] == [
        "the rapid intensity report puts no affected zone at intensity 12 or more: it makes no zone known (lower "
        "hazard.intensity_report.from_intensity)"]
    assert not [w for w in late.summary()["warnings"] if "intensity report" in w]
    after_the_end = run(_quake_scenario(tmp_path, ZONES, intensity_report={"after": "30h", "from_intensity": 5}),
                        base_dir=tmp_path)
    assert [w for w in after_the_end.summary()["warnings"] if "intensity report" in w] == [
        "the rapid intensity report comes at 30 h, at or after the run's end (24 h): it makes no zone known (give "
        "hazard.intensity_report.after a shorter time)"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_phones_and_the_intensity_report_never_make_a_report_later(tmp_path, seed):
    # Half the networks down on average (the share at the zones' intensity), drawn per seed.
    zones = [(f"Z{k}", 2 + k % 2, 1000 + 100 * k, 0.1) for k in range(1, 9)]
    damage = {"down_from": 5, "all_down_from": 12, "restored_after": "6h"}
    plain = _quake_scenario(tmp_path, zones, comms_damage=damage, quake=MODERATE_QUAKE, seed=seed)
    base = _known_min(run(plain, base_dir=tmp_path))
    assert any(t > REPORT_MIN for t in base.values()), "some report must be held up for the test to say anything"
    variants = {
        "depot phone": _quake_scenario(tmp_path, zones, comms_damage=damage, quake=MODERATE_QUAKE, seed=seed,
                                       depot_extra={"sat_phone": True}),
        "zone phones": _quake_scenario(tmp_path, zones, comms_damage=damage, quake=MODERATE_QUAKE, seed=seed,
                                       sat_phone_zones=["Z1", "Z2", "Z3"]),
        "intensity report": _quake_scenario(tmp_path, zones, comms_damage=damage, quake=MODERATE_QUAKE, seed=seed,
                                            intensity_report={"after": "1h", "from_intensity": 5}),
    }
    earlier = set()
    for name, scenario in variants.items():
        known = _known_min(run(scenario, base_dir=tmp_path))
        assert all(known[z] <= base[z] + 1e-9 for z in base), (name, known, base)
        earlier |= {name for z in base if known[z] < base[z]}
    assert {"zone phones", "intensity report"} <= earlier     # the depot's own phone helps only if it is down


def test_the_reports_key_figures_count_the_communities_whose_networks_went_down():
    from sim.report.html_sections import hazard_kpis

    rows = dict((label, cell["text"]) for label, cell in hazard_kpis({"zones_without_comms": 1499}))
    assert rows == {"communities whose networks the shaking took down": "1,499"}
    assert hazard_kpis({}) == []
