"""Same seed -> identical tables; another seed -> different tables; argument checks."""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pytest

from jamlik.demo import build_demo
from jamlik.model.errors import InputError


def _digest(table: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


@pytest.fixture(scope="module")
def short_builds():
    steps = []
    a = build_demo(seed=7, years=range(2024, 2025), progress=lambda s, f: steps.append(f))
    b = build_demo(seed=7, years=range(2024, 2025))
    c = build_demo(seed=8, years=range(2024, 2025))
    return a, b, c, steps


def test_same_seed_gives_identical_tables(short_builds):
    a, b, _, _ = short_builds
    for name in a.tables:
        assert _digest(a.tables[name]) == _digest(b.tables[name]), name
    assert a.truth == b.truth


def test_different_seed_gives_different_tables(short_builds):
    a, _, c, _ = short_builds
    for name in ("persons", "person_years", "deaths", "survey", "aggregate_counts"):
        assert _digest(a.tables[name]) != _digest(c.tables[name]), name


def test_progress_is_reported_in_order(short_builds):
    steps = short_builds[3]
    assert steps[0] == 0.0 and steps[-1] == 1.0
    assert steps == sorted(steps) and len(steps) >= 10


@pytest.mark.parametrize("years", [range(2010, 2020), range(2015, 2026), range(2015, 2025, 2),
                                   range(2020, 2020), [2015, 2016]])
def test_bad_years_are_rejected(years):
    with pytest.raises(InputError, match="years"):
        build_demo(years=years)


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True])
def test_bad_seed_is_rejected(seed):
    with pytest.raises(InputError, match="seed"):
        build_demo(seed=seed)
