"""Exceptions: few, under one base, each also a builtin so callers can catch either."""

from __future__ import annotations

from dataclasses import dataclass


class CorridorError(Exception):
    """Base of every error `corridor` raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in input data: where it is and what is wrong."""

    message: str
    file: str | None = None
    row: int | None = None  # 1-based line number in the file (header is line 1)
    field: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        loc = ", ".join(where)
        val = "" if self.value is None else f" (got {self.value!r})"
        return f"{loc}: {self.message}{val}" if loc else f"{self.message}{val}"


class ValidationError(CorridorError, ValueError):
    """Input data is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: list[Problem] = list(problems)
        head = f"{len(self.problems)} problem(s) found:" if len(self.problems) > 1 else ""
        body = "\n".join(f"  - {p}" for p in self.problems) if head else str(self.problems[0])
        super().__init__(f"{head}\n{body}" if head else body)


class NotFoundError(CorridorError, LookupError):
    """A named thing (place, link, scenario) does not exist; the message suggests close matches."""


class NoRouteError(CorridorError, LookupError):
    """No path satisfies the constraints."""


class PhysicsError(CorridorError, ValueError):
    """A computation would give a physically impossible answer (e.g. absolute pressure <= 0)."""
