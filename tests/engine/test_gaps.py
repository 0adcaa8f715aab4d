"""Mind the gap (jamlik.engine.gaps): crafted cases and equality with jamlik.equity.

Expected values: the trend test must equal :func:`jamlik.equity.gap_trend` (itself checked
against statsmodels WLS/OLS in tests/equity/test_gap_trend.py) to 1e-9; gaps must equal
:func:`jamlik.equity.d` / :func:`jamlik.equity.r` (checked against healthequal's d.R/r.R);
the hidden-gap flags follow from hand-made intervals whose answer is obvious by construction.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jamlik.equity as eq
from jamlik.engine.gaps import gaps_frame, trend_columns
from jamlik.model.catalogue import load_catalogue

Z = 1.959963984540054
CAT = load_catalogue()
AREAS = pl.DataFrame({"code": ["0580", "0581", "0582"], "level": ["kommun"] * 3,
                      "parent": ["05"] * 3})


def row(year, code, breakdown, group, est, se, judgement="similar", pop=500.0,
        ind="smoke_exposed_infants"):
    return {"indicator_id": ind, "year": year, "period": str(year), "area_level": "kommun",
            "area_code": code, "breakdown": breakdown, "group_value": group,
            "denominator": pop, "value": est, "lower_95": est - Z * se,
            "upper_95": est + Z * se, "suppressed": False, "judgement_nation": judgement}


def crafted() -> pl.DataFrame:
    """smoke_exposed_infants (low is good). 0580: average similar to the nation, quintile 1
    far above the average with a narrow interval -> hidden gap, gap widening by 2 points a
    year. 0581: worse than the nation -> no *hidden* gap. 0582: quintile 1's interval
    covers the average -> not significant."""
    rows = []
    for i, year in enumerate(range(2018, 2025)):
        rows.append(row(year, "0580", "total", "total", 5.0, 0.3))
        for q, v in zip("12345", (12.0 + 2 * i, 6, 4, 3, 2), strict=True):
            rows.append(row(year, "0580", "income_quintile", q, float(v), 0.5))
        rows.append(row(year, "0581", "total", "total", 8.0, 0.3, judgement="worse"))
        for q, v in zip("12345", (14.0, 9, 8, 7, 6), strict=True):
            rows.append(row(year, "0581", "income_quintile", q, v, 0.5))
        rows.append(row(year, "0582", "total", "total", 5.0, 0.3))
        for q, v in zip("12345", (6.0, 5, 5, 5, 4), strict=True):
            rows.append(row(year, "0582", "income_quintile", q, v, 3.0))
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int16})


@pytest.fixture(scope="module")
def gaps():
    out = gaps_frame(crafted(), AREAS, CAT)
    return {(r["area_code"], r["year"]): r for r in out.iter_rows(named=True)}


def test_hidden_gap_flags(gaps):
    a = gaps[("0580", 2024)]
    assert a["average_status"] == "similar" and a["worst_group"] == "1"
    assert a["worst_significant"] is True and a["hidden_gap"] is True
    b = gaps[("0581", 2024)]
    assert b["worst_significant"] is True and b["hidden_gap"] is False  # the average is worse
    c = gaps[("0582", 2024)]
    assert c["worst_significant"] is False and c["hidden_gap"] is False


def test_gap_is_q1_vs_q5_oriented_as_equity_d_and_r(gaps):
    a = gaps[("0580", 2024)]
    assert a["gap_pair"] == "1 vs 5"
    est, se, pop = [24.0, 6, 4, 3, 2], [0.5] * 5, [500] * 5
    d = eq.d(pop, est, se=se, order=[1, 2, 3, 4, 5], favourable=False)
    r = eq.r(pop, est, se=se, order=[1, 2, 3, 4, 5], favourable=False)
    assert a["gap_abs"] == pytest.approx(d.estimate, rel=1e-9)
    assert a["gap_abs_se"] == pytest.approx(d.se, rel=1e-9)
    assert a["gap_rel"] == pytest.approx(r.estimate, rel=1e-9)
    assert a["gap_rel_log_se"] == pytest.approx(r.se, rel=1e-9)


def test_trend_and_rank(gaps):
    a = gaps[("0580", 2024)]
    assert a["trend_abs"] == "widening" and a["trend_points"] == 7
    assert a["trend_abs_slope"] == pytest.approx(2.0, rel=1e-9)  # 2 points a year, by design
    c = gaps[("0582", 2024)]
    assert c["trend_abs"] == "no_significant_change"  # constant gap
    assert gaps[("0580", 2019)]["trend_abs"] == "cannot_be_calculated"  # two points only
    assert gaps[("0580", 2024)]["gap_rank"] == 1 and gaps[("0582", 2024)]["gap_rank"] == 3
    assert gaps[("0580", 2024)]["n_ranked"] == 3


def test_trend_equals_gap_trend_over_expanding_windows(gaps):
    years = list(range(2018, 2025))
    gap = [gaps[("0581", y)]["gap_abs"] + 0.1 * np.sin(y) for y in years]
    se = [0.3 + 0.01 * i for i in range(len(years))]
    for use_se in (True, False):
        got = trend_columns(years, gap, se, np.zeros(len(years), int), use_se=use_se)
        for i in range(len(years)):
            e = eq.gap_trend(years[: i + 1], gap[: i + 1], se[: i + 1] if use_se else None)
            assert got["direction"][i] == e.direction
            if e.direction != "cannot_be_calculated":
                assert got["slope"][i] == pytest.approx(e.slope, rel=1e-9)
                assert got["se"][i] == pytest.approx(e.se, rel=1e-9)
                assert got["p"][i] == pytest.approx(e.p_value, rel=1e-7, abs=1e-14)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-50, 50), st.floats(0.05, 5)), min_size=1, max_size=9),
       st.booleans())
def test_trend_columns_match_gap_trend_for_any_series(points, use_se):
    gap, se = (np.array(x) for x in zip(*points, strict=True))
    years = np.arange(2015, 2015 + gap.size)
    got = trend_columns(years, gap, se, np.zeros(gap.size, int), use_se=use_se)
    e = eq.gap_trend(years, gap, se if use_se else None)
    assert got["direction"][-1] == e.direction
    if e.direction != "cannot_be_calculated":
        assert got["slope"][-1] == pytest.approx(e.slope, rel=1e-6, abs=1e-9)
