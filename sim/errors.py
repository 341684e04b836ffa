"""Errors a user can cause, as opposed to bugs.

Anything wrong with the input — a malformed scenario, a missing file, a road
graph that cannot be read — raises an :class:`InputError`. Its ``problems``
are the lines to print, one per problem, each already located
(``FILE:LINE:COL: PATH: message``). The CLI prints them and exits with code 2;
every other exception is a bug and keeps its traceback.
"""
from __future__ import annotations

__all__ = ["InputError", "Problem"]

from dataclasses import dataclass


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
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class InputError(Exception):
    """Bad input: one or more problems, each a printable line."""

    def __init__(self, problems: "list[Problem | str] | Problem | str"):
        if not isinstance(problems, list):
            problems = [problems]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]
