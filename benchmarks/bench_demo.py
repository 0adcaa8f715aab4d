"""Time and peak memory of ``jamlik.demo.build_demo`` (run: python benchmarks/bench_demo.py).

Target (DESIGN.md, issue): the whole ``jamlik demo build`` under 60 s on 2 cores and under
4 GB; the generator's share should stay well below that to leave time for the warehouse load.
"""

from __future__ import annotations

import itertools
import resource
import sys
import time


def main() -> int:
    start = time.perf_counter()
    from jamlik.demo import build_demo

    imported = time.perf_counter()
    marks: list[tuple[str, float]] = []
    data = build_demo(progress=lambda step, _: marks.append((step, time.perf_counter())))
    done = time.perf_counter()
    for (step, at), (_, end) in itertools.pairwise(marks):
        print(f"  {end - at:6.2f} s  {step}")
    rows = sum(t.num_rows for t in data.tables.values())
    nbytes = sum(t.nbytes for t in data.tables.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import {imported - start:.2f} s, build {done - imported:.2f} s, "
          f"{rows:,} rows, {nbytes / 2**20:.0f} MB of Arrow data, peak RSS {peak:.0f} MB")
    return 0 if done - start < 60 and peak < 4096 else 1


if __name__ == "__main__":
    sys.exit(main())
