"""Errors of strategy and plan documents, and who may do what.

A :class:`DocumentError` is a :class:`~jamlik.model.DataError` that also names *where* in the
document the bad value sits: the YAML key path (``areas[1].goals[3].target.value``, 0-based list
indices) or the Excel sheet, row and column.
"""

from __future__ import annotations

from typing import Any

from jamlik.model import DataError, JamlikError


class DocumentError(DataError):
    """A strategy or plan document breaks a rule; nothing was imported."""

    def __init__(self, rule: str, *, file: str | None = None, key: str | None = None,
                 sheet: str | None = None, row: int | None = None, column: str | None = None,
                 value: Any = None, hint: str | None = None):
        self.key = key
        self.sheet = sheet
        super().__init__(rule, file=file, row=row, column=column, value=value, hint=hint)

    def _message(self) -> str:
        where = [str(self.file)] if self.file else []
        if self.sheet is not None:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.key is not None:
            where.append(f"key {self.key!r}")
        prefix = ", ".join(where)
        value = f"value {self.value!r} — " if self.value is not None else ""
        message = f"{prefix}: {value}{self.rule}" if prefix else f"{value}{self.rule}"
        return f"{message}. {self.hint}" if self.hint else message

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "key": self.key, "sheet": self.sheet}


class PermissionDenied(JamlikError, PermissionError):
    """The user's role does not allow the action (``viewer`` < ``editor`` < ``admin``)."""

    def __init__(self, username: str | None, role: str | None, action: str, needed: str):
        self.username = username
        self.role = role
        self.action = action
        self.needed = needed
        who = "anonymous" if username is None else f"user {username!r} (role {role!r})"
        super().__init__(f"{who} may not {action}; it needs the role {needed!r} or higher")


class AuthenticationError(JamlikError):
    """Wrong user name or password (deliberately does not say which)."""
