"""Identity numbers: validation, masking, keyed pseudonyms.

References:
* Skatteverket, "Personnummer" (SKV 704): worked check-digit example 640823-323 → check digit 4,
  i.e. 640823-3234. Exact match required.
* Skatteverket, "Samordningsnummer" (SKV 707; Skatteverkets meddelande SKVM 2010:3): a man born
  3 October 1970 with individual number 239 has samordningsnummer 701063-2391. Exact.
* 19121212-1212 ("Tolvan Tolvansson") is Skatteverket's long-standing public test number. Exact.
* Luhn algorithm (ISO/IEC 7812-1, annex B): the standard example 7992739871 has check digit 3.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik.model.errors import InputError
from jamlik.model.identity import (
    PseudonymKey,
    check_identity_numbers,
    luhn_check_digit,
    mask,
    pseudonymise,
)

KEY = PseudonymKey(b"0123456789abcdef0123456789abcdef")
OTHER = PseudonymKey(b"fedcba9876543210fedcba9876543210")


def test_skatteverket_examples_are_valid():
    res = check_identity_numbers(["640823-3234", "701063-2391", "19121212-1212", "191212121212"],
                                 reference_year=2024)
    assert res.reason == [None, None, None, None]
    assert res.normalised == ["196408233234", "197010632391", "191212121212", "191212121212"]
    assert res.kind == ["personnummer", "samordningsnummer", "personnummer", "personnummer"]


def test_check_digit_examples():
    assert luhn_check_digit("640823323") == 4  # SKV 704 worked example
    assert luhn_check_digit("701063239") == 1  # SKV 707 example
    assert luhn_check_digit("7992739871") == 3  # ISO/IEC 7812-1 Luhn example


def test_century_from_separator_and_reference_year():
    res = check_identity_numbers(["121212-1212", "121212+1212"], reference_year=2024)
    assert res.normalised == ["201212121212", "191212121212"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("19121212-1213", "check digit"),
        ("19120230-1234", "not a real date"),  # 30 February
        ("19121312-1212", "not a real date"),  # month 13
        ("12-34", "not a personnummer"),
        ("", "missing"),
        (None, "missing"),
    ],
)
def test_invalid_numbers_have_reasons(value, reason):
    res = check_identity_numbers([value], reference_year=2024)
    assert res.normalised == [None]
    assert reason in res.reason[0]


def test_leap_day_valid_only_in_leap_years():
    # 2000 is a leap year (divisible by 400), 1900 is not; check digits computed by hand (Luhn).
    ok = "20000229" + "123" + str(luhn_check_digit("000229123"))
    bad = "19000229" + "123" + str(luhn_check_digit("000229123"))
    res = check_identity_numbers([ok, bad])
    assert res.reason[0] is None
    assert "date" in res.reason[1]


def test_mask_hides_the_individual_part():
    assert mask("19121212-1212") == "19121212-****"
    assert mask("1212121212") == "121212-****"
    assert "1212" not in mask("191212121212")[8:]


def test_pseudonyms_stable_keyed_and_shaped():
    ids = ["191212121212", "196408233234", None]
    a = pseudonymise(ids, KEY)
    assert a == pseudonymise(ids, KEY)
    b = pseudonymise(ids, OTHER)
    assert a[0] != b[0] and a[1] != b[1]
    assert a[2] is None
    assert all(re.fullmatch(r"p[0-9a-f]{20}", p) for p in a[:2])
    assert "191212121212" not in "".join(a[:2])


def test_key_rules(tmp_path):
    with pytest.raises(InputError, match="at least 32 bytes") as err:
        PseudonymKey(b"short")
    assert "short" not in str(err.value)
    f = tmp_path / "k.key"
    f.write_text("ab" * 32 + "\n")
    assert PseudonymKey.from_file(f).secret == bytes.fromhex("ab" * 32)
    assert "ab" not in repr(PseudonymKey.from_file(f))
    with pytest.raises(InputError):
        PseudonymKey.from_file(tmp_path / "missing.key")
    with pytest.raises(InputError):
        pseudonymise(["191212121212"], b"x" * 40)  # a raw bytes key is refused


@st.composite
def valid_numbers(draw):
    year = draw(st.integers(1900, 2023))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    serial = draw(st.integers(0, 999))
    nine = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    return f"{year}{nine[2:]}{luhn_check_digit(nine)}"


@settings(max_examples=200, deadline=None)
@given(valid_numbers(), st.integers(0, 11), st.integers(1, 9))
def test_any_single_digit_change_is_caught(number, pos, delta):
    assert check_identity_numbers([number]).reason == [None]
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1:]
    res = check_identity_numbers([changed])
    # a changed century digit can still be a valid (different) number; every other change is caught
    if pos >= 2:
        assert res.reason[0] is not None
