"""The benchmark scripts treat a scenario that does not exist as the CLI does: one line
naming it and the built-in scenarios, exit code 2, no traceback and nothing on stdout."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize("script", ["bench_engine", "planning_scaling", "dispatch_quality", "bench_rphast",
                                    "bench_batch"])
def test_an_unknown_scenario_is_one_line_and_exit_2(script, tmp_path):
    done = subprocess.run([sys.executable, str(BENCHMARKS / f"{script}.py"), "no_such_scenario"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("no_such_scenario: no such file")
    assert "m8_earthquake" in lines[0]                  # says what would have worked
    assert done.stdout == ""
