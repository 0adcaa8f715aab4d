"""Reports say where their figures come from: an area outside the demo's synthetic region gets a
report (not a crash) that says so, and every page with a synthetic figure says it is synthetic.

Pages are read from the PDF with pypdf, one page at a time, so "on every page" is checked per
page, not on the text of the whole document.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

import duckdb
import pypdf
import pytest
from typer.testing import CliRunner

from jamlik.geo import AreaRegistry
from jamlik.model import t
from jamlik.model.catalogue import load_catalogue
from jamlik.profiles import AreaProfile, GroupValue, ProfileReader, ProfileRow
from jamlik.profiles.served import served_catalogue
from jamlik.reports.profile import profile_report, to_html, to_pdf

GOTEBORG, LINKOPING = "1480", "0580"
REAL = "gymnasium_eligibility_all"
LINE_SV = "SYNTETISKA DATA (DEMO)"


def _pages(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text().replace("\u202f", " "))
            for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def reader(demo_db_computed):
    con = duckdb.connect(str(demo_db_computed), read_only=True)
    yield ProfileReader(con, AreaRegistry.from_warehouse(con), served_catalogue(con))
    con.close()


# -- an area without synthetic figures --------------------------------------------------------


@pytest.mark.parametrize("audience", ["beslutsfattare", "analytiker"])
def test_goteborg_report_renders_and_says_why(reader, audience, artifacts):
    profile = reader.area_profile(GOTEBORG)
    assert [r.indicator.id for r in profile.rows] == [REAL]
    assert profile.outside == "synthetic" and not profile.synthetic
    report = profile_report(profile, audience=audience)
    pdf = to_pdf(report)
    (artifacts / f"{GOTEBORG}-{audience}.pdf").write_bytes(pdf)
    pages = _pages(pdf)
    text = " ".join(pages)
    assert "Göteborg har inga siffror från demoregionen" in text
    assert "Östergötlands län" in text and "verkliga siffror" in text
    assert LINE_SV not in text
    page = to_html(report)
    (artifacts / f"{GOTEBORG}-{audience}.html").write_text(page, encoding="utf-8")
    assert 'id="coverage-note"' in page and 'id="synthetic-banner"' not in page


def test_goteborg_report_in_english(reader):
    profile = reader.area_profile(GOTEBORG, lang="en")
    text = " ".join(_pages(to_pdf(profile_report(profile, lang="en"))))
    assert "Göteborg has no figures from the demo region" in text


def _cli():
    import typer

    from jamlik.cli.profile import register

    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """jamlik (test)."""

    register(app)
    return app


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_cli_profile_goteborg(demo_db_computed, tmp_path, fmt):
    result = CliRunner().invoke(_cli(), ["profile", GOTEBORG, "--db", str(demo_db_computed),
                                         "--format", fmt, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    body = (tmp_path / f"{GOTEBORG}-beslutsfattare.{fmt}").read_bytes()
    text = " ".join(_pages(body)) if fmt == "pdf" else body.decode()
    assert "Göteborg har inga siffror från demoregionen" in text
    assert "Behörighet till gymnasiets yrkesprogram" in text  # the real figure is shown


def test_report_of_an_empty_warehouse_says_what_to_do(tmp_path):
    from jamlik.pipeline.init import init_warehouse

    path = tmp_path / "jamlik.duckdb"
    init_warehouse(path, region="01")
    con = duckdb.connect(str(path), read_only=True)
    try:
        reader = ProfileReader(con, AreaRegistry.from_warehouse(con), served_catalogue(con))
        profile = reader.area_profile("0180")
    finally:
        con.close()
    assert not profile.rows and profile.outside is None
    text = " ".join(_pages(to_pdf(profile_report(profile))))
    assert "inga beräknade värden för Stockholm" in text and "jamlik compute" in text
    assert LINE_SV not in text


# -- synthetic figures are marked on every page ------------------------------------------------


@pytest.mark.parametrize("audience", ["beslutsfattare", "analytiker"])
def test_every_pdf_page_with_synthetic_figures_says_so(reader, audience, artifacts):
    profile = reader.area_profile(LINKOPING)
    assert profile.mixed  # the real gymnasium figure beside synthetic ones
    report = profile_report(profile, audience=audience)
    pdf = to_pdf(report)
    (artifacts / f"{LINKOPING}-{audience}-marked.pdf").write_bytes(pdf)
    pages = _pages(pdf)
    if audience == "beslutsfattare":
        assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        assert LINE_SV in page, f"page {number} does not say its figures are synthetic"
    text = " ".join(pages)
    shown = {r["id"] for r in report.data["rows"]}
    if REAL in shown:  # real and synthetic rows meet: each synthetic one is marked
        assert report.data["mixed"] and "märkta ”Syntetisk”" in text
        assert text.replace(LINE_SV, "").count("Syntetisk") >= len(shown) - 1
    else:  # every figure shown is synthetic: the line says so, no row needs a mark
        assert not report.data["mixed"] and "alla siffror i rapporten är påhittade" in text


def test_html_report_marks_synthetic_rows_not_real_ones(reader):
    profile = reader.area_profile(LINKOPING)
    page = to_html(profile_report(profile, audience="analytiker"))
    assert 'id="synthetic-banner"' in page
    rows = dict(re.findall(r'<tr data-indicator="([^"]+)">(.*?)</tr>', page, flags=re.S))
    assert 'class="syn"' not in rows[REAL]
    assert 'class="syn"' in rows["mortality_all_cause"]


def test_all_synthetic_report_says_every_figure_is_synthetic(demo_db_computed):
    con = duckdb.connect(str(demo_db_computed), read_only=True)
    try:  # without the external indicator every figure of Linköping is synthetic
        reader = ProfileReader(con, AreaRegistry.from_warehouse(con), load_catalogue())
        profile = reader.area_profile(LINKOPING)
    finally:
        con.close()
    assert profile.synthetic and not profile.mixed
    pages = _pages(to_pdf(profile_report(profile)))
    assert all("alla siffror i rapporten är påhittade" in p for p in pages)


# -- group codes without a translation -----------------------------------------------------------


def test_group_without_translation_renders_as_its_code():
    """A group value the catalogue has no label for (e.g. education 'not_applicable' from a
    region's aggregates, or a code no one foresaw) is shown as itself, never a KeyError."""
    ind = load_catalogue()["mortality_all_cause"]
    area = AreaRegistry.builtin()[GOTEBORG]
    groups = tuple(GroupValue("education", g, 1.0, 0.5, 1.5, 1, 10, False, "similar")
                   for g in ("not_applicable", "x_unforeseen"))
    row = ProfileRow(indicator=ind, year=2024, period="2024", value=1.0, lower_95=0.5,
                     upper_95=1.5, lower_998=0.4, upper_998=1.6, numerator=12, denominator=1000,
                     suppressed=False, suppression_reason=None, comparator_value=1.0,
                     comparison_95="similar", comparison_998="similar", category_95="similar",
                     category_998="similar", parent_value=1.0, nation_value=1.0,
                     nation_category_95="similar", nation_category_998="similar",
                     trend="cannot_be_calculated", trend_reason=None, note=None,
                     computed_at=None, groups=groups)
    profile = AreaProfile(area=area, parent=None, comparator="nation", comparator_name="Sverige",
                          rows=(row,))
    report = profile_report(profile, audience="analytiker")
    cells = {c["group"]: c["label"] for c in report.data["rows"][0]["groups"]["education"]}
    assert cells == {"not_applicable": t("group.education.not_applicable"),
                     "x_unforeseen": "x_unforeseen"}
    assert "x_unforeseen" in to_html(report)
    assert replace(row, synthetic=True).synthetic  # the mark travels with the row


# -- the strategy brief ------------------------------------------------------------------------


def test_strategy_brief_says_synthetic_on_every_page():
    from jamlik.reports.strategy import brief_pdf, strategy_brief
    from jamlik.strategy import load_builtin
    from jamlik.strategy.places import Place, fulfilment

    strategy = load_builtin("strategi_for_halsa")
    places = [Place("0580", "Linköping", "kommun"), Place("05", "Östergötlands län", "lan")]
    empty = fulfilment(None, strategy, places)
    pages = _pages(brief_pdf(strategy_brief(strategy, empty, places, synthetic=True)))
    assert len(pages) >= 2
    assert all("SYNTETISKA DATA (DEMO)" in p for p in pages)
    real = _pages(brief_pdf(strategy_brief(strategy, empty, places)))
    assert not any("SYNTETISKA DATA" in p for p in real)
