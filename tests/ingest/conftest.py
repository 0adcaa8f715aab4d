"""Fixtures of the ingest tests: a fresh warehouse with the area registry, made once and copied."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _ingest_helpers import run_cli


@pytest.fixture(scope="session")
def empty_warehouse(tmp_path_factory) -> tuple[Path, Path]:
    """(warehouse, key file) made by ``jamlik init --region 05`` (read-only use: copy it)."""
    folder = tmp_path_factory.mktemp("empty")
    db, key = folder / "jamlik.duckdb", folder / "pseudonym.key"
    result = run_cli("init", "--region", "05", "--db", db, "--key-file", key)
    assert result.code == 0, result.text
    return db, key


@pytest.fixture
def fresh(empty_warehouse, tmp_path) -> tuple[Path, Path]:
    """A copy of the empty warehouse (and its key) in the test's own folder."""
    db, key = empty_warehouse
    target = tmp_path / "wh"
    target.mkdir()
    shutil.copy(db, target / db.name)
    shutil.copy(key, target / key.name)
    return target / db.name, target / key.name
