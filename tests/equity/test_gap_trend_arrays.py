"""equity.gap_trend_arrays (the gap trend rule on many series) against equity.gap_trend (the same
rule on one series, itself checked against statsmodels in test_gap_trend)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik import equity

FIELDS = ("slope", "se", "lower", "upper", "p_value", "n_points")


def _same(row: int, got: equity.GapTrendColumns, ref: equity.GapTrend) -> None:
    assert got.direction[row] == ref.direction and got.test == ref.test
    np.testing.assert_array_equal([getattr(got, f)[row] for f in FIELDS],
                                  [getattr(ref, f) for f in FIELDS])


points = st.tuples(st.one_of(st.floats(-50, 50), st.just(np.nan)),
                   st.one_of(st.floats(0.05, 5), st.just(np.nan)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(points, min_size=0, max_size=9), min_size=1, max_size=5),
       st.booleans(), st.booleans(), st.booleans())
def test_padded_rows_equal_single_series(series, use_se, relative, flat):
    width = max(len(s) for s in series) or 1
    t, y, se = (np.full((len(series), width), np.nan) for _ in range(3))
    for i, s in enumerate(series):
        t[i, :len(s)] = np.arange(2010, 2010 + len(s))
        y[i, :len(s)] = [p[0] for p in s]
        se[i, :len(s)] = [p[1] for p in s]
        if flat:
            y[i, :len(s)] = np.where(np.isfinite(y[i, :len(s)]), 3.0, np.nan)
    if relative:
        y = np.exp(y / 20)
    got = equity.gap_trend_arrays(t, y, se if use_se else None, relative=relative)
    for i, s in enumerate(series):
        k = len(s)
        ref = equity.gap_trend(t[i, :k], y[i, :k], se[i, :k] if use_se else None,
                               relative=relative)
        _same(i, got, ref)
        if flat and ref.direction != "cannot_be_calculated":
            assert ref.slope == 0 and ref.direction == "no_significant_change"


def test_a_flat_gap_without_intervals_has_no_trend():
    res = equity.gap_trend([2019, 2020, 2021, 2022], [0.3, 0.3, 0.3, 0.3])
    assert res.slope == 0 and res.p_value == 1 and res.direction == "no_significant_change"
