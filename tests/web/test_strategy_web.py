"""Goal follow-up in the web app (jamlik.web.strategy + jamlik.web.auth) over the demo warehouse.

Expected numbers come from SQL on the warehouse and the status rules of docs/strategy.md applied
by hand, never from the page-building code. Users, documents and the audit log live in the
strategy side file (a fresh one per test module).
"""

from __future__ import annotations

import re

import duckdb
import pytest
import yaml
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.strategy import STATUSES, load_builtin, parse_document
from jamlik.web import create_app
from jamlik.web.auth import StrategyState, strategy_db_path

PASSWORD = "correct horse battery"
DEMO_KOMMUNER = ["0509", "0512", "0513", "0560", "0561", "0562", "0563", "0580", "0581", "0582",
                 "0583", "0584", "0586"]  # SCB's kommun codes of Östergötlands län (05)
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _settings(demo_db, side) -> Settings:
    return Settings(db_path=demo_db, extra={"strategy_db": str(side), "secret": "s" * 40})


def _app(settings: Settings):
    app = create_app(settings)
    app.state.jamlik_strategy = StrategyState(settings, hasher=FAST)
    return app


@pytest.fixture(scope="module")
def settings(demo_db_computed, tmp_path_factory):
    side = tmp_path_factory.mktemp("strategy_web") / "side.duckdb"
    settings = _settings(demo_db_computed, side)
    with StrategyState(settings, hasher=FAST).open() as (_, accounts):
        admin = accounts.create_user(None, "admin", PASSWORD, "admin")
        accounts.create_user(admin, "eva", PASSWORD, "editor")
        accounts.create_user(admin, "vera", PASSWORD, "viewer")
    return settings


@pytest.fixture(scope="module")
def app(settings):
    return _app(settings)


@pytest.fixture
def anon(app):
    with TestClient(app) as client:
        yield client


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, user: str, password: str = PASSWORD):
    token = csrf(client.get("/logga-in").text)
    return client.post("/logga-in", data={"username": user, "password": password, "csrf": token,
                                          "next": "/mal"}, follow_redirects=False)


def side_rows(settings, sql: str, args=()):
    con = duckdb.connect(str(strategy_db_path(settings)), read_only=True)
    try:
        return con.execute(sql, list(args)).fetchall()
    finally:
        con.close()


