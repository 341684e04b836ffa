"""Batches: replications with common random numbers, resumable Parquet results, executors."""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from worlds import depot, line_world, scenario_doc, write_scenario, write_zones

import sim
from sim.analysis.curves import CURVE_STEP_H
from sim.analysis.kpis import flatten_kpis
from sim.cli import main
from sim.errors import InputError
from sim.experiments.batch import row_table, run_batch
from sim.experiments.results import RESULTS_FILE, WALL_COLUMNS, replication_path
from sim.scenarios import load_scenario
from sim.world.streams import replication_seed


def random_world(tmp: Path, name: str = "scenario.yaml", **changes) -> Path:
    """Five zones on a line road, two depots; which zones are hit and the report
    delays are random, so replications differ. A replication takes ~30 ms."""
    region = line_world(tmp, n=6, length_m=20_000, speed_kmh=40)
    region["zones"] = {"csv": write_zones(tmp, [(f"Z{i}", i, 1000, 0.2) for i in range(2, 7)])}
    doc = scenario_doc(region, [depot("d1", 1, trucks=2, payload=1000), depot("d2", 6, trucks=1, payload=1000)],
                       impact={"area": {"everywhere": True}, "zone_share": 0.8, "affected_share": 0.3,
                               "spread": 0.3})
    doc["command"]["report_delay"] = {"low": "10min", "mode": "30min", "high": "2h"}
    doc.update(changes)
    return write_scenario(tmp, doc, name)


def results(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / RESULTS_FILE).drop(columns=list(WALL_COLUMNS))


