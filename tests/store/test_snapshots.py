"""The published snapshot: only allow-listed tables, prebuilt downloads, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb

from jamlik.store import Warehouse
from jamlik.store.snapshots import PUBLISHED_TABLES, publish, snapshot_history


def _working(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        wh.migrate()
        wh.con.execute("INSERT INTO meta VALUES ('home_region', '05'), "
                       "('pseudonym_key_fingerprint', 'abc')")
        wh.con.execute("INSERT INTO persons (person_id, birth_date, birth_year, sex) "
                       "VALUES ('p1', DATE '1950-01-01', 1950, 'female')")
    return db


def test_the_snapshot_holds_only_the_allow_list(tmp_path):
    db = _working(tmp_path)
    pub = tmp_path / "pub" / "w.duckdb"
    publish(db, pub)
    con = duckdb.connect(str(pub), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables <= set(PUBLISHED_TABLES) | {"published_files"}
    assert "persons" not in tables and "users" not in tables and "observations" in tables
    assert con.execute("SELECT key FROM meta").fetchall() == [("home_region",)]
    con.close()


def test_downloads_of_replaced_snapshots_are_removed(tmp_path):
    db = _working(tmp_path)
    pub = tmp_path / "pub" / "w.duckdb"
    for _ in range(4):
        publish(db, pub, keep=1)
    assert len(snapshot_history(pub)) == 1
    folders = sorted(p.name for p in (pub.parent / "w.files").iterdir())
    assert len(folders) == 2  # the published snapshot's and the kept one's
    con = duckdb.connect(str(pub), read_only=True)
    paths = [r[0] for r in con.execute("SELECT path FROM published_files").fetchall()]
    con.close()
    assert paths and all((pub.parent / p).is_file() for p in paths)


def test_a_publish_killed_half_way_leaves_nothing_the_next_one_keeps(tmp_path):
    """kill -9 in the middle of a publish: the next publish removes the temporary file."""
    db = _working(tmp_path)
    with Warehouse(db) as wh:  # enough rows that the copy takes a moment
        wh.con.execute("INSERT INTO care_units (code, name, kommun_code) "
                       "SELECT 'u' || i, 'Vårdcentral ' || i, '0580' FROM range(3000000) t(i)")
    pub = tmp_path / "pub" / "w.duckdb"
    pub.parent.mkdir()
    script = (f"from jamlik.store.snapshots import publish; "
              f"publish({str(db)!r}, {str(pub)!r})")
    child = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 120
    while not list(pub.parent.glob(".w.duckdb.*.tmp*")):
        assert child.poll() is None, "the publish finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert list(pub.parent.glob(".w.duckdb.*.tmp*"))  # what kill -9 leaves behind
    publish(db, pub)
    assert not list(pub.parent.glob(".w.duckdb.*.tmp*"))
    assert pub.is_file()
