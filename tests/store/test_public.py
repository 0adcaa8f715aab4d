"""The public shape of downloads (:mod:`jamlik.store.public`): the columns of ``observations``
in a stable order, and CSV in the dialect Swedish Excel opens as it is — UTF-8 with a byte-order
mark (EF BB BF, Unicode §23.8) and semicolons between fields (Swedish Excel's list separator,
the comma being its decimal sign)."""

from __future__ import annotations

import csv
import gzip
import io

import pytest

from jamlik.store import Warehouse
from jamlik.store.public import (
    BOM,
    DELIMITER,
    OBSERVATION_COLUMNS,
    PUBLIC_QUERIES,
    observations_select,
    write_csv_gz,
)
from jamlik.store.schema import PUBLIC_OBSERVATION_COLUMNS


@pytest.fixture
def wh():
    with Warehouse(":memory:") as warehouse:
        warehouse.migrate()
        yield warehouse


def test_the_dialect():
    assert BOM == b"\xef\xbb\xbf" and DELIMITER == ";"
    assert OBSERVATION_COLUMNS == PUBLIC_OBSERVATION_COLUMNS


def test_observations_select_gives_the_public_columns_in_order(wh):
    for sql in (observations_select(), observations_select("area_code = ?", ordered=False),
                PUBLIC_QUERIES["observations"]):
        cursor = wh.con.execute(sql, ["0580"] if "?" in sql else [])
        assert tuple(d[0] for d in cursor.description) == PUBLIC_OBSERVATION_COLUMNS
    assert "judgement_nation" not in observations_select()
    assert observations_select("year = ?").endswith(
        "WHERE year = ? ORDER BY indicator_id, area_code, breakdown, group_value, year")
    assert "ORDER BY" not in observations_select(ordered=False)


def test_write_csv_gz_round_trip(wh, tmp_path):
    sql = ("SELECT * FROM (VALUES ('0580', 'Linköping', 12.5::DOUBLE, NULL), "
           "('0581', 'Norrköping; Söderköping', -0.25::DOUBLE, 'a \"quote\"')) "
           "AS t(code, name, value, note) ORDER BY code")
    target = tmp_path / "t.csv.gz"
    assert write_csv_gz(wh.con, sql, target, batch_rows=1) == 2
    raw = gzip.decompress(target.read_bytes())
    assert raw.startswith(BOM) and raw.count(BOM) == 1          # one BOM, however many batches
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == '"code";"name";"value";"note"'
    rows = list(csv.reader(io.StringIO(text), delimiter=DELIMITER))
    assert rows[1:] == [["0580", "Linköping", "12.5", ""],
                        ["0581", "Norrköping; Söderköping", "-0.25", 'a "quote"']]


def test_write_csv_gz_of_no_rows_is_the_header(wh, tmp_path):
    target = tmp_path / "obs.csv.gz"
    assert write_csv_gz(wh.con, observations_select(), target) == 0
    text = gzip.decompress(target.read_bytes()).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text), delimiter=";")) == list(PUBLIC_OBSERVATION_COLUMNS)
