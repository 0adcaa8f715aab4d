"""Synthetic figures are marked where people look: a visible banner on every page that shows
them, a visible mark on each synthetic row beside real ones, and an honest page for an area the
demo does not cover; at desktop (1280 px) and phone (390 px) width, nothing wider than the
screen. Screenshots are left in the artifacts folder for people to look at.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDTHS = (1280, 390)
PAGES = {"start": "/", "linkoping": "/omrade/0580", "goteborg": "/omrade/1480",
         "overview": "/oversikt", "indicator": "/indikator/mortality_all_cause", "goals": "/mal"}


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def sized(browser, request):
    context = browser.new_context(viewport={"width": request.param, "height": 900},
                                  locale="sv-SE")
    page = context.new_page()
    yield page, request.param
    context.close()


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide on a {width} px screen"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_fit_and_synthetic_ones_show_the_banner(sized, live_server, artifacts, name):
    page, width = sized
    page.goto(live_server + PAGES[name])
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts / f"synthetic_{name}_{width}.png"), full_page=True)
    _fits(page, width)
    banner = page.locator("#synthetic-banner")
    if name == "goteborg":
        assert banner.count() == 0
        assert page.locator("#coverage-note").is_visible()
        assert "demoregionen" in page.locator("#coverage-note").inner_text()
    else:
        assert banner.is_visible(), name
        assert "Syntetiska data (demo)" in banner.inner_text()
        box = banner.bounding_box()
        assert box["y"] < 400 and box["width"] <= width  # at the top, not cut off


def test_mixed_rows_are_marked_visibly(sized, live_server):
    page, _ = sized
    page.goto(live_server + "/omrade/0580")
    real = page.locator("tr[data-indicator=gymnasium_eligibility_all]")
    fake = page.locator("tr[data-indicator=mortality_all_cause]")
    assert real.locator(".syn").count() == 0
    mark = fake.locator(".syn")
    mark.scroll_into_view_if_needed()
    assert mark.is_visible() and mark.inner_text().strip() == "Syntetisk"
    # the mark is text on a light ground with a dark border: readable without colour
    colour, background = page.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]",
        mark.element_handle())
    assert colour != background
