"""Number, interval and date formatting of pages and reports (:mod:`jamlik.profiles.format`).

Expected values follow Språkrådet, *Svenska skrivregler* (2017): a decimal comma and digits
grouped in threes separated by a (narrow no-break) space, "1 234,5"; English uses "1,234.5"
(Chicago Manual of Style, 17th ed., 9.55). Ranges take an en dash without spaces between two
numbers (Svenska skrivregler; Chicago 6.78). The round trip compares with a formatter written by
hand (``_swedish.py``).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik.profiles.format import interval, number, when

from ._swedish import norm, swedish


@pytest.mark.parametrize(("value", "decimals", "lang", "expected"), [
    (1234.56, 1, "sv", "1\u202f234,6"),          # Svenska skrivregler: 1 234,6
    (1234567.891, 2, "sv", "1\u202f234\u202f567,89"),
    (82.35, 0, "sv", "82"),
    (1234.56, 1, "en", "1,234.6"),               # Chicago Manual of Style 9.55
    (None, 1, "sv", "–"),
])
def test_number_format_examples(value, decimals, lang, expected):
    assert number(value, decimals, lang) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (float("nan"), "–"),      # a missing value, whatever its type
    (-0.04, "0,0"),           # rounds to zero: no sign
    (-1234.56, "-1\u202f234,6"),
])
def test_number_missing_and_signs(value, expected):
    assert number(value, 1) == expected


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(0, 3))
def test_swedish_number_round_trips(value, decimals):
    text = number(value, decimals, "sv")
    assert norm(text) == swedish(value, decimals)
    parsed = float(text.replace("\u202f", "").replace(",", "."))
    assert parsed == pytest.approx(round(value, decimals), abs=10 ** -decimals)


@pytest.mark.parametrize(("lower", "upper", "decimals", "lang", "expected"), [
    (12.34, 15.67, 1, "sv", "12,3–15,7"),
    (1234.5, 2345.6, 0, "sv", "1\u202f234–2\u202f346"),  # 1234.5 rounds half to even: 1 234
    (12.34, 15.67, 1, "en", "12.3–15.7"),
    (1234.5, 2345.6, 1, "en", "1,234.5–2,345.6"),
    (None, 15.67, 1, "sv", ""),                            # an open interval is not shown
    (12.34, None, 1, "en", ""),
])
def test_interval_examples(lower, upper, decimals, lang, expected):
    assert interval(lower, upper, decimals, lang) == expected


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_when_is_iso_date_and_minute(lang):
    assert when(datetime(2026, 12, 7, 22, 10, 5), lang) == "2026-12-07 22:10"
    assert when(None, lang) == "–"
