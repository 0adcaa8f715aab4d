"""Security headers on every response, a Secure cookie behind a trusted TLS proxy, and a health
check that does not show where the warehouse lies (issue 13, point 9). The pages rendering under
the policy is checked in a real browser: tests/browser/test_csp.py."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.web import create_app
from jamlik.web.auth import COOKIE


@pytest.fixture(scope="module")
def settings(small_db, tmp_path_factory):
    side = tmp_path_factory.mktemp("headers") / "side.duckdb"
    return Settings(db_path=small_db, extra={"strategy_db": str(side), "secret": "s" * 40})


@pytest.fixture(scope="module")
def client(settings):
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.mark.parametrize("path", [
    "/", "/omrade/0580", "/indikator/mortality_all_cause", "/mal", "/logga-in", "/api/health",
    "/api/areas?limit=-5", "/api/observations?limit=2", "/ladda-ner/observationer.csv",
    "/static/jamlik.css", "/finns-inte", "/openapi.json"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in headers  # plain HTTP: no HSTS


def test_templates_have_no_inline_script_or_style(client):
    for path in ("/", "/omrade/0580", "/indikator/mortality_all_cause", "/mal", "/logga-in",
                 "/api"):
        html = client.get(path).text
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
        assert all("src=" in attrs or 'type="application/json"' in attrs
                   for attrs, _ in scripts), path
        assert "<style" not in html and " style=" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def test_health_does_not_show_the_warehouse_path(client, small_db):
    body = client.get("/api/health").text
    assert str(small_db.parent) not in body and "/" not in client.get("/api/health").json()[
        "warehouse"]["file"]


def _sign_in_cookie(app, **client_args) -> str:
    with TestClient(app, **client_args) as browser:
        page = browser.get("/logga-in")
        return page.headers["set-cookie"]


def test_secure_cookie_only_behind_a_trusted_https_proxy(settings):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    trusting = create_app(Settings(db_path=settings.db_path, extra={
        **settings.extra, "trusted_proxies": "testclient"}))
    with TestClient(trusting) as browser:
        response = browser.get("/logga-in", headers=forwarded)
        assert COOKIE in response.headers["set-cookie"]
        assert "secure" in response.headers["set-cookie"].lower()
        assert response.headers["strict-transport-security"].startswith("max-age=")
    untrusting = create_app(settings)
    with TestClient(untrusting) as browser:
        response = browser.get("/logga-in", headers=forwarded)
        assert "secure" not in response.headers["set-cookie"].lower()
        assert "strict-transport-security" not in response.headers


def test_https_setting_forces_secure_cookies(settings):
    app = create_app(Settings(db_path=settings.db_path, extra={**settings.extra, "https": "1"}))
    with TestClient(app) as browser:
        assert "secure" in browser.get("/logga-in").headers["set-cookie"].lower()


def test_proxy_settings_come_from_the_environment():
    settings = Settings.from_env({"JAMLIK_TRUSTED_PROXIES": "10.0.0.2, 10.0.0.3",
                                  "JAMLIK_HTTPS": "1"})
    assert settings.extra == {"trusted_proxies": "10.0.0.2, 10.0.0.3", "https": "1"}


def test_nothing_published_yet_does_not_show_the_servers_directories(tmp_path):
    db = tmp_path / "secret-folder" / "jamlik.duckdb"
    db.parent.mkdir()
    db.touch()
    client = TestClient(create_app(Settings(db_path=db)))
    for path in ("/", "/api/health"):
        body = client.get(path).text
        assert "secret-folder" not in body and str(tmp_path) not in body, path
    assert "jamlik.duckdb" in client.get("/").text
