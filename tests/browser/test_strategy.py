"""Goal dashboard, goal page, plan view and signed-in editing in headless Chromium.

Expected numbers are read from the warehouse with SQL and formatted by hand (Swedish decimal
comma). The app runs on its own strategy side file (a fresh one per module) so edits made here
never touch other tests.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import duckdb
import pytest
import uvicorn
from argon2 import PasswordHasher

from jamlik.model import Settings
from jamlik.strategy import STATUSES
from jamlik.web import create_app
from jamlik.web.auth import StrategyState

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
DEMO_KOMMUNER = ["0509", "0512", "0513", "0560", "0561", "0562", "0563", "0580", "0581", "0582",
                 "0583", "0584", "0586"]  # SCB's kommun codes of Östergötlands län (05)
ALL_CHARTS_DRAWN = ("document.querySelectorAll('[data-vl]').length > 0 && "
                    "document.querySelectorAll('[data-vl]').length == "
                    "document.querySelectorAll('[data-rendered]').length")


def swedish(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


@contextmanager
def serve(settings: Settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(settings)
    app.state.jamlik_strategy = StrategyState(settings, hasher=FAST)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("the web app did not start within 30 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def settings(demo_db_computed, tmp_path_factory):
    side = tmp_path_factory.mktemp("strategy_browser") / "side.duckdb"
    settings = Settings(db_path=demo_db_computed,
                        extra={"strategy_db": str(side), "secret": "b" * 40})
    with StrategyState(settings, hasher=FAST).open() as (_, accounts):
        admin = accounts.create_user(None, "admin", PASSWORD, "admin")
        accounts.create_user(admin, "eva", PASSWORD, "editor")
    return settings


@pytest.fixture(scope="module")
def server(settings):
    with serve(settings) as url:
        yield url


def sql(db, query: str, args=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, list(args)).fetchall()
    finally:
        con.close()


def test_goal_dashboard(page, server, artifacts):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/mal")
    assert page.locator("h1").inner_text() == "Mål och uppföljning"
    rows = page.evaluate("""() => [...document.querySelectorAll('#goal-dashboard tr[data-goal]')]
        .map(tr => ({goal: tr.dataset.goal, noSource: tr.dataset.noSource === 'true',
                     text: tr.innerText,
                     cells: Object.fromEntries([...tr.querySelectorAll('td[data-area]')].map(td =>
                       [td.dataset.area, {status: td.dataset.status,
                        symbol: td.querySelector('.badge .sym').textContent.trim(),
                        word: td.querySelector('.badge .sr').textContent.trim()}]))}))""")
    assert len(rows) == 22  # SKL's Strategi för hälsa: 22 goals (docs/strategy.md)
    assert sum(r["noSource"] for r in rows) == 13
    for row in rows:
        if row["noSource"]:
            assert "Ingen datakälla ännu" in row["text"], row["goal"]
            continue
        for code in DEMO_KOMMUNER:
            cell = row["cells"][code]
            assert cell["status"] in STATUSES, (row["goal"], code)
            # readable without colour: a symbol and a (visually hidden) status word
            assert cell["symbol"] and cell["word"], (row["goal"], code)
    assert page.locator("#legend").inner_text().count("Se upp för gapet") == 1
    page.select_option("#strategi", "folkhalsostrategi_exempel")
    page.click("form.controls button")
    assert "strategi=folkhalsostrategi_exempel" in page.url
    assert page.locator("#goal-dashboard tr[data-goal]").count() == 14
    page.goto(server + "/mal")
    page.screenshot(path=str(artifacts / "goal_dashboard.png"), full_page=True)
    assert errors == []


def test_goal_page(page, server, demo_db_computed, artifacts):
    page.goto(server + "/mal/strategi_for_halsa/caries_age3?omrade=0580")
    page.wait_for_function(ALL_CHARTS_DRAWN, timeout=30_000)
    assert page.locator("[data-rendered=error]").count() == 0
    assert page.locator("[data-rendered=true] svg").count() == 1
    assert page.locator("#goal-title").inner_text() == "Färre 3-åringar ska ha karies"
    for code in ("0580", "05", "SE"):
        year, value, lo, hi = sql(
            demo_db_computed, "SELECT year, value, lower_95, upper_95 FROM observations WHERE "
            "indicator_id = 'caries_age3' AND area_code = ? AND breakdown = 'total' AND NOT "
            "suppressed ORDER BY year DESC LIMIT 1", [code])[0]
        base = sql(demo_db_computed, "SELECT value FROM observations WHERE indicator_id = "
                   "'caries_age3' AND area_code = ? AND breakdown = 'total' AND year = 2016 AND "
                   "NOT suppressed", [code])[0][0]
        row = page.locator(f"tr[data-area='{code}']")
        assert row.locator("td.value").inner_text().strip() == swedish(value, 1)
        assert row.locator("td.ci").inner_text().strip() == f"{swedish(lo, 1)}–{swedish(hi, 1)}"
        # the target is the area's own 2016 value minus 2 percentage points (SKL's goal)
        assert row.locator("td.target").inner_text().strip() == swedish(base - 2, 1)
        assert str(year) in row.inner_text()
    assert page.locator("h3", has_text="Grupper i Linköping").count() == 1
    assert page.locator("table.groups-table tr[data-breakdown='sex']").count() == 2
    assert page.locator("text=Redigera").count() == 0  # anonymous: no edit form
    page.screenshot(path=str(artifacts / "goal_caries_age3.png"), full_page=True)


def test_plan_view(page, server, demo_db_computed, artifacts):
    page.goto(server + "/plan")
    assert page.locator("ol#needs > li").count() == 3
    activities = page.locator("article.activity")
    assert activities.count() == 4
    card = page.locator("#act-bvc_tobacco_talks")
    assert card.locator("ol.stepper li[aria-current=step]").inner_text().startswith("4")
    assert "Region Exempel, barnhälsovården" in card.inner_text()
    year, value = sql(demo_db_computed, "SELECT year, value FROM observations WHERE indicator_id "
                      "= 'smoke_exposed_infants' AND area_code = '05' AND breakdown = 'total' "
                      "ORDER BY year DESC LIMIT 1")[0]
    item = card.locator("li[data-indicator='smoke_exposed_infants']")
    assert item.locator("strong.value").inner_text() == swedish(value, 1)
    assert str(year) in item.inner_text()
    page.screenshot(path=str(artifacts / "plan.png"), full_page=True)


def test_sign_in_edit_audit_and_restart(page, server, settings, artifacts):
    page.goto(server + "/mal/strategi_for_halsa/falls_elderly")
    page.click("text=Logga in")
    page.fill("input[name=username]", "eva")
    page.fill("input[name=password]", "not the password")
    page.click("form.login button")
    assert "Fel användarnamn eller lösenord" in page.locator("#error").inner_text()
    page.fill("input[name=username]", "eva")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button")
    page.wait_for_url("**/mal/strategi_for_halsa/falls_elderly")
    assert "Inloggad som eva" in page.locator(".userbar").inner_text()
    page.click("#edit-goal summary")
    page.fill("input[name=target_year]", "2030")
    page.click("#edit-goal button[type=submit]")
    page.wait_for_url("**sparat=1")
    assert page.locator("#saved").count() == 1
    assert page.locator("#target-year").inner_text() == "2030"
    audit = page.locator("#audit tbody tr").first
    assert "eva" in audit.inner_text() and "2022" in audit.inner_text() \
        and "2030" in audit.inner_text()
    page.screenshot(path=str(artifacts / "goal_edited.png"), full_page=True)
    # a restarted app (same files) shows the edit; anonymous visitors do not see the audit log
    with serve(settings) as again:
        page.context.clear_cookies()
        page.goto(again + "/mal/strategi_for_halsa/falls_elderly")
        assert page.locator("#target-year").inner_text() == "2030"
        assert page.locator("#audit").count() == 0