def swedish(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


# -- dashboard -----------------------------------------------------------------------------------
def test_dashboard_every_goal_and_kommun_has_a_status_or_no_source(anon):
    page = anon.get("/mal")
    assert page.status_code == 200
    html = page.text
    rows = re.findall(r'<tr data-goal="([^"]+)"( data-no-source="true")?>(.*?)</tr>', html, re.S)
    # SKL's Strategi för hälsa has 22 goals (SKL 2017-12-19; docs/strategy.md: 9 linked, 13 not).
    assert len(rows) == 22
    assert sum(1 for _, no, _ in rows if no) == 13
    for goal, no_source, body in rows:
        if no_source:
            assert "Ingen datakälla ännu" in body, goal
            continue
        for code in DEMO_KOMMUNER:
            m = re.search(rf'data-area="{code}" data-status="([a-z_]+)"', body)
            assert m and m.group(1) in STATUSES, (goal, code)
    assert html.count('class="rot" data-area=') == 15  # 13 kommuner + län + riket


def test_dashboard_status_follows_the_documented_rule(anon, demo_db_computed):
    """caries_age3 (decrease, target = the area's 2016 value − 2 pp, target year 2022): met when
    the latest value ≤ target; worked out here from SQL and the rule in docs/strategy.md."""
    con = duckdb.connect(str(demo_db_computed), read_only=True)
    try:
        rows = dict(con.execute(
            "SELECT area_code, list(value ORDER BY year) FILTER (WHERE year = 2016) FROM "
            "observations WHERE indicator_id = 'caries_age3' AND breakdown = 'total' AND NOT "
            "suppressed AND value IS NOT NULL GROUP BY 1").fetchall())
        latest = dict(con.execute(
            "SELECT area_code, arg_max(value, year) FROM observations WHERE indicator_id = "
            "'caries_age3' AND breakdown = 'total' AND NOT suppressed AND value IS NOT NULL "
            "GROUP BY 1").fetchall())
    finally:
        con.close()
    html = anon.get("/mal").text
    body = re.search(r'<tr data-goal="caries_age3">(.*?)</tr>', html, re.S).group(1)
    checked = 0
    for code in DEMO_KOMMUNER:
        status = re.search(rf'data-area="{code}" data-status="([a-z_]+)"', body).group(1)
        if not rows.get(code):
            assert status == "no_data"
            continue
        met = latest[code] <= rows[code][0] - 2
        assert (status == "met") == met, code
        checked += 1
    assert checked >= 10


def test_goal_page_numbers_match_sql(anon, demo_db_computed):
    con = duckdb.connect(str(demo_db_computed), read_only=True)
    try:
        year, value, lo, hi = con.execute(
            "SELECT year, value, lower_95, upper_95 FROM observations WHERE indicator_id = "
            "'gymnasium_eligibility' AND area_code = '0581' AND breakdown = 'total' AND NOT "
            "suppressed ORDER BY year DESC LIMIT 1").fetchone()
    finally:
        con.close()
    html = anon.get("/mal/strategi_for_halsa/gymnasium_eligibility?omrade=0581").text
    row = re.search(r'<tr data-area="0581"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert f'<td class="num value">{swedish(value, 1)}</td>' in row
    assert f"{swedish(lo, 1)}–{swedish(hi, 1)}" in row
    assert f"<td>{year}</td>" in row
    assert '"$schema"' in html and "vl-goal-0" in html  # the trend chart's spec is embedded
    assert "Grupper i Norrköping" in html


def test_anonymous_sees_no_forms_no_audit_and_cannot_edit(anon, settings):
    goal = anon.get("/mal/strategi_for_halsa/caries_age3").text
    plan = anon.get("/plan").text
    for html in (goal, plan):
        assert "redigera" not in html and 'id="audit"' not in html and "Ändringslogg" not in html
    token = csrf(anon.get("/logga-in").text)  # anonymous visitors have a token too
    audit = side_rows(settings, "SELECT count(*) FROM audit_log")
    denied = anon.post("/mal/strategi_for_halsa/caries_age3/redigera",
                       data={"csrf": token, "title_sv": "x", "revision": "0"})
    assert denied.status_code == 403
    for url in ("/mal/importera", "/mal/logg", "/anvandare"):
        response = anon.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/logga-in")
    assert side_rows(settings, "SELECT count(*) FROM audit_log") == audit


def test_wrong_password_and_tampered_cookie(anon):
    response = sign_in(anon, "eva", "wrong password!!")
    assert response.status_code == 401 and "Fel användarnamn eller lösenord" in response.text
    assert sign_in(anon, "eva").status_code == 303
    assert "Inloggad som eva" in anon.get("/mal").text
    value = anon.cookies.get("jamlik_session")
    anon.cookies.set("jamlik_session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert "Inloggad som" not in anon.get("/mal").text


def test_csrf_token_required(app, settings):
    with TestClient(app) as client:
        sign_in(client, "eva")
        before = side_rows(settings, "SELECT count(*) FROM audit_log")[0][0]
        for token in (None, "forged-token"):
            data = {"title_sv": "Stulen", "revision": "0", "owner": "x", "status": "ongoing",
                    "stage": "3", "period_start": "2024", "period_end": "2026"}
            if token:
                data["csrf"] = token
            response = client.post("/plan/samverkansplan_exempel/student_health_team/redigera",
                                   data=data)
            assert response.status_code == 403 and "säkerhetsnyckel" in response.text
        assert side_rows(settings, "SELECT count(*) FROM audit_log")[0][0] == before


def test_viewer_may_read_the_audit_log_but_not_edit(app):
    with TestClient(app) as client:
        sign_in(client, "vera")
        assert client.get("/mal/logg").status_code == 200
        page = client.get("/plan").text
        assert "/redigera" not in page
        response = client.post("/plan/samverkansplan_exempel/homework_support/redigera",
                               data={"csrf": csrf(page), "title_sv": "x", "revision": "0"})
        assert response.status_code == 403 and "redaktör" in response.text
        assert client.get("/anvandare", follow_redirects=False).status_code == 403


def test_edit_is_audited_and_survives_a_restart(app, settings):
    with TestClient(app) as client:
        sign_in(client, "eva")
        page = client.get("/plan").text
        assert 'action="/plan/samverkansplan_exempel/balance_training/redigera"' in page
        form = {"csrf": csrf(page), "revision": re.search(r'name="revision" value="(\d+)"',
                                                          page).group(1),
                "title_sv": "Balansträning i grupp för personer 75+", "owner": "Äldreomsorgen",
                "period_start": "2025", "period_end": "2028", "status": "ongoing", "stage": "2"}
        saved = client.post("/plan/samverkansplan_exempel/balance_training/redigera", data=form,
                            follow_redirects=False)
        assert saved.status_code == 303
        page = client.get("/plan").text
        card = re.search(r'<article[^>]*id="act-balance_training".*?</article>', page, re.S).group(0)
        assert 'data-stage="2"' in card and "Äldreomsorgen" in card
        assert 'id="audit"' in page and "update_activity" in page and ">eva<" in page
    # the same settings, a new app: the change and its audit row are read back from the file
    with TestClient(_app(settings)) as fresh:
        card = re.search(r'<article[^>]*id="act-balance_training".*?</article>',
                         fresh.get("/plan").text, re.S).group(0)
        assert 'data-stage="2"' in card and 'data-status="ongoing"' in card
    (before, after, who), = side_rows(
        settings, "SELECT before, after, username FROM audit_log WHERE action = "
        "'update_activity' AND object_id = 'samverkansplan_exempel/balance_training'")
    assert who == "eva"
    assert '"stage": 1' in before and '"stage": 2' in after  # built-in stage 1 → 2


def test_invalid_goal_edit_shows_the_error_and_changes_nothing(app, settings):
    with TestClient(app) as client:
        sign_in(client, "eva")
        page = client.get("/mal/strategi_for_halsa/caries_age3").text
        revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
        bad = client.post("/mal/strategi_for_halsa/caries_age3/redigera", data={
            "csrf": csrf(page), "revision": revision, "title_sv": "Färre 3-åringar med karies",
            "baseline_year": "2016", "target_change": "många", "target_year": "2022"})
        assert bad.status_code == 400
        assert "target_change" in bad.text and "många" in bad.text
        assert "Färre 3-åringar ska ha karies" in bad.text
        rows = side_rows(settings, "SELECT count(*) FROM audit_log WHERE object_id = "
                         "'strategi_for_halsa/caries_age3'")
        assert rows[0][0] == 0


def test_invalid_upload_shows_the_error_and_changes_nothing(app, settings):
    with TestClient(app) as client:
        sign_in(client, "eva")
        page = client.get("/mal/importera").text
        before = side_rows(settings, "SELECT doc_id, revision FROM strategy_documents ORDER BY 1")
        audit = side_rows(settings, "SELECT count(*) FROM audit_log")[0][0]
        text = client.get("/ladda-ner/strategi/strategi_for_halsa.yaml").text
        broken = text.replace("change: -2.0", "change: många", 1)
        assert broken != text
        response = client.post("/mal/importera", data={"csrf": csrf(page)},
                               files={"file": ("sfh.yaml", broken.encode(), "application/yaml")})
        assert response.status_code == 400
        assert "sfh.yaml" in response.text and "target.change" in response.text
        assert "ingenting ändrades" in response.text
        assert side_rows(settings, "SELECT doc_id, revision FROM strategy_documents "
                         "ORDER BY 1") == before
        assert side_rows(settings, "SELECT count(*) FROM audit_log")[0][0] == audit
        # a valid file is stored (and audited)
        ok = client.post("/mal/importera", data={"csrf": csrf(page)},
                         files={"file": ("sfh.yaml", text.encode(), "application/yaml")})
        assert ok.status_code == 200 and "Importerade strategi_for_halsa" in ok.text


def test_exports_round_trip(anon):
    text = anon.get("/ladda-ner/strategi/folkhalsostrategi_exempel.yaml").text
    parsed = parse_document(yaml.safe_load(text), "export.yaml")
    assert parsed == load_builtin("folkhalsostrategi_exempel")  # never edited in this module
    xlsx = anon.get("/ladda-ner/strategi/strategi_for_halsa.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_admin_manages_users(app, settings):
    with TestClient(app) as client:
        sign_in(client, "admin")
        page = client.get("/anvandare").text
        created = client.post("/anvandare", data={"csrf": csrf(page), "action": "create",
                                                  "username": "nils", "password": PASSWORD,
                                                  "role": "viewer"}, follow_redirects=False)
        assert created.status_code == 303
        client.post("/anvandare", data={"csrf": csrf(page), "action": "role",
                                        "username": "nils", "role": "editor"})
        short = client.post("/anvandare", data={"csrf": csrf(page), "action": "create",
                                                "username": "otto", "password": "kort",
                                                "role": "viewer"})
        assert short.status_code == 400 and "password" in short.text
    assert side_rows(settings, "SELECT role FROM users WHERE username = 'nils'") == [("editor",)]


def test_json_and_brief(anon):
    docs = anon.get("/api/strategies").json()
    assert {d["id"] for d in docs} >= {"strategi_for_halsa", "samverkansplan_exempel"}
    rows = anon.get("/api/strategies/strategi_for_halsa/fulfilment", params={"area": "0580"}).json()
    assert {r["goal_id"] for r in rows if r["breakdown"] == "total"} == \
        {g.id for g in load_builtin("strategi_for_halsa").goals}
    pdf = anon.get("/ladda-ner/malrapport/strategi_for_halsa.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


# -- the PDF brief's rule-based sentences and the CLI ------------------------------------------
BRIEF_DOC = """
id: test_strategy
kind: strategy
title: {sv: Teststrategi, en: Test strategy}
owner: Test
areas:
- id: health
  title: {sv: Hälsa, en: Health}
  goals:
  - id: caries
    title: {sv: Färre barn med karies, en: Fewer children with caries}
    direction: decrease
    baseline: {year: 2016}
    target: {change: -2, year: 2022}
    indicators: [{id: caries_age3, measure: outcome}]
  - id: eligible
    title: {sv: Fler behöriga, en: More eligible}
    direction: increase
    baseline: {year: 2016}
    target: {year: 2022}
    indicators: [{id: gymnasium_eligibility, measure: outcome}]
  - id: missing
    title: {sv: Mål utan källa, en: Goal without source}
    direction: increase
    baseline: {year: 2016}
    target: {year: 2022}
    no_data: {sv: Ingen datakälla ännu, en: No data source yet}
"""


def _fulfilment_rows(rows: list[dict]):
    import polars as pl

    from jamlik.strategy.fulfilment import COLUMNS

    text = {"goal_id", "target_area", "indicator_id", "measure", "area_level", "area_code",
            "breakdown", "group_value", "status", "reason", "trend", "worse_groups"}
    ints = {"year", "baseline_year", "target_year"}
    schema = {c: pl.String if c in text else pl.Int64 if c in ints else pl.Boolean
              if c == "mind_the_gap" else pl.Float64 for c in COLUMNS}
    full = [{c: r.get(c, False if c == "mind_the_gap" else "total" if c in ("breakdown",
             "group_value") else None) for c in COLUMNS} for r in rows]
    return pl.DataFrame(full, schema=schema)


def test_brief_sentences_follow_the_rules():
    """Hand-made statuses → the sentences the rules in reports/strategy/brief.py promise."""
    from jamlik.reports.strategy import strategy_brief
    from jamlik.strategy.places import Place

    strategy = parse_document(yaml.safe_load(BRIEF_DOC), "test.yaml")
    places = [Place("0580", "Linköping", "kommun"), Place("0581", "Norrköping", "kommun"),
              Place("05", "Östergötlands län", "lan")]
    a = {"goal_id": "caries", "indicator_id": "caries_age3", "year": 2024}
    b = {"goal_id": "eligible", "indicator_id": "gymnasium_eligibility", "year": 2024}
    frame = _fulfilment_rows([
        {**a, "area_code": "0580", "area_level": "kommun", "status": "worsening"},
        {**a, "area_code": "0581", "area_level": "kommun", "status": "not_on_track"},
        {**a, "area_code": "05", "area_level": "lan", "status": "worsening", "value": 5.6,
         "target": 3.9},
        {**b, "area_code": "0580", "area_level": "kommun", "status": "met", "mind_the_gap": True,
         "worse_groups": "income_quintile=1, area=0580R001"},
        {**b, "area_code": "0581", "area_level": "kommun", "status": "met"},
        {**b, "area_code": "05", "area_level": "lan", "status": "on_track"},
        {"goal_id": "missing", "area_code": "0580", "area_level": "kommun", "status": "no_data"},
        {"goal_id": "missing", "area_code": "0581", "area_level": "kommun", "status": "no_data"},
    ])
    brief = strategy_brief(strategy, frame, places)
    assert brief.data["problems"] == [{"goal": "Färre barn med karies", "text": (
        "I Östergötlands län försämras läget (senast 2024: 5,6; mål eller utgångsläge 3,9). "
        "Försämras i 1 av 2 kommuner: Linköping. Inte på väg i 1 av 2 kommuner: Norrköping.")}]
    assert brief.data["gaps"] == [{"goal": "Fler behöriga", "text": (
        "Uppnått eller på väg i Linköping, men där är Q1 (lägst) (i 1) och delområden (1 st: "
        "RegSO, vårdcentraler eller kommuner) säkert sämre än helheten.")}]
    # met, on_track, not_on_track, worsening, no_data over the 3 goals × 2 kommuner
    assert brief.data["areas"] == [{"title": "Hälsa", "goals": 3, "counts": [2, 0, 1, 1, 2]}]
    assert brief.data["no_source"] == [{"title": "Mål utan källa", "why": "Ingen datakälla ännu"}]


def test_cli_users_import_export_and_brief(settings, tmp_path, monkeypatch):
    import typer
    from typer.testing import CliRunner

    from jamlik.cli.strategy import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    side = str(strategy_db_path(settings))
    copy = Settings(db_path=settings.db_path, extra={"strategy_db": side})
    monkeypatch.setenv("JAMLIK_PASSWORD", PASSWORD)
    monkeypatch.setattr("jamlik.cli.strategy._state",
                        lambda db, s=None: StrategyState(s or copy, hasher=FAST))
    db = ["--db", str(settings.db_path)]
    listed = runner.invoke(app, ["strategy", "users", "list", *db])
    assert listed.exit_code == 0 and "eva" in listed.output and "editor" in listed.output
    out = tmp_path / "plan.yaml"
    assert runner.invoke(app, ["strategy", "export", "samverkansplan_exempel", "--out",
                               str(out), *db]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(out.read_text("utf-8").replace("stage: 4", "stage: 9"), "utf-8")
    failed = runner.invoke(app, ["strategy", "import", str(bad), "-u", "eva", *db])
    assert failed.exit_code == 2 and "bad.yaml" in failed.output and "stage" in failed.output
    assert runner.invoke(app, ["strategy", "import", str(out), "-u", "vera", *db]).exit_code == 2
    pdf = tmp_path / "brief.pdf"
    done = runner.invoke(app, ["strategy", "brief", "--out", str(pdf), *db])
    assert done.exit_code == 0, done.output
    assert pdf.read_bytes()[:5] == b"%PDF-"
