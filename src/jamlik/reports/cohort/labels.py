"""The cohort report's words for codes and numbers.

Group, process-measure and register labels come from the translation catalogue (``cohort.*``;
income quintiles share the breakdown labels ``group.income_quintile.*``). Numbers in Swedish text
use a decimal comma, a space as thousands separator and a minus sign (:func:`fmt_number`).
"""

from __future__ import annotations

import math

from jamlik.model.i18n import t, t_or

__all__ = ["fmt_number", "fmt_percent", "group_label", "process_label", "register_label"]


def fmt_number(x: float | None, decimals: int = 1) -> str:
    """Swedish number format: decimal comma, space as thousands separator, '–' for missing.

    >>> fmt_number(1234567.891, 1), fmt_number(-0.5), fmt_number(None)
    ('1 234 567,9', '−0,5', '–')
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    text = f"{x:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text.replace("-", "−") if text.startswith("-") else text


def fmt_percent(p: float | None, decimals: int = 0) -> str:
    """A proportion as Swedish per cent: 0.453 → '45 %'."""
    return "–" if p is None or not math.isfinite(p) else f"{fmt_number(100 * p, decimals)} %"


def group_label(variable: str, group: str, lang: str = "sv") -> str:
    """Readable label of a group value; a value without a label shows as its code.

    >>> group_label("income_quintile", "1"), group_label("education", "compulsory", "en")
    ('Q1 (lägst)', 'compulsory')
    """
    if variable == "total":
        return t("cohort.group.total", lang)
    if variable == "income_quintile" and group != "missing":
        return t_or(f"group.income_quintile.{group}", f"Q{group}", lang)
    return t_or(f"cohort.group.{variable}.{group}", group, lang)


def process_label(measure: str, lang: str = "sv", *, fallback: str | None = None) -> str:
    """Readable name of a process measure, e.g. 'pci' → 'PCI'; ``fallback`` (default: the code)
    for a measure without a label."""
    return t_or(f"cohort.process.{measure}", measure if fallback is None else fallback, lang)


def register_label(register: str, lang: str = "sv") -> str:
    """Readable name of one of the study's registers (``quality``, ``population``, ``death``,
    ``patient``)."""
    return t(f"cohort.register.{register}", lang)
