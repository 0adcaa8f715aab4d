"""Roles and the role check done inside the caller's transaction."""

from __future__ import annotations

from jamlik.store.accounts import role_of
from jamlik.strategy.errors import PermissionDenied

ROLES = ("viewer", "editor", "admin")


def require(con, user, needed: str, action: str) -> str:
    """The user's name when the role *stored now* is at least ``needed``; else PermissionDenied.

    The role is read from the warehouse, not trusted from the ``User`` object, so a downgrade
    takes effect at once.
    """
    username = getattr(user, "username", None)
    role = role_of(con, username)
    if role is None or ROLES.index(role) < ROLES.index(needed):
        raise PermissionDenied(username, role, action, needed)
    return username
