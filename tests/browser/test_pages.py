"""Profile, vårdcentral and indicator pages in headless Chromium: charts render, numbers match.

Expected numbers are read from the warehouse with SQL and formatted by hand (Swedish: decimal
comma), never taken from the page-building code.
"""

from __future__ import annotations

import pytest

from jamlik.store import Warehouse

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ALL_CHARTS_DRAWN = ("document.querySelectorAll('[data-vl]').length > 0 && "
                    "document.querySelectorAll('[data-vl]').length == "
                    "document.querySelectorAll('[data-rendered]').length")


def swedish(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def latest(demo_db, indicator: str, area: str) -> tuple:
    with Warehouse(demo_db, read_only=True) as wh:
        return wh.con.execute(
            "SELECT year, value, lower_95, upper_95 FROM observations WHERE indicator_id = ? "
            "AND area_code = ? AND breakdown = 'total' ORDER BY year DESC LIMIT 1",
            [indicator, area]).fetchone()


def assert_charts_ok(page):
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    assert page.locator("[data-rendered=error]").count() == 0
    assert page.locator("[data-rendered=true] svg").count() >= 1


def test_kommun_profile(page, live_server, demo_db_computed, artifacts):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/omrade/0580")
    assert_charts_ok(page)
    assert page.locator("h1").inner_text().startswith("Linköping")
    year, value, lower, upper = latest(demo_db_computed, "mortality_all_cause", "0580")
    row = page.locator("tr[data-indicator=mortality_all_cause]")
    assert row.locator("td.value").inner_text().strip() == swedish(value, 1)
    assert row.locator("td.ci").inner_text().strip() == f"{swedish(lower, 1)}–{swedish(upper, 1)}"
    assert str(year) in row.inner_text()
    # The spine chart is as wide as its spec says (a broken scale once made it 15 million px).
    width = page.evaluate("document.querySelector('figure.spine svg').getBoundingClientRect().width")
    assert 300 < width < 1200
    assert page.locator("#key-messages li").count() >= 1
    assert "Senast beräknad" in page.locator("#updated").inner_text()
    page.screenshot(path=str(artifacts / "profile_0580.png"), full_page=True)
    assert errors == []


def test_comparator_choice_and_significance_level(page, live_server):
    page.goto(live_server + "/omrade/0580?comparator=nation&level=998")
    assert_charts_ok(page)
    assert page.locator("#comparator").input_value() == "nation"
    page.select_option("#comparator", "peers")
    page.click("form.controls button")
    assert_charts_ok(page)
    assert "comparator=peers" in page.url
    assert page.locator("text=Liknande områden").count() >= 1


def test_vardcentral_profile(page, live_server, demo_db_computed, artifacts):
    with Warehouse(demo_db_computed, read_only=True) as wh:
        code, name = wh.con.execute(
            "SELECT code, name FROM care_units ORDER BY code LIMIT 1").fetchone()
    page.goto(f"{live_server}/omrade/{code}")
    assert_charts_ok(page)
    assert name in page.locator("h1").inner_text()
    _, value, _, _ = latest(demo_db_computed, "diabetes_prevalence", code)
    cell = page.locator("tr[data-indicator=diabetes_prevalence] td.value")
    assert cell.inner_text().strip() == swedish(value, 1)
    page.screenshot(path=str(artifacts / f"profile_{code}.png"), full_page=True)


def test_indicator_page(page, live_server, demo_db_computed, artifacts):
    page.goto(live_server + "/indikator/mortality_all_cause")
    assert_charts_ok(page)
    assert page.locator("#definition").count() == 1
    for section in ("#map-h", "#trend-h", "#rank-h", "#funnel-h", "#bd-h"):
        assert page.locator(section).count() == 1, section
    with Warehouse(demo_db_computed, read_only=True) as wh:
        n = wh.con.execute(
            "SELECT count(*) FROM observations WHERE indicator_id = 'mortality_all_cause' AND "
            "area_level = 'kommun' AND area_code LIKE '05%' AND breakdown = 'total' AND year = "
            "(SELECT max(year) FROM observations WHERE indicator_id = 'mortality_all_cause')"
        ).fetchone()[0]
    assert page.locator("#indicator-table tbody tr").count() == n == 13
    _, value, _, _ = latest(demo_db_computed, "mortality_all_cause", "0581")
    cell = page.locator("#indicator-table tr[data-area='0581'] td.num").first
    assert cell.inner_text().strip() == swedish(value, 1)
    page.screenshot(path=str(artifacts / "indicator_mortality_all_cause.png"), full_page=True)


def test_overview_and_keyboard(page, live_server, artifacts):
    page.goto(live_server + "/oversikt")
    assert page.locator("#tartan tbody tr").count() >= 30
    page.screenshot(path=str(artifacts / "overview.png"), full_page=True)
    # Keyboard: the first Tab reaches the skip link, which jumps to the content.
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"


def test_no_request_leaves_localhost(page, live_server):
    outside = []
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:"))
            else outside.append(r.url))
    for path in ("/", "/omrade/05", "/indikator/good_health", "/api"):
        page.goto(live_server + path)
    assert outside == []
