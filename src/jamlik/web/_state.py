"""What the web app holds while it runs: a read-only snapshot connection and the readers.

Everything it reads from the snapshot is a named query of :mod:`jamlik.store.queries`; the
published snapshot holds only :data:`jamlik.store.snapshots.PUBLISHED_TABLES`, so nothing here
reads a person-level table.
"""

from __future__ import annotations

import contextvars
import threading
import time
from pathlib import Path

from jamlik.geo import AreaRegistry
from jamlik.model import Settings
from jamlik.model.catalogue import Catalogue, load_catalogue
from jamlik.profiles import ProfileReader
from jamlik.profiles.served import Coverage, read_coverage, served_catalogue
from jamlik.store import Connection, SnapshotReader, queries

#: Seconds a replaced snapshot stays open for requests that started on it.
GRACE = 120.0


class _Generation:
    """One opened snapshot and everything read from it (coverage, catalogue, registry, profile
    reader)."""

    def __init__(self, path: Path, stamp: tuple, catalogue_dirs: tuple[Path, ...]):
        self.path = path
        self.stamp = stamp
        self.con = SnapshotReader(path)
        cur = self.con.cursor()
        #: The home region and the synthetic region of this snapshot (``meta``).
        self.coverage: Coverage = read_coverage(cur)
        #: The shipped, external and region's own indicators and this snapshot's survey
        #: questions.
        self.catalogue: Catalogue = served_catalogue(cur, catalogue_dirs)
        self.retired_at: float | None = None
        self._lock = threading.Lock()
        self._registry: AreaRegistry | None = None
        self._reader: ProfileReader | None = None
        self._tables: set[str] | None = None
        self._provenance: dict[str, dict] | None = None
        self._synthetic_tables: frozenset[str] | None = None
        self._has_figures: bool | None = None

    def published_file(self, name: str, fmt: str) -> Path | None:
        """The file prebuilt at publish time for table ``name`` in format ``fmt``
        (``published_files``), when it is a file in the snapshot's folder."""
        if not self.has_table("published_files"):
            return None
        folder = self.path.parent.resolve()
        for relative in queries.published_file_paths(self.con.cursor(), name, fmt):
            path = (folder / str(relative)).resolve()
            if path.is_relative_to(folder) and path.is_file():
                return path
        return None

    def has_table(self, name: str) -> bool:
        if self._tables is None:
            self._tables = queries.table_names(self.con.cursor())
        return name in self._tables

    def registry(self) -> AreaRegistry:
        with self._lock:
            if self._registry is None:
                if self.has_table("areas") and queries.has_rows(self.con.cursor(), "areas"):
                    self._registry = AreaRegistry.from_warehouse(self.con.cursor())
                else:
                    self._registry = AreaRegistry.builtin()
            return self._registry

    def provenance(self) -> dict[str, dict]:
        """Per indicator: when its figures were last loaded, by which load, from which source
        (read once per snapshot: two small grouped queries)."""
        with self._lock:
            if self._provenance is None:
                self._provenance = (queries.indicator_updates(
                    self.con.cursor(), with_sources=self.has_table("source_loads"))
                    if self.has_table("observations") else {})
            return self._provenance

    def synthetic_tables(self) -> frozenset[str]:
        with self._lock:
            if self._synthetic_tables is None:
                self._synthetic_tables = (queries.synthetic_targets(self.con.cursor())
                                          if self.has_table("loads") else frozenset())
            return self._synthetic_tables

    def has_figures(self) -> bool:
        with self._lock:
            if self._has_figures is None:
                self._has_figures = self.has_table("observations") and queries.has_rows(
                    self.con.cursor(), "observations")
            return self._has_figures

    def loaded_kinds(self) -> tuple[str, ...]:
        if not self.has_table("loads"):
            return ()
        return queries.loaded_kinds(self.con.cursor())

    def reader(self) -> ProfileReader | None:
        if not self.has_table("observations"):
            return None
        registry = self.registry()
        with self._lock:
            if self._reader is None:
                self._reader = ProfileReader(self.con, registry, self.catalogue,
                                             self.coverage)
            return self._reader


#: The generation a request started on, and when (each request runs in its own context copy).
_PINNED: contextvars.ContextVar[tuple[_Generation, float] | None] = contextvars.ContextVar(
    "jamlik_snapshot", default=None)
#: A pin older than this is not a request in flight (e.g. a caller outside any request).
PIN_SECONDS = 30.0


