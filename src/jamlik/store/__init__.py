"""The warehouse: schema, migrations, atomic loads and Ibis access (layer 2).

DuckDB embedded is the default engine, and only this package imports it: other layers open files
read-only through :func:`connect_read_only` or a :class:`SnapshotReader`, name connections
:data:`Connection` and catch :data:`DatabaseError`. Queries that must also run elsewhere are Ibis
expressions built on :meth:`Warehouse.ibis`.
"""

from jamlik.store.checks import Check, check_enum, check_non_negative, check_not_null
from jamlik.store.connection import Connection, DatabaseError, SnapshotReader, connect_read_only
from jamlik.store.migrations import MIGRATIONS, Migration
from jamlik.store.warehouse import LoadSession, Warehouse

__all__ = [
    "MIGRATIONS",
    "Check",
    "Connection",
    "DatabaseError",
    "LoadSession",
    "Migration",
    "SnapshotReader",
    "Warehouse",
    "check_enum",
    "check_non_negative",
    "check_not_null",
    "connect_read_only",
]
