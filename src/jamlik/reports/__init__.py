"""HTML and PDF reports (layer 5): thin renderers over profiles and charts; never import web."""

from jamlik.reports.profile import (
    AUDIENCES,
    FORMATS,
    BatchResult,
    ProfileReport,
    profile_report,
    render,
    render_profiles,
)

__all__ = [
    "AUDIENCES",
    "FORMATS",
    "BatchResult",
    "ProfileReport",
    "profile_report",
    "render",
    "render_profiles",
]
