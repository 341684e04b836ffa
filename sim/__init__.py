"""sim — discrete-event simulation of disaster resource dispatch.

Tests emergency plans of the Beijing region against their own targets: the
first batch of district supplies on every affected site within 3 h, affected
people's basic living relieved within 8 h (12 h in older plans).

>>> import sim
>>> scenario = sim.load_scenario("baseline_normal_traffic")   # doctest: +SKIP
>>> summary = sim.run(scenario).summary()                      # doctest: +SKIP

Importing ``sim`` is cheap: it compiles nothing and loads no road graph.
The functions are those of :mod:`sim.api`.
"""
from __future__ import annotations

from sim.version import __version__

__all__ = ["load_scenario", "run", "run_batch", "compare", "results_frame", "write_report", "__version__"]


def __getattr__(name: str):
    """The API functions, imported on first use (``import sim`` stays cheap)."""
    if name in ("load_scenario", "run", "run_batch", "compare", "results_frame", "write_report"):
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
