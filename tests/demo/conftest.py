"""One full demo build per test session (about 10 s), shared by all demo tests."""

from __future__ import annotations

import resource
import time

import pytest

from jamlik.demo import build_demo


@pytest.fixture(scope="session")
def demo():
    start = time.perf_counter()
    data = build_demo()
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\njamlik.demo build: {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB")
    return data


@pytest.fixture(scope="session")
def tables(demo):
    return {name: t.to_pandas() for name, t in demo.tables.items()
            if name not in ("person_years", "aggregate_counts")}


@pytest.fixture(scope="session")
def person_years(demo):
    return demo.tables["person_years"].to_pandas()
