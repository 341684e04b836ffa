"""The JSON documents of output folders as their readers rely on them.

``sim report`` and ``sim results`` read back what ``sim run``, ``sim batch`` and
``sim compare`` wrote: ``summary.json``, ``batch.json``, ``comparison.json``. A
file that something else changed (or a file of another program) would otherwise
fail deep inside a reader with a traceback. :func:`read_json_doc` checks a
document against a pydantic model of the parts its readers use (:class:`RunSummary`,
:class:`BatchRecord`, :class:`ComparisonRecord`; other keys pass) and refuses one
that does not fit in one line: the file, where in it, what was expected, and how
to write it again.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from sim.errors import InputError

__all__ = ["read_json_doc", "RunSummary", "BatchRecord", "ComparisonRecord"]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


# ------------------------------------------------------------------ summary.json
class _RunPart(_Shape):
    duration_h: float

    @field_validator("duration_h")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value


class _Relief(_Shape):
    people_affected: float
    people_needing_relief: float


class _Kpi(_Shape):
    affected_sites: int
    relief: _Relief
    first_supplies_township: dict | None = None


class _RunTargets(_Shape):
    preset: str | None = None
    district_supplies_h: list[float]
    city_supplies_h: list[float]
    basic_relief_h: list[float]


class _Verdict(_Shape):
    target: str
    within_h: float
    share: float | None
    met: bool | None


class RunSummary(_Shape):
    """``summary.json`` of a run, as the run report reads it."""

    scenario: str
    seed: int
    run: _RunPart
    kpi: _Kpi
    targets: _RunTargets
    verdicts: list[_Verdict]
    hazard: dict = {}
    supply_audit: dict = {}


# ------------------------------------------------------------------ batch.json
class _Variant(_Shape):
    name: str
    index: int
    values: dict = {}


class BatchRecord(_Shape):
    """``batch.json`` of a batch or comparison, as reports and ``sim results`` read it."""

    variants: list[_Variant] = []
    targets: dict[str, list[float]] | None = None
    variant_targets: dict[str, dict[str, list[float]]] = {}
    curve_step_h: float = 0.25
    code: dict = {}
    sweep: list = []

    @field_validator("curve_step_h")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not (math.isfinite(value) and value > 0):
            raise ValueError("must be a positive number of hours")
        return value


# ------------------------------------------------------------------ comparison.json
class _Side(_Shape):
    name: str
    file: str | None = None


class _ComparedLine(_Shape):
    target: str
    within_h: float
    before_mean: float | None
    after_mean: float | None
    runs_meeting_target_before: int
    runs_meeting_target_after: int


class _ComparedKpi(_Shape):
    kpi: str
    before_mean: float | None
    after_mean: float | None
    diff_mean: float | None


class ComparisonRecord(_Shape):
    """``comparison.json`` of a comparison, as its report reads it."""

    baseline: _Side
    variant: _Side
    pairs: int
    replications: int
    verdicts: list[_ComparedLine]
    kpis: list[_ComparedKpi]


# ------------------------------------------------------------------ reading
def read_json_doc(path: Path | str, shape: type[BaseModel], remedy: str) -> dict:
    """The JSON object in ``path`` as read, once it fits ``shape``; else one
    :class:`InputError` line naming the file, where in it and what was expected, and
    ``remedy`` (e.g. ``"run the scenario again"``)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise InputError(f"{path}: cannot read it ({reason}); {remedy}") from None
    try:
        shape.model_validate(doc)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        got = "" if first["type"] == "missing" else f" (found {_kind(first.get('input'))})"
        raise InputError(f"{path}: {where}: {_expected(first)}{got}; not as sim writes it: {remedy}") from None
    return doc


#: What a pydantic error type expected, in the words of JSON.
_EXPECTED = {"missing": "is missing", "model_type": "should be an object", "dict_type": "should be an object",
             "list_type": "should be a list", "string_type": "should be a text", "bool_type": "should be true or false",
             "bool_parsing": "should be true or false", "float_type": "should be a number",
             "float_parsing": "should be a number", "int_type": "should be a whole number",
             "int_parsing": "should be a whole number", "int_from_float": "should be a whole number"}


def _expected(error: dict) -> str:
    if error["type"] in _EXPECTED:
        return _EXPECTED[error["type"]]
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _kind(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(type(value), "a value")
