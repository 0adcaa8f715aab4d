"""Explicit settings, passed in rather than read at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DB = Path("data/jamlik.duckdb")


@dataclass(frozen=True)
class Settings:
    """Where the warehouse lives and how the app behaves.

    Build with :meth:`from_env` at the edge of the program (CLI, web start-up); pass the object
    down. Nothing in jamlik reads the environment at import time.
    """

    db_path: Path = DEFAULT_DB
    language: str = "sv"
    seed: int = 20240501
    threads: int | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls()
        if env.get("JAMLIK_DB"):
            settings = replace(settings, db_path=Path(env["JAMLIK_DB"]))
        if env.get("JAMLIK_LANG"):
            settings = replace(settings, language=env["JAMLIK_LANG"])
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if "db_path" in overrides:
            overrides["db_path"] = Path(overrides["db_path"])
        return replace(settings, **overrides)
