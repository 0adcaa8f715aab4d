"""What the web app holds while it runs: a read-only warehouse connection and the readers."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from jamlik.geo import AreaRegistry
from jamlik.model import Settings
from jamlik.model.catalogue import Catalogue, load_catalogue
from jamlik.profiles import ProfileReader


class AppState:
    """Opens the warehouse read-only on first use; reopens it when the file is replaced.

    Readers never write, so any number of app processes can serve beside a refresh that publishes
    a new warehouse file (see ``jamlik refresh``): the app notices the new file by its inode and
    modification time and switches to it between requests.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.catalogue: Catalogue = load_catalogue()
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple | None = None
        self._registry: AreaRegistry | None = None
        self._reader: ProfileReader | None = None

    @property
    def path(self) -> Path:
        return Path(self.settings.db_path)

    def _current_stamp(self) -> tuple | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _ensure(self) -> None:
        stamp = self._current_stamp()
        if stamp == self._stamp and (self._con is not None or stamp is None):
            return
        with self._lock:
            stamp = self._current_stamp()
            if stamp == self._stamp and (self._con is not None or stamp is None):
                return
            old = self._con
            self._con = duckdb.connect(str(self.path), read_only=True) if stamp else None
            self._stamp = stamp
            self._registry = None
            self._reader = None
            if old is not None:
                old.close()

    def cursor(self) -> duckdb.DuckDBPyConnection | None:
        self._ensure()
        return self._con.cursor() if self._con is not None else None

    def _has_table(self, name: str) -> bool:
        cur = self.cursor()
        if cur is None:
            return False
        return bool(cur.execute("SELECT count(*) FROM information_schema.tables WHERE "
                                "table_name = ?", [name]).fetchone()[0])

    def registry(self) -> AreaRegistry:
        self._ensure()
        if self._registry is None:
            if self._has_table("areas") and self.cursor().execute(
                    "SELECT count(*) FROM areas").fetchone()[0]:
                self._registry = AreaRegistry.from_warehouse(self.cursor())
            else:
                self._registry = AreaRegistry.builtin()
        return self._registry

    def reader(self) -> ProfileReader | None:
        self._ensure()
        if self._reader is None and self._has_table("observations"):
            self._reader = ProfileReader(self._con, self.registry(), self.catalogue)
        return self._reader

    def population(self) -> dict[str, int]:
        """Population on 31 Dec of the latest year per kommun in the region (demo data)."""
        if not self._has_table("person_years"):
            return {}
        rows = self.cursor().execute(
            "SELECT kommun_code, count(*) FROM person_years WHERE year = "
            "(SELECT max(year) FROM person_years) GROUP BY 1").fetchall()
        return dict(rows)

    def describe(self) -> dict:
        cur = self.cursor()
        if cur is None:
            return {"path": str(self.path), "exists": False}
        version = cur.execute("SELECT max(version) FROM schema_version").fetchone()[0] \
            if self._has_table("schema_version") else 0
        return {"path": str(self.path), "exists": True, "schema": version}
