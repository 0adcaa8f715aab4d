"""Every page renders under the strict Content-Security-Policy (issue 13, point 9): no policy
violation is reported, no script error happens and every chart draws. Screenshots are left in
test-artifacts/csp_*.png for people to look at."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

#: Records every CSP violation the page reports (installed before any page script runs).
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""
CHARTS_DONE = ("Array.from(document.querySelectorAll('[data-vl]'))"
               ".every(function (el) { return el.dataset.rendered; })")

PAGES = {
    "start": "/",
    "area": "/omrade/0580",
    "indicator": "/indikator/mortality_all_cause",
    "dashboard": "/mal",
    "goal": "/mal/strategi_for_halsa/caries_age3?omrade=0580",
    "plan": "/plan",
    "login": "/logga-in",
    "api": "/api",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_under_the_policy(page, live_server, artifacts, name):
    errors, console = [], []
    page.add_init_script(WATCH)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    response = page.goto(live_server + PAGES[name])
    assert response.status == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page.wait_for_function(CHARTS_DONE, timeout=30_000)
    charts = page.locator("[data-vl]").count()
    assert page.locator("[data-rendered=error]").count() == 0
    assert page.locator("[data-rendered=true] svg").count() == charts
    if name in ("start", "area", "indicator"):
        assert charts >= 1
    page.wait_for_timeout(200)  # let late violation events arrive
    violations = page.evaluate("window.__csp")
    page.screenshot(path=str(artifacts / f"csp_{name}.png"), full_page=True)
    assert violations == [], violations
    assert errors == [] and [c for c in console if "Content Security Policy" in c] == []


def test_tooltips_show_under_the_policy(page, live_server, artifacts):
    page.add_init_script(WATCH)
    page.goto(live_server + "/indikator/mortality_all_cause")
    page.wait_for_function(CHARTS_DONE, timeout=30_000)
    bar = page.locator("[data-rendered=true] svg path[role=graphics-symbol]").first
    bar.hover()
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
    assert page.locator("#vg-tooltip-element").inner_text().strip()
    page.screenshot(path=str(artifacts / "csp_tooltip.png"))
    assert page.evaluate("window.__csp") == []
