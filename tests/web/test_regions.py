"""The web app is about the region its snapshot covers, and never shows a synthetic figure
without saying so.

* Areas outside the demo's synthetic region get no synthetic figure from any page, API or
  download, and their page says why (issue: Göteborg showed synthetic mortality tables).
* Every synthetic figure is marked: a banner on each page that shows one, a mark on each row
  where real and synthetic figures meet, and a ``synthetic`` column in every download.
* The home region comes from the snapshot (``meta.home_region``): a Stockholm warehouse serves
  Stockholm; an empty one says what to do next.
"""

from __future__ import annotations

import csv
import io
import re

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from jamlik.geo import AreaRegistry
from jamlik.model import Settings
from jamlik.pipeline.init import init_warehouse
from jamlik.store import Warehouse
from jamlik.store.snapshots import publish
from jamlik.web import create_app

GOTEBORG, LINKOPING = "1480", "0580"
REAL = "gymnasium_eligibility_all"  # from a real Skolverket file (jamlik refresh)
BANNER = 'id="synthetic-banner"'


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


@pytest.fixture(scope="module")
def demo_app(demo_db_computed):
    return create_app(Settings(db_path=demo_db_computed))


@pytest.fixture
def client(demo_app):
    """A fresh client per test: ``?lang=en`` sets a cookie that would carry over."""
    return TestClient(demo_app)


@pytest.fixture(scope="module")
def synthetic_region(demo_db_computed) -> str:
    with Warehouse(demo_db_computed, read_only=True) as wh:
        region = wh.get_meta("synthetic_region")
    assert region == "05", "the demo marks Östergötland as its synthetic region"
    return region


def _outside(code: str, region: str, registry: AreaRegistry) -> bool:
    if code == "SE":
        return False
    area = registry[code]
    return (area.lan_code or area.code[:2]) != region


# -- no synthetic figure outside the synthetic region ---------------------------------------


def test_no_synthetic_observation_outside_the_synthetic_region(client, demo_db_computed,
                                                               synthetic_region):
    with Warehouse(demo_db_computed, read_only=True) as wh:
        registry = AreaRegistry.from_warehouse(wh.con)
        rows = wh.con.execute("SELECT DISTINCT area_code FROM observations WHERE synthetic"
                              ).fetchall()
    assert rows, "the demo publishes synthetic figures for its own region"
    assert not [c for (c,) in rows if _outside(c, synthetic_region, registry)]
    # The API says the same for every page of all synthetic rows (no hidden area).
    offset, seen = 0, 0
    while True:
        page = client.get("/api/observations", params={"limit": 50_000, "offset": offset}).json()
        for row in page["rows"]:
            assert "synthetic" in row
            if row["synthetic"]:
                assert not _outside(row["area_code"], synthetic_region, registry), row
        seen += page["count"]
        if page["count"] < 50_000:
            break
        offset += 50_000
    assert seen > 0


def test_goteborg_page_has_only_real_figures_and_says_why(client):
    page = client.get(f"/omrade/{GOTEBORG}")
    assert page.status_code == 200
    text = _text(page.text)
    assert BANNER not in page.text and 'data-synthetic="true"' not in page.text
    assert 'id="coverage-note"' in page.text
    assert ("Göteborg har inga siffror från demoregionen: demons syntetiska data omfattar bara "
            "Östergötlands län.") in text
    assert "verkliga siffror som finns för området" in text
    # the real figure is there; no mortality or life-expectancy table
    assert f'data-indicator="{REAL}"' in page.text
    assert "mortality_all_cause" not in page.text and "life_expectancy" not in page.text
    english = _text(client.get(f"/omrade/{GOTEBORG}?lang=en").text)
    assert "Göteborg has no figures from the demo region" in english
    assert "cover Östergötlands län only" in english


def test_goteborg_api_and_downloads_have_no_synthetic_figure(client):
    profile = client.get(f"/api/profiles/{GOTEBORG}").json()
    assert profile["synthetic"] is False and profile["rows"]
    assert {r["indicator_id"] for r in profile["rows"]} == {REAL}
    assert not any(r["synthetic"] for r in profile["rows"])
    assert "Östergötlands län" in profile["coverage_note"]
    rows = client.get("/api/observations", params={"area": GOTEBORG}).json()["rows"]
    assert rows and not any(r["synthetic"] for r in rows)
    body = client.get("/ladda-ner/observationer.csv", params={"area": GOTEBORG}).text
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows and all(r["synthetic"] == "false" for r in rows)


def test_a_page_showing_the_national_map_marks_no_goteborg_figure(client):
    page = client.get(f"/indikator/{REAL}", params={"area": GOTEBORG})
    assert page.status_code == 200 and BANNER not in page.text


