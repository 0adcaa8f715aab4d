"""Reading a CSV file destined for a warehouse table, keeping the line numbers users see."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from jamlik.model import DataError


@dataclass(frozen=True)
class FileRows:
    """A file read as text columns, with the line number of each row and the file's hash."""

    table: pa.Table
    line_numbers: np.ndarray
    source: str
    content_hash: str


def read_csv_for_table(path: str | Path, *, delimiter: str | None = None,
                       encoding: str = "utf-8") -> FileRows:
    """Read ``path`` with every column as text; types are checked at load, by the warehouse.

    Line numbers count the header as line 1, so data row *k* is line *k + 1* — the number a
    user sees in a text editor or spreadsheet.
    """
    path = Path(path)
    raw = path.read_bytes()
    text = raw.decode(encoding)
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = max((";", ",", "\t", "|"), key=first.count)
    header = [h.strip() for h in text.split("\n", 1)[0].rstrip("\r").split(delimiter)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        line = _line_of(str(exc))
        raise DataError(f"the file cannot be read as CSV: {exc}", file=str(path), row=line) from exc
    return FileRows(
        table=table.rename_columns(header),
        line_numbers=np.arange(2, table.num_rows + 2),
        source=str(path),
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def _line_of(message: str) -> int | None:
    import re

    match = re.search(r"row (\d+)", message) or re.search(r"line (\d+)", message)
    return int(match[1]) if match else None
