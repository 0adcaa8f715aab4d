"""Survey-weighted estimates against textbook closed forms and R output."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, logit
from scipy.stats import t as student_t

from jamlik.model.errors import InputError
from jamlik.stats import survey_mean, survey_proportion

SLEEP_DIFF = np.array([1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4])


def test_srs_equal_weights_reproduces_r_t_test():
    # With equal weights, no strata and no clusters the linearised SE is s/sqrt(n) and df = n-1,
    # so the interval is R's t.test(sleep differences): 0.7001142 to 2.4598858 (?t.test example).
    est = survey_mean(SLEEP_DIFF, weights=np.full(10, 3.0))
    assert est.lower == pytest.approx(0.7001142, abs=5e-8)
    assert est.upper == pytest.approx(2.4598858, abs=5e-8)
    assert est["df"] == 9


def test_stratified_matches_cochran_formula():
    # Cochran WG, Sampling Techniques (3rd ed. 1977), eqs. 5.1 and 5.6 without the fpc:
    # ybar_st = sum W_h ybar_h, V = sum W_h^2 s_h^2 / n_h, with W_h = N_h / N and weights N_h/n_h.
    rng = np.random.default_rng(11)
    sizes, pops = [6, 9, 5], [600.0, 300.0, 1100.0]
    y = [rng.normal(10 + h, 2 + h, n) for h, n in enumerate(sizes)]
    strata = np.repeat([0, 1, 2], sizes)
    weights = np.concatenate([np.full(n, N / n) for n, N in zip(sizes, pops, strict=True)])
    yy = np.concatenate(y)
    total = sum(pops)
    mean_st = sum(N / total * yh.mean() for N, yh in zip(pops, y, strict=True))
    var_st = sum((N / total) ** 2 * yh.var(ddof=1) / len(yh) for N, yh in zip(pops, y, strict=True))
    est = survey_mean(yy, weights=weights, strata=strata)
    assert est.value == pytest.approx(mean_st, rel=1e-12)
    assert est["se"] == pytest.approx(np.sqrt(var_st), rel=1e-10)
    assert est["df"] == sum(sizes) - 3
    tq = student_t.ppf(0.975, sum(sizes) - 3)
    assert est.lower == pytest.approx(mean_st - tq * np.sqrt(var_st), rel=1e-10)


def test_one_stage_cluster_matches_lohr_ratio_formula():
    # Lohr SL, Sampling: Design and Analysis (2nd ed. 2010), eq. 5.20: for a one-stage cluster
    # sample with equal probabilities the ratio estimator ybar = sum t_i / sum M_i has
    # V = s_r^2 / (n Mbar^2), s_r^2 = sum (t_i - ybar M_i)^2 / (n - 1) (no fpc).
    rng = np.random.default_rng(5)
    m = np.array([3, 5, 2, 6, 4, 4, 7])
    cluster = np.repeat(np.arange(m.size), m)
    y = rng.normal(50, 10, m.sum()) + cluster
    t_i = np.bincount(cluster, weights=y)
    ybar = t_i.sum() / m.sum()
    s_r2 = ((t_i - ybar * m) ** 2).sum() / (m.size - 1)
    se = np.sqrt(s_r2 / (m.size * m.mean() ** 2))
    est = survey_mean(y, weights=np.full(y.size, 12.5), clusters=cluster)
    assert est.value == pytest.approx(ybar, rel=1e-12)
    assert est["se"] == pytest.approx(se, rel=1e-10)
    assert est["df"] == m.size - 1


def test_proportion_logit_interval_definition():
    # survey::svyciprop(method = "logit"): expit(logit(p) -/+ t_df * se / (p (1 - p))).
    y = np.array([1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0])
    w = np.array([1, 2, 1, 3, 1, 2, 2, 1, 1, 3, 1, 2], dtype=float)
    strata = np.repeat(["a", "b"], 6)
    est = survey_proportion(y, weights=w, strata=strata)
    p, se, df = est.value, est["se"], est["df"]
    half = student_t.ppf(0.975, df) * se / (p * (1 - p))
    assert est.lower == pytest.approx(expit(logit(p) - half), rel=1e-12)
    assert p == pytest.approx((w * y).sum() / w.sum())
    kg = survey_proportion(y, weights=w, strata=strata, interval="korn_graubard")
    assert 0 <= kg.lower < p < kg.upper <= 1


def test_survey_errors():
    with pytest.raises(InputError, match="strata"):
        survey_mean([1.0, 2.0, 3.0], weights=[1, 1, 1], strata=["a", "a", "b"])
    with pytest.raises(InputError, match="weights"):
        survey_mean([1.0, 2.0], weights=[1, 0])
    with pytest.raises(InputError, match="0/1"):
        survey_proportion([0, 2, 1], weights=[1, 1, 1])
