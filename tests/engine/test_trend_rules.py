"""The engine's trend paths equal the single-series rules they call: engine._publish.trend (every
series × five-year window) against jamlik.stats.trend, and engine.gaps.trend_columns (every
series × expanding window) against jamlik.equity.gap_trend — on random series with missing
years, missing values and limits, zero-width intervals, suppressed points and flat series."""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik import equity, stats
from jamlik.engine._publish import TREND_POINTS, trend
from jamlik.engine.gaps import trend_columns
from jamlik.model.catalogue import load_catalogue
from jamlik.stats.trend import SUPPRESSED

YEARS = list(range(2012, 2022))


@cache
def _indicator(method: str):
    cat = load_catalogue()
    return next(cat[i] for i in cat if cat[i].method == method)


point = st.fixed_dictionaries({
    "present": st.integers(0, 5).map(lambda v: v > 0),
    "n": st.integers(0, 300), "share": st.floats(0, 1), "value": st.floats(0, 200),
    "width": st.sampled_from([0.0, 0.5, 2.0, 10.0]), "missing": st.integers(0, 30),
    "suppressed": st.integers(0, 15).map(lambda v: v == 0)})


def _frame(series: list[list[dict]], flat: bool) -> pl.DataFrame:
    rows = []
    for s, points in enumerate(series):
        for year, p in zip(YEARS, points, strict=False):
            if not p["present"]:
                continue
            n = float(p["n"])
            x = float(np.floor(n * (0.3 if flat else p["share"])))
            v = 50.0 if flat else p["value"]
            rows.append({
                "indicator_id": "i", "area_level": "kommun", "area_code": f"{s:04d}",
                "breakdown": "total", "group_value": "total", "year": year,
                "numerator": None if p["missing"] == 0 else x, "denominator": n,
                "value": None if p["missing"] == 1 else v, "lower_95": v - p["width"],
                "upper_95": v + p["width"], "suppressed": p["suppressed"]})
    return pl.DataFrame(rows, schema_overrides={"numerator": pl.Float64, "value": pl.Float64})


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(point, min_size=1, max_size=len(YEARS)), min_size=1, max_size=4),
       st.sampled_from(["proportion", "dsr"]), st.booleans())
def test_publish_trend_equals_stats_trend_per_window(series, method, flat):
    df = _frame(series, flat)
    if df.is_empty():
        return
    got = trend(df, _indicator(method))
    for row in got.iter_rows(named=True):
        win = df.filter(pl.col("area_code") == row["area_code"],
                        pl.col("year").is_between(row["year"] - TREND_POINTS + 1, row["year"]))
        cols = {"x": "numerator", "n": "denominator"} if method == "proportion" else \
            {"value": "value", "lower": "lower_95", "upper": "upper_95"}
        # A missing numerator counts as no events; other missing figures block the trend.
        ref = stats.trend(periods=win["year"].to_numpy(), points=TREND_POINTS,
                          **{k: win[c].fill_null(0.0 if c == "numerator" else np.nan).to_numpy()
                             for k, c in cols.items()})
        reason = ref.reason
        if reason is None and win["suppressed"].any():
            reason = SUPPRESSED
        assert (row["trend"], row["trend_reason"]) == (
            ref.code if reason is None else "cannot_be_calculated", reason)


gap_point = st.tuples(st.one_of(st.floats(-50, 50), st.just(np.nan)),
                      st.one_of(st.floats(0.05, 5), st.just(np.nan), st.just(0.0)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(gap_point, min_size=1, max_size=10), min_size=1, max_size=5),
       st.booleans(), st.booleans(), st.booleans())
def test_gap_trend_columns_equal_gap_trend_per_window(series, use_se, relative, flat):
    sid = np.concatenate([np.full(len(s), i) for i, s in enumerate(series)])
    year = np.concatenate([np.arange(2010, 2010 + len(s), dtype=float) for s in series])
    gap = np.array([3.0 if flat and np.isfinite(p[0]) else p[0] for s in series for p in s])
    se = np.array([p[1] for s in series for p in s])
    if relative:
        gap = np.exp(gap / 20)
    got = trend_columns(year, gap, se, sid, use_se=use_se, relative=relative)
    for i in range(year.size):
        m = (sid == sid[i]) & (year <= year[i])
        usable_se = np.where(se[m] > 0, se[m], np.nan)  # the engine skips what gap_trend rejects
        ref = equity.gap_trend(year[m], gap[m], usable_se if use_se else None, relative=relative)
        assert got["direction"][i] == ref.direction
        assert got["n_points"][i] == ref.n_points
        np.testing.assert_array_equal([got["slope"][i], got["se"][i], got["p"][i]],
                                      [ref.slope, ref.se, ref.p_value])
