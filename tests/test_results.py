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
    assert (row["n"], row["mean"], row["min"], row["max"]) == (3, 4.0, 2.0, 7.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert table.loc[("a", "relief_within_8h"), "ci_high"] == 1.0          # shares are clipped to [0, 1]
    b = table.loc[("b", "first_supplies_p50_h")]
    assert (b["n"], b["failed"], b["mean"]) == (1, 1, 4.0) and np.isnan(b["ci_low"])
    assert "curve_relief" not in table.index.get_level_values("kpi")


def test_the_four_formats():
    table = kpi_table(frame())
    csv = pd.read_csv(io.StringIO(format_kpi_table(table, "csv")))
    assert list(csv.columns) == ["variant", "kpi", "n", "failed", "mean", "ci_low", "ci_high", "min", "max"]
    records = json.loads(format_kpi_table(table, "json"))
    assert records[0]["variant"] == "a" and records[-1]["ci_low"] is None
    markdown = format_kpi_table(table, "markdown").splitlines()
    assert markdown[0] == "| variant | KPI | n | mean | 95 % CI | min | max |" and len(markdown) == 2 + 4
    text = format_kpi_table(table, "table")
    assert "a: 3 replications" in text and "b: 1 replication, 1 failed" in text


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
