"""Temporary tables on a warehouse connection, where a load is checked and shaped before writing.

A :class:`Staging` area lives in DuckDB's ``temp`` catalogue of the warehouse connection
(tables in memory, spilling to DuckDB's temporary directory when large) and in Parquet files in
a private temporary folder — never in the warehouse file — and is dropped when it closes. So a load can validate tens of millions of rows with
vectorised SQL, and write them with ``INSERT … SELECT`` inside one transaction, while a load that
fails leaves the warehouse file byte-identical.

Identity numbers never reach a staging table or file: the caller replaces them with keyed
pseudonyms (:func:`hmac_sha256_sql`) before a batch is appended.

>>> from jamlik.store import Warehouse
>>> with Warehouse(":memory:") as wh, Staging(wh) as st:
...     import pyarrow as pa
...     st.append("t", pa.table({"x": ["1", "2"]}), "SELECT x::INTEGER AS x FROM {batch}")
...     st.scalar(f"SELECT sum(x) FROM {st['t']}")
3
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

_COUNTER = itertools.count()
Params = Sequence[Any] | Mapping[str, Any]


def _params(params: Params) -> Any:
    return dict(params) if isinstance(params, Mapping) else list(params)


class Staging:
    """Named temporary tables and views for one load (``st['name']`` is the SQL name).

    Rows appended with :meth:`append` go to Parquet files in a private temporary folder
    (``folder``, default: the system's; give the warehouse's folder for large loads), read back
    through a view: a load of tens of millions of rows then streams through DuckDB instead of
    being held in memory. The folder and everything in it is removed by :meth:`close`.
    """

    def __init__(self, warehouse, folder: str | Path | None = None):
        self._con = warehouse.con
        self._prefix = f"__stage{next(_COUNTER)}_"
        self._tables: set[str] = set()
        self._views: set[str] = set()
        self._files: dict[str, int] = {}
        self._folder = Path(tempfile.mkdtemp(prefix=".jamlik-load-", dir=folder))

    def __getitem__(self, name: str) -> str:
        return f"temp.main.{self._prefix}{name}"

    def __contains__(self, name: str) -> bool:
        return name in self._tables or name in self._views

    def append(self, name: str, batch: pa.Table | pa.RecordBatch, select: str,
               params: Params = ()) -> None:
        """Run ``select`` (with ``{batch}`` standing for the incoming rows) and append its rows
        to ``name``: a view over the Parquet files written so far."""
        view = f"{self._prefix}batch"
        n = self._files.get(name, 0)
        target = self._folder / name
        target.mkdir(exist_ok=True)
        path = target / f"{n:06d}.parquet"
        self._con.register(view, batch)
        try:
            query = select.replace("{batch}", view)
            self._con.execute(f"COPY ({query}) TO '{_sql_path(path)}' "
                              f"(FORMAT parquet, COMPRESSION lz4)", _params(params))
        finally:
            self._con.unregister(view)
        self._files[name] = n + 1
        if name not in self._views:
            self._con.execute(f"CREATE OR REPLACE TEMP VIEW {self._prefix}{name} AS "
                              f"SELECT * FROM read_parquet('{_sql_path(target)}/*.parquet')")
            self._views.add(name)

    def select(self, batch: pa.Table | pa.RecordBatch, select: str,
               params: Params = ()) -> pa.Table:
        """Run ``select`` over the rows of ``batch`` (``{batch}`` in the SQL) and return the
        result as Arrow; nothing is stored."""
        view = f"{self._prefix}select"
        self._con.register(view, batch)
        try:
            return self._con.execute(select.replace("{batch}", view),
                                     _params(params)).to_arrow_table()
        finally:
            self._con.unregister(view)

    def create(self, name: str, query: str, params: Params = ()) -> str:
        """``CREATE TEMP TABLE name AS query`` (replacing an earlier one, which ``query`` may
        read); returns its SQL name."""
        if name in self._tables:
            self._con.execute(f"CREATE TEMP TABLE {self._prefix}{name}__new AS {query}",
                              _params(params))
            self.drop(name)
            self._con.execute(f"ALTER TABLE {self[name]}__new RENAME TO {self._prefix}{name}")
        else:
            self.drop(name)
            self._con.execute(f"CREATE TEMP TABLE {self._prefix}{name} AS {query}",
                              _params(params))
        self._tables.add(name)
        return self[name]

    def view(self, name: str, query: str) -> str:
        """``CREATE TEMP VIEW name AS query`` (no copy of the rows); returns its SQL name."""
        self.drop(name)
        self._con.execute(f"CREATE TEMP VIEW {self._prefix}{name} AS {query}")
        self._views.add(name)
        return self[name]

    def put(self, name: str, table: pa.Table) -> str:
        """A small Arrow table (a lookup) as a temporary table; returns its SQL name."""
        view = f"{self._prefix}put"
        self._con.register(view, table)
        try:
            return self.create(name, f"SELECT * FROM {view}")
        finally:
            self._con.unregister(view)

    def drop(self, name: str) -> None:
        if name in self._views:
            self._con.execute(f"DROP VIEW IF EXISTS {self[name]}")
            self._views.discard(name)
        if name in self._tables:
            self._con.execute(f"DROP TABLE IF EXISTS {self[name]}")
            self._tables.discard(name)

    def execute(self, sql: str, params: Params = ()) -> None:
        self._con.execute(sql, _params(params))

    def insert(self, name: str, query: str, params: Params = ()) -> None:
        """Append the rows of ``query`` to the staging table ``name`` (its full name, as
        :meth:`create` returns it)."""
        self._con.execute(f"INSERT INTO {name} {query}", _params(params))

    def rows(self, sql: str, params: Params = ()) -> list[tuple]:
        return self._con.execute(sql, _params(params)).fetchall()

    def first(self, sql: str, params: Params = ()) -> tuple | None:
        return self._con.execute(sql, _params(params)).fetchone()

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.first(sql, params)
        return None if row is None else row[0]

    def arrow(self, sql: str, params: Params = ()) -> pa.Table:
        return self._con.execute(sql, _params(params)).to_arrow_table()

    def columns(self, name: str) -> list[str]:
        return [r[0] for r in self._con.execute(f"DESCRIBE {self[name]}").fetchall()]

    def close(self) -> None:
        for name in list(self._views) + list(self._tables):
            self.drop(name)
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def hmac_sha256_sql(expr: str) -> str:
    """SQL for the hex HMAC-SHA256 of the text ``expr`` under a key given as two BLOB parameters
    (``key_pads(key)``: the key XOR ipad, then XOR opad) — RFC 2104, the same digest as Python's
    ``hmac.digest(key, text, 'sha256')``; DuckDB computes it vectorised on all cores."""
    return f"sha256($opad || unhex(sha256($ipad || encode({expr}))))"


def key_pads(secret: bytes) -> dict[str, bytes]:
    """The ``$ipad``/``$opad`` parameters of :func:`hmac_sha256_sql` for a key of ≤ 64 bytes
    (longer keys are first hashed, as HMAC prescribes)."""
    import hashlib

    key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
    key = key.ljust(64, b"\0")
    return {"ipad": bytes(b ^ 0x36 for b in key), "opad": bytes(b ^ 0x5C for b in key)}


class MemoTable:
    """Distinct values → the row ``select`` computes for them, computed once per value.

    Kept in a private in-memory DuckDB database with no temporary directory, so nothing of it
    can ever be written to disk (DuckDB fails rather than spill); used for identity numbers,
    which must never reach a file. ``select`` reads ``{batch}`` (one column ``x``) and returns
    ``x`` plus the result columns.
    """

    def __init__(self, select: str, params: Params = ()):
        import duckdb

        self._con = duckdb.connect(":memory:")
        self._con.execute("SET temp_directory = ''")
        self._select = select
        self._params = params
        self._made = False

    def resolve(self, values: pa.Array) -> pa.Table:
        """The result row of every value, in the order of ``values``."""
        import numpy as np

        batch = pa.table({"x": values, "__i": pa.array(np.arange(len(values)), pa.int64())})
        self._con.register("__values", batch)
        try:
            new = "SELECT DISTINCT x FROM __values"
            if self._made:
                new += " ANTI JOIN memo USING (x)"
            query = self._select.replace("{batch}", f"({new})")
            if self._made:
                self._con.execute(f"INSERT INTO memo {query}", _params(self._params))
            else:
                self._con.execute(f"CREATE TABLE memo AS {query}", _params(self._params))
                self._made = True
            return self._con.execute("SELECT m.* EXCLUDE (x) FROM __values v JOIN memo m "
                                     "USING (x) ORDER BY v.__i").to_arrow_table()
        finally:
            self._con.unregister("__values")

    def close(self) -> None:
        self._con.close()
