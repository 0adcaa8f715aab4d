"""Benchmark: build (or reuse) the demo warehouse and time the full ``jamlik compute``.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--db PATH]``. Prints wall time, rows written,
the slowest indicators and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from jamlik.engine import compute
from jamlik.pipeline.demo import build_demo_warehouse
from jamlik.store import Warehouse

SEED = 20240501


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("data/bench/jamlik.duckdb"))
    args = parser.parse_args()
    t0 = time.perf_counter()
    build_demo_warehouse(args.db, seed=SEED)
    built = time.perf_counter() - t0
    cpu0 = time.process_time()
    with Warehouse(args.db) as wh:
        report = compute(wh, force=True)
    cpu = time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"demo build/reuse: {built:.1f} s")
    print(f"compute: {report.seconds:.1f} s, {report.rows} rows, "
          f"{len(report.computed)} indicators, peak RSS {peak:.0f} MB")
    print(f"compute CPU time (all threads): {cpu:.1f} s")
    for name, sec in sorted(report.timings.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {name:<28} {sec:6.2f} s")


if __name__ == "__main__":
    main()
