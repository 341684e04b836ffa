"""Loading scenario files: a valid Scenario, or every problem as one located line.

The line format is ``FILE:LINE:COL: PATH: message`` (1-based), or
``FILE: message`` for a problem with the file as a whole.
"""
from __future__ import annotations

import codecs
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.scenarios import yaml_nodes
from sim.scenarios.interventions import apply_interventions
from sim.scenarios.loader import load_scenario, load_scenario_text, locate_problems
from sim.scenarios.models import Scenario

LOCATED = re.compile(r"^[^:]+:(\d+):(\d+): ")
FILE_LEVEL = re.compile(r"^[^:]+: ")

MINIMAL = """\
name: Minimal scenario
duration: 24h
region:
  network: {builtin: district}
  zones: {builtin: district}
depots:
  - id: south
    tier: district
    at: {node: 10}
    stock: {water_l: 10000, food_ration: 5000, bedding: 2000}
    trucks: {count: 4, payload_kg: 5000}
"""


def problems_of(text: str, filename: str = "s.yaml") -> list[str]:
    """The lines ``sim validate`` prints for ``text``."""
    with pytest.raises(InputError) as info:
        load_scenario_text(textwrap.dedent(text), filename=filename)
    return info.value.lines


def only_problem(text: str) -> str:
    lines = problems_of(text)
    assert len(lines) == 1, "\n".join(lines)
    return lines[0]


def at(line: str) -> tuple[int, int]:
    match = LOCATED.match(line)
    assert match, f"not located: {line}"
    return int(match.group(1)), int(match.group(2))


# ------------------------------------------------------------- valid files
def test_minimal_scenario_loads_with_defaults():
    scenario = load_scenario_text(MINIMAL)
    assert isinstance(scenario, Scenario)
    assert scenario.duration == 24 * 60
    assert scenario.depots[0].load_time == 20.0
    assert scenario.targets.preset == "tongzhou-2030"
    assert scenario.interventions == []


def test_scenario_file_is_read_from_disk(tmp_path):
    path = tmp_path / "minimal.yaml"
    path.write_text(MINIMAL)
    assert load_scenario(path).name == "Minimal scenario"
    assert load_scenario(str(path)).name == "Minimal scenario"


def test_utf8_bom_and_utf16_files_are_accepted(tmp_path):
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(codecs.BOM_UTF8 + MINIMAL.encode())
    wide = tmp_path / "wide.yaml"
    wide.write_bytes(MINIMAL.encode("utf-16"))  # with its BOM
    assert load_scenario(bom).name == load_scenario(wide).name == "Minimal scenario"


def test_anchors_and_merge_keys_are_plain_yaml_and_allowed():
    scenario = load_scenario_text(MINIMAL + """\
  - id: north
    tier: district
    at: {node: 11}
    stock: &stock {water_l: 500, food_ration: 100, bedding: 50}
    trucks: &fleet {count: 2, payload_kg: 3000}
  - id: east
    tier: street
    at: {node: 12}
    stock: *stock
    trucks: {<<: *fleet, count: 5}
""")
    east = scenario.depots[2]
    assert east.stock.water_l == 500 and (east.trucks.count, east.trucks.payload_kg) == (5, 3000)


def test_shipped_scenarios_are_valid():
    shipped = sorted((Path(__file__).parents[1] / "sim" / "scenarios" / "builtin").glob("*.yaml"))
    for path in shipped:
        assert load_scenario(path).name


# ------------------------------------------------- located schema errors
def test_bare_number_duration_is_an_error_with_location():
    line = only_problem(MINIMAL + "    load_time: 20\n")
    assert at(line) == (12, 16)
    assert "depots[0].load_time: a duration needs a unit: write '20min' or '20h'" in line
    assert "bare number" in line


def test_duration_in_m_is_refused_as_ambiguous():
    line = only_problem(MINIMAL.replace("duration: 24h", "duration: 90m"))
    assert at(line) == (2, 11) and "'m' is ambiguous: write 'min' for minutes" in line


def test_all_errors_of_a_file_are_reported_at_once():
    lines = problems_of("""\
        name: Many mistakes
        duration: 3
        region:
          network: {builtin: district}
          zones: {builtin: district}
        depots:
          - id: south
            tier: county
            at: {node: 10}
            stok: {water_l: 10000}
            trucks: {count: 4}
        teams:
          - {id: t1, kind: sar, base: {node: 4}, mobilize: 15}
        hazard: {type: earthquake, magnitude: 11, epicenter: [117, 40]}
    """)
    assert [at(line) for line in lines] == [(2, 11), (8, 11), (10, 5), (11, 13), (13, 52), (14, 39)]
    assert all(LOCATED.match(line) for line in lines)


