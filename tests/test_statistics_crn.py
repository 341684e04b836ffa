"""Common random numbers hold: an investment changes no other component's random draws.

A before/after comparison is paired by seed; the pairing only removes the
disaster's own randomness if the variant draws the same hazard, impact,
reporting and outage values as the baseline. Each world is built for the same
seed with and without an investment, and every drawn quantity is compared.
"""
from __future__ import annotations

import numpy as np
import pytest

from sim.scenarios import builtin_scenario_path, load_scenario
from sim.scenarios.interventions import apply_interventions
from sim.world.world import build_world

INVESTMENTS = {
    "a depot": {"type": "add_depot", "depot": {
        "id": "southeast", "tier": "district", "at": {"lonlat": [116.72, 39.80]},
        "stock": {"water_l": 60000, "food_ration": 20000}, "trucks": {"count": 10, "payload_kg": 5000},
        "loading_bays": 4, "load_time": "20min", "unload_time": "15min"}},
    "a team": {"type": "add_teams", "team": {"id": "extra-sar", "kind": "sar", "base": {"lonlat": [116.66, 39.85]},
                                              "count": 2}},
    "trucks": {"type": "add_trucks", "depot": "taihu", "count": 6},
    "a shelter": {"type": "add_shelter", "shelter": {"id": "s-extra", "at": {"lonlat": [116.70, 39.82]},
                                                     "area_m2": 8000}},
}


def _with(scenario, investment: dict):
    return apply_interventions(type(scenario).model_validate(
        {**scenario.model_dump(mode="json"), "interventions": [investment]}))


def draws(world) -> dict:
    """Every quantity a world draws from its random streams, keyed by what it is."""
    out = {
        "impact: affected": [z.affected for z in world.zones],
        "impact: displaced": [z.displaced for z in world.zones],
        "impact: trapped": [z.trapped for z in world.zones],
        "impact: hit time": [z.hit_time_min for z in world.zones],
        "reports: delay": list(world.command.report_delay_min),
    }
    comms = world.outages.comms
    if comms is not None:
        out["outages: lost reports"] = [list(map(bool, lost)) for lost in comms.lost]
    out["outages: closed roads"] = [(c.start_min, c.end_min, sorted(map(int, c.edges)))
                                    for c in world.outages.road_closures]
    if world.hazard is not None:
        out["hazard: road changes"] = [(c.time_min, list(map(int, c.edges)), list(map(float, c.speed_factor)),
                                        c.cause) for c in world.hazard.road_changes]
        out["hazard: work sites"] = [(s.site_id, s.team_kind) for s in world.hazard.work_sites]
    return out


@pytest.fixture(scope="module", params=["three_outages", "m8_earthquake"])
def baseline(request):
    return load_scenario(builtin_scenario_path(request.param))


@pytest.mark.parametrize("investment", list(INVESTMENTS))
def test_an_investment_changes_no_hazard_impact_report_or_outage_draw(baseline, investment):
    seed = 12345
    before = draws(build_world(baseline, seed=seed))
    after = draws(build_world(_with(baseline, INVESTMENTS[investment]), seed=seed))
    assert before.keys() == after.keys()
    for what in before:
        assert before[what] == after[what], f"{investment} changed the draws of {what}"
    assert sum(before["impact: affected"]) > 0 and np.ptp(before["reports: delay"]) > 0
