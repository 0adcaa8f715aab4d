"""The DuckDB warehouse: one file, versioned schema, atomic loads.

>>> from jamlik.store import Warehouse
>>> with Warehouse(":memory:") as wh:
...     _ = wh.migrate()
...     wh.version == wh.latest_version
True
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from jamlik import __version__
from jamlik.model import DataError, LoadError, SchemaError
from jamlik.store.checks import Check
from jamlik.store.migrations import MIGRATIONS, Migration

ROW = "__row"


class Warehouse:
    """A jamlik warehouse in one DuckDB file (or ``":memory:"``).

    Open it, :meth:`migrate` it to the latest schema, load data with :meth:`load` or a
    :meth:`load_session` (several tables in one transaction), and query it through
    :attr:`con` (SQL) or :meth:`ibis` (backend-agnostic expressions).
    """

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False,
                 threads: int | None = None, memory_limit: str | None = None):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # Connection config must match other connections to the same file in this process (the
        # web app's), so settings go through SET rather than connect(config=...).
        self.read_only = read_only
        self._con = duckdb.connect(self.path, read_only=read_only)
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            # DuckDB spills what does not fit (temporary tables included) to its temp directory.
            self._con.execute("SET memory_limit = ?", [str(memory_limit)])
        if not read_only:
            # Loads never rely on insertion order (every query orders explicitly); letting
            # DuckDB write row groups in any order makes large loads about a third faster.
            self._con.execute("SET preserve_insertion_order = false")
        self._lock = threading.RLock()
        self._ibis = None

    # -- connection -------------------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for another thread (DuckDB connections are not thread-safe)."""
        return self._con.cursor()

    def ibis(self):
        """An Ibis backend on this warehouse; build engine queries as expressions on it."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self._con)
        return self._ibis

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file, so that the file alone is complete."""
        self._con.execute("CHECKPOINT")

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------
    latest_version = property(lambda self: MIGRATIONS.latest)

    @property
    def version(self) -> int:
        exists = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()[0]
        if not exists:
            return 0
        return self._con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]

    def migrate(self) -> list[Migration]:
        """Apply every migration newer than the warehouse; each in its own transaction."""
        applied = []
        current = self.version
        if current > MIGRATIONS.latest:
            raise SchemaError(
                f"the warehouse has schema version {current}, newer than this jamlik "
                f"({MIGRATIONS.latest})", file=self.path,
                hint="upgrade jamlik or use a matching warehouse",
            )
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            with self.transaction():
                self._con.execute(migration.sql)
                self._con.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    [migration.version, migration.name, _now()],
                )
            applied.append(migration)
        return applied

    def tables(self) -> dict[str, int]:
        """Row count of every table in the main schema."""
        names = [r[0] for r in self._con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()]
        return {n: self._con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}

    def columns(self, table: str) -> list[tuple[str, str, bool]]:
        """``(name, type, nullable)`` of each column of ``table``."""
        rows = self._con.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        if not rows:
            raise SchemaError(f"the warehouse has no table {table!r}", value=table)
        return [(name, dtype, nullable == "YES") for name, dtype, nullable in rows]

    @property
    def home_region(self) -> str | None:
        """The region the person-level registers cover (``jamlik init --region``), or None."""
        if not self.version:
            return None
        return self.get_meta("home_region")

    def get_meta(self, key: str) -> str | None:
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    # -- transactions and loads ---------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            self._con.execute("BEGIN TRANSACTION")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    @contextlib.contextmanager
    def load_session(self, source: str) -> Iterator[LoadSession]:
        """Load several tables in one transaction: all of them land, or none does."""
        with self.transaction():
            session = LoadSession(self, source)
            try:
                yield session
            except DataError:
                raise
            except Exception as exc:  # anything else: say the warehouse is unchanged
                raise LoadError(
                    f"loading {source!r} failed and nothing was written: {exc}"
                ) from exc

    def load(self, table: str, data: Any, *, source: str, mode: str = "append",
             checks: Sequence[Check] = (), row_numbers: Any = None,
             content_hash: str | None = None) -> int:
        """Load one table atomically (see :meth:`LoadSession.put`)."""
        with self.load_session(source) as session:
            return session.put(table, data, mode=mode, checks=checks, row_numbers=row_numbers,
                               content_hash=content_hash)


