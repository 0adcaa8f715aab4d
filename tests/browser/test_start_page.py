"""The start page in a real browser: it renders, search works, numbers match the warehouse."""

from __future__ import annotations

import pytest

from jamlik.store import Warehouse

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_start_page_renders_and_searches(page, live_server, demo_db_computed, artifacts):
    page.goto(live_server + "/")
    assert "jamlik" in page.title()
    rows = page.locator("#kommun-table tbody tr")
    assert rows.count() == 13
    with Warehouse(demo_db_computed, read_only=True) as wh:
        (n,) = wh.con.execute("SELECT count(*) FROM person_years WHERE kommun_code = '0581' "
                              "AND year = (SELECT max(year) FROM person_years)").fetchone()
    cell = page.locator("#kommun-table tr", has_text="Norrköping").locator("td.num")
    assert int(cell.get_attribute("data-value")) == n
    page.screenshot(path=str(artifacts / "start_page.png"), full_page=True)

    page.fill("#q", "linkoping")
    page.keyboard.press("Enter")
    page.wait_for_selector("ul.hits li")
    assert "Linköping" in page.locator("ul.hits").inner_text()


def test_language_switch(page, live_server):
    page.goto(live_server + "/")
    page.click("a.lang")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Search area" in page.content()