# -- every synthetic figure is marked -------------------------------------------------------


def test_linkoping_page_has_the_banner_and_marks_each_synthetic_row(client):
    page = client.get(f"/omrade/{LINKOPING}")
    assert page.status_code == 200
    assert BANNER in page.text and "Syntetiska data (demo)" in page.text
    assert "Sidan blandar verkliga och syntetiska siffror" in _text(page.text)
    rows = re.findall(r'<tr data-indicator="([^"]+)" data-synthetic="(true|false)"[^>]*>(.*?)</tr>',
                      page.text, flags=re.S)
    flags = {ind: flag for ind, flag, _ in rows}
    assert flags[REAL] == "false" and flags["mortality_all_cause"] == "true"
    for ind, flag, body in rows:
        assert ('class="syn"' in body) == (flag == "true"), ind
    english = client.get(f"/omrade/{LINKOPING}?lang=en").text
    assert "Synthetic data (demo)" in english and ">Synthetic</span>" in english


@pytest.mark.parametrize("path", ["/", "/oversikt", "/oversikt?level=vardcentral",
                                  "/indikator/mortality_all_cause", "/omrade/05", "/omrade/SE",
                                  "/mal", "/plan"])
def test_every_page_with_synthetic_figures_has_the_banner(client, path):
    page = client.get(path)
    assert page.status_code == 200
    assert BANNER in page.text, path


def test_overview_marks_synthetic_rows_beside_the_real_one(client):
    page = client.get("/oversikt")
    real = re.search(rf'<tr data-indicator="{REAL}" data-synthetic="false">(.*?)</tr>',
                     page.text, flags=re.S)
    fake = re.search(r'<tr data-indicator="mortality_all_cause" data-synthetic="true">(.*?)</tr>',
                     page.text, flags=re.S)
    assert real and 'class="syn"' not in real.group(1)
    assert fake and 'class="syn"' in fake.group(1)
    assert "Östergötlands län" in _text(page.text)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_downloads_carry_the_synthetic_column(client, fmt):
    params = {"area": LINKOPING, "breakdown": "total"}
    body = client.get(f"/ladda-ner/observationer.{fmt}", params=params).content
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(body)).to_pylist()
    elif fmt == "csv":
        table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    else:
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        values = list(sheet.values)
        table = [dict(zip(values[0], r, strict=True)) for r in values[1:]]
    flags = {r["indicator_id"]: r["synthetic"] for r in table}
    truthy = {True, "true"}
    assert flags[REAL] not in truthy
    assert flags["mortality_all_cause"] in truthy


def test_json_observations_say_synthetic(client):
    rows = client.get("/api/observations", params={
        "area": LINKOPING, "breakdown": "total", "indicator": "mortality_all_cause"}).json()["rows"]
    assert rows and all(r["synthetic"] is True for r in rows)
    rows = client.get("/api/observations", params={"area": LINKOPING, "indicator": REAL}
                      ).json()["rows"]
    assert rows and all(r["synthetic"] is False for r in rows)
    fulfilment = client.get("/api/strategies/strategi_for_halsa/fulfilment").json()
    assert any(r["synthetic"] for r in fulfilment)


def test_strategy_brief_download_says_synthetic_on_every_page(client):
    import pypdf

    pdf = client.get("/ladda-ner/malrapport/strategi_for_halsa.pdf")
    assert pdf.status_code == 200
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages]
    assert pages and all("SYNTETISKA DATA (DEMO)" in p for p in pages)


# -- the home region comes from the data ----------------------------------------------------


@pytest.fixture(scope="module")
def stockholm_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("stockholm") / "jamlik.duckdb"
    init_warehouse(path, region="01")
    publish(path, Settings(db_path=path).published)
    return create_app(Settings(db_path=path))


@pytest.fixture
def stockholm(stockholm_app):
    return TestClient(stockholm_app)


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/oversikt", "/omrade/01", "/omrade/0180",
                                  "/omrade/SE", "/omrade/0580", "/indikatorer",
                                  "/indikator/mortality_all_cause",
                                  "/indikator/mortality_all_cause?level=lan", "/mal", "/plan",
                                  "/api"])
def test_stockholm_warehouse_without_data_serves_every_page(stockholm, path):
    page = stockholm.get(path)
    assert page.status_code == 200, page.text[:400]
    assert BANNER not in page.text and "demo" not in _text(page.text).lower()
    if path != "/omrade/0580":  # its breadcrumb names its län; the lists name every län
        main = re.sub(r'<section aria-labelledby="(lan|sub)-h">.*?</section>', "", page.text,
                      flags=re.S)
        assert "Östergötland" not in main, path


