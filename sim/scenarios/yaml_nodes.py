"""Located YAML: a scenario file as plain data plus where each value was written.

PyYAML's ``safe_load`` returns plain dicts and lists and forgets the lines they
came from, and it silently keeps the last of two equal keys. A planner who
writes ``stock:`` twice, or misspells a key on line 212, needs to be told
*where*. This module composes the file into PyYAML's node tree (every node
carries its start mark), then walks the tree itself to build plain data:

- every path in the document (``("depots", 1, "stock", "water_l")``) gets
  the line and column of its value and, for mapping entries, of its key;
- a key written twice is a problem at the second occurrence, naming the first;
- only plain YAML values are built (text, numbers, true/false, null, dates,
  lists, mappings, anchors/aliases and ``<<`` merges). Any other tag, such as
  ``!!python/object/apply:os.system``, is a problem at the tag — it is never
  constructed, so nothing in a scenario file can run code;
- recursive aliases and alias bombs are refused instead of expanding forever.

Mapping keys are kept as written (``on:`` stays the text ``"on"``, not
``True``): scenario keys are names, and YAML 1.1's boolean keys would only turn
a typo into a confusing message.
"""
from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.errors import QUOTED_MAX, quoted

__all__ = ["Path", "Span", "Locator", "LocatedDocument", "compose_located", "format_path",
           "YAMLSyntaxProblem", "MAX_NODES", "MAX_DEPTH"]

#: A position in the document: mapping keys (str) and list indices (int).
Path = tuple

#: Nodes a document may expand to (aliases included) before it is refused.
MAX_NODES = 500_000
#: Deepest nesting of lists and mappings (a scenario needs about 8).
MAX_DEPTH = 100

