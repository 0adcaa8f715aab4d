"""Swedish personal identity numbers: validation, masking and keyed pseudonymisation.

A *personnummer* is ``YYMMDD-NNNC`` (or ``YYYYMMDDNNNC``); a *samordningsnummer* (co-ordination
number) has the day of birth increased by 60. ``C`` is a Luhn (mod 10) check digit computed over
the ten-digit form ``YYMMDDNNN`` (Skatteverket, SKV 704 and SKV 707). In the ten-digit form the
separator is ``-`` below the age of 100 and ``+`` from the year the person turns 100.

Normalised numbers (12 digits, ``YYYYMMDDNNNC``) exist only in memory; every public function that
produces output either pseudonymises them with HMAC-SHA256 under a secret key or masks them
(``19121212-****``). Nothing here ever writes a raw number to disk, to an error or to a log.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jamlik.model.errors import InputError

MIN_KEY_BYTES = 32
PSEUDONYM_HEX_CHARS = 20

_SHAPE = re.compile(r"^(\d{6}|\d{8})([-+]?)(\d{4})$")
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_LUHN_WEIGHTS = np.array([2, 1, 2, 1, 2, 1, 2, 1, 2], dtype=np.int64)

REASON_MISSING = "missing identity number"
REASON_FORMAT = "not a personnummer/samordningsnummer (expected YYYYMMDD-NNNN, YYMMDD-NNNN or 12 digits)"
REASON_DATE = "birth date part is not a real date"
REASON_CHECK = "check digit (Luhn) does not match"


@dataclass(frozen=True, repr=False)
class PseudonymKey:
    """A secret key for keyed pseudonyms (HMAC-SHA256). At least 32 bytes; never printed."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes | bytearray):
            raise InputError("key", type(self.secret).__name__, "bytes")
        if len(self.secret) < MIN_KEY_BYTES:
            raise InputError(
                "key",
                f"<{len(self.secret)} bytes>",
                f"a secret of at least {MIN_KEY_BYTES} bytes",
                hint="Generate one with: python -c \"import secrets; print(secrets.token_hex(32))\" > pseudonym.key",
            )

    @classmethod
    def from_file(cls, path: str | Path) -> PseudonymKey:
        """Load a key file: 64+ hexadecimal characters (one line) or at least 32 raw bytes."""
        p = Path(path)
        if not p.is_file():
            raise InputError("key_file", str(p), "an existing key file")
        raw = p.read_bytes()
        text = raw.strip()
        if re.fullmatch(rb"[0-9a-fA-F]+", text or b"-") and len(text) % 2 == 0:
            return cls(bytes.fromhex(text.decode("ascii")))
        return cls(raw)

    @classmethod
    def create(cls, path: str | Path) -> PseudonymKey:
        """Write a new random key (32 bytes as hex) to ``path``, readable by its owner only.

        Refuses to overwrite an existing file: a lost or replaced key breaks every linkage.
        """
        import os
        import secrets

        p = Path(path)
        if p.exists():
            raise InputError("key_file", str(p), "a path where no file exists yet",
                             hint="an existing key is never overwritten")
        p.parent.mkdir(parents=True, exist_ok=True)
        text = secrets.token_hex(32)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text + "\n")
        return cls(bytes.fromhex(text))

    @property
    def fingerprint(self) -> str:
        """A public fingerprint of the key (16 hex characters): tells two keys apart without
        revealing either, so a warehouse can refuse loads pseudonymised with another key."""
        return hmac.digest(bytes(self.secret), b"jamlik pseudonym key fingerprint",
                           hashlib.sha256).hex()[:16]

    def __repr__(self) -> str:
        return f"PseudonymKey(<{len(self.secret)} bytes>)"


@dataclass(frozen=True)
class IdentityCheck:
    """Result of validating a column of identity numbers (position by position).

    ``normalised`` holds 12-digit strings (``None`` where invalid) and must stay in memory;
    ``reason`` is ``None`` for valid entries; ``kind`` is ``'personnummer'``,
    ``'samordningsnummer'`` or ``None``; ``masked`` is safe to show.
    """

    normalised: list[str | None]
    reason: list[str | None]
    kind: list[str | None]
    masked: list[str]

    @property
    def valid(self) -> np.ndarray:
        return np.array([r is None for r in self.reason], dtype=bool)


def mask(value: object) -> str:
    """Mask an identity number for messages: keep the date part, hide the rest (``19121212-****``)."""
    if value is None:
        return "<missing>"
    text = str(value).strip()
    m = _SHAPE.match(text)
    if m:
        return f"{m.group(1)}{m.group(2) or '-'}****"
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 8:
        return f"{digits[:len(digits) - 4]}-****"
    return "*" * max(len(text), 4)


_ID_IN_TEXT = re.compile(r"(?<!\d)(\d{6}|\d{8})[-+]?\d{4}(?!\d)")


