"""How confidence limits are named, in every table, frame, API response and download.

One rule: a table that holds one confidence level of any value names its limits ``lower`` and
``upper`` and says the level in a ``confidence`` column (``inequalities``, ``gaps``,
``le_decomposition``, the cohort's tables, a single-level :meth:`jamlik.stats.Estimate.to_frame`);
a table that holds fixed levels side by side names them by level, ``lower_95``/``upper_95`` and
``lower_998``/``upper_998`` (``observations``, the API and downloads, a several-level
``to_frame``).

>>> level_tag(0.95), level_tag(0.998), limit_columns(0.998), limit_columns()
('95', '998', ('lower_998', 'upper_998'), ('lower', 'upper'))
"""

from __future__ import annotations


def level_tag(level: float) -> str:
    """The digits of a confidence level in per cent: ``0.95`` → ``'95'``, ``0.998`` → ``'998'``."""
    return f"{level * 100:g}".replace(".", "")


def limit_columns(level: float | None = None) -> tuple[str, str]:
    """The names of the lower and upper limit at ``level`` (no level: ``lower``, ``upper``)."""
    if level is None:
        return "lower", "upper"
    tag = level_tag(level)
    return f"lower_{tag}", f"upper_{tag}"


__all__ = ["level_tag", "limit_columns"]
