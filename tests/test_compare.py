"""Before/after comparisons: paired by replication, CIs and p-values, verdicts, overlays."""
from __future__ import annotations

import json
import math
import re
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from test_batch import random_world

from sim.api import compare
from sim.cli import main
from sim.errors import InputError
from sim.experiments.statistics import paired_statistics

ADD_TRUCKS = "interventions:\n  - {type: add_trucks, depot: d1, count: 3}\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return random_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def overlay_comparison(world, tmp_path_factory):
    overlay = world.parent / "more_trucks.yaml"
    overlay.write_text(ADD_TRUCKS)
    out = tmp_path_factory.mktemp("cmp") / "out"
    return compare(world, overlay, replications=12, workers=1, out_dir=out)


def test_paired_statistics_hold_scipys_paired_t_interval_and_give_its_p_value():
    rng = np.random.default_rng(1)
    before = rng.uniform(0.4, 0.8, 15)
    after = before + rng.normal(0.05, 0.03, 15)
    s = paired_statistics(before, after)
    result = stats.ttest_rel(after, before)
    ci = result.confidence_interval(0.95)
    assert s["diff_ci_low"] <= ci.low < ci.high <= s["diff_ci_high"]
    assert s["diff_method"] == "t+bca" and s["p_value_t"] == pytest.approx(result.pvalue)
    low, high = stats.t.interval(0.95, 14, loc=after.mean(), scale=stats.sem(after))
    assert s["after_mean"] == pytest.approx(after.mean()) and s["after_ci_low"] <= low and s["after_ci_high"] >= high
    assert s["n_pairs"] == 15 and math.isnan(s["p_value_wilcoxon"])
    shares = paired_statistics(before, after, share=True)
    assert shares["p_value_wilcoxon"] == pytest.approx(stats.wilcoxon(after, before).pvalue)
    assert 0 <= shares["after_ci_low"] and shares["after_ci_high"] <= 1


# Shares as summaries report them (6 decimals): no subnormal spreads, which
# the scipy oracle itself cannot handle (its interval turns to nan).
_share = st.floats(0, 1).map(lambda x: round(x, 6))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_share, _share), min_size=2, max_size=30))
def test_the_paired_interval_holds_the_interval_of_scipys_paired_t_test(pairs):
    before, after = np.array(pairs).T
    s = paired_statistics(before, after, share=True)
    diff = after - before
    assert -1 <= s["diff_ci_low"] <= s["diff_mean"] <= s["diff_ci_high"] <= 1
    if np.all(diff == diff[0]):
        u = 1 - 0.05 ** (1 / len(diff))
        assert (s["diff_ci_low"], s["diff_ci_high"]) == pytest.approx((diff[0] - u * (1 + diff[0]),
                                                                      diff[0] + u * (1 - diff[0])))
        return
    result = stats.ttest_rel(after, before)
    ci = result.confidence_interval(0.95)
    assert s["diff_ci_low"] <= max(ci.low, -1) + 1e-12 and min(ci.high, 1) - 1e-12 <= s["diff_ci_high"]
    assert s["p_value_t"] == pytest.approx(result.pvalue, rel=1e-9, abs=1e-12)


def test_a_difference_without_spread():
    same = paired_statistics(np.ones(5), np.ones(5), share=True)
    u = 1 - 0.05 ** (1 / 5)
    assert (same["diff_mean"], same["p_value_t"], same["p_value_wilcoxon"]) == (0, 1.0, 1.0)
    assert (same["diff_ci_low"], same["diff_ci_high"]) == pytest.approx((-u, u))      # shares: a bound
    shifted = paired_statistics(np.zeros(5), np.full(5, 2.0))
    assert (shifted["diff_ci_low"], shifted["diff_ci_high"], shifted["p_value_t"]) == (2.0, 2.0, 0.0)


def test_pairs_that_failed_on_either_side_are_left_out():
    s = paired_statistics(np.array([1.0, np.nan, 3.0]), np.array([2.0, 5.0, np.nan]))
    assert s["n_pairs"] == 1 and math.isnan(s["diff_ci_low"])


def test_before_and_after_share_the_replication_seeds(overlay_comparison):
    df = pd.read_parquet(overlay_comparison.out_dir / "results.parquet")
    before, after = df[df["variant"] == "before"], df[df["variant"] == "after"]
    assert before["seed"].tolist() == after["seed"].tolist() and len(before) == 12
    # Common random numbers: the same zones are hit in both.
    assert before["relief_people_affected"].tolist() == after["relief_people_affected"].tolist()
    assert overlay_comparison.pairs == 12


