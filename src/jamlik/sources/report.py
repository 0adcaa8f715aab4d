"""Validation reports: issues that name file/table, row, column, value and rule, in sv and en."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa
import yaml

from jamlik.model.errors import DataError
from jamlik.model.i18n import LANGUAGES

__all__ = ["Issue", "Severity", "ValidationReport", "message"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("jamlik.sources").joinpath("messages.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    for key, entry in data.items():
        if not all(lang in entry for lang in LANGUAGES):
            raise KeyError(f"translation {key!r} lacks one of {LANGUAGES}")
    return data


def message(key: str, lang: str = "sv", /, **values: Any) -> str:
    """Translate a ``sources.*`` key (the package's own catalogue until the lead merges it)."""
    entry = _catalogue().get(key)
    if entry is None:
        raise KeyError(f"no translation for {key!r} in jamlik/sources/messages.yaml")
    text = entry[lang if lang in LANGUAGES else "sv"]
    return text.format(**values) if values else text


@dataclass(frozen=True)
class Issue:
    """One broken rule at one place. ``row`` is 1-based as the analyst sees it in the file."""

    severity: Severity
    rule: str
    source: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "sv") -> str:
        params = {
            k: (message(v[0], lang, **v[1]) if isinstance(v, tuple) else v)
            for k, v in self.params.items()
        }
        return message(f"sources.rule.{self.rule}", lang, **params)

    def render(self, lang: str = "sv") -> str:
        where = [self.source]
        if self.row is not None:
            where.append(message("sources.where.row", lang, row=self.row))
        if self.column is not None:
            where.append(message("sources.where.column", lang, column=self.column))
        if self.value is not None:
            where.append(message("sources.where.value", lang, value=repr(self.value)))
        severity = message(f"sources.severity.{self.severity}", lang)
        return f"{', '.join(where)}: {severity} [{self.rule}] {self.message(lang)}"

    def as_dict(self, lang: str = "sv") -> dict[str, Any]:
        return {
            "severity": str(self.severity),
            "rule": self.rule,
            "source": self.source,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "message": self.message(lang),
        }


@dataclass(frozen=True)
class ValidationReport:
    """All issues of one file or table, errors first, then in row order."""

    source: str
    issues: tuple[Issue, ...] = ()
    omitted: Mapping[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """No errors (warnings may remain)."""
        return not self.errors and not self._omitted(Severity.ERROR)

    def _omitted(self, severity: Severity) -> int:
        listed = {i.rule: i.severity for i in self.issues}
        return sum(n for rule, n in self.omitted.items() if listed.get(rule) == severity)

    def passes(self, accept_warnings: bool = False) -> bool:
        """True when the data may be written: no errors, and no warnings unless accepted."""
        return self.ok and (
            accept_warnings or not (self.warnings or self._omitted(Severity.WARNING))
        )

    def rules(self) -> set[str]:
        return {issue.rule for issue in self.issues}

    def render(self, lang: str = "sv", limit: int | None = None) -> str:
        if not self.issues:
            return message("sources.report.ok", lang, source=self.source)
        lines = [
            message(
                "sources.report.summary",
                lang,
                source=self.source,
                errors=len(self.errors) + self._omitted(Severity.ERROR),
                warnings=len(self.warnings) + self._omitted(Severity.WARNING),
            )
        ]
        shown = self.issues if limit is None else self.issues[:limit]
        lines += [f"- {issue.render(lang)}" for issue in shown]
        hidden = len(self.issues) - len(shown) + sum(self.omitted.values())
        if hidden:
            lines.append(f"- {message('sources.report.more', lang, n=hidden)}")
        return "\n".join(lines)

    def to_table(self, lang: str = "sv") -> pa.Table:
        rows = [issue.as_dict(lang) for issue in self.issues]
        schema = pa.schema(
            [
                ("severity", pa.string()),
                ("rule", pa.string()),
                ("source", pa.string()),
                ("row", pa.int64()),
                ("column", pa.string()),
                ("value", pa.string()),
                ("message", pa.string()),
            ]
        )
        return pa.Table.from_pylist(rows, schema=schema)

    def raise_for_errors(
        self, accept_warnings: bool = False, lang: str = "en", shown: int = 5
    ) -> None:
        """Raise :class:`DataError` naming the first issue (and summarising the next few) unless
        :meth:`passes`. Warnings block too, unless ``accept_warnings=True``."""
        if self.passes(accept_warnings):
            return
        blocking = self.errors or self.warnings
        first = blocking[0]
        rest = [issue.render(lang) for issue in blocking[1:shown]]
        hint_parts = []
        if not self.errors:
            hint_parts.append(message("sources.report.unaccepted_warnings", lang))
        if rest:
            hint_parts.append("; ".join(rest))
        if len(blocking) > shown:
            hint_parts.append(message("sources.report.more", lang, n=len(blocking) - shown))
        raise DataError(
            f"[{first.rule}] {first.message(lang)}",
            file=first.source,
            row=first.row,
            column=first.column,
            value=first.value,
            hint=". ".join(hint_parts) or None,
        )
