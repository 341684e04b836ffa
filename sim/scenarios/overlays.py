"""Overlay files: interventions written apart from the scenario they change.

A capability assessor keeps the plan as it is (``flood.yaml``) and writes
the investment in its own file::

    # new_east_depot.yaml
    interventions:
      - {type: add_depot, depot: {id: east, tier: district, at: {node: 88}, stock: {water_l: 20000},
                                  trucks: {count: 4, payload_kg: 5000}}}
      - {type: sat_phones, agents: all_teams}

``sim compare flood.yaml new_east_depot.yaml`` runs the plan before and
after. An overlay holds an ``interventions:`` list and optionally ``name``
and ``description``; a file with ``region``, ``depots`` or ``duration`` is a
whole scenario instead. Overlays have their own JSON Schema
(``sim schema --overlay``). They are checked like scenarios — YAML, schema,
then references against the baseline (a depot id that the baseline lacks) —
and every problem is one ``FILE:LINE:COL: PATH: message`` line;
``sim validate`` checks an overlay on its own, without a baseline.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from sim.errors import InputError, Problem
from sim.scenarios.interventions import Interventions, apply_interventions
from sim.scenarios.resources import Description, Name, Strict

__all__ = ["Overlay", "is_overlay_file", "load_overlay", "apply_overlay", "validate_overlay"]

#: Keys that make a file a whole scenario rather than an overlay.
SCENARIO_KEYS = ("region", "depots", "duration")


class Overlay(Strict):
    """Interventions to apply to a baseline scenario (``sim compare BASELINE OVERLAY``)."""

    name: Name = Field("", description="the overlay's name, shown in comparisons")
    description: Description = Field("", description="what the investment is")
    interventions: Interventions = Field(..., min_length=1,
                                         description="the interventions, applied to the baseline in order")


def _document(path: Path):
    from sim.scenarios.loader import read_yaml_text
    from sim.scenarios.yaml_nodes import YAMLSyntaxProblem, compose_located

    file = str(path)
    document = compose_located(read_yaml_text(path, "scenario or overlay"))
    if document is None:
        raise InputError(Problem(file, 1, 1, "", "the file is empty; an overlay holds an 'interventions:' list"))
    if isinstance(document, YAMLSyntaxProblem):
        span = document.span
        raise InputError(Problem(file, span.line if span else None, span.col if span else None, "",
                                 document.message))
    return document


def is_overlay_file(path: Path | str) -> bool:
    """Whether ``path`` holds an overlay: a mapping with ``interventions`` and without region/depots/duration."""
    document = _document(Path(path))
    return (isinstance(document.data, dict) and "interventions" in document.data
            and not any(k in document.data for k in SCENARIO_KEYS))


def _validated(path: Path) -> tuple[Overlay, object]:
    """The overlay in ``path`` and its document; every schema problem as a located line."""
    from sim.scenarios.validation_messages import translate_validation_error

    file = str(path)
    document = _document(path)
    problems = [Problem(file, span.line, span.col, _fmt(p), message) for p, span, message in document.problems]
    if not isinstance(document.data, dict):
        raise InputError(problems + [Problem(file, document.root_span.line, document.root_span.col, "",
                                             "an overlay is a mapping with an 'interventions:' list")])
    try:
        overlay = Overlay.model_validate(document.data)
    except ValidationError as error:
        for p, span, message in translate_validation_error(error, document, Overlay):
            problems.append(Problem(file, span.line, span.col, _fmt(p), message))
        raise InputError(problems) from None
    if problems:
        raise InputError(problems)
    return overlay, document


def validate_overlay(path: Path | str) -> Overlay:
    """Check an overlay file on its own (``sim validate``): YAML, schema, and what needs no baseline.

    References to the baseline's depots are checked when the overlay is
    applied (:func:`load_overlay`).
    """
    from sim.scenarios.checks import check_overlay
    from sim.scenarios.loader import ScenarioSource

    path = Path(path)
    overlay, document = _validated(path)
    source = ScenarioSource(str(path), document.locator)
    located = [source.problem(p, message) for p, message in check_overlay(overlay.interventions)]
    if located:
        raise InputError(sorted(set(located), key=lambda p: (p.line or 0, p.col or 0)))
    return overlay


def load_overlay(path: Path | str, baseline, world_findings=None) -> tuple[Overlay, object]:
    """The overlay in ``path`` and the baseline with it applied (``apply_interventions``).

    The baseline's own interventions are applied first, then the overlay's. With
    ``world_findings`` (the baseline's region checks, e.g.
    ``functools.partial(sim.world.places.world_findings, base_dir=...)``), what the
    overlay names is also checked against the region — depots, teams and zones of
    ``sat_phones``, retrofitted bridges, places of added agents — and located in the
    overlay's file.
    """
    from sim.scenarios.checks import check_scenario
    from sim.scenarios.loader import ScenarioSource

    path = Path(path)
    file = str(path)
    overlay, document = _validated(path)

    combined = baseline.model_copy(deep=True)
    offset = len(combined.interventions)
    combined.interventions = [*combined.interventions, *overlay.interventions]
    source = ScenarioSource(file, document.locator)
    located = []
    findings = list(check_scenario(combined))
    if world_findings is not None and not findings:
        findings = world_findings(combined)
    for finding_path, message in findings:
        if finding_path[:1] == ("interventions",) and len(finding_path) > 1 and finding_path[1] >= offset:
            located.append(source.problem(("interventions", finding_path[1] - offset, *finding_path[2:]), message))
    if located:
        raise InputError(sorted(set(located), key=lambda p: (p.line or 0, p.col or 0)))
    try:
        after = apply_interventions(combined)
    except ValueError as error:
        raise InputError(Problem(file, None, None, "interventions", str(error))) from None
    return overlay, after


def apply_overlay(baseline, path: Path | str):
    """``load_overlay(path, baseline)[1]``: the baseline with the overlay applied."""
    return load_overlay(path, baseline)[1]


def _fmt(path) -> str:
    from sim.scenarios.yaml_nodes import format_path

    return format_path(path)