def test_problems_are_in_file_order_and_deduplicated():
    lines = problems_of(MINIMAL + """\
command:
  report_delay: soon
""")
    assert len(lines) == 1 and "command.report_delay: cannot read 'soon' as a duration" in lines[0]


def test_unknown_key_suggests_the_closest_field_and_points_at_the_key():
    line = only_problem(MINIMAL.replace("    stock:", "    stok:"))
    assert at(line) == (10, 5)
    assert line.endswith("depots[0].stok: unknown key 'stok'; did you mean 'stock'?")


def test_unknown_top_level_key_suggests_the_section():
    line = only_problem(MINIMAL + "polcy: {dispatch: nearest}\n")
    assert at(line) == (12, 1) and "did you mean 'policy'?" in line


def test_unknown_key_without_a_close_match_lists_the_keys_there():
    line = only_problem(MINIMAL.replace("trucks: {count: 4,", "trucks: {colour: red, count: 4,"))
    assert "unknown key 'colour'; the keys here are: count, payload_kg" in line


def test_missing_key_points_at_the_mapping_that_needs_it():
    line = only_problem(MINIMAL.replace("trucks: {count: 4, payload_kg: 5000}", "trucks: {count: 4}"))
    assert at(line) == (11, 13)
    assert "depots[0].trucks: missing required key 'payload_kg'" in line


def test_missing_sections_are_named():
    lines = problems_of("name: Nothing else\n")
    assert [line.split(": ", 1)[1] for line in lines] == [
        "missing required key 'duration'", "missing required key 'region'", "missing required key 'depots'"]
    assert all(at(line) == (1, 1) for line in lines)


def test_wrong_types_say_what_was_expected_and_found():
    count = only_problem(MINIMAL.replace("count: 4", "count: four"))
    assert "depots[0].trucks.count: expected a whole number, got the text 'four'" in count
    payload = only_problem(MINIMAL.replace("payload_kg: 5000", "payload_kg: 5e3"))
    assert payload.endswith("depots[0].trucks.payload_kg: expected a number, got the text '5e3' (YAML reads it "
                            "as a number only with a dot: write 5.0e3)")
    stock = only_problem(MINIMAL.replace("stock: {water_l: 10000, food_ration: 5000, bedding: 2000}",
                                         "stock: [10000]"))
    assert "depots[0].stock: expected a mapping (key: value pairs), got a list" in stock


def test_range_errors_give_the_bound_and_the_value():
    line = only_problem(MINIMAL.replace("water_l: 10000", "water_l: -1"))
    assert "depots[0].stock.water_l: must be 0 or more, got -1" in line


def test_literal_error_lists_the_allowed_values():
    line = only_problem(MINIMAL.replace("tier: district", "tier: village"))
    assert "depots[0].tier: unknown depot tier 'village'; use 'city', 'district', 'street' or 'community'" in line


def test_unknown_hazard_type_lists_the_hazard_types_at_the_type():
    line = only_problem(MINIMAL + "hazard: {type: tsunami}\n")
    assert at(line) == (12, 16)
    assert "hazard.type: unknown hazard type 'tsunami'; the hazard types are 'none', 'rainfall' or " \
           "'earthquake'" in line


def test_hazard_without_type_lists_the_hazard_types():
    line = only_problem(MINIMAL + "hazard: {magnitude: 7}\n")
    assert "hazard: missing required key 'type'; the hazard types are 'none', 'rainfall' or 'earthquake'" in line


def test_earthquake_without_magnitude_is_located_at_the_hazard():
    line = only_problem(MINIMAL + "hazard:\n  type: earthquake\n  epicenter: [117, 40]\n")
    assert at(line) == (13, 3) and "hazard: missing required key 'magnitude'" in line


def test_messages_of_our_validators_have_no_pydantic_prefix():
    line = only_problem(MINIMAL.replace("at: {node: 10}", "at: {node: 10, lonlat: [116.6, 39.9]}"))
    assert line.endswith("depots[0].at: give exactly one of 'node' or 'lonlat'")
    assert "Value error" not in line


def test_union_of_a_word_or_a_list_gets_one_message():
    line = only_problem(MINIMAL + "sat_phone_zones: 5\n")
    assert line.endswith("sat_phone_zones: expected 'all' or a list, got 5")


def test_invalid_ids_say_what_an_id_may_contain():
    line = only_problem(MINIMAL.replace("id: south", "id: south depot"))
    assert "'south depot' is not a valid id: use letters, digits" in line


