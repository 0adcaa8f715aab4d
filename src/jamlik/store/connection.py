"""Read-only connections to a warehouse or a published snapshot, and the names other layers use
for DuckDB's connection and error types.

Only :mod:`jamlik.store` imports DuckDB (``make lint`` checks it with import-linter). A layer that
only reads opens the file here: :func:`connect_read_only` for a one-off read of a warehouse file,
:class:`SnapshotReader` for a long-lived reader that must see the file at its path *now* (the web
app, which switches to each newly published snapshot). Type hints name :data:`Connection`; code
that handles a failed query catches :data:`DatabaseError`.

>>> import pathlib, tempfile
>>> from jamlik.store import SnapshotReader, Warehouse
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder) / "w.duckdb"
...     with Warehouse(path) as wh:
...         _ = wh.migrate()
...     snapshot = SnapshotReader(path)
...     print(snapshot.execute("SELECT count(*) > 0 FROM schema_version").fetchone()[0])
...     snapshot.close()
True
"""

from __future__ import annotations

from pathlib import Path

import duckdb

#: A DuckDB connection or cursor (what :attr:`Warehouse.con` and the readers here hand out).
Connection = duckdb.DuckDBPyConnection
#: The base class of every error DuckDB raises (a failed query, a locked or missing file).
DatabaseError = duckdb.Error

#: The name the snapshot file is attached under in a :class:`SnapshotReader`.
_ALIAS = "snapshot"


def connect_read_only(path: str | Path, *, threads: int | None = None) -> Connection:
    """A read-only connection to the warehouse file at ``path`` (``threads``: DuckDB's thread
    limit for this database, unset by default). Use it as a context manager to close it."""
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


class SnapshotReader:
    """A read-only snapshot attached to a private in-memory DuckDB instance.

    DuckDB caches database instances by path within a process, so ``duckdb.connect(path)``
    after the file at ``path`` was replaced would hand back the *old* database. Attaching the
    file to a fresh ``:memory:`` instance always opens the file that is at ``path`` now. Every
    cursor is pointed at the attached database (``USE``), so queries need no prefix.
    """

    def __init__(self, path: str | Path):
        self._con = duckdb.connect(":memory:")
        escaped = str(path).replace("'", "''")
        self._con.execute(f"ATTACH '{escaped}' AS {_ALIAS} (READ_ONLY)")
        self._con.execute(f"USE {_ALIAS}")

    def cursor(self) -> Connection:
        """A cursor on the snapshot (one per thread: DuckDB connections are not thread-safe)."""
        cur = self._con.cursor()
        cur.execute(f"USE {_ALIAS}")
        return cur

    def execute(self, *args, **kwargs) -> Connection:
        """Run a query on a fresh cursor (see :meth:`cursor`)."""
        return self.cursor().execute(*args, **kwargs)

    def close(self) -> None:
        self._con.close()


__all__ = ["Connection", "DatabaseError", "SnapshotReader", "connect_read_only"]
