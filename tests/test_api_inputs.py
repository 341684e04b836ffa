"""The Python API treats bad input as the command line does: an ``InputError`` with one clear
line, raised before anything runs — also for a scenario changed in code after loading
(pydantic does not check assignments), a seed outside 0 to 2**63 - 1, or an argument of
the wrong kind — never an error from deep inside the engine, numpy or pathlib."""
from __future__ import annotations

import math

import pytest

import sim
from sim.errors import InputError
from sim.scenarios.loader import revalidate

B = "baseline_normal_traffic"


def _changed(change):
    scenario = sim.load_scenario(B)
    change(scenario)
    return scenario


@pytest.mark.parametrize("change, expected", [
    (lambda s: setattr(s, "depots", []), "depots: list should have at least 1 item"),
    (lambda s: setattr(s, "duration", -1), "duration: duration '-1min' must not be negative"),
    (lambda s: setattr(s.depots[0].trucks, "count", -3), "depots[0].trucks.count: input should be greater than"),
    (lambda s: setattr(s.depots[1], "id", s.depots[0].id), "depots[1].id: id 'taihu' is already used"),
    (lambda s: setattr(s.depots[0].stock, "water_l", -1e9), "depots[0].stock.water_l: input should be greater"),
    (lambda s: s.depots.append(None), "depots[25]: input should be a valid dictionary"),
    (lambda s: setattr(s, "shelters", None), "shelters: input should be a valid list"),
    (lambda s: setattr(s.impact, "affected_share", 2.0), "impact.affected_share: input should be less than or equal"),
    (lambda s: setattr(s.impact, "affected_share", math.nan), "impact.affected_share: input should be a finite"),
])
def test_a_scenario_changed_in_code_is_checked_again_before_it_runs(change, expected, tmp_path):
    for call in (lambda s: sim.run(s), lambda s: sim.run_batch(s, replications=1, workers=1, out_dir=tmp_path / "b")):
        with pytest.raises(InputError) as refused:
            call(_changed(change))
        (line,) = refused.value.lines
        assert expected in line and line.startswith(str(sim.scenarios.builtin_scenario_path(B)))
    assert not (tmp_path / "b").exists()


def test_a_scenario_that_passes_unchanged_runs_as_it_is():
    scenario = sim.load_scenario(B)
    assert revalidate(scenario) is scenario


@pytest.mark.parametrize("seed", [-1, 1.5, True, float("nan"), 2**64 + 5, "7"])
def test_a_seed_outside_0_to_2_63_is_refused(seed):
    with pytest.raises(InputError, match=r"^seed: expected a whole number from 0 to 2\*\*63 - 1"):
        sim.run(B, seed=seed)


@pytest.mark.parametrize("call, start", [
    (lambda tmp: sim.run(None), "scenario: expected a loaded scenario (sim.load_scenario), a built-in name or a "
                                "file path, got None"),
    (lambda tmp: sim.run({"name": "x"}), "scenario: expected a loaded scenario"),
    (lambda tmp: sim.load_scenario(None), "scenario (a built-in name or a file): expected a file or folder path"),
    (lambda tmp: sim.load_scenario(""), "scenario (a built-in name or a file): expected a file or folder path"),
    (lambda tmp: sim.run_batch(B, replications=1, out_dir=None), "out_dir: expected a file or folder path"),
    (lambda tmp: sim.run_batch(B, replications=1, out_dir=tmp / "b", sweep="depots[0].trucks.count=1,2"),
     "sweep: expected a list of 'PATH=V1,V2,...' strings, got one string"),
    (lambda tmp: sim.run_batch(B, replications=1, out_dir=tmp / "b", resume="no"),
     "resume: expected True or False, got 'no'"),
    (lambda tmp: sim.compare(sim.load_scenario(B), "x.yaml"), "baseline (a built-in name or a file): expected a "
                                                             "file or folder path"),
    (lambda tmp: sim.compare(B, {"interventions": []}), "variant (a built-in name or a file): expected"),
    (lambda tmp: sim.compare(B, "x.yaml", replications="2"), "replications: expected a whole number, got '2'"),
    (lambda tmp: sim.run_batch(B, replications=1, out_dir=tmp / "b", report="no"),
     "report: expected True or False, got 'no'"),
    (lambda tmp: sim.run(B).write(tmp / "o", plots="no"), "plots: expected True or False, got 'no'"),
    (lambda tmp: sim.results_frame(None), "folder: expected a file or folder path"),
    (lambda tmp: sim.write_report(None), "folder: expected a file or folder path"),
])
def test_an_argument_of_the_wrong_kind_is_one_line(call, start, tmp_path):
    with pytest.raises(InputError) as refused:
        call(tmp_path)
    (line,) = refused.value.lines
    assert line.startswith(start)
    assert not (tmp_path / "b").exists()


def test_a_loaded_scenario_finds_its_region_files_beside_its_own_file(tmp_path, monkeypatch):
    """Not in the current folder: there a decoy zones table with other zones waits."""
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    home = tmp_path / "home"
    home.mkdir()
    region = line_world(home, n=3)
    region["zones"] = {"csv": write_zones(home, [("Z1", 3, 100, 0.2)])}
    path = write_scenario(home, scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5)))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    line_world(elsewhere, n=3)
    write_zones(elsewhere, [("DECOY", 2, 99_999, 0.2)])
    monkeypatch.chdir(elsewhere)
    scenario = sim.load_scenario(path)
    assert sim.run(scenario).zones_frame()["zone_id"].tolist() == ["Z1"]
    result = sim.run_batch(scenario, replications=1, workers=1, out_dir=tmp_path / "b", report=False)
    assert result.failed == [] and result.ran == 1
