"""Fixtures of Linköping's profile read from the computed demo, shared by the profile reader's
tests and the report tests (import them into a test module to use them)."""

from __future__ import annotations

import pytest

from jamlik.geo import AreaRegistry
from jamlik.model.catalogue import load_catalogue
from jamlik.profiles import ProfileReader
from jamlik.store import connect_read_only

LINKOPING = "0580"


@pytest.fixture(scope="module")
def con(demo_db_computed):
    """A read-only connection to the computed demo."""
    with connect_read_only(demo_db_computed) as connection:
        yield connection


@pytest.fixture(scope="module")
def reader(con):
    return ProfileReader(con, AreaRegistry.from_warehouse(con), load_catalogue())


@pytest.fixture(scope="module")
def linkoping(reader):
    """Linköping's profile, compared with its län."""
    return reader.area_profile(LINKOPING)
