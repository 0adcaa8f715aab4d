"""Seeded random streams, pseudonymous ids and date helpers (all vectorised)."""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
_HEX = np.array([f"{i:02x}".encode() for i in range(256)], dtype="S2")


def stream(seed: int, component: str) -> np.random.Generator:
    """An independent generator per named component, stable when other components change."""
    digest = hashlib.sha256(component.encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, seed >> 32, *words]))


def hex_ids(rng: np.random.Generator, n: int, prefix: str = "") -> np.ndarray:
    """``n`` distinct random 16-hex-character ids (64 random bits each), as a numpy str array."""
    values = rng.integers(0, 2**63, size=n, dtype=np.int64).astype(np.uint64)
    values |= rng.integers(0, 2, size=n, dtype=np.uint64) << np.uint64(63)
    while np.unique(values).size < n:  # astronomically rare; keep ids distinct anyway
        _, first = np.unique(values, return_index=True)
        dup = np.setdiff1d(np.arange(n), first)
        values[dup] = rng.integers(0, 2**63, size=dup.size, dtype=np.int64).astype(np.uint64)
    as_bytes = values.astype(">u8").view(np.uint8).reshape(n, 8)
    text = _HEX[as_bytes].view("S16").ravel().astype("U16")
    return np.char.add(prefix, text) if prefix else text


def day(year: int, month: int = 1, dom: int = 1) -> int:
    """Days since 1970-01-01 (the date32 representation)."""
    return (date(year, month, dom) - EPOCH).days


def year_start(years: np.ndarray) -> np.ndarray:
    """Vectorised day number of 1 January of each year."""
    y = np.asarray(years, np.int64)
    return (y - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def year_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of day numbers."""
    return np.asarray(days, "datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def completed_age(birth: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Completed years of age on day ``when`` for birth day ``birth`` (vectorised)."""
    b = np.asarray(birth, "datetime64[D]")
    w = np.asarray(when, "datetime64[D]")
    years = (w.astype("datetime64[Y]") - b.astype("datetime64[Y]")).astype(np.int64)
    before_birthday = _month_day(w) < _month_day(b)
    return years - before_birthday


def _month_day(d: np.ndarray) -> np.ndarray:
    month = d.astype("datetime64[M]")
    dom = (d - month).astype(np.int64)
    return (month - d.astype("datetime64[Y]")).astype(np.int64) * 32 + dom


def categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows need not be normalised)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(1), probs.shape[1] - 1)