class LoadSession:
    """The tables loaded inside one transaction (see :meth:`Warehouse.load_session`)."""

    def __init__(self, warehouse: Warehouse, source: str):
        self._wh = warehouse
        self.source = source
        self.loaded: dict[str, int] = {}
        #: The id of the latest load of each table in this session.
        self.load_ids: dict[str, int] = {}

    def put(self, table: str, data: Any, *, mode: str = "append", checks: Sequence[Check] = (),
            row_numbers: Any = None, content_hash: str | None = None,
            source: str | None = None, stamp: bool = False) -> int:
        """Validate ``data`` against ``table`` and insert it.

        ``mode`` is ``"append"`` or ``"replace"`` (delete the table's rows first). Row numbers
        in error messages are 1-based data rows unless ``row_numbers`` gives the numbers the user
        sees (e.g. line numbers in a CSV file). Every column of ``data`` must exist in the table;
        every NOT NULL column of the table must be present in ``data``. With ``stamp``, rows
        without a ``load_id`` of their own get this load's id (see :meth:`replace_rows`).
        """
        if mode not in ("append", "replace"):
            raise ValueError(f"mode must be 'append' or 'replace', got {mode!r}")
        source = source or self.source
        con = self._wh.con
        arrow = _to_arrow(data)
        columns = self._wh.columns(table)
        _check_columns(arrow, columns, table, source)
        rows = np.arange(1, arrow.num_rows + 1) if row_numbers is None else np.asarray(row_numbers)
        view = f"__incoming_{table}"
        con.register(view, arrow.append_column(ROW, pa.array(rows, pa.int64())))
        try:
            _check_types(con, view, arrow, columns, source)
            for check in checks:
                check(con, view, source)
            started = _now()
            if mode == "replace":
                con.execute(f'DELETE FROM "{table}"')
            load_id = con.execute("SELECT nextval('load_id_seq')").fetchone()[0]
            names = [f'"{c}"' for c in arrow.column_names]
            values = list(names)
            if stamp and "load_id" not in arrow.column_names:
                names.append('"load_id"')
                values.append(str(int(load_id)))
            con.execute(f'INSERT INTO "{table}" ({", ".join(names)}) '
                        f'SELECT {", ".join(values)} FROM {view}')
            con.execute(
                "INSERT INTO loads (load_id, source, target, mode, rows, content_hash, started_at,"
                " finished_at, jamlik_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [load_id, source, table, mode, arrow.num_rows, content_hash, started, _now(),
                 __version__],
            )
        finally:
            con.unregister(view)
        self.loaded[table] = self.loaded.get(table, 0) + arrow.num_rows
        self.load_ids[table] = load_id
        return arrow.num_rows

    def replace_rows(self, table: str, data: Any, *, where: str = "true",
                     params: Sequence[Any] = (), **put: Any) -> int | None:
        """Replace the rows of ``table`` that match ``where`` (an SQL condition with ``?``
        parameters) by ``data``, stamping the new rows' ``load_id`` with this load's id unless
        ``data`` brings its own. Returns the load id, or None when ``data`` is empty (the
        matching rows are still deleted). ``put`` passes on to :meth:`put`."""
        self.delete(table, where, params)
        if data is None:
            return None
        arrow = _to_arrow(data)
        if not arrow.num_rows:
            return None
        self.put(table, arrow, stamp=True, **put)
        return self.load_ids[table]

    def set_meta(self, key: str, value: str) -> None:
        self._wh.con.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value]
        )

    def delete(self, table: str, where: str = "true", params: Sequence[Any] = ()) -> int:
        """Delete the rows of ``table`` that match ``where`` (an SQL condition); the count."""
        con = self._wh.con
        n = con.execute(f'SELECT count(*) FROM "{table}" WHERE {where}', list(params)).fetchone()[0]
        if n:
            con.execute(f'DELETE FROM "{table}" WHERE {where}', list(params))
        return n

    def insert_select(self, table: str, columns: Sequence[str], query: str, *,
                      params: Any = (), kind: str | None = None, synthetic: bool = False,
                      details: Mapping[str, Any] | None = None,
                      content_hash: str | None = None) -> int:
        """``INSERT INTO table (columns) query`` and record the load (with its ``kind``,
        ``synthetic`` mark and ``details``); returns the rows inserted and stamps ``load_id``
        when the table has that column."""
        con = self._wh.con
        started = _now()
        load_id = con.execute("SELECT nextval('load_id_seq')").fetchone()[0]
        names = ", ".join(f'"{c}"' for c in columns)
        before = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        con.execute(f'INSERT INTO "{table}" ({names}) {query}',
                    dict(params) if isinstance(params, Mapping) else list(params))
        rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] - before
        if any(name == "load_id" for name, _, _ in self._wh.columns(table)) \
                and "load_id" not in columns:
            con.execute(f'UPDATE "{table}" SET load_id = ? WHERE load_id IS NULL', [load_id])
        con.execute(
            "INSERT INTO loads (load_id, source, target, mode, rows, content_hash, started_at, "
            "finished_at, jamlik_version, kind, synthetic, details) "
            "VALUES (?, ?, ?, 'replace', ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, self.source, table, rows, content_hash, started, _now(), __version__, kind,
             synthetic, None if details is None else json.dumps(details, ensure_ascii=False,
                                                                 default=str)])
        self.loaded[table] = self.loaded.get(table, 0) + rows
        return rows


