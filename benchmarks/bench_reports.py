"""Benchmark: area-profile PDFs (issue 6 §2). Target: all 13 kommun PDFs and all vårdcentral
PDFs of the demo region in under 2 minutes in total on 2 cores.

    .venv/bin/python benchmarks/bench_reports.py [WAREHOUSE] [--workers 1,2] [--audience ...]

Without WAREHOUSE it builds the demo region and computes it in a temporary folder first (not
timed). Times: one PDF (warm, per audience), then every kommun and every vårdcentral through
``render_profiles`` (the code behind ``jamlik profiles``) for each worker count.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def _warehouse(path: str | None, tmp: Path) -> Path:
    if path:
        return Path(path)
    from jamlik.engine import compute
    from jamlik.pipeline.demo import build_demo_warehouse
    from jamlik.store import Warehouse

    db = tmp / "jamlik.duckdb"
    started = time.perf_counter()
    build_demo_warehouse(db, seed=20240501)
    with Warehouse(db) as wh:
        compute(wh)
    print(f"(setup: demo build + compute {time.perf_counter() - started:.1f} s)")
    return db


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse", nargs="?")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--audience", default="beslutsfattare")
    args = parser.parse_args()
    from jamlik.reports.profile import batch, profile_report, to_pdf

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        db = _warehouse(args.warehouse, tmp)
        batch._open(str(db))
        reader = batch._STATE["reader"]
        for audience in ("beslutsfattare", "analytiker"):
            to_pdf(profile_report(reader.area_profile("0580"), audience=audience))  # warm up
            started = time.perf_counter()
            for _ in range(3):
                pdf = to_pdf(profile_report(reader.area_profile("0580"), audience=audience))
            print(f"one PDF 0580 {audience:<15} {(time.perf_counter() - started) / 3:6.2f} s"
                  f"  ({len(pdf) / 1024:.0f} KiB)")
        batch._close()
        for workers in (int(w) for w in args.workers.split(",")):
            total = 0.0
            for level in ("kommun", "vardcentral"):
                result = batch.render_profiles(db, level=level, out_dir=tmp / f"{level}{workers}",
                                               audience=args.audience, workers=workers)
                total += result.seconds
                print(f"{level:<12} {len(result.paths):3d} PDFs  workers={workers}  "
                      f"{result.seconds:6.1f} s")
            print(f"{'total':<12} {'':9} workers={workers}  {total:6.1f} s  "
                  f"(target < 120 s: {'ok' if total < 120 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
