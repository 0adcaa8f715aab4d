"""The shipped schema migrations (:data:`jamlik.store.MIGRATIONS`): numbered SQL files read in
order, without gaps. Applying them to a warehouse is tested in ``test_warehouse.py``."""

from __future__ import annotations

from importlib import resources

import pytest

from jamlik.store import MIGRATIONS, Migration, Warehouse
from jamlik.store import migrations as module


def test_migrations_are_the_numbered_files_in_order():
    files = sorted(entry.name for entry in
                   (resources.files("jamlik.store") / "migrations").iterdir()
                   if entry.name.endswith(".sql"))
    assert [f"{m.version:03d}_{m.name}.sql" for m in MIGRATIONS] == files
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert MIGRATIONS.latest == len(MIGRATIONS) == MIGRATIONS[-1].version
    assert MIGRATIONS[0] == Migration(1, "core", MIGRATIONS[0].sql)
    assert all(isinstance(m, Migration) and m.sql.strip() for m in MIGRATIONS)


def test_the_first_migration_creates_the_bookkeeping_tables():
    with Warehouse(":memory:") as wh:
        wh.con.execute(MIGRATIONS[0].sql)
        assert {"schema_version", "meta", "loads"} <= set(wh.tables())


def _folder(tmp_path, names):
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name in names:
        (folder / name).write_text("SELECT 1;", encoding="utf-8")
    return tmp_path


def test_a_gap_in_the_numbering_is_refused(tmp_path, monkeypatch):
    root = _folder(tmp_path, ["001_core.sql", "003_later.sql", "notes.txt"])
    monkeypatch.setattr(module.resources, "files", lambda package: root)
    with pytest.raises(RuntimeError, match=r"without gaps; found \[1, 3\]"):
        module._load.__wrapped__()


def test_files_not_named_like_migrations_are_ignored(tmp_path, monkeypatch):
    root = _folder(tmp_path, ["002_two.sql", "001_one.sql", "README.md", "1_short.sql",
                              "003_Upper.sql"])
    monkeypatch.setattr(module.resources, "files", lambda package: root)
    assert [(m.version, m.name) for m in module._load.__wrapped__()] == [(1, "one"), (2, "two")]
