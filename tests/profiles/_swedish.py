"""Numbers formatted by hand, independently of :mod:`jamlik.profiles.format`, as the expected
values of tests.

Språkrådet, *Svenska skrivregler* (2017), on numbers: a decimal comma and digits grouped in threes
separated by a space, e.g. "1 234,5".
"""

from __future__ import annotations

import re


def swedish(value: float, decimals: int) -> str:
    """Hand formatting per Svenska skrivregler: '1 234,5' (space-grouped, decimal comma)."""
    whole, _, frac = f"{abs(value):.{decimals}f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = " ".join(groups) + ("," + frac if frac else "")
    return ("-" if value < 0 and text.strip("0,") else "") + text


def norm(text: str) -> str:
    """``text`` with every run of whitespace (no-break and narrow no-break spaces included) as
    one ordinary space, the way PDF text extraction gives it."""
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " ")).strip()
