"""sim — discrete-event simulation of disaster resource dispatch.

Tests emergency plans of the Beijing region against their own targets: the
first batch of district supplies on every affected site within 3 h, affected
people's basic living relieved within 8 h (12 h in older plans).

>>> import sim
>>> scenario = sim.load_scenario("scenarios/baseline_normal_traffic.yaml")   # doctest: +SKIP
>>> summary = sim.run(scenario).summary()                                     # doctest: +SKIP

Importing ``sim`` is cheap: it compiles nothing and loads no road graph.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["load_scenario", "run", "run_batch", "compare", "__version__"]


def load_scenario(path):
    """Load and validate a scenario YAML file; raises :class:`sim.errors.InputError`."""
    from .scenarios import load_scenario as _load

    return _load(path)


def run(scenario, *, seed=None, base_dir=".", progress=False):
    """Run a scenario once (:func:`sim.engine.run`); ``.summary()`` gives the KPIs."""
    from .engine import run as _run

    return _run(scenario, seed=seed, base_dir=base_dir, progress=progress)


def run_batch(scenario, **kwargs):
    """Replications and sweeps into a results folder (:func:`sim.batch.run_batch`)."""
    from .batch import run_batch as _run_batch

    return _run_batch(scenario, **kwargs)


def compare(baseline_path, variant_path=None, **kwargs):
    """Paired before/after comparison of two scenarios or a scenario and an overlay
    (:func:`sim.compare.compare`)."""
    from .compare import compare as _compare

    return _compare(baseline_path, variant_path, **kwargs)
