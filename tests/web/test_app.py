"""The placeholder web app: start page, area API, OpenAPI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.store import Warehouse
from jamlik.web import create_app


@pytest.fixture(scope="module")
def client(demo_db_computed):
    return TestClient(create_app(Settings(db_path=demo_db_computed)))


def test_start_page_in_swedish_and_english(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'lang="sv"' in page.text and "Östergötlands län" in page.text
    english = client.get("/?lang=en")
    assert 'lang="en"' in english.text and "Search area" in english.text


def test_start_page_population_matches_the_warehouse(client, demo_db_computed):
    with Warehouse(demo_db_computed, read_only=True) as wh:
        (n,) = wh.con.execute("SELECT count(*) FROM person_years WHERE kommun_code = '0580' "
                              "AND year = (SELECT max(year) FROM person_years)").fetchone()
    page = client.get("/")
    assert f'data-value="{n}"' in page.text


def test_area_api(client):
    assert client.get("/api/areas/0580").json()["name"] == "Linköping"
    missing = client.get("/api/areas/0599")
    assert missing.status_code == 404 and "unknown kommun code" in missing.json()["error"]
    hits = client.get("/api/areas", params={"q": "norrk"}).json()
    assert hits[0]["code"] == "0581"
    assert client.get("/openapi.json").json()["info"]["title"] == "jamlik"