def mask_in_text(text: str) -> str:
    """Mask everything shaped like an identity number in free text (a line of a file).

    >>> mask_in_text("19121212-1212;2023;0580")
    '19121212-****;2023;0580'
    """
    return _ID_IN_TEXT.sub(lambda m: m.group(1) + "-****", text)


def check_identity_numbers(
    values: Sequence[object], *, reference_year: int | None = None
) -> IdentityCheck:
    """Validate and normalise identity numbers (vectorised over the column).

    Ten-digit numbers get their century from ``reference_year`` (default: the current year):
    the latest year ≤ reference year with those two digits, minus 100 when the separator is
    ``+``. Accepts strings, integers (SAS/Stata numeric columns) and ``None``.
    """
    ref = _dt.date.today().year if reference_year is None else int(reference_year)
    n = len(values)
    text = [_as_text(v) for v in values]
    reason: list[str | None] = [None] * n
    parts = [None if t is None else _SHAPE.match(t) for t in text]
    for i, t in enumerate(text):
        if t is None or t == "":
            reason[i] = REASON_MISSING
        elif parts[i] is None:
            reason[i] = REASON_FORMAT
    ok = np.array([r is None for r in reason], dtype=bool)
    idx = np.flatnonzero(ok)
    twelve = np.full(n, "", dtype="U12")
    if idx.size:
        date_part = [parts[i].group(1) for i in idx]
        sep = np.array([parts[i].group(2) == "+" for i in idx])
        tail = [parts[i].group(3) for i in idx]
        short = np.array([len(d) == 6 for d in date_part])
        yy = np.array([int(d[:2]) if len(d) == 6 else 0 for d in date_part], dtype=np.int64)
        century = np.where(yy <= ref % 100, ref // 100, ref // 100 - 1) - sep.astype(np.int64)
        full = np.array(
            [
                (f"{c:02d}{d}" if s else d) + t
                for c, d, s, t in zip(century, date_part, short, tail, strict=True)
            ],
            dtype="U12",
        )
        twelve[idx] = full
        digits = (
            np.frombuffer(np.char.encode(full, "ascii").astype("S12").tobytes(), dtype=np.uint8)
            .reshape(-1, 12)
            .astype(np.int64)
            - 48
        )
        bad_date, samord = _date_problems(digits)
        bad_luhn = ~_luhn_ok(digits[:, 2:])
        for j, i in enumerate(idx):
            if bad_date[j]:
                reason[i] = REASON_DATE
            elif bad_luhn[j]:
                reason[i] = REASON_CHECK
        kind_sub = np.where(samord, "samordningsnummer", "personnummer")
    kind: list[str | None] = [None] * n
    normalised: list[str | None] = [None] * n
    for j, i in enumerate(idx):
        if reason[i] is None:
            normalised[i] = str(twelve[i])
            kind[i] = str(kind_sub[j])
    return IdentityCheck(normalised, reason, kind, [mask(t) for t in text])


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn (mod 10) check digit for a string of digits (weights 2,1,2,… from the left)."""
    if not re.fullmatch(r"\d+", nine_digits or ""):
        raise InputError("nine_digits", "<non-digit text>", "a string of digits")
    total = 0
    for pos, ch in enumerate(nine_digits):
        p = int(ch) * (2 if (len(nine_digits) - pos) % 2 == 1 else 1)
        total += p - 9 if p > 9 else p
    return (10 - total % 10) % 10


def pseudonymise(normalised: Sequence[str | None], key: PseudonymKey, *, prefix: str = "p") -> list[str | None]:
    """Keyed pseudonyms: ``prefix`` + first 20 hex characters of HMAC-SHA256(key, id).

    Stable for the same key, unrelated across keys, and not reversible without the key.
    ``None`` stays ``None``.
    """
    if not isinstance(key, PseudonymKey):
        raise InputError("key", type(key).__name__, "a PseudonymKey (load it with PseudonymKey.from_file)")
    secret = bytes(key.secret)
    digest = hmac.digest
    return [
        None if v is None else prefix + digest(secret, v.encode("ascii"), hashlib.sha256).hex()[:PSEUDONYM_HEX_CHARS]
        for v in normalised
    ]


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if not value.is_integer():
            return str(value)
        value = int(value)
    if isinstance(value, int | np.integer):
        text = str(int(value))
        # numeric columns lose the leading zero of ten-digit numbers born in 2000-2009
        return text.zfill(10) if len(text) == 9 else text
    return str(value).strip().replace(" ", "")


def _date_problems(digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month = digits[:, 4] * 10 + digits[:, 5]
    day = digits[:, 6] * 10 + digits[:, 7]
    samord = day > 60
    day = np.where(samord, day - 60, day)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    ok_month = (month >= 1) & (month <= 12)
    dim = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok = ok_month & (day >= 1) & (day <= dim) & (year >= 1840)
    return ~ok, samord


def _luhn_ok(ten: np.ndarray) -> np.ndarray:
    prod = ten[:, :9] * _LUHN_WEIGHTS
    prod = np.where(prod > 9, prod - 9, prod)
    return (10 - prod.sum(axis=1) % 10) % 10 == ten[:, 9]
