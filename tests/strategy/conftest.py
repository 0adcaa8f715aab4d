"""Fixtures for jamlik.strategy: a migrated warehouse file, accounts with a cheap argon2id."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from jamlik.store import Warehouse
from jamlik.strategy import Accounts

PASSWORD = "correct horse battery"


@pytest.fixture
def hasher() -> PasswordHasher:
    """argon2id with small costs so the suite stays fast (production uses argon2-cffi's
    defaults: t=3, m=64 MiB, p=4)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "jamlik.duckdb"
    with Warehouse(path) as wh:
        wh.migrate()
    return path


@pytest.fixture
def wh(db_path):
    with Warehouse(db_path) as warehouse:
        yield warehouse


@pytest.fixture
def people(wh, hasher):
    """(accounts, admin, editor, viewer)."""
    accounts = Accounts(wh, hasher=hasher)
    admin = accounts.create_user(None, "admin", PASSWORD, "admin")
    editor = accounts.create_user(admin, "eva.editor", PASSWORD, "editor")
    viewer = accounts.create_user(admin, "vera", PASSWORD, "viewer")
    return accounts, admin, editor, viewer
