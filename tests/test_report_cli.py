"""``sim report DIR``: the report of any output folder written again; bad input is one line and exit 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from report_folders import run_folder

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return run_folder(tmp_path_factory)


def test_report_of_a_run_folder_is_written_again_elsewhere(folder, tmp_path, capsys):
    target = tmp_path / "copy.html"
    assert main(["report", str(folder), "--out", str(target)]) == 0
    assert str(target) in capsys.readouterr().out
    text = target.read_text(encoding="utf-8")
    assert 'id="verdicts"' in text
    assert "expressway road" in text                        # the roads, loaded again from scenario.json


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "missing", "no such folder"),
    (lambda tmp: tmp, "holds no run, batch or comparison"),
])
def test_a_folder_without_a_run_is_one_line_and_exit_2(tmp_path, make, message):
    proc = subprocess.run([sys.executable, "-m", "sim", "report", str(make(tmp_path))], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_an_unwritable_report_path_is_one_line_and_exit_2(folder, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "report.html"
    proc = subprocess.run([sys.executable, "-m", "sim", "report", str(folder), "--out", str(target)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{target}: cannot write the report there")
    assert not target.exists()


def test_a_report_path_that_is_a_folder_is_one_line_naming_it_and_leaves_nothing(folder, tmp_path, capsys):
    target = tmp_path / "target"
    target.mkdir()
    assert main(["report", str(folder), "--out", str(target)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"{target}: is a folder; name the report's file (e.g. {target / 'report.html'})"]
    assert list(tmp_path.iterdir()) == [target] and not list(target.iterdir())


def test_a_temporary_file_that_cannot_take_the_target_s_place_is_removed(tmp_path):
    from sim.files import atomic_write

    target = tmp_path / "out.html"
    target.mkdir()
    (target / "inside").write_text("a folder that is not empty")
    with pytest.raises(OSError):
        with atomic_write(target) as tmp:
            tmp.write_text("x" * 1000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.html"]


def test_no_report_flag_skips_it(tmp_path):
    from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    path = write_scenario(tmp_path, scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5)))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet", "--no-report", "--no-plots"]) == 0
    assert (out / "msel.csv").exists() and not (out / "report.html").exists()
    assert main(["report", str(out), "--quiet"]) == 0
    assert (out / "report.html").stat().st_size > 1_000_000


def _small_scenario(tmp_path):
    from worlds import depot, everywhere_impact, line_world, scenario_doc, write_scenario, write_zones

    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    return write_scenario(tmp_path, scenario_doc(region, [depot("d1", 1)], impact=everywhere_impact(0.5)))


def test_batch_console_names_its_report(tmp_path, capsys):
    out = tmp_path / "batch"
    assert main(["batch", str(_small_scenario(tmp_path)), "--replications", "2", "--workers", "1",
                 "--out", str(out)]) == 0
    assert f"report in {out / 'report.html'}" in capsys.readouterr().out


def test_compare_console_names_every_file_written(tmp_path):
    from types import SimpleNamespace

    from sim.experiments.compare import format_verdicts

    for name in ("comparison.json", "comparison.csv", "comparison.png", "report.html"):
        (tmp_path / name).write_text("")
    comparison = SimpleNamespace(variant={"name": "after"}, baseline={"name": "before"}, pairs=20, verdicts=[],
                                 precision=None, out_dir=tmp_path, notes=[])
    assert format_verdicts(comparison)[-1] == (f"  written: {tmp_path / 'comparison.json'}, comparison.csv, "
                                               "comparison.png, report.html")
    (tmp_path / "report.html").unlink()
    assert format_verdicts(comparison)[-1].endswith("comparison.csv, comparison.png")
