"""Errors a user can cause, as opposed to bugs.

Anything wrong with the input — a malformed scenario, a missing file, a road
graph that cannot be read — raises an :class:`InputError`. Its ``problems``
are the lines to print, one per problem, each already located
(``FILE:LINE:COL: PATH: message``). The CLI prints them and exits with code 2;
every other exception is a bug and keeps its traceback.

Lines quote what the user wrote (a key, an id, a file name). Written to a
terminal, a quoted escape sequence would act instead of showing, so every
line is made printable (:func:`printable`): control characters appear as
``\\x1b``, ``\\n`` and the like. A file with hundreds of problems prints the
first :data:`MAX_LINES_SHOWN` and a last line saying how many more there are.
"""
from __future__ import annotations

__all__ = ["InputError", "Problem", "printable", "quoted", "MAX_LINES_SHOWN", "QUOTED_MAX"]

from dataclasses import dataclass

#: Problems printed at most; the rest are counted on one more line.
MAX_LINES_SHOWN = 20


def printable(text: str) -> str:
    """``text`` with each non-printable character written as its escape (``\\x1b``, ``\\u202e``)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


#: Characters of a value a message quotes in full; a longer one is shown by its ends.
QUOTED_MAX = 40


def quoted(text: str) -> str:
    """``text`` as a message quotes it: in full up to :data:`QUOTED_MAX` characters, else its
    first and last characters and its length (a message is one readable line)."""
    if len(text) <= QUOTED_MAX:
        return repr(text)
    return f"{text[:20]!r}…{text[-12:]!r} ({len(text):,} characters)"


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file."""

    file: str
    line: int | None
    col: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return printable(f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}")


class InputError(Exception):
    """Bad input: one or more problems, each a printable line."""

    def __init__(self, problems: "list[Problem | str] | Problem | str"):
        if not isinstance(problems, list):
            problems = [problems]
        self.problems = problems
        super().__init__("\n".join(self.lines))

    @property
    def all_lines(self) -> list[str]:
        """Every problem, one printable line each."""
        return [printable(str(p)) for p in self.problems]

    @property
    def lines(self) -> list[str]:
        """The lines to print: the first :data:`MAX_LINES_SHOWN` problems, then "… and N more"."""
        lines = self.all_lines
        if len(lines) <= MAX_LINES_SHOWN:
            return lines
        more = len(lines) - MAX_LINES_SHOWN
        return lines[:MAX_LINES_SHOWN] + [f"… and {more:,} more problem{'s' if more > 1 else ''}"]
