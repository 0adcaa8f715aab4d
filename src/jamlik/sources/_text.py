"""Text files as Swedish offices write them: encodings, delimiters, decimal commas, missing marks.

Encoding detection, in order: a byte-order mark (UTF-8, UTF-16 LE/BE), strict UTF-8, then
Windows-1252 (Excel's "CSV" on Swedish Windows) unless the bytes use code points Windows-1252
leaves undefined, in which case ISO-8859-1 (Latin-1, SCB's PxWeb CSV). No extra dependency.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jamlik.model.errors import DataError, InputError

#: Symbols SCB, Kolada and Socialstyrelsen use for "no value" (.. = not available,
#: - or – = nil / not applicable, . = not applicable in some SCB tables, x = suppressed).
MISSING_MARKS: frozenset[str] = frozenset(
    {"", "..", "...", ".", "-", "–", "—", "x", "X", "NA", "N/A"}
)
DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")

_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def detect_encoding(raw: bytes, *, sample: bool = False) -> str:
    """The encoding of ``raw`` by the heuristic in the module docstring. With ``sample``,
    ``raw`` is the start of a larger file (a character cut at its end is not an error)."""
    import codecs

    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=not sample)
    except UnicodeDecodeError:
        if any(byte in _CP1252_UNDEFINED for byte in raw):
            return "latin-1"
        return "cp1252"
    return "utf-8"


def sniff_delimiter(lines: Sequence[str], candidates: Sequence[str] = DELIMITERS) -> str:
    """The candidate that splits the sampled lines into the same number (> 0) of fields.

    Counts ignore quoted text. The score is the share of lines whose count equals the header's,
    ties broken by the larger count; a decimal comma in ``1,5;2,25`` therefore loses to ``;``.
    """
    sample = [line for line in lines if line.strip()][:50]
    if not sample:
        raise InputError("file", "(empty)", "a text file with a header line")
    best, best_score = None, (0.0, 0)
    for delimiter in candidates:
        counts = [_count_outside_quotes(line, delimiter) for line in sample]
        header = counts[0]
        if header == 0:
            continue
        score = (sum(c == header for c in counts) / len(counts), header)
        if score > best_score:
            best, best_score = delimiter, score
    return best or ","  # one column: any delimiter reads it the same


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def read_delimited(
    raw: bytes,
    *,
    where: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_rows: int = 0,
) -> tuple[pa.Table, np.ndarray, str, str]:
    """Parse delimited text into string columns.

    Returns ``(table, line_numbers, encoding, delimiter)``; ``line_numbers[i]`` is the 1-based line
    in the file where data row ``i`` starts (the header is line ``skip_rows + 1``), which is the
    number an analyst sees in a text editor. Blank lines are skipped; cells are stripped.
    """
    encoding = encoding or detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(f"cannot decode the file as {encoding}: {exc}", file=where) from None
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if skip_rows >= len(lines):
        raise DataError(
            f"the file has {len(lines)} lines, fewer than skip_rows + 1",
            file=where,
            value=skip_rows,
        )
    delimiter = delimiter or sniff_delimiter(lines[skip_rows:])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    starts: list[int] = []
    previous_end = 0
    for record in _records(reader, where):
        start = previous_end + 1
        previous_end = reader.line_num
        if start <= skip_rows or not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [cell.strip() for cell in record]
            _check_header(header, where, start)
            continue
        if len(record) != len(header):
            if len(record) < len(header) and all(not c.strip() for c in record[1:]):
                continue  # SCB footnote lines: text in the first column only
            raise DataError(
                f"expected {len(header)} fields separated by {delimiter!r}, found {len(record)}",
                file=where,
                row=start,
                value=delimiter.join(record)[:80],
            )
        rows.append([cell.strip() for cell in record])
        starts.append(start)
    if header is None:
        raise DataError("the file has no header line", file=where)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(header)
    table = pa.table(
        {name: pa.array(list(col), pa.string()) for name, col in zip(header, columns, strict=True)}
    )
    return table, np.asarray(starts, dtype=np.int64), encoding, delimiter


def _records(reader, where: str):
    """The reader's records; a line it cannot split (a field over the csv module's size limit,
    a stray NUL) becomes a DataError naming the file and the line."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(f"the line cannot be read as delimited text: {exc}", file=where,
                            row=reader.line_num,
                            hint="A field this long is usually a missing closing quote") from None
        yield record


def _check_header(header: list[str], where: str, line: int) -> None:
    seen: Counter[str] = Counter(header)
    duplicated = [name for name, n in seen.items() if n > 1]
    if duplicated:
        raise DataError("column names must be unique", file=where, row=line, value=duplicated)
    if any(not name for name in header):
        raise DataError("a column has an empty name", file=where, row=line, value=header)


def parse_numbers(
    values: Sequence[object] | pa.Array,
    *,
    decimal: str = "auto",
    missing: frozenset[str] = MISSING_MARKS,
) -> tuple[np.ndarray, np.ndarray]:
    """Swedish-formatted numbers to float64.

    Handles decimal commas, spaces and (narrow) no-break spaces as thousands separators, the
    minus sign U+2212, and the missing marks. Returns ``(numbers, bad)`` where ``numbers`` is NaN for
    missing and unparseable cells and ``bad`` flags the unparseable ones (so the caller can report
    them with row and value). Numeric input passes through unchanged.
    """
    if decimal not in {"auto", ",", "."}:
        raise InputError("decimal", decimal, "'auto', ',' or '.'")
    if isinstance(values, pa.ChunkedArray | pa.Array):
        if (
            pa.types.is_integer(values.type)
            or pa.types.is_floating(values.type)
            or pa.types.is_decimal(values.type)
        ):
            numbers = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
            return np.where(np.isnan(numbers), np.nan, numbers), np.zeros(len(numbers), dtype=bool)
        # Each distinct text is parsed once (numbers repeat a lot in large files).
        encoded = pc.dictionary_encode(values.cast(pa.string()) if not pa.types.is_string(
            values.type) else values)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks() if encoded.num_chunks else pa.array(
                [], pa.dictionary(pa.int32(), pa.string()))
        # The distinct texts hold the same marks as the cells: "auto" decides the same way.
        numbers, bad = parse_numbers(encoded.dictionary.to_pylist(), decimal=decimal,
                                     missing=missing)
        index = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        numbers, bad = np.append(numbers, np.nan), np.append(bad, False)  # -1: a null cell
        return numbers[index], bad[index]
    raw = pd.Series(["" if v is None else str(v) for v in values], dtype=object)
    cleaned = raw.str.replace(_SPACES, "", regex=True).str.replace("\u2212", "-", regex=False)
    is_missing = (raw.str.strip().isin(missing) | cleaned.isin(missing)).to_numpy()
    present = cleaned[~is_missing]
    if decimal == "auto":
        has_comma = bool(present.str.contains(",", regex=False).any())
        has_point = bool(present.str.contains(".", regex=False).any())
        decimal = "," if has_comma and not has_point else "."
    if decimal == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    well_formed = cleaned.str.fullmatch(_NUMBER).fillna(False).to_numpy(dtype=bool)
    ok = well_formed & ~is_missing
    numbers = np.full(len(cleaned), np.nan)
    numbers[ok] = cleaned[ok].astype(float).to_numpy()
    bad = ~is_missing & ~well_formed
    return numbers, bad
