"""Column checks run before a load (:mod:`jamlik.store.checks`): each stops at the first
violating row, in row order, and the error names file, row, column, value and rule."""

from __future__ import annotations

import duckdb
import pytest

from jamlik.model import DataError
from jamlik.store.checks import check_enum, check_in_table, check_non_negative, check_not_null

SOURCE = "incoming.csv"


@pytest.fixture
def con():
    """An incoming relation ``rows`` (``__row`` as the user numbers rows, not in table order)
    and a warehouse table ``areas`` to check codes against."""
    with duckdb.connect(":memory:") as connection:
        connection.execute("CREATE TABLE rows (__row INTEGER, code VARCHAR, sex VARCHAR, "
                           "n INTEGER, d INTEGER)")
        connection.execute("INSERT INTO rows VALUES (5, '0580', 'x', -3, NULL), "
                           "(2, '0581', 'female', 4, 7), (3, NULL, 'o''hara', 0, NULL), "
                           "(4, '9999', 'male', -1, 9)")
        connection.execute("CREATE TABLE areas (code VARCHAR)")
        connection.execute("INSERT INTO areas VALUES ('0580'), ('0581')")
        yield connection


def _error(check, con) -> DataError:
    with pytest.raises(DataError) as caught:
        check(con, "rows", SOURCE)
    return caught.value


def test_not_null_names_the_first_missing_value(con):
    error = _error(check_not_null("n", "code", "d"), con)
    assert (error.file, error.row, error.column) == (SOURCE, 3, "code")
    assert error.rule == "required value is missing"
    check_not_null("sex", "n")(con, "rows", SOURCE)   # complete columns pass


def test_enum_names_the_value_and_the_allowed_ones(con):
    error = _error(check_enum("sex", ["female", "male", "x"]), con)
    assert (error.row, error.column, error.value) == (3, "sex", "o'hara")  # quotes are escaped
    assert "['female', 'male', 'x']" in error.rule
    check_enum("sex", ["female", "male", "x", "o'hara"])(con, "rows", SOURCE)


def test_enum_lets_missing_values_pass(con):
    check_enum("code", ["0580", "0581", "9999"])(con, "rows", SOURCE)


def test_non_negative_names_the_first_negative_count(con):
    error = _error(check_non_negative("d", "n"), con)
    assert (error.file, error.row, error.column, error.value) == (SOURCE, 4, "n", -1)
    assert "zero or positive" in error.rule
    check_non_negative("d")(con, "rows", SOURCE)


def test_in_table_names_the_unknown_code_with_the_callers_rule(con):
    error = _error(check_in_table("code", "areas", "code", "unknown area code"), con)
    assert (error.row, error.column, error.value, error.rule) == (4, "code", "9999",
                                                                  "unknown area code")
    assert SOURCE in str(error) and "9999" in str(error)
