"""The scenario format: schema, YAML loading with located errors, built-ins."""
from __future__ import annotations

from pathlib import Path

from sim.scenarios.models import Scenario

__all__ = ["Scenario", "load_scenario", "builtin_scenario_path", "BUILTIN_SCENARIOS", "DEFAULT_SCENARIO"]

_BUILTIN_DIR = Path(__file__).parent / "builtin"
BUILTIN_SCENARIOS = tuple(sorted(p.stem for p in _BUILTIN_DIR.glob("*.yaml")))
DEFAULT_SCENARIO = "m8_earthquake"


def builtin_scenario_path(name: str = DEFAULT_SCENARIO) -> Path:
    """Path of a shipped scenario by name (``scenarios/NAME.yaml`` is a copy)."""
    path = _BUILTIN_DIR / f"{name}.yaml"
    if not path.exists():
        from sim.errors import InputError

        raise InputError(f"no built-in scenario {name!r}; built-ins: {', '.join(BUILTIN_SCENARIOS)}")
    return path


def load_scenario(path):
    """Load and validate a scenario file (see :mod:`sim.scenarios.loader`)."""
    from sim.scenarios.loader import load_scenario as _load

    return _load(path)
