"""Value types of the scenario format: counts, amounts, shares, coordinates, text.

Every number in a scenario is finite (``.nan`` and ``.inf`` are refused by
the models' ``allow_inf_nan=False``) and of its own kind: a count is a whole
number, never ``true``; an amount is a number, never ``true`` either. Each
type carries its range, and an upper limit says why it is there::

    teams[0].count: at most 1,000 crews in a team, got 5,000: each crew is a SimPy process

The JSON Schema of each type states the same range (``minimum``,
``maximum``), so an editor flags a value before ``sim validate`` does.
"""
from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, Field, Strict, WithJsonSchema

__all__ = ["count", "number", "items", "Share", "LonLat", "text", "Number"]

#: A number that is not a true/false in disguise (a strict float accepts whole numbers).
Number = Annotated[float, Strict()]


def _limit(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,g}"


def _at_most(high, unit: str, reason: str):
    def check(value):
        if value > high:
            raise ValueError(f"at most {_limit(high)}{unit}, got {_limit(value)}: {reason}")
        return value
    return check


def count(low: int, high: int, *, what: str, reason: str, description: str) -> Any:
    """A whole number in ``low..high`` of ``what`` (``"trucks at a depot"``); ``reason`` says why the limit."""
    return Annotated[int, Strict(), Field(ge=low, description=description, json_schema_extra={"maximum": high}),
                     AfterValidator(_at_most(high, f" {what}", reason))]


def number(*, ge: float | None = None, gt: float | None = None, le: float | None = None,
           description: str, reason: str = "", unit: str = "") -> Any:
    """A finite number with bounds; an upper bound ``le`` with a ``reason`` says why."""
    if le is not None and reason:
        return Annotated[float, Strict(), Field(ge=ge, gt=gt, description=description,
                                                json_schema_extra={"maximum": le}),
                         AfterValidator(_at_most(le, f" {unit}" if unit else "", reason))]
    return Annotated[float, Strict(), Field(ge=ge, gt=gt, le=le, description=description)]


def items(item: Any, max_items: int, *, what: str, reason: str, min_items: int = 0) -> Any:
    """A list of at most ``max_items`` ``item`` values; ``what`` names them (``"teams"``)."""
    def check(values: list) -> list:
        if len(values) > max_items:
            raise ValueError(f"at most {max_items:,} {what}, got {len(values):,}: {reason}")
        return values
    return Annotated[list[item], Field(min_length=min_items, json_schema_extra={"maxItems": max_items}),
                     AfterValidator(check)]


#: A share of a whole, 0 to 1.
Share = Annotated[float, Strict(), Field(ge=0, le=1)]


def _lonlat(value: tuple[float, float]) -> tuple[float, float]:
    lon, lat = value
    if not -180 <= lon <= 180:
        raise ValueError(f"longitude {lon:g} is outside -180..180 degrees; write [longitude, latitude]")
    if not -90 <= lat <= 90:
        raise ValueError(f"latitude {lat:g} is outside -90..90 degrees; write [longitude, latitude]")
    return value


#: ``[longitude, latitude]`` in degrees (WGS 84), both finite and in range.
LonLat = Annotated[
    tuple[Number, Number],
    AfterValidator(_lonlat),
    WithJsonSchema({"type": "array", "minItems": 2, "maxItems": 2, "prefixItems": [
        {"type": "number", "minimum": -180, "maximum": 180, "description": "longitude, degrees east"},
        {"type": "number", "minimum": -90, "maximum": 90, "description": "latitude, degrees north"}],
        "description": "[longitude, latitude] in degrees (WGS 84)"}),
]


_DROP = {"\n\t": str.maketrans("", "", "\n\t")}


def _no_control(allow: str):
    def check(value: str) -> str:
        if value.isprintable() or (allow and value.translate(_DROP[allow]).isprintable()):
            return value
        for i, ch in enumerate(value):
            if ch not in allow and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
                raise ValueError(f"character {i + 1} is the control character U+{ord(ch):04X}; "
                                 "text here holds printable characters only")
        return value
    return check


def text(max_length: int, *, description: str, min_length: int = 0, multiline: bool = False) -> Any:
    """Text of at most ``max_length`` printable characters (and line breaks if ``multiline``)."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, description=description),
                     AfterValidator(_no_control("\n\t" if multiline else ""))]
