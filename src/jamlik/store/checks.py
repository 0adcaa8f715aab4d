"""Column checks run before a load: each names the table/file, row, column, value and rule.

A check is a callable ``check(con, relation, source) -> None`` that raises
:class:`~jamlik.model.DataError`. ``relation`` is the name of a DuckDB view over the incoming
rows, which carry a 1-based ``__row`` column (the row number the user sees), so every check is
one vectorised SQL query, whatever the size of the load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import duckdb

from jamlik.model import DataError

Check = Callable[[duckdb.DuckDBPyConnection, str, str], None]


def _first_violation(con, relation: str, column: str, condition: str):
    return con.execute(
        f'SELECT __row, "{column}" FROM {relation} WHERE {condition} ORDER BY __row LIMIT 1'
    ).fetchone()


def check_not_null(*columns: str) -> Check:
    def check(con, relation, source):
        for column in columns:
            hit = _first_violation(con, relation, column, f'"{column}" IS NULL')
            if hit:
                raise DataError("required value is missing", file=source, row=hit[0], column=column)

    return check


def check_enum(column: str, allowed: Iterable[str]) -> Check:
    allowed = tuple(allowed)
    listing = ", ".join("'" + a.replace("'", "''") + "'" for a in allowed)

    def check(con, relation, source):
        hit = _first_violation(
            con, relation, column, f'"{column}" IS NOT NULL AND "{column}" NOT IN ({listing})'
        )
        if hit:
            raise DataError(
                f"not one of the allowed values {list(allowed)}",
                file=source, row=hit[0], column=column, value=hit[1],
            )

    return check


def check_non_negative(*columns: str) -> Check:
    def check(con, relation, source):
        for column in columns:
            hit = _first_violation(con, relation, column, f'"{column}" < 0')
            if hit:
                raise DataError(
                    "counts must be zero or positive", file=source, row=hit[0], column=column,
                    value=hit[1],
                )

    return check


def check_in_table(column: str, table: str, key: str, rule: str) -> Check:
    """Every non-null value of ``column`` must exist in ``table.key`` (already in the warehouse)."""

    def check(con, relation, source):
        hit = _first_violation(
            con, relation, column,
            f'"{column}" IS NOT NULL AND "{column}" NOT IN (SELECT "{key}" FROM {table})',
        )
        if hit:
            raise DataError(rule, file=source, row=hit[0], column=column, value=hit[1])

    return check
