"""Recent-trend classification over the last five points, after England's Fingertips.

Proportions (counts ``x`` of ``n``) use the chi-squared test for trend in proportions
(Cochran 1954; Armitage 1955; the statistic of R's ``prop.trend.test``). Other value types use a
weighted least-squares slope of the values on time with inverse-variance weights taken from their
95% confidence intervals, tested with a normal approximation. A trend is *increasing* or
*decreasing* when the two-sided p-value is below ``1 - confidence``.

The rule is defined once, on many series at once (:func:`trend_arrays`, ``(n_series, k)``
arrays); :func:`trend` calls it with one series and the engine with every series and window of
an indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import chi2, norm

from jamlik.model.errors import InputError
from jamlik.stats._intervals import z_value
from jamlik.stats._validate import as_array

__all__ = ["TrendColumns", "TrendResult", "chi_squared_trend", "trend", "trend_arrays"]

#: Why a trend cannot be calculated (besides too few points).
SUPPRESSED = "suppressed values in the period"
MISSING = "missing values or confidence limits"
UNDEFINED = "all proportions are 0 or all are 1"


@dataclass(frozen=True)
class TrendResult:
    """``code`` is ``increasing``, ``decreasing``, ``no_significant_change`` or
    ``cannot_be_calculated`` (then ``reason`` says why)."""

    code: str
    statistic: float | None
    p_value: float | None
    slope: float | None
    points: int
    confidence: float
    method: str
    reason: str | None = None


def chi_squared_trend(x: Any, n: Any, scores: Any = None) -> tuple[float, float, float]:
    """Chi-squared test for trend in proportions; returns ``(statistic, p_value, slope)``.

    ``slope`` is the weighted least-squares slope of ``x/n`` on ``scores`` (its sign gives the
    direction). Same statistic as R ``prop.trend.test(x, n, score)``.
    """
    xa, _ = as_array("x", x)
    na, _ = as_array("n", n)
    s = np.arange(1, xa.size + 1, dtype=float) if scores is None else as_array("scores", scores)[0]
    if not (xa.shape == na.shape == s.shape):
        raise InputError("x, n, scores", (xa.size, na.size, s.size), "equal lengths")
    stat, p, slope = _chi_squared_rows(xa[None, :], na[None, :], s[None, :],
                                       np.ones((1, xa.size), dtype=bool))
    return float(stat[0]), float(p[0]), float(slope[0])


def trend(
    *,
    periods: Any,
    x: Any = None,
    n: Any = None,
    value: Any = None,
    lower: Any = None,
    upper: Any = None,
    confidence: float = 0.999,
    points: int = 5,
) -> TrendResult:
    """Classify the recent trend over the last ``points`` periods.

    Give ``x`` and ``n`` for a proportion, or ``value``/``lower``/``upper`` (95% limits) for any
    other value type. ``periods`` are numeric (e.g. years) and define the order. The rule is
    :func:`trend_arrays` applied to this one series.
    """
    if not 0 < confidence < 1:
        raise InputError("confidence", confidence, "a level between 0 and 1, e.g. 0.999")
    t, _ = as_array("periods", periods)
    order = np.argsort(t, kind="stable")
    t = t[order][-points:]
    if x is not None or n is not None:
        if x is None or n is None:
            raise InputError("x, n", (x, n), "both counts and denominators for a proportion")
        xa = as_array("x", x)[0][order][-points:]
        na = as_array("n", n)[0][order][-points:]
        with np.errstate(invalid="ignore"):
            checked = t.size >= points and np.isfinite(xa).all() and np.isfinite(na).all() \
                and (na > 0).all()
        if checked and ((xa < 0).any() or (xa > na).any()):
            raise InputError("x", xa.tolist(), "counts between 0 and n")
        cols = trend_arrays(t[None, :], x=xa[None, :], n=na[None, :], confidence=confidence,
                            points=points)
    else:
        if value is None or lower is None or upper is None:
            raise InputError("value, lower, upper", None, "values with 95% limits, or x and n")
        va, lo, hi = (as_array(name, a)[0][order][-points:]
                      for name, a in (("value", value), ("lower", lower), ("upper", upper)))
        cols = trend_arrays(t[None, :], value=va[None, :], lower=lo[None, :],
                            upper=hi[None, :], confidence=confidence, points=points)
    if cols.reason[0] is not None:
        return TrendResult("cannot_be_calculated", None, None, None, int(t.size), confidence,
                           cols.method, cols.reason[0])
    return TrendResult(str(cols.code[0]), float(cols.statistic[0]), float(cols.p_value[0]),
                       float(cols.slope[0]), int(t.size), confidence, cols.method)


@dataclass(frozen=True)
class TrendColumns:
    """The recent trend of many series, one entry per series (the rows given to
    :func:`trend_arrays`).

    ``code`` and ``reason`` are object arrays (``reason`` is ``None`` where the trend was
    calculated); ``statistic``, ``p_value`` and ``slope`` are NaN where it was not. ``slope``
    gives the direction only for proportions (the weighted slope of ``x/n`` on time).
    """

    code: np.ndarray
    reason: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    slope: np.ndarray
    points: np.ndarray
    confidence: float
    method: str


def _chi_squared_rows(x: np.ndarray, n: np.ndarray, s: np.ndarray, m: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chi-squared test for trend in proportions per row of ``(n_series, k)`` arrays; only the
    points where ``m`` is true count."""
    with np.errstate(all="ignore"):
        x, n, s = (np.where(m, a, 0.0) for a in (x, n, s))
        pbar = x.sum(axis=1) / n.sum(axis=1)
        sbar = (n * s).sum(axis=1) / n.sum(axis=1)
        ds = np.where(m, s - sbar[:, None], 0.0)
        sxx = (n * ds**2).sum(axis=1)
        sxy = np.where(m, n * (x / n - pbar[:, None]) * ds, 0.0).sum(axis=1)
        stat = sxy**2 / (pbar * (1 - pbar) * sxx)
        return stat, chi2.sf(stat, 1), sxy / sxx