def sim_env() -> dict:
    """Environment for a subprocess that imports this checkout's ``sim``."""
    root = str(Path(sim.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("world")
    return random_world(tmp)


@pytest.fixture(scope="module")
def clean_batch(world, tmp_path_factory):
    """An uninterrupted in-process batch of 40 replications: the reference."""
    out = tmp_path_factory.mktemp("clean") / "batch"
    run_batch(load_scenario(world), replications=40, out_dir=out, workers=1, base_dir=world.parent)
    return out


def test_replication_i_runs_with_replication_seed_i_of_the_scenario_seed(clean_batch):
    df = results(clean_batch)
    scenario_seed = json.loads((clean_batch / "batch.json").read_text())["seed"]
    assert df["seed"].tolist() == [replication_seed(scenario_seed, i) for i in range(40)]
    assert df["replication"].tolist() == list(range(40))
    assert (df["status"] == "ok").all()
    assert df["first_supplies_within_3h"].nunique() > 1   # replications differ


def test_every_variant_uses_the_same_seeds_and_seeds_do_not_depend_on_the_count(world, tmp_path):
    out = tmp_path / "b"
    run_batch(load_scenario(world), replications=3, sweep=["depots[0].trucks.count=1,4"], out_dir=out,
              workers=1, base_dir=world.parent)
    df = results(out)
    by_variant = df.groupby("variant", sort=False)["seed"].apply(list).tolist()
    assert by_variant[0] == by_variant[1] == [replication_seed(7, i) for i in range(3)]
    assert df["variant"].unique().tolist() == ["depots[0].trucks.count=1", "depots[0].trucks.count=4"]
    assert json.loads(df["variant_values"].iloc[-1]) == {"depots[0].trucks.count": 4}


def test_one_atomic_parquet_file_per_replication_and_a_sorted_results_file(clean_batch):
    files = sorted((clean_batch / "runs" / "v000").iterdir())
    assert [f.name for f in files] == [f"r{i:05d}.parquet" for i in range(40)]
    one = pq.read_table(files[3]).to_pandas()
    assert len(one) == 1 and one["replication"].item() == 3
    assert not list(clean_batch.rglob("*.tmp"))
    df = pd.read_parquet(clean_batch / RESULTS_FILE)
    assert df.columns[:7].tolist() == ["variant", "variant_values", "replication", "seed", "status", "error",
                                       "wall_s"]
    for column in ("first_supplies_within_3h", "first_supplies_p50_h", "relief_within_8h", "relief_within_12h",
                   "truck_utilisation", "unmet_water_l", "curve_first_supplies", "curve_relief"):
        assert column in df.columns
    assert (df["wall_s"] > 0).all()


def test_batch_json_records_what_ran(clean_batch, world):
    doc = json.loads((clean_batch / "batch.json").read_text())
    from sim.experiments.sweep import scenario_hash

    assert doc["scenario"] == "test world"
    assert doc["scenario_sha256"] == scenario_hash(load_scenario(world))
    assert doc["replications"] == 40 and len(doc["seeds"]) == 40
    assert doc["sweep"] == [] and [v["name"] for v in doc["variants"]] == ["base"]
    assert doc["code"]["version"] == sim.__version__ and "git_commit" in doc["code"]
    assert doc["started"] and doc["finished"] and doc["wall_s"] > 0
    assert doc["executor"] == {"kind": "in-process", "workers": 1}
    assert doc["rows"] == {"ok": 40, "error": 0}


def test_curves_agree_with_the_kpis_at_the_planning_lines(clean_batch):
    df = pd.read_parquet(clean_batch / RESULTS_FILE)
    for row in df.itertuples():
        assert row.curve_first_supplies[int(3 / CURVE_STEP_H)] == pytest.approx(row.first_supplies_within_3h)
        assert row.curve_relief[int(8 / CURVE_STEP_H)] == pytest.approx(row.relief_within_8h)
        assert row.curve_relief[int(12 / CURVE_STEP_H)] == pytest.approx(row.relief_within_12h)
        assert len(row.curve_relief) == 24 / CURVE_STEP_H + 1


def test_summary_is_flattened_generically_into_kpi_columns():
    summary = {"kpi": {"affected_sites": 4, "first_supplies": {"within": {"3h": 0.5, "4.5h": 1.0}, "p50_h": None},
                       "zones_never_reached": ["Z1", "Z2"], "unmet_need_at_end": {"water_l": 12.5},
                       "team_utilisation": {"sar": 0.25}, "flag": True, "note": "text"}}
    kpis = flatten_kpis(summary)
    assert math.isnan(kpis.pop("first_supplies_p50_h"))
    assert kpis == {"affected_sites": 4.0, "first_supplies_within_3h": 0.5, "first_supplies_within_4_5h": 1.0,
                    "zones_never_reached": 2.0, "unmet_water_l": 12.5, "team_utilisation_sar": 0.25, "flag": 1.0}


def test_resume_runs_only_what_is_missing_and_ignores_partial_and_duplicate_files(world, clean_batch, tmp_path):
    out = tmp_path / "partial"
    scenario = load_scenario(world)
    run_batch(scenario, replications=8, out_dir=out, workers=1, base_dir=world.parent)
    replication_path(out, 0, 2).unlink()
    partial = replication_path(out, 0, 5)
    partial.write_bytes(partial.read_bytes()[:40])                       # a damaged file
    (partial.parent / ".r00006.parquet.abc123.tmp").write_bytes(b"half")   # an interrupted write
    (partial.parent / "r00001 copy.parquet").write_bytes(replication_path(out, 0, 1).read_bytes())
    result = run_batch(scenario, replications=8, out_dir=out, workers=1, base_dir=world.parent, resume=True)
    assert (result.already_done, result.ran) == (6, 2)
    assert not list(out.rglob("*.tmp"))
    pd.testing.assert_frame_equal(results(out), results(clean_batch).iloc[:8])


@pytest.mark.parametrize("first, then, ran, warned", [
    (3, 5, 2, None),                 # more: only the new ones run
    (5, 3, 0, ("2 run(s) of replications past the 3 asked for", "resume with --replications 5")),
])
def test_resume_with_another_count_of_replications(world, clean_batch, tmp_path, first, then, ran, warned):
    out = tmp_path / "resumed"
    scenario = load_scenario(world)
    run_batch(scenario, replications=first, out_dir=out, workers=1, base_dir=world.parent)
    result = run_batch(scenario, replications=then, out_dir=out, workers=1, base_dir=world.parent, resume=True)
    assert (result.already_done, result.ran) == (min(first, then), ran)
    pd.testing.assert_frame_equal(results(out), results(clean_batch).iloc[:then])
    says = [w for w in result.warnings if warned and all(part in w for part in warned)]
    assert bool(says) == bool(warned) and not (warned is None and any("past the" in w for w in result.warnings))


def test_a_killed_batch_resumed_gives_exactly_the_uninterrupted_rows(world, clean_batch, tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "batch", str(world), "--replications", "40", "--workers", "1",
           "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, env=sim_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and len(list(out.glob("runs/v000/r*.parquet"))) < 3:
            time.sleep(0.005)
        was_running = proc.poll() is None
        proc.kill()
    finally:
        proc.wait()
    assert was_running, "the batch finished before it could be killed"
    assert not (out / RESULTS_FILE).exists()
    done = len(list(out.glob("runs/v000/r*.parquet")))
    assert 3 <= done < 40
    assert main(["batch", str(world), "--replications", "40", "--workers", "1", "--out", str(out),
                 "--resume", "--quiet"]) == 0
    assert json.loads((out / "batch.json").read_text())["already_done"] == done
    pd.testing.assert_frame_equal(results(out), results(clean_batch))


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
def test_ctrl_c_stops_the_worker_processes_and_resume_completes_the_batch(world, clean_batch, tmp_path):
    # Rows of two worker processes, then of this process: the same as the clean batch's.
    out = tmp_path / "interrupted"
    cmd = [sys.executable, "-m", "sim", "batch", str(world), "--replications", "40", "--workers", "2",
           "--out", str(out), "--quiet"]
    # As from a terminal: a process started in the background (``cmd &``, nohup) inherits SIGINT
    # ignored, and so would the batch; the test restores the default before it starts.
    proc = subprocess.Popen(cmd, env=sim_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        while proc.poll() is None and len(list(out.glob("runs/v000/r*.parquet"))) < 2:
            time.sleep(0.005)
        was_running = proc.poll() is None
        os.killpg(proc.pid, signal.SIGINT)          # what Ctrl-C in a terminal sends
        _, stderr = proc.communicate()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert was_running, "the batch finished before it could be interrupted"
    assert proc.returncode == 130 and b"--resume" in stderr
    assert json.loads((out / "batch.json").read_text())["executor"] == {"kind": "processes", "workers": 2}
    assert not (out / RESULTS_FILE).exists()
    assert main(["batch", str(world), "--replications", "40", "--workers", "1", "--out", str(out),
                 "--resume", "--quiet"]) == 0
    pd.testing.assert_frame_equal(results(out), results(clean_batch))


def test_a_folder_of_another_scenario_is_refused_on_resume(world, tmp_path, capsys):
    out = tmp_path / "b"
    run_batch(load_scenario(world), replications=1, out_dir=out, workers=1, base_dir=world.parent)
    other = random_world(tmp_path, "other.yaml", duration="12h")
    code = main(["batch", str(other), "--replications", "1", "--workers", "1", "--out", str(out), "--resume"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "holds a batch of another scenario ('test world'" in err[0] and "choose another --out" in err[0]


def test_a_folder_of_other_variants_is_refused_on_resume(world, tmp_path):
    out = tmp_path / "b"
    run_batch(load_scenario(world), replications=1, out_dir=out, workers=1, base_dir=world.parent)
    with pytest.raises(InputError, match="holds a batch of other variants"):
        run_batch(load_scenario(world), replications=1, sweep=["policy.dispatch=nearest,lp"], out_dir=out,
                  workers=1, base_dir=world.parent, resume=True)


def test_an_existing_batch_is_not_overwritten_without_resume(world, tmp_path, capsys):
    out = tmp_path / "b"
    run_batch(load_scenario(world), replications=1, out_dir=out, workers=1, base_dir=world.parent)
    assert main(["batch", str(world), "--replications", "1", "--out", str(out)]) == 2
    assert "pass --resume" in capsys.readouterr().err


def test_a_failing_replication_is_recorded_and_the_rest_go_on(world, tmp_path, monkeypatch, capsys):
    import sim.engine.simulation

    real_run = sim.engine.simulation.run
    bad_seed = replication_seed(7, 1)

    def flaky_run(scenario, *, seed=None, **kwargs):
        if seed == bad_seed:
            raise ZeroDivisionError("division by zero in the test")
        return real_run(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(sim.engine.simulation, "run", flaky_run)
    out = tmp_path / "b"
    code = main(["batch", str(world), "--replications", "3", "--workers", "1", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    df = pd.read_parquet(out / RESULTS_FILE)
    assert df["status"].tolist() == ["ok", "error", "ok"]
    assert df.loc[1, "error"] == "ZeroDivisionError: division by zero in the test"
    assert df.loc[1, "seed"] == bad_seed and pd.isna(df.loc[1, "first_supplies_within_3h"])
    assert "1 of 3 replications failed" in err
    assert f"sim run {world} --seed {bad_seed}" in err
    doc = json.loads((out / "batch.json").read_text())
    assert doc["failed"] == [{"variant": "base", "replication": 1, "seed": bad_seed,
                              "error": "ZeroDivisionError: division by zero in the test"}]


def test_failed_replications_are_run_again_on_resume(world, clean_batch, tmp_path, monkeypatch):
    import sim.engine.simulation

    real_run = sim.engine.simulation.run
    monkeypatch.setattr(sim.engine.simulation, "run", lambda *a, **k: (_ for _ in ()).throw(MemoryError("oom")) if
                        k.get("seed") == replication_seed(7, 0) else real_run(*a, **k))
    out = tmp_path / "b"
    scenario = load_scenario(world)
    assert len(run_batch(scenario, replications=2, out_dir=out, workers=1, base_dir=world.parent).failed) == 1
    monkeypatch.setattr(sim.engine.simulation, "run", real_run)
    result = run_batch(scenario, replications=2, out_dir=out, workers=1, base_dir=world.parent, resume=True)
    assert (result.ran, result.failed) == (1, [])
    pd.testing.assert_frame_equal(results(out), results(clean_batch).iloc[:2])


def test_row_table_types_are_stable_for_concatenation():
    row = {"variant": "base", "variant_values": "{}", "replication": 0, "seed": 5, "status": "ok", "error": None,
           "wall_s": 0.1, "affected_sites": 3, "first_supplies_p50_h": None, "curve_relief": [0.0, 0.5]}
    table = row_table(row)
    assert str(table.schema.field("affected_sites").type) == "double"
    assert str(table.schema.field("first_supplies_p50_h").type) == "double"
    assert str(table.schema.field("curve_relief").type) == "list<item: double>"
    assert str(table.schema.field("seed").type) == "int64"


def test_bad_replication_and_worker_counts_are_input_errors(world, tmp_path):
    with pytest.raises(InputError, match="replications must be 1 or more"):
        run_batch(load_scenario(world), replications=0, out_dir=tmp_path / "b")
    with pytest.raises(InputError, match="workers must be 1 or more"):
        run_batch(load_scenario(world), replications=1, workers=0, out_dir=tmp_path / "b")


def test_a_folder_with_replication_files_but_no_batch_json_is_refused_without_resume(world, tmp_path, capsys):
    out = tmp_path / "b"
    run_batch(load_scenario(world), replications=1, out_dir=out, workers=1, base_dir=world.parent)
    (out / "batch.json").unlink()
    (out / RESULTS_FILE).unlink()
    other = random_world(tmp_path, "other.yaml", duration="12h")
    assert main(["batch", str(other), "--replications", "1", "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{out}: holds results of an earlier batch but no batch.json, so they cannot be checked "
                   "against this scenario; choose another --out"]


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'{"scenario_sha256": 5}',
                                     b'{"scenario_sha256": "ab", "variants": "x"}', b"\xff\xfe\x00garbage",
                                     b"[" * 100_000 + b"]" * 100_000])
def test_a_corrupt_batch_json_is_one_line_on_resume(world, tmp_path, capsys, content):
    out = tmp_path / "b"
    out.mkdir()
    (out / "batch.json").write_bytes(content)
    assert main(["batch", str(world), "--replications", "1", "--workers", "1", "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{out / 'batch.json'}: cannot read it as a batch record (damaged or not written by sim batch); "
                   "choose another --out"]


def test_a_second_batch_into_a_folder_in_use_is_refused_and_leaves_its_files_alone(world, tmp_path, capsys):
    out = tmp_path / "b"
    out.mkdir()
    tmp = out / "runs" / "v000" / ".r00000.parquet.0123abcd.tmp"      # the first batch's file being written
    tmp.parent.mkdir(parents=True)
    tmp.write_bytes(b"partial")
    from test_cli import lock_held_elsewhere

    with lock_held_elsewhere(out, "batch") as pid:
        assert main(["batch", str(world), "--replications", "1", "--workers", "1", "--out", str(out),
                     "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{out}: another sim batch (process {pid}) is writing into this folder; wait for it to "
                   "finish or choose another --out"]
    assert tmp.read_bytes() == b"partial"


def test_a_scenario_judged_per_township_is_judged_per_township_in_batches(tmp_path):
    """``targets.site: township``: a batch's chance of meeting the 3 h target reads the township
    measure of every run, and the per-community line stays beside it as a planning line."""
    from sim.experiments.targets import line_column, met_words, planning_lines, targets_hours

    region = line_world(tmp_path, n=3)
    region["zones"] = {"csv": write_zones(tmp_path, [("Z1", 3, 100, 0.2)])}
    doc = scenario_doc(region, [depot("d1", 1)], targets={"preset": "tongzhou-2030", "site": "township"},
                       impact={"area": {"everywhere": True}, "zone_share": 1.0, "affected_share": 0.5, "spread": 0.0})
    scenario = sim.load_scenario(write_scenario(tmp_path, doc))
    lines = planning_lines(targets_hours(scenario.targets))
    assert ("township_supplies", 3.0, True) in lines and ("district_supplies", 3.0, False) in lines
    assert line_column("township_supplies", 3.0) == "first_supplies_township_within_3h"
    assert met_words("township_supplies", 3.0) == "first district supplies reach every township within 3 h"
    row = flatten_kpis(sim.run(scenario, base_dir=tmp_path).summary())
    assert line_column("township_supplies", 3.0) in row


# ------------------------------------------------------------ the collector in long batches
def test_after_the_first_replication_the_kept_heap_is_out_of_the_collectors_reach_until_the_batch_ends(monkeypatch):
    import gc

    from sim.experiments import executors

    frozen_at_call = []

    def replication(variant, replication, seed):
        frozen_at_call.append(gc.get_freeze_count())
        return {"replication": replication}

    monkeypatch.setattr(executors, "run_replication", replication)
    assert gc.get_freeze_count() == 0
    rows = list(executors.iter_in_process(["v"], [(0, k, k) for k in range(3)]))
    assert [r["replication"] for r in rows] == [0, 1, 2]
    assert frozen_at_call[0] == 0 and all(n > 0 for n in frozen_at_call[1:])
    assert gc.get_freeze_count() == 0                     # given back when the batch ends

    frozen_at_call.clear()
    batch = executors.iter_in_process(["v"], [(0, k, k) for k in range(3)])
    next(batch), next(batch)
    batch.close()                                          # a batch stopped early (Ctrl-C, an error)
    assert gc.get_freeze_count() == 0


def test_stopping_a_pool_terminates_every_worker_it_had():
    """A stopped batch (Ctrl-C, a failure) terminates its worker processes, a running
    replication's included. ``ProcessPoolExecutor.shutdown`` forgets the workers, so they
    must be read before it (else none is terminated and the pool's manager thread, waiting
    for the running task and racing the shutdown, can hang the batch)."""
    from sim.experiments.executors import _stop

    class Worker:
        terminated = False

        def is_alive(self):
            return not self.terminated

        def terminate(self):
            self.terminated = True

    class Pool:                                   # as ProcessPoolExecutor keeps its workers
        def __init__(self, workers):
            self._processes = {k: w for k, w in enumerate(workers)}

        def shutdown(self, wait=True, *, cancel_futures=False):
            self._processes = None

    workers = [Worker(), Worker()]
    _stop(Pool(workers))
    assert all(worker.terminated for worker in workers)


def test_an_interrupted_batch_says_which_runs_it_lacks_wherever_it_is_read(world, tmp_path, capsys):
    from sim.experiments.results import missing_runs, read_results

    out = tmp_path / "out"
    run_batch(load_scenario(world), replications=3, sweep=["depots[0].trucks.count=1,4"], out_dir=out, workers=1,
              base_dir=world.parent)
    assert missing_runs(out, read_results(out)) is None
    # As a kill leaves it: no results.parquet, one variant's runs and one more missing.
    (out / "results.parquet").unlink()
    for variant, replication in ((1, 0), (1, 1), (1, 2), (0, 2)):
        replication_path(out, variant, replication).unlink()
    line = missing_runs(out, read_results(out))
    assert "incomplete: 2 of the 6 runs planned (2 variant(s) × 3); no run of depots[0].trucks.count=4" in line
    assert main(["results", str(out)]) == 0
    assert "incomplete: 2 of the 6 runs" in capsys.readouterr().err
    assert main(["report", str(out), "--quiet"]) == 0
    assert "incomplete: 2 of the 6 runs" in (out / "report.html").read_text()