def _to_arrow(data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if hasattr(data, "to_arrow"):  # polars
        return data.to_arrow()
    if hasattr(data, "__dataframe__") or type(data).__name__ == "DataFrame":  # pandas
        return pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError(f"cannot load {type(data).__name__}; give an Arrow, polars or pandas table")


def _check_columns(arrow: pa.Table, columns: Iterable[tuple[str, str, bool]], table: str,
                   source: str) -> None:
    known = {name: nullable for name, _, nullable in columns}
    for name in arrow.column_names:
        if name not in known:
            raise SchemaError(
                f"column not in table {table!r} (expected some of {sorted(known)})",
                file=source, column=name,
            )
    for name, nullable in known.items():
        if not nullable and name not in arrow.column_names:
            raise SchemaError(f"required column of table {table!r} is missing", file=source,
                              column=name)


#: Arrow types that a DuckDB column type accepts without any possible conversion failure.
_SAFE = {
    "VARCHAR": (pa.types.is_string, pa.types.is_large_string),
    "BIGINT": (pa.types.is_int8, pa.types.is_int16, pa.types.is_int32, pa.types.is_int64),
    "INTEGER": (pa.types.is_int8, pa.types.is_int16, pa.types.is_int32),
    "SMALLINT": (pa.types.is_int8, pa.types.is_int16),
    "TINYINT": (pa.types.is_int8,),
    "DOUBLE": (pa.types.is_floating, pa.types.is_integer),
    "BOOLEAN": (pa.types.is_boolean,),
    "DATE": (pa.types.is_date32,),
    "TIMESTAMP": (pa.types.is_timestamp,),
}


def _check_types(con, view: str, arrow: pa.Table, columns, source: str) -> None:
    types = {name: dtype for name, dtype, _ in columns}
    nullable = {name: null for name, _, null in columns}
    for name in arrow.column_names:
        dtype = types[name]
        column_type = arrow.schema.field(name).type
        if not any(ok(column_type) for ok in _SAFE.get(dtype, ())):
            _find_uncastable(con, view, name, dtype, source)
        if not nullable[name] and arrow.column(name).null_count:
            hit = con.execute(
                f'SELECT {ROW} FROM {view} WHERE "{name}" IS NULL ORDER BY {ROW} LIMIT 1'
            ).fetchone()
            raise DataError("required value is missing", file=source, row=hit[0], column=name)


def _find_uncastable(con, view: str, name: str, dtype: str, source: str) -> None:
    hit = con.execute(
        f'SELECT {ROW}, "{name}"::VARCHAR FROM {view} WHERE "{name}" IS NOT NULL AND '
        f'TRY_CAST("{name}" AS {dtype}) IS NULL ORDER BY {ROW} LIMIT 1'
    ).fetchone()
    if hit:
        raise DataError(f"cannot be read as {dtype}", file=source, row=hit[0], column=name,
                        value=hit[1])


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
