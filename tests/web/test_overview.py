"""The overview (/oversikt): indicators in topic and title order, comparison and trend readable
without colour (WCAG 1.4.1), and no level offered that has no areas."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.model.catalogue import load_catalogue
from jamlik.profiles.reader import TOPIC_ORDER
from jamlik.web import create_app


@pytest.fixture(scope="module")
def html(small_db):
    client = TestClient(create_app(Settings(db_path=small_db)))
    return client.get("/oversikt?lang=sv").text


def test_indicators_come_by_topic_then_swedish_title(html):
    ids = re.findall(r'<tr data-indicator="([^"]+)"', html)
    cat = load_catalogue(include_external=True)
    keys = [(TOPIC_ORDER.index(cat[i].topic), cat[i].title("sv").casefold()) for i in ids]
    assert len(ids) == 4 and keys == sorted(keys)


def test_every_compared_cell_has_a_symbol_and_a_trend_arrow_besides_its_colour(html):
    cells = re.findall(r'<td class="num cell-(\w+)"[^>]*>(.*?)</td>', html, re.S)
    compared = [body for category, body in cells if category != "not_compared"]
    assert compared and all('<span class="sym" aria-hidden="true">●</span>' in b
                            and '<span class="trend" aria-hidden="true">→</span>' in b
                            for b in compared)  # the small warehouse: all similar, no change
    assert "▲ bättre eller högre än riket" in html


def test_a_level_without_areas_is_not_offered(html):
    options = re.findall(r'<option value="(\w+)"', html)
    assert options == ["kommun", "regso"]  # no vårdcentraler are loaded
