"""Searching for an area on the start page: hits in the home region first, and a RegSO named
with its kommun (many RegSO names recur across Sweden)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.web import create_app


def test_regso_hits_name_their_kommun_and_the_home_region_comes_first(small_db):
    client = TestClient(create_app(Settings(db_path=small_db)))
    html = client.get("/?q=Berga&lang=sv").text
    hits = re.findall(r'<li><a href="/omrade/([^"]+)"><span class="code">[^<]+</span> ([^<]+)</a>',
                      html)
    assert hits[0] == ("0580R001", "Berga, Linköping")
    assert ("0117R001", "Berga, Österåker") in hits
