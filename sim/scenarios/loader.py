"""Reading a scenario file: YAML in, a validated :class:`Scenario` or every problem out.

A planner who runs ``sim validate flood.yaml`` should get *all* the mistakes
of the file in one go, each on one line that an editor can jump to::

    flood.yaml:14:5: depots[1].stok: unknown key 'stok'; did you mean 'stock'?
    flood.yaml:22:16: teams[0].mobilize: a duration needs a unit: write '15min' or '15h' ...
    flood.yaml:31:3: needs.tent: each affected person needs 1 tent, but no depot stocks tent ...

The line format is ``FILE:LINE:COL: PATH: message`` (1-based line and
column; PATH like ``depots[1].stock.water_l``, left out for the document as a
whole). Problems with the file itself — it does not exist, is a directory
or a pipe, is too large — have no position: ``FILE: message``; what is wrong
with its content (binary data, nesting too deep) is located where it is.

Reading goes in four steps, each refusing what it can see:

1. the file: exists, is a regular file (never a pipe or device, which could
   block or never end) of at most :data:`MAX_FILE_BYTES`, is UTF-8 text
   (checked before YAML sees it);
2. YAML: well-formed, one document, a mapping, no duplicate keys, no tags
   that would build objects (:mod:`sim.scenarios.yaml_nodes`);
3. the schema: the pydantic models (:mod:`sim.scenarios.models`), their
   errors mapped back onto the YAML nodes and reworded for planners
   (:mod:`sim.scenarios.validation_messages`);
4. semantics: :func:`sim.scenarios.checks.check_scenario` (runs once the
   schema is satisfied).

The scenario keeps where it came from (``scenario._source``), so problems
found later — a node not in the road graph — are reported at their line too:
``raise locate_problems(scenario, findings)``.
"""
from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path as FilePath
from typing import Iterable

from pydantic import ValidationError

from sim.errors import InputError, Problem
from sim.scenarios.checks import Finding, check_scenario
from sim.scenarios.models import Scenario
from sim.scenarios.validation_messages import translate_validation_error
from sim.scenarios.yaml_nodes import (
    Locator,
    Path,
    YAMLSyntaxProblem,
    compose_located,
    format_path,
)

__all__ = ["load_scenario", "load_scenario_text", "locate_problems", "revalidate", "ScenarioSource",
           "MAX_FILE_BYTES", "read_yaml_text"]

_MB = 1024 * 1024
#: Scenario files larger than this are refused before they are read.
MAX_FILE_BYTES = 10 * _MB


class ScenarioSource:
    """Where a scenario was read from: the file name and a locator of its paths.

    ``aliases`` map a path prefix of a derived scenario to where it was
    written (``("depots", 3)`` → ``("interventions", 0, "depot")`` after
    :func:`sim.scenarios.interventions.apply_interventions`). A source is
    never changed after creation, so copies of a scenario share it.
    """

    def __init__(self, file: str, locator: Locator | None,
                 aliases: dict[tuple, tuple] | None = None):
        self.file = file
        self.locator = locator
        self.aliases = dict(aliases or {})

    def with_aliases(self, aliases: dict[tuple, tuple]) -> "ScenarioSource":
        return ScenarioSource(self.file, self.locator, {**self.aliases, **aliases})

    def written_path(self, path: Iterable) -> Path:
        """``path`` rewritten to where it appears in the file."""
        path = tuple(path)
        for _ in range(8):  # aliases may chain (applied twice); never loop forever
            for n in range(len(path), 0, -1):
                if path[:n] in self.aliases:
                    path = self.aliases[path[:n]] + path[n:]
                    break
            else:
                break
        return path

    def problem(self, path: Iterable, message: str) -> Problem:
        """A located :class:`Problem` for ``path`` of the scenario."""
        path = self.written_path(path)
        if self.locator is None:
            return Problem(self.file, None, None, format_path(path), message)
        span = self.locator.locate(path)
        return Problem(self.file, span.line, span.col, format_path(path), message)

    def __deepcopy__(self, memo) -> "ScenarioSource":
        return self  # immutable: shared by deep copies of the scenario

    def __repr__(self) -> str:
        return f"ScenarioSource({self.file!r})"


def locate_problems(scenario: Scenario, findings: Iterable[Finding]) -> InputError:
    """An :class:`InputError` with each ``(path, message)`` located in the scenario's file.

    Use for problems found after loading, e.g.
    ``raise locate_problems(scenario, check_against_graph(scenario, graph, snap))``.
    A scenario built in code (not loaded) has no file: its lines read
    ``<scenario>: PATH: message``.
    """
    source = getattr(scenario, "_source", None) or ScenarioSource("<scenario>", None)
    return InputError(_ordered([source.problem(path, message) for path, message in findings]))


