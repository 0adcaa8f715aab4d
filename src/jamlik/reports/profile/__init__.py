"""Area-profile reports: decision-maker brief and analyst version, PDF and HTML."""

from jamlik.reports.profile.batch import BatchResult, render_profiles
from jamlik.reports.profile.content import AUDIENCES, ProfileReport, profile_report, select_rows
from jamlik.reports.profile.render import FORMATS, chart_svgs, render, to_html, to_pdf

__all__ = [
    "AUDIENCES",
    "FORMATS",
    "BatchResult",
    "ProfileReport",
    "chart_svgs",
    "profile_report",
    "render",
    "render_profiles",
    "select_rows",
    "to_html",
    "to_pdf",
]