_YAML_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE = _YAML_TAG + "map", _YAML_TAG + "seq", _YAML_TAG + "merge"
_PLAIN_SCALAR_TAGS = {_YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_SCALARS = SafeConstructor()


def format_path(path: Path) -> str:
    """``("depots", 1, "stock", "water_l")`` → ``depots[1].stock.water_l``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/object`` → ``!!python/object``."""
    return "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag


@dataclass(frozen=True)
class Span:
    """1-based line and column where a node starts."""

    line: int
    col: int

    @classmethod
    def of(cls, node: Node) -> "Span":
        return cls(node.start_mark.line + 1, node.start_mark.column + 1)


@dataclass(frozen=True)
class YAMLSyntaxProblem:
    """The file is not well-formed YAML (or not readable as YAML at all)."""

    span: Span | None
    message: str


class Locator:
    """Line and column of every path of one composed document.

    ``locate(path)`` answers for the deepest part of ``path`` that was
    written: a key the file does not contain (a missing required key, a
    default the models filled in) is located at the nearest mapping that does
    exist, which is where the planner has to add it.
    """

    def __init__(self, values: dict[Path, Span], keys: dict[Path, Span]):
        self._values = values
        self._keys = keys

    def __contains__(self, path: Path) -> bool:
        return tuple(path) in self._values

    def written_prefix(self, path: Path) -> Path:
        """The longest prefix of ``path`` present in the file."""
        path = tuple(path)
        while path and path not in self._values:
            path = path[:-1]
        return path

    def locate(self, path: Path, at_key: bool = False) -> Span:
        """Where ``path`` was written: its value, or its key if ``at_key``."""
        path = tuple(path)
        if at_key and path in self._keys:
            return self._keys[path]
        return self._values.get(self.written_prefix(path), Span(1, 1))


@dataclass
class LocatedDocument:
    """Plain data of one YAML document, its locator and its YAML-level problems.

    ``problems`` are ``(path, span, message)`` for duplicate keys, refused tags
    and bad aliases. ``refused`` holds the paths whose value was replaced by
    ``None`` because it could not be built; validation errors at or below
    them are noise and are dropped by the loader.
    """

    data: Any
    locator: Locator
    root_span: Span
    problems: list[tuple[Path, Span, str]] = field(default_factory=list)
    refused: set[Path] = field(default_factory=set)


class _TooManyNodes(Exception):
    pass


class _TooDeep(Exception):
    def __init__(self, mark):
        super().__init__()
        self.mark = mark


class _Builder:
    """Walks a composed node tree into plain data, recording spans and problems."""

    def __init__(self, max_nodes: int) -> None:
        self.max_nodes = max_nodes
        self.values: dict[Path, Span] = {}
        self.keys: dict[Path, Span] = {}
        self.problems: list[tuple[Path, Span, str]] = []
        self.refused: set[Path] = set()
        self._active: set[int] = set()
        self._count = 0

    def _refuse(self, path: Path, span: Span, message: str) -> None:
        self.problems.append((path, span, message))
        self.refused.add(path)

    def build(self, node: Node, path: Path) -> Any:
        self._count += 1
        if self._count > self.max_nodes:
            raise _TooManyNodes
        if len(path) >= MAX_DEPTH and not isinstance(node, ScalarNode):
            raise _TooDeep(node.start_mark)
        span = Span.of(node)
        self.values[path] = span
        if id(node) in self._active:
            self._refuse(path, span, "this alias refers to a mapping or list that contains it "
                                     "(a recursive alias); write the values out instead")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path, span)
        if node.tag not in (_MAP, _SEQ):
            self._refuse(path, span, _refused_tag_message(node.tag))
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            return self._mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode, path: Path, span: Span) -> Any:
        if node.tag not in _PLAIN_SCALAR_TAGS:
            self._refuse(path, span, _refused_tag_message(node.tag))
            return None
        if node.tag in _NUMBER_TAGS and not node.style:            # plain, not quoted
            unusual = _unusual_number(node.value)
            if unusual:
                self._refuse(path, span, unusual)
                return None
        try:
            return SafeConstructor.yaml_constructors[node.tag](_SCALARS, node)
        except (ConstructorError, ValueError, TypeError):
            self._refuse(path, span, f"cannot read {quoted(node.value)} as {short_tag(node.tag)}")
            return None

    def _key(self, node: Node, path: Path) -> str | None:
        if isinstance(node, ScalarNode) and node.tag in _PLAIN_SCALAR_TAGS:
            return node.value
        if isinstance(node, ScalarNode):
            self.problems.append((path, Span.of(node), _refused_tag_message(node.tag)))
        else:
            self.problems.append((path, Span.of(node), "a key must be a plain name, "
                                                       "not a list or a mapping"))
        return None

    def _mapping(self, node: MappingNode, path: Path) -> dict:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self._key(key_node, path)
            if key is None:
                continue
            key_span = Span.of(key_node)
            if key in first_line:
                self.problems.append((path + (key,), key_span,
                                      f"duplicate key {key!r} (first written on line {first_line[key]}); "
                                      "YAML would silently keep only this one — remove one of them"))
            first_line.setdefault(key, key_span.line)
            self.keys[path + (key,)] = key_span
            result[key] = self.build(value_node, path + (key,))
        # ``<<: *defaults`` — explicit keys win over merged ones, earlier merges over later.
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, MappingNode) or source.tag != _MAP:
                    self.problems.append((path, Span.of(source), "'<<' merges a mapping (or a list of "
                                                                 "mappings) into this one"))
                    continue
                for key_node, value_node in source.value:
                    key = self._key(key_node, path)
                    if key is None or key in result or key_node.tag == _MERGE:
                        continue
                    self.keys[path + (key,)] = Span.of(key_node)
                    result[key] = self.build(value_node, path + (key,))
        return result


_NUMBER_TAGS = {_YAML_TAG + "int", _YAML_TAG + "float"}
#: A whole number as a reader sees it: decimal digits, no leading zero (``1_000`` allowed).
_DECIMAL_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def _unusual_number(text: str) -> str | None:
    """Why a plain number YAML 1.1 reads in a form a reader would misread is refused (octal
    ``010`` is 8, base-60 ``1:30`` is 90, ``0x10`` is 16), or ``None`` for an ordinary number."""
    body = text.lstrip("+-")
    if ":" in body:
        return (f"YAML reads {quoted(text)} as a base-60 number{_yaml_value(text)}; for a duration write e.g. "
                "'1h30min', for a number write it in decimal")
    if re.fullmatch(r"0[xX][0-9a-fA-F_]+|0[bB][01_]+", body):
        return f"YAML reads {quoted(text)} as a number in base {16 if body[1] in 'xX' else 2}" \
               f"{_yaml_value(text)}; write the number in decimal"
    if re.fullmatch(r"0[0-7_]+", body) and not _DECIMAL_INT.fullmatch(text):
        return (f"YAML reads {quoted(text)} as an octal number{_yaml_value(text)}; write it without the "
                "leading zero")
    return None


def _yaml_value(text: str) -> str:
    """`` (the number YAML reads)`` for a short ``text``; nothing for one too long to show."""
    if len(text) > QUOTED_MAX:
        return ""
    node = ScalarNode(yaml.resolver.Resolver().resolve(ScalarNode, text, (True, False)), text)
    return f" ({SafeConstructor.yaml_constructors[node.tag](_SCALARS, node)})"


