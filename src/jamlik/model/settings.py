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
    #: The read-only snapshot the web app serves; ``None`` means ``<db dir>/published/<db name>``
    #: (``data/published/jamlik.duckdb`` for the default warehouse). See :attr:`serving_path`.
    published_path: Path | None = None
    language: str = "sv"
    seed: int = 20240501
    threads: int | None = None
    #: The region's own indicator folders (``$JAMLIK_CATALOGUE``, separated by ``os.pathsep``),
    #: added to the shipped catalogue (a file with a shipped id replaces it).
    catalogue_dirs: tuple[Path, ...] = ()
    #: Further settings by name. The web app reads ``secret``, ``strategy_db``,
    #: ``trusted_proxies`` (``$JAMLIK_TRUSTED_PROXIES``: comma-separated proxy addresses whose
    #: X-Forwarded-Proto/-For are believed) and ``https`` (``$JAMLIK_HTTPS=1``: Secure cookies
    #: even when the request looks like plain HTTP); see docs/deploy.md.
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls()
        if env.get("JAMLIK_DB"):
            settings = replace(settings, db_path=Path(env["JAMLIK_DB"]))
        if env.get("JAMLIK_PUBLISHED"):
            settings = replace(settings, published_path=Path(env["JAMLIK_PUBLISHED"]))
        if env.get("JAMLIK_LANG"):
            settings = replace(settings, language=env["JAMLIK_LANG"])
        web = {key: env[name] for key, name in (("trusted_proxies", "JAMLIK_TRUSTED_PROXIES"),
                                                 ("https", "JAMLIK_HTTPS")) if env.get(name)}
        if web:
            settings = replace(settings, extra={**settings.extra, **web})
        if env.get("JAMLIK_CATALOGUE"):
            settings = replace(settings, catalogue_dirs=tuple(
                Path(p) for p in env["JAMLIK_CATALOGUE"].split(os.pathsep) if p))
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if "db_path" in overrides:
            overrides["db_path"] = Path(overrides["db_path"])
        if "published_path" in overrides:
            overrides["published_path"] = Path(overrides["published_path"])
        if "catalogue_dirs" in overrides:
            overrides["catalogue_dirs"] = tuple(Path(p) for p in overrides["catalogue_dirs"])
        return replace(settings, **overrides)

    @property
    def published(self) -> Path:
        """Where writers publish the read-only snapshot (explicit, or beside the warehouse)."""
        if self.published_path is not None:
            return Path(self.published_path)
        db = Path(self.db_path)
        return db.parent / "published" / db.name

    @property
    def serving_path(self) -> Path:
        """What readers (the web app) open: only ever the published snapshot, never the working
        warehouse with its person-level tables (until a first publish the app has nothing to
        show and says so)."""
        return self.published