def test_writes_json_csv_and_png(overlay_comparison):
    out = overlay_comparison.out_dir
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["variant"]["kind"] == "overlay" and doc["pairs"] == 12
    assert doc["plots"] == ["comparison.png"] and (out / "comparison.png").stat().st_size > 10_000
    csv = pd.read_csv(out / "comparison.csv")
    assert {"kpi", "before_mean", "after_mean", "diff_mean", "diff_ci_low", "diff_ci_high", "p_value_t",
            "p_value_wilcoxon", "before_method", "after_method", "diff_method"} <= set(csv.columns)
    row = csv.set_index("kpi").loc["truck_utilisation"]
    df = pd.read_parquet(out / "results.parquet")
    assert row["before_mean"] == pytest.approx(df[df.variant == "before"]["truck_utilisation"].mean(), rel=1e-5)


def test_verdicts_state_both_means_with_their_intervals(overlay_comparison):
    texts = [v["text"] for v in overlay_comparison.verdicts]
    pattern = (r"^after: first supplies \(any reserve tier\) within 3 h at \d+ % of communities \[\d+–\d+ %\], before \d+ % \[\d+–\d+ %\]$")
    assert re.match(pattern, texts[0])
    assert [(v["target"], v["within_h"], v["planning_target"]) for v in overlay_comparison.verdicts] == [
        ("district_supplies", 3.0, True), ("basic_relief", 8.0, True), ("basic_relief", 12.0, False)]
    assert texts[1].startswith("after: people relieved within 8 h at ")
    first = overlay_comparison.verdicts[0]
    assert re.match(r"^change [+-]\d+\.\d points \[[+-]\d+\.\d, [+-]\d+\.\d\]: (a gain|a loss|no clear change)$",
                    first["detail"])
    met = first["chance_met_after"]
    assert met["runs"] == 12 and met["met"] == first["runs_meeting_target_after"]
    assert met["low"] <= met["share"] <= met["high"]
    assert re.match(r"^after: first supplies \(any reserve tier\) reach every community within 3 h in \d+ of 12 runs: "
                    r"\d+ % \[\d+–\d+ %\]$", first["met"][0])


def test_a_variant_scenario_file_is_compared_with_the_baselines_seeds(world, tmp_path):
    other = random_world(world.parent, "faster_reports.yaml", seed=999,
                         command={"report_delay": "10min", "order_delay": "5min"})
    result = compare(world, other, replications=3, workers=1, out_dir=tmp_path / "out")
    assert result.variant["kind"] == "scenario"
    df = pd.read_parquet(tmp_path / "out" / "results.parquet")
    assert df[df.variant == "after"]["seed"].tolist() == df[df.variant == "before"]["seed"].tolist()


def test_without_a_variant_the_baselines_own_interventions_are_the_after(world, tmp_path, capsys):
    own = random_world(world.parent, "with_interventions.yaml",
                       interventions=[{"type": "add_trucks", "depot": "d1", "count": 3}])
    out = tmp_path / "own"
    assert main(["compare", str(own), "--replications", "3", "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "after: first supplies (any reserve tier) within 3 h at" in printed
    overlay = tmp_path / "o.yaml"
    overlay.write_text(ADD_TRUCKS)
    via_overlay = compare(world, overlay, replications=3, workers=1, out_dir=tmp_path / "overlay")
    a = pd.read_parquet(out / "results.parquet").drop(columns=["wall_s", "variant_values"])
    b = pd.read_parquet(via_overlay.out_dir / "results.parquet").drop(columns=["wall_s", "variant_values"])
    pd.testing.assert_frame_equal(a, b)


def test_a_baseline_without_interventions_needs_a_variant(world, tmp_path, capsys):
    assert main(["compare", str(world), "--out", str(tmp_path / "x")]) == 2
    assert "has no interventions to compare against" in capsys.readouterr().err


def test_overlay_errors_are_located_like_scenario_errors(world, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent("""\
        interventions:
          - {type: add_trucks, depot: d1, count: 1}
          - {type: add_trucks, depot: d7, count: 2}
          - {type: add_truck, depot: d1, count: 2}
        """))
    with pytest.raises(InputError) as caught:
        compare(world, bad, replications=2, workers=1, out_dir=tmp_path / "out")
    assert len(caught.value.lines) == 1
    assert re.match(rf"^{re.escape(str(bad))}:4:\d+: interventions\[2\]\.type: unknown intervention type "
                    r"'add_truck'", caught.value.lines[0])
    bad.write_text("interventions:\n  - {type: add_trucks, depot: d1, count: 1}\n"
                   "  - {type: add_trucks, depot: d7, count: 2}\n")
    with pytest.raises(InputError) as caught:
        compare(world, bad, replications=2, workers=1, out_dir=tmp_path / "out")
    assert caught.value.lines == [f"{bad}:3:31: interventions[1].depot: no depot with id 'd7' (depots: d1, d2)"]
    bad.write_text("interventons:\n  - {type: add_trucks, depot: d1, count: 1}\n")
    with pytest.raises(InputError, match="did you mean 'interventions'"):
        compare(world, bad, replications=2, workers=1, out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
