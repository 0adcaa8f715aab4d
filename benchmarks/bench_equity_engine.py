"""Benchmark: inequalities, mind-the-gap and LE decomposition on the computed demo warehouse.

Run: ``.venv/bin/python benchmarks/bench_equity_engine.py --db PATH`` where PATH is a demo
warehouse after ``jamlik compute`` (it is copied; the original is not written). Prints the wall
time of each step, the number of group sets and rows, and the peak resident memory. Target
(issue 4): everything in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from jamlik.engine.decomposition import compute_le_decomposition
from jamlik.engine.gaps import compute_gaps
from jamlik.engine.inequalities import compute_inequalities
from jamlik.store import Warehouse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("data/bench/jamlik.duckdb"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "jamlik.duckdb"
        shutil.copy(args.db, path)
        with Warehouse(path) as wh:
            t0 = time.perf_counter()
            ineq = compute_inequalities(wh)
            gaps = compute_gaps(wh)
            dec = compute_le_decomposition(wh)
            total = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"inequalities: {ineq.seconds:.1f} s, {ineq.group_sets} group sets, {ineq.rows} rows")
    print(f"gaps: {gaps.seconds:.1f} s, {gaps.rows} rows, {gaps.hidden_gaps} hidden gaps")
    print(f"le_decomposition: {dec.seconds:.1f} s, {len(dec.comparisons)} comparisons "
          f"({dec.period}), {dec.rows} rows")
    print(f"total: {total:.1f} s (target < 60 s), peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
