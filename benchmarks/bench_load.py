"""Time and peak memory of ``jamlik load population`` on a Stockholm-sized extract.

Run: ``python benchmarks/bench_load.py [--persons 2400000] [--years 10] [--format parquet|csv]``.

Writes a synthetic population extract in the documented layout (``PersonNr`` with valid
synthetic personnummer, ``Ar``, ``Deso`` of Stockholm's län in DeSO 2018 (loaded with ``--vintage 2018``), ``Sun2000niva_old``,
``DispInk04``, ``FodLand``): every person in every year, so 2.4 million persons × 10 years is
24 million rows. Then, as a user would, ``jamlik init --region 01`` and
``jamlik load population FILE --key-file K`` in a separate process under ``/usr/bin/time -v``,
and reports the load's wall time and peak resident memory (the whole command, not an inner
function). No target is asserted here; the figures go in the issue notes.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jamlik.demo.extracts import synthetic_personnummer

ROOT = Path(__file__).parents[1]


def write_extract(path: Path, persons: int, years: int, fmt: str, seed: int = 7) -> int:
    rng = np.random.default_rng(seed)
    key = pacsv.read_csv(ROOT / "src/jamlik/data/deso_regso/deso2018_regso2020_key.csv",
                         convert_options=pacsv.ConvertOptions(
                             column_types={"deso_kod": pa.string(), "lan_kod": pa.string()}))
    deso = np.array([d for d, lan in zip(key["deso_kod"].to_pylist(),
                                         key["lan_kod"].to_pylist(), strict=True)
                     if lan == "01"])
    last = 2024
    birth = rng.integers(np.datetime64("1925-01-01").astype(int),
                         np.datetime64(f"{last - years}-12-31").astype(int), persons)
    male = rng.random(persons) < 0.5
    pnr = synthetic_personnummer(birth, male, rng, first_serial=0)
    pnr = np.char.add(np.char.add(np.char.ljust(pnr, 8).astype("U8"), "-"),
                      np.array([p[8:] for p in pnr.tolist()], dtype="U4"))
    home = rng.integers(0, deso.size, persons)
    sun = rng.choice(np.array(["1", "2", "3", "4", "5", "6", "7", ""]), persons,
                     p=[0.04, 0.1, 0.12, 0.28, 0.14, 0.28, 0.02, 0.02])
    country = rng.choice(np.array(["SE", "FI", "PL", "IQ", "SY", "IR", "DE", "SO"]), persons,
                         p=[0.75, 0.03, 0.04, 0.04, 0.05, 0.03, 0.03, 0.03])
    income = np.round(np.exp(rng.normal(7.6, 0.7, persons)), 1)
    rows = 0
    writer = None
    for year in range(last - years + 1, last + 1):
        moved = rng.random(persons) < 0.08
        home = np.where(moved, rng.integers(0, deso.size, persons), home)
        table = pa.table({
            "PersonNr": pnr, "Ar": np.full(persons, year, np.int16), "Deso": deso[home],
            "Sun2000niva_old": sun, "DispInk04": income * (1.02 ** (year - 2015)),
            "FodLand": country})
        rows += table.num_rows
        if fmt == "parquet":
            writer = writer or pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
        else:
            with open(path, "ab") as handle:
                pacsv.write_csv(table, handle, pacsv.WriteOptions(
                    include_header=year == last - years + 1, delimiter=";"))
    if writer:
        writer.close()
    return rows


def _time_v(args: list[str]) -> tuple[float, float, str]:
    done = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", done.stderr)[1]
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    return seconds, peak / 1024, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2_400_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--memory-limit", default="4GB")
    args = parser.parse_args()
    jamlik = str(Path(sys.executable).with_name("jamlik"))
    with tempfile.TemporaryDirectory(prefix="jamlik-bench-load-", dir=ROOT) as tmp:
        folder = Path(tmp)
        extract = folder / f"population.{args.format}"
        t0 = time.perf_counter()
        rows = write_extract(extract, args.persons, args.years, args.format)
        print(f"extract: {rows:,} rows, {extract.stat().st_size / 2**20:.0f} MB, "
              f"written in {time.perf_counter() - t0:.0f} s")
        db, key = folder / "w.duckdb", folder / "pseudonym.key"
        env_db = ["--db", str(db)]
        subprocess.run([jamlik, "init", "--region", "01", *env_db, "--key-file", str(key)],
                       check=True, capture_output=True, env={**os.environ, "JAMLIK_LANG": "en"})
        seconds, peak, out = _time_v([jamlik, "load", "population", str(extract), *env_db,
                                      "--vintage", "2018", "--memory-limit", args.memory_limit,
                                      "--key-file", str(key)])
        print(out.strip().splitlines()[0] if out.strip() else "")
        print(f"jamlik load population: {seconds:.0f} s wall, peak RSS {peak:,.0f} MB, "
              f"{rows / seconds:,.0f} rows/s, warehouse {db.stat().st_size / 2**20:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
