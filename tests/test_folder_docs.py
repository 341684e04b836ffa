"""``sim report`` and ``sim results`` on output folders whose files something other than sim
changed: one line naming the file, where in it and what was expected, exit code 2, no
traceback — the files still parse, so only a check of their shape can tell."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from report_folders import batch_folder, comparison_folder, run_folder

from sim.cli import main


def _edit_json(name):
    def edit(folder, value):
        path = folder / name
        if callable(value):
            doc = json.loads(path.read_text())
            value(doc)
            path.write_text(json.dumps(doc))
        else:
            path.write_text(value)
    return edit


def _set(key, value):
    return lambda doc: doc.__setitem__(key, value)


def _results(change):
    def edit(folder, _):
        path = folder / "results.parquet"
        frame = pd.read_parquet(path)
        change(frame).to_parquet(path)
    return edit


def _truncate(name, size):
    def edit(folder, _):
        path = folder / name
        path.write_bytes(path.read_bytes()[:size])
    return edit


CASES = [
    # (folder, command, edit, value, the line's start after the folder, its words)
    ("batch", "report", _edit_json("batch.json"), "[]", "batch.json: the file: should be an object (found a list)"),
    ("batch", "report", _edit_json("batch.json"), "null", "batch.json: the file: should be an object (found null)"),
    ("batch", "report", _edit_json("batch.json"), _set("curve_step_h", "x"),
     "batch.json: curve_step_h: should be a number (found a string)"),
    ("batch", "results", _edit_json("batch.json"), _set("targets", "x"),
     "batch.json: targets: should be an object (found a string)"),
    ("batch", "results", _results(lambda f: pd.DataFrame({"x": [1, 2]})), None,
     "results.parquet: missing column(s) variant, replication, seed, status"),
    ("batch", "results", _results(lambda f: f.assign(first_supplies_within_3h="abc")), None,
     "results.parquet: column first_supplies_within_3h should hold numbers"),
    ("batch", "report", _results(lambda f: f.assign(curve_relief="notjson{")), None,
     "results.parquet: column curve_relief should hold lists of numbers"),
    ("run", "report", _edit_json("summary.json"), "{}", "summary.json: scenario: is missing"),
    ("run", "report", _edit_json("summary.json"), "[]", "summary.json: the file: should be an object (found a list)"),
    ("run", "report", _edit_json("summary.json"), _set("kpi", "x"),
     "summary.json: kpi: should be an object (found a string)"),
    ("run", "report", _edit_json("summary.json"), _set("verdicts", "x"),
     "summary.json: verdicts: should be a list (found a string)"),
    ("run", "report", _truncate("zones.csv", 100), None, "zones.csv: missing column(s)"),
    ("run", "report", _truncate("scenario.json", 50), None, "scenario.json: cannot read it"),
    ("run", "report", _edit_json("roads_closed.geojson"), "[]",
     "roads_closed.geojson: cannot read it (not a GeoJSON FeatureCollection)"),
    ("comparison", "report", _edit_json("comparison.json"), "[]",
     "comparison.json: the file: should be an object (found a list)"),
    ("comparison", "report", _edit_json("comparison.json"), "{}", "comparison.json: baseline: is missing"),
]


@pytest.mark.parametrize("kind, command, edit, value, expected", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[4].split(':')[0]}-{k}" for k, c in enumerate(CASES)])
def test_a_changed_file_is_one_line_naming_it_and_exit_2(kind, command, edit, value, expected, tmp_path,
                                                          tmp_path_factory, capsys):
    made = {"run": run_folder, "batch": batch_folder, "comparison": comparison_folder}[kind](tmp_path_factory)
    folder = tmp_path / "copy"
    shutil.copytree(made, folder, ignore=shutil.ignore_patterns(".sim-lock"))
    edit(folder, value)
    capsys.readouterr()
    args = [command, str(folder)] + (["--out", str(tmp_path / "r.html")] if command == "report" else [])
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{folder}/{expected}"), lines
    assert "not as sim writes it" in lines[0] or "cannot read it" in lines[0]
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("kind", ["run", "batch", "comparison"])
def test_the_folders_sim_writes_fit_their_shapes(kind, tmp_path, tmp_path_factory, capsys):
    made = {"run": run_folder, "batch": batch_folder, "comparison": comparison_folder}[kind](tmp_path_factory)
    assert main(["report", str(made), "--out", str(tmp_path / "r.html")]) == 0
    if kind != "run":
        assert main(["results", str(made)]) == 0


def test_results_and_report_of_a_file_say_it_is_a_file(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("x")
    for command in ("results", "report"):
        assert main([command, str(path)]) == 2
        assert capsys.readouterr().err.strip().startswith(f"{path}: a file, not a folder")
