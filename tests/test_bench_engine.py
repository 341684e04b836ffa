"""The engine benchmark (benchmarks/bench_engine.py): warm runs are measured as a batch's
worker processes run them — the heap settled after the warm-up run, given back after."""
from __future__ import annotations

import gc

from worlds import load_benchmark


def test_warm_runs_see_the_settled_heap_and_the_heap_is_given_back(tmp_path, monkeypatch):
    bench = load_benchmark("bench_engine")
    frozen_during = []
    run_and_write = bench.run_and_write

    def recording(*args, **kwargs):
        frozen_during.append(gc.get_freeze_count())
        return run_and_write(*args, **kwargs)

    monkeypatch.setattr(bench, "run_and_write", recording)
    row = bench.measure("baseline_normal_traffic", 1, tmp_path)
    assert frozen_during[0] == 0                       # the warm-up run: nothing settled yet
    assert all(count > 0 for count in frozen_during[1:]) and len(frozen_during) >= 3
    assert gc.get_freeze_count() == 0                  # given back once measured
    assert row["wall_s"] > 0 and abs(sum(row["split_share"].values()) - 1.0) < 0.05
