"""Quantities with units in scenario files: durations and distances.

A scenario writes ``45min``, ``3h`` or ``2d`` for a duration and ``500m`` or
``2km`` for a distance. A bare number is refused because a planner reading
``load_time: 20`` cannot tell whether that is seconds or minutes. Internally
every duration is minutes as a float and every distance metres.
"""
from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

__all__ = ["Duration", "Distance", "parse_duration_min", "parse_distance_m", "format_duration"]

_DURATION_UNITS_MIN = {
    "s": 1 / 60, "sec": 1 / 60,
    "min": 1.0, "m": None,  # "m" is ambiguous (metres / minutes): refused below
    "h": 60.0, "hr": 60.0,
    "d": 1440.0, "day": 1440.0, "days": 1440.0,
}
_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]+)\s*$")


def parse_duration_min(value: Any) -> float:
    """Minutes in a duration string such as ``90s``, ``45min``, ``3h``, ``2d``.

    Compound forms (``1h30min``) are accepted. Raises ``ValueError`` with the
    fix for bare numbers, unknown units and negative values.
    """
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise ValueError(
            f"a duration needs a unit: write '{value}min' or '{value}h' "
            "(units: s, min, h, d), not a bare number"
        )
    if not isinstance(value, str):
        raise ValueError(f"expected a duration string such as '45min' or '3h', got {type(value).__name__}")
    text = value.strip()
    if text.startswith("-"):
        raise ValueError(f"duration {value!r} must not be negative")
    parts = re.findall(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]+)", text)
    if not parts or re.sub(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]+)", "", text).strip():
        raise ValueError(f"cannot read {value!r} as a duration; write e.g. '90s', '45min', '3h' or '2d'")
    total = 0.0
    for number, unit in parts:
        factor = _DURATION_UNITS_MIN.get(unit.lower())
        if factor is None:
            hint = " ('m' is ambiguous: write 'min' for minutes)" if unit.lower() == "m" else ""
            raise ValueError(f"unknown duration unit {unit!r} in {value!r}{hint}; use s, min, h or d")
        total += float(number) * factor
    return total


_DISTANCE_UNITS_M = {"m": 1.0, "km": 1000.0}


def parse_distance_m(value: Any) -> float:
    """Metres in a distance string such as ``500m`` or ``2.5km``."""
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise ValueError(f"a distance needs a unit: write '{value}m' or '{value}km', not a bare number")
    if not isinstance(value, str):
        raise ValueError(f"expected a distance string such as '500m' or '2km', got {type(value).__name__}")
    match = _QUANTITY.match(value)
    if not match or match.group(2).lower() not in _DISTANCE_UNITS_M:
        raise ValueError(f"cannot read {value!r} as a distance; write e.g. '500m' or '2.5km'")
    return float(match.group(1)) * _DISTANCE_UNITS_M[match.group(2).lower()]


def format_duration(minutes: float) -> str:
    """The shortest exact unit string for a number of minutes (``180`` → ``3h``)."""
    if minutes % 1440 == 0 and minutes >= 1440:
        return f"{minutes / 1440:.12g}d"
    if minutes % 60 == 0 and minutes >= 60:
        return f"{minutes / 60:.12g}h"
    if minutes == int(minutes):
        return f"{minutes:.12g}min"
    return f"{minutes * 60:.12g}s"


#: A duration field: YAML string with unit → minutes (float).
Duration = Annotated[
    float,
    BeforeValidator(parse_duration_min),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\s*([0-9.]+\s*(s|min|h|d)\s*)+$",
                    "examples": ["90s", "45min", "3h", "2d"]}),
]

#: A distance field: YAML string with unit → metres (float).
Distance = Annotated[
    float,
    BeforeValidator(parse_distance_m),
    PlainSerializer(lambda m: f"{m:.12g}m", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\s*[0-9.]+\s*(m|km)\s*$", "examples": ["500m", "2km"]}),
]
