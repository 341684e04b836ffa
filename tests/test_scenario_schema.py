"""The JSON Schemas ``sim schema`` and ``sim schema --overlay`` print, checked with a real validator.

An editor's YAML plugin validates against these schemas, so they must accept
every shipped file, state defaults in the form a user writes them (``20min``,
not the number of minutes the model keeps), and describe every property.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "sim" / "scenarios" / "builtin").glob("*.yaml"))
OVERLAYS = sorted((ROOT / "scenarios" / "overlays").glob("*.yaml"))


def printed_schema(capsys, *flags) -> dict:
    assert main(["schema", *flags]) == 0
    schema = json.loads(capsys.readouterr().out)
    Draft202012Validator.check_schema(schema)
    return schema


@pytest.fixture
def scenario_schema(capsys):
    return printed_schema(capsys)


@pytest.fixture
def overlay_schema(capsys):
    return printed_schema(capsys, "--overlay")


def errors(schema: dict, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in Draft202012Validator(schema).iter_errors(document)]


def test_there_are_shipped_scenarios_and_overlays():
    assert len(SCENARIOS) >= 10 and len(OVERLAYS) >= 1


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_scenario_satisfies_the_scenario_schema(scenario_schema, path):
    assert errors(scenario_schema, yaml.safe_load(path.read_text())) == []


@pytest.mark.parametrize("path", OVERLAYS, ids=lambda p: p.name)
def test_every_shipped_overlay_satisfies_the_overlay_schema_and_validates(overlay_schema, path, capsys):
    assert errors(overlay_schema, yaml.safe_load(path.read_text())) == []
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok")


def test_an_overlay_is_not_a_scenario_and_a_scenario_not_an_overlay(scenario_schema, overlay_schema):
    overlay = yaml.safe_load(OVERLAYS[0].read_text())
    scenario = yaml.safe_load(SCENARIOS[0].read_text())
    assert errors(scenario_schema, overlay) and errors(overlay_schema, scenario)


def properties(schema: dict):
    """(where, name, property schema) of every property of every object in the schema."""
    def walk(node, where):
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                yield where, name, prop
            for key, value in node.items():
                yield from walk(value, f"{where}.{key}" if key != "properties" else where)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value, where)
    yield from walk(schema, "")


@pytest.mark.parametrize("flags", [(), ("--overlay",)])
def test_every_default_is_written_as_a_user_writes_it(flags, capsys):
    schema = printed_schema(capsys, *flags)
    wrong = []
    for where, name, prop in properties(schema):
        if "default" in prop:
            own = {key: value for key, value in prop.items() if key != "default"}
            if errors({"$defs": schema.get("$defs", {}), **own}, prop["default"]):
                wrong.append(f"{where}.{name} = {prop['default']!r}")
    assert wrong == []


def test_a_duration_default_is_a_duration_text(scenario_schema):
    depot = scenario_schema["$defs"]["Depot"]["properties"]
    assert depot["load_time"]["default"] == "20min"
    assert depot["load_time"]["type"] == "string"


@pytest.mark.parametrize("flags", [(), ("--overlay",)])
def test_every_property_has_a_description(flags, capsys):
    schema = printed_schema(capsys, *flags)
    missing = [f"{where}.{name}" for where, name, prop in properties(schema) if not prop.get("description")]
    assert missing == []


@pytest.mark.parametrize("field, unit", [("Depot.load_time", "duration"), ("Trucks.payload_kg", "kg"),
                                         ("Shelter.area_m2", "m2"), ("Rainfall.drainage_mm_per_h", "mm"),
                                         ("Rainfall.ponding_radius", "distance"), ("Earthquake.depth_km", "km")])
def test_descriptions_say_the_unit(scenario_schema, field, unit):
    model, name = field.split(".")
    assert unit in scenario_schema["$defs"][model]["properties"][name]["description"]
