"""stats.trend_arrays (the indicator trend rule on many series) against stats.trend (the same rule
on one series, itself checked against R ``prop.trend.test`` in test_comparison_trend_funnel)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik import stats
from jamlik.stats.trend import SUPPRESSED, UNDEFINED

YEARS = np.arange(2016, 2021, dtype=float)


def _same(row: int, got: stats.TrendColumns, ref: stats.TrendResult) -> None:
    assert got.code[row] == ref.code and got.reason[row] == ref.reason
    assert got.method == ref.method and got.points[row] == ref.points
    if ref.p_value is None:
        assert np.isnan(got.p_value[row]) and np.isnan(got.slope[row])
    else:
        np.testing.assert_array_equal(  # NaN where infinite weights leave nothing to test
            [got.statistic[row], got.p_value[row], got.slope[row]],
            [ref.statistic, ref.p_value, ref.slope])


counts = st.tuples(st.integers(0, 400), st.floats(0, 1)).map(
    lambda t: (float(np.floor(t[0] * t[1])), float(t[0])))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(counts, min_size=5, max_size=5), min_size=1, max_size=6),
       st.lists(st.integers(0, 4), max_size=3))
def test_proportion_rows_equal_single_series(rows, missing):
    x = np.array([[c[0] for c in r] for r in rows])
    n = np.array([[c[1] for c in r] for r in rows])
    for j in missing:  # a missing count in the first series
        x[0, j] = np.nan
    t = np.broadcast_to(YEARS, x.shape)
    got = stats.trend_arrays(t, x=x, n=n)
    for i in range(x.shape[0]):
        _same(i, got, stats.trend(periods=YEARS, x=x[i], n=n[i]))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.tuples(st.floats(-100, 100), st.floats(0, 20)), min_size=5,
                         max_size=5), min_size=1, max_size=6),
       st.booleans(), st.integers(1, 5))
def test_regression_rows_equal_single_series(rows, flat, k):
    v = np.array([[p[0] for p in r] for r in rows])
    w = np.array([[p[1] for p in r] for r in rows])
    if flat:
        v[0] = v[0, 0]
    t = np.tile(YEARS, (v.shape[0], 1))
    t[-1, k:] = np.nan  # the last series has only k points: padding
    got = stats.trend_arrays(t, value=v, lower=v - w, upper=v + w)
    for i in range(v.shape[0]):
        keep = np.isfinite(t[i])
        ref = stats.trend(periods=t[i, keep], value=v[i, keep], lower=(v - w)[i, keep],
                          upper=(v + w)[i, keep])
        _same(i, got, ref)


def test_suppressed_point_blocks_the_trend_after_the_other_reasons():
    x = np.array([[10.0, 20, 30, 40, 50], [0, 0, 0, 0, 0]])
    n = np.full((2, 5), 100.0)
    sup = np.array([[False, True, False, False, False], [True] * 5])
    got = stats.trend_arrays(np.tile(YEARS, (2, 1)), x=x, n=n, suppressed=sup)
    assert got.reason.tolist() == [SUPPRESSED, UNDEFINED]
    assert set(got.code) == {"cannot_be_calculated"}
