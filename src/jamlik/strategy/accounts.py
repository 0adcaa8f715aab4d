"""Local accounts: argon2id password hashes, roles viewer < editor < admin, audited changes.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``: a random 16-byte salt per
hash, memory-hard and slow); verification is argon2's own constant-time comparison, and an
unknown user name costs one verification too, so timing does not reveal which names exist. Plain
passwords are never stored, logged or put into error messages or the audit trail.

**Sessions** of the web app are rows of ``sessions``: the cookie carries a random id and the
table keeps only its SHA-256, the user and the expiry; signing out revokes the row and a password
change revokes all of the user's rows, so an old cookie opens nothing.

>>> h = hash_password("correct horse battery")
>>> h.startswith("$argon2id$"), verify_password(h, "correct horse battery")
(True, True)
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from jamlik.model import InputError
from jamlik.store import accounts as tables
from jamlik.store.strategy_tables import audit
from jamlik.strategy._access import ROLES, require
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


@dataclass(frozen=True)
class Credentials:
    """What a sign-in is checked against: for an unknown name ``role`` is None and
    ``password_hash`` a dummy hash with the same parameters, so both take one verification."""

    username: str
    role: str | None
    password_hash: str

    def check(self, password: str, hasher: PasswordHasher) -> User:
        """The user when ``password`` is right, else :class:`AuthenticationError`. Slow (argon2):
        call it outside locks and off the event loop."""
        ok = verify_password(self.password_hash, str(password), hasher)
        if not ok or self.role is None:
            raise AuthenticationError("wrong user name or password")
        return User(self.username, self.role)


_DUMMY: dict[tuple, str] = {}
_DUMMY_LOCK = threading.Lock()


def _dummy_hash(hasher: PasswordHasher) -> str:
    """One hash per hasher configuration and process, made on first use."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len,
           hasher.salt_len, hasher.type)
    with _DUMMY_LOCK:
        if key not in _DUMMY:
            _DUMMY[key] = hasher.hash(secrets.token_urlsafe(16))
        return _DUMMY[key]


def session_hash(session_id: str) -> str:
    """What ``sessions`` stores for a cookie's session id (hex SHA-256)."""
    return hashlib.sha256(str(session_id).encode()).hexdigest()


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
    """User accounts in the warehouse (``users`` table; changes go to ``audit_log``), stored
    through :mod:`jamlik.store.accounts`."""

    def __init__(self, warehouse, *, hasher: PasswordHasher | None = None):
        self._wh = warehouse
        self._hasher = hasher or PasswordHasher()

    def users(self) -> list[User]:
        return [User(u, r) for u, r in tables.users(self._wh.con)]

    def get(self, username: str) -> User | None:
        name = str(username).strip().lower()
        role = tables.role_of(self._wh.con, name)
        return User(name, role) if role else None

    def create_user(self, actor: User | None, username: str, password: str,
                    role: str = "viewer") -> User:
        """Create a user. Needs an admin ``actor``, except for the very first user (the
        bootstrap admin, ``actor=None``, role ``admin``)."""
        username, role = _check_name(username), _check_role(role)
        password_hash = hash_password(password, self._hasher)
        with self._wh.transaction() as con:
            if tables.user_count(con) == 0 and actor is None:
                if role != "admin":
                    raise InputError("role", role, "'admin' for the first user")
                who = username
            else:
                who = require(con, actor, "admin", "create users")
            if tables.role_of(con, username) is not None:
                raise InputError("username", username, "a user name not already taken")
            tables.add_user(con, username, role, password_hash)
            audit(con, who, "create_user", "user", username, None,
                  {"username": username, "role": role})
        return User(username, role)

    def credentials(self, username: str) -> Credentials:
        """The stored hash and role of ``username`` (a dummy hash for an unknown name)."""
        name = str(username).strip().lower()
        dummy = _dummy_hash(self._hasher)  # made for every name: the same cost either way
        row = tables.credentials(self._wh.con, name)
        return Credentials(name, *row) if row else Credentials(name, None, dummy)

    def authenticate(self, username: str, password: str) -> User:
        """The user, when the password is right; otherwise :class:`AuthenticationError`."""
        credentials = self.credentials(username)
        user = credentials.check(password, self._hasher)
        self.rehash_if_needed(credentials, password)
        return user

    def rehash_if_needed(self, credentials: Credentials, password: str) -> None:
        """Store a fresh hash after a successful check when the hasher's parameters changed."""
        if credentials.role is not None and \
                self._hasher.check_needs_rehash(credentials.password_hash):
            with self._wh.transaction() as con:
                tables.set_password_hash(con, credentials.username, self._hasher.hash(password))

    # -- sessions ---------------------------------------------------------------------------------
    def open_session(self, user: User, max_age: int) -> str:
        """A new session id for ``user``, valid for ``max_age`` seconds unless revoked."""
        session_id = secrets.token_urlsafe(32)
        with self._wh.transaction() as con:
            tables.open_session(con, session_hash(session_id), user.username, max_age=max_age)
        return session_id

    def session_user(self, session_id: str) -> User | None:
        """The user of a live session (not revoked, not expired), else None."""
        row = tables.session_user(self._wh.con, session_hash(session_id))
        return User(*row) if row else None

    def revoke_session(self, session_id: str) -> None:
        """End one session (sign-out)."""
        with self._wh.transaction() as con:
            tables.revoke_session(con, session_hash(session_id))

    def set_role(self, actor: User, username: str, role: str) -> User:
        """Change a user's role (admins only; the last admin cannot be demoted)."""
        username, role = _check_name(username), _check_role(role)
        with self._wh.transaction() as con:
            who = require(con, actor, "admin", "change roles")
            old = tables.role_of(con, username)
            if old is None:
                raise InputError("username", username, "an existing user")
            if old == "admin" and role != "admin" and tables.user_count(con, role="admin") == 1:
                raise InputError("role", role, "'admin': this is the last admin")
            tables.set_role(con, username, role)
            audit(con, who, "set_role", "user", username, {"role": old}, {"role": role})
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
            if tables.role_of(con, username) is None:
                raise InputError("username", username, "an existing user")
            tables.set_password_hash(con, username, password_hash)
            tables.revoke_sessions_of(con, username)
            audit(con, who, "set_password", "user", username, None, None)


__all__ = ["Accounts", "AuthenticationError", "Credentials", "PermissionDenied", "User", "hash_password",
           "verify_password"]