def _regression_rows(v: np.ndarray, lo: np.ndarray, hi: np.ndarray, t: np.ndarray,
                     m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse-variance weighted slope of ``v`` on ``t`` (weights from 95% limits) and its
    normal test per row; only the points where ``m`` is true count."""
    with np.errstate(all="ignore"):
        se = (hi - lo) / (2 * z_value(0.95))
        w = np.where(m, 1 / se**2, 0.0)
        t = np.where(m, t, 0.0)
        tbar = (w * t).sum(axis=1) / w.sum(axis=1)
        dt = np.where(m, t - tbar[:, None], 0.0)
        sxx = (w * dt**2).sum(axis=1)
        slope = np.where(m, w * dt * v, 0.0).sum(axis=1) / sxx
        zstat = slope * np.sqrt(sxx)
        return zstat**2, 2 * norm.sf(np.abs(zstat)), slope


def trend_arrays(
    periods: Any,
    *,
    x: Any = None,
    n: Any = None,
    value: Any = None,
    lower: Any = None,
    upper: Any = None,
    suppressed: Any = None,
    confidence: float = 0.999,
    points: int = 5,
) -> TrendColumns:
    """The trend rule of :func:`trend` for many series at once.

    Every argument is a ``(n_series, k)`` array: one row per series, one column per point (in
    any order); a NaN period pads a row that has fewer points. Each row uses all its points —
    the caller chooses the window (:func:`trend` takes the last ``points`` periods). A row with
    fewer than ``points`` points, a missing count, denominator, value or limit (or a
    non-positive denominator or interval width), all proportions 0 or all 1, or (given
    ``suppressed``) a suppressed point cannot be calculated; the reasons take precedence in
    that order.
    """
    t = np.atleast_2d(np.asarray(periods, dtype=float))
    m = np.isfinite(t)
    k = m.sum(axis=1)

    def arr(a: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(a, dtype=float), t.shape)

    def finite(*arrays: np.ndarray) -> np.ndarray:
        return np.logical_and.reduce([np.isfinite(a) for a in arrays])

    if x is not None or n is not None:
        method = "chi_squared_trend"
        xa, na = arr(x), arr(n)
        with np.errstate(invalid="ignore"):
            bad = (m & ~(finite(xa, na) & (na > 0))).any(axis=1)
        stat, p, slope = _chi_squared_rows(xa, na, t, m)
        sx, sn = np.where(m, xa, 0.0).sum(axis=1), np.where(m, na, 0.0).sum(axis=1)
        undefined = (sx == 0) | (sx == sn)
    else:
        method = "weighted_regression"
        va, lo, hi = arr(value), arr(lower), arr(upper)
        with np.errstate(invalid="ignore"):
            bad = (m & ~(finite(va, lo, hi) & (hi - lo > 0))).any(axis=1)
        stat, p, slope = _regression_rows(va, lo, hi, t, m)
        undefined = np.zeros(t.shape[0], dtype=bool)
    code = np.where(p < 1 - confidence, np.where(slope > 0, "increasing", "decreasing"),
                    "no_significant_change").astype(object)
    reason = np.full(t.shape[0], None, dtype=object)
    checks = [(undefined, UNDEFINED), (bad, MISSING), (k < points, f"fewer than {points} points")]
    if suppressed is not None:
        sup = (m & np.broadcast_to(np.asarray(suppressed, dtype=bool), t.shape)).any(axis=1)
        checks.insert(0, (sup, SUPPRESSED))
    for mask, why in checks:
        code[mask] = "cannot_be_calculated"
        reason[mask] = why
    calculated = reason == None  # noqa: E711 (element-wise on an object array)
    nan = np.nan
    return TrendColumns(code, reason, np.where(calculated, stat, nan),
                        np.where(calculated, p, nan), np.where(calculated, slope, nan),
                        k.astype(int), confidence, method)
