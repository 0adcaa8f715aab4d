"""Pages say what they show: the interval column is headed by the level chosen, a comparison
with the nation does not show the nation twice, an unknown code gets a plain answer, and a
standard population is named, not coded."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.web import create_app


@pytest.fixture(scope="module")
def client(small_db):
    return TestClient(create_app(Settings(db_path=small_db)))


def _header(html: str) -> list[str]:
    head = re.search(r'<table class="profile".*?<thead>(.*?)</thead>', html, re.S)[1]
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]


@pytest.mark.parametrize(("level", "shown", "not_shown"), [("95", "95 % KI", "99,8 % KI"),
                                                           ("998", "99,8 % KI", "95 % KI")])
def test_the_interval_column_is_headed_by_the_level_shown(client, level, shown, not_shown):
    header = _header(client.get(f"/omrade/0580?level={level}&lang=sv").text)
    assert shown in header and not_shown not in header


def test_english_interval_header(client):
    assert "99.8% CI" in _header(client.get("/omrade/0580?level=998&lang=en").text)


def test_comparing_with_the_nation_shows_it_once(client):
    html = client.get("/omrade/0580?comparator=nation&lang=sv").text
    header = _header(html)
    assert header.count("Riket") + header.count("Sverige") == 1
    body = re.search(r'<table class="profile".*?<tbody>(.*?)</tbody>', html, re.S)[1]
    rows = [r for r in re.findall(r"<tr(?![^>]*topic)[^>]*>(.*?)</tr>", body, re.S)]
    assert rows and all(len(re.findall(r"<t[hd][ >]", r)) == len(header) for r in rows)


def test_comparing_with_the_parent_shows_parent_and_nation(client):
    header = _header(client.get("/omrade/0580?lang=sv").text)
    assert "Riket" in header and any(h.startswith("Östergötland") or "län" in h for h in header)


@pytest.mark.parametrize(("lang", "text"), [("sv", "Det finns inget område med koden 0599"),
                                            ("en", "There is no area with the code 0599")])
def test_an_unknown_area_gets_a_plain_answer(client, lang, text):
    response = client.get(f"/omrade/0599?lang={lang}")
    assert response.status_code == 404
    assert text in response.text and "value '" not in response.text


@pytest.mark.parametrize(("lang", "text"), [("sv", "Europas standardbefolkning 2013"),
                                            ("en", "European Standard Population 2013")])
def test_the_standard_population_is_named_not_coded(client, lang, text):
    html = client.get(f"/indikator/mortality_all_cause?lang={lang}").text
    assert text in html and "esp2013" not in re.sub(r"<[^>]+>", " ", html)
