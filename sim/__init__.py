"""sim — discrete-event simulation of disaster resource dispatch.

Tests emergency plans of the Beijing region against their own targets: the
first batch of district supplies on every affected site within 3 h, affected
people's basic living relieved within 8 h (12 h in older plans).

Importing ``sim`` is cheap: it compiles nothing and loads no road graph.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["load_scenario", "__version__"]


def load_scenario(path):
    """Load and validate a scenario YAML file; raises :class:`sim.errors.InputError`."""
    from .scenarios import load_scenario as _load

    return _load(path)
