"""Read analyst files into Arrow: CSV/TSV, Excel, Parquet, SAS, SPSS and Stata.

Text files come back as string columns (so codes such as ``0580`` keep their leading zero);
numbers are parsed later by the mapping, with Swedish conventions. Every table comes with the
row number the analyst sees in the file (text: line number, header counted; Excel: sheet row;
other formats: record number), so that validation messages point at the right place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jamlik.model.errors import DataError, InputError, JamlikError
from jamlik.sources._text import read_delimited
from jamlik.sources.provenance import Provenance, canonical_json, sha256_hex, utc_now

__all__ = ["FORMATS_BY_SUFFIX", "FileTable", "read_file"]

FORMATS_BY_SUFFIX = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".sas7bdat": "sas7bdat",
    ".xpt": "xport",
    ".sav": "spss",
    ".zsav": "spss",
    ".dta": "stata",
}


@dataclass(frozen=True)
class FileTable:
    """A file read into Arrow, with where each row sits in the file and how it was read."""

    table: pa.Table
    rows: pa.Array
    name: str
    format: str
    provenance: Provenance
    encoding: str | None = None
    delimiter: str | None = None


def read_file(
    path: str | Path,
    *,
    format: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_rows: int = 0,
) -> FileTable:
    """Read ``path``; the format follows the suffix unless ``format`` is given.

    ``encoding`` and ``delimiter`` (text files) are detected when not given; ``skip_rows`` skips
    title lines above the header (text and Excel); ``sheet`` is a sheet name or 0-based index.
    """
    path = Path(path)
    fmt = format or FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt not in set(FORMATS_BY_SUFFIX.values()):
        raise InputError(
            "format", format or path.suffix, f"one of {sorted(set(FORMATS_BY_SUFFIX.values()))}"
        )
    if skip_rows < 0:
        raise InputError("skip_rows", skip_rows, "a non-negative number of lines")
    if not path.is_file():
        raise InputError("path", str(path), "an existing file")
    raw = path.read_bytes()
    options: dict[str, Any] = {"format": fmt}
    used_encoding = used_delimiter = None
    if fmt == "csv":
        table, rows, used_encoding, used_delimiter = read_delimited(
            raw, where=path.name, encoding=encoding, delimiter=delimiter, skip_rows=skip_rows
        )
        options |= {"encoding": used_encoding, "delimiter": used_delimiter, "skip_rows": skip_rows}
    else:
        try:
            if fmt == "excel":
                table, rows, sheet_name = _read_excel(path, sheet, skip_rows)
                options |= {"sheet": sheet_name, "skip_rows": skip_rows}
            else:
                table = pq.read_table(path) if fmt == "parquet" else _read_stat(path, fmt)
                rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
        except JamlikError:
            raise
        except Exception as exc:  # the readers raise many types for a damaged file
            raise unreadable(path.name, fmt, exc) from None
    provenance = Provenance(
        source="file",
        table_id=path.name,
        query=canonical_json(options),
        url=path.resolve().as_uri(),
        retrieved_at=utc_now(),
        content_hash=sha256_hex(raw),
        rows=table.num_rows,
    )
    return FileTable(
        table=table,
        rows=pa.array(rows, pa.int64()),
        name=path.name,
        format=fmt,
        provenance=provenance,
        encoding=used_encoding,
        delimiter=used_delimiter,
    )


def unreadable(name: str, fmt: str, exc: BaseException) -> DataError:
    """The error for a file its format's reader cannot read (the reader's first line)."""
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
    return DataError(f"cannot read the file as {fmt}: {detail}", file=name,
                     hint="check that the file is complete and of the format its name says")


def _read_excel(
    path: Path, sheet: str | int | None, skip_rows: int
) -> tuple[pa.Table, np.ndarray, str]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = workbook.sheetnames
        if sheet is None:
            name = names[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise InputError("sheet", sheet, f"a sheet index 0..{len(names) - 1} ({names})")
            name = names[sheet]
        elif sheet in names:
            name = sheet
        else:
            raise InputError("sheet", sheet, f"one of the sheets {names}")
        header: list[str] | None = None
        records: list[tuple[Any, ...]] = []
        rows: list[int] = []
        for number, values in enumerate(workbook[name].iter_rows(values_only=True), start=1):
            if number <= skip_rows or all(
                v is None or (isinstance(v, str) and not v.strip()) for v in values
            ):
                continue
            if header is None:
                cells = ["" if v is None else str(v).strip() for v in values]
                named = [i for i, text in enumerate(cells) if text]
                first, last = named[0], named[-1] + 1  # tables need not start in column A
                header = cells[first:last]
                if not all(header) or len(set(header)) != len(header):
                    raise DataError(
                        "header names must be non-empty and unique",
                        file=f"{path.name}[{name}]",
                        row=number,
                        value=header,
                    )
                continue
            cut = tuple(values[first:last])
            records.append(cut + (None,) * (len(header) - len(cut)))
            rows.append(number)
    finally:
        workbook.close()
    if header is None:
        raise DataError("the sheet has no header row", file=f"{path.name}[{name}]")
    columns = list(zip(*records, strict=True)) if records else [()] * len(header)
    table = pa.table({h: _excel_column(col) for h, col in zip(header, columns, strict=True)})
    return table, np.asarray(rows, dtype=np.int64), name


def _excel_column(values: tuple[Any, ...]) -> pa.Array:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) or float(v).is_integer() for v in present):
            return pa.array([None if v is None else int(v) for v in values], pa.int64())
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    return pa.array([_cell_text(v) for v in values], pa.string())


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_stat(path: Path, fmt: str) -> pa.Table:
    import pyreadstat

    reader = {
        "sas7bdat": pyreadstat.read_sas7bdat,
        "xport": pyreadstat.read_xport,
        "spss": pyreadstat.read_sav,
        "stata": pyreadstat.read_dta,
    }[fmt]
    frame, _ = reader(str(path))
    return pa.Table.from_pandas(frame, preserve_index=False)
