"""Read-only connections (:mod:`jamlik.store.connection`): a one-off read of a warehouse file
that cannot write, and a snapshot reader that sees the file at its path now."""

from __future__ import annotations

import os

import pytest

from jamlik.store import DatabaseError, SnapshotReader, Warehouse, connect_read_only


def _warehouse(path, marker: str) -> None:
    with Warehouse(path) as wh:
        wh.migrate()
        wh.con.execute("INSERT INTO meta (key, value) VALUES ('marker', ?)", [marker])


def _marker(con) -> str:
    return con.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()[0]


def test_connect_read_only_reads_and_refuses_writes(tmp_path):
    path = tmp_path / "w.duckdb"
    _warehouse(path, "first")
    with connect_read_only(path, threads=1) as con:
        assert _marker(con) == "first"
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 1
        with pytest.raises(DatabaseError, match="read-only"):
            con.execute("INSERT INTO meta (key, value) VALUES ('other', 'x')")
    with connect_read_only(path) as con:
        assert con.execute("SELECT count(*) FROM meta WHERE key = 'other'").fetchone()[0] == 0


def test_connect_read_only_of_a_missing_file_is_a_database_error(tmp_path):
    with pytest.raises(DatabaseError):
        connect_read_only(tmp_path / "missing.duckdb")


def test_snapshot_reader_sees_a_replaced_file(tmp_path):
    path, new = tmp_path / "snapshot.duckdb", tmp_path / "next.duckdb"
    _warehouse(path, "old")
    _warehouse(new, "new")
    first = SnapshotReader(path)
    assert _marker(first) == "old"
    os.replace(new, path)          # how a publish swaps in the next snapshot
    second = SnapshotReader(path)
    try:
        assert _marker(second) == "new"
        assert _marker(second.cursor()) == "new"   # every cursor reads the attached snapshot
    finally:
        first.close()
        second.close()


def test_snapshot_reader_cannot_write(tmp_path):
    path = tmp_path / "snapshot.duckdb"
    _warehouse(path, "only")
    reader = SnapshotReader(path)
    try:
        with pytest.raises(DatabaseError):
            reader.execute("INSERT INTO meta (key, value) VALUES ('other', 'x')")
        assert _marker(reader) == "only"
    finally:
        reader.close()
