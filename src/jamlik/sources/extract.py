"""Register extracts as streams of Arrow batches, every value as text, with the row the user sees.

:func:`open_extract` reads CSV/TXT/TSV (UTF-8, UTF-16 or Windows-1252/Latin-1, delimiter sniffed),
Excel, Parquet, SAS, SPSS and Stata, in batches of bounded size, so a file of tens of millions of
rows never needs to fit in memory at once. Every batch has the file's columns as strings (codes
keep their leading zeros; integral numbers lose the ``.0`` statistics packages add; dates become
``YYYY-MM-DD``) plus ``__row``: the line number in a text file (header = line 1), the sheet row in
Excel, the record number in the other formats. Lines a text file cannot hold as a row (too few or
too many fields) are not silently dropped: :attr:`ExtractFile.bad_lines` lists them, and blank
lines and footnote lines (text in the first field only, as SCB writes them) are counted in
:attr:`ExtractFile.skipped_lines`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jamlik.model.errors import DataError, InputError, JamlikError
from jamlik.model.identity import mask_in_text
from jamlik.sources._text import DELIMITERS, detect_encoding, sniff_delimiter

__all__ = ["BATCH_ROWS", "EXTRACT_FORMATS", "BadLine", "ExtractFile", "open_extract"]

ROW = "__row"
BATCH_ROWS = 250_000
EXTRACT_FORMATS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".tab": "csv",
    ".xlsx": "excel", ".xlsm": "excel",
    ".parquet": "parquet", ".pq": "parquet",
    ".sas7bdat": "sas7bdat", ".xpt": "xport", ".sav": "spss", ".zsav": "spss", ".dta": "stata",
}
_SAMPLE = 1 << 20


@dataclass(frozen=True)
class BadLine:
    """A line of a text file that is not a row of the table (wrong number of fields)."""

    row: int
    expected: int
    found: int
    text: str


@dataclass
class ExtractFile:
    """One opened extract: its columns, format and a batch iterator (:meth:`batches`)."""

    path: Path
    format: str
    columns: list[str]
    content_hash: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    batch_rows: int = BATCH_ROWS
    bad_lines: list[BadLine] = field(default_factory=list)
    skipped_lines: int = 0

    @property
    def name(self) -> str:
        return self.path.name

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows as string columns plus ``__row`` (see the module docstring)."""
        self.bad_lines.clear()
        self.skipped_lines = 0
        if self.format == "csv":
            yield from self._csv_batches()
            return
        reader = self._excel_batches if self.format == "excel" else (
            self._parquet_batches if self.format == "parquet" else self._stat_batches)
        try:
            yield from reader()
        except JamlikError:
            raise
        except Exception as exc:  # the readers raise many types for a damaged file
            from jamlik.sources.files import unreadable

            raise unreadable(self.name, self.format, exc) from None

    # -- text ---------------------------------------------------------------------------------
    def _csv_batches(self) -> Iterator[pa.RecordBatch]:
        header_line = 1
        skipped: list[int] = []  # line numbers the reader did not turn into rows, in order

        def on_invalid(row) -> str:
            number = row.number if row.number is not None else -1
            skipped.append(number)
            fields = row.text.split(self.delimiter) if row.text is not None else []
            if any(f.strip() for f in fields[1:]):
                self.bad_lines.append(BadLine(number, row.expected_columns, row.actual_columns,
                                              (row.text or "")[:80]))
            else:
                self.skipped_lines += 1  # a footnote line (text in the first field only)
            return "skip"

        try:
            reader = self._open_csv(on_invalid, self.columns)
            raw_names = reader.schema.names
            if raw_names != self.columns and [n.strip() for n in raw_names] == self.columns:
                reader = self._open_csv(on_invalid, raw_names)  # "PersonNr ; Ar": padded names
        except pa.ArrowInvalid as exc:
            raise self._decode_error(exc) from None
        if [name.strip() for name in raw_names] != self.columns:
            raise DataError("the header must be the first line of the file, with one name per "
                            "column", file=self.name, row=1,
                            value=self.delimiter.join(raw_names)[:60])
        done = 0
        iterator = iter(reader)
        while True:
            try:
                batch = next(iterator)
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise self._decode_error(exc) from None
            n = batch.num_rows
            # Row k of the stream sits on line header + 1 + k + (skipped lines before it).
            s = np.asarray(skipped, dtype=np.int64)
            t = s - header_line - 1 - np.arange(s.size)
            k = np.arange(done, done + n, dtype=np.int64)
            lines = header_line + 1 + k + np.searchsorted(t, k, side="right")
            done += n
            if raw_names != self.columns:
                batch = batch.rename_columns(self.columns)
            batch = batch.append_column(ROW, pa.array(lines, pa.int64()))
            blank = None
            for name in self.columns:
                empty = pc.equal(pc.utf8_trim_whitespace(batch[name]), "")
                blank = empty if blank is None else pc.and_(blank, empty)
            if blank is not None and pc.any(blank).as_py():
                self.skipped_lines += pc.sum(blank).as_py()
                batch = batch.filter(pc.invert(blank))
            yield _trimmed(batch)

    def _open_csv(self, on_invalid, names: list[str]):
        return pacsv.open_csv(
            str(self.path),
            read_options=pacsv.ReadOptions(encoding=self.encoding or "utf8", use_threads=False,
                                           block_size=8 << 20),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter, ignore_empty_lines=False,
                                             newlines_in_values=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))

    def _decode_error(self, exc: Exception) -> DataError:
        """Locate the first line that is not valid text in the file's encoding."""
        encoding = self.encoding or "utf-8"
        decoder = codecs.getincrementaldecoder(encoding)()
        with open(self.path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    decoder.decode(raw)
                except UnicodeDecodeError as bad:
                    return _undecodable(self.name, encoding, number, raw, bad.start,
                                        self.delimiter, self.columns)
        return DataError(f"the file cannot be read as CSV: {str(exc).splitlines()[0]}",
                         file=self.name)

    # -- Excel --------------------------------------------------------------------------------
    def _excel_batches(self) -> Iterator[pa.RecordBatch]:
        from jamlik.sources.files import _read_excel

        table, rows, _ = _read_excel(self.path, self.sheet, 0)
        table = table.append_column(ROW, pa.array(rows, pa.int64()))
        for batch in table.to_batches(max_chunksize=self.batch_rows):
            yield _as_text(batch)

    # -- Parquet and statistics packages ------------------------------------------------------
    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        done = 0
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=self.batch_rows):
            rows = pa.array(np.arange(done + 1, done + batch.num_rows + 1), pa.int64())
            done += batch.num_rows
            yield _as_text(batch.append_column(ROW, rows))

    def _stat_batches(self) -> Iterator[pa.RecordBatch]:
        import pyreadstat

        reader = {"sas7bdat": pyreadstat.read_sas7bdat, "xport": pyreadstat.read_xport,
                  "spss": pyreadstat.read_sav, "stata": pyreadstat.read_dta}[self.format]
        done = 0
        try:
            for frame, _ in pyreadstat.read_file_in_chunks(reader, str(self.path),
                                                           chunksize=self.batch_rows):
                table = pa.Table.from_pandas(frame, preserve_index=False)
                rows = pa.array(np.arange(done + 1, done + table.num_rows + 1), pa.int64())
                done += table.num_rows
                for batch in table.append_column(ROW, rows).to_batches():
                    yield _as_text(batch)
        except pyreadstat.ReadstatError as exc:
            raise DataError(f"cannot read the file as {self.format}: {exc}",
                            file=self.name) from None


