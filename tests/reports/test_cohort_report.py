"""The Swedish cohort report: key findings by rule, Swedish numbers, HTML and PDF render."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from jamlik.cohort.followup import Cohort
from jamlik.cohort.spec import load_spec
from jamlik.reports.cohort.findings import key_findings
from jamlik.reports.cohort.labels import fmt_number, fmt_percent


def test_swedish_number_format():
    # Myndigheternas skrivregler (Språkrådet): decimal comma, space between groups of three digits
    assert fmt_number(1234567.891, 1) == "1 234 567,9"
    assert fmt_number(1.45, 2) == "1,45"
    assert fmt_number(-0.5, 1) == "−0,5"
    assert fmt_number(None) == "–"
    assert fmt_percent(0.4534) == "45 %"


def _spec():
    return load_spec({"name": "t", "follow_up": {"end_of_data": "2024-12-31"},
                      "outcomes": [{"name": "death", "label": {"sv": "Död oavsett orsak"}}]})


def test_key_finding_sentence_matches_the_issue_example():
    # the example sentence of the issue text, generated from the numbers by rule hr_income
    hrs = pl.DataFrame({"outcome": ["death"], "exposure": ["income_quintile"], "level": ["1"], "reference": ["5"],
                        "role": ["exposure"], "hazard_ratio": [1.45], "lower": [1.20], "upper": [1.75],
                        "n_events": [300], "suppressed": [False]})
    files = pl.DataFrame({"rows_read": [100], "rows_rejected": [2], "rows_set_missing": [1]})
    empty = pl.DataFrame(schema={"outcome": pl.String, "group_variable": pl.String, "group": pl.String,
                                 "time_years": pl.Float64, "value": pl.Float64})
    found = key_findings(_spec(), Cohort(pl.DataFrame(), pl.DataFrame()), empty, empty, hrs, pl.DataFrame(), files)
    assert found[0].text_sv == ("Patienter i lägsta inkomstkvintilen hade 45 % högre risk att avlida inom 5 år "
                                "än de i högsta (HR 1,45; 95 % KI 1,20–1,75).")
    assert found[-1].text_sv.startswith("2 av 100 rader")


def test_non_significant_hr_is_said_so():
    hrs = pl.DataFrame({"outcome": ["death"], "exposure": ["income_quintile"], "level": ["1"], "reference": ["5"],
                        "role": ["exposure"], "hazard_ratio": [0.9], "lower": [0.7], "upper": [1.1],
                        "n_events": [30], "suppressed": [False]})
    files = pl.DataFrame({"rows_read": [1], "rows_rejected": [0], "rows_set_missing": [0]})
    empty = pl.DataFrame(schema={"outcome": pl.String, "group_variable": pl.String, "group": pl.String,
                                 "time_years": pl.Float64, "value": pl.Float64})
    text = key_findings(_spec(), Cohort(pl.DataFrame(), pl.DataFrame()), empty, empty, hrs, pl.DataFrame(), files)[0].text_sv
    assert "10 % lägre risk" in text and "inte statistiskt säkerställd" in text


@pytest.fixture(scope="module")
def run_dir(cohort_demo_run):
    """One full demo run (shared with the cohort tests through the session's base temp)."""
    return cohort_demo_run


def _expected_sentence_start(out) -> tuple[str, str]:
    hr = pl.read_parquet(out / "tabeller" / "hazardkvoter.parquet").filter(
        (pl.col("outcome") == "death") & (pl.col("exposure") == "income_quintile") & (pl.col("level") == "1")).row(0, named=True)
    pct = round(abs(hr["hazard_ratio"] - 1) * 100)
    hr_text = f"{hr['hazard_ratio']:.2f}".replace(".", ",")
    return f"Patienter i lägsta inkomstkvintilen hade {pct} % högre risk att avlida inom 5 år", f"(HR {hr_text};"


@pytest.mark.slow
def test_html_has_key_finding_and_sections(run_dir):
    html = (run_dir / "rapport.html").read_text(encoding="utf-8")
    start, hr = _expected_sentence_start(run_dir)
    assert start in html and hr in html
    for section in ("Viktigaste resultaten", "Hazardkvoter", "Processmått", "Metod", "Datakvalitet", "<svg"):
        assert section in html
    assert html.index("<h2>Viktigaste") < html.index("<h2>Hazardkvoter") < html.index("<h2>Datakvalitet")
    assert str(dt.date.today().year) in html


@pytest.mark.slow
def test_pdf_renders_with_key_finding(run_dir):
    import pypdf

    reader = pypdf.PdfReader(run_dir / "rapport.pdf")
    assert len(reader.pages) >= 1
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    start, hr = _expected_sentence_start(run_dir)
    assert " ".join(start.split()) in text and hr in text
    assert "Datakvalitet" in text


@pytest.mark.slow
def test_charts_written_as_svg_and_png(run_dir):
    figures = sorted((run_dir / "figurer").iterdir())
    svgs = [p for p in figures if p.suffix == ".svg"]
    assert svgs and all(p.read_text(encoding="utf-8").lstrip().startswith("<svg") for p in svgs)
    assert all((run_dir / "figurer" / f"{p.stem}.png").read_bytes()[:4] == b"\x89PNG" for p in svgs)
