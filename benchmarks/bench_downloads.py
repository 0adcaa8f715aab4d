"""Time and peak memory of an unfiltered download of all observations (issue 13, point 5).

Usage: python benchmarks/bench_downloads.py [WAREHOUSE]   (default: $JAMLIK_DB or
data/jamlik.duckdb; a built and computed demo: make demo). The warehouse is only read.

Each case runs in a fresh child process, which reports its wall time and peak RSS
(``ru_maxrss``), so one case's memory never counts towards another's:

* ``before csv``: the former implementation — the whole result as an Arrow table, written as
  CSV into a bytes buffer, then sent;
* ``after csv`` / ``after parquet``: ``GET /ladda-ner/observationer.{csv,parquet}`` through the
  app, reading the body chunk by chunk and dropping it (CSV without gzip: streamed from DuckDB;
  Parquet: the file prebuilt at publish time when the snapshot has one, else streamed);
* ``after prebuilt csv.gz``: the same with a ``published_files`` entry (the file is made once
  beforehand in a temporary copy of the warehouse, as publishing would);
* ``after xlsx refused`` / ``after xlsx 4 170 rows`` (one indicator at RegSO level): the
  Excel cap; the former unfiltered Excel download took about 7 minutes of CPU (issue 13).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = ("before csv", "after csv", "after parquet", "after prebuilt csv.gz",
         "after xlsx refused", "after xlsx 4 170 rows")


def child(case: str, db: str, published: str | None) -> None:
    """Run one case in this process and print its figures as JSON."""
    import io
    import resource
    import time
    import warnings

    warnings.filterwarnings("ignore")
    from fastapi.testclient import TestClient

    from jamlik.model import Settings
    from jamlik.web import create_app

    settings = Settings(db_path=db, published_path=published) if published else \
        Settings(db_path=db)
    client = TestClient(create_app(settings))
    client.get("/api/health")  # open the snapshot before the clock starts
    started = time.perf_counter()
    size = 0
    if case == "before csv":
        import duckdb
        import pyarrow.csv as pacsv

        from jamlik.store import queries

        con = duckdb.connect(db, read_only=True)
        table = queries.public_observations(con, {})
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(delimiter=";"))
        size = len("\ufeff".encode() + sink.getvalue())
    else:
        fmt = {"after csv": "csv", "after parquet": "parquet",
               "after prebuilt csv.gz": "csv"}.get(case, "xlsx")
        query = "?indicator=mortality_all_cause&level=regso" if case.endswith("rows") else ""
        headers = {"Accept-Encoding": "gzip" if "prebuilt" in case else "identity"}
        with client.stream("GET", f"/ladda-ner/observationer.{fmt}{query}",
                           headers=headers) as response:
            for chunk in response.iter_raw():
                size += len(chunk)
            status = response.status_code
        size = size if status == 200 else f"HTTP {status}"
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"case": case, "seconds": seconds, "peak_mb": peak_mb, "bytes": size}))


def prebuild(db: str, folder: Path) -> str:
    """A copy of the warehouse with observations.csv.gz listed in ``published_files``."""
    import gzip

    import duckdb
    import pyarrow.csv as pacsv

    from jamlik.store import queries

    snapshot = folder / "jamlik.duckdb"
    shutil.copy(db, snapshot)
    con = duckdb.connect(str(snapshot))
    reader = queries.public_observation_batches(con, {}, 50_000)
    with gzip.open(folder / "observations.csv.gz", "wb", compresslevel=6) as out:
        out.write("\ufeff".encode())
        writer = pacsv.CSVWriter(out, reader.schema, write_options=pacsv.WriteOptions(
            delimiter=";"))
        rows = 0
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
        writer.close()
    size = (folder / "observations.csv.gz").stat().st_size
    con.execute("CREATE TABLE published_files (name VARCHAR, path VARCHAR, format VARCHAR, "
                "rows BIGINT, bytes BIGINT)")
    con.execute("INSERT INTO published_files VALUES ('observations', 'observations.csv.gz', "
                "'csv.gz', ?, ?)", [rows, size])
    con.close()
    return str(snapshot)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
        return
    db = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("JAMLIK_DB", "data/jamlik.duckdb")
    if not Path(db).exists():
        print(f"no warehouse at {db}; build the demo first (make demo)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        published = prebuild(db, Path(tmp))
        print(f"{'case':<24} {'seconds':>8} {'peak RSS MB':>12} {'body bytes':>14}")
        for case in CASES:
            args = [sys.executable, __file__, "--child", case, db]
            if "prebuilt" in case:
                args.append(published)
            out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
            row = json.loads(out.strip().splitlines()[-1])
            print(f"{row['case']:<24} {row['seconds']:>8.1f} {row['peak_mb']:>12.0f} "
                  f"{row['bytes']!s:>14}")


if __name__ == "__main__":
    main()
