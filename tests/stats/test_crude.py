"""Crude proportions, rates and means against published reference values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jamlik.model.errors import InputError
from jamlik.stats import mean, mean_summary, proportion, rate


# Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
# methods. Stat Med 1998;17:857-72, Table II, method 3 (Wilson score without continuity
# correction). Published to 4 decimals, so tolerance is 5e-5 absolute.
@pytest.mark.parametrize(
    ("x", "n", "lower", "upper"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_newcombe_1998(x, n, lower, upper):
    est = proportion(x, n)
    assert est.lower == pytest.approx(lower, abs=5e-5)
    assert est.upper == pytest.approx(upper, abs=5e-5)
    assert est.method == "wilson"


# DHSC PHStatsMethods (the Python port of PHEindicatormethods), test_confidence_intervals.py:
# wilson_lower(20, 360, 0.95) and (550, 2400, 0.998); wilson_upper(30, 400, 0.95) and
# (76, 238, 0.998). Full double precision there; tolerance 1e-9 relative.
def test_wilson_phstatsmethods():
    assert proportion(20, 360).lower == pytest.approx(0.036248204600072345, rel=1e-9)
    assert proportion(550, 2400, confidence=0.998).lower == pytest.approx(
        0.20375892211705743, rel=1e-9
    )
    assert proportion(30, 400).upper == pytest.approx(0.10504770626130437, rel=1e-9)
    assert proportion(76, 238, confidence=99.8).upper == pytest.approx(0.418131030603369, rel=1e-9)


# Exact Poisson limits (Garwood 1936) as tabulated in Breslow NE, Day NE, Statistical Methods in
# Cancer Research vol II (IARC 1987) and Sahai & Khurshid 1993: 95% limits for x = 0, 1, 2, 4, 5.
# Four decimals, tolerance 5e-5.
@pytest.mark.parametrize(
    ("x", "lower", "upper"),
    [
        (0, 0.0, 3.6889),
        (1, 0.0253, 5.5716),
        (2, 0.2422, 7.2247),
        (4, 1.0899, 10.2416),
        (5, 1.6235, 11.6683),
    ],
)
def test_exact_poisson_table(x, lower, upper):
    est = rate(x, 1, multiplier=1)
    assert est.lower == pytest.approx(lower, abs=5e-5)
    assert est.upper == pytest.approx(upper, abs=5e-5)
    assert est["interval_method"] == "exact"


# PHE Technical Guide "Confidence Intervals" (2018), Appendix 1: "for 95% confidence intervals,
# Byar's method is within 0.2% of the exact value for numerators of 10 or more".
@pytest.mark.parametrize("x", [10, 11, 25, 100, 1045, 10_000])
def test_byar_close_to_exact(x):
    byar = rate(x, 1000, interval="byar")
    exact = rate(x, 1000, interval="exact")
    assert byar.lower == pytest.approx(exact.lower, rel=2e-3)
    assert byar.upper == pytest.approx(exact.upper, rel=2e-3)


def test_rate_switches_method_at_ten():
    est = rate([9, 10], [1000, 1000])
    assert list(est["interval_method"]) == ["exact", "byar"]
    assert est.statistic == "rate per 100 000"


# R documentation example ?t.test: t.test(extra ~ group, data = sleep, paired = TRUE) gives mean
# difference -1.58 and 95% CI -2.4598858 to -0.7001142 (Cushny & Peebles data, Student 1908).
# The one-sample interval of the paired differences is the same with signs flipped. 7 decimals:
# tolerance 5e-8 absolute.
SLEEP_DIFF = np.array([1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4])


def test_mean_student_t_r_sleep():
    est = mean(SLEEP_DIFF)
    assert est.value == pytest.approx(1.58, abs=1e-12)
    assert est.lower == pytest.approx(0.7001142, abs=5e-8)
    assert est.upper == pytest.approx(2.4598858, abs=5e-8)
    summary = mean_summary([10, 10], [1.58, 1.58], [SLEEP_DIFF.std(ddof=1)] * 2)
    assert np.allclose(summary.lower, 0.7001142, atol=5e-8)


def test_inputs_scalar_list_numpy_pandas_polars_agree():
    ref = proportion(np.array([5, 50]), np.array([10, 100]))
    for x, n in [
        ([5, 50], [10, 100]),
        (pd.Series([5, 50]), pd.Series([10, 100])),
        (pl.Series([5, 50]), pl.Series([10, 100])),
    ]:
        got = proportion(x, n)
        assert isinstance(got.lower, np.ndarray)
        np.testing.assert_allclose(got.lower, ref.lower, rtol=0)
    assert isinstance(proportion(5, 10).value, float)


def test_several_levels_and_frame():
    est = rate([20, 30], [1000, 2000], confidence=(0.95, 0.998))
    assert est.confidence == (0.95, 0.998)
    assert set(est.intervals) == {0.95, 0.998}
    np.testing.assert_array_equal(est.lower, est.intervals[0.95][0])
    lo95, lo998 = est.intervals[0.95][0], est.intervals[0.998][0]
    assert (lo998 < lo95).all()
    frame = est.to_frame()
    assert list(frame.columns) == [
        "value",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
        "confidence",
        "statistic",
        "method",
    ]
    assert est["value"] is est.value and "interval_method" in dict(est)
    assert est.to_frame("polars").height == 2


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: proportion(-1, 10), "x"),
        (lambda: proportion(11, 10), "x"),
        (lambda: proportion(1, 0), "n"),
        (lambda: rate(1, float("nan")), "n"),
        (lambda: rate([1, 2, 3], [10, 20]), "x, n"),
        (lambda: rate(1, 10, confidence=1.5), "confidence"),
        (lambda: rate(1, 10, interval="wald"), "interval"),
        (lambda: mean([1.0]), "values"),
    ],
)
def test_bad_input_names_argument(call, argument):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.argument == argument
    assert "got" in str(info.value)


def test_error_reports_position():
    with pytest.raises(InputError, match="position 1"):
        proportion([1, -2], [10, 10])


@given(st.integers(0, 10_000), st.integers(1, 10_000), st.sampled_from([0.9, 0.95, 0.998]))
def test_property_limits_bracket_value(x, extra, level):
    n = x + extra
    for est in (proportion(x, n, confidence=level), rate(x, n, confidence=level)):
        assert est.lower <= est.value + 1e-12
        assert est.value <= est.upper + 1e-12


@given(st.integers(1, 50), st.integers(2, 50), st.integers(2, 20))
def test_property_intervals_narrow_as_n_grows(x, extra, k):
    n = x + extra
    small, big = proportion(x, n), proportion(x * k, n * k)
    assert big.upper - big.lower < small.upper - small.lower
    small, big = rate(x, n), rate(x * k, n * k)
    assert big.upper - big.lower < small.upper - small.lower
