"""``prestock``: stock moved forward on a warning takes its lead time; without a warning it stands in place."""
from __future__ import annotations

import pytest

from sim.api import run
from sim.scenarios import builtin_scenario_path, load_scenario
from sim.scenarios.interventions import apply_interventions


def _with_prestock(name: str, lead: str, hours: float):
    scenario = load_scenario(builtin_scenario_path(name))
    data = scenario.model_dump(exclude_unset=True)          # what the file gives, as a file would be edited
    data["duration"] = f"{hours:g}h"
    data["interventions"] = [{"type": "prestock", "from_depot": "city", "to_depot": "taihu",
                              "stock": {"water_l": 50_000}, "lead": lead}]
    return type(scenario).model_validate(data)


@pytest.mark.parametrize("hours, in_transit", [(2.0, 50_000.0), (5.0, 0.0)])
def test_prestock_on_a_rainfall_warning_arrives_lead_after_the_warning(hours, in_transit):
    scenario = _with_prestock("extreme_rainfall", "3h", hours)
    result = run(scenario)
    ev = result.events_frame()
    out = ev[(ev["kind"] == "transfer_out") & (ev["item"] == "water_l")]
    arrived = ev[(ev["kind"] == "transfer_in") & (ev["item"] == "water_l")]
    warning = result.world.hazard.figures["warning_min"]
    assert list(out["time_min"]) == [warning] and list(out["amount"]) == [50_000.0]
    assert list(out["agent"]) == ["city"] and list(out["zone"]) == ["taihu"]
    if hours * 60 >= warning + 180:
        assert list(arrived["time_min"]) == [pytest.approx(warning + 180)]
    else:
        assert arrived.empty
    audit = result.summary()["supply_audit"]
    assert audit["balanced"]
    on_trucks = sum(t.load.get("water_l", 0.0) for t in result.world.trucks)
    assert audit["items"]["water_l"]["in_transit"] == pytest.approx(on_trucks + in_transit)


def test_prestock_without_a_warning_is_in_place_at_the_start():
    scenario = _with_prestock("m8_earthquake", "30h", 1.0)
    after = apply_interventions(scenario)
    before = {d.id: d.stock.water_l for d in scenario.depots}
    moved = {d.id: d.stock.water_l for d in after.depots}
    assert moved["city"] == before["city"] - 50_000 and moved["taihu"] == before["taihu"] + 50_000
