"""Area-profile reports: PDFs render and say what the warehouse says, in Swedish and English.

Expected values are read from the warehouse with SQL and formatted by hand (``tests/profiles/
_swedish.py``) following Språkrådet, *Svenska skrivregler* (2017), on numbers: a decimal comma and
digits grouped in threes separated by a (non-breaking) space, e.g. "1 234,5". Text comparisons
are exact after collapsing whitespace (PDF text extraction turns line breaks and no-break spaces
into ordinary spaces).
"""

from __future__ import annotations

import html
import io
import re

import pypdf
import pytest
from typer.testing import CliRunner

from jamlik.model import InputError
from jamlik.model.catalogue import load_catalogue
from jamlik.profiles import key_messages
from jamlik.reports import profile_report, render, render_profiles
from jamlik.reports.profile import select_rows, to_html, to_pdf
from jamlik.reports.profile.batch import areas_of_level

from ..profiles._demo import LINKOPING
from ..profiles._swedish import norm as _norm
from ..profiles._swedish import swedish as _swedish


def _pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), _norm(" ".join(p.extract_text() for p in reader.pages))


@pytest.fixture(scope="module")
def brief_pdf(linkoping):
    return to_pdf(profile_report(linkoping, audience="beslutsfattare"))


@pytest.fixture(scope="module")
def analyst_pdf(linkoping):
    return to_pdf(profile_report(linkoping, audience="analytiker"))


def _latest_total(con, indicator_id: str, code: str) -> float | None:
    row = con.execute(
        "SELECT value FROM observations WHERE indicator_id = ? AND area_code = ? AND "
        "breakdown = 'total' ORDER BY year DESC LIMIT 1", [indicator_id, code]).fetchone()
    return row[0] if row else None


# -- decision-maker brief -------------------------------------------------------------------


def test_brief_is_two_pages_with_area_first_message_and_warehouse_value(
        brief_pdf, linkoping, con, artifacts):
    (artifacts / "0580-beslutsfattare.pdf").write_bytes(brief_pdf)
    pages, text = _pdf_text(brief_pdf)
    assert pages == 2
    assert "Linköping" in text and "Östergötlands län" in text
    messages = key_messages(linkoping, "sv")
    assert messages, "the demo region should give Linköping at least one key message"
    assert _norm(messages[0].text) in text
    # key messages come before the indicator table
    assert text.index(_norm(messages[0].text)) < text.index("Utvalda indikatorer")
    # a number in the report equals the warehouse value, formatted by hand in Swedish
    ind = load_catalogue()[messages[0].indicator_id]
    value = _latest_total(con, ind.id, LINKOPING)
    assert value is not None
    assert _swedish(value, ind.decimals) in text
    # title block: when computed and from which sources
    updated = con.execute("SELECT max(computed_at) FROM observations WHERE area_code = ?",
                          [LINKOPING]).fetchone()[0]
    assert f"Beräknad {updated:%Y-%m-%d}" in text
    assert _norm(ind.source("sv")) in text


def test_brief_labels_read_without_colour(brief_pdf, linkoping):
    _, text = _pdf_text(brief_pdf)
    for message in key_messages(linkoping, "sv"):
        if message.judgement in ("better", "worse"):
            label = {"better": "▲ Bättre", "worse": "▼ Sämre"}[message.judgement]
            assert f"{label} {_norm(message.text)}" in text


def test_brief_selection_follows_the_rules(linkoping):
    messages = key_messages(linkoping, "sv")
    rows = select_rows(linkoping, messages)
    assert 1 <= len(rows) <= 12
    ids = [r.indicator.id for r in rows]
    # Population indicators are shown as facts on page 1, never as table rows (the rule below).
    topic = {r.indicator.id: r.indicator.topic for r in linkoping.rows}
    from_messages = list(dict.fromkeys(m.indicator_id for m in messages
                                       if topic[m.indicator_id] != "population"))
    assert ids[:len(from_messages)] == from_messages[:len(ids)]
    assert all(r.indicator.topic != "population" and not r.suppressed for r in rows)
    # after the message indicators: significant differences, worse before better
    rest = [r.category_95 for r in rows[len(from_messages):]]
    judged = [c for c in rest if c in ("worse", "better")]
    assert judged == sorted(judged, key=("worse", "better").index)


