"""Sweeps: dotted scenario paths, values checked like the scenario file, one line per problem."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_batch import random_world

from sim.cli import main
from sim.errors import InputError
from sim.experiments.sweep import parse_path, parse_sweep, sweep_variants
from sim.scenarios import load_scenario


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return random_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def scenario(world):
    return load_scenario(world)


def problems(scenario, *specs) -> list[str]:
    with pytest.raises(InputError) as caught:
        sweep_variants(scenario, [parse_sweep(s) for s in specs])
    return caught.value.lines


def test_paths_are_keys_and_list_indexes():
    assert parse_path("depots[0].trucks.count") == ("depots", 0, "trucks", "count")
    assert parse_path("policy.dispatch") == ("policy", "dispatch")
    assert parse_path("hazard.hyetograph_mm[3]") == ("hazard", "hyetograph_mm", 3)
    for bad in ("depots[0]trucks", ".policy", "depots..x", "[0].x", "depots[x]", "a b"):
        with pytest.raises(InputError, match="cannot read it"):
            parse_path(bad)


def test_values_are_yaml_and_commas_inside_brackets_do_not_split():
    axis = parse_sweep("depots[0].at.lonlat=[116.5, 39.8],[116.6,39.9]")
    assert axis.values == ([116.5, 39.8], [116.6, 39.9])
    assert parse_sweep("depots[0].trucks.count=10,20,40").values == (10, 20, 40)
    assert parse_sweep("duration=12h, 1d").values == ("12h", "1d")
    assert parse_sweep("depots[0].backup_power=true,false").values == (True, False)


@given(st.lists(st.one_of(st.integers(-10**6, 10**6), st.lists(st.integers(0, 99), min_size=1, max_size=3),
                          st.sampled_from(["nearest", "lp", "3h", "45min"])), min_size=1, max_size=6, unique_by=str))
def test_every_value_written_is_read_back_in_order(values):
    def text(v):
        return "[" + ", ".join(map(str, v)) + "]" if isinstance(v, list) else str(v)

    axis = parse_sweep("depots[0].trucks.count=" + ",".join(text(v) for v in values))
    assert list(axis.values) == values and axis.texts == tuple(text(v) for v in values)


def test_a_list_index_past_the_end_names_how_many_there_are(scenario):
    assert problems(scenario, "depots[5].trucks.count=10") == [
        "sweep path depots[5].trucks.count: the scenario has 2 depots"]


def test_a_value_of_the_wrong_type_is_one_line(scenario):
    assert problems(scenario, "depots[0].trucks.count=x,10") == [
        "sweep value 'x' for depots[0].trucks.count: must be a whole number"]


def test_every_bad_value_is_reported_once(scenario):
    assert problems(scenario, "depots[0].trucks.count=-1,2", "policy.dispatch=nearest,fastest") == [
        "sweep value '-1' for depots[0].trucks.count: must be 0 or more, got -1",
        "sweep value 'fastest' for policy.dispatch: unknown policy dispatch 'fastest'; "
        "use 'nearest', 'priority_nearest' or 'lp'"]


def test_an_unknown_key_suggests_the_close_one(scenario):
    assert problems(scenario, "depots[0].truck.count=1") == [
        "sweep path depots[0].truck.count: depots[0] has no key 'truck'; did you mean 'trucks'?"]


def test_a_duration_needs_its_unit_as_in_the_scenario_file(scenario):
    [line] = problems(scenario, "duration=48")
    assert line.startswith("sweep value '48' for duration: a duration needs a unit")


def test_semantic_checks_apply_to_each_variant(scenario):
    [line] = problems(scenario, "depots[1].id=d1")
    assert "id 'd1' is already used by the depot at depots[0]" in line


@pytest.mark.parametrize("spec, line", [
    ("depots[0].trucks.count=1_0,10", "sweep depots[0].trucks.count: '1_0' and '10' are the same value; list each "
                                      "value once"),
    ("depots[0].trucks.count=+16,16", "sweep depots[0].trucks.count: '+16' and '16' are the same value"),
    # Forms YAML 1.1 reads otherwise than a reader would are refused before they are compared.
    ("depots[0].trucks.count=01,1", "sweep value '01' for depots[0].trucks.count: YAML reads '01' as an octal "
                                    "number (1); write it without the leading zero"),
    ("depots[0].trucks.count=0x10,16", "sweep value '0x10' for depots[0].trucks.count: YAML reads '0x10' as a number "
                                       "in base 16 (16); write the number in decimal"),
    ("duration=24h,1d", "sweep variants duration=24h and duration=1d are the same scenario; list each value once"),
])
def test_values_written_differently_that_mean_the_same_are_refused(scenario, spec, line):
    [found] = problems(scenario, spec)
    assert found.startswith(line)


def test_the_seed_is_not_swept(scenario):
    [line] = problems(scenario, "seed=1,2")
    assert "common random numbers" in line


def test_several_sweeps_form_the_cartesian_product_last_fastest(scenario):
    variants = sweep_variants(scenario, [parse_sweep("depots[0].trucks.count=1,3"),
                                         parse_sweep("policy.dispatch=nearest,lp")])
    assert [v.name for v in variants] == [
        "depots[0].trucks.count=1, policy.dispatch=nearest", "depots[0].trucks.count=1, policy.dispatch=lp",
        "depots[0].trucks.count=3, policy.dispatch=nearest", "depots[0].trucks.count=3, policy.dispatch=lp"]
    assert [(v.scenario.depots[0].trucks.count, v.scenario.policy.dispatch) for v in variants] == [
        (1, "nearest"), (1, "lp"), (3, "nearest"), (3, "lp")]
    assert variants[3].values == {"depots[0].trucks.count": 3, "policy.dispatch": "lp"}
    assert scenario.depots[0].trucks.count == 2      # the base scenario is unchanged


def test_no_sweep_is_the_one_base_variant(scenario):
    [variant] = sweep_variants(scenario, [])
    assert (variant.name, variant.values, variant.scenario) == ("base", {}, scenario)


def test_the_cli_prints_one_line_and_exits_2(world, tmp_path, capsys):
    for spec, expected in (("depots[5].trucks.count=10,20",
                            "sweep path depots[5].trucks.count: the scenario has 2 depots"),
                           ("depots[0].trucks.count=x",
                            "sweep value 'x' for depots[0].trucks.count: must be a whole number"),
                           ("depots[0].trucks.count", "sweep 'depots[0].trucks.count': write PATH=V1,V2,...")):
        code = main(["batch", str(world), "--sweep", spec, "--out", str(tmp_path / "b")])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and err[0].startswith(expected)
    assert not (tmp_path / "b").exists()


def test_a_sweep_value_that_is_an_alias_bomb_is_refused_without_expanding(world, tmp_path, capsys):
    bomb = "[&a [x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b], " \
           "&d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e], " \
           "&g [*f,*f,*f,*f,*f,*f,*f,*f,*f], &h [*g,*g,*g,*g,*g,*g,*g,*g,*g], &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]]"
    code = main(["batch", str(world), "--sweep", f"name={bomb}", "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith("sweep value '[&a [x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a'… for name: the document "
                             "expands to more than 10,000 values")
    assert not (tmp_path / "b").exists()


def test_a_sweep_value_with_a_tag_is_refused(scenario):
    assert problems(scenario, "name=!!python/object/apply:os.system [echo]") == [
        "sweep value '!!python/object/apply:os.system [echo]' for name: the YAML tag "
        "'!!python/object/apply:os.system' is not allowed: scenario files hold only plain values (text, numbers, "
        "true/false, lists and mappings)"]


def test_a_sweep_whose_product_is_huge_is_refused_before_any_variant_is_built(scenario, monkeypatch):
    import sim.experiments.sweep as sweep

    def no_building(*args, **kwargs):
        raise AssertionError("a variant was built")
    monkeypatch.setattr(sweep, "_validate", no_building)
    values = ",".join(str(v) for v in range(1, 101))
    lines = problems(scenario, f"depots[0].trucks.count={values}", f"depots[1].trucks.count={values}")
    assert lines == ["the sweeps make 100 x 100 = 10,000 variants; at most 1,000 in one batch: variants are "
                     "numbered v000 to v999 in the results folder"]


def test_variants_times_replications_are_bounded(world, tmp_path, capsys):
    values = ",".join(str(v) for v in range(1, 101))
    code = main(["batch", str(world), "--sweep", f"depots[0].trucks.count={values}", "--replications", "2000",
                 "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == ["100 variants x 2,000 replications = 200,000 runs; at most 100,000 runs in one "
                                 "batch: each run is one file in the results folder"]


def test_a_swept_preset_replaces_the_times_it_stands_for_and_a_swept_time_the_preset(scenario):
    # The scenario's data repeats its preset's times: sweeping either one is not a conflict.
    by_name = {v.name: v.scenario.targets for v in sweep_variants(
        scenario, [parse_sweep("targets.preset=tongzhou-2030,beijing-2025")])}
    assert by_name["targets.preset=beijing-2025"].district_supplies == [240.0]
    assert by_name["targets.preset=beijing-2025"].city_supplies == [360.0]
    assert by_name["targets.preset=tongzhou-2030"].basic_relief == [480.0]
    relief = {v.name: v.scenario.targets for v in sweep_variants(scenario, [parse_sweep("targets.basic_relief=[8h],[12h]")])}
    assert relief["targets.basic_relief=[12h]"].basic_relief == [720.0]
    assert relief["targets.basic_relief=[12h]"].preset is None


def test_each_variant_of_a_target_sweep_is_judged_by_its_own_targets(world, tmp_path):
    from sim.experiments.batch import run_batch
    from sim.experiments.results import batch_targets, batch_variant_targets, read_results, results_tables

    out = tmp_path / "out"
    run_batch(load_scenario(world), replications=2, sweep=["targets.site=community,township"], out_dir=out,
              workers=1, base_dir=world.parent)
    assert batch_variant_targets(out) == {"targets.site=township": {"township_supplies": [3.0], "city_supplies": [],
                                                                   "basic_relief": [8.0]}}
    _, met = results_tables(read_results(out), targets_h=batch_targets(out),
                            variant_targets_h=batch_variant_targets(out))
    judged = {v: set(g.loc[g["planning_target"], "target"]) for v, g in met.groupby("variant")}
    assert judged == {"targets.site=community": {"district_supplies", "basic_relief"},
                      "targets.site=township": {"township_supplies", "basic_relief"}}


def test_sim_batch_prints_each_variant_of_a_target_sweep_against_its_own_targets(world, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["batch", str(world), "--replications", "2", "--sweep", "targets.site=community,township",
                 "--workers", "1", "--out", str(out), "--no-report"]) == 0
    printed = capsys.readouterr().out
    township = printed[printed.index("targets.site=township:"):]
    community = printed[printed.index("targets.site=community:"):printed.index("targets.site=township:")]
    assert "first district supplies reach every township" in township
    assert "first district supplies reach every township" not in community
