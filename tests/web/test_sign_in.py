"""Sign-in must not stall the app, must not tell which user names exist, and signing out must
end the session on the server (issue 13, points 4 and 7).

These tests check the mechanisms, never wall-clock time: the argon2 check runs in a worker
thread (no event loop running there); failures lock further attempts on a controlled clock;
an unknown name costs exactly the verifications a known one does; a revoked session's cookie
opens nothing.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.web import create_app
from jamlik.web._throttle import Policy, SignInThrottle
from jamlik.web.auth import COOKIE, StrategyState

PASSWORD = "correct horse battery"


class SpyHasher(PasswordHasher):
    """A cheap argon2id hasher that records, per call, whether an event loop runs there."""

    def __init__(self):
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.calls: list[tuple[str, bool]] = []

    @staticmethod
    def _on_loop() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def verify(self, hash, password):
        self.calls.append(("verify", self._on_loop()))
        return super().verify(hash, password)

    def hash(self, password, *, salt=None):
        self.calls.append(("hash", self._on_loop()))
        return super().hash(password, salt=salt)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup(small_db, tmp_path):
    settings = Settings(db_path=small_db, extra={"strategy_db": str(tmp_path / "side.duckdb"),
                                                 "secret": "s" * 40})
    hasher, clock = SpyHasher(), Clock()
    state = StrategyState(settings, hasher=hasher, throttle=SignInThrottle(clock=clock))
    with state.open() as (_, accounts):
        admin = accounts.create_user(None, "admin", PASSWORD, "admin")
        accounts.create_user(admin, "vera", PASSWORD, "viewer")
    app = create_app(settings)
    app.state.jamlik_strategy = state
    hasher.calls.clear()
    return {"app": app, "hasher": hasher, "clock": clock, "settings": settings}


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, user: str, password: str = PASSWORD):
    token = csrf(client.get("/logga-in").text)
    return client.post("/logga-in", data={"username": user, "password": password, "csrf": token,
                                          "next": "/mal/logg"}, follow_redirects=False)


def test_password_check_runs_in_a_worker_thread(setup):
    with TestClient(setup["app"]) as client:
        assert sign_in(client, "vera").status_code == 303
        assert sign_in(client, "vera", "wrong password!!").status_code == 401
        assert sign_in(client, "nobody", "wrong password!!").status_code == 401
    verifies = [on_loop for kind, on_loop in setup["hasher"].calls if kind == "verify"]
    assert len(verifies) == 3 and not any(verifies), setup["hasher"].calls


def test_unknown_user_costs_the_same_verification_as_a_known_one(setup):
    hasher = setup["hasher"]
    with TestClient(setup["app"]) as client:
        sign_in(client, "someone-else", "wrong password!!")  # the process's dummy hash is made
        counts = {}
        for name in ("vera", "nobody", "nobody-2", "admin"):
            hasher.calls.clear()
            assert sign_in(client, name, "wrong password!!").status_code == 401
            counts[name] = [kind for kind, _ in hasher.calls]
    assert counts == {name: ["verify"] for name in counts}, counts


def test_the_26th_attempt_with_the_right_password_is_refused_while_locked(setup):
    clock = setup["clock"]
    with TestClient(setup["app"]) as client:
        statuses = [sign_in(client, "vera", f"wrong password {i:02d}").status_code
                    for i in range(25)]
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {401, 429}
        checked = sum(1 for kind, _ in setup["hasher"].calls if kind == "verify")
        right = sign_in(client, "vera")
        assert right.status_code == 429
        assert int(right.headers["Retry-After"]) >= 1
        assert "För många misslyckade inloggningar" in right.text
        assert "Too many failed sign-ins" in client.post(
            "/logga-in?lang=en", data={"username": "vera", "password": PASSWORD,
                                       "csrf": csrf(client.get("/logga-in").text)}).text
        # While locked no password is even checked (no hashing work for the attacker to cause).
        assert sum(1 for kind, _ in setup["hasher"].calls if kind == "verify") == checked
        clock.now += int(right.headers["Retry-After"])
        assert sign_in(client, "vera").status_code == 303


def test_the_lock_grows_and_is_capped():
    policy = Policy(free=5, base=1.0, cap=900.0)
    assert [policy.lock_for(n) for n in range(1, 10)] == [0, 0, 0, 0, 0, 1, 2, 4, 8]
    assert policy.lock_for(1000) == 900.0


def test_many_names_from_one_address_are_limited_too(setup):
    with TestClient(setup["app"]) as client:
        statuses = [sign_in(client, f"guess{i:02d}", "wrong password!!").status_code
                    for i in range(22)]
        assert statuses[:20] == [401] * 20 and statuses[21] == 429
        assert sign_in(client, "admin").status_code == 429  # same address, still locked


def test_after_sign_out_the_old_cookie_opens_nothing(setup):
    with TestClient(setup["app"]) as client:
        assert sign_in(client, "vera").status_code == 303
        assert client.get("/mal/logg").status_code == 200
        old = client.cookies.get(COOKIE)
        page = client.get("/mal/logg").text
        assert client.post("/logga-ut", data={"csrf": csrf(page)},
                           follow_redirects=False).status_code == 303
    with TestClient(setup["app"]) as replay:
        replay.cookies.set(COOKIE, old)
        response = replay.get("/mal/logg", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/logga-in")


def test_a_password_change_ends_the_users_sessions(setup):
    state = setup["app"].state.jamlik_strategy
    with TestClient(setup["app"]) as client:
        assert sign_in(client, "vera").status_code == 303
        assert client.get("/mal/logg").status_code == 200
        with state.open() as (_, accounts):
            vera = accounts.get("vera")
            accounts.set_password(vera, "vera", "another long password")
        assert client.get("/mal/logg", follow_redirects=False).status_code == 303


def test_session_cookie_is_secure_over_https(setup):
    with TestClient(setup["app"], base_url="https://testserver") as client:
        response = sign_in(client, "vera")
        assert "secure" in response.headers["set-cookie"].lower()
    with TestClient(setup["app"]) as client:
        response = sign_in(client, "vera")
        assert "secure" not in response.headers["set-cookie"].lower()
