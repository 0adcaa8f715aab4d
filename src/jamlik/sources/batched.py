"""Map a large declared text file onto the tidy shape batch by batch.

:func:`map_file` reads a CSV/TSV with :func:`jamlik.sources.extract.open_extract` (Arrow's
streaming CSV reader: bounded batches, every value as text, the line number of every row) and
applies :func:`~jamlik.sources.mapping.map_table` to each batch, so that only the tidy result —
a few numeric columns and short codes — grows with the file, never the file's text or Python
objects per cell. Row numbers, issues and the content hash are the same as when the whole file
is read with :func:`~jamlik.sources.read_file`; decimal marks are decided per column over the
whole file. Other formats, and text files with title lines above the header (``skip_rows``),
are read whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from jamlik.model.errors import DataError, SchemaError
from jamlik.sources.extract import ROW, open_extract
from jamlik.sources.files import FORMATS_BY_SUFFIX, FileTable, read_file
from jamlik.sources.mapping import TIDY_SCHEMA, FileMapping, MappedTable, map_table
from jamlik.sources.provenance import Provenance, canonical_json, utc_now

__all__ = ["MAX_ISSUES_PER_RULE", "map_file"]

#: Issues kept per rule while mapping (a file with millions of bad cells still fails; the
#: report lists the first ones).
MAX_ISSUES_PER_RULE = 1000


def map_file(path: str | Path, mapping: FileMapping, areas: Mapping[str, str] | None, *,
             source: str | None = None, format: str | None = None, encoding: str | None = None,
             delimiter: str | None = None, skip_rows: int = 0, sheet: str | int | None = None,
             batch_rows: int | None = None) -> MappedTable:
    """The file at ``path`` mapped by ``mapping`` (read in batches when it is delimited text)."""
    path = Path(path)
    fmt = format or FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt != "csv" or skip_rows:
        table = read_file(path, format=format, sheet=sheet, encoding=encoding,
                          delimiter=delimiter, skip_rows=skip_rows)
        if table.table.num_rows == 0:
            raise DataError("the file has a header line but no data rows", file=path.name)
        return map_table(table, mapping, areas, source=source)
    extract = open_extract(path, format="csv", encoding=encoding, delimiter=delimiter,
                           **({"batch_rows": batch_rows} if batch_rows else {}))
    missing = [c for c in mapping.columns.values() if c not in extract.columns]
    if missing:
        raise SchemaError(f"column(s) {missing} named in the mapping are not in the file; it "
                          f"has {extract.columns}", file=path.name, column=missing[0])
    options = {"format": "csv", "encoding": extract.encoding, "delimiter": extract.delimiter,
               "skip_rows": 0}
    provenance = Provenance(source="file", table_id=path.name, query=canonical_json(options),
                            url=path.resolve().as_uri(), retrieved_at=utc_now(),
                            content_hash=extract.content_hash, rows=0)
    wanted = list(dict.fromkeys(mapping.columns.values()))
    parts: list[pa.Table] = []
    issues, per_rule = [], Counter()
    marks: dict[str, set[str]] = {}
    rows = 0
    step = batch_rows or extract.batch_rows
    for block in extract.batches():  # Arrow's blocks of 8 MB, cut to at most ``step`` rows
        if extract.bad_lines:
            bad = extract.bad_lines[0]
            raise DataError(f"expected {bad.expected} fields separated by "
                            f"{extract.delimiter!r}, found {bad.found}", file=path.name,
                            row=bad.row, value=bad.text)
        for start in range(0, block.num_rows, step):
            batch = block.slice(start, step)
            rows += batch.num_rows
            piece = FileTable(pa.Table.from_batches([batch.select(wanted)]), batch.column(ROW),
                              path.name, "csv", provenance, extract.encoding, extract.delimiter)
            mapped = map_table(piece, mapping, areas, source=source, decimal_marks=marks)
            parts.append(mapped.table)
            for issue in mapped.issues:
                per_rule[issue.rule] += 1
                if per_rule[issue.rule] <= MAX_ISSUES_PER_RULE:
                    issues.append(issue)
    if rows == 0:
        raise DataError("the file has a header line but no data rows", file=path.name, row=1)
    provenance = replace(provenance, rows=rows)
    table = pa.concat_tables(parts) if parts else TIDY_SCHEMA.empty_table()
    return MappedTable(table, tuple(issues), source or path.name, (provenance,))