def test_every_kommun_brief_is_two_pages(demo_db_computed, tmp_path):
    result = render_profiles(demo_db_computed, level="kommun", out_dir=tmp_path, workers=1)
    assert len(result.paths) == 13
    assert [p.name for p in result.paths][:2] == ["0509-beslutsfattare.pdf",
                                                  "0512-beslutsfattare.pdf"]
    for path in result.paths:
        assert _pdf_text(path.read_bytes())[0] == 2, path.name


def test_vardcentral_brief_is_two_pages(reader):
    codes = [a.code for a in areas_of_level(reader.registry, "vardcentral")]
    assert len(codes) >= 30
    for code in (codes[0], codes[-1]):
        pdf = to_pdf(profile_report(reader.area_profile(code), audience="beslutsfattare"))
        pages, text = _pdf_text(pdf)
        assert pages == 2 and reader.registry[code].name in text


# -- analyst version -------------------------------------------------------------------------


def test_analyst_version_has_every_indicator_intervals_and_methods(analyst_pdf, linkoping,
                                                                   artifacts):
    (artifacts / "0580-analytiker.pdf").write_bytes(analyst_pdf)
    pages, text = _pdf_text(analyst_pdf)
    assert pages > 2
    for row in linkoping.rows:
        assert _norm(row.indicator.title("sv")) in text, row.indicator.id
    for heading in ("95 % KI", "99,8 % KI", "Metoder och definitioner", "Skydd av enskilda",
                    "Europas standardbefolkning 2013", "Kvinnor", "Q1 (lägst)"):
        assert heading in text
    row = next(r for r in linkoping.rows if r.lower_998 is not None and not r.suppressed)
    d = row.indicator.decimals
    assert f"{_swedish(row.lower_998, d)}–{_swedish(row.upper_998, d)}" in text


# -- HTML and English ------------------------------------------------------------------------


def test_html_is_standalone_and_has_the_key_messages(linkoping, artifacts):
    for audience in ("beslutsfattare", "analytiker"):
        page = to_html(profile_report(linkoping, audience=audience))
        (artifacts / f"0580-{audience}.html").write_text(page, encoding="utf-8")
        assert page.startswith("<!doctype html>") and '<html lang="sv">' in page
        for message in key_messages(linkoping, "sv"):
            assert html.escape(message.text, quote=False) in page
        assert "<svg" in page
        assert not re.search(r"<(script|link|img|iframe)\b", page)
        assert not re.search(r"""(src|href)=["']?https?:""", page)


def test_english_report(linkoping, reader):
    profile = reader.area_profile(LINKOPING, lang="en")
    pdf = render(profile_report(profile, audience="beslutsfattare", lang="en"), "pdf")
    pages, text = _pdf_text(pdf)
    assert pages == 2
    assert "Key messages" in text and "Selected indicators" in text
    assert "Det viktigaste" not in text
    messages = key_messages(profile, "en")
    if messages:
        assert _norm(messages[0].text) in text
    page = render(profile_report(profile, audience="analytiker", lang="en"), "html").decode()
    assert '<html lang="en">' in page and "Methods and definitions" in page


def test_bad_arguments_name_the_argument(linkoping, demo_db_computed, tmp_path):
    with pytest.raises(InputError, match="audience"):
        profile_report(linkoping, audience="politiker")
    with pytest.raises(InputError, match="lang"):
        profile_report(linkoping, lang="de")
    with pytest.raises(InputError, match="fmt"):
        render(profile_report(linkoping), "docx")
    with pytest.raises(InputError, match="level"):
        render_profiles(demo_db_computed, level="village", out_dir=tmp_path)


# -- CLI -------------------------------------------------------------------------------------


def _app():
    import typer

    from jamlik.cli.profile import register

    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """jamlik (test)."""

    register(app)
    return app


def test_cli_profile_and_profiles(demo_db_computed, tmp_path):
    runner = CliRunner()
    app = _app()
    result = runner.invoke(app, ["profile", LINKOPING, "--db", str(demo_db_computed),
                                 "--out", str(tmp_path / "one"), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "one" / "0580-beslutsfattare.html").exists()
    result = runner.invoke(app, ["profiles", "--level", "lan", "--out", str(tmp_path / "lan"),
                                 "--db", str(demo_db_computed), "--workers", "1"])
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "lan" / "05-beslutsfattare.pdf").read_bytes()
    assert "Östergötlands län" in _pdf_text(pdf)[1]
    result = runner.invoke(app, ["profile", "9999", "--db", str(demo_db_computed)])
    assert result.exit_code != 0
