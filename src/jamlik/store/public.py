"""The public shape of a published table's downloads: which columns, in which order, and the CSV
dialect Swedish Excel opens as it is (UTF-8 with a byte-order mark, semicolons).

The web app's filtered downloads (:mod:`jamlik.web.downloads`) and the whole-table files written
at publish time (:func:`jamlik.store.snapshots.publish`) both use this, so a download has the
same columns and dialect whichever way it was made.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow.csv as pacsv

from jamlik.store.schema import PUBLIC_OBSERVATION_COLUMNS as OBSERVATION_COLUMNS
from jamlik.store.schema import select_list

_ORDER = "indicator_id, area_code, breakdown, group_value, year"
#: Column separator of CSV downloads.
DELIMITER = ";"
BOM = "\ufeff".encode()


def observations_select(where: str = "", *, ordered: bool = True) -> str:
    """``SELECT`` of the public columns of ``observations`` (``where``: a condition with ``?``
    parameters, or empty), in a stable order unless ``ordered`` is false."""
    sql = f"SELECT {select_list(OBSERVATION_COLUMNS)} FROM observations"
    if where:
        sql += f" WHERE {where}"
    return f"{sql} ORDER BY {_ORDER}" if ordered else sql


#: What each downloadable table's whole-table file holds.
PUBLIC_QUERIES = {"observations": observations_select()}


def write_csv_gz(con, sql: str, target: Path, *, batch_rows: int = 50_000) -> int:
    """Run ``sql`` on ``con`` and write the result as gzipped CSV in the download dialect, one
    record batch at a time; returns the number of rows."""
    reader = con.execute(sql).to_arrow_reader(batch_rows)
    rows = 0
    with gzip.open(target, "wb", compresslevel=6) as out:
        out.write(BOM)
        writer = pacsv.CSVWriter(out, reader.schema,
                                 write_options=pacsv.WriteOptions(delimiter=DELIMITER))
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
        writer.close()
    return rows


__all__ = ["BOM", "DELIMITER", "OBSERVATION_COLUMNS", "PUBLIC_QUERIES", "observations_select",
           "write_csv_gz"]
