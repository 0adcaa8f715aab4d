"""The warehouse: schema, migrations, atomic loads and Ibis access (layer 2).

DuckDB embedded is the default engine; queries that must also run elsewhere are Ibis expressions
built on :meth:`Warehouse.ibis`.
"""

from jamlik.store.checks import Check, check_enum, check_non_negative, check_not_null
from jamlik.store.files import read_csv_for_table
from jamlik.store.migrations import MIGRATIONS, Migration
from jamlik.store.warehouse import LoadSession, Warehouse

__all__ = [
    "MIGRATIONS",
    "Check",
    "LoadSession",
    "Migration",
    "Warehouse",
    "check_enum",
    "check_non_negative",
    "check_not_null",
    "read_csv_for_table",
]