class AppState:
    """Opens the published snapshot read-only; switches when a new one is published.

    Writers publish with an atomic rename (:func:`jamlik.store.snapshots.publish`); the app
    notices the new file by its inode and modification time and opens it for the requests that
    start afterwards. A request stays on the snapshot it started on (a context variable pins
    it), and a replaced snapshot is closed only after :data:`GRACE` seconds and the next switch,
    so no request ever sees a closed connection or a mix of two snapshots. Until the first
    snapshot is published the app serves the working warehouse (``Settings.serving_path``).
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._current: _Generation | None = None
        self._retired: list[_Generation] = []
        self.switches = 0

    @property
    def path(self) -> Path:
        return self.settings.serving_path

    @staticmethod
    def _stamp(path: Path) -> tuple | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return (str(path), st.st_ino, st.st_mtime_ns, st.st_size)

    def _generation(self) -> _Generation | None:
        pinned = _PINNED.get()
        if pinned is not None and time.monotonic() - pinned[1] < PIN_SECONDS:
            return pinned[0]
        path = self.path
        stamp = self._stamp(path)
        current = self._current
        if current is None or current.stamp != stamp:
            with self._lock:
                path = self.path
                stamp = self._stamp(path)
                current = self._current
                if stamp is not None and (current is None or current.stamp != stamp):
                    current = self._switch(path, stamp)
        if current is not None:
            _PINNED.set((current, time.monotonic()))
        return current

    def _switch(self, path: Path, stamp: tuple) -> _Generation:
        fresh = _Generation(path, stamp, tuple(self.settings.catalogue_dirs))
        now = time.monotonic()
        if self._current is not None:
            self._current.retired_at = now
            self._retired.append(self._current)
        keep = []
        for old in self._retired:
            if old is not self._current and now - old.retired_at > GRACE:
                old.con.close()
            else:
                keep.append(old)
        self._retired = keep
        self._current = fresh
        self.switches += 1
        return fresh

    def stamp(self) -> tuple | None:
        """Identity of the snapshot this request reads (path, inode, mtime, size): a cache key
        that changes whenever a new snapshot is served."""
        gen = self._generation()
        return gen.stamp if gen is not None else None

    def cursor(self) -> Connection | None:
        gen = self._generation()
        return gen.con.cursor() if gen is not None else None

    def _has_table(self, name: str) -> bool:
        gen = self._generation()
        return gen is not None and gen.has_table(name)

    def registry(self) -> AreaRegistry:
        gen = self._generation()
        return gen.registry() if gen is not None else AreaRegistry.builtin()

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue of the snapshot being served (the shipped one before there is any)."""
        gen = self._generation()
        if gen is not None:
            return gen.catalogue
        return load_catalogue(include_external=True,
                              extra_dirs=tuple(str(d) for d in self.settings.catalogue_dirs))

    @property
    def coverage(self) -> Coverage:
        """Home region and synthetic region of the snapshot being served."""
        gen = self._generation()
        return gen.coverage if gen is not None else Coverage()

    def synthetic_tables(self) -> frozenset[str]:
        """The tables a synthetic load wrote (``loads.target``, e.g. the demo's)."""
        gen = self._generation()
        return gen.synthetic_tables() if gen is not None else frozenset()

    def reader(self) -> ProfileReader | None:
        gen = self._generation()
        return gen.reader() if gen is not None else None

    def published_file(self, name: str, fmt: str) -> Path | None:
        """See :meth:`_Generation.published_file` (None before anything is published)."""
        gen = self._generation()
        return gen.published_file(name, fmt) if gen is not None else None

    def provenance(self) -> dict[str, dict]:
        """See :func:`jamlik.store.queries.indicator_updates`; cached for the snapshot being
        served."""
        gen = self._generation()
        return gen.provenance() if gen is not None else {}

    def has_figures(self) -> bool:
        """Whether the snapshot has any published observation."""
        gen = self._generation()
        return gen is not None and gen.has_figures()

    def loaded_kinds(self) -> tuple[str, ...]:
        """The kinds of data loaded with ``jamlik load`` (or the demo), e.g. ``population``."""
        gen = self._generation()
        return gen.loaded_kinds() if gen is not None else ()

    def population(self) -> dict[str, int]:
        """Published population (``population_total``) of the latest year per kommun."""
        if not self._has_table("observations"):
            return {}
        return queries.kommun_population(self.cursor())

    def describe(self) -> dict:
        """What ``/api/health`` shows: the file's name, never its place on the server's disk."""
        gen = self._generation()
        if gen is None:
            return {"file": self.path.name, "exists": False}
        version = (queries.schema_version(gen.con.cursor())
                   if gen.has_table("schema_version") else 0)
        return {"file": gen.path.name, "exists": True, "schema": version,
                "published": gen.path == self.settings.published}
