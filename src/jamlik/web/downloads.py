"""Downloads of the published observations, built so that no anonymous request can hold the
server for minutes or grow its memory with the table.

* **Whole table, no filter**: the file prebuilt at publish time (same columns and CSV dialect,
  :mod:`jamlik.store.public`) (the snapshot's
  ``published_files`` table: ``name``, ``path`` relative to the snapshot's folder, ``format``
  ``csv.gz`` or ``parquet``, ``rows``, ``bytes``) is sent from disk as it is — Parquet as the
  file, the gzipped CSV with ``Content-Encoding: gzip`` to clients that accept it. Without a
  prebuilt file the table is streamed like a filtered download.
* **CSV and Parquet**: streamed from DuckDB in record batches of :data:`BATCH_ROWS` rows; each
  batch is encoded and sent before the next is read, so memory stays at one batch whatever the
  table's size.
* **Excel** (built whole, as xlsx files are zip archives with the sheet in the middle): at most
  :data:`XLSX_MAX_ROWS` rows; a larger selection is refused (413) with the limit, the number of
  rows asked for and how to narrow it (``indicator``, ``year``, ``level``, ``area``) — or to take
  CSV/Parquet, which have no limit. At most :data:`XLSX_AT_ONCE` Excel files are built at a time
  per process; a request beyond that gets 503 with ``Retry-After`` at once instead of queueing,
  so Excel can never take more than that many cores or worker threads.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from jamlik.model import AreaLevel, t
from jamlik.store import queries
from jamlik.store.public import BOM, DELIMITER
from jamlik.web.api import Format, Year, _check_request, _state, observation_filters

router = APIRouter()

#: Rows per record batch of a streamed download (about 1–2 MB of CSV).
BATCH_ROWS = 20_000
#: Rows an Excel download may hold (a few seconds of work; CSV and Parquet have no limit).
XLSX_MAX_ROWS = 5_000
#: Excel files built at the same time (per process).
XLSX_AT_ONCE = 2
_XLSX_SLOTS = threading.BoundedSemaphore(XLSX_AT_ONCE)
#: What each format is prebuilt as (``published_files.format``) and sent as.
PREBUILT = {Format.parquet: "parquet", Format.csv: "csv.gz"}
MEDIA = {Format.csv: "text/csv; charset=utf-8", Format.parquet: "application/vnd.apache.parquet",
         Format.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/ladda-ner/observationer.{fmt}", tags=["downloads"],
            summary="Ladda ner observationer / download observations")
def download(request: Request, fmt: Format, indicator: str | None = None,
             area: str | None = None, level: AreaLevel | None = None, year: Year = None,
             breakdown: str | None = None):
    state = _state(request)
    _check_request(state, indicator, area)
    name = "_".join(p for p in ("jamlik", indicator, area, level.value if level else None,
                                str(year) if year else None) if p)
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt.value}"'}
    whole = all(v is None for v in (indicator, area, level, year, breakdown))
    if whole and fmt in PREBUILT:
        prebuilt = state.published_file("observations", PREBUILT[fmt])
        gzip_ok = "gzip" in request.headers.get("accept-encoding", "").lower()
        if prebuilt is not None and (fmt is Format.parquet or gzip_ok):
            headers = dict(disposition)
            if fmt is Format.csv:
                headers["Content-Encoding"] = "gzip"
            return FileResponse(prebuilt, media_type=MEDIA[fmt], headers=headers)
    filters = observation_filters(indicator, area, level, year, breakdown)
    cur = state.cursor()
    if cur is None:
        raise HTTPException(503, "no computed observations yet; run 'jamlik compute'")
    if fmt is Format.xlsx:
        return _excel(request, cur, filters, disposition)
    batches = queries.public_observation_batches(cur, filters, BATCH_ROWS)
    encode = csv_chunks if fmt is Format.csv else parquet_chunks
    return StreamingResponse(encode(batches), media_type=MEDIA[fmt], headers=disposition)


def _excel(request: Request, cur, filters: dict, disposition: dict) -> Response:
    lang = request.query_params.get("lang")
    langs = [lang] if lang in ("sv", "en") else ["sv", "en"]
    rows = queries.count_public_observations(cur, filters)
    if rows > XLSX_MAX_ROWS:
        raise HTTPException(413, " / ".join(
            t("download.xlsx_too_big", x, rows=rows, limit=XLSX_MAX_ROWS) for x in langs))
    if not _XLSX_SLOTS.acquire(blocking=False):
        raise HTTPException(503, " / ".join(t("download.xlsx_busy", x) for x in langs),
                            headers={"Retry-After": "10"})
    try:
        body = xlsx(queries.public_observations(cur, filters))
    finally:
        _XLSX_SLOTS.release()
    return Response(body, media_type=MEDIA[Format.xlsx], headers=disposition)


def csv_chunks(batches: pa.RecordBatchReader) -> Iterator[bytes]:
    """Semicolon CSV with a BOM (as Swedish Excel expects), one chunk per record batch."""
    sink = io.BytesIO()
    writer = pacsv.CSVWriter(sink, batches.schema, write_options=pacsv.WriteOptions(
        delimiter=DELIMITER))
    yield BOM
    yield from _written(writer, sink, batches)


def parquet_chunks(batches: pa.RecordBatchReader) -> Iterator[bytes]:
    """A zstd Parquet file, one row group per record batch, sent as each is written."""
    sink = io.BytesIO()
    yield from _written(pq.ParquetWriter(sink, batches.schema, compression="zstd"), sink,
                        batches)


def _written(writer, sink: io.BytesIO, batches: pa.RecordBatchReader) -> Iterator[bytes]:
    """Write one batch at a time and hand on what the writer produced for it."""
    try:
        for batch in batches:
            writer.write_batch(batch)
            yield _drain(sink)
        writer.close()
        yield _drain(sink)
    finally:
        batches.close()


def _drain(sink: io.BytesIO) -> bytes:
    data = sink.getvalue()
    sink.seek(0)
    sink.truncate()
    return data


def xlsx(table: pa.Table) -> bytes:
    """One sheet ``observationer``: a bold header row, then the rows (typed cells)."""
    import xlsxwriter

    sink = io.BytesIO()
    book = xlsxwriter.Workbook(sink, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet("observationer")
    sheet.write_row(0, 0, table.column_names, book.add_format({"bold": True}))
    for c, (field, column) in enumerate(zip(table.schema, table.columns, strict=True)):
        write = _cell_writer(sheet, field.type)
        for r, value in enumerate(column.to_pylist(), start=1):
            if value is not None:
                write(r, c, value)
    sheet.freeze_panes(1, 0)
    book.close()
    return sink.getvalue()


def _cell_writer(sheet, kind: pa.DataType):
    """The typed xlsxwriter method for a column (skips ``write``'s per-cell type dispatch)."""
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return sheet.write_number
    if pa.types.is_boolean(kind):
        return sheet.write_boolean
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return sheet.write_datetime
    return sheet.write_string


__all__ = ["BATCH_ROWS", "XLSX_MAX_ROWS", "csv_chunks", "download", "parquet_chunks",
           "xlsx"]
