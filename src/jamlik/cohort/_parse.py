"""Vectorised value parsers for register extracts (polars Series in, Series + problem mask out)."""

from __future__ import annotations

import datetime as _dt

import polars as pl

SAS_EPOCH = _dt.date(1960, 1, 1)
ICD10_PATTERN = r"^[A-Z][0-9]{2}[0-9A-Z]{0,4}$"

_TRUE = {"1", "J", "JA", "Y", "YES", "TRUE", "T", "SANT"}
_FALSE = {"0", "N", "NEJ", "NO", "FALSE", "F", "FALSKT"}
_UNKNOWN = {"", "9", "99", "OKÄND", "OKAND", "UNKNOWN", "UPPGIFT SAKNAS", "SAKNAS", "NA", ".", "-"}
_MALE = {"1", "M", "MAN", "MÄN", "MALE"}
_FEMALE = {"2", "K", "F", "KVINNA", "KVINNOR", "FEMALE"}


def _text(s: pl.Series) -> pl.Series:
    if s.dtype == pl.String:
        return s.str.strip_chars()
    if s.dtype.is_float():
        # integral floats (SAS/Stata numerics) print without the trailing '.0'
        as_int = s.cast(pl.Int64, strict=False)
        integral = as_int.cast(pl.Float64) == s
        return pl.select(
            pl.when(integral).then(as_int.cast(pl.String)).otherwise(s.cast(pl.String))
        ).to_series().str.strip_chars()
    return s.cast(pl.String).str.strip_chars()


def _present(s: pl.Series) -> pl.Series:
    t = _text(s)
    return t.is_not_null() & (t != "")


def parse_dates(s: pl.Series, *, impute_partial: bool = False) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Parse dates given as Date/Datetime, ``YYYYMMDD``, ``YYYY-MM-DD`` or SAS/Stata day numbers.

    Day numbers (1–6 digits, optionally negative) count days since 1960-01-01. With
    ``impute_partial`` (cause-of-death register) an unknown day ``YYYYMM00`` becomes the 15th and
    an unknown month ``YYYY0000`` becomes 1 July. Returns (dates, invalid mask, imputed mask).
    """
    if s.dtype == pl.Date:
        return s, pl.Series([False] * s.len()), pl.Series([False] * s.len())
    if isinstance(s.dtype, pl.Datetime):
        d = s.dt.date()
        return d, pl.Series([False] * s.len()), pl.Series([False] * s.len())
    t = _text(s)
    present = t.is_not_null() & (t != "")
    day_number = t.str.contains(r"^-?\d{1,6}$")
    compact = t.str.replace_all(r"[-/.]", "")
    imputed = pl.Series([False] * s.len())
    if impute_partial:
        month_unknown = compact.str.contains(r"^\d{4}0000$")
        day_unknown = compact.str.contains(r"^\d{6}00$") & ~month_unknown
        compact = (
            pl.select(
                pl.when(month_unknown)
                .then(compact.str.slice(0, 4) + "0701")
                .when(day_unknown)
                .then(compact.str.slice(0, 6) + "15")
                .otherwise(compact)
            )
            .to_series()
        )
        imputed = (month_unknown | day_unknown).fill_null(False)
    ymd = compact.str.strptime(pl.Date, "%Y%m%d", strict=False)
    offset = t.cast(pl.Int64, strict=False)
    sas = pl.select(pl.lit(SAS_EPOCH) + pl.duration(days=offset)).to_series().cast(pl.Date)
    out = pl.select(pl.when(day_number).then(sas).otherwise(ymd)).to_series()
    bad = (present & out.is_null()).fill_null(False)
    return out, bad, imputed & ~bad


def parse_numbers(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Numbers with decimal comma or point and optional thousands spaces → Float64."""
    if s.dtype.is_numeric():
        return s.cast(pl.Float64), pl.Series([False] * s.len())
    t = _text(s).str.replace_all(r"[\s\u00a0\u202f]", "").str.replace(",", ".", literal=True)
    t = t.str.replace(r"^\u2212", "-")
    out = t.cast(pl.Float64, strict=False)
    bad = (_present(s) & out.is_null()).fill_null(False)
    return out, bad


def _code_map(s: pl.Series, mapping: dict[str, int], unknown: set[str]) -> tuple[pl.Series, pl.Series]:
    t = _text(s).str.to_uppercase()
    out = t.replace_strict(mapping, default=None, return_dtype=pl.Int8)
    known_missing = t.is_null() | t.is_in(list(unknown))
    bad = (out.is_null() & ~known_missing).fill_null(False)
    return out, bad


def parse_flags(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Yes/no codes (1/0, Ja/Nej, J/N, Yes/No, true/false) → Int8 1/0; 9/'Okänd'/blank → missing."""
    mapping = {k: 1 for k in _TRUE} | {k: 0 for k in _FALSE}
    return _code_map(s, mapping, _UNKNOWN)


def parse_sex(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Sex codes → Int8 1 = man, 2 = kvinna (SCB's Kon coding; also M/K/F, man/kvinna)."""
    mapping = {k: 1 for k in _MALE} | {k: 2 for k in _FEMALE}
    return _code_map(s, mapping, {"", "9", "OKÄND", "NA", "."})


def normalise_icd10(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """ICD-10 codes upper case without dot, space or dagger/asterisk (``i21.9`` → ``I219``)."""
    t = _text(s).str.to_uppercase().str.replace_all(r"[.\s\-+*†]", "")
    ok = t.str.contains(ICD10_PATTERN)
    out = pl.select(pl.when(ok).then(t).otherwise(None)).to_series()
    bad = (_present(s) & ~ok.fill_null(False)).fill_null(False)
    return out, bad


def icd_prefix_regex(codes: list[str]) -> str:
    """Expand ``['I21', 'I60-I64']`` to an anchored prefix regex ``^(I21|I60|I61|…)``."""
    prefixes: list[str] = []
    for code in codes:
        c = code.strip().upper().replace(".", "")
        if "-" in c:
            lo, hi = c.split("-", 1)
            if len(lo) != len(hi) or lo[0] != hi[0] or not (lo[1:].isdigit() and hi[1:].isdigit()):
                raise ValueError(code)
            width = len(lo) - 1
            prefixes += [f"{lo[0]}{k:0{width}d}" for k in range(int(lo[1:]), int(hi[1:]) + 1)]
        else:
            prefixes.append(c)
    return "^(" + "|".join(sorted(set(prefixes))) + ")"