def _refused_tag_message(tag: str) -> str:
    return (f"the YAML tag {short_tag(tag)!r} is not allowed: scenario files hold only plain values "
            "(text, numbers, true/false, lists and mappings)")


def _too_deep(mark) -> YAMLSyntaxProblem:
    return YAMLSyntaxProblem(Span(mark.line + 1, mark.column + 1),
                             f"lists and mappings are nested more than {MAX_DEPTH} deep here; a scenario nests "
                             "a few levels")


class _ComposeLoader(yaml.SafeLoader):
    """SafeLoader used only to *compose* nodes; nothing is constructed by it.

    Composing recurses once per level of nesting: a list nested deeper than
    :data:`MAX_DEPTH` is refused where it starts, before Python's recursion
    limit is reached. This pure-Python loader is the fallback; where PyYAML
    has libyaml (:data:`_FAST_LOADER`), that composes about ten times faster
    and refuses nesting beyond 1,000 levels itself.
    """

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _syntax_problem(error: yaml.YAMLError, text: str) -> YAMLSyntaxProblem:
    if isinstance(error, yaml.reader.ReaderError):
        before = text[:error.position]
        span = Span(before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1)
        return YAMLSyntaxProblem(span, f"character #x{error.character:04x} is not allowed in a YAML "
                                       "text file (control characters are refused)")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    span = Span(mark.line + 1, mark.column + 1) if mark is not None else None
    problem = (getattr(error, "problem", None) or str(error)).replace("did not find expected", "expected")
    context = getattr(error, "context", None)
    if problem == "exceeded maximum nesting depth" and mark is not None:
        return _too_deep(mark)
    if "'\\t'" in problem or "tab" in problem or _char_at(text, mark) == "\t":
        return YAMLSyntaxProblem(span, "a tab character here: YAML indents with spaces, "
                                       "not tabs — replace the tab with spaces")
    if context == "expected a single document in the stream":
        return YAMLSyntaxProblem(span, "a second YAML document starts here ('---'); "
                                       "a scenario file holds exactly one")
    message = f"YAML syntax error: {problem}"
    context_mark = getattr(error, "context_mark", None)
    if context and context_mark is not None and context_mark is not mark:
        message += f" ({context} started on line {context_mark.line + 1}, column {context_mark.column + 1})"
    return YAMLSyntaxProblem(span, message)


#: libyaml's composer, if PyYAML was built with it.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _char_at(text: str, mark) -> str:
    if mark is None:
        return ""
    lines = text.split("\n", mark.line + 1)
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column] if mark.column < len(line) else ""


def compose_located(text: str, max_nodes: int | None = None) -> LocatedDocument | YAMLSyntaxProblem | None:
    """Compose ``text`` into a :class:`LocatedDocument` (see :func:`_compose_located`).

    The cyclic garbage collector is paused meanwhile: composing allocates one
    object per value and nothing to collect, and collections over a large
    file's nodes took most of its time.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compose_located(text, max_nodes)
    finally:
        if collecting:
            gc.enable()


def _compose_located(text: str, max_nodes: int | None) -> LocatedDocument | YAMLSyntaxProblem | None:
    """Compose ``text`` into a :class:`LocatedDocument`.

    Returns a :class:`YAMLSyntaxProblem` if the text is not well-formed YAML
    or expands (through aliases) to more than ``max_nodes`` values (default
    :data:`MAX_NODES`), and ``None`` if it holds no document (empty, or only
    comments).
    """
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    try:
        loader = (_FAST_LOADER or _ComposeLoader)(text)
    except yaml.YAMLError as error:  # unprintable characters are refused by the reader
        return _syntax_problem(error, text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as error:
        return _syntax_problem(error, text)
    except _TooDeep as error:
        return _too_deep(error.mark)
    finally:
        loader.dispose()
    if root is None:
        return None
    builder = _Builder(max_nodes)
    try:
        data = builder.build(root, ())
    except _TooManyNodes:
        if "&" in text:        # an anchor: aliases may repeat it
            return YAMLSyntaxProblem(Span.of(root), f"the document expands to more than {max_nodes:,} values "
                                                    "(aliases repeated inside aliases?); write it out plainly")
        return YAMLSyntaxProblem(Span.of(root), f"the document holds more than {max_nodes:,} values, the most a "
                                                "scenario may; keep large tables in region files")
    except _TooDeep as error:
        return _too_deep(error.mark)
    return LocatedDocument(data, Locator(builder.values, builder.keys), Span.of(root),
                           builder.problems, builder.refused)
