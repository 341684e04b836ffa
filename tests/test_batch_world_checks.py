"""Batches and comparisons refuse what ``sim run`` refuses about a world before anything
runs: one located line per problem, exit code 2, no results folder — not a batch of failed
replications and a comparison of nothing ('change +nan points'). Overlay problems are
located in the overlay's file."""
from __future__ import annotations

import pytest

from sim.cli import main
from sim.errors import InputError
from sim.experiments.batch import run_batch
from sim.experiments.compare import compare
from sim.scenarios import load_scenario
from tests.worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones


def _world(tmp_path, depot_node=1, zones=(("Z1", 2, 100, 0.2), ("Z2", 3, 100, 0.2))):
    region = line_world(tmp_path, n=4)
    region["zones"] = {"csv": write_zones(tmp_path, list(zones))}
    return write_scenario(tmp_path, scenario_doc(region, [depot("d1", depot_node)], impact=everywhere_impact()))


def test_a_zones_file_with_its_header_only_is_refused_where_the_zones_should_be(tmp_path, capsys):
    path = _world(tmp_path, zones=())
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{tmp_path / 'zones.csv'}:2: no zones: the file has its header only; list at least one zone "
                   "under it, one per line"]
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert not (tmp_path / "out").exists()


def test_a_batch_of_a_place_off_the_road_graph_is_refused_before_it_runs(tmp_path, capsys):
    path = _world(tmp_path, depot_node=99)
    out = tmp_path / "batch"
    with pytest.raises(InputError) as refused:
        run_batch(load_scenario(path), replications=2, out_dir=out, workers=1, base_dir=tmp_path)
    (problem,) = refused.value.problems
    assert str(problem).startswith(f"{path}:") and "depots[0].at.node: node 99 is not in the road graph" in str(problem)
    assert not out.exists()
    assert main(["batch", str(path), "--replications", "2", "--out", str(out), "--workers", "1", "--quiet",
                 "--no-report"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not out.exists()


def test_a_sweep_value_that_breaks_the_world_names_its_variant(tmp_path):
    path = _world(tmp_path)
    out = tmp_path / "batch"
    with pytest.raises(InputError) as refused:
        run_batch(load_scenario(path), replications=2, sweep=["depots[0].at.node=1,99"], out_dir=out, workers=1,
                  base_dir=tmp_path)
    (problem,) = refused.value.problems
    assert "node 99 is not in the road graph" in str(problem)
    assert str(problem).endswith("(variant depots[0].at.node=99)")
    assert not out.exists()


def test_an_overlay_naming_nobody_is_refused_in_the_overlay_s_own_file(tmp_path):
    path = _world(tmp_path)
    overlay = tmp_path / "phones.yaml"
    overlay.write_text("interventions:\n  - {type: sat_phones, agents: [d1, nobody]}\n")
    out = tmp_path / "cmp"
    with pytest.raises(InputError) as refused:
        compare(path, overlay, replications=2, workers=1, out_dir=out)
    (problem,) = refused.value.problems
    assert str(problem).startswith(f"{overlay}:2:")
    assert "interventions[0].agents[1]: 'nobody' is not a depot, team or zone id" in str(problem)
    assert not out.exists()


def test_resuming_a_batch_after_a_region_file_changed_is_refused(tmp_path):
    path = _world(tmp_path)
    out = tmp_path / "batch"
    run_batch(load_scenario(path), replications=1, out_dir=out, workers=1, base_dir=tmp_path)
    run_batch(load_scenario(path), replications=2, out_dir=out, workers=1, base_dir=tmp_path, resume=True)
    zones = tmp_path / "zones.csv"
    zones.write_text(zones.read_text().replace(",100,", ",300,"))          # three times the people
    with pytest.raises(InputError) as refused:
        run_batch(load_scenario(path), replications=3, out_dir=out, workers=1, base_dir=tmp_path, resume=True)
    (line,) = refused.value.lines
    assert line == (f"{out / 'batch.json'}: zones.csv has changed since this batch ran (its SHA-256 differs): "
                    "resuming would pool two worlds in one table; run the batch into another --out")
    assert len(list((out / "runs" / "v000").glob("r*.parquet"))) == 2
