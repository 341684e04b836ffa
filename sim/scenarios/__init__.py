"""The scenario format: schema, YAML loading with located errors, built-ins.

Wherever a scenario is expected — ``sim validate``, ``sim run``, both
arguments of ``sim compare``, :func:`load_scenario` — a file or the name of
a shipped scenario is accepted (:func:`scenario_path`).
"""
from __future__ import annotations

import os
from pathlib import Path

from sim.scenarios.models import Scenario

__all__ = ["Scenario", "load_scenario", "builtin_scenario_path", "scenario_path", "BUILTIN_SCENARIOS",
           "DEFAULT_SCENARIO"]

_BUILTIN_DIR = Path(__file__).parent / "builtin"
BUILTIN_SCENARIOS = tuple(sorted(p.stem for p in _BUILTIN_DIR.glob("*.yaml")))
DEFAULT_SCENARIO = "m8_earthquake"


def builtin_scenario_path(name: str = DEFAULT_SCENARIO) -> Path:
    """Path of a shipped scenario by name (``scenarios/NAME.yaml`` is a copy)."""
    path = _BUILTIN_DIR / f"{name}.yaml"
    if name not in BUILTIN_SCENARIOS:
        from sim.errors import InputError

        raise InputError(f"{name}: no such file, and no built-in scenario of that name; built-ins: "
                         f"{', '.join(BUILTIN_SCENARIOS)}")
    return path


def scenario_path(value: "str | os.PathLike[str] | None") -> Path:
    """The file of a scenario argument: a path, or a built-in name (``m8_earthquake``).

    A value without a folder or a suffix that names no existing file is a
    built-in name — also where a folder of that name is in the current folder
    (a run's output folder named after its scenario); ``None`` is the default
    scenario.
    """
    if value is None:
        return builtin_scenario_path(DEFAULT_SCENARIO)
    text = os.fspath(value)
    path = Path(text)
    bare = not path.suffix and os.sep not in text and "/" not in text
    if bare and (not os.path.lexists(text) or (path.is_dir() and text in BUILTIN_SCENARIOS)):
        return builtin_scenario_path(text)
    return path


def load_scenario(path):
    """Load and validate a scenario file or built-in scenario (see :mod:`sim.scenarios.loader`)."""
    from sim.scenarios.loader import load_scenario as _load

    return _load(scenario_path(path))
