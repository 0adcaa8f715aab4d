"""Design-based (survey-weighted) mean and proportion with Taylor-linearised variance.

The mean is the ratio estimator ``sum(w y) / sum(w)``; its variance is the with-replacement
(ultimate cluster) variance of the linearised totals ``z = w (y - mean) / sum(w)`` summed per PSU
within strata: ``sum_h n_h / (n_h - 1) * sum_c (z_hc - mean_h(z))^2`` — the default of R
``survey::svymean`` without finite population correction. Degrees of freedom = #PSU − #strata.

Proportion intervals: ``"logit"`` (default, as ``survey::svyciprop(method="logit")``): the limits
of ``logit(p) ± t * se / (p (1 - p))`` back-transformed; ``"korn_graubard"``: Clopper–Pearson
limits on the effective sample size ``p (1 - p) / se²`` with Korn & Graubard's (1998)
degrees-of-freedom adjustment; ``"wald"``: ``p ± t * se``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit, logit
from scipy.stats import beta as beta_dist
from scipy.stats import t as student_t

from jamlik.model.errors import InputError
from jamlik.stats._result import Estimate, make_estimate
from jamlik.stats._validate import as_array, check_finite, check_positive, confidence_levels

__all__ = ["survey_mean", "survey_proportion"]


def _codes(name: str, labels: Any, size: int) -> np.ndarray:
    if labels is None:
        return np.zeros(size, dtype=int)
    arr = labels.to_numpy() if hasattr(labels, "to_numpy") else np.asarray(labels)
    if arr.shape != (size,):
        raise InputError(name, f"length {arr.shape}", f"one label per observation ({size})")
    return np.unique(arr.astype(str), return_inverse=True)[1]


def _design(y: Any, weights: Any, strata: Any, clusters: Any):
    ya, _ = as_array("y", y)
    check_finite("y", ya, "drop missing responses before estimating")
    w, _ = as_array("weights", weights)
    check_positive("weights", w)
    if w.shape != ya.shape:
        raise InputError("weights", f"length {w.size}", f"one weight per observation ({ya.size})")
    h = _codes("strata", strata, ya.size)
    c = np.arange(ya.size) if clusters is None else _codes("clusters", clusters, ya.size)
    # PSU identity is (stratum, cluster); clusters are taken as nested in strata.
    psu = np.unique(np.stack([h, c]), axis=1, return_inverse=True)[1].ravel()
    psu_stratum = np.zeros(psu.max() + 1, dtype=int)
    psu_stratum[psu] = h
    n_h = np.bincount(psu_stratum, minlength=h.max() + 1)
    if (n_h < 2).any():
        bad = int(np.flatnonzero(n_h < 2)[0])
        label = np.asarray(strata)[h == bad][0] if strata is not None else "all"
        raise InputError(
            "strata",
            label,
            "at least two PSUs (clusters) in every stratum",
            "merge single-PSU strata with a neighbouring stratum",
        )
    return ya, w, psu, psu_stratum, n_h


def _linearised(ya, w, psu, psu_stratum, n_h):
    total_w = w.sum()
    est = (w * ya).sum() / total_w
    z = w * (ya - est) / total_w
    z_psu = np.bincount(psu, weights=z)
    mean_h = np.bincount(psu_stratum, weights=z_psu) / n_h
    dev2 = (z_psu - mean_h[psu_stratum]) ** 2
    var = (n_h / (n_h - 1) * np.bincount(psu_stratum, weights=dev2, minlength=n_h.size)).sum()
    df = psu_stratum.size - n_h.size
    return est, float(np.sqrt(var)), df


def survey_mean(
    y: Any,
    *,
    weights: Any,
    strata: Any = None,
    clusters: Any = None,
    confidence: float | Sequence[float] = 0.95,
) -> Estimate:
    """Weighted mean with a Taylor-linearised Student-t interval."""
    levels = confidence_levels(confidence)
    est, se, df = _linearised(*_design(y, weights, strata, clusters))

    def limits(lv: float):
        tq = student_t.ppf(lv + (1 - lv) / 2, df)
        return np.array([est - tq * se]), np.array([est + tq * se])

    return make_estimate(
        np.array([est]),
        levels,
        limits,
        scalar=True,
        method="taylor_linearisation",
        statistic="survey-weighted mean",
        details={"se": se, "df": df},
    )


def survey_proportion(
    y: Any,
    *,
    weights: Any,
    strata: Any = None,
    clusters: Any = None,
    confidence: float | Sequence[float] = 0.95,
    interval: str = "logit",
    multiplier: float = 1,
) -> Estimate:
    """Weighted proportion of a 0/1 (or boolean) variable; see the module for ``interval``."""
    levels = confidence_levels(confidence)
    ya, _ = as_array("y", y)
    if not np.isin(ya[np.isfinite(ya)], (0.0, 1.0)).all():
        raise InputError("y", np.unique(ya)[:5].tolist(), "0/1 or boolean values")
    if interval not in ("logit", "korn_graubard", "wald"):
        raise InputError("interval", interval, "'logit', 'korn_graubard' or 'wald'")
    design = _design(ya, weights, strata, clusters)
    p, se, df = _linearised(*design)
    n = design[0].size

    def limits(lv: float):
        tq = student_t.ppf(lv + (1 - lv) / 2, df)
        if interval == "wald":
            lo, hi = p - tq * se, p + tq * se
        elif p in (0.0, 1.0) or se == 0:
            lo, hi = p, p
        elif interval == "logit":
            half = tq * se / (p * (1 - p))
            lo, hi = expit(logit(p) - half), expit(logit(p) + half)
        else:
            zq = student_t.ppf(lv + (1 - lv) / 2, n - 1)
            n_eff = p * (1 - p) / se**2 * (zq / tq) ** 2
            x = n_eff * p
            alpha = 1 - lv
            lo = beta_dist.ppf(alpha / 2, x, n_eff - x + 1) if x > 0 else 0.0
            hi = beta_dist.ppf(1 - alpha / 2, x + 1, n_eff - x) if x < n_eff else 1.0
        return np.array([lo]) * multiplier, np.array([hi]) * multiplier

    return make_estimate(
        np.array([p * multiplier]),
        levels,
        limits,
        scalar=True,
        method=f"taylor_linearisation_{interval}",
        statistic="survey-weighted proportion",
        multiplier=multiplier,
        details={"se": se * multiplier, "df": df},
    )