# ------------------------------------------------------ YAML-level problems
def test_duplicate_key_is_located_at_the_second_and_names_the_first():
    line = only_problem(MINIMAL + "    trucks: {count: 8, payload_kg: 5000}\n")
    assert at(line) == (12, 5)
    assert "depots[0].trucks: duplicate key 'trucks' (first written on line 11)" in line


def test_duplicate_key_in_a_flow_mapping_is_found_too():
    line = only_problem(MINIMAL.replace("{water_l: 10000,", "{water_l: 10000, water_l: 5,"))
    assert "depots[0].stock.water_l: duplicate key 'water_l' (first written on line 10)" in line


@pytest.mark.parametrize("tagged", [
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "!!python/object/new:list []",
    "!!binary aGVsbG8=",
    "!custom {a: 1}",
    "!!set {a, b}",
])
def test_tags_that_build_objects_are_refused_with_location(tagged):
    line = only_problem(MINIMAL.replace("name: Minimal scenario", f"name: {tagged}"))
    assert at(line) == (1, 7)
    assert "is not allowed: scenario files hold only plain values" in line


def test_python_tags_are_never_executed(tmp_path):
    marker = tmp_path / "executed"
    path = tmp_path / "evil.yaml"
    path.write_text(MINIMAL + f"description: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(InputError):
        load_scenario(path)
    assert not marker.exists()


def test_yaml_syntax_error_is_located_at_the_mark():
    line = only_problem(MINIMAL + "shelters: [{id: s1, at: {node: 3}, area_m2: 100}\n")
    assert LOCATED.match(line) and "YAML syntax error" in line


def test_tab_indentation_says_to_use_spaces():
    line = only_problem("name: x\nregion:\n\tnetwork: {builtin: district}\n")
    assert at(line) == (3, 1) and "YAML indents with spaces, not tabs" in line


def test_two_documents_in_one_file_are_refused():
    line = only_problem(MINIMAL + "---\nname: another\n")
    assert at(line) == (12, 1) and "a scenario file holds exactly one" in line


@pytest.mark.parametrize("text, says", [
    ("", "the file is empty"),
    ("# nothing but a comment\n", "the file is empty"),
    ("- a\n- b\n", "this file holds a list"),
    ("hello\n", "this file holds the text 'hello'"),
    ("~\n", "this file holds nothing (null)"),
])
def test_a_document_that_is_not_a_mapping_is_refused(text, says):
    line = only_problem(text)
    assert at(line) == (1, 1) and says in line


def test_keys_are_names_not_yaml_booleans():
    line = only_problem(MINIMAL + "on: true\n")
    assert "unknown key 'on'" in line


def test_error_inside_an_anchor_is_located_where_the_anchor_is_written():
    lines = problems_of(MINIMAL.replace("trucks: {count: 4, payload_kg: 5000}",
                                        "trucks: &fleet {count: 4, payload_kg: 5000, colour: red}") + """\
  - id: north
    tier: district
    at: {node: 11}
    trucks: *fleet
""")
    assert [at(line) for line in lines] == [(11, 49), (11, 49)]
    assert "depots[0].trucks.colour" in lines[0] and "depots[1].trucks.colour" in lines[1]


def test_recursive_alias_is_refused():
    line = only_problem(MINIMAL + "shelters: &loop\n  - *loop\n")
    assert "recursive alias" in line


def test_alias_bomb_is_refused_before_it_expands(monkeypatch):
    monkeypatch.setattr(yaml_nodes, "MAX_NODES", 5_000)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    line = only_problem(bomb)
    assert "expands to more than 5,000 values" in line


def test_a_plainly_written_document_past_the_limit_is_not_called_an_alias_bomb(monkeypatch):
    monkeypatch.setattr(yaml_nodes, "MAX_NODES", 5_000)
    line = only_problem(MINIMAL + "notes: [" + ", ".join(["x"] * 6_000) + "]\n")
    assert "holds more than 5,000 values, the most a scenario may" in line and "alias" not in line


@pytest.fixture(params=["libyaml", "python"])
def either_composer(request, monkeypatch):
    """Both composers: libyaml where PyYAML has it, and the pure-Python fallback."""
    if request.param == "python":
        monkeypatch.setattr(yaml_nodes, "_FAST_LOADER", None)
    elif yaml_nodes._FAST_LOADER is None:
        pytest.skip("PyYAML without libyaml")
    return request.param


def test_both_composers_locate_tabs_syntax_errors_and_deep_nesting(either_composer):
    assert at(only_problem("name: x\nregion:\n\tnetwork: {builtin: district}\n")) == (3, 1)
    assert "YAML syntax error: expected ',' or ']'" in only_problem("name: [a, b\nduration: 3h\n")
    line = only_problem("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert at(line)[0] == 1 and f"nested more than {yaml_nodes.MAX_DEPTH} deep" in line


@pytest.mark.parametrize("depth", [150, 5000, 500_000])
def test_deeply_nested_document_is_refused_and_located(depth):
    line = only_problem("a: " + "[" * depth + "]" * depth + "\n")
    assert at(line)[0] == 1
    assert f"nested more than {yaml_nodes.MAX_DEPTH} deep" in line


def test_deep_block_nesting_is_located_too():
    text = "a:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(300))
    line = only_problem(text)
    assert at(line)[0] in (yaml_nodes.MAX_DEPTH, yaml_nodes.MAX_DEPTH + 1) and "nested more than" in line


def test_control_characters_are_located():
    line = only_problem("name: a\x07b\n")
    assert at(line) == (1, 8) and "character #x0007 is not allowed" in line


# -------------------------------------------------------- file problems
def test_missing_file_is_one_line_without_position(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.lines == [f"{path}: no such file"]


def test_directory_is_refused(tmp_path):
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path)
    assert info.value.lines == [f"{tmp_path}: is a directory, not a scenario file"]


def test_non_utf8_byte_is_located(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Caf\u00e9\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.lines == [f"{path}:1:10: byte 0xe9 is not UTF-8 text; save the file as UTF-8"]


def test_filename_given_for_text_names_the_errors():
    assert problems_of("name: x\n")[0].startswith("s.yaml:1:1: ")
    with pytest.raises(InputError) as info:
        load_scenario_text("name: x\n")
    assert info.value.lines[0].startswith("<string>:1:1: ")


# ------------------------------------------------------- located later
def test_locate_problems_points_at_the_written_value():
    scenario = load_scenario_text(MINIMAL, filename="m.yaml")
    error = locate_problems(scenario, [(("depots", 0, "at", "node"), "node 10 is not in the road graph")])
    assert error.lines == ["m.yaml:9:16: depots[0].at.node: node 10 is not in the road graph"]


def test_locate_problems_for_a_default_points_at_the_nearest_written_parent():
    scenario = load_scenario_text(MINIMAL, filename="m.yaml")
    error = locate_problems(scenario, [(("depots", 0, "load_time"), "too slow"),
                                       (("policy", "dispatch"), "no route")])
    # load_time is not written: its depot (the list item at 7:5); policy is not written: the root
    assert error.lines == ["m.yaml:1:1: policy.dispatch: no route",
                           "m.yaml:7:5: depots[0].load_time: too slow"]


def test_locate_problems_of_an_added_depot_points_into_the_interventions():
    scenario = load_scenario_text(MINIMAL + """\
interventions:
  - type: add_depot
    depot: {id: east, tier: street, at: {node: 99}, stock: {water_l: 10}, trucks: {count: 1, payload_kg: 900}}
""", filename="m.yaml")
    after = apply_interventions(scenario)
    assert after.depots[1].id == "east"
    error = locate_problems(after, [(("depots", 1, "at", "node"), "node 99 is not in the road graph")])
    assert error.lines == ["m.yaml:14:48: interventions[0].depot.at.node: node 99 is not in the road graph"]


def test_scenario_built_in_code_has_no_positions():
    scenario = Scenario.model_validate({
        "name": "in code", "duration": "1h",
        "region": {"network": {"builtin": "district"}, "zones": {"builtin": "district"}},
        "depots": [{"id": "d", "tier": "city", "at": {"node": 1}, "trucks": {"count": 1, "payload_kg": 100}}]})
    error = locate_problems(scenario, [(("depots", 0, "at"), "somewhere else")])
    assert error.lines == ["<scenario>: depots[0].at: somewhere else"]


# ------------------------------------------------------------- fuzzing
def _outcome_is_clean(text: str) -> None:
    try:
        load_scenario_text(text, filename="fuzz.yaml")
    except InputError as error:
        assert error.lines
        for line in error.lines:
            assert line.startswith("fuzz.yaml") and (LOCATED.match(line) or FILE_LEVEL.match(line))
            assert "\n" not in line


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!<>|'\" \t\n#0123.%@`?") + ["\u00e9", "\x07"]),
               max_size=80))
def test_any_text_gives_a_scenario_or_located_problems_never_a_crash(text):
    _outcome_is_clean(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_scenario_gives_a_scenario_or_located_problems(data):
    text = MINIMAL
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 6)))
        insert = data.draw(st.text(alphabet=list(":-[]{}, \n#5xm!&*"), max_size=4))
        text = text[:i] + insert + text[j:]
    _outcome_is_clean(text)
