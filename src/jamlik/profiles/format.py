"""Number and date formatting shared by pages and reports: Swedish (decimal comma, thin space)
or English."""

from __future__ import annotations

import math
from datetime import datetime


def number(value: float | None, decimals: int = 1, lang: str = "sv") -> str:
    """``1234.5`` → ``'1 234,5'`` (sv) or ``'1,234.5'`` (en); missing → ``'–'``.

    >>> number(1234.56, 1), number(1234.56, 1, "en"), number(None), number(-0.04, 1)
    ('1\\u202f234,6', '1,234.6', '–', '0,0')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # no "-0,0": a value that rounds to zero has no sign
    if lang == "sv":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def interval(lower: float | None, upper: float | None, decimals: int = 1, lang: str = "sv") -> str:
    if lower is None or upper is None:
        return ""
    return f"{number(lower, decimals, lang)}–{number(upper, decimals, lang)}"


def when(value: datetime | None, lang: str = "sv") -> str:
    if value is None:
        return "–"
    return value.strftime("%Y-%m-%d %H:%M")
