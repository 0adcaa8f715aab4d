"""The vectorised survey domain estimator and trend, checked against jamlik.stats' single-series
functions (which are themselves checked against R ``survey`` / ``prop.trend.test``)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik import stats
from jamlik.engine._publish import trend
from jamlik.engine.methods._survey import domain_estimates
from jamlik.model.catalogue import load_catalogue


def _sample(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "_unit": np.arange(n), "year": np.full(n, 2020, np.int16),
        "stratum": rng.choice(["a", "b", "c"], n), "weight": rng.uniform(5, 50, n),
        "y": (rng.random(n) < 0.3).astype(float), "female": rng.random(n) < 0.5})


def _domains(units, mask, code="d"):
    return units.filter(mask).select(
        "_unit", "year", area_level=pl.lit("x"), area_code=pl.lit(code),
        breakdown=pl.lit("b"), group_value=pl.lit("g"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_whole_sample_domain_equals_stats_survey_proportion(seed):
    units = _sample(seed)
    res = domain_estimates(units, _domains(units, pl.lit(True)), (0.95, 0.998)).row(0, named=True)
    ref = stats.survey_proportion(units["y"].to_numpy(), weights=units["weight"].to_numpy(),
                                  strata=units["stratum"].to_numpy(), confidence=(0.95, 0.998))
    assert res["value"] == pytest.approx(ref.value, rel=1e-12)
    assert res["se"] == pytest.approx(ref["se"], rel=1e-10)
    assert res["df"] == ref["df"]
    assert res["lower_95"] == pytest.approx(ref.intervals[0.95][0], rel=1e-10)
    assert res["upper_998"] == pytest.approx(ref.intervals[0.998][1], rel=1e-10)


@pytest.mark.parametrize("seed", [4, 5])
def test_subdomain_se_equals_stats_survey_mean_of_linearised_values(seed):
    """For a domain, u_i = w_i d_i (y_i − p̂)/Ŵ_d; survey_mean of z = d (y − p̂) N̂/Ŵ_d over the
    whole sample has exactly these linearised values, so its se is the domain se."""
    units = _sample(seed)
    dom = units["female"].to_numpy()
    res = domain_estimates(units, _domains(units, pl.col("female")), (0.95,)).row(0, named=True)
    w, y = units["weight"].to_numpy(), units["y"].to_numpy()
    p = (w * y * dom).sum() / (w * dom).sum()
    assert res["value"] == pytest.approx(p, rel=1e-12)
    z = dom * (y - p) * w.sum() / (w * dom).sum()
    ref = stats.survey_mean(z, weights=w, strata=units["stratum"].to_numpy())
    assert res["se"] == pytest.approx(ref["se"], rel=1e-9)


def _series(values, lows, highs, x=None, n=None):
    k = len(values)
    return pl.DataFrame({
        "indicator_id": ["i"] * k, "area_level": ["lan"] * k, "area_code": ["05"] * k,
        "breakdown": ["total"] * k, "group_value": ["total"] * k,
        "year": np.arange(2016, 2016 + k), "numerator": x if x is not None else [1.0] * k,
        "denominator": n if n is not None else [1.0] * k, "value": values, "lower_95": lows,
        "upper_95": highs, "suppressed": [False] * k})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(50, 150), min_size=5, max_size=5),
       st.lists(st.floats(1, 20), min_size=5, max_size=5))
def test_trend_regression_matches_stats_trend(values, widths):
    v = np.array(values)
    w = np.array(widths)
    df = _series(v, v - w, v + w)
    ind = load_catalogue()["mortality_all_cause"]
    got = trend(df, ind).filter(pl.col("year") == 2020).row(0, named=True)
    ref = stats.trend(periods=np.arange(2016, 2021), value=v, lower=v - w, upper=v + w)
    assert got["trend"] == ref.code


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=5, max_size=5),
       st.lists(st.integers(400, 2000), min_size=5, max_size=5))
def test_trend_proportion_matches_stats_trend(xs, ns):
    x, n = np.array(xs, float), np.array(ns, float)
    df = _series(x / n, x / n, x / n, x=x, n=n)
    ind = load_catalogue()["share_low_income"]
    got = trend(df, ind).filter(pl.col("year") == 2020).row(0, named=True)
    ref = stats.trend(periods=np.arange(2016, 2021), x=x, n=n)
    assert got["trend"] == ref.code


def test_trend_needs_five_points():
    df = _series([1.0, 2.0, 3.0], [0.5, 1.5, 2.5], [1.5, 2.5, 3.5])
    res = trend(df, load_catalogue()["mortality_all_cause"])
    assert set(res["trend"]) == {"cannot_be_calculated"}
    assert set(res["trend_reason"]) == {"fewer than 5 points"}
