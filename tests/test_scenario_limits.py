"""Sizes a scenario may state: refused up front with the limit and why, never a MemoryError or an hour of work.

The files here are too large to keep in ``tests/malformed/``: they are made
by the tests. Every number is finite, every count a whole number (never
``true``), and every value the engine divides by or loops on is bounded
away from zero.
"""
from __future__ import annotations

import json

import pytest
import yaml
from test_scenario_loader import MINIMAL, at, only_problem, problems_of

from sim.errors import MAX_LINES_SHOWN, InputError, Problem
from sim.scenarios.hazard_models import MAX_HYETOGRAPH_STEPS
from sim.scenarios.loader import load_scenario_text
from sim.scenarios.models import MAX_TEAMS, Scenario
from sim.scenarios.resources import MAX_NAME_LENGTH


def with_lines(*extra: str) -> str:
    return MINIMAL + "".join(line + "\n" for line in extra)


def test_a_200000_character_name_is_refused_with_its_limit():
    line = only_problem(MINIMAL.replace("name: Minimal scenario", "name: " + "x" * 200_000))
    assert at(line) == (1, 7)
    assert line.endswith(f"name: at most {MAX_NAME_LENGTH} characters, got 200,000")


def test_a_100000_step_hyetograph_is_refused_with_its_limit():
    steps = ", ".join(["1"] * 100_000)
    line = only_problem(with_lines(f"hazard: {{type: rainfall, interval: 1min, hyetograph_mm: [{steps}]}}"))
    assert "hazard.hyetograph_mm: at most 2,016 hyetograph values, got 100,000" in line
    assert MAX_HYETOGRAPH_STEPS == 2_016


def test_20000_teams_are_refused_with_the_limit_and_why():
    teams = "".join(f"  - {{id: t{i}, kind: sar, base: {{node: 12}}}}\n" for i in range(20_000))
    line = only_problem(MINIMAL + "teams:\n" + teams)
    assert f"teams: at most {MAX_TEAMS} teams, got 20,000: each team's base keeps a routing tree" in line


def test_500_bad_entries_print_the_first_problems_and_how_many_more():
    stock = "".join(f"  - {{id: d{i}, tier: district, at: {{node: 1}}, trucks: {{count: x, payload_kg: 1}}}}\n"
                    for i in range(150))
    text = MINIMAL.replace("depots:\n", "depots:\n" + stock)
    with pytest.raises(InputError) as info:
        load_scenario_text(text, filename="many.yaml")
    assert len(info.value.problems) == 150
    lines = info.value.lines
    assert len(lines) == MAX_LINES_SHOWN + 1
    assert lines[-1] == f"… and {150 - MAX_LINES_SHOWN} more problems"
    assert all(line.startswith("many.yaml:") for line in lines[:-1])


def test_lines_quoting_input_show_control_characters_escaped():
    error = InputError([Problem("s.yaml", 3, 1, "depots[0].\x1b[2J", "unknown key '\x1b[2J\u202e'")])
    assert error.lines == ["s.yaml:3:1: depots[0].\\x1b[2J: unknown key '\\x1b[2J\\u202e'"]
    assert InputError("out\x07dir: is a file").lines == ["out\\x07dir: is a file"]


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", ".Inf"])
@pytest.mark.parametrize("where", ["water_l: 10000", "payload_kg: 5000", "at: {node: 10}"])
def test_no_number_anywhere_may_be_nan_or_infinite(value, where):
    written = {"water_l: 10000": f"water_l: {value}", "payload_kg: 5000": f"payload_kg: {value}",
               "at: {node: 10}": f"at: {{lonlat: [{value}, 39.9]}}"}[where]
    line = only_problem(MINIMAL.replace(where, written))
    assert "finite" in line or "0 or more" in line or "1 or more" in line, line


def test_counts_refuse_true_and_false_everywhere():
    text = with_lines("teams:", "  - {id: t1, kind: sar, base: {node: 12}, count: true, size: false}")
    lines = problems_of(text)
    assert [line.split(": ", 2)[1] for line in lines] == ["teams[0].count", "teams[0].size"]
    assert all("expected a whole number, got" in line for line in lines)


def test_every_duration_the_model_divides_by_or_loops_on_is_bounded_away_from_zero():
    for text in (with_lines("policy: {replan_every: 0s}"),
                 MINIMAL.replace("    trucks:", "    load_time: 0s\n    trucks:"),
                 MINIMAL.replace("    trucks:", "    unload_time: 0s\n    trucks:"),
                 with_lines("hazard: {type: rainfall, hyetograph_mm: [10], interval: 0s}"),
                 MINIMAL.replace("duration: 24h", "duration: 0h")):
        line = only_problem(text)
        assert "must be at least" in line or "must be longer than zero" in line, line


def test_every_number_and_count_in_the_schema_has_an_upper_bound():
    """Walk the JSON Schema: every number, integer and list carries a maximum (durations carry theirs in
    the description and are checked by the models)."""
    schema = Scenario.model_json_schema(mode="validation")
    unbounded = []

    def walk(node, where):
        if isinstance(node, dict):
            kind = node.get("type")
            if kind in ("number", "integer") and "maximum" not in node and "exclusiveMaximum" not in node:
                unbounded.append(where)
            if kind == "array" and "maxItems" not in node:
                unbounded.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(schema, "")
    assert unbounded == []


def test_the_schema_round_trips_a_dumped_scenario():
    scenario = load_scenario_text(MINIMAL)
    again = Scenario.model_validate(yaml.safe_load(json.dumps(scenario.model_dump(mode="json"))))
    assert again.model_dump() == scenario.model_dump()
