"""Temporary tables of a load (:mod:`jamlik.store.staging`): staged rows live outside the
warehouse file and vanish when the staging area closes; keyed pseudonyms computed in SQL equal
Python's HMAC-SHA256.

Expected digests: RFC 4231 (HMAC-SHA256 test vectors), test case 2, and Python's :mod:`hmac`.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pyarrow as pa
import pytest

from jamlik.store import Warehouse
from jamlik.store.staging import MemoTable, Staging, hmac_sha256_sql, key_pads


@pytest.fixture
def wh(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        warehouse.migrate()
        yield warehouse


def _temporary(wh, kind: str) -> int:
    """How many temporary tables or views (``kind``) the warehouse connection has."""
    return wh.con.execute(f"SELECT count(*) FROM duckdb_{kind}() "
                          "WHERE temporary AND NOT internal").fetchone()[0]


def test_appended_batches_read_as_one_table_and_vanish_on_close(wh, tmp_path):
    before = wh.tables()
    with Staging(wh, folder=tmp_path) as st:
        for batch in (pa.table({"x": ["1", "2"]}), pa.table({"x": ["3"]})):
            st.append("t", batch, "SELECT x::INTEGER * ? AS x FROM {batch}", [10])
        assert "t" in st and "u" not in st
        assert st.rows(f"SELECT x FROM {st['t']} ORDER BY x") == [(10,), (20,), (30,)]
        assert st.columns("t") == ["x"]
        folders = [p for p in tmp_path.iterdir() if p.name.startswith(".jamlik-load-")]
        assert len(folders) == 1 and len(list((folders[0] / "t").glob("*.parquet"))) == 2
    assert not any(p.name.startswith(".jamlik-load-") for p in tmp_path.iterdir())
    assert wh.tables() == before                      # nothing reached the warehouse's tables
    assert _temporary(wh, "views") == 0


def test_create_may_read_the_table_it_replaces(wh):
    with Staging(wh) as st:
        name = st.create("n", "SELECT range AS i FROM range(5)")
        assert name == st["n"] and name.startswith("temp.main.")
        st.create("n", f"SELECT i * 2 AS i FROM {st['n']} WHERE i >= $low", {"low": 3})
        assert st.rows(f"SELECT i FROM {st['n']} ORDER BY i") == [(6,), (8,)]
        st.insert(st["n"], "SELECT 1")
        assert st.scalar(f"SELECT sum(i) FROM {st['n']}") == 15
        assert st.first(f"SELECT min(i), max(i) FROM {st['n']}") == (1, 8)
    assert _temporary(wh, "tables") == 0


def test_select_put_view_and_drop(wh):
    with Staging(wh) as st:
        result = st.select(pa.table({"a": [1, 2, 3]}), "SELECT sum(a) AS s FROM {batch}")
        assert result.to_pydict() == {"s": [6]}
        st.put("lookup", pa.table({"code": ["0580", "0581"],
                                   "name": ["Linköping", "Norrköping"]}))
        view = st.view("first", f"SELECT name FROM {st['lookup']} WHERE code = '0580'")
        assert st.arrow(f"SELECT * FROM {view}").to_pydict() == {"name": ["Linköping"]}
        st.drop("first")
        st.drop("never made")                      # dropping what is not there is harmless
        assert "first" not in st and "lookup" in st
        assert st.scalar("SELECT 41 + 1") == 42


def test_staging_areas_do_not_collide(wh):
    with Staging(wh) as one, Staging(wh) as two:
        one.create("t", "SELECT 1 AS x")
        two.create("t", "SELECT 2 AS x")
        assert one["t"] != two["t"]
        assert (one.scalar(f"SELECT x FROM {one['t']}"), two.scalar(f"SELECT x FROM {two['t']}")) \
            == (1, 2)


def _hmac_in_sql(key: bytes, text: str) -> str:
    with Warehouse(":memory:") as wh:
        return wh.con.execute(f"SELECT {hmac_sha256_sql('$text')}",
                              {**key_pads(key), "text": text}).fetchone()[0]


def test_hmac_sql_matches_rfc_4231_test_case_2():
    assert _hmac_in_sql(b"Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


@pytest.mark.parametrize("key", [b"k", b"s" * 64, b"long key " * 20])  # > 64 bytes is hashed
def test_hmac_sql_matches_python(key):
    text = "196405121234 Åsa"
    assert _hmac_in_sql(key, text) == hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def test_memo_table_computes_each_value_once_in_the_callers_order():
    memo = MemoTable("SELECT x, upper(x) AS up, nextval('calls') AS call FROM {batch}")
    memo._con.execute("CREATE SEQUENCE calls")
    try:
        first = memo.resolve(pa.array(["b", "a", "b"]))
        assert first.column_names == ["up", "call"]
        assert first.column("up").to_pylist() == ["B", "A", "B"]
        calls = dict(zip(["b", "a"], first.column("call").to_pylist()[:2], strict=True))
        second = memo.resolve(pa.array(["c", "a"]))
        assert second.column("up").to_pylist() == ["C", "A"]
        assert second.column("call").to_pylist()[1] == calls["a"]   # not computed again
        assert memo._con.execute("SELECT count(*) FROM memo").fetchone()[0] == 3
        assert memo._con.execute("SELECT current_setting('temp_directory')").fetchone()[0] == ""
    finally:
        memo.close()


def test_staging_folder_defaults_to_the_system_temporary_folder(wh):
    import tempfile

    st = Staging(wh)
    folder = st._folder
    assert folder.parent == Path(tempfile.gettempdir()) and folder.is_dir()
    st.close()
    assert not folder.exists()
