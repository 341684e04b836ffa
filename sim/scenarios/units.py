"""Quantities with units in scenario files: durations and distances.

A scenario writes ``45min``, ``3h`` or ``2d`` for a duration and ``500m`` or
``2km`` for a distance. A bare number is refused because a planner reading
``load_time: 20`` cannot tell whether that is seconds or minutes. Internally
every duration is minutes as a float and every distance metres.
"""
from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from sim.errors import QUOTED_MAX, quoted

__all__ = ["Duration", "Distance", "parse_duration_min", "parse_distance_m", "format_duration",
           "duration", "distance", "MAX_TIME"]

#: The longest time any duration of a scenario may state: 30 days. A run
#: simulates its whole duration event by event; the targets judge hours and
#: the first days, and a month of relief operations runs in about a minute.
MAX_TIME = "30d"

_DURATION_UNITS_MIN = {
    "s": 1 / 60, "sec": 1 / 60,
    "min": 1.0, "m": None,  # "m" is ambiguous (metres / minutes): refused below
    "h": 60.0, "hr": 60.0,
    "d": 1440.0, "day": 1440.0, "days": 1440.0,
}
_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]+)\s*$")


def _shown(number) -> str:
    """A bare number as a message shows it (an integer of thousands of digits by its length)."""
    if isinstance(number, int) and not isinstance(number, bool) and abs(number) >= 10 ** QUOTED_MAX:
        return f"<a number of {len(str(abs(number))) if abs(number) < 10 ** 4000 else 'over 4,000'} digits>"
    return str(number)


def parse_duration_min(value: Any) -> float:
    """Minutes in a duration string such as ``90s``, ``45min``, ``3h``, ``2d``.

    Compound forms (``1h30min``) are accepted. Raises ``ValueError`` with the
    fix for bare numbers, unknown units and negative values.
    """
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise ValueError(
            f"a duration needs a unit: write '{_shown(value)}min' or '{_shown(value)}h' "
            "(units: s, min, h, d), not a bare number"
        )
    if not isinstance(value, str):
        raise ValueError(f"expected a duration string such as '45min' or '3h', got {type(value).__name__}")
    text = value.strip()
    if text.startswith("-"):
        raise ValueError(f"duration {quoted(value)} must not be negative")
    parts = re.findall(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]+)", text)
    if not parts or re.sub(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]+)", "", text).strip():
        raise ValueError(f"cannot read {quoted(value)} as a duration; write e.g. '90s', '45min', '3h' or '2d'")
    total = 0.0
    for number, unit in parts:
        factor = _DURATION_UNITS_MIN.get(unit.lower())
        if factor is None:
            hint = " ('m' is ambiguous: write 'min' for minutes)" if unit.lower() == "m" else ""
            raise ValueError(f"unknown duration unit {quoted(unit)} in {quoted(value)}{hint}; use s, min, h or d")
        total += float(number) * factor
    if not math.isfinite(total):
        raise ValueError(f"duration {quoted(value)} is not a finite time; write e.g. '72h'")
    return total


_DISTANCE_UNITS_M = {"m": 1.0, "km": 1000.0}


def parse_distance_m(value: Any) -> float:
    """Metres in a distance string such as ``500m`` or ``2.5km``."""
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise ValueError(f"a distance needs a unit: write '{_shown(value)}m' or '{_shown(value)}km', not a bare "
                         "number")
    if not isinstance(value, str):
        raise ValueError(f"expected a distance string such as '500m' or '2km', got {type(value).__name__}")
    match = _QUANTITY.match(value)
    if not match or match.group(2).lower() not in _DISTANCE_UNITS_M:
        raise ValueError(f"cannot read {quoted(value)} as a distance; write e.g. '500m' or '2.5km'")
    metres = float(match.group(1)) * _DISTANCE_UNITS_M[match.group(2).lower()]
    if not math.isfinite(metres):
        raise ValueError(f"distance {quoted(value)} is not a finite length; write e.g. '500m' or '2.5km'")
    return metres


