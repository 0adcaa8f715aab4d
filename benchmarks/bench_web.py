"""Server time of profile pages for every area of the demo region (target: < 300 ms warm).

Usage: python benchmarks/bench_web.py [WAREHOUSE]   (default: $JAMLIK_DB or data/jamlik.duckdb;
the warehouse must be built and computed: make demo, or jamlik demo build + jamlik compute).
Times are measured in-process around each request (no network), after one warm-up request per
page type; the slowest area and the 95th percentile per level are reported.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")

from fastapi.testclient import TestClient  # noqa: E402

from jamlik.model import Settings  # noqa: E402
from jamlik.store import Warehouse  # noqa: E402
from jamlik.web import create_app  # noqa: E402


def main() -> None:
    db = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("JAMLIK_DB", "data/jamlik.duckdb")
    with Warehouse(db, read_only=True) as wh:
        areas = wh.con.execute(
            "SELECT code, level FROM areas WHERE code = 'SE' OR code LIKE '05%' OR level = "
            "'vardcentral' ORDER BY level, code").fetchall()
    client = TestClient(create_app(Settings(db_path=db)))
    for url in ("/", "/omrade/0580", "/indikator/mortality_all_cause", "/oversikt"):
        client.get(url)
    by_level: dict[str, list[float]] = {}
    worst = (0.0, "")
    for code, level in areas:
        started = time.perf_counter()
        response = client.get(f"/omrade/{code}")
        ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (code, response.status_code)
        by_level.setdefault(level, []).append(ms)
        worst = max(worst, (ms, code))
    print(f"{'level':<12} {'areas':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for level, times in by_level.items():
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"{level:<12} {len(times):>6} {statistics.median(times):>10.0f} {p95:>8.0f} "
              f"{times[-1]:>8.0f}")
    print(f"slowest: {worst[1]} {worst[0]:.0f} ms (target < 300 ms)")
    for url in ("/indikator/mortality_all_cause", "/oversikt", "/"):
        started = time.perf_counter()
        client.get(url)
        print(f"{url:<32} {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
