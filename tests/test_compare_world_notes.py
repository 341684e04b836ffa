"""A comparison says when its variant changes the world, not only resources.

Replication *i* of both sides shares its seed; that makes a paired difference what
resources buy only while both sides run the same disaster in the same region,
judged by the same targets. A variant that changes one of these is still run, but
the console, ``comparison.json`` and the report say which settings differ.
"""
from __future__ import annotations

import json
import shutil

from test_batch import random_world

from sim.api import compare, load_scenario
from sim.cli import main
from sim.experiments.compare import world_differences

def test_resources_alone_give_no_note(tmp_path):
    world = random_world(tmp_path)
    other = random_world(tmp_path, "faster.yaml", command={"report_delay": "10min", "order_delay": "5min"})
    assert world_differences(load_scenario(world), load_scenario(other), tmp_path, tmp_path) == []


def test_another_hazard_is_named_with_its_fields():
    m8, rain = load_scenario("m8_earthquake"), load_scenario("extreme_rainfall")
    notes = world_differences(m8, rain, ".", ".")
    hazard = next(n for n in notes if n.startswith("the variant changes the hazard"))
    assert "type" in hazard and "not one world" in hazard


def test_a_retrofit_is_an_investment_not_another_hazard():
    from sim.scenarios.interventions import apply_interventions

    m8 = load_scenario("m8_earthquake")
    retrofitted = apply_interventions(type(m8).model_validate(
        {**m8.model_dump(), "interventions": [{"type": "retrofit", "bridges": "all", "fragility_factor": 2.0}]}))
    assert retrofitted.hazard.bridge_fragility_factor == 2.0
    assert world_differences(m8, retrofitted, ".", ".") == []
    stronger = m8.model_copy(deep=True)
    stronger.hazard.magnitude = m8.hazard.magnitude - 0.5
    assert world_differences(m8, stronger, ".", ".") == [
        "the variant changes the hazard (magnitude): the pairs share their seeds, not one world, so the "
        "change is the two worlds' as well as any resources'"]


def test_acting_on_the_intensity_report_is_the_response_and_downed_networks_are_the_disaster():
    from sim.scenarios.hazard_models import CommsDamage, IntensityReport

    shipped = load_scenario("m8_earthquake")
    m8 = shipped.model_copy(update={"hazard": shipped.hazard.model_copy(
        update={"intensity_report": None, "comms_damage": None})})             # networks intact, no report
    acting = m8.model_copy(update={"hazard": m8.hazard.model_copy(update={"intensity_report": IntensityReport()})})
    assert world_differences(m8, acting, ".", ".") == []
    damaged = m8.model_copy(update={"hazard": m8.hazard.model_copy(update={"comms_damage": CommsDamage()})})
    assert [n[:52] for n in world_differences(m8, damaged, ".", ".")] == [
        "the variant changes the hazard (comms_damage): the p"]
    assert world_differences(damaged, shipped, ".", ".") == []               # the shipped M8 acts on it


def test_the_same_region_files_elsewhere_are_the_same_region_and_changed_ones_are_not(tmp_path):
    world = random_world(tmp_path)
    elsewhere = tmp_path / "copy"
    shutil.copytree(tmp_path, elsewhere, ignore=shutil.ignore_patterns("copy"))
    before = load_scenario(world)
    assert world_differences(before, load_scenario(elsewhere / world.name), tmp_path, elsewhere) == []
    zones = elsewhere / before.region.zones.csv
    zones.write_text(zones.read_text().replace(",1000,", ",2000,"))
    notes = world_differences(before, load_scenario(elsewhere / world.name), tmp_path, elsewhere)
    assert len(notes) == 1 and notes[0].startswith("the variant changes the region (zones.csv)")


def test_other_targets_are_noted_in_console_json_and_report(tmp_path, capsys):
    world = random_world(tmp_path)
    other = random_world(tmp_path, "strict.yaml", targets={"district_supplies": ["2h"], "basic_relief": ["6h"]})
    out = tmp_path / "out"
    assert main(["compare", str(world), str(other), "--replications", "2", "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "note: the variant changes the targets (" in printed
    assert "judge both sides by the baseline's targets" in printed
    notes = json.loads((out / "comparison.json").read_text())["notes"]
    assert any(n.startswith("the variant changes the targets") for n in notes)
    assert "Note: the variant changes the targets" in (out / "report.html").read_text()


def test_an_overlay_of_resources_gives_no_note(tmp_path):
    world = random_world(tmp_path)
    overlay = tmp_path / "o.yaml"
    overlay.write_text("interventions:\n  - {type: add_trucks, depot: d1, count: 3}\n")
    result = compare(world, overlay, replications=2, workers=1, out_dir=tmp_path / "out")
    assert result.notes == []


def test_a_preset_written_out_as_its_times_is_the_same_targets():
    m8 = load_scenario("m8_earthquake")
    written = type(m8).model_validate({**m8.model_dump(), "targets": {
        "district_supplies": ["3h"], "basic_relief": ["8h"]}})
    assert m8.targets.preset == "tongzhou-2030" and written.targets.preset is None
    assert world_differences(m8, written, ".", ".") == []


def test_a_comparison_with_nothing_to_judge_says_so_without_nan_or_warnings(tmp_path, capsys):
    import warnings

    away = {"area": {"around": {"center": [100.0, 30.0], "radius": "1km"}}, "zone_share": 1.0,
            "affected_share": 0.3}
    world = random_world(tmp_path, impact=away)
    more = random_world(tmp_path, "more.yaml", impact=away,
                        interventions=[{"type": "add_trucks", "depot": "d1", "count": 2}])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main(["compare", str(world), str(more), "--replications", "2", "--workers", "1",
                     "--out", str(tmp_path / "c"), "--no-report"]) == 0
    printed = capsys.readouterr().out
    assert "nan" not in printed and "no change to judge" in printed
    doc = json.loads((tmp_path / "c" / "comparison.json").read_text())
    assert all(v["detail"] == "no change to judge" for v in doc["verdicts"])


def test_an_earlier_warning_a_better_forecast_and_more_road_crews_are_the_response_not_another_disaster():
    rain = load_scenario("extreme_rainfall")
    better = rain.model_copy(deep=True)
    better.hazard.warning_lead = rain.hazard.warning_lead + 360.0
    better.hazard.forecast.hit_rate = 1.0
    better.hazard.prepositioning = not rain.hazard.prepositioning
    assert world_differences(rain, better, ".", ".") == []
    m8 = load_scenario("m8_earthquake")
    crews = m8.model_copy(deep=True)
    crews.hazard.road_clearing.army_crew_m3_per_h *= 2
    assert world_differences(m8, crews, ".", ".") == []
    more_debris = m8.model_copy(deep=True)
    more_debris.hazard.road_clearing.debris_m3_per_m *= 2
    assert world_differences(m8, more_debris, ".", ".")[0].startswith(
        "the variant changes the hazard (road_clearing.debris_m3_per_m)")


def test_milder_outages_are_another_disaster():
    drill = load_scenario("three_outages")
    milder = drill.model_copy(deep=True)
    milder.outages.comms = []
    (note,) = world_differences(drill, milder, ".", ".")
    assert note.startswith("the variant changes the outages (comms)") and "not one world" in note