def format_distance(metres: float) -> str:
    """``2000`` → ``2km``; ``500`` → ``500m``."""
    if metres >= 1000 and metres % 1000 == 0:
        return f"{metres / 1000:.12g}km"
    return f"{metres:.12g}m"


def format_duration(minutes: float) -> str:
    """The shortest exact unit string for a number of minutes (``180`` → ``3h``)."""
    if minutes % 1440 == 0 and minutes >= 1440:
        return f"{minutes / 1440:.12g}d"
    if minutes % 60 == 0 and minutes >= 60:
        return f"{minutes / 60:.12g}h"
    if minutes == int(minutes):
        return f"{minutes:.12g}min"
    return f"{minutes * 60:.12g}s"


_DURATION_PATTERN = r"^\s*([0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?\s*(s|sec|min|h|hr|d|day|days)\s*)+$"
_DISTANCE_PATTERN = r"^\s*[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?\s*(m|km)\s*$"


def _range_check(low: float, high: float, low_text: str, high_text: str, fmt, why_low: str, why_high: str,
                 above_zero: bool):
    def check(value: float) -> float:
        if above_zero and value <= 0:
            raise ValueError(f"must be longer than zero, got {fmt(value)}{why_low}")
        if value < low:
            raise ValueError(f"must be at least {low_text}, got {fmt(value)}{why_low}")
        if value > high:
            raise ValueError(f"must be at most {high_text}, got {fmt(value)}{why_high}")
        return value
    return check


def _why(reason: str) -> str:
    return f": {reason}" if reason else ""


def _quantity(parse, fmt, pattern: str, examples: list[str], units: str, description: str, at_least: str,
              at_most: str, above_zero: bool, why_at_least: str, why_at_most: str) -> Any:
    low, high = parse(at_least), parse(at_most)
    span = (f"more than 0{units[0]}" if above_zero and low == 0 else at_least) + f" to {at_most}"
    return Annotated[
        float,
        BeforeValidator(parse),
        AfterValidator(_range_check(low, high, at_least, at_most, fmt, _why(why_at_least), _why(why_at_most),
                                    above_zero)),
        PlainSerializer(fmt, return_type=str),
        WithJsonSchema({"type": "string", "pattern": pattern, "examples": examples}),
        Field(description=f"{description}; with its unit ({', '.join(units)}), {span}"),
    ]


def duration(description: str, *, at_least: str = "0s", at_most: str = MAX_TIME, above_zero: bool = False,
             why_at_least: str = "", why_at_most: str = "") -> Any:
    """A duration field (YAML text with a unit → minutes) in ``at_least..at_most``.

    ``above_zero`` refuses zero without a lower limit of its own; the
    ``why_*`` texts say why a limit is there. The description in the JSON
    Schema states the unit and the range.
    """
    return _quantity(parse_duration_min, format_duration, _DURATION_PATTERN, ["90s", "45min", "3h", "2d"],
                     ["s", "min", "h", "d"], f"{description}, a duration", at_least, at_most, above_zero,
                     why_at_least, why_at_most)


def distance(description: str, *, at_least: str = "0m", at_most: str, above_zero: bool = False,
             why_at_least: str = "", why_at_most: str = "") -> Any:
    """A distance field (YAML text with a unit → metres) in ``at_least..at_most``."""
    return _quantity(parse_distance_m, format_distance, _DISTANCE_PATTERN, ["500m", "2km"], ["m", "km"],
                     f"{description}, a distance", at_least, at_most, above_zero, why_at_least, why_at_most)


#: A duration field of any length up to :data:`MAX_TIME`: YAML string with unit → minutes (float).
Duration = duration("a time")

#: A distance field up to 1,000 km: YAML string with unit → metres (float).
Distance = distance("a distance", at_most="1000km")
