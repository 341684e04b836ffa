"""Pydantic validation errors as located, plain-English problems.

Pydantic reports ``{'type': 'extra_forbidden', 'loc': ('depots', 0, 'stok'),
'msg': 'Extra inputs are not permitted'}``. A planner needs
``scenario.yaml:14:5: depots[0].stok: unknown key 'stok'; did you mean
'stock'?``. This module does that translation:

- the ``loc`` tuple is walked along the composed YAML document; parts that
  are not in the document are union tags pydantic adds (``'earthquake'`` in
  ``('hazard', 'earthquake', 'magnitude')``) and are dropped;
- a missing key is located at the mapping that should hold it, an unknown
  key at the key itself, anything else at the offending value;
- messages are reworded by error type: unknown keys get a "did you mean"
  from the model's field names at that place, literal errors list the
  allowed values, discriminated unions list the types that exist, ranges
  and types say what was expected and what was found; the
  ``"Value error, "`` prefix of our own validators' messages is dropped.
"""
from __future__ import annotations

import datetime
import difflib
import math
import re
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.scenarios.models import ID_PATTERN, Scenario
from sim.scenarios.yaml_nodes import LocatedDocument, Path, Span

__all__ = ["translate_validation_error"]

Located = tuple[Path, Span, str]


def translate_validation_error(error: ValidationError, document: LocatedDocument,
                               model: type[BaseModel] = Scenario) -> list[Located]:
    """Every error of ``error`` as ``(path, span, message)``, deduplicated, in order.

    Errors at or below a value the YAML step refused (a forbidden tag) are
    dropped — that value was replaced by null and the tag problem says why —
    except "unknown key", which holds whatever the value.
    """
    located: list[Located] = []
    branches: dict[Path, list] = {}
    for err in error.errors(include_url=False):
        path, trailing_tag = _document_path(err["loc"], err["type"], document)
        refused = any(path[:len(r)] == r for r in document.refused)
        if refused and err["type"] != "extra_forbidden":
            continue
        shown, span, message = _explain(err, path, document, model)
        if trailing_tag:  # one branch of a union: merged below into one line per place
            branches.setdefault(shown, [span, err.get("input"), []])[2].append((err, message))
        else:
            located.append((shown, span, message))
    for shown, (span, value, errors) in branches.items():
        located.append((shown, span, _merge_branches(value, errors)))
    return list(dict.fromkeys(located))


def _merge_branches(value: Any, errors: list[tuple[dict, str]]) -> str:
    """One message for the failed branches of a union: ``expected 'all' or a list, got 5``."""
    expected = []
    for err, _ in errors:
        if err["type"] == "literal_error":
            expected.append(err.get("ctx", {}).get("expected", ""))
        elif err["type"] in _EXPECTED:
            expected.append(_EXPECTED[err["type"]])
        else:
            return "; or ".join(dict.fromkeys(message for _, message in errors))
    return f"expected {' or '.join(dict.fromkeys(expected))}, got {_shown(value)}"


# ------------------------------------------------------------ loc → path
def _document_path(loc: tuple, error_type: str, document: LocatedDocument) -> tuple[Path, bool]:
    """The part of ``loc`` written in the document; and whether a trailing union tag was dropped."""
    path: Path = ()
    trailing_tag = False
    for i, part in enumerate(loc):
        candidate = path + (part,)
        if candidate in document.locator:
            path = candidate
        elif i == len(loc) - 1 and error_type == "missing":
            path = candidate
        else:
            trailing_tag = i == len(loc) - 1
    return path, trailing_tag


def _data_at(data: Any, path: Path) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


# ------------------------------------------------------ the model at a path
def _strip(tp):
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    return tp


def _is_union(tp) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_model(tp) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _type_tags(model) -> tuple:
    field = model.model_fields.get("type")
    if field is None:
        return ()
    ann = _strip(field.annotation)
    return get_args(ann) if get_origin(ann) is Literal else ()


def _select(tp, data):
    """The member of a union (or the type itself) that ``data`` is meant to be."""
    tp = _strip(tp)
    if not _is_union(tp):
        return tp
    members = [_strip(m) for m in get_args(tp) if m is not type(None)]
    for member in members:
        member = _select(member, data)
        if isinstance(data, dict) and _is_model(member):
            tags = _type_tags(member)
            if not tags or data.get("type") in tags:
                return member
        elif isinstance(data, list) and get_origin(member) in (list, tuple):
            return member
    models = [m for m in members if _is_model(m)]
    return models[0] if len(models) == 1 else (members[0] if len(members) == 1 else None)


def _annotation_at(path: Path, data: Any, model: type[BaseModel]):
    """The annotation of ``path`` (unions not yet resolved); ``None`` if unknown."""
    tp: Any = model
    for depth, part in enumerate(path):
        tp = _select(tp, _data_at(data, path[:depth]))
        if tp is None:
            return None
        if isinstance(part, int):
            origin, args = get_origin(tp), get_args(tp)
            if origin is list and args:
                tp = args[0]
            elif origin is tuple and args:
                tp = args[0] if args[-1] is Ellipsis else args[min(part, len(args) - 1)]
            else:
                return None
        elif _is_model(tp) and part in tp.model_fields:
            tp = tp.model_fields[part].annotation
        else:
            return None
    return tp


def _model_fields_at(path: Path, data: Any, model: type[BaseModel]) -> list[str] | None:
    tp = _select(_annotation_at(path, data, model), _data_at(data, path))
    return list(tp.model_fields) if _is_model(tp) else None


def _union_tags_at(path: Path, data: Any, model: type[BaseModel]) -> list[str]:
    tp = _strip(_annotation_at(path, data, model))
    members = get_args(tp) if _is_union(tp) else ()
    return [tag for m in members if _is_model(_strip(m)) for tag in _type_tags(_strip(m))]


