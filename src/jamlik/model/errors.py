"""A small exception hierarchy.

Every error says what was wrong, where, and what was expected, so that an analyst can fix the
input without reading code. ``DataError`` carries file/row/column/value/rule as attributes so
that callers (CLI, web, validation reports) can render them in Swedish or English.
"""

from __future__ import annotations

from typing import Any


class JamlikError(Exception):
    """Base class of every error jamlik raises on purpose."""


class InputError(JamlikError, ValueError):
    """A function argument is invalid (wrong type, out of range, mismatched lengths).

    >>> raise InputError("n", -1, "a non-negative count")
    Traceback (most recent call last):
    ...
    jamlik.model.errors.InputError: argument 'n': expected a non-negative count, got -1
    """

    def __init__(self, argument: str, value: Any, expected: str, hint: str | None = None):
        self.argument = argument
        self.value = value
        self.expected = expected
        self.hint = hint
        message = f"argument {argument!r}: expected {expected}, got {_short(value)}"
        if hint:
            message += f". {hint}"
        super().__init__(message)


class DataError(JamlikError, ValueError):
    """A value in a file or table breaks a rule.

    The message names the file (or table), the 1-based data row, the column, the value and the
    rule, e.g. ``deso.csv, row 12, column 'kommun_kod': value '9999' — unknown kommun code``.
    """

    def __init__(
        self,
        rule: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ):
        self.rule = rule
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        value = f"value {_short(self.value)} — " if self.value is not None else ""
        message = f"{prefix}: {value}{self.rule}" if prefix else f"{value}{self.rule}"
        if self.hint:
            message += f". {self.hint}"
        return message

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "rule": self.rule,
        }


class AreaCodeError(DataError):
    """An area code is malformed or unknown."""


class SchemaError(DataError):
    """A file or table lacks a required column or has the wrong type."""


class LoadError(JamlikError):
    """A load into the warehouse failed; the warehouse was left unchanged."""


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
