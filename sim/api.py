"""The Python API: load a scenario, run it, get its tables, run batches and comparisons.

Each function composes the stages the command line composes, so a notebook
gets what ``sim run``, ``sim batch`` and ``sim compare`` give::

    import sim
    scenario = sim.load_scenario("m8_earthquake")          # a built-in name or a file
    result = sim.run(scenario, seed=7)
    result.summary()["verdicts"]                           # the summary.json document
    result.zones_frame()                                   # zones.csv as a DataFrame
    result.events_frame()                                  # events.parquet as a DataFrame
    result.write("out/m8")                                 # every output file
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from sim.engine.simulation import Run

__all__ = ["load_scenario", "run", "RunResult", "run_batch", "compare"]


def load_scenario(path):
    """Load and validate a scenario file; raises :class:`sim.errors.InputError`."""
    from sim.scenarios import load_scenario as _load

    return _load(path)


class RunResult(Run):
    """A finished run (:class:`sim.engine.simulation.Run`) with its tables."""

    def summary(self) -> dict:
        """The ``summary.json`` document (:func:`sim.analysis.metrics.summarize`)."""
        from sim.analysis.metrics import summarize

        return summarize(self)

    def zones_frame(self):
        """One row per zone, as ``zones.csv``."""
        from sim.analysis.metrics import zones_frame

        return zones_frame(self)

    def write(self, out_dir: Path | str, *, plots: bool = True) -> dict:
        """Write every output file into ``out_dir``; returns the summary."""
        from sim.report.outputs import write_outputs

        return write_outputs(self, out_dir, plots=plots)


def run(scenario, *, seed: int | None = None, base_dir: Path | str = ".", progress: bool = False) -> RunResult:
    """Run a scenario once (:func:`sim.engine.simulation.run`)."""
    from sim.engine.simulation import run as _run

    done = _run(scenario, seed=seed, base_dir=base_dir, progress=progress)
    return RunResult(**{f.name: getattr(done, f.name) for f in fields(Run)})


def run_batch(scenario, **kwargs):
    """Replications and sweeps into a results folder (:func:`sim.experiments.batch.run_batch`)."""
    from sim.experiments.batch import run_batch as _run_batch

    return _run_batch(scenario, **kwargs)


def compare(baseline_path, variant_path=None, **kwargs):
    """Paired before/after comparison of two scenarios or a scenario and an overlay
    (:func:`sim.experiments.compare.compare`), with its plot."""
    from sim.experiments.compare import compare as _compare
    from sim.report.comparison import write_comparison_plot

    return _compare(baseline_path, variant_path, plotter=write_comparison_plot, **kwargs)
