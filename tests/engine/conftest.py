"""A small hand-made warehouse (see _small.py), built and computed once per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import _small


@pytest.fixture(scope="session")
def small(tmp_path_factory):
    """(path, raw tables) of the small warehouse with every indicator computed."""
    from jamlik.engine import compute
    from jamlik.store import Warehouse

    path = tmp_path_factory.mktemp("engine") / "small.duckdb"
    tables = _small.build_warehouse(path)
    with Warehouse(path) as wh:
        compute(wh)
    return path, tables


@pytest.fixture(scope="session")
def obs(small):
    import polars as pl

    from jamlik.store import Warehouse

    with Warehouse(small[0], read_only=True) as wh:
        return pl.from_arrow(wh.con.execute("SELECT * FROM observations").arrow())
