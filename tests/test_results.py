"""The KPI table of a results folder: mean, 95 % CI, min, max per variant, in four formats."""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_batch import random_world

from sim.cli import main
from sim.experiments.batch import run_batch
from sim.experiments.results import format_kpi_table, kpi_table, read_results
from sim.scenarios import load_scenario


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "variant": ["a", "a", "a", "b", "b"], "variant_values": "{}", "replication": [0, 1, 2, 0, 1],
        "seed": [1, 2, 3, 1, 2], "status": ["ok", "ok", "ok", "ok", "error"], "error": None,
        "wall_s": 0.1, "first_supplies_p50_h": [2.0, 3.0, 7.0, 4.0, np.nan],
        "relief_within_8h": [0.9, 1.0, 1.0, 0.5, np.nan], "curve_relief": [[0.0]] * 5})


def test_mean_interval_min_max_per_variant_and_kpi():
    table = kpi_table(frame()).set_index(["variant", "kpi"])
    row = table.loc[("a", "first_supplies_p50_h")]
    low, high = stats.t.interval(0.95, 2, loc=4.0, scale=stats.sem([2.0, 3.0, 7.0]))
    low = max(low, 0.0)                         # hours since the hit are never negative
    assert (row["n"], row["mean"], row["min"], row["max"], row["unit"]) == (3, 4.0, 2.0, 7.0, "h")
    assert (row["ci_low"], row["ci_high"], row["method"]) == (pytest.approx(low), pytest.approx(high), "t")
    assert table.loc[("a", "relief_within_8h"), "ci_high"] == 1.0          # shares are clipped to [0, 1]
    assert table.loc[("a", "relief_within_8h"), "unit"] == "%"
    b = table.loc[("b", "first_supplies_p50_h")]
    assert (b["n"], b["failed"], b["mean"]) == (1, 1, 4.0) and np.isnan(b["ci_low"])
    assert "curve_relief" not in table.index.get_level_values("kpi")


def test_the_four_formats_show_shares_as_percentages():
    table = kpi_table(frame())
    csv = pd.read_csv(io.StringIO(format_kpi_table(table, "csv")))
    assert list(csv.columns) == ["variant", "kpi", "unit", "n", "failed", "mean", "ci_low", "ci_high", "min", "max",
                                 "method", "note"]
    relief = csv[(csv["variant"] == "a") & (csv["kpi"] == "relief_within_8h")].iloc[0]
    assert (relief["unit"], relief["mean"], relief["max"]) == ("%", pytest.approx(100 * 2.9 / 3), 100)
    doc = json.loads(format_kpi_table(table, "json"))
    assert doc["kpis"][0]["variant"] == "a" and doc["kpis"][-1]["ci_low"] is None
    assert doc["notes"] == ["a: n = 3: intervals are wide", "b: n = 1: no interval (an interval needs at least "
                            "2 replications)"]
    markdown = format_kpi_table(table, "markdown").splitlines()
    assert markdown[0] == "| variant | KPI | n | mean | 95 % CI | min | max |"
    assert markdown[3] == "| a | relief_within_8h | 3 | 96.7 % | 82.3–100.0 % | 90.0 % | 100.0 % |"
    assert markdown[2].startswith("| a | first_supplies_p50_h | 3 | 4.00 h | ")
    text = format_kpi_table(table, "table")
    assert "a: 3 replications (n = 3: intervals are wide)" in text and "b: 1 replication, 1 failed" in text
    assert "96.7 %" in text and "0.9667" not in text


def test_percentages_keep_the_digits_that_tell_them_from_100():
    from sim.experiments.results import _pct_text

    assert (_pct_text(0.351), _pct_text(0.99971), _pct_text(1.0), _pct_text(0.0004)) == (
        "35.1", "99.97", "100.0", "0.04")


def test_headline_kpis_come_first_and_all_adds_every_column():
    from sim.experiments.results import HEADLINE_KPIS, ordered_kpis

    df = frame()
    df["zones_never_reached"] = 0.0
    df["first_supplies_within_3h"] = 0.3
    assert ordered_kpis(df) == ["first_supplies_within_3h", "first_supplies_p50_h", "relief_within_8h"]
    every = ordered_kpis(df, all_kpis=True)
    assert every[:3] == ordered_kpis(df) and every[3:] == ["zones_never_reached"]
    assert set(HEADLINE_KPIS) >= set(every[:3])


def test_the_results_command_reads_a_batch_folder(tmp_path, capsys):
    world = random_world(tmp_path)
    out = tmp_path / "b"
    run_batch(load_scenario(world), replications=3, sweep=["depots[0].trucks.count=1,3"], out_dir=out,
              workers=1, base_dir=tmp_path)
    assert main(["results", str(out), "--format", "csv"]) == 0
    csv = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert csv["variant"].unique().tolist() == ["depots[0].trucks.count=1", "depots[0].trucks.count=3"]
    relief = csv[csv["kpi"] == "relief_within_8h"]
    assert relief["n"].tolist() == [3, 3] and relief["variant"].tolist() == csv["variant"].unique().tolist()
    met = csv[csv["kpi"] == "target_met_relief_within_8h"]
    assert met["unit"].tolist() == ["% of runs"] * 2 and met["method"].tolist() == ["clopper-pearson"] * 2
    assert main(["results", str(out), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    first = doc["targets_met"][0]
    assert first["unit"] == "% of runs" and first["share"] == pytest.approx(100 * first["met"] / first["runs"])
    assert 0 <= first["low"] <= first["share"] <= first["high"] <= 100
    assert "unmet_water_l" not in set(csv["kpi"])
    # The 12 h relief line is no target of tongzhou-2030: the table does not call it one.
    assert main(["results", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.strip().startswith("target met: everyone needing relief is relieved within 8 h") for line in lines)
    assert any(line.strip().startswith("line met (no target): everyone needing relief is relieved within 12 h")
               for line in lines)
    assert not any("target met: everyone needing relief is relieved within 12 h" in line for line in lines)
    assert main(["results", str(out), "--format", "markdown"]) == 0
    assert "within 12 h (a reference line, not a target) |" in capsys.readouterr().out
    assert main(["results", str(out), "--format", "csv", "--all"]) == 0
    assert "unmet_water_l" in set(pd.read_csv(io.StringIO(capsys.readouterr().out))["kpi"])
    # An interrupted batch (no results.parquet yet) still has a table of what finished.
    (out / "results.parquet").unlink()
    (out / "runs" / "v000" / "r00002.parquet").unlink()
    df = read_results(out)
    assert df["replication"].tolist() == [0, 1, 0, 1, 2] and df["variant"].iloc[2] == "depots[0].trucks.count=3"


def test_a_folder_without_results_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["results", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.strip() == (f"{tmp_path / 'nowhere'}: no such folder; give the --out folder "
                                               "of a sim batch or sim compare")
    (tmp_path / "empty").mkdir()
    assert main(["results", str(tmp_path / "empty")]) == 2
    assert "holds no results" in capsys.readouterr().err
