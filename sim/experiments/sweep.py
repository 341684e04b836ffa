"""Sweeps: variants of a scenario with some values set, checked like the scenario.

An exercise designer asks "what if the south depot had 10, 20 or 40 trucks,
dispatched nearest-first or by LP?" and writes::

    sim batch flood.yaml --sweep 'depots[0].trucks.count=10,20,40' --sweep policy.dispatch=nearest,lp

Each ``--sweep PATH=V1,V2,...`` is an :class:`SweepAxis`: a dotted path into
the scenario document (``name``, ``.key``, ``[index]``) and the values to try,
each read as a YAML value (``10`` is a number, ``3h`` and ``lp`` are text,
``[116.6, 39.9]`` is a list; commas inside brackets do not split values).
Several axes form their cartesian product, in the order given, the last axis
changing fastest.

A value is applied to the scenario's data (``model_dump(mode="json")``, the
path set, ``Scenario.model_validate``, then the scenario's semantic checks),
so a sweep is refused for the same reasons a scenario file is, on one line
per problem::

    sweep path depots[5].trucks.count: the scenario has 3 depots
    sweep value 'x' for depots[0].trucks.count: must be a whole number

A :class:`Variant` is what a batch runs: a name, the values that make it, the
validated scenario and the folder its relative file names are read from.

Values are read like a scenario file's (no tags, no alias bombs: each value
may expand to at most :data:`MAX_VALUE_NODES` YAML values), and a sweep is
refused before anything is built if its product has more than
:data:`MAX_VARIANTS` variants.
"""
from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import InputError

__all__ = ["SweepAxis", "Variant", "parse_sweep", "parse_path", "sweep_variants", "scenario_hash",
           "BASE_VARIANT", "MAX_VARIANTS"]

#: Name of the only variant of a batch without sweeps.
BASE_VARIANT = "base"
#: Variants of one batch: they are numbered v000 to v999 in the results folder.
MAX_VARIANTS = 1_000
#: Characters of one --sweep.
MAX_SWEEP_CHARS = 100_000
#: YAML values one sweep value may expand to.
MAX_VALUE_NODES = 10_000

