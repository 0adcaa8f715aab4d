"""Quantile assignment and empirical-Bayes smoothing."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from jamlik.stats import assign_quantiles, empirical_bayes


def test_quintiles_equal_groups():
    # By definition, 20 distinct values split into quintiles of 4 each, lowest values in group 1.
    values = np.random.default_rng(0).permutation(20).astype(float)
    q = assign_quantiles(values, 5)
    assert np.bincount(q)[1:].tolist() == [4] * 5
    assert (q[values < 4] == 1).all()
    assert (assign_quantiles(values, 5, highest_first=True)[values < 4] == 5).all()


def test_weighted_quantiles_and_ties():
    # population weights: the single big area holds half the population -> it spans the middle
    q = assign_quantiles([1, 2, 3], 2, weights=[1, 2, 1])
    assert q.tolist() == [1, 2, 2]
    tied = assign_quantiles([5, 1, 5, 5, 2, 9], 3)
    assert len(set(tied[[0, 2, 3]])) == 1  # equal values share a group


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60), st.integers(1, 10))
def test_property_quantiles_monotone_and_order_free(values, k):
    v = np.array(values)
    q = assign_quantiles(v, k)
    assert q.min() >= 1 and q.max() <= k
    order = np.argsort(v, kind="stable")
    assert (np.diff(q[order]) >= 0).all()
    perm = np.random.default_rng(1).permutation(v.size)
    assert (assign_quantiles(v[perm], k) == q[perm]).all()


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(50, 5000)), min_size=2, max_size=30))
def test_property_eb_shrinks_towards_global_rate(pairs):
    x = np.array([p[0] for p in pairs], dtype=float)
    n = np.array([p[1] for p in pairs], dtype=float)
    est = empirical_bayes(x, n)
    m, raw = est["prior_mean"], est["raw"]
    assert est.method == "empirical_bayes"
    c = est["shrinkage"]
    assert ((c >= 0) & (c <= 1)).all()
    lo, hi = np.minimum(raw, m), np.maximum(raw, m)
    assert ((est.value >= lo - 1e-12) & (est.value <= hi + 1e-12)).all()


def test_eb_marshall_moment_estimator():
    # Marshall (1991) eqs. 6-7: phi = s^2 - m / nbar with s^2 = sum n_i (r_i - m)^2 / sum n_i;
    # C_i = phi / (phi + m / n_i). Hand-worked: x = (0, 10, 40), n = (100, 1000, 1000).
    x, n = np.array([0.0, 10.0, 40.0]), np.array([100.0, 1000.0, 1000.0])
    m = 50 / 2100
    s2 = (100 * m**2 + 1000 * (0.01 - m) ** 2 + 1000 * (0.04 - m) ** 2) / 2100
    phi = s2 - m / 700
    est = empirical_bayes(x, n)
    np.testing.assert_allclose(est["shrinkage"], phi / (phi + m / n), rtol=1e-12)
