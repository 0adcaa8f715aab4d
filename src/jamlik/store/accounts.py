"""The account tables of the strategy side store: ``users`` and ``sessions``.

``users`` holds each account's role and argon2id password hash; ``sessions`` holds the SHA-256 of
each web session id with its user, expiry and revocation. Both live in the side file beside the
warehouse (``<db>.strategy.duckdb``) and are never published: neither is in
:data:`jamlik.store.snapshots.PUBLISHED_TABLES`. The functions read and write on the connection
they are given (a :meth:`~jamlik.store.Warehouse.transaction` when a change must land together
with others) and stamp the times; hashing, name and role rules and who may do what belong to
:mod:`jamlik.strategy.accounts`.

>>> from jamlik.store import Warehouse
>>> with Warehouse(":memory:") as wh:
...     _ = wh.migrate()
...     add_user(wh.con, "ada", "admin", "$argon2id$…")
...     open_session(wh.con, "ab12", "ada", max_age=60)
...     users(wh.con), session_user(wh.con, "ab12")
([('ada', 'admin')], ('ada', 'admin'))
"""

from __future__ import annotations

from datetime import timedelta

from jamlik.store.connection import Connection
from jamlik.store.warehouse import _now


# -- users ------------------------------------------------------------------------------------
def users(con: Connection) -> list[tuple[str, str]]:
    """``(username, role)`` of every account, by user name."""
    return con.execute("SELECT username, role FROM users ORDER BY username").fetchall()


def role_of(con: Connection, username: str | None) -> str | None:
    """The stored role of ``username``, or None when there is no such account."""
    if username is None:
        return None
    row = con.execute("SELECT role FROM users WHERE username = ?", [username]).fetchone()
    return row[0] if row else None


def user_count(con: Connection, *, role: str | None = None) -> int:
    """How many accounts there are (with ``role``: how many have it)."""
    if role is None:
        return con.execute("SELECT count(*) FROM users").fetchone()[0]
    return con.execute("SELECT count(*) FROM users WHERE role = ?", [role]).fetchone()[0]


def credentials(con: Connection, username: str) -> tuple[str, str] | None:
    """``(role, password_hash)`` of ``username``, or None when there is no such account."""
    return con.execute("SELECT role, password_hash FROM users WHERE username = ?",
                       [username]).fetchone()


def add_user(con: Connection, username: str, role: str, password_hash: str) -> None:
    """Insert an account, created and updated now."""
    t = _now()
    con.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?)", [username, role, password_hash, t, t])


def set_role(con: Connection, username: str, role: str) -> None:
    con.execute("UPDATE users SET role = ?, updated_at = ? WHERE username = ?",
                [role, _now(), username])


def set_password_hash(con: Connection, username: str, password_hash: str) -> None:
    con.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?",
                [password_hash, _now(), username])


# -- sessions ---------------------------------------------------------------------------------
def open_session(con: Connection, session_hash: str, username: str, *, max_age: int) -> None:
    """Drop expired sessions and insert one for ``username`` that expires in ``max_age``
    seconds."""
    t = _now()
    con.execute("DELETE FROM sessions WHERE expires_at < ?", [t])
    con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, NULL)",
                [session_hash, username, t, t + timedelta(seconds=max_age)])


def session_user(con: Connection, session_hash: str) -> tuple[str, str] | None:
    """``(username, role)`` of a live session (neither revoked nor expired), else None."""
    return con.execute(
        "SELECT u.username, u.role FROM sessions s JOIN users u USING (username) "
        "WHERE s.session_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?",
        [session_hash, _now()]).fetchone()


def revoke_session(con: Connection, session_hash: str) -> None:
    con.execute("UPDATE sessions SET revoked_at = ? WHERE session_hash = ? AND "
                "revoked_at IS NULL", [_now(), session_hash])


def revoke_sessions_of(con: Connection, username: str) -> None:
    """Revoke every live session of ``username``."""
    con.execute("UPDATE sessions SET revoked_at = ? WHERE username = ? AND "
                "revoked_at IS NULL", [_now(), username])


__all__ = ["add_user", "credentials", "open_session", "revoke_session", "revoke_sessions_of",
           "role_of", "session_user", "set_password_hash", "set_role", "user_count", "users"]
