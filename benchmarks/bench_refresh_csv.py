"""Time and peak memory of ``jamlik refresh`` on a large declared CSV file.

Run: ``python benchmarks/bench_refresh_csv.py [--rows 5200000] [--keep DIR]``.

Writes a refresh CSV in the layout of ``src/jamlik/data/examples/gymnasiebehorighet_2019.csv``
(semicolons, decimal commas): every area code of the registry × both sexes and the total ×
monthly periods, until ``--rows`` rows (5.2 million rows is about 200 MB). Then, as a user
would, a warehouse with the area registry and ``jamlik refresh --config sources.yaml`` in a
separate process under ``/usr/bin/time -v``, and reports the refresh's wall time and peak
resident memory (the whole command). The generated data stay in a temporary folder (or
``--keep DIR``) and are never committed. No target is asserted; the figures go in the notes.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HEADER = "Område-ID;År;Kön;Andel behöriga (%);Antal behöriga;Antal elever\n"


def write_csv(path: Path, rows: int, seed: int = 3) -> int:
    from jamlik.geo import AreaRegistry

    codes = np.array(sorted(AreaRegistry.builtin().table.column("code").to_pylist()))
    sexes = np.array(["Totalt", "Kvinnor", "Män"])
    periods = np.array([f"{y}M{m:02d}" for y in range(1900, 2101) for m in range(1, 13)])
    rng = np.random.default_rng(seed)
    per_period = len(codes) * len(sexes)
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER)
        for period in periods:
            n = min(per_period, rows - written)
            if n <= 0:
                break
            area = np.repeat(codes, len(sexes))[:n]
            sex = np.tile(sexes, len(codes))[:n]
            den = rng.integers(50, 5000, n)
            num = rng.binomial(den, 0.8)
            share = np.char.replace(np.char.mod("%.1f", 100 * num / den), ".", ",")
            lines = np.char.add(np.char.add(np.char.add(area, f";{period};"), sex), ";")
            lines = np.char.add(np.char.add(lines, share), ";")
            lines = np.char.add(np.char.add(np.char.add(lines, num.astype(str)), ";"),
                                den.astype(str))
            out.write("\n".join(lines.tolist()) + "\n")
            written += n
    return written


def prepare(folder: Path, rows: int) -> tuple[Path, Path]:
    from jamlik.geo import AreaRegistry
    from jamlik.store import Warehouse

    csv = folder / "stora.csv"
    n = write_csv(csv, rows)
    print(f"wrote {n:,} rows, {csv.stat().st_size / 1e6:.0f} MB: {csv}")
    config = folder / "sources.yaml"
    config.write_text(
        "sources:\n"
        "  - name: stora\n    kind: file\n    path: stora.csv\n"
        "    indicators: [gymnasium_eligibility_all]\n"
        "    mapping: {area: Område-ID, period: År, sex: Kön, value: Andel behöriga (%),\n"
        "              numerator: Antal behöriga, denominator: Antal elever, unit: '%'}\n",
        encoding="utf-8")
    db = folder / "jamlik.duckdb"
    with Warehouse(db) as wh:
        wh.migrate()
        wh.load("areas", AreaRegistry.builtin().table, source="areas")
    return config, db


def measure(config: Path, db: Path) -> dict:
    command = ["/usr/bin/time", "-v", sys.executable, "-c",
               "from jamlik.cli import main; main()", "refresh", "--db", str(db), "--config",
               str(config), "--published", str(db.parent / "published" / "jamlik.duckdb")]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    tail = [ln for ln in (done.stdout + done.stderr.split("\tCommand being timed")[0])
            .splitlines() if ln.strip()][-12:]
    return {"exit": done.returncode, "seconds": seconds,
            "peak_mb": int(peak[1]) / 1024 if peak else None, "tail": tail}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_200_000)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        config, db = prepare(folder, args.rows)
        result = measure(config, db)
    print("\n".join(result["tail"]))
    print(f"refresh of {args.rows:,} rows: exit {result['exit']}, {result['seconds']:.1f} s, "
          f"peak RSS {result['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
