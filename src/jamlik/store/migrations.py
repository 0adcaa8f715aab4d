"""Versioned schema migrations.

Each migration is a numbered SQL file in ``jamlik/store/migrations/`` (``001_core.sql`` …). They
are applied in order, each inside one transaction together with its row in ``schema_version``, so
a warehouse is always at a well-defined version. Never edit a released migration: add a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_NAME = re.compile(r"(\d{3})_([a-z0-9_]+)\.sql")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


@cache
def _load() -> tuple[Migration, ...]:
    folder = resources.files("jamlik.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _NAME.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, … without gaps; found {versions}")
    return tuple(found)


class _Migrations:
    """Lazy sequence of the shipped migrations."""

    def __iter__(self):
        return iter(_load())

    def __len__(self) -> int:
        return len(_load())

    def __getitem__(self, index):
        return _load()[index]

    @property
    def latest(self) -> int:
        return _load()[-1].version


MIGRATIONS = _Migrations()
