"""Gap trend tests, checked against statsmodels (an independent WLS/OLS implementation)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from jamlik.equity import gap_trend
from jamlik.model.errors import InputError

YEARS = np.arange(2015, 2025, dtype=float)
GAPS = np.array([4.1, 4.3, 4.2, 4.8, 5.0, 5.1, 5.6, 5.4, 6.0, 6.3])
SES = np.array([0.30, 0.25, 0.35, 0.30, 0.28, 0.40, 0.33, 0.30, 0.36, 0.31])


def test_weighted_slope_matches_statsmodels_wls_with_known_variances():
    # statsmodels WLS with cov_type="fixed scale" (scale 1) = inverse-variance regression with
    # known sampling variances and a z-test; tolerance 1e-10 relative.
    fit = sm.WLS(GAPS, sm.add_constant(YEARS), weights=1 / SES**2).fit(
        cov_type="fixed scale", cov_kwds={"scale": 1.0}
    )
    res = gap_trend(YEARS, GAPS, SES)
    assert res.slope == pytest.approx(fit.params[1], rel=1e-10)
    assert res.se == pytest.approx(fit.bse[1], rel=1e-10)
    assert res.p_value == pytest.approx(fit.pvalues[1], rel=1e-8)
    lo, hi = fit.conf_int()[1]
    assert (res.lower, res.upper) == pytest.approx((lo, hi), rel=1e-10)
    assert res.direction == "widening" and res.test == "z"


def test_unweighted_slope_matches_statsmodels_ols_t_test():
    fit = sm.OLS(GAPS, sm.add_constant(YEARS)).fit()
    res = gap_trend(YEARS, GAPS)
    assert res.slope == pytest.approx(fit.params[1], rel=1e-10)
    assert res.se == pytest.approx(fit.bse[1], rel=1e-10)
    assert res.p_value == pytest.approx(fit.pvalues[1], rel=1e-8)
    lo, hi = fit.conf_int(alpha=0.10)[1]
    res90 = gap_trend(YEARS, GAPS, confidence=0.90)
    assert (res90.lower, res90.upper) == pytest.approx((lo, hi), rel=1e-10)
    assert res.test == "t"


def test_relative_gap_is_analysed_on_the_log_scale():
    ratios = np.exp(0.5 - 0.03 * (YEARS - 2015))
    log_se = np.full(YEARS.size, 0.01)
    fit = sm.WLS(np.log(ratios), sm.add_constant(YEARS), weights=1 / log_se**2).fit(
        cov_type="fixed scale", cov_kwds={"scale": 1.0}
    )
    res = gap_trend(YEARS, ratios, log_se, relative=True)
    assert res.slope == pytest.approx(fit.params[1], rel=1e-10)
    assert res.direction == "closing"


def test_negative_gap_moving_towards_zero_is_closing():
    res = gap_trend(YEARS, -GAPS[::-1], SES)
    assert res.direction == "closing"


def test_flat_noisy_gap_is_no_significant_change():
    res = gap_trend(YEARS, 5 + 0.01 * np.sin(YEARS), np.full(YEARS.size, 1.0))
    assert res.direction == "no_significant_change"


def test_too_few_points_cannot_be_calculated():
    res = gap_trend([2020, 2021, 2022], [1.0, float("nan"), 2.0])
    assert res.direction == "cannot_be_calculated" and np.isnan(res.slope)


def test_bad_input_names_argument():
    with pytest.raises(InputError) as info:
        gap_trend([2020, 2021], [1.0, 2.0, 3.0])
    assert info.value.argument == "gap"
    with pytest.raises(InputError) as info:
        gap_trend(YEARS, GAPS, -SES)
    assert info.value.argument == "se"
