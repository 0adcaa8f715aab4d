"""Number and date formatting for pages (re-exported from :mod:`jamlik.profiles.format`, which the
reports share)."""

from jamlik.profiles.format import interval, number, when

__all__ = ["interval", "number", "when"]
