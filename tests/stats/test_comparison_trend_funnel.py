"""Benchmark comparison, recent trend and funnel limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jamlik.model.errors import InputError
from jamlik.stats import (
    chi_squared_trend,
    compare,
    compare_estimate,
    funnel_limits,
    proportion,
    rate,
    trend,
)


def test_compare_codes_and_judgements():
    cmp = compare([0.1, 0.2, 0.5, np.nan], [0.2, 0.6, 0.7, 0.4], 0.25, polarity="low_is_good")
    assert list(cmp.code) == ["lower", "similar", "higher", "not_compared"]
    assert list(cmp.judgement) == ["better", "similar", "worse", "not_compared"]
    assert cmp.reason[3] == "confidence interval missing"
    nb = compare(0.1, 0.2, float("nan"))
    assert nb.code == "not_compared" and nb.reason == "benchmark missing"
    with pytest.raises(InputError, match="polarity"):
        compare(0.1, 0.2, 0.3, polarity="up")


def test_compare_estimate_two_levels():
    est = proportion(130, 1000, confidence=(0.95, 0.998))
    res = compare_estimate(est, 0.105, confidence=(0.95, 0.998), polarity="high_is_good")
    # 95% Wilson interval (0.110, 0.153) excludes 0.105; the 99.8% one (0.101, 0.166) does not
    assert res[0.95].code == "higher" and res[0.95].judgement == "better"
    assert res[0.998].code == "similar"


def test_chi_squared_trend_r_prop_trend_test():
    # R documentation ?prop.trend.test: smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136,
    # 82); prop.trend.test(smokers, patients) gives X-squared = 8.2249, p-value = 0.004132.
    stat, p, slope = chi_squared_trend([83, 90, 129, 70], [86, 93, 136, 82])
    assert stat == pytest.approx(8.2249, abs=5e-5)
    assert p == pytest.approx(0.004132, abs=5e-7)
    assert slope < 0


def test_trend_codes():
    years = [2016, 2017, 2018, 2019, 2020, 2021]
    up = trend(periods=years, x=[50, 100, 150, 200, 250, 300], n=[1000] * 6)
    assert up.code == "increasing" and up.points == 5
    flat = trend(periods=years, x=[100] * 6, n=[1000] * 6)
    assert flat.code == "no_significant_change"
    short = trend(periods=years[:4], x=[1, 2, 3, 4], n=[10] * 4)
    assert short.code == "cannot_be_calculated" and "fewer than 5" in short.reason
    r = rate([500, 450, 400, 350, 300], [100_000] * 5)
    down = trend(periods=years[1:], value=r.value, lower=r.lower, upper=r.upper)
    assert down.code == "decreasing" and down.method == "weighted_regression"
    missing = trend(periods=years[1:], value=[1, 2, np.nan, 4, 5], lower=[0] * 5, upper=[9] * 5)
    assert missing.code == "cannot_be_calculated"


# PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv (phe_funnels, baseline
# 80.642448 %): Population, Lower2s0025limit, Upper2s0025limit, Lower3s0001limit, Upper3s0001limit.
# Published to 6 decimals (baseline too): tolerance 5e-6 percentage points.
FUNNEL_ROWS = [
    (1, 3.204264, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


def test_funnel_proportion_phe():
    n = np.array([r[0] for r in FUNNEL_ROWS], dtype=float)
    res = funnel_limits(n, 0.80642448)
    lo95, hi95 = res.limits[0.95]
    lo998, hi998 = res.limits[0.998]
    for i, (_, a, b, c, d) in enumerate(FUNNEL_ROWS):
        assert lo95[i] == pytest.approx(a, abs=5e-6)
        assert hi95[i] == pytest.approx(b, abs=5e-6)
        assert lo998[i] == pytest.approx(c, abs=5e-6)
        assert hi998[i] == pytest.approx(d, abs=5e-6)


@given(st.floats(1e-4, 0.05), st.integers(10, 10_000))
def test_property_rate_funnel_narrows(baseline, n):
    res = funnel_limits([n, 4 * n], baseline, statistic="rate", multiplier=100_000)
    lo, hi = res.limits[0.998]
    assert (lo <= baseline * 100_000 + 1e-9).all() and (hi >= baseline * 100_000).all()
    assert hi[1] - lo[1] < hi[0] - lo[0]
