"""store.accounts: the users and sessions tables of the strategy side store."""

from __future__ import annotations

import pytest

from jamlik.store import Warehouse
from jamlik.store import accounts as tables
from jamlik.store.snapshots import PUBLISHED_TABLES


@pytest.fixture
def con():
    with Warehouse(":memory:") as wh:
        wh.migrate()
        tables.add_user(wh.con, "ada", "admin", "hash-a")
        tables.add_user(wh.con, "bo", "viewer", "hash-b")
        yield wh.con


def test_users_roles_and_counts(con):
    assert tables.users(con) == [("ada", "admin"), ("bo", "viewer")]
    assert (tables.role_of(con, "bo"), tables.role_of(con, "nobody"),
            tables.role_of(con, None)) == ("viewer", None, None)
    assert (tables.user_count(con), tables.user_count(con, role="admin")) == (2, 1)
    tables.set_role(con, "bo", "admin")
    assert tables.user_count(con, role="admin") == 2


def test_credentials_and_a_new_hash(con):
    assert tables.credentials(con, "ada") == ("admin", "hash-a")
    assert tables.credentials(con, "nobody") is None
    created = con.execute("SELECT created_at FROM users WHERE username = 'ada'").fetchone()[0]
    tables.set_password_hash(con, "ada", "hash-new")
    assert tables.credentials(con, "ada") == ("admin", "hash-new")
    assert con.execute("SELECT created_at, updated_at > created_at FROM users WHERE "
                       "username = 'ada'").fetchone() == (created, True)


def test_sessions_live_until_revoked_or_expired(con):
    tables.open_session(con, "s1", "ada", max_age=60)
    tables.open_session(con, "s2", "ada", max_age=60)
    tables.open_session(con, "s3", "bo", max_age=-1)  # already expired
    assert tables.session_user(con, "s1") == ("ada", "admin")
    assert tables.session_user(con, "s3") is None
    tables.revoke_session(con, "s1")
    assert tables.session_user(con, "s1") is None
    assert tables.session_user(con, "s2") == ("ada", "admin")
    tables.revoke_sessions_of(con, "ada")
    assert tables.session_user(con, "s2") is None
    tables.open_session(con, "s4", "bo", max_age=60)  # drops the expired s3
    assert [r[0] for r in con.execute("SELECT session_hash FROM sessions ORDER BY 1")
            .fetchall()] == ["s1", "s2", "s4"]


def test_account_tables_are_never_published():
    assert not {"users", "sessions", "audit_log"} & set(PUBLISHED_TABLES)
