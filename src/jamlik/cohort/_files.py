"""Read a register extract file into a polars DataFrame, whatever format it arrives in."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl

from jamlik.model.errors import DataError, InputError, SchemaError

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
FORMATS = ("csv", "parquet", "sas7bdat", "xpt", "sav", "dta")
_SUFFIX_FORMAT = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet",
    ".sas7bdat": "sas7bdat", ".xpt": "xpt", ".sav": "sav", ".zsav": "sav", ".dta": "dta",
}


def read_extract(path: str | Path, *, fmt: str | None = None, encoding: str | None = None) -> pl.DataFrame:
    """Read CSV (UTF-8 or cp1252/latin-1, separator sniffed), Parquet, SAS, SPSS or Stata.

    CSV columns are read as text (decimal commas and codes are parsed later, column by column);
    other formats keep their stored types. Errors name the file and what went wrong.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("path", str(p), "an existing file")
    kind = fmt or _SUFFIX_FORMAT.get(p.suffix.lower())
    if kind not in FORMATS:
        raise InputError("fmt", fmt or p.suffix, f"one of {', '.join(FORMATS)} (or a known file suffix)")
    try:
        if kind == "csv":
            frame = _read_csv(p, encoding)
        elif kind == "parquet":
            frame = pl.read_parquet(p)
        else:
            frame = _read_stat(p, kind, encoding)
    except (DataError, InputError):
        raise
    except Exception as exc:  # any parser failure becomes a clear, located error
        raise DataError(
            f"cannot read the file as {kind}: {type(exc).__name__}: {_safe(exc)}",
            file=p.name,
            hint="Check that the file is complete and in the stated format",
        ) from None
    if frame.height == 0:
        raise DataError("the file has column names but no data rows", file=p.name,
                        hint="Check that the extract is complete")
    return frame


_ID_LIKE = re.compile(r"(?<!\d)(\d{6}|\d{8})[-+]?\d{4}(?!\d)")


def _safe(exc: Exception) -> str:
    """First line of a parser message, with anything shaped like an identity number masked."""
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return _ID_LIKE.sub(lambda m: m.group(1) + "-****", text)


def decode_text(raw: bytes, encoding: str | None, file: str) -> str:
    """UTF-8 (with or without BOM) first, then cp1252, then latin-1 — unless ``encoding`` is given."""
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(f"cannot decode the file as {encoding}: {exc.reason if hasattr(exc, 'reason') else exc}", file=file) from None
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _read_csv(p: Path, encoding: str | None) -> pl.DataFrame:
    raw = p.read_bytes()
    if not raw.strip():
        raise DataError("the file is empty", file=p.name)
    if _looks_binary(raw):
        raise DataError("not a readable text/CSV file: it holds binary data (control bytes)", file=p.name,
                        hint="Export the extract as CSV text, or give it the suffix of its format "
                             "(.parquet, .sas7bdat, .xpt, .sav, .dta)")
    text = decode_text(raw, encoding, p.name)
    if not text.strip():
        raise DataError("the file is empty", file=p.name)
    first = text.splitlines()[0]
    sep = max([";", "\t", ",", "|"], key=first.count)
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=sep,
            infer_schema=False,
        )
    except Exception as exc:
        _raise_if_ragged(text, sep, p.name)
        raise DataError(
            f"malformed CSV: {_safe(exc)}",
            file=p.name,
            hint=f"separator detected as {sep!r}; every line must have as many fields as the header",
        ) from None
    if frame.width and frame[frame.columns[-1]].null_count():  # short lines arrive padded with nulls
        _raise_if_ragged(text, sep, p.name)
    return frame


def _raise_if_ragged(text: str, sep: str, file: str) -> None:
    line, fields, expected = _ragged_line(text, sep)
    if line is not None:
        raise DataError(f"the line has {fields} field{'' if fields == 1 else 's'}, the header has {expected}", file=file, row=line,
                        hint=f"separator detected as {sep!r}; every line must have as many fields as the "
                             "header (rows are counted from the header line, which is row 1)")


_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f")


def _looks_binary(raw: bytes) -> bool:
    """A NUL byte, or more than 1 % control bytes in the first 8 kB: not text in any encoding we read."""
    head = raw[:8192]
    if b"\x00" in head:
        return True
    return sum(head.count(bytes([b])) for b in _CONTROL) > 0.01 * len(head)


def _ragged_line(text: str, sep: str) -> tuple[int | None, int, int]:
    """(line number counting the header as 1, fields found, fields in the header) of the first line
    whose number of fields differs from the header's, or (None, 0, 0)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        header = next(reader, None)
        if header is None:
            return None, 0, 0
        for record in reader:
            if record and len(record) != len(header):
                return reader.line_num, len(record), len(header)
    except csv.Error:
        return None, 0, 0
    finally:
        csv.field_size_limit(limit)
    return None, 0, 0


def _read_stat(p: Path, kind: str, encoding: str | None) -> pl.DataFrame:
    import pyreadstat

    readers = {
        "sas7bdat": pyreadstat.read_sas7bdat,
        "xpt": pyreadstat.read_xport,
        "sav": pyreadstat.read_sav,
        "dta": pyreadstat.read_dta,
    }
    kwargs = {"dates_as_pandas_datetime": True}
    if encoding:
        kwargs["encoding"] = encoding
    frame, _meta = readers[kind](str(p), **kwargs)
    return pl.from_pandas(frame)


def resolve_columns(
    frame: pl.DataFrame, wanted: dict[str, tuple[str | tuple[str, ...] | None, bool]], file: str
) -> dict[str, str]:
    """Map role → actual column (case-insensitive, first alternative present).

    ``wanted`` maps role → (name or tuple of alternative names, required). A missing required
    column raises ``SchemaError``; a missing optional one is left out.
    """
    lower = {c.lower(): c for c in frame.columns}
    out: dict[str, str] = {}
    for role, (names, required) in wanted.items():
        if names is None:
            continue
        options = (names,) if isinstance(names, str) else tuple(names)
        actual = next((lower[n.lower()] for n in options if n.lower() in lower), None)
        if actual is None:
            if required:
                raise SchemaError(
                    f"required column for '{role}' is missing",
                    file=file,
                    column=" / ".join(options),
                    hint=f"columns present: {_column_names(frame.columns[:30])}; map the column in the study specification",
                )
            continue
        out[role] = actual
    return out


def _column_names(names: list[str]) -> str:
    """Column names for a message: one line, shortened, anything shaped like an identity number
    masked (a file without a header line has a data row as its column names)."""
    return ", ".join(_ID_LIKE.sub(lambda m: m.group(1) + "-****", repr(n[:40])[1:-1]) for n in names)