_PATH_TOKEN = re.compile(r"(?:^|\.)([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


@dataclass(frozen=True)
class SweepAxis:
    """One ``--sweep PATH=V1,V2,...``: where, and the values as written and as read."""

    path: str
    parts: tuple
    texts: tuple[str, ...]
    values: tuple


@dataclass
class Variant:
    """A scenario a batch runs ``replications`` times: ``name`` and the ``values`` that make it."""

    name: str
    values: dict[str, Any]
    scenario: Any
    base_dir: Path = field(default_factory=lambda: Path("."))

    @property
    def scenario_sha256(self) -> str:
        return scenario_hash(self.scenario)


def scenario_hash(scenario) -> str:
    """SHA-256 of the scenario's canonical JSON (sorted keys, no spaces)."""
    doc = scenario.model_dump(mode="json")
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ parsing
def parse_path(text: str) -> tuple:
    """``depots[0].trucks.count`` → ``("depots", 0, "trucks", "count")``."""
    parts: list = []
    pos = 0
    for match in _PATH_TOKEN.finditer(text):
        if match.start() != pos or (match.group(1) and pos == 0 and text.startswith(".")):
            break
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        pos = match.end()
    if pos != len(text) or not parts or not isinstance(parts[0], str):
        raise InputError(f"sweep path {text!r}: cannot read it; write keys and list indexes like "
                         "depots[0].trucks.count or policy.dispatch")
    return tuple(parts)


def _split_values(text: str) -> list[str]:
    """Split on commas outside brackets and quotes."""
    values, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            values.append(text[start:i].strip())
            start = i + 1
    values.append(text[start:].strip())
    return values


def _read_value(path: str, text: str):
    """``text`` as a YAML value, read like a scenario file's values (plain values only, bounded size)."""
    from sim.scenarios.yaml_nodes import YAMLSyntaxProblem, compose_located

    if not text.strip():
        return text
    document = compose_located(text, max_nodes=MAX_VALUE_NODES)
    if isinstance(document, YAMLSyntaxProblem):
        if "expands to more than" in document.message or "nested more than" in document.message:
            raise InputError(f"sweep value {text[:40]!r}{'…' if len(text) > 40 else ''} for {path}: "
                             f"{document.message}")
        return text
    if document is None:
        return None
    if document.problems:
        raise InputError(f"sweep value {text[:40]!r} for {path}: {document.problems[0][2]}")
    return document.data


def parse_sweep(spec: str) -> SweepAxis:
    """``PATH=V1,V2,...`` → a :class:`SweepAxis` (values not yet checked against a scenario)."""
    if len(spec) > MAX_SWEEP_CHARS:
        raise InputError(f"sweep {spec[:40]!r}…: {len(spec):,} characters; at most {MAX_SWEEP_CHARS:,}")
    path, sep, rest = spec.partition("=")
    path = path.strip()
    if not sep or not path:
        raise InputError(f"sweep {spec!r}: write PATH=V1,V2,... such as depots[0].trucks.count=10,20,40")
    texts = _split_values(rest)
    if any(t == "" for t in texts):
        raise InputError(f"sweep {path}: empty value in {rest!r}; write PATH=V1,V2,... with no empty values")
    if len(set(texts)) != len(texts):
        raise InputError(f"sweep {path}: a value is listed twice in {rest!r}")
    if len(texts) > MAX_VARIANTS:
        raise InputError(f"sweep {path}: {len(texts):,} values; at most {MAX_VARIANTS:,} variants in one batch")
    parts = parse_path(path)
    values = tuple(_read_value(path, t) for t in texts)
    seen: dict[str, str] = {}
    for text, value in zip(texts, values):
        key = json.dumps(value, sort_keys=True, default=str)
        if key in seen:
            raise InputError(f"sweep {path}: {seen[key]!r} and {text!r} are the same value; list each value once")
        seen[key] = text
    return SweepAxis(path=path, parts=parts, texts=tuple(texts), values=values)


# ------------------------------------------------------------------ applying
def _noun(key: str, n: int) -> str:
    return key[:-1] if n == 1 and key.endswith("s") else key


def _check_path(data: dict, axis: SweepAxis) -> None:
    """Refuse a path that does not lead to a value of the scenario's document."""
    from sim.scenarios.yaml_nodes import format_path

    node = data
    for k, part in enumerate(axis.parts):
        here = format_path(axis.parts[:k])
        if isinstance(part, int):
            if not isinstance(node, list):
                raise InputError(f"sweep path {axis.path}: {here} is not a list")
            if part >= len(node):
                count = (f"the scenario has {len(node)} {_noun(here, len(node))}" if k == 1
                         else f"{here} has {len(node)} item{'s' if len(node) != 1 else ''}")
                raise InputError(f"sweep path {axis.path}: {count}")
        else:
            if node is None:
                raise InputError(f"sweep path {axis.path}: {here} is not set in the scenario; "
                                 "set it in the scenario file first")
            if not isinstance(node, dict):
                raise InputError(f"sweep path {axis.path}: {here or 'the scenario'} has no keys")
            if part not in node:
                close = difflib.get_close_matches(part, list(node), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else f"; the keys are: {', '.join(node)}"
                where = f"{here}" if here else "the scenario"
                raise InputError(f"sweep path {axis.path}: {where} has no key {part!r}{hint}")
        node = node[part]


#: The target times a preset stands for: a swept preset replaces them, a swept time replaces the preset.
_TARGET_TIMES = ("district_supplies", "city_supplies", "basic_relief")


def _set(data: dict, parts: tuple, value) -> None:
    node = data
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = copy.deepcopy(value)
    if parts[:1] == ("targets",) and len(parts) >= 2 and isinstance(data.get("targets"), dict):
        # A scenario's data holds a preset and the times it stands for: a sweep changes one of them.
        targets = data["targets"]
        if parts[1] == "preset":
            for name in _TARGET_TIMES:
                targets.pop(name, None)
        elif parts[1] in _TARGET_TIMES:
            targets.pop("preset", None)


def _owner(axes: list[SweepAxis], path: tuple):
    """The axis a problem at ``path`` belongs to (the path is at, under or above it)."""
    for axis in axes:
        n = min(len(axis.parts), len(path))
        if n and axis.parts[:n] == tuple(path)[:n]:
            return axis
    return None


_EXPECTED = re.compile(r"^expected (.*), got .*$")


def _problem_lines(axes: list[SweepAxis], texts: dict, findings: list[tuple[tuple, str]]) -> list[str]:
    from sim.scenarios.yaml_nodes import format_path

    lines = []
    for path, message in findings:
        message = _EXPECTED.sub(r"must be \1", message)
        axis = _owner(axes, path)
        if axis is not None:
            below = format_path(path) if tuple(path) != axis.parts else ""
            where = f" ({below})" if below and len(path) > len(axis.parts) else ""
            lines.append(f"sweep value {texts[axis.path]!r} for {axis.path}{where}: {message}")
        else:
            combo = ", ".join(f"{a.path}={texts[a.path]}" for a in axes)
            lines.append(f"sweep {combo}: {format_path(path) or 'scenario'}: {message}")
    return lines


def _validate(base_data: dict, axes: list[SweepAxis], values: tuple, texts: list[str], source):
    """The scenario with ``values`` set at the axes' paths; (scenario, problem lines)."""
    from sim.scenarios.checks import check_scenario
    from sim.scenarios.models import Scenario
    from sim.scenarios.validation_messages import translate_validation_error
    from sim.scenarios.yaml_nodes import compose_located

    data = copy.deepcopy(base_data)
    for axis, value in zip(axes, values):
        _set(data, axis.parts, value)
    texts = {axis.path: text for axis, text in zip(axes, texts)}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        document = compose_located(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        findings = [(path, message) for path, _span, message in translate_validation_error(error, document)]
        return None, _problem_lines(axes, texts, findings)
    problems = check_scenario(scenario)
    if problems:
        return None, _problem_lines(axes, texts, problems)
    scenario._source = source
    return scenario, []


def variant_name(axes: list[SweepAxis], texts: list[str]) -> str:
    """``depots[0].trucks.count=10, policy.dispatch=lp``."""
    return ", ".join(f"{axis.path}={text}" for axis, text in zip(axes, texts)) or BASE_VARIANT


def sweep_variants(scenario, axes: list[SweepAxis], base_dir: Path | str = ".") -> list[Variant]:
    """Every variant of ``scenario`` the ``axes`` make, validated.

    Without axes, the one variant ``base`` (the scenario itself). Raises
    :class:`InputError` with one line per bad path or value.
    """
    base_dir = Path(base_dir).resolve()   # absolute: Dask workers have their own working folder
    if not axes:
        return [Variant(BASE_VARIANT, {}, scenario, base_dir)]
    paths = [axis.path for axis in axes]
    if len(set(paths)) != len(paths):
        raise InputError(f"sweep path {next(p for p in paths if paths.count(p) > 1)}: given twice; "
                         "list all its values in one --sweep")
    for axis in axes:
        if axis.parts == ("seed",):
            raise InputError("sweep path seed: every variant runs the same replication seeds (common random "
                             "numbers); for more seeds, run more --replications")
    combinations = math.prod(len(axis.values) for axis in axes)
    if combinations > MAX_VARIANTS:
        sizes = " x ".join(str(len(axis.values)) for axis in axes)
        raise InputError(f"the sweeps make {sizes} = {combinations:,} variants; at most {MAX_VARIANTS:,} in one "
                         "batch: variants are numbered v000 to v999 in the results folder")
    base_data = scenario.model_dump(mode="json")
    source = getattr(scenario, "_source", None)
    for axis in axes:
        _check_path(base_data, axis)
    # Each value alone first: a bad value is reported once, not once per combination.
    problems: list[str] = []
    for axis in axes:
        for value, text in zip(axis.values, axis.texts):
            problems.extend(_validate(base_data, [axis], (value,), [text], source)[1])
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    variants = []
    for combo in itertools.product(*(range(len(axis.values)) for axis in axes)):
        values = tuple(axis.values[i] for axis, i in zip(axes, combo))
        texts = [axis.texts[i] for axis, i in zip(axes, combo)]
        variant_scenario, lines = _validate(base_data, axes, values, texts, source)
        problems.extend(lines)
        if variant_scenario is not None:
            variants.append(Variant(variant_name(axes, texts),
                                    {axis.path: value for axis, value in zip(axes, values)},
                                    variant_scenario, base_dir))
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    first_of: dict[str, str] = {}
    for variant in variants:           # values written differently that mean the same (30min, 0.5h)
        same = first_of.setdefault(variant.scenario_sha256, variant.name)
        if same != variant.name:
            raise InputError(f"sweep variants {same} and {variant.name} are the same scenario; list each value "
                             "once")
    return variants
