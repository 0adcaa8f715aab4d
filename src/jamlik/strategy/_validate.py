"""Small validation helpers shared by the strategy and plan parsers.

Paths are tuples of keys and 0-based list indices; ``key_path(("areas", 1, "goals", 3))`` is
``"areas[1].goals[3]"``. A *locator* turns a path into the keyword arguments of
:class:`~jamlik.strategy.errors.DocumentError` (YAML: ``key=``; Excel: ``sheet=, row=, column=``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from jamlik.model.catalogue import Text
from jamlik.model.yaml_input import MAX_MAGNITUDE
from jamlik.strategy.errors import DocumentError

Path = tuple[str | int, ...]
Locator = Callable[[Path], dict[str, Any]]
ID = re.compile(r"[a-z][a-z0-9_]*")


def key_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def yaml_locator(path: Path) -> dict[str, Any]:
    return {"key": key_path(path) or "(document)"}


class Checker:
    """Raises :class:`DocumentError` located by ``locate``; collects ids for reference checks."""

    def __init__(self, file: str, locate: Locator = yaml_locator):
        self.file = file
        self.locate = locate

    def fail(self, path: Path, rule: str, value: Any = None, hint: str | None = None):
        raise DocumentError(rule, file=self.file, value=value, hint=hint, **self.locate(path))

    def mapping(self, data: Any, path: Path, allowed: set[str], required: set[str]) -> Mapping:
        if not isinstance(data, Mapping):
            self.fail(path, "must be a mapping (key: value)", _brief(data))
        for key in data:
            if key not in allowed:
                self.fail((*path, str(key)), f"unknown key; expected some of {sorted(allowed)}",
                          key)
        for key in sorted(required):
            if data.get(key) is None:
                self.fail((*path, key), "required key is missing")
        return data

    def sequence(self, data: Any, path: Path, *, required: bool = True) -> list:
        if data is None and not required:
            return []
        if not isinstance(data, list):
            self.fail(path, "must be a list", _brief(data))
        return data

    def ident(self, data: Mapping, path: Path, key: str = "id") -> str:
        value = data.get(key)
        if not isinstance(value, str) or not ID.fullmatch(value):
            self.fail((*path, key), "must be an id: lower-case letters, digits and underscores, "
                      "starting with a letter", value)
        return value

    def text(self, data: Mapping, path: Path, key: str, *, required: bool = True) -> Text | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, str) and value.strip():
            return Text(value.strip(), value.strip())
        if not isinstance(value, Mapping) or not isinstance(value.get("sv"), str) or \
                not value["sv"].strip():
            self.fail((*path, key, "sv"), "needs Swedish text (sv:) and, optionally, English (en:)",
                      value)
        for k in value:
            if k not in ("sv", "en"):
                self.fail((*path, key, str(k)), "unknown language; expected 'sv' or 'en'", k)
        en = value.get("en")
        if en is not None and not isinstance(en, str):
            self.fail((*path, key, "en"), "must be text", en)
        sv = value["sv"].strip()
        return Text(sv, (en or "").strip() or sv)

    def string(self, data: Mapping, path: Path, key: str, *, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail((*path, key), "must be non-empty text", value)
        return value.strip()

    def choice(self, data: Mapping, path: Path, key: str, allowed, *, default=None):
        value = data.get(key, default)
        if value not in allowed:
            self.fail((*path, key), f"must be one of {list(allowed)}", value)
        return value

    def integer(self, data: Mapping, path: Path, key: str, *, required: bool = True,
                low: int | None = None, high: int | None = None) -> int | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail((*path, key), "must be a whole number", value)
        if abs(value) > MAX_MAGNITUDE:
            self.fail((*path, key), f"must be a whole number of magnitude at most "
                      f"{MAX_MAGNITUDE:g}", value)
        if (low is not None and value < low) or (high is not None and value > high):
            rng = f"between {low} and {high}" if high is not None else f"at least {low}"
            self.fail((*path, key), f"must be {rng}", value)
        return value

    def number(self, data: Mapping, path: Path, key: str, *, required: bool = False
               ) -> float | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail((*path, key), "must be a number", value)
        if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > MAX_MAGNITUDE:
            self.fail((*path, key), f"must be a finite number (not .inf, -.inf or .nan) of "
                      f"magnitude at most {MAX_MAGNITUDE:g}", value)
        return float(value)

    def unique(self, ids: list[tuple[str, Path]], what: str) -> set[str]:
        seen: set[str] = set()
        for ident, path in ids:
            if ident in seen:
                self.fail((*path, "id"), f"duplicate {what} id; ids must be unique", ident)
            seen.add(ident)
        return seen


def _brief(value: Any) -> Any:
    text = repr(value)
    return value if len(text) <= 60 else text[:59] + "…"


def text_dict(text: Text | None) -> dict[str, str] | None:
    return None if text is None else {"sv": text.sv, "en": text.en}
