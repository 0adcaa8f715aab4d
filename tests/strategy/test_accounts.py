"""Local accounts: argon2id hashing, authentication, roles, audited user changes."""

from __future__ import annotations

import pytest

from jamlik.model import InputError
from jamlik.strategy import (
    Accounts,
    AuthenticationError,
    PermissionDenied,
    StrategyStore,
    hash_password,
    verify_password,
)

from .conftest import PASSWORD

# Argon2 reference implementation test vectors (P-H-C/phc-winner-argon2, src/test.c, Argon2id
# v=19, password "password", salt "somesalt"): exact string match of verification.
PHC_VECTORS = [
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
    "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc",
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
]


@pytest.mark.parametrize("encoded", PHC_VECTORS)
def test_verifies_reference_vectors(encoded):
    assert verify_password(encoded, "password")
    assert not verify_password(encoded, "Password")


def test_hashes_are_salted_argon2id(hasher):
    a, b = hash_password(PASSWORD, hasher), hash_password(PASSWORD, hasher)
    assert a != b  # a fresh random salt each time
    assert a.startswith("$argon2id$v=19$") and PASSWORD not in a
    assert verify_password(a, PASSWORD) and verify_password(b, PASSWORD)
    assert not verify_password(a, PASSWORD + "!")
    assert not verify_password("not a hash", PASSWORD)


def test_default_hasher_is_slow_argon2id():
    # argon2-cffi's default profile (RFC 9106 "second recommended": t=3, m=64 MiB, p=4).
    assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_password_never_echoed():
    with pytest.raises(InputError) as info:
        hash_password("short")
    assert "short" not in str(info.value)


def test_authenticate(people):
    accounts, _admin, editor, _viewer = people
    assert accounts.authenticate("Eva.Editor", PASSWORD) == editor
    with pytest.raises(AuthenticationError):
        accounts.authenticate("eva.editor", "wrong password!")
    with pytest.raises(AuthenticationError):
        accounts.authenticate("nobody", PASSWORD)


def test_passwords_stored_only_as_hashes(people, wh):
    stored = wh.con.execute("SELECT password_hash FROM users").fetchall()
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for (h,) in stored)
    log = wh.con.execute("SELECT coalesce(before::VARCHAR, '') || coalesce(after::VARCHAR, '') FROM audit_log")
    assert not any(PASSWORD in text or "$argon2" in text for (text,) in log.fetchall())


def test_roles(people, wh, hasher):
    accounts, admin, editor, viewer = people
    with pytest.raises(PermissionDenied):
        accounts.create_user(editor, "x1", PASSWORD, "viewer")
    with pytest.raises(PermissionDenied):
        accounts.create_user(None, "x2", PASSWORD, "admin")  # bootstrap only when empty
    with pytest.raises(PermissionDenied):
        accounts.set_role(viewer, "vera", "admin")
    assert accounts.set_role(admin, "vera", "editor").role == "editor"
    with pytest.raises(InputError, match="last admin"):
        accounts.set_role(admin, "admin", "viewer")
    with pytest.raises(InputError, match="already taken"):
        accounts.create_user(admin, "vera", PASSWORD, "viewer")
    # own password: anyone; another's: admin only
    accounts.set_password(viewer, "vera", "a new long password")
    assert accounts.authenticate("vera", "a new long password").role == "editor"
    with pytest.raises(PermissionDenied):
        accounts.set_password(editor, "vera", "yet another password")
    actions = [e.action for e in StrategyStore(wh).audit_log()]
    assert actions == ["create_user"] * 3 + ["set_role", "set_password"]


def test_demotion_takes_effect_at_once(people, wh):
    accounts, admin, editor, _viewer = people
    store = StrategyStore(wh)
    store.import_builtin(editor, ["samverkansplan_exempel"])
    accounts.set_role(admin, "eva.editor", "viewer")
    with pytest.raises(PermissionDenied, match=r"eva\.editor"):
        store.update_activity(editor, "samverkansplan_exempel", "balance_training", {"stage": 2})


def test_first_user_must_be_admin(wh, hasher):
    with pytest.raises(InputError, match="first user"):
        Accounts(wh, hasher=hasher).create_user(None, "someone", PASSWORD, "viewer")
