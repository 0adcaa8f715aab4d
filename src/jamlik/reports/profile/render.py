"""Render a :class:`ProfileReport` to PDF (Typst) or standalone HTML (inline CSS and SVG)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from jamlik.model import InputError
from jamlik.reports._render import FONT_FAMILIES, html_page, inline_svg, svg_chart, typst_pdf
from jamlik.reports.profile.content import ProfileReport

FORMATS = ("pdf", "html")
#: Chart widths in CSS pixels (charts whose spec width is "container" get this width).
CHART_WIDTH = 520


def _templates() -> Path:
    return Path(str(resources.files("jamlik.reports.profile") / "templates"))


def chart_svgs(report: ProfileReport) -> dict[str, str]:
    """Every chart of the report as SVG markup, by name."""
    return {name: svg_chart(spec, width=CHART_WIDTH, lang=report.lang)
            for name, spec in report.charts.items()}


def to_pdf(report: ProfileReport, svgs: dict[str, str] | None = None) -> bytes:
    """The report as PDF bytes (two A4 pages for 'beslutsfattare')."""
    svgs = chart_svgs(report) if svgs is None else svgs
    data = {**report.data, "fonts": list(FONT_FAMILIES)}
    return typst_pdf(_templates() / f"{report.audience}.typ", data, svgs)


def to_html(report: ProfileReport, svgs: dict[str, str] | None = None) -> str:
    """The report as one standalone HTML document (no external requests)."""
    svgs = chart_svgs(report) if svgs is None else svgs
    return html_page(_templates() / "profile.html.j2", d=report.data, L=report.data["labels"],
                     charts={name: inline_svg(svg) for name, svg in svgs.items()})


def render(report: ProfileReport, fmt: str = "pdf") -> bytes:
    """PDF or HTML (UTF-8) bytes for ``report``."""
    if fmt not in FORMATS:
        raise InputError("fmt", fmt, f"one of {list(FORMATS)}")
    return to_pdf(report) if fmt == "pdf" else to_html(report).encode("utf-8")