def test_stockholm_start_page_and_overview_are_about_stockholm(stockholm):
    start = _text(stockholm.get("/").text)
    assert "Hemregion: Stockholms län" in start and "Demoregion" not in start
    assert "Stockholm" in start and "Södertälje" in start
    overview = stockholm.get("/oversikt")
    assert "Inom: Stockholms län" in _text(overview.text)
    assert 'name="within" value="01"' in overview.text
    area = _text(stockholm.get("/omrade/0580").text)
    assert "ligger utanför hemregionen Stockholms län" in area


@pytest.mark.parametrize("path", [
    "/api/observations", "/api/observations?area=0180", "/api/profiles/0180",
    "/api/profiles/SE?lang=en", "/api/indicators", "/api/areas?q=stock",
    "/api/provenance?indicator=mortality_all_cause", "/api/health", "/api/strategies",
    "/api/strategies/strategi_for_halsa/fulfilment", "/ladda-ner/observationer.csv",
    "/ladda-ner/observationer.xlsx", "/ladda-ner/observationer.parquet", "/openapi.json"])
def test_empty_warehouse_api_answers(stockholm, path):
    response = stockholm.get(path)
    assert response.status_code == 200, response.text[:400]


def test_empty_warehouse_start_page_says_what_to_do_next(stockholm):
    sv = _text(stockholm.get("/").text)
    assert "Inga siffror än" in sv and "jamlik load" in sv and "jamlik compute" in sv
    en = _text(stockholm.get("/?lang=en").text)
    assert "No figures yet" in en and "jamlik load" in en and "jamlik compute" in en


def test_loaded_but_not_computed_says_compute(tmp_path):
    path = tmp_path / "jamlik.duckdb"
    init_warehouse(path, region="01")
    with Warehouse(path) as wh:
        wh.con.execute("UPDATE loads SET kind = 'population' WHERE load_id = 1")
    publish(path, Settings(db_path=path).published)
    page = _text(TestClient(create_app(Settings(db_path=path))).get("/").text)
    assert "Data är laddade (population)" in page and "jamlik compute" in page


def test_no_warehouse_says_init(tmp_path):
    client = TestClient(create_app(Settings(db_path=tmp_path / "none.duckdb")))
    page = _text(client.get("/").text)
    assert "jamlik init --region" in page and "jamlik demo build" in page


# -- the catalogue: the region's own indicators and the snapshot's survey questions ----------


def test_catalogue_has_region_indicators_and_survey_questions(tmp_path):
    own = tmp_path / "catalogue"
    own.mkdir()
    (own / "alcohol_risk.yaml").write_text("""
id: alcohol_risk
title: {sv: "Riskkonsumtion av alkohol (regionens egen)", en: "Hazardous drinking (the region's own)"}
definition: {sv: "Andel med riskkonsumtion.", en: "Share with hazardous drinking."}
topic: lifestyle
method: survey_proportion
unit: {sv: procent, en: per cent}
multiplier: 100
polarity: low_is_good
source: {sv: "Regionens enkät", en: "The region's survey"}
numerator: {source: survey, where: {alcohol_risk: true}}
denominator: {source: survey}
levels: [lan, kommun]
""", encoding="utf-8")
    path = tmp_path / "jamlik.duckdb"
    init_warehouse(path, region="01")
    with Warehouse(path) as wh:
        wh.con.execute("INSERT INTO survey_questions VALUES ('sleep_bad', 'Sover dåligt', "
                       "'Sleeps badly', '[\"ja\"]', '[\"nej\"]', 16, 84, 'low_is_good', "
                       "NULL, NULL)")
    publish(path, Settings(db_path=path).published)
    client = TestClient(create_app(Settings(db_path=path, catalogue_dirs=(own,))))
    page = client.get("/indikatorer")
    assert page.status_code == 200
    assert "Riskkonsumtion av alkohol (regionens egen)" in page.text
    assert "Sover dåligt" in page.text and "/indikator/sleep_bad" in page.text
    assert "Sleeps badly" in client.get("/indikatorer?lang=en").text
    assert client.get("/indikator/sleep_bad").status_code == 200
    assert client.get("/indikator/alcohol_risk").status_code == 200
    ids = {i["id"] for i in client.get("/api/indicators").json()}
    assert {"alcohol_risk", "sleep_bad", REAL} <= ids


def test_settings_read_catalogue_folders_from_the_environment(tmp_path):
    import os

    env = {"JAMLIK_CATALOGUE": os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")])}
    assert Settings.from_env(env).catalogue_dirs == (tmp_path / "a", tmp_path / "b")
    assert Settings.from_env({}).catalogue_dirs == ()
