"""Role checks and audit entries, both done inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from jamlik.strategy.errors import PermissionDenied

ROLES = ("viewer", "editor", "admin")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def current_role(con, username: str | None) -> str | None:
    if username is None:
        return None
    row = con.execute("SELECT role FROM users WHERE username = ?", [username]).fetchone()
    return row[0] if row else None


def require(con, user, needed: str, action: str) -> str:
    """The user's name when the role *stored now* is at least ``needed``; else PermissionDenied.

    The role is read from the warehouse, not trusted from the ``User`` object, so a downgrade
    takes effect at once.
    """
    username = getattr(user, "username", None)
    role = current_role(con, username)
    if role is None or ROLES.index(role) < ROLES.index(needed):
        raise PermissionDenied(username, role, action, needed)
    return username


def audit(con, username: str, action: str, object_type: str, object_id: str,
          before: Any, after: Any) -> None:
    def dump(x):
        return None if x is None else json.dumps(x, ensure_ascii=False, sort_keys=True)

    con.execute(
        "INSERT INTO audit_log (audit_id, changed_at, username, action, object_type, object_id,"
        " before, after) VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?, ?)",
        [now(), username, action, object_type, object_id, dump(before), dump(after)],
    )
