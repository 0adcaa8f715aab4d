"""Downloads cannot hold the server or fill its memory (issue 13, point 5): CSV and Parquet are
streamed from DuckDB one record batch at a time, Excel has a row cap with a message saying how
to narrow the selection, and whole-table downloads are the files prebuilt at publish time.

Expected contents come from SQL on the warehouse, never from the download code."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
import zipfile

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from jamlik.model import Settings
from jamlik.web import create_app, downloads

ROWS = 720  # tests/web/conftest.py: 4 indicators × 6 areas × 3 groups × 10 years


@pytest.fixture(scope="module")
def client(small_db):
    return TestClient(create_app(Settings(db_path=small_db)))


def _csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_csv_is_streamed_in_batches(client, small_db, monkeypatch):
    monkeypatch.setattr(downloads, "BATCH_ROWS", 100)
    with client.stream("GET", "/ladda-ner/observationer.csv",
                       headers={"Accept-Encoding": "identity"}) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # streamed, not built first
        chunks = [c for c in response.iter_raw() if c]
    # The BOM, then one chunk per batch of 100 rows (the first with the header).
    assert len(chunks) >= 1 + ROWS // 100
    assert max(len(c) for c in chunks) < 100 * 600
    rows = _csv_rows(b"".join(chunks).decode("utf-8"))
    con = duckdb.connect(str(Settings(db_path=small_db).published), read_only=True)
    expected = con.execute("SELECT indicator_id, area_code, year, value FROM observations "
                           "ORDER BY indicator_id, area_code, breakdown, group_value, year"
                           ).fetchall()
    con.close()
    assert [(r["indicator_id"], r["area_code"], int(r["year"]), float(r["value"]))
            for r in rows] == expected


def test_the_generator_reads_one_batch_at_a_time():
    read = []
    schema = pa.schema([("x", pa.int64())])

    def batches():
        for i in range(50):
            read.append(i)
            yield pa.record_batch([pa.array(range(i * 1000, (i + 1) * 1000))], schema=schema)

    for encode in (downloads.csv_chunks, downloads.parquet_chunks):
        read.clear()
        chunks = encode(pa.RecordBatchReader.from_batches(schema, batches()))
        next(chunks)
        next(chunks)
        assert len(read) <= 2, "memory must not scale with the table: read lazily"
        body = b"".join(chunks)
        assert len(read) == 50 and body


def test_parquet_is_streamed_and_complete(client, small_db):
    with client.stream("GET", "/ladda-ner/observationer.parquet?indicator=mortality_all_cause"
                       ) as response:
        assert "content-length" not in response.headers
        body = response.read()
    table = pq.read_table(io.BytesIO(body))
    assert table.num_rows == ROWS // 4
    assert set(table.column("indicator_id").to_pylist()) == {"mortality_all_cause"}


def test_excel_has_a_row_cap_with_a_clear_message(client, monkeypatch):
    monkeypatch.setattr(downloads, "XLSX_MAX_ROWS", 100)
    response = client.get("/ladda-ner/observationer.xlsx")
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "720 rader" in detail and "högst 100" in detail and "?indicator=" in detail
    assert "720 rows" in detail and "CSV or Parquet" in detail
    small = client.get("/ladda-ner/observationer.xlsx?indicator=mortality_all_cause&area=0580"
                       "&year=2024")
    assert small.status_code == 200
    sheet = zipfile.ZipFile(io.BytesIO(small.content)).read("xl/worksheets/sheet1.xml")
    assert sheet.count(b"<row ") == 1 + 3  # header + total, sex 1, sex 2


def test_the_prebuilt_csv_is_the_streamed_csv(client):
    """The file written at publish time has the same columns, order and dialect as a download
    streamed from the snapshot (jamlik.store.public)."""
    prebuilt = client.get("/ladda-ner/observationer.csv", headers={"Accept-Encoding": "gzip"})
    assert prebuilt.headers["content-encoding"] == "gzip"
    assert "content-length" in prebuilt.headers  # a file from disk
    streamed = client.get("/ladda-ner/observationer.csv", headers={"Accept-Encoding": "identity"})
    assert "content-length" not in streamed.headers
    assert prebuilt.content == streamed.content and prebuilt.content.startswith(b"\xef\xbb\xbf")


@pytest.fixture
def published(small_db, tmp_path):
    """A published snapshot whose ``published_files`` list stand-in files (recognisable)."""
    snapshot = tmp_path / "published" / "jamlik.duckdb"
    snapshot.parent.mkdir()
    shutil.copy(Settings(db_path=small_db).published, snapshot)
    files = snapshot.parent / "files"
    files.mkdir()
    (files / "observations.parquet").write_bytes(b"PAR1 prebuilt parquet stand-in PAR1")
    text = "\ufeffindicator_id;year\nprebuilt;2024\n"
    (files / "observations.csv.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "secret.parquet").write_bytes(b"outside the snapshot folder")
    con = duckdb.connect(str(snapshot))
    con.execute("DELETE FROM published_files")
    con.execute("INSERT INTO published_files VALUES "
                "('observations', 'files/observations.parquet', 'parquet', 1, 36), "
                "('observations', 'files/observations.csv.gz', 'csv.gz', 1, 40)")
    con.close()
    return {"settings": Settings(db_path=small_db, published_path=snapshot), "text": text,
            "snapshot": snapshot}


def test_whole_table_downloads_are_the_prebuilt_files(published):
    client = TestClient(create_app(published["settings"]))
    parquet = client.get("/ladda-ner/observationer.parquet")
    assert parquet.content == b"PAR1 prebuilt parquet stand-in PAR1"
    assert parquet.headers["content-length"] == str(len(parquet.content))
    gz = client.get("/ladda-ner/observationer.csv", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip" and gz.text == published["text"]
    # A filtered download, or a client that cannot take gzip, gets the live stream.
    filtered = client.get("/ladda-ner/observationer.parquet?year=2024")
    assert pq.read_table(io.BytesIO(filtered.content)).num_rows == ROWS // 10
    plain = client.get("/ladda-ner/observationer.csv", headers={"Accept-Encoding": "identity"})
    assert len(_csv_rows(plain.text)) == ROWS


def test_a_prebuilt_path_outside_the_snapshot_folder_is_never_served(published):
    con = duckdb.connect(str(published["snapshot"]))
    con.execute("UPDATE published_files SET path = '../secret.parquet' WHERE format = 'parquet'")
    con.close()
    client = TestClient(create_app(published["settings"]))
    body = client.get("/ladda-ner/observationer.parquet").content
    assert b"outside" not in body and pq.read_table(io.BytesIO(body)).num_rows == ROWS


def test_excel_builds_beyond_the_limit_are_refused_at_once(client):
    taken = [downloads._XLSX_SLOTS.acquire(blocking=False) for _ in range(downloads.XLSX_AT_ONCE)]
    try:
        assert all(taken)
        busy = client.get("/ladda-ner/observationer.xlsx?indicator=mortality_all_cause&year=2024")
        assert busy.status_code == 503 and busy.headers["retry-after"] == "10"
        assert "Excel" in busy.json()["detail"] and "CSV" in busy.json()["detail"]
    finally:
        for _ in taken:
            downloads._XLSX_SLOTS.release()
    ok = client.get("/ladda-ner/observationer.xlsx?indicator=mortality_all_cause&year=2024")
    assert ok.status_code == 200 and ok.content.startswith(b"PK")


def test_excel_cells_are_typed_and_text_is_never_a_formula():
    body = downloads.xlsx(pa.table({"note": ["=HYPERLINK(\"http://x\")"], "value": [1.5]}))
    sheet = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<v>1.5</v>" in sheet
