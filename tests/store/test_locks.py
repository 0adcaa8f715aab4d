"""Who holds the warehouse (:mod:`jamlik.store.locks`, :func:`jamlik.store.snapshots.writer_lock`):
the writer lock file records its holder, and whoever waits for it or for DuckDB's file lock is
told who that is and gets :class:`WarehouseBusy`, one sentence naming file and holder.

The command line's handling of a busy warehouse (one line, exit status 2) is tested in
``tests/cli/test_robustness.py``.
"""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

from jamlik.store import Warehouse
from jamlik.store.locks import (
    WarehouseBusy,
    describe_holder,
    holder_record,
    lock_path,
    open_warehouse,
)
from jamlik.store.snapshots import writer_lock

from ._holder import held


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "jamlik.duckdb"
    with Warehouse(path) as wh:
        wh.migrate()
    return path


def test_lock_path_is_beside_the_warehouse(tmp_path):
    assert lock_path(tmp_path / "jamlik.duckdb") == tmp_path / "jamlik.duckdb.lock"


def test_holder_record_says_process_command_and_start(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/usr/bin/jamlik", "compute", "--db", "x.duckdb"])
    record = json.loads(holder_record())
    assert record["pid"] == os.getpid()
    assert record["command"] == "jamlik compute --db x.duckdb"
    assert record["started"].endswith(" UTC")


def test_writer_lock_records_its_holder(db, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["jamlik", "refresh", "--db", str(db)])
    with writer_lock(db):
        record = json.loads(lock_path(db).read_text(encoding="utf-8"))
        assert record["pid"] == os.getpid() and record["command"].startswith("jamlik refresh")
        holder = describe_holder(db)
    assert holder.startswith(f"process {os.getpid()} (jamlik refresh --db ")
    assert ", since " in holder


def test_a_second_writer_is_told_who_holds_the_lock_and_gives_up(db, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["jamlik", "compute", "--db", str(db)])
    heard: list[str] = []
    with writer_lock(db):   # a second open file: flock refuses it even in this process
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as caught, writer_lock(db, wait=0.3,
                                                                  notify=heard.append):
            pass
        assert time.monotonic() - started >= 0.3
    busy = caught.value
    assert busy.path == str(db) and busy.waited >= 0.3
    assert busy.holder == heard[0] and len(heard) == 1
    assert str(busy).startswith(f"{db}: the warehouse is in use by process {os.getpid()} "
                                "(jamlik compute --db")
    assert "--wait SECONDS" in str(busy)
    with writer_lock(db, wait=0):   # released: the next writer gets it at once
        pass


def test_describe_holder_without_a_record(tmp_path):
    db = tmp_path / "none.duckdb"
    assert describe_holder(db) == "another process"
    own = describe_holder(db, os.getpid())   # only the process id is known: read /proc
    assert own.startswith(f"process {os.getpid()}")


def test_open_warehouse_waits_and_names_the_holder(db):
    heard: list[str] = []
    with held(db, 60) as proc, pytest.raises(WarehouseBusy) as caught:
        open_warehouse(db, read_only=True, wait=0.5, notify=heard.append)
    assert f"process {proc.pid} (jamlik compute --db" in caught.value.holder
    assert heard == [caught.value.holder]
    assert str(db) in str(caught.value)


def test_open_warehouse_opens_once_the_holder_is_done(db):
    heard: list[str] = []
    with held(db, 1.5) as proc, open_warehouse(db, read_only=True, wait=60,
                                                notify=heard.append) as wh:
        assert wh.version > 0
    assert len(heard) == 1 and f"process {proc.pid}" in heard[0]