# -------------------------------------------------------------- messages
def _exponent_fix(mantissa: str, power: str, whole: bool) -> str:
    """How to write ``{mantissa}{power}`` (``1e4``) so that YAML reads it as the number meant."""
    x = float(mantissa + power)
    if not math.isfinite(x):
        return "YAML reads it as text, and as a number it would be larger than any number can be"
    if whole:
        return (f"YAML reads it as text: write {int(x)}" if x == int(x) and abs(x) < 1e18 else
                "YAML reads it as text, and it is no whole number")
    return f"YAML reads it as a number only with a dot: write {mantissa}.0{power}"


#: A number written with an exponent and no dot (``1e4``), which YAML 1.1 reads as text.
_BARE_EXPONENT = re.compile(r"([-+]?\d+)([eE][-+]?\d+)")


def _shown(value: Any, whole: bool = False) -> str:
    """A value as a planner would recognise it from the file (``whole``: a whole number was
    expected, so a fix suggested is one)."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        exponent = _BARE_EXPONENT.fullmatch(value.strip())
        if exponent:          # YAML 1.1 reads 1e4 as text: the number needs a dot before its exponent
            return f"the text {value!r} ({_exponent_fix(*exponent.groups(), whole)})"
        return f"the text {value!r}" if len(value) <= 60 else "a long text"
    if isinstance(value, float):
        text = f"{value:g}"
        return text + ".0" if text.lstrip("-").isdigit() else text       # 1.0 is shown as written, not as 1
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    return repr(value)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _noun(path: Path) -> str:
    """``interventions`` → ``intervention``; ``hazard`` → ``hazard``."""
    names = [p for p in path if isinstance(p, str)]
    if not names:
        return "section"
    name = names[-1]
    return name[:-1] if name.endswith("s") else name


def _field_noun(path: Path) -> str:
    """``("teams", 0, "kind")`` → ``team kind``; ``("targets", "preset")`` → ``target preset``."""
    names = [p for p in path if isinstance(p, str)]
    return f"{_noun(names[:-1])} {names[-1]}" if len(names) > 1 else _noun(path)


def _quoted(names) -> str:
    names = [f"'{n}'" for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


_EXPECTED = {
    "model_type": "a mapping (key: value pairs)", "model_attributes_type": "a mapping (key: value pairs)",
    "dict_type": "a mapping (key: value pairs)", "list_type": "a list", "tuple_type": "a list",
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "text", "finite_number": "a finite number",
}

_BOUNDS = {"greater_than_equal": ("ge", "{} or more"), "greater_than": ("gt", "more than {}"),
           "less_than_equal": ("le", "{} or less"), "less_than": ("lt", "less than {}")}


def _explain(err: dict, path: Path, document: LocatedDocument,
             model: type[BaseModel]) -> tuple[Path, Span, str]:
    """(path shown, where, message) of one pydantic error at the document ``path``."""
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    locator, data = document.locator, document.data

    if kind == "missing":
        parent = path[:-1]
        message = f"missing required key {path[-1]!r}"
        tag = _data_at(data, parent + ("type",)) if err["loc"][:-1] != parent else None
        if isinstance(tag, str):
            message += f" (a {_noun(parent)} of type {tag!r} needs it)"
        return parent, locator.locate(parent), message

    if kind == "extra_forbidden":
        key = str(path[-1])
        fields = _model_fields_at(path[:-1], data, model) or []
        close = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean {close[0]!r}?"
        elif fields:
            hint = f"; the keys here are: {', '.join(fields)}"
        else:
            hint = ""
        return path, locator.locate(path, at_key=True), f"unknown key {key!r}{hint}"

    if kind == "union_tag_invalid":
        noun = _noun(path)
        at = path + ("type",) if path + ("type",) in locator else path
        tags = _union_tags_at(path, data, model)
        listing = _quoted(tags) if tags else ctx.get("expected_tags")
        return at, locator.locate(at), f"unknown {noun} type {ctx.get('tag')!r}; the {noun} types are {listing}"

    if kind == "union_tag_not_found":
        noun = _noun(path)
        tags = _union_tags_at(path, data, model)
        listing = f"; the {noun} types are {_quoted(tags)}" if tags else ""
        return path, locator.locate(path), f"missing required key 'type'{listing}"

    span = locator.locate(path)
    if kind == "literal_error":
        return path, span, f"unknown {_field_noun(path)} {_shown(value).removeprefix('the text ')}; " \
                           f"use {ctx.get('expected')}"
    if kind in _EXPECTED:
        return path, span, f"expected {_EXPECTED[kind]}, got {_shown(value, whole=kind.startswith('int'))}"
    if kind in _BOUNDS:
        key, template = _BOUNDS[kind]
        return path, span, f"must be {template.format(_number(ctx.get(key)))}, got {_shown(value)}"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length" if kind == "too_short" else "max_length")
        actual = ctx.get("actual_length")
        if ctx.get("field_type") == "Tuple":
            return path, span, f"expected {bound} values, got {actual}"
        word = "at least" if kind == "too_short" else "at most"
        return path, span, f"needs {word} {bound} item{'s' if bound != 1 else ''}, got {actual}"
    if kind == "string_too_short":
        return path, span, "must not be empty"
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return path, span, f"at most {limit:,} characters, got {len(value):,}" if isinstance(value, str) and \
            isinstance(limit, int) else f"at most {limit} characters"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == ID_PATTERN:
            return path, span, (f"{value!r} is not a valid id: use letters, digits, '_', '.' and '-', "
                                "starting with a letter or digit")
        return path, span, f"{value!r} does not match the pattern {ctx.get('pattern')}"
    message = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return path, span, message