def open_extract(path: str | Path, *, format: str | None = None, sheet: str | int | None = None,
                 encoding: str | None = None, delimiter: str | None = None,
                 batch_rows: int = BATCH_ROWS) -> ExtractFile:
    """Open ``path`` for reading in batches; the format follows the suffix unless given.

    Reads the header (and, for text files, a sample to detect encoding and delimiter) now, so
    that a missing column or an empty file is reported before any batch is read.
    """
    path = Path(path)
    fmt = format or EXTRACT_FORMATS.get(path.suffix.lower())
    if fmt not in set(EXTRACT_FORMATS.values()):
        raise DataError(f"unknown file type; expected one of "
                        f"{', '.join(sorted(EXTRACT_FORMATS))}", file=path.name,
                        value=path.suffix or path.name)
    if not path.is_file():
        raise InputError("file", str(path), "an existing file")
    if batch_rows < 1:
        raise InputError("batch_rows", batch_rows, "a positive number of rows")
    digest = _sha256(path)
    if path.stat().st_size == 0:
        raise DataError("the file is empty", file=path.name)
    if fmt == "csv":
        encoding, delimiter, columns = _text_header(path, encoding, delimiter)
        return ExtractFile(path, fmt, columns, digest, encoding=encoding, delimiter=delimiter,
                           batch_rows=batch_rows)
    if fmt == "excel":
        from jamlik.sources.files import _read_excel

        try:
            table, _, sheet_name = _read_excel(path, sheet, 0)
        except (InputError, DataError):
            raise
        except Exception as exc:  # openpyxl raises several types for a file that is no workbook
            raise DataError(f"cannot read the file as Excel (.xlsx): "
                            f"{str(exc).splitlines()[0][:120]}", file=path.name,
                            hint="give an .xlsx workbook, or save the sheet as CSV") from None
        return ExtractFile(path, fmt, list(table.column_names), digest, sheet=sheet_name,
                           batch_rows=batch_rows)
    if fmt == "parquet":
        try:
            schema = pq.read_schema(path)
        except Exception as exc:  # ArrowInvalid, OSError, UnicodeDecodeError in the metadata
            raise DataError(f"cannot read the file as Parquet: {exc}", file=path.name) from None
        return ExtractFile(path, fmt, list(schema.names), digest, batch_rows=batch_rows)
    import pyreadstat

    reader = {"sas7bdat": pyreadstat.read_sas7bdat, "xport": pyreadstat.read_xport,
              "spss": pyreadstat.read_sav, "stata": pyreadstat.read_dta}[fmt]
    try:
        _, meta = reader(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises several types for a damaged file
        raise DataError(f"cannot read the file as {fmt}: {str(exc).splitlines()[0][:120]}",
                        file=path.name) from None
    return ExtractFile(path, fmt, list(meta.column_names), digest, batch_rows=batch_rows)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(8 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _text_header(path: Path, encoding: str | None,
                 delimiter: str | None) -> tuple[str, str, list[str]]:
    with open(path, "rb") as handle:
        sample = handle.read(_SAMPLE)
    if encoding is None and _utf16_without_bom(sample):
        raise DataError("the file looks like UTF-16 without a byte-order mark", file=path.name,
                        row=1, hint="save it as UTF-8, or give its encoding in the mapping "
                                    "(encoding: utf-16-le or utf-16-be)")
    encoding = encoding or detect_encoding(sample, sample=True)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError("unknown text encoding", file=path.name, column="encoding",
                        value=encoding, hint="e.g. utf-8, cp1252, latin-1 or utf-16") from None
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(sample)
    except UnicodeDecodeError as exc:
        # Name the line, the column and the value: read the header as well as one can.
        lines = [ln for ln in codecs.decode(sample, encoding, errors="replace").lstrip(
            "\ufeff").splitlines() if ln.strip()]
        sep = delimiter or sniff_delimiter(lines[:50], DELIMITERS)
        header = [h.strip() for h in next(csv.reader(io.StringIO(lines[0]), delimiter=sep))]
        start = sample.rfind(b"\n", 0, exc.start) + 1
        end = sample.find(b"\n", exc.start)
        raw = sample[start:len(sample) if end < 0 else end]
        raise _undecodable(path.name, encoding, sample[:exc.start].count(b"\n") + 1, raw,
                           exc.start - start, sep, header) from None
    text = text.lstrip("\ufeff")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataError("the file has no header line (it is empty or blank)", file=path.name)
    if "\x00" in lines[0] or sum(not ch.isprintable() for ch in lines[0][:200]) > 2:
        raise DataError("the file is not a text table (binary data in the first line)",
                        file=path.name, row=1, hint="give the right file, or its format")
    delimiter = delimiter or sniff_delimiter(lines[:50], DELIMITERS)
    header = [h.strip() for h in next(csv.reader(io.StringIO(lines[0]), delimiter=delimiter))]
    if any(not h for h in header):
        raise DataError("a column has an empty name", file=path.name, row=1, value=header)
    seen: set[str] = set()
    for h in header:
        if h.casefold() in seen:
            raise DataError("column names must be unique", file=path.name, row=1, value=h)
        seen.add(h.casefold())
    if len(lines) < 2:
        raise DataError("the file has a header line but no data rows", file=path.name, row=1)
    return encoding, delimiter, header


def _undecodable(name: str, encoding: str, number: int, raw: bytes, at: int,
                 delimiter: str | None, header: list[str] | None) -> DataError:
    """The error for line ``number`` (bytes ``raw``) whose byte ``at`` is not ``encoding``:
    the column and the value of the field it lies in (identity numbers masked)."""
    column = None
    raw = raw.rstrip(b"\r\n")
    try:
        sep = (delimiter or "").encode(encoding)
    except (UnicodeEncodeError, LookupError):
        sep = b""
    if len(sep) == 1 and header and "16" not in encoding and "32" not in encoding:
        index = raw[:at].count(sep)
        field_start = raw.rfind(sep, 0, at) + 1
        field_end = raw.find(sep, at)
        raw = raw[field_start:len(raw) if field_end < 0 else field_end]
        column = header[index] if index < len(header) else None
    value = mask_in_text(raw[:60].decode(encoding, errors="replace").strip())
    return DataError(f"the line is not valid {encoding} text", file=name, row=number,
                     column=column, value=value,
                     hint="save the file as UTF-8, or give its encoding in the mapping "
                          "(encoding: cp1252)")


def _utf16_without_bom(sample: bytes) -> bool:
    """Text in UTF-16 without a byte-order mark: a zero byte in most even or most odd places
    (the high byte of Latin characters) and almost none in the others."""
    head = sample[:4096]
    if len(head) < 8 or head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    even, odd = head[0::2], head[1::2]
    zeros = (even.count(0) / len(even), odd.count(0) / len(odd))
    return max(zeros) > 0.4 and min(zeros) < 0.05


def _trimmed(batch: pa.RecordBatch) -> pa.RecordBatch:
    arrays = [batch[i] if name == ROW else pc.utf8_trim_whitespace(batch[i])
              for i, name in enumerate(batch.schema.names)]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _as_text(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Every column as a string (``__row`` stays int64); see the module docstring."""
    arrays, names = [], []
    for i, name in enumerate(batch.schema.names):
        col = batch.column(i)
        if name != ROW:
            col = _text(col)
        arrays.append(col)
        names.append(name)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def _text(col: pa.Array) -> pa.Array:
    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pc.utf8_trim_whitespace(col.cast(pa.string()))
    if pa.types.is_null(t):
        return pa.nulls(len(col), pa.string())
    if pa.types.is_boolean(t):
        return pc.if_else(col, "true", "false")
    if pa.types.is_integer(t):
        return col.cast(pa.string())
    if pa.types.is_floating(t):
        finite = pc.fill_null(pc.is_finite(col), False)
        integral = pc.and_(finite, pc.equal(pc.floor(col), col))
        as_int = pc.cast(pc.if_else(integral, col, 0.0), pa.int64(), safe=False).cast(pa.string())
        out = pc.if_else(integral, as_int, col.cast(pa.string()))
        return pc.if_else(finite, out, pa.scalar(None, pa.string()))
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return pc.strftime(col, format="%Y-%m-%d") if pa.types.is_timestamp(t) \
            else col.cast(pa.string())
    if pa.types.is_decimal(t):
        return col.cast(pa.string())
    return col.cast(pa.string())
