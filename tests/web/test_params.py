"""Bad query parameters get a 422 naming the parameter and its rule, never a 500 (issue 13,
point 8), and no limit gets round a route's cap."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.web import create_app


@pytest.fixture(scope="module")
def client(small_db):
    return TestClient(create_app(Settings(db_path=small_db)), raise_server_exceptions=False)


@pytest.mark.parametrize(("url", "param"), [
    ("/api/observations?offset=9223372036854775808", "offset"),
    ("/api/observations?offset=-1", "offset"),
    ("/api/observations?year=99999999999", "year"),
    ("/api/observations?limit=0", "limit"),
    ("/api/profiles/0580?comparator=zz", "comparator"),
    ("/api/profiles/0580?lang=xx", "lang"),
    ("/api/areas?limit=-5", "limit"),
    ("/api/areas?limit=501", "limit"),
    ("/api/areas?level=kommunn", "level"),
    ("/api/provenance?indicator=mortality_all_cause&year=-40000", "year"),
    ("/ladda-ner/observationer.csv?year=40000", "year"),
    ("/indikator/mortality_all_cause?year=123456789012", "year"),
])
def test_bad_parameters_are_refused_with_the_rule(client, url, param):
    response = client.get(url)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(param in err["loc"] for err in detail), detail


def test_area_search_stays_within_its_cap(client):
    found = client.get("/api/areas", params={"q": "0", "limit": 500}).json()
    assert 0 < len(found) <= 500


def test_good_parameters_still_answer(client):
    assert client.get("/api/observations?offset=5&limit=3").json()["count"] == 3
    profile = client.get("/api/profiles/0580?comparator=nation&lang=en")
    assert profile.status_code == 200 and profile.json()["comparator"] == "nation"
