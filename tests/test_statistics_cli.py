"""The statistics on the command line: replications until precise, the best variant, bad input."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from test_batch import random_world

from sim.cli import main
from sim.experiments.precision import replications_needed, run_until_precise
from sim.experiments.statistics import Interval

SWEEP = "depots[0].trucks.count=1,4"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return random_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def swept(world, tmp_path_factory):
    out = tmp_path_factory.mktemp("swept") / "b"
    assert main(["batch", str(world), "--replications", "8", "--sweep", SWEEP, "--workers", "1", "--out", str(out),
                 "--quiet"]) == 0
    return out


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("value", ["0", "1", "-0.1", "1.5", "nan"])
@pytest.mark.parametrize("command", ["batch", "compare"])
def test_a_precision_outside_0_and_1_is_one_line_and_exit_2(world, tmp_path, capsys, command, value):
    args = [command, str(world)] + ([str(world)] if command == "compare" else [])
    assert main(args + [f"--precision={value}", "--out", str(tmp_path / "x")]) == 2
    assert _one_line(capsys).startswith(f"--precision {float(value)}: give the half-width")
    assert not (tmp_path / "x").exists()


def test_a_comparison_needs_two_pairs_and_a_maximum_above_the_first_round(world, tmp_path, capsys):
    assert main(["compare", str(world), str(world), "--replications", "1", "--out", str(tmp_path / "x")]) == 2
    assert _one_line(capsys) == "--replications 1: a comparison's intervals need at least 2 pairs"
    assert main(["batch", str(world), "--precision", "0.05", "--replications", "20", "--max-replications", "10",
                 "--out", str(tmp_path / "y")]) == 2
    assert _one_line(capsys).startswith("--max-replications 10: must be at least the first round")


def test_replications_are_added_in_rounds_until_precise_and_resume(world, tmp_path, capsys):
    out = tmp_path / "p"
    args = ["batch", str(world), "--precision", "0.01", "--replications", "4", "--workers", "1", "--out", str(out)]
    assert main(args + ["--max-replications", "8"]) == 0
    printed = capsys.readouterr().out
    assert "precision ±0.01 not reached at --max-replications 8" in printed
    doc = json.loads((out / "precision.json").read_text())
    assert [r["replications"] for r in doc["rounds"]] == [4, 8] and doc["met"] is False
    assert set(doc["rounds"][0]["half_widths"]) == {"base: first_supplies_within_3h", "base: relief_within_8h",
                                                    "base: relief_within_12h"}
    first = {p.name: p.stat().st_mtime_ns for p in (out / "runs" / "v000").iterdir()}
    assert main(args + ["--max-replications", "12", "--resume"]) == 0
    doc = json.loads((out / "precision.json").read_text())
    assert doc["rounds"][0]["replications"] == 8 and doc["replications"] == 12
    again = {p.name: p.stat().st_mtime_ns for p in (out / "runs" / "v000").iterdir()}
    assert {k: again[k] for k in first} == first and len(again) == 12     # earlier replications kept
    assert len(pd.read_parquet(out / "results.parquet")) == 12


def test_rounds_stop_once_every_headline_interval_is_narrow_enough():
    widths = iter([0.08, 0.04, 0.015])
    ran = []

    def measure():
        hw = next(widths)
        return {"x": (Interval(0.5, 0.5 - hw, 0.5 + hw, "t"), ran[-1])}

    result = run_until_precise(lambda n, again: ran.append(n), measure, precision=0.02, initial=10,
                               max_replications=500)
    assert result.met and ran == [10, 20, 40] and result.replications == 40


def test_the_replications_needed_follow_law_and_the_rule_of_three():
    from scipy import stats

    iv = Interval(0.5, 0.45, 0.55, "t")                 # half-width 0.05 at n = 10
    need = replications_needed(iv, 10, 0.02)
    sd = 0.05 * 10 ** 0.5 / stats.t.ppf(0.975, 9)
    def half(i):
        return stats.t.ppf(0.975, i - 1) * sd / i ** 0.5
    assert half(need) <= 0.02 < half(need - 1)
    u = 1 - 0.05 ** (1 / 10)
    bound = Interval(1.0, 1 - u, 1.0, "bound")          # 100 % in 10 of 10 runs
    assert replications_needed(bound, 10, 0.02) == 74   # 0.05 ** (1 / 74) >= 0.96


def test_results_selects_the_best_variant_with_its_confidence(swept, capsys):
    assert main(["results", str(swept), "--select", "truck_utilisation", "--better", "lower"]) == 0
    text = capsys.readouterr().out
    assert "best on truck_utilisation (lower is better), 2 variants × 8 replications" in text
    assert "selected: depots[0].trucks.count=4" in text
    assert "Nelson & Matejcik 1995" in text
    assert main(["results", str(swept), "--select", "first_supplies_within_3h", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    sel = doc["selection"]
    assert sel["kpi"] == "first_supplies_within_3h" and sel["larger_is_better"] is True
    assert sel["selected"] in sel["contenders"] and sel["indifference"] == 0.01
    assert sel["replications_for_indifference"] >= 8


def test_selection_bad_input_is_one_line_and_exit_2(swept, world, tmp_path, capsys):
    assert main(["results", str(swept), "--select", "first_supplies_within_3"]) == 2
    assert _one_line(capsys) == ("--select first_supplies_within_3: no such KPI in the results; "
                                 "did you mean 'first_supplies_within_3h'?")
    single = tmp_path / "single"
    assert main(["batch", str(world), "--replications", "3", "--workers", "1", "--out", str(single), "--quiet"]) == 0
    assert main(["results", str(single), "--select", "relief_within_8h"]) == 2
    assert "needs at least 2 variants" in _one_line(capsys)


def test_a_comparison_prints_the_chance_each_target_is_met(world, tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compare", str(world), str(world), "--replications", "3", "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 paired replications (n = 3: intervals are wide)" in printed
    assert "after: first supplies (any reserve tier) reach every community within 3 h in " in printed
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["notes"] == ["n = 3: intervals are wide"]
    relief = next(v for v in doc["verdicts"] if v["kpi"] == "relief_within_8h")
    assert relief["chance_met_after"] == relief["chance_met_before"]          # an A/A comparison
    assert relief["diff_mean"] == 0 and relief["diff_ci_low"] < 0 < relief["diff_ci_high"]
    assert relief["detail"].endswith(": the same in all 3 pairs; the interval is what 3 pairs can rule out")
