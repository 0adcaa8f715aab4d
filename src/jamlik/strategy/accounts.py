"""Local accounts: argon2id password hashes, roles viewer < editor < admin, audited changes.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``: a random 16-byte salt per
hash, memory-hard and slow); verification is argon2's own constant-time comparison, and an
unknown user name costs one verification too, so timing does not reveal which names exist. Plain
passwords are never stored, logged or put into error messages or the audit trail.

>>> h = hash_password("correct horse battery")
>>> h.startswith("$argon2id$"), verify_password(h, "correct horse battery")
(True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from jamlik.model import InputError
from jamlik.strategy._access import ROLES, audit, now, require
from jamlik.strategy.errors import AuthenticationError, PermissionDenied

_NAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
MIN_PASSWORD = 10
_HIDDEN = "<hidden>"


@dataclass(frozen=True)
class User:
    username: str
    role: str

    def has(self, role: str) -> bool:
        """Whether this user's role is at least ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """A salted argon2id hash (PHC string ``$argon2id$v=19$m=…,t=…,p=…$salt$hash``)."""
    _check_password(password)
    return (hasher or PasswordHasher()).hash(password)


def verify_password(password_hash: str, password: str,
                    hasher: PasswordHasher | None = None) -> bool:
    """True when ``password`` matches ``password_hash`` (constant-time, by argon2)."""
    try:
        return (hasher or PasswordHasher()).verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check_password(password: str) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= 1024:
        raise InputError("password", _HIDDEN, f"text of {MIN_PASSWORD} to 1024 characters")


def _check_name(username: str) -> str:
    if not isinstance(username, str) or not _NAME.fullmatch(username.strip().lower()):
        raise InputError("username", username, "2–64 characters: lower-case letters, digits "
                         "and . _ @ -, starting with a letter or digit")
    return username.strip().lower()


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError("role", role, f"one of {list(ROLES)}")
    return role


class Accounts:
    """User accounts in the warehouse (``users`` table; changes go to ``audit_log``)."""

    def __init__(self, warehouse, *, hasher: PasswordHasher | None = None):
        self._wh = warehouse
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def users(self) -> list[User]:
        rows = self._wh.con.execute("SELECT username, role FROM users ORDER BY username")
        return [User(u, r) for u, r in rows.fetchall()]

    def get(self, username: str) -> User | None:
        row = self._wh.con.execute("SELECT username, role FROM users WHERE username = ?",
                                   [str(username).strip().lower()]).fetchone()
        return User(*row) if row else None

    def create_user(self, actor: User | None, username: str, password: str,
                    role: str = "viewer") -> User:
        """Create a user. Needs an admin ``actor``, except for the very first user (the
        bootstrap admin, ``actor=None``, role ``admin``)."""
        username, role = _check_name(username), _check_role(role)
        password_hash = hash_password(password, self._hasher)
        with self._wh.transaction() as con:
            count = con.execute("SELECT count(*) FROM users").fetchone()[0]
            if count == 0 and actor is None:
                if role != "admin":
                    raise InputError("role", role, "'admin' for the first user")
                who = username
            else:
                who = require(con, actor, "admin", "create users")
            if con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise InputError("username", username, "a user name not already taken")
            t = now()
            con.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                        [username, role, password_hash, t, t])
            audit(con, who, "create_user", "user", username, None,
                  {"username": username, "role": role})
        return User(username, role)

    def authenticate(self, username: str, password: str) -> User:
        """The user, when the password is right; otherwise :class:`AuthenticationError`."""
        name = str(username).strip().lower()
        row = self._wh.con.execute("SELECT role, password_hash FROM users WHERE username = ?",
                                   [name]).fetchone()
        if row is None:
            if self._dummy is None:
                self._dummy = self._hasher.hash("jamlik-dummy-password")
            verify_password(self._dummy, str(password), self._hasher)  # same cost as a real try
            raise AuthenticationError("wrong user name or password")
        role, stored = row
        if not verify_password(stored, str(password), self._hasher):
            raise AuthenticationError("wrong user name or password")
        if self._hasher.check_needs_rehash(stored):
            with self._wh.transaction() as con:
                con.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?",
                            [self._hasher.hash(password), now(), name])
        return User(name, role)

    def set_role(self, actor: User, username: str, role: str) -> User:
        """Change a user's role (admins only; the last admin cannot be demoted)."""
        username, role = _check_name(username), _check_role(role)
        with self._wh.transaction() as con:
            who = require(con, actor, "admin", "change roles")
            row = con.execute("SELECT role FROM users WHERE username = ?", [username]).fetchone()
            if row is None:
                raise InputError("username", username, "an existing user")
            admins = con.execute("SELECT count(*) FROM users WHERE role = 'admin'").fetchone()[0]
            if row[0] == "admin" and role != "admin" and admins == 1:
                raise InputError("role", role, "'admin': this is the last admin")
            con.execute("UPDATE users SET role = ?, updated_at = ? WHERE username = ?",
                        [role, now(), username])
            audit(con, who, "set_role", "user", username, {"role": row[0]}, {"role": role})
        return User(username, role)

    def set_password(self, actor: User, username: str, password: str) -> None:
        """Change a password: one's own, or anyone's for an admin. Audited without the hash."""
        username = _check_name(username)
        password_hash = hash_password(password, self._hasher)
        with self._wh.transaction() as con:
            if getattr(actor, "username", None) == username:
                who = require(con, actor, "viewer", "change their password")
            else:
                who = require(con, actor, "admin", "change other users' passwords")
            if not con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise InputError("username", username, "an existing user")
            con.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?",
                        [password_hash, now(), username])
            audit(con, who, "set_password", "user", username, None, None)


__all__ = ["Accounts", "AuthenticationError", "PermissionDenied", "User", "hash_password",
           "verify_password"]
