"""The observation schema in ``store.schema`` and the table the migrations create agree, and
``LoadSession.replace_rows`` replaces rows and stamps their load."""

from __future__ import annotations

import polars as pl

from jamlik.store import Warehouse
from jamlik.store.schema import (
    OBSERVATION_COLUMNS,
    PROFILE_OBSERVATION_COLUMNS,
    PUBLIC_OBSERVATION_COLUMNS,
)


def test_migrations_create_the_observation_schema():
    with Warehouse() as wh:
        wh.migrate()
        columns = [name for name, _, _ in wh.columns("observations")]
    assert set(columns) == {*OBSERVATION_COLUMNS, "load_id"}
    assert set(PUBLIC_OBSERVATION_COLUMNS) < set(OBSERVATION_COLUMNS)
    assert set(PROFILE_OBSERVATION_COLUMNS) < set(OBSERVATION_COLUMNS)


def _rows(wh) -> list[tuple]:
    return wh.con.execute("SELECT key, load_id FROM t ORDER BY key").fetchall()


def test_replace_rows_deletes_the_matching_rows_and_stamps_the_new_ones():
    with Warehouse() as wh:
        wh.migrate()
        wh.con.execute("CREATE TABLE t (key VARCHAR NOT NULL, part VARCHAR, load_id BIGINT)")
        with wh.load_session("first") as load:
            first = load.replace_rows("t", pl.DataFrame({"key": ["a", "b"], "part": ["x", "y"]}))
        with wh.load_session("second") as load:
            second = load.replace_rows("t", pl.DataFrame({"key": ["c"], "part": ["x"]}),
                                       where="part = ?", params=["x"])
            gone = load.replace_rows("t", None, where="part = ?", params=["nothing"])
        loads = dict(wh.con.execute("SELECT load_id, source FROM loads").fetchall())
        assert _rows(wh) == [("b", first), ("c", second)]
    assert second > first and gone is None
    assert loads[first] == "first" and loads[second] == "second"


def test_replace_rows_keeps_a_load_id_the_data_bring():
    with Warehouse() as wh:
        wh.migrate()
        wh.con.execute("CREATE TABLE t (key VARCHAR NOT NULL, load_id BIGINT)")
        with wh.load_session("external") as load:
            load.replace_rows("t", pl.DataFrame({"key": ["a"], "load_id": [7]}))
        assert _rows(wh) == [("a", 7)]