def _ordered(problems: list[Problem]) -> list[Problem]:
    """Deduplicated, file-level problems first, then by line and column."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line is not None, p.line or 0, p.col or 0))


# ------------------------------------------------------------------ reading
def _file_problem(file: str, message: str) -> InputError:
    return InputError(Problem(file, None, None, "", message))


def _os_reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied"
    return (error.strerror or str(error)).lower()


def _read_bytes(path: FilePath, file: str, what: str) -> bytes:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise _file_problem(file, "no such file") from None
    except OSError as error:
        raise _file_problem(file, f"cannot read the file: {_os_reason(error)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise _file_problem(file, f"is a directory, not a {what} file")
    if not stat.S_ISREG(info.st_mode):
        raise _file_problem(file, f"is not a regular file (a pipe, device or socket); a {what} is a YAML "
                                  "text file")
    if info.st_size > MAX_FILE_BYTES:
        raise _file_problem(file, f"file is {info.st_size / _MB:.1f} MB; scenario files are limited to "
                                  f"{MAX_FILE_BYTES // _MB} MB")
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as error:
        raise _file_problem(file, f"cannot read the file: {_os_reason(error)}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _file_problem(file, f"file is over {MAX_FILE_BYTES // _MB} MB; scenario files are limited "
                                  f"to {MAX_FILE_BYTES // _MB} MB")
    return data


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of ``offset``."""
    return data.count(b"\n", 0, offset) + 1, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _decode(data: bytes, file: str) -> str:
    """UTF-8 text (a BOM is allowed; UTF-16/32 with a BOM too, as YAML allows)."""
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise InputError(Problem(file, 1, 1, "", f"starts like {codec.upper()} text but cannot be "
                                                         "decoded as such; save it as UTF-8")) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _position(data, nul)
        raise InputError(Problem(file, line, col, "", "is not a text file (a zero byte here: binary data); "
                                                      "a scenario is a YAML text file"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, col = _position(data, error.start)
        raise InputError(Problem(file, line, col, "", f"byte 0x{data[error.start]:02x} is not UTF-8 text; "
                                                      "save the file as UTF-8")) from None


def read_yaml_text(path: "str | os.PathLike[str]", what: str = "scenario") -> str:
    """The text of a scenario or overlay file; refuses what is not a small UTF-8 text file."""
    file = os.fspath(path)
    return _decode(_read_bytes(FilePath(file), file, what), file)


def load_scenario(path: "str | os.PathLike[str]") -> Scenario:
    """Read, validate and check a scenario file.

    Raises
    ------
    InputError
        With every problem of the file, one located line each (see the module
        docstring for the format). The CLI prints ``InputError.lines`` and
        exits with code 2.
    """
    file = os.fspath(path)
    return load_scenario_text(read_yaml_text(file), filename=file)


def load_scenario_text(text: str, filename: str = "<string>") -> Scenario:
    """Validate and check a scenario given as YAML text; ``filename`` names it in errors."""
    document = compose_located(text)
    if document is None:
        raise InputError(Problem(filename, 1, 1, "", "the file is empty; a scenario is a mapping of "
                                                     "sections, starting with e.g. 'name: ...'"))
    if isinstance(document, YAMLSyntaxProblem):
        span = document.span
        raise InputError(Problem(filename, span.line if span else None, span.col if span else None,
                                 "", document.message))
    problems = [Problem(filename, span.line, span.col, format_path(path), message)
                for path, span, message in document.problems]
    if not isinstance(document.data, dict):
        if () not in document.refused:
            problems.append(Problem(filename, document.root_span.line, document.root_span.col, "",
                                    "a scenario is a mapping of sections (name:, duration:, region:, "
                                    f"depots:, ...), but this file holds {_kind(document.data)}"))
        raise InputError(_ordered(problems))

    scenario = None
    try:
        scenario = Scenario.model_validate(document.data)
    except ValidationError as error:
        for path, span, message in translate_validation_error(error, document):
            problems.append(Problem(filename, span.line, span.col, format_path(path), message))
    if scenario is not None:
        source = ScenarioSource(filename, document.locator)
        scenario._source = source
        problems.extend(source.problem(path, message) for path, message in check_scenario(scenario))
    if problems:
        raise InputError(_ordered(problems))
    return scenario


def revalidate(scenario) -> Scenario:
    """A scenario object checked again as :func:`load_scenario` checks a file — for one changed
    in code after loading (pydantic does not check assignments): the model's own checks and
    :func:`~sim.scenarios.checks.check_scenario`'s, one :class:`InputError` line per problem
    (``<scenario>: PATH: message``, or located in its file where the path still is there).
    Returns ``scenario`` itself when it passes unchanged."""
    if not isinstance(scenario, Scenario):
        raise InputError(f"<scenario>: expected a loaded scenario (sim.load_scenario), got {type(scenario).__name__}")
    source = getattr(scenario, "_source", None) or ScenarioSource("<scenario>", None)
    try:
        # What was given (in the file or set in code) and nothing else: checks that apply to a
        # value only when it was given (a tour limit past the run's end) see what loading saw.
        data = scenario.model_dump(warnings=False, exclude_unset=True)
        checked = Scenario.model_validate(data)
    except ValidationError as error:
        raise InputError(_ordered([source.problem(tuple(e["loc"]), _lower(e["msg"].removeprefix("Value error, ")))
                                   for e in error.errors()])) from None
    except (TypeError, ValueError, AttributeError) as error:   # a part replaced by something that is no model
        first = str(error).splitlines()[0][:160]
        raise InputError(f"{source.file}: the scenario cannot be read back: a value set in code is not of its "
                         f"kind ({first}); set values as loading makes them (durations in minutes) or load the "
                         "scenario again") from None
    checked._source = source
    problems = [source.problem(path, message) for path, message in check_scenario(checked)]
    if problems:
        raise InputError(_ordered(problems))
    # The object itself when checking changed nothing (a loaded or copied scenario runs as
    # it is); else the checked one, with what was set in code made what loading makes it.
    return scenario if checked.model_dump() == scenario.model_dump(warnings=False) else checked


def _lower(message: str) -> str:
    return message[:1].lower() + message[1:]


def _kind(value) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) <= 40 else "a line of text"
    return f"the value {value!r}"

